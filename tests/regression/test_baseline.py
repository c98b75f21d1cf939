"""Regression against the saved baseline (``tests/regression/baseline.json``).

Any change to what the model computes moves some figure and fails here, naming it; an
intended change regenerates the file (``make regression-baseline``) in the same commit.
"""

from __future__ import annotations

import json

from . import BASELINE_FILE, CASES, SEEDS, SMALL, compute, moved


def test_saved_baseline_describes_these_cases():
    saved = json.loads(BASELINE_FILE.read_text())
    assert saved["cases"] == CASES and saved["overrides"] == SMALL
    assert saved["seeds"] == list(SEEDS)


def test_figures_match_the_saved_baseline():
    saved = json.loads(BASELINE_FILE.read_text())["figures"]
    lines = moved(saved, compute())
    assert not lines, (f"{len(lines)} figures moved from tests/regression/baseline.json "
                       "(if intended: make regression-baseline):\n" + "\n".join(lines[:40]))


def test_moved_names_what_changed():
    saved = {"a/x": 1.0, "a/y": None, "a/z": 2.0}
    assert moved(saved, dict(saved)) == []
    assert moved(saved, {**saved, "a/x": 1.0 + 1e-12}) == []
    assert moved(saved, {**saved, "a/x": 1.001}) == ["a/x: saved 1.0, now 1.001"]
    assert moved(saved, {"a/x": 1.0, "a/y": None}) == ["a/z: saved 2.0, now absent"]
