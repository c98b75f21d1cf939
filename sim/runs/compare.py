"""Many runs of several scenarios on common random numbers -> stacked tables and a report.

``kamsim compare`` runs every scenario ``reps`` times with the same list of seeds
(:func:`sim.seeds.replicate_seed` of the root and ``r`` for replication ``r`` of every
scenario, the seed a sweep gives replicate ``r``),
so scenario differences are paired by replication. Runs go to a process pool; each returns
only the compact tables the report needs. Results do not depend on the number of workers:
they are put back in scenario order, then replication order.

Layout of the output directory (written whole or not at all, via :func:`sim.io.atomic_dir`):
``runs.parquet`` (suppliers table of every run, all suppliers), ``pool_runs.parquet`` (focal
supplier's pool), ``spells_runs.parquet``, ``customers_runs.parquet`` (last quarter end),
``market_runs.parquet``, ``retention_runs.parquet`` (each with ``scenario``, ``rep`` and
``seed`` first), the PNG figures and ``report.html`` of :func:`analysis.report.write_report`,
and ``summary.json``: its summary (figures as :mod:`sim.metrics` defines them).

The status quo (``STATUS_QUO``: the first scenario's market under its status quo's supplier
settings, without strategies — the market every scenario settles under, docs/ODD.md section
5 —, or a ``reference`` file) runs first, beside the scenarios, unless switched off; every
difference is given against it and against the first scenario (:func:`differences`). With
``levers`` the one bundle among the scenarios is decomposed lever by lever
(``sim.runs.levers``, ``levers.parquet``); with ``markets`` every scenario also runs in each
of those markets (``sim.runs.robustness``, ``robustness.parquet``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io import OUTPUT_ROOT, OutDir, atomic_dir, nan_to_none, safe_name, write_json
from sim.runs.pool import Progress, map_ordered
from sim.scenario import InputError
from sim.seeds import replicate_seeds

__all__ = ["DEFAULT_REPS", "DEFAULT_ROOT_SEED", "TABLES", "STATUS_QUO", "DIFFERENCE_KPIS",
           "Plan", "crn_seeds", "make_plan", "load_scenario", "run_one", "run_all",
           "discount_rates", "differences", "write", "compare"]

DEFAULT_REPS = 20
DEFAULT_ROOT_SEED = 20261127
KEYS = ("scenario", "rep", "seed")
# output file stem -> table of one run it stacks
TABLES = {"runs": "suppliers", "pool_runs": "pool", "spells_runs": "spells",
          "customers_runs": "customers", "market_runs": "market",
          "retention_runs": "retention"}
STATUS_QUO = "status quo"
"""Name of the status quo a comparison adds (not ``baseline``: that is a scenario file)."""
DIFFERENCE_KPIS = ("pool_health_end", "net_profit", "market_share", "key_revenue_retained",
                   "annual_retention", "customers_end")
"""KPIs of ``analysis.kpi`` whose paired differences ``summary.json`` lists."""
RETENTION_TYPES = {"year": "int32", "supplier": "str", "focal": "bool",
                   "customers_start": "int64", "retained": "int64", "key_start": "int64",
                   "key_retained": "int64", "key_revenue_start": "float64",
                   "key_revenue_end": "float64", "key_wallet_start": "float64",
                   "key_wallet_end": "float64"}


@dataclass(frozen=True)
class Plan:
    """Validated inputs of a comparison: what to run and where the results go."""

    files: tuple[Path, ...]
    names: tuple[str, ...]
    seeds: tuple[int, ...]
    root_seed: int
    steps: int | None
    lang: str
    out: Path
    overrides: tuple[tuple[str, Any], ...] = ()  # dotted key, value: applied to every file
    derived: tuple[bool, ...] = ()  # per scenario: the status quo derived from its file
    status_quo: str | None = None   # name of the status quo scenario (None: none)
    levers: tuple[str, ...] | None = None  # levers to decompose (() every lever; None: no)
    bundle: str | None = None       # the scenario --levers decomposes
    markets: Any = None             # sim.runs.robustness.Markets, or None
    market_runs: tuple = ()         # its runs (sim.runs.robustness.Task), checked

    @property
    def first(self) -> str:
        """The first scenario given (not the status quo, unless it was given first)."""
        return next((n for n in self.names if n != self.status_quo), self.names[0])

    @property
    def is_derived(self) -> tuple[bool, ...]:
        return self.derived or (False,) * len(self.files)

    @property
    def tasks(self) -> list[tuple[str, int, int, int | None, tuple[tuple[str, Any], ...],
                                  bool]]:
        """(absolute scenario path, rep, seed, steps, overrides, derived status quo) in
        scenario order, then rep order."""
        return [(str(f.resolve()), r, s, self.steps, self.overrides, d)
                for f, d in zip(self.files, self.is_derived, strict=True)
                for r, s in enumerate(self.seeds)]

    def scenario(self, i: int, draw: dict[str, Any] | None = None):
        """Scenario ``i`` validated with the overrides, ``draw`` (a market) and ``steps``."""
        from sim.runs import run

        params = load_scenario(self.files[i], {**dict(self.overrides), **(draw or {})},
                               self.is_derived[i], quiet=True)
        return run.with_overrides(params, steps=self.steps)


def crn_seeds(root: int, reps: int) -> list[int]:
    """Model seeds of replications 0..reps-1 (:func:`sim.seeds.replicate_seeds`)."""
    return replicate_seeds(root, reps)


def default_out(names: Sequence[str]) -> Path:
    """``results/compare-<names joined by -vs->`` (each name made safe by
    :func:`sim.io.safe_name`)."""
    return OUTPUT_ROOT / safe_name("compare-" + "-vs-".join(safe_name(n) for n in names))


def load_scenario(path: str | Path, overrides: dict[str, Any], derived: bool = False,
                  quiet: bool = False):
    """The scenario of ``path`` with ``overrides``; with ``derived`` its status quo, named
    ``STATUS_QUO``. ``quiet``: without the warnings of loading (said once, by the plan)."""
    import warnings

    from sim import scenario

    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        params = scenario.load(path, overrides=overrides)
    return params.status_quo().model_copy(update={"name": STATUS_QUO}) if derived else params


def make_plan(files: Sequence[str | Path], *, reps: int = DEFAULT_REPS,
              seed: int = DEFAULT_ROOT_SEED, steps: int | None = None, lang: str = "en",
              out: str | Path | None = None,
              overrides: Sequence[tuple[str, Any]] = (), status_quo: bool = True,
              reference: str | Path | None = None, **options: Any) -> Plan:
    """Load and check every scenario (and the font for ``lang="zh"``) before anything runs.

    ``overrides``: (dotted key, value) pairs applied to every scenario after its file (the
    same market assumption under every strategy, e.g. ``segments.tier2.entry_per_year``).
    ``status_quo``: add the status quo (``reference``, else the first file's). ``options``,
    checked by :func:`sim.runs.compare_options.check`: ``levers`` (decompose the one bundle;
    ``[]``: every lever), ``robustness`` (that many Latin markets within the first file's
    ``[uncertainties]``), ``posterior`` and ``draws`` (markets from a calibration's posterior).
    Raises :class:`InputError` listing every problem: invalid files or overrides, duplicate
    scenario names, ``reps`` < 1, ``steps`` < 1, a missing CJK font, bad new options
    (``sim.runs.compare_options.check``).
    """
    from sim import scenario, size
    from sim.runs import run

    files = tuple(Path(f) for f in files)
    problems: list[tuple[str, str, str]] = []
    if not files:
        problems.append(("compare", "", "no scenario files given"))
    if reps < 1:
        problems.append(("--reps", "", f"must be at least 1, got {reps}"))
    if steps is not None and steps < 1:
        problems.append(("--steps", "", f"must be at least 1, got {steps}"))
    if seed < 0:
        problems.append(("--seed", "", f"must not be negative, got {seed}"))
    names: list[str] = []
    seen: dict[str, Path] = {}
    for f in files:
        try:
            params = run.with_overrides(scenario.load(f, overrides=dict(overrides)),
                                        steps=steps if steps is not None and steps > 0 else None)
            size.check(params, file=str(f))  # one run's memory, before any worker starts
            name = params.name
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if name in seen:
            same = seen[name].resolve() == f.resolve()
            problems.append((str(f), "name", f"scenario '{name}' is given twice; names must be "
                             "unique" if same else f"scenario name '{name}' is also the name "
                             f"of {seen[name]}; names must be unique"))
        seen.setdefault(name, f)
        names.append(name)
    if lang == "zh" and files:
        from analysis.i18n import FontMissing, setup_cjk_font

        try:
            setup_cjk_font(lang="zh")
        except FontMissing as exc:
            problems.append((str(files[0]), "--lang", str(exc)))
    if problems:
        raise InputError(list(dict.fromkeys(problems)))  # (--steps is blamed once)
    plan = Plan(files=files, names=tuple(names), seeds=tuple(crn_seeds(seed, reps)),
                root_seed=seed, steps=steps, lang=lang,
                out=Path(out) if out is not None else default_out(names),
                overrides=tuple(overrides))
    if status_quo:
        plan = _with_status_quo(plan, reference)
    from sim.runs import compare_options

    return compare_options.check(plan, **options)


def _with_status_quo(plan: Plan, reference: str | Path | None) -> Plan:
    """``plan`` with its status quo first: ``reference`` (as it is), else the first file's
    status quo named ``STATUS_QUO``; one already among the scenarios is not added again."""
    import dataclasses

    if reference is not None:
        ref = Path(reference)
        name = _checked_name(ref, plan)
        if name in plan.names:
            return dataclasses.replace(plan, status_quo=name)
        files, derived = (ref, *plan.files), (False, *plan.is_derived)
    else:
        if STATUS_QUO in plan.names:
            raise InputError([(str(plan.files[plan.names.index(STATUS_QUO)]), "name",
                               f"'{STATUS_QUO}' is the name of the status quo compare adds; "
                               "rename the scenario, or add --no-status-quo")])
        name, files, derived = STATUS_QUO, (plan.files[0], *plan.files), (True,
                                                                          *plan.is_derived)
    return dataclasses.replace(plan, files=files, names=(name, *plan.names), derived=derived,
                               status_quo=name)


def _checked_name(ref: Path, plan: Plan) -> str:
    from sim import size
    from sim.runs import run

    params = run.with_overrides(load_scenario(ref, dict(plan.overrides)), steps=plan.steps)
    size.check(params, file=str(ref))
    return params.name


def run_one(path: str, rep: int, seed: int, steps: int | None,
            overrides: tuple[tuple[str, Any], ...] = (),
            derived: bool = False) -> dict[str, pd.DataFrame]:
    """One run in a worker: the compact tables of ``TABLES``, with scenario, rep and seed
    (with ``derived``, of the file's status quo)."""
    from sim.runs.run import simulate

    params = load_scenario(path, dict(overrides), derived, quiet=True)
    model, t = simulate(params, seed=seed, steps=steps)
    return keyed_tables(model, t, params.name, rep, seed)


def keyed_tables(model: Any, t: dict[str, pd.DataFrame], name: str, rep: int,
                 seed: int) -> dict[str, pd.DataFrame]:
    """A finished run's compact tables of ``TABLES``, keyed by scenario ``name``, rep and
    seed (also the workshop's report, ``sim/workshop/report.py``)."""
    focal = model.supplier_names[model.focal]
    cust = t["customers"]
    if len(cust):
        cust = cust[cust["step"] == cust["step"].max()]
    ret = t["retention"].copy()
    ret.insert(2, "focal", ret["supplier"] == focal)
    ret = ret.astype(RETENTION_TYPES)
    pool = t["pool"]
    own = {"suppliers": t["suppliers"], "pool": pool[pool["focal"]], "spells": t["spells"],
           "customers": cust, "market": t["market"], "retention": ret}
    keys = {"scenario": name, "rep": rep, "seed": seed}
    out = {}
    for stem, name in TABLES.items():
        df = own[name].reset_index(drop=True)
        keyed = pd.DataFrame({"scenario": pd.Series([keys["scenario"]] * len(df), dtype="str"),
                              "rep": np.full(len(df), rep, dtype=np.int32),
                              "seed": np.full(len(df), seed, dtype=np.int64)})
        out[stem] = pd.concat([keyed, df], axis=1)
    return out


def _run_task(task: tuple[str, int, int, int | None, tuple]) -> dict[str, pd.DataFrame]:
    try:
        return run_one(*task)
    except Exception as exc:  # name the run that failed
        raise RuntimeError(f"{Path(task[0]).name} rep {task[1]} (seed {task[2]}): "
                           f"{type(exc).__name__}: {exc}") from exc


def run_all(plan: Plan, *, workers: int | None = None, progress: bool = True,
            dask: str | None = None) -> dict[str, pd.DataFrame]:
    """Run every task of ``plan``; the stacked tables, in scenario then rep order, and with
    its options ``levers`` (the lever decomposition) and ``robustness`` (a row per run in
    each market; on Dask at ``dask`` when given).

    ``workers`` processes (default ``os.cpu_count()``, never more than there are runs);
    ``workers=1`` runs in this process. The result does not depend on ``workers``.
    """
    from sim.runs import compare_options as options

    tasks = plan.tasks
    n = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    with Progress(len(tasks), "compare", "runs", enabled=progress) as bar:
        results = map_ordered(_run_task, tasks, n, bar,
                              preload=["sim.runs.compare", "sim.runs.run"])
    tables = {stem: _stack([r[stem] for r in results]) for stem in TABLES}
    return {**tables, **options.run(plan, workers=workers, dask=dask, progress=progress)}


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0].iloc[0:0] if frames else pd.DataFrame(columns=list(KEYS))
    return pd.concat(full, ignore_index=True)


def discount_rates(plan: Plan) -> dict[str, float]:
    """Each scenario's ``finance.discount_rate`` (CLV in the report)."""
    from sim import scenario

    return {name: scenario.load(f, overrides=dict(plan.overrides)).finance.discount_rate
            for name, f in zip(plan.names, plan.files, strict=True)}


def economics_summary(plan: Plan, runs: pd.DataFrame) -> list[dict]:
    """The cost-and-return table (``analysis.economics``) of a comparison, differences against
    the status quo (else the first scenario), each at its scenario's
    ``finance.discount_rate``; NaN becomes None."""
    from analysis.economics import economics_table

    table = economics_table(runs, discount_rates(plan),
                            reference=plan.status_quo or plan.names[0])
    return nan_to_none(table.to_dict("records"))


def differences(plan: Plan, tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Paired differences (by replication) of ``DIFFERENCE_KPIS``: every scenario against
    the status quo, then against the first scenario; rows {scenario, versus, figure, mean,
    lo, hi, n} with n the replications paired."""
    from analysis.intervals import paired_diff_ci
    from analysis.kpi import run_kpis

    per_run = run_kpis(tables["runs"], tables["customers_runs"], tables["retention_runs"])
    rows = []
    for versus in dict.fromkeys(v for v in (plan.status_quo, plan.first) if v is not None):
        base = per_run[per_run["scenario"] == versus].set_index("rep")
        for scen in plan.names:
            if scen == versus:
                continue
            sub = per_run[per_run["scenario"] == scen].set_index("rep")
            for kpi in DIFFERENCE_KPIS:
                m, lo, hi = paired_diff_ci(sub[kpi], base[kpi])
                n = int((sub[kpi] - base[kpi]).notna().sum())
                rows.append({"scenario": scen, "versus": versus, "figure": kpi, "mean": m,
                             "lo": lo, "hi": hi, "n": n})
    return nan_to_none(rows)


def write(plan: Plan, tables: dict[str, pd.DataFrame], out: OutDir | None = None) -> dict:
    """Write tables, figures, report.html and summary.json atomically into ``out`` (default
    ``plan.out``), a directory marked as a ``compare`` result."""
    from analysis.report import write_report

    with atomic_dir(out or OutDir(plan.out), "compare") as tmp:
        for stem, df in tables.items():
            df.to_parquet(tmp / f"{stem}.parquet", index=False)
        meta = {"files": [str(f) for f in plan.files], "root_seed": plan.root_seed,
                "seeds": list(plan.seeds), "steps": plan.steps or "as in each scenario",
                "overrides": dict(plan.overrides)}
        from sim.runs import compare_options as options

        sections = {"status_quo": plan.status_quo,  # the summary's keys the report renders
                    "differences": differences(plan, tables),
                    "economics": economics_summary(plan, tables["runs"]),
                    **options.summaries(plan, tables)}
        summary = write_report(tmp, tables["runs"], tables["pool_runs"], tables["spells_runs"],
                               tables["customers_runs"], tables["market_runs"],
                               scenarios=list(plan.names), lang=plan.lang, meta=meta,
                               retention_runs=tables["retention_runs"],
                               discount_rates=discount_rates(plan), sections=sections)
        write_json(tmp / "summary.json", summary)
    return summary


def compare(files: Sequence[str | Path], *, reps: int = DEFAULT_REPS,
            seed: int = DEFAULT_ROOT_SEED, steps: int | None = None, lang: str = "en",
            out: str | Path | None = None, workers: int | None = None,
            progress: bool = True, **options: Any) -> tuple[Path, dict]:
    """Plan, run and write a comparison; returns the output directory and the summary.
    ``options``: those of :func:`make_plan` (status_quo, reference, levers, robustness,
    posterior, draws)."""
    plan = make_plan(files, reps=reps, seed=seed, steps=steps, lang=lang, out=out, **options)
    summary = write(plan, run_all(plan, workers=workers, progress=progress))
    return plan.out, summary
