"""Behavioural constants are parameters: each one declared in sim/params/ changes the run.

A parameter the model never reads would leave every table unchanged; each case below moves one
declared constant away from its default and expects the recorded tables to change. The
defaults themselves reproduce the regression baseline bit for bit (tests/regression).
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim import scenario

CASES = [
    ("adaptation.delivery_smoothing", 0.0, {}),  # the record stays at the reputation
    ("adaptation.ps_tenure_weeks", 20.0, {}),
    ("adaptation.settle_iterations", 2, {}),
    ("adaptation.initial_loyalty_shape", 5.0, {}),
    ("adaptation.initial_satisfaction", 0.2, {}),
    ("tender.min_coverage", 1.0, {}),
    ("lifecycle.initial_tenure_weeks", 10.0, {}),
    ("lifecycle.max_initial_tenure_weeks", 12, {}),
    ("segments.tier2.novelty_sd", 0.0, {}),
    ("segments.tier2.credit_default_sd", 2.0, {}),
    # every customer is a recent entrant in the first year, and in a small market the focal
    # supplier knows everyone by then: a larger market, past its first year
    ("suppliers[Focal].strategies.development.recent_entry_weight", 50.0,
     {"run.weeks": 60, "run.customers": 600}),
]
SMALL = {"run.customers": 200, "run.weeks": 40}
_DEFAULTS: dict[str, dict[str, pd.DataFrame]] = {}


def _tables(repo_root, **overrides) -> dict[str, pd.DataFrame]:
    from sim.runs.run import simulate

    params = scenario.load(repo_root / "scenarios" / "reservoir.toml",
                           overrides={**SMALL, **overrides})
    return simulate(params, seed=3)[1]


@pytest.mark.parametrize(("key", "value", "run"), CASES, ids=[c[0] for c in CASES])
def test_declared_constant_changes_the_run(repo_root, key, value, run):
    tag = repr(sorted(run.items()))
    if tag not in _DEFAULTS:
        _DEFAULTS[tag] = _tables(repo_root, **run)
    default = _DEFAULTS[tag]
    moved = _tables(repo_root, **run, **{key: value})
    same = all(moved[name].equals(default[name])
               for name in ("suppliers", "customers", "transitions"))
    assert not same, f"{key} = {value} changed nothing"


def test_constants_are_declared_with_unit_bounds_and_source():
    from sim.schema import iter_params

    declared = {p.key: p for p in iter_params()}
    for key, value, _ in CASES:
        info = declared[key]
        assert info.unit and info.source and info.lo is not None and info.hi is not None, key
        assert info.lo <= value <= info.hi, key
