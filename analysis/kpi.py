"""Headline KPIs of the focal supplier per run, and their comparison across scenarios.

Owns the per-run KPI extraction from the stacked run tables (`runs`, `customers_runs`,
`retention_runs`) and the KPI table: mean and t interval across replications per scenario,
and the paired difference of each scenario from the first (common random numbers). Each
figure is computed by its one definition in `sim.metrics`.
"""

from __future__ import annotations

import pandas as pd

from analysis.concentration import focal_revenues
from analysis.health import base_change
from analysis.intervals import mean_ci, paired_diff_ci
from sim import metrics

__all__ = ["KPIS", "ensure_run_keys", "focal_rows", "run_kpis", "kpi_table", "kpi_summary"]

KPIS = (
    "market_share",
    "gross_margin",
    "net_profit",
    "customers_end",
    "key_accounts_end",
    "pool_health_end",
    "base_change",
    "base_change_last_year",
    "annual_retention",
    "key_account_retention",
    "top20_revenue_share",
)


def ensure_run_keys(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with `scenario` ("run") and `rep` (0) added when missing (a single run's table)."""
    if "scenario" in df.columns and "rep" in df.columns:
        return df
    out = df.copy()
    if "scenario" not in out.columns:
        out["scenario"] = "run"
    if "rep" not in out.columns:
        out["rep"] = 0
    return out


def focal_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the focal supplier (column `focal`); raises if no row is focal."""
    sub = df[df["focal"].astype(bool)]
    if len(sub) == 0 and len(df) > 0:
        raise ValueError("no focal supplier in the table (column 'focal' is never True)")
    return sub


def _last_window(runs: pd.DataFrame, window: int) -> pd.DataFrame:
    """Rows of each run's last `window` steps."""
    last = runs.groupby(["scenario", "rep"], observed=True)["step"].transform("max")
    return runs[runs["step"] > last - window]


def _economics(runs: pd.DataFrame, window: int) -> pd.DataFrame:
    """Market share and gross margin (last `window` steps) and net profit (whole run)."""
    tail = _last_window(runs, window)
    total_t = tail.groupby(["scenario", "rep"], observed=True)["volume_t"].sum()
    ft = focal_rows(tail).groupby(["scenario", "rep"], observed=True)
    f_sum = ft[["volume_t", "gross_profit", "revenue"]].sum()
    out = pd.DataFrame(index=f_sum.index)
    out["market_share"] = f_sum["volume_t"] / total_t.where(total_t > 0)
    out["gross_margin"] = f_sum["gross_profit"] / f_sum["revenue"].where(f_sum["revenue"] != 0)
    fr = focal_rows(runs).sort_values("step").groupby(["scenario", "rep"], observed=True)
    out["net_profit"] = fr["net_profit"].sum()
    out["customers_end"] = fr["customers"].last().astype(float)
    out["key_accounts_end"] = fr["key_accounts"].last().astype(float)
    return out


def run_kpis(
    runs: pd.DataFrame,
    customers_runs: pd.DataFrame | None = None,
    retention_runs: pd.DataFrame | None = None,
    window: int = 52,
) -> pd.DataFrame:
    """One row per (scenario, rep) with the focal supplier's KPIs (columns as in `KPIS`).

    From `runs`: market share (focal tonnes ÷ all tonnes) and gross margin (gross profit ÷
    revenue) over the last `window` steps, net profit summed over the run, customers and key
    accounts at the last step, pool health over the last `window` steps
    (`sim.metrics.pool_health`), relative change of the customer base over the run and over
    the last `window` steps. From `retention_runs` (optional, focal rows or a `focal` column):
    annual and key-account retention (`sim.metrics.retention`). From `customers_runs`
    (optional): revenue share of the top 20 % of customers at the last snapshot
    (`sim.metrics.top_share`). Missing sources give NaN columns.
    """
    runs = ensure_run_keys(runs)
    out = _economics(runs, window)
    focal = focal_rows(runs)
    by_run = focal.sort_values("step").groupby(["scenario", "rep"], observed=True)
    out["pool_health_end"] = pd.Series({
        k: metrics.pool_health(g["acquired"], g["lost"], g["exited"], window)
        for k, g in by_run}, dtype=float)
    out["base_change"] = base_change(focal).set_index(["scenario", "rep"])["base_change"]
    out["base_change_last_year"] = base_change(focal, window=window).set_index(
        ["scenario", "rep"])["base_change"]
    out["annual_retention"] = float("nan")
    out["key_account_retention"] = float("nan")
    if retention_runs is not None and len(retention_runs):
        ret = ensure_run_keys(retention_runs)
        if "focal" in ret.columns:
            ret = ret[ret["focal"].astype(bool)]
        for kpi, (start, kept) in (("annual_retention", ("customers_start", "retained")),
                                   ("key_account_retention", ("key_start", "key_retained"))):
            values = {k: metrics.retention(g[start], g[kept])
                      for k, g in ret.groupby(["scenario", "rep"], observed=True)}
            out[kpi] = pd.Series(values, dtype=float).reindex(out.index)
    out["top20_revenue_share"] = float("nan")
    if customers_runs is not None and len(customers_runs):
        cu = ensure_run_keys(customers_runs)
        top = {
            k: metrics.top_share(focal_revenues(g).to_numpy())
            for k, g in cu.groupby(["scenario", "rep"], observed=True)
        }
        out["top20_revenue_share"] = pd.Series(top, dtype=float).reindex(out.index)
    return out[list(KPIS)].reset_index()


def scenario_order(df: pd.DataFrame, scenarios: list[str] | None = None) -> list[str]:
    """`scenarios` if given (first is the baseline), else the order of first appearance."""
    return list(scenarios) if scenarios else list(pd.unique(df["scenario"]))


def kpi_table(
    runs: pd.DataFrame,
    customers_runs: pd.DataFrame | None = None,
    retention_runs: pd.DataFrame | None = None,
    scenarios: list[str] | None = None,
    level: float = 0.95,
    window: int = 52,
) -> pd.DataFrame:
    """KPI means with t intervals per scenario, and paired differences from the first.

    Long format, one row per (scenario, kpi) in scenario and `KPIS` order: `scenario`,
    `kpi`, `n` (replications with a value), `mean`, `lo`, `hi`, and `diff_mean`, `diff_lo`,
    `diff_hi` = this scenario − the first scenario, paired by rep (NaN for the first).
    """
    return kpi_summary(run_kpis(runs, customers_runs, retention_runs, window), scenarios, level)


def kpi_summary(per_run: pd.DataFrame, scenarios: list[str] | None = None,
                level: float = 0.95) -> pd.DataFrame:
    """The `kpi_table` of per-run KPIs (`run_kpis`)."""
    order = scenario_order(per_run, scenarios)
    base = per_run[per_run["scenario"] == order[0]].set_index("rep")
    rows = []
    for scen in order:
        sub = per_run[per_run["scenario"] == scen].set_index("rep")
        for kpi in KPIS:
            mean, lo, hi = mean_ci(sub[kpi], level)
            if scen == order[0]:
                d = (float("nan"),) * 3
            else:
                d = paired_diff_ci(sub[kpi], base[kpi], level)
            rows.append(
                {
                    "scenario": scen, "kpi": kpi, "n": int(sub[kpi].notna().sum()),
                    "mean": mean, "lo": lo, "hi": hi,
                    "diff_mean": d[0], "diff_lo": d[1], "diff_hi": d[2],
                }
            )
    return pd.DataFrame(rows)
