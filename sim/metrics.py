"""The one definition of each headline figure of kamsim.

Pure functions of arrays: no model import, so ``analysis/`` (which never runs the model), the
run summary, ``compare``, the report, the app, sweep outcomes and the validation suite all call
these and read the same number. docs/ODD.md (section 7) states each definition in words and
points here.

Figures owned here:

- **pool health** (:func:`health_ratio`, :func:`pool_health`): customers won ÷ customers lost
  or exited over the run's last year, always a finite number in [0, ``HEALTH_CAP``];
- **the verdict** (:func:`verdict`, :data:`VERDICT_RULE`): reservoir, funnel or inconclusive
  from the 95 % interval of mean pool health over replications, with the share of
  replications whose pool refills and, while inconclusive, the replications that would settle
  it;
- **top-20 % revenue share** (:func:`top_share`);
- **annual retention** and **key-account retention** (:func:`retention`), one definition for
  both (the cohort kept from one year boundary to the next), and the **hazard retention** of
  the CLV (:func:`hazard_retention`), a figure of another name;
- **customer lifetime value** (:func:`clv`) and the **net present value** of a weekly cash flow
  (:func:`npv`), both with the scenario's ``finance.discount_rate``;
- **base change** (:func:`base_change`), the relative change of the customer count.

Undefined figures (no customers, no revenue, nothing recorded) are NaN here; writers of JSON
turn NaN into ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["WEEKS_PER_YEAR", "HEALTH_WINDOW", "HEALTH_CAP", "REFILL_LEVEL",
           "CONFIDENCE", "VERDICT_RULE", "VERDICT_RULE_ZH", "verdict_rule", "TOP_SHARE", "Verdict",
           "health_ratio", "pool_health", "refills", "verdict", "top_share", "retention",
           "hazard_retention", "clv", "npv", "base_change"]

WEEKS_PER_YEAR = 52
HEALTH_WINDOW = WEEKS_PER_YEAR
"""Pool health reads the run's last year (the launch transient of docs/ODD.md section 5)."""
HEALTH_CAP = 10.0
"""Upper bound of pool health: won without losing reads as this, never as infinity."""
REFILL_LEVEL = 1.0
"""A pool refills when pool health >= this: every customer lost or exited is replaced."""
CONFIDENCE = 0.95
"""Level of the interval of mean pool health the verdict reads."""
MAX_REPS_TO_SETTLE = 10_000
"""An inconclusive verdict that more replications than this would settle is left unsettled."""
TOP_SHARE = 0.2

VERDICT_RULE = (
    "Pool health is customers won per customer lost or leaving the market, over the run's last "
    "year. A strategy leaves a reservoir when the 95 % confidence interval of its mean pool "
    "health over the replications lies at or above 1 (losses are refilled), a funnel when the "
    "interval lies below 1 (customers drain away faster than they are replaced), and the "
    "verdict is inconclusive while the interval contains 1; the replications that would settle "
    "it are estimated from the observed spread. A single run is called by its own pool health.")
"""The verdict rule in words (English), for the report, the app and the docs to print."""
VERDICT_RULE_ZH = (
    "客户池健康度＝运行最后一年中每流失或退出市场1个客户所新增的客户数。若各次重复运行的平均健康度"
    "的95%置信区间不低于1（流失得到补充），判定为蓄水池；若区间整体低于1（客户流失快于补充），"
    "判定为漏斗；区间包含1时无法判断，并根据观测到的离散程度估计需要多少次重复运行才能判定。"
    "单次运行按其自身的健康度判定。")
"""The same rule in Chinese."""


def verdict_rule(lang: str = "en") -> str:
    """The verdict rule in words, in English (``en``) or Chinese (``zh``)."""
    return VERDICT_RULE_ZH if lang == "zh" else VERDICT_RULE


def health_ratio(inflow: float | np.ndarray, outflow: float | np.ndarray,
                 cap: float = HEALTH_CAP) -> float | np.ndarray:
    """Pool health from customers won (``inflow``) and lost or exited (``outflow``).

    ``inflow ÷ outflow`` clipped at ``cap``, with the two cases without losses defined:
    nothing won and nothing lost (0 ÷ 0) is 1.0, a pool that neither refills nor drains; won
    without losing (x ÷ 0, x > 0) is ``cap``. Always finite. Element-wise on arrays.
    """
    i = np.asarray(inflow, dtype=float)
    o = np.asarray(outflow, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(o > 0, i / np.where(o > 0, o, 1.0), np.where(i > 0, cap, 1.0))
    r = np.minimum(r, cap)
    return float(r) if r.ndim == 0 else r


def pool_health(acquired: Sequence[float] | np.ndarray, lost: Sequence[float] | np.ndarray,
                exited: Sequence[float] | np.ndarray, window: int = HEALTH_WINDOW) -> float:
    """Pool health of one supplier over the last ``window`` weeks of its weekly flows.

    ``acquired``, ``lost`` and ``exited`` are the supplier's weekly counts in step order
    (columns of ``suppliers.parquet``); a run shorter than ``window`` reads all its weeks.
    NaN when no week was recorded.
    """
    a = np.asarray(acquired, dtype=float)
    if a.size == 0:
        return math.nan
    span = slice(max(0, a.size - window), a.size)
    out = np.asarray(lost, dtype=float)[span].sum() + np.asarray(exited, dtype=float)[span].sum()
    return float(health_ratio(a[span].sum(), out))


def refills(health: float | np.ndarray) -> bool | np.ndarray:
    """Whether a pool with this pool health refills (health >= ``REFILL_LEVEL``)."""
    return np.asarray(health, dtype=float) >= REFILL_LEVEL


@dataclass(frozen=True)
class Verdict:
    """The verdict on a strategy's pool and the evidence for it."""

    kind: Literal["reservoir", "funnel", "inconclusive"]
    p_refill: float
    """Share of replications whose pool refills, health >= 1 (NaN without any)."""
    n: int
    """Replications with a pool-health value."""
    mean: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    """Mean pool health and its 95 % interval (NaN bounds with fewer than two values)."""
    reps_needed: int | None = None
    """While inconclusive: the fewest replications at which the interval, with the observed
    mean and spread, would exclude 1 (None when the mean is exactly 1)."""


def verdict(health_per_rep: Iterable[float]) -> Verdict:
    """Reservoir, funnel or inconclusive from each replication's pool health (see
    :data:`VERDICT_RULE`). NaN values are ignored; without any value: inconclusive.

    One replication (a single run, the app, one sweep run) is called by its own pool health:
    reservoir when its pool refills, funnel when it does not.
    """
    h = np.asarray(list(health_per_rep), dtype=float)
    h = h[~np.isnan(h)]
    if h.size == 0:
        return Verdict("inconclusive", math.nan, 0)
    p = float(np.mean(refills(h)))
    mean = float(h.mean())
    if h.size == 1:
        return Verdict("reservoir" if p == 1.0 else "funnel", p, 1, mean)
    from scipy.stats import t as student_t  # here: a single run does not need scipy.stats

    sd = float(h.std(ddof=1))
    q = float(student_t.ppf(0.5 + CONFIDENCE / 2, h.size - 1))
    half = q * sd / math.sqrt(h.size)
    lo, hi = mean - half, mean + half
    if lo >= REFILL_LEVEL:
        return Verdict("reservoir", p, int(h.size), mean, lo, hi)
    if hi < REFILL_LEVEL:
        return Verdict("funnel", p, int(h.size), mean, lo, hi)
    return Verdict("inconclusive", p, int(h.size), mean, lo, hi,
                   _reps_to_settle(abs(mean - REFILL_LEVEL), sd, int(h.size)))


def _reps_to_settle(gap: float, sd: float, n: int) -> int | None:
    """The fewest replications (more than ``n``) whose interval of half-width
    t x sd / sqrt(reps) is narrower than ``gap``; None when it would take more than
    ``MAX_REPS_TO_SETTLE`` (the mean is, for any practical purpose, 1)."""
    from scipy.stats import t as student_t

    if sd <= 0 or gap <= 1.96 * sd / math.sqrt(MAX_REPS_TO_SETTLE):
        return None
    reps = max(n + 1, math.ceil((1.96 * sd / gap) ** 2))
    while student_t.ppf(0.5 + CONFIDENCE / 2, reps - 1) * sd / math.sqrt(reps) >= gap:
        reps += 1
    return reps


def top_share(revenues: Iterable[float] | np.ndarray, top: float = TOP_SHARE) -> float:
    """Share of total revenue brought by the top ``top`` fraction of a supplier's customers.

    ``revenues``: the 52-week revenue of each of the supplier's customers (relationships in a
    buying stage: potential, general, key, sunset), zeros included. The fraction applies to the
    number of customers; a fractional customer counts pro rata (linear interpolation of the
    Pareto curve), so the result does not depend on the order of ties. NaN values are dropped;
    NaN when there are no customers or no revenue. Raises ValueError for negative revenue or
    ``top`` outside [0, 1].
    """
    if not 0.0 <= top <= 1.0:
        raise ValueError(f"top must be in [0, 1], got {top}")
    x = np.asarray(revenues if isinstance(revenues, np.ndarray) else list(revenues), float)
    x = x[~np.isnan(x)]
    if (x < 0).any():
        raise ValueError("revenues must be non-negative")
    total = float(x.sum())
    if x.size == 0 or total <= 0.0:
        return math.nan
    cum = np.concatenate([[0.0], np.cumsum(np.sort(x)[::-1]) / total])
    return float(np.interp(top * x.size, np.arange(x.size + 1), cum))


# key-account value retained (retention table): kpi -> (kept column, start column), each
# Σ kept ÷ Σ start by :func:`retention`: revenue and share of wallet of the accounts key at a
# year's start, over the year, against the year before
KEY_VALUE_KPIS = {"key_revenue_retained": ("key_revenue_end", "key_revenue_start"),
                  "key_wallet_retained": ("key_wallet_end", "key_wallet_start")}


def retention(start: Iterable[float] | np.ndarray, kept: Iterable[float] | np.ndarray) -> float:
    """Annual retention: Σ kept ÷ Σ at start over the run's full years (NaN without a cohort).

    For each full year of a run, ``start`` counts the customers buying from the supplier at the
    year's first boundary and ``kept`` those of them still buying at the next (a customer won
    back within the year counts as kept): the ``retention`` table's ``customers_start`` and
    ``retained``. The same function of ``key_start`` and ``key_retained`` is the key-account
    retention.
    """
    s = float(np.sum(np.asarray(start, dtype=float)))
    return float(np.sum(np.asarray(kept, dtype=float)) / s) if s > 0 else math.nan


def hazard_retention(events: float | np.ndarray,
                     exposure_years: float | np.ndarray) -> float | np.ndarray:
    """Share of relationships kept over a year at a constant hazard: exp(−events ÷ exposure
    years), events being losses to competitors and exits from the market. NaN without
    exposure. A different figure from :func:`retention` (the CLV's retention, stabler for small
    groups)."""
    e = np.asarray(events, dtype=float)
    y = np.asarray(exposure_years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(y > 0, np.exp(-e / np.where(y > 0, y, 1.0)), np.nan)
    return float(r) if r.ndim == 0 else r


def clv(margin_per_year: float | np.ndarray, retention_rate: float | np.ndarray,
        discount_rate: float) -> float | np.ndarray:
    """Lifetime value m × r ÷ (1 + d − r) of a customer kept each year with probability r.

    The margin m is earned at the end of every year the customer stays; d is the scenario's
    ``finance.discount_rate`` (per year). Element-wise; r = 1 with d = 0 gives infinity
    (m > 0). Raises ValueError for r outside [0, 1] or d < 0.
    """
    r = np.asarray(retention_rate, dtype=float)
    if np.any((r < 0) | (r > 1)):
        raise ValueError("retention must be in [0, 1]")
    if not discount_rate >= 0:
        raise ValueError("discount_rate must be >= 0")
    m = np.asarray(margin_per_year, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = m * r / (1.0 + discount_rate - r)
    return float(value) if np.ndim(value) == 0 else value


def npv(cash_per_week: Sequence[float] | np.ndarray, discount_rate: float) -> float:
    """Net present value at step 0 of a weekly cash flow, discounted at ``discount_rate`` per
    year: Σ_t c_t ÷ (1 + d)^((t + 1) / 52), week t's cash counted at its end."""
    c = np.asarray(cash_per_week, dtype=float)
    if not discount_rate >= 0:
        raise ValueError("discount_rate must be >= 0")
    t = np.arange(1, c.size + 1) / WEEKS_PER_YEAR
    return float(np.sum(c / (1.0 + discount_rate) ** t))


def base_change(start: float | np.ndarray, end: float | np.ndarray) -> float | np.ndarray:
    """Relative change (end − start) ÷ start of a customer count; NaN when start is 0."""
    s = np.asarray(start, dtype=float)
    e = np.asarray(end, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(s > 0, (e - s) / np.where(s > 0, s, 1.0), np.nan)
    return float(r) if r.ndim == 0 else r
