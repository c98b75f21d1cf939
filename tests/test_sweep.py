"""Running sweeps: the same results whatever the number of workers, resume after SIGKILL,
failed runs recorded without stopping the sweep, and a sweep directory that is never
overwritten by accident. Runs are tiny (40 customers, 13 weeks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.runs import sweepspec
from sim.runs.sweep import read_results, run_sweep
from sim.scenario import InputError

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "scenarios" / "baseline.toml").as_posix()
TINY = f"""
scenario = "{BASE}"
root_seed = 11
steps = 13
replications = 2
chunk_size = 2
overrides = {{ "run.customers" = 600 }}
[design]
method = "latin"
samples = 12
[[parameters]]
key = "suppliers[Focal].markup"
bounds = [0.02, 0.12]
[[parameters]]
key = "suppliers[Focal].kam_managers"
bounds = [0, 4]
[outcomes]
final = ["focal.market_share", "focal.net_profit", "focal.pool_health",
         "focal.customers_end"]
series = ["focal.market_share", "focal.customers"]
stride = 4
"""


def comparable(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Results without timings, and series, both in run order."""
    series = pd.read_parquet(out / "series").sort_values(["run", "outcome", "step"])
    return read_results(out).drop(columns="duration_s"), series.reset_index(drop=True)


def assert_same(a: Path, b: Path) -> None:
    for x, y in zip(comparable(a), comparable(b), strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


@pytest.fixture(scope="module")
def tiny_spec(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def reference(tiny_spec, tmp_path_factory) -> Path:
    """The tiny sweep, uninterrupted, on two worker processes."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    report = run_sweep(sweepspec.load(tiny_spec), out, workers=2)
    assert report.complete and report.failed == 0 and report.ran == 24
    return out


def test_results_layout(reference):
    res = read_results(reference)
    assert list(res.columns[:8]) == ["run", "run_id", "point", "replicate", "seed", "status",
                                     "error", "duration_s"]
    assert list(res["run"]) == list(range(24))
    assert res["run_id"].iloc[3] == "p000001-r001"
    assert res["seed"].nunique() == 2  # common random numbers: one stream per replicate
    assert len(list((reference / "results").glob("part-*.parquet"))) == 12  # chunks of 2
    series = pd.read_parquet(reference / "series")
    assert set(series["step"]) == {3, 7, 11}
    assert len(series) == 24 * 2 * 3


def test_one_worker_gives_identical_results(tiny_spec, reference, tmp_path):
    run_sweep(sweepspec.load(tiny_spec), tmp_path / "one", workers=1)
    assert_same(reference, tmp_path / "one")


def start_and_stop(spec: Path, out: Path, sig: int) -> subprocess.Popen:
    """Start `kamsim sweep` in its own process group; send ``sig`` after the first chunk."""
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(spec),
                             "--out", str(out), "--workers", "2"], cwd=ROOT,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while not list((out / "results").glob("part-*.parquet")):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no chunk written in time"
        time.sleep(0.02)
    os.killpg(proc.pid, sig)  # the sweep, its forkserver and its workers, as Ctrl-C would
    proc.wait(timeout=60)
    return proc



@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_resume_after_interrupt_matches_uninterrupted(tiny_spec, reference, tmp_path, sig,
                                                      foreground_sigint):
    out = tmp_path / "stopped"
    proc = start_and_stop(tiny_spec, out, sig)
    done = len(read_results(out))
    assert 0 < done < 24, "the sweep should have been stopped mid-way"
    if sig == signal.SIGINT:  # finished runs are flushed, and the user is told how to go on
        assert proc.returncode == 130
        assert "finish with --resume" in proc.stderr.read().decode()
    report = run_sweep(sweepspec.load(tiny_spec), out, workers=2, resume=True)
    assert (report.done_before, report.ran, report.complete) == (done, 24 - done, True)
    assert_same(reference, out)
    assert not list(out.rglob(".*.tmp"))


def test_existing_sweep_needs_resume_and_the_same_spec(tiny_spec, reference, tmp_path):
    with pytest.raises(InputError, match="add --resume"):
        run_sweep(sweepspec.load(tiny_spec), reference, workers=1)
    again = run_sweep(sweepspec.load(tiny_spec), reference, workers=1, resume=True)
    assert (again.ran, again.complete) == (0, True)
    changed = tmp_path / "changed.toml"
    changed.write_text(TINY.replace("root_seed = 11", "root_seed = 12"))
    with pytest.raises(InputError, match="differs from the spec"):
        run_sweep(sweepspec.load(changed), reference, workers=1, resume=True)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a sweep directory"):
        run_sweep(sweepspec.load(tiny_spec), stranger, workers=1)
    assert [p.name for p in stranger.iterdir()] == ["notes.txt"]


def test_failed_run_is_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    spec = tmp_path / "fails.toml"
    spec.write_text(f"""
scenario = "{BASE}"
root_seed = 3
steps = 8
overrides = {{ "run.customers" = 30 }}
[design]
method = "factorial"
[[parameters]]
key = "abc.a_share"
levels = [0.15, 0.6]
[[parameters]]
key = "abc.b_share"
levels = [0.2, 0.5]         # 0.6 + 0.5 >= 1: that run's scenario is invalid and raises
[outcomes]
final = ["focal.market_share"]
""")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "2"]) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("sweep done: 4/4 runs, 1 failed")
    res = read_results(out)
    assert list(res["status"]) == ["ok", "ok", "ok", "failed"]
    assert "a_share + b_share must be below 1" in res["error"].iloc[3]
    assert res["focal.market_share"].iloc[:3].notna().all()
    assert pd.isna(res["focal.market_share"].iloc[3])
