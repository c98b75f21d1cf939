"""Figures of the budget sections: the lever decomposition of a bundle.

Owns what the lever chart shows. Input is the ``levers`` section of a comparison's summary
(``{"bundle", "method", "rows": [{lever, figure, method, mean, lo, hi, n}],
"bundle_difference": [{figure, mean, lo, hi, n}]}``); the numbers are drawn as given, never
recomputed.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from analysis.fmt import missing
from analysis.i18n import label, name
from analysis.plotkit import money_formatter, new_figure, percent_axis, scenario_color

__all__ = ["levers_chart"]

BUNDLE_COLOR = "#9e9e9e"
SHARE_FIGURES = {"key_revenue_retained", "market_share", "annual_retention"}


def _title(figure: str, lang: str) -> str:
    return label("eco.net_profit", lang) if figure == "net_profit" else \
        label("kpi." + figure, lang)


def levers_chart(levers: dict, lang: str = "en") -> Figure:
    """Horizontal bars of each lever's contribution per figure (one panel each), one bar per
    method, whiskers at the 95 % intervals, and the whole bundle's difference as a grey bar
    at the bottom. Axes: the figures present."""
    rows = levers.get("rows") or []
    figures = list(dict.fromkeys(r["figure"] for r in rows))
    methods = list(dict.fromkeys(r.get("method") for r in rows))
    names = list(dict.fromkeys(r["lever"] for r in rows))
    bundle = {r["figure"]: r for r in levers.get("bundle_difference") or []}
    fig, axes = new_figure(lang, 1, max(len(figures), 1),
                           (4.2 * max(len(figures), 1) + 2.0, 0.42 * len(names) + 2.4),
                           sharey=True)
    height = 0.8 / max(len(methods), 1)
    ys = np.arange(len(names) + 1)[::-1]  # the bundle at the bottom (y = 0)
    for j, figure in enumerate(figures):
        ax = axes[0, j]
        for k, method in enumerate(methods):
            idx = {r["lever"]: r for r in rows if r["figure"] == figure
                   and r.get("method") == method}
            vals = [idx.get(n, {}) for n in names]
            m = np.array([np.nan if missing(v.get("mean")) else v["mean"] for v in vals])
            lo = np.array([np.nan if missing(v.get("lo")) else v["lo"] for v in vals])
            hi = np.array([np.nan if missing(v.get("hi")) else v["hi"] for v in vals])
            err = np.vstack([np.nan_to_num(m - lo), np.nan_to_num(hi - m)])
            ax.barh(ys[:-1] - 0.4 + (k + 0.5) * height, np.nan_to_num(m), height, xerr=err,
                    color=scenario_color(k), capsize=2, label=name("method", method, lang),
                    error_kw={"elinewidth": 1, "ecolor": "#333"})
        b = bundle.get(figure)
        if b and not missing(b.get("mean")):
            err = [[0.0 if missing(b.get("lo")) else b["mean"] - b["lo"]],
                   [0.0 if missing(b.get("hi")) else b["hi"] - b["mean"]]]
            ax.barh([0], [b["mean"]], 0.6, xerr=err, color=BUNDLE_COLOR, capsize=2,
                    label=label("fig.levers.bundle", lang),
                    error_kw={"elinewidth": 1, "ecolor": "#333"})
        ax.axvline(0, color="black", lw=0.7)
        ax.set_title(_title(figure, lang), fontsize=10)
        if figure == "net_profit":
            ax.xaxis.set_major_formatter(money_formatter(lang))
        elif figure in SHARE_FIGURES:
            percent_axis(ax, "x")
    axes[0, 0].set_yticks(ys)
    axes[0, 0].set_yticklabels([*(name("lever", n, lang) for n in names),
                                label("fig.levers.bundle", lang)])
    handles, names_ = axes[0, 0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, names_, loc="outside lower center", ncol=len(handles), fontsize=8)
    fig.suptitle(label("fig.levers.title", lang))
    return fig
