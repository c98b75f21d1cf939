"""Concentration of the focal supplier's revenue over its customers (Pareto 80/20, ABC).

Owns the Lorenz and Pareto curves and ABC class counts, computed from plain revenue lists or
from the `customers` table. The top-20 % revenue share is `sim.metrics.top_share` of
`focal_revenues`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "CUSTOMER_STAGES",
    "ABC_CLASSES",
    "lorenz",
    "pareto",
    "focal_revenues",
    "abc_counts",
]

CUSTOMER_STAGES = ("potential", "general", "key", "sunset")
ABC_CLASSES = ("A", "B", "C", "-")


def _revenues(revenues: Iterable[float]) -> np.ndarray:
    """Revenues as a sorted (ascending) float array; NaNs dropped, negatives rejected."""
    x = np.asarray(list(revenues) if not hasattr(revenues, "__len__") else revenues, float)
    x = x[~np.isnan(x)]
    if (x < 0).any():
        raise ValueError("revenues must be non-negative")
    return np.sort(x)


def lorenz(revenues: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve: customers sorted from smallest to largest revenue.

    Returns (x, y) with x = cumulative share of customers (0, 1/n, ..., 1) and y = cumulative
    share of revenue. Customers with zero revenue count as customers. With no customers, or
    a total of zero, the curve is undefined: x = [0, 1] and y = [nan, nan].
    """
    x = _revenues(revenues)
    total = float(x.sum())
    if x.size == 0 or total == 0.0:
        return np.array([0.0, 1.0]), np.array([math.nan, math.nan])
    xs = np.arange(x.size + 1) / x.size
    ys = np.concatenate([[0.0], np.cumsum(x) / total])
    ys[-1] = 1.0
    return xs, ys


def pareto(revenues: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    """Pareto curve: customers sorted from largest to smallest revenue.

    Returns (x, y): share of customers (top first) and the share of revenue they bring,
    i.e. y(x) = 1 − Lorenz(1 − x). Same undefined cases as `lorenz`.
    """
    lx, ly = lorenz(revenues)
    return 1.0 - lx[::-1], 1.0 - ly[::-1]


def focal_revenues(customers: pd.DataFrame, step: int | None = None) -> pd.Series:
    """Focal supplier's 52-week revenue per customer at one quarter end (last by default).

    Only relationships in a customer stage (potential, general, key, sunset) count, so the
    base is the same as `customers` in suppliers.parquet.
    """
    if len(customers) == 0:
        return pd.Series(dtype=float)
    at = customers["step"].max() if step is None else step
    sub = customers[(customers["step"] == at) & customers["stage"].isin(CUSTOMER_STAGES)]
    return sub.set_index("customer")["focal_revenue_52w"].astype(float)


def abc_counts(customers: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Number of customers in each ABC class (A, B, C, '-') at the last quarter end.

    With `by` (e.g. ["scenario", "rep"]) the count is made per group, each at its own last
    step. Returns one row per group with columns `by` + A, B, C, '-' and `n` (= A + B + C).
    """
    keys = list(by or [])
    if len(customers) == 0:
        return pd.DataFrame(columns=[*keys, *ABC_CLASSES, "n"])
    last = customers.groupby(keys, observed=True)["step"].transform("max") if keys else (
        customers["step"].max()
    )
    at_end = customers[customers["step"] == last]
    counts = (
        at_end.groupby([*keys, "abc_class"], observed=True).size().unstack("abc_class")
        if keys
        else at_end["abc_class"].value_counts().to_frame().T
    )
    counts = counts.reindex(columns=list(ABC_CLASSES), fill_value=0).fillna(0).astype(int)
    counts["n"] = counts[["A", "B", "C"]].sum(axis=1)
    counts.columns.name = None
    return counts.reset_index() if keys else counts.reset_index(drop=True)
