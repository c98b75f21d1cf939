"""The same sweep on the local process pool and on a Dask LocalCluster gives identical
results, bit for bit (each run is a pure function of its point and seed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.runs import sweepspec
from sim.runs.sweep import read_results, run_sweep

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "scenarios" / "baseline.toml").as_posix()
SPEC = f"""
scenario = "{BASE}"
root_seed = 5
steps = 13
replications = 2
chunk_size = 4
overrides = {{ "run.customers" = 40 }}
[design]
method = "morris"
samples = 2
levels = 4
[[parameters]]
key = "suppliers[Focal].markup"
bounds = [0.02, 0.12]
[[parameters]]
key = "choice.beta_loyalty"
bounds = [1.0, 6.0]
[outcomes]
final = ["focal.market_share", "focal.net_profit", "focal.annual_retention"]
series = ["focal.revenue"]
stride = 13
"""


def test_process_pool_and_local_cluster_agree(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(SPEC)
    spec = sweepspec.load(path)
    pool = run_sweep(spec, tmp_path / "pool", workers=2)
    dask = run_sweep(spec, tmp_path / "dask", workers=2, dask="local")
    assert pool.complete and dask.complete and dask.backend.startswith("dask local")
    assert pool.ran == dask.ran == 12
    a = read_results(tmp_path / "pool").drop(columns="duration_s")
    b = read_results(tmp_path / "dask").drop(columns="duration_s")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    sa, sb = (pd.read_parquet(tmp_path / d / "series").sort_values(["run", "step"])
              .reset_index(drop=True) for d in ("pool", "dask"))
    pd.testing.assert_frame_equal(sa, sb, check_exact=True)
