"""The server by plain HTTP: who may read and change what, twenty submissions at once, a
server killed (between and during rounds) and restarted with nothing lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sim.workshop.room import Room

from .helpers import REPO, Client, free_port, live_server, make_workshop, serve_process

LEVERS = {"levers": {"price_margin": 0.08, "account_managers": 4}}


def _seat(base: str, code: str) -> Client:
    c = Client(base)
    status, _ = c.request(f"/seat/{code}")
    assert status == 303 and "kw_seat" in c.cookies
    return c


def test_teams_see_and_change_only_their_own(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=3)
    with live_server(folder) as base:
        a, b = _seat(base, codes["seats"]["t1"]), _seat(base, codes["seats"]["t2"])
        fac = Client(base, {"X-Facilitator": codes["facilitator"]})
        # a team reads its own view; nothing in it names another team's figures
        status, view = a.request("/api/team")
        assert status == 200 and view["team"] == "t1" and view["supplier"] == "Focal"
        assert "Rival A" not in {r.get("supplier") for r in view["results"]}
        # a request naming another team is still the token's team
        status, _ = a.request("/api/team/decision", {**LEVERS, "team": "t2"})
        assert status == 400  # unknown key 'team': refused, nothing stored
        status, _ = a.request("/api/team/decision", LEVERS)
        assert status == 200
        room = Room(folder)
        assert set(room.store.submitted(0)) == {"t1"}
        # another team's seat link: refused for a browser holding a seat, and when claimed
        assert a.request(f"/seat/{codes['seats']['t2']}")[0] == 200  # the refusal page
        assert a.request(f"/seat/{codes['seats']['t3']}")[0] == 200
        assert room.store.team_of_token(a.cookies["kw_seat"]) == "t1"
        token = a.cookies["kw_seat"]
        assert a.request(f"/seat/{codes['seats']['t1']}")[0] == 303  # same browser: its seat
        assert a.cookies["kw_seat"] == token
        thief = Client(base)
        status, page = thief.request(f"/seat/{codes['seats']['t2']}")
        assert status == 200 and "kw_seat" not in thief.cookies
        # a stolen or made-up seat token, a missing one
        forged = Client(base)
        forged.cookies["kw_seat"] = "not-a-token"
        assert forged.request("/api/team")[0] == 401
        assert Client(base).request("/api/team")[0] == 401
        # teams cannot act as facilitator, nor with a wrong code
        for who in (a, b, Client(base, {"X-Facilitator": "wrong"})):
            assert who.request("/api/fac")[0] == 403
            assert who.request("/api/fac/close", {})[0] == 403
            assert who.request("/api/fac/rollback", {"round": 0})[0] == 403
            assert who.request("/api/fac/event", {"event": {"kind": "mega_oem"}})[0] == 403
            assert who.request("/api/fac/debrief")[0] == 403
            assert who.request("/api/fac/qr.svg")[0] == 403
        assert room.round() == 0
        # wrong room code lists nothing; the right one lists the free seat only
        assert Client(base).request("/api/room", {"room": "nope"})[0] == 403
        status, seats = Client(base).request("/api/room", {"room": codes["room"]})
        assert [s["team"] for s in seats["seats"]] == ["t3"]
        # events: a price shock is announced to teams, a poaching campaign is not
        fac.request("/api/fac/event", {"event": {"kind": "poaching", "rival": "Rival E",
                                                 "target": "t2"}})
        fac.request("/api/fac/event", {"event": {"kind": "price_shock", "material": "steel",
                                                 "magnitude": 0.2}})
        _, view = a.request("/api/team")
        assert [e["kind"] for e in view["announced"]] == ["price_shock"]
        # the facilitator closes; team b's view then holds its own results only
        status, _ = fac.request("/api/fac/close", {})
        assert status == 200
        _, view_b = b.request("/api/team")
        assert view_b["team"] == "t2" and len(view_b["results"]) == 1
        assert "suppliers" not in view_b["results"][0]  # no other supplier's books
        assert "lost" not in view_b  # nor other teams' lost accounts
        status, svg = fac.request("/api/fac/qr.svg")
        assert status == 200 and "<svg" in svg


def test_twenty_simultaneous_submissions(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=20, extra_suppliers=14, customers=200)
    with live_server(folder) as base:
        clients = {t: _seat(base, c) for t, c in codes["seats"].items()}

        def submit(team: str) -> tuple[int, float]:
            start = time.perf_counter()
            status, _ = clients[team].request(
                "/api/team/decision", {"levers": {"price_margin": 0.05 + int(team[1:]) / 1000}})
            return status, time.perf_counter() - start

        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(submit, clients))
    assert [s for s, _ in answers] == [200] * 20
    submitted = Room(folder).store.submitted(0)
    assert len(submitted) == 20
    assert {t: c["levers"]["price_margin"] for t, c in submitted.items()} == {
        t: 0.05 + int(t[1:]) / 1000 for t in clients}


def test_killed_server_restarts_with_nothing_lost(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=3)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fac = Client(base, {"X-Facilitator": codes["facilitator"]})
    proc = serve_process(folder, port)
    try:
        a, b = _seat(base, codes["seats"]["t1"]), _seat(base, codes["seats"]["t2"])
        assert a.request("/api/team/decision", LEVERS)[0] == 200
        assert fac.request("/api/fac/close", {})[0] == 200
        _, after_one = fac.request("/api/fac/debrief")
        assert b.request("/api/team/decision", {"preset": "reservoir"})[0] == 400  # levers only
        assert b.request("/api/team/decision", {"levers": {"care_per_week": 5}})[0] == 200
        os.kill(proc.pid, signal.SIGKILL)  # in mid-round: one decision submitted
        proc.wait(10)
        proc = serve_process(folder, port)
        _, view = fac.request("/api/fac")
        assert view["round"] == 1
        assert {t["id"]: t["submitted"] for t in view["teams"]} == {
            "t1": False, "t2": True, "t3": False}
        _, again = fac.request("/api/fac/debrief")
        assert again["leaderboard"] == after_one["leaderboard"]
        _, view_a = a.request("/api/team")  # the same browser is still its team
        assert view_a["team"] == "t1" and view_a["round"] == 1
        assert fac.request("/api/fac/close", {})[0] == 200
        proc.send_signal(signal.SIGTERM)  # between rounds: stops cleanly
        assert proc.wait(20) is not None
        proc = serve_process(folder, port)
        _, view = fac.request("/api/fac")
        assert view["round"] == 2
        assert Room(folder).verify()[1]["digest"] == Room(folder).store.results()[1]["digest"]
    finally:
        proc.kill()
        proc.wait(10)
    with pytest.raises(OSError):
        _ = Client(base).request("/")  # nothing is left answering on the port


def test_cli_errors_are_one_line(tmp_path):
    run = [sys.executable, "-m", "sim.cli", "workshop"]
    cases = [["new", "scenarios/baseline.toml", "--teams", "7", "--out", str(tmp_path / "a")],
             ["new", str(tmp_path / "missing.toml"), "--teams", "2", "--out", str(tmp_path / "b")],
             ["serve", str(tmp_path / "nowhere")],
             ["export", str(tmp_path / "nowhere")]]
    for args in cases:
        res = subprocess.run(run + args, cwd=REPO, capture_output=True, text=True)
        assert res.returncode == 2, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert not (tmp_path / "a").exists()
    (tmp_path / "a-file").write_text("mine")
    res = subprocess.run(run + ["new", "scenarios/baseline.toml", "--teams", "2", "--out",
                                str(tmp_path / "a-file")], cwd=REPO, capture_output=True,
                         text=True)
    assert res.returncode == 2 and "--out" in res.stderr
    assert (tmp_path / "a-file").read_text() == "mine"
    folder, _ = make_workshop(tmp_path)
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        res = subprocess.run(run + ["serve", str(folder), "--port", str(port)], cwd=REPO,
                             capture_output=True, text=True)
    assert res.returncode == 2 and "--port" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "workshop.sqlite").write_text("not a database")
    res = subprocess.run(run + ["export", str(tmp_path / "bad")], cwd=REPO, capture_output=True,
                         text=True)
    assert res.returncode == 2 and "schema_version" in res.stderr


def test_bad_requests_and_the_bind_warning(tmp_path, monkeypatch, capsys):
    folder, codes = make_workshop(tmp_path, teams=2)
    with live_server(folder) as base:
        a = _seat(base, codes["seats"]["t1"])
        fac = Client(base, {"X-Facilitator": codes["facilitator"]})
        for body in (b"{not json", b"[1, 2]", b"NaN", b"x" * 70_000, "a string"):
            req = Client(base)
            req.cookies = dict(a.cookies)
            status, answer = req.request("/api/team/decision", body)
            assert status == 400 and "error" in answer
        assert fac.request("/api/fac/launch", {})[0] == 400  # unknown action
        assert fac.request("/api/fac/rollback", {"round": True})[0] == 400
        assert fac.request("/api/fac/countdown", {"minutes": -1})[0] == 400
        assert fac.request("/api/fac/event", {"event": {"kind": "price_shock",
                                                        "magnitude": 9}})[0] == 400
        assert Room(folder).store.timeline() == [] and Room(folder).store.events(0) == []

    import sim.workshop.server as server
    from sim.workshop.commands import serve

    monkeypatch.setattr(server, "run", lambda folder, host, port: 0)
    assert serve(folder, "0.0.0.0", 8770) == 0
    assert "warning" in capsys.readouterr().err
    assert serve(folder, "127.0.0.1", 8770) == 0
    assert capsys.readouterr().err == ""


def test_killed_while_closing_a_round(tmp_path):
    """SIGKILL while the round is being played: either it was stored whole (and replays to
    the same digest) or not at all (the round is open again with every decision)."""
    import threading

    folder, codes = make_workshop(tmp_path, teams=2, round_weeks=13, customers=1000)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fac = Client(base, {"X-Facilitator": codes["facilitator"]})
    proc = serve_process(folder, port)
    try:
        a = _seat(base, codes["seats"]["t1"])
        assert a.request("/api/team/decision", LEVERS)[0] == 200
        closing = threading.Thread(target=lambda: _quietly(fac, "/api/fac/close"))
        closing.start()
        time.sleep(0.15)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        closing.join(30)
        room = Room(folder)
        if room.round() == 1:
            assert room.verify()[0]["digest"] == room.store.results()[0]["digest"]
        else:
            assert room.round() == 0 and set(room.store.submitted(0)) == {"t1"}
        proc = serve_process(folder, port)
        _, view = a.request("/api/team")
        assert view["round"] == room.round()
    finally:
        proc.kill()
        proc.wait(10)


def _quietly(client: Client, path: str) -> None:
    try:
        client.request(path, {})
    except OSError:
        pass  # the server died under the request, as intended
