"""A customer's weekly hazard of closing down (leaving the market without default).

docs/ODD.md 7.c: the segment's annual closure rate, converted to weekly, scaled by the
customer's size relative to its segment's median to the power −κ
(``segments.<seg>.closure_size_elasticity``) and normalised so that the segment's average
closure rate stays ``closure_per_year``; clipped to ``MAX_CLOSURE_PER_YEAR``. Used wherever a
customer's exit hazard is set: drawn customers, entrants and the book's accounts.
"""

from __future__ import annotations

import numpy as np

from sim.params.market import MAX_CLOSURE_PER_YEAR


def weekly_hazard(annual: np.ndarray | float) -> np.ndarray:
    """Weekly probability equivalent to an annual one."""
    return 1.0 - (1.0 - np.asarray(annual, dtype=float)) ** (1.0 / 52.0)


def closure_hazard(closure_per_year: np.ndarray, size: np.ndarray, size_median: np.ndarray,
                   size_sigma: np.ndarray, elasticity: np.ndarray) -> np.ndarray:
    """Weekly closure hazard h = min(h_seg (size/median)^(−κ) / exp(κ²σ²/2), h_max).

    ``h_seg`` is the segment's weekly hazard; exp(κ²σ²/2) is the mean of the size factor over
    the segment's log-normal size distribution (median, σ), so the segment's mean hazard stays
    ``h_seg`` (before the clip). ``h_max`` is ``MAX_CLOSURE_PER_YEAR`` as a weekly hazard, or
    ``h_seg`` where that is higher (the clip only limits what the size factor adds). κ = 0
    gives ``h_seg`` exactly.
    """
    base = weekly_hazard(closure_per_year)
    kappa = np.asarray(elasticity, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):
        factor = (np.asarray(size, dtype=float) / size_median) ** (-kappa)
    mean_factor = np.exp(0.5 * (kappa * size_sigma) ** 2)
    ceiling = np.maximum(weekly_hazard(MAX_CLOSURE_PER_YEAR), base)
    return np.minimum(base * factor / mean_factor, ceiling)
