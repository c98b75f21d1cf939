"""Workshop benchmarks: closing a 13-week round on the baseline market (1,000 customers,
6 suppliers), twenty simultaneous submissions to a live server, and a what-if rerun of a
three-round game. Targets (issue 14, on a 2-core machine): 2 s, each submission acknowledged
within 1 s, 10 s. Each iteration plays a decision not played before, so no cached snapshot
answers in place of the model."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from workshop.helpers import BASELINE, Client, free_port, serve_process, small_scenario

from sim.workshop.commands import new_workshop
from sim.workshop.room import Room

_MARGINS = itertools.count(1)


def _fresh_margin() -> dict:
    return {"levers": {"price_margin": round(0.05 + next(_MARGINS) * 1e-4, 4)}}


@pytest.fixture(scope="module")
def baseline_room(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench") / "ws"
    codes = new_workshop(BASELINE, 3, folder, rounds=3, round_weeks=13, seed=5)
    room = Room(folder)
    for team, code in codes["seats"].items():
        room.store.claim_seat(code, f"bench-{team}")
    return room, codes


def test_close_round(benchmark, baseline_room):
    """Close round 1 (13 weeks, 1,000 customers, 6 suppliers) with a new decision."""
    room, _ = baseline_room

    def setup():
        if room.round():
            room.rollback(0)
        room.submit("t1", _fresh_margin())

    benchmark.pedantic(room.close_round, setup=setup, rounds=3, iterations=1)
    benchmark.extra_info.update(customers=1000, suppliers=6, weeks=13)


def test_whatif_three_rounds(benchmark, baseline_room):
    """Rerun a three-round game from round 1 with one team's decisions replaced."""
    room, _ = baseline_room
    while room.round() < 3:
        room.close_round()
    benchmark.pedantic(lambda: room.whatif("t2", 0, _fresh_margin()), rounds=2, iterations=1)
    benchmark.extra_info.update(rounds=3, weeks=39)


def test_twenty_simultaneous_submissions(benchmark, tmp_path):
    """Twenty teams submit at the same moment to a server in its own process; the slowest
    acknowledgement is recorded."""
    folder = tmp_path / "ws"
    codes = new_workshop(small_scenario(tmp_path, customers=1000, extra_suppliers=14), 20,
                         folder, rounds=3, seed=5)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve_process(folder, port)
    try:
        clients = []
        for code in codes["seats"].values():
            c = Client(base)
            c.request(f"/seat/{code}")
            clients.append(c)
        slowest: list[float] = []

        def one(c: Client) -> float:
            start = time.perf_counter()
            status, _ = c.request("/api/team/decision", _fresh_margin())
            assert status == 200
            return time.perf_counter() - start

        def all_at_once():
            with ThreadPoolExecutor(20) as pool:
                slowest.append(max(pool.map(one, clients)))

        benchmark.pedantic(all_at_once, rounds=5, iterations=1)
    finally:
        proc.terminate()
        proc.wait(20)
    benchmark.extra_info["slowest_ack_s"] = max(slowest)
    assert max(slowest) < 5.0  # generous: the 1 s target is read from the benchmark JSON
