"""Which lever pays: a bundle's difference from the status quo, lever by lever.

A *bundle* is a scenario's focal strategy against its status quo (``Scenario.status_quo()``,
docs/ODD.md section 5); its *levers* are the focal supplier's strategies switched on and the
focal settings that differ from the status quo's (``kam_managers``, ``service_level``, ...).
Every variant runs on the same seeds (common random numbers) from the same start:

- ``bundle``: the scenario minus the status quo;
- ``removal``: the scenario minus the scenario without the lever (what the lever adds on top
  of all the others);
- ``addition``: the status quo with only the lever minus the status quo (what it does alone).

The two differ by the levers' interactions. For a bundle of two levers A and B, removal(A) +
addition(B) is the bundle's difference exactly (the same runs telescope); with more levers the
sums of the removals and of the additions bracket it when the levers are complements or
substitutes. Figures per run (``sim.runs.run.summarize``, focal supplier): pool health (last 52
weeks), net profit, key-account revenue retained; 95 % t intervals over the seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from analysis.intervals import mean_ci
from sim.params import Scenario, Strategies, SupplierParams
from sim.runs.run import simulate, summarize

FIGURES = ("pool_health", "net_profit", "key_revenue_retained")
# focal settings that are no lever (who the supplier is)
NOT_LEVERS = ("name", "focal", "strategies")


def levers(params: Scenario) -> list[str]:
    """The bundle's levers: strategy names, then settings that differ from the status quo."""
    f = params.focal_index
    own, sq = params.suppliers[f], params.status_quo().suppliers[f]
    names = [name for name, block in own.strategies if block is not None]
    return names + [k for k in type(own).model_fields
                    if k not in NOT_LEVERS and getattr(own, k) != getattr(sq, k)]


def _with_focal(params: Scenario, focal: SupplierParams) -> Scenario:
    sup = list(params.suppliers)
    sup[params.focal_index] = focal
    return params.model_copy(update={"suppliers": sup})


def without(params: Scenario, lever: str) -> Scenario:
    """The scenario with one lever back at the status quo."""
    f = params.focal_index
    own, sq = params.suppliers[f], params.status_quo().suppliers[f]
    if lever in Strategies.model_fields:
        st = own.strategies.model_copy(update={lever: None})
        return _with_focal(params, own.model_copy(update={"strategies": st}))
    return _with_focal(params, own.model_copy(update={lever: getattr(sq, lever)}))


def only(params: Scenario, lever: str) -> Scenario:
    """The status quo with one lever of the scenario switched on."""
    f = params.focal_index
    own = params.suppliers[f]
    base = params.status_quo()
    sq = base.suppliers[f]
    if lever in Strategies.model_fields:
        st = Strategies().model_copy(update={lever: getattr(own.strategies, lever)})
        return _with_focal(base, sq.model_copy(update={"strategies": st}))
    return _with_focal(base, sq.model_copy(update={lever: getattr(own, lever)}))


def _figures(task: tuple[Scenario, int]) -> dict[str, float]:
    params, seed = task
    model, tables = simulate(params, seed=seed)
    focal = summarize(model, tables)["suppliers"][model.supplier_names[model.focal]]
    return {k: float("nan") if focal[k] is None else float(focal[k]) for k in FIGURES}


def decompose(params: Scenario, seeds: Sequence[int],
              mapper: Callable = map) -> pd.DataFrame:
    """Per lever and method (and the bundle), the paired difference of each figure: columns
    lever, method, figure, mean, lo, hi, n. ``mapper`` runs the tasks (``map``, or a process
    pool's ``map``; results do not depend on it)."""
    names = levers(params)
    variants = {("bundle", "scenario"): params, ("bundle", "status quo"): params.status_quo()}
    for lever in names:
        variants[(lever, "without")] = without(params, lever)
        variants[(lever, "only")] = only(params, lever)
    keys = list(variants)
    tasks = [(variants[k], s) for k in keys for s in seeds]
    results = list(mapper(_figures, tasks))
    runs = {k: pd.DataFrame(results[i * len(seeds):(i + 1) * len(seeds)], index=list(seeds))
            for i, k in enumerate(keys)}
    pairs = [("bundle", "bundle", runs[("bundle", "scenario")], runs[("bundle", "status quo")])]
    for lever in names:
        pairs.append((lever, "removal", runs[("bundle", "scenario")], runs[(lever, "without")]))
        pairs.append((lever, "addition", runs[(lever, "only")], runs[("bundle", "status quo")]))
    rows = []
    for lever, method, a, b in pairs:
        for fig in FIGURES:
            d = a[fig] - b[fig]
            m, lo, hi = mean_ci(d)
            rows.append({"lever": lever, "method": method, "figure": fig, "mean": m, "lo": lo,
                         "hi": hi, "n": int(d.notna().sum())})
    return pd.DataFrame(rows)
