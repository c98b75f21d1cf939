"""The scenario report: figures as PNG, a self-contained report.html, and the summary.

Owns `write_report`, which ties the statistics, figures and HTML together for the stacked
run tables of `kamsim compare` (files are written by `sim.io`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from analysis import plots
from analysis.answer import answer
from analysis.health import diagnose
from analysis.html import render_html
from analysis.i18n import label, name
from analysis.kpi import KPIS, ensure_run_keys, kpi_summary, run_kpis, scenario_order
from analysis.plots_budget import levers_chart
from sim import metrics
from sim.io import nan_to_none, write_bytes, write_text

__all__ = ["SECTIONS", "write_report"]

DPI = 110
SECTIONS = ("status_quo", "differences", "economics", "levers", "robustness")
"""Summary keys a comparison computes beside the report (``sim.runs.compare``); the report
renders each that is present."""


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


def _weeks(runs: pd.DataFrame) -> int | None:
    """The longest run's number of weeks (steps 0, 1, ...; the start row −1 is not a week)."""
    return int(runs["step"].max()) + 1 if len(runs) else None


def _dashboard_title(runs: pd.DataFrame, scenario: str, lang: str) -> str:
    """"Single run dashboard: <scenario>, replication <r> (seed <s>)" of the run drawn."""
    one = _one_run(runs, scenario)
    if one is None or not len(one):
        return label("fig.dash.title", lang)
    seed = int(one["seed"].iloc[0]) if "seed" in one.columns else "–"
    return label("fig.dash.which", lang).format(
        scenario=name("scenario", scenario, lang), rep=int(one["rep"].iloc[0]) + 1, seed=seed)


def _figure_builders(runs, pool_runs, spells_runs, customers_runs, market_runs, order, lang,
                     discount_rates, status_quo=None) -> dict[str, tuple[str, Callable[[],
                                                                            Figure]]]:
    """File name → (title, builder) for every figure the given tables allow; the dashboard
    draws a run of the first scenario that is not the status quo."""
    b: dict[str, tuple[str, Callable[[], Figure]]] = {}
    focus = next((s for s in order if s != status_quo), order[0])
    if pool_runs is not None:
        b["pool_by_stage.png"] = ("fig.pool.title",
                                  lambda: plots.pool_by_stage(pool_runs, runs, order, lang))
    b["pool_health.png"] = ("fig.health.title",
                            lambda: plots.pool_health_over_time(runs, order, lang))
    b["performance.png"] = ("fig.perf.title", lambda: plots.performance(runs, order, lang))
    if spells_runs is not None and len(spells_runs):
        b["survival_abc.png"] = ("fig.km.title", lambda: plots.survival_by_abc(
            spells_runs, order, lang, weeks=_weeks(runs)))
    if spells_runs is not None and len(spells_runs) and discount_rates is not None:
        b["clv_segments.png"] = ("fig.clv.title", lambda: plots.clv_segments(
            spells_runs, discount_rates, order, lang))
    if customers_runs is not None and len(customers_runs):
        b["pareto_abc.png"] = ("fig.pareto.title",
                               lambda: plots.pareto_abc(customers_runs, order, lang))
        if pool_runs is not None:
            b["dashboard.png"] = ("fig.dash.title", lambda: plots.dashboard(
                _one_run(runs, focus), _one_run(pool_runs, focus),
                _one_run(market_runs, focus), _one_run(customers_runs, focus), lang,
                title=_dashboard_title(runs, focus, lang)))
    out = {k: (label(key, lang), build) for k, (key, build) in b.items()}
    if "dashboard.png" in out:
        out["dashboard.png"] = (_dashboard_title(runs, focus, lang), out["dashboard.png"][1])
    return out


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
        "reps_needed": v.reps_needed,
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
    sections: Mapping[str, object] | None = None,
) -> dict:
    """Write every figure as PNG and a self-contained report.html into `out_dir`.

    Tables are the stacked `*_runs` tables of docs/TABLES.md (`market_runs` stacks each
    run's market table the same way; any table but `runs` may be None and its figures are
    skipped). `discount_rates` maps each scenario to its `finance.discount_rate` (CLV figure;
    without it the CLV figure is skipped). `scenarios` orders the scenarios, the first being
    the reference of the KPI differences. `sections`: the summary keys of `SECTIONS` the
    comparison computed (docs/TABLES.md, `summary.json`); each present is rendered (the
    answer, cost and return, the status quo, the lever chart, robustness) and returned in
    the summary. Returns the summary (JSON-ready: NaN → None) that the caller writes as
    summary.json: {lang, baseline (the first scenario), scenarios (order), meta, figures,
    by_scenario: {name: {reps, kpis: {kpi: {mean, lo, hi, n, diff_mean, diff_lo, diff_hi}},
    pool_health: {mean, lo, hi}, verdict, p_refill, reps_needed, diagnosis}}, verdict_rule,
    answer, and the `sections`}. Raises i18n.FontMissing for lang "zh" without a CJK font.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs = ensure_run_keys(runs)
    order = scenario_order(runs, scenarios)
    per_run = run_kpis(runs, customers_runs, retention_runs)
    kpis = kpi_summary(per_run, order)
    by_scen = {s: _scenario_summary(kpis, per_run, s, lang) for s in order}
    extra = {k: v for k, v in (sections or {}).items() if k in SECTIONS}
    builders = _figure_builders(runs, pool_runs, spells_runs, customers_runs, market_runs,
                                order, lang, discount_rates, extra.get("status_quo"))
    if (extra.get("levers") or {}).get("rows"):
        builders["levers.png"] = (label("fig.levers.title", lang),
                                  lambda: levers_chart(extra["levers"], lang))
    figures: dict[str, tuple[str, bytes]] = {}
    for fname, (title, build) in builders.items():
        png = _png(build())
        write_bytes(out / fname, png)
        figures[fname] = (title, png)
    summary = nan_to_none({"lang": lang, "baseline": order[0], "scenarios": order,
                           "meta": meta or {}, "figures": list(figures), "by_scenario": by_scen,
                           "verdict_rule": metrics.verdict_rule(lang), **extra})
    summary["answer"] = answer(summary, lang)
    write_text(out / "report.html", render_html(summary, kpis, figures, lang))
    return summary  # NaN: undefined (an interval of one run)
