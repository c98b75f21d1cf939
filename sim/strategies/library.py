"""The strategy library: documented supplier policies that compose on one supplier.

A strategy changes behaviour only through the hooks of :class:`Strategy`, which a ``Supplier``
calls in the model's fixed step order after its default policy for the same seam (pricing,
communication, key-account allocation, inventory, prospecting) — so several strategies chain on
one supplier. Hooks read the model's state and return values; what a strategy changes beyond
them (standing care effects, capacity, dedicated accounts, interventions) it changes through the
seams of ``model.supply`` and ``model.pop`` (docs/ODD.md 7.k), never by writing an array. Each
strategy carries its cost where reality would: staff, discounts (as lost revenue), stock
(through the holding cost), capacity. Mechanisms: docs/ODD.md, section 7.l.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.metrics import WEEKS_PER_YEAR
from sim.params import (
    DedicatedTeam,
    DemandForecasting,
    Development,
    KamCentre,
    LifecycleCare,
    NewMaterials,
    Poaching,
    PriceCommunication,
    PriceWar,
    Strategies,
    SupplyAssurance,
)
from sim.rules.lifecycle import KEY, POTENTIAL, PROSPECT, SUNSET
from sim.strategies.policies import top_k_mask

if TYPE_CHECKING:
    from sim.market.model import MarketModel



class Strategy:
    """No-op hooks; a strategy overrides the ones it needs."""

    cost_kind = "staff"  # what the cost ``start_week`` returns pays for (COST_KINDS)

    def __init__(self, params) -> None:
        self.p = params

    def setup(self, model: MarketModel, s: int) -> None:
        """Once, before the first week: change the supplier's standing parameters."""

    def start_week(self, model: MarketModel, s: int) -> float:
        """At the start of each week; returns the week's cost of the strategy (CNY)."""
        return 0.0

    def adjust_prices(self, model: MarketModel, s: int, prices: np.ndarray) -> np.ndarray:
        return prices

    def discounts(self, model: MarketModel, s: int, disc: np.ndarray) -> np.ndarray:
        return disc

    def warn(self, model: MarketModel, s: int, warned: np.ndarray) -> np.ndarray:
        return warned

    def adjust_order(self, model: MarketModel, s: int, order: np.ndarray) -> np.ndarray:
        return order

    def prospects(self, model: MarketModel, s: int, rows: np.ndarray) -> np.ndarray:
        return rows

    def welcome(self, model: MarketModel, s: int, rows: np.ndarray) -> None:
        """New customers entered the market (rows)."""

    def allocate(self, model: MarketModel, s: int, covered: np.ndarray) -> np.ndarray:
        return covered


class PriceWarStrategy(Strategy):
    """Undercut last week's market price by ``undercut``, never below a cost floor."""

    p: PriceWar

    def active(self, week: int) -> bool:
        return self.p.start_week <= week < self.p.start_week + self.p.weeks

    def adjust_prices(self, model, s, prices):
        if not self.active(model.week):
            return prices
        mk = model.market
        floor = (mk.cost_now + mk.processing_cost) * (1.0 + self.p.floor_markup)
        return np.maximum(np.minimum(prices, mk.market_price * (1.0 - self.p.undercut)), floor)


class KamCentreStrategy(Strategy):
    """A pooled key-account centre: more coverage, assigned by ABC class, deeper care."""

    p: KamCentre

    def setup(self, model, s):
        model.supply.add_care(s, service=self.p.service_boost, payoff=self.p.payoff_boost,
                              recovery=self.p.recovery)

    def start_week(self, model, s):
        return (self.p.managers * self.p.manager_cost_per_year
                + self.p.overhead_per_year) / WEEKS_PER_YEAR

    def allocate(self, model, s, covered):
        slots = self.p.managers * self.p.accounts_per_manager
        abc = model.pop.abc[:, s]
        rank = np.where(abc == 1, 2.0, np.where((abc == 2) & (self.p.classes == "AB"), 1.0, 0.0))
        score = rank * 1e18 + model.pop.rev52[:, s] * (rank > 0)
        return covered | top_k_mask(score, slots)


class DedicatedTeamStrategy(Strategy):
    """A team for each of the top-N mega accounts: constant contact, tender preparation,
    early knowledge of their demand (planned into stock)."""

    p: DedicatedTeam

    def setup(self, model, s):
        model.supply.add_dedicated_teams(s, service=self.p.service_boost,
                                         payoff=self.p.payoff_boost,
                                         tender_bonus=self.p.tender_bonus)

    def start_week(self, model, s):
        if model.week % 13 == 0:
            model.pop.assign_dedicated(s, top_k_mask(model.pop.rev52[:, s], self.p.accounts))
        return self.p.accounts * self.p.staff_per_team * self.p.staff_cost_per_year / WEEKS_PER_YEAR

    def adjust_order(self, model, s, order):
        pop = model.pop
        mine = pop.dedicated[:, s]
        known = pop.demand[mine].T @ pop.share[mine, s]
        return order + known * model.supply.carries[s]


def _padded(mask: np.ndarray, n: int) -> np.ndarray:
    """``mask`` extended with False to ``n`` rows (customers who entered since)."""
    out = np.zeros(n, dtype=bool)
    out[:mask.size] = mask
    return out


class PriceCommunicationStrategy(Strategy):
    """Warn customers of a foreseen cost rise; pre-stock at the pre-shock cost, and let the
    customers warned before the rise buy their pre-stocked weeks at the pre-shock price."""

    p: PriceCommunication

    def __init__(self, params: PriceCommunication) -> None:
        super().__init__(params)
        self.agreed = np.zeros(0, dtype=bool)  # warned before the rise: pre-stocking agreed
        self.pre_price: float | None = None    # the supplier's average price before it

    @staticmethod
    def _ahead(model, s) -> np.ndarray:
        """Materials carried by ``s`` whose shock is foreseen but not yet started (M bool)."""
        ahead = np.zeros(model.n_mat, dtype=bool)
        for sh, m, k in model.shock_weeks():
            ahead[m] |= -sh.foresight_weeks <= k < 0
        return ahead & (model.supply.carries[s] > 0)

    @staticmethod
    def _passing_span(model, s) -> int:
        """While a carried material's shock ramps or holds: its ramp + hold weeks, over which a
        pre-stocking agreement's weeks are spread; else 0."""
        for sh, m, k in model.shock_weeks():
            span = sh.ramp_weeks + sh.hold_weeks
            if model.supply.carries[s, m] > 0 and 0 <= k < span:
                return span
        return 0

    def warn(self, model, s, warned):
        if not (model.shock_rising() & (model.supply.carries[s] > 0)).any():
            return warned
        pop = model.pop
        if self.p.coverage == "covered":
            who = pop.kam[:, s] | pop.dedicated[:, s]
        elif self.p.coverage == "key":
            who = (pop.stage[:, s] == KEY) | (pop.abc[:, s] == 1)
        else:
            who = (pop.stage[:, s] >= POTENTIAL) & (pop.stage[:, s] <= SUNSET)
        new = who & ~warned
        model.supply.add_cost(s, self.p.cost_per_warning * float(new.sum()))
        if self._ahead(model, s).any():
            if self.pre_price is None:
                self.pre_price = float(model.supply.price_history[-1][s])
            self.agreed = _padded(self.agreed, pop.n) | who
        return warned | who

    def discounts(self, model, s, disc):
        """The agreed customers' pre-stocked weeks at the pre-shock price, as a discount on
        the share of each week's volume they cover while the shock ramps and holds."""
        if self.pre_price is None:
            return disc
        span = self._passing_span(model, s)
        if span == 0:
            if not self._ahead(model, s).any():  # the shock has passed: agreements done
                self.agreed, self.pre_price = np.zeros(0, dtype=bool), None
            return disc
        now = float(model.supply.price_history[-1][s])
        gap = max(0.0, 1.0 - self.pre_price / now) if now > 0 else 0.0
        cover = min(self.p.prestock_weeks / span, 1.0)
        agreed = _padded(self.agreed, model.pop.n)
        return np.where(agreed, np.maximum(disc, cover * gap), disc)

    def adjust_order(self, model, s, order):
        # order-up-to keeps stock at target + extra during the window, then draws it down
        ahead = self._ahead(model, s)
        sup = model.supply
        return order + self.p.prestock_weeks * sup.forecast[s] * ahead * sup.carries[s]


class SupplyAssuranceStrategy(Strategy):
    """Safety stock and priority rationing for key accounts."""

    p: SupplyAssurance

    def setup(self, model, s):
        model.supply.add_safety_stock(s, self.p.safety_weeks)
        if self.p.key_first:
            model.supply.serve_key_first(s)


class DemandForecastingStrategy(Strategy):
    """Data-driven forecasts: stock planned from customers' actual demand."""

    p: DemandForecasting

    def setup(self, model, s):
        model.supply.plan_from_demand(s, self.p.quality)

    def start_week(self, model, s):
        return self.p.cost_per_year / WEEKS_PER_YEAR


class NewMaterialsStrategy(Strategy):
    """Build HDG high-strength steel and aluminium capacity ahead of demand."""

    p: NewMaterials
    cost_kind = "capacity"

    def setup(self, model, s):
        self.added = np.zeros(model.n_mat)

    def start_week(self, model, s):
        k = model.week - self.p.start_week
        frac = 0.0 if k < 0 else min(1.0, (k + 1) / self.p.ramp_weeks)
        target = np.array([0.0, self.p.hdg_ahss_add, self.p.aluminium_add]) * frac
        if np.any(target > self.added):
            model.supply.set_capacity(s, model.supply.capacity[s] + target - self.added)
            self.added = target
        # the lines cost what reactive expansion costs (supplier's capacity cost)
        return self.added.sum() * model.params.suppliers[s].capacity_cost_per_t_week_year / (
            WEEKS_PER_YEAR)


class DevelopmentStrategy(Strategy):
    """A prospecting budget, early engagement in new customers' planning, cultivation of
    potential accounts into key ones."""

    p: Development

    def setup(self, model, s):
        model.supply.cultivate(s, self.p.cultivation)

    def start_week(self, model, s):
        return self.p.extra_staff * self.p.staff_cost_per_year / WEEKS_PER_YEAR

    def prospects(self, model, s, rows):
        expected = self.p.extra_staff * model.params.suppliers[s].prospects_per_staff_week
        pop = model.pop
        weight = None
        if self.p.targeted:
            recent = pop.entry_week >= model.week - 52
            weight = pop.size * np.where(recent, self.p.recent_entry_weight, 1.0)
        extra = model.draw_unaware(s, expected, weight=weight)
        return np.union1d(rows, extra)

    def discounts(self, model, s, disc):
        if self.p.intro_discount <= 0:
            return disc
        pop = model.pop
        stage = pop.stage[:, s]
        new = (stage == PROSPECT) | ((stage == POTENTIAL) & (pop.tenure[:, s] < self.p.intro_weeks))
        return np.where(new, np.maximum(disc, self.p.intro_discount), disc)

    def welcome(self, model, s, rows):
        idx = np.arange(rows.start, rows.stop)
        engaged = idx[model.streams.supplier[s].random(idx.size) < self.p.early_engagement]
        model.pop.engage(engaged, s, loyalty=self.p.head_start * model.market.j_ref)


class LifecycleCareStrategy(Strategy):
    """Monitor satisfaction; act early on declining accounts to recover them."""

    p: LifecycleCare
    cost_kind = "service"

    def start_week(self, model, s):
        pop = model.pop
        stage = pop.stage[:, s]
        buying = (stage >= POTENTIAL) & (stage <= SUNSET)
        sat = pop.satisfaction[:, s]
        flagged = buying & ((sat < self.p.threshold) | (stage == SUNSET))
        idx = np.flatnonzero(flagged)
        if idx.size > self.p.max_per_week:
            idx = idx[np.argsort(sat[idx], kind="stable")[: self.p.max_per_week]]
        pop.intervene(idx, s, satisfaction=self.p.recovery,
                      loyalty=self.p.loyalty_boost * model.market.j_ref)
        return self.p.cost_per_intervention * idx.size


class PoachingStrategy(Strategy):
    """Targeted discounts to a rival's key accounts (and contact with them)."""

    p: Poaching

    def _targets(self, model) -> np.ndarray:
        t = model.supplier_names.index(self.p.target)
        pop = model.pop
        key = (pop.stage[:, t] == KEY) | (pop.abc[:, t] == 1)
        return top_k_mask(np.where(key & pop.active, pop.rev52[:, t], 0.0), self.p.max_accounts)

    def discounts(self, model, s, disc):
        if model.week < self.p.start_week:
            return disc
        return np.where(self._targets(model), np.maximum(disc, self.p.discount), disc)

    def prospects(self, model, s, rows):
        if model.week < self.p.start_week:
            return rows
        return np.union1d(rows, np.flatnonzero(self._targets(model) & ~model.pop.aware[:, s]))


REGISTRY: dict[str, type[Strategy]] = {
    "price_war": PriceWarStrategy,
    "kam_centre": KamCentreStrategy,
    "dedicated_team": DedicatedTeamStrategy,
    "proactive_price_communication": PriceCommunicationStrategy,
    "supply_assurance": SupplyAssuranceStrategy,
    "demand_forecasting": DemandForecastingStrategy,
    "new_materials": NewMaterialsStrategy,
    "development": DevelopmentStrategy,
    "lifecycle_care": LifecycleCareStrategy,
    "poaching": PoachingStrategy,
}


def build_strategies(params: Strategies) -> list[Strategy]:
    """The strategies switched on for one supplier, in declaration order."""
    return [REGISTRY[name](block) for name, block in params if block is not None]
