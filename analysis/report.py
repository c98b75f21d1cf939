"""The scenario report: figures as PNG, a self-contained report.html, and the summary.

Owns `write_report`, which ties the statistics, figures and HTML together for the stacked
run tables of `kamsim compare` (files are written by `sim.io`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from analysis import plots
from analysis.health import diagnose
from analysis.html import render_html
from analysis.i18n import label
from analysis.kpi import KPIS, ensure_run_keys, kpi_summary, run_kpis, scenario_order
from sim import metrics
from sim.io import nan_to_none, write_bytes, write_text

__all__ = ["write_report"]

DPI = 110


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _one_run(df: pd.DataFrame | None, scenario: str) -> pd.DataFrame | None:
    """Rows of the lowest rep of `scenario` from a stacked table (None stays None)."""
    if df is None:
        return None
    df = ensure_run_keys(df)
    sub = df[df["scenario"] == scenario]
    return sub[sub["rep"] == sub["rep"].min()] if len(sub) else sub


def _figure_builders(runs, pool_runs, spells_runs, customers_runs, market_runs, order, lang,
                     discount_rates) -> dict[str, tuple[str, Callable[[], Figure]]]:
    """File name → (caption key, builder) for every figure the given tables allow."""
    b: dict[str, tuple[str, Callable[[], Figure]]] = {}
    if pool_runs is not None:
        b["pool_by_stage.png"] = ("fig.pool.title",
                                  lambda: plots.pool_by_stage(pool_runs, runs, order, lang))
    b["pool_health.png"] = ("fig.health.title",
                            lambda: plots.pool_health_over_time(runs, order, lang))
    b["performance.png"] = ("fig.perf.title", lambda: plots.performance(runs, order, lang))
    if spells_runs is not None and len(spells_runs):
        b["survival_abc.png"] = ("fig.km.title",
                                 lambda: plots.survival_by_abc(spells_runs, order, lang))
    if spells_runs is not None and len(spells_runs) and discount_rates is not None:
        b["clv_segments.png"] = ("fig.clv.title", lambda: plots.clv_segments(
            spells_runs, discount_rates, order, lang))
    if customers_runs is not None and len(customers_runs):
        b["pareto_abc.png"] = ("fig.pareto.title",
                               lambda: plots.pareto_abc(customers_runs, order, lang))
        if pool_runs is not None:
            b["dashboard.png"] = ("fig.dash.title", lambda: plots.dashboard(
                _one_run(runs, order[0]), _one_run(pool_runs, order[0]),
                _one_run(market_runs, order[0]), _one_run(customers_runs, order[0]), lang))
    return b


def _scenario_summary(kpis: pd.DataFrame, per_run: pd.DataFrame, scen: str, lang: str) -> dict:
    """Summary entry of one scenario: KPIs with intervals, pool health, verdict (the rule of
    `sim.metrics.verdict` on each replication's pool health), diagnosis."""
    sub = kpis[kpis["scenario"] == scen].set_index("kpi")
    kpi_dict = {
        k: {c: float(sub.loc[k, c]) for c in ("mean", "lo", "hi", "diff_mean", "diff_lo",
                                               "diff_hi")} | {"n": int(sub.loc[k, "n"])}
        for k in KPIS
    }
    health = tuple(float(sub.loc["pool_health_end", c]) for c in ("mean", "lo", "hi"))
    base = tuple(float(sub.loc["base_change_last_year", c]) for c in ("mean", "lo", "hi"))
    v = metrics.verdict(per_run.loc[per_run["scenario"] == scen, "pool_health_end"])
    return {
        "reps": int(sub["n"].max()),
        "kpis": kpi_dict,
        "pool_health": dict(zip(("mean", "lo", "hi"), health, strict=True)),
        "verdict": v.kind,
        "p_refill": v.p_refill,
        "diagnosis": diagnose(v, health, base, lang),
    }


def write_report(
    out_dir: str | Path,
    runs: pd.DataFrame,
    pool_runs: pd.DataFrame | None,
    spells_runs: pd.DataFrame | None,
    customers_runs: pd.DataFrame | None,
    market_runs: pd.DataFrame | None,
    scenarios: list[str] | None = None,
    lang: str = "en",
    meta: dict | None = None,
    retention_runs: pd.DataFrame | None = None,
    discount_rates: dict[str, float] | None = None,
) -> dict:
    """Write every figure as PNG and a self-contained report.html into `out_dir`.

    Tables are the stacked `*_runs` tables of docs/TABLES.md (`market_runs` stacks each
    run's market table the same way; any table but `runs` may be None and its figures are
    skipped). `discount_rates` maps each scenario to its `finance.discount_rate` (CLV figure;
    without it the CLV figure is skipped). `scenarios` orders the scenarios, the first being
    the baseline of the paired differences. Returns the summary (JSON-ready: NaN → None)
    that the caller writes as summary.json: {lang, baseline, scenarios (order), meta,
    figures, by_scenario: {name: {reps, kpis: {kpi: {mean, lo, hi, n, diff_mean, diff_lo,
    diff_hi}}, pool_health: {mean, lo, hi}, verdict, p_refill, diagnosis}}, verdict_rule}.
    Raises i18n.FontMissing for lang "zh" without a CJK font.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs = ensure_run_keys(runs)
    order = scenario_order(runs, scenarios)
    per_run = run_kpis(runs, customers_runs, retention_runs)
    kpis = kpi_summary(per_run, order)
    by_scen = {s: _scenario_summary(kpis, per_run, s, lang) for s in order}
    figures: dict[str, tuple[str, bytes]] = {}
    builders = _figure_builders(runs, pool_runs, spells_runs, customers_runs, market_runs,
                                order, lang, discount_rates)
    for name, (caption_key, build) in builders.items():
        png = _png(build())
        write_bytes(out / name, png)
        figures[name] = (label(caption_key, lang), png)
    shown_meta = {**(meta or {}),
                  label("report.reps", lang): {s: by_scen[s]["reps"] for s in order},
                  label("report.rule", lang): metrics.verdict_rule(lang)}
    diagnoses = {s: (by_scen[s]["verdict"], by_scen[s]["diagnosis"]) for s in order}
    write_text(out / "report.html",
               render_html(kpis, order, diagnoses, figures, shown_meta, lang))
    summary = {"lang": lang, "baseline": order[0], "scenarios": order, "meta": meta or {},
               "figures": list(figures), "by_scenario": by_scen,
               "verdict_rule": metrics.verdict_rule(lang)}
    return nan_to_none(summary)  # NaN: undefined (an interval of one run)
