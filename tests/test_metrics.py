"""The headline figures of sim/metrics.py on hand-checked cases, edge cases included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import t as student_t

from sim import metrics


def test_health_ratio_defines_the_cases_without_losses():
    assert metrics.health_ratio(3, 2) == 1.5
    assert metrics.health_ratio(0, 0) == 1.0          # nothing won, nothing lost: balanced
    assert metrics.health_ratio(4, 0) == metrics.HEALTH_CAP   # won without losing
    assert metrics.health_ratio(0, 5) == 0.0
    assert metrics.health_ratio(500, 1) == metrics.HEALTH_CAP  # clipped
    out = metrics.health_ratio(np.array([0, 1, 2]), np.array([0, 0, 4]), cap=3.0)
    assert out.tolist() == [1.0, 3.0, 0.5]
    assert np.isfinite(out).all()


def test_pool_health_reads_the_last_year():
    weeks = 60
    acquired = np.zeros(weeks)
    lost = np.zeros(weeks)
    exited = np.zeros(weeks)
    acquired[:8] = 5          # a launch burst before the last 52 weeks: not counted
    acquired[8:] = 1          # 52 won in the last year
    lost[-1], exited[-2] = 20, 6
    assert metrics.pool_health(acquired, lost, exited) == pytest.approx(52 / 26)
    assert metrics.pool_health(acquired[:10], lost[:10], exited[:10]) == metrics.HEALTH_CAP
    assert metrics.pool_health([0, 0], [0, 0], [0, 0]) == 1.0
    assert math.isnan(metrics.pool_health([], [], []))


@pytest.mark.parametrize(("health", "kind", "p"), [
    ([0.99], "funnel", 0.0),                          # one run: its own pool health
    ([1.0], "reservoir", 1.0),                        # exactly refilled
    ([1.1, 1.2, 1.15, 1.05], "reservoir", 1.0),       # interval above 1
    ([0.7, 0.8, 0.75, 0.9], "funnel", 0.0),           # interval below 1
    ([1.1, 1.2, 0.8, 0.9], "inconclusive", 0.5),      # interval contains 1
    ([1.3, 1.2, 1.25, 0.95], "inconclusive", 0.75),   # mostly refills, but 1 not excluded
    ([0.8, float("nan"), 0.7, 0.75], "funnel", 0.0),  # NaN ignored
])
def test_verdict_rule(health, kind, p):
    v = metrics.verdict(health)
    assert v.kind == kind and v.p_refill == pytest.approx(p)
    assert v.n == sum(not math.isnan(h) for h in health)


def test_verdict_interval_is_the_t_interval_of_the_mean():
    h = [1.1, 1.2, 0.8, 0.9]
    v = metrics.verdict(h)
    half = 3.182446305284263 * np.std(h, ddof=1) / 2  # t(0.975, 3) x sd / sqrt(4)
    assert v.mean == pytest.approx(1.0) and v.lo == pytest.approx(1.0 - half)
    assert v.hi == pytest.approx(1.0 + half)


def test_inconclusive_verdict_says_what_would_settle_it():
    h = [1.3, 1.2, 1.25, 0.95]
    v = metrics.verdict(h)
    sd, gap = np.std(h, ddof=1), np.mean(h) - 1.0

    def half(n):
        return student_t.ppf(0.975, n - 1) * sd / math.sqrt(n)

    assert half(v.reps_needed) < gap <= half(v.reps_needed - 1)
    # replications of the same spread settle it
    assert metrics.verdict(np.resize(h, 4 * v.reps_needed)).kind == "reservoir"
    assert metrics.verdict([1.1, 0.9]).reps_needed is None  # mean exactly 1: never settles


def test_verdict_without_values_is_inconclusive():
    v = metrics.verdict([])
    assert v.kind == "inconclusive" and v.n == 0 and math.isnan(v.p_refill)


def test_verdict_rule_is_stated_in_both_languages():
    assert "95 %" in metrics.VERDICT_RULE and "contains 1" in metrics.VERDICT_RULE
    zh = metrics.VERDICT_RULE_ZH
    assert metrics.verdict_rule("zh") == zh and "95%" in zh
    assert metrics.verdict_rule("en") == metrics.VERDICT_RULE


def test_top_share_known_answers():
    assert metrics.top_share(np.arange(1, 11)) == pytest.approx(19 / 55)
    assert metrics.top_share([10, 0, 0, 0, 0]) == pytest.approx(1.0)   # zeros are customers
    assert metrics.top_share([1, 2, 3, 4, 100, 0, 0]) == pytest.approx(101.6 / 110)  # 1.4 of 7
    assert metrics.top_share([5] * 5) == pytest.approx(0.2)
    assert math.isnan(metrics.top_share([])) and math.isnan(metrics.top_share([0, 0]))
    with pytest.raises(ValueError):
        metrics.top_share([1, -1])


def test_retention_pools_the_years():
    assert metrics.retention([10, 20], [9, 11]) == pytest.approx(20 / 30)
    assert math.isnan(metrics.retention([0, 0], [0, 0]))
    assert math.isnan(metrics.retention([], []))


def test_clv_and_npv_use_the_discount_rate():
    assert metrics.clv(100.0, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    assert metrics.clv(100.0, 0.8, 0.2) < metrics.clv(100.0, 0.8, 0.1)
    with pytest.raises(ValueError):
        metrics.clv(1.0, 0.5, -0.1)
    cash = np.full(104, 10.0)
    assert metrics.npv(cash, 0.0) == pytest.approx(1040.0)
    at_8 = metrics.npv(cash, 0.08)
    assert metrics.npv(np.full(52, 1.0), 0.0) == 52.0
    assert 1040 / 1.08 ** 2 < at_8 < 1040  # discounted, but less than two full years' worth
    assert metrics.npv(np.r_[np.zeros(51), 1.0], 0.08) == pytest.approx(1 / 1.08)


def test_base_change():
    assert metrics.base_change(100, 110) == pytest.approx(0.1)
    assert math.isnan(metrics.base_change(0, 5))
    assert metrics.base_change(np.array([10, 0]), np.array([5, 1]))[0] == -0.5
