"""The headline figures of sim/metrics.py on hand-checked cases, edge cases included."""

from __future__ import annotations

import math

import numpy as np
import pytest

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
    ([1.2], "reservoir", 1.0),
    ([0.99], "funnel", 0.0),
    ([1.0], "reservoir", 1.0),                       # exactly refilled
    ([1.1, 1.3, 0.9], "reservoir", 2 / 3),           # two of three
    ([1.1, 0.8, 0.9], "funnel", 1 / 3),              # one of three
    ([1.1, 1.2, 0.8, 0.9], "inconclusive", 0.5),
    ([1.5, float("nan"), 0.5, 0.6], "funnel", 1 / 3),   # NaN ignored
])
def test_verdict_rule(health, kind, p):
    v = metrics.verdict(health)
    assert v.kind == kind and v.p_refill == pytest.approx(p)
    assert v.n == sum(not math.isnan(h) for h in health)


def test_verdict_without_values_is_inconclusive():
    v = metrics.verdict([])
    assert v.kind == "inconclusive" and v.n == 0 and math.isnan(v.p_refill)


def test_verdict_rule_is_stated_with_its_thresholds():
    rule = metrics.VERDICT_RULE
    assert "≥ 1" in rule and "two replications of three" in rule and "one of three" in rule
    assert metrics.RESERVOIR_SHARE == pytest.approx(2 / 3)
    assert metrics.FUNNEL_SHARE == pytest.approx(1 / 3)


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
