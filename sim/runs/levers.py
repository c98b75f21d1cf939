"""Which lever pays: a bundle's difference from the status quo, lever by lever.

A *bundle* is a scenario's focal strategy against its status quo (``Scenario.status_quo()``,
docs/ODD.md section 5); its *levers* are the focal supplier's strategies switched on and the
focal settings that differ from the status quo's (``kam_managers``, ``service_level``, ...).
Every variant runs on the same seeds (common random numbers) from the same start:

- ``bundle``: the scenario minus the status quo;
- ``removal``: the scenario minus the scenario without the lever (what the lever adds on top
  of all the others);
- ``addition``: the status quo with only the lever minus the status quo (what it does alone);
- ``shapley`` (when there are at most ``MAX_SHAPLEY`` players): the lever's Shapley value, its
  marginal difference averaged over every order in which the levers could be switched on,
  run seed by seed over all ``2^k`` coalitions (the status quo with a set of the levers on).
  The Shapley values of a seed add up to its bundle difference exactly.

Removal and addition differ by the levers' interactions. For a bundle of two levers A and B,
removal(A) + addition(B) is the bundle's difference exactly (the same runs telescope); with
more levers the sums of the removals and of the additions bracket it when the levers are
complements or substitutes. Asked for some of the levers (``selected``), the others form one
player, ``other levers``. Figures per run (``sim.runs.run.summarize``, focal supplier): pool
health (last 52 weeks), net profit, key-account revenue retained; 95 % t intervals over the
seeds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from analysis.intervals import mean_ci
from sim.params import Scenario, Strategies, SupplierParams
from sim.runs.run import simulate, summarize

FIGURES = ("pool_health", "net_profit", "key_revenue_retained")
# focal settings that are no lever (who the supplier is)
NOT_LEVERS = ("name", "focal", "strategies")
MAX_SHAPLEY = 4
"""Shapley values over at most this many players (2^4 = 16 coalitions per seed)."""
OTHERS = "other levers"
COUPLED = {"kam_managers": ("accounts_per_manager", "manager_cost_per_year")}
"""Settings that move with a lever's: ``run.scale`` sets the key-account slots and the cost
per head together with the number of managers (``sim.market.scale``), so they are one lever."""


def levers(params: Scenario) -> list[str]:
    """The bundle's levers: strategy names, then settings that differ from the status quo."""
    f = params.focal_index
    own, sq = params.suppliers[f], params.status_quo().suppliers[f]
    names = [name for name, block in own.strategies if block is not None]
    differ = [k for k in type(own).model_fields
              if k not in NOT_LEVERS and getattr(own, k) != getattr(sq, k)]
    follow = {f for k in differ for f in COUPLED.get(k, ())}
    return names + [k for k in differ if k not in follow]


def _fields(lever: str) -> tuple[str, ...]:
    """The focal settings a settings lever sets."""
    return (lever, *COUPLED.get(lever, ()))


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
    return _with_focal(params, own.model_copy(update={k: getattr(sq, k) for k in _fields(lever)}))


def only(params: Scenario, lever: str) -> Scenario:
    """The status quo with one lever of the scenario switched on."""
    return coalition(params, [lever])


def coalition(params: Scenario, on: Sequence[str]) -> Scenario:
    """The status quo with the levers ``on`` of the scenario switched on."""
    f = params.focal_index
    own = params.suppliers[f]
    base = params.status_quo()
    focal = base.suppliers[f]
    strategies = {k: getattr(own.strategies, k) for k in on if k in Strategies.model_fields}
    settings = {k: getattr(own, k) for lever in on if lever not in Strategies.model_fields
                for k in _fields(lever)}
    st = Strategies().model_copy(update=strategies)
    return _with_focal(base, focal.model_copy(update={**settings, "strategies": st}))


def only_focal_differs(params: Scenario) -> bool:
    """Whether the scenario is its status quo with its levers switched on (nothing else of
    the market or the rivals changed): then the levers account for the whole bundle."""
    full = coalition(params, levers(params))
    return full.model_dump(exclude={"name", "description"}) == \
        params.model_dump(exclude={"name", "description"})


def players(params: Scenario, selected: Sequence[str] | None = None) -> dict[str, tuple[str, ...]]:
    """Player name -> its levers: each selected lever (default: every lever), and the levers
    left out as one player, ``other levers``."""
    names = levers(params)
    chosen = names if selected is None else [n for n in names if n in selected]
    out = {n: (n,) for n in chosen}
    rest = tuple(n for n in names if n not in chosen)
    if rest:
        out[OTHERS] = rest
    return out


def _figures(task: tuple[Scenario, int]) -> dict[str, float]:
    params, seed = task
    model, tables = simulate(params, seed=seed)
    focal = summarize(model, tables)["suppliers"][model.supplier_names[model.focal]]
    return {k: float("nan") if focal[k] is None else float(focal[k]) for k in FIGURES}


def variants(params: Scenario, who: dict[str, tuple[str, ...]],
             shapley: bool) -> dict[frozenset[str], Scenario]:
    """The scenarios to run, keyed by the players switched on: the status quo (empty set),
    the scenario (all), each player alone and each player left out; with ``shapley`` every
    coalition."""
    everyone = frozenset(who)
    if shapley:
        sets = [frozenset(c) for k in range(len(who) + 1)
                for c in itertools.combinations(who, k)]
    else:
        sets = [frozenset(), everyone, *(frozenset([p]) for p in who),
                *(everyone - {p} for p in who)]
    out = {}
    for s in dict.fromkeys(sets):
        if s == everyone:
            out[s] = params
        elif not s:
            out[s] = params.status_quo()
        else:
            out[s] = coalition(params, [lever for p in who if p in s for lever in who[p]])
    return out


def decompose(params: Scenario, seeds: Sequence[int], mapper: Callable = map,
              selected: Sequence[str] | None = None,
              shapley: bool | None = None) -> pd.DataFrame:
    """Per player and method (and the bundle), the paired difference of each figure: columns
    lever, method, figure, mean, lo, hi, n. ``mapper`` runs the tasks (``map``, or a process
    pool's ``map``; results do not depend on it). ``shapley`` (default: when there are at most
    ``MAX_SHAPLEY`` players) adds the Shapley values."""
    who = players(params, selected)
    shapley = len(who) <= MAX_SHAPLEY if shapley is None else shapley
    runs_of = variants(params, who, shapley)
    keys = list(runs_of)
    tasks = [(runs_of[k], s) for k in keys for s in seeds]
    results = list(mapper(_figures, tasks))
    runs = {k: pd.DataFrame(results[i * len(seeds):(i + 1) * len(seeds)], index=list(seeds))
            for i, k in enumerate(keys)}
    everyone, none = frozenset(who), frozenset()
    diffs = [("bundle", "bundle", runs[everyone] - runs[none])]
    for p in who:
        diffs.append((p, "removal", runs[everyone] - runs[everyone - {p}]))
        diffs.append((p, "addition", runs[frozenset([p])] - runs[none]))
    if shapley:
        diffs += [(p, "shapley", shapley_value(runs, list(who), p)) for p in who]
    rows = []
    for lever, method, d in diffs:
        for fig in FIGURES:
            m, lo, hi = mean_ci(d[fig])
            rows.append({"lever": lever, "method": method, "figure": fig, "mean": m, "lo": lo,
                         "hi": hi, "n": int(d[fig].notna().sum())})
    return pd.DataFrame(rows)


def shapley_value(runs: dict[frozenset[str], pd.DataFrame], who: list[str],
                  p: str) -> pd.DataFrame:
    """Player ``p``'s Shapley value, seed by seed: Σ over coalitions S without p of
    |S|! (k − |S| − 1)! / k! × (v(S ∪ {p}) − v(S))."""
    k = len(who)
    others = [q for q in who if q != p]
    total = None
    for size in range(k):
        weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
        for c in itertools.combinations(others, size):
            s = frozenset(c)
            term = weight * (runs[s | {p}] - runs[s])
            total = term if total is None else total + term
    assert total is not None
    return total.astype(np.float64)
