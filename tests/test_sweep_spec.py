"""Sweep specs: the shipped specs load, bad specs are rejected like any bad input, designs
and seeds are reproducible. No model runs here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.runs import sweepspec
from sim.runs.sweep import run_id, run_seed
from sim.scenario import InputError

ROOT = Path(__file__).resolve().parents[1]
SWEEPS = ROOT / "scenarios" / "sweeps"
BASE = (ROOT / "scenarios" / "baseline.toml").as_posix()


def write_spec(tmp_path: Path, body: str, head: str | None = None) -> Path:
    head = head if head is not None else (
        f'scenario = "{BASE}"\nroot_seed = 7\nsteps = 13\noverrides = {{ "run.customers" = 40 }}\n')
    path = tmp_path / "spec.toml"
    path.write_text(head + body)
    return path


def problems(path: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(InputError) as exc:
        sweepspec.load(path)
    return exc.value.problems


@pytest.mark.parametrize("name,runs", [("smoke", 16), ("kam_team", 80), ("price_cut", 128),
                                       ("switching_cost", 96), ("pool_health_sobol", 1024)])
def test_shipped_specs_load(name, runs):
    spec = sweepspec.load(SWEEPS / f"{name}.toml")
    assert len(sweepspec.design(spec)) * spec.replications == runs


def test_design_is_reproducible_and_within_bounds():
    spec = sweepspec.load(SWEEPS / "pool_health_sobol.toml")
    a, b = sweepspec.design(spec), sweepspec.design(spec)
    assert a.equals(b)
    assert len(a) == spec.samples * (len(spec.factors) + 2)
    for f in spec.factors:
        assert a[f.name].between(*f.bounds).all(), f.name
    assert a["suppliers[Focal].kam_managers"].dtype == np.int64
    assert set(a["suppliers[Focal].kam_managers"]) == set(range(0, 9))


def test_linked_keys_and_factorial_grid(tmp_path):
    spec = sweepspec.load(SWEEPS / "switching_cost.toml")
    sc = spec.factors[0]
    assert sc.name == "switching_cost" and len(sc.keys) == 4
    path = write_spec(tmp_path, '[design]\nmethod = "factorial"\nlevels = 3\n'
                      '[[parameters]]\nkey = "suppliers[Focal].dev_staff"\nbounds = [0, 4]\n'
                      '[[parameters]]\nkey = "choice.mode"\nlevels = ["split", "sample"]\n')
    d = sweepspec.design(sweepspec.load(path))
    assert list(d["suppliers[Focal].dev_staff"].unique()) == [0, 2, 4]
    assert len(d) == 6


def test_run_ids_are_stable_and_seeds_come_from_spawn():
    assert run_id(12, 3) == "p000012-r003"
    root = 20250101
    children = np.random.SeedSequence(root).spawn(3)
    expected = int(children[2].generate_state(1, np.uint64)[0] >> np.uint64(1))
    assert run_seed(root, 5, 2) == expected  # common random numbers across points
    point = np.random.SeedSequence(root).spawn(6)[5].spawn(3)[2]
    assert run_seed(root, 5, 2, common=False) == int(
        point.generate_state(1, np.uint64)[0] >> np.uint64(1))
    seeds = {run_seed(root, p, r, common=False) for p in range(50) for r in range(4)}
    assert len(seeds) == 200


def test_unknown_keys_get_suggestions(tmp_path):
    path = write_spec(tmp_path, 'replicatons = 2\n[design]\nmethod = "latin"\n'
                      '[[parameters]]\nkey = "suppliers[Focal].markup"\nbounds = [0.0, 0.1]\n')
    assert problems(path) == [(str(path), "replicatons",
                               "unknown key; did you mean 'replications'?")]
    path = write_spec(tmp_path, '[design]\nmethod = "latin"\n[[parameters]]\n'
                      'key = "suppliers[Focal].markp"\nbounds = [0.0, 0.1]\n'
                      '[outcomes]\nfinal = ["focal.pool_helth"]\n')
    found = problems(path)
    assert (str(path), "parameters[0].key", "unknown parameter 'suppliers[Focal].markp'; "
            "did you mean 'suppliers[Focal].markup'?") in found
    assert (str(path), "outcomes.final", "unknown outcome 'focal.pool_helth'; did you mean "
            "'focal.pool_health'?") in found


@pytest.mark.parametrize("param,fragment", [
    ('key = "suppliers[Focal].markup"\nbounds = [0.0, 3.0]', "outside the declared range"),
    ('key = "suppliers[Focal].markup"\nbounds = [0.1, 0.0]', "must be below the upper"),
    ('key = "adaptation.w_fill"\nbounds = [0.3, 0.5]', "must add up to 1"),
    ('key = "suppliers[Focal].kam_managers"\nbounds = [0.5, 4]', "whole number"),
    ('key = "choice.mode"\nbounds = [0, 1]', "takes levels, not bounds"),
    ('key = "run.seed"\nbounds = [0, 1]', "set by the sweep"),
    ('key = "suppliers[Focal].markup"', "either 'bounds' or 'levels'"),
])
def test_bad_parameters_are_rejected(tmp_path, param, fragment):
    path = write_spec(tmp_path, f'[design]\nmethod = "latin"\n[[parameters]]\n{param}\n')
    found = problems(path)
    assert any(fragment in msg and key.startswith("parameters[0]") for _, key, msg in found), found


def test_bad_levels_design_and_overrides(tmp_path):
    path = write_spec(tmp_path, '[design]\nmethod = "factorial"\n[[parameters]]\n'
                      'key = "choice.mode"\nlevels = ["split", "smaple"]\n')
    assert "'smaple' is not a valid value" in problems(path)[0][2]
    path = write_spec(tmp_path, '[design]\nmethod = "sobol"\nsamples = 10\n[[parameters]]\n'
                      'key = "suppliers[Focal].markup"\nbounds = [0.0, 0.1]\n')
    assert problems(path) == [(str(path), "design.samples", "must be a power of 2 for Sobol "
                               "sampling (got 10; try 8)")]
    head = f'scenario = "{BASE}"\nroot_seed = 1\n[overrides]\n"run.customrs" = 40\n'
    path = write_spec(tmp_path, '[design]\nmethod = "latin"\n[[parameters]]\n'
                      'key = "suppliers[Focal].markup"\nbounds = [0.0, 0.1]\n', head)
    assert problems(path) == [(str(path), "overrides.run.customrs",
                               "unknown key; did you mean 'customers'?")]


def test_cli_reports_bad_spec_with_exit_2(tmp_path, capsys):
    path = write_spec(tmp_path, '[design]\nmethod = "latin"\n[[parameters]]\n'
                      'key = "suppliers[Focal].markp"\nbounds = [0.0, 0.1]\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{path}: parameters[0].key: unknown parameter 'suppliers[Focal].markp'; "
                   "did you mean 'suppliers[Focal].markup'?"]
    assert not (tmp_path / "out").exists()
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2


def test_compare_and_sweep_share_one_seed_derivation():
    from sim.runs.compare import crn_seeds

    root = 20261127
    assert crn_seeds(root, 4) == [run_seed(root, p, r) for p, r in enumerate(range(4))]
    assert crn_seeds(root, 4) == [run_seed(root, 0, r) for r in range(4)]
    assert run_seed(root, 1, 2, common=False) != run_seed(root, 1, 2)
