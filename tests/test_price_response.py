"""sim/runs/price_response.py: the focal share after a list-price rise, paired with the baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.runs.price_response import price_response

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def test_a_price_rise_loses_share_and_the_table_is_consistent():
    df = price_response(BASELINE, rises=(0.05,), seeds=(3,), scale=0.2)
    total = df[df["segment"] == "all"].set_index("year")
    assert set(total.index) == {1, 3}
    assert (total["change"] < 0).all()  # a 5 % dearer supplier sells fewer tonnes
    np.testing.assert_allclose(df["elasticity"], df["change"] / 0.05)
    np.testing.assert_allclose(df["change"], df["share"] / df["share_base"] - 1.0)
    assert set(df["mode"]) == {"all", "tender", "routine"}
    assert not ((df["segment"] == "tier2") & (df["mode"] == "tender")).any()  # none tender
    # the groups' tonnes add up to the total of the year
    for _, g in df.groupby("year"):
        parts = g[g["segment"] != "all"]["total_t"].sum()
        assert parts == pytest.approx(g[g["segment"] == "all"]["total_t"].item())
