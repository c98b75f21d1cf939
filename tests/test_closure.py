"""Closure that falls with size (sim/rules/closure.py, docs/ODD.md 7.c): the rule's known
answers, the segment's mean kept, its effect on who closes in a run, and bad values refused."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim import scenario
from sim.market.model import MarketModel
from sim.params import SEGMENTS
from sim.rules.closure import closure_hazard, weekly_hazard
from sim.scenario import InputError

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def test_kappa_one_gives_a_customer_four_times_the_median_a_quarter_of_the_hazard():
    sigma = 0.8
    h = closure_hazard(np.full(3, 0.1), np.array([5.0, 20.0, 1.25]), np.full(3, 5.0),
                       np.full(3, sigma), np.full(3, 1.0))
    norm = math.exp(0.5 * sigma**2)
    base = float(weekly_hazard(0.1))
    assert h == pytest.approx([base / norm, base / 4 / norm, 4 * base / norm], rel=1e-12)


def test_kappa_zero_is_the_segment_hazard_exactly():
    size = np.array([0.01, 1.0, 5.0, 400.0])
    h = closure_hazard(np.full(4, 0.9), size, np.full(4, 5.0), np.full(4, 1.2), np.zeros(4))
    assert np.array_equal(h, np.full(4, weekly_hazard(0.9)))  # not clipped, not rounded


def test_segment_mean_is_kept_and_the_smallest_are_clipped():
    rng = np.random.default_rng(7)
    sigma, median = 1.2, 3.0
    size = median * np.exp(sigma * rng.standard_normal(1_000_000))
    h = closure_hazard(np.full(size.size, 0.03), size, median, sigma, 1.0)
    assert h.mean() == pytest.approx(float(weekly_hazard(0.03)), rel=0.01)
    tiny = closure_hazard(0.2, 1e-6, median, sigma, 1.5)
    assert tiny == pytest.approx(float(weekly_hazard(0.5)))


def _exited_by_size(kappa: float) -> tuple[float, float]:
    """Share of the starting customers that left within a year, above and below their
    segment's median size, at a high closure rate and no default."""
    over = {"run.customers": 1000, "run.weeks": 52, "run.seed": 3}
    for s in SEGMENTS:
        over |= {f"segments.{s}.closure_per_year": 0.3,
                 f"segments.{s}.credit_default_per_year": 0.0,
                 f"segments.{s}.closure_size_elasticity": kappa}
    params = scenario.load(BASELINE, overrides=over)
    model = MarketModel(params)
    n0 = model.pop.n
    median = np.array([params.segments[s].size_median for s in SEGMENTS])
    large = model.pop.size[:n0] > median[model.pop.segment[:n0]]
    for _ in range(params.run.weeks):
        model.step()
    gone = ~model.pop.active[:n0]
    return float(gone[large].mean()), float(gone[~large].mean())


def test_positive_kappa_lowers_large_customers_measured_closure():
    large0, small0 = _exited_by_size(0.0)
    large1, small1 = _exited_by_size(1.0)
    assert large0 > 0.6 * small0  # size-free: both close at about the segment's rate
    assert large1 < 0.5 * small1  # large customers now close far less often
    assert large1 < 0.6 * large0 and small1 > small0


@pytest.mark.parametrize("value", [-0.5, float("nan"), 2.0])
def test_bad_elasticity_names_the_key(baseline_path, value):
    key = "segments.tier2.closure_size_elasticity"
    with pytest.raises(InputError) as info:
        scenario.load(baseline_path, overrides={key: value})
    problems = info.value.problems
    assert len(problems) == 1 and problems[0][1] == key, problems
    assert "\n" not in str(info.value)


def test_book_accounts_close_by_their_book_size():
    """The book's accounts get their size from the book after the draw; their closure hazard
    follows that size, as every other customer's follows its drawn one."""
    over = {f"segments.{s}.closure_size_elasticity": 1.0 for s in SEGMENTS}
    params = scenario.load(BASELINE.with_name("book_example.toml"), overrides=over)
    model = MarketModel(params, customer_agents=False)
    pop, n = model.pop, int(model.book_provenance["accounts"].split()[0])
    table = {k: np.array([getattr(params.segments[s], k) for s in SEGMENTS])
             for k in ("closure_per_year", "size_median", "size_sigma")}
    seg = pop.segment[:pop.n]
    want = closure_hazard(table["closure_per_year"][seg], pop.size[:pop.n],
                          table["size_median"][seg], table["size_sigma"][seg], 1.0)
    got = pop.exit_hazard[:pop.n] - pop.default_hazard[:pop.n]
    # the step-0 demand has grown every size by one week (at most log 2 / 52, so the hazard
    # by at most 1.4 %); book sizes are far from the drawn ones they replaced
    assert got == pytest.approx(want, rel=0.014)
    big = pop.size[:n] > table["size_median"][seg[:n]]
    assert got[:n][big].mean() < got[:n][~big].mean()
