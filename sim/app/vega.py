"""Vega-Lite specs for the explorer's charts: templates written with Altair once, filled with
data on every redraw, and the component that draws one.

Each chart's layout is written with Altair once per language and supplier list and cached
with named, empty datasets; a redraw only fills the datasets in (Altair's own validation costs
a tenth of a second per chart, too slow for Play), and the page draws a chart once and then
replaces its data in place (``vegaview.vue``). Data frames are built from the recorder's
weekly arrays, never from DataFrames of the whole run.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import solara

from sim import palette
from sim.app.appmodel import AppModel
from sim.app.labels import t

Spec = dict[str, Any]

W, H = 360, 200            # chart size in a half-width cell of the page grid
SMOOTH = 4                 # weeks in the moving mean of shares / sum of flows
VL_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # the version the page loads

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


def weeks(model: AppModel) -> int:
    return model.recorder.weeks_done


def moving_mean(a: np.ndarray, k: int) -> np.ndarray:
    c = np.cumsum(np.vstack([np.zeros((1, *a.shape[1:])), a]), axis=0)
    idx = np.arange(1, a.shape[0] + 1)
    lo = np.maximum(idx - k, 0)
    return (c[idx] - c[lo]) / (idx - lo)[(...,) + (None,) * (a.ndim - 1)]


def long(values: np.ndarray, names: list[str], col: str, value: str,
         start: int = 1) -> pd.DataFrame:
    """(weeks x series) array -> long frame with columns week, ``col``, ``value``.

    Week k is the state after k weeks: recorder rows start at 1, the app's history at 0.
    """
    n = values.shape[0]
    return pd.DataFrame({"week": np.repeat(np.arange(start, start + n), len(names)),
                         col: np.tile(np.asarray(names, dtype=object), n),
                         value: values.reshape(-1).astype(float)})


def week_x(lang: str | None) -> alt.X:
    title = t("axis.week", lang) if lang else None
    return alt.X("week:Q", title=title, axis=alt.Axis(format="d", tickMinStep=1))


@solara.component_vue("vegaview.vue")
def VegaView(spec: Spec, datasets: dict[str, Any], event_clicked: Callable[[Any], None]):
    """A chart drawn once per spec and fed its datasets in place (vegaview.vue)."""


def _ignore(_: Any) -> None:
    pass


@solara.component
def Figure(spec: Spec, on_click: Callable[[Any], None] | None = None):
    """A filled spec in the page: the layout (the cached template, equal from week to week,
    so it is sent once) apart from the data (sent every redraw)."""
    layout = {k: v for k, v in spec.items() if k != "datasets"}
    return VegaView(spec=layout, datasets=spec.get("datasets", {}),
                    event_clicked=on_click or _ignore)
