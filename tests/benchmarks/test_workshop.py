"""Workshop benchmarks: closing a 13-week round on the baseline market (1,000 customers,
6 suppliers), twenty simultaneous submissions to a live server, and a what-if rerun of a
three-round game. Targets (issue 14, on a 2-core machine): 2 s, each submission acknowledged
within 1 s, 10 s. Each iteration plays a decision not played before, so no cached snapshot
answers in place of the model."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import statistics
import threading
import time
from pathlib import Path

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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_twenty_simultaneous_submissions(benchmark, tmp_path):
    """Twenty teams submit at the same moment to a server in its own process; each burst
    records the slowest acknowledgement (the 1 s target), the median, and the server's CPU
    time per submission (what a burst costs with a core to itself, whatever the load).

    Each team holds an open connection, as a browser does, and all are released together
    by a barrier, so the time is the server's: receiving, checking the seat, validating,
    committing (SQLite, fsync) and answering, with the queueing of twenty at once.
    """
    folder = tmp_path / "ws"
    codes = new_workshop(small_scenario(tmp_path, customers=1000, extra_suppliers=14), 20,
                         folder, rounds=3, seed=5)
    port = free_port()
    proc = serve_process(folder, port)
    acks: list[list[float]] = []
    cpu: list[float] = []
    try:
        cookies = []
        for code in codes["seats"].values():
            c = Client(f"http://127.0.0.1:{port}")
            c.request(f"/seat/{code}")
            cookies.append("; ".join(f"{k}={v}" for k, v in c.cookies.items()))

        def burst():
            conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in cookies]
            for conn in conns:
                conn.connect()
            start = threading.Barrier(len(conns))
            times = [0.0] * len(conns)

            def one(i: int) -> None:
                body = json.dumps(_fresh_margin())
                start.wait()
                t0 = time.perf_counter()
                conns[i].request("POST", "/api/team/decision", body,
                                 {"Content-Type": "application/json", "Cookie": cookies[i]})
                answer = conns[i].getresponse()
                answer.read()
                times[i] = time.perf_counter() - t0
                assert answer.status == 200

            before = _cpu_seconds(proc.pid)
            threads = [threading.Thread(target=one, args=(i,)) for i in range(len(conns))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            cpu.append((_cpu_seconds(proc.pid) - before) / len(conns))
            acks.append(sorted(times))
            for conn in conns:
                conn.close()

        load = os.getloadavg()[0]
        benchmark.pedantic(burst, rounds=6, iterations=1, warmup_rounds=1)
        load = max(load, os.getloadavg()[0])
    finally:
        proc.terminate()
        proc.wait(20)
    measured = acks[1:] or acks  # after the warm-up burst (just one when benchmarks are off)
    slowest = [a[-1] for a in measured]
    benchmark.extra_info.update(
        load_average=round(load, 1),
        slowest_ack_s=[round(x, 3) for x in slowest],
        median_ack_s=round(statistics.median(a[len(a) // 2] for a in measured), 3),
        server_cpu_ms_per_submission=round(1000 * statistics.median(cpu[1:] or cpu), 2),
    )
    assert statistics.median(slowest) < 5.0  # generous: the 1 s target is read from the JSON
