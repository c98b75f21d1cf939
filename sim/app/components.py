"""The explorer's page parts that follow the model: the chart cards, the run's status card and
the grid of charts, each redrawn after every week (Mesa's ``update_counter``).

Charts are built in :mod:`sim.app.charts` (market) and :mod:`sim.app.customers` (map and
profile); a card holds the model's lock while it reads, because Play steps in a worker thread
(:mod:`sim.app.player`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from sim.app import controls
from sim.app.appmodel import AppModel
from sim.app.charts import (  # noqa: F401  (pool_health: the verdict's one rule, tested here)
    abc_chart,
    distribution_chart,
    pool_chart,
    pool_health,
    pool_verdict,
    prices_chart,
    shares_chart,
)
from sim.app.customers import make_customer_view, make_profile
from sim.app.labels import t
from sim.app.vega import Figure, Spec, focal_name


@solara.component_vue("frameack.vue")
def FrameAck(frame: int, event_shown: Callable[[int], None]):
    """Calls ``event_shown(frame)`` from the page once it has taken in that redraw."""

GRID_CSS = {"display": "grid", "grid-template-columns": "repeat(auto-fill, minmax(470px, 1fr))",
            "gap": "12px", "padding": "8px", "align-items": "start"}


def _chart_card(build: Callable[[AppModel, str], Spec], lang: str, cls: str) -> Callable:
    def Component(model: AppModel):
        with model.lock:  # Play steps in another thread
            spec = build(model, lang)
        return solara.Div(children=[Figure(spec)], classes=["kamsim-chart", cls])

    Component.__name__ = f"Chart_{cls.replace('-', '_')}"
    return Component


def _pool_card(lang: str) -> Callable:
    def Component(model: AppModel):
        with model.lock:  # Play steps in another thread
            spec, verdict = pool_chart(model, lang), pool_verdict(model, lang)
        return solara.Div(children=[Figure(spec), solara.Text(
            verdict, classes=["kamsim-verdict"], style={"font-size": "0.85em"})],
            classes=["kamsim-chart", "kamsim-pool"])

    return Component


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


@solara.component
def RunStatus(model: AppModel, lang: str = "en"):
    """Scenario, seed, week, customers, and the levers Reset set away from the scenario."""
    update_counter.get()  # redraw after every step
    m = model
    weeks = m.params.run.weeks
    with m.lock:
        week, running, active = m.week, m.running, int(m.pop.active[: m.pop.n].sum())
    done = "" if running else f" ({t('app.finished', lang)})"
    with solara.Card(t("app.run", lang)):
        with solara.Column(classes=["kamsim-status"], gap="2px"):
            solara.Text(m.params.name, style={"font-weight": "bold"},
                        classes=["kamsim-scenario-name"])
            solara.Text(f"{t('app.seed', lang)}: {m.run_seed}", classes=["kamsim-seed"])
            solara.Text(f"{t('app.week', lang)} {week} {t('app.of', lang)} {weeks}{done}",
                        classes=["kamsim-week"])
            solara.Text(f"{active} {t('app.customers_now', lang)}")
            base = m.scenario_levers
            changed = {k: v for k, v in m.lever_values().items() if v != base.get(k)}
            solara.Text(t("app.changed" if changed else "app.unchanged", lang,
                          scenario=m.params.name), style={"font-weight": "bold",
                                                          "margin-top": "6px"})
            for name, value in changed.items():
                label = t(controls.BY_NAME[name].label, lang, focal=focal_name(m))
                solara.Text(f"{label}: {_fmt_value(value)} ({_fmt_value(base[name])})",
                            classes=["kamsim-lever", f"kamsim-lever-{name}"],
                            style={"font-size": "0.85em"})
            for note in m.notes:
                solara.Warning(note)


def components(lang: str = "en") -> list[Callable[[AppModel], Any]]:
    """The page's charts in grid order (two per row on a wide screen; the map beside the
    profile)."""
    return [
        _chart_card(shares_chart, lang, "kamsim-shares"),
        _chart_card(prices_chart, lang, "kamsim-prices"),
        _pool_card(lang),
        _chart_card(abc_chart, lang, "kamsim-abc"),
        make_customer_view(lang),
        make_profile(lang),
        _chart_card(distribution_chart, lang, "kamsim-dist"),
    ]


@solara.component
def Live(part: Callable[[AppModel], Any], model: AppModel):
    """One part of the grid, redrawn after every week."""
    update_counter.get()
    return part(model)


@solara.component
def Charts(model: AppModel, parts: list[Callable[[AppModel], Any]],
           shown: Callable[[int], None]):
    """The charts in a grid (plain CSS: the cells are never re-created while playing), then
    the frame acknowledgement: ``shown(n)`` once the page has taken in redraw ``n``."""
    frame = update_counter.value
    with solara.Div(style=GRID_CSS, classes=["kamsim-grid"]) as grid:
        for part in parts:
            Live(part, model)
        FrameAck(frame=frame, event_shown=shown)
    return grid
