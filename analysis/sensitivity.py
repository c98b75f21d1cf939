"""Numbers from a sweep directory (docs/SWEEPS.md): never imports or runs the model.

Owns reading a sweep (``sweep.json``, ``design.parquet``, ``results/``; every chunk checked
against its checksum by :func:`sim.runs.chunks.verify`), the summary over
replications per point (mean and 95 % t-interval), variance-based (Sobol: S1, ST) and
elementary-effects (Morris: mu*, sigma) indices from SALib, computed on the per-point means of
the replications, with the replication noise beside them, and scenario discovery: a shallow
scikit-learn decision tree whose leaves are boxes of the parameter space where pools turn
funnel-like (pool health below 1).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.intervals import mean_ci
from sim import metrics
from sim.runs.chunks import verify as verify_chunks

__all__ = ["SweepDirError", "Sweep", "load_sweep", "point_summary", "point_means",
           "replication_noise", "indices", "discover", "tree_of", "Discovery"]


class SweepDirError(ValueError):
    """The directory is not a (readable) sweep directory."""


@dataclass
class Sweep:
    """A sweep as written by ``kamsim sweep``: its metadata, design and results."""

    path: Path
    meta: dict[str, Any]
    design: pd.DataFrame
    results: pd.DataFrame

    @property
    def factors(self) -> list[str]:
        return [f["name"] for f in self.meta["factors"]]

    @property
    def outcomes(self) -> list[str]:
        return list(self.meta["outcomes"]["final"])

    @property
    def ok(self) -> pd.DataFrame:
        return self.results[self.results["status"] == "ok"]


def load_sweep(path: str | Path) -> Sweep:
    """Read a sweep directory; raise :class:`SweepDirError` when it is not one."""
    path = Path(path)
    meta_path = path / "sweep.json"
    if not meta_path.is_file():
        raise SweepDirError("not a sweep directory (no sweep.json); run `kamsim sweep` first")
    parts = list((path / "results").glob("part-*.parquet"))
    if not parts:
        raise SweepDirError("the sweep has no results yet")
    bad = verify_chunks(path)
    if bad:
        raise SweepDirError(f"{len(bad)} damaged chunk(s), first {bad[0]}; repair with "
                            "`kamsim sweep SPEC --out DIR --resume` (it runs their runs "
                            "again)")
    meta = json.loads(meta_path.read_text())
    results = pd.read_parquet(path / "results").sort_values("run").reset_index(drop=True)
    design = pd.read_parquet(path / "design.parquet").sort_values("point")
    return Sweep(path, meta, design.reset_index(drop=True), results)


def point_summary(sw: Sweep, level: float = 0.95) -> pd.DataFrame:
    """Per point and outcome: factor values, runs ok/failed, mean and t-interval over reps."""
    rows = []
    failed = sw.results[sw.results["status"] != "ok"].groupby("point").size()
    for point, grp in sw.ok.groupby("point"):
        for o in sw.outcomes:
            m, lo, hi = mean_ci(grp[o].to_numpy(float), level)
            rows.append({"point": point, "outcome": o, "n": int(grp[o].notna().sum()),
                         "failed": int(failed.get(point, 0)), "mean": m, "lo": lo, "hi": hi})
    out = pd.DataFrame(rows, columns=["point", "outcome", "n", "failed", "mean", "lo", "hi"])
    return sw.design[["point", *sw.factors]].merge(out, on="point", how="right")


def point_means(sw: Sweep) -> pd.DataFrame:
    """Mean over successful replications, one row per design point (NaN where none)."""
    means = sw.ok.groupby("point")[sw.outcomes].mean()
    return means.reindex(sw.design["point"])


def replication_noise(sw: Sweep, outcome: str) -> dict[str, float]:
    """How much of the spread of per-point means is replication noise.

    ``noise_sd``: pooled within-point standard deviation of single runs; ``noise_share``:
    (within-point variance / replications) / variance of the per-point means: near 0 the
    indices describe the parameters, near 1 they describe the noise.
    """
    ok = sw.ok[["point", outcome]].dropna()
    within = ok.groupby("point")[outcome].var(ddof=1).dropna()
    reps = ok.groupby("point").size().mean() if len(ok) else math.nan
    between = float(point_means(sw)[outcome].var(ddof=1))
    noise = float(within.mean()) if len(within) else math.nan
    share = noise / reps / between if between > 0 and not math.isnan(noise) else math.nan
    return {"noise_sd": math.sqrt(noise) if noise >= 0 else math.nan,
            "noise_share": min(share, 1.0) if not math.isnan(share) else math.nan}


def indices(sw: Sweep, seed: int = 0) -> pd.DataFrame | None:
    """Sobol or Morris indices per outcome and parameter (None for other designs).

    Columns: outcome, parameter, the indices with their 95 % intervals, ``*_rep_sd`` (spread
    of each index when estimated from one replication at a time), noise_sd, noise_share and
    a note when an outcome cannot be analysed.
    """
    method = sw.meta["method"]
    if method not in ("sobol", "morris"):
        return None
    means = point_means(sw)
    frames = []
    for o in sw.outcomes:
        y = means[o].to_numpy(float)
        noise = replication_noise(sw, o)
        if not np.isfinite(y).all():
            frames.append(pd.DataFrame({"outcome": [o], "parameter": [None], "note": [
                f"{int((~np.isfinite(y)).sum())} of {y.size} points have no value"]}))
            continue
        est = _estimate(sw, method, y, seed)
        spread = _rep_spread(sw, method, o, seed)
        frame = est.join(spread) if spread is not None else est
        frame.insert(0, "outcome", o)
        frames.append(frame.assign(**noise, note=""))
    return pd.concat(frames, ignore_index=True)


def _estimate(sw: Sweep, method: str, y: np.ndarray, seed: int) -> pd.DataFrame:
    problem = {k: sw.meta["problem"][k] for k in ("num_vars", "names", "bounds")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=sw.meta["second_order"],
                                seed=seed)
            cols = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            x = sw.design[[f"x.{n}" for n in sw.factors]].to_numpy(float)
            res = morris.analyze(problem, x, y, num_levels=sw.meta["levels"], seed=seed)
            cols = ("mu_star", "mu_star_conf", "sigma", "mu")
    data = {c: np.asarray(res[c], float) for c in cols}
    return pd.DataFrame({"parameter": problem["names"], **data})


def _rep_spread(sw: Sweep, method: str, outcome: str, seed: int) -> pd.DataFrame | None:
    """Standard deviation of each index across one-replication estimates."""
    wide = sw.ok.pivot_table(index="point", columns="replicate", values=outcome)
    wide = wide.reindex(sw.design["point"])
    if wide.shape[1] < 2:
        return None
    main = "S1" if method == "sobol" else "mu_star"
    total = "ST" if method == "sobol" else "sigma"
    ests = [_estimate(sw, method, wide[c].to_numpy(float), seed) for c in wide.columns
            if np.isfinite(wide[c].to_numpy(float)).all()]
    if len(ests) < 2:
        return None
    stack = np.stack([e[[main, total]].to_numpy() for e in ests])
    sd = stack.std(axis=0, ddof=1)
    return pd.DataFrame({f"{main}_rep_sd": sd[:, 0], f"{total}_rep_sd": sd[:, 1]})


@dataclass
class Discovery:
    """Scenario discovery result: the tree as text and its leaves as boxes."""

    outcome: str
    threshold: float
    runs: int
    hits: int
    text: str
    boxes: pd.DataFrame
    tree: Any = None
    features: list[str] | None = None


def discover(sw: Sweep, outcome: str = "focal.pool_health",
             threshold: float = metrics.REFILL_LEVEL, max_depth: int = 3) -> Discovery | None:
    """Which parameter region gives ``outcome < threshold`` (funnel-like pools)?

    By default a run is funnel-like exactly when the verdict of ``sim.metrics`` on that one
    run is a funnel: its pool does not refill (pool health below ``REFILL_LEVEL``).

    A scikit-learn decision tree (depth ``max_depth``, leaves of at least 5 % of the runs)
    classifies runs; each leaf is a box with its density (share of funnel runs inside) and
    coverage (share of all funnel runs it holds). None when ``outcome`` was not recorded.
    """
    if outcome not in sw.outcomes:
        return None
    data = sw.ok[[*sw.factors, outcome]].dropna()
    x = _features(data[sw.factors])
    values = data[outcome].to_numpy(float)
    y = (~metrics.refills(values) if outcome == "focal.pool_health"
         and threshold == metrics.REFILL_LEVEL else values < threshold)
    hits = int(y.sum())
    if hits == 0 or hits == len(y):
        what = "no" if hits == 0 else "every"
        return Discovery(outcome, threshold, len(y), hits, f"{what} run has {outcome} < "
                         f"{threshold:g} ({hits} of {len(y)}): nothing to discover\n",
                         pd.DataFrame())
    tree, text, boxes = tree_of(x, y, max_depth)
    return Discovery(outcome, threshold, len(y), hits, text, boxes, tree, list(x.columns))


def tree_of(x: pd.DataFrame, y: np.ndarray, max_depth: int = 3,
            classes: tuple[str, str] = ("healthy", "funnel")) -> tuple[Any, str, pd.DataFrame]:
    """The scenario-discovery tree of a yes/no outcome ``y`` over the parameters ``x``
    (numeric columns): a scikit-learn decision tree of depth ``max_depth`` with leaves of at
    least 5 % of the rows, its text (class names ``classes``) and its leaves as boxes
    (:func:`discover`; also ``kamsim compare --robustness``, ``sim/runs/robustness.py``)."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=0,
                                  min_samples_leaf=max(2, int(0.05 * len(y))))
    tree.fit(x, y)
    text = export_text(tree, feature_names=list(x.columns), class_names=list(classes),
                       show_weights=True, decimals=3)
    return tree, text, _boxes(tree, x, np.asarray(y))


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = out[c].astype(int)
        elif not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = pd.Categorical(out[c]).codes
    return out


def _boxes(tree, x: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    """Every leaf as a box: per-factor limits, runs, density and coverage."""
    t, names = tree.tree_, list(x.columns)
    leaf_of = tree.apply(x)
    rows = []

    def walk(node: int, limits: dict[str, list[float]]) -> None:
        if t.children_left[node] == -1:
            inside = leaf_of == node
            box = {f"{n} {side}": v for n, (lo, hi) in limits.items()
                   for side, v in (("min", lo), ("max", hi))}
            rows.append({"leaf": node, "runs": int(inside.sum()), "funnel": int(y[inside].sum()),
                         "density": float(y[inside].mean()),
                         "coverage": float(y[inside].sum() / y.sum()), **box})
            return
        name, cut = names[t.feature[node]], float(t.threshold[node])
        lo, hi = limits[name]
        walk(t.children_left[node], {**limits, name: [lo, min(hi, cut)]})
        walk(t.children_right[node], {**limits, name: [max(lo, cut), hi]})

    walk(0, {n: [float(x[n].min()), float(x[n].max())] for n in names})
    boxes = pd.DataFrame(rows)
    return boxes.sort_values(["density", "coverage"], ascending=False).reset_index(drop=True)
