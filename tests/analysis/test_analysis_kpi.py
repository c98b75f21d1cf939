"""Per-run KPIs and the scenario KPI table with paired differences."""

import math

import pandas as pd
import pytest

from analysis.stats import KPIS, kpi_table, run_kpis


def test_run_kpis_hand_checked(tables):
    runs = tables["runs"]
    per = run_kpis(runs, tables["customers_runs"], tables["retention_runs"])
    assert list(per.columns) == ["scenario", "rep", *KPIS]
    assert len(per) == 6
    r = runs[(runs["scenario"] == "kam") & (runs["rep"] == 1)]
    tail = r[r["step"] >= r["step"].max() - 51]
    f = tail[tail["focal"]]
    row = per[(per["scenario"] == "kam") & (per["rep"] == 1)].iloc[0]
    assert row["market_share"] == pytest.approx(f["volume_t"].sum() / tail["volume_t"].sum())
    assert row["gross_margin"] == pytest.approx(f["gross_profit"].sum() / f["revenue"].sum())
    assert row["net_profit"] == pytest.approx(r[r["focal"]]["net_profit"].sum())
    assert row["customers_end"] == r[r["focal"]].sort_values("step")["customers"].iloc[-1]
    ret = tables["retention_runs"]
    ret = ret[(ret["scenario"] == "kam") & (ret["rep"] == 1) & ret["focal"]]
    assert row["annual_retention"] == ret["retained"].sum() / ret["customers_start"].sum()
    assert row["key_account_retention"] == ret["key_retained"].sum() / ret["key_start"].sum()
    assert 0.2 <= row["top20_revenue_share"] <= 1
    assert row["pool_health_end"] == pytest.approx(
        tail[tail["focal"]]["acquired"].sum()
        / tail[tail["focal"]][["lost", "exited"]].sum().sum())


def test_run_kpis_single_run_without_optional_tables(one_run):
    per = run_kpis(one_run["suppliers"])
    assert len(per) == 1 and per.loc[0, "scenario"] == "run"
    assert math.isnan(per.loc[0, "annual_retention"])


def test_run_kpis_needs_a_focal_supplier(one_run):
    with pytest.raises(ValueError, match="focal"):
        run_kpis(one_run["suppliers"].assign(focal=False))


def test_kpi_table_paired_difference_is_exact(tables):
    runs = tables["runs"]
    base = runs[runs["scenario"] == "base"]
    plus = base.assign(scenario="plus")
    plus.loc[plus["focal"], "net_profit"] += 10.0
    table = kpi_table(pd.concat([base, plus]), scenarios=["base", "plus"])
    assert list(table["kpi"][: len(KPIS)]) == list(KPIS)
    row = table[(table["scenario"] == "plus") & (table["kpi"] == "net_profit")].iloc[0]
    steps = base["step"].nunique()
    assert row["diff_mean"] == pytest.approx(10.0 * steps)
    assert row["diff_lo"] == pytest.approx(10.0 * steps)
    assert row["diff_hi"] == pytest.approx(10.0 * steps)
    assert row["hi"] - row["lo"] > 1000 * steps  # the unpaired interval is wide
    first = table[table["scenario"] == "base"]
    assert first["diff_mean"].isna().all()


def test_kpi_table_orders_scenarios(tables):
    t = kpi_table(tables["runs"], scenarios=["kam", "base"])
    assert list(pd.unique(t["scenario"])) == ["kam", "base"]
    cust = t[(t["scenario"] == "base") & (t["kpi"] == "customers_end")].iloc[0]
    assert cust["diff_mean"] < 0 and cust["n"] == 3
