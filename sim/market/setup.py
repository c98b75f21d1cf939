"""Setting the market up, and changing it between two weeks.

``MarketSetup`` is a mixin of ``MarketModel`` (``sim/market/model.py``): it builds the three
parts of the state (``sim/market/state.py``) from a scenario, settles the starting market under
the status quo (docs/ODD.md, section 5: customers drawn, loyalties at their fixed point, a year
of history), lets the suppliers adopt the scenario's own settings before week 0, and holds the
seams of round-based play (``set_supplier``, ``add_shock``, ``enter_customers``) that the
workshop calls between two weeks.
"""

from __future__ import annotations

import numpy as np

from sim.book.start import plan as start_from_book
from sim.market.agents import Customer, Supplier
from sim.market.initialise import (
    SegmentTable,
    allocate_counts,
    draw_customers,
    initial_loyalty,
    initial_stages,
    seed_history,
    segment_closure,
)
from sim.market.order_history import seed_order_weeks
from sim.market.population import RING
from sim.market.state import MarketState, SupplyState, shock_tuple
from sim.params import SEGMENTS, Scenario, Shock, SupplierParams
from sim.rules import adapt, costs, demand
from sim.rules.lifecycle import KEY, StageRules
from sim.strategies import decisions
from sim.strategies.library import DedicatedTeamStrategy, build_strategies
from sim.strategies.policies import build_policies
from sim.tolerance import EPS


class MarketSetup:
    """Set-up of ``MarketModel`` and its seams for round-based play (see the module docstring)."""

    def _init_market(self) -> None:
        p = self.params
        a = p.adaptation
        self.market = MarketState.from_params(
            p, j_ref=a.payoff / a.gamma if a.gamma > 0 else a.payoff * RING,
            ev=costs.ev_share(0.0, p.ev.share_start, p.ev.width_years))
        self.segments = SegmentTable.from_params(p)
        self._entry_per_week = (self.segments["entry_per_year"] / 52.0).tolist()
        self.rules = StageRules(**p.lifecycle.model_dump(exclude={
            "key_max_default_per_year", "initial_tenure_weeks", "max_initial_tenure_weeks"}))

    def _init_suppliers(self) -> None:
        self.suppliers = [Supplier(self, s, i) for i, s in enumerate(self.params.suppliers)]
        self.supply = SupplyState.from_params(self.params, self.market.base_cost)
        for sup in self.suppliers:
            sup.setup_strategies()
        decisions.decide(self, "set_prices")
        self._update_market_price()
        self.supply.price_history[:] = self.supply.avg_list_price()[None, :]

    def _adopt(self, params: Scenario) -> None:
        """Before week 0: the suppliers take the scenario's own settings and strategies in
        place of the status quo's (docs/ODD.md section 5). Customers, relationships, stock,
        prices and their history stay as settled; key-account teams are allocated afresh.
        No random numbers are drawn, so every scenario's streams stay in step."""
        self.params = params
        for sup, sp in zip(self.suppliers, params.suppliers, strict=True):
            sup.adopt(sp)
        self.__dict__.pop("_plain_rows", None)  # sim/strategies/decisions.py's per-run cache
        self.supply.take_settings(params)
        for sup in self.suppliers:
            sup.setup_strategies()
        for sup in self.suppliers:
            sup.allocate_key_accounts()

    def _init_customers(self, n0: int, customer_agents: bool) -> None:
        p = self.params
        self._exits = np.zeros(0, dtype=np.int64)
        self.customer_agents = customer_agents
        self._agent_of_row: list[Customer | None] = []
        seg = np.repeat(np.arange(len(self.segments["share"])),
                        allocate_counts(n0, self.segments["share"]))
        book = (start_from_book(p, self.segments["share"], self.segments["size_median"])
                if p.book.path else None)  # the focal supplier's own accounts (docs/BOOK.md)
        self._add_customers(seg if book is None else book.segments, self.streams.setup)
        pop = self.pop
        self._ready = False
        settle = p.adaptation.initial_loyalty == "settled"
        if settle:
            pop.loyalty[:] = initial_loyalty(pop.aware, self.supply.presence, self.market.j_ref,
                                             self.streams.setup,
                                             p.adaptation.initial_loyalty_shape)
        if book is not None:
            book.apply(self)
            self._size_closure(slice(0, book.n))  # closure follows the book's sizes
        self._demand()
        expected = pop.demand / (demand.seasonal_factor(0, pop.season_amp)[:, None])
        shares = self._settle_loyalty(expected) if settle else self._routine_shares()
        vol = np.zeros((pop.n, self.n_sup))
        rev = np.zeros_like(vol)
        cost = np.zeros_like(vol)
        for m in range(self.n_mat):
            v = expected[:, m:m + 1] * shares[m]
            vol += v
            rev += v * self.supply.price[:, m]
            cost += v * (self.market.base_cost[m] + self.market.processing_cost[m])
        seed_history(pop, vol, rev, cost, self.streams.setup,
                     (p.lifecycle.initial_tenure_weeks, p.lifecycle.max_initial_tenure_weeks))
        if book is not None:
            book.apply_tenure(pop, self.focal)
        seed_order_weeks(pop, expected, self.streams.rhythm)  # customers ordering < weekly
        self.book_provenance = book.provenance if book is not None else None
        initial_stages(pop, self._key_ok(), self.rules.general_volume_t,
                       self.rules.potential_min_weeks)
        pop.main[:] = np.where(vol.max(axis=1) > 0, vol.argmax(axis=1), -1)
        contracted = pop.tender & (pop.main >= 0)
        pop.contract_supplier[:] = np.where(contracted, pop.main, -1)
        period = p.tender.period_weeks
        pop.contract_end[:] = self.streams.setup.integers(0, period, size=pop.n)
        f = self.focal
        pop.spell_start[:] = -pop.tenure[:, f]
        pop.spell_key[:] = pop.stage[:, f] == KEY
        self.supply.forecast = np.stack([(expected[:, m:m + 1] * shares[m]).sum(0)
                                  for m in range(self.n_mat)], 1)
        cover = np.array([s.stock_cover_weeks for s in p.suppliers])
        self.supply.stock = self.supply.forecast * cover[:, None] * self.supply.carries
        self.supply.last_delivered = self.supply.forecast.copy()
        self._quarterly_review()
        self._ready = True

    def _settle_loyalty(self, expected: np.ndarray) -> list[np.ndarray]:
        """Move initial loyalties to the fixed point ``J = payoff x share / gamma``.

        Damped fixed-point iteration of the WKH mean-field map, so that the run does not start
        with a transient of relationships decaying toward their steady state. Returns the
        routine shares at the settled loyalties.
        """
        pop, a = self.pop, self.params.adaptation
        wallet = np.maximum(expected.sum(axis=1, keepdims=True), EPS)
        payoff = float(adapt.loyalty_payoff(1.0, pop.satisfaction.mean(), a.payoff,
                                            a.payoff_satisfaction_weight,
                                            a.satisfaction_tolerance))
        for _ in range(a.settle_iterations if a.gamma > 0 else 0):
            shares = self._routine_shares()
            visit = sum(expected[:, m:m + 1] * shares[m] for m in range(self.n_mat)) / wallet
            pop.loyalty[:] = 0.5 * pop.loyalty + 0.5 * payoff * visit / a.gamma
        return self._routine_shares()

    def _add_customers(self, seg: np.ndarray, rng: np.random.Generator) -> slice:
        rows = self.pop.add_rows(seg.size)
        self.pop.satisfaction[rows] = self.params.adaptation.initial_satisfaction
        draw_customers(self.pop, rows, seg, self.week, self.segments, rng, self.supply.presence)
        self.pop.delivery[rows] = self.supply.service  # no track record yet: its reputation
        if self.customer_agents:
            self._agent_of_row.extend(Customer(self, r) for r in range(rows.start, rows.stop))
        if getattr(self, "_ready", False):
            for sup in self.suppliers:
                sup.welcome(rows)
        return rows

    # ------------------------------------------------ seams for round-based play
    def set_supplier(self, s: int, params: SupplierParams) -> None:
        """Replace supplier ``s``'s parameters between two weeks (the workshop's levers).

        Rebuilds the supplier's policies and strategies and its standing arrays from
        ``params`` (markup, stock cover, staff cost, rationing, care effects). A strategy kept
        from the old parameters keeps its running state (capacity already added, pre-stocking
        agreements); capacity once built stays. Never called in a plain run, so runs without
        it are unchanged. ``params.name`` must be the supplier's name.
        """
        if params.name != self.supplier_names[s]:
            raise ValueError(f"set_supplier: supplier {s} is {self.supplier_names[s]!r}, "
                             f"not {params.name!r}")
        sups = list(self.params.suppliers)
        sups[s] = params
        self.params = self.params.model_copy(update={"suppliers": sups})
        sup = self.suppliers[s]
        old = {type(st): st for st in sup.strategies}
        sup.params = params
        sup.policies = build_policies(params)
        sup.strategies = build_strategies(params.strategies)
        self.supply.reset_settings(s, params, self.params.adaptation.kam_service_boost)
        for st in sup.strategies:
            st.setup(self, s)
            kept = old.get(type(st))
            if kept is not None:  # carry the running state over, with the new parameters
                st.__dict__.update({k: v for k, v in kept.__dict__.items() if k != "p"})
        if not any(isinstance(st, DedicatedTeamStrategy) for st in sup.strategies):
            self.pop.assign_dedicated(s, False)
        self.__dict__.pop("_plain_rows", None)  # decisions.plain_rows' cache: rebuilt on use
        sup.allocate_key_accounts()

    def add_shock(self, shock: Shock) -> None:
        """Schedule one more raw-material cost shock (a facilitator's event)."""
        self.params = self.params.model_copy(update={"shocks": [*self.params.shocks, shock]})
        self.market.shocks.append(shock_tuple(shock))

    def enter_customers(self, segment: str, count: int, rng: np.random.Generator,
                        size_multiple: float = 1.0) -> None:
        """``count`` new customers of ``segment`` enter now, their attributes drawn from
        ``rng`` (not the market's streams, which stay as they were), their size scaled by
        ``size_multiple`` (e.g. a mega OEM's plant)."""
        seg = np.full(count, SEGMENTS.index(segment), dtype=np.int64)
        rows = self._add_customers(seg, rng)
        self.pop.size[rows] *= size_multiple
        self._size_closure(rows)

    def _size_closure(self, rows: slice) -> None:
        """Exit hazards of customers ``rows`` after their size was set anew (docs/ODD.md 7.c)."""
        pop = self.pop
        pop.exit_hazard[rows] = pop.default_hazard[rows] + segment_closure(
            pop.size[rows], pop.segment[rows], self.segments)
