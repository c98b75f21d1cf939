"""CLV formula and CLV by segment from spells."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.stats import clv, clv_by_segment


def test_clv_formula():
    assert clv(100.0, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    assert clv(50.0, 0.0, 0.1) == 0.0
    assert math.isinf(clv(1.0, 1.0, 0.0))
    arr = clv(np.array([100.0, 200.0]), np.array([0.5, 0.9]), 0.05)
    assert arr == pytest.approx([100 * 0.5 / 0.55, 200 * 0.9 / 0.15])


def test_clv_rejects_bad_inputs():
    with pytest.raises(ValueError):
        clv(1.0, 1.2, 0.1)
    with pytest.raises(ValueError):
        clv(1.0, 0.5, -0.1)


def test_clv_by_segment_hand_computed():
    spells = pd.DataFrame({
        "customer": [1, 2, 3],
        "segment": ["x", "x", "y"],
        "start_step": [0, -10, 0],
        "end_step": [103, 52, 51],
        "event": [False, True, False],
        "gross_margin": [208.0, 52.0, 0.0],
    })
    out = clv_by_segment(spells, discount_rate=0.1).set_index("segment")
    # x: exposure 104 + 52 weeks = 3 years, margin 260 → 86.67/yr, 1 event → r = e^(−1/3)
    r = math.exp(-1 / 3)
    assert out.loc["x", "exposure_years"] == pytest.approx(3.0)
    assert out.loc["x", "margin_per_year"] == pytest.approx(260 / 3)
    assert out.loc["x", "retention"] == pytest.approx(r)
    assert out.loc["x", "clv"] == pytest.approx(260 / 3 * r / (1.1 - r))
    assert out.loc["y", "retention"] == 1.0 and out.loc["y", "clv"] == 0.0
    assert out.loc["x", "customers"] == 2


def test_clv_by_segment_groups_by_scenario(tables):
    out = clv_by_segment(tables["spells_runs"], 0.08, by=["scenario"])
    assert set(out["scenario"]) == {"base", "kam"}
    means = out.groupby("scenario")["retention"].mean()
    assert means["kam"] > means["base"]
