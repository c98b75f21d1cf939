"""One scenario and one seed -> tables, a summary and a dashboard on disk, written atomically.

``simulate`` is the model as a function of its parameters (EMA-Workbench style); ``summarize``
reduces the tables to headline figures; ``write_outputs`` puts everything into a directory that
appears whole or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model import MarketModel
from sim.params import STAGES, Scenario
from sim.record import top_share
from sim.scenario import InputError

Tables = dict[str, pd.DataFrame]


def with_overrides(params: Scenario, *, seed: int | None = None,
                   steps: int | None = None) -> Scenario:
    """A copy of ``params`` with the run's seed and length replaced where given."""
    run = params.run.model_copy(update={k: v for k, v in (("seed", seed), ("weeks", steps))
                                        if v is not None})
    return params.model_copy(update={"run": run})


def simulate(params: Scenario, *, seed: int | None = None, steps: int | None = None,
             progress: Callable[[int], None] | None = None) -> tuple[MarketModel, Tables]:
    """Run a scenario; return the final model and its tables."""
    params = with_overrides(params, seed=seed, steps=steps)
    model = MarketModel(params)
    for _ in range(params.run.weeks):
        model.step()
        if progress is not None:
            progress(1)
    return model, model.recorder.tables(model)


def summarize(model: MarketModel, tables: Tables) -> dict:
    """Headline figures per supplier (definitions in docs/ODD.md, section 7)."""
    sup, ret = tables["suppliers"], tables["retention"]
    last_year = sup[sup["step"] > sup["step"].max() - 52]
    pool_end = tables["pool"][tables["pool"]["step"] == sup["step"].max()]
    out: dict = {"scenario": model.params.name, "seed": int(model.params.run.seed),
                 "steps": int(model.week), "suppliers": {}}
    if getattr(model, "book_provenance", None):  # which start values came from the book
        out["book"] = model.book_provenance
    for s, name in enumerate(model.supplier_names):
        ly = last_year[last_year["supplier"] == name]
        r = ret[ret["supplier"] == name]
        stages = pool_end[pool_end["supplier"] == name].set_index("stage")["count"]
        flows_in = ly["acquired"].sum()
        flows_out = ly["lost"].sum() + ly["exited"].sum()
        out["suppliers"][name] = {
            "focal": bool(s == model.focal),
            "market_share": _ratio(ly["volume_t"].sum(),
                                   last_year["volume_t"].sum()),
            "net_profit": float(sup.loc[sup["supplier"] == name, "net_profit"].sum()),
            "gross_margin": _ratio(ly["gross_profit"].sum(), ly["revenue"].sum()),
            "customers_by_stage": {st: int(stages.get(st, 0)) for st in STAGES},
            "annual_retention": _ratio(r["retained"].sum(), r["customers_start"].sum()),
            "key_account_retention": _ratio(r["key_retained"].sum(), r["key_start"].sum()),
            "top20_revenue_share": top_share(model.pop.rev52[:, s]),
            "pool_health": _ratio(flows_in, flows_out),
        }
    return out


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b > 0 else None


def default_out_dir(params: Scenario, seed: int) -> Path:
    return Path("results") / f"{params.name}-{seed}"


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``; on success it replaces ``target``.

    On any error the temporary directory is removed and ``target`` is left as it was.
    Raises :class:`InputError` when the location cannot be written.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)
    except OSError as exc:
        raise InputError([(str(target), "--out", f"cannot write here: {exc.strerror}")]) from None
    try:
        yield tmp
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_tables(directory: Path, tables: Tables) -> None:
    """Each table as ``<name>.parquet`` in ``directory``."""
    for name, df in tables.items():
        df.to_parquet(directory / f"{name}.parquet", index=False)


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, default=_json_default, ensure_ascii=False))


def _json_default(x: object) -> object:
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x)}")


def write_outputs(out: Path, model: MarketModel, tables: Tables, *, dashboard: bool = True,
                  lang: str = "en") -> Path:
    """Write tables, ``summary.json`` and ``dashboard.png`` into ``out`` atomically."""
    with atomic_dir(out) as tmp:
        write_tables(tmp, tables)
        write_json(tmp / "summary.json", summarize(model, tables))
        if dashboard:
            from analysis.plots import dashboard as draw

            fig = draw(tables["suppliers"], tables["pool"], tables["market"],
                       tables["customers"], lang=lang)
            fig.savefig(tmp / "dashboard.png", dpi=110)
    return out


def progress_bar(total: int, desc: str):
    """A tqdm bar on a terminal, nothing otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="wk", disable=not sys.stderr.isatty(),
                leave=False)
