"""The per-agent reference (sim/reference.py) and the vectorised step agree on the same inputs.

One week of a small market is run by ``MarketModel`` (numpy kernels; the fused kernel is the
numpy path bit for bit, tests/benchmarks/test_fused.py) while the state at the moment of
choice is handed to ``ReferenceMarket``; shares, orders, deliveries and the satisfaction,
loyalty, delivery-record and share-of-wallet updates must agree to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import MarketModel
from sim.reference import ReferenceMarket

from .market import scaled

RTOL, ATOL = 1e-11, 1e-12


def one_week_both(model: MarketModel) -> tuple[ReferenceMarket, dict]:
    """Step ``model`` once, capturing the reference at choice time and the model's results."""
    seen: dict = {}
    choose, fulfil = model._choose, model._fulfil

    def _choose():
        seen["ref"] = ReferenceMarket.from_model(model)
        orders, routine = choose()
        seen["orders"], seen["routine"] = [o.copy() for o in orders], [r.copy() for r in routine]
        return orders, routine

    def _fulfil(orders, routine):
        delivered, fill = fulfil(orders, routine)
        seen["delivered"] = [d.copy() for d in delivered]
        return delivered, fill

    model._choose, model._fulfil = _choose, _fulfil
    model.step()
    model._choose, model._fulfil = choose, fulfil
    ref = seen["ref"]
    ref.step()
    return ref, seen


def per_customer(ref: ReferenceMarket, attr: str) -> np.ndarray:
    rows = sorted(ref.customers, key=lambda c: c.row)
    return np.array([getattr(c, attr) for c in rows], dtype=float)


def per_material(ref: ReferenceMarket, attr: str) -> list[np.ndarray]:
    rows = sorted(ref.customers, key=lambda c: c.row)
    return [np.array([getattr(c, attr)[m] for c in rows]) for m in range(ref.n_mat)]


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", ["200x6", "150x20", "key_first"])
def test_reference_agrees_with_vectorised_step(case):
    if case == "key_first":
        params = scaled(200, 6, weeks=30)
        sup = [s.model_copy(update={"rationing": "key_first"}) if i % 2 == 0 else s
               for i, s in enumerate(params.suppliers)]
        params = params.model_copy(update={"suppliers": sup})
    else:
        n, s = map(int, case.split("x"))
        params = scaled(n, s, weeks=30)
    model = MarketModel(params)
    for _ in range(14):  # past a quarter: key accounts, contracts and shortages in play
        model.step()
    ref, seen = one_week_both(model)
    n = len(ref.customers)
    pop = model.pop
    for m in range(model.n_mat):
        close(per_material(ref, "routine")[m], seen["routine"][m][:n])
        close(per_material(ref, "ordered")[m], seen["orders"][m][:n])
        close(per_material(ref, "received")[m], seen["delivered"][m][:n])
    for attr in ("satisfaction", "loyalty", "share", "delivery"):
        close(per_customer(ref, attr), getattr(pop, attr)[:n])
    # the week was not trivial: orders were placed and some were rationed or spilled
    assert sum(o.sum() for o in seen["orders"]) > 0
    assert np.any(model.first_delivered < model.orders_by_mat - 1e-9) or case == "150x20"
