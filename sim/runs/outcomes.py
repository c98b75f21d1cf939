"""Named outcomes of one run, as sweeps record them.

Owns the names a sweep spec may list under ``[outcomes]``:

- ``final``: one number per run, computed at the end from the model and its tables. Most come
  from :func:`sim.runs.run.summarize` (definitions in :mod:`sim.metrics`, docs/ODD.md section 7)
  for the focal supplier;
  a value the summary leaves undefined (e.g. retention with no customers at the start) is NaN.
- ``series``: a column of ``suppliers.parquet`` for the focal supplier (``focal.<column>``),
  averaged over consecutive windows of ``stride`` weeks, each labelled by its last step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.columns import BOOKS, FLOWS

if TYPE_CHECKING:
    import pandas as pd

Summary = dict[str, Any]
Tables = dict[str, "pd.DataFrame"]


def _from_summary(field: str) -> Callable[[Summary, pd.DataFrame], float]:
    return lambda focal, _sup: _num(focal.get(field))


def _last(column: str) -> Callable[[Summary, pd.DataFrame], float]:
    return lambda _focal, sup: float(sup[column].iloc[-1]) if len(sup) else math.nan


FINAL: dict[str, Callable[[Summary, pd.DataFrame], float]] = {
    "focal.market_share": _from_summary("market_share"),
    "focal.net_profit": _from_summary("net_profit"),
    "focal.net_profit_npv": _from_summary("net_profit_npv"),
    "focal.gross_margin": _from_summary("gross_margin"),
    "focal.pool_health": _from_summary("pool_health"),
    "focal.annual_retention": _from_summary("annual_retention"),
    "focal.key_account_retention": _from_summary("key_account_retention"),
    "focal.top20_revenue_share": _from_summary("top20_revenue_share"),
    "focal.customers_end": _last("customers"),
    "focal.key_accounts_end": _last("key_accounts"),
    "focal.revenue": lambda _focal, sup: float(sup["revenue"].sum()),
}
"""Final outcomes: name -> function of (focal supplier's summary, focal rows of suppliers)."""

SERIES_COLUMNS: tuple[str, ...] = ("price", *BOOKS, "customers", "key_accounts", "stock_t",
                                   *FLOWS, "kam_covered")
SERIES: tuple[str, ...] = tuple(f"focal.{c}" for c in SERIES_COLUMNS)
"""Series outcomes: ``focal.<column of suppliers.parquet>``."""


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def final_values(summary: Summary, tables: Tables, names: tuple[str, ...]) -> dict[str, float]:
    """The named final outcomes of a run, from its summary and tables."""
    focal = next(v for v in summary["suppliers"].values() if v["focal"])
    sup = _focal_rows(tables)
    return {name: FINAL[name](focal, sup) for name in names}


def series_rows(tables: Tables, names: tuple[str, ...],
                stride: int) -> list[tuple[str, int, float]]:
    """``(outcome, step, value)`` rows: window means of focal columns, every ``stride`` weeks.

    Only whole windows count: weeks 0..stride-1 give step ``stride-1``, and so on.
    """
    sup = _focal_rows(tables)
    n = len(sup) // stride
    steps = np.arange(1, n + 1) * stride - 1
    rows: list[tuple[str, int, float]] = []
    for name in names:
        values = sup[name.removeprefix("focal.")].to_numpy(float)[: n * stride]
        means = values.reshape(n, stride).mean(axis=1) if n else np.empty(0)
        rows.extend((name, int(s), float(v)) for s, v in zip(steps, means, strict=True))
    return rows


def _focal_rows(tables: Tables) -> pd.DataFrame:
    """The focal supplier's weekly rows (the start state, step -1, left out)."""
    sup = tables["suppliers"]
    return sup[sup["focal"] & (sup["step"] >= 0)].sort_values("step")


def compute(model: Any, tables: Tables, final: tuple[str, ...], series: tuple[str, ...],
            stride: int) -> tuple[dict[str, float], list[tuple[str, int, float]]]:
    """Final outcomes and series rows of one run (``model`` as ``simulate`` returns it)."""
    from sim.runs.run import summarize

    summary = summarize(model, tables)
    return final_values(summary, tables, final), series_rows(tables, series, stride)
