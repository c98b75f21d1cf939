"""Headless workshops: bots play every team through several rounds with events, a rollback
and what-ifs; the results replay exactly from the log."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.model import MarketModel
from sim.scenario import InputError, load
from sim.workshop.bots import LeverBot, play_round
from sim.workshop.debrief import score_table
from sim.workshop.game import Game
from sim.workshop.room import Room

from .helpers import BASELINE, make_workshop


def _claim_all(room: Room, codes: dict, skip: tuple[str, ...] = ()) -> None:
    for team, code in codes["seats"].items():
        if team not in skip:
            assert room.store.claim_seat(code, f"token-{team}") == team


def test_whole_workshop_replays_identically(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=3, rounds=4)
    room = Room(folder)
    _claim_all(room, codes, skip=("t3",))  # t3 never comes: its bot plays
    room.set_bot("t3", "reservoir")
    bots = {"t1": LeverBot(1), "t2": LeverBot(2)}
    room.add_event({"kind": "price_shock", "material": "steel", "magnitude": 0.3})
    r1 = play_round(room, bots)
    room.add_event({"kind": "mega_oem", "count": 2})
    room.add_event({"kind": "poaching", "rival": "Rival E", "target": "t1"})
    play_round(room, bots)
    room.submit("t1", bots["t1"].decide(room.game, "t1"))  # t2 does not submit in round 3
    play_round(room, {})
    assert room.round() == 3
    inputs = room.store.inputs()
    assert inputs[0]["choices"]["t3"] == {"preset": "reservoir"}
    assert inputs[2]["choices"]["t2"] == inputs[1]["choices"]["t2"]  # kept its last decision
    assert [e["kind"] for e in inputs[1]["events"]] == ["mega_oem", "poaching"]
    # every figure finite, flows and stages present for every supplier
    for res in room.store.results():
        for row in res["suppliers"].values():
            assert all(np.isfinite(v) for k, v in row.items() if k != "stages")
            assert sum(row["stages"].values()) > 0
    # replay from the log alone, in a new process-like start: same digests, same results
    fresh = Game(room.game.scenario, room.game.seed, room.game.settings,
                 list(room.game.teams.values()))
    _, replayed = fresh.play(inputs)
    assert replayed == room.store.results()
    assert Room(folder).verify() == room.store.results()
    assert r1["digest"] == replayed[0]["digest"]


def test_events_act_on_the_market(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=2, rounds=2, round_weeks=13)
    room = Room(folder)
    _claim_all(room, codes)
    base_inputs = [{"choices": room.resolved_choices(0), "events": []}]
    with_events = [{"choices": room.resolved_choices(0), "events": [
        {"kind": "mega_oem", "count": 2},
        {"kind": "poaching", "rival": "Rival E", "target": "t1"},
        {"kind": "price_shock", "material": "steel", "magnitude": 0.5}]}]
    plain, _ = room.game.play(base_inputs)
    plain_n, plain_cost = plain.pop.n, plain.market.cost_index[0]
    model, _ = room.game.play(with_events)
    assert model.pop.n >= plain_n + 2  # the mega OEMs entered (plus the same entrants)
    rival = model.supplier_names.index("Rival E")
    assert model.params.suppliers[rival].strategies.poaching.target == "Focal"
    assert model.market.cost_index[0] > plain_cost * 1.2  # the shock ramped in within the round
    ev_oem = model.pop.segment[: model.pop.n] == 0
    assert model.pop.size[: model.pop.n][ev_oem].max() > plain.pop.size[: plain_n][
        plain.pop.segment[: plain_n] == 0].max()


def test_rollback_keeps_other_teams_and_replays(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=3, rounds=3)
    room = Room(folder)
    _claim_all(room, codes)
    bots = {t: LeverBot(i) for i, t in enumerate(("t1", "t2", "t3"))}
    play_round(room, bots)
    play_round(room, bots)
    first_two = room.store.results()
    choices_round2 = room.store.inputs()[1]["choices"]
    room.rollback(1)
    assert room.round() == 1
    assert room.store.submitted(1) == choices_round2  # every team's round-2 decision stands
    again = room.close_round()
    assert again == first_two[1]  # same decisions, same market: the same round, bit for bit
    room.rollback(1)
    room.submit("t2", {"levers": {"price_margin": 0.0}})  # one team changes its mind
    changed = room.close_round()
    assert changed["digest"] != first_two[1]["digest"]
    assert room.store.inputs()[1]["choices"]["t1"] == choices_round2["t1"]
    assert room.store.inputs()[1]["choices"]["t3"] == choices_round2["t3"]
    timeline = room.store.timeline("t2")
    assert timeline[-1]["choice"]["levers"]["price_margin"] == 0.0
    with pytest.raises(InputError):
        room.rollback(5)


def test_whatif_same_random_numbers(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=2, rounds=3)
    room = Room(folder)
    _claim_all(room, codes)
    bots = {"t1": LeverBot(5), "t2": LeverBot(6)}
    for _ in range(3):
        play_round(room, bots)
    played = room.store.inputs()[2]["choices"]["t1"]
    same = room.whatif("t1", 2, played)
    assert same["actual"] == same["alternative"]  # its own choice again: nothing changes
    alt = room.whatif("t1", 1, {"preset": "price_war"})
    assert alt["alternative"]["t1"] != alt["actual"]["t1"]
    # the replaced rounds only: round 1 is shared, and the market's exogenous draws too
    inputs = room.store.inputs()
    alt_inputs = [inputs[0]] + [dict(i, choices={**i["choices"], "t1": {"preset": "price_war"}})
                                for i in inputs[1:]]
    _, alt_results = room.game.play(alt_inputs)
    assert alt_results[0] == room.store.results()[0]
    actual_model, _ = room.game.play(inputs)
    alt_model, _ = room.game.play(alt_inputs)
    np.testing.assert_array_equal(actual_model.market.cost_index, alt_model.market.cost_index)
    assert score_table(room.game, alt_results)["t1"] == alt["alternative"]["t1"]


def test_decisions_validated_with_clear_messages(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=2)
    room = Room(folder)
    cases = {
        "budget": {"levers": {"account_managers": 40, "allocation": "AB",
                              "dedicated_accounts": 12}},
        "price_margin": {"levers": {"price_margin": 0.9}},
        "bogus": {"levers": {"bogus": 1}},
        "care_per_week": {"levers": {"care_per_week": "lots"}},
        "decision": {"preset": "reservoir"},  # teams decide levers, bots play presets
    }
    for key, data in cases.items():
        with pytest.raises(InputError) as e:
            room.submit("t1", data)
        assert key in str(e.value) and "t1" in str(e.value)
    assert "over the budget" in _message(room, cases["budget"])
    with pytest.raises(InputError):
        room.add_event({"kind": "meteor"})
    with pytest.raises(InputError):
        room.add_event({"kind": "poaching", "rival": "Focal", "target": "t1"})  # a team's
    assert room.store.timeline() == []  # nothing invalid was stored


def _message(room, data) -> str:
    try:
        room.submit("t1", data)
    except InputError as e:
        return str(e)
    return ""


def test_practice_round_then_reset(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=2)
    room = Room(folder)
    _claim_all(room, codes)
    assert room.store.con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert room.store.meta("schema_version") == "1"
    room.start_practice()
    play_round(room, {"t1": LeverBot(1)})
    assert room.round() == 1
    room.end_practice()
    assert room.round() == 0 and room.store.timeline() == []
    assert all(t["claimed"] for t in room.store.teams())  # seats stay claimed
    # a team that has not decided runs the scenario's own supplier; its form starts there
    assert room.resolved_choices(0) == {"t1": {"preset": "status_quo"},
                                        "t2": {"preset": "status_quo"}}
    view = room.team_view("t1")
    assert view["form"]["price_margin"] == room.game.base("t1").markup
    assert view["form"]["account_managers"] == room.game.base("t1").kam_managers


def test_set_supplier_with_own_parameters_changes_nothing():
    """The model's seam: re-setting a supplier's own parameters before week 0 leaves the run
    identical, strategies included (their standing effects are rebuilt, not doubled)."""
    params = load(BASELINE, overrides={"run.customers": 200, "run.weeks": 20})
    reservoir = load(BASELINE.parent / "reservoir.toml",
                     overrides={"run.customers": 200, "run.weeks": 20})
    for p in (params, reservoir):
        a = MarketModel(p, 3, customer_agents=False)
        b = MarketModel(p, 3, customer_agents=False)
        for s, sp in enumerate(p.suppliers):
            b.set_supplier(s, sp)
        for _ in range(20):
            a.step()
            b.step()
        np.testing.assert_array_equal(a.recorder.sup["net_profit"], b.recorder.sup["net_profit"])
        np.testing.assert_array_equal(a.pop.loyalty, b.pop.loyalty)


def test_events_scheduled_for_later_rounds(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=2, rounds=3)
    room = Room(folder)
    _claim_all(room, codes)
    room.add_event({"kind": "mega_oem", "count": 1}, 2)
    room.add_event({"kind": "price_shock", "material": "aluminium", "magnitude": 0.2}, 1)
    assert [e["round"] for e in room.facilitator_view()["events"]] == [1, 2]
    for bad in (3, -1, True, "1"):
        with pytest.raises(InputError):
            room.add_event({"kind": "mega_oem"}, bad)
    for _ in range(3):
        assert room.team_view("t1")["announced"] == room.store.events(room.round())
        room.close_round()
    with pytest.raises(InputError):
        room.add_event({"kind": "mega_oem"}, 0)  # a closed round
    assert [[e["kind"] for e in i["events"]] for i in room.store.inputs()] == [
        [], ["price_shock"], ["mega_oem"]]
