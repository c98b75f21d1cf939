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
