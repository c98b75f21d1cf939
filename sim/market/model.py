"""MarketModel: the weekly step order, written out.

The model holds the market's state in three named parts (``sim/market/state.py``):
``self.market`` (costs, EV share, market prices), ``self.supply`` (the suppliers' S x M arrays)
and ``self.pop`` (customers and relationships); besides them only its clock (``week``),
parameters, random streams and this week's working values. It calls the pure rules
(``sim.rules``) in a fixed order each week, written out in :meth:`MarketModel.step`; set-up and
the seams of round-based play are in ``sim/market/setup.py``, the suppliers' steps (tenders,
books, quarterly review) in ``sim/market/supplier_week.py`` and the customers' part of the week
(choice to lifecycle) in ``sim/market/week.py``. No Python loop runs over customers; loops over
suppliers (a handful) and materials (three) are plain Python. One ``numpy.random.Generator``
(``self.rng``, from ``Model(rng=seed)``) is the source of all randomness: a child stream per
stochastic process is spawned from it (``self.streams``, ``sim/market/streams.py``), so
strategies compared on one seed see the same draws.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import size
from sim.market import finite
from sim.market.agents import Customer
from sim.market.population import RING, Population
from sim.market.setup import MarketSetup
from sim.market.streams import spawn_streams
from sim.market.supplier_week import QUARTER, SupplierWeek
from sim.market.week import CustomerWeek
from sim.params import MATERIALS, Scenario
from sim.record import Recorder
from sim.rules import costs, demand, rhythm
from sim.strategies import decisions
from sim.tolerance import EPS


class MarketModel(MarketSetup, SupplierWeek, CustomerWeek, mesa.Model):
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
        self._order_rhythm()                 # demand waits for the customer's order week
        decisions.decide(self, "replenish")
        decisions.decide(self, "communicate")
        self._prospect()
        self._tenders()                      # expiring contracts re-awarded
        breach = self.trust_breach()         # this week's, once (read twice below)
        orders, routine = self._choose()     # shares of wallet -> orders
        delivered, fill = self._fulfil(orders, routine)
        books = self._books(delivered, bad_debt)
        self._adapt(delivered, fill, books, breach)  # satisfaction, loyalty, history
        transitions = self._lifecycle()
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
            rows = np.flatnonzero(default)  # the defaulters' rows of those slots only
            bad_debt = pop.ring.rows(slots, rows, "rev").sum(axis=(0, 1), dtype=np.float64)
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
        pop.backlog[rows] = 0.0  # demand waiting for an order leaves with the customer
        pop.waited[rows] = 0
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

    def _order_rhythm(self) -> None:
        """This week's orders from the demand (``sim/rules/rhythm.py``): a draw per customer
        from the rhythm stream, only in a market where some customer orders less than
        weekly (otherwise nothing is drawn and demand is the order)."""
        pop = self.pop
        if not (pop.order_interval > 1.0).any():
            return
        u = self.streams.rhythm.random(pop.n)
        rhythm.place_orders(pop.demand, pop.backlog, pop.order_interval, pop.waited,
                            pop.order_weeks, u)

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
