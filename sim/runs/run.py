"""One scenario and one seed -> tables, a summary and a dashboard on disk, written atomically.

``simulate`` is the model as a function of its parameters (EMA-Workbench style); ``summarize``
reduces the tables to headline figures; ``write_outputs`` puts everything into a directory that
appears whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim import metrics
from sim.errors import InputError
from sim.io import OUTPUT_ROOT, OutDir, atomic_dir, nan_to_none, safe_name, write_json
from sim.market.model import MarketModel
from sim.params import STAGES, Scenario
from sim.rules import lifecycle as lc

Tables = dict[str, pd.DataFrame]
#: the dashboard's PNG compression: zlib level 3 writes the same pixels as the default (6)
#: in two thirds of the time (about 20 ms less CPU a run), the file 1 % larger
PNG = {"compress_level": 3}


def with_overrides(params: Scenario, *, seed: int | None = None,
                   steps: int | None = None) -> Scenario:
    """A copy of ``params`` with the run's seed and length replaced where given."""
    given = {k: v for k, v in (("seed", seed), ("weeks", steps)) if v is not None}
    try:  # validated: --steps and --seed obey the bounds a file's run.weeks and run.seed do
        run = type(params.run).model_validate({**params.run.model_dump(), **given})
    except ValidationError as exc:
        flag = {"seed": "--seed", "weeks": "--steps"}
        raise InputError([(flag.get(str(e["loc"][0]), "--steps"), f"run.{e['loc'][0]}",
                           e["msg"]) for e in exc.errors()]) from None
    return params.model_copy(update={"run": run})


def simulate(params: Scenario, *, seed: int | None = None, steps: int | None = None,
             progress: Callable[[int], None] | None = None) -> tuple[MarketModel, Tables]:
    """Run a scenario; return the final model and its tables."""
    params = with_overrides(params, seed=seed, steps=steps)
    model = MarketModel(params)
    with np.errstate(over="ignore", invalid="ignore"):  # sim.market.finite reports an overflow
        for _ in range(params.run.weeks):
            model.step()
            if progress is not None:
                progress(1)
    return model, model.recorder.tables(model)


def summarize(model: MarketModel, tables: Tables) -> dict:
    """Headline figures per supplier, each by its definition in :mod:`sim.metrics`
    (docs/ODD.md, section 7); an undefined figure (no customers at a year start, no revenue)
    is None. Also the verdict of this one run (docs/ODD.md, 7: one replication)."""
    sup, ret = tables["suppliers"].sort_values("step", kind="stable"), tables["retention"]
    last_step = sup["step"].max()
    last_year = sup[sup["step"] > last_step - metrics.WEEKS_PER_YEAR]
    pool_end = tables["pool"][tables["pool"]["step"] == last_step]
    rate = model.params.finance.discount_rate
    pop = model.pop
    buying = pop.active[: pop.n, None] & (pop.stage[: pop.n] >= lc.POTENTIAL) & (
        pop.stage[: pop.n] <= lc.SUNSET)
    out: dict = {"scenario": model.params.name, "seed": int(model.params.run.seed),
                 "steps": int(model.week), "start_year": model.params.run.start_year,
                 "discount_rate": rate, "suppliers": {}}
    if getattr(model, "book_provenance", None):  # which start values came from the book
        out["book"] = model.book_provenance
    for s, name in enumerate(model.supplier_names):
        own = sup[(sup["supplier"] == name) & (sup["step"] >= 0)]  # weeks, not the start
        ly = last_year[last_year["supplier"] == name]
        r = ret[ret["supplier"] == name]
        stages = pool_end[pool_end["supplier"] == name].set_index("stage")["count"]
        out["suppliers"][name] = {
            "focal": bool(s == model.focal),
            "market_share": _ratio(ly["volume_t"].sum(), last_year["volume_t"].sum()),
            "net_profit": float(own["net_profit"].sum()),
            "net_profit_npv": metrics.npv(own["net_profit"].to_numpy(), rate),
            "gross_margin": _ratio(ly["gross_profit"].sum(), ly["revenue"].sum()),
            "customers_by_stage": {st: int(stages.get(st, 0)) for st in STAGES},
            "annual_retention": nan_to_none(metrics.retention(r["customers_start"], r["retained"])),
            "key_account_retention": nan_to_none(metrics.retention(r["key_start"],
                                                               r["key_retained"])),
            **{kpi: nan_to_none(metrics.retention(r[start], r[end]))
               for kpi, (end, start) in metrics.KEY_VALUE_KPIS.items()},
            "top20_revenue_share": nan_to_none(
                metrics.top_share(pop.rev52[: pop.n, s][buying[:, s]])),
            "pool_health": nan_to_none(metrics.pool_health(own["acquired"], own["lost"],
                                                       own["exited"])),
        }
    focal = out["suppliers"][model.supplier_names[model.focal]]
    out["verdict"] = metrics.verdict([focal["pool_health"]]).kind
    return out


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b > 0 else None


def default_out_dir(params: Scenario, seed: int) -> Path:
    """``results/<scenario name>-<seed>``, the name made safe (it never leaves ``results/``)."""
    return OUTPUT_ROOT / f"{safe_name(params.name)}-{seed}"


def write_tables(directory: Path, tables: Tables) -> None:
    """Each table as ``<name>.parquet`` in ``directory``."""
    for name, df in tables.items():
        df.to_parquet(directory / f"{name}.parquet", index=False)


def write_outputs(out: OutDir | Path, model: MarketModel, tables: Tables, *,
                  dashboard: bool = True, lang: str = "en") -> Path:
    """Write tables, ``summary.json`` and ``dashboard.png`` into ``out`` atomically (a
    directory marked as a ``run`` result, see :func:`sim.io.atomic_dir`)."""
    with atomic_dir(out, "run") as tmp:
        write_tables(tmp, tables)
        write_json(tmp / "summary.json", summarize(model, tables))
        if dashboard:
            from analysis.plots import dashboard as draw

            fig = draw(tables["suppliers"], tables["pool"], tables["market"],
                       tables["customers"], lang=lang)
            fig.savefig(tmp / "dashboard.png", dpi=110, pil_kwargs=PNG)
    return out.path if isinstance(out, OutDir) else Path(out)
