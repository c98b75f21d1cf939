"""Customer lifetime value (CLV) of the focal supplier's customers, by segment.

Owns the constant-retention CLV formula and its estimate per customer segment from the
`spells` table: margin per customer-year and annual retention, both measured in the run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.survival import WEEKS_PER_YEAR, exposure_weeks

__all__ = ["DEFAULT_DISCOUNT_RATE", "clv", "clv_by_segment"]

DEFAULT_DISCOUNT_RATE = 0.08


def clv(
    margin_per_year: float | np.ndarray | pd.Series,
    retention: float | np.ndarray | pd.Series,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
) -> float | np.ndarray | pd.Series:
    """Lifetime value m × r / (1 + d − r) of a customer kept each year with probability r.

    The margin m is earned at the end of every year the customer stays; d is the annual
    discount rate. Works element-wise on arrays and Series. With r = 1 and d = 0 the value
    is infinite (m > 0). Raises ValueError for retention outside [0, 1] or d < 0.
    """
    r = np.asarray(retention, dtype=float)
    if np.any((r < 0) | (r > 1)):
        raise ValueError("retention must be in [0, 1]")
    if discount_rate < 0:
        raise ValueError("discount_rate must be >= 0")
    m = margin_per_year if isinstance(margin_per_year, pd.Series) else np.asarray(
        margin_per_year, dtype=float)
    rr = retention if isinstance(retention, pd.Series) else r
    with np.errstate(divide="ignore", invalid="ignore"):
        value = m * rr / (1.0 + discount_rate - rr)
    return float(value) if np.ndim(value) == 0 else value


def clv_by_segment(
    spells: pd.DataFrame,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    segment: str = "segment",
    by: list[str] | None = None,
) -> pd.DataFrame:
    """CLV per customer segment, estimated from the focal supplier's spells.

    For each segment (and each group of `by`, e.g. ["scenario"]; replications are pooled):
    - `exposure_years`: customer-years observed in the run (see `survival.exposure_weeks`);
    - `margin_per_year`: gross margin earned in the run ÷ exposure years, i.e. the annual
      gross margin of one customer of the segment;
    - `retention`: exp(−events ÷ exposure years), the annual retention at constant hazard
      (as `survival.hazard_retention`; stabler than the cohort definition for small groups);
    - `clv`: `clv(margin_per_year, retention, discount_rate)`.
    Also `customers` (distinct ids) and `events`. Segments without exposure get NaN.
    """
    keys = [*(by or []), segment]
    cols = [*keys, "customers", "events", "exposure_years", "margin_per_year", "retention", "clv"]
    if len(spells) == 0:
        return pd.DataFrame(columns=cols)
    work = spells.assign(
        _years=exposure_weeks(spells) / WEEKS_PER_YEAR,
        _event=spells["event"].astype(bool).astype(int),
    )
    g = work.groupby(keys, observed=True).agg(
        customers=("customer", "nunique"),
        events=("_event", "sum"),
        exposure_years=("_years", "sum"),
        margin=("gross_margin", "sum"),
    )
    years = g["exposure_years"].where(g["exposure_years"] > 0)
    g["margin_per_year"] = g["margin"] / years
    g["retention"] = np.exp(-g["events"] / years)
    g["clv"] = clv(g["margin_per_year"], g["retention"].fillna(0.0), discount_rate)
    g.loc[years.isna(), "clv"] = np.nan
    return g.reset_index()[cols]
