"""The model's own-price response: the focal supplier's tonnage share after a list-price rise.

An experiment on the model (docs/ODD.md 7.n): for each seed, the scenario as it is and the same
scenario with the focal supplier's list prices ``rise`` higher from week 0 on (its markup
``m`` raised to ``(1 + m)(1 + rise) - 1``; cost-plus pricing passes costs on at that markup).
Both start from the same settled market (section 5) and see the same draws, so the share
change is paired. The focal share of delivered tonnes is measured in year 1 (weeks 0-51) and in
year 3 (weeks 104-155), in total and per segment and procurement mode (tender or routine
buyers), and the implied arc elasticity is (relative share change) ÷ rise.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim import scenario
from sim.market.model import MarketModel
from sim.params import SEGMENTS

YEARS = {1: (0, 52), 3: (104, 156)}  # year -> weeks [start, end)


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


def _shares(t: pd.DataFrame) -> pd.DataFrame:
    """Focal share per year and group, with the totals (segment and mode "all")."""
    out = []
    for year, (lo, hi) in YEARS.items():
        w = t[(t["week"] >= lo) & (t["week"] < hi)]
        g = w.groupby(["segment", "mode"])[["focal_t", "total_t"]].sum().reset_index()
        g.loc[len(g)] = ["all", "all", w["focal_t"].sum(), w["total_t"].sum()]
        g["year"] = year
        out.append(g)
    df = pd.concat(out, ignore_index=True)
    df["share"] = df["focal_t"] / df["total_t"]
    return df[["year", "segment", "mode", "share", "total_t"]]


def price_response(path: str | Path, rises: Sequence[float] = (0.01, 0.03, 0.05),
                   seeds: Sequence[int] = (1, 2, 3, 4), scale: float = 1.0) -> pd.DataFrame:
    """Paired share changes after each rise, per seed: columns rise, seed, year, segment,
    mode, share_base, share, change (relative), elasticity (change ÷ rise)."""
    weeks = max(hi for _, hi in YEARS.values())
    over = {"run.weeks": weeks, "run.scale": scale}
    base_params = scenario.load(path, overrides=over)
    focal = base_params.suppliers[base_params.focal_index]
    key = f"suppliers[{focal.name}].markup"
    out = []
    for seed in seeds:
        base = _shares(focal_tonnes(base_params, seed, weeks))
        for rise in rises:
            params = scenario.load(path, overrides={
                **over, key: (1.0 + focal.markup) * (1.0 + rise) - 1.0})
            s = _shares(focal_tonnes(params, seed, weeks))
            m = base.merge(s, on=["year", "segment", "mode"], suffixes=("_base", ""))
            m["rise"], m["seed"] = rise, seed
            out.append(m)
    df = pd.concat(out, ignore_index=True)
    df["change"] = df["share"] / df["share_base"] - 1.0
    df["elasticity"] = df["change"] / df["rise"]
    return df[["rise", "seed", "year", "segment", "mode", "share_base", "share", "change",
               "elasticity", "total_t"]]
