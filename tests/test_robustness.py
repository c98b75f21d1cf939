"""``[uncertainties]`` and ``kamsim compare --robustness`` / ``--posterior``
(sim/uncertainties.py, sim/runs/robustness.py): markets sampled through the sweep machinery,
every strategy on common random numbers in each, shares of verdicts and of the best net
profit, and the assumptions that flip them."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import scenario
from sim.cli import main
from sim.runs import compare, robustness
from sim.scenario import InputError

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
SMALL = [("run.scale", 0.15)]


def child(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "{name}"\n{text}')
    return path


def test_baseline_declares_the_odd_uncertainties():
    ranges = scenario.uncertainties(SCENARIOS / "reservoir.toml")  # inherited
    assert ranges["segments.tier2.entry_per_year"] == (30.0, 90.0)  # 40 set, 84 stable
    assert {"ev.width_years", "materials.steel.volatility", "suppliers[Rival A].markup",
            "segments.tier2.price_sensitivity"} <= set(ranges)
    base = scenario.load(BASELINE)
    for key, (lo, hi) in ranges.items():  # the baseline's own value lies in each range
        value = scenario.load(BASELINE, overrides={key: lo})  # valid at the extremes
        assert value is not None
        node = base.model_dump()
        for part in scenario.split_dotted(key):
            node = (next(s for s in node if s["name"] == part[1:-1])
                    if part.startswith("[") else node[part])
        assert lo <= node <= hi, key


def test_nested_tables_merge_along_the_chain(tmp_path):
    path = child(tmp_path, "narrow", '[uncertainties]\n"ev.width_years" = [2.0, 3.0]\n'
                 '[uncertainties.segments.tier1]\nentry_per_year = [5.0, 15.0]\n')
    ranges = scenario.uncertainties(path)
    assert ranges["ev.width_years"] == (2.0, 3.0)            # the child's, over the parent's
    assert ranges["segments.tier1.entry_per_year"] == (5.0, 15.0)
    assert ranges["segments.tier2.entry_per_year"] == (30.0, 90.0)  # the parent's
    assert scenario.load(path).name == "narrow"               # not a scenario key


@pytest.mark.parametrize("line, message", [
    ('"ev.share_start" = [0.2, 1.5]', "lies outside the declared range [0.001, 0.999]"),
    ('"ev.share_strat" = [0.2, 0.5]', "unknown parameter; did you mean 'ev.share_start'?"),
    ('"choice.mode" = [0.0, 1.0]', "is not a number"),
    ('"ev.share_start" = [0.5, 0.2]', "must be below"),
    ('"ev.share_start" = [0.5]', "must be [low, high]"),
])
def test_bad_ranges_name_the_file_and_the_key(tmp_path, line, message):
    path = child(tmp_path, "bad", f"[uncertainties]\n{line}\n")
    with pytest.raises(InputError) as exc:
        scenario.load(path)
    (file, key, text), = exc.value.problems
    assert file == str(path)
    assert key == "uncertainties." + line.split('"')[1]
    assert message in text


def test_latin_markets_fill_the_ranges_and_repeat_by_seed():
    path = SCENARIOS / "reservoir.toml"
    m = robustness.latin(path, 8, seed=5)
    again, other = robustness.latin(path, 8, seed=5), robustness.latin(path, 8, seed=6)
    assert m.source == "latin" and len(m) == 8 and m.draws == again.draws
    assert m.draws != other.draws
    for key, lo, hi in m.assumptions:
        x = np.array([d[key] for d in m.draws])
        assert ((lo <= x) & (x <= hi)).all()
        strata = np.floor((x - lo) / (hi - lo) * 8).clip(0, 7)
        assert len(set(strata)) == 8, key  # one market in each eighth: a Latin hypercube


def synthetic(n: int = 40, seed: int = 1) -> tuple[pd.DataFrame, robustness.Markets]:
    """X wins on net profit where a < 0.5; Y is a funnel where a > 0.7; b is noise."""
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(size=n), rng.uniform(size=n)
    markets = robustness.Markets("latin", (("a", 0.0, 1.0), ("b", 0.0, 1.0)),
                                 tuple({"a": x, "b": y} for x, y in zip(a, b, strict=True)))
    rows = []
    for m in range(n):
        for rep in range(2):
            rows.append({"scenario": "X", "market": m, "rep": rep,
                         "focal.pool_health": 1.3 + 0.01 * rep,
                         "focal.net_profit": 10.0 if a[m] < 0.5 else 0.0})
            rows.append({"scenario": "Y", "market": m, "rep": rep,
                         "focal.pool_health": (0.8 if a[m] > 0.7 else 1.2) + 0.01 * rep,
                         "focal.net_profit": 5.0})
    return pd.DataFrame(rows), markets


def test_shares_and_the_assumption_that_flips_them():
    table, markets = synthetic()
    a = np.array([d["a"] for d in markets.draws])
    s = robustness.summarize(table, markets, ["X", "Y"])
    assert s["markets"] == 40 and s["source"] == "latin"
    assert s["by_scenario"]["X"] == {"share_reservoir": 1.0, "share_funnel": 0.0,
                                     "share_best_net_profit": float(np.mean(a < 0.5))}
    y = s["by_scenario"]["Y"]
    assert y["share_funnel"] == pytest.approx(np.mean(a > 0.7))
    assert y["share_reservoir"] == pytest.approx(np.mean(a <= 0.7))
    assert y["share_best_net_profit"] == pytest.approx(np.mean(a >= 0.5))
    keys = [f["key"] for f in s["flips"]]
    assert keys and set(keys) == {"a"}  # b is noise: it flips nothing
    assert all(0 < f["importance"] <= 1 for f in s["flips"])
    texts = " ".join(f["text"] for f in s["flips"])
    assert "not the best on net profit" in texts and "Y is not a reservoir" in texts
    assert "there the best is mostly X" in texts
    assert "in 0 of" in texts  # the split separates the markets where it flips


def test_posterior_draws_take_the_same_path(monkeypatch, tmp_path):
    calls = []

    def draws(calib_dir: Path, n: int, seed: int) -> list[dict[str, float]]:
        calls.append((calib_dir, n, seed))
        return [{"segments.tier2.entry_per_year": 40.0 + i, "ev.width_years": 2.0 + i / 10}
                for i in range(n)]

    monkeypatch.setitem(sys.modules, "sim.book.posterior", types.SimpleNamespace(draws=draws))
    plan = compare.make_plan([SCENARIOS / "reservoir.toml"], reps=1, overrides=SMALL,
                             posterior=tmp_path, draws=3, steps=5)
    assert calls == [(tmp_path, 3, plan.root_seed)]
    assert plan.markets.source == "posterior"
    assert plan.markets.assumptions == (("segments.tier2.entry_per_year", 40.0, 42.0),
                                        ("ev.width_years", 2.0, 2.2))
    runs = plan.market_runs
    assert len(runs) == 3 * 2  # three draws x (status quo, reservoir)
    tier2 = runs[2].params.segments["tier2"].entry_per_year
    assert tier2 == pytest.approx(41.0 * 0.15)  # the draw, then run.scale
    # a draw naming no parameter is bad input naming the key
    monkeypatch.setitem(sys.modules, "sim.book.posterior", types.SimpleNamespace(
        draws=lambda d, n, s: [{"ev.widht_years": 2.0}] * n))
    with pytest.raises(InputError, match="widht"):
        compare.make_plan([SCENARIOS / "reservoir.toml"], reps=1, posterior=tmp_path)


def test_posterior_without_the_book_helper_is_bad_input(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "sim.book.posterior", None)  # not importable
    with pytest.raises(InputError) as exc:
        compare.make_plan([SCENARIOS / "reservoir.toml"], reps=1, posterior=tmp_path)
    assert exc.value.problems[0][:2] == (str(tmp_path), "--posterior")


@pytest.fixture(scope="module")
def robust(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rob") / "out"
    files = [SCENARIOS / "reservoir.toml", SCENARIOS / "funnel.toml"]
    assert main(["compare", *map(str, files), "--reps", "2", "--steps", "20",
                 "--set", "run.scale=0.15", "--robustness", "3", "--workers", "1",
                 "--out", str(out)]) == 0
    return out


def test_every_strategy_in_every_market_on_common_random_numbers(robust):
    t = pd.read_parquet(robust / "robustness.parquet")
    assert len(t) == 3 * 3  # three markets x (status quo, reservoir, funnel), one run each
    seeds = t.groupby("market")["seed"].nunique()
    assert (seeds == 1).all()                         # one seed per market, every strategy
    assert t.groupby("scenario")["seed"].nunique().eq(3).all()  # luck differs by market
    for key in ("segments.tier2.entry_per_year", "ev.width_years"):
        assert t.groupby("market")[key].nunique().eq(1).all()
    s = json.loads((robust / "summary.json").read_text())["robustness"]
    assert s["source"] == "latin" and s["markets"] == 3
    assert [a["key"] for a in s["assumptions"]] == list(scenario.uncertainties(
        SCENARIOS / "reservoir.toml"))
    assert list(s["by_scenario"]) == ["status quo", "reservoir", "funnel"]
    best = sum(v["share_best_net_profit"] for v in s["by_scenario"].values())
    assert best == pytest.approx(1.0)
    for v in s["by_scenario"].values():
        assert v["share_reservoir"] + v["share_funnel"] == pytest.approx(1.0)  # one run each
    profit = t.pivot(index="market", columns="scenario", values="focal.net_profit")
    winner = profit.idxmax(axis=1)
    assert s["by_scenario"]["funnel"]["share_best_net_profit"] == \
        pytest.approx(float((winner == "funnel").mean()))


def test_same_markets_whatever_the_backend():
    """In this process, on two processes and on a Dask LocalCluster: the same figures."""
    plan = compare.make_plan([SCENARIOS / "reservoir.toml"], reps=1, overrides=SMALL,
                             robustness=2, steps=10)
    todo = list(plan.market_runs)
    one = robustness.run(todo, plan.markets, steps=10, workers=1, progress=False)
    two = robustness.run(todo, plan.markets, steps=10, workers=2, progress=False)
    pd.testing.assert_frame_equal(one, two)
    dask = robustness.run(todo, plan.markets, steps=10, workers=2, dask="local",
                          progress=False)
    pd.testing.assert_frame_equal(one, dask)


def test_posterior_of_a_calibration_folder(tmp_path):
    """The book's ``sim.book.posterior.draws`` on a calibration folder: weighted draws of
    its particles become the markets."""
    pd.DataFrame({"segments.tier2.entry_per_year": [35.0, 80.0], "ev.width_years": [2.0, 3.0],
                  "distance": [1.0, 2.0], "weight": [0.5, 0.5]}).to_parquet(
        tmp_path / "posterior.parquet")
    plan = compare.make_plan([SCENARIOS / "reservoir.toml"], reps=1, overrides=SMALL,
                             posterior=tmp_path, draws=20, steps=5)
    m = plan.markets
    assert m.source == "posterior" and len(m) == 20
    pairs = {(d["segments.tier2.entry_per_year"], d["ev.width_years"]) for d in m.draws}
    assert pairs == {(35.0, 2.0), (80.0, 3.0)}  # whole particles, both drawn
    with pytest.raises(InputError):
        compare.make_plan([SCENARIOS / "reservoir.toml"], reps=1, posterior=tmp_path / "no")
