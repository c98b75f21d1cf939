"""Shared plotting helpers: figure creation on the Agg canvas, colours, bands, formatters.

Owns the look of every figure (colours from `sim.palette`, shared with the app; money and
percentage tick formats in English and Chinese) so that `analysis.plots` stays about what
each figure shows. Never uses pyplot, so no global figure state and no GUI backend.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from analysis.i18n import setup_cjk_font
from analysis.intervals import ci_by_group
from sim.palette import ABC_COLORS, STAGE_COLORS, series_color

__all__ = ["ABC_COLORS", "POOL_STAGES", "STAGE_COLORS"]

POOL_STAGES = ("potential", "general", "key", "sunset")


def new_figure(lang: str, nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (8, 5),
               margins: dict[str, float] | None = None,
               **subplot_kw: object) -> tuple[Figure, np.ndarray]:
    """A Figure on the Agg canvas with an nrows × ncols grid (axes always a 2-D array).

    The grid is placed by matplotlib's constrained layout, or, given `margins` (the
    `GridSpec` fractions `left`, `right`, `bottom`, `top`, `wspace`, `hspace`), at fixed
    places: no layout pass before drawing, for a figure whose labels are known (the
    dashboard every `kamsim run` draws). For lang "zh" the CJK font is configured first
    (raises `i18n.FontMissing` without one).
    """
    if lang == "zh":
        setup_cjk_font("zh")
    fig = Figure(figsize=size, layout=None if margins else "constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, gridspec_kw=margins, **subplot_kw)
    return fig, axes


def scenario_color(i: int) -> str:
    """Colour of the i-th scenario (`sim.palette`)."""
    return series_color(i)


def money_formatter(lang: str) -> FuncFormatter:
    """Tick formatter for CNY amounts: K/M/B in English, 万/亿 in Chinese."""
    def fmt(v: float, _pos: object = None) -> str:
        a = abs(v)
        if lang == "zh":
            if a >= 1e8:
                return f"{v / 1e8:.3g}亿"
            if a >= 1e4:
                return f"{v / 1e4:.4g}万"
            return f"{v:.0f}"
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if a >= div:
                return f"{v / div:.3g}{suffix}"
        return f"{v:.0f}"
    return FuncFormatter(fmt)


def percent_axis(ax: Axes, axis: str = "y", decimals: int | None = None) -> None:
    """Show a 0–1 share axis as percentages."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(1.0, decimals=decimals))


def band(ax: Axes, frame: pd.DataFrame, x: str, value: str, color: str, name: str,
         level: float = 0.95) -> None:
    """Mean line of `value` over `x` across replications with its t-interval band.

    `frame` holds one row per replication and x (other columns ignored); with a single
    replication only the line is drawn.
    """
    ci = ci_by_group(frame, x, value, level).sort_values(x)
    ax.plot(ci[x], ci["mean"], color=color, lw=1.6, label=name)
    if ci["n"].max() > 1:
        ax.fill_between(ci[x], ci["lo"], ci["hi"], color=color, alpha=0.2, lw=0)


def rolling_by(df: pd.DataFrame, keys: list[str], col: str, window: int) -> pd.Series:
    """Trailing rolling mean of `col` over `window` rows within each group of `keys`.

    `df` must be sorted by keys and step; shorter windows at the start of each group.
    """
    return df.groupby(keys, observed=True)[col].transform(
        lambda s: s.rolling(window, min_periods=1).mean()
    )


def empty_note(ax: Axes, text: str = "no data") -> None:
    """Mark an axes that has nothing to show."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")


def finite(x: float) -> bool:
    """True for a finite number."""
    return x is not None and not math.isnan(x) and not math.isinf(x)
