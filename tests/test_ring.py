"""The sparse 52-week ring (sim/market/ring.py, sim/rules/ring.py) holds what a dense
52 x N x S float32 ring would, bit for bit, in a fraction of its memory."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from sim.market.model import MarketModel
from sim.market.ring import RING, Ring
from sim.workshop.game import state_digest

N_SUP = 5


def week_figures(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """A week's tonnes, revenue and cost (n x S float32): most relationships buy nothing;
    a few have only revenue or only cost, or a negative zero."""
    buy = rng.random((n, N_SUP)) < 0.2
    vol = np.where(buy, rng.gamma(2.0, size=(n, N_SUP)), 0.0).astype(np.float32)
    rev = (vol * 1.7).astype(np.float32)
    cost = (vol * 1.3).astype(np.float32)
    odd = rng.random((n, N_SUP))
    rev[odd < 0.02] = 3.0   # billed with nothing delivered
    cost[(odd > 0.02) & (odd < 0.03)] = -0.0
    return vol, rev, cost


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint32)


def test_a_week_comes_back_bit_for_bit_and_the_scratch_is_left_zero():
    rng = np.random.default_rng(3)
    ring = Ring(N_SUP)
    figures = week_figures(rng, 40)
    slots = ring.open_week(0, RING - 13, 40, 50)
    for out, a in zip(slots[:3], figures, strict=True):
        out[:] = a
    ring.close_week(0, RING - 13, slots)
    for name, a in zip(("vol", "rev", "cost"), figures, strict=True):
        assert np.array_equal(bits(ring.dense(0, name, 40)), bits(a))  # -0.0 kept as -0.0
    assert not np.any(bits(np.stack(slots)))
    buying = (bits(figures[0]) | bits(figures[1]) | bits(figures[2])) != 0
    assert ring.entries() == buying.sum() < 0.4 * buying.size


def test_the_ring_matches_a_dense_ring_week_after_week_as_rows_are_added():
    """What each week's close reads (52 and 13 weeks ago), and the rows the bad debt reads,
    against a dense ring written the way the model wrote it, over three years of weeks with
    customers entering."""
    rng = np.random.default_rng(11)
    n, cap = 30, 64
    dense = np.zeros((3, RING, 200, N_SUP), dtype=np.float32)
    ring = Ring(N_SUP)
    seeded = week_figures(rng, n)
    ring.seed(*(a.astype(np.float64) for a in seeded))
    dense[:, :, :n] = np.stack(seeded)[:, None]
    for week in range(160):
        if week % 7 == 3:
            n += int(rng.integers(0, 9))
            cap = max(cap, n + 8 * (week % 2))  # the population grows, sometimes past cap
        slot, old13 = week % RING, (week - 13) % RING
        slots = ring.open_week(slot, old13, n, cap)
        for j in range(3):
            assert np.array_equal(bits(slots[j]), bits(dense[j, slot, :n]))
        assert np.array_equal(bits(slots.vol_13_ago), bits(dense[0, old13, :n]))
        new = week_figures(rng, n)
        for j in range(3):
            slots[j][:] = new[j]
            dense[j, slot, :n] = new[j]
        ring.close_week(slot, old13, slots)
        rows = np.sort(rng.choice(n, size=4, replace=False))
        back = [(week - k) % RING for k in range(5)]
        assert np.array_equal(ring.rows(back, rows, "rev"),
                              dense[1][np.asarray(back)[:, None], rows[None, :]])


def test_copies_share_the_weeks_and_run_on_alike(small_params):
    model = MarketModel(small_params, customer_agents=False)
    for _ in range(5):
        model.step()
    twin, thawed = copy.deepcopy(model), pickle.loads(pickle.dumps(model))
    assert twin.pop.ring.slots[0][0] is model.pop.ring.slots[0][0]
    for m in (model, twin, thawed):
        for _ in range(8):
            m.step()
    assert state_digest(twin) == state_digest(model) == state_digest(thawed)


@pytest.mark.parametrize("n_sup", [6, 20])
def test_the_ring_of_a_run_holds_a_fraction_of_a_dense_ring(n_sup):
    from tests.benchmarks.market import scaled

    model = MarketModel(scaled(600, n_sup, weeks=60), customer_agents=False)
    pop = model.pop
    dense_bytes = RING * pop.cap * n_sup * 3 * 4
    seeded = pop.ring.nbytes()  # the seeded year: one week's entries, shared by all weeks
    for _ in range(60):
        model.step()
    assert pop.ring.entries() <= RING * 4 * pop.n  # a few suppliers a buyer a week
    scratch = 4 * pop.cap * n_sup * 4
    assert pop.ring.nbytes() == pop.ring.entries() * (4 + 3 * 4) + scratch
    assert seeded < 0.05 * dense_bytes
    assert pop.ring.nbytes() < (0.5 if n_sup == 6 else 0.2) * dense_bytes
