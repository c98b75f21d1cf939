"""Benchmarks (pytest-benchmark): the weekly step, the per-agent reference, whole runs, sweeps,
compiling the rules.

``make bench`` runs them with timing on (``KAMSIM_BENCH_FULL=1``, JSON in
``results/benchmarks.json``; ``tests/benchmarks/report.py`` turns it into the tables of
docs/PERFORMANCE.md). In the ordinary test run (``--benchmark-disable``, as in CI) each one
runs once as a plain test, at the small sizes only: the 10,000- and 100,000-customer cases,
the 100k run, the sweep benchmark and the cold compile need ``KAMSIM_BENCH_FULL=1``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sim import scenario
from sim.market.model import MarketModel
from sim.reference import ReferenceMarket
from sim.runs.run import simulate, write_outputs

from .market import BASELINE, FULL, ROOT, bytes_per_step, copy_bandwidth, scaled

CUSTOMERS = (1_000, 10_000, 100_000)
SUPPLIERS = (6, 20, 50)
SIZES = [pytest.param(n, s, id=f"{n}x{s}") for n in CUSTOMERS for s in SUPPLIERS]
needs_full = pytest.mark.skipif(not FULL, reason="large case: set KAMSIM_BENCH_FULL=1 "
                                                  "(make bench does)")


def _size_gate(n: int) -> None:
    if n > 1_000 and not FULL:
        pytest.skip("large case: set KAMSIM_BENCH_FULL=1 (make bench does)")


_MODELS: dict[tuple[int, int], MarketModel] = {}


def market(n: int, s: int) -> MarketModel:
    """A market of ``n`` customers and ``s`` suppliers, set up and run for a quarter."""
    key = (n, s)
    if key not in _MODELS:
        _MODELS.clear()  # one large market in memory at a time
        model = MarketModel(scaled(n, s, weeks=520))
        for _ in range(13):
            model.step()
        _MODELS[key] = model
    return _MODELS[key]


def _cpu_per_round(benchmark, fn, rounds: int, warmup: int = 1) -> None:
    start = time.process_time()
    benchmark.pedantic(fn, rounds=rounds, warmup_rounds=warmup, iterations=1)
    cpu = (time.process_time() - start) / (rounds + warmup)
    benchmark.extra_info["cpu_s_per_round"] = cpu


@pytest.mark.parametrize(("n", "s"), SIZES)
def test_step_vectorised(benchmark, n, s):
    """One week of ``MarketModel`` (recording on), n customers x s suppliers."""
    _size_gate(n)
    model = market(n, s)
    rounds = {1_000: 60, 10_000: 20, 100_000: 5}[n]
    _cpu_per_round(benchmark, model.step, rounds, warmup=2)
    benchmark.extra_info.update(customers=n, suppliers=s, rows=model.pop.n,
                                bytes_per_step=bytes_per_step(model))


@pytest.mark.parametrize(("n", "s"), SIZES)
def test_step_reference(benchmark, n, s):
    """One week of the per-agent reference (the customers' week only), same market."""
    _size_gate(n)
    ref = ReferenceMarket.from_model(market(n, s))
    rounds = {1_000: 5, 10_000: 2, 100_000: 1}[n]
    _cpu_per_round(benchmark, ref.step, rounds, warmup=0 if n == 100_000 else 1)
    benchmark.extra_info.update(customers=n, suppliers=s)


def test_copy_bandwidth(benchmark):
    """Memory bandwidth of this machine: bytes read + written per second by a large copy."""
    bw = benchmark.pedantic(copy_bandwidth, rounds=3, iterations=1)
    benchmark.extra_info["bytes_per_s"] = bw


@pytest.mark.parametrize("outputs", ["none", "files", "files+dashboard"])
def test_baseline_run(benchmark, tmp_path, outputs):
    """The baseline scenario (1,000 customers, 6 suppliers, 260 weeks): the simulation alone
    (tables in memory), and with its outputs written as ``kamsim run`` does."""
    params = scenario.load(BASELINE)
    if not FULL:
        params = scaled(300, 6, weeks=26)
    simulate(params)  # warm: kernels loaded, first-call costs paid

    def run():
        model, tables = simulate(params)
        if outputs != "none":
            write_outputs(tmp_path / "out", model, tables, dashboard=outputs != "files")

    _cpu_per_round(benchmark, run, rounds=3 if FULL else 1, warmup=0)
    benchmark.extra_info.update(weeks=params.run.weeks, customers=params.run.customers)


def _child_cpu(argv: list[str]) -> float:
    """User + system CPU seconds of one command run to completion (as ``/usr/bin/time``)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=ROOT, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def test_cli_run(benchmark, tmp_path):
    """``kamsim run scenarios/baseline.toml`` warm (the rules' cache filled by set-up), end to
    end in a process of its own: start-up, imports, the run, the tables, ``summary.json`` and
    ``dashboard.png``; the CPU of the command, as ``/usr/bin/time`` counts it (ordinary test
    runs: 13 weeks, one round)."""
    kamsim = Path(sys.executable).with_name("kamsim")
    command = [str(kamsim)] if kamsim.exists() else [sys.executable, "-m", "sim.cli"]
    argv = [*command, "run", str(BASELINE), "--out", str(tmp_path / "run"), "--force",
            *(() if FULL else ("--steps", "13"))]
    cpu: list[float] = []
    benchmark.pedantic(lambda: cpu.append(_child_cpu(argv)), rounds=5 if FULL else 1,
                       warmup_rounds=1 if FULL else 0, iterations=1)
    assert {"summary.json", "dashboard.png", "suppliers.parquet"} <= {
        p.name for p in (tmp_path / "run").iterdir()}
    timed = sorted(cpu[1:] if FULL else cpu)
    benchmark.extra_info.update(cpu_s=timed[len(timed) // 2], cpu_s_min=timed[0],
                                weeks=260 if FULL else 13)


LARGE_RUN = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})

    def peak_rss():  # this process's high-water mark (ru_maxrss would count the parent's)
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return -1

    t0 = time.perf_counter(); c0 = time.process_time()
    from tests.benchmarks.market import scaled
    from sim.market.model import MarketModel
    import numpy as np
    params = scaled({n}, {s}, weeks={weeks})
    t1 = time.perf_counter()
    model = MarketModel(params, customer_agents={agents})
    t2 = time.perf_counter()
    for _ in range(params.run.weeks):
        model.step()
    t3 = time.perf_counter()
    tables = model.recorder.tables(model)
    t4 = time.perf_counter()
    print(json.dumps({{"import_s": t1 - t0, "setup_s": t2 - t1, "steps_s": t3 - t2,
                       "tables_s": t4 - t3, "total_s": t4 - t1, "cpu_s": time.process_time() - c0,
                       "peak_rss_bytes": peak_rss(),
                       "rows": int(model.pop.n)}}))
""")


def large_run(n: int, s: int, weeks: int, agents: bool) -> dict:
    """A whole run in a fresh interpreter (so that its peak memory is its own)."""
    code = LARGE_RUN.format(root=str(ROOT), n=n, s=s, weeks=weeks, agents=agents)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("agents", [True, False], ids=["agents", "no-agents"])
def test_large_run(benchmark, agents):
    """100,000 customers x 20 suppliers x 52 weeks, set-up included, in a fresh process:
    time and peak memory (with and without per-customer Mesa agents)."""
    n, s, weeks = (100_000, 20, 52) if FULL else (2_000, 6, 4)
    result = benchmark.pedantic(large_run, args=(n, s, weeks, agents), rounds=1, iterations=1)
    benchmark.extra_info.update(result, customers=n, suppliers=s, weeks=weeks)


COLD_COMPILE = """
import resource, subprocess, sys
before = resource.getrusage(resource.RUSAGE_CHILDREN)
subprocess.run([sys.executable, "-m", "sim.market.compile"], check=True)
after = resource.getrusage(resource.RUSAGE_CHILDREN)
print(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
"""


@needs_full
def test_cold_compile(benchmark, tmp_path):
    """``python -m sim.market.compile`` with an empty numba cache (``NUMBA_CACHE_DIR`` in a
    fresh folder): the CPU time set-up pays once, interpreter start included."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}

    def compile_cold() -> float:
        out = subprocess.run([sys.executable, "-c", COLD_COMPILE], cwd=ROOT, env=env,
                             check=True, capture_output=True, text=True)
        return float(out.stdout.strip().splitlines()[-1])

    cpu = benchmark.pedantic(compile_cold, rounds=1, iterations=1)
    benchmark.extra_info["cpu_s"] = cpu


def _sweep_spec(runs: int):
    """``scenarios/sweeps/smoke.toml`` with enough points for ``runs`` runs of its size."""
    import dataclasses

    from sim.runs import sweepspec

    spec = sweepspec.load(ROOT / "scenarios" / "sweeps" / "smoke.toml")
    return dataclasses.replace(spec, samples=max(1, runs // spec.replications),
                               name=f"bench-{runs}")


@pytest.mark.parametrize("workers", [1, 2])
def test_sweep_throughput(benchmark, tmp_path, workers):
    """Runs per minute of smoke-sized runs (200 customers, 52 weeks) on 1 and 2 workers:
    a sweep of 96 runs, each sweep starting its own pool (after one warm-up sweep)."""
    from sim.runs.sweep import run_sweep

    runs = 96 if FULL else 4
    spec = _sweep_spec(runs)
    counter = iter(range(10**6))
    run_sweep(_sweep_spec(2), tmp_path / "warm", workers=workers)  # process start-up paid once

    def sweep():
        t = time.perf_counter()
        report = run_sweep(spec, tmp_path / f"s{next(counter)}", workers=workers)
        assert report.failed == 0 and report.complete
        return report.ok, time.perf_counter() - t

    done, seconds = benchmark.pedantic(sweep, rounds=1, iterations=1)
    benchmark.extra_info.update(workers=workers, runs=done, seconds=seconds,
                                runs_per_minute=60.0 * done / seconds,
                                cpus=os.cpu_count())


def test_report_script_reads_benchmark_json(tmp_path):
    """``report.py`` (which writes the tables of docs/PERFORMANCE.md) accepts the JSON shape."""
    from .report import summarise

    fake = {"machine_info": {"cpu": {"brand_raw": "x"}}, "benchmarks": [
        {"name": "test_step_vectorised[1000x6]", "group": None,
         "stats": {"min": 0.001, "median": 0.002},
         "extra_info": {"cpu_s_per_round": 0.002, "bytes_per_step": 2e6}},
        {"name": "test_step_reference[1000x6]", "stats": {"min": 0.2, "median": 0.25},
         "extra_info": {"cpu_s_per_round": 0.25}},
        {"name": "test_copy_bandwidth", "stats": {"min": 0.05, "median": 0.05},
         "extra_info": {"bytes_per_s": 1e10}}]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(fake))
    text = summarise(json.loads(path.read_text()))
    assert "1000x6" in text and "ratio" in text


def test_benchmarks_documented():
    """docs/PERFORMANCE.md exists and names the command that reproduces it."""
    text = (Path(ROOT) / "docs" / "PERFORMANCE.md").read_text()
    assert "make bench" in text and "test_step_vectorised" in text
