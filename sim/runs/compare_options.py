"""The options of ``kamsim compare`` that go beyond the replications: ``--levers`` (which
lever of the one bundle pays, ``sim.runs.levers``) and ``--robustness N`` / ``--posterior``
(every scenario over many markets, ``sim.runs.robustness``).

Owns checking them before anything runs (one ``InputError`` line per problem, naming the file
or option), running them and their entries of ``summary.json`` (``levers``, ``robustness``;
docs/TABLES.md). ``levers.parquet`` and ``robustness.parquet`` hold their runs' figures.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io import nan_to_none
from sim.scenario import InputError

DEFAULT_DRAWS = 64


def check(plan: Any, *, levers: Sequence[str] | None = None, robustness: int | None = None,
          posterior: str | Path | None = None, draws: int | None = None) -> Any:
    """``plan`` (a ``sim.runs.compare.Plan``) with its options checked and set; raises
    :class:`InputError` with every problem."""
    problems: list[tuple[str, str, str]] = []
    update: dict[str, Any] = {}
    first = str(plan.files[_own(plan)[0]])
    if levers is not None:
        try:
            update.update(_bundle(plan, levers))
        except InputError as exc:
            problems += exc.problems
    if robustness is not None and posterior is not None:
        problems.append((first, "--robustness", "give --robustness or --posterior, not "
                         "both"))
    elif draws is not None and posterior is None:
        problems.append((first, "--draws", "counts posterior draws: give --posterior "
                         "CALIB_DIR"))
    elif robustness is not None or posterior is not None:
        try:
            update.update(_markets(plan, robustness, posterior, draws))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return dataclasses.replace(plan, **update)


def _own(plan: Any) -> list[int]:
    """Indices of the scenarios given (not the status quo)."""
    return [i for i, n in enumerate(plan.names) if n != plan.status_quo]


def _bundle(plan: Any, selected: Sequence[str]) -> dict[str, Any]:
    from sim.runs import levers as lv

    found = [(i, p) for i in _own(plan) for p in [plan.scenario(i)] if lv.levers(p)]
    if not found:
        return _fail(str(plan.files[_own(plan)[0]]), "--levers", "no scenario switches on a "
                     "lever (a focal strategy, or a focal setting other than its status quo's)")
    i, params = found[0]  # several bundles: the first file's is the one decomposed
    file = str(plan.files[i])
    if not lv.only_focal_differs(params):
        return _fail(file, "--levers", "the scenario changes more than the focal supplier's "
                     "levers (the market or a rival); --levers decomposes a focal bundle")
    own = lv.levers(params)
    bad = [x for x in selected if x not in own]
    if bad:
        hint = difflib.get_close_matches(bad[0], own, n=1)
        return _fail(file, "--levers", f"'{bad[0]}' is not a lever this scenario switches on"
                     + (f"; did you mean '{hint[0]}'?" if hint else f" ({', '.join(own)})"))
    return {"bundle": plan.names[i], "levers": tuple(dict.fromkeys(selected))}


def _markets(plan: Any, n: int | None, posterior: str | Path | None,
             draws: int | None) -> dict[str, Any]:
    from sim.runs import robustness as rb

    if posterior is not None:
        markets = rb.posterior(Path(posterior), draws or DEFAULT_DRAWS, plan.root_seed)
    else:
        assert n is not None
        markets = rb.latin(plan.files[_own(plan)[0]], n, plan.root_seed, plan.steps)
    scenarios = [(name, (lambda draw, i=i: plan.scenario(i, draw)))
                 for i, name in enumerate(plan.names)]
    return {"markets": markets, "market_runs": tuple(rb.tasks(scenarios, markets,
                                                              plan.root_seed))}


def _fail(file: str, key: str, message: str) -> dict:
    raise InputError([(file, key, message)])


def run(plan: Any, *, workers: int | None = None, dask: str | None = None,
        progress: bool = True) -> dict[str, pd.DataFrame]:
    """The tables of the options ``plan`` asks for: ``levers`` and ``robustness``."""
    out = {}
    if plan.bundle is not None:
        out["levers"] = _decompose(plan, workers, progress)
    if plan.markets is not None:
        from sim.runs import robustness as rb

        out["robustness"] = rb.run(list(plan.market_runs), plan.markets, steps=plan.steps,
                                   workers=workers, dask=dask, progress=progress)
    return out


def _decompose(plan: Any, workers: int | None, progress: bool) -> pd.DataFrame:
    from sim.runs import levers as lv
    from sim.runs.pool import Progress, map_ordered

    params = plan.scenario(plan.names.index(plan.bundle))
    selected = list(plan.levers) or None
    who = lv.players(params, selected)
    total = len(lv.variants(params, who, len(who) <= lv.MAX_SHAPLEY)) * len(plan.seeds)
    n = max(1, min(workers or os.cpu_count() or 1, total))
    with Progress(total, f"levers of {plan.bundle}", "runs", enabled=progress) as bar:
        table = lv.decompose(params, plan.seeds, selected=selected, mapper=lambda fn, tasks:
                             map_ordered(fn, list(tasks), n, bar,
                                         preload=["sim.runs.levers", "sim.runs.run"]))
    table.insert(0, "bundle", plan.bundle)
    return table


def summaries(plan: Any, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The ``levers`` and ``robustness`` entries of ``summary.json`` (docs/TABLES.md)."""
    out: dict[str, Any] = {}
    if plan.bundle is not None and "levers" in tables:
        t = tables["levers"]
        parts = t[t["method"] != "bundle"]
        cols = ["lever", "figure", "method", "mean", "lo", "hi", "n"]
        out["levers"] = nan_to_none({
            "bundle": plan.bundle,
            "method": "shapley" if (parts["method"] == "shapley").any() else "removal",
            "rows": parts[cols].to_dict("records"),
            "bundle_difference": t.loc[t["method"] == "bundle", cols[1:2] + cols[3:]]
            .to_dict("records")})
    if plan.markets is not None and "robustness" in tables:
        from sim.runs import robustness as rb

        out["robustness"] = nan_to_none(rb.summarize(tables["robustness"], plan.markets,
                                                     list(plan.names)))
    return out
