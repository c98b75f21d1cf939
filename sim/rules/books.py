"""The week's books per relationship and the rolling 13- and 52-week books.

docs/ODD.md 7.h (rolling books) and section 2. ``week_books``: tonnes, revenue (list price
less the targeted discount) and cost (average cost of stock plus processing) of this week's
deliveries. ``roll_books``: this week's figures into the 52-slot ring (float32) and the
running sums (float64), those of 13 and 52 weeks ago out; weeks with a purchase among the last
13, weeks since the last purchase, tenure of buying relationships, the focal supplier's spell
books and each buyer's main supplier (largest 13-week volume); ``sim/rules/close.py`` calls
it.
"""

from __future__ import annotations

import numpy as np

from sim.rules.jit import jit
from sim.rules.stages import POTENTIAL, SUNSET, WEEKS_SINCE_CAP
from sim.rules.state import Buyers, RingSlots, WeekOutcome
from sim.tolerance import EPS


@jit
def week_books(delivered: np.ndarray, price: np.ndarray, discount: np.ndarray,
               unit_cost: np.ndarray, vol: np.ndarray, rev: np.ndarray,
               cost: np.ndarray) -> None:
    """Tonnes, revenue and cost, into ``vol``, ``rev`` and ``cost`` (N x S each), of
    ``delivered`` (M x N x S) at ``price`` and ``unit_cost`` (S x M), revenue less the
    ``discount`` (N x S)."""
    n_mat, n, n_sup = delivered.shape
    for i in range(n):
        for s in range(n_sup):
            keep = 1.0 - discount[i, s]
            v, r, c = 0.0, 0.0, 0.0
            for m in range(n_mat):
                d = delivered[m, i, s]
                v += d
                r += d * price[s, m] * keep
                c += d * unit_cost[s, m]
            vol[i, s], rev[i, s], cost[i, s] = v, r, c


@jit
def rolled(total: float, new: float, old: float) -> float:
    """A running sum after this week's figure came in and the oldest went out (never < 0)."""
    return max(total + new - old, 0.0)


@jit
def roll_books(b: Buyers, ring: RingSlots, week: WeekOutcome, focal: int) -> None:
    """Roll every relationship's books by one week (see the module docstring); ``focal``:
    the supplier whose relationship spells are kept."""
    n, n_sup = week.vol.shape
    for i in range(n):
        for s in range(n_sup):
            v, old13 = np.float32(week.vol[i, s]), ring.vol_13_ago[i, s]
            b.vol13[i, s] = rolled(b.vol13[i, s], v, old13)
            b.act13[i, s] += np.int16(v > 0) - np.int16(old13 > 0)
            r, c = np.float32(week.rev[i, s]), np.float32(week.cost[i, s])
            b.vol52[i, s] = rolled(b.vol52[i, s], v, ring.vol[i, s])
            b.rev52[i, s] = rolled(b.rev52[i, s], r, ring.rev[i, s])
            b.cost52[i, s] = rolled(b.cost52[i, s], c, ring.cost[i, s])
            ring.vol[i, s], ring.rev[i, s], ring.cost[i, s] = v, r, c
            if week.vol[i, s] > EPS:
                b.weeks_since[i, s] = 0
            else:
                b.weeks_since[i, s] = min(b.weeks_since[i, s] + 1, WEEKS_SINCE_CAP)
            if POTENTIAL <= b.stage[i, s] <= SUNSET:
                b.tenure[i, s] += 1
        b.spell_rev[i] += week.rev[i, focal]
        b.spell_margin[i] += week.rev[i, focal] - week.cost[i, focal]
        b.main[i] = main_supplier(b.vol13, i)


@jit
def main_supplier(vol13: np.ndarray, i: int) -> int:
    """Buyer ``i``'s supplier with the largest 13-week volume (the first of equals; ``vol13``
    N x S); -1 if none."""
    best, top = -1, 0.0
    for s in range(vol13.shape[1]):
        if vol13[i, s] > top:
            best, top = s, vol13[i, s]
    return best
