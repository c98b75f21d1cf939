"""The run-time check that a run's state stays finite.

Bounds in ``sim/params/`` keep each value sensible, but some combinations (fast growth over a
long run, say) can still overflow. Once a week :func:`check_week` looks at the few aggregate
arrays every result is built from (supplier prices, costs, stocks, capacities, forecasts and
books, the market's cost indices and prices, customers' total demand and loyalty) and stops the
run with :class:`NonFiniteState`, naming the week and the quantity, the first time one of them
is NaN or infinite, so no table or ``summary.json`` ever holds one. Whole-array reductions
only: no loop over customers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.errors import NonFiniteState
from sim.params import MATERIALS

__all__ = ["NonFiniteState", "check_week"]

if TYPE_CHECKING:
    from sim.market.model import MarketModel


# ``model.supply`` array -> what it is (supplier x material arrays)
SUPPLIER_MATERIAL = {"price": "list price", "avg_cost": "average cost of stock",
                     "stock": "stock", "capacity": "capacity", "forecast": "order forecast"}
# ``model.market`` array -> what it is (per material)
MARKET = {"cost_index": "cost index", "market_price": "market price"}


def check_week(model: MarketModel, books: dict[str, np.ndarray] | None = None) -> None:
    """Raise :class:`NonFiniteState` if this week's aggregate state is not finite (all the
    arrays are looked at in one pass; where one is not, :func:`_name_first` names it)."""
    pop = model.pop
    arrays = [*(getattr(model.market, a) for a in MARKET),
              *(getattr(model.supply, a) for a in SUPPLIER_MATERIAL), *(books or {}).values()]
    # a large array by its sum: not finite when any value is not (or, rarely, when finite
    # values overflow it; then every value is looked at, below)
    values = [a.ravel() if a.size <= 64 else np.add.reduce(a, axis=None, keepdims=True).ravel()
              for a in arrays]
    values.append(np.array([pop.demand.sum(), pop.loyalty.sum()]))
    if not np.isfinite(np.concatenate(values)).all():
        _name_first(model, books)


def _name_first(model: MarketModel, books: dict[str, np.ndarray] | None) -> None:
    """Raise :class:`NonFiniteState` naming the first quantity that is not finite."""
    where = f"{model.params.name}: week {model.week}"
    for attr, what in MARKET.items():
        _check_vector(getattr(model.market, attr), where,
                      lambda m, w=what: f"{w} of {MATERIALS[m]}")
    for attr, what in SUPPLIER_MATERIAL.items():
        values = getattr(model.supply, attr)
        if not np.isfinite(values).all():
            s, m = np.argwhere(~np.isfinite(values))[0]
            raise NonFiniteState(f"{where}: {what} of {model.supplier_names[s]} "
                                 f"({MATERIALS[m]}) is {values[s, m]} (not a finite number); "
                                 "the scenario's values overflow")
    for key, values in (books or {}).items():  # per supplier (S) or relationship (N x S)
        _check_vector(values, where,
                      lambda i, k=key: f"{k} of {model.supplier_names[i % model.n_sup]}")
    pop = model.pop
    for what, total in (("customers' total demand", pop.demand.sum()),
                        ("customers' total loyalty", pop.loyalty.sum())):
        if not np.isfinite(total):
            raise NonFiniteState(f"{where}: {what} is {total} (not a finite number); the "
                                 "scenario's values overflow")


def _check_vector(values: np.ndarray, where: str, name) -> None:
    values = np.asarray(values, dtype=float)
    if not np.isfinite(values).all():
        i = int(np.flatnonzero(~np.isfinite(values))[0])
        raise NonFiniteState(f"{where}: {name(i)} is {values.flat[i]} (not a finite number); "
                             "the scenario's values overflow")
