"""Lorenz/Pareto curves, top-20% share and ABC counts: known answers and properties."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.concentration import focal_revenues
from analysis.stats import abc_counts, lorenz, pareto, top_share


def test_lorenz_simple_list():
    x, y = lorenz([4, 1, 3, 2])
    assert list(x) == [0, 0.25, 0.5, 0.75, 1]
    assert list(y) == pytest.approx([0, 0.1, 0.3, 0.6, 1.0])
    px, py = pareto([4, 1, 3, 2])
    assert list(py) == pytest.approx([0, 0.4, 0.7, 0.9, 1.0])


def test_top_share_known_answers():
    assert top_share(range(1, 11)) == pytest.approx(19 / 55)  # top 2 of 1..10
    assert top_share([5] * 5) == pytest.approx(0.2)  # ties: equal revenues
    assert top_share([10, 0, 0, 0, 0]) == pytest.approx(1.0)  # zeros are customers
    # 7 customers: top 1.4 customers = 100 + 0.4 × 4
    assert top_share([1, 2, 3, 4, 100, 0, 0]) == pytest.approx(101.6 / 110)
    assert top_share([3, 1], top=0.5) == pytest.approx(0.75)
    assert top_share([3, 1], top=0.0) == 0.0 and top_share([3, 1], top=1.0) == 1.0


def test_top_share_undefined_and_invalid():
    assert math.isnan(top_share([]))
    assert math.isnan(top_share([0, 0, 0]))
    assert np.isnan(lorenz([0, 0])[1]).all()
    with pytest.raises(ValueError):
        top_share([1, -2])
    with pytest.raises(ValueError):
        top_share([1, 2], top=1.5)


def test_top_share_ignores_order_and_nan():
    assert top_share([1, 9, 5, float("nan")]) == top_share([9, 5, 1])


def _customers() -> pd.DataFrame:
    return pd.DataFrame({
        "step": [12, 12, 25, 25, 25, 25],
        "customer": [1, 2, 1, 2, 3, 4],
        "stage": ["key", "general", "key", "general", "prospect", "sunset"],
        "abc_class": ["A", "B", "A", "C", "-", "C"],
        "focal_revenue_52w": [9.0, 1.0, 8.0, 2.0, 0.0, 0.0],
    })


def test_abc_counts_last_step_and_groups():
    one = abc_counts(_customers())
    assert one.iloc[0][["A", "B", "C", "-", "n"]].tolist() == [1, 0, 2, 1, 3]
    two = pd.concat([_customers().assign(rep=0), _customers().assign(rep=1)])
    by = abc_counts(two, ["rep"])
    assert list(by["rep"]) == [0, 1] and list(by["n"]) == [3, 3]


def test_focal_revenues_counts_customer_stages_only():
    rev = focal_revenues(_customers())
    assert sorted(rev.index) == [1, 2, 4]  # the prospect is not a customer


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50), st.floats(0.01, 0.99))
def test_top_share_at_least_population_share(revs, top):
    share = top_share(revs, top)
    if sum(revs) > 0:
        assert top - 1e-9 <= share <= 1 + 1e-9
        x, y = lorenz(revs)
        assert (np.diff(y) >= -1e-12).all() and (y <= x + 1e-9).all()
