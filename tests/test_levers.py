"""sim/runs/levers.py: a bundle's difference from the status quo, lever by lever, on common random
numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim import scenario
from sim.runs import levers

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SMALL = {"run.scale": 0.15, "run.weeks": 60}


def two_lever_bundle():
    """The reservoir cut down to its key-account centre and its data team."""
    params = scenario.load(SCENARIOS / "reservoir.toml", overrides=SMALL)
    f = params.focal_index
    st = params.suppliers[f].strategies
    keep = type(st)(kam_centre=st.kam_centre, demand_forecasting=st.demand_forecasting)
    return levers._with_focal(params, params.suppliers[f].model_copy(
        update={"strategies": keep}))


def test_levers_of_the_shipped_bundles():
    res = scenario.load(SCENARIOS / "reservoir.toml")
    assert len(levers.levers(res)) == 8  # the paper's eight recommendations, no setting
    fun = scenario.load(SCENARIOS / "funnel.toml")
    assert levers.levers(fun) == ["price_war", "development", "service_level", "kam_managers"]
    back = levers.without(fun, "kam_managers")
    assert back.suppliers[0].kam_managers == 3 and back.suppliers[0].service_level == 0.7
    alone = levers.only(fun, "price_war")
    assert alone.suppliers[0].kam_managers == 3 and alone.suppliers[0].strategies.price_war


def test_removal_and_addition_telescope_to_the_bundle():
    """Two levers A, B: removal(A) + addition(B) = bundle, exactly, seed by seed (the
    scenario without A is the status quo with B only); the intervals are over the seeds."""
    params = two_lever_bundle()
    assert levers.levers(params) == ["kam_centre", "demand_forecasting"]
    table = levers.decompose(params, seeds=(1, 2, 3)).set_index(["lever", "method", "figure"])
    for fig in levers.FIGURES:
        bundle = table.loc[("bundle", "bundle", fig), "mean"]
        parts = (table.loc[("kam_centre", "removal", fig), "mean"]
                 + table.loc[("demand_forecasting", "addition", fig), "mean"])
        np.testing.assert_allclose(parts, bundle, rtol=1e-9, atol=1e-9)
        row = table.loc[("bundle", "bundle", fig)]
        assert row["n"] == 3 and row["lo"] <= row["mean"] <= row["hi"]
    # the centre and the data team cost money: without them the net profit differs
    assert table.loc[("kam_centre", "addition", "net_profit"), "mean"] != 0


def test_shapley_values_add_up_to_the_bundle():
    """Shapley values of every seed add up to its bundle difference (efficiency), so their
    means add up to the bundle's mean, inside its interval; two levers: each value is the
    mean of its removal and its addition."""
    params = two_lever_bundle()
    table = levers.decompose(params, seeds=(1, 2, 3)).set_index(["lever", "method", "figure"])
    for fig in levers.FIGURES:
        bundle = table.loc[("bundle", "bundle", fig)]
        parts = sum(table.loc[(lv, "shapley", fig), "mean"]
                    for lv in ("kam_centre", "demand_forecasting"))
        np.testing.assert_allclose(parts, bundle["mean"], rtol=1e-9, atol=1e-9)
        assert bundle["lo"] <= parts <= bundle["hi"]
        for lv in ("kam_centre", "demand_forecasting"):
            half = (table.loc[(lv, "removal", fig), "mean"]
                    + table.loc[(lv, "addition", fig), "mean"]) / 2
            np.testing.assert_allclose(table.loc[(lv, "shapley", fig), "mean"], half,
                                       rtol=1e-9, atol=1e-6)


def test_selected_levers_and_the_others_as_one_player():
    params = scenario.load(SCENARIOS / "reservoir.toml", overrides=SMALL)
    who = levers.players(params, ["development", "lifecycle_care"])
    assert list(who) == ["development", "lifecycle_care", levers.OTHERS]
    assert len(who[levers.OTHERS]) == 6
    runs = levers.variants(params, who, shapley=True)
    assert len(runs) == 8  # every coalition of three players
    full = frozenset(who)
    assert runs[full] is params
    assert runs[frozenset()].model_dump() == params.status_quo().model_dump()
    alone = runs[frozenset(["development"])].suppliers[params.focal_index].strategies
    assert alone.development is not None and alone.lifecycle_care is None
    assert alone.kam_centre is None
    # the others switched on together, the two selected off
    rest = runs[frozenset([levers.OTHERS])].suppliers[params.focal_index].strategies
    assert rest.kam_centre is not None and rest.development is None


def test_scaled_key_account_staffing_is_one_lever():
    """run.scale sets the managers, their span and their cost per head together: one lever,
    and removing it restores all three."""
    params = scenario.load(SCENARIOS / "funnel.toml", overrides={"run.scale": 0.15})
    assert levers.levers(params) == ["price_war", "development", "service_level",
                                     "kam_managers"]
    back = levers.without(params, "kam_managers").suppliers[params.focal_index]
    sq = params.status_quo().suppliers[params.focal_index]
    assert (back.kam_managers, back.accounts_per_manager, back.manager_cost_per_year) == \
        (sq.kam_managers, sq.accounts_per_manager, sq.manager_cost_per_year)
    assert levers.only_focal_differs(params)
    assert not levers.only_focal_differs(scenario.load(SCENARIOS / "poacher.toml"))


def test_compare_levers_summary(tmp_path):
    """``kamsim compare FILE --levers``: the bundle's rows in summary.json, its Shapley values
    adding up to its difference, which is the comparison's own difference from the status
    quo (the same runs)."""
    import json

    from sim.cli import main

    path = tmp_path / "two.toml"
    path.write_text(f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\nname = "two"\n'
                    '[[suppliers]]\nname = "Focal"\n[suppliers.strategies.kam_centre]\n'
                    '[suppliers.strategies.demand_forecasting]\n')
    out = tmp_path / "out"
    assert main(["compare", str(path), "--levers", "--reps", "3", "--steps", "40", "--set",
                 "run.scale=0.15", "--workers", "1", "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    lv = s["levers"]
    assert lv["bundle"] == "two" and lv["method"] == "shapley"
    assert {(r["lever"], r["method"]) for r in lv["rows"]} == {
        (x, m) for x in ("kam_centre", "demand_forecasting")
        for m in ("removal", "addition", "shapley")}
    bundle = {r["figure"]: r for r in lv["bundle_difference"]}
    assert set(bundle) == set(levers.FIGURES)
    diffs = {r["figure"]: r for r in s["differences"] if r["versus"] == "status quo"}
    for fig, kpi in (("pool_health", "pool_health_end"), ("net_profit", "net_profit")):
        total = sum(r["mean"] for r in lv["rows"] if r["method"] == "shapley"
                    and r["figure"] == fig)
        b = bundle[fig]
        assert b["n"] == 3 and b["lo"] <= total <= b["hi"]
        np.testing.assert_allclose(total, b["mean"], rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(b["mean"], diffs[kpi]["mean"], rtol=1e-9, atol=1e-6)
