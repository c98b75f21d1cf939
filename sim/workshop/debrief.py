"""The debrief: scores (formula shown), pools and flows per team, accounts lost and to whom,
decision timelines; and the workshop's export to Parquet and CSV.

Pool health is the one definition of ``sim.metrics.health_ratio``: relationships acquired over
relationships lost or exited, here over the rounds played.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.io import OutDir
from sim.metrics import health_ratio
from sim.params import SEGMENTS

KEY_CAP, POOL_CAP = 1.5, 2.0


def score_formula(game) -> str:
    st = game.settings
    return (f"score = {st.score_profit_weight:g} x net profit (M CNY) "
            f"+ {st.score_key_weight:g} x min(key-account revenue retained, {KEY_CAP:g}) "
            f"+ {st.score_pool_weight:g} x min(pool health, {POOL_CAP:g})")


def score_table(game, results: list[dict]) -> dict[str, dict]:
    """Each team's cumulative figures and score after ``results``."""
    st, out = game.settings, {}
    for team in game.team_ids:
        name = game.supplier_name(team)
        rows = [r["suppliers"][name] for r in results]
        profit = sum(r["net_profit"] for r in rows) / 1e6
        key = rows[-1]["key_revenue_retained"] if rows else 1.0
        gained = sum(r["acquired"] for r in rows)
        gone = sum(r["lost"] + r["exited"] for r in rows)
        pool = health_ratio(gained, gone)  # the ODD's pool health, over the rounds played
        score = (st.score_profit_weight * profit + st.score_key_weight * min(key, KEY_CAP)
                 + st.score_pool_weight * min(pool, POOL_CAP))
        out[team] = {"supplier": name, "net_profit_m": profit, "key_revenue_retained": key,
                     "pool_health": pool, "score": score}
    return out


def debrief(game, results: list[dict], timeline: list[dict], inputs: list[dict],
            bench: dict | None) -> dict:
    """Everything the debrief page shows (the facilitator's screen)."""
    scores = score_table(game, results)
    board = sorted(scores.items(), key=lambda kv: -kv[1]["score"])
    teams = {}
    for team in game.team_ids:
        name = game.supplier_name(team)
        teams[team] = {
            "supplier": name,
            "rounds": [{"round": r["round"], "stages": r["suppliers"][name]["stages"],
                        **{f: r["suppliers"][name][f] for f in
                           ("acquired", "upgraded", "downgraded", "lost", "exited",
                            "net_profit", "market_share")}} for r in results],
            "lost_to": _lost_to(results, team),
            "timeline": [t for t in timeline if t["team"] == team],
            "played": [inp["choices"][team] for inp in inputs]}
    st = game.settings
    weights = {"p": st.score_profit_weight, "k": st.score_key_weight, "kc": KEY_CAP,
               "h": st.score_pool_weight, "hc": POOL_CAP}
    return {"formula": score_formula(game), "weights": weights, "leaderboard": [
        {"team": t, **v} for t, v in board], "teams": teams,
            "events": [inp["events"] for inp in inputs], "benchmarks": bench}


def _lost_to(results: list[dict], team: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        for acc in r["lost"][team]:
            out[acc["to"]] = out.get(acc["to"], 0) + 1
    return out


def export(room, out: OutDir | Path, lang: str = "en") -> list[Path]:
    """Rounds, scores, lost accounts and decisions as Parquet and CSV under ``out``, and the
    compare report of team 1 against the benchmarks under ``out/report``: one directory,
    marked as a ``workshop-export`` result, written whole or not at all (``sim.io``)."""
    from sim.io import atomic_dir
    from sim.scenario import InputError
    from sim.workshop.report import write_report

    results = room.store.results()
    if not results:
        raise InputError([(str(room.folder), "rounds", "no round closed yet: nothing to export")])
    rows, lost = [], []
    for r in results:
        for name, v in r["suppliers"].items():
            rows.append({"round": r["round"] + 1, "supplier": name,
                         **{k: x for k, x in v.items() if k != "stages"},
                         **{f"stage_{k}": c for k, c in v["stages"].items()}})
        for team, accs in r["lost"].items():
            lost += [{"round": r["round"] + 1, "team": team, **a,
                      "segment": SEGMENTS[a["segment"]]} for a in accs]
    scores = [{"team": t, **v} for t, v in score_table(room.game, results).items()]
    decisions = [{**{k: v for k, v in d.items() if k != "choice"},
                  **{f"lever_{k}": v for k, v in d["choice"].get("levers", {}).items()},
                  "preset": d["choice"].get("preset", "")} for d in room.store.timeline()]
    names = []
    with atomic_dir(out, "workshop-export") as tmp:
        for name, data in (("rounds", rows), ("scores", scores), ("lost_accounts", lost),
                           ("decisions", decisions)):
            df = pd.DataFrame(data)
            df.to_parquet(tmp / f"{name}.parquet", index=False)
            df.to_csv(tmp / f"{name}.csv", index=False)
            names += [f"{name}.parquet", f"{name}.csv"]
        write_report(room, tmp / "report", lang=lang)
        names.append("report/report.html")
    target = out.path if isinstance(out, OutDir) else Path(out)
    return [target / n for n in names]
