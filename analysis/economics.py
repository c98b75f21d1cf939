"""Cost and return of a strategy, from the stacked suppliers table (``runs.parquet``).

Reads tables only. Per scenario (the focal supplier, each replication, then a 95 % t interval
over replications): the spend by kind — the kinds the suppliers table records (docs/TABLES.md):

- ``staff``: standing staff (account managers, salespeople) and strategy staff (a key-account
  centre, dedicated teams, a development budget, a data team);
- ``discounts``: revenue given away below list price (price war, introductory and targeted
  discounts, pre-stock agreements);
- ``stock_carrying``: the holding cost of stock;
- ``capacity``: reactive expansion lines and capacity a strategy builds;
- ``service``: interventions and warnings paid per event;

their sum ``spend``, and net profit with its net present value. Per paired difference from a
reference scenario (by replication, common random numbers): the incremental spend by kind,
incremental net profit, return on spend (incremental net profit ÷ incremental spend, where the
strategy spends more), the payback week (from which the cumulative incremental net profit
stays at or above zero) and the NPV of the incremental net profit. NPV is ``sim.metrics.npv``
(week ``t``, 0-based, discounted by ``(1 + r) ** ((t + 1) / 52)``) at the scenario's annual
discount rate (``finance.discount_rate``), which the caller passes; the start row (step −1)
is not a week.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.intervals import mean_ci
from analysis.kpi import ensure_run_keys, focal_rows
from sim.metrics import npv

# cost kind -> columns of the suppliers table that add up to it
COST_KINDS: dict[str, tuple[str, ...]] = {
    "staff": ("staff_cost", "strategy_staff_cost"),
    "discounts": ("discount_cost",),
    "stock_carrying": ("holding_cost",),
    "capacity": ("capacity_cost", "strategy_capacity_cost"),
    "service": ("strategy_service_cost",),
}
KEYS = ["scenario", "rep"]
LEVELS = (*COST_KINDS, "spend", "net_profit", "npv")
DIFFERENCES = (*COST_KINDS, "spend", "net_profit", "return_on_spend", "payback_week", "npv")


def weekly(runs: pd.DataFrame) -> pd.DataFrame:
    """The focal supplier's weeks: scenario, rep, step, each cost kind, spend, net profit."""
    f = focal_rows(ensure_run_keys(runs))
    f = f[f["step"] >= 0].sort_values([*KEYS, "step"])
    out = f[[*KEYS, "step", "net_profit"]].reset_index(drop=True)
    for kind, cols in COST_KINDS.items():
        out[kind] = f[list(cols)].sum(axis=1).to_numpy()
    out["spend"] = out[list(COST_KINDS)].sum(axis=1)
    return out


def payback_week(increments: np.ndarray) -> float:
    """First week from which the cumulative increment stays >= 0 (0 if it never dips below);
    NaN when it ends below zero."""
    cum = np.cumsum(np.asarray(increments, dtype=float))
    if cum.size == 0 or cum[-1] < 0:
        return math.nan
    below = np.flatnonzero(cum < 0)
    return float(below[-1] + 1) if below.size else 0.0


def per_run(runs: pd.DataFrame, rates: Mapping[str, float]) -> pd.DataFrame:
    """One row per (scenario, rep): each cost kind, spend and net profit summed over the run,
    and the NPV of net profit at the scenario's rate."""
    w = weekly(runs)
    sums = w.groupby(KEYS, observed=True)[[*COST_KINDS, "spend", "net_profit"]].sum()
    sums["npv"] = [npv(g["net_profit"].to_numpy(), _rate(rates, k[0]))
                   for k, g in w.groupby(KEYS, observed=True)]
    return sums


def differences(runs: pd.DataFrame, reference: str,
                rates: Mapping[str, float]) -> pd.DataFrame:
    """One row per (scenario, rep) of every other scenario: its figures minus the
    reference's of the same replication (``DIFFERENCES``; module docstring)."""
    w = weekly(runs).set_index([*KEYS, "step"])
    if reference not in w.index.get_level_values("scenario"):
        raise ValueError(f"reference scenario '{reference}' is not in the table")
    ref = w.xs(reference, level="scenario")
    rows = []
    for (scen, rep), g in w.groupby(level=KEYS, observed=True):
        if scen == reference or rep not in ref.index.get_level_values("rep"):
            continue
        d = g.droplevel(KEYS) - ref.xs(rep, level="rep")
        d = d.dropna()
        row = {"scenario": scen, "rep": rep, **d[[*COST_KINDS, "spend", "net_profit"]].sum()}
        row["return_on_spend"] = (row["net_profit"] / row["spend"] if row["spend"] > 0
                                  else math.nan)
        row["payback_week"] = payback_week(d["net_profit"].to_numpy())
        row["npv"] = npv(d["net_profit"].to_numpy(), _rate(rates, scen))
        rows.append(row)
    return pd.DataFrame(rows, columns=[*KEYS, *DIFFERENCES]).set_index(KEYS)


def economics_table(runs: pd.DataFrame, rates: Mapping[str, float],
                    reference: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Tidy table: scenario, versus ("" for a scenario's own figures, else the reference),
    figure, mean, lo, hi, n (replications with a value; for ``payback_week`` those that paid
    back within the run)."""
    out = []
    for scen, g in per_run(runs, rates).groupby(level="scenario", observed=True):
        out += [_row(scen, "", fig, g[fig], level) for fig in LEVELS]
    if reference is not None:
        for scen, g in differences(runs, reference, rates).groupby(level="scenario"):
            out += [_row(scen, reference, fig, g[fig], level) for fig in DIFFERENCES]
    return pd.DataFrame(out, columns=["scenario", "versus", "figure", "mean", "lo", "hi", "n"])


def _row(scen: str, versus: str, figure: str, values: pd.Series, level: float) -> dict:
    m, lo, hi = mean_ci(values, level)
    return {"scenario": scen, "versus": versus, "figure": figure, "mean": m, "lo": lo,
            "hi": hi, "n": int(values.notna().sum())}


def _rate(rates: Mapping[str, float], scenario: str) -> float:
    if scenario not in rates:
        raise ValueError(f"no discount rate given for scenario '{scenario}'")
    return float(rates[scenario])
