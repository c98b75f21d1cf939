"""The model's state in three named parts: the market, the suppliers, the customers.

``MarketModel`` (``sim/market/model.py``) holds one of each and nothing else that changes from
week to week besides its clock and this week's working values:

- ``model.market`` (:class:`MarketState`): raw-material costs (the cost process and its
  shocks), the EV share and the two material mixes, the market price per material, and the
  loyalty reference ``j_ref``. Vectors over materials (M).
- ``model.supply`` (:class:`SupplyState`): the suppliers as arrays over suppliers (S) or
  suppliers x materials (S x M): list prices, stock and its average cost, capacity, forecasts,
  the week's deliveries and books, staff cost, and the standing effects strategies set
  (care, dedicated teams, cultivation, safety stock). Its methods are the seams through which
  the suppliers' decisions and strategies change it (docs/ODD.md, 7.k).
- ``model.pop`` (:class:`sim.market.population.Population`): customers (a row each) and their
  relationships with suppliers (row x supplier), a struct of arrays that grows as customers
  enter.

Each part's ``as_tuple()`` returns its arrays (and numbers) as a ``typing.NamedTuple``, which a
compiled (numba) function takes as one argument.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import Any, NamedTuple

import numpy as np

from sim.market.population import Population
from sim.params import MATERIALS, Scenario, Shock, SupplierParams
from sim.tolerance import EPS

__all__ = ["COST_KINDS", "MarketState", "Population", "SupplyState"]

# what a strategy's cost pays for (columns strategy_<kind>_cost of the suppliers table)
COST_KINDS = ("staff", "capacity", "service")
Rows = int | np.ndarray  # one supplier's index, or an index array of suppliers


@cache
def _tuple_type(cls: type, names: tuple[str, ...]) -> type:
    return NamedTuple(f"{cls.__name__}Arrays", [(n, Any) for n in names])


def _as_tuple(state: Any) -> tuple:
    """The state's arrays and numbers (not its lists) as a NamedTuple, in field order."""
    names = tuple(f.name for f in fields(state)
                  if isinstance(getattr(state, f.name), np.ndarray | float | int))
    return _tuple_type(type(state), names)(*(getattr(state, n) for n in names))


def shock_tuple(shock: Shock) -> tuple[int, int, float, int, int, int]:
    """A cost shock as the cost rule takes it (material index, start, magnitude, ramp, hold,
    ease weeks)."""
    return (MATERIALS.index(shock.material), shock.start_week, shock.magnitude,
            shock.ramp_weeks, shock.hold_weeks, shock.ease_weeks)


@dataclass(slots=True)
class MarketState:
    """Raw-material costs, the EV share, market prices (vectors over materials)."""

    base_cost: np.ndarray        # CNY/t at index 1
    volatility: np.ndarray       # of the log cost index, per week
    reversion: np.ndarray        # of the log cost index, per week
    processing_cost: np.ndarray  # CNY/t
    mix_ice: np.ndarray          # material mix of combustion-engine work
    mix_ev: np.ndarray           # material mix of EV work
    shocks: list[tuple[int, int, float, int, int, int]]  # see shock_tuple
    j_ref: float                 # loyalty of a full, satisfied relationship (J = payoff/gamma)
    log_dev: np.ndarray          # log deviation of the cost index (Ornstein-Uhlenbeck)
    cost_index: np.ndarray       # this week's cost index, shocks included
    cost_now: np.ndarray         # this week's replacement cost, CNY/t
    market_price: np.ndarray     # volume-weighted list price, CNY/t (inf before week 0)
    ev: float                    # EV share of automotive work this week

    @classmethod
    def from_params(cls, p: Scenario, j_ref: float, ev: float) -> MarketState:
        mats = [p.materials[m] for m in MATERIALS]
        base = np.array([m.base_cost for m in mats])
        n_mat = len(MATERIALS)
        return cls(base_cost=base, volatility=np.array([m.volatility for m in mats]),
                   reversion=np.array([m.reversion for m in mats]),
                   processing_cost=np.array([m.processing_cost for m in mats]),
                   mix_ice=np.array(p.ev.mix_ice.as_tuple()),
                   mix_ev=np.array(p.ev.mix_ev.as_tuple()),
                   shocks=[shock_tuple(s) for s in p.shocks], j_ref=j_ref,
                   log_dev=np.zeros(n_mat), cost_index=np.ones(n_mat), cost_now=base.copy(),
                   market_price=np.full(n_mat, np.inf), ev=ev)

    def as_tuple(self) -> tuple:
        return _as_tuple(self)


def _settings(sp: list[SupplierParams], kam_service_boost: float) -> dict[str, np.ndarray]:
    """The suppliers' standing settings from their parameters, before strategies' set-up."""
    n = len(sp)
    capacity = np.array([s.capacity.as_tuple() for s in sp])
    carries = (capacity > 0).astype(float)
    return {
        "capacity": capacity, "expanded": np.zeros_like(capacity),
        "quarter_orders": np.zeros_like(capacity), "carries": carries,
        "service": np.array([s.service_level for s in sp]),
        "presence": np.array([s.presence for s in sp]) * (carries.sum(1) > 0),
        "portfolio": carries[:, 1:].mean(axis=1),  # share of new EV materials carried
        "key_first": np.array([s.rationing == "key_first" for s in sp]),
        "markup": np.array([s.markup for s in sp], dtype=float),
        "stock_cover": np.array([s.stock_cover_weeks for s in sp], dtype=float),
        "forecast_alpha": np.array([s.forecast_alpha for s in sp])[:, None],
        "line_cost": np.array([s.capacity_cost_per_t_week_year for s in sp]),
        "staff_cost": np.array([staff_cost(s) for s in sp]),
        # standing effects that strategies set (docs/ODD.md 7.l); defaults: plain KAM team
        "care_service": np.full(n, kam_service_boost), "care_payoff": np.ones(n),
        "care_recovery": np.ones(n), "dedicated_service": np.zeros(n),
        "dedicated_payoff": np.ones(n), "dedicated_tender": np.zeros(n),
        "cultivation": np.zeros(n), "forecast_quality": np.zeros(n), "safety_weeks": np.zeros(n),
    }


# the settings ``SupplyState.reset_settings`` puts back between two weeks
RESETTABLE = ("markup", "stock_cover", "staff_cost", "key_first", "care_service", "care_payoff",
              "care_recovery", "dedicated_service", "dedicated_payoff", "dedicated_tender",
              "cultivation", "forecast_quality", "safety_weeks")


def staff_cost(s: SupplierParams) -> float:
    """A supplier's weekly cost of key-account managers and development staff, CNY."""
    return (s.kam_managers * s.manager_cost_per_year + s.dev_staff * s.dev_cost_per_year) / 52.0


@dataclass(slots=True)
class SupplyState:
    """The suppliers as arrays: S (per supplier) or S x M (per supplier and material)."""

    # state that runs on from week to week
    price: np.ndarray            # S x M list price, CNY/t
    rel_price: np.ndarray        # S x M list price / market price (1 where not carried)
    stock: np.ndarray            # S x M tonnes held
    avg_cost: np.ndarray         # S x M average cost of stock, CNY/t
    forecast: np.ndarray         # S x M smoothed weekly orders, t
    last_delivered: np.ndarray   # S x M tonnes delivered last week
    orders_by_mat: np.ndarray    # S x M tonnes ordered this week (first round)
    first_delivered: np.ndarray  # S x M of those, delivered in the first round
    last_share: np.ndarray       # S market share of tonnes last week
    extra_cost: np.ndarray       # S strategy cost this week, CNY
    cost_kinds: np.ndarray       # S x len(COST_KINDS): extra_cost by what it pays for
    price_history: np.ndarray    # (rise window + 1) x S average list price, oldest first
    # standing settings (from parameters, then strategies' set-up; see _settings)
    capacity: np.ndarray         # S x M t/week
    expanded: np.ndarray         # S x M t/week added by reactive expansion
    quarter_orders: np.ndarray   # S x M orders this quarter, t
    carries: np.ndarray          # S x M 1.0 where the supplier carries the material
    service: np.ndarray          # S service level
    presence: np.ndarray         # S weight in new customers' awareness draws
    portfolio: np.ndarray        # S share of new EV materials carried
    key_first: np.ndarray        # S bool: key accounts served first when short
    markup: np.ndarray           # S
    stock_cover: np.ndarray      # S weeks
    forecast_alpha: np.ndarray   # S x 1 smoothing of the order forecast
    line_cost: np.ndarray        # S CNY per t/week of capacity a year
    staff_cost: np.ndarray       # S CNY/week
    care_service: np.ndarray     # S service boost of covered customers
    care_payoff: np.ndarray      # S loyalty payoff factor of covered customers
    care_recovery: np.ndarray    # S satisfaction recovery factor of covered customers
    dedicated_service: np.ndarray  # S extra service boost of dedicated-team accounts
    dedicated_payoff: np.ndarray   # S payoff factor of dedicated-team accounts
    dedicated_tender: np.ndarray   # S tender score bonus of dedicated-team accounts
    cultivation: np.ndarray      # S payoff bonus of potential and general accounts
    forecast_quality: np.ndarray  # S weight of customers' known demand in the forecast
    safety_weeks: np.ndarray     # S weeks of safety stock

    @classmethod
    def from_params(cls, p: Scenario, base_cost: np.ndarray) -> SupplyState:
        n, m = len(p.suppliers), len(MATERIALS)
        window = p.adaptation.rise_window_weeks
        return cls(price=np.zeros((n, m)), rel_price=np.ones((n, m)), stock=np.zeros((n, m)),
                   avg_cost=np.tile(base_cost, (n, 1)), forecast=np.zeros((n, m)),
                   last_delivered=np.zeros((n, m)), orders_by_mat=np.zeros((n, m)),
                   first_delivered=np.zeros((n, m)), last_share=np.zeros(n),
                   extra_cost=np.zeros(n), cost_kinds=np.zeros((n, len(COST_KINDS))),
                   price_history=np.zeros((window + 1, n)),
                   **_settings(p.suppliers, p.adaptation.kam_service_boost))

    def take_settings(self, p: Scenario) -> None:
        """Reset the standing settings to the scenario's suppliers (strategies' set-up runs
        after); running state (prices, stock, forecasts, books) is kept."""
        for name, value in _settings(p.suppliers, p.adaptation.kam_service_boost).items():
            setattr(self, name, value)

    def reset_settings(self, s: int, params: SupplierParams, kam_service_boost: float) -> None:
        """Supplier ``s``'s settings that may change between two weeks (the workshop's levers)
        back to ``params``, before its strategies' set-up; capacity, the materials carried,
        service level and presence stay."""
        row = _settings([params], kam_service_boost)
        for name in RESETTABLE:
            getattr(self, name)[s] = row[name][0]

    def as_tuple(self) -> tuple:
        return _as_tuple(self)

    # -------------------------------------------------------------- readings
    def avg_list_price(self) -> np.ndarray:
        """Each supplier's list price averaged over its materials, weighted by market volume."""
        w = self.last_delivered.sum(0) + EPS
        return (self.price * self.carries * w).sum(1) / np.maximum((self.carries * w).sum(1), EPS)

    def avg_rel_price(self) -> np.ndarray:
        """Each supplier's price relative to the market, averaged like ``avg_list_price``."""
        w = self.last_delivered.sum(0) + EPS
        return (self.rel_price * self.carries * w).sum(1) / np.maximum(
            (self.carries * w).sum(1), EPS)

    def price_rise(self) -> np.ndarray:
        """Relative rise of each supplier's average price over the rise window (>= 0)."""
        then = np.maximum(self.price_history[0], EPS)
        return np.maximum(self.price_history[-1] / then - 1.0, 0.0)

    def market_price(self) -> np.ndarray:
        """Volume-weighted list price per material (by last week's deliveries; by what is
        carried when nothing was delivered)."""
        w = self.last_delivered * self.carries
        w = np.where(w.sum(0) > 0, w, self.carries)
        return (self.price * w).sum(0) / np.maximum(w.sum(0), EPS)

    # ----------------------------------------------------- the model's updates
    def relate_prices(self, market_price: np.ndarray) -> None:
        """``rel_price`` from this week's list prices and the market price."""
        carried = self.carries > 0
        self.rel_price = np.ones_like(self.price)
        self.rel_price[carried] = (self.price / np.maximum(market_price, EPS))[carried]

    def receive_stock(self, s: Rows, tonnes: np.ndarray, cost_now: np.ndarray) -> None:
        """Buy ``tonnes`` per material at today's cost ``cost_now``; update the average cost
        of stock."""
        tonnes = np.maximum(tonnes, 0.0) * self.carries[s]
        held = self.stock[s]
        total = held + tonnes
        value = held * self.avg_cost[s] + tonnes * cost_now
        self.avg_cost[s] = np.where(total > EPS, value / np.maximum(total, EPS), cost_now)
        self.stock[s] = total

    def add_cost(self, s: int, amount: float, kind: str = "service") -> None:
        """Charge a strategy's cost (a warning, a visit) to supplier ``s`` this week."""
        self.extra_cost[s] += amount
        self.cost_kinds[s, COST_KINDS.index(kind)] += amount

    def set_capacity(self, s: int, capacity: np.ndarray) -> None:
        """Change supplier ``s``'s weekly capacity (and so what it carries)."""
        self.capacity[s] = capacity
        self.carries[s] = capacity > 0
        self.portfolio[s] = self.carries[s, 1:].mean()

    def set_prices(self, s: Rows, prices: np.ndarray) -> None:
        """This week's list prices of supplier(s) ``s`` (M, or k x M)."""
        self.price[s] = prices

    def charge(self, s: Rows, costs: list[tuple[str, float]]) -> None:
        """This week's strategy costs of supplier(s) ``s``: (kind, CNY) pairs, one per
        strategy (kinds from ``COST_KINDS``), in total and by kind."""
        self.extra_cost[s] = sum(c for _, c in costs)
        self.cost_kinds[s] = [sum(c for k, c in costs if k == kind) for kind in COST_KINDS]

    # standing effects, set once by a strategy's ``setup`` (docs/ODD.md 7.l)
    def add_care(self, s: int, service: float, payoff: float, recovery: float) -> None:
        """Deeper key-account care of covered customers: service + ``service``, loyalty payoff
        factor + ``payoff``, satisfaction recovering at least ``recovery`` times as fast."""
        self.care_service[s] += service
        self.care_payoff[s] += payoff
        self.care_recovery[s] = max(self.care_recovery[s], recovery)

    def add_dedicated_teams(self, s: int, service: float, payoff: float,
                            tender_bonus: float) -> None:
        """Dedicated-team accounts get service + ``service``, loyalty payoff factor +
        ``payoff`` and ``tender_bonus`` in tender scores; key accounts are served first."""
        self.dedicated_service[s] += service
        self.dedicated_payoff[s] += payoff
        self.dedicated_tender[s] += tender_bonus
        self.key_first[s] = True

    def serve_key_first(self, s: int) -> None:
        """Key accounts (and covered ones) are served first when stock runs short."""
        self.key_first[s] = True

    def add_safety_stock(self, s: int, weeks: float) -> None:
        """``weeks`` more weeks of forecast held as safety stock."""
        self.safety_weeks[s] += weeks

    def plan_from_demand(self, s: int, quality: float) -> None:
        """Forecasts blend in customers' known demand with weight at least ``quality``."""
        self.forecast_quality[s] = max(self.forecast_quality[s], quality)

    def cultivate(self, s: int, bonus: float) -> None:
        """Potential and general accounts' loyalty payoff x (1 + ``bonus``) more."""
        self.cultivation[s] += bonus

    def push_price_history(self) -> None:
        self.price_history[:-1] = self.price_history[1:].copy()  # np.roll by one, in place
        self.price_history[-1] = self.avg_list_price()

