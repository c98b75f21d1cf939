"""kamsim calibrate: plan validation, parameter recovery, determinism and its outputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim import scenario
from sim.book import calibrate
from sim.cli import main
from sim.scenario import InputError

from .conftest import REPO

KEY = "segments.tier2.closure_per_year"
TRUTH = 0.15


def _scenario(tmp_path, free: str, extra: str = "", budget: int = 16, reps: int = 2):
    f = tmp_path / "small.toml"
    f.write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\nname = "small"\n'
                 f"[run]\ncustomers = 200\n"
                 f"[calibration]\nbudget = {budget}\nreplications = {reps}\nweeks = 104\n"
                 f"free = [{free}]\n{extra}")
    return f


FREE = f'{{ key = "{KEY}", low = 0.02, high = 0.3 }}'


@pytest.fixture(scope="module")
def observed(tmp_path_factory):
    """The model's own figures at a known closure rate: four runs on other seeds."""
    path = _scenario(tmp_path_factory.mktemp("obs"), FREE)
    base = scenario.load(path).model_dump(mode="json")
    runs = pd.DataFrame([calibrate.simulate_figures(base, {KEY: TRUTH}, 9000 + i, 104)
                         for i in range(4)])
    se = runs.std(ddof=1).to_numpy()
    value = runs.mean().to_numpy()
    return pd.DataFrame({"figure": runs.columns, "value": value, "se": se,
                         "low": value - 1.645 * se, "high": value + 1.645 * se,
                         "source": "model"})


def test_recovers_a_known_parameter_within_its_interval(tmp_path, observed):
    out = tmp_path / "out"
    path = _scenario(tmp_path, FREE, budget=20, reps=1)
    plan = calibrate.make_plan(path, observed=observed, out=out, seed=5)
    assert plan.held_out == "top20_share" and "top20_share" not in plan.fit
    result = calibrate.run(plan)
    p = result.parameters[KEY]
    assert p["interval"][0] <= TRUTH <= p["interval"][1]
    assert 0 < p["contraction"] < 1 and 0 <= p["contraction_by_chance"] < 1
    assert result.timing["runs"] <= plan.budget
    report = json.loads((out / "calibration.json").read_text(),
                        parse_constant=lambda c: pytest.fail(f"{c} in calibration.json"))
    assert report["held_out"]["figure"] == "top20_share"
    assert math.isfinite(report["held_out"]["model"])
    assert {r["figure"] for r in report["fit"]} == {*plan.fit, "top20_share"}
    calibrated = scenario.load(out / "calibrated.toml")
    assert calibrated.segments["tier2"].closure_per_year == pytest.approx(p["best"])
    assert calibrated.run.customers == 200  # extends the original
    posterior = pd.read_csv(out / "posterior.csv")
    assert len(posterior) >= 3 and posterior[KEY].between(0.02, 0.3).all()
    trials = pd.read_csv(out / "trials.csv")
    assert set(trials["wave"]) == {"latin", "tpe"}
    assert np.isfinite(trials["distance"]).all()


def test_same_seed_same_calibration_whatever_the_workers_or_backend(tmp_path, observed):
    path = _scenario(tmp_path, FREE, budget=10)
    one = calibrate.run(calibrate.make_plan(path, observed=observed, out=tmp_path / "a"))
    two = calibrate.run(calibrate.make_plan(path, observed=observed, out=tmp_path / "b"),
                        workers=2)
    pd.testing.assert_frame_equal(one.trials, two.trials)
    dask = calibrate.run(calibrate.make_plan(path, observed=observed, out=tmp_path / "c"),
                         workers=2, dask="local")
    pd.testing.assert_frame_equal(one.trials, dask.trials)


@pytest.mark.parametrize("free, extra, key, message", [
    ('{ key = "segments.tier2.closure_per_yr", low = 0, high = 0.3 }', "",
     "calibration.free[0].key", "did you mean 'segments.tier2.closure_per_year'"),
    ('{ key = "segments.tier2.closure_per_year", low = 0, high = 2.0 }', "",
     "calibration.free[0].low/high", "outside the declared range"),
    ('{ key = "segments.tier2.closure_per_year", low = 0.3, high = 0.1 }', "",
     "calibration.free[0].low/high", "must be below"),
    ('{ key = "segments.tier2.awareness", low = 1, high = 3 }', "",
     "calibration.free[0].key", "not a real number"),
    ("", "", "calibration.free", "no free parameters"),
    (FREE, 'held_out = "profit"', "calibration.held_out", "not a target"),
])
def test_bad_calibration_blocks(tmp_path, observed, free, extra, key, message):
    with pytest.raises(InputError) as exc:
        calibrate.make_plan(_scenario(tmp_path, free, extra), observed=observed)
    assert any(p[1] == key and message in p[2] for p in exc.value.problems), \
        exc.value.problems


def test_cli_calibrate_without_a_book_is_bad_input(tmp_path, capsys):
    assert main(["calibrate", str(_scenario(tmp_path, FREE))]) == 2
    assert "book.path: no book" in capsys.readouterr().err
