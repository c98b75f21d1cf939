"""Student-t confidence intervals, written without scipy.

Owns the t quantile (via the regularised incomplete beta function), the interval of a mean,
the interval of paired differences (scenarios run on common random numbers, paired by rep)
and a vectorised per-group interval for time series across replications.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = ["t_ppf", "mean_ci", "paired_diff_ci", "ci_by_group"]


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _t_cdf(t: float, df: float) -> float:
    """Cumulative distribution function of Student's t with `df` degrees of freedom."""
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


@lru_cache(maxsize=1024)
def t_ppf(q: float, df: float) -> float:
    """Quantile of Student's t: the value t with P(T <= t) = q, for 0 < q < 1 and df > 0."""
    if not 0.0 < q < 1.0 or not df > 0:
        raise ValueError(f"need 0 < q < 1 and df > 0, got q={q}, df={df}")
    if q == 0.5:
        return 0.0
    if q < 0.5:
        return -t_ppf(1.0 - q, df)
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, df) < q:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_cdf(mid, df) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def _clean(values: Iterable[float]) -> np.ndarray:
    """Values as a float array with NaNs (and pandas NA) dropped."""
    if isinstance(values, pd.Series):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        arr = np.asarray(values if hasattr(values, "__len__") else list(values), dtype=float)
    return arr[~np.isnan(arr)]


def mean_ci(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval, as (mean, lo, hi).

    NaNs are dropped. With no values all three are NaN; with one value the bounds are NaN;
    values that are all equal give lo == hi == mean.
    """
    x = _clean(values)
    n = x.size
    if n == 0:
        return (math.nan, math.nan, math.nan)
    m = float(x.mean())
    if n == 1:
        return (m, math.nan, math.nan)
    half = t_ppf(0.5 + level / 2.0, n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return (m, m - half, m + half)


def paired_diff_ci(
    a: Sequence[float] | pd.Series, b: Sequence[float] | pd.Series, level: float = 0.95
) -> tuple[float, float, float]:
    """Mean and t interval of the paired differences a − b.

    For scenarios run on common random numbers: pass two Series indexed by rep and they are
    paired on the index (reps present in only one are ignored); plain sequences are paired by
    position and must have equal length. Pairs with a NaN on either side are dropped.
    """
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        joined = pd.concat({"a": a, "b": b}, axis=1, join="inner")
        diff = (joined["a"] - joined["b"]).to_numpy(dtype=float)
    else:
        xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if xa.shape != xb.shape:
            raise ValueError(f"paired samples differ in length: {xa.shape} vs {xb.shape}")
        diff = xa - xb
    return mean_ci(diff, level)


def ci_by_group(
    df: pd.DataFrame, by: str | list[str], value: str, level: float = 0.95
) -> pd.DataFrame:
    """Per group of `by`: mean, lo, hi and n of column `value` (t interval, NaNs dropped).

    Vectorised version of `mean_ci` for time series across replications
    (e.g. by=["scenario", "step"]). Groups with n == 1 get NaN bounds.
    """
    keys = [by] if isinstance(by, str) else list(by)
    g = df.groupby(keys, observed=True)[value].agg(["mean", "std", "count"]).reset_index()
    n = g["count"].to_numpy()
    tq = np.array([t_ppf(0.5 + level / 2.0, k - 1) if k > 1 else math.nan for k in n])
    with np.errstate(invalid="ignore", divide="ignore"):
        half = tq * g["std"].to_numpy() / np.sqrt(n)
    out = g[keys].copy()
    out["mean"] = g["mean"].to_numpy()
    out["lo"] = out["mean"] - half
    out["hi"] = out["mean"] + half
    out["n"] = n
    return out
