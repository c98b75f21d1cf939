"""MarketModel: set-up and the weekly step order, written out.

The model holds the market's state in three named parts (``sim/market/state.py``):
``self.market`` (costs, EV share, market prices), ``self.supply`` (the suppliers' S x M
arrays) and ``self.pop`` (customers and relationships); besides them only its clock
(``week``), parameters, random streams and this week's working values. It calls the pure
rules (``sim.rules``) in a fixed order each week; the customers' part of the week (choice to
lifecycle) is in ``sim/market/week.py``. No Python loop runs over customers; loops over
suppliers (a handful) and materials (three) are plain Python. One ``numpy.random.Generator``
(``self.rng``, from ``Model(rng=seed)``) is the source of all randomness: a child stream per
stochastic process is spawned from it (``self.streams``, ``sim/market/streams.py``), so
strategies compared on one seed see the same draws.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from sim import size
from sim.book.start import plan as start_from_book
from sim.market import finite
from sim.market.agents import Customer, Supplier
from sim.market.initialise import (
    SegmentTable,
    allocate_counts,
    draw_customers,
    initial_loyalty,
    initial_stages,
    seed_history,
)
from sim.market.population import RING, Population
from sim.market.state import COST_KINDS, MarketState, SupplyState, shock_tuple
from sim.market.streams import spawn_streams
from sim.market.week import CustomerWeek
from sim.params import MATERIALS, SEGMENTS, Scenario, Shock, SupplierParams
from sim.record import Recorder
from sim.rules import adapt, costs, demand, lifecycle, tender
from sim.rules.lifecycle import KEY, POTENTIAL, StageRules
from sim.strategies import decisions
from sim.strategies.library import DedicatedTeamStrategy, build_strategies
from sim.strategies.policies import build_policies
from sim.tolerance import EPS

QUARTER = 13


class MarketModel(CustomerWeek, mesa.Model):
    """Suppliers competing for automotive customers, one step a week."""

    def __init__(self, params: Scenario, seed: int | None = None, *, record: bool = True,
                 customer_agents: bool = True) -> None:
        """``record=False`` keeps no outputs (``self.recorder`` is None).
        ``customer_agents=False`` creates no per-customer Mesa agents (``self.customers`` is
        then empty; the arrays in ``self.pop`` are the customers): set-up of a 100,000-buyer
        market takes about a second less (docs/PERFORMANCE.md). Results are the same either way.
        """
        super().__init__(rng=params.run.seed if seed is None else seed)
        self.params = params.status_quo()  # the market settles under the status quo (ODD 5)
        self.streams = spawn_streams(self.rng, len(params.suppliers))
        self.week = 0
        self.n_sup = len(params.suppliers)
        self.n_mat = len(MATERIALS)
        self.focal = params.focal_index
        self.supplier_names = [s.name for s in params.suppliers]
        self._init_market()
        size.check(params, file=params.name)  # refuse before allocating what cannot fit
        self.pop = Population(self.n_sup, self.n_mat, cap=size.capacity_rows(params))
        self._init_suppliers()
        self._init_customers(params.run.customers, customer_agents)
        self.recorder = Recorder(self) if record else None  # keeps this state as step -1
        self._adopt(params)

    # ----------------------------------------------------------------- set-up
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

    # -------------------------------------------------------------- the week
    def step(self) -> None:
        """One week, in this order (see docs/ODD.md, section 3)."""
        decisions.decide(self, "start_week")  # strategy costs, care, capacity
        self._market()                       # cost indices, EV share
        decisions.decide(self, "set_prices")
        self._update_market_price()
        self.supply.push_price_history()
        bad_debt = self._demography()        # exits (defaults cost receivables), entries
        self._demand()                       # tonnes per customer and material
        decisions.decide(self, "replenish")
        decisions.decide(self, "communicate")
        self._prospect()
        self._tenders()                      # expiring contracts re-awarded
        breach = self.trust_breach()         # this week's, once (read twice below)
        orders, routine = self._choose()     # shares of wallet -> orders
        delivered, fill = self._fulfil(orders, routine)
        books = self._books(delivered, bad_debt)
        self._adapt(delivered, fill, books, breach)  # satisfaction, loyalty, history
        transitions = self._lifecycle(books["bought"])
        self._breach_retender(breach)        # a breach of trust puts a contract out to tender
        if (self.week + 1) % QUARTER == 0:
            self._quarterly_review()
        finite.check_week(self, books)       # an overflow stops the run, naming week and quantity
        if self.recorder is not None:
            self.recorder.collect(self, books, transitions)
        self.week += 1

    def _market(self) -> None:
        z = self.streams.market.standard_normal(self.n_mat)
        mk = self.market
        mk.log_dev = costs.ou_log_step(mk.log_dev, mk.reversion, mk.volatility, z)
        shock = costs.shock_multipliers(self.week, mk.shocks, self.n_mat)
        mk.cost_index = np.exp(mk.log_dev) * shock
        mk.cost_now = mk.base_cost * mk.cost_index
        ev = self.params.ev
        mk.ev = costs.ev_share(self.week / 52, ev.share_start, ev.width_years)

    def _update_market_price(self) -> None:
        self.market.market_price = self.supply.market_price()
        self.supply.relate_prices(self.market.market_price)

    def _demography(self) -> np.ndarray:
        pop = self.pop
        u = self.streams.exits.random(pop.n)
        leaving = pop.active & (u < pop.exit_hazard)
        default = leaving & (u < pop.default_hazard)
        bad_debt = np.zeros(self.n_sup)
        terms = self.params.finance.payment_terms_weeks
        if default.any() and terms:
            slots = [(self.week - 1 - k) % RING for k in range(terms)]
            rows = np.flatnonzero(default)[None, :]  # the defaulters' rows of those slots only
            bad_debt = pop.ring_rev[np.asarray(slots)[:, None], rows].sum(
                axis=(0, 1), dtype=np.float64)
        self._exits = np.flatnonzero(leaving)
        if self._exits.size:
            self._retire(self._exits)
        # one draw per segment, in order: the same draws as one array call, less overhead
        arrivals = np.array([self.streams.entry.poisson(lam) for lam in self._entry_per_week],
                            dtype=np.int64)
        if arrivals.sum():
            seg = np.repeat(np.arange(arrivals.size), arrivals)
            self._add_customers(seg, self.streams.entry)
        return bad_debt

    def _retire(self, rows: np.ndarray) -> None:
        pop = self.pop
        pop.active[rows] = False
        pop.aware[rows] = False
        pop.demand[rows] = 0.0
        if self.customer_agents:
            for r in rows:
                agent = self._agent_of_row[r]
                if agent is not None:
                    agent.remove()
                    self._agent_of_row[r] = None

    def _demand(self) -> None:
        pop = self.pop
        taper = self.ev_growth_taper()
        pop.size[:] *= np.exp(pop.growth * np.where(pop.ev_native, taper, 1.0))
        mix = demand.material_mix(self.market.ev, pop.exposure, pop.ev_native, self.market.mix_ice,
                                  self.market.mix_ev)
        season = demand.seasonal_factor(self.week, pop.season_amp)
        noise = demand.lognormal_noise(self.streams.demand.standard_normal(pop.n), pop.noise_sd)
        pop.demand[:] = demand.weekly_demand(pop.size * pop.active, season, noise, mix)
        self.mix = mix

    def ev_growth_taper(self) -> float:
        """This week's factor on EV-native buyers' growth (1 without tapering)."""
        ev = self.params.ev
        return costs.growth_taper(self.market.ev, ev.share_start) if ev.growth_taper else 1.0

    def _prospect(self) -> None:
        """Each supplier's prospecting, in supplier order (the draws are sequential).

        Prospecting changes only the prospecting supplier's awareness column, so who is
        unaware of each supplier is listed once for all of them (``draw_unaware``)."""
        pop = self.pop
        self._unaware = np.ascontiguousarray((~pop.aware & pop.active[:, None]).T)
        try:
            for sup in self.suppliers:
                sup.prospect()
        finally:
            self._unaware = None

    def _tenders(self) -> None:
        pop, t = self.pop, self.params.tender
        due = np.flatnonzero(pop.active & pop.tender & (pop.contract_end <= self.week))
        if due.size == 0:
            return
        mix = self.mix[due]
        disc = np.array([s.policies["pricing"].tender_discount(self, s.index)
                         for s in self.suppliers])
        bid = (mix @ (self.supply.price * self.supply.carries).T) * (1.0 - disc)[None, :]
        reference = mix @ self.market.market_price
        coverage = mix @ self.supply.carries.T
        eligible = pop.aware[due] & (coverage >= t.min_coverage)
        noise = self.streams.tenders.standard_normal((due.size, self.n_sup)) * t.noise_sd
        scores = tender.tender_scores(
            bid / reference[:, None], pop.delivery[due], pop.loyalty[due] / self.market.j_ref,
            pop.kam[due].astype(float), eligible, w_price=t.w_price, w_delivery=t.w_delivery,
            w_loyalty=t.w_loyalty, w_kam=t.w_kam,
            noise=noise + pop.dedicated[due] * self.supply.dedicated_tender[None, :])
        pop.contract_supplier[due] = tender.award(scores)
        pop.contract_end[due] = self.week + t.period_weeks

    def _breach_retender(self, breach: np.ndarray) -> None:
        """Tender buyers whose contract supplier raised its price by a breach-size amount
        unannounced, and who bought from it this week, end the contract: it is re-tendered
        next week (search after a critical incident). Only contracts awarded before the rise
        window began are ended, so a new contract is not ended by the rise that caused it.
        ``breach``: this week's :meth:`trust_breach`."""
        pop = self.pop
        if not breach.any():
            return
        c = pop.contract_supplier.astype(np.int64)
        rows = np.flatnonzero(pop.active & pop.tender & (c >= 0))
        if rows.size == 0:
            return
        cs = c[rows]
        awarded = pop.contract_end[rows] - self.params.tender.period_weeks
        hit = ((breach[cs] > 0) & ~pop.warned[rows, cs] & (pop.share[rows, cs] > 0)
               & (awarded <= self.week - self.params.adaptation.rise_window_weeks))
        pop.contract_end[rows[hit]] = self.week + 1

    def _supplier_books(self, by_mat: np.ndarray, revenue: np.ndarray,
                        bad_debt: np.ndarray) -> dict[str, np.ndarray]:
        """The week's books per supplier from tonnes delivered (S x M) and revenue (S)."""
        sup = self.supply
        sup.last_delivered = by_mat
        kinds = self._cost_kinds(by_mat, revenue)
        total = by_mat.sum()
        sup.last_share = by_mat.sum(1) / total if total > 0 else np.zeros(self.n_sup)
        material_cost = (by_mat * sup.avg_cost).sum(1)
        processing = (by_mat @ self.market.processing_cost + kinds["holding_cost"]
                      + kinds["capacity_cost"])
        sup.quarter_orders += sup.orders_by_mat
        gross = revenue - material_cost - processing
        staff = sup.staff_cost + sup.extra_cost
        orders = sup.orders_by_mat.sum(1)
        alpha = sup.forecast_alpha
        sup.forecast = alpha * sup.orders_by_mat + (1.0 - alpha) * sup.forecast
        return {"volume_t": by_mat.sum(1), "revenue": revenue, "material_cost": material_cost,
                "processing_cost": processing, "staff_cost": sup.staff_cost.copy(),
                "strategy_cost": sup.extra_cost.copy(), "bad_debt": bad_debt,
                "gross_profit": gross, "net_profit": gross - staff - bad_debt,
                "market_share": sup.last_share.copy(),
                # own customers' first-round orders filled (spill-overs taken in excluded)
                "fill_rate": np.divide(sup.first_delivered.sum(1), orders,
                                       out=np.ones_like(orders), where=orders > EPS), **kinds}

    def _cost_kinds(self, by_mat: np.ndarray, revenue: np.ndarray) -> dict[str, np.ndarray]:
        """The week's costs by kind (S each; docs/TABLES.md): revenue given away in discounts
        (list price of what was delivered minus revenue), stock carrying and reactive capacity
        (both inside processing cost), and strategy cost by what it pays for."""
        out = {"discount_cost": (by_mat * self.supply.price).sum(1) - revenue,
               "holding_cost": (self.supply.stock * self.supply.avg_cost).sum(1) * (
                   self.params.finance.holding_cost_per_year / 52.0),
               "capacity_cost": self.supply.expanded.sum(1) * self.supply.line_cost / 52.0}
        for k, kind in enumerate(COST_KINDS):
            out[f"strategy_{kind}_cost"] = self.supply.cost_kinds[:, k].copy()
        return out

    def _quarterly_review(self) -> None:
        pop, abc = self.pop, self.params.abc
        buying = (pop.stage >= POTENTIAL) & (pop.stage <= lifecycle.SUNSET)
        for s in range(self.n_sup):
            pop.abc[:, s] = lifecycle.abc_classes(
                np.where(buying[:, s], pop.rev52[:, s], 0.0), mode=abc.mode,
                a_share=abc.a_share, b_share=abc.b_share, a_revenue=abc.a_revenue,
                b_revenue=abc.b_revenue)
        self._expand_capacity()
        fa = pop.abc[:, self.focal]
        better = (fa > 0) & ((pop.spell_abc == 0) | (fa < pop.spell_abc))
        pop.spell_abc[better] = fa[better]
        for sup in self.suppliers:
            sup.allocate_key_accounts()

    def _expand_capacity(self) -> None:
        """Reactive expansion: a material whose orders last quarter exceeded
        ``expand_utilisation`` of capacity gets ``expand_step`` more capacity."""
        sp = self.params.suppliers
        util = np.array([s.expand_utilisation for s in sp])[:, None]
        step = np.array([s.expand_step for s in sp])[:, None]
        sup = self.supply
        busy = (sup.quarter_orders / QUARTER > util * sup.capacity) & (sup.carries > 0)
        if busy.any():
            add = np.where(busy, self.supply.capacity * step, 0.0)
            self.supply.expanded += add
            self.supply.capacity += add
        self.supply.quarter_orders[:] = 0.0

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
            self.pop.dedicated[:, s] = False
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

    # ------------------------------------------------------ helpers for policies
    def material_index(self, name: str) -> int:
        return MATERIALS.index(name)

    def _credit_ok(self) -> np.ndarray:
        limit = self.params.lifecycle.key_max_default_per_year
        return self.pop.default_hazard <= 1.0 - (1.0 - limit) ** (1.0 / 52.0)

    def _key_ok(self) -> np.ndarray:
        pop, r = self.pop, self.rules
        margin = np.divide(pop.rev52 - pop.cost52, pop.rev52, out=np.zeros_like(pop.rev52),
                           where=pop.rev52 > EPS)
        return ((pop.vol52 >= r.key_volume_t) & (pop.act13 >= r.continuity_weeks)
                & (margin >= r.key_margin_floor) & self._credit_ok()[:, None])

    def shock_weeks(self) -> list[tuple[Any, int, int]]:
        """Each scheduled cost rise as (shock, material index, weeks since its start; negative
        before it)."""
        return [(sh, self.material_index(sh.material), self.week - sh.start_week)
                for sh in self.params.shocks if sh.magnitude > 0]

    def shock_rising(self) -> np.ndarray:
        """Materials whose scheduled cost rise is foreseen or still passing into prices
        (M bool): from ``foresight_weeks`` before a shock to ``rise_window_weeks`` after its
        ramp."""
        out = np.zeros(self.n_mat, dtype=bool)
        window = self.params.adaptation.rise_window_weeks
        for sh, m, k in self.shock_weeks():
            out[m] |= -sh.foresight_weeks <= k < sh.ramp_weeks + window
        return out

    def trust_breach(self) -> np.ndarray:
        """Share of loyalty each supplier's unwarned buyers withdraw this week (S): only a
        rise passing on a cost shock the supplier foresaw (and could have warned of) is a
        breach; moves of the index noise are not."""
        a = self.params.adaptation
        rising = self.shock_rising()
        if not rising.any():  # nothing foreseen: no breach (the product below is all 0.0)
            return np.zeros(self.n_sup)
        foreseen = (self.supply.carries[:, rising] > 0).any(axis=1)
        return adapt.breach(self.supply.price_rise(), a.breach_threshold,
                            a.breach_loyalty_loss) * foreseen

    def draw_unaware(self, s: int, expected: float,
                     weight: np.ndarray | None = None) -> np.ndarray:
        """Rows of active customers unaware of supplier ``s``: about ``expected`` of them,
        drawn without replacement, in proportion to ``weight`` if given."""
        rng = self.streams.supplier[s]
        k = int(expected) + int(rng.random() < expected - int(expected))
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        unaware = getattr(self, "_unaware", None)  # listed by _prospect for this phase
        pool = np.flatnonzero(unaware[s] if unaware is not None
                              else self.pop.active & ~self.pop.aware[:, s])
        if pool.size <= k:
            return pool
        p = None
        if weight is not None:
            w = weight[pool]
            p = w / w.sum() if w.sum() > 0 else None
        return rng.choice(pool, size=k, replace=False, p=p)

    @property
    def customers(self):
        """The Customer agents (an AgentSet; empty with ``customer_agents=False``)."""
        if Customer not in self.agents_by_type:
            return mesa.agent.AgentSet([], random=self.random)
        return self.agents_by_type[Customer]
