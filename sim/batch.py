"""Supplier decisions taken for all suppliers at once, where the plain default policy decides.

Each week every supplier runs its decisions in the model's step order (``sim.agents.Supplier``:
the default policy of a seam, then each strategy's hook). Most suppliers in most scenarios use
the plain defaults with no strategy hooked into the seam; their decisions are then a few
element-wise expressions of their own row, which this module evaluates for all of them in one
go (numpy, or one compiled call for replenishment, ``sim.kernels.books.replenish``). The
numbers are the same, bit for bit: the same element-wise operations on the same values, each
supplier writing only its own row or column (so the order of suppliers does not matter), and
no random draws. Suppliers that are not plain for a decision run their own
``Supplier`` method, in supplier order, after the batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.kernels.books import replenish
from sim.policies import CostPlusPricing, OrderUpTo, SilentCommunication
from sim.strategies import Strategy

if TYPE_CHECKING:
    from sim.agents import Supplier
    from sim.model import MarketModel


# decision -> (seam, its plain default policy, the strategy hooks that change the decision)
HOOKS: dict[str, tuple[str | None, type | None, tuple[str, ...]]] = {
    "start_week": (None, None, ("start_week",)),
    "set_prices": ("pricing", CostPlusPricing, ("adjust_prices", "discounts")),
    "communicate": ("communication", SilentCommunication, ("warn",)),
    "replenish": ("inventory", OrderUpTo, ("adjust_order",)),
}


def is_plain(sup: Supplier, decision: str) -> bool:
    """True when ``decision`` of ``sup`` is its seam's plain default, no strategy hooked in."""
    seam, default, hooks = HOOKS[decision]
    if seam is not None and type(sup.policies[seam]) is not default:
        return False
    return all(getattr(type(st), h) is getattr(Strategy, h)
               for st in sup.strategies for h in hooks)


def plain_mask(model: MarketModel, decision: str) -> np.ndarray:
    """Suppliers (S bool) whose ``decision`` is plain (see ``is_plain``)."""
    return _plain(model, decision)[0]


def _plain(model: MarketModel, decision: str) -> tuple[np.ndarray, bool, bool]:
    """``plain_mask``, whether any and whether all suppliers are plain. Policies and
    strategies are fixed when the suppliers are built, so this is worked out once a run."""
    cache = model.__dict__.setdefault("_plain_masks", {})
    found = cache.get(decision)
    if found is None:
        mask = np.array([is_plain(sup, decision) for sup in model.suppliers], dtype=bool)
        found = cache[decision] = (mask, bool(mask.any()), bool(mask.all()))
    return found


def run(model: MarketModel, decision: str) -> None:
    """``decision`` for every supplier: the plain ones batched, then the others in order."""
    plain, any_plain, all_plain = _plain(model, decision)
    if any_plain:  # a full slice, where all are plain, is cheaper to index than a mask
        _BATCHED[decision](model, slice(None) if all_plain else plain)
    if not all_plain:
        for sup in model.suppliers:
            if not plain[sup.index]:
                getattr(sup, decision)()


def _start_week(model: MarketModel, plain: np.ndarray | slice) -> None:
    """No strategy: no strategy cost this week."""
    model.extra_cost[plain] = 0.0


def _set_prices(model: MarketModel, plain: np.ndarray | slice) -> None:
    """``CostPlusPricing``: list prices at cost plus markup, no targeted discounts."""
    model.price[plain] = ((model.cost_now + model.processing_cost)[None, :]
                          * (1.0 + model.markup[plain])[:, None])
    model.pop.discount[:, plain] = 0.0


def _communicate(model: MarketModel, plain: np.ndarray | slice) -> None:
    """``SilentCommunication``: nobody warned."""
    model.pop.warned[:, plain] = False


def _replenish(model: MarketModel, plain: np.ndarray | slice) -> None:
    """``OrderUpTo`` then ``MarketModel.receive_stock``, for the plain suppliers without
    customer-data forecasts (those run their own ``replenish``)."""
    mask = np.zeros(model.n_sup, dtype=bool)
    mask[plain] = True
    naive = mask & (model.forecast_quality <= 0)
    for sup in model.suppliers:
        if mask[sup.index] and not naive[sup.index]:
            sup.replenish()
    if not naive.any():
        return
    cover = model.stock_cover + model.safety_weeks  # (the order's cover + 1 is taken there)
    replenish(np.flatnonzero(naive), model.stock, model.avg_cost, model.forecast,
              model.carries, cover, model.cost_now)


_BATCHED = {"start_week": _start_week, "set_prices": _set_prices,
            "communicate": _communicate, "replenish": _replenish}
