"""The purchase rhythm (sim/rules/rhythm.py, docs/ODD.md 7.c): demand waits for order weeks.

Checked on a small market whose segments order every 1, 2 and 4 weeks on average: tonnes
are conserved (every tonne demanded is ordered, still waiting or left with a customer who
left the market), orders go out only on order weeks and carry the weeks waited, order weeks
come at the declared rate, the seeded history lies on order weeks, and customers ordering
weekly are exactly as without the rule.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim import scenario
from sim.market.model import MarketModel
from sim.rules import rhythm

ROOT = Path(__file__).resolve().parents[1]
INTERVALS = {"ev_oem": 2.0, "ice_oem": 4.0, "new_entrant": 2.0, "tier2": 4.0}  # tier1: 1


def _params(weeks: int = 60, intervals: dict | None = None):
    over = {f"segments.{k}.order_interval_weeks": v
            for k, v in (INTERVALS if intervals is None else intervals).items()}
    return scenario.load(ROOT / "scenarios" / "baseline.toml",
                         overrides={"run.scale": 0.3, "run.weeks": weeks, **over})


class Watch:
    """Steps a model, keeping each week's demand before and after the rule and the backlog
    that left the market with exiting customers."""

    def __init__(self, model: MarketModel) -> None:
        self.model, self.wanted, self.ordered, self.left = model, [], [], 0.0
        demand, retire = model._demand, model._retire

        def _demand():
            demand()
            self.wanted.append(model.pop.demand.copy())

        def _retire(rows):
            self.left += float(model.pop.backlog[rows].sum())
            retire(rows)

        model._demand, model._retire = _demand, _retire

    def step(self) -> None:
        self.model.step()
        self.ordered.append(self.model.pop.demand.copy())


@pytest.fixture(scope="module")
def watched():
    model = MarketModel(_params(), seed=11)
    start = model.pop.backlog.copy()
    watch = Watch(model)
    weekly = []
    for _ in range(model.params.run.weeks):
        watch.step()
        pop = model.pop
        weekly.append((pop.order_interval.copy(), pop.order_weeks.copy(), pop.waited.copy(),
                       pop.active.copy()))
    return model, watch, start, weekly


def test_tonnes_are_conserved(watched):
    model, watch, start, _ = watched
    wanted = start.sum() + sum(w.sum() for w in watch.wanted)
    placed = sum(o.sum() for o in watch.ordered) + model.pop.backlog.sum() + watch.left
    assert watch.left > 0  # some customers left with demand waiting
    assert placed == pytest.approx(wanted, rel=1e-12)
    # per customer too: what a customer wanted is what it ordered plus what still waits
    n = model.pop.n
    def per_row(a: np.ndarray) -> np.ndarray:  # tonnes per customer, entrants padded
        return np.pad(a.sum(1), (0, n - len(a)))

    per_wanted = per_row(start) + sum(per_row(w) for w in watch.wanted)
    per_placed = sum(per_row(o) for o in watch.ordered)
    stayed = model.pop.active
    np.testing.assert_allclose(per_placed[stayed] + model.pop.backlog[stayed].sum(1),
                               per_wanted[stayed], rtol=1e-12)


def test_orders_go_out_on_order_weeks_only_and_carry_the_weeks_waited(watched):
    model, watch, _, weekly = watched
    orders_seen = waits_seen = 0
    for t, (interval, order_weeks, waited, active) in enumerate(weekly):
        ordered, wanted = watch.ordered[t], watch.wanted[t]
        n = len(wanted)
        rhythmic = active[:n] & (interval[:n] > 1.0)
        between = rhythmic & (order_weeks[:n] == 0)
        on = rhythmic & (order_weeks[:n] > 0)
        assert (ordered[between] == 0).all()
        assert (waited[:n][on] == 0).all() and (waited[:n][between] > 0).all()
        assert (ordered[on].sum(1) >= wanted[on].sum(1)).all()  # the backlog went with it
        weekly_buyers = active[:n] & (interval[:n] == 1.0)
        assert np.array_equal(ordered[weekly_buyers], wanted[weekly_buyers])
        assert (order_weeks[:n][weekly_buyers] == 1.0).all()
        orders_seen += int(on.sum())
        waits_seen += int(between.sum())
    assert orders_seen > 500 and waits_seen > 500


def test_order_weeks_come_at_one_over_the_interval(watched):
    _, _, _, weekly = watched
    for k in (2.0, 4.0):
        hits = trials = 0
        for interval, order_weeks, _, active in weekly:
            sel = active & (interval == k)
            trials += int(sel.sum())
            hits += int((order_weeks[sel] > 0).sum())
        assert trials > 500
        # a two-sided binomial test at the 0.1 % level: a rule ordering at another rate fails
        assert stats.binomtest(hits, trials, 1.0 / k).pvalue > 1e-3, (k, hits / trials)


def test_seeded_history_lies_on_order_weeks():
    model = MarketModel(_params(weeks=1), seed=4)
    pop = model.pop
    # week t of the seeded year in slot t mod 52
    slots = np.stack([pop.ring.dense(t, "vol", pop.n) for t in range(52)])
    for k in (1.0, 2.0, 4.0):
        rows = (pop.order_interval == k) & (pop.vol52.max(1) > 0)
        buys = (slots[:, rows] > 0).any(axis=2)  # 52 x rows: a purchase that week
        share = buys.mean()
        assert share == pytest.approx(1.0 / k, abs=0.03 if k > 1 else 0.0), k
        np.testing.assert_array_equal(pop.act13[rows].max(1), buys[-13:].sum(0))
    rhythmic = (pop.order_interval > 1.0) & (pop.vol52.max(1) > 0)
    # the weeks since the last purchase are the weeks of demand waiting in the backlog
    s = pop.vol52.argmax(1)
    idx = np.flatnonzero(rhythmic)
    np.testing.assert_array_equal(pop.weeks_since[idx, s[idx]], pop.waited[idx])
    waiting = pop.waited[rhythmic] > 0
    assert waiting.any() and (pop.backlog[rhythmic][waiting].sum(1) > 0).all()
    # key accounts need nine weeks of thirteen: rare at an interval of four weeks
    assert (pop.act13[pop.order_interval == 4.0].max(1) >= 9).mean() < 0.01


def test_the_rule_leaves_customers_ordering_weekly_untouched():
    """In a market ordering weekly nothing is drawn; and the rule run on it anyway (with
    draws of its own) changes nothing: interval 1 is today's model, bit for bit."""
    params = _params(weeks=20, intervals={})
    plain, forced = MarketModel(params, seed=2), MarketModel(params, seed=2)
    state = plain.streams.rhythm.bit_generator.state
    draws = np.random.default_rng(0)

    def always():
        pop = forced.pop
        rhythm.place_orders(pop.demand, pop.backlog, pop.order_interval, pop.waited,
                            pop.order_weeks, draws.random(pop.n))

    forced._order_rhythm = always
    for _ in range(20):
        plain.step()
        forced.step()
    assert plain.streams.rhythm.bit_generator.state == state
    assert (plain.pop.order_weeks == 1.0).all() and not plain.pop.backlog.any()
    for name in ("demand", "loyalty", "satisfaction", "share", "vol52", "act13", "stage"):
        assert np.array_equal(getattr(plain.pop, name), getattr(forced.pop, name)), name


def test_the_rule_itself():
    demand = np.array([[1.0, 2.0], [3.0, 0.5], [4.0, 4.0]])
    backlog = np.array([[5.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    interval = np.array([2.0, 3.0, 1.0])
    waited, order_weeks = np.array([2, 1, 0], np.int32), np.ones(3)
    # customer 0 draws 0.4 (0.4 x 2 < 1: orders), customer 1 draws 0.5 (1.5: waits)
    rhythm.place_orders(demand, backlog, interval, waited, order_weeks,
                        np.array([0.4, 0.5, 0.99]))
    np.testing.assert_array_equal(demand, [[6.0, 2.0], [0.0, 0.0], [4.0, 4.0]])
    np.testing.assert_array_equal(backlog, [[0.0, 0.0], [4.0, 1.5], [0.0, 0.0]])
    np.testing.assert_array_equal(waited, [0, 2, 0])
    np.testing.assert_array_equal(order_weeks, [3.0, 0.0, 1.0])
