"""Health of the focal supplier's customer pool: reservoir or funnel.

Owns the pool-health index (customers won ÷ customers lost or exited over a trailing
window), the change of the customer base over a run, and the plain-words diagnosis that
combines the two (in English or Chinese).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.i18n import label

__all__ = ["DEFAULT_CAP", "pool_health", "base_change", "verdict", "diagnose"]

DEFAULT_CAP = 10.0
RUN_KEYS = ("scenario", "rep", "seed", "supplier")


def _run_keys(df: pd.DataFrame, include_supplier: bool = True) -> list[str]:
    """The identifying columns (scenario, rep, seed, supplier) present in `df`."""
    keys = [k for k in RUN_KEYS if k in df.columns]
    return keys if include_supplier else [k for k in keys if k != "supplier"]


def pool_health(
    suppliers: pd.DataFrame, window: int = 52, cap: float = DEFAULT_CAP
) -> pd.DataFrame:
    """Pool-health index per step: customers won ÷ customers lost or exited.

    Works on `suppliers.parquet` or the stacked `runs.parquet` (grouped by whichever of
    scenario, rep, seed and supplier are present). Over a trailing window of `window` steps
    (shorter at the start of a run; steps are assumed consecutive):
    `inflow` = Σ acquired, `outflow` = Σ (lost + exited), and
    - `health` = inflow ÷ outflow when outflow > 0, clipped at `cap`;
    - 0 ÷ 0 (nothing won, nothing lost) = 1.0: the pool neither refills nor drains;
    - x ÷ 0 with x > 0 (won without losing) = `cap`.
    ≥ 1 means losses are refilled, < 1 that the pool drains. Returns the group columns,
    `focal` (if present), `step`, `inflow`, `outflow`, `health`.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    keys = _run_keys(suppliers)
    extra = ["focal"] if "focal" in suppliers.columns else []
    df = suppliers[[*keys, *extra, "step", "acquired", "lost", "exited"]].sort_values(
        [*keys, "step"]
    )
    won = df["acquired"].astype(float)
    gone = (df["lost"] + df["exited"]).astype(float)
    flows = pd.DataFrame({"won": won, "gone": gone}, index=df.index)
    if keys:
        cum = flows.groupby([df[k] for k in keys], observed=True).cumsum()
        lag = cum.groupby([df[k] for k in keys], observed=True).shift(window, fill_value=0.0)
    else:
        cum = flows.cumsum()
        lag = cum.shift(window, fill_value=0.0)
    roll = cum - lag
    out = df[[*keys, *extra, "step"]].copy()
    out["inflow"] = roll["won"].to_numpy()
    out["outflow"] = roll["gone"].to_numpy()
    out["health"] = _ratio(out["inflow"].to_numpy(), out["outflow"].to_numpy(), cap)
    return out.reset_index(drop=True)


def _ratio(inflow: np.ndarray, outflow: np.ndarray, cap: float) -> np.ndarray:
    """inflow ÷ outflow with 0/0 = 1, x/0 = cap, and the result clipped at cap."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(outflow > 0, inflow / np.where(outflow > 0, outflow, 1.0), np.nan)
    r = np.where((outflow <= 0) & (inflow <= 0), 1.0, r)
    r = np.where((outflow <= 0) & (inflow > 0), cap, r)
    return np.minimum(r, cap)


def base_change(suppliers: pd.DataFrame, window: int | None = None) -> pd.DataFrame:
    """Relative change of each run's customer count from its first (or, with `window`, its
    last step − `window`) to its last step.

    (customers at last step − customers at start) ÷ customers at start, per
    scenario/rep/seed/supplier present; NaN when the start count is 0. With `window`, the
    start is the row `window` steps before the last (the first row if the run is shorter).
    Returns the group columns, `focal` (if present), `customers_start`, `customers_end`,
    `base_change`.
    """
    keys = _run_keys(suppliers)
    df = suppliers.sort_values([*keys, "step"])
    if window is not None:
        end = df.groupby(keys, observed=True)["step"].transform("max") if keys else \
            df["step"].max()
        df = df[df["step"] >= end - window]
    g = df.groupby(keys, observed=True) if keys else None
    first = g.first() if g is not None else df.iloc[[0]]
    last = g.last() if g is not None else df.iloc[[-1]]
    out = pd.DataFrame(
        {
            "customers_start": first["customers"].to_numpy(dtype=float),
            "customers_end": last["customers"].to_numpy(dtype=float),
        },
        index=first.index,
    )
    if "focal" in df.columns:
        out.insert(0, "focal", first["focal"].to_numpy())
    start = out["customers_start"].where(out["customers_start"] > 0)
    out["base_change"] = (out["customers_end"] - out["customers_start"]) / start
    return out.reset_index(drop=not keys)


def _direction(ci: tuple[float, float, float], neutral: float) -> str | None:
    """'up', 'down' or 'flat' of an interval against `neutral`; None if the mean is NaN."""
    mean, lo, hi = ci
    if mean is None or math.isnan(mean):
        return None
    lo = mean if lo is None or math.isnan(lo) else lo
    hi = mean if hi is None or math.isnan(hi) else hi
    if lo > neutral:
        return "up"
    if hi < neutral:
        return "down"
    return "flat"


def verdict(
    pool_health_ci: tuple[float, float, float],
    base_change_ci: tuple[float, float, float],
    tolerance: float = 0.05,
) -> str:
    """'reservoir', 'funnel' or 'inconclusive' from two (mean, lo, hi) intervals.

    Health is compared with 1 and base change with 0 (NaN bounds, e.g. from a single run,
    fall back to the mean). Any significant decline with no significant rise → funnel; any
    significant rise with no decline → reservoir; neither, with the base change interval
    inside ±`tolerance` → reservoir (demonstrably stable); otherwise inconclusive.
    """
    h = _direction(pool_health_ci, 1.0)
    b = _direction(base_change_ci, 0.0)
    if h is None or b is None:
        return "inconclusive"
    dirs = {h, b}
    if "down" in dirs and "up" not in dirs:
        return "funnel"
    if "up" in dirs and "down" not in dirs:
        return "reservoir"
    if dirs == {"flat"}:
        _, lo, hi = base_change_ci
        if not (math.isnan(lo) or math.isnan(hi)) and -tolerance <= lo and hi <= tolerance:
            return "reservoir"
    return "inconclusive"


def _fmt_ci(
    ci: tuple[float, float, float], fmt: str, lang: str, level: float
) -> tuple[str, str]:
    """(formatted mean, formatted interval or 'no interval') for the diagnosis sentence."""
    mean, lo, hi = ci
    m = "?" if mean is None or math.isnan(mean) else format(mean, fmt)
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return m, label("dx.noci", lang)
    text = label("dx.ci", lang).format(level=100 * level, lo=format(lo, fmt), hi=format(hi, fmt))
    return m, text


def diagnose(
    pool_health_final_ci: tuple[float, float, float],
    base_change_ci: tuple[float, float, float],
    lang: str = "en",
    level: float = 0.95,
) -> str:
    """One plain-words sentence: reservoir, funnel or inconclusive, with the evidence.

    `pool_health_final_ci` is the (mean, lo, hi) of the pool-health index at the end of the
    run across replications; `base_change_ci` that of the relative change of the customer
    base over the run. See `verdict` for the rule.
    """
    kind = verdict(pool_health_final_ci, base_change_ci)
    health, health_ci = _fmt_ci(pool_health_final_ci, ".2f", lang, level)
    base, base_ci = _fmt_ci(base_change_ci, "+.1%", lang, level)
    return label(f"dx.{kind}", lang).format(
        health=health, health_ci=health_ci, base=base, base_ci=base_ci
    )
