"""Adaptation: satisfaction, loyalty (attraction), delivery record and price sensitivity.

docs/ODD.md 7.h. Loyalty follows Weisbuch, Kirman & Herreiner (2000): ``J <- (1 - gamma) J +
payoff``, where the payoff is earned only from suppliers actually bought from this week. The
rules are small compiled functions of one relationship (``satisfaction_target``,
``loyalty_payoff``, ``price_sensitivity_target`` ...); ``adapt`` and
``update_price_sensitivity`` apply them to every relationship and buyer of the week (called
by ``sim/rules/close.py``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.rules.choice import experienced_service
from sim.rules.jit import indicator, jit
from sim.rules.lifecycle import GENERAL, POTENTIAL
from sim.rules.state import Buyers, Offer, WeekOutcome
from sim.tolerance import EPS


class AdaptRules(NamedTuple):
    """The adaptation parameters (``[adaptation]``) of a run, and the reference loyalty."""

    w_fill: float
    w_service: float
    w_price: float
    w_warning: float
    fairness_slope: float
    rise_penalty: float
    satisfaction_rate: float
    delivery_smoothing: float
    gamma: float
    payoff: float
    payoff_satisfaction_weight: float
    satisfaction_tolerance: float
    ps_rate: float
    ps_cut_threshold: float
    ps_cut_gain: float
    ps_thin_gain: float
    ps_tenure_relief: float
    ps_tenure_weeks: float
    ps_kam_relief: float
    search_threshold: float
    search_rate: float
    search_loyalty_loss: float
    j_ref: float  # loyalty of a buyer who always buys all from one supplier: payoff / gamma

    @classmethod
    def of(cls, adaptation, j_ref: float) -> AdaptRules:
        """From the validated ``adaptation`` parameter block."""
        return cls(*(float(getattr(adaptation, f)) for f in cls._fields[:-1]), float(j_ref))


@jit
def price_fairness(relative_price: float, slope: float) -> float:
    """1 at or below the market price, falling by ``slope`` per unit relative premium."""
    return min(max(1.0 - slope * max(relative_price - 1.0, 0.0), 0.0), 1.0)


@jit
def warning_term(rise: float, warned: bool, penalty: float) -> float:
    """1 unless a price rise came unannounced: ``1 - clip(penalty x rise x (1 - warned))``."""
    return 1.0 - min(max(penalty * rise * (1.0 - indicator(warned)), 0.0), 1.0)


@jit
def satisfaction_target(r: AdaptRules, fill: float, service: float, fairness: float,
                        warning: float) -> float:
    """Score (0..1) of one week's experience with a supplier: the weighted fill rate, service
    and price fairness (weights adding up to 1), less ``w_warning`` times the penalty of an
    unannounced price rise (``1 - warning``)."""
    score = r.w_fill * fill + r.w_service * service + r.w_price * fairness
    return min(max(score - r.w_warning * (1.0 - warning), 0.0), 1.0)


@jit
def satisfying(satisfaction: float, tolerance: float) -> float:
    """How satisfying a transaction is (0..1): 0 at or below the ``tolerance`` level of
    satisfaction, rising linearly to 1 at full satisfaction (a zone of tolerance: only
    transactions better than adequate reinforce loyalty)."""
    return min(max((satisfaction - tolerance) / (1.0 - tolerance), 0.0), 1.0)


@jit
def loyalty_payoff(visit: float, satisfaction: float, payoff: float,
                   satisfaction_weight: float, tolerance: float) -> float:
    """Payoff of this week's purchases: ``payoff x visit x ((1 - w) + w g(satisfaction))``,
    ``g`` being :func:`satisfying`; ``visit`` is the share of the buyer's demand the supplier
    delivered (0/1 a week in the WKH case, where ``w = 0``)."""
    if satisfaction_weight == 0.0:
        return payoff * visit
    g = satisfying(satisfaction, tolerance)
    return payoff * visit * ((1.0 - satisfaction_weight) + satisfaction_weight * g)


@jit
def care_multiplier(care_payoff: float, dedicated_payoff: float, cultivation: float,
                    covered: bool, dedicated: bool, stage: int) -> float:
    """Factor on a supplier's payoff: its care's ``care_payoff`` for covered buyers, its
    dedicated team's ``dedicated_payoff`` for theirs, ``1 + cultivation`` for potential and
    general accounts."""
    mult = care_payoff if covered else 1.0
    mult *= dedicated_payoff if dedicated else 1.0
    return mult * (1.0 + cultivation if stage == POTENTIAL or stage == GENERAL else 1.0)


@jit
def update_loyalty(loyalty: float, payoff: float, gamma: float) -> float:
    """WKH reinforcement with forgetting: ``J <- (1 - gamma) J + payoff``."""
    return (1.0 - gamma) * loyalty + payoff


@jit
def withdraw_trust(loyalty: float, breach: float, warned: bool, ordered: bool) -> float:
    """Loyalty after a breach of trust: cut by ``breach`` where the buyer ordered from the
    supplier this week without having been warned (a critical incident)."""
    return loyalty * (1.0 - breach * (1.0 - indicator(warned)) * indicator(ordered))


@jit
def relax(value: float, target: float, rate: float) -> float:
    """First-order adjustment toward a target."""
    return value + rate * (target - value)


@jit
def adapt(b: Buyers, o: Offer, r: AdaptRules, week: WeekOutcome) -> None:
    """After the week's deliveries: satisfaction, share of wallet, loyalty and the delivery
    record of every relationship."""
    n_mat, n, n_sup = week.orders.shape
    for i in range(n):
        wallet = 0.0
        for m in range(n_mat):
            wallet += b.demand[i, m]
        for s in range(n_sup):
            ordered_t, first_t = 0.0, week.first[i, s]
            for m in range(n_mat):
                ordered_t += week.orders[m, i, s]
            ordered = ordered_t > EPS
            fill = first_t / ordered_t if ordered else 1.0
            kam, ded, warned = b.kam[i, s], b.dedicated[i, s], b.warned[i, s]
            covered = kam or ded
            rel = week.relative_price[s] * (1.0 - b.discount[i, s])
            service = experienced_service(o.service[s], o.care_service[s],
                                          o.dedicated_service[s], kam, ded)
            target = satisfaction_target(r, fill, service, price_fairness(rel, r.fairness_slope),
                                         warning_term(o.rise[s], warned, r.rise_penalty))
            sat = b.satisfaction[i, s]
            if ordered:
                rate = r.satisfaction_rate * (o.care_recovery[s] if covered and target > sat
                                              else 1.0)
                sat = relax(sat, target, rate)
                b.satisfaction[i, s] = sat
                b.delivery[i, s] = relax(b.delivery[i, s], fill, r.delivery_smoothing)
            visit = week.vol[i, s] / wallet if wallet > EPS else 0.0
            if b.order_weeks[i] > 0.0:  # between orders the last order's share stands
                b.share[i, s] = visit
            # an order carrying several weeks of demand reinforces as those weeks would have
            payoff = loyalty_payoff(visit, sat, r.payoff, r.payoff_satisfaction_weight,
                                    r.satisfaction_tolerance) * b.order_weeks[i]
            payoff *= care_multiplier(o.care_payoff[s], o.dedicated_payoff[s],
                                      o.cultivation[s], covered, ded, b.stage[i, s])
            b.loyalty[i, s] = withdraw_trust(update_loyalty(b.loyalty[i, s], payoff, r.gamma),
                                             week.breach[s], warned, ordered)


@jit
def price_sensitivity_target(r: AdaptRules, base: float, undercut: bool, thin: float,
                             tenure_frac: float, care: bool) -> float:
    """Where a buyer's price sensitivity is heading: ``base (1 + cut_gain undercut +
    thin_gain thin)(1 - tenure_relief tenure)(1 - kam_relief care)``; it rises when a known
    rival undercuts the main supplier and when the bond is thin (0..1), falls with tenure
    (0..1) and key-account care."""
    up = 1.0 + r.ps_cut_gain * indicator(undercut) + r.ps_thin_gain * thin
    down = (1.0 - r.ps_tenure_relief * tenure_frac) * (1.0 - r.ps_kam_relief * indicator(care))
    return base * up * down


@jit
def update_price_sensitivity(b: Buyers, r: AdaptRules, gaps: np.ndarray) -> None:
    """Every buyer's price sensitivity relaxes toward its target (after the rolling books:
    the main supplier and tenure are this week's; ``gaps``: each buyer's ``rival_gap`` to
    its main supplier, ``search.rival_gaps``)."""
    for i in range(b.aware.shape[0]):
        main = b.main[i]
        undercut, thin, tenure, care = False, 1.0, 0.0, False
        if main >= 0:
            undercut = gaps[i] > r.ps_cut_threshold
            thin = 1.0 - min(b.loyalty[i, main] / r.j_ref, 1.0)
            tenure = min(b.tenure[i, main] / r.ps_tenure_weeks, 1.0)
            care = b.kam[i, main]
        target = price_sensitivity_target(r, b.ps_base[i], undercut, thin, tenure, care)
        b.ps[i] = relax(b.ps[i], target, r.ps_rate)


def breach(rise: np.ndarray, threshold: float, loss: float) -> np.ndarray:
    """Per supplier (S): the share of loyalty an unwarned buyer withdraws this week, ``loss``
    where the supplier's price rose by more than ``threshold`` over the rise window, else 0."""
    return np.where(rise > threshold, loss, 0.0)
