"""The per-agent reference (sim/reference.py) and the model's compiled week agree.

A week of a small market is run by ``MarketModel`` while the state at the moment of choice is
handed to ``ReferenceMarket``; everything the customers' week computes must agree to rounding
(relative 1e-13, see ``RTOL``): shares, orders, deliveries, the week's books, satisfaction,
loyalty, the delivery record, share of wallet, the rolling 13- and 52-week books, weeks since
the last purchase, tenure, the main supplier, price sensitivity and the lifecycle stage. It is
checked on one week of three market shapes, and week after week through runs of the shipped
scenarios that switch on every strategy.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import scenario
from sim.market.model import MarketModel
from sim.reference import ReferenceMarket
from sim.reference_rhythm import replay

from .market import ROOT, scaled

# The compiled rules and the reference sum in the same order but not always the same
# products (e.g. (beta x novelty) x portfolio against beta x (novelty x portfolio)): they
# differ by a unit in the last place (about 3e-16 relative) after a week, and by less than
# 1e-14 week after week through these 30-week runs. The tolerance keeps a margin of ten.
RTOL, ATOL = 1e-13, 1e-14


def one_week_both(model: MarketModel) -> tuple[ReferenceMarket, dict]:
    """Step ``model`` once, capturing the reference at choice time and the model's results."""
    seen: dict = {}
    choose, fulfil, rhythm = model._choose, model._fulfil, model._order_rhythm

    def _order_rhythm():  # the state before the rule, and the rule's draws if it draws
        pop, stream = model.pop, model.streams.rhythm
        seen["before"] = (pop.demand.copy(), pop.backlog.copy(), pop.waited.copy())
        replica = np.random.Generator(type(stream.bit_generator)())
        replica.bit_generator.state = stream.bit_generator.state
        rhythm()
        drew = stream.bit_generator.state != replica.bit_generator.state
        seen["u"] = replica.random(pop.n) if drew else None

    def _choose():
        seen["ref"] = ReferenceMarket.from_model(model)
        replay(seen["ref"].customers, *seen["before"], seen["u"])  # the reference orders
        orders, routine = choose()
        seen["orders"], seen["routine"] = [o.copy() for o in orders], [r.copy() for r in routine]
        return orders, routine

    def _fulfil(orders, routine):
        delivered, fill = fulfil(orders, routine)
        seen["delivered"] = [d.copy() for d in delivered]
        return delivered, fill

    model._choose, model._fulfil, model._order_rhythm = _choose, _fulfil, _order_rhythm
    model.step()
    model._choose, model._fulfil, model._order_rhythm = choose, fulfil, rhythm
    ref = seen["ref"]
    ref.step()
    return ref, seen


def per_customer(ref: ReferenceMarket, attr: str) -> np.ndarray:
    rows = sorted(ref.customers, key=lambda c: c.row)
    return np.array([getattr(c, attr) for c in rows], dtype=float)


def per_material(ref: ReferenceMarket, attr: str) -> list[np.ndarray]:
    rows = sorted(ref.customers, key=lambda c: c.row)
    return [np.array([getattr(c, attr)[m] for c in rows]) for m in range(ref.n_mat)]


def close(a, b, what: str = ""):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=what)


def assert_week_agrees(model: MarketModel, ref: ReferenceMarket, seen: dict) -> None:
    """Everything the customers' week computed, reference against model, after one step."""
    n, pop = len(ref.customers), model.pop
    slot = (model.week - 1) % 52  # the week just stepped
    for m in range(model.n_mat):
        close(per_material(ref, "demand")[m], pop.demand[:n, m], "this week's orders")
        close(per_material(ref, "backlog")[m], pop.backlog[:n, m], "backlog")
        close(per_material(ref, "routine")[m], seen["routine"][m][:n], "routine shares")
        close(per_material(ref, "ordered")[m], seen["orders"][m][:n], "orders")
        close(per_material(ref, "received")[m], seen["delivered"][m][:n], "deliveries")
    for attr in ("vol", "rev", "cost"):
        close(per_customer(ref, attr).astype(np.float32), pop.ring.dense(slot, attr, pop.n)[:n],
              f"this week's {attr} in the ring")
    for attr in ("satisfaction", "loyalty", "share", "delivery", "vol13", "vol52", "rev52",
                 "cost52", "act13", "weeks_since", "tenure", "stage", "ps", "main", "waited",
                 "order_weeks"):
        close(per_customer(ref, attr), getattr(pop, attr)[:n], attr)


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
    assert_week_agrees(model, ref, seen)
    # the week was not trivial: orders were placed and some were rationed or spilled
    assert sum(o.sum() for o in seen["orders"]) > 0
    sup = model.supply
    assert np.any(sup.first_delivered < sup.orders_by_mat - 1e-9) or case == "150x20"


STRATEGY_SCENARIOS = ["reservoir", "funnel", "poacher", "price_shock_communicated",
                      "kam_centre", "new_entrant_contest"]


@pytest.mark.parametrize("name", STRATEGY_SCENARIOS)
def test_reference_agrees_week_after_week_with_strategies(name):
    """Every week of 30 (a quarterly review, contracts, prospecting and the scenario's
    strategies in play), the reference computes the model's customers' week."""
    params = scenario.load(ROOT / "scenarios" / f"{name}.toml",
                           overrides={"run.customers": 150, "run.weeks": 30})
    switched_on = {k for sp in params.suppliers
                   for k, v in sp.strategies.model_dump().items() if v is not None}
    assert switched_on
    model = MarketModel(params, seed=3)
    stages_seen = set()
    for _ in range(params.run.weeks):
        ref, seen = one_week_both(model)
        assert_week_agrees(model, ref, seen)
        stages_seen |= set(np.unique(model.pop.stage[:model.pop.n]).tolist())
    assert {1, 2, 3} <= stages_seen  # potential, general and key relationships were checked


def test_reference_reads_the_declared_constants():
    """Away from the defaults of the delivery smoothing and the tenure scale of price
    sensitivity, the reference still computes the model's week: both read the parameters."""
    params = scenario.load(ROOT / "scenarios" / "reservoir.toml", overrides={
        "run.customers": 150, "run.weeks": 20, "adaptation.delivery_smoothing": 0.6,
        "adaptation.ps_tenure_weeks": 30.0})
    model = MarketModel(params, seed=5)
    for _ in range(6):
        ref, seen = one_week_both(model)
        assert_week_agrees(model, ref, seen)


def test_reference_agrees_week_after_week_with_order_rhythm():
    """Customers of four segments order every 1.5, 2.5 and 4 weeks on average (tier 1
    every week): every week of 30, the reference places the orders from the demand, the
    backlog and the model's draws by itself and computes the model's week; orders went out
    on some weeks and waited on others."""
    intervals = {"ev_oem": 1.5, "ice_oem": 2.5, "new_entrant": 2.5, "tier2": 4.0}
    params = scenario.load(ROOT / "scenarios" / "reservoir.toml", overrides={
        "run.customers": 150, "run.weeks": 30,
        **{f"segments.{k}.order_interval_weeks": v for k, v in intervals.items()}})
    model = MarketModel(params, seed=7)
    waited = ordered = 0
    for _ in range(params.run.weeks):
        ref, seen = one_week_both(model)
        assert seen["u"] is not None
        assert_week_agrees(model, ref, seen)
        pop = model.pop
        rhythm = pop.active & (pop.order_interval > 1.0)
        waited += int((rhythm & (pop.order_weeks == 0)).sum())
        ordered += int((rhythm & (pop.order_weeks > 1)).sum())
    assert waited > 100 and ordered > 100
