"""Scenario files: extends chains and merging, dotted-key overrides, and every kind of bad
input mapped to an InputError whose problems name the file and the dotted key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim import scenario
from sim.params import Scenario
from sim.scenario import InputError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def child(tmp_path: Path, baseline: Path, body: str, name: str = "child.toml") -> Path:
    """A scenario file extending the baseline (absolute path) with ``body``."""
    return write(tmp_path / name, f'extends = "{baseline.as_posix()}"\n{body}')


def problems_of(path: Path, **kw) -> list[tuple[str, str, str]]:
    with pytest.raises(InputError) as info:
        scenario.load(path, **kw)
    problems = info.value.problems
    assert problems, "an InputError must carry at least one problem"
    # The message is the problems, one FILE: key: message line each.
    assert str(info.value).count("\n") == len(problems) - 1
    return problems


# ----------------------------------------------------------------------- loading, merging


def test_baseline_loads(baseline_path):
    s = scenario.load(baseline_path)
    assert isinstance(s, Scenario)
    assert s.name == "baseline"
    assert sum(sp.focal for sp in s.suppliers) == 1
    # Values in the file override the declared defaults.
    assert s.choice.beta_loyalty == 4.0
    assert s.run.customers == 1000


def test_extends_merges_supplier_by_name_and_keeps_the_others(tmp_path, baseline_path):
    base = scenario.load(baseline_path)
    path = child(tmp_path, baseline_path, f"""
[[suppliers]]
name = "{base.suppliers[1].name}"
markup = 0.2
""")
    s = scenario.load(path)
    assert [sp.name for sp in s.suppliers] == [sp.name for sp in base.suppliers]
    assert s.suppliers[1].markup == 0.2
    # Only the markup changed: the overridden supplier keeps its other keys ...
    assert s.suppliers[1].capacity == base.suppliers[1].capacity
    assert s.suppliers[1].service_level == base.suppliers[1].service_level
    # ... and every other supplier is untouched.
    for got, was in zip(s.suppliers[2:] + s.suppliers[:1], base.suppliers[2:] + base.suppliers[:1],
                        strict=True):
        assert got == was
    # Tables merge key by key: the rest of the baseline is still there.
    assert s.segments == base.segments and s.run == base.run


def test_extends_chain_new_supplier_and_arrays_replaced(tmp_path, baseline_path):
    parent = child(tmp_path, baseline_path, """
name = "parent"
[run]
weeks = 33
[[shocks]]
material = "steel"
[[shocks]]
material = "aluminium"
""", name="parent.toml")
    assert len(scenario.load(parent).shocks) == 2
    kid = write(tmp_path / "kid.toml", """extends = "parent.toml"
[run]
customers = 77
[[suppliers]]
name = "Newco"
markup = 0.11
[[shocks]]
material = "hdg_ahss"
""")
    s = scenario.load(kid)
    assert s.run.weeks == 33 and s.run.customers == 77     # both levels of the chain
    assert s.suppliers[-1].name == "Newco" and s.suppliers[-1].markup == 0.11
    assert len(s.suppliers) == len(scenario.load(baseline_path).suppliers) + 1
    assert [sh.material for sh in s.shocks] == ["hdg_ahss"]  # arrays are replaced whole


def test_overrides_by_dotted_key(baseline_path):
    base = scenario.load(baseline_path)
    focal = base.suppliers[base.focal_index].name
    s = scenario.load(baseline_path, overrides={
        f"suppliers[{focal}].markup": 0.123, "run.weeks": 17, "choice.mode": "sample",
        "segments.tier2.size_median": 2.5, "suppliers[2].service_level": 0.5,
        "materials.steel.base_cost": 5000.0})
    assert s.suppliers[base.focal_index].markup == 0.123
    assert s.run.weeks == 17 and s.choice.mode == "sample"
    assert s.segments["tier2"].size_median == 2.5
    assert s.suppliers[2].service_level == 0.5
    assert s.materials["steel"].base_cost == 5000.0
    # Nothing else moved.
    assert s.suppliers[1] == base.suppliers[1] and s.segments["tier1"] == base.segments["tier1"]


def test_overrides_apply_after_the_file(tmp_path, baseline_path):
    path = child(tmp_path, baseline_path, "[run]\nweeks = 40\n")
    assert scenario.load(path).run.weeks == 40
    assert scenario.load(path, overrides={"run.weeks": 8}).run.weeks == 8


@pytest.mark.parametrize(("key", "value", "expect_key", "expect"), [
    ("suppliers[Nobody].markup", 0.1, "suppliers[Nobody].markup", "no supplier named 'Nobody'"),
    ("run.wekks", 3, "run.wekks", "did you mean 'weeks'"),
    ("run.weeks", -1, "run.weeks", "greater than or equal to 1"),
    ("choice.min_share", float("nan"), "choice.min_share", "finite"),
])
def test_bad_overrides_name_the_key(baseline_path, key, value, expect_key, expect):
    problems = problems_of(baseline_path, overrides={key: value})
    assert any(f == str(baseline_path) and k == expect_key and expect in m
               for f, k, m in problems), problems


# ----------------------------------------------------------------------- bad input


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    [(file, key, msg)] = problems_of(path)
    assert file == str(path) and "not found" in msg


def test_directory_is_not_a_scenario(tmp_path):
    [(file, _, msg)] = problems_of(tmp_path)
    assert file == str(tmp_path) and "directory" in msg


@pytest.mark.parametrize("text", ["this is = = not toml\n", "[run\nweeks = 3\n",
                                  'name = "unterminated\n', "\x00\x01binary"])
def test_not_toml(tmp_path, text):
    path = write(tmp_path / "bad.toml", text)
    [(file, key, msg)] = problems_of(path)
    assert file == str(path) and key == ""
    assert "TOML" in msg or "UTF-8" in msg


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Zürich"\n'.encode("latin-1"))
    [(file, _, msg)] = problems_of(path)
    assert file == str(path) and "UTF-8" in msg


def test_truncated_mid_line(tmp_path, baseline_path):
    text = baseline_path.read_text(encoding="utf-8")
    # The first key/value line after the middle of the file, cut inside its key.
    start = text.index("\n", len(text) // 2) + 1
    line = next(m for m in re.finditer(r"^([a-z_]{4,}) = .*$", text[start:], re.M))
    cut = start + line.start() + len(line.group(1)) // 2
    path = write(tmp_path / "cut.toml", text[:cut])
    [(file, key, msg)] = problems_of(path)
    assert file == str(path) and key == "" and "TOML" in msg


def test_truncated_at_a_line_boundary(tmp_path, baseline_path):
    text = baseline_path.read_text(encoding="utf-8")
    cut = text.index("\n", len(text) // 2) + 1        # whole lines only: still valid TOML
    assert cut < text.index("[[suppliers]]")
    path = write(tmp_path / "cut.toml", text[:cut])
    problems = problems_of(path)
    assert (str(path), "suppliers", problems[0][2]) in problems
    assert all(f == str(path) for f, _, _ in problems)
    assert "truncated" in problems[0][2]


def test_every_truncation_is_an_input_error_or_a_valid_scenario(tmp_path, baseline_path):
    # Cut the baseline at many points: each cut file either loads (the cut fell after every
    # required table) or gives an InputError naming the file; nothing else ever escapes.
    text = baseline_path.read_text(encoding="utf-8")
    path = tmp_path / "cut.toml"
    errors = 0
    for cut in range(0, len(text), 37):
        write(path, text[:cut])
        try:
            scenario.load(path)
        except InputError as exc:
            errors += 1
            assert all(f == str(path) for f, _, _ in exc.problems)
    assert errors > len(text) // 37 // 2


@pytest.mark.parametrize(("body", "key", "fragment"), [
    # wrong types
    ('[run]\nweeks = "ten"\n', "run.weeks", "integer"),
    ("[run]\nweeks = 10.5\n", "run.weeks", "integer"),
    ('[[suppliers]]\nname = "FOCAL"\ncapacity = "lots"\n', "suppliers[FOCAL].capacity",
     "dictionary"),
    ('[choice]\nmode = "always"\n', "choice.mode", "'split' or 'sample'"),
    ("[ev]\nshare_start = [0.5]\n", "ev.share_start", "number"),
    # negative quantities
    ('[[suppliers]]\nname = "FOCAL"\ncapacity = { steel = -5.0 }\n',
     "suppliers[FOCAL].capacity.steel", "greater than or equal to 0"),
    ("[run]\ncustomers = -3\n", "run.customers", "greater than or equal to 1"),
    ("[materials.steel]\nbase_cost = -4200.0\n", "materials.steel.base_cost",
     "greater than or equal to 1"),
    ("[segments.tier1]\nsize_median = -1.0\n", "segments.tier1.size_median", "greater than 0"),
    # NaN and infinity
    ('[[suppliers]]\nname = "RIVAL"\nmarkup = nan\n', "suppliers[RIVAL].markup", "finite"),
    ("[materials.steel]\nbase_cost = inf\n", "materials.steel.base_cost", "finite"),
    ("[segments.tier2]\nsize_median = -inf\n", "segments.tier2.size_median", "finite"),
    ('[[suppliers]]\nname = "FOCAL"\ncapacity = { aluminium = nan }\n',
     "suppliers[FOCAL].capacity.aluminium", "finite"),
    # a material mix that does not add up to 1
    ("[ev]\nmix_ice = { steel = 0.5, hdg_ahss = 0.2, aluminium = 0.2 }\n", "ev.mix_ice",
     "add up to 1"),
    # adaptation weights that do not add up to 1
    ("[adaptation]\nw_fill = 0.9\n", "adaptation", "add up to 1"),
    # unknown keys, with the nearest valid key suggested
    ("[run]\nweks = 10\n", "run.weks", "did you mean 'weeks'?"),
    ('[[suppliers]]\nname = "FOCAL"\nmarkp = 0.1\n', "suppliers[FOCAL].markp",
     "did you mean 'markup'?"),
    ("[choise]\nmode = 'split'\n", "choise", "did you mean 'choice'?"),
    ("[segments.tier3]\nshare = 0.1\n", "segments.tier3", "did you mean 'tier2'?"),
    ("[lifecycle]\nkey_volume = 100.0\n", "lifecycle.key_volume", "did you mean 'key_volume_t'?"),
])
def test_bad_values_name_file_and_key(tmp_path, baseline_path, body, key, fragment):
    base = scenario.load(baseline_path)
    names = {"FOCAL": base.suppliers[base.focal_index].name, "RIVAL": base.suppliers[1].name}
    for token, name in names.items():
        body, key = body.replace(token, name), key.replace(token, name)
    path = child(tmp_path, baseline_path, body)
    problems = problems_of(path)
    assert any(f == str(path) and k == key and fragment in m for f, k, m in problems), problems


def test_segment_shares_not_adding_to_one_name_the_key(tmp_path, baseline_path):
    path = child(tmp_path, baseline_path, "[segments.tier2]\nshare = 0.5\n")
    problems = problems_of(path)
    assert any(f == str(path) and "add up to 1" in m for f, _, m in problems), problems
    assert all(k.startswith("segments") for _, k, _ in problems), problems


def test_segment_shares_not_adding_to_one_is_an_input_error(tmp_path, baseline_path):
    path = child(tmp_path, baseline_path, "[segments.tier2]\nshare = 0.5\n")
    problems = problems_of(path)
    # 0.02 + 0.03 + 0.02 + 0.23 + 0.5 = 0.8 with the baseline's other shares.
    assert any(f == str(path) and "add up to 1" in m for f, _, m in problems), problems


def test_several_problems_are_all_reported(tmp_path, baseline_path):
    path = child(tmp_path, baseline_path,
                 '[run]\nweeks = "ten"\ncustomers = 0\n[choice]\nbeta_loyaltyy = 2\n')
    keys = {k for _, k, _ in problems_of(path)}
    assert {"run.weeks", "run.customers", "choice.beta_loyaltyy"} <= keys


def test_error_in_parent_blames_the_parent_file(tmp_path, baseline_path):
    parent = child(tmp_path, baseline_path,
                   '[[suppliers]]\nname = "Rival A"\nmarkup = 7.0\n', name="parent.toml")
    kid = write(tmp_path / "kid.toml", 'extends = "parent.toml"\n[run]\nweeks = 10\n')
    [(file, key, msg)] = problems_of(kid)
    assert Path(file).resolve() == parent.resolve()
    assert key == "suppliers[Rival A].markup" and "less than or equal to 2" in msg


def test_extends_cycle(tmp_path):
    a = write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    problems = problems_of(a)
    assert any(k == "extends" and "cycle" in m for _, k, m in problems), problems
    assert all(Path(f).name in ("a.toml", "b.toml") for f, _, _ in problems)


def test_extends_itself(tmp_path):
    a = write(tmp_path / "self.toml", 'extends = "self.toml"\n')
    [(file, key, msg)] = problems_of(a)
    assert Path(file).name == "self.toml" and key == "extends" and "cycle" in msg


def test_missing_parent(tmp_path):
    kid = write(tmp_path / "orphan.toml", 'extends = "nothere.toml"\n')
    [(file, key, msg)] = problems_of(kid)
    assert file == str(kid) and key == "extends"
    assert "nothere.toml" in msg and "not found" in msg


def test_extends_must_be_a_string(tmp_path):
    kid = write(tmp_path / "k.toml", "extends = 3\n")
    [(file, key, _)] = problems_of(kid)
    assert file == str(kid) and key == "extends"


def test_missing_required_tables_without_extends(tmp_path):
    path = write(tmp_path / "lonely.toml", "[run]\nweeks = 5\n")
    keys = {k for f, k, _ in problems_of(path) if f == str(path)}
    assert {"segments", "suppliers"} <= keys


def test_format_problem():
    assert scenario.format_problem("a.toml", "run.weeks", "bad\n  value") == \
        "a.toml: run.weeks: bad value"
    assert scenario.format_problem("a.toml", "", "not TOML") == "a.toml: not TOML"


def test_unnamed_child_is_named_after_its_file(tmp_path, baseline_path):
    path = child(tmp_path, baseline_path, "[run]\nweeks = 10\n", name="my_variant.toml")
    assert scenario.load(path).name == "my_variant"
