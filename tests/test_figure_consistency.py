"""Each headline figure of one run reads the same in every output (sim/metrics.py defines it).

One small scenario and seed -> ``summary.json`` of ``kamsim run``, the ``summary.json`` and
tables of a one-replication ``kamsim compare`` on the same seed, the explorer's pool health
and verdict, a sweep's final outcomes and the validation suite's figures. Any second
definition of a figure, or a difference of evaluation point (last year, last snapshot), makes
two of them differ.
"""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest

from sim import metrics, seeds
from sim.runs import compare, outcomes
from sim.runs.run import simulate, write_outputs

ROOT_SEED = 20261127
WEEKS, CUSTOMERS = 70, 250  # not a multiple of 13: the last snapshot is the run's end


@pytest.fixture(scope="module")
def case(tmp_path_factory, baseline_path):
    """A small copy of the baseline scenario and the seed of replication 0 of ROOT_SEED."""
    tmp = tmp_path_factory.mktemp("consistency")
    text = baseline_path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^weeks = 260", f"weeks = {WEEKS}", text)
    text = re.sub(r"(?m)^customers = 1000", f"customers = {CUSTOMERS}", text)
    text = re.sub(r"(?m)^name = \"baseline\"", 'name = "consistency"', text)
    path = tmp / "consistency.toml"
    path.write_text(text, encoding="utf-8")
    return path, seeds.replicate_seed(ROOT_SEED, 0), tmp


@pytest.fixture(scope="module")
def run_summary(case):
    from sim import scenario

    path, seed, tmp = case
    params = scenario.load(path)
    assert params.run.weeks == WEEKS and params.run.customers == CUSTOMERS
    model, tables = simulate(params, seed=seed)
    write_outputs(tmp / "run", model, tables, dashboard=False)
    summary = json.loads((tmp / "run" / "summary.json").read_text())
    return model, tables, summary


@pytest.fixture(scope="module")
def compared(case):
    path, seed, tmp = case
    plan = compare.make_plan([path], reps=1, seed=ROOT_SEED, out=tmp / "cmp")
    assert plan.seeds == (seed,)
    compare.write(plan, compare.run_all(plan, workers=1, progress=False))
    return json.loads((tmp / "cmp" / "summary.json").read_text())["by_scenario"]["consistency"]


def _focal(summary: dict) -> dict:
    return next(v for v in summary["suppliers"].values() if v["focal"])


def test_the_run_is_long_enough_to_define_every_figure(run_summary):
    focal = _focal(run_summary[2])
    for key in ("pool_health", "annual_retention", "key_account_retention",
                "top20_revenue_share", "net_profit_npv"):
        assert focal[key] is not None and math.isfinite(focal[key]), key


@pytest.mark.parametrize(("kpi", "field"), [
    ("pool_health_end", "pool_health"),
    ("annual_retention", "annual_retention"),
    ("key_account_retention", "key_account_retention"),
    ("top20_revenue_share", "top20_revenue_share"),
    ("market_share", "market_share"),
    ("gross_margin", "gross_margin"),
    ("net_profit", "net_profit"),
])
def test_compare_reads_the_run_summary(run_summary, compared, kpi, field):
    value = compared["kpis"][kpi]
    assert value["n"] == 1
    assert value["mean"] == pytest.approx(_focal(run_summary[2])[field], rel=1e-12)


def test_verdict_is_one_rule_in_run_compare_app_and_sweep(case, run_summary, compared):
    from sim.app import components
    from sim.app.appmodel import AppModel
    from sim.app.labels import t

    model, tables, summary = run_summary
    health = _focal(summary)["pool_health"]
    kind = metrics.verdict([health]).kind
    assert summary["verdict"] == kind == compared["verdict"]
    assert compared["p_refill"] == (1.0 if metrics.refills(health) else 0.0)
    app = AppModel(str(case[0]), seed=case[1])
    for _ in range(WEEKS):
        app.step()
    assert components.pool_health(app) == pytest.approx(health, rel=1e-12)
    assert components.pool_verdict(app).endswith(t(f"verdict.{kind}", "en"))


def test_sweep_outcomes_read_the_run_summary(run_summary):
    model, tables, summary = run_summary
    names = ("focal.pool_health", "focal.annual_retention", "focal.key_account_retention",
             "focal.top20_revenue_share", "focal.net_profit_npv")
    final, _ = outcomes.compute(model, tables, names, (), 13)
    focal = _focal(summary)
    for name in names:
        assert final[name] == pytest.approx(focal[name.removeprefix("focal.")], rel=1e-12)


def test_validation_figures_read_the_run_summary(case, run_summary):
    from tests.validation.validation_figures import run_figures

    path, seed, _ = case
    model, tables, summary = run_summary
    # the validation suite loads scenarios/<name>.toml with overrides: the same small run
    figs = run_figures(("baseline", json.dumps({"run.weeks": WEEKS,
                                                "run.customers": CUSTOMERS}), seed, None))
    focal = _focal(summary)
    assert figs["top20"] == pytest.approx(focal["top20_revenue_share"], rel=1e-12)
    assert figs["retention"] == pytest.approx(focal["annual_retention"], rel=1e-12)
    assert figs["key_retention"] == pytest.approx(focal["key_account_retention"], rel=1e-12)
    assert figs["pool_health_last_year"] == pytest.approx(focal["pool_health"], rel=1e-12)


def test_top_share_of_the_last_snapshot_is_the_summary_figure(run_summary):
    from analysis.concentration import focal_revenues

    model, tables, summary = run_summary
    cust = tables["customers"]
    assert cust["step"].max() == WEEKS - 1
    share = metrics.top_share(focal_revenues(cust).to_numpy())
    assert share == pytest.approx(_focal(summary)["top20_revenue_share"], rel=1e-12)


def test_summary_figures_follow_their_definitions(run_summary):
    model, tables, summary = run_summary
    sup = tables["suppliers"]
    focal_name = model.supplier_names[model.focal]
    f = sup[sup["supplier"] == focal_name].sort_values("step")
    f = f[f["step"] >= 0]  # the weeks (step -1 is the start, docs/TABLES.md)
    tail = f[f["step"] > f["step"].max() - 52]
    won, gone = tail["acquired"].sum(), tail[["lost", "exited"]].sum().sum()
    focal = _focal(summary)
    assert focal["pool_health"] == pytest.approx(min(won / gone, metrics.HEALTH_CAP))
    rate = model.params.finance.discount_rate
    weeks = pd.Series(range(1, len(f) + 1)) / 52
    npv = (f["net_profit"].to_numpy() / (1 + rate) ** weeks.to_numpy()).sum()
    assert focal["net_profit_npv"] == pytest.approx(npv)
    assert abs(focal["net_profit_npv"]) < abs(focal["net_profit"]) or focal["net_profit"] == 0
