"""Figures of kamsim results: one function per figure, each returning a matplotlib Figure.

Owns what each figure shows. Inputs are the tidy tables of docs/TABLES.md (stacked
`*_runs` tables with `scenario` and `rep` for the scenario figures, one run's tables for
`dashboard`); every function takes `lang` ("en" or "zh"). Figures are drawn on the Agg
canvas and never shown; save them with `fig.savefig(path)`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.concentration import ABC_CLASSES, abc_counts, focal_revenues, pareto
from analysis.health import pool_health
from analysis.i18n import label, name
from analysis.intervals import mean_ci
from analysis.kpi import ensure_run_keys, focal_rows, scenario_order
from analysis.plotkit import (
    ABC_COLORS,
    POOL_STAGES,
    STAGE_COLORS,
    band,
    empty_note,
    money_formatter,
    new_figure,
    percent_axis,
    rolling_by,
    scenario_color,
)
from analysis.survival import km_by_group
from analysis.value import clv_by_segment
from sim import metrics

__all__ = [
    "pool_by_stage", "pool_health_over_time", "performance", "survival_by_abc",
    "pareto_abc", "clv_segments", "dashboard",
]

QUARTER = 13
#: the dashboard's grid at fixed places (its labels are known; no layout pass per run)
DASHBOARD_MARGINS = {"left": 0.065, "right": 0.99, "bottom": 0.065, "top": 0.915,
                     "wspace": 0.3, "hspace": 0.27}


def pool_by_stage(pool_runs: pd.DataFrame, runs: pd.DataFrame,
                  scenarios: list[str] | None = None, lang: str = "en") -> Figure:
    """Reservoir or funnel: the focal pool by stage over time, scenarios side by side.

    Top row: mean count per customer stage (stacked) across reps. Bottom row: customers
    won (acquired, up) and lost or exited (down) per quarter, mean per rep, from `runs`.
    Axes: 2 × number of scenarios.
    """
    pool, runs = focal_rows(ensure_run_keys(pool_runs)), focal_rows(ensure_run_keys(runs))
    order = scenario_order(runs, scenarios)
    fig, axes = new_figure(lang, 2, len(order), (4.2 * len(order) + 1, 6.5), sharey="row")
    for j, scen in enumerate(order):
        top, bottom = axes[0, j], axes[1, j]
        p = pool[(pool["scenario"] == scen) & pool["stage"].isin(POOL_STAGES)]
        mean = p.groupby(["step", "stage"], observed=True)["count"].mean().unstack("stage")
        mean = mean.reindex(columns=list(POOL_STAGES)).fillna(0.0)
        if len(mean):
            top.stackplot(mean.index, *[mean[s] for s in POOL_STAGES],
                          colors=[STAGE_COLORS[s] for s in POOL_STAGES],
                          labels=[label(f"stage.{s}", lang) for s in POOL_STAGES])
        else:
            empty_note(top)
        top.set_title(name("scenario", scen, lang))
        r = runs[runs["scenario"] == scen]
        q = r.assign(quarter=r["step"] // QUARTER, gone=r["lost"] + r["exited"])
        per_q = q.groupby(["rep", "quarter"], observed=True)[["acquired", "gone"]].sum()
        flows = per_q.groupby("quarter").mean()
        x = flows.index * QUARTER
        bottom.bar(x, flows["acquired"], width=QUARTER * 0.8, align="edge",
                   color="#2ca02c", label=label("fig.pool.inflow", lang))
        bottom.bar(x, -flows["gone"], width=QUARTER * 0.8, align="edge",
                   color="#d62728", label=label("fig.pool.outflow", lang))
        bottom.axhline(0, color="black", lw=0.6)
        bottom.set_xlabel(label("axis.week", lang))
    axes[0, 0].set_ylabel(label("axis.count", lang))
    axes[1, 0].set_ylabel(label("fig.pool.flows", lang))
    axes[0, -1].legend(loc="upper left", fontsize=8, bbox_to_anchor=(1.0, 1.0))
    axes[1, -1].legend(loc="upper left", fontsize=8, bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(label("fig.pool.title", lang))
    return fig


def pool_health_over_time(runs: pd.DataFrame, scenarios: list[str] | None = None,
                          lang: str = "en", window: int = 52) -> Figure:
    """Pool-health index (won ÷ lost, trailing `window`) over time per scenario, mean and
    95% band across reps, with the refill line at 1. Axes: 1."""
    runs = focal_rows(ensure_run_keys(runs))
    health = pool_health(runs, window=window)
    fig, axes = new_figure(lang, size=(9, 4.8))
    ax = axes[0, 0]
    for i, scen in enumerate(scenario_order(runs, scenarios)):
        band(ax, health[health["scenario"] == scen], "step", "health", scenario_color(i),
             name("scenario", scen, lang))
    ax.axhline(1.0, color="black", ls="--", lw=0.8, label=label("fig.health.refill", lang))
    top = float(np.nanmax(np.r_[health["health"].quantile(0.98), 2.0]))
    ax.set_ylim(0.0, min(top * 1.1, metrics.HEALTH_CAP))
    ax.set_xlabel(label("axis.week", lang))
    ax.set_ylabel(label("fig.health.y", lang))
    ax.set_title(label("fig.health.title", lang))
    ax.legend(fontsize=8)
    return fig


def _focal_economics(runs: pd.DataFrame) -> pd.DataFrame:
    """Focal rows with 13-week share and margin, and cumulative net profit, per run."""
    keys = ["scenario", "rep"]
    f = focal_rows(runs).sort_values([*keys, "step"]).copy()
    f["share_13"] = rolling_by(f, keys, "market_share", QUARTER)
    gp = rolling_by(f, keys, "gross_profit", QUARTER)
    rev = rolling_by(f, keys, "revenue", QUARTER)
    f["margin_13"] = gp / rev.where(rev != 0)
    f["net_cum"] = f.groupby(keys, observed=True)["net_profit"].cumsum()
    return f


def performance(runs: pd.DataFrame, scenarios: list[str] | None = None,
                lang: str = "en") -> Figure:
    """Market share, gross profit per quarter, cumulative net profit and gross margin of
    the focal supplier over time, per scenario with 95% bands across reps. Axes: 4."""
    runs = ensure_run_keys(runs)
    f = _focal_economics(runs)
    quarterly = (f[f["step"] >= 0].assign(quarter=f["step"] // QUARTER)  # weeks, not start
                 .groupby(["scenario", "rep", "quarter"], observed=True)["gross_profit"].sum()
                 .reset_index())
    quarterly["week"] = quarterly["quarter"] * QUARTER
    fig, axes = new_figure(lang, 2, 2, (11, 7.5), sharex=True)
    panels = [
        (axes[0, 0], f, "step", "share_13", "fig.perf.share"),
        (axes[0, 1], quarterly, "week", "gross_profit", "fig.perf.gross"),
        (axes[1, 0], f, "step", "net_cum", "fig.perf.net"),
        (axes[1, 1], f, "step", "margin_13", "fig.perf.margin"),
    ]
    for ax, frame, x, col, key in panels:
        for i, scen in enumerate(scenario_order(runs, scenarios)):
            band(ax, frame[frame["scenario"] == scen], x, col, scenario_color(i),
                 name("scenario", scen, lang))
        ax.set_title(label(key, lang))
    percent_axis(axes[0, 0])
    percent_axis(axes[1, 1], decimals=1)
    axes[0, 1].yaxis.set_major_formatter(money_formatter(lang))
    axes[1, 0].yaxis.set_major_formatter(money_formatter(lang))
    for ax in axes[1]:
        ax.set_xlabel(label("axis.week", lang))
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(label("fig.perf.title", lang))
    return fig


def survival_by_abc(spells_runs: pd.DataFrame, scenarios: list[str] | None = None,
                    lang: str = "en", weeks: int | None = None) -> Figure:
    """Kaplan–Meier survival of the focal supplier's relationships by ABC class A, B, C
    (relationships that never bought enough for a class are left out), one panel per
    scenario (reps pooled, delayed entry for pre-run relationships), drawn over the run's
    `weeks` (the longest spell when not given). Axes: scenarios."""
    spells = ensure_run_keys(spells_runs)
    order = scenario_order(spells, scenarios)
    fig, axes = new_figure(lang, 1, len(order), (4.2 * len(order) + 1, 4.3), sharey=True)
    for j, scen in enumerate(order):
        ax = axes[0, j]
        km = km_by_group(spells[spells["scenario"] == scen], "abc_class")
        for cls in ABC_CLASSES[:3]:
            c = km[km["abc_class"] == cls]
            if len(c):
                ax.step(np.r_[0.0, c["time"]], np.r_[1.0, c["survival"]], where="post",
                        color=ABC_COLORS[cls], label=label(f"abc.{cls}", lang))
        if len(km) == 0:
            empty_note(ax)
        ax.set_ylim(0, 1.02)
        if weeks:
            ax.set_xlim(0, weeks)
        ax.set_title(name("scenario", scen, lang))
        ax.set_xlabel(label("fig.km.x", lang))
        percent_axis(ax)
    axes[0, 0].set_ylabel(label("fig.km.y", lang))
    axes[0, -1].legend(fontsize=8)
    fig.suptitle(label("fig.km.title", lang))
    return fig


def _pareto_panel(ax, revenues: pd.Series, share: float, color: str, legend: str) -> None:
    """Draw one Pareto curve (reps pooled) with the scenario's top-20% share in the legend:
    the mean over reps of `sim.metrics.top_share`, the KPI of the report's table."""
    x, y = pareto(revenues)
    if np.isnan(y).all():
        return
    ax.plot(x, y, color=color, lw=1.6, label=f"{legend} (20% → {share:.0%})")


def pareto_abc(customers_runs: pd.DataFrame, scenarios: list[str] | None = None,
               lang: str = "en") -> Figure:
    """Pareto curve of the focal supplier's 52-week revenue per scenario (reps pooled, last
    quarter end) and mean ABC class counts per run. Axes: 2."""
    cust = ensure_run_keys(customers_runs)
    order = scenario_order(cust, scenarios)
    fig, axes = new_figure(lang, 1, 2, (11, 4.6))
    ax, bx = axes[0, 0], axes[0, 1]
    last = cust.groupby(["scenario", "rep"], observed=True)["step"].transform("max")
    at_end = cust[cust["step"] == last]
    for i, scen in enumerate(order):
        sub = at_end[at_end["scenario"] == scen]
        parts = [focal_revenues(g) for _, g in sub.groupby("rep")]
        revs = pd.concat(parts) if parts else pd.Series(dtype=float)
        shares = np.array([metrics.top_share(p.to_numpy()) for p in parts], dtype=float)
        share = float(shares[~np.isnan(shares)].mean()) if (~np.isnan(shares)).any() \
            else float("nan")
        _pareto_panel(ax, revs, share, scenario_color(i), name("scenario", scen, lang))
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=0.8, label=label("fig.pareto.equal", lang))
    ax.axvline(0.2, color="grey", lw=0.5)
    ax.set_xlabel(label("fig.pareto.x", lang))
    ax.set_ylabel(label("fig.pareto.y", lang))
    ax.set_title(label("fig.pareto.curve", lang))
    percent_axis(ax)
    percent_axis(ax, "x")
    ax.legend(fontsize=8)
    counts = abc_counts(cust, ["scenario", "rep"])
    width = 0.8 / max(len(order), 1)
    for i, scen in enumerate(order):
        ci = [mean_ci(counts.loc[counts["scenario"] == scen, c]) for c in ("A", "B", "C")]
        _bars(bx, np.arange(3) + i * width, ci, width, scenario_color(i),
              name("scenario", scen, lang))
    bx.set_xticks(np.arange(3) + 0.4 - width / 2)
    bx.set_xticklabels([label(f"abc.{c}", lang) for c in ("A", "B", "C")])
    bx.set_ylabel(label("fig.pareto.count", lang))
    bx.set_title(label("fig.pareto.abc", lang))
    bx.legend(fontsize=8)
    fig.suptitle(label("fig.pareto.title", lang))
    return fig


def clv_segments(spells_runs: pd.DataFrame, discount_rates: dict[str, float],
                 scenarios: list[str] | None = None, lang: str = "en") -> Figure:
    """Customer lifetime value by segment, grouped bars per scenario (see
    `value.clv_by_segment`; reps pooled), each scenario at its own `finance.discount_rate`
    (`discount_rates`: scenario -> rate per year). Axes: 1."""
    spells = ensure_run_keys(spells_runs)
    order = scenario_order(spells, scenarios)
    parts = [clv_by_segment(g, discount_rates[str(scen)], by=["scenario", "rep"])
             for scen, g in spells.groupby("scenario", observed=True)]
    table = pd.concat(parts, ignore_index=True) if parts else clv_by_segment(
        spells.iloc[:0], 0.0, by=["scenario", "rep"])
    segments = sorted(table["segment"].unique())
    fig, axes = new_figure(lang, size=(max(7.0, 1.4 * len(segments) + 3), 4.6))
    ax = axes[0, 0]
    width = 0.8 / max(len(order), 1)
    for i, scen in enumerate(order):
        sub = table[table["scenario"] == scen]
        ci = [mean_ci(sub.loc[sub["segment"] == seg, "clv"]) for seg in segments]
        _bars(ax, np.arange(len(segments)) + i * width, ci, width, scenario_color(i),
              name("scenario", scen, lang))
    ax.set_xticks(np.arange(len(segments)) + 0.4 - width / 2)
    ax.set_xticklabels([name("segment", s, lang) for s in segments], rotation=20, ha="right")
    ax.yaxis.set_major_formatter(money_formatter(lang))
    ax.set_ylabel(label("fig.clv.y", lang))
    rates = {discount_rates.get(str(s)) for s in order}
    rate = f" (d = {rates.pop():.0%})" if len(rates) == 1 else ""
    ax.set_title(f"{label('fig.clv.title', lang)}{rate}")
    ax.legend(fontsize=8)
    if not segments:
        empty_note(ax)
    return fig


def _bars(ax, xs: np.ndarray, ci: list[tuple[float, float, float]], width: float, color: str,
          legend: str) -> None:
    """Bars of means with 95 % interval whiskers ((mean, lo, hi) per bar; NaN: no bar or no
    whisker)."""
    m, lo, hi = (np.array(c, dtype=float) for c in zip(*ci, strict=True)) if ci else \
        (np.array([]),) * 3
    err = np.vstack([np.nan_to_num(m - lo), np.nan_to_num(hi - m)])
    ax.bar(xs, np.nan_to_num(m), width, color=color, label=legend, yerr=err, capsize=3,
           error_kw={"elinewidth": 1, "ecolor": "#333"})


def dashboard(suppliers: pd.DataFrame, pool: pd.DataFrame, market: pd.DataFrame | None,
              customers: pd.DataFrame, lang: str = "en", title: str | None = None) -> Figure:
    """One run on one page: prices (CNY/t, left) and material cost indices (right, twin
    axis), market shares (13-week mean) of every supplier, the focal supplier's pool by
    stage, and its Pareto curve; `title` (default: "Single run dashboard") says which run.
    Axes: 5 (2 × 2 grid + the twin cost-index axis)."""
    fig, axes = new_figure(lang, 2, 2, (12, 8), margins=DASHBOARD_MARGINS)
    s = suppliers.sort_values(["supplier", "step"])
    pa = axes[0, 0]
    for i, (sup, g) in enumerate(s.groupby("supplier", sort=False)):
        pa.plot(g["step"], g["price"], color=scenario_color(i), lw=1.2,
                label=name("supplier", sup, lang))
    pa.set_ylabel(label("fig.dash.price", lang))
    ca = pa.twinx()
    if market is not None and len(market):
        for k, (mat, g) in enumerate(market.sort_values("step").groupby("material")):
            ca.plot(g["step"], g["cost_index"], ls="--", lw=1.0, color=f"C{(k + 5) % 10}",
                    label=name("material", mat, lang) + (
                        f"（{label('fig.dash.cost', lang)}）" if lang == "zh"
                        else f" ({label('fig.dash.cost', lang)})"))
    ca.set_ylabel(label("fig.dash.cost", lang))
    h1, l1 = pa.get_legend_handles_labels()
    h2, l2 = ca.get_legend_handles_labels()
    pa.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left")
    pa.set_title(label("fig.dash.prices", lang))
    sa = axes[0, 1]
    s = s.assign(share_13=rolling_by(s, ["supplier"], "market_share", QUARTER))
    for i, (sup, g) in enumerate(s.groupby("supplier", sort=False)):
        sa.plot(g["step"], g["share_13"], color=scenario_color(i), lw=1.4 if g["focal"].any()
                else 1.0, label=name("supplier", sup, lang))
    percent_axis(sa)
    sa.set_title(label("fig.dash.shares", lang))
    sa.legend(fontsize=7)
    qa = axes[1, 0]
    fp = focal_rows(pool)
    wide = (fp[fp["stage"].isin(POOL_STAGES)].pivot_table(index="step", columns="stage",
            values="count", aggfunc="sum").reindex(columns=list(POOL_STAGES)).fillna(0.0))
    if len(wide):
        qa.stackplot(wide.index, *[wide[c] for c in POOL_STAGES],
                     colors=[STAGE_COLORS[c] for c in POOL_STAGES],
                     labels=[label(f"stage.{c}", lang) for c in POOL_STAGES])
        qa.legend(fontsize=7, loc="upper left")
    qa.set_title(label("fig.dash.pool", lang))
    qa.set_ylabel(label("axis.count", lang))
    for ax in (pa, sa, qa):
        ax.set_xlabel(label("axis.week", lang))
    ra = axes[1, 1]
    revs = focal_revenues(customers)
    _pareto_panel(ra, revs, metrics.top_share(revs.to_numpy()), scenario_color(0),
                  label("fig.pareto.curve", lang))
    ra.plot([0, 1], [0, 1], color="grey", ls=":", lw=0.8, label=label("fig.pareto.equal", lang))
    ra.axvline(0.2, color="grey", lw=0.5)
    percent_axis(ra)
    percent_axis(ra, "x")
    ra.set_xlabel(label("fig.pareto.x", lang))
    ra.set_ylabel(label("fig.pareto.y", lang))
    ra.set_title(label("fig.dash.pareto", lang))
    ra.legend(fontsize=8)
    fig.suptitle(title or label("fig.dash.title", lang))
    return fig
