"""run.scale (sim/market/scale.py): a smaller copy of a market keeps its balance; a raw override of
run.customers does not, and warns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import scenario
from sim.market.scale import MarketBalanceWarning, scaled
from sim.runs.run import simulate, summarize

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
RESERVOIR = BASELINE.with_name("reservoir.toml")


def test_scaled_copy_scales_size_and_keeps_everything_per_customer():
    full = scenario.load(RESERVOIR)
    small = scenario.load(RESERVOIR, overrides={"run.scale": 0.4})
    assert small.run.customers == 400 and small.run.scale == 0.4
    assert small.segments["tier2"].entry_per_year == pytest.approx(0.4 * 40)
    f, s = full.suppliers[0], small.suppliers[0]
    assert s.capacity.steel == pytest.approx(0.4 * f.capacity.steel)
    assert s.markup == f.markup and s.service_level == f.service_level
    # key-account slots and their cost scale together (whole people and accounts)
    assert s.kam_managers * s.accounts_per_manager == round(0.4 * 24)
    assert s.kam_managers * s.manager_cost_per_year == pytest.approx(
        0.4 * f.kam_managers * f.manager_cost_per_year)
    c, cs = f.strategies.kam_centre, s.strategies.kam_centre
    assert cs.managers * cs.manager_cost_per_year == pytest.approx(
        0.4 * c.managers * c.manager_cost_per_year)
    assert abs(cs.managers * cs.accounts_per_manager - 0.4 * 36) <= 0.5
    assert s.strategies.new_materials.aluminium_add == pytest.approx(0.4 * 150)
    # the status quo is scaled alike, and scaling by 1 changes nothing
    sq = small.status_quo().suppliers[0]
    assert sq.capacity == s.capacity and sq.kam_managers == s.kam_managers
    assert scaled(full, 1.0) is full


def test_raw_customers_override_warns_and_scale_does_not(recwarn):
    with pytest.warns(MarketBalanceWarning, match="run.scale = 0.4"):
        scenario.load(BASELINE, overrides={"run.customers": 400})
    scenario.load(BASELINE, overrides={"run.scale": 0.4})
    scenario.load(BASELINE, overrides={"run.customers": 1050})  # within 10 %: no warning
    assert not [w for w in recwarn if issubclass(w.category, MarketBalanceWarning)]


def figures(overrides: dict, seed: int) -> dict[str, float]:
    model, t = simulate(scenario.load(BASELINE, overrides=overrides), seed=seed)
    sup = t["suppliers"]
    focal = sup[sup["focal"] & (sup["step"] >= 0)]
    customers = focal.set_index("step")["customers"]
    return {"share": summarize(model, t)["suppliers"]["Focal"]["market_share"],  # last year
            "health": focal["acquired"].sum() / (focal["lost"].sum() + focal["exited"].sum()),
            "base_change": customers.iloc[-1] / customers.iloc[0] - 1.0}


@pytest.mark.slow
def test_scaled_copy_keeps_share_and_pool_health():
    """Five years of the baseline at full size and at 0.4 (six seeds each): the focal share
    of tonnes, pool health over the run and the change of the customer base agree within the
    tolerances of docs/ODD.md section 5 (*Scale*); 400 raw customers do not."""
    seeds = range(1, 7)
    full = [figures({}, s) for s in seeds]
    small = [figures({"run.scale": 0.4}, s) for s in seeds]
    mean = {k: (np.mean([f[k] for f in full]), np.mean([f[k] for f in small]))
            for k in full[0]}
    tolerance = {"share": 0.05, "health": 0.15, "base_change": 0.10}
    for k, tol in tolerance.items():
        assert abs(mean[k][0] - mean[k][1]) < tol, f"{k}: {mean[k][0]:.3f} vs {mean[k][1]:.3f}"
    with pytest.warns(MarketBalanceWarning):
        raw = [figures({"run.customers": 400}, s) for s in seeds[:3]]
    assert np.mean([r["base_change"] for r in raw]) - mean["base_change"][0] > 0.3


@pytest.mark.parametrize("bad", [-0.4, 0.0, 1000.0, "half"])
def test_bad_scale_is_input_error(bad):
    with pytest.raises(scenario.InputError) as exc:
        scenario.load(BASELINE, overrides={"run.scale": bad})
    assert "run.scale" in str(exc.value) and "baseline.toml" in str(exc.value)
