"""Health of the focal supplier's customer pool: reservoir or funnel.

Owns the pool-health series (customers won ÷ customers lost or exited over a trailing
window, per step), the change of the customer base over a run, and the plain-words diagnosis
of the verdict (in English or Chinese). The figures and the verdict rule themselves are
defined in `sim.metrics`.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.i18n import label
from sim.metrics import HEALTH_CAP, Verdict, health_ratio
from sim.metrics import base_change as relative_change

__all__ = ["pool_health", "base_change", "diagnose"]

RUN_KEYS = ("scenario", "rep", "seed", "supplier")


def _run_keys(df: pd.DataFrame, include_supplier: bool = True) -> list[str]:
    """The identifying columns (scenario, rep, seed, supplier) present in `df`."""
    keys = [k for k in RUN_KEYS if k in df.columns]
    return keys if include_supplier else [k for k in keys if k != "supplier"]


def pool_health(
    suppliers: pd.DataFrame, window: int = 52, cap: float = HEALTH_CAP
) -> pd.DataFrame:
    """Pool-health index per step: customers won ÷ customers lost or exited.

    Works on `suppliers.parquet` or the stacked `runs.parquet` (grouped by whichever of
    scenario, rep, seed and supplier are present). Over a trailing window of `window` steps
    (shorter at the start of a run; steps are assumed consecutive):
    `inflow` = Σ acquired, `outflow` = Σ (lost + exited), and
    `health` = `sim.metrics.health_ratio(inflow, outflow, cap)` (0 ÷ 0 = 1, x ÷ 0 = `cap`).
    ≥ 1 means losses are refilled, < 1 that the pool drains; the row of a run's last step is
    the run's pool health (`sim.metrics.pool_health`). Returns the group columns,
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
    out["health"] = health_ratio(out["inflow"].to_numpy(), out["outflow"].to_numpy(), cap)
    return out.reset_index(drop=True)


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
    out["base_change"] = relative_change(out["customers_start"].to_numpy(),
                                         out["customers_end"].to_numpy())
    return out.reset_index(drop=not keys)


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
    verdict: Verdict,
    pool_health_ci: tuple[float, float, float],
    base_change_ci: tuple[float, float, float],
    lang: str = "en",
    level: float = 0.95,
) -> str:
    """One plain-words sentence: the verdict (`sim.metrics.verdict`) with its evidence.

    `pool_health_ci` is the (mean, lo, hi) of the last-year pool health across replications,
    `base_change_ci` that of the relative change of the customer base over the last year;
    the sentence ends with the share of replications whose pool refilled.
    """
    health, health_ci = _fmt_ci(pool_health_ci, ".2f", lang, level)
    base, base_ci = _fmt_ci(base_change_ci, "+.1%", lang, level)
    text = label(f"dx.{verdict.kind}", lang).format(
        health=health, health_ci=health_ci, base=base, base_ci=base_ci
    )
    if verdict.n == 0:
        return text
    text += " " + label("dx.refill", lang).format(
        k=round(verdict.p_refill * verdict.n), n=verdict.n, p=verdict.p_refill)
    if verdict.kind == "inconclusive" and verdict.reps_needed is not None:
        text += " " + label("dx.settle", lang).format(reps=verdict.reps_needed)
    return text
