"""The per-agent reference's supplier (``sim/reference.py``): what it can ship this week and
the orders it received, rationed as docs/ODD.md 7.g says."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.reference import RefCustomer, ReferenceMarket


class RefSupplier(mesa.Agent):
    """A supplier: what it can ship this week, and the orders it received."""

    def __init__(self, model: ReferenceMarket, index: int, available: list[float]) -> None:
        super().__init__(model)
        self.index = index
        self.available = list(available)   # t per material this round
        self.orders: list[list[tuple[RefCustomer, float]]] = [[] for _ in available]
        self.shipped = [0.0] * len(available)  # t delivered this week per material

    def take_order(self, material: int, customer: RefCustomer, tonnes: float) -> None:
        self.orders[material].append((customer, tonnes))

    def ration(self) -> None:
        """Ship in proportion to order size; key accounts first if the supplier's rule says so."""
        first = self.model.key_first[self.index]
        for m, orders in enumerate(self.orders):
            avail = max(self.available[m], 0.0)
            if first:
                prio = sum(t for c, t in orders if c.priority(self.index))
                rest = sum(t for c, t in orders if not c.priority(self.index))
                fill_p = min(avail / prio, 1.0) if prio > 0 else 1.0
                left = max(avail - fill_p * prio, 0.0)
                fill_r = min(left / rest, 1.0) if rest > 0 else 1.0
            else:
                total = sum(t for _, t in orders)
                fill_p = fill_r = avail / total if total > avail else 1.0
            sent = 0.0
            for customer, tonnes in orders:
                d = tonnes * (fill_p if first and customer.priority(self.index) else fill_r)
                customer.receive(self.index, m, d)
                sent += d
            self.available[m] -= sent  # spare for the next round (may dip below 0 by rounding)
            self.shipped[m] += sent
            self.orders[m] = []
