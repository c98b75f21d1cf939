"""``kamsim calibrate``: fit a scenario's free parameters to a book's observed figures.

Owns the plan (free parameters and their priors from the scenario's ``[calibration]`` block,
checked as sweep factors are, by ``sim.runs.specfile``; targets from the book, and from a
targets file; forward from the book's end, or a hindcast, ``[calibration] hindcast_years``:
the runs start from the book as of that many years before its end and are compared with the
book's figures over the same years; the book's price rises replayed as cost shocks of the runs,
:func:`replayed_shocks`, so churn after a price rise is a target like the others), one run's
figures (:func:`simulate_figures`), the runner that sends runs to the sweep's backends (a
process pool or Dask) and :func:`run`, the whole calibration: the search
(:mod:`sim.book.search`: a Latin first wave, then the posterior by ABC-SMC with pyabc,
:mod:`sim.book.smc`, or a point fit with Optuna; re-scoring), then the report and the
output folder (:mod:`sim.book.calibrate_out`).
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
from sim.scenario import InputError
from sim.schema import iter_params


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
    point: bool = False              # Optuna point fit instead of the ABC-SMC posterior
    reported: list[str] = field(default_factory=list)  # report_only: reported, not fitted


@dataclass
class Result:
    plan: Plan
    trials: pd.DataFrame             # one row per candidate: values, distance, wave
    best: dict[str, float]
    parameters: dict[str, dict]
    fit: pd.DataFrame
    unreachable: list[dict]
    held_out: dict
    posterior: pd.DataFrame          # the accepted particles (values, distance, weight)
    search: dict = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)


def make_plan(path: Path, *, book: Path | None = None, targets: Path | None = None,
              budget: int | None = None, seed: int = 0, out: Path | None = None,
              observed: pd.DataFrame | None = None, point: bool = False) -> Plan:
    """Validate the scenario's calibration block and compute the book's targets
    (``observed``, a table like ``targets.observed``'s, replaces the book's)."""
    from sim.book import features, load, smc
    from sim.book import targets as tg
    from sim.book.search import split

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
    weeks = _weeks(path, cal, problems)
    if problems:
        raise InputError(problems)
    if observed is None:
        b = load.load(folder)
        panel = features.panel(b)
        cut = features.cut_week(b, cal.hindcast_years, panel) if cal.hindcast_years else 0
        if cal.hindcast_years and cut < 1:
            raise InputError([(str(path), "calibration.hindcast_years",
                               f"{cal.hindcast_years} years reach before the book's first "
                               f"week (it has {panel.weeks} weeks)")])
        table = tg.observed(b, panel, rules=params.lifecycle, abc=params.abc, seed=seed,
                            since=cut)
        base["shocks"] = [*base["shocks"], *replayed_shocks(
            tg.price_rises(tg.book_prices(b, panel)), panel.weeks, weeks)]
        base["book"]["years_before_end"] = cal.hindcast_years
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
    wrong = [(str(path), f"calibration.report_only[{i}]",
              f"'{name}' is not a target to leave out of the fit (" + ", ".join(
                  f for f in usable if f != cal.held_out) + ")")
             for i, name in enumerate(cal.report_only)
             if name not in usable or name == cal.held_out]
    if wrong:
        raise InputError(wrong)
    fit = [f for f in usable if f != cal.held_out and f not in cal.report_only]
    if not fit:
        raise InputError([(str(path), "calibration.report_only", "leaves no target to fit")])

    def enough(runs: int) -> bool:  # two generations of the smallest population
        n_points, first = split(runs, cal.replications, point)
        return point or n_points - first >= 2 * smc.MIN_POPULATION

    if not enough(budget or cal.budget):
        least = next(b for b in range(4, 10**6) if enough(b))
        raise InputError([(str(path), "calibration.budget",
                           f"{budget or cal.budget} runs are too few for ABC-SMC with "
                           f"{cal.replications} replications: at least {least} (or a point "
                           f"fit, --point)")])
    if book is not None:
        base["book"]["path"] = str(book)
    return Plan(path, params, base, free, table, fit,
                cal.held_out, budget or cal.budget, cal.replications, weeks, seed,
                out or OUTPUT_ROOT / f"calibrate-{safe_name(params.name)}", point,
                [f for f in usable if f in cal.report_only])


def _weeks(path: Path, cal: Any, problems: list[tuple[str, str, str]]) -> int:
    """Weeks each run simulates: ``weeks`` forward from the book's end, or a hindcast's
    52 per year (at least two years: retention needs two year ends in the window)."""
    n = cal.hindcast_years
    if not n:
        return cal.weeks
    if n < 2:
        problems.append((str(path), "calibration.hindcast_years",
                         "must be 0 (forward) or at least 2: retention needs two year ends"))
    if "weeks" in cal.model_fields_set and cal.weeks != 52 * n:
        problems.append((str(path), "calibration.weeks",
                         f"a hindcast of {n} years simulates {52 * n} weeks; drop weeks"))
    return 52 * n


def replayed_shocks(rises: list[tuple[str, int, float]], book_weeks: int,
                    weeks: int) -> list[dict]:
    """The book's price rises as cost shocks of the calibration's runs: the simulated weeks
    stand for the book's last ``weeks``, so a rise in the book's week ``r`` starts in week
    ``r - (book_weeks - weeks)`` (in a hindcast, the week relative to the cut), ramps up
    over a four-week period and holds to the end."""
    from sim.book.targets import PERIOD_WEEKS

    out = []
    for material, week, rise in rises:
        start = week - (book_weeks - weeks)
        if 0 <= start < weeks and rise > 0:
            out.append({"material": material, "start_week": start, "magnitude": rise,
                        "ramp_weeks": PERIOD_WEEKS, "hold_weeks": weeks - start,
                        "ease_weeks": 1})
    return out


def _model_figure_names() -> list[str]:
    from sim.book.targets import Snapshots, figures
    from sim.params import ABCParams

    s = Snapshots(np.ones((2, 2)), np.ones((2, 2), bool), np.zeros((2, 2), bool),
                  np.array(["tier1", "tier2"], dtype=object))
    # churn_baseline is the book's reference for churn_after_rise, not fitted: a run's
    # baseline (times 26 weeks from every rise) is often empty, and retention says as much
    return [*figures(s, ABCParams()), "churn_after_rise", "market_share", "gross_margin"]


def simulate_figures(base: dict[str, Any], values: dict[str, float], seed: int,
                     weeks: int) -> dict[str, float]:
    """One run at ``values``: every model figure (a worker's task; pure function)."""
    from sim.book.targets import figures, model_churn, model_snapshots
    from sim.runs.run import simulate, summarize

    params = specfile.apply(base, values, file="<calibration>")
    model, tables = simulate(params, seed=seed, steps=weeks)
    out = figures(model_snapshots(tables["customers"]), params.abc)
    out.update(model_churn(tables["customers"], tables["market"]))
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


def run(plan: Plan, *, workers: int | None = None, dask: str | None = None,
        out: Any = None) -> Result:
    """The whole calibration; writes ``out`` (an :class:`sim.io.OutDir`, default
    ``plan.out``) atomically and returns the result."""
    from sim.book import calibrate_out, search

    t0 = time.perf_counter()
    runner = _Runner(plan, workers, dask)
    try:
        found = search.search(plan, runner)
    except BaseException:  # Ctrl-C, SIGTERM, a failed run: stop the workers, write nothing
        runner.close(cancel=True)
        raise
    runner.close(cancel=False)
    wall = time.perf_counter() - t0
    result = calibrate_out.summarise(plan, found)
    result.timing = {"wall_s": wall, "simulation_s": runner.sim_s,
                     "search_s": max(0.0, wall - runner.sim_s), "runs": runner.runs,
                     "runs_per_minute": 60 * runner.runs / wall if wall > 0 else math.nan}
    calibrate_out.write(result, plan.out if out is None else out)
    return result


