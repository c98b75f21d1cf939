"""A calibration's results: intervals, fit, unreachable and held-out targets, and its files.

Owns what ``kamsim calibrate`` reports from its search (:func:`summarise`): per parameter the
posterior's weighted 5-95 % interval, its contraction against the prior range and the
contraction as many prior draws show by chance; the fit of every target at the re-scored best
candidate; the targets the model cannot reach (no candidate's mean within 1.645 standard
errors, or left out of the fit after the first wave) with the cause where it is known
(``CAUSES``); the held-out target's prediction over the posterior. And the output folder,
written whole or not at all: ``calibrated.toml`` (``extends`` the original scenario and sets
the best values), ``calibration.json``, ``trials.csv`` (every candidate),
``posterior.parquet`` (the accepted particles: dotted keys, distance, weight; read by
:mod:`sim.book.posterior`) and ``targets.csv`` (the observed figures).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.book.search import replication_se
from sim.scenario import split_dotted

if TYPE_CHECKING:
    from sim.book.calibrate import Plan, Result
    from sim.book.search import Search

NULL_DRAWS = 500  # prior samples of the posterior's effective size: contraction by chance
LEVEL = (0.05, 0.95)
# Why a target is out of the model's reach when it is (docs/BOOK.md, "What the model cannot
# reach"): the model rule behind it.
CAUSES = {
    "retention": "model rule: most of its losses are closures at a segment rate that does "
                 "not depend on a customer's size; the book's small accounts leave more "
                 "often than its large ones (see retention_C)",
    "retention_C": "model rule: closure and switching hazards do not depend on a customer's "
                   "size; the book's small accounts leave more often than its large ones",
    "churn_after_rise": "a cost-driven rise that every supplier passes on moves customers away "
                        "from the focal supplier only through relationships ended after a "
                        "breach of trust (adaptation.breach_end_probability; 0 in the "
                        "baseline), whose rate is size-blind, so it costs A-class retention",
    "new_per_year": "the class counts are levels at the book's end, which the model's base "
                    "keeps three years on only with more new accounts than the book's when "
                    "the book's own base was shrinking (docs/BOOK.md)",
}


def weighted_quantiles(x: np.ndarray, w: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted distribution)."""
    return np.quantile(np.asarray(x, float), q, weights=np.asarray(w, float),
                       method="inverted_cdf")


def summarise(plan: Plan, search: Search) -> Result:
    """Intervals, fit, unreachable and held-out targets of a finished search."""
    from sim.book.calibrate import Result

    names = [k for k, _, _ in plan.free]
    rows = search.rows
    trials = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")}
                           for r in rows])
    post = search.posterior
    w = post["weight"].to_numpy(float)
    ess = max(2, int(round(1.0 / np.sum(w ** 2))))
    rng = np.random.default_rng(plan.seed)
    parameters = {}
    for k, lo, hi in plan.free:
        a, b = weighted_quantiles(post[k], w, LEVEL)
        chance = [1 - np.ptp(np.quantile(rng.uniform(lo, hi, ess), LEVEL)) / (hi - lo)
                  for _ in range(NULL_DRAWS)]
        contraction = float(1 - (b - a) / (hi - lo))
        by_chance = float(np.quantile(chance, 0.95))
        parameters[k] = {"prior": [lo, hi], "best": float(rows[search.best["index"]][k]),
                         "mean": float(np.average(post[k], weights=w)),
                         "interval": [float(a), float(b)], "contraction": contraction,
                         "contraction_by_chance": by_chance,
                         "identified": bool(contraction > by_chance)}
    fit, unreachable = _fit(plan, search)
    held = {**fit[fit["held_out"]].iloc[0].to_dict(), **_predict(plan, search)}
    return Result(plan, trials, {k: parameters[k]["best"] for k in names}, parameters, fit,
                  unreachable, held, post.reset_index(drop=True),
                  {"mode": "point" if plan.point else "abc-smc" if search.smc.get(
                      "generations") else "abc-rejection", "effective_size": ess,
                   "excluded": search.excluded, **search.smc})


def _fit(plan: Plan, search: Search) -> tuple[pd.DataFrame, list[dict]]:
    t = plan.targets.set_index("figure")
    rows, best = search.rows, search.best
    means = pd.DataFrame([r["_mean"] for r in rows] + [r["_again"] for r in rows
                                                         if "_again" in r])
    fit_rows, unreachable = [], []
    for name in [*plan.fit, *plan.reported, plan.held_out]:
        obs, lo, hi, se = (t.loc[name, c] for c in ("value", "low", "high", "se"))
        m, sd = best["mean"].get(name, math.nan), best["sd"].get(name, 0.0)
        fitted = name in plan.fit and name not in search.excluded
        fit_rows.append({"figure": name, "observed": obs, "low": lo, "high": hi,
                         "model": m, "model_sd": sd, "z": (m - obs) / math.hypot(se, sd),
                         "within": bool(lo <= m <= hi), "fitted": fitted,
                         "held_out": name == plan.held_out})
        col = means[name].dropna() if name in means else pd.Series(dtype=float)
        noise = replication_se(rows, name, plan.reps)
        reach = 1.645 * math.hypot(se, noise)  # a candidate's mean this close may be it
        if name != plan.held_out and len(col) and not ((col - obs).abs() <= reach).any():
            near = float(col.iloc[(col - obs).abs().argmin()])
            unreachable.append({"figure": name, "observed": obs, "interval": [lo, hi],
                                "nearest_model": near, "gap": near - obs,
                                "fitted": fitted, "cause": CAUSES.get(name, "")})
    return pd.DataFrame(fit_rows), unreachable


def _predict(plan: Plan, search: Search) -> dict:
    """The held-out target over the posterior: the weighted mean and 90 % interval of the
    accepted particles' own figures."""
    names = [k for k, _, _ in plan.free]
    index = {tuple(r[k] for k in names): r for r in search.rows}
    post = search.posterior
    values = np.array([index[tuple(p[k] for k in names)]["_mean"].get(plan.held_out,
                                                                      math.nan)
                       for _, p in post.iterrows()])
    ok = np.isfinite(values)
    if not ok.any():
        return {"predicted": math.nan, "predicted_interval": [math.nan, math.nan]}
    w = post["weight"].to_numpy(float)[ok]
    lo, hi = weighted_quantiles(values[ok], w, LEVEL)
    return {"predicted": float(np.average(values[ok], weights=w)),
            "predicted_interval": [float(lo), float(hi)]}


def report_lines(r: Result) -> list[str]:
    """What ``kamsim calibrate`` prints."""
    tm, sr = r.timing, r.search
    out = [f"calibration of {r.plan.path.name} ({sr['mode']}): {tm['runs']} runs in "
           f"{tm['wall_s']:.0f} s ({tm['runs_per_minute']:.1f} runs/min; simulation "
           f"{tm['simulation_s']:.0f} s, search {tm['search_s']:.0f} s)"]
    if sr["mode"] == "abc-smc":
        out.append(f"ABC-SMC: {sr['generations']} generations of {sr['population']} "
                   f"particles, {sr['evaluations']} simulated, effective size "
                   f"{sr['effective_size']}")
    out.append("parameters (prior -> 90 % interval, contraction [by chance up to], best):")
    for k, p in r.parameters.items():
        out.append(f"  {k}: [{p['prior'][0]:.4g}, {p['prior'][1]:.4g}] -> "
                   f"[{p['interval'][0]:.4g}, {p['interval'][1]:.4g}]  "
                   f"{p['contraction']:.0%} [{p['contraction_by_chance']:.0%}]"
                   f"{'' if p['identified'] else ' not identified'}  best {p['best']:.4g}")
    out.append("targets (observed [90 % interval] vs model at the best, z):")
    for f in r.fit.itertuples():
        tag = (" (held out)" if f.held_out else " (not fitted)" if not f.fitted
               else "" if f.within else " (outside)")
        out.append(f"  {f.figure:<26} {f.observed:>10.4g} [{f.low:.4g}, {f.high:.4g}]  "
                   f"model {f.model:.4g}  z {f.z:+.2f}{tag}")
    h = r.held_out
    out.append(f"held out: {h['figure']} predicted {h['predicted']:.4g} "
               f"[{h['predicted_interval'][0]:.4g}, {h['predicted_interval'][1]:.4g}] over "
               f"the posterior, observed {h['observed']:.4g} [{h['low']:.4g}, {h['high']:.4g}]")
    for u in r.unreachable:
        out.append(f"  unreachable: {u['figure']} (nearest candidate {u['nearest_model']:.4g},"
                   f" {u['gap']:+.4g} from the observed value)"
                   + (f": {u['cause']}" if u["cause"] else ""))
    return out


def to_json(r: Result) -> str:
    from sim.io import nan_to_none
    from sim.io import to_json as json_text

    return json_text(nan_to_none({
        "scenario": str(r.plan.path), "budget": r.plan.budget, "replications": r.plan.reps,
        "weeks": r.plan.weeks,
        "hindcast_years": r.plan.params.calibration.hindcast_years, "seed": r.plan.seed,
        "search": r.search, "timing": r.timing,
        "parameters": r.parameters, "fit": r.fit.to_dict("records"),
        "unreachable": r.unreachable, "held_out": r.held_out}))


def calibrated_toml(r: Result) -> str:
    """The calibrated scenario: the original, extended, with the best values set."""
    plan = r.plan
    out = plan.out.resolve()
    rel = os.path.relpath(plan.path.resolve(), out)
    lines = [f"# Calibrated by kamsim calibrate to the book's targets ({plan.budget} runs, "
             f"seed {plan.seed}); see calibration.json", f"extends = {json.dumps(rel)}",
             f"name = {json.dumps(plan.params.name + '-calibrated')}", ""]
    if plan.base["book"]["path"] != plan.params.book.path:
        book = os.path.relpath(Path(plan.base["book"]["path"]).resolve(), out)
        lines += ["[book]", f"path = {json.dumps(book)}", ""]
    tables: dict[tuple[str, ...], list[str]] = {}
    for key, value in r.best.items():
        parts = split_dotted(key)
        tables.setdefault(tuple(parts[:-1]), []).append(f"{parts[-1]} = {value!r}")
    for path, items in tables.items():
        if path and path[0] == "suppliers":
            lines += ["[[suppliers]]", f"name = {json.dumps(path[1][1:-1])}"]
        else:
            lines.append("[" + ".".join(path) + "]")
        lines += [*items, ""]
    return "\n".join(lines)


def write(r: Result, out) -> Path:
    """The outputs into ``out`` (a path or :class:`sim.io.OutDir`), whole or not at all."""
    from sim.io import atomic_dir

    with atomic_dir(out, "calibration") as tmp:
        (tmp / "calibrated.toml").write_text(calibrated_toml(r))
        (tmp / "calibration.json").write_text(to_json(r))
        r.trials.to_csv(tmp / "trials.csv", index=False)
        r.posterior.to_parquet(tmp / "posterior.parquet", index=False)
        r.plan.targets.to_csv(tmp / "targets.csv", index=False)
    return r.plan.out if isinstance(out, (str, Path)) else out.path
