"""`kamsim analyze`: tables and figures of a sweep directory, written atomically.

Owns the figures of a sweep (index bars, response curves, two-parameter heatmaps, the
discovery tree) and the layout of the analysis directory (docs/SWEEPS.md):
``summary.csv``, ``indices.csv`` (Sobol or Morris designs), ``discovery.txt`` and
``discovery_boxes.csv``, ``analysis.json`` and ``figures/*.png``. Reads only the sweep
directory; never imports the model.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.plotkit import band, empty_note, new_figure, scenario_color
from analysis.sensitivity import (
    Discovery,
    Sweep,
    SweepDirError,
    discover,
    indices,
    load_sweep,
    point_means,
    point_summary,
    replication_noise,
)
from sim.io import OutDir, atomic_dir, nan_to_none, write_json

__all__ = ["SweepDirError", "write_analysis", "index_bars", "response_curves", "heatmap"]

MAX_BINS = 8


def write_analysis(sweep: str | Path | Sweep, out: str | Path | OutDir | None = None) -> Path:
    """Analyse a sweep (its directory, or as loaded) into ``out`` (default
    ``SWEEP_DIR/analysis``), a directory marked as an ``analysis`` result; return its path."""
    sw = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    if not isinstance(out, OutDir):
        out = OutDir(Path(out) if out is not None else sw.path / "analysis")
    with atomic_dir(out, "analysis") as tmp:
        _write_all(sw, tmp)
    return out.path


def _write_all(sw: Sweep, tmp: Path) -> None:
    figs = tmp / "figures"
    figs.mkdir()
    point_summary(sw).to_csv(tmp / "summary.csv", index=False)
    idx = indices(sw)
    if idx is not None:
        idx.to_csv(tmp / "indices.csv", index=False)
    disc = discover(sw)
    if disc is not None:
        _write_discovery(disc, tmp, figs)
    ranking = _ranking(sw, idx)
    for o in sw.outcomes:
        if idx is not None:
            _save(index_bars(idx, o, sw.meta["method"]), figs / f"indices-{o}.png")
        _save(response_curves(sw, o), figs / f"response-{o}.png")
        if len(sw.factors) >= 2:
            a, b = ranking.get(o, sw.factors[:2])
            _save(heatmap(sw, o, a, b), figs / f"heatmap-{o}.png")
    info = {"method": sw.meta["method"], "runs": len(sw.results),
            "failed": int((sw.results["status"] != "ok").sum()),
            "noise": {o: replication_noise(sw, o) for o in sw.outcomes},
            "files": sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())}
    write_json(tmp / "analysis.json", nan_to_none(info))  # NaN noise: undefined (one run)


def _ranking(sw: Sweep, idx: pd.DataFrame | None) -> dict[str, list[str]]:
    """Per outcome, the two most influential factors (by ST or mu*) for its heatmap."""
    if idx is None or len(sw.factors) < 2:
        return {}
    key = "ST" if "ST" in idx.columns else "mu_star"
    out = {}
    for o, grp in idx.dropna(subset=["parameter"]).groupby("outcome"):
        out[o] = list(grp.sort_values(key, ascending=False)["parameter"].head(2))
    return {o: v for o, v in out.items() if len(v) == 2}


def _write_discovery(disc: Discovery, tmp: Path, figs: Path) -> None:
    head = (f"Scenario discovery: runs with {disc.outcome} < {disc.threshold:g} "
            f"(funnel-like pools): {disc.hits} of {disc.runs}.\n"
            "Shallow decision tree (scikit-learn); weights are [not funnel, funnel] runs.\n\n")
    (tmp / "discovery.txt").write_text(head + disc.text)
    disc.boxes.to_csv(tmp / "discovery_boxes.csv", index=False)
    if disc.tree is not None:
        from sklearn.tree import plot_tree

        fig, axes = new_figure("en", size=(11, 6))
        plot_tree(disc.tree, ax=axes[0, 0], filled=True, impurity=False, proportion=True,
                  class_names=["healthy", "funnel"], fontsize=7, feature_names=disc.features)
        fig.suptitle(f"Where pools turn funnel-like ({disc.outcome} < {disc.threshold:g})")
        _save(fig, figs / "discovery.png")


def index_bars(idx: pd.DataFrame, outcome: str, method: str) -> Figure:
    """Horizontal bars of S1 and ST (Sobol) or mu* and sigma (Morris) with 95 % intervals."""
    grp = idx[(idx["outcome"] == outcome) & idx["parameter"].notna()]
    fig, axes = new_figure("en", size=(8, 1.2 + 0.5 * max(len(grp), 2)))
    ax = axes[0, 0]
    if grp.empty:
        empty_note(ax, "; ".join(idx.loc[idx["outcome"] == outcome, "note"].astype(str)))
        return fig
    pairs = (("S1", "S1_conf"), ("ST", "ST_conf")) if method == "sobol" else (
        ("mu_star", "mu_star_conf"), ("sigma", None))
    y = np.arange(len(grp))
    for k, (col, conf) in enumerate(pairs):
        err = grp[conf].to_numpy(float) if conf else None
        ax.barh(y + (k - 0.5) * 0.38, grp[col], height=0.36, xerr=err, capsize=2,
                color=scenario_color(k), label=col)
    ax.set_yticks(y, grp["parameter"])
    ax.invert_yaxis()
    noise = grp["noise_share"].iloc[0]
    ax.set_title(f"{outcome}: {method} indices (replication noise share "
                 f"{noise:.0%})" if np.isfinite(noise) else f"{outcome}: {method} indices")
    ax.axvline(0, color="grey", lw=0.6)
    ax.legend(loc="lower right")
    return fig


def response_curves(sw: Sweep, outcome: str) -> Figure:
    """Outcome against each factor: point means (dots) and binned mean with 95 % band."""
    k = len(sw.factors)
    ncols = min(k, 3)
    fig, axes = new_figure("en", math.ceil(k / ncols), ncols,
                           (4.2 * ncols, 3.4 * math.ceil(k / ncols)))
    means = point_means(sw).reset_index().merge(sw.design, on="point")
    for ax, f in zip(axes.flat, sw.factors, strict=False):
        runs = sw.ok[[f, outcome]].dropna()
        if runs.empty or not pd.api.types.is_numeric_dtype(runs[f]):
            empty_note(ax)
            continue
        ax.scatter(means[f], means[outcome], s=8, alpha=0.35, color="grey", lw=0)
        runs = runs.assign(x=_bin_centres(runs[f].astype(float)))
        band(ax, runs, "x", outcome, scenario_color(0), outcome)
        ax.set_xlabel(f)
        ax.set_ylabel(outcome)
    for ax in list(axes.flat)[k:]:
        ax.set_visible(False)
    fig.suptitle(f"Response of {outcome} (mean over runs, 95 % interval)")
    return fig


def heatmap(sw: Sweep, outcome: str, a: str, b: str) -> Figure:
    """Mean outcome over a grid of two factors (binned when they take many values)."""
    runs = sw.ok[[a, b, outcome]].dropna()
    fig, axes = new_figure("en", size=(6.5, 5))
    ax = axes[0, 0]
    if runs.empty or not all(pd.api.types.is_numeric_dtype(runs[c]) for c in (a, b)):
        empty_note(ax)
        return fig
    grid = runs.assign(xa=_bin_centres(runs[a].astype(float)),
                       xb=_bin_centres(runs[b].astype(float)))
    table = grid.pivot_table(index="xb", columns="xa", values=outcome, aggfunc="mean")
    mesh = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [f"{v:.3g}" for v in table.columns], rotation=45)
    ax.set_yticks(range(table.shape[0]), [f"{v:.3g}" for v in table.index])
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    fig.colorbar(mesh, ax=ax, label=outcome)
    ax.set_title(f"{outcome}: mean over runs")
    return fig


def _bin_centres(x: pd.Series) -> pd.Series:
    """The value itself when few distinct values, else the mean of its quantile bin."""
    if x.nunique() <= MAX_BINS:
        return x
    bins = pd.qcut(x, MAX_BINS, duplicates="drop")
    return x.groupby(bins, observed=True).transform("mean")


def _save(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=110)
