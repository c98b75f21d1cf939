"""Pool-health index on a constructed series, base change, verdict and diagnosis."""

import math

import pandas as pd
import pytest

from analysis.stats import base_change, diagnose, pool_health
from sim.metrics import HEALTH_CAP as DEFAULT_CAP
from sim.metrics import Verdict

NAN = float("nan")


def _series() -> pd.DataFrame:
    return pd.DataFrame({
        "step": range(6), "supplier": "us", "focal": True,
        "acquired": [0, 2, 0, 1, 0, 3], "lost": [0, 1, 0, 0, 1, 0],
        "exited": [0, 0, 0, 0, 1, 0], "customers": [10, 11, 11, 12, 10, 13],
    })


def test_pool_health_constructed_series():
    h = pool_health(_series(), window=2)
    assert list(h["inflow"]) == [0, 2, 2, 1, 1, 3]
    assert list(h["outflow"]) == [0, 1, 1, 0, 2, 2]
    # 0/0 → 1 (neutral); 1/0 → cap; others plain ratios
    assert list(h["health"]) == [1.0, 2.0, 2.0, DEFAULT_CAP, 0.5, 1.5]


def test_pool_health_cap_and_groups():
    a = _series().assign(scenario="a", rep=0)
    b = _series().assign(scenario="b", rep=0, acquired=[9, 0, 0, 0, 0, 0])
    h = pool_health(pd.concat([b, a]), window=52, cap=4.0)
    hb = h[h["scenario"] == "b"]["health"].tolist()
    assert hb[:2] == [4.0, 4.0]  # 9/0 → cap; 9/1 = 9 clipped at cap
    assert hb[-1] == pytest.approx(3.0)  # 9/3
    ha = h[h["scenario"] == "a"].set_index("step")
    assert ha.loc[5, "inflow"] == 6 and ha.loc[5, "outflow"] == 3
    assert ha.loc[5, "health"] == 2.0


def test_pool_health_rejects_bad_window():
    with pytest.raises(ValueError):
        pool_health(_series(), window=0)


def test_base_change():
    out = base_change(_series())
    assert out.loc[0, "base_change"] == pytest.approx(0.3)
    zero = _series().assign(customers=[0, 1, 1, 1, 1, 1])
    assert math.isnan(base_change(zero).loc[0, "base_change"])


def test_base_change_over_a_window_per_run():
    # the last 2 steps: from step 3 (12 customers) to step 5 (13)
    assert base_change(_series(), window=2).loc[0, "base_change"] == pytest.approx(13 / 12 - 1)
    a = _series().assign(scenario="a", rep=0)
    b = _series().assign(scenario="b", rep=0, step=range(10, 16))  # another run's own steps
    out = base_change(pd.concat([a, b]), window=2).set_index("scenario")["base_change"]
    assert out["a"] == pytest.approx(13 / 12 - 1) and out["b"] == pytest.approx(13 / 12 - 1)
    # a window longer than the run starts at its first step
    assert base_change(_series(), window=50).loc[0, "base_change"] == pytest.approx(0.3)


RES, FUN, INC = Verdict("reservoir", 0.9, 10), Verdict("funnel", 0.1, 10), \
    Verdict("inconclusive", 0.5, 10)


def test_diagnose_languages():
    en = diagnose(RES, (1.3, 1.1, 1.5), (0.04, 0.01, 0.07), "en")
    assert en.startswith("Reservoir: losses are refilled") and "1.30" in en and "+4.0%" in en
    assert en.endswith("The pool refilled in 9 of 10 replications (90%).")
    assert diagnose(FUN, (0.7, 0.5, 0.9), (-0.2, -0.3, -0.1)).startswith(
        "Funnel: customers drain away faster than they are replaced")
    assert diagnose(INC, (1, 0.8, 1.2), (0, -0.2, 0.2)).startswith("Inconclusive")
    assert diagnose(FUN, (0.7, 0.5, 0.9), (-0.2, -0.3, -0.1), "zh").startswith("漏斗")
    assert diagnose(RES, (1.3, 1.1, 1.5), (0.04, 0.01, 0.07), "zh").startswith("蓄水池")
    assert "单次运行" in diagnose(RES, (1.0, NAN, NAN), (0.0, NAN, NAN), "zh")
    with pytest.raises(ValueError):
        diagnose(RES, (1, 1, 1), (0, 0, 0), "fr")
