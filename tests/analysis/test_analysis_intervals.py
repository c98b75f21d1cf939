"""Known-answer tests of the t quantile, mean intervals and paired differences."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.intervals import ci_by_group, t_ppf
from analysis.stats import mean_ci, paired_diff_ci

# Student t quantiles from printed tables (two-sided 95% unless noted).
T_TABLE = [(0.975, 1, 12.7062047), (0.975, 2, 4.3026527), (0.975, 4, 2.7764451),
           (0.975, 9, 2.2621572), (0.975, 29, 2.0452296), (0.95, 5, 2.0150484),
           (0.995, 10, 3.1692727), (0.975, 1000, 1.9623391)]


@pytest.mark.parametrize(("q", "df", "expected"), T_TABLE)
def test_t_ppf_matches_tables(q, df, expected):
    assert t_ppf(q, df) == pytest.approx(expected, abs=1e-6)
    assert t_ppf(1 - q, df) == pytest.approx(-expected, abs=1e-6)


def test_t_ppf_rejects_bad_arguments():
    with pytest.raises(ValueError):
        t_ppf(1.0, 3)
    with pytest.raises(ValueError):
        t_ppf(0.9, 0)


def test_mean_ci_hand_computed():
    # mean 3, sd sqrt(2.5), se sqrt(0.5), t(0.975, 4) = 2.776445105
    mean, lo, hi = mean_ci([1, 2, 3, 4, 5])
    half = 2.776445105 * math.sqrt(2.5) / math.sqrt(5)
    assert mean == 3.0
    assert lo == pytest.approx(3 - half, abs=1e-8)
    assert hi == pytest.approx(3 + half, abs=1e-8)


def test_mean_ci_level_90():
    _, lo, hi = mean_ci([2.0, 4.0, 6.0, 8.0], level=0.90)
    half = 2.353363435 * np.std([2, 4, 6, 8], ddof=1) / 2
    assert (lo, hi) == pytest.approx((5 - half, 5 + half), abs=1e-7)


def test_mean_ci_edge_cases():
    m, lo, hi = mean_ci([7.0])
    assert m == 7.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in mean_ci([]))
    assert mean_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)
    assert mean_ci([1.0, float("nan"), 3.0])[0] == 2.0


def test_paired_diff_pairs_by_rep_index():
    a = pd.Series([10.0, 20.0, 30.0], index=[0, 1, 2])
    b = pd.Series([29.0, 9.0, 19.0, 99.0], index=[2, 0, 1, 3])  # rep 3 has no partner
    mean, lo, hi = paired_diff_ci(a, b)
    assert (mean, lo, hi) == (1.0, 1.0, 1.0)


def test_paired_diff_positional_and_length_check():
    assert paired_diff_ci([3, 5, 7], [1, 2, 3])[0] == pytest.approx(3.0)
    with pytest.raises(ValueError):
        paired_diff_ci([1, 2], [1, 2, 3])


def test_paired_is_narrower_than_unpaired_under_common_noise():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 10, 20)
    a, b = 100 + noise + 1.0 + rng.normal(0, 0.1, 20), 100 + noise
    _, plo, phi = paired_diff_ci(a, b)
    assert plo > 0 and phi - plo < 0.5


def test_ci_by_group_equals_mean_ci():
    df = pd.DataFrame({"g": [0, 0, 0, 1], "v": [1.0, 2.0, 6.0, 4.0]})
    out = ci_by_group(df, "g", "v").set_index("g")
    assert tuple(out.loc[0, ["mean", "lo", "hi"]]) == pytest.approx(mean_ci([1, 2, 6]))
    assert out.loc[1, "n"] == 1 and math.isnan(out.loc[1, "lo"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30))
def test_mean_ci_brackets_mean(xs):
    m, lo, hi = mean_ci(xs)
    assert lo <= m + 1e-6 and m <= hi + 1e-6
