"""The search of ``kamsim calibrate``: first wave, ABC-SMC or point fit, re-scoring.

Owns the distance of a candidate to the book (:func:`distance`: the root mean square over the
fitted targets of ``(model - observed) / scale``, ``scale`` the target's bootstrap standard
error combined with the replication noise of a candidate's mean, :func:`scales`), the first
wave (a Latin hypercube over the priors, SALib, every run at once through the sweep
machinery), which targets are left out of the fit as out of reach, the ABC-SMC step
(:mod:`sim.book.smc`) or Optuna's TPE point search, and the re-scoring of the best
candidates on fresh seeds. Every candidate runs on the same seeds (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.runs.sweep import run_seed

if TYPE_CHECKING:
    from sim.book.calibrate import Plan, _Runner

RESCORE = 3  # best candidates re-scored with fresh replications
BATCH = 4    # candidates asked of the point search at a time (fixed: results do not depend
             # on the number of workers)
FIRST_SHARE = 0.25  # of the candidates, the first wave's (a half for a point fit)
EXCLUDE_Z = 3.0     # a target no first-wave candidate comes this close to is not fitted
START_QUANTILE = 0.75  # ABC-SMC's first epsilon: this quantile of the first wave's distances


@dataclass
class Search:
    """What the search leaves: every candidate, the posterior, the re-scored best."""

    rows: list[dict]                 # values, distance, wave, _mean, _sd, _runs (, rescored)
    posterior: pd.DataFrame          # accepted particles: values, distance, weight
    best: dict                       # index into rows, distance, mean, sd over all its runs
    excluded: list[str]              # targets left out of the distance after the first wave
    smc: dict = field(default_factory=dict)  # generations, evaluations, epsilons


def distance(mean: dict[str, float], observed: dict[str, float],
             scale: dict[str, float]) -> float:
    """Root mean square of ``(model - observed) / scale`` over the targets in ``scale``; a
    figure the runs leave undefined counts as 1000 scales away."""
    z2 = [((mean.get(k, math.nan) - observed[k]) / s) ** 2 for k, s in scale.items()]
    return float(math.sqrt(np.mean([v if math.isfinite(v) else 1e6 for v in z2])))


def scales(plan: Plan, rows: list[dict], fit: list[str]) -> dict[str, float]:
    """Each fitted target's scale: its bootstrap standard error combined with the standard
    error of a candidate's mean over its replications (:func:`replication_se`)."""
    t = plan.targets.set_index("figure")
    return {k: float(math.hypot(t.loc[k, "se"], replication_se(rows, k, plan.reps)))
            for k in fit}


def replication_se(rows: list[dict], name: str, reps: int) -> float:
    """The standard error of a candidate's mean of ``name`` over its ``reps`` replications,
    from the candidates ``rows`` (their ``_runs``): the median over candidates of the
    variance of its runs where the figure is defined (two at least), each divided by the
    median of chi2(df)/df, so that it estimates the runs' variance when they are normal with a
    common spread (the bare median of two runs' standard deviations is 0.67 of it), over
    ``sqrt(reps)``. Zero with one replication, or when no candidate has two defined runs."""
    from scipy.stats import chi2

    ratios = []
    for r in rows:
        x = np.array([run.get(name, math.nan) for run in r["_runs"]], float)
        x = x[np.isfinite(x)]
        if len(x) > 1:
            df = len(x) - 1
            ratios.append(np.var(x, ddof=1) / (chi2.median(df) / df))
    return float(math.sqrt(np.median(ratios) / reps)) if ratios else 0.0


def epsilon_floor(k: int, level: float = 0.9) -> float:
    """The distance the true parameters exceed with probability ``1 - level`` when the
    ``k`` scaled errors are independent standard normal: ABC-SMC stops there (a smaller
    epsilon would reject the truth more often, and only fit noise)."""
    from scipy.stats import chi2

    return float(math.sqrt(chi2.ppf(level, k) / k))


def _summary(runs: list[dict[str, float]]) -> tuple[dict, dict]:
    frame = pd.DataFrame(runs)
    sd = frame.std(ddof=1) if len(frame) > 1 else frame.mean() * 0
    return frame.mean().to_dict(), sd.fillna(0.0).to_dict()


def search(plan: Plan, runner: _Runner) -> Search:
    """Every candidate of the calibration, its posterior and its re-scored best."""
    names = [k for k, _, _ in plan.free]
    seeds = [run_seed(plan.seed, 0, r) for r in range(plan.reps)]  # common random numbers
    n_points, first = split(plan.budget, plan.reps, plan.point)
    rows = _first_wave(plan, runner, seeds, first)
    excluded = _out_of_reach(plan, rows)
    scale = scales(plan, rows, [f for f in plan.fit if f not in excluded] or list(plan.fit))
    t = plan.targets.set_index("figure")
    obs = {k: float(t.loc[k, "value"]) for k in plan.targets["figure"]}
    for r in rows:
        r["distance"] = distance(r["_mean"], obs, scale)
    smc: dict = {}

    def evaluate(values: dict[str, float]) -> dict:
        runs = runner.batch([(values, s) for s in seeds])
        mean, sd = _summary(runs)
        rows.append({**values, "distance": distance(mean, obs, scale), "wave": "smc",
                     "_mean": mean, "_sd": sd, "_runs": runs})
        return mean

    if plan.point:
        _point_search(plan, runner, rows, seeds, n_points, lambda m: distance(m, obs, scale))
        prior = sorted((r for r in rows if r["wave"] == "latin"), key=lambda r: r["distance"])
        accepted = prior[:max(3, len(prior) // 4)]  # rejection ABC over the prior draws
        posterior = pd.DataFrame([{**{k: r[k] for k in names}, "distance": r["distance"],
                                   "weight": 1.0 / len(accepted)} for r in accepted])
        candidates = sorted(range(len(rows)), key=lambda i: rows[i]["distance"])[:RESCORE]
    else:
        from sim.book import smc as abc

        floor = epsilon_floor(len(scale))
        start = max(floor, float(np.quantile([r["distance"] for r in rows], START_QUANTILE)))
        result = abc.run(plan.free, evaluate, lambda x, x0: distance(x, x0, scale), obs,
                         evaluations=n_points - first, initial_epsilon=start,
                         minimum_epsilon=floor, seed=plan.seed)
        posterior = result.samples
        smc = {"generations": result.generations, "evaluations": result.evaluations,
               "population": abc.population_size(n_points - first),
               "epsilons": result.epsilons, "epsilon_floor": floor}
        if posterior.empty:  # not one generation within the budget: rejection ABC over the
            # prior draws (the first wave and the unfinished generation) at the first epsilon
            accepted = [r for r in rows if r["distance"] <= start]
            posterior = pd.DataFrame([{**{k: r[k] for k in names}, "distance": r["distance"],
                                       "weight": 1.0 / len(accepted)} for r in accepted])
            smc["epsilons"] = [start]
        top = posterior.sort_values("distance", kind="stable").head(RESCORE)
        index = {tuple(r[k] for k in names): i for i, r in enumerate(rows)}
        candidates = [index[tuple(p[k] for k in names)] for _, p in top.iterrows()]
    best = _rescore(plan, runner, rows, candidates, lambda m: distance(m, obs, scale))
    return Search(rows, posterior, best, excluded, {**smc, "scales": scale})


def split(budget: int, reps: int, point: bool) -> tuple[int, int]:
    """Candidates the budget pays for (after re-scoring), and how many the first wave has."""
    n_points = max(2, (budget - RESCORE * reps) // reps)
    return n_points, max(2, round(n_points * (0.5 if point else FIRST_SHARE)))


def _first_wave(plan: Plan, runner: _Runner, seeds: list[int], n: int) -> list[dict]:
    """A Latin hypercube over the priors, every run at once on the sweep's backend."""
    from SALib.sample import latin

    names = [k for k, _, _ in plan.free]
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[lo, hi] for _, lo, hi in plan.free]}
    design = [dict(zip(names, map(float, row), strict=True))
              for row in latin.sample(problem, n, seed=plan.seed)]
    out = runner.batch([(v, s) for v in design for s in seeds])
    rows = []
    for i, values in enumerate(design):
        runs = out[i * len(seeds):(i + 1) * len(seeds)]
        mean, sd = _summary(runs)
        rows.append({**values, "wave": "latin", "_mean": mean, "_sd": sd, "_runs": runs})
    return rows


def _out_of_reach(plan: Plan, rows: list[dict]) -> list[str]:
    """Fitted targets no first-wave candidate came within ``EXCLUDE_Z`` standard errors of
    (the target's, combined with a candidate's replication noise)."""
    t = plan.targets.set_index("figure")
    out = []
    for name in plan.fit:
        obs, se = t.loc[name, "value"], t.loc[name, "se"]
        ok = False
        for r in rows:
            m, sd = r["_mean"].get(name, math.nan), r["_sd"].get(name, 0.0)
            ok |= bool(abs(m - obs) <= EXCLUDE_Z * math.hypot(se, sd / math.sqrt(plan.reps)))
        if not ok:
            out.append(name)
    return out


def _point_search(plan: Plan, runner: _Runner, rows: list[dict], seeds: list[int],
                  n_points: int, dist: Callable[[dict], float]) -> None:
    """Optuna's TPE sampler after the first wave (told its results), ``BATCH`` at a time."""
    import optuna

    names = [k for k, _, _ in plan.free]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=plan.seed))
    dists = {k: optuna.distributions.FloatDistribution(lo, hi) for k, lo, hi in plan.free}
    for r in rows:
        study.add_trial(optuna.trial.create_trial(
            params={k: r[k] for k in names}, distributions=dists, value=r["distance"]))
    while len(rows) < n_points:
        trials = [study.ask(dists) for _ in range(min(BATCH, n_points - len(rows)))]
        out = runner.batch([(t.params, s) for t in trials for s in seeds])
        for i, trial in enumerate(trials):
            runs = out[i * len(seeds):(i + 1) * len(seeds)]
            mean, sd = _summary(runs)
            d = dist(mean)
            study.tell(trial, d)
            rows.append({**trial.params, "distance": d, "wave": "tpe", "_mean": mean,
                         "_sd": sd, "_runs": runs})


def _rescore(plan: Plan, runner: _Runner, rows: list[dict], top: list[int],
             dist: Callable[[dict], float]) -> dict:
    """The candidates ``top`` again on fresh replications; the best of them over all its
    runs."""
    names = [k for k, _, _ in plan.free]
    fresh = [run_seed(plan.seed, 0, plan.reps + r) for r in range(plan.reps)]
    out = runner.batch([({k: rows[i][k] for k in names}, s) for i in top for s in fresh])
    best, best_d = None, math.inf
    n = len(fresh)
    for j, i in enumerate(top):
        again = out[j * n:(j + 1) * n]
        mean, sd = _summary(rows[i]["_runs"] + again)  # all its replications
        total = dist(mean)
        rows[i]["rescored"] = total
        rows[i]["_again"] = _summary(again)[0]
        if total < best_d:
            best, best_d = {"index": i, "distance": total, "mean": mean, "sd": sd}, total
    return best
