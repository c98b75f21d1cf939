"""The kamsim command: exit codes, one line per problem, outputs on disk (docs/TABLES.md).

Runs ``sim.cli.main`` in-process, and the installed console script once.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import scenario
from sim.cli import main
from sim.params import STAGES

PROBLEM_LINE = re.compile(r"^(?P<file>[^:]+): (?:(?P<key>\S+): )?(?P<msg>\S.*)$")

# Columns each table must have, from docs/TABLES.md.
COLUMNS = {
    "suppliers": ["step", "supplier", "focal", "price", "volume_t", "revenue", "material_cost",
                  "processing_cost", "staff_cost", "strategy_cost", "bad_debt", "gross_profit",
                  "net_profit", "market_share", "customers", "key_accounts", "stock_t",
                  "fill_rate", "acquired", "upgraded", "downgraded", "lost", "exited"],
    "pool": ["step", "supplier", "focal", "stage", "count", "inflow", "outflow"],
    "market": ["step", "material", "cost_index", "market_price", "demand_t", "delivered_t",
               "ev_share"],
    "customers": ["step", "customer", "segment", "demand_t", "main_supplier", "stage",
                  "abc_class", "satisfaction", "loyalty", "price_sensitivity", "focal_share",
                  "focal_revenue_52w", "focal_margin_52w", "tenure_weeks"],
    "spells": ["customer", "segment", "start_step", "end_step", "duration_weeks", "event",
               "end_reason", "abc_class", "key", "revenue", "gross_margin"],
    "transitions": ["step", "customer", "supplier", "from_stage", "to_stage"],
    "retention": ["year", "supplier"],
}
SUPPLIER_KEYS = {"market_share", "net_profit", "gross_margin", "customers_by_stage",
                 "annual_retention", "key_account_retention", "top20_revenue_share",
                 "pool_health"}


def bad_file(tmp_path: Path, baseline: Path, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{baseline.as_posix()}"\n[run]\nweeks = "ten"\nweks = 3\n'
                    "[choice]\nmin_share = nan\n")
    return path


def assert_problem_lines(stderr: str, path: Path, n: int) -> list[re.Match]:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == n, stderr
    matches = [PROBLEM_LINE.match(line) for line in lines]
    assert all(matches), stderr
    assert all(m["file"] == str(path) for m in matches), stderr
    return matches


# ----------------------------------------------------------------------- validate


def test_validate_ok(capsys, baseline_path, small_toml):
    assert main(["validate", str(baseline_path), str(small_toml)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"{baseline_path}: ok", f"{small_toml}: ok"]
    assert err == ""


def test_validate_bad_one_line_per_problem(capsys, tmp_path, baseline_path, small_toml):
    bad = bad_file(tmp_path, baseline_path)
    with pytest.raises(scenario.InputError) as info:
        scenario.load(bad)
    expected = info.value.problems
    assert len(expected) == 3
    assert main(["validate", str(small_toml), str(bad)]) == 2
    out, err = capsys.readouterr()
    matches = assert_problem_lines(err, bad, len(expected))
    assert [m["key"] for m in matches] == [k for _, k, _ in expected]
    assert {m["key"] for m in matches} == {"run.weeks", "run.weks", "choice.min_share"}
    assert "did you mean 'weeks'" in err
    assert "ok" not in out  # nothing claims success when any file failed


def test_validate_reports_every_bad_file(capsys, tmp_path, baseline_path):
    one, two = bad_file(tmp_path, baseline_path, "one.toml"), tmp_path / "missing.toml"
    assert main(["validate", str(one), str(two)]) == 2
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    files = [PROBLEM_LINE.match(line)["file"] for line in err.strip().splitlines()]
    assert files == [str(one)] * 3 + [str(two)]


def test_argument_errors_exit_2(capsys, small_toml, tmp_path):
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as info:
        main(["run", str(small_toml), "--steps", "0", "--out", str(out)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--steps" in err
    assert not out.exists()
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_params_lists_parameters(capsys):
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^run\.weeks\s", out, re.M)
    assert "choice.min_share" in out and "adaptation.gamma" in out


def test_internal_error_exits_1_with_one_line(capsys, monkeypatch, small_toml, tmp_path):
    import sim.runs.run

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sim.runs.run, "simulate", boom)
    out = tmp_path / "out"
    assert main(["run", str(small_toml), "--out", str(out), "--no-dashboard"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "kamsim: internal error: RuntimeError: boom"
    assert not out.exists()
    # --debug shows the traceback: the exception propagates.
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", "run", str(small_toml), "--out", str(out), "--no-dashboard"])


# ----------------------------------------------------------------------- run


def test_run_writes_every_table_and_summary(capsys, tmp_path, small_toml):
    out = tmp_path / "results" / "small-3"
    code = main(["run", str(small_toml), "--seed", "3", "--steps", "27", "--out", str(out),
                 "--no-dashboard"])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert stdout.strip() == str(out)
    names = {p.name for p in out.iterdir()}
    assert names == {f"{t}.parquet" for t in COLUMNS} | {"summary.json", ".kamsim.json"}
    tables = {t: pd.read_parquet(out / f"{t}.parquet") for t in COLUMNS}
    for t, cols in COLUMNS.items():
        missing = set(cols) - set(tables[t].columns)
        assert not missing, f"{t}.parquet lacks {missing}"
    sup = tables["suppliers"]
    assert sup["step"].min() == -1 and sup["step"].max() == 26  # the start, --steps 27
    n_sup = sup["supplier"].nunique()
    assert len(sup) == 28 * n_sup and sup.groupby("step")["focal"].sum().eq(1).all()
    assert len(tables["pool"]) == 27 * n_sup * len(STAGES)
    assert sorted(tables["customers"]["step"].unique()) == [12, 25, 26]  # quarter ends, run's end
    # No file is left behind beside the output (the temporary directory is renamed).
    assert sorted(p.name for p in out.parent.iterdir()) == ["small-3"]

    summary = json.loads((out / "summary.json").read_text())
    assert {"scenario", "seed", "steps", "suppliers"} <= set(summary)
    assert summary["scenario"] == "small" and summary["seed"] == 3 and summary["steps"] == 27
    assert set(summary["suppliers"]) == set(sup["supplier"])
    last = tables["pool"][tables["pool"]["step"] == 26]
    share = 0.0
    for name, s in summary["suppliers"].items():
        assert SUPPLIER_KEYS <= set(s), name
        assert set(s["customers_by_stage"]) == set(STAGES)
        counts = last[last["supplier"] == name].set_index("stage")["count"]
        assert s["customers_by_stage"] == {st: int(counts[st]) for st in STAGES}
        net = sup.loc[sup["supplier"] == name, "net_profit"].sum()
        assert s["net_profit"] == pytest.approx(net)
        share += s["market_share"]
    assert share == pytest.approx(1.0)


def test_run_with_dashboard(capsys, tmp_path, small_toml):
    out = tmp_path / "dash"
    code = main(["run", str(small_toml), "--steps", "14", "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 0, err
    png = out / "dashboard.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_run_force_replaces_only_an_earlier_run_result(capsys, tmp_path, small_toml):
    out = tmp_path / "again"
    args = ["run", str(small_toml), "--steps", "5", "--out", str(out), "--no-dashboard"]
    assert main(args) == 0
    assert main([*args, "--seed", "9", "--force"]) == 0
    capsys.readouterr()
    assert json.loads((out / "summary.json").read_text())["seed"] == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "small.toml"]


def test_run_bad_input_exits_2_and_writes_nothing(capsys, tmp_path, baseline_path):
    bad = bad_file(tmp_path, baseline_path)
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out), "--no-dashboard"]) == 2
    _, err = capsys.readouterr()
    assert_problem_lines(err, bad, 3)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_run_missing_file_exits_2(capsys, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "nope.toml"), "--out", str(out)]) == 2
    _, err = capsys.readouterr()
    assert "Traceback" not in err and "not found" in err
    assert not out.exists()


@pytest.mark.parametrize("under", ["a_file/out", "a_file", "a_file/deeper/out"])
def test_run_out_under_a_regular_file_exits_2(capsys, tmp_path, small_toml, under):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    out = tmp_path / under
    assert main(["run", str(small_toml), "--out", str(out), "--no-dashboard"]) == 2
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    m = PROBLEM_LINE.match(line)
    assert m and m["file"] == str(out) and m["key"] == "--out"
    assert blocker.read_text() == "not a directory"


def test_console_script(tmp_path, baseline_path, repo_root):
    """The installed ``kamsim`` entry point: exit codes and problem lines, no traceback."""
    exe = repo_root / ".venv" / "bin" / "kamsim"
    if not exe.exists():  # another virtual environment: the script sits beside python
        exe = Path(sys.executable).parent / "kamsim"
    assert exe.exists(), "the kamsim console script is not installed"
    bad = bad_file(tmp_path, baseline_path)
    proc = subprocess.run([str(exe), "validate", str(baseline_path), str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert_problem_lines(proc.stderr, bad, 3)
    assert proc.stdout == ""


def test_run_set_equals_the_same_change_by_flag(capsys, tmp_path, small_toml):
    by_flag, by_set = tmp_path / "flag", tmp_path / "set"
    assert main(["run", str(small_toml), "--seed", "5", "--out", str(by_flag),
                 "--no-dashboard"]) == 0
    assert main(["run", str(small_toml), "--set", "run.seed=5", "--out", str(by_set),
                 "--no-dashboard"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(by_flag / "suppliers.parquet"),
                                  pd.read_parquet(by_set / "suppliers.parquet"))
    assert main(["run", str(small_toml), "--set", "run.seeed=5", "--out",
                 str(tmp_path / "bad"), "--no-dashboard"]) == 2
    assert "run.seeed: unknown key" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_raw_customers_override_warns_in_one_line(tmp_path, baseline_path):
    """``--set run.customers`` changes the market's balance: a warning naming the file, the
    key and the scaled alternative, printed as one line; the run still happens."""
    import warnings

    from sim.cli import _one_line_warning
    from sim.market.scale import MarketBalanceWarning

    out = tmp_path / "raw"
    with pytest.warns(MarketBalanceWarning) as caught:
        code = main(["run", str(baseline_path), "--set", "run.customers=300", "--steps", "2",
                     "--out", str(out), "--no-dashboard"])
    assert code == 0 and out.is_dir()
    assert warnings.formatwarning is _one_line_warning
    w = caught[0]
    line = warnings.formatwarning(w.message, w.category, w.filename, w.lineno)
    assert line.count("\n") == 1 and line.startswith("kamsim: warning: ")
    assert "baseline.toml: run.customers" in line and "run.scale = 0.3" in line
