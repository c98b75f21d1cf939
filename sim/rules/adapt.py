"""Adaptation: satisfaction, loyalty (attraction) and price sensitivity updates.

Loyalty follows Weisbuch, Kirman & Herreiner (2000): ``J <- (1 - gamma) J + payoff``, where the
payoff is earned only from suppliers actually bought from this week.
"""

from __future__ import annotations

import numpy as np


def satisfaction_target(fill: np.ndarray, service: np.ndarray, fairness: np.ndarray,
                        warning: np.ndarray, w_fill: float, w_service: float,
                        w_price: float, w_warning: float) -> np.ndarray:
    """Score (0..1) of one week's experience with a supplier: the weighted fill rate, service
    and price fairness (weights adding up to 1), less ``w_warning`` times the penalty of an
    unannounced price rise (``1 - warning``)."""
    score = w_fill * fill + w_service * service + w_price * fairness
    return np.clip(score - w_warning * (1.0 - warning), 0.0, 1.0)


def price_fairness(relative_price: np.ndarray, slope: float) -> np.ndarray:
    """1 at or below the market price, falling by ``slope`` per unit relative premium."""
    return np.clip(1.0 - slope * np.maximum(relative_price - 1.0, 0.0), 0.0, 1.0)


def warning_term(rise: np.ndarray, warned: np.ndarray, penalty: float) -> np.ndarray:
    """1 unless a price rise came unannounced; ``rise`` is S, ``warned`` N x S (0/1)."""
    return 1.0 - np.clip(penalty * rise[None, :] * (1.0 - warned), 0.0, 1.0)


def breach(rise: np.ndarray, threshold: float, loss: float) -> np.ndarray:
    """Per supplier (S): the share of loyalty an unwarned buyer withdraws this week, ``loss``
    where the supplier's price rose by more than ``threshold`` over the rise window, else 0."""
    return np.where(rise > threshold, loss, 0.0)


def withdraw_trust(loyalty: np.ndarray, breach_s: np.ndarray, warned: np.ndarray,
                   ordered: np.ndarray) -> np.ndarray:
    """Loyalty after a breach of trust: cut by ``breach_s`` where the buyer ordered from the
    supplier this week without having been warned (a critical incident)."""
    return loyalty * (1.0 - breach_s[None, :] * (1.0 - warned) * ordered)


def update_satisfaction(sat: np.ndarray, target: np.ndarray, bought: np.ndarray,
                        rate: float) -> np.ndarray:
    """Move satisfaction toward this week's score where something was ordered."""
    return np.where(bought, sat + rate * (target - sat), sat)


def satisfying(satisfaction: np.ndarray, tolerance: float) -> np.ndarray:
    """How satisfying a transaction is (0..1): 0 at or below the ``tolerance`` level of
    satisfaction, rising linearly to 1 at full satisfaction (a zone of tolerance: only
    transactions better than adequate reinforce loyalty)."""
    return np.clip((satisfaction - tolerance) / (1.0 - tolerance), 0.0, 1.0)


def loyalty_payoff(visit: np.ndarray, satisfaction: np.ndarray, payoff: float,
                   satisfaction_weight: float, tolerance: float = 0.0) -> np.ndarray:
    """Payoff of this week's purchases: ``payoff * visit * ((1 - w) + w * g(satisfaction))``
    where ``g`` is :func:`satisfying`.

    ``visit`` is the share of the customer's demand delivered by each supplier (0/1 per week
    in the WKH case, where ``w = 0``).
    """
    if satisfaction_weight == 0:
        return payoff * visit
    g = satisfying(satisfaction, tolerance)
    return payoff * visit * ((1.0 - satisfaction_weight) + satisfaction_weight * g)


def update_loyalty(loyalty: np.ndarray, payoff: np.ndarray, gamma: float) -> np.ndarray:
    """WKH reinforcement with forgetting: ``J <- (1 - gamma) J + payoff``."""
    return (1.0 - gamma) * loyalty + payoff


def price_sensitivity_target(base: np.ndarray, undercut: np.ndarray, thin: np.ndarray,
                             tenure_frac: np.ndarray, care: np.ndarray, *, cut_gain: float,
                             thin_gain: float, tenure_relief: float,
                             kam_relief: float) -> np.ndarray:
    """Where a customer's price sensitivity is heading (N).

    Rises when a known rival undercuts the main supplier (``undercut`` 0/1) and when the
    relationship is thin (``thin`` 0..1); falls with tenure (``tenure_frac`` 0..1) and
    key-account care (``care`` 0/1).
    """
    up = 1.0 + cut_gain * undercut + thin_gain * thin
    down = (1.0 - tenure_relief * tenure_frac) * (1.0 - kam_relief * care)
    return base * up * down


def relax(value: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    """First-order adjustment toward a target."""
    return value + rate * (target - value)
