"""The saved regression baseline: headline figures of a few small runs, kept in git.

``compute()`` simulates each case of ``CASES`` (a scenario file with small-run overrides, two
seeds) and returns :func:`sim.runs.run.summarize` of each, flattened to ``"case/seed/supplier/kpi"``
keys. ``baseline.json`` holds the figures of the last intended change;
``test_baseline.py`` fails on any figure that moved, naming it. After an intended change to
what the model computes, regenerate with ``make regression-baseline`` (``python -m
tests.regression``) and say in the commit why the figures moved.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASELINE_FILE = Path(__file__).with_name("baseline.json")
SMALL = {"run.customers": 300, "run.weeks": 104}
CASES = {  # name -> scenario file: the status quo and two strategy bundles
    "baseline": "baseline.toml",
    "reservoir": "reservoir.toml",
    "price_shock_communicated": "price_shock_communicated.toml",
}
SEEDS = (1, 2)


def flatten(tree: dict, prefix: str = "") -> dict[str, float | None]:
    """Nested summary -> ``{"a/b/c": number}`` (numbers only; labels are dropped)."""
    out: dict[str, float | None] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "/"))
        elif value is None or isinstance(value, (int, float)):
            out[path] = None if value is None else float(value)
    return out


def compute() -> dict[str, float | None]:
    """The regression figures of every case and seed, as ``kamsim run`` computes them."""
    from sim import scenario
    from sim.runs.run import simulate, summarize

    figures: dict[str, float | None] = {}
    for case, file in CASES.items():
        params = scenario.load(ROOT / "scenarios" / file, overrides=SMALL)
        for seed in SEEDS:
            model, tables = simulate(params, seed=seed)
            summary = summarize(model, tables)
            figures.update(flatten(summary["suppliers"], f"{case}/{seed}/"))
    return figures


def moved(saved: dict[str, float | None], now: dict[str, float | None],
          rel: float = 1e-9) -> list[str]:
    """One line per figure that differs (beyond ``rel``), appeared or disappeared."""
    lines = []
    for key in sorted(set(saved) | set(now)):
        a, b = saved.get(key, "absent"), now.get(key, "absent")
        same = (a == b or (isinstance(a, float) and isinstance(b, float)
                           and math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)))
        if not same:
            lines.append(f"{key}: saved {a}, now {b}")
    return lines


def write(path: Path = BASELINE_FILE) -> None:
    """Recompute the figures and save them (sorted, one per line: readable diffs)."""
    text = json.dumps({"cases": CASES, "overrides": SMALL, "seeds": list(SEEDS),
                       "figures": compute()}, indent=1, sort_keys=True)
    path.write_text(text + "\n")
