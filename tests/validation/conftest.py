"""Shared runs for the validation suite: scenarios x replications on common random numbers.

Every pattern test reads per-run figures from one session-wide cache, so each (scenario,
overrides, seed) is simulated once, in parallel over the cores. Seeds come from one
``SeedSequence`` (as in ``kamsim compare``), the same for every scenario.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from validation_figures import run_figures

REPS = int(os.environ.get("KAMSIM_VALIDATION_REPS", "16"))
SEEDS = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(2026).spawn(REPS)]


class Runs:
    """Cache of figures per (scenario, overrides) -> list over the common seeds."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.cache: dict[tuple[str, str, int | None], list[dict[str, float]]] = {}

    def prefetch(self, specs: list[tuple[str, dict, int | None]]) -> None:
        todo = [(n, json.dumps(o, sort_keys=True), steps) for n, o, steps in specs
                if (n, json.dumps(o, sort_keys=True), steps) not in self.cache]
        tasks = [(n, o, seed, steps) for n, o, steps in todo for seed in SEEDS]
        if not tasks:
            return
        # forkserver, as kamsim compare and sweep use: no fork of a multi-threaded process
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(self.workers, mp_context=mp.get_context(method)) as pool:
            results = list(pool.map(run_figures, tasks))
        for i, key in enumerate(todo):
            self.cache[key] = results[i * REPS:(i + 1) * REPS]

    def get(self, name: str, overrides: dict | None = None, steps: int | None = None,
            figure: str = "") -> np.ndarray:
        key = (name, json.dumps(overrides or {}, sort_keys=True), steps)
        if key not in self.cache:
            self.prefetch([(name, overrides or {}, steps)])
        return np.array([r[figure] for r in self.cache[key]], dtype=float)


@pytest.fixture(scope="session")
def runs() -> Runs:
    r = Runs(workers=os.cpu_count() or 1)
    r.prefetch([(n, {}, None) for n in ("baseline", "price_war", "kam_centre",
                                        "price_shock_silent", "price_shock_communicated",
                                        "funnel", "reservoir")])
    return r
