"""Writing a calibration's results: the calibrated scenario, its report and its trials.

Owns the output folder of ``kamsim calibrate`` (written whole or not at all):
``calibrated.toml`` (``extends`` the original scenario and sets the best values),
``calibration.json`` (intervals, fit, unreachable and held-out targets, timing),
``trials.csv`` (every candidate), ``posterior.csv`` (the accepted draws, for running
strategies over what is still uncertain) and ``targets.csv`` (the observed figures).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sim.scenario import split_dotted

if TYPE_CHECKING:
    from sim.book.calibrate import Result


def calibrated_toml(r: Result) -> str:
    """The calibrated scenario: the original, extended, with the best values set."""
    plan = r.plan
    out = plan.out.resolve()
    rel = os.path.relpath(plan.path.resolve(), out)
    lines = [f"# Calibrated by kamsim calibrate to the book's targets ({plan.budget} runs, "
             f"seed {plan.seed}); see calibration.json", f"extends = {json.dumps(rel)}",
             f"name = {json.dumps(plan.params.name + '-calibrated')}", ""]
    if plan.base["book"]["path"] != plan.params.book.path:
        book = os.path.relpath(Path(plan.base["book"]["path"]).resolve(), out)
        lines += ["[book]", f"path = {json.dumps(book)}", ""]
    tables: dict[tuple[str, ...], list[str]] = {}
    for key, value in r.best.items():
        parts = split_dotted(key)
        tables.setdefault(tuple(parts[:-1]), []).append(f"{parts[-1]} = {value!r}")
    for path, items in tables.items():
        if path and path[0] == "suppliers":
            lines += ["[[suppliers]]", f"name = {json.dumps(path[1][1:-1])}"]
        else:
            lines.append("[" + ".".join(path) + "]")
        lines += [*items, ""]
    return "\n".join(lines)


def write(r: Result, out) -> Path:
    """The outputs into ``out`` (a path or :class:`sim.io.OutDir`), whole or not at all."""
    from sim.book.calibrate import to_json
    from sim.io import atomic_dir

    with atomic_dir(out, "calibration") as tmp:
        (tmp / "calibrated.toml").write_text(calibrated_toml(r))
        (tmp / "calibration.json").write_text(to_json(r))
        r.trials.to_csv(tmp / "trials.csv", index=False)
        r.posterior.to_csv(tmp / "posterior.csv", index=False)
        r.plan.targets.to_csv(tmp / "targets.csv", index=False)
    return r.plan.out if isinstance(out, (str, Path)) else out.path
