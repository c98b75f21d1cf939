"""Lifecycle stages, ABC classes and pool flows, from each supplier's own books.

Stage codes: -1 none (unaware), 0 prospect, 1 potential, 2 general, 3 key (elite), 4 sunset,
5 lost. ``ALLOWED`` lists every legal transition; exit from the market is recorded apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NONE, PROSPECT, POTENTIAL, GENERAL, KEY, SUNSET, LOST = -1, 0, 1, 2, 3, 4, 5
N_STAGES = 6
# Indexed by stage code; code -1 (none) reads the last entry.
STAGE_NAMES: tuple[str, ...] = ("prospect", "potential", "general", "key", "sunset", "lost",
                                "none")
BUYING = (POTENTIAL, GENERAL, KEY, SUNSET)
ALLOWED: frozenset[tuple[int, int]] = frozenset({
    (NONE, PROSPECT), (NONE, POTENTIAL), (PROSPECT, POTENTIAL), (LOST, POTENTIAL),
    (POTENTIAL, GENERAL), (POTENTIAL, LOST),
    (GENERAL, KEY), (GENERAL, SUNSET), (GENERAL, LOST),
    (KEY, GENERAL), (KEY, SUNSET), (KEY, LOST),
    (SUNSET, GENERAL), (SUNSET, LOST),
})


@dataclass(frozen=True)
class StageRules:
    key_volume_t: float
    general_volume_t: float
    continuity_weeks: int
    key_margin_floor: float
    potential_min_weeks: int
    sunset_ratio: float
    recovery_ratio: float
    lost_after_weeks: int


def next_stage(stage: np.ndarray, aware: np.ndarray, bought: np.ndarray, vol52: np.ndarray,
               vol13: np.ndarray, act13: np.ndarray, weeks_since: np.ndarray,
               tenure: np.ndarray, margin_rate: np.ndarray, credit_ok: np.ndarray,
               r: StageRules) -> np.ndarray:
    """This week's stage of every relationship (N x S int8) from last week's and the books.

    ``credit_ok`` is N (the customer pays reliably). Rules, first match wins:
    a purchase turns none/prospect/lost into potential; no purchase for ``lost_after_weeks``
    makes a buying relationship lost; potential -> general after ``potential_min_weeks`` with
    ``general_volume_t`` in 52 weeks; general -> key when 52-week volume reaches
    ``key_volume_t``, bought in ``continuity_weeks`` of the last 13, margin above the floor and
    credit good; key -> general when that no longer holds; general/key -> sunset when the last
    13 weeks, annualised, fall below ``sunset_ratio`` of the 52-week volume (after a year);
    sunset -> general when they recover to ``recovery_ratio``.
    """
    new = stage.copy()
    new[(stage == NONE) & aware] = PROSPECT
    new[((stage == NONE) | (stage == PROSPECT) | (stage == LOST)) & bought] = POTENTIAL
    buying = (stage >= POTENTIAL) & (stage <= SUNSET)
    lost = buying & (weeks_since >= r.lost_after_weeks)
    run_rate = 4.0 * vol13
    declining = (tenure >= 52) & (run_rate < r.sunset_ratio * vol52)
    recovered = run_rate >= r.recovery_ratio * vol52
    key_ok = ((vol52 >= r.key_volume_t) & (act13 >= r.continuity_weeks)
              & (margin_rate >= r.key_margin_floor) & credit_ok[:, None])
    pot = stage == POTENTIAL
    new[pot & (tenure >= r.potential_min_weeks) & (vol52 >= r.general_volume_t)] = GENERAL
    gen = stage == GENERAL
    new[gen & declining] = SUNSET
    new[gen & key_ok & ~declining] = KEY
    key = stage == KEY
    new[key & ~key_ok] = GENERAL
    new[key & declining] = SUNSET
    new[(stage == SUNSET) & recovered & ~declining] = GENERAL
    new[lost] = LOST
    return new


def stage_counts(stage: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Customers per supplier and stage (S x 6) among active rows."""
    s = stage[active]
    counts = np.empty((stage.shape[1], N_STAGES), dtype=np.int64)
    for k in range(N_STAGES):
        counts[:, k] = (s == k).sum(axis=0)
    return counts


def flows(old: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inflow and outflow counts (S x 6) of the changes from ``old`` to ``new`` stages."""
    changed = old != new
    n_sup = old.shape[1]
    inflow = np.zeros((n_sup, N_STAGES), dtype=np.int64)
    outflow = np.zeros((n_sup, N_STAGES), dtype=np.int64)
    rows, cols = np.nonzero(changed)
    o, n = old[rows, cols], new[rows, cols]
    keep_in, keep_out = n >= 0, o >= 0
    np.add.at(inflow, (cols[keep_in], n[keep_in]), 1)
    np.add.at(outflow, (cols[keep_out], o[keep_out]), 1)
    return inflow, outflow


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
