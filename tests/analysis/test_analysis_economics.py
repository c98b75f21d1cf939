"""analysis/economics.py: cost by kind, incremental profit, return, payback and NPV, checked
by accounting identities on synthetic suppliers tables and on a simulated comparison."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import economics as ec

COLS = ("staff_cost", "strategy_staff_cost", "discount_cost", "holding_cost", "capacity_cost",
        "strategy_capacity_cost", "strategy_service_cost")


def table(weeks: int = 30, reps: int = 4, seed: int = 0) -> pd.DataFrame:
    """Two scenarios x reps of a focal supplier and a rival, with a start row (step -1).
    "push" spends 50 a week more on staff from week 0 and earns 20 a week less for ten
    weeks, then 15 a week more: it pays back during the run."""
    rng = np.random.default_rng(seed)
    rows = []
    noises = rng.normal(0, 1, (reps, weeks))  # common to both scenarios of a rep
    for scen in ("base", "push"):
        for rep in range(reps):
            noise = noises[rep]
            for step in range(-1, weeks):
                for focal in (True, False):
                    r = {c: 0.0 for c in COLS}
                    net = 0.0
                    if step >= 0:
                        r.update(staff_cost=100.0, discount_cost=3.0 + rep,
                                 holding_cost=7.0, capacity_cost=1.0)
                        net = 200.0 + 10 * noise[step]
                        if scen == "push" and focal:
                            r["strategy_staff_cost"] = 50.0
                            r["strategy_service_cost"] = 2.0
                            net += -20.0 if step < 10 else 15.0
                    rows.append({"scenario": scen, "rep": rep, "step": step,
                                 "supplier": "Focal" if focal else "Rival", "focal": focal,
                                 "net_profit": net, **r})
    return pd.DataFrame(rows)


RATES = {"base": 0.08, "push": 0.08}


def test_costs_by_kind_add_up_to_spend_and_npv_at_zero_is_the_sum():
    runs = table()
    w = ec.weekly(runs)
    assert (w["step"] >= 0).all()  # the start row is not a week
    np.testing.assert_allclose(w[list(ec.COST_KINDS)].sum(axis=1), w["spend"])
    focal = runs[runs["focal"] & (runs["step"] >= 0)]
    assert w["spend"].sum() == pytest.approx(focal[list(COLS)].sum().sum())
    zero = ec.per_run(runs, {"base": 0.0, "push": 0.0})
    np.testing.assert_allclose(zero["npv"], zero["net_profit"])
    disc = ec.per_run(runs, RATES)
    assert (disc["npv"] < disc["net_profit"]).all()  # positive profits, positive rate
    # 30 weeks of 1 at 8 %: each week discounted by 1.08 ** ((t + 1) / 52)
    assert ec.npv(np.ones(30), 0.08) == pytest.approx(
        sum(1.08 ** -((t + 1) / 52) for t in range(30)))


def test_paired_differences_payback_and_return():
    runs = table()
    d = ec.differences(runs, "base", RATES)
    assert list(d.index.get_level_values("scenario").unique()) == ["push"]
    np.testing.assert_allclose(d["staff"], 50.0 * 30)
    np.testing.assert_allclose(d["service"], 2.0 * 30)
    np.testing.assert_allclose(d["spend"], d[list(ec.COST_KINDS)].sum(axis=1))
    np.testing.assert_allclose(d["net_profit"], -20 * 10 + 15 * 20)  # noise is paired away
    np.testing.assert_allclose(d["return_on_spend"], d["net_profit"] / d["spend"])
    # cumulative: -200 at week 9, then +15 a week: >= 0 from week 23 (-200 + 15 * 14 = 10)
    assert (d["payback_week"] == 23).all()
    per = ec.per_run(runs, RATES)
    both = per.xs("push", level="scenario") - per.xs("base", level="scenario")
    np.testing.assert_allclose(d.xs("push", level="scenario")["net_profit"],
                               both["net_profit"])
    zero = ec.differences(runs, "base", {"base": 0.0, "push": 0.0})
    np.testing.assert_allclose(zero["npv"], zero["net_profit"])


def test_payback_rules():
    assert ec.payback_week(np.array([1.0, 2.0])) == 0.0
    assert ec.payback_week(np.array([-5.0, 2.0, 2.0, 2.0])) == 3.0
    assert math.isnan(ec.payback_week(np.array([-5.0, 2.0])))
    assert ec.payback_week(np.array([-1.0, 2.0, -3.0, 5.0])) == 3.0  # dips again: later


def test_table_has_intervals_and_rejects_unknown_reference():
    runs = table()
    t = ec.economics_table(runs, RATES, reference="base")
    own = t[(t["versus"] == "") & (t["scenario"] == "push")].set_index("figure")
    assert set(own.index) == set(ec.LEVELS) and (own["n"] == 4).all()
    diff = t[t["versus"] == "base"].set_index("figure")
    assert set(diff.index) == set(ec.DIFFERENCES)
    lo, hi = diff.loc["net_profit", ["lo", "hi"]]
    assert lo <= 100 <= hi and diff.loc["discounts", "mean"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="nope"):
        ec.differences(runs, "nope", RATES)
    with pytest.raises(ValueError, match="discount rate"):
        ec.per_run(runs, {"base": 0.08})


def test_simulated_costs_reconcile_with_the_books(runner, small_loader):
    """On a simulated run: the kinds reconcile with the books (holding and capacity inside
    processing cost, strategy kinds adding up to strategy cost, discounts the gap between
    list-price and booked revenue)."""
    from sim import scenario
    from tests.conftest import REPO

    params = scenario.load(REPO / "scenarios" / "funnel.toml",
                           overrides={"run.scale": 0.2, "run.weeks": 20})
    model, t = runner(params, customer_agents=False)
    sup = t["suppliers"]
    kinds = sup[["strategy_staff_cost", "strategy_capacity_cost",
                 "strategy_service_cost"]].sum(axis=1)
    np.testing.assert_allclose(kinds, sup["strategy_cost"], atol=1e-6)
    assert (sup["holding_cost"] + sup["capacity_cost"] <= sup["processing_cost"] + 1e-6).all()
    focal = sup[sup["focal"] & (sup["step"] >= 0)]
    assert focal["discount_cost"].sum() > 0  # the funnel's price war and intro discounts
    assert (sup.loc[~sup["focal"], "discount_cost"].abs() < 1e-6).all()  # rivals list price
