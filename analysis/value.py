"""Customer lifetime value (CLV) of the focal supplier's customers, by segment.

Owns the estimate of CLV per customer segment from the `spells` table: margin per
customer-year and constant-hazard retention, both measured in the run, valued by
`sim.metrics.clv` at the scenario's `finance.discount_rate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.survival import WEEKS_PER_YEAR, exposure_weeks
from sim.metrics import clv, hazard_retention

__all__ = ["clv", "clv_by_segment"]


def clv_by_segment(
    spells: pd.DataFrame,
    discount_rate: float,
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
    g["retention"] = hazard_retention(g["events"].to_numpy(), g["exposure_years"].to_numpy())
    g["clv"] = clv(g["margin_per_year"], g["retention"].fillna(0.0), discount_rate)
    g.loc[years.isna(), "clv"] = np.nan
    return g.reset_index()[cols]
