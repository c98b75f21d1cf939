"""Limits on input (issue 11): meaningful bounds, memory estimated before a run, a run whose
state turns non-finite stopped naming week and quantity, files read only when regular and
small, strict ``--set`` keys, supplier names, and sweep specs validated whole."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

from sim import scenario, size
from sim.cli import main
from sim.inputfiles import MAX_FILE_BYTES, ReadError, parse_override, read_text
from sim.market.finite import NonFiniteState, check_week
from sim.market.model import MarketModel
from sim.market.population import Population
from sim.runs import run
from sim.scenario import InputError
from sim.schema import iter_params

# ----------------------------------------------------------------------- bounds


def test_every_number_has_finite_bounds_on_both_sides():
    for p in iter_params():
        if p.type in ("int", "float"):
            assert p.lo is not None and p.hi is not None, p.key
            assert math.isfinite(p.lo) and math.isfinite(p.hi), p.key


@pytest.mark.parametrize("key", ["materials.steel.base_cost", "segments.tier2.size_median",
                                 "suppliers[Focal].presence",
                                 "segments.tier2.entry_per_year"])
def test_overflowing_values_are_refused_naming_file_and_key(capsys, baseline_path, key,
                                                             tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(baseline_path), "--set", f"{key}=1e308", "--out", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert err.startswith(f"{baseline_path}: {key}: Input should be less than or equal to")
    assert len(err.splitlines()) == 1


def test_bounds_state_their_reason_in_the_parameter_table():
    info = {p.key: p for p in iter_params()}
    assert "aluminium" in info["materials.steel.base_cost"].limits
    assert info["suppliers[Focal].presence"].limits


# ----------------------------------------------------------------------- size


def test_estimate_follows_the_population_layout(small_params):
    model = MarketModel(small_params, customer_agents=False)
    pop = model.pop
    assert pop.cap == size.capacity_rows(small_params)
    assert pop.array_bytes() == size.row_bytes(model.n_sup) * pop.cap
    known = max(s.awareness for s in small_params.segments.values())
    for _ in range(small_params.run.weeks):
        model.step()
        assert pop.ring.nbytes() <= size.ring_row_bytes(model.n_sup, known) * pop.cap
    assert pop.nbytes() == pop.array_bytes() + pop.ring.nbytes()
    assert Population(3, 3, cap=10).nbytes() == size.row_bytes(3) * 10  # no ring entries yet


def test_estimate_grows_with_customers_entrants_and_weeks(small_loader):
    base = size.estimate(small_loader()).total
    assert size.estimate(small_loader(run__customers=20_000)).total > base
    assert size.estimate(small_loader(**{"segments.tier2.entry_per_year": 5000})).total > base
    assert size.estimate(small_loader(run__weeks=400)).total > base


def test_a_run_too_large_is_refused_with_the_estimate(capsys, monkeypatch, baseline_path,
                                                       tmp_path):
    monkeypatch.setenv("KAMSIM_MAX_MEMORY", "2G")
    out = tmp_path / "out"
    for key, value, steps in (("run.customers", "2000000", "260"),
                              ("segments.tier2.entry_per_year", "1e6", "260")):
        code = main(["run", str(baseline_path), "--set", f"{key}={value}", "--steps", steps,
                     "--out", str(out), "--no-dashboard"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.startswith(f"{baseline_path}: {key}: a run needs about ")
        assert "GiB of memory" in err and "2.0 GiB are available" in err
        assert not out.exists()


def test_steps_obey_the_bound_of_run_weeks(capsys, baseline_path, tmp_path):
    code = main(["run", str(baseline_path), "--steps", "100000", "--out", str(tmp_path / "o")])
    assert code == 2
    assert capsys.readouterr().err.startswith("--steps: run.weeks: Input should be less than")
    with pytest.raises(InputError):
        run.with_overrides(scenario.load(baseline_path), steps=5201)


def test_memory_cap_parsing():
    assert size.parse_bytes("4G") == 4 << 30 and size.parse_bytes("512M") == 512 << 20
    assert size.parse_bytes("1000") == 1000
    with pytest.raises(InputError):
        size.parse_bytes("lots")


# ----------------------------------------------------------------------- non-finite state


def test_non_finite_state_stops_the_run_naming_week_and_quantity(capsys, monkeypatch,
                                                                 small_toml, tmp_path):
    from sim.rules import costs

    real = costs.shock_multipliers

    def overflow(week, shocks, n_mat):
        out = real(week, shocks, n_mat)
        return out * np.array([1.0, 1.0, np.inf]) if week >= 3 else out

    monkeypatch.setattr(costs, "shock_multipliers", overflow)
    out = tmp_path / "out"
    code = main(["run", str(small_toml), "--steps", "6", "--out", str(out), "--no-dashboard"])
    err = capsys.readouterr().err
    assert code == 1
    assert re.fullmatch(r"kamsim: \S+: week 3: cost index of aluminium is inf \(not a finite "
                        r"number\); the scenario's values overflow\n", err), err
    assert not out.exists()


def test_check_week_names_a_supplier_quantity(small_params):
    model = MarketModel(small_params, customer_agents=False)
    check_week(model)  # a fresh market is finite
    model.supply.stock[1, 2] = np.nan
    with pytest.raises(NonFiniteState, match=r"week 0: stock of .+ \(aluminium\) is nan"):
        check_week(model)


def test_check_week_finds_one_value_in_a_large_book(small_params):
    """A book of every relationship is looked at by its sum first: one inf among its values
    is found and named; finite values whose sum overflows are no error."""
    model = MarketModel(small_params, customer_agents=False)
    rev = np.ones((model.pop.n, model.n_sup))
    check_week(model, {"rev": rev})
    rev[3, 1] = np.inf
    name = model.supplier_names[1]
    with pytest.raises(NonFiniteState, match=rf"week 0: rev of {name} is inf"):
        check_week(model, {"rev": rev})
    with np.errstate(over="ignore"):
        check_week(model, {"rev": np.full((model.pop.n, model.n_sup), 1e306)})


def test_summary_json_has_no_nan(small_params):
    model, tables = run.simulate(small_params, steps=3)
    model.pop.rev52[:] = 0.0  # nobody paid: the top-20 % share is undefined
    text = json.dumps(run.summarize(model, tables), allow_nan=False)
    assert '"top20_revenue_share": null' in text


# ----------------------------------------------------------------------- files and --set


def test_only_small_regular_files_are_read(tmp_path):
    for special in ("/dev/zero", "/dev/urandom", "/dev/null"):
        with pytest.raises(ReadError, match="not a regular file"):
            read_text(Path(special))
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(ReadError, match="not a regular file"):
        read_text(fifo)  # no writer: must not block
    with pytest.raises(ReadError, match="directory"):
        read_text(tmp_path)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ReadError, match="too large"):
        read_text(big)


@pytest.mark.parametrize("text, fragment", [
    ("run.weeks=52\nrun.customers=3", "newline"), ("run.weeks=5\x00", "control"),
    ("suppliers[Focal.markup=0.1", "unbalanced"), ("run..weeks=3", "not a dotted key"),
    ("run.weeks=" + "[" * 100_000 + "]" * 100_000, "value longer"),
    ("run.weeks=" + "[" * 2000 + "]" * 2000, "nested too deeply"),
    ("run.weeks=1 2", "not a TOML value"), ("run.weeks=", "no value"),
])
def test_bad_set_arguments(text, fragment):
    with pytest.raises(ReadError, match=fragment):
        parse_override(text)


@pytest.mark.parametrize("key, fragment", [
    ("run.weeks.x", "run.weeks is a value, not a table"),
    ("suppliers.markup", "select one entry by name, like suppliers[Focal].markup"),
    ("suppliers[Focal]", "is a table; set one of its keys"),
    ("suppliers[focal].markup", "did you mean 'Focal'"),
])
def test_set_keys_that_do_not_name_a_value(baseline_path, key, fragment):
    with pytest.raises(InputError) as info:
        scenario.load(baseline_path, overrides={key: 1})
    [(file, k, msg)] = info.value.problems
    assert (file, k) == (str(baseline_path), key) and fragment in msg


# ----------------------------------------------------------------------- names


def write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize("body, key, fragment", [
    ('[[suppliers]]\nname = "focal"\n', "suppliers[focal].name", "did you mean 'Focal'"),
    ('[[suppliers]]\nname = "Rival  a"\n', "suppliers[Rival  a].name", "did you mean 'Rival A'"),
    ('[[suppliers]]\nname = "Rival A"\n[[suppliers]]\nname = "Rival A"\n',
     "suppliers[Rival A].name", "listed twice"),
    ('[[suppliers]]\nname = "Rival A"\n[suppliers.strategies.poaching]\ntarget = "Rival A"\n',
     "suppliers[Rival A].strategies.poaching.target", "cannot poach its own"),
    ('[[suppliers]]\nname = "Rival A"\n[suppliers.strategies.poaching]\ntarget = "focal"\n',
     "suppliers[Rival A].strategies.poaching.target", "did you mean 'Focal'"),
    ('[[suppliers]]\nname = "Rival\\nA"\n', "suppliers[Rival\nA].name", "control characters"),
])
def test_supplier_names(tmp_path, baseline_path, body, key, fragment):
    path = write(tmp_path / "kid.toml", f'extends = "{baseline_path}"\n{body}')
    with pytest.raises(InputError) as info:
        scenario.load(path)
    assert any(f == str(path) and k == key and fragment in m
               for f, k, m in info.value.problems), info.value.problems


def test_misspelt_table_gets_a_suggestion(tmp_path):
    path = write(tmp_path / "alone.toml", "[run]\nweeks = 3\n[segmnts]\n[[suppliers]]\n"
                 'name = "A"\nfocal = true\n')
    with pytest.raises(InputError) as info:
        scenario.load(path)
    assert (str(path), "segmnts", "unknown key; did you mean 'segments'?") in \
        info.value.problems


def test_extends_target_not_toml_names_both_files(tmp_path):
    write(tmp_path / "notes.txt", "just = = notes\n")
    kid = write(tmp_path / "kid.toml", 'extends = "notes.txt"\n')
    with pytest.raises(InputError) as info:
        scenario.load(kid)
    [(file, key, msg)] = info.value.problems
    assert (file, key) == (str(kid), "extends") and "notes.txt" in msg and "TOML" in msg


# ----------------------------------------------------------------------- sweep specs


def test_validate_reports_every_mistake_of_a_spec(capsys, tmp_path, baseline_path):
    spec = write(tmp_path / "bad.toml", f"""
scenario = "{baseline_path}"
replications = "2"
root_seed = 1
[overrides]
"run.customerz" = 200
[design]
method = "sobol"
samples = 10
[[parameters]]
key = "suppliers[Focal].markupp"
bounds = [0.03, 0.11]
[[parameters]]
key = "suppliers[Focal].kam_managers"
bounds = [0, 6, 7]
[outcomes]
final = ["focal.market_shar"]
""")
    assert main(["validate", str(spec)]) == 2
    lines = capsys.readouterr().err.splitlines()
    keys = {line.split(": ")[1] for line in lines}
    assert all(line.startswith(f"{spec}: ") for line in lines)
    assert keys == {"replications", "overrides.run.customerz", "parameters[0].key",
                    "parameters[1].bounds", "design.samples", "outcomes.final"}, lines


def test_validate_accepts_shipped_specs_and_scenarios(capsys, repo_root):
    files = sorted((repo_root / "scenarios" / "sweeps").glob("*.toml"))
    assert main(["validate", str(repo_root / "scenarios" / "baseline.toml"),
                 *map(str, files)]) == 0
    assert capsys.readouterr().out.count(": ok") == len(files) + 1
