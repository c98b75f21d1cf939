"""Raw-material cost indices (mean-reverting log process with scheduled shocks) and EV adoption."""

from __future__ import annotations

import numpy as np


def shock_profile(week: int, start: int, ramp: int, hold: int, ease: int) -> float:
    """Fraction (0..1) of a shock's magnitude in force at ``week``.

    Linear ramp over ``ramp`` weeks from ``start``, full for ``hold`` weeks, linear easing back
    to zero over ``ease`` weeks.
    """
    k = week - start
    if k < 0:
        return 0.0
    if k < ramp:
        return (k + 1) / ramp
    k -= ramp
    if k < hold:
        return 1.0
    k -= hold
    if k < ease:
        return 1.0 - (k + 1) / ease
    return 0.0


def shock_multipliers(week: int, shocks: list[tuple[int, int, float, int, int, int]],
                      n_materials: int) -> np.ndarray:
    """Product of ``1 + magnitude * profile`` over the shocks, per material.

    ``shocks`` holds ``(material_index, start, magnitude, ramp, hold, ease)`` tuples.
    """
    mult = np.ones(n_materials)
    for m, start, magnitude, ramp, hold, ease in shocks:
        mult[m] *= 1.0 + magnitude * shock_profile(week, start, ramp, hold, ease)
    return mult


def ou_log_step(x: np.ndarray, reversion: np.ndarray, volatility: np.ndarray,
                z: np.ndarray) -> np.ndarray:
    """One week of an Ornstein-Uhlenbeck process on the log deviation of a cost index."""
    return x - reversion * x + volatility * z


def growth_taper(share_now: float, share_start: float) -> float:
    """Factor on EV-native buyers' growth: the NEV headroom left, relative to the start."""
    return (1.0 - share_now) / (1.0 - share_start)


def ev_share(years_since_start: float, share_start: float, width_years: float) -> float:
    """Logistic EV share of vehicle output: ``share_start`` at step 0, one logit per width."""
    logit0 = np.log(share_start / (1.0 - share_start))
    return float(1.0 / (1.0 + np.exp(-(logit0 + years_since_start / width_years))))
