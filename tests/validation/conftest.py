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
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
REPS = int(os.environ.get("KAMSIM_VALIDATION_REPS", "16"))
SEEDS = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(2026).spawn(REPS)]


def run_figures(task: tuple[str, str, int, int | None]) -> dict[str, float]:
    """Simulate one scenario (with JSON overrides) and one seed; return the figures tested."""
    from sim import scenario
    from sim.run import simulate, summarize

    name, overrides, seed, steps = task
    params = scenario.load(ROOT / "scenarios" / f"{name}.toml", overrides=json.loads(overrides))
    model, t = simulate(params, seed=seed, steps=steps)
    s = summarize(model, t)["suppliers"]
    sup = t["suppliers"]
    focal = sup[sup["focal"]]
    year = focal["step"] // 52
    y1 = sup[sup["step"] < 52]
    ret = t["retention"]
    fr = ret[ret["supplier"] == model.supplier_names[model.focal]]
    tr = t["transitions"]
    dropped = tr["to_stage"].isin(["lost", "general", "sunset"])
    key_drop = tr[(tr["supplier"] == model.supplier_names[model.focal])
                  & (tr["from_stage"] == "key") & dropped]
    lost_all = (tr["to_stage"] == "lost").sum()
    last = focal["step"].max()
    customers = focal.set_index("step")["customers"]
    return {
        "top20": s[model.supplier_names[model.focal]]["top20_revenue_share"],
        "retention": fr["retained"].sum() / fr["customers_start"].sum(),
        "key_retention": fr["key_retained"].sum() / max(fr["key_start"].sum(), 1),
        "share_y1": focal.loc[year == 0, "volume_t"].sum() / y1["volume_t"].sum(),
        "gross_margin": focal["gross_profit"].sum() / focal["revenue"].sum(),
        "net_profit": focal["net_profit"].sum(),
        "pool_health_last_year": (
            focal.loc[focal["step"] > last - 52, "acquired"].sum()
            / max(focal.loc[focal["step"] > last - 52, ["lost", "exited"]].sum().sum(), 1)),
        "base_change_last_year": customers[last] / customers[last - 52] - 1.0,
        "key_lost_shock": int(key_drop["step"].between(56, 107).sum()),
        "churn_per_customer_year": lost_all / (t["pool"].query("stage != 'prospect' and "
                                                              "stage != 'lost'")
                                               .groupby("step")["count"].sum().mean()
                                               * (last + 1) / 52),
    }


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
