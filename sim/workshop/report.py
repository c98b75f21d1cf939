"""The workshop's offline HTML report, the same as ``kamsim compare`` writes: the focal
team's game as played, beside the same game with that team playing each benchmark strategy
(the price war, the reservoir bundle) — same market, same random numbers, one run each.

The tables come from the game's recorder (``sim.runs.compare.keyed_tables``), the figures and the
page from ``analysis.report.write_report``. The team of the focal supplier is team 1.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.runs.compare import TABLES, keyed_tables

BENCHMARKS = ("price_war", "reservoir")


def write_report(room, out: Path, lang: str = "en") -> dict:
    """report.html, its figures, tables and summary.json into the folder ``out`` (the
    caller's atomic output folder, ``sim.workshop.debrief.export``)."""
    from analysis.report import write_report as render
    from sim.io import write_json

    inputs = room.store.inputs()
    focal = room.game.team_ids[0]
    plays = {"played": inputs}
    for preset in BENCHMARKS:
        plays[preset] = [dict(inp, choices={**inp["choices"], focal: {"preset": preset}})
                         for inp in inputs]
    stacked: dict[str, list[pd.DataFrame]] = {stem: [] for stem in TABLES}
    with room.lock:
        for name, play in plays.items():
            model, _ = room.game.play(play)
            tables = keyed_tables(model, model.recorder.tables(model), name, 0, room.game.seed)
            for stem, df in tables.items():
                stacked[stem].append(df)
    runs = {stem: pd.concat(frames, ignore_index=True) for stem, frames in stacked.items()}
    out.mkdir(parents=True, exist_ok=True)
    for stem, df in runs.items():
        df.to_parquet(out / f"{stem}.parquet", index=False)
    meta = {"workshop": str(room.folder), "team": focal, "rounds": len(inputs),
            "seed": room.game.seed}
    summary = render(out, runs["runs"], runs["pool_runs"], runs["spells_runs"],
                     runs["customers_runs"], runs["market_runs"], scenarios=list(plays),
                     lang=lang, meta=meta)
    write_json(out / "summary.json", summary)
    return summary
