"""The purchase rhythm at step 0: the seeded year of purchases falls on order weeks.

Owns one step of initialisation (docs/ODD.md section 5): ``seed_history`` gives every
existing relationship a steady weekly purchase; for customers who order less often than
weekly (``order_interval`` > 1, ``sim/rules/rhythm.py``) ``seed_order_weeks`` moves those
tonnes onto order weeks drawn by the rule itself, each order carrying the weeks of demand
since the one before, and leaves the demand of the weeks since the last order in the
backlog. The rolling books (52- and 13-week sums, weeks with a purchase among the last 13,
weeks since the last purchase) are read again from the ring. Customers ordering weekly are
not touched, and nothing is drawn when there are none of the others.
"""

from __future__ import annotations

import numpy as np

from sim.market.population import RING, WEEKS_SINCE_CAP, Population
from sim.rules.rhythm import covered_weeks

#: weeks of the rule run before the seeded year, so that its first order has a history too
LEAD_WEEKS = 26


def seed_order_weeks(pop: Population, expected: np.ndarray, rng: np.random.Generator) -> int:
    """Put the seeded purchases of customers ordering less than weekly on their order weeks;
    ``expected`` (N x M) is the weekly demand the history was seeded from. Returns how many
    customers it moved."""
    rows = np.flatnonzero(pop.order_interval > 1.0)
    if rows.size == 0:
        return 0
    u = rng.random((LEAD_WEEKS + RING, rows.size))
    covered, waited = covered_weeks(pop.order_interval[rows], u)
    year = covered[-RING:]  # weeks -52 .. -1, in ring slots 0 .. 51 (slot = week mod 52)
    ring = pop.ring
    weekly = [ring.dense(0, col, pop.n).astype(np.float64)  # seeded alike every week
              for col in ("vol", "rev", "cost")]
    factor = np.ones(pop.n)
    for t in range(RING):
        factor[rows] = year[t]
        ring.set_week(t, *(w * factor[:, None] for w in weekly))
    weeks = list(range(RING))
    vol = ring.rows(weeks, rows, "vol")  # 52 x R x S, float32 as the ring holds them
    pop.vol52[rows] = vol.sum(axis=0, dtype=np.float64)
    pop.rev52[rows] = ring.rows(weeks, rows, "rev").sum(axis=0, dtype=np.float64)
    pop.cost52[rows] = ring.rows(weeks, rows, "cost").sum(axis=0, dtype=np.float64)
    last13 = vol[RING - 13:]
    pop.vol13[rows] = last13.sum(axis=0, dtype=np.float64)
    pop.act13[rows] = (last13 > 0).sum(axis=0).astype(np.int16)
    buying = pop.vol52[rows] > 0
    pop.weeks_since[rows] = np.where(buying, waited[:, None], WEEKS_SINCE_CAP)
    pop.tenure[rows] = np.where(buying, pop.tenure[rows], 0)
    pop.waited[rows] = waited
    pop.order_weeks[rows] = year[-1]
    pop.backlog[rows] = expected[rows] * waited[:, None]
    return int(rows.size)
