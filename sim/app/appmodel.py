"""The model the explorer shows: a :class:`MarketModel` built from a scenario file, the lever
values and a seed, keyword arguments only (what the page's Reset builds from its inputs).

It adds a light weekly history for the customer profile (satisfaction and loyalty toward each
supplier, the focal supplier's stage, ABC counts) and stops (``running = False``) at the
scenario's last week, where the recorder's arrays end. ``lock`` is held while a week is
simulated; readers (the page's charts) hold it while they copy data out, because Play steps
in a worker thread while the page draws.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from sim import scenario as scenario_io
from sim.app import controls
from sim.market.model import MarketModel
from sim.params import Scenario
from sim.runs.run import with_overrides

# keywords Mesa may add when it rebuilds a model (a mesa Scenario, an rng); not ours
_MESA_KEYS = ("scenario", "rng", "simulator")


def build_params(scenario_file: str | Path | None = None, levers: dict[str, Any] | None = None,
                 seed: Any = None) -> tuple[Scenario, dict[str, Any], list[str], Scenario]:
    """(validated scenario, overrides applied, notes, the file's own scenario) for a file,
    lever values and a seed."""
    path = Path(scenario_file) if scenario_file else controls.DEFAULT_SCENARIO
    base = scenario_io.load(path)
    ov = controls.overrides(base, levers or {})
    params = scenario_io.load(path, ov) if ov else base
    run_seed, problem = controls.parse_seed(seed, params.run.seed)
    params = with_overrides(params, seed=run_seed)
    return params, ov, [problem] if problem else [], base


class History:
    """Per-week state kept for the profile card; entry k is the state after k weeks."""

    def __init__(self, model: MarketModel) -> None:
        self.satisfaction: list[np.ndarray] = []  # (customers so far, suppliers), float32
        self.loyalty: list[np.ndarray] = []
        self.stage: list[np.ndarray] = []         # focal supplier's stage code, int8
        self.abc: list[np.ndarray] = []           # counts of focal A, B, C among active
        self.collect(model)

    def collect(self, model: MarketModel) -> None:
        pop, f = model.pop, model.focal
        n = pop.n
        self.satisfaction.append(pop.satisfaction[:n].astype(np.float32))
        self.loyalty.append(pop.loyalty[:n].astype(np.float32))
        self.stage.append(pop.stage[:n, f].astype(np.int8))
        abc = pop.abc[:n, f][pop.active[:n]]
        self.abc.append(np.bincount(abc, minlength=4)[1:4])

    def customer(self, row: int) -> dict[str, np.ndarray]:
        """Weeks, satisfaction (weeks x suppliers), loyalty and focal stage of one customer."""
        weeks = [k for k, a in enumerate(self.stage) if row < a.shape[0]]
        return {"week": np.array(weeks, dtype=int),
                "satisfaction": np.array([self.satisfaction[k][row] for k in weeks]),
                "loyalty": np.array([self.loyalty[k][row] for k in weeks]),
                "stage": np.array([self.stage[k][row] for k in weeks], dtype=int)}

    def stage_changes(self, row: int) -> list[tuple[int, int]]:
        """(week, new focal stage) at the first week seen and at every change after."""
        h = self.customer(row)
        out: list[tuple[int, int]] = []
        for w, s in zip(h["week"], h["stage"], strict=True):
            if not out or out[-1][1] != s:
                out.append((int(w), int(s)))
        return out


class AppModel(MarketModel):
    """MarketModel from ``scenario_file`` with lever values (see :mod:`sim.app.controls`)."""

    def __init__(self, scenario_file: str | None = None, seed: Any = None,
                 **levers: Any) -> None:
        for k in _MESA_KEYS:
            levers.pop(k, None)
        params, ov, notes, base = build_params(scenario_file, levers, seed)
        super().__init__(params, params.run.seed)
        self.scenario_file = str(scenario_file or controls.DEFAULT_SCENARIO)
        self.run_seed = int(params.run.seed)
        self.overrides = ov
        self.notes = notes
        self.scenario_levers = {c.lever.name: c.value for c in controls.controls(base)}
        self.lock = threading.RLock()
        self.history = History(self)
        self.running = self.week < params.run.weeks

    def step(self) -> None:
        with self.lock:
            if self.week >= self.params.run.weeks:
                self.running = False
                return
            super().step()
            self.history.collect(self)
            if self.week >= self.params.run.weeks:
                self.running = False

    def lever_values(self) -> dict[str, Any]:
        """The value of every lever in this model's scenario (after overrides)."""
        return {c.lever.name: c.value for c in controls.controls(self.params)}
