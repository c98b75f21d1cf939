"""Kaplan–Meier known answers (Freireich 6-MP data), delayed entry and retention."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import (
    active_at,
    exposure_weeks,
    hazard_retention,
    kaplan_meier,
    km_by_group,
)

# 6-MP arm of Freireich et al. (1963); KM values as printed in survival textbooks
# (e.g. Kleinbaum & Klein): + marks censoring.
SIX_MP_EVENTS = [6, 6, 6, 7, 10, 13, 16, 22, 23]
SIX_MP_CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
SIX_MP_KM = {6: 0.8571, 7: 0.8067, 10: 0.7529, 13: 0.6902, 16: 0.6275, 22: 0.5378,
             23: 0.4482}


def test_kaplan_meier_textbook():
    km = kaplan_meier(SIX_MP_EVENTS + SIX_MP_CENSORED,
                      [True] * 9 + [False] * 12).set_index("time")
    for t, s in SIX_MP_KM.items():
        assert km.loc[t, "survival"] == pytest.approx(s, abs=5e-5)
    assert km.loc[6, "at_risk"] == 21 and km.loc[6, "events"] == 3
    assert km.loc[6, "censored"] == 1
    assert km.loc[35, "survival"] == pytest.approx(0.4482, abs=5e-5)


def test_kaplan_meier_delayed_entry_by_hand():
    km = kaplan_meier([2, 3, 5, 6], [1, 1, 1, 0], entry=[0, 0, 2.5, 4]).set_index("time")
    assert list(km["at_risk"]) == [2, 2, 2, 1]
    assert list(km["survival"]) == pytest.approx([0.5, 0.25, 0.125, 0.125])


def test_kaplan_meier_empty_and_mismatch():
    assert len(kaplan_meier([], [])) == 0
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [True])


def _spells() -> pd.DataFrame:
    return pd.DataFrame({
        "customer": [1, 2, 3, 4],
        "segment": ["x", "x", "y", "y"],
        "start_step": [0, -10, 0, 20],
        "end_step": [103, 52, 40, 103],
        "duration_weeks": [103, 62, 40, 83],
        "event": [False, True, True, False],
        "abc_class": ["A", "A", "C", "C"],
        "gross_margin": [208.0, 52.0, 40.0, 84.0],
    })


def test_km_by_group_uses_left_truncation():
    km = km_by_group(_spells(), "abc_class")
    a = km[km["abc_class"] == "A"].set_index("time")
    # spell 2 enters at age 10 and ends at 62; spell 1 (censored at 103) is at risk then
    assert a.loc[62, "at_risk"] == 2 and a.loc[62, "survival"] == pytest.approx(0.5)
    assert set(km["abc_class"]) == {"A", "C"}


def test_exposure_and_hazard_retention_known_answer():
    sp = _spells()
    assert list(exposure_weeks(sp)) == [104, 52, 40, 84]
    # 2 events over 280 exposure weeks
    assert hazard_retention(sp) == pytest.approx(math.exp(-52 * 2 / 280))
    assert math.isnan(hazard_retention(sp.iloc[0:0]))


def test_active_at():
    sp = _spells()
    assert list(active_at(sp, 0)) == [True, True, True, False]
    assert list(active_at(sp, 52)) == [True, False, False, True]  # spell 2 ended at 52


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100), st.booleans()), min_size=1, max_size=40))
def test_km_is_monotone_in_unit_interval(obs):
    km = kaplan_meier([d for d, _ in obs], [e for _, e in obs])
    s = km["survival"].to_numpy()
    assert ((s >= 0) & (s <= 1)).all()
    assert (s[1:] <= s[:-1] + 1e-12).all()
