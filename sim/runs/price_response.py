"""The model's own-price response: the focal supplier's tonnage share after a list-price rise.

An experiment on the model (docs/ODD.md 7.n): for each seed, the scenario as it is and the same
scenario with the focal supplier's list prices ``rise`` higher from week 0 on (its markup
``m`` raised to ``(1 + m)(1 + rise) - 1``; cost-plus pricing passes costs on at that markup).
Both start from the same settled market (section 5) and see the same draws, so the share
change is paired. The focal share of delivered tonnes is measured in year 1 (weeks 0-51) and in
year 3 (weeks 104-155), in total, per procurement mode (tender or routine buyers) and per
segment and mode, and the implied arc elasticity is (relative share change) ÷ rise.

``python -m sim.runs.price_response [scenario] [--seeds N] [--scale X]`` prints the table of
docs/ODD.md 7.n (mean elasticity over the seeds, 95 % interval for the totals).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.stats import mean_ci
from sim import scenario
from sim.errors import InputError, format_problem
from sim.market.model import MarketModel
from sim.params import SEGMENTS

YEARS = {1: (0, 52), 3: (104, 156)}  # year -> weeks [start, end)
ALL = "all"


def focal_tonnes(params, seed: int, weeks: int) -> pd.DataFrame:
    """Focal and total delivered tonnes per week, segment and mode (tender/routine) for one
    run: columns week, segment, mode, focal_t, total_t."""
    model = MarketModel(params, seed=seed, record=False, customer_agents=False)
    pop, f = model.pop, model.focal
    rows = []
    for week in range(weeks):
        model.step()
        n = pop.n
        wallet = pop.demand[:n].sum(1)
        delivered = pop.share[:n] * wallet[:, None]
        group = pop.segment[:n] * 2 + pop.tender[:n]
        size = len(SEGMENTS) * 2
        focal = np.bincount(group, delivered[:, f], minlength=size)
        total = np.bincount(group, delivered.sum(1), minlength=size)
        rows += [(week, SEGMENTS[g // 2], "tender" if g % 2 else "routine", focal[g], total[g])
                 for g in range(size) if total[g] > 0]
    return pd.DataFrame(rows, columns=["week", "segment", "mode", "focal_t", "total_t"])


def _shares(t: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Focal share per year and group: per segment and mode, per mode over all segments
    (segment "all") and in total (segment and mode "all")."""
    out = []
    for year in years:
        lo, hi = YEARS[year]
        w = t[(t["week"] >= lo) & (t["week"] < hi)]
        g = w.groupby(["segment", "mode"])[["focal_t", "total_t"]].sum().reset_index()
        m = w.groupby("mode")[["focal_t", "total_t"]].sum().reset_index()
        m.insert(0, "segment", ALL)
        g = pd.concat([g, m], ignore_index=True)
        g.loc[len(g)] = [ALL, ALL, w["focal_t"].sum(), w["total_t"].sum()]
        g["year"] = year
        out.append(g)
    df = pd.concat(out, ignore_index=True)
    df["share"] = df["focal_t"] / df["total_t"]
    return df[["year", "segment", "mode", "share", "total_t"]]


def price_response(path: str | Path, rises: Sequence[float] = (0.01, 0.03, 0.05),
                   seeds: Sequence[int] = (1, 2, 3, 4), scale: float = 1.0,
                   years: Sequence[int] = (1, 3),
                   overrides: dict | None = None) -> pd.DataFrame:
    """Paired share changes after each rise, per seed: columns rise, seed, year, segment,
    mode, share_base, share, change (relative), elasticity (change ÷ rise), total_t.

    ``years`` are keys of ``YEARS`` (the run is as long as the last one needs); ``overrides``
    are scenario overrides applied to both runs of a pair (``kamsim --set`` keys)."""
    weeks = max(YEARS[y][1] for y in years)
    over = {**(overrides or {}), "run.weeks": weeks, "run.scale": scale}
    base_params = scenario.load(path, overrides=over)
    focal = base_params.suppliers[base_params.focal_index]
    key = f"suppliers[{focal.name}].markup"
    out = []
    for seed in seeds:
        base = _shares(focal_tonnes(base_params, seed, weeks), years)
        for rise in rises:
            params = scenario.load(path, overrides={
                **over, key: (1.0 + focal.markup) * (1.0 + rise) - 1.0})
            s = _shares(focal_tonnes(params, seed, weeks), years)
            m = base.merge(s, on=["year", "segment", "mode"], suffixes=("_base", ""))
            m["rise"], m["seed"] = rise, seed
            out.append(m)
    df = pd.concat(out, ignore_index=True)
    df["change"] = df["share"] / df["share_base"] - 1.0
    df["elasticity"] = df["change"] / df["rise"]
    return df[["rise", "seed", "year", "segment", "mode", "share_base", "share", "change",
               "elasticity", "total_t"]]


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per year, group and rise over the seeds: mean share before, mean relative change, mean
    elasticity and its 95 % t interval (NaN with one seed)."""
    rows = []
    for (year, seg, mode, rise), g in df.groupby(["year", "segment", "mode", "rise"]):
        e, lo, hi = mean_ci(g["elasticity"].to_numpy()) if len(g) > 1 else (
            g["elasticity"].mean(), np.nan, np.nan)
        rows.append((year, seg, mode, rise, g["share_base"].mean(), g["change"].mean(),
                     e, lo, hi))
    return pd.DataFrame(rows, columns=["year", "segment", "mode", "rise", "share_base",
                                       "change", "elasticity", "lo", "hi"])


def markdown(s: pd.DataFrame) -> str:
    """The ODD 7.n table: one row per group, one column per year and rise."""
    cols = sorted({(y, r) for y, r in zip(s["year"], s["rise"], strict=True)})
    head = "| buyers | share before (y1) | " + " | ".join(
        f"y{y} +{r:.0%}" for y, r in cols) + " |"
    lines = [head, "|" + "---|" * (len(cols) + 2)]
    order = [(ALL, ALL), (ALL, "routine"), (ALL, "tender")] + [
        (seg, mode) for seg in SEGMENTS for mode in ("tender", "routine")]
    for seg, mode in order:
        g = s[(s["segment"] == seg) & (s["mode"] == mode)]
        if g.empty:
            continue
        name = "all" if (seg, mode) == (ALL, ALL) else f"{seg}, {mode}"
        first = g[g["year"] == min(g["year"])]["share_base"].iloc[0]
        cells = []
        for y, r in cols:
            row = g[(g["year"] == y) & (g["rise"] == r)].iloc[0]
            cells.append(f"{_minus(row['change'], '+.1%')} ({_minus(row['elasticity'], '+.1f')})")
        lines.append(f"| {name} | {first:.1%} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _minus(x: float, fmt: str) -> str:
    """``x`` formatted with a typographic minus, as the docs write numbers."""
    return format(x, fmt).replace("-", "\u2212")


def _seeds(text: str) -> int:
    n = int(text) if text.strip().isdigit() else 0
    if not 1 <= n <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 1000")
    return n


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="scenarios/baseline.toml")
    ap.add_argument("--seeds", type=_seeds, default=4, help="paired seeds 1..N (1-1000)")
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args(argv)
    try:
        df = price_response(a.scenario, seeds=range(1, a.seeds + 1), scale=a.scale)
    except InputError as exc:  # one line per problem, exit 2, as the kamsim command does
        for problem in exc.problems:
            print(format_problem(*problem), file=sys.stderr)
        return 2
    print(markdown(summary(df)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
