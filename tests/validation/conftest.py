"""Shared runs for the validation suite: scenarios x replications on common random numbers.

Every pattern test reads per-run figures from one session-wide cache, so each (scenario,
overrides, seed) is simulated once, in parallel over the cores. Seeds are those of
``kamsim compare --seed 2026`` (``sim/seeds.py``), the same for every scenario.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import numpy as np
import pytest
from validation_figures import run_figures

from sim.runs.pool import Progress, map_ordered
from sim.seeds import replicate_seeds

REPS = int(os.environ.get("KAMSIM_VALIDATION_REPS", "16"))
# A pattern about one scenario's level (not a paired difference) gains nothing from common
# random numbers; the pool-health levels are tested on four times the runs (docs/ODD.md 7.m).
LEVEL_REPS = 4 * REPS
SEEDS = replicate_seeds(2026, LEVEL_REPS)  # the first REPS: every test


class Runs:
    """Cache of figures per run task ``(scenario, overrides as JSON, seed, steps)``; ``get``
    returns a figure over the first ``reps`` common seeds."""

    level_reps = LEVEL_REPS

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.cache: dict[tuple[str, str, int, int | None], dict[str, float]] = {}

    def prefetch(self, specs: list[tuple[str, dict, int | None]], reps: int = REPS) -> None:
        tasks = [(n, json.dumps(o, sort_keys=True), seed, steps)
                 for n, o, steps in specs for seed in SEEDS[:reps]]
        tasks = [t for t in tasks if t not in self.cache]
        if not tasks:
            return
        # the worker pool of kamsim compare and sweep
        with Progress(len(tasks), "validation runs", "runs", enabled=False) as bar:
            results = map_ordered(run_figures, tasks, min(self.workers, len(tasks)), bar)
        self.cache.update(zip(tasks, results, strict=True))

    def get(self, name: str, overrides: dict | None = None, steps: int | None = None,
            figure: str = "", reps: int = REPS) -> np.ndarray:
        over = json.dumps(overrides or {}, sort_keys=True)
        tasks = [(name, over, seed, steps) for seed in SEEDS[:reps]]
        if any(t not in self.cache for t in tasks):
            self.prefetch([(name, overrides or {}, steps)], reps)
        return np.array([self.cache[t][figure] for t in tasks], dtype=float)


@pytest.fixture(scope="session")
def runs() -> Iterator[Runs]:
    r = Runs(workers=os.cpu_count() or 1)
    r.prefetch([(n, {}, None) for n in ("baseline", "price_war", "kam_centre",
                                        "price_shock_silent", "price_shock_communicated",
                                        "funnel", "reservoir")])
    r.prefetch([("funnel", {}, None), ("reservoir", {}, None)], LEVEL_REPS)
    yield r
    dump = os.environ.get("KAMSIM_VALIDATION_FIGURES")
    if dump:  # every run's figures, for re-measuring the numbers quoted in docs/ODD.md 7.m
        rows = [{"scenario": k[0], "overrides": k[1], "seed": k[2], "steps": k[3], **v}
                for k, v in r.cache.items()]
        with open(dump, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
