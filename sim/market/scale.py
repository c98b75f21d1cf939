"""A smaller or larger copy of a market: ``run.scale`` (docs/ODD.md section 5, *Scale*).

Owns the one rule of what grows with the market. Multiplied by the factor ``f``: the initial
customers, every segment's entry rate, every supplier's capacity (and capacity a strategy
adds), prospecting contacts per salesperson-week, the money of staff and fixed costs (salaries
of salespeople, account managers and dedicated teams; a centre's overhead; a data team), and
the counts of accounts a supplier serves or targets (key-account slots, dedicated mega
accounts, poaching targets, lifecycle interventions a week). Unchanged: everything per customer
or per tonne (sizes, prices, costs per tonne, per warning, per intervention, per tonne of
capacity), shares, rates per customer, thresholds (the 500 t key-account volume). Counts are
whole numbers: a count ``c`` becomes ``round(c x f)`` (key-account slots: the managers x
accounts pair nearest to ``f`` x slots), and the cost per head is set so that the cost stays
exactly ``f`` x the full market's.

The loader (``sim.scenario.load``) applies ``run.scale`` after the overrides, to the scenario
and its status quo alike; :func:`scaled` is for scenarios built in code. A raw override of
``run.customers`` changes the balance of the market instead (more or fewer buyers for the same
suppliers, entry and staff): :func:`balance_warning` says so.
"""

from __future__ import annotations

import warnings

from sim.params import Scenario, SupplierParams

# a raw run.customers override further than this from the file's count warns
BALANCE_TOLERANCE = 0.1


class MarketBalanceWarning(UserWarning):
    """An override changed the number of customers without the rest of the market."""


def scaled(params: Scenario, factor: float) -> Scenario:
    """A copy of ``params`` ``factor`` times the size (module docstring); ``run.scale`` records
    the factor. ``factor`` 1 returns ``params`` unchanged."""
    if factor == 1.0:
        return params
    run = params.run.model_copy(update={"customers": max(1, round(params.run.customers
                                                                  * factor)),
                                        "scale": factor})
    segments = {k: s.model_copy(update={"entry_per_year": s.entry_per_year * factor})
                for k, s in params.segments.items()}
    out = params.model_copy(update={"run": run, "segments": segments,
                                    "suppliers": [_supplier(s, factor) for s in params.suppliers]})
    if params._status_quo is not None:
        out._status_quo = [_supplier(s, factor) for s in params._status_quo]
    return out


def _count(n: int, factor: float) -> int:
    """A whole count of the scaled market: ``round(n x factor)``, at least 1 when ``n`` > 0."""
    return max(1 if n > 0 else 0, round(n * factor))


def _slots(managers: int, accounts: int, factor: float) -> tuple[int, int]:
    """The (managers, accounts per manager) pair whose product is nearest to ``factor`` x
    the slots; among equals, the span nearest the original, then fewest managers."""
    if managers == 0:
        return 0, accounts
    target = managers * accounts * factor
    pairs = [(m, max(1, round(target / m))) for m in range(1, max(managers, 1) * 2 + 1)]
    return min(pairs, key=lambda p: (abs(p[0] * p[1] - target), abs(p[1] - accounts), p[0]))


def _supplier(sp: SupplierParams, f: float) -> SupplierParams:
    m, a = _slots(sp.kam_managers, sp.accounts_per_manager, f)
    per_head = sp.manager_cost_per_year * f * sp.kam_managers / m if m else \
        sp.manager_cost_per_year
    cap = sp.capacity.model_copy(update={k: v * f for k, v in sp.capacity.model_dump().items()})
    st = sp.strategies
    upd: dict = {}
    if st.kam_centre is not None:
        c = st.kam_centre
        cm, ca = _slots(c.managers, c.accounts_per_manager, f)
        upd["kam_centre"] = c.model_copy(update={
            "managers": cm, "accounts_per_manager": ca, "overhead_per_year":
            c.overhead_per_year * f, "manager_cost_per_year":
            c.manager_cost_per_year * f * c.managers / cm if cm else c.manager_cost_per_year})
    if st.dedicated_team is not None:
        d = st.dedicated_team
        n = _count(d.accounts, f)
        upd["dedicated_team"] = d.model_copy(update={
            "accounts": n, "staff_cost_per_year":
            d.staff_cost_per_year * f * d.accounts / n if n else d.staff_cost_per_year})
    if st.development is not None:
        upd["development"] = st.development.model_copy(update={
            "staff_cost_per_year": st.development.staff_cost_per_year * f})
    if st.demand_forecasting is not None:
        upd["demand_forecasting"] = st.demand_forecasting.model_copy(update={
            "cost_per_year": st.demand_forecasting.cost_per_year * f})
    if st.new_materials is not None:
        nm = st.new_materials
        upd["new_materials"] = nm.model_copy(update={"hdg_ahss_add": nm.hdg_ahss_add * f,
                                                     "aluminium_add": nm.aluminium_add * f})
    if st.poaching is not None:
        upd["poaching"] = st.poaching.model_copy(update={
            "max_accounts": _count(st.poaching.max_accounts, f)})
    if st.lifecycle_care is not None:
        upd["lifecycle_care"] = st.lifecycle_care.model_copy(update={
            "max_per_week": _count(st.lifecycle_care.max_per_week, f)})
    return sp.model_copy(update={
        "capacity": cap, "kam_managers": m, "accounts_per_manager": a,
        "manager_cost_per_year": per_head, "dev_cost_per_year": sp.dev_cost_per_year * f,
        "prospects_per_staff_week": sp.prospects_per_staff_week * f,
        "strategies": st.model_copy(update=upd)})


def balance_warning(file: str, customers: int, file_customers: int) -> None:
    """Warn when an override of ``run.customers`` moves the market away from its balance."""
    if file_customers and abs(customers / file_customers - 1.0) > BALANCE_TOLERANCE:
        warnings.warn(
            f"{file}: run.customers: {customers} customers for a market built for "
            f"{file_customers} changes its balance (entry, capacities and staff are not "
            f"scaled); for a smaller or larger copy of the market use run.scale = "
            f"{customers / file_customers:.3g}", MarketBalanceWarning, stacklevel=3)
