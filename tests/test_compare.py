"""`kamsim compare`: many runs on common random numbers -> stacked tables, report, summary.

Small and short on purpose: 150 customers, 30 weeks, 2 scenarios x 2 replications. The one
full comparison (figures and report) is shared by the module; the worker-count check skips
the figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.runs import compare

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
STEPS, REPS = 30, 2

KEYS = ["scenario", "rep", "seed"]
COLUMNS = {
    "runs": ["step", "supplier", "focal", "price", "volume_t", "revenue", "net_profit",
             "market_share", "customers", "key_accounts", "acquired", "lost", "exited"],
    "pool_runs": ["step", "supplier", "focal", "stage", "count", "inflow", "outflow"],
    "spells_runs": ["customer", "segment", "start_step", "end_step", "duration_weeks", "event",
                    "end_reason", "abc_class", "key", "revenue", "gross_margin"],
    "customers_runs": ["step", "customer", "segment", "demand_t", "main_supplier", "stage",
                       "abc_class", "focal_share", "focal_revenue_52w", "tenure_weeks"],
    "market_runs": ["step", "material", "cost_index", "market_price", "demand_t",
                    "delivered_t", "ev_share"],
    "retention_runs": ["year", "supplier", "focal", "customers_start", "retained",
                       "key_start", "key_retained", "key_revenue_start", "key_revenue_end",
                       "key_wallet_start", "key_wallet_end"],
}


def scenario_file(directory: Path, name: str, extra: str = "") -> Path:
    path = directory / f"{name}.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "{name}"\n{extra}'
                    "[run]\ncustomers = 150\n")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("scen")
    return [scenario_file(d, "calm"),
            scenario_file(d, "cheap", '[[suppliers]]\nname = "Focal"\nmarkup = 0.02\n')]


@pytest.fixture(scope="module")
def result(files, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "out"
    code = main(["compare", *map(str, files), "--reps", str(REPS), "--steps", str(STEPS),
                 "--workers", "2", "--out", str(out)])
    assert code == 0
    return out


def test_output_files_and_columns(result):
    for stem, cols in COLUMNS.items():
        df = pd.read_parquet(result / f"{stem}.parquet")
        assert list(df.columns[:3]) == KEYS, stem
        assert set(cols) <= set(df.columns), (stem, set(cols) - set(df.columns))
    runs = pd.read_parquet(result / "runs.parquet")
    assert list(pd.unique(runs["scenario"])) == ["status quo", "calm", "cheap"]
    assert runs.groupby(["scenario", "rep"])["step"].max().eq(STEPS - 1).all()
    assert runs["supplier"].nunique() > 1  # every supplier, not only the focal one
    pool = pd.read_parquet(result / "pool_runs.parquet")
    assert pool["focal"].all()
    cust = pd.read_parquet(result / "customers_runs.parquet")
    assert cust.groupby(["scenario", "rep"])["step"].nunique().eq(1).all()  # the run's end
    assert (cust["step"] == 29).all()
    for name in ("report.html", "summary.json", "pool_by_stage.png", "performance.png"):
        assert (result / name).is_file(), name


def test_common_random_numbers(result):
    runs = pd.read_parquet(result / "runs.parquet")
    seeds = runs.groupby(["scenario", "rep"])["seed"].unique().map(lambda s: int(s[0]))
    by_scen = seeds.unstack("scenario")
    assert (by_scen["calm"] == by_scen["cheap"]).all()       # same seeds in every scenario
    assert (by_scen["calm"] == by_scen["status quo"]).all()
    assert by_scen["calm"].nunique() == REPS                   # reps differ
    assert list(by_scen["calm"]) == compare.crn_seeds(compare.DEFAULT_ROOT_SEED, REPS)


def test_summary(result):
    s = json.loads((result / "summary.json").read_text())
    assert s["scenarios"] == ["status quo", "calm", "cheap"]
    assert s["status_quo"] == "status quo" and s["baseline"] == "status quo"
    assert s["meta"]["seeds"] == compare.crn_seeds(compare.DEFAULT_ROOT_SEED, REPS)
    for name in ("status quo", "calm", "cheap"):
        sc = s["by_scenario"][name]
        assert sc["reps"] == REPS
        share = sc["kpis"]["market_share"]
        assert share["lo"] <= share["mean"] <= share["hi"] and share["n"] == REPS
        assert sc["verdict"] in ("reservoir", "funnel", "inconclusive")
        assert isinstance(sc["diagnosis"], str) and sc["diagnosis"]
        for kpi in ("key_account_retention", "annual_retention"):
            assert set(sc["kpis"][kpi]) >= {"mean", "lo", "hi", "n"}
            assert kpi not in sc  # one figure, one place
    assert s["by_scenario"]["cheap"]["kpis"]["net_profit"]["diff_mean"] is not None
    # cost and return (analysis/economics.py): own figures, and differences from the status quo
    eco = {(r["scenario"], r["versus"], r["figure"]): r for r in s["economics"]}
    own = eco[("cheap", "", "spend")]
    assert own["n"] == REPS and own["lo"] <= own["mean"] <= own["hi"]
    diff = eco[("cheap", "status quo", "net_profit")]
    assert diff["mean"] == pytest.approx(s["by_scenario"]["cheap"]["kpis"]["net_profit"]
                                         ["diff_mean"], rel=1e-6)
    assert ("status quo", "status quo", "spend") not in eco
    assert {v for (_, v, _) in eco} == {"", "status quo"}


def test_differences_against_the_status_quo_and_the_first(result):
    s = json.loads((result / "summary.json").read_text())
    d = {(r["scenario"], r["versus"], r["figure"]): r for r in s["differences"]}
    assert set(d) == {(scen, versus, k) for scen, versus in (
        ("calm", "status quo"), ("cheap", "status quo"), ("status quo", "calm"),
        ("cheap", "calm")) for k in compare.DIFFERENCE_KPIS}
    # calm is the market as it is: its status quo runs the very same runs
    for k in compare.DIFFERENCE_KPIS:
        row = d[("calm", "status quo", k)]
        assert row["mean"] in (0.0, None) and row["n"] in (0, REPS), k
    cheap = d[("cheap", "status quo", "net_profit")]
    assert cheap["n"] == REPS and cheap["lo"] <= cheap["mean"] <= cheap["hi"]
    assert cheap["mean"] == pytest.approx(d[("cheap", "calm", "net_profit")]["mean"])
    assert cheap["mean"] == pytest.approx(
        s["by_scenario"]["cheap"]["kpis"]["net_profit"]["diff_mean"], rel=1e-6)
    assert d[("status quo", "calm", "market_share")]["mean"] == 0.0


def test_every_scenario_starts_from_the_status_quo(result):
    """Step -1 (the settled start) is the same state for the status quo and each strategy."""
    runs = pd.read_parquet(result / "runs.parquet")
    start = runs[runs["step"] == -1].drop(columns=["scenario"])
    by = {k: g.reset_index(drop=True) for k, g in start.groupby(runs["scenario"])}
    assert len(by["status quo"]) > 0
    for name in ("calm", "cheap"):
        pd.testing.assert_frame_equal(by[name], by["status quo"])


def test_report_is_offline_and_embeds_images(result):
    html = (result / "report.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    assert html.count('src="data:image/png;base64,') >= 3


def test_same_result_whatever_workers(result, files, tmp_path, monkeypatch):
    import analysis.report

    def no_figures(out_dir, runs, *args, scenarios=None, **kw):  # the tables are the point
        return {"scenarios": scenarios, "by_scenario": {s: {"diagnosis": "-"} for s in scenarios}}

    monkeypatch.setattr(analysis.report, "write_report", no_figures)
    out = tmp_path / "one"
    assert main(["compare", *map(str, files), "--reps", str(REPS), "--steps", str(STEPS),
                 "--workers", "1", "--out", str(out)]) == 0
    for stem in COLUMNS:
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{stem}.parquet"),
                                      pd.read_parquet(result / f"{stem}.parquet"))


def test_retention_of_a_run_longer_than_a_year(files):
    from analysis.kpi import run_kpis

    t = compare.run_one(str(files[0]), 0, 7, 53)
    ret = t["retention_runs"]
    assert list(ret.columns) == KEYS + COLUMNS["retention_runs"]
    assert len(ret) > 0 and ret["focal"].sum() == 1 and (ret["year"] == 1).all()
    per = run_kpis(t["runs"], retention_runs=ret)
    focal = ret[ret["focal"]].iloc[0]
    assert per.loc[0, "annual_retention"] == focal["retained"] / focal["customers_start"]


def test_retention_kpis_arithmetic():
    from analysis.kpi import kpi_table

    rows, runs = [], []
    for scen, base in (("a", 10), ("b", 20)):
        for rep in range(3):
            for year in (1, 2):
                rows.append({"scenario": scen, "rep": rep, "seed": rep, "year": year,
                             "supplier": "Focal", "focal": True, "customers_start": base,
                             "retained": base - rep - 1, "key_start": 4,
                             "key_retained": 4 - rep})
                rows.append({"scenario": scen, "rep": rep, "seed": rep, "year": year,
                             "supplier": "Rival", "focal": False, "customers_start": 50,
                             "retained": 0, "key_start": 9, "key_retained": 0})
            for step in range(104):
                runs.append({"scenario": scen, "rep": rep, "step": step, "supplier": "Focal",
                             "focal": True, "volume_t": 1.0, "gross_profit": 1.0,
                             "revenue": 2.0, "net_profit": 1.0, "customers": 10,
                             "key_accounts": 1, "acquired": 1, "lost": 1, "exited": 0})
    table = kpi_table(pd.DataFrame(runs), retention_runs=pd.DataFrame(rows),
                      scenarios=["a", "b"]).set_index(["scenario", "kpi"])
    key = table.loc[("a", "key_account_retention")]
    assert key["mean"] == pytest.approx(np.mean([1.0, 0.75, 0.5]))
    assert key["lo"] < key["mean"] < key["hi"] and key["n"] == 3
    assert np.isnan(key["diff_mean"])
    ann = table.loc[("b", "annual_retention")]
    assert ann["mean"] == pytest.approx(np.mean([19 / 20, 18 / 20, 17 / 20]))
    assert ann["diff_mean"] == pytest.approx(ann["mean"] - np.mean([0.9, 0.8, 0.7]))
    empty = kpi_table(pd.DataFrame(runs), retention_runs=pd.DataFrame(rows).iloc[0:0],
                      scenarios=["a"]).set_index("kpi")
    assert empty.loc["annual_retention", "n"] == 0


def test_compare_prints_each_verdict_the_report_path_then_the_answer(files, tmp_path, capsys):
    out = tmp_path / "printed"
    assert main(["compare", *map(str, files), "--reps", "2", "--steps", str(STEPS),
                 "--workers", "1", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    summary = json.loads((out / "summary.json").read_text())
    from analysis.answer import answer

    assert lines[-1] == summary["answer"] == answer(summary, "en")
    assert lines[-2] == str(out)
    assert lines[:-2] == [f"{s}: {summary['by_scenario'][s]['diagnosis']}"
                          for s in ("status quo", "calm", "cheap")]
    assert all(summary["by_scenario"][s]["verdict"] in ("reservoir", "funnel", "inconclusive")
               for s in ("calm", "cheap"))


def _no_figures(monkeypatch):
    import analysis.report

    def no_figures(out_dir, runs, *args, scenarios=None, sections=None, **kw):
        return {"scenarios": scenarios, "by_scenario": {s: {"diagnosis": "-"} for s in scenarios},
                **(sections or {})}  # write_report returns the sections in its summary

    monkeypatch.setattr(analysis.report, "write_report", no_figures)


def test_no_status_quo_and_a_named_reference(files, tmp_path, monkeypatch):
    _no_figures(monkeypatch)
    out = tmp_path / "none"
    assert main(["compare", *map(str, files), "--reps", "2", "--steps", "10", "--workers", "1",
                 "--no-status-quo", "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["status_quo"] is None and s["scenarios"] == ["calm", "cheap"]
    assert {(r["scenario"], r["versus"]) for r in s["differences"]} == {("cheap", "calm")}
    assert {r["versus"] for r in s["economics"]} == {"", "calm"}
    out = tmp_path / "ref"
    assert main(["compare", str(files[1]), "--reference", str(files[0]), "--reps", "2",
                 "--steps", "10", "--workers", "1", "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["status_quo"] == "calm" and s["scenarios"] == ["calm", "cheap"]
    # against the status quo, then against the first file given (cheap)
    assert {(r["scenario"], r["versus"]) for r in s["differences"]} == {("cheap", "calm"),
                                                                         ("calm", "cheap")}


def test_a_scenario_may_not_be_called_status_quo(tmp_path):
    path = scenario_file(tmp_path, "x").with_name("x.toml")
    path.write_text(path.read_text().replace('name = "x"', 'name = "status quo"'))
    with pytest.raises(compare.InputError, match="--no-status-quo"):
        compare.make_plan([path], reps=1)
    assert compare.make_plan([path], reps=1, status_quo=False).names == ("status quo",)
