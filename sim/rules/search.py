"""Supplier search: a routine buyer re-opens its choice when a known rival undercuts its main
supplier by more than a threshold.

docs/ODD.md 7.h. Every week, a buyer without a supply contract in force whose main supplier
is undercut by a known rival by a relative gap ``g`` above ``search_threshold`` searches with
probability ``min(search_rate x ps x (g - search_threshold), 1)`` (``ps``: its price
sensitivity); a search withdraws ``search_loyalty_loss`` of its loyalty to the main supplier,
so that next week's choice is made afresh among the suppliers it knows. Small price moves
only re-split orders (the logit's price term, 7.f); gaps beyond the threshold make buyers
leave. ``search`` applies the rule to every buyer of the week (called by
``sim/rules/close.py``) with the week's ``rival_gaps``, which the price sensitivity reads
too; its uniforms (``search_draws``) come from the choice stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rules.jit import jit, jit_inline
from sim.rules.state import Buyers

if TYPE_CHECKING:  # adapt reads ``rival_gap`` from here
    from sim.rules.adapt import AdaptRules


@jit_inline
def rival_gap(b: Buyers, relative_price: np.ndarray, i: int, main: int) -> float:
    """How far below buyer ``i``'s ``main`` supplier the cheapest rival it knows prices,
    relative to the main's price (net of targeted discounts): ``1 - min rival / main``, 0
    when no known rival is cheaper."""
    rel_main = relative_price[main] * (1.0 - b.discount[i, main])
    gap = 0.0
    if rel_main <= 0.0:
        return gap
    for s in range(b.aware.shape[1]):
        if s != main and b.aware[i, s]:
            rel = relative_price[s] * (1.0 - b.discount[i, s])
            gap = max(gap, 1.0 - rel / rel_main)
    return gap


@jit
def search_probability(r: AdaptRules, price_sensitivity: float, gap: float) -> float:
    """The weekly probability of a search: ``min(rate x ps x (gap - threshold), 1)`` above
    the threshold, else 0."""
    excess = gap - r.search_threshold
    if excess <= 0.0:
        return 0.0
    return min(r.search_rate * price_sensitivity * excess, 1.0)


@jit
def rival_gaps(b: Buyers, relative_price: np.ndarray) -> np.ndarray:
    """Every buyer's ``rival_gap`` to its main supplier this week (N; 0 without a main
    supplier): computed once a week, read by the price sensitivity and by the search."""
    gaps = np.zeros(b.aware.shape[0])
    for i in range(gaps.size):
        if b.main[i] >= 0:
            gaps[i] = rival_gap(b, relative_price, i, b.main[i])
    return gaps


@jit
def search(b: Buyers, r: AdaptRules, gaps: np.ndarray, draws: np.ndarray) -> None:
    """Every buyer in the market without a contract in force: where the uniform ``draws[i]``
    falls below its search probability (``gaps``: from :func:`rival_gaps`), its loyalty to
    its main supplier is cut by ``search_loyalty_loss``. ``draws`` is empty when the search
    is off."""
    if draws.size == 0:
        return
    for i in range(b.aware.shape[0]):
        main = b.main[i]
        if not b.active[i] or main < 0 or b.contract_supplier[i] >= 0:
            continue
        if draws[i] < search_probability(r, b.ps[i], gaps[i]):
            b.loyalty[i, main] *= 1.0 - r.search_loyalty_loss


def search_draws(stream: np.random.Generator, n: int, adaptation) -> np.ndarray:
    """This week's uniforms of the search, one per buyer row (``n``), from ``stream`` (the
    choice's): none when the search is off (``search_rate`` or ``search_loyalty_loss`` 0), so
    that a run without it draws nothing more."""
    if adaptation.search_rate > 0.0 and adaptation.search_loyalty_loss > 0.0:
        return stream.random(n)
    return np.zeros(0)
