"""Live charts and the customer view of the explorer.

Chart builders (``*_chart``) are plain functions of an :class:`AppModel` returning Vega-Lite
specs (dicts), built from the recorder's weekly arrays (``model.recorder.sup``, ``.pool``,
``.market``) and the app's own history, never from DataFrames of the whole run. Each chart's
layout is written with Altair once per language and supplier list and cached with named,
empty datasets; a redraw only fills the datasets in (Altair's own validation costs a tenth of
a second per chart, too slow for Play). ``make_*`` return SolaraViz components (functions of
the model) in one language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import solara
from mesa.visualization.utils import update_counter
from solara.widgets import VegaLite

from sim import metrics, palette
from sim.app import controls
from sim.app.appmodel import AppModel
from sim.app.labels import stage_name, t
from sim.params import MATERIALS, SEGMENTS
from sim.rules import lifecycle as lc

Spec = dict[str, Any]

W, H = 360, 200            # chart size in a half-width cell of the page grid
SMOOTH = 4                 # weeks in the moving mean of shares / sum of flows
EARLY_WEEKS = 13           # before a quarter has passed, pool health is not shown
BUYING_STAGES = (lc.POTENTIAL, lc.GENERAL, lc.KEY, lc.SUNSET)
VL_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # the version the page loads

# The customer picked in the map or the number box (a row of model.pop); per browser session.
selected_customer: solara.Reactive[int | None] = solara.reactive(None)

_TEMPLATES: dict[Hashable, Spec] = {}


def focal_name(model: AppModel) -> str:
    return model.supplier_names[model.focal]


def supplier_scale(names: tuple[str, ...], with_none: str | None = None) -> alt.Scale:
    domain = list(names)
    colours = [palette.series_color(i) for i in range(len(domain))]
    if with_none is not None:
        domain.append(with_none)
        colours.append(palette.NONE_COLOR)
    return alt.Scale(domain=domain, range=colours)


def data(name: str) -> alt.Data:
    return alt.Data(name=name)


def finish(chart: Any) -> Any:
    """Page-wide chart settings: legends below the plot, titles to the left."""
    return chart.configure_legend(orient="bottom", direction="horizontal", columns=4,
                                  labelLimit=110, titleLimit=0).configure_title(
        anchor="start", fontSize=13)


def template(key: Hashable, build: Callable[[], Any], **embed: Any) -> Spec:
    """The cached spec of ``build()`` (an Altair chart on named datasets), made once per key.

    ``embed``: vega-embed options carried in the spec (``usermeta.embedOptions``); the
    actions menu (which links to the online Vega editor) is always off.
    """
    if key not in _TEMPLATES:
        spec = finish(build()).to_dict(validate=False)
        spec["$schema"] = VL_SCHEMA
        spec["usermeta"] = {"embedOptions": {"actions": False, **embed}}
        _TEMPLATES[key] = spec
    return _TEMPLATES[key]


def fill(spec: Spec, **datasets: pd.DataFrame | list[dict]) -> Spec:
    """A copy of ``spec`` with its named datasets set (records of plain Python values)."""
    out = dict(spec)
    out["datasets"] = {k: v.to_dict(orient="records") if isinstance(v, pd.DataFrame) else v
                       for k, v in datasets.items()}
    return out


def _weeks(model: AppModel) -> int:
    return model.recorder.weeks_done


def _moving_mean(a: np.ndarray, k: int) -> np.ndarray:
    c = np.cumsum(np.vstack([np.zeros((1, *a.shape[1:])), a]), axis=0)
    idx = np.arange(1, a.shape[0] + 1)
    lo = np.maximum(idx - k, 0)
    return (c[idx] - c[lo]) / (idx - lo)[(...,) + (None,) * (a.ndim - 1)]


def _long(values: np.ndarray, names: list[str], col: str, value: str,
          start: int = 1) -> pd.DataFrame:
    """(weeks x series) array -> long frame with columns week, ``col``, ``value``.

    Week k is the state after k weeks: recorder rows start at 1, the app's history at 0.
    """
    n = values.shape[0]
    return pd.DataFrame({"week": np.repeat(np.arange(start, start + n), len(names)),
                         col: np.tile(np.asarray(names, dtype=object), n),
                         value: values.reshape(-1).astype(float)})


def _week_x(lang: str | None) -> alt.X:
    title = t("axis.week", lang) if lang else None
    return alt.X("week:Q", title=title, axis=alt.Axis(format="d", tickMinStep=1))


# ----------------------------------------------------------------------------- charts
def shares_chart(model: AppModel, lang: str = "en") -> Spec:
    names = tuple(model.supplier_names)
    w = _weeks(model)
    share = _moving_mean(model.recorder.sup["market_share"][:w], SMOOTH)

    def build():
        return alt.Chart(data("shares"), title=t("chart.shares", lang)).mark_line().encode(
            x=_week_x(lang),
            y=alt.Y("share:Q", title=t("axis.share", lang), axis=alt.Axis(format="%")),
            color=alt.Color("supplier:N", scale=supplier_scale(names),
                            title=t("axis.supplier", lang)),
            tooltip=["week:Q", "supplier:N", alt.Tooltip("share:Q", format=".1%")],
        ).properties(width=W, height=H)

    spec = template(("shares", lang, names), build)
    return fill(spec, shares=_long(share, list(names), "supplier", "share"))


def prices_chart(model: AppModel, lang: str = "en") -> Spec:
    names = tuple(model.supplier_names)
    mats = [t(f"mat.{m}", lang) for m in MATERIALS]
    w = _weeks(model)

    def build():
        top = alt.Chart(data("prices")).mark_line().encode(
            x=_week_x(None),
            y=alt.Y("price:Q", title=t("chart.price", lang), scale=alt.Scale(zero=False)),
            color=alt.Color("supplier:N", scale=supplier_scale(names), title=None),
            tooltip=["week:Q", "supplier:N", alt.Tooltip("price:Q", format=",.0f")],
        ).properties(width=W, height=H // 2)
        bottom = alt.Chart(data("costs")).mark_line(strokeDash=[4, 2]).encode(
            x=_week_x(lang),
            y=alt.Y("index:Q", title=t("chart.cost_index", lang),
                    scale=alt.Scale(zero=False)),
            color=alt.Color("material:N", title=None,
                            scale=alt.Scale(domain=mats, scheme="dark2")),
            tooltip=["week:Q", "material:N", alt.Tooltip("index:Q", format=".3f")],
        ).properties(width=W, height=H // 2 - 20)
        return alt.vconcat(top, bottom, title=t("chart.prices", lang)).resolve_scale(
            color="independent")

    spec = template(("prices", lang, names), build)
    return fill(spec,
                prices=_long(model.recorder.sup["price"][:w], list(names), "supplier",
                             "price"),
                costs=_long(model.recorder.market["cost_index"][:w], mats, "material",
                            "index"))


def pool_health(model: AppModel) -> float | None:
    """The focal supplier's pool health so far (:func:`sim.metrics.pool_health`, last year);
    None before the first quarter is over (too early to read)."""
    w = _weeks(model)
    if w < EARLY_WEEKS:
        return None
    s, f = model.recorder.sup, model.focal
    return metrics.pool_health(s["acquired"][:w, f], s["lost"][:w, f], s["exited"][:w, f])


def pool_verdict(model: AppModel, lang: str = "en") -> str:
    """Pool health and the verdict of this one run (:func:`sim.metrics.verdict`)."""
    health = pool_health(model)
    if health is None:
        return t("verdict.early", lang)
    return t("chart.health", lang, health=f"{health:.2f}") + " — " + t(
        f"verdict.{metrics.verdict([health]).kind}", lang)


def pool_chart(model: AppModel, lang: str = "en") -> Spec:
    """The focal supplier's buying customers by stage (stacked) over flows won and lost."""
    w, f = _weeks(model), model.focal
    focal = focal_name(model)
    names = [stage_name(s, lang) for s in BUYING_STAGES]
    won_lost = [t("chart.won", lang), t("chart.lost", lang)]

    def build():
        area = alt.Chart(data("pool")).mark_area().encode(
            x=_week_x(None),
            y=alt.Y("customers:Q", stack="zero", title=t("axis.count", lang)),
            color=alt.Color("stage:N", title=None,
                            scale=alt.Scale(domain=names, range=[
                                palette.STAGE_COLORS[lc.STAGE_NAMES[s]] for s in BUYING_STAGES])),
            order="order:Q",
            tooltip=["week:Q", "stage:N", "customers:Q"],
        ).properties(width=W, height=H // 2 + 10)
        bars = alt.Chart(data("flows")).mark_bar().encode(
            x=alt.X("start:Q", title=t("axis.week", lang),
                    axis=alt.Axis(format="d", tickMinStep=1)),
            x2="end:Q",
            y=alt.Y("customers:Q", title=t("chart.flows", lang)),
            color=alt.Color("flow:N", title=None,
                            scale=alt.Scale(domain=won_lost,
                                            range=[palette.WON_COLOR, palette.LOST_COLOR])),
            tooltip=["end:Q", "flow:N", "customers:Q"],
        ).properties(width=W, height=H // 2 - 30)
        title = alt.TitleParams(t("chart.pool", lang, focal=focal), subtitle=" ")
        return alt.vconcat(area, bars, title=title).resolve_scale(color="independent")

    spec = template(("pool", lang, focal), build)
    counts = model.recorder.pool["count"][:w, f][:, list(BUYING_STAGES)]
    pool = _long(counts, names, "stage", "customers")
    pool["order"] = np.tile(np.arange(len(names)), w)
    s = model.recorder.sup
    won = s["acquired"][:w, f]
    lost = s["lost"][:w, f] + s["exited"][:w, f]
    blocks = math.ceil(w / SMOOTH)
    pad = blocks * SMOOTH - w
    won_b = np.pad(won, (0, pad)).reshape(blocks, SMOOTH).sum(1)
    lost_b = np.pad(lost, (0, pad)).reshape(blocks, SMOOTH).sum(1)
    start = np.arange(blocks) * SMOOTH
    flows = pd.DataFrame({"start": np.tile(start, 2),
                          "end": np.tile(np.minimum(start + SMOOTH, w), 2),
                          "flow": np.repeat(np.asarray(won_lost, dtype=object), blocks),
                          "customers": np.concatenate([won_b, -lost_b]).astype(float)})
    out = fill(spec, pool=pool, flows=flows)
    out["title"] = {**spec["title"], "subtitle": pool_verdict(model, lang)}
    return out


def abc_chart(model: AppModel, lang: str = "en") -> Spec:
    focal = focal_name(model)
    names = [t(f"abc.{c}", lang) for c in "ABC"]

    def build():
        return alt.Chart(data("abc"), title=t("chart.abc", lang, focal=focal)).mark_area(
        ).encode(
            x=_week_x(lang),
            y=alt.Y("customers:Q", stack="zero", title=t("axis.count", lang)),
            color=alt.Color("class:N", title=t("axis.class", lang),
                            scale=alt.Scale(domain=names,
                                            range=[palette.ABC_COLORS[c] for c in "ABC"])),
            order="order:Q",
            tooltip=["week:Q", "class:N", "customers:Q"],
        ).properties(width=W, height=H)

    spec = template(("abc", lang, focal), build)
    counts = np.array(model.history.abc)
    df = _long(counts, names, "class", "customers", start=0)
    df["order"] = np.tile(np.arange(3), counts.shape[0])
    return fill(spec, abc=df)


def _histogram(values: np.ndarray, bins: np.ndarray) -> pd.DataFrame:
    counts, edges = np.histogram(values, bins=bins)
    return pd.DataFrame({"lo": edges[:-1], "hi": edges[1:], "customers": counts.astype(float)})


def distribution_chart(model: AppModel, lang: str = "en") -> Spec:
    """Satisfaction with the focal supplier (customers who know it) and price sensitivity."""
    pop, f = model.pop, model.focal
    focal = focal_name(model)
    act = pop.active[: pop.n]
    sat = pop.satisfaction[: pop.n, f][act & pop.aware[: pop.n, f]]
    ps = pop.ps[: pop.n][act]
    top = max(1.0, float(np.ceil(ps.max()))) if ps.size else 1.0

    def build():
        parts = []
        for name, label, colour in (("sat", t("chart.satisfaction", lang, focal=focal),
                                     "#4292c6"),
                                    ("ps", t("chart.ps", lang), "#fd8d3c")):
            parts.append(alt.Chart(data(name)).mark_bar(color=colour).encode(
                x=alt.X("lo:Q", bin="binned", title=label),
                x2="hi:Q",
                y=alt.Y("customers:Q", title=t("axis.count", lang)),
                tooltip=[alt.Tooltip("lo:Q", format=".2f"), alt.Tooltip("hi:Q", format=".2f"),
                         "customers:Q"],
            ).properties(width=W // 2 - 30, height=H))
        return alt.hconcat(*parts, title=t("chart.dist", lang))

    spec = template(("dist", lang, focal), build)
    return fill(spec, sat=_histogram(sat, np.linspace(0, 1, 21)),
                ps=_histogram(ps, np.linspace(0, top, 25)))


def _unit(row: np.ndarray, salt: int) -> np.ndarray:
    """A fixed pseudo-random number in [0, 1) per customer row and salt (splitmix64 hash), so
    a customer keeps its place on the map from week to week."""
    with np.errstate(over="ignore"):
        z = row.astype(np.uint64) + np.uint64(salt) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(float) / 2.0**53


def customer_map_frame(model: AppModel, lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dots round their main supplier's hub: closer when more of the wallet goes there.

    Returns (customers, hubs). A customer's place in the disc round its main supplier is fixed
    by its id; the disc's radius is ``0.12 + 0.33 x (1 - share of wallet with the main
    supplier)``, so split buyers spread out. Customers without a main supplier sit mid-map.
    """
    pop, n_sup = model.pop, model.n_sup
    rows = np.flatnonzero(pop.active[: pop.n])
    main = pop.main[rows].astype(int)
    share_main = np.where(main >= 0, pop.share[rows, np.maximum(main, 0)], 0.0)
    angle_hub = 2 * np.pi * np.arange(n_sup) / n_sup + np.pi / 2
    hub_x, hub_y = np.cos(angle_hub), np.sin(angle_hub)
    theta = 2 * np.pi * _unit(rows, 7)
    r = (0.12 + 0.33 * (1 - np.clip(share_main, 0, 1))) * np.sqrt(_unit(rows, 13))
    cx = np.where(main >= 0, hub_x[np.maximum(main, 0)], 0.0)
    cy = np.where(main >= 0, hub_y[np.maximum(main, 0)], 0.0)
    names = np.array([*model.supplier_names, t("chart.no_main", lang)], dtype=object)
    seg = np.array([t(f"seg.{s}", lang) for s in SEGMENTS], dtype=object)
    stages = np.array([stage_name(c, lang) for c in range(-1, lc.N_STAGES)], dtype=object)
    word = t("chart.customer", lang)
    main_name = names[np.where(main >= 0, main, n_sup)]
    customers = pd.DataFrame({
        "customer": rows,
        "label": [f"{word} #{c}, {m}" for c, m in zip(rows, main_name, strict=True)],
        "x": (cx + r * np.cos(theta)).round(4),
        "y": (cy + r * np.sin(theta)).round(4),
        "demand_t": pop.demand[rows].sum(1).round(2),
        "main": main_name,
        "segment": seg[pop.segment[rows]],
        "stage": stages[pop.stage[rows, model.focal].astype(int) + 1],
    })
    hubs = pd.DataFrame({"x": hub_x * 1.55, "y": hub_y * 1.55,
                         "name": np.asarray(model.supplier_names, dtype=object)})
    return customers, hubs


def customer_map_chart(model: AppModel, lang: str = "en",
                       selected: int | None = None) -> Spec:
    names = tuple(model.supplier_names)
    focal = focal_name(model)
    none = t("chart.no_main", lang)

    def build():
        axis = alt.Axis(labels=False, ticks=False, grid=False, title=None, domain=False)
        x = alt.X("x:Q", axis=axis, scale=alt.Scale(domain=[-1.9, 1.9]))
        y = alt.Y("y:Q", axis=axis, scale=alt.Scale(domain=[-1.75, 1.75]))
        dots = alt.Chart(data("customers")).mark_circle(
            opacity=0.75, stroke="white", strokeWidth=0.4, cursor="pointer").encode(
            x=x, y=y,
            size=alt.Size("demand_t:Q", scale=alt.Scale(type="sqrt", range=[8, 500]),
                          legend=None),
            color=alt.Color("main:N", scale=supplier_scale(names, none),
                            title=t("profile.main", lang)),
            tooltip=[alt.Tooltip("customer:Q", title="#"),
                     alt.Tooltip("segment:N", title=t("profile.segment", lang)),
                     alt.Tooltip("main:N", title=t("profile.main", lang)),
                     alt.Tooltip("stage:N", title=t("profile.stage", lang, focal=focal)),
                     alt.Tooltip("demand_t:Q", title=t("profile.demand", lang))],
            description="label:N",  # the dot's aria-label: "customer #12, Rival C"
        )
        labels = alt.Chart(data("hubs")).mark_text(fontWeight="bold", fontSize=11).encode(
            x=x, y=y, text="name:N")
        ring = alt.Chart(data("selected")).mark_point(
            shape="circle", size=600, stroke="black", strokeWidth=2, filled=False).encode(
            x=x, y=y)
        return alt.layer(dots, labels, ring, title=t("chart.map", lang)).properties(
            width=W, height=H + 40)

    spec = template(("map", lang, names, focal), build, renderer="svg")  # dots findable in the DOM
    customers, hubs = customer_map_frame(model, lang)
    chosen = customers[customers["customer"] == selected] if selected is not None else \
        customers.iloc[:0]
    return fill(spec, customers=customers, hubs=hubs, selected=chosen[["x", "y"]])


def profile_facts(model: AppModel, row: int, lang: str = "en") -> list[tuple[str, str]]:
    """(label, text) lines of a customer's card: segment, supplier, stage, class, demand,
    price sensitivity and the stage history with the focal supplier."""
    pop, f = model.pop, model.focal
    focal = focal_name(model)
    seg = SEGMENTS[int(pop.segment[row])]
    main = int(pop.main[row])
    demand = ", ".join(f"{t(f'mat.{m}', lang)} {v:.1f}"
                       for m, v in zip(MATERIALS, pop.demand[row], strict=True))
    history = " → ".join(f"{t('axis.week', lang)} {w}: {stage_name(s, lang)}"
                         for w, s in model.history.stage_changes(row))
    abc = "-ABC"[int(pop.abc[row, f])]
    return [
        (t("profile.segment", lang), f"{t(f'seg.{seg}', lang)} · "
         + t("profile.tender" if pop.tender[row] else "profile.routine", lang) + " · "
         + t("profile.active" if pop.active[row] else "profile.exited", lang)),
        (t("profile.main", lang), model.supplier_names[main] if main >= 0 else "—"),
        (t("profile.stage", lang, focal=focal), stage_name(int(pop.stage[row, f]), lang)),
        (t("profile.abc", lang, focal=focal), t(f"abc.{abc}", lang)),
        (t("profile.demand", lang), demand),
        (t("profile.ps", lang), f"{pop.ps[row]:.1f}"),
        (t("profile.history", lang, focal=focal), history),
    ]


def profile_charts(model: AppModel, row: int, lang: str = "en") -> Spec:
    """Share of wallet per supplier now, beside satisfaction and loyalty over time with each
    supplier the customer knows."""
    pop = model.pop
    names = tuple(model.supplier_names)

    def build():
        colour = alt.Color("supplier:N", scale=supplier_scale(names), legend=None)
        bars = alt.Chart(data("wallet"), title=t("profile.wallet", lang)).mark_bar().encode(
            y=alt.Y("supplier:N", sort=list(names), title=None),
            x=alt.X("share:Q", axis=alt.Axis(format="%", tickCount=2), title=None,
                    scale=alt.Scale(domain=[0, 1])),
            color=colour,
            tooltip=["supplier:N", alt.Tooltip("share:Q", format=".1%")],
        ).properties(width=90, height=14 * len(names))
        lines = [alt.Chart(data(what), title=t(f"profile.{what}", lang)).mark_line().encode(
            x=_week_x(lang if what == "loyalty" else None),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(tickCount=3)),
            color=colour,
            tooltip=["week:Q", "supplier:N", alt.Tooltip("value:Q", format=".3f")],
        ).properties(width=160, height=50) for what in ("satisfaction", "loyalty")]
        return alt.hconcat(bars, alt.vconcat(*lines, spacing=4), spacing=12)

    spec = template(("profile", lang, names), build)
    wallet = pd.DataFrame({"supplier": np.asarray(names, dtype=object),
                           "share": pop.share[row].astype(float)})
    h = model.history.customer(row)
    known = np.flatnonzero(pop.aware[row]) if pop.aware[row].any() else np.arange(len(names))
    sub = [names[i] for i in known]
    series = {}
    for what in ("satisfaction", "loyalty"):
        d = _long(h[what][:, known], sub, "supplier", "value", start=0)
        d["week"] = np.repeat(h["week"], len(sub))
        series[what] = d
    return fill(spec, wallet=wallet, **series)


# ------------------------------------------------------------------------ components
@solara.component
def Figure(spec: Spec, on_click: Callable[[Any], None] | None = None):
    """A Vega-Lite spec in the page (what solara.FigureAltair draws, minus Altair)."""
    return VegaLite.element(spec=spec, on_click=on_click, listen_to_click=on_click is not None,
                            on_hover=None, listen_to_hover=False)


def _chart_card(build: Callable[[AppModel, str], Spec], lang: str, cls: str) -> Callable:
    def Component(model: AppModel):
        with model.lock:  # Play steps in another thread
            spec = build(model, lang)
        return solara.Div(children=[Figure(spec)], classes=["kamsim-chart", cls])

    Component.__name__ = f"Chart_{cls.replace('-', '_')}"
    return Component


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


@solara.component
def CustomerProfile(model: AppModel, lang: str = "en"):
    """The card of the selected customer: who, what they buy, from whom, and how it went."""
    row = selected_customer.value
    pop = model.pop

    def pick(value):
        selected_customer.set(None if value is None else int(value))

    with solara.Column(classes=["kamsim-profile"], gap="0px",
                       style={"padding": "4px 8px"}) as col:
        with solara.Row(style={"align-items": "center"}):
            solara.Text(t("profile.title", lang), style={"font-weight": "bold",
                                                          "font-size": "1.1em"})
            solara.InputInt(t("profile.pick", lang), value=row, on_value=pick,
                            optional=True, continuous_update=False,
                            classes=["kamsim-pick"], style={"max-width": "9em"})
        if row is None:
            solara.Text(t("profile.none", lang))
            return col
        with model.lock:  # Play steps in another thread
            known = 0 <= row < pop.n
            if known:
                facts = profile_facts(model, row, lang)
                spec = profile_charts(model, row, lang)
        if not known:
            solara.Warning(t("profile.gone", lang, row=row))
            return col
        solara.Text(f"#{row}", style={"font-weight": "bold"}, classes=["kamsim-profile-id"])
        for label, text in facts:
            with solara.Row(gap="6px", style={"font-size": "0.85em", "line-height": "1.3"}):
                solara.Text(f"{label}:", style={"font-weight": "bold", "white-space": "nowrap"})
                solara.Text(text)
        Figure(spec)
    return col


def make_customer_view(lang: str = "en") -> Callable:
    def CustomerMap(model: AppModel):
        def on_click(datum):
            if datum and "customer" in datum:
                selected_customer.set(int(datum["customer"]))

        with model.lock:
            spec = customer_map_chart(model, lang, selected_customer.value)
        return solara.Div(children=[Figure(spec, on_click=on_click)],
                          classes=["kamsim-chart", "kamsim-map"])

    return CustomerMap


def make_profile(lang: str = "en") -> Callable:
    def Profile(model: AppModel):
        return CustomerProfile(model, lang)

    return Profile


@solara.component
def RunStatus(model: solara.Reactive[AppModel], lang: str = "en"):
    """Scenario, seed, week, customers, and the levers Reset set away from the scenario."""
    update_counter.get()  # redraw after every step, as Mesa's own components do
    m = model.value
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


def components(lang: str = "en") -> list[tuple[Callable, int]]:
    """The page's components in grid order (two per row; the map beside the profile)."""
    return [
        (_chart_card(shares_chart, lang, "kamsim-shares"), 0),
        (_chart_card(prices_chart, lang, "kamsim-prices"), 0),
        (_chart_card(pool_chart, lang, "kamsim-pool"), 0),
        (_chart_card(abc_chart, lang, "kamsim-abc"), 0),
        (make_customer_view(lang), 0),
        (make_profile(lang), 0),
        (_chart_card(distribution_chart, lang, "kamsim-dist"), 0),
    ]
