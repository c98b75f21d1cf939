"""Targets: one definition of each figure for book and model, and bootstrap intervals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.book import features, load, targets
from sim.metrics import top_share
from sim.params import ABCParams, LifecycleParams
from sim.rules.lifecycle import abc_classes

from .conftest import REPO


def _snaps(revenue, buying, key=None, segment=None):
    revenue = np.asarray(revenue, float)
    buying = np.asarray(buying, bool)
    key = np.zeros_like(buying) if key is None else np.asarray(key, bool)
    seg = np.array(segment or ["tier2"] * revenue.shape[0], dtype=object)
    return targets.Snapshots(revenue, buying, key, seg)


def test_figures_by_hand():
    rev = [[100, 0], [50, 60], [10, 20], [5, 0], [0, 7]]
    buy = [[1, 0], [1, 1], [1, 1], [1, 0], [0, 1]]
    f = targets.figures(_snaps(rev, buy, segment=["tier1", "tier2", "tier2", "tier2",
                                                  "ev_oem"]), ABCParams())
    assert f["retention"] == pytest.approx(2 / 4)
    assert f["new_per_year"] == 1.0  # the fifth buys in the second year only
    assert f["top20_share"] == top_share(np.array([60, 20, 7.0]))  # the buying accounts
    cls = abc_classes(np.array([100, 50, 10, 5, 0.0]), mode="count", a_share=0.15,
                      b_share=0.2, a_revenue=0.8, b_revenue=0.95)
    assert f["retention_A"] == pytest.approx(0.0)  # the top account left
    assert cls[0] == 1 and f["abc_A"] == 1 and f["abc_C"] == 1
    assert f["revenue_share_tier2"] == pytest.approx(80 / 87)
    assert f["revenue_share_ev_oem"] == pytest.approx(7 / 87)


def test_book_key_accounts_follow_the_model_rule(tiny_book):
    book = load.load(tiny_book)
    p = features.panel(book)
    rules = LifecycleParams()
    s = targets.book_snapshots(book, p, rules)
    assert s.key[:, -1].tolist() == [True, False, False]  # A: 520 t, weekly, margin 10 %
    high = LifecycleParams(key_volume_t=600.0)
    assert not targets.book_snapshots(book, p, high).key[:, -1].any()
    floor = LifecycleParams(key_margin_floor=0.2)
    assert not targets.book_snapshots(book, p, floor).key[:, -1].any()


def test_model_figures_use_the_runs_own_retention(small_loader):
    from sim.runs import run

    params = small_loader(run__weeks=104)
    model, tables = run.simulate(params)
    f = targets.figures(targets.model_snapshots(tables["customers"]), params.abc)
    ret = tables["retention"]
    second = ret[(ret["supplier"] == "Focal") & (ret["year"] == 2)]
    assert f["retention"] == pytest.approx(second["retained"].sum()
                                           / second["customers_start"].sum())
    pool = tables["pool"]
    keys = pool[(pool["supplier"] == "Focal") & (pool["step"] == 103) & (pool["stage"] == "key")]
    assert f["key_accounts"] == keys["count"].sum()
    focal = run.summarize(model, tables)["suppliers"]["Focal"]
    assert f["top20_share"] == pytest.approx(focal["top20_revenue_share"], rel=1e-12)


@pytest.fixture(scope="module")
def example_targets(example_book):
    book = load.load(example_book)
    p = features.panel(book)
    return book, p, targets.observed(book, p, reps=150, seed=3).set_index("figure")


def test_example_book_intervals_and_the_price_rise(example_targets, example_book):
    book, p, t = example_targets
    truth = json.loads((example_book / "truth.json").read_text())
    finite = t.dropna()
    assert ((finite["low"] <= finite["value"]) & (finite["value"] <= finite["high"])).all()
    assert (finite["se"] >= 0).all()
    rises = targets.price_rises(targets.book_prices(book, p))
    assert [m for m, _, _ in rises] == ["steel"]
    _, week, size = rises[0]
    assert abs(week - truth["price_rise"]["week"]) <= 5
    assert size == pytest.approx(truth["price_rise"]["size"], abs=0.03)
    # the generator raises price-sensitive accounts' hazard after the rise
    assert t.loc["churn_after_rise", "low"] > t.loc["churn_baseline", "high"]
    # larger accounts leave less often in the generator: retention rises from C to A
    assert t.loc["retention_A", "value"] > t.loc["retention_B", "value"] > t.loc[
        "retention_C", "value"]


def test_bootstrap_is_reproducible_for_a_seed(example_book):
    book = load.load(example_book)
    p = features.panel(book)
    a = targets.observed(book, p, reps=60, seed=1)
    b = targets.observed(book, p, reps=60, seed=1)
    assert a.equals(b)


def test_extra_targets_file(tmp_path):
    f = tmp_path / "t.toml"
    f.write_text("[targets.market_share]\nvalue = 0.2\nse = 0.02\n"
                 "[targets.gross_margin]\nvalue = 0.06\nlow = 0.05\nhigh = 0.07\n")
    df = targets.read_extra(f).set_index("figure")
    assert df.loc["gross_margin", "se"] == pytest.approx(0.02 / 3.29)
    f.write_text("[targets.x]\nvalue = nan\nse = 1\n[targets.y]\nvalue = 1\nsd = 2\n")
    from sim.scenario import InputError
    with pytest.raises(InputError) as exc:
        targets.read_extra(f)
    keys = {p[1] for p in exc.value.problems}
    assert keys == {"targets.x.value", "targets.y.sd"}


def test_churn_after_a_rise_one_definition():
    """Four accounts read every 13 weeks; a rise in week 20 is read at week 26."""
    at = np.arange(13, 157, 13)
    buying = np.ones((4, at.size), bool)
    buying[0, at >= 78] = False   # bought at the rise, gone a year later
    buying[1, at >= 130] = False  # gone later than a year after the rise
    buying[2, :] = False          # never buying
    out = targets.churn_after(buying, at, [20])
    assert out["churn_after_rise"] == pytest.approx(1 / 3)
    # baseline: times 26+ weeks from the rise with a time 52 weeks on (52, 65, 78, 91, 104)
    lost = sum(int((buying[:, j] & ~buying[:, j + 4]).sum()) for j in range(3, 8))
    buyers = sum(int(buying[:, j].sum()) for j in range(3, 8))
    assert (lost, buyers) == (5, 12)
    assert out["churn_baseline"] == pytest.approx(lost / buyers)
    assert np.isnan(targets.churn_after(buying, at, [140])["churn_after_rise"])


def test_a_model_run_with_a_cost_shock_has_churn_after_the_rise(tmp_path):
    """The book's rise replayed as a cost shock: the run's market price rises with it and
    churn after it comes from the same definition as the book's."""
    from sim import scenario
    from sim.book.calibrate import replayed_shocks
    from sim.runs.run import simulate

    shocks = replayed_shocks([("steel", 40, 0.25)], book_weeks=156, weeks=120)
    assert shocks == [{"material": "steel", "start_week": 4, "magnitude": 0.25,
                       "ramp_weeks": 4, "hold_weeks": 116, "ease_weeks": 1}]
    assert replayed_shocks([("steel", 20, 0.25)], book_weeks=156, weeks=120) == []
    f = tmp_path / "s.toml"
    f.write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n[run]\nscale = 0.2\n'
                 "[[shocks]]\nmaterial = \"steel\"\nstart_week = 30\nmagnitude = 0.3\n"
                 "ramp_weeks = 4\nhold_weeks = 100\nease_weeks = 1\n")
    model, tables = simulate(scenario.load(f), seed=2, steps=120)
    prices = tables["market"].rename(columns={"step": "week", "market_price": "price"})
    rises = targets.price_rises(prices)
    assert any(m == "steel" and 28 <= w <= 36 for m, w, _ in rises), rises
    out = targets.model_churn(tables["customers"], tables["market"])
    assert 0 <= out["churn_after_rise"] <= 1
