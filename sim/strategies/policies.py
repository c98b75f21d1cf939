"""Policy seams: the supplier decisions a strategy can replace, and their plain defaults.

Each supplier holds one object per seam (pricing, communication, key-account allocation,
inventory, prospecting); the model calls them in its fixed step order. A policy reads the
model's arrays and returns arrays for its own supplier row or column; it never writes state
itself. Strategies (``sim.strategies.library``) wrap or replace these defaults. The pricing,
communication and inventory defaults also take an index array of suppliers (``s`` of shape
(k,)) and answer for all of them at once: ``sim.strategies.decisions`` runs the suppliers
that use a plain default together, with this same code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.market.model import MarketModel
    from sim.market.state import Rows



class CostPlusPricing:
    """List price = (replacement material cost + processing cost) x (1 + markup)."""

    def list_prices(self, model: MarketModel, s: Rows) -> np.ndarray:
        """Price per material, (M,) for one supplier or (k, M) for k suppliers."""
        mk = model.market
        return (mk.cost_now + mk.processing_cost) * (1.0 + model.supply.markup[s])[..., None]

    def discounts(self, model: MarketModel, s: Rows) -> np.ndarray | None:
        """Targeted discounts off list price per customer (None: leave unchanged)."""
        return None

    def tender_discount(self, model: MarketModel, s: int) -> float:
        """Discount off list price offered in tenders."""
        return 0.0


class SilentCommunication:
    """Tell no one about coming price moves: customers find out from the invoice."""

    def warn(self, model: MarketModel, s: Rows) -> np.ndarray | None:
        """Customers warned of the coming price move this week (None: nobody)."""
        return None


class TopRevenueAllocation:
    """Account managers cover the supplier's largest customers by 52-week revenue."""

    def allocate(self, model: MarketModel, s: int) -> np.ndarray:
        sp = model.params.suppliers[s]
        slots = sp.kam_managers * sp.accounts_per_manager
        return top_k_mask(model.pop.rev52[:, s], slots)


class OrderUpTo:
    """Replenish stock up to the forecast times (cover + safety + 1) weeks.

    The forecast blends the smoothed history of orders with this week's expected orders
    (customers' demand x last week's shares) by the supplier's forecast quality (0 = naive).
    """

    def order(self, model: MarketModel, s: Rows) -> np.ndarray:
        """Tonnes to order per material, (M,) for one supplier or (k, M) for k suppliers."""
        cover = (model.supply.stock_cover[s] + model.supply.safety_weeks[s])[..., None]
        forecast = model.supply.forecast[s].copy()
        for i, sup in np.ndenumerate(np.asarray(s)):  # a handful of suppliers at most
            q = model.supply.forecast_quality[sup]
            if q > 0:
                expected = model.pop.demand.T @ model.pop.share[:, sup]
                forecast[i] = (1.0 - q) * forecast[i] + q * expected
        target = forecast * (cover + 1.0)
        return np.maximum(target - model.supply.stock[s], 0.0) * model.supply.carries[s]


class RandomProspecting:
    """Development staff contact customers who do not know the supplier, at random."""

    def prospects(self, model: MarketModel, s: int) -> np.ndarray:
        sp = model.params.suppliers[s]
        return model.draw_unaware(s, sp.dev_staff * sp.prospects_per_staff_week)


def top_k_mask(values: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` largest positive values (ties broken by position)."""
    out = np.zeros(values.shape, dtype=bool)
    idx = np.flatnonzero(values > 0)
    if k <= 0 or idx.size == 0:
        return out
    if idx.size > k:
        idx = idx[np.argsort(-values[idx], kind="stable")[:k]]
    out[idx] = True
    return out


DEFAULTS = {
    "pricing": {"cost_plus": CostPlusPricing},
    "communication": {"silent": SilentCommunication},
    "kam_allocation": {"top_revenue": TopRevenueAllocation},
    "inventory": {"order_up_to": OrderUpTo},
    "prospecting": {"random": RandomProspecting},
}
SEAMS = tuple(DEFAULTS)


def build_policies(supplier_params) -> dict[str, object]:
    """The policy object for each seam of one supplier, from its parameter names."""
    return {seam: DEFAULTS[seam][getattr(supplier_params, seam)]() for seam in SEAMS}
