"""Lifecycle stages, ABC classes and pool flows, from each supplier's own books.

The stage codes and their legal changes are in ``stages.py`` (read here as ``lifecycle.KEY``
and so on); ``stage_rule`` is one relationship's week, ``advance`` every relationship's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.rules.jit import jit
from sim.rules.stages import (  # noqa: F401  (the stage codes, read here by many)
    ALLOWED,
    BUYING,
    GENERAL,
    KEY,
    LOST,
    N_STAGES,
    NONE,
    POTENTIAL,
    PROSPECT,
    STAGE_NAMES,
    SUNSET,
)
from sim.rules.state import Buyers, WeekOutcome
from sim.tolerance import EPS


class StageRules(NamedTuple):
    """The lifecycle thresholds (``[lifecycle]``) of a run."""

    key_volume_t: float
    general_volume_t: float
    continuity_weeks: int
    key_margin_floor: float
    potential_min_weeks: int
    sunset_ratio: float
    recovery_ratio: float
    lost_after_weeks: int


@jit
def stage_rule(r: StageRules, stage: int, aware: bool, bought: bool, vol52: float,
               vol13: float, act13: int, weeks_since: int, tenure: int, margin_rate: float,
               credit_ok: bool) -> int:
    """This week's stage of one relationship from last week's and its books; the first rule
    that applies wins (docs/ODD.md 7.i):

    no purchase for ``lost_after_weeks`` makes a buying relationship lost; a purchase turns
    none/prospect/lost into potential; awareness turns none into prospect; potential ->
    general after ``potential_min_weeks`` with ``general_volume_t`` in 52 weeks; general/key
    -> sunset when the last 13 weeks, annualised, fall below ``sunset_ratio`` of the 52-week
    volume (after a year); general -> key when the 52-week volume reaches ``key_volume_t``,
    bought in ``continuity_weeks`` of the last 13, margin at the floor or above and credit
    good; key -> general when that no longer holds; sunset -> general when the run rate
    recovers to ``recovery_ratio``.
    """
    run_rate = 4.0 * vol13
    declining = tenure >= 52 and run_rate < r.sunset_ratio * vol52
    key_ok = (vol52 >= r.key_volume_t and act13 >= r.continuity_weeks
              and margin_rate >= r.key_margin_floor and credit_ok)
    if POTENTIAL <= stage <= SUNSET and weeks_since >= r.lost_after_weeks:
        return LOST
    if (stage == NONE or stage == PROSPECT or stage == LOST) and bought:
        return POTENTIAL
    if stage == NONE and aware:
        return PROSPECT
    if stage == POTENTIAL and tenure >= r.potential_min_weeks and vol52 >= r.general_volume_t:
        return GENERAL
    if (stage == GENERAL or stage == KEY) and declining:
        return SUNSET
    if stage == GENERAL and key_ok:
        return KEY
    if stage == KEY and not key_ok:
        return GENERAL
    if stage == SUNSET and run_rate >= r.recovery_ratio * vol52 and not declining:
        return GENERAL
    return stage


@jit
def margin_rate(revenue: float, cost: float) -> float:
    """Gross margin over revenue; 0 without revenue."""
    return (revenue - cost) / revenue if revenue > EPS else 0.0


@jit
def buying(stage: int) -> bool:
    """Potential, general, key or sunset: a relationship in a buying spell."""
    return POTENTIAL <= stage <= SUNSET


@jit
def advance(b: Buyers, r: StageRules, week: WeekOutcome) -> np.ndarray:
    """Every relationship's stage this week (``stage_rule``; none for buyers who left the
    market), tenure restarting where a buying spell starts or ends. Returns last week's
    stages (N x S)."""
    old = b.stage.copy()  # buyers who left this week still hold their last stage there
    n, n_sup = old.shape
    for i in range(n):
        for s in range(n_sup):
            was = old[i, s]
            new = NONE
            if b.active[i]:
                new = stage_rule(r, was, b.aware[i, s], week.vol[i, s] > EPS, b.vol52[i, s],
                                 b.vol13[i, s], b.act13[i, s], b.weeks_since[i, s],
                                 b.tenure[i, s], margin_rate(b.rev52[i, s], b.cost52[i, s]),
                                 week.credit_ok[i])
            if buying(was) != buying(new):  # a spell started or ended
                b.tenure[i, s] = 0
            b.stage[i, s] = new
    return old


@jit
def stage_counts(stage: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Customers per supplier and stage (S x 6) among active rows."""
    counts = np.zeros((stage.shape[1], N_STAGES), dtype=np.int64)
    for i in range(stage.shape[0]):
        if active[i]:
            for s in range(stage.shape[1]):
                if stage[i, s] >= 0:
                    counts[s, stage[i, s]] += 1
    return counts


@jit
def upgrade(old: int, new: int) -> bool:
    """Potential -> general, general -> key or sunset -> general."""
    return ((old == POTENTIAL and new == GENERAL) or (old == GENERAL and new == KEY)
            or (old == SUNSET and new == GENERAL))


@jit
def downgrade(old: int, new: int) -> bool:
    """Key -> general, general -> sunset or key -> sunset."""
    return (old == KEY and new == GENERAL) or (old == GENERAL and new == SUNSET) or (
        old == KEY and new == SUNSET)


@jit
def flows(old: np.ndarray, new: np.ndarray,
          leaving: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The week's flows from ``old`` to ``new`` stages (N x S; ``leaving``: N, the buyers
    who left the market this week): inflow and outflow counts per supplier and stage
    (S x 6), and the named flows per supplier (S x 5, in the order of
    ``sim.columns.FLOWS``): acquired (a buying spell started), upgraded, downgraded, lost
    (turned lost) and exited (a buying relationship whose buyer left)."""
    n_sup = old.shape[1]
    inflow = np.zeros((n_sup, N_STAGES), dtype=np.int64)
    outflow = np.zeros((n_sup, N_STAGES), dtype=np.int64)
    named = np.zeros((n_sup, 5), dtype=np.int64)
    for i in range(old.shape[0]):
        for s in range(n_sup):
            was, now = old[i, s], new[i, s]
            if leaving[i] and buying(was):
                named[s, 4] += 1
            if was == now:
                continue
            if now >= 0:
                inflow[s, now] += 1
            if was >= 0:
                outflow[s, was] += 1
            named[s, 0] += now == POTENTIAL and not buying(was)
            named[s, 1] += upgrade(was, now)
            named[s, 2] += downgrade(was, now)
            named[s, 3] += now == LOST
    return inflow, outflow, named


def abc_classes(revenue: np.ndarray, *, mode: str, a_share: float, b_share: float,
                a_revenue: float, b_revenue: float) -> np.ndarray:
    """ABC class per customer (0 none, 1 A, 2 B, 3 C) of one supplier's revenue vector.

    Only customers with positive revenue are classed. ``count`` mode: the top ``a_share`` of
    customers by revenue are A, the next ``b_share`` B, the rest C (at least one A when any
    customer buys). ``revenue`` mode: A until cumulative revenue reaches ``a_revenue`` (the
    customer that crosses it included), B until ``b_revenue``, then C.
    """
    out = np.zeros(revenue.shape, dtype=np.int8)
    idx = np.flatnonzero(revenue > 0)
    if idx.size == 0:
        return out
    order = idx[np.argsort(-revenue[idx], kind="stable")]
    n = order.size
    if mode == "count":
        n_a = max(1, int(round(a_share * n)))
        n_b = int(round(b_share * n))
        rank_class = np.full(n, 3, dtype=np.int8)
        rank_class[:n_a] = 1
        rank_class[n_a:n_a + n_b] = 2
    else:
        cum = np.cumsum(revenue[order]) / revenue[order].sum()
        before = np.concatenate(([0.0], cum[:-1]))
        rank_class = np.where(before < a_revenue, 1, np.where(before < b_revenue, 2, 3))
    out[order] = rank_class
    return out
