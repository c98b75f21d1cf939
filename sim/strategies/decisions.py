"""The suppliers' weekly decisions, each written once, for one supplier or several at once.

A decision is the seam's policy (``sim.strategies.policies``) followed by every strategy's hook
in turn (``sim.strategies.library``); the result is applied through the state's seams
(``model.supply.set_prices``, ``model.pop.set_discounts`` ..., docs/ODD.md 7.k).
``decide`` runs a decision for all suppliers in the model's step order: suppliers whose
decision is the plain default policy with no strategy hooked in are decided together in one
call of the same function on an index array of rows (each supplier writes only its own row or
column and no random draws are made, so the order of suppliers does not matter); the others one
by one, in supplier order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.strategies.library import Strategy
from sim.strategies.policies import CostPlusPricing, OrderUpTo, SilentCommunication

if TYPE_CHECKING:
    from sim.market.agents import Supplier
    from sim.market.model import MarketModel
    from sim.market.state import Rows


def start_week(model: MarketModel, s: Rows, strategies: tuple, policy: object = None) -> None:
    """Strategy costs of the week, in total and by kind (and each strategy's weekly care and
    capacity moves)."""
    model.supply.charge(s, [(st.cost_kind, st.start_week(model, s)) for st in strategies])


def set_prices(model: MarketModel, s: Rows, strategies: tuple, policy: CostPlusPricing) -> None:
    """List prices per material and targeted discounts per customer."""
    prices = policy.list_prices(model, s)
    disc = policy.discounts(model, s)
    if strategies and disc is None:
        disc = np.zeros(model.pop.n)
    for st in strategies:
        prices = st.adjust_prices(model, s, prices)
        disc = st.discounts(model, s, disc)
    model.supply.set_prices(s, prices)
    model.pop.set_discounts(s, disc)


def replenish(model: MarketModel, s: Rows, strategies: tuple, policy: OrderUpTo) -> None:
    """Stock ordered per material, received at today's cost."""
    order = policy.order(model, s)
    for st in strategies:
        order = st.adjust_order(model, s, order)
    model.supply.receive_stock(s, order, model.market.cost_now)


def communicate(model: MarketModel, s: Rows, strategies: tuple,
                policy: SilentCommunication) -> None:
    """Customers warned this week of a coming price move."""
    warned = policy.warn(model, s)
    if strategies and warned is None:
        warned = np.zeros(model.pop.n, dtype=bool)
    for st in strategies:
        warned = st.warn(model, s, warned)
    model.pop.set_warned(s, warned)


Decision = Callable[..., None]
# decision -> (its function, the seam whose policy it asks, that seam's plain default, the
# strategy hooks that change it)
DECISIONS: dict[str, tuple[Decision, str | None, type | None, tuple[str, ...]]] = {
    "start_week": (start_week, None, None, ("start_week",)),
    "set_prices": (set_prices, "pricing", CostPlusPricing, ("adjust_prices", "discounts")),
    "communicate": (communicate, "communication", SilentCommunication, ("warn",)),
    "replenish": (replenish, "inventory", OrderUpTo, ("adjust_order",)),
}


def is_plain(sup: Supplier, decision: str) -> bool:
    """True when ``decision`` of ``sup`` is its seam's plain default, no strategy hooked in."""
    _, seam, default, hooks = DECISIONS[decision]
    if seam is not None and type(sup.policies[seam]) is not default:
        return False
    return all(getattr(type(st), h) is getattr(Strategy, h)
               for st in sup.strategies for h in hooks)


def plain_rows(model: MarketModel, decision: str) -> np.ndarray:
    """Index array of the suppliers whose ``decision`` is plain (see ``is_plain``). Policies
    and strategies are fixed when the suppliers are built, so this is worked out once a run."""
    cache = model.__dict__.setdefault("_plain_rows", {})
    rows = cache.get(decision)
    if rows is None:
        rows = cache[decision] = np.array(
            [sup.index for sup in model.suppliers if is_plain(sup, decision)], dtype=np.intp)
    return rows


def decide(model: MarketModel, decision: str) -> None:
    """``decision`` for every supplier: the plain ones in one call, then the others in order."""
    fn, seam, default, _ = DECISIONS[decision]
    plain = plain_rows(model, decision)
    if plain.size:
        fn(model, plain, (), default() if default is not None else None)
    for sup in model.suppliers:
        if plain.size == model.n_sup or sup.index in plain:
            continue
        fn(model, sup.index, tuple(sup.strategies),
           sup.policies[seam] if seam is not None else None)
