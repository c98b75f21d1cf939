"""Known-answer tests of the rules of the week (sim.rules), each against a hand computation
written out in the comments, and of their compilation (sim/market/compile.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sim.market.compile import example
from sim.rules import adapt, choice, costs, demand, fulfil, lifecycle, tender
from sim.rules.lifecycle import GENERAL, KEY, LOST, NONE, POTENTIAL, PROSPECT, SUNSET

# ------------------------------------------------------------------------------ choice


def logit(u, min_share: float = 0.0) -> np.ndarray:
    out = np.empty(len(u))
    choice.logit_shares(np.asarray(u, dtype=float), len(u), min_share, out)
    return out


def test_logit_shares_plain_softmax():
    # exp(log k) = k, so weights 1, 2, 3, 4 over a total of 10 -> 0.1, 0.2, 0.3, 0.4.
    assert_allclose(logit(np.log([1.0, 2.0, 3.0, 4.0])), [0.1, 0.2, 0.3, 0.4])


def test_logit_shares_large_utilities_do_not_overflow():
    # exp(1000) overflows; the max is subtracted first: weights 1, 1, e^-1 -> total 2 + e^-1.
    e = math.exp(-1)
    assert_allclose(logit([1000.0, 1000.0, 999.0]), [1 / (2 + e), 1 / (2 + e), e / (2 + e)])


def test_logit_shares_min_share_drops_and_renormalises():
    # Shares 0.1, 0.2, 0.3, 0.4; min_share 0.15 drops 0.1; the rest 2, 3, 4 over 9.
    assert_allclose(logit(np.log([1.0, 2.0, 3.0, 4.0]), 0.15), [0.0, 2 / 9, 3 / 9, 4 / 9])


def test_logit_shares_min_share_never_drops_the_largest():
    # all below 0.45: only the largest (0.4) survives -> 1
    assert_allclose(logit(np.log([1.0, 2.0, 3.0, 4.0]), 0.45), [0, 0, 0, 1])
    # all 0.25 < 0.5 but each is the largest: kept
    assert_allclose(logit(np.log([1.0, 1.0, 1.0, 1.0]), 0.45), [0.25] * 4)
    # 1/7 and ~0 dropped; tied largest 3/7, 3/7 -> 1/2 each
    assert_allclose(logit(np.log([1.0, 3.0, 3.0, 1e-9]), 0.45), [0, 0.5, 0.5, 0], atol=1e-12)


def sample(shares, u: float) -> np.ndarray:
    out = np.empty(len(shares))
    choice.sample_one(np.asarray(shares, dtype=float), len(shares), u, out)
    return out


def test_sample_one_with_fixed_uniforms():
    # Cumulative shares 0.2, 0.5, 1.0: u = 0.1 -> first, 0.25 -> second, 0.6 and 0.999 -> third.
    picks = [sample([0.2, 0.3, 0.5], u) for u in (0.1, 0.25, 0.6, 0.999)]
    assert_array_equal(picks, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]])


def test_sample_one_skips_zero_shares_and_keeps_empty_rows_empty():
    # Shares 0.5, 0, 0.5 (cumulative 0.5, 0.5, 1): u just below 0.5 -> first; u = 0.5 must
    # skip the zero option and pick the third; u = 0.999 with a trailing zero -> second.
    assert_array_equal(sample([0.5, 0.0, 0.5], 0.5 - 1e-12), [1, 0, 0])
    assert_array_equal(sample([0.5, 0.0, 0.5], 0.5), [0, 0, 1])
    assert_array_equal(sample([0.5, 0.5, 0.0], 0.999), [0, 1, 0])
    assert_array_equal(sample([0.0, 0.0, 0.0], 0.3), [0, 0, 0])


def split(shares, winner: int, contract_share: float = 0.7) -> np.ndarray:
    out = np.empty(len(shares))
    choice.contract_split(np.asarray(shares, dtype=float), len(shares), winner,
                          contract_share, out)
    return out


def test_contract_split():
    # 0.7 to the winner, 0.3 x (0.5, 0.5) to the rest -> 0.15, 0.15, 0.7.
    assert_allclose(split([0.5, 0.5, 0.0], 2), [0.15, 0.15, 0.7])
    # Winner (index 0) also holds 0.5 of the routine shares: the 0.3 not under contract goes
    # to the other suppliers in proportion 0.3 : 0.2 -> 0.18, 0.12; the winner keeps 0.7.
    assert_allclose(split([0.5, 0.3, 0.2], 0), [0.7, 0.18, 0.12])
    # The buyer uses nobody else: everything to the winner.
    assert_allclose(split([1.0, 0.0, 0.0], 0), [1.0, 0.0, 0.0])


RULES_C = choice.ChoiceRules(beta_loyalty=2.0, beta_service=1.0, beta_kam=0.5,
                             beta_fit_new=0.25, use_switching_cost=True, incumbent_weeks=13,
                             use_price=True, min_share=0.0, contract_share=0.7, sample=False)


def test_utility_price_utility_and_experienced_service():
    # u = 2*J + 1*service + 0.5*attention + 0.25*fit - switching*[not incumbent]:
    # 2*1 + 0.8 + 0.5 + 0.25*0.4 - 0 = 3.4; 2*0 + 0.6 + 0 + 0 - 1.5 = -0.9
    assert choice.utility(RULES_C, 1.0, 0.8, 1.0, 0.4, False, 1.5) == pytest.approx(3.4)
    assert choice.utility(RULES_C, 0.0, 0.6, 0.0, 0.0, True, 1.5) == pytest.approx(-0.9)
    no_switching = RULES_C._replace(use_switching_cost=False)
    assert choice.utility(no_switching, 0.0, 0.6, 0.0, 0.0, True, 1.5) == pytest.approx(0.6)
    # -sensitivity * (relative price - 1): -8 * 0.05 = -0.4 and -8 * -0.1 = 0.8.
    assert choice.price_utility(8.0, 1.05) == pytest.approx(-0.4)
    assert choice.price_utility(8.0, 0.9) == pytest.approx(0.8)
    # 0.7 + care 0.1 (covered) + dedicated 0.15 = 0.95; capped at 1; uncovered: the level.
    assert choice.experienced_service(0.7, 0.1, 0.15, False, True) == pytest.approx(0.95)
    assert choice.experienced_service(0.95, 0.1, 0.15, True, True) == 1.0
    assert choice.experienced_service(0.7, 0.1, 0.15, False, False) == 0.7


def tiny_market(n: int = 3, n_sup: int = 3):
    """A population of ``n`` buyers and ``n_sup`` suppliers with the model's array types."""
    from sim.market.population import Population
    from sim.rules.state import Buyers, Offer

    pop = Population(n_sup, 3, cap=n)
    pop.add_rows(n)
    ones_s, ones_sm = np.ones(n_sup), np.ones((n_sup, 3))
    offer = Offer(service=np.full(n_sup, 0.8), care_service=np.zeros(n_sup),
                  dedicated_service=np.zeros(n_sup), portfolio=np.zeros(n_sup),
                  carries=ones_sm.copy(), rel_price=ones_sm.copy(), price=ones_sm.copy(),
                  unit_cost=ones_sm.copy(), care_recovery=ones_s, care_payoff=ones_s,
                  dedicated_payoff=ones_s, cultivation=np.zeros(n_sup), rise=np.zeros(n_sup))
    return pop, Buyers.of(pop), offer


def test_choose_splits_demand_over_known_carriers_with_the_contract_first():
    pop, b, o = tiny_market()
    pop.demand[:] = [[10.0, 0.0, 0.0], [10.0, 0.0, 4.0], [6.0, 0.0, 0.0]]
    pop.aware[:] = [[True, True, False], [True, True, True], [False, False, False]]
    pop.loyalty[:, 1] = np.log(3.0) / 2.0  # beta_J J = log 3: weights 1 and 3
    pop.weeks_since[:] = 0
    pop.contract_supplier[:] = [-1, 2, -1]
    o.carries[1, 2] = 0.0                   # supplier 1 carries no aluminium
    routine, orders = np.full((2, 3, 3, 3), np.nan)
    choice.choose(b, o, RULES_C, np.zeros((3, 0)), routine, orders)
    # Buyer 0 knows suppliers 0 and 1: shares 1/4, 3/4 of steel; nothing else ordered.
    assert_allclose(routine[0, 0], [0.25, 0.75, 0.0])
    assert_allclose(orders[0, 0], [2.5, 7.5, 0.0])
    # Buyer 1 knows all three (weights 1, 3, 1): routine 0.2, 0.6, 0.2; its contract winner
    # (2) gets 0.7 and the other 0.3 goes 1 : 3 -> 0.075, 0.225 of 10 t of steel.
    assert_allclose(routine[0, 1], [0.2, 0.6, 0.2])
    assert_allclose(orders[0, 1], [0.75, 2.25, 7.0])
    # Aluminium: supplier 1 does not carry it -> weights 1, 1; contract 0.7 + 0.3 to 0.
    assert_allclose(routine[2, 1], [0.5, 0.0, 0.5])
    assert_allclose(orders[2, 1], [1.2, 0.0, 2.8])
    # Buyer 2 knows nobody: no shares, no orders (all zero, not left as they were).
    assert_array_equal(routine[:, 2], 0.0)
    assert_array_equal(orders[:, 2], 0.0)


def test_choose_in_sample_mode_buys_all_from_one_option():
    pop, b, o = tiny_market()
    pop.demand[:] = [[10.0, 0.0, 0.0]] * 3
    pop.aware[:] = True
    pop.contract_supplier[:] = -1
    routine, orders = np.empty((2, 3, 3, 3))
    draws = np.array([[0.1, 0.5, 0.9]] * 3)  # cumulative 1/3, 2/3, 1 -> 0, 1, 2
    choice.choose(b, o, RULES_C._replace(sample=True), draws, routine, orders)
    assert_allclose(routine[0], 1 / 3)
    assert_allclose(orders[0], np.eye(3) * 10.0)


# ------------------------------------------------------------------------------ tender

W = dict(w_price=10.0, w_delivery=2.0, w_loyalty=0.5, w_kam=0.5)


def test_tender_scores_known_answer_and_ineligible():
    bid = np.array([[1.1, 0.95, 1.0]])
    delivery = np.array([[0.9, 0.8, 1.0]])
    loyalty = np.array([[0.5, 0.2, 0.0]])
    kam = np.array([[1.0, 0.0, 0.0]])
    eligible = np.array([[True, True, False]])
    s = tender.tender_scores(bid, delivery, loyalty, kam, eligible, **W)
    # s0 = -10*0.1 + 2*0.9 + 0.5*0.5 + 0.5*1 = -1 + 1.8 + 0.25 + 0.5 = 1.55
    # s1 = -10*(-0.05) + 2*0.8 + 0.5*0.2 + 0 = 0.5 + 1.6 + 0.1 = 2.2
    # s2 would be 2.0 but the bid is ineligible -> -inf
    assert_allclose(s[0, :2], [1.55, 2.2])
    assert s[0, 2] == -np.inf
    assert tender.award(s).tolist() == [1]
    # Noise 0.7 on the first bid lifts it to 2.25 > 2.2.
    noisy = tender.tender_scores(bid, delivery, loyalty, kam, eligible,
                                 noise=np.array([[0.7, 0.0, 5.0]]), **W)
    assert_allclose(noisy[0, :2], [2.25, 2.2])
    assert noisy[0, 2] == -np.inf  # noise does not make an ineligible bid eligible
    assert tender.award(noisy).tolist() == [0]


def test_award_no_eligible_and_ties():
    scores = np.array([[-np.inf, -np.inf, -np.inf],  # nobody eligible -> -1
                       [1.0, 3.0, 3.0],              # tie -> lowest index 1
                       [2.0, 2.0, 2.0],              # tie -> 0
                       [-np.inf, -5.0, -np.inf]])    # a negative but finite score still wins
    assert tender.award(scores).tolist() == [-1, 1, 0, 1]


# ------------------------------------------------------------------------------ fulfil


def ration(orders, available, priority=None) -> np.ndarray:
    orders = np.asarray(orders, dtype=float)
    priority = np.zeros(orders.shape, bool) if priority is None else priority
    return fulfil.ration(orders, np.asarray(available, dtype=float), priority,
                         np.empty_like(orders))


def test_ration_proportional():
    orders = np.array([[10.0, 5.0], [30.0, 0.0]])
    # Supplier 0: 40 ordered, 20 available -> everyone gets half: 5 and 15.
    # Supplier 1: 5 ordered, 10 available -> filled in full.
    assert_allclose(ration(orders, [20.0, 10.0]), [[5.0, 5.0], [15.0, 0.0]])
    # Exactly enough -> full; negative availability is nothing available.
    assert_allclose(ration(orders, [40.0, 5.0]), orders)
    assert_allclose(ration(orders, [-3.0, 0.0]), 0.0)


def test_ration_priority_first_then_proportional():
    orders = np.array([[10.0], [20.0], [30.0], [40.0]])
    prio = np.array([[True], [False], [True], [False]])
    # 50 available: priority orders 10 + 30 = 40 in full; 10 left for the 60 of the rest
    # -> fill 1/6: 20/6 and 40/6.
    assert_allclose(ration(orders, [50.0], prio), [[10.0], [20 / 6], [30.0], [40 / 6]])
    # 20 available: even priority is short -> fill 20/40 = 0.5 among priority, rest nothing.
    assert_allclose(ration(orders, [20.0], prio), [[5.0], [0.0], [15.0], [0.0]])
    # Plenty: everybody in full.
    assert_allclose(ration(orders, [500.0], prio), orders)
    # No priority order at a supplier: the rest is rationed proportionally (60 over 100).
    assert_allclose(ration(orders, [60.0], np.zeros_like(prio)), orders * 0.6)


def test_ration_priority_never_negative_when_priority_exceeds_stock():
    # 0.1 t for priority orders of 0.1 + 0.7: they get 0.0125 and 0.0875; the rest gets 0.
    orders = np.array([[0.1], [0.7], [1.0]])
    d = ration(orders, [0.1], np.array([[True], [True], [False]]))
    assert_allclose(d[:2, 0], [0.0125, 0.0875])
    assert d[2, 0] >= 0.0


def spill(unfilled, weights, spare) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return fulfil.spill_orders(np.asarray(unfilled, dtype=float), weights,
                               np.asarray(spare, dtype=float), np.full_like(weights, np.nan))


def test_spill_orders():
    unfilled = [6.0, 0.0, 4.0]
    weights = [[0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [1.0, 0.0, 0.0]]
    # Only supplier 1 has spare (1e-12 counts as none): row 0 sends all 6 t there; row 2's
    # only routine supplier has no spare, so its 4 t find no second supplier.
    assert_allclose(spill(unfilled, weights, [0.0, 5.0, 1e-12]), [[0, 6, 0], [0, 0, 0], [0, 0, 0]])
    # Suppliers 1 and 2 spare: row 0 splits 6 t as 0.3 : 0.2 -> 3.6 and 2.4.
    assert_allclose(spill(unfilled, weights, [0.0, 5.0, 3.0]),
                    [[0, 3.6, 2.4], [0, 0, 0], [0, 0, 0]])


def test_fulfil_spills_what_the_first_round_left_to_spare_stock():
    # One material, two buyers, two suppliers. Supplier 0 has 6 t for orders of 4 + 4: each
    # buyer gets 3 t in the first round; supplier 1 has 10 t for buyer 1's 2 t.
    orders = np.array([[[4.0, 0.0], [4.0, 2.0]]])
    routine = np.array([[[1.0, 0.0], [0.5, 0.5]]])
    available = np.array([[6.0, 10.0]])
    delivered, first = np.empty_like(orders), np.full((2, 2), np.nan)
    ordered, shipped, shipped_first = fulfil.fulfil(
        orders, routine, available, np.zeros((2, 2), bool), delivered, first,
        np.empty((2, 2)))
    assert_allclose(first, [[3.0, 0.0], [3.0, 2.0]])
    # Buyer 0's 1 t unfilled knows no other supplier by its routine shares (0 for supplier
    # 1): lost. Buyer 1's 1 t goes by its shares to the supplier with spare stock (1).
    assert_allclose(delivered[0], [[3.0, 0.0], [3.0, 3.0]])
    assert_allclose(ordered, [[8.0, 2.0]])
    assert_allclose(shipped_first, [[6.0, 2.0]])
    assert_allclose(shipped, [[6.0, 3.0]])


# ------------------------------------------------------------------------------ costs


@pytest.mark.parametrize(("week", "expected"), [
    (9, 0.0),       # before the start
    (10, 0.25),     # ramp k=0: (0+1)/4
    (11, 0.5),      # ramp k=1: 2/4
    (13, 1.0),      # last ramp week: 4/4
    (14, 1.0),      # hold, first week
    (16, 1.0),      # hold, last (third) week
    (17, 0.8),      # ease k=0: 1 - 1/5
    (19, 0.4),      # ease k=2: 1 - 3/5
    (21, 0.0),      # ease k=4: 1 - 5/5
    (22, 0.0),      # over
    (500, 0.0),
])
def test_shock_profile(week, expected):
    assert costs.shock_profile(week, start=10, ramp=4, hold=3, ease=5) == pytest.approx(expected)


def test_shock_multipliers_compound_per_material():
    # Week 11: profile 0.5 for both shocks on material 0 -> (1 + 0.3*0.5)(1 + 0.5*0.5)
    # = 1.15 * 1.25 = 1.4375; material 2 ramps from week 11: (1 - 0.4 * 1/2) = 0.8.
    shocks = [(0, 10, 0.3, 4, 3, 5), (0, 10, 0.5, 4, 3, 5), (2, 11, -0.4, 2, 0, 1)]
    assert_allclose(costs.shock_multipliers(11, shocks, 3), [1.4375, 1.0, 0.8])


def test_ev_share_at_zero_and_one_width():
    assert costs.ev_share(0.0, 0.45, 2.5) == pytest.approx(0.45)
    # One width later the logit rises by 1: odds 0.45/0.55 * e -> share 0.45e / (0.45e + 0.55)
    e = math.e
    assert costs.ev_share(2.5, 0.45, 2.5) == pytest.approx(0.45 * e / (0.45 * e + 0.55))
    assert costs.ev_share(4.0, 0.2, 4.0) == pytest.approx(0.2 * e / (0.2 * e + 0.8))


def test_ou_log_step():
    # x - r x + v z: 0.1 - 0.03*0.1 + 0.02*1.5 = 0.127
    assert_allclose(costs.ou_log_step(np.array([0.1]), np.array([0.03]), np.array([0.02]),
                                      np.array([1.5])), [0.127])


# ------------------------------------------------------------------------------ demand


def test_material_mix():
    mix_ice, mix_ev = np.array([0.8, 0.2, 0.0]), np.array([0.4, 0.3, 0.3])
    out = demand.material_mix(0.6, np.array([1.0, 0.5, 0.0]), np.array([False, False, True]),
                              mix_ice, mix_ev)
    # EV weights 0.6*1 = 0.6, 0.6*0.5 = 0.3, and 1 for the EV-native customer:
    # 0.4*(.8, .2, 0) + 0.6*(.4, .3, .3) = (0.56, 0.26, 0.18)
    # 0.7*(.8, .2, 0) + 0.3*(.4, .3, .3) = (0.68, 0.23, 0.09)
    assert_allclose(out, [[0.56, 0.26, 0.18], [0.68, 0.23, 0.09], [0.4, 0.3, 0.3]])
    assert_allclose(out.sum(1), 1.0)


def test_seasonal_noise_and_weekly_demand():
    amp = np.array([0.1])
    assert_allclose(demand.seasonal_factor(5, amp), [0.9])    # the Chinese New Year dip
    assert_allclose(demand.seasonal_factor(31, amp), [1.1])   # half a year later: the peak
    assert_allclose(demand.seasonal_factor(57, amp), [0.9])   # a year on
    # exp(sd*0 - sd^2/2) = exp(-0.02) for sd 0.2
    assert_allclose(demand.lognormal_noise(np.array([0.0]), np.array([0.2])), [math.exp(-0.02)])
    # 10 t * 0.9 * 1.1 = 9.9 t split 0.5/0.3/0.2
    assert_allclose(demand.weekly_demand(np.array([10.0]), np.array([0.9]), np.array([1.1]),
                                         np.array([[0.5, 0.3, 0.2]])), [[4.95, 2.97, 1.98]])


# ------------------------------------------------------------------------------ adapt


def test_update_loyalty_and_fixed_point():
    # (1 - 0.05) * 2 + 0.1 = 2.0 ; 0.95 * 0.5 + 0 = 0.475
    assert adapt.update_loyalty(2.0, 0.1, 0.05) == pytest.approx(2.0)
    assert adapt.update_loyalty(0.5, 0.0, 0.05) == pytest.approx(0.475)
    # Repeating it converges to J* = payoff / gamma = 0.1 / 0.05 = 2.
    j = 0.0
    for _ in range(1000):
        j = adapt.update_loyalty(j, 0.1, 0.05)
    assert j == pytest.approx(2.0, rel=1e-9)


def test_loyalty_payoff():
    # 0.1 * 0.5 * ((1 - 0.8) + 0.8 * 0.6) = 0.05 * 0.68 = 0.034 ; weight 0 -> 0.1 * 0.5
    assert adapt.loyalty_payoff(0.5, 0.6, 0.1, 0.8, 0.0) == pytest.approx(0.034)
    assert adapt.loyalty_payoff(0.5, 0.6, 0.1, 0.0, 0.0) == pytest.approx(0.05)


def test_loyalty_payoff_zone_of_tolerance():
    # g(s) = clip((s - 0.5) / 0.5, 0, 1): g(0.6) = 0.2, g(0.4) = 0, g(1) = 1.
    # 0.1 * 0.5 * (0.2 + 0.8 * g): 0.05 * 0.36 = 0.018 ; 0.05 * 0.2 = 0.01 ; 0.05 * 1 = 0.05
    out = [adapt.loyalty_payoff(0.5, s, 0.1, 0.8, 0.5) for s in (0.6, 0.4, 1.0)]
    assert_allclose(out, [0.018, 0.01, 0.05])


def test_care_multiplier():
    # covered 1.2 x dedicated 1.5 x (1 + 0.1) for a general account = 1.98
    assert adapt.care_multiplier(1.2, 1.5, 0.1, True, True, GENERAL) == pytest.approx(1.98)
    assert adapt.care_multiplier(1.2, 1.5, 0.1, False, False, KEY) == 1.0
    assert adapt.care_multiplier(1.2, 1.5, 0.1, True, False, POTENTIAL) == pytest.approx(1.32)


def test_price_fairness():
    # 1 at/below market; 1 - 5 * 0.04 = 0.8; 1 - 5 * 0.3 = -0.5 -> clipped to 0
    out = [adapt.price_fairness(p, 5.0) for p in (0.9, 1.0, 1.04, 1.3)]
    assert_allclose(out, [1.0, 1.0, 0.8, 0.0])


def test_warning_term():
    # Unwarned: 1 - 5*0.1 = 0.5 (a 10 % rise halves it), no rise -> 1, 1 - min(1.5, 1) = 0.
    # Warned customers are not penalised.
    assert_allclose([adapt.warning_term(r, False, 5.0) for r in (0.1, 0.0, 0.3)], [0.5, 1, 0])
    assert_allclose([adapt.warning_term(r, True, 5.0) for r in (0.1, 0.0, 0.3)], [1, 1, 1])


RULES_A = example(adapt.AdaptRules)._replace(w_fill=0.4, w_service=0.25, w_price=0.25,
                                              w_warning=0.1)


def test_satisfaction_target_and_relax():
    # Weighted fill, service and fairness less w_warning x (1 - warning term):
    # 0.4*1 + 0.25*0.8 + 0.25*0.6 - 0.1*(1 - 0.5) = 0.4 + 0.2 + 0.15 - 0.05 = 0.7
    assert adapt.satisfaction_target(RULES_A, 1.0, 0.8, 0.6, 0.5) == pytest.approx(0.7)
    # Warned (term 1): no penalty -> 0.75. Bad week: 0.025 - 0.1 < 0 is clipped to 0.
    assert adapt.satisfaction_target(RULES_A, 1.0, 0.8, 0.6, 1.0) == pytest.approx(0.75)
    assert adapt.satisfaction_target(RULES_A, 0.0, 0.1, 0.0, 0.0) == 0.0
    # Moving toward it: 0.5 + 0.1*(0.8 - 0.5) = 0.53.
    assert adapt.relax(0.5, 0.8, 0.1) == pytest.approx(0.53)


def test_price_sensitivity_target_and_relax():
    # up = 1 + 0.5*1 + 0.3*0.5 = 1.65 ; down = (1 - 0.3*0.5) * (1 - 0.2*1) = 0.85*0.8 = 0.68
    # 10 * 1.65 * 0.68 = 11.22
    r = example(adapt.AdaptRules)._replace(ps_cut_gain=0.5, ps_thin_gain=0.3,
                                            ps_tenure_relief=0.3, ps_kam_relief=0.2)
    assert adapt.price_sensitivity_target(r, 10.0, True, 0.5, 0.5, True) == pytest.approx(11.22)
    assert adapt.relax(10.0, 11.22, 0.5) == pytest.approx(10.61)


# ------------------------------------------------------------------------------ lifecycle

RULES = lifecycle.StageRules(key_volume_t=500.0, general_volume_t=50.0, continuity_weeks=9,
                             key_margin_floor=0.03, potential_min_weeks=13, sunset_ratio=0.6,
                             recovery_ratio=0.9, lost_after_weeks=26)

# A steady, qualifying key-size relationship: 600 t a year, 150 t a quarter (run rate 600),
# bought in 12 of 13 weeks, 5 % margin, two years of tenure, bought a week ago.
STEADY = dict(aware=True, bought=False, vol52=600.0, vol13=150.0, act13=12, weeks_since=1,
              tenure=104, margin=0.05, credit=True)


def step1(stage: int, **kw) -> int:
    """stage_rule for one customer and one supplier."""
    v = {**STEADY, **kw}
    return lifecycle.stage_rule(RULES, stage, v["aware"], v["bought"], v["vol52"], v["vol13"],
                                v["act13"], v["weeks_since"], v["tenure"], v["margin"],
                                v["credit"])


QUIET = dict(vol52=0.0, vol13=0.0, act13=0, weeks_since=10_000, tenure=0)


def test_next_stage_awareness_makes_a_prospect():
    assert step1(NONE, aware=True, **QUIET) == PROSPECT
    assert step1(NONE, aware=False, **QUIET) == NONE


@pytest.mark.parametrize("old", [NONE, PROSPECT, LOST])
def test_next_stage_purchase_makes_potential(old):
    assert step1(old, bought=True, **{**QUIET, "weeks_since": 0, "vol13": 1.0,
                                      "vol52": 1.0, "act13": 1}) == POTENTIAL
    # Without a purchase a prospect stays a prospect and a lost customer stays lost.
    if old != NONE:
        assert step1(old, **QUIET) == old


@pytest.mark.parametrize("old", [POTENTIAL, GENERAL, KEY, SUNSET])
def test_next_stage_no_purchase_for_lost_after_weeks_makes_lost(old):
    assert step1(old, weeks_since=26) == LOST
    assert step1(old, weeks_since=25) != LOST


def test_next_stage_potential_to_general():
    base = dict(tenure=13, vol52=50.0, vol13=20.0, act13=5)
    assert step1(POTENTIAL, **base) == GENERAL
    assert step1(POTENTIAL, **{**base, "tenure": 12}) == POTENTIAL      # too new
    assert step1(POTENTIAL, **{**base, "vol52": 49.9}) == POTENTIAL     # too small
    # A potential account never jumps straight to key, however large.
    assert step1(POTENTIAL, **STEADY) == GENERAL


def test_next_stage_general_to_key_needs_every_condition():
    assert step1(GENERAL) == KEY
    assert step1(GENERAL, vol52=500.0, vol13=125.0) == KEY              # "reaches" 500 t
    assert step1(GENERAL, vol52=499.0, vol13=125.0) == GENERAL          # volume
    assert step1(GENERAL, act13=8) == GENERAL                           # continuity
    assert step1(GENERAL, margin=0.01) == GENERAL                       # margin floor
    assert step1(GENERAL, credit=False) == GENERAL                      # credit


def test_next_stage_key_to_general_when_no_longer_key():
    assert step1(KEY) == KEY
    assert step1(KEY, act13=3) == GENERAL
    assert step1(KEY, margin=-0.1) == GENERAL
    assert step1(KEY, credit=False) == GENERAL
    assert step1(KEY, vol52=400.0, vol13=100.0) == GENERAL


@pytest.mark.parametrize("old", [GENERAL, KEY])
def test_next_stage_decline_to_sunset(old):
    # Run rate 4 * 80 = 320 < 0.6 * 600 = 360 -> sunset (after a year of tenure).
    assert step1(old, vol13=80.0) == SUNSET
    # 4 * 95 = 380 >= 360: not declining.
    assert step1(old, vol13=95.0) in (GENERAL, KEY)
    # Not after less than a year.
    assert step1(old, vol13=80.0, tenure=51) != SUNSET


def test_next_stage_sunset_recovers_to_general():
    # Recovered: 4 * 135 = 540 >= 0.9 * 600 = 540 -> general.
    assert step1(SUNSET, vol13=135.0) == GENERAL
    # Between the thresholds: 4 * 100 = 400, neither declining (< 360) nor recovered -> stays.
    assert step1(SUNSET, vol13=100.0) == SUNSET
    # Still declining -> stays sunset.
    assert step1(SUNSET, vol13=50.0) == SUNSET


def test_advance_moves_every_relationship_and_restarts_tenure():
    from sim.rules.state import WeekOutcome

    pop, b, _ = tiny_market(n=2, n_sup=3)
    # Buyer 0: a prospect buys (potential: a spell starts, tenure 0), a steady general
    # account becomes key, a key account unbought for 26 weeks is lost (spell ends).
    pop.stage[:] = [[PROSPECT, GENERAL, KEY], [GENERAL, KEY, PROSPECT]]
    pop.aware[:] = True
    pop.active[:] = [True, False]  # buyer 1 left the market: every stage -> none
    pop.vol52[:], pop.vol13[:], pop.act13[:] = 600.0, 150.0, 12
    pop.rev52[:], pop.cost52[:] = 100.0, 95.0
    pop.weeks_since[:] = [[0, 1, 26], [1, 1, 1]]
    pop.tenure[:] = 104
    vol = np.array([[5.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    week = WeekOutcome(np.zeros((3, 2, 3)), np.zeros((2, 3)), vol, vol, vol, np.ones(3),
                       np.zeros(3), np.array([True, True]))
    old = lifecycle.advance(b, RULES, week)
    assert_array_equal(old, [[PROSPECT, GENERAL, KEY], [GENERAL, KEY, PROSPECT]])
    assert_array_equal(pop.stage, [[POTENTIAL, KEY, LOST], [NONE, NONE, NONE]])
    assert_array_equal(pop.tenure, [[0, 104, 0], [0, 0, 104]])  # prospect -> none: no spell


def test_every_stage_rule_change_is_allowed():
    # Exhaustive over a small grid of books: every change stage_rule makes is in ALLOWED.
    rng = np.random.default_rng(0)
    pairs = set()
    for _ in range(4000):
        stage = int(rng.integers(-1, 6))
        vol52 = float(rng.choice([0.0, 40.0, 60.0, 499.0, 600.0]))
        new = lifecycle.stage_rule(
            RULES, stage, bool(rng.random() < 0.7), bool(rng.random() < 0.5), vol52,
            vol52 / 4 * float(rng.choice([0.0, 0.5, 1.0, 1.2])), int(rng.integers(0, 14)),
            int(rng.choice([0, 5, 25, 26, 40])), int(rng.choice([0, 12, 13, 51, 52, 200])),
            float(rng.choice([-0.1, 0.02, 0.05])), bool(rng.random() < 0.8))
        if new != stage:
            pairs.add((stage, new))
    assert pairs <= lifecycle.ALLOWED
    assert len(pairs) >= 10  # the grid really exercises most edges


def test_abc_classes_count_mode():
    rng = np.random.default_rng(3)
    revenue = np.concatenate([np.arange(20, 0, -1, dtype=float), np.zeros(5)])
    perm = rng.permutation(revenue.size)
    shuffled = revenue[perm]
    out = lifecycle.abc_classes(shuffled, mode="count", a_share=0.15, b_share=0.20,
                                a_revenue=0.8, b_revenue=0.95)
    # 20 buyers: round(0.15*20) = 3 A (revenues 20, 19, 18), round(0.2*20) = 4 B (17..14),
    # 13 C (13..1); the 5 non-buyers get 0.
    expected = np.select([revenue >= 18, revenue >= 14, revenue > 0], [1, 2, 3], 0)
    assert_array_equal(out, expected[perm])
    # At least one A: 3 buyers -> round(0.45) = 0 is lifted to 1 A; round(0.6) = 1 B; 1 C.
    out = lifecycle.abc_classes(np.array([5.0, 0.0, 9.0, 7.0]), mode="count", a_share=0.15,
                                b_share=0.2, a_revenue=0.8, b_revenue=0.95)
    assert out.tolist() == [3, 0, 1, 2]
    assert lifecycle.abc_classes(np.zeros(4), mode="count", a_share=0.15, b_share=0.2,
                                 a_revenue=0.8, b_revenue=0.95).tolist() == [0, 0, 0, 0]


def test_abc_classes_revenue_mode():
    # Revenues 40, 30, 20, 10 of 100: cumulative before each 0, .4, .7, .9.
    # A while before < 0.8: 40, 30 and 20 (20 crosses 0.8 and is included); B while < 0.95: 10.
    rev = np.array([10.0, 0.0, 40.0, 20.0, 30.0])
    out = lifecycle.abc_classes(rev, mode="revenue", a_share=0.15, b_share=0.2,
                                a_revenue=0.8, b_revenue=0.95)
    assert out.tolist() == [2, 0, 1, 1, 1]
    # 50, 30, 10, 5, 5: before = 0, .5, .8, .9, .95 -> A A B B C
    rev = np.array([5.0, 50.0, 10.0, 30.0, 5.0])
    out = lifecycle.abc_classes(rev, mode="revenue", a_share=0.15, b_share=0.2,
                                a_revenue=0.8, b_revenue=0.95)
    # Equal revenues 5 and 5 are ordered stably (by position): the first is B, the second C.
    assert out.tolist() == [2, 1, 2, 1, 3]


def test_flows():
    old = np.array([[NONE, PROSPECT, GENERAL], [GENERAL, KEY, LOST]], np.int8)
    new = np.array([[PROSPECT, POTENTIAL, GENERAL], [NONE, GENERAL, POTENTIAL]], np.int8)
    inflow, outflow, named = lifecycle.flows(old, new, np.array([False, True]))
    exp_in = np.zeros((3, 6), int)
    exp_out = np.zeros((3, 6), int)
    exp_in[0, PROSPECT] += 1                                   # none -> prospect: no outflow
    exp_in[1, POTENTIAL] += 1
    exp_out[1, PROSPECT] += 1                                  # prospect -> potential
    exp_out[0, GENERAL] += 1                                   # general -> none (exit): no inflow
    exp_in[1, GENERAL] += 1
    exp_out[1, KEY] += 1                                       # key -> general
    exp_in[2, POTENTIAL] += 1
    exp_out[2, LOST] += 1                                      # lost -> potential
    # supplier 2, row 0 unchanged (general -> general): nothing
    assert_array_equal(inflow, exp_in)
    assert_array_equal(outflow, exp_out)
    # named (acquired, upgraded, downgraded, lost, exited): prospect -> potential and
    # lost -> potential start buying spells; key -> general is a downgrade; row 1 left the
    # market, so its general (supplier 0) and key (supplier 1) relationships exited
    exp_named = np.zeros((3, 5), int)
    exp_named[1, 0] = exp_named[2, 0] = 1
    exp_named[1, 2] = 1
    exp_named[0, 4] = exp_named[1, 4] = 1
    assert_array_equal(named, exp_named)


def test_stage_counts_only_active_rows():
    stage = np.array([[KEY, NONE], [KEY, LOST], [GENERAL, LOST]], np.int8)
    counts = lifecycle.stage_counts(stage, np.array([True, False, True]))
    expected = np.zeros((2, 6), int)
    expected[0, KEY] = 1
    expected[0, GENERAL] = 1
    expected[1, LOST] = 1   # row 1 is inactive; NONE is not a stage column
    assert_array_equal(counts, expected)


def test_breach_only_above_threshold():
    assert_array_equal(adapt.breach(np.array([0.0, 0.05, 0.051, 0.3]), 0.05, 0.1),
                       [0.0, 0.0, 0.1, 0.1])


def test_withdraw_trust_spares_the_warned_and_those_who_did_not_buy():
    assert adapt.withdraw_trust(1.0, 0.1, False, True) == pytest.approx(0.9)
    assert adapt.withdraw_trust(1.0, 0.1, True, True) == 1.0    # warned
    assert adapt.withdraw_trust(1.0, 0.1, False, False) == 1.0  # did not order
    assert adapt.withdraw_trust(2.0, 0.0, False, True) == 2.0   # no breach


# ------------------------------------------------------------------------------ compile

COVERAGE = """
import json, warnings
warnings.simplefilter("ignore")
from sim import scenario
from sim.market.model import MarketModel
from sim.market import compile as rc
rc.warm_up()
compiled = {k.__name__: sorted(map(str, k.signatures)) for k in rc.KERNELS}
misses = {k.__name__: sum(k.stats.cache_misses.values()) for k in rc.KERNELS}
for file, over in (("baseline.toml", {}), ("baseline.toml", {"choice.mode": "sample"}),
                   ("reservoir.toml", {}), ("kam_centre.toml", {})):
    params = scenario.load("scenarios/" + file, overrides={
        "run.customers": 60, "run.weeks": 14, **over})
    model = MarketModel(params, seed=1)
    for _ in range(14):
        model.step()
    model.recorder.tables(model)
used = {k.__name__: sorted(map(str, k.signatures)) for k in rc.KERNELS}
print(json.dumps({"compiled": compiled, "used": used, "misses": misses}))
"""


def test_compile_step_covers_every_signature_a_run_uses_and_is_cached():
    """``python -m sim.market.compile``'s warm-up compiles each kernel for exactly the types a
    run passes (a run adds no signature, so it never compiles), and a second process loads
    them all from numba's cache."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]

    def run() -> dict:
        out = subprocess.run([sys.executable, "-c", COVERAGE], cwd=root, check=True,
                             capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    run()  # compiles, if set-up has not
    second = run()
    assert second["used"] == second["compiled"]
    assert all(second["compiled"].values())
    assert not any(second["misses"].values()), second["misses"]  # all from the cache
