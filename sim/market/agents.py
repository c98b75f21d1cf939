"""Mesa agents: suppliers (a handful, with policies) and customers (thin views onto arrays).

A ``Customer`` holds only its row number; every attribute reads the model's population arrays,
so AgentSet queries, the DataCollector and the browser explorer see the live state while the
weekly step updates all customers at once with numpy. A ``Supplier`` owns its parameters and
policy objects; its decisions run once a week in the model's step order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.market.population import ABC_NAMES
from sim.params import MATERIALS, SEGMENTS, SupplierParams
from sim.rules.lifecycle import STAGE_NAMES
from sim.strategies import decisions
from sim.strategies.library import build_strategies
from sim.strategies.policies import build_policies

if TYPE_CHECKING:
    from sim.market.model import MarketModel



class Supplier(mesa.Agent):
    """A steel/aluminium service centre: prices, stock, key-account team, development staff."""

    def __init__(self, model: MarketModel, params: SupplierParams, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.adopt(params)

    def adopt(self, params: SupplierParams) -> None:
        """Take these settings, default policies and strategies (set-up, or before week 0)."""
        self.params = params
        self.name = params.name
        self.focal = params.focal
        self.policies = build_policies(params)
        self.strategies = build_strategies(params.strategies)

    # Each decision: the default policy for the seam, then every strategy's hook in turn.
    def setup_strategies(self) -> None:
        for st in self.strategies:
            st.setup(self.model, self.index)

    def start_week(self) -> None:
        decisions.start_week(self.model, self.index, tuple(self.strategies))

    def set_prices(self) -> None:
        decisions.set_prices(self.model, self.index, tuple(self.strategies),
                             self.policies["pricing"])

    def replenish(self) -> None:
        decisions.replenish(self.model, self.index, tuple(self.strategies),
                            self.policies["inventory"])

    def communicate(self) -> None:
        decisions.communicate(self.model, self.index, tuple(self.strategies),
                              self.policies["communication"])

    def prospect(self) -> None:
        m, s = self.model, self.index
        rows = self.policies["prospecting"].prospects(m, s)
        for st in self.strategies:
            rows = st.prospects(m, s, rows)
        m.pop.make_aware(rows, s)

    def welcome(self, rows: slice) -> None:
        for st in self.strategies:
            st.welcome(self.model, self.index, rows)

    def allocate_key_accounts(self) -> None:
        m, s = self.model, self.index
        covered = self.policies["kam_allocation"].allocate(m, s)
        for st in self.strategies:
            covered = st.allocate(m, s, covered)
        m.pop.cover(s, covered)

    @property
    def stock_t(self) -> float:
        return float(self.model.supply.stock[self.index].sum())

    @property
    def market_share(self) -> float:
        return float(self.model.supply.last_share[self.index])


class Customer(mesa.Agent):
    """An automotive buyer. State lives in ``model.pop`` at row ``row``; this is a view."""

    def __init__(self, model: MarketModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def _pop(self):
        return self.model.pop

    @property
    def customer_id(self) -> int:
        return self.row

    @property
    def segment(self) -> str:
        return SEGMENTS[int(self._pop.segment[self.row])]

    @property
    def demand_t(self) -> float:
        return float(self._pop.demand[self.row].sum())

    @property
    def demand_by_material(self) -> dict[str, float]:
        return dict(zip(MATERIALS, map(float, self._pop.demand[self.row]), strict=True))

    @property
    def price_sensitivity(self) -> float:
        return float(self._pop.ps[self.row])

    @property
    def tender(self) -> bool:
        return bool(self._pop.tender[self.row])

    @property
    def main_supplier(self) -> str:
        s = int(self._pop.main[self.row])
        return self.model.supplier_names[s] if s >= 0 else ""

    def _per_supplier(self, name: str) -> dict[str, float]:
        values = getattr(self._pop, name)[self.row]
        return {n: float(v) for n, v in zip(self.model.supplier_names, values, strict=True)}

    @property
    def share_of_wallet(self) -> dict[str, float]:
        return self._per_supplier("share")

    @property
    def loyalty_by_supplier(self) -> dict[str, float]:
        return self._per_supplier("loyalty")

    @property
    def satisfaction_by_supplier(self) -> dict[str, float]:
        return self._per_supplier("satisfaction")

    @property
    def satisfaction(self) -> float:
        """Satisfaction with the focal supplier."""
        return float(self._pop.satisfaction[self.row, self.model.focal])

    @property
    def loyalty(self) -> float:
        """Loyalty (WKH attraction) toward the focal supplier."""
        return float(self._pop.loyalty[self.row, self.model.focal])

    @property
    def stage(self) -> str:
        """Lifecycle stage as the focal supplier sees it."""
        return STAGE_NAMES[int(self._pop.stage[self.row, self.model.focal])]

    @property
    def abc_class(self) -> str:
        return ABC_NAMES[int(self._pop.abc[self.row, self.model.focal])]

    def profile(self) -> dict[str, object]:
        """Everything a person inspecting this customer wants on one card."""
        return {
            "customer": self.row, "segment": self.segment, "tender": self.tender,
            "demand_t": self.demand_by_material, "main_supplier": self.main_supplier,
            "share_of_wallet": self.share_of_wallet, "loyalty": self.loyalty_by_supplier,
            "satisfaction": self.satisfaction_by_supplier,
            "price_sensitivity": self.price_sensitivity,
            "stage": self.stage, "abc_class": self.abc_class,
        }

