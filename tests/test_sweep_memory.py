"""Memory of the process that runs a sweep is bounded by the chunk size, not by the number
of runs: ten times the runs, less than 1.5 times the peak of Python allocations."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from sim.runs import sweepspec
from sim.runs.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "scenarios" / "baseline.toml").as_posix()
SPEC = """
scenario = "{base}"
root_seed = 9
steps = 8
replications = {reps}
chunk_size = 8
overrides = {{ "run.customers" = 20 }}
[design]
method = "latin"
samples = 4
[[parameters]]
key = "suppliers[Focal].markup"
bounds = [0.02, 0.12]
[outcomes]
final = ["focal.market_share", "focal.net_profit", "focal.pool_health",
         "focal.customers_end", "focal.key_accounts_end", "focal.gross_margin"]
series = ["focal.market_share", "focal.customers", "focal.revenue", "focal.net_profit"]
stride = 1
"""


def peak_bytes(tmp_path: Path, reps: int) -> tuple[int, int]:
    path = tmp_path / f"mem{reps}.toml"
    path.write_text(SPEC.format(base=BASE, reps=reps))
    spec = sweepspec.load(path)
    sweepspec.design(spec)  # import SALib before measuring
    tracemalloc.start()
    try:
        report = run_sweep(spec, tmp_path / f"out{reps}", workers=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.complete and report.failed == 0
    return report.ran, peak


def test_peak_memory_does_not_grow_with_runs(tmp_path):
    peak_bytes(tmp_path, 1)  # warm-up: first-time imports allocate too
    small_runs, small = peak_bytes(tmp_path, 2)
    large_runs, large = peak_bytes(tmp_path, 20)
    print(f"peak Python allocations: {small_runs} runs {small / 1e6:.2f} MB, "
          f"{large_runs} runs {large / 1e6:.2f} MB")
    assert large_runs == 10 * small_runs
    assert large < 1.5 * small, (small, large)
