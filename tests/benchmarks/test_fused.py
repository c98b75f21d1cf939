"""The fused kernel (sim/kernels/fused.py) gives the numpy path's results bit for bit.

Both kernels run the same scenario and seed; every recorded table and every population
array must be identical (``assert_frame_equal`` with exact comparison). The cases cover the
branches of the fused passes: six suppliers (pairwise sums of fewer than 8), twenty (the
8-accumulator sums), tender contracts and dual sourcing, key-accounts-first rationing,
shortages and spills, strategies (care, dedicated teams, discounts), and the WKH sample mode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import scenario
from sim.kernels import fused
from sim.model import MarketModel
from sim.run import simulate

from .market import ROOT, scaled

pytestmark = pytest.mark.skipif(not fused.fused_ok(), reason="numba not installed or inexact")


def _params(case: str):
    if case.endswith(".toml"):
        return scenario.load(ROOT / "scenarios" / case)
    n, s = map(int, case.split("x"))
    params = scaled(n, s)
    if s == 20:  # key accounts first at every other supplier
        sup = [p.model_copy(update={"rationing": "key_first"}) if i % 2 else p
               for i, p in enumerate(params.suppliers)]
        params = params.model_copy(update={"suppliers": sup})
    return params


@pytest.mark.parametrize(("case", "weeks"), [
    ("baseline.toml", 70), ("wkh.toml", 60), ("kam_centre.toml", 40), ("poacher.toml", 40),
    ("price_shock_silent.toml", 72), ("price_shock_communicated.toml", 72),
    ("300x20", 40), ("200x2", 30)])
def test_fused_equals_numpy(case, weeks, monkeypatch):
    params = _params(case)
    runs = {}
    for kernel in ("numpy", "fused"):
        monkeypatch.setenv("KAMSIM_KERNEL", kernel)
        model, tables = simulate(params, steps=weeks)
        assert model.kernel == kernel
        runs[kernel] = (model, tables)
    (a, ta), (b, tb) = runs["numpy"], runs["fused"]
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)
    for name in a.pop.arrays:
        assert np.array_equal(getattr(a.pop, name), getattr(b.pop, name), equal_nan=True), name
    for name in ("stock", "forecast", "last_delivered", "orders_by_mat", "avg_cost"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_routine_shares_equal():
    """``MarketModel._routine_shares`` (used at set-up) agrees between the kernels."""
    params = scaled(300, 20, weeks=10)
    a, b = MarketModel(params, kernel="numpy"), MarketModel(params, kernel="fused")
    for _ in range(3):
        a.step()
        b.step()
    for x, y in zip(a._routine_shares(), b._routine_shares(), strict=True):
        assert np.array_equal(x, y)


def test_without_customer_agents_same_tables():
    """``customer_agents=False`` only skips the per-customer Mesa agents."""
    params = scaled(300, 6, weeks=30)
    a, b = MarketModel(params), MarketModel(params, customer_agents=False)
    for _ in range(30):
        a.step()
        b.step()
    assert len(a.customers) > 0 and len(b.customers) == 0
    ta, tb = a.recorder.tables(a), b.recorder.tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)
