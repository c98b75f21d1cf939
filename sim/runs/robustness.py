"""Robust to the market, not just to luck: every strategy of a comparison over many markets.

``kamsim compare --robustness N`` samples N plausible markets within the ranges a scenario
declares under ``[uncertainties]`` (``sim/uncertainties.py``) by the sweep machinery: the
assumptions are checked as sweep factors are (``sim.runs.specfile``), the Latin hypercube is a
sweep's design (``sim.runs.sweepspec``, SALib, seeded by ``--seed``), run ``r`` of market ``m``
has the sweep's seed of replicate ``r`` of point ``m`` (``sim.runs.sweep.run_seed``, a stream
of its own per market), runs go to a sweep backend (a process pool or Dask) and their figures
are sweep outcomes (``sim.runs.outcomes``). ``compare --posterior CALIB_DIR`` takes the
markets from a calibration's posterior draws instead (``sim.book.posterior.draws``); the rest
is the same code.

Every strategy runs in every market on the same seeds (common random numbers), each market's
draw applied like a ``--set`` to every scenario (so also to the status quo the market settles
under, and before ``run.scale``). Per strategy this module reports the share of markets in
which it is a reservoir or a funnel (the verdict of ``sim.metrics`` over the market's
replications: with one, the run's own pool health) and in which it has the highest net profit
of all the strategies, and which assumptions flip the ranking or a verdict: scenario discovery
by the decision tree of ``kamsim analyze`` (``analysis.sensitivity.tree_of``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.scenario import InputError

FINAL = ("focal.pool_health", "focal.net_profit", "focal.market_share",
         "focal.annual_retention")
"""Sweep outcomes recorded per run (``sim.runs.outcomes.FINAL``)."""


@dataclass(frozen=True)
class Markets:
    """The markets a comparison runs in: where they come from, the assumptions they vary
    (key, low, high) and one draw per market (dotted key -> value)."""

    source: str  # "latin" or "posterior"
    assumptions: tuple[tuple[str, float, float], ...]
    draws: tuple[dict[str, float], ...]

    def __len__(self) -> int:
        return len(self.draws)


def latin(path: Path, n: int, seed: int, steps: int | None = None) -> Markets:
    """``n`` markets by Latin hypercube within the ``[uncertainties]`` of scenario ``path``,
    the design of a sweep with those factors (``sim.runs.sweepspec.design``)."""
    from sim import scenario
    from sim.runs import specfile, sweepspec
    from sim.schema import iter_params

    if n < 1:
        raise InputError([(str(path), "--robustness", f"must be at least 1 market, got {n}")])
    ranges = scenario.uncertainties(path)
    if not ranges:
        raise InputError([(str(path), "uncertainties", "declares no uncertain assumptions to "
                           "sample; add an [uncertainties] table (docs/SWEEPS.md)")])
    params = scenario.load(path)
    infos = {p.key: p for p in iter_params(params)}
    base = params.model_dump(mode="json")
    problems: list[tuple[str, str, str]] = []
    factors = []
    for i, (key, (lo, hi)) in enumerate(ranges.items()):
        found: list = []
        block = specfile.ParameterBlock(key=key, bounds=[lo, hi])
        factors.append(specfile.factor_of(path, i, block, infos, base, found))
        problems += [(f, f"uncertainties.{key}", m) for f, _, m in found]
    if problems:
        raise InputError(problems)
    spec = sweepspec.SweepSpec(
        path=str(path), name="robustness", description="", scenario=str(path), base=base,
        factors=tuple(factors), method="latin", samples=n, levels=4, second_order=False,
        replications=1, steps=steps or params.run.weeks, root_seed=seed,
        common_random_numbers=False, chunk_size=64, final=FINAL, series=(), stride=13)
    design = sweepspec.design(spec)
    draws = tuple({f.keys[0]: _plain(row[f.name]) for f in spec.factors}
                  for _, row in design.iterrows())
    return Markets("latin", tuple((k, lo, hi) for k, (lo, hi) in ranges.items()), draws)


def posterior(calib_dir: Path, n: int, seed: int) -> Markets:
    """``n`` markets drawn from a calibration's posterior (``sim.book.posterior.draws``)."""
    try:
        from sim.book.posterior import draws as posterior_draws
    except ImportError:
        raise InputError([(str(calib_dir), "--posterior", "posterior draws are not available "
                           "in this version of kamsim (sim.book.posterior.draws is missing)")]
                         ) from None
    if n < 1:
        raise InputError([(str(calib_dir), "--draws", f"must be at least 1, got {n}")])
    draws = tuple(dict(d) for d in posterior_draws(Path(calib_dir), n, seed))
    if not draws or not all(draws):
        raise InputError([(str(calib_dir), "--posterior", "the calibration gives no parameter "
                           "draws")])
    keys = list(dict.fromkeys(k for d in draws for k in d))
    bad = [k for k in keys if not all(isinstance(d.get(k), int | float)
                                      and math.isfinite(d[k]) for d in draws)]
    if bad:
        raise InputError([(str(calib_dir), bad[0], "a posterior draw lacks it or is not a "
                           "finite number")])
    return Markets("posterior", tuple((k, float(min(d[k] for d in draws)),
                                       float(max(d[k] for d in draws))) for k in keys), draws)


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


@dataclass(frozen=True)
class Task:
    scenario: str
    market: int
    rep: int
    seed: int
    params: Any  # sim.params.Scenario


def tasks(scenarios: Sequence[tuple[str, Callable[[dict], Any]]], markets: Markets,
          root_seed: int, reps: int = 1) -> list[Task]:
    """Every (market, rep, scenario) run, market by market. ``scenarios``: (name, function of
    a draw -> the validated scenario in that market); the first problem of a draw (a key no
    scenario has, a value outside its bounds) raises :class:`InputError` before any run."""
    from sim.runs.pool import Progress
    from sim.runs.sweep import run_seed

    out = []
    with Progress(len(markets), "markets", "markets") as bar:
        for m, draw in enumerate(markets.draws):
            built = [(name, load(draw)) for name, load in scenarios]
            for r in range(reps):
                seed = run_seed(root_seed, m, r, common=False)
                out += [Task(name, m, r, seed, params) for name, params in built]
            bar.update()
    return out


def outcomes_of(params: Any, seed: int, steps: int | None) -> dict[str, float]:
    """One run's sweep outcomes ``FINAL`` (a worker's task)."""
    from sim.runs import outcomes
    from sim.runs.pool import limit_threads
    from sim.runs.run import simulate

    limit_threads()
    try:
        model, tables = simulate(params, seed=seed, steps=steps)
        return outcomes.compute(model, tables, FINAL, (), 13)[0]
    except Exception as exc:  # name the run that failed
        raise RuntimeError(f"{params.name} (seed {seed}): {type(exc).__name__}: {exc}"
                           ) from exc


def run(todo: list[Task], markets: Markets, *, steps: int | None = None,
        workers: int | None = None, dask: str | None = None,
        progress: bool = True) -> pd.DataFrame:
    """Run every task on a sweep backend (``workers`` processes, or Dask at ``dask``; in this
    process with ``workers=1``); one row per run: scenario, market, rep, seed, the market's
    assumptions, the outcomes. The result does not depend on the backend."""
    from sim.runs.pool import Progress
    from sim.runs.sweep import make_backend

    results: list[dict[str, float] | None] = [None] * len(todo)
    with Progress(len(todo), "robustness", "runs", enabled=progress) as bar:
        if workers == 1 and not dask:
            for i, t in enumerate(todo):
                results[i] = outcomes_of(t.params, t.seed, steps)
                bar.update()
        else:
            backend = make_backend(workers, dask)
            try:
                pending = {backend.call(outcomes_of, t.params, t.seed, steps): i
                           for i, t in enumerate(todo)}
                while pending:
                    done, _ = backend.wait(pending)
                    for fut in done:
                        results[pending.pop(fut)] = fut.result()
                        bar.update()
            except BaseException:
                backend.close(cancel=True)
                raise
            backend.close(cancel=False)
    keys = [k for k, _, _ in markets.assumptions]
    rows = [{"scenario": t.scenario, "market": t.market, "rep": t.rep, "seed": t.seed,
             **{k: float(markets.draws[t.market].get(k, math.nan)) for k in keys}, **res}
            for t, res in zip(todo, results, strict=True) if res is not None]
    return pd.DataFrame(rows)


def summarize(table: pd.DataFrame, markets: Markets, names: Sequence[str]) -> dict:
    """The ``robustness`` entry of ``summary.json`` (docs/TABLES.md): source, markets,
    assumptions, per scenario the shares of markets in which it is a reservoir, a funnel and
    the best on net profit, and the assumptions that flip the ranking or a verdict."""
    kinds = {s: {} for s in names}
    for (scen, m), g in table.groupby(["scenario", "market"], sort=False):
        kinds[scen][m] = metrics.verdict(g["focal.pool_health"]).kind
    profit = table.groupby(["market", "scenario"])["focal.net_profit"].mean().unstack()
    profit = profit.reindex(columns=list(names))
    best = profit.apply(lambda row: row.idxmax() if row.notna().any() else None, axis=1)
    n = len(markets)
    by = {s: {"share_reservoir": sum(k == "reservoir" for k in kinds[s].values()) / n,
              "share_funnel": sum(k == "funnel" for k in kinds[s].values()) / n,
              "share_best_net_profit": float((best == s).sum()) / n} for s in names}
    x = pd.DataFrame(list(markets.draws), columns=[k for k, _, _ in markets.assumptions])
    flips = []
    if best.notna().any():
        top = best.value_counts().index[0]
        flips += _flips(x, (best != top).to_numpy(), f"{top} is not the best on net profit",
                        best.reset_index(drop=True))
    for s in names:
        v = pd.Series(kinds[s]).reindex(range(n))
        usual = v.value_counts().index[0]
        flips += _flips(x, (v != usual).to_numpy(), f"{s} is not a {usual}"
                        if usual != "inconclusive" else f"{s} is not inconclusive")
    return {"source": markets.source, "markets": n,
            "assumptions": [{"key": k, "lo": lo, "hi": hi} for k, lo, hi in markets.assumptions],
            "by_scenario": by, "flips": flips}


MIN_FLIPS = 3
"""Fewer markets than this on either side of a split say nothing about an assumption."""


def _flips(x: pd.DataFrame, y: np.ndarray, what: str,
           winners: pd.Series | None = None) -> list[dict]:
    """``{key, importance, text}`` per assumption that the discovery tree of ``y`` (the
    markets where ``what`` holds) splits on, most important first. The text reads the split
    nearest the tree's root on that assumption: how often ``what`` holds below and above it
    (with ``winners``, the best scenario of each market, the most frequent one where it
    holds more often). Nothing when ``what`` holds, or fails, in fewer than ``MIN_FLIPS``
    markets."""
    from analysis.sensitivity import tree_of

    hits = int(y.sum())
    if min(hits, len(y) - hits) < max(MIN_FLIPS, int(0.05 * len(y))) or x.empty:
        return []
    tree, _, _ = tree_of(x, y, max_depth=3, classes=("usual", "flipped"))
    cut = _first_splits(tree.tree_)
    out = []
    for j, (key, imp) in sorted(enumerate(zip(x.columns, tree.feature_importances_,
                                               strict=True)), key=lambda kv: -kv[1][1]):
        if imp <= 0 or j not in cut:
            continue
        below = (x[key] <= cut[j]).to_numpy()
        a, na, b, nb = int(y[below].sum()), int(below.sum()), int(y[~below].sum()), \
            int((~below).sum())
        there = ""
        if winners is not None:
            side = below if a / max(na, 1) >= b / max(nb, 1) else ~below
            top = winners[side & y].value_counts()
            if len(top):
                there = f"; there the best is mostly {top.index[0]}"
        out.append({"key": key, "importance": float(imp),
                    "text": f"{what} in {a} of {na} markets with {key} ≤ {cut[j]:.4g} and "
                            f"in {b} of {nb} with it above{there}"})
    return out


def _first_splits(t) -> dict[int, float]:
    """Feature index -> threshold of its split nearest the root of tree ``t``."""
    out: dict[int, float] = {}
    level = [0]
    while level:
        nxt = []
        for node in level:
            if t.children_left[node] == -1:
                continue
            out.setdefault(int(t.feature[node]), float(t.threshold[node]))
            nxt += [t.children_left[node], t.children_right[node]]
        level = nxt
    return out


def shares_line(entry: dict, name: str) -> str:
    """One line of the ``robustness`` entry (:func:`summarize`) for scenario ``name``."""
    s = entry["by_scenario"][name]
    where = "posterior draws" if entry["source"] == "posterior" else "sampled markets"
    return (f"{name}: a reservoir in {s['share_reservoir']:.0%}, a funnel in "
            f"{s['share_funnel']:.0%}, the best on net profit in "
            f"{s['share_best_net_profit']:.0%} of {entry['markets']} {where}")
