"""The explorer's customers: the map (each customer a dot round its main supplier) and the
profile card of the customer picked in it or typed in.

The selected customer is a row of ``model.pop``, one per browser session.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import numpy as np
import pandas as pd
import solara

from sim.app.appmodel import AppModel
from sim.app.labels import stage_name, t
from sim.app.vega import (
    Figure,
    H,
    Spec,
    W,
    data,
    fill,
    focal_name,
    long,
    supplier_scale,
    template,
    week_x,
)
from sim.params import MATERIALS, SEGMENTS
from sim.rules import lifecycle as lc

# The customer picked in the map or the number box (a row of model.pop); per browser session.
selected_customer: solara.Reactive[int | None] = solara.reactive(None)


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
            x=week_x(lang if what == "loyalty" else None),
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
        d = long(h[what][:, known], sub, "supplier", "value", start=0)
        d["week"] = np.repeat(h["week"], len(sub))
        series[what] = d
    return fill(spec, wallet=wallet, **series)


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
