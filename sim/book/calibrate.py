"""``kamsim calibrate``: fit a scenario's free parameters to a book's observed figures.

Owns the plan (free parameters and their priors from the scenario's ``[calibration]`` block,
checked as sweep factors are, by ``sim.runs.specfile``; targets from the book, and from a
targets file), the search and the report. The search: a Latin-hypercube first wave (SALib),
then Optuna's TPE sampler, each candidate run ``replications`` times on common random numbers
(the sweep's ``run_seed``), the three best re-scored with as many fresh replications; runs go
to the sweep's backends (a process pool, or Dask). The distance of a candidate is the mean
over fitted targets of ``((model - observed) / s)^2``, with ``s^2`` the bootstrap variance of
the observed figure plus the variance of the candidate's mean over its replications.
Parameter intervals are an approximate posterior by ABC rejection over the first wave (draws
from the uniform prior; the best quarter, at least three, accepted): their 5-95 % range, its
contraction against the prior range, and the contraction that accepting as many draws at
random shows in 95 % of cases — a parameter is identified by the book only when its
contraction exceeds that. One target is held out of the fit and reported as a prediction.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import scenario
from sim.io import OUTPUT_ROOT, safe_name
from sim.params import Scenario
from sim.runs import specfile
from sim.runs.pool import Progress
from sim.runs.sweep import run_seed
from sim.scenario import InputError
from sim.schema import iter_params

RESCORE = 3  # best candidates re-scored with fresh replications
NULL_DRAWS = 500  # random acceptances: the contraction an uninformative fit shows by chance
BATCH = 4    # candidates asked of the sampler at a time (fixed: results do not depend on
             # the number of workers)


@dataclass
class Plan:
    path: Path
    params: Scenario
    base: dict[str, Any]
    free: list[tuple[str, float, float]]
    targets: pd.DataFrame            # figure, value, se, low, high, source
    fit: list[str]
    held_out: str
    budget: int
    reps: int
    weeks: int
    seed: int
    out: Path


@dataclass
class Result:
    plan: Plan
    trials: pd.DataFrame             # one row per candidate: values, distance, figures
    best: dict[str, float]
    parameters: dict[str, dict]
    fit: pd.DataFrame
    unreachable: list[dict]
    held_out: dict
    posterior: pd.DataFrame          # the accepted draws (parameter values, distance)
    timing: dict[str, float] = field(default_factory=dict)


def make_plan(path: Path, *, book: Path | None = None, targets: Path | None = None,
              budget: int | None = None, seed: int = 0, out: Path | None = None,
              observed: pd.DataFrame | None = None) -> Plan:
    """Validate the scenario's calibration block and compute the book's targets
    (``observed``, a table like ``targets.observed``'s, replaces the book's)."""
    from sim.book import features, load
    from sim.book import targets as tg

    params = scenario.load(path)
    cal = params.calibration
    problems: list[tuple[str, str, str]] = []
    infos = {p.key: p for p in iter_params(params)}
    base = params.model_dump(mode="json")
    free = []
    for i, fp in enumerate(cal.free):
        found: list[tuple[str, str, str]] = []
        block = specfile.ParameterBlock(key=fp.key, bounds=[fp.low, fp.high])
        factor = specfile.factor_of(path, i, block, infos, base, found)
        problems += [(f, k.replace(f"parameters[{i}]", f"calibration.free[{i}]")
                      .replace(".bounds", ".low/high"), m) for f, k, m in found]
        if factor is None or found:
            continue
        if factor.kind != "float":
            problems.append((str(path), f"calibration.free[{i}].key",
                             f"'{fp.key}' is not a real number"))
            continue
        free.append((fp.key, float(fp.low), float(fp.high)))
    if not cal.free:
        problems.append((str(path), "calibration.free", "no free parameters to calibrate"))
    folder = book or (Path(params.book.path) if params.book.path else None)
    if folder is None and observed is None:
        problems.append((str(path), "book.path", "no book: give --book or [book] path"))
    if problems:
        raise InputError(problems)
    if observed is None:
        b = load.load(folder)
        panel = features.panel(b)
        table = tg.observed(b, panel, rules=params.lifecycle, abc=params.abc, seed=seed)
    else:
        table = observed
    if targets is not None:
        table = pd.concat([table, tg.read_extra(targets)], ignore_index=True)
    table = table[np.isfinite(table["value"]) & (table["se"] > 0)].reset_index(drop=True)
    known = set(_model_figure_names())
    usable = [f for f in table["figure"] if f in known]
    if cal.held_out not in usable:
        raise InputError([(str(path), "calibration.held_out",
                           f"'{cal.held_out}' is not a target both book and model give ("
                           + ", ".join(usable) + ")")])
    if book is not None:
        base["book"]["path"] = str(book)
    return Plan(path, params, base, free, table, [f for f in usable if f != cal.held_out],
                cal.held_out, budget or cal.budget, cal.replications, cal.weeks, seed,
                out or OUTPUT_ROOT / f"calibrate-{safe_name(params.name)}")


def _model_figure_names() -> list[str]:
    from sim.book.targets import Snapshots, figures
    from sim.params import ABCParams

    s = Snapshots(np.ones((2, 2)), np.ones((2, 2), bool), np.zeros((2, 2), bool),
                  np.array(["tier1", "tier2"], dtype=object))
    return [*figures(s, ABCParams()), "market_share", "gross_margin"]


def simulate_figures(base: dict[str, Any], values: dict[str, float], seed: int,
                     weeks: int) -> dict[str, float]:
    """One run at ``values``: every model figure (a worker's task; pure function)."""
    from sim.book.targets import figures, model_snapshots
    from sim.runs.run import simulate, summarize

    params = specfile.apply(base, values, file="<calibration>")
    model, tables = simulate(params, seed=seed, steps=weeks)
    out = figures(model_snapshots(tables["customers"]), params.abc)
    focal = next(v for v in summarize(model, tables)["suppliers"].values() if v["focal"])
    out["market_share"] = _num(focal["market_share"])
    out["gross_margin"] = _num(focal["gross_margin"])
    return out


def _num(x: float | None) -> float:
    return math.nan if x is None else float(x)


class _Runner:
    """Runs batches of (values, seed) in this process, a process pool or on Dask."""

    def __init__(self, plan: Plan, workers: int | None, dask: str | None) -> None:
        self.plan, self.backend, self.sim_s, self.runs = plan, None, 0.0, 0
        self.bar = Progress(plan.budget, f"calibrate {plan.params.name}", "runs")
        if dask or (workers or 1) > 1:
            from sim.runs.sweep import make_backend

            self.backend = make_backend(workers, dask)

    def batch(self, jobs: list[tuple[dict[str, float], int]]) -> list[dict[str, float]]:
        p = self.plan
        start = time.perf_counter()
        if self.backend is None:
            out = [simulate_figures(p.base, v, s, p.weeks) for v, s in jobs]
        else:
            submit = (self.backend.pool.submit if hasattr(self.backend, "pool")
                      else self.backend.client.submit)
            futures = [submit(simulate_figures, p.base, v, s, p.weeks) for v, s in jobs]
            out = [f.result() for f in futures]
        self.sim_s += time.perf_counter() - start
        self.runs += len(jobs)
        self.bar.update(len(jobs))
        return out

    def close(self, cancel: bool) -> None:
        self.bar.close()
        if self.backend is not None:
            self.backend.close(cancel=cancel)


def _score(plan: Plan, runs: list[dict[str, float]]) -> tuple[float, dict, dict]:
    t = plan.targets.set_index("figure")
    frame = pd.DataFrame(runs)
    mean, sd = frame.mean(), frame.std(ddof=1) if len(frame) > 1 else frame.mean() * 0
    terms = []
    for name in plan.fit:
        s2 = t.loc[name, "se"] ** 2 + np.nan_to_num(sd.get(name, 0.0)) ** 2 / len(frame)
        m = mean.get(name, math.nan)
        terms.append(((m - t.loc[name, "value"]) ** 2) / s2 if np.isfinite(m) else 1e6)
    return float(np.mean(terms)), mean.to_dict(), sd.fillna(0.0).to_dict()


def run(plan: Plan, *, workers: int | None = None, dask: str | None = None,
        out: Any = None) -> Result:
    """The whole calibration; writes ``out`` (an :class:`sim.io.OutDir`, default
    ``plan.out``) atomically and returns the result."""
    import optuna
    from SALib.sample import latin

    t0 = time.perf_counter()
    dest = plan.out if out is None else out
    runner = _Runner(plan, workers, dask)
    names = [k for k, _, _ in plan.free]
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[lo, hi] for _, lo, hi in plan.free]}
    n_points = max(2, (plan.budget - RESCORE * plan.reps) // plan.reps)
    first = max(2, n_points // 2)
    design = latin.sample(problem, first, seed=plan.seed)
    seeds = [run_seed(plan.seed, 0, r) for r in range(plan.reps)]  # common random numbers
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=plan.seed))
    for row in design:
        study.enqueue_trial(dict(zip(names, map(float, row), strict=True)))
    dists = {k: optuna.distributions.FloatDistribution(lo, hi) for k, lo, hi in plan.free}
    rows: list[dict] = []
    try:
        while len(rows) < n_points:
            trials = [study.ask(dists) for _ in range(min(BATCH, n_points - len(rows)))]
            jobs = [(t.params, s) for t in trials for s in seeds]
            out = runner.batch(jobs)
            for i, trial in enumerate(trials):
                d, mean, sd = _score(plan, out[i * len(seeds):(i + 1) * len(seeds)])
                study.tell(trial, d)
                rows.append({**trial.params, "distance": d, "wave": "latin" if len(rows)
                             < first else "tpe", "_mean": mean, "_sd": sd,
                             "_runs": out[i * len(seeds):(i + 1) * len(seeds)]})
        best = _rescore(plan, runner, rows)
    except BaseException:  # Ctrl-C, SIGTERM, a failed run: stop the workers, write nothing
        runner.close(cancel=True)
        raise
    runner.close(cancel=False)
    wall = time.perf_counter() - t0
    result = _report(plan, rows, best)
    result.timing = {"wall_s": wall, "simulation_s": runner.sim_s,
                     "optimiser_s": max(0.0, wall - runner.sim_s), "runs": runner.runs,
                     "runs_per_minute": 60 * runner.runs / wall if wall > 0 else math.nan}
    from sim.book.calibrate_out import write

    write(result, dest)
    return result


def _rescore(plan: Plan, runner: _Runner, rows: list[dict]) -> dict:
    """The best candidates again on fresh replications; the best of them over all its runs."""
    names = [k for k, _, _ in plan.free]
    top = sorted(range(len(rows)), key=lambda i: rows[i]["distance"])[:RESCORE]
    fresh = [run_seed(plan.seed, 0, plan.reps + r) for r in range(plan.reps)]
    jobs = [({k: rows[i][k] for k in names}, s) for i in top for s in fresh]
    out = runner.batch(jobs)
    best, best_d = None, math.inf
    n = len(fresh)
    for j, i in enumerate(top):
        again = out[j * n:(j + 1) * n]
        total, mean, sd = _score(plan, rows[i]["_runs"] + again)  # all its replications
        rows[i]["rescored"] = total
        rows[i]["_again"] = _score(plan, again)[1]
        if total < best_d:
            best, best_d = {"index": i, "distance": total, "mean": mean, "sd": sd}, total
    return best


def _report(plan: Plan, rows: list[dict], best: dict) -> Result:
    names = [k for k, _, _ in plan.free]
    trials = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")}
                           for r in rows])
    prior = trials[trials["wave"] == "latin"]  # draws from the prior: rejection ABC on them
    n_accept = min(len(prior), max(3, len(prior) // 4))
    accept = prior.nsmallest(n_accept, "distance")
    rng = np.random.default_rng(plan.seed)
    null = [prior.iloc[rng.choice(len(prior), n_accept, replace=False)]
            for _ in range(NULL_DRAWS)]
    parameters = {}
    for k, lo, hi in plan.free:
        a, b = np.quantile(accept[k], [0.05, 0.95])
        chance = [1 - np.ptp(np.quantile(d[k], [0.05, 0.95])) / (hi - lo) for d in null]
        contraction = float(1 - (b - a) / (hi - lo))
        parameters[k] = {"prior": [lo, hi], "best": float(trials.loc[best["index"], k]),
                         "interval": [float(a), float(b)], "contraction": contraction,
                         "contraction_by_chance": float(np.quantile(chance, 0.95)),
                         "identified": bool(contraction > np.quantile(chance, 0.95))}
    t = plan.targets.set_index("figure")
    fit_rows, unreachable = [], []
    means = pd.DataFrame([r["_mean"] for r in rows] + [r["_again"] for r in rows
                                                         if "_again" in r])
    sds = pd.DataFrame([r["_sd"] for r in rows])
    for name in [*plan.fit, plan.held_out]:
        obs, lo, hi, se = (t.loc[name, c] for c in ("value", "low", "high", "se"))
        m, sd = best["mean"].get(name, math.nan), best["sd"].get(name, 0.0)
        fit_rows.append({"figure": name, "observed": obs, "low": lo, "high": hi,
                         "model": m, "model_sd": sd, "z": (m - obs) / math.hypot(se, sd),
                         "within": bool(lo <= m <= hi), "held_out": name == plan.held_out})
        col = means[name].dropna() if name in means else pd.Series(dtype=float)
        noise = float(sds[name].median()) / math.sqrt(plan.reps) if name in sds else 0.0
        reach = 1.645 * math.hypot(se, noise)  # a candidate's mean this close may be it
        if name != plan.held_out and len(col) and not ((col - obs).abs() <= reach).any():
            near = float(col.iloc[(col - obs).abs().argmin()])
            unreachable.append({"figure": name, "observed": obs, "interval": [lo, hi],
                                "nearest_model": near, "gap": near - obs})
    fit = pd.DataFrame(fit_rows)
    held = fit[fit["held_out"]].iloc[0].to_dict()
    return Result(plan, trials, {k: parameters[k]["best"] for k in names}, parameters, fit,
                  unreachable, held, accept[[*names, "distance"]].reset_index(drop=True))


def report_lines(r: Result) -> list[str]:
    """What ``kamsim calibrate`` prints."""
    tm = r.timing
    out = [f"calibration of {r.plan.path.name}: {tm['runs']} runs in {tm['wall_s']:.0f} s "
           f"({tm['runs_per_minute']:.1f} runs/min; simulation {tm['simulation_s']:.0f} s, "
           f"search {tm['optimiser_s']:.0f} s)", "parameters (prior -> 90 % interval, "
           "contraction [by chance up to], best):"]
    for k, p in r.parameters.items():
        out.append(f"  {k}: [{p['prior'][0]:.4g}, {p['prior'][1]:.4g}] -> "
                   f"[{p['interval'][0]:.4g}, {p['interval'][1]:.4g}]  "
                   f"{p['contraction']:.0%} [{p['contraction_by_chance']:.0%}]"
                   f"{'' if p['identified'] else ' not identified'}  best {p['best']:.4g}")
    out.append("targets (observed [90 % interval] vs model at the best, z):")
    for f in r.fit.itertuples():
        tag = " (held out)" if f.held_out else ("" if f.within else " (outside)")
        out.append(f"  {f.figure:<26} {f.observed:>10.4g} [{f.low:.4g}, {f.high:.4g}]  "
                   f"model {f.model:.4g}  z {f.z:+.2f}{tag}")
    for u in r.unreachable:
        out.append(f"  unreachable: {u['figure']} (nearest candidate {u['nearest_model']:.4g},"
                   f" {u['gap']:+.4g} from the observed value)")
    return out


def to_json(r: Result) -> str:
    from sim.io import nan_to_none
    from sim.io import to_json as json_text

    return json_text(nan_to_none({
        "scenario": str(r.plan.path), "budget": r.plan.budget, "replications": r.plan.reps,
        "weeks": r.plan.weeks, "seed": r.plan.seed, "timing": r.timing,
        "parameters": r.parameters, "fit": r.fit.to_dict("records"),
        "unreachable": r.unreachable, "held_out": r.held_out}))
