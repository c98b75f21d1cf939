"""Random streams (sim/market/streams.py): one per process, spawned from the model's one generator.

The point of the streams is synchronised common random numbers: two strategies run on one
seed see the same market — the same entrants, the same closures, the same cost and demand
noise — however differently they draw in the processes they act on (prospecting, tenders).
With one shared stream, the first state-dependent draw shifted every later one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import scenario
from sim.market.streams import PROCESSES, spawn_streams

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SMALL = {"run.customers": 200, "run.weeks": 80}


def test_streams_are_reproducible_and_distinct():
    a = spawn_streams(np.random.default_rng(5), 3)
    b = spawn_streams(np.random.default_rng(5), 3)
    first = {name: getattr(a, name).random() for name in PROCESSES}
    assert first == {name: getattr(b, name).random() for name in PROCESSES}
    assert len(set(first.values())) == len(PROCESSES)
    assert len({g.random() for g in a.supplier}) == 3


def test_other_seed_other_streams():
    a = spawn_streams(np.random.default_rng(5), 1)
    b = spawn_streams(np.random.default_rng(6), 1)
    assert a.demand.random() != b.demand.random()


@pytest.mark.parametrize("pair", [("baseline", "reservoir"),
                                  ("price_shock_silent", "price_shock_communicated")])
def test_strategies_on_one_seed_see_the_same_market(pair, runner):
    """Different strategies, one seed: the same customers enter (with the same attributes)
    and leave in the same weeks, and costs follow the same path — while what the focal
    supplier does with them differs."""
    (a, ta), (b, tb) = (runner(scenario.load(SCENARIOS / f"{name}.toml", overrides=SMALL),
                               seed=3, customer_agents=False) for name in pair)
    pa, pb = a.pop, b.pop
    assert pa.n == pb.n
    for field in ("active", "segment", "entry_week", "size", "ps_base", "exit_hazard"):
        np.testing.assert_array_equal(getattr(pa, field), getattr(pb, field), err_msg=field)
    np.testing.assert_array_equal(ta["market"]["cost_index"], tb["market"]["cost_index"])
    assert not np.array_equal(pa.loyalty[:, a.focal], pb.loyalty[:, b.focal])


def test_strategies_of_one_market_start_from_one_state(runner):
    """Same start, then strategies (docs/ODD.md section 5): the funnel (no key-account team,
    service cut, price war) and the reservoir start from the status quo's settled market —
    identical step -1 rows of the suppliers table and identical customers — and part ways
    from week 0 on, with their streams still in step."""
    small = {"run.scale": 0.2, "run.weeks": 30}
    params = [scenario.load(SCENARIOS / f"{name}.toml", overrides=small)
              for name in ("funnel", "reservoir")]
    (a, ta), (b, tb) = (runner(p, seed=4, customer_agents=False) for p in params)
    start_a, start_b = (t["suppliers"][t["suppliers"]["step"] == -1] for t in (ta, tb))
    assert len(start_a) == a.n_sup
    pd.testing.assert_frame_equal(start_a.reset_index(drop=True),
                                  start_b.reset_index(drop=True))
    sq = params[0].status_quo().suppliers[a.focal]  # the baseline's small team, both runs
    focal = start_a[start_a["focal"]].iloc[0]
    assert 0.1 < focal["market_share"] < 0.6
    assert focal["kam_covered"] == sq.kam_managers * sq.accounts_per_manager > 0
    week0 = [t["suppliers"].query("step == 0 and focal").iloc[0] for t in (ta, tb)]
    assert week0[0]["kam_covered"] == 0  # the funnel cut its team at week 0
    assert week0[1]["kam_covered"] > focal["kam_covered"]  # the reservoir's centre
    np.testing.assert_array_equal(ta["market"]["cost_index"], tb["market"]["cost_index"])
    np.testing.assert_array_equal(a.pop.entry_week, b.pop.entry_week)


def test_status_quo_is_the_root_files_suppliers_with_market_overrides():
    """The status quo keeps the scenario's market and the root file's supplier settings;
    overrides of other suppliers are market assumptions and reach it, the focal supplier's
    are its strategy and do not."""
    p = scenario.load(SCENARIOS / "funnel.toml", overrides={
        "suppliers[Focal].markup": 0.1, "suppliers[Rival A].markup": 0.09,
        "segments.tier2.entry_per_year": 84.0})
    sq = p.status_quo()
    base = scenario.load(SCENARIOS / "baseline.toml").suppliers[0]
    focal = sq.suppliers[sq.focal_index]
    assert (focal.kam_managers, focal.service_level, focal.markup) == (
        base.kam_managers, base.service_level, base.markup)
    assert p.suppliers[p.focal_index].kam_managers == 0 and p.suppliers[0].markup == 0.1
    assert sq.suppliers[1].markup == 0.09 and sq.segments["tier2"].entry_per_year == 84.0
    assert all(s.strategies == type(s.strategies)() for s in sq.suppliers)
    assert sq.status_quo().suppliers == sq.suppliers  # a fixed point
