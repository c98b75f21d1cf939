"""sim/rules/search.py: a routine buyer whose main supplier is undercut re-opens its choice
(docs/ODD.md 7.h), with a probability that rises with its price sensitivity and the gap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sim import scenario
from sim.market.compile import example
from sim.market.model import MarketModel
from sim.market.population import Population
from sim.rules import adapt
from sim.rules.search import rival_gap, rival_gaps, search, search_draws, search_probability
from sim.rules.state import Buyers

ROOT = Path(__file__).resolve().parents[1]
RULES = example(adapt.AdaptRules)._replace(search_threshold=0.05, search_rate=2.0,
                                            search_loyalty_loss=0.5)


def tiny_market(n: int, n_sup: int) -> tuple[Population, Buyers, None]:
    """``n`` buyers and ``n_sup`` suppliers with the model's array types."""
    pop = Population(n_sup, 3, cap=n)
    pop.add_rows(n)
    return pop, Buyers.of(pop), None


def test_probability_rises_with_sensitivity_and_gap_above_the_threshold():
    assert search_probability(RULES, 4.0, 0.05) == 0.0          # at the threshold: none
    assert search_probability(RULES, 4.0, 0.03) == 0.0
    assert search_probability(RULES, 4.0, 0.07) == pytest.approx(2.0 * 4.0 * 0.02)
    assert search_probability(RULES, 8.0, 0.07) == pytest.approx(2 * 2.0 * 4.0 * 0.02)
    assert search_probability(RULES, 4.0, 0.09) == pytest.approx(2 * 2.0 * 4.0 * 0.02)
    assert search_probability(RULES, 100.0, 0.5) == 1.0         # a probability


def test_rival_gap_is_the_cheapest_known_rival_net_of_discounts():
    pop, b, _ = tiny_market(n=2, n_sup=3)
    pop.aware[:] = [[True, True, False], [True, False, True]]
    pop.discount[1, 0] = 0.1                       # buyer 1 gets 10 % off its main supplier
    rel = np.array([1.0, 0.9, 0.8])
    assert rival_gap(b, rel, 0, 0) == pytest.approx(0.1)      # supplier 2 is unknown
    assert rival_gap(b, rel, 1, 0) == pytest.approx(1 - 0.8 / 0.9)
    assert rival_gap(b, rel, 0, 1) == 0.0                     # no known rival is cheaper
    pop.main[:] = [0, -1]                 # the week's gaps: to the main supplier, 0 without
    assert_array_equal(rival_gaps(b, rel), [rival_gap(b, rel, 0, 0), 0.0])


def test_only_routine_buyers_in_the_market_whose_draw_falls_below_search():
    pop, b, _ = tiny_market(n=5, n_sup=2)
    pop.aware[:] = True
    pop.loyalty[:] = 1.0
    pop.ps[:] = 5.0
    pop.main[:] = [0, 0, 0, 0, 1]
    pop.contract_supplier[:] = [-1, -1, 0, -1, -1]  # buyer 2 holds a contract
    pop.active[:] = [True, True, True, False, True]  # buyer 3 left the market
    rel = np.array([1.0, 0.9])                       # supplier 1 10 % below supplier 0
    p = search_probability(RULES, 5.0, 0.1)          # 2 x 5 x 0.05 = 0.5
    assert p == pytest.approx(0.5)
    search(b, RULES, rival_gaps(b, rel), np.array([0.4, 0.6, 0.0, 0.0, 0.0]))
    # buyer 0 searched (0.4 < 0.5): half its loyalty to supplier 0 withdrawn; buyer 1 drew
    # 0.6; buyer 2 is under contract, buyer 3 gone, buyer 4's main is the cheaper one
    assert_allclose(pop.loyalty, [[0.5, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    search(b, RULES, rival_gaps(b, rel), np.zeros(0))  # no draws: the search is off
    assert pop.loyalty[0, 0] == 0.5


def test_draws_come_from_the_stream_only_when_the_search_is_on():
    params = scenario.load(ROOT / "scenarios" / "baseline.toml")
    a = params.adaptation
    rng, same = np.random.default_rng(7), np.random.default_rng(7)
    assert_array_equal(search_draws(rng, 4, a), same.random(4))
    for off in ({"search_rate": 0.0}, {"search_loyalty_loss": 0.0}):
        assert search_draws(rng, 4, a.model_copy(update=off)).size == 0
    assert rng.random() == same.random()            # nothing drawn while off


def focal_share(overrides: dict, seed: int = 4) -> float:
    """The focal supplier's share of delivered tonnes over 52 weeks of a 0.2 copy."""
    params = scenario.load(ROOT / "scenarios" / "price_war.toml",
                           overrides={"run.scale": 0.2, "run.weeks": 52, **overrides})
    model = MarketModel(params, seed=seed, record=False, customer_agents=False)
    pop, f, focal, total = model.pop, model.focal, 0.0, 0.0
    for _ in range(52):
        model.step()
        got = pop.share[:pop.n] * pop.demand[:pop.n].sum(1)[:, None]
        focal, total = focal + got[:, f].sum(), total + got.sum()
    return focal / total


def test_search_moves_buyers_to_a_price_cutter_and_same_seed_same_result():
    """Under a price war (the focal supplier 5 % below the market) rivals' routine buyers
    search and move to it: on every seed its share is higher with the search than without
    (the runs are paired: the search draws from a stream of its own use); a run repeats
    exactly."""
    for seed in (1, 2, 3):
        on = focal_share({}, seed)
        assert on == focal_share({}, seed)
        assert on > focal_share({"adaptation.search_rate": 0.0}, seed)
