"""Every refusal a team can meet when it submits its levers, in English and in Chinese.

Walks every validation path: each lever with a value of every wrong kind its declaration
allows to go wrong (type, null, beyond each bound, not finite, outside its choices), an unknown
lever, a decision of the wrong shape, the budget, a request that is not JSON, too large, not
an object, a browser without a seat, a closed game; each refusal must have its Chinese
(``sim.workshop.i18n.MESSAGES_ZH``) and name the lever in Chinese.
"""

from __future__ import annotations

import math
import re
import typing

from sim.params import Levers
from sim.scenario import InputError
from sim.workshop.game import parse_choice
from sim.workshop.i18n import ZH, message_zh, problem_text
from sim.workshop.room import Room

from .helpers import Client, live_server, make_workshop

CJK = re.compile(r"[\u4e00-\u9fff]")


def _bad_values(name: str) -> list[object]:
    """Values of every wrong kind for lever ``name``, from its declaration."""
    field = Levers.model_fields[name]
    out: list[object] = [None, "text", [1], {"a": 1}]
    bounds = {type(m).__name__: m for m in field.metadata}
    if field.annotation is float:
        out += [math.nan, math.inf, -math.inf, True]
    if field.annotation is int:
        out += [1.5, True, math.nan]
    if field.annotation is bool:
        out += [1, "true"]
    if typing.get_origin(field.annotation) is typing.Literal:
        out += ["no such choice", 1]
    if "Ge" in bounds:
        out.append(bounds["Ge"].ge - 1)
    if "Le" in bounds:
        out.append(bounds["Le"].le + 1)
    return out


def _refusals(game, team: str, decision: object) -> list[tuple[str, str]]:
    try:
        parse_choice(decision, game, team, presets=False)
    except InputError as e:
        return [(key, msg) for _, key, msg in e.problems]
    raise AssertionError(f"{decision!r} was accepted")


def _assert_chinese(key: str, message: str) -> None:
    zh = message_zh(message)
    assert zh is not None and CJK.search(zh), f"no Chinese for {message!r}"
    text = problem_text(key, message, "zh")
    lever = key.split(".")[0]
    if lever in Levers.model_fields:  # the lever named in Chinese
        assert text.startswith(ZH[lever] + ":"), text
    assert problem_text(key, message, "en").endswith(message)


def test_every_lever_refusal_has_its_chinese(tmp_path):
    folder, _ = make_workshop(tmp_path, teams=2)
    room = Room(folder)
    team = room.game.team_ids[0]
    seen: set[str] = set()
    for name in Levers.model_fields:
        for value in _bad_values(name):
            problems = _refusals(room.game, team, {"levers": {name: value}})
            assert problems, (name, value)
            for key, message in problems:
                assert key.split(".")[0] == name, (name, value, key)
                _assert_chinese(key, message)
                seen.add(message)
    top = {name: Levers.model_fields[name].metadata for name in Levers.model_fields}
    over = {name: [m.le for m in meta if hasattr(m, "le")][0] for name, meta in top.items()
            if any(hasattr(m, "le") for m in meta) and Levers.model_fields[name].annotation
            is int}
    for decision in ({"levers": {"no_such_lever": 1}}, {"levers": 3}, {"levers": []},
                     {"preset": "reservoir"}, {"levers": {}, "extra": 1}, [], "levers",
                     {"levers": over}):
        for key, message in _refusals(room.game, team, decision):
            _assert_chinese(key, message)
            seen.add(message)
    assert any("budget" in m for m in seen)  # the budget path was walked
    assert len(seen) >= 12


def test_refusals_over_http_in_chinese(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=2, rounds=1)
    with live_server(folder) as base:
        team = Client(base)
        team.cookies["kw_lang"] = "zh"
        assert team.request(f"/seat/{codes['seats']['t1']}")[0] == 303
        stranger = Client(base)
        stranger.cookies["kw_lang"] = "zh"
        answers = [stranger.request("/api/team/decision", {"levers": {}})]
        for body in (b"{not json", b"x" * 70_000, b"[1, 2]", b"NaN",
                     {"levers": {"price_margin": "high", "allocation": "C"}}):
            answers.append(team.request("/api/team/decision", body))
        answers.append(stranger.request("/api/room", {"room": "WRONG"}))
        fac = Client(base, {"X-Facilitator": codes["facilitator"]})
        assert fac.request("/api/fac/close", {})[0] == 200  # the one round: the game is over
        answers.append(team.request("/api/team/decision", {"levers": {}}))
    for status, answer in answers:
        assert status in (400, 401, 403) and isinstance(answer, dict), (status, answer)
        for line in answer["error"].splitlines():
            assert CJK.search(line), line
            assert not re.search(r"\b(Input|should|expected|not|the|or|of)\b", line), line
