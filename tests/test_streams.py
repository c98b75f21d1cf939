"""Random streams (sim/streams.py): one per process, spawned from the model's one generator.

The point of the streams is synchronised common random numbers: two strategies run on one
seed see the same market — the same entrants, the same closures, the same cost and demand
noise — however differently they draw in the processes they act on (prospecting, tenders).
With one shared stream, the first state-dependent draw shifted every later one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import scenario
from sim.streams import PROCESSES, spawn_streams

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
