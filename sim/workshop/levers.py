"""A team's levers: what it may decide each round, its budget, and how each lever maps onto the
supplier parameters and strategies that already exist (``sim.params``, ``sim.strategies.library``).

The levers and the rules of play are declared with every other parameter in ``sim/params/``
(``Levers``, ``WorkshopSettings``). No market rule lives here: a decision becomes a
:class:`sim.params.SupplierParams` for the team's supplier, which the model takes between two
weeks (``MarketModel.set_supplier``).
Benchmark strategies (the price war, the reservoir bundle) are the focal supplier's strategies
of the scenario files ``scenarios/price_war.toml`` and ``scenarios/reservoir.toml``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError

from sim.params import (
    DedicatedTeam,
    Development,
    KamCentre,
    Levers,
    LifecycleCare,
    NewMaterials,
    PriceCommunication,
    Strategies,
    SupplierParams,
    SupplyAssurance,
)
from sim.scenario import InputError, load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
PRESETS = ("status_quo", "price_war", "reservoir")
"""Bot and benchmark strategies: the scenario's own supplier, or a benchmark bundle."""


def parse_levers(data: object, where: str = "decision") -> Levers:
    """Validate a decision (a JSON object); :class:`InputError` with one line per problem."""
    if not isinstance(data, dict):
        raise InputError([(where, "", "a decision must be an object of levers")])
    try:
        return Levers.model_validate(data)
    except ValidationError as e:
        raise InputError([(where, ".".join(map(str, err["loc"])), err["msg"])
                          for err in e.errors()]) from None


def supplier_for(base: SupplierParams, levers: Levers, week: int) -> SupplierParams:
    """The team's supplier with ``levers`` applied (strategies that start now start at
    ``week``); parameters the levers do not name stay as in the scenario."""
    st: dict[str, object] = {}
    managers = levers.account_managers
    if levers.allocation != "revenue":
        st["kam_centre"] = KamCentre(managers=managers, classes=levers.allocation)
        managers = 0
    if levers.price_communication != "silent":
        st["proactive_price_communication"] = PriceCommunication(
            coverage=levers.price_communication)
    if levers.safety_stock_weeks > 0 or levers.key_first:
        st["supply_assurance"] = SupplyAssurance(safety_weeks=levers.safety_stock_weeks,
                                                 key_first=levers.key_first)
    if levers.ev_hdg_ahss_add > 0 or levers.ev_aluminium_add > 0:
        st["new_materials"] = NewMaterials(start_week=week, hdg_ahss_add=levers.ev_hdg_ahss_add,
                                           aluminium_add=levers.ev_aluminium_add)
    if levers.prospecting_staff > 0:
        st["development"] = Development(extra_staff=levers.prospecting_staff)
    if levers.dedicated_accounts > 0:
        st["dedicated_team"] = DedicatedTeam(accounts=levers.dedicated_accounts)
    if levers.care_per_week > 0:
        st["lifecycle_care"] = LifecycleCare(max_per_week=levers.care_per_week)
    return base.model_copy(update={"markup": levers.price_margin, "kam_managers": managers,
                                   "strategies": Strategies(**st)})


def levers_of(base: SupplierParams) -> Levers:
    """The levers that reproduce the scenario's own supplier (a team's starting point)."""
    return Levers(price_margin=min(max(base.markup, -0.05), 0.25),
                  account_managers=min(base.kam_managers, 40),
                  key_first=base.rationing == "key_first")


@cache
def _benchmark_strategies(preset: str) -> Strategies:
    scenario = load(SCENARIOS / f"{preset}.toml")
    return scenario.suppliers[scenario.focal_index].strategies


def preset_supplier(base: SupplierParams, preset: str, week: int) -> SupplierParams:
    """The team's supplier playing a benchmark strategy from ``week`` on."""
    if preset not in PRESETS:
        raise InputError([("preset", "", f"unknown strategy '{preset}' "
                                         f"(one of {', '.join(PRESETS)})")])
    if preset == "status_quo":
        return base
    st = _benchmark_strategies(preset)
    update: dict[str, object] = {}
    for name in ("price_war", "new_materials"):
        block = getattr(st, name)
        if block is not None:
            update[name] = block.model_copy(update={"start_week": week})
    return base.model_copy(update={"strategies": st.model_copy(update=update)})


def annual_costs(sp: SupplierParams) -> dict[str, float]:
    """What each lever commits per year (CNY), as the strategies charge it."""
    st = sp.strategies
    out = {"account_managers": sp.kam_managers * sp.manager_cost_per_year,
           "prospecting_staff": 0.0, "dedicated_accounts": 0.0, "care_per_week": 0.0,
           "ev_capacity": 0.0}
    if st.kam_centre:
        out["account_managers"] += (st.kam_centre.managers * st.kam_centre.manager_cost_per_year
                                    + st.kam_centre.overhead_per_year)
    if st.development:
        out["prospecting_staff"] = st.development.extra_staff * st.development.staff_cost_per_year
    if st.dedicated_team:
        d = st.dedicated_team
        out["dedicated_accounts"] = d.accounts * d.staff_per_team * d.staff_cost_per_year
    if st.lifecycle_care:
        c = st.lifecycle_care
        out["care_per_week"] = c.max_per_week * 52 * c.cost_per_intervention
    if st.new_materials:
        n = st.new_materials
        out["ev_capacity"] = (n.hdg_ahss_add + n.aluminium_add) * sp.capacity_cost_per_t_week_year
    if st.demand_forecasting:
        out["forecasting"] = st.demand_forecasting.cost_per_year
    return out


def check_budget(base: SupplierParams, levers: Levers, budget: float,
                 where: str = "decision") -> dict[str, float]:
    """The levers' annual costs; :class:`InputError` naming the levers when over budget."""
    costs = annual_costs(supplier_for(base, levers, 0))
    total = sum(costs.values())
    if total > budget + 1e-6:
        parts = ", ".join(f"{k} {v / 1e6:.2f} M" for k, v in costs.items() if v > 0)
        raise InputError([(where, "budget", f"the levers cost {total / 1e6:.2f} M CNY/year "
                                            f"({parts}), over the budget of "
                                            f"{budget / 1e6:.2f} M CNY/year")])
    return costs
