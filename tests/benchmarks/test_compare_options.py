"""Benchmarks of the options of ``kamsim compare`` (issue 12's speed targets, docs/PERFORMANCE.md):
``--robustness 64`` of two strategies (reservoir and funnel, beside the status quo) at the
baseline's size, and ``--levers`` of the reservoir's eight levers (20 replications), each on
two workers. Under ``make bench`` (``KAMSIM_BENCH_FULL=1``) at full size, with the load
average recorded beside the wall time (the machine is shared); in the ordinary test run once,
on a small market, as a plain test.
"""

from __future__ import annotations

import os
import time

from sim.runs import compare, compare_options, robustness

from .market import FULL, ROOT

SCEN = ROOT / "scenarios"
SMALL = () if FULL else (("run.scale", 0.15),)
STEPS = None if FULL else 13


def _timed(benchmark, fn):
    load = os.getloadavg()[0]
    start = time.perf_counter()
    result = benchmark.pedantic(fn, rounds=1, iterations=1)
    benchmark.extra_info.update(seconds=time.perf_counter() - start, load_before=load,
                                load_after=os.getloadavg()[0], cpus=os.cpu_count())
    return result


def test_robustness_64_markets(benchmark):
    """Every run of ``compare reservoir funnel --robustness 64`` in the markets (3 x 64)."""
    n = 64 if FULL else 2
    plan = compare.make_plan([SCEN / "reservoir.toml", SCEN / "funnel.toml"], reps=1,
                             overrides=SMALL, steps=STEPS, robustness=n)
    todo = list(plan.market_runs)
    table = _timed(benchmark, lambda: robustness.run(todo, plan.markets, steps=STEPS,
                                                     workers=2, progress=False))
    assert len(table) == 3 * n and table["focal.pool_health"].notna().all()
    benchmark.extra_info.update(markets=n, runs=len(table))


def test_levers_of_the_reservoir(benchmark):
    """``compare reservoir --levers``: 18 variants (the bundle, its status quo, each of the
    eight levers removed and alone) x the replications."""
    reps = 20 if FULL else 1
    plan = compare.make_plan([SCEN / "reservoir.toml"], reps=reps, overrides=SMALL,
                             steps=STEPS, levers=[])
    table = _timed(benchmark, lambda: compare_options.run(plan, workers=2,
                                                          progress=False)["levers"])
    assert set(table["method"]) == {"bundle", "removal", "addition"}
    assert table["lever"].nunique() == 9
    benchmark.extra_info.update(runs=18 * reps, reps=reps)
