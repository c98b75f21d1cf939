"""The explorer's market charts: shares, prices and cost indices, the focal supplier's pool
by stage with its flows and verdict, its ABC classes, satisfaction and price sensitivity.

Each builder is a plain function of an :class:`AppModel` returning a Vega-Lite spec (a dict)
filled from the recorder's weekly arrays (``model.recorder.sup``, ``.pool``, ``.market``) and
the app's own history (:mod:`sim.app.vega`).
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from sim import metrics, palette
from sim.app.appmodel import AppModel
from sim.app.labels import stage_name, t
from sim.app.vega import (
    SMOOTH,
    H,
    Spec,
    W,
    data,
    fill,
    focal_name,
    long,
    moving_mean,
    supplier_scale,
    template,
    week_x,
    weeks,
)
from sim.params import MATERIALS
from sim.rules import lifecycle as lc

EARLY_WEEKS = 13           # before a quarter has passed, pool health is not shown
BUYING_STAGES = (lc.POTENTIAL, lc.GENERAL, lc.KEY, lc.SUNSET)


def shares_chart(model: AppModel, lang: str = "en") -> Spec:
    names = tuple(model.supplier_names)
    w = weeks(model)
    share = moving_mean(model.recorder.sup["market_share"][:w], SMOOTH)

    def build():
        return alt.Chart(data("shares"), title=t("chart.shares", lang)).mark_line().encode(
            x=week_x(lang),
            y=alt.Y("share:Q", title=t("axis.share", lang), axis=alt.Axis(format="%")),
            color=alt.Color("supplier:N", scale=supplier_scale(names),
                            title=t("axis.supplier", lang)),
            tooltip=["week:Q", "supplier:N", alt.Tooltip("share:Q", format=".1%")],
        ).properties(width=W, height=H)

    spec = template(("shares", lang, names), build)
    return fill(spec, shares=long(share, list(names), "supplier", "share"))


def prices_chart(model: AppModel, lang: str = "en") -> Spec:
    names = tuple(model.supplier_names)
    mats = [t(f"mat.{m}", lang) for m in MATERIALS]
    w = weeks(model)

    def build():
        top = alt.Chart(data("prices")).mark_line().encode(
            x=week_x(None),
            y=alt.Y("price:Q", title=t("chart.price", lang), scale=alt.Scale(zero=False)),
            color=alt.Color("supplier:N", scale=supplier_scale(names), title=None),
            tooltip=["week:Q", "supplier:N", alt.Tooltip("price:Q", format=",.0f")],
        ).properties(width=W, height=H // 2)
        bottom = alt.Chart(data("costs")).mark_line(strokeDash=[4, 2]).encode(
            x=week_x(lang),
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
                prices=long(model.recorder.sup["price"][:w], list(names), "supplier",
                             "price"),
                costs=long(model.recorder.market["cost_index"][:w], mats, "material",
                            "index"))


def pool_health(model: AppModel) -> float | None:
    """The focal supplier's pool health so far (:func:`sim.metrics.pool_health`, last year);
    None before the first quarter is over (too early to read)."""
    w = weeks(model)
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
    w, f = weeks(model), model.focal
    focal = focal_name(model)
    names = [stage_name(s, lang) for s in BUYING_STAGES]
    won_lost = [t("chart.won", lang), t("chart.lost", lang)]

    def build():
        area = alt.Chart(data("pool")).mark_area().encode(
            x=week_x(None),
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
        title = alt.TitleParams(t("chart.pool", lang, focal=focal))
        return alt.vconcat(area, bars, title=title).resolve_scale(color="independent")

    spec = template(("pool", lang, focal), build)
    counts = model.recorder.pool["count"][:w, f][:, list(BUYING_STAGES)]
    pool = long(counts, names, "stage", "customers")
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
    return fill(spec, pool=pool, flows=flows)


def abc_chart(model: AppModel, lang: str = "en") -> Spec:
    focal = focal_name(model)
    names = [t(f"abc.{c}", lang) for c in "ABC"]

    def build():
        return alt.Chart(data("abc"), title=t("chart.abc", lang, focal=focal)).mark_area(
        ).encode(
            x=week_x(lang),
            y=alt.Y("customers:Q", stack="zero", title=t("axis.count", lang)),
            color=alt.Color("class:N", title=t("axis.class", lang),
                            scale=alt.Scale(domain=names,
                                            range=[palette.ABC_COLORS[c] for c in "ABC"])),
            order="order:Q",
            tooltip=["week:Q", "class:N", "customers:Q"],
        ).properties(width=W, height=H)

    spec = template(("abc", lang, focal), build)
    counts = np.array(model.history.abc)
    df = long(counts, names, "class", "customers", start=0)
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
