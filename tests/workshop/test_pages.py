"""Every word on the workshop's pages exists in English and Chinese; pages load nothing from
the internet; the debrief's benchmarks and the export work headless."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sim.workshop.bots import LeverBot, play_round
from sim.workshop.debrief import export
from sim.workshop.i18n import EN, ZH
from sim.workshop.levers import Levers
from sim.workshop.room import Room

from .helpers import make_workshop

PAGES = Path(__file__).resolve().parents[2] / "sim" / "workshop" / "pages"


def _keys_used() -> set[str]:
    keys: set[str] = set()
    for page in PAGES.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        keys |= set(re.findall(r'\bt\("([A-Za-z0-9_ ]+)"\)', text))
        for cols in re.findall(r"table\(\[([^\]]*)\]", text):
            keys |= set(re.findall(r'"([A-Za-z0-9_]+)"', cols))
        for mapping in re.findall(r"const L = \{([^}]*)\}", text):
            keys |= set(re.findall(r':"([A-Za-z0-9_]+)"', mapping))
    return keys


def test_both_languages_have_every_word():
    assert set(EN) == set(ZH)
    used = _keys_used() | set(Levers.model_fields) | {"revenue", "A", "AB", "silent", "covered",
                                                       "key", "buying"}
    missing = sorted(k for k in used if k not in EN)
    assert missing == []
    same = sorted(k for k in EN if ZH[k] == EN[k])
    assert same == ["abc"]  # every other word is translated


def test_pages_have_no_outside_assets():
    for page in PAGES.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), page.name


def test_debrief_benchmarks_and_export(tmp_path):
    folder, codes = make_workshop(tmp_path, teams=2, rounds=2)
    room = Room(folder)
    for team, code in codes["seats"].items():
        room.store.claim_seat(code, f"tok-{team}")
    bots = {"t1": LeverBot(3), "t2": LeverBot(4)}
    play_round(room, bots)
    play_round(room, bots)
    d = room.debrief(benchmarks=True)
    scores = [r["score"] for r in d["leaderboard"]]
    assert scores == sorted(scores, reverse=True)
    for team in ("t1", "t2"):
        bench = d["benchmarks"][team]
        assert set(bench) == {"price_war", "reservoir"}
        alt = room.whatif(team, 0, {"preset": "reservoir"})["alternative"][team]["score"]
        assert bench["reservoir"] == alt
        assert len(d["teams"][team]["rounds"]) == 2
        assert len(d["teams"][team]["played"]) == 2
    written = export(room, tmp_path / "export")
    rounds = pd.read_parquet(tmp_path / "export" / "rounds.parquet")
    assert len(rounds) == 2 * 6 and rounds["net_profit"].notna().all()
    assert pd.read_csv(tmp_path / "export" / "decisions.csv")["team"].tolist() == [
        "t1", "t2", "t1", "t2"]
    assert len(written) == 9 and all(p.is_file() for p in written)
    html = (tmp_path / "export" / "report" / "report.html").read_text(encoding="utf-8")
    assert "reservoir" in html and "price_war" in html and "played" in html
    assert not list(tmp_path.glob(".export.*"))  # nothing half-written left beside it


def test_refusals_in_the_askers_language(tmp_path):
    from sim.workshop.i18n import problem_text

    from .helpers import Client, live_server

    folder, codes = make_workshop(tmp_path, teams=2)
    over = {"levers": {"account_managers": 40, "allocation": "AB", "dedicated_accounts": 12}}
    with live_server(folder) as base:
        a = Client(base)
        a.request(f"/seat/{codes['seats']['t1']}")
        status, en = a.request("/api/team/decision", over)
        assert status == 400 and en["error"].startswith("Budget: the levers cost")
        a.cookies["kw_lang"] = "zh"
        status, zh = a.request("/api/team/decision", over)
        assert status == 400 and zh["error"].startswith("预算: 决策成本")
        assert "超过预算" in zh["error"]
        _, zh = a.request("/api/team/decision", {"levers": {"price_margin": 0.9}})
        assert zh["error"] == "成本加成利润率: 应小于或等于 0.25"
    assert problem_text("", "the game is over", "zh") == "游戏已结束"
