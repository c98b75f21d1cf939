"""The bad-input corpus (``corpus.py``): every generated mutation of every shipped scenario and
sweep spec, run in-process through ``sim.cli.main``, must be clean: exit 2 (or 0 where the
mutation is still valid), one ``FILE: key: message`` line per problem naming the file and key,
no traceback, nothing written. A handful go through the installed ``kamsim`` script too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.badinput import corpus, runner

CASES = corpus.all_cases()
GROUPS = sorted({c.name.split(":")[0] if c.kind not in ("set", "steps") else "--set"
                 for c in CASES})


@pytest.fixture(autouse=True)
def _small_memory_cap(monkeypatch):
    # A fixed cap, so that 'run.customers = 2000000' is refused on any machine.
    monkeypatch.setenv("KAMSIM_MAX_MEMORY", "4G")


def _group(case: corpus.Case) -> str:
    return "--set" if case.kind in ("set", "steps") else case.name.split(":")[0]


@pytest.mark.parametrize("group", GROUPS)
def test_corpus_is_clean(group, tmp_path):
    cases = [c for c in CASES if _group(c) == group]
    assert cases
    not_clean = []
    for case in cases:  # one tree, each case writing the files it reads over it
        not_clean += [f"{case.name}: {w}" for w in runner.check(case, tmp_path)]
    assert not not_clean, f"{len(not_clean)} of {len(cases)} not clean:\n" + "\n".join(
        not_clean[:40])


def test_corpus_covers_every_shipped_file_and_kind():
    targets = {c.target for c in CASES}
    assert set(corpus.SHIPPED) | set(corpus.SPECS) <= targets
    kinds = {c.kind for c in CASES}
    assert {"wrong_type", "nan", "inf", "huge", "negative", "missing", "misspelt", "unknown",
            "truncated", "non_utf8", "nul", "near_name", "duplicate_name", "cycle",
            "missing_parent", "special", "not_toml", "too_large", "deep", "set",
            "misspelt_table", "missing_table", "self_poach"} <= kinds
    assert len(CASES) > 2000


def test_the_judge_catches_a_bad_outcome(tmp_path):
    """The checker itself: a wrong exit, a traceback, a line without the file are reported."""
    case = corpus.Case("x", "nan", "scenarios/baseline.toml", "error", "run.weeks")
    path = str(tmp_path / case.target)
    assert runner.judge(case, tmp_path, 2, "", f"{path}: run.weeks: bad\n") == []
    assert runner.judge(case, tmp_path, 0, "", "")            # exit 0 where 2 was due
    assert runner.judge(case, tmp_path, 2, "", "Traceback (most recent call last):\n")
    assert runner.judge(case, tmp_path, 2, "", "run.weeks: bad\n")   # no file named
    assert runner.judge(case, tmp_path, 2, "", f"{path}: run.seed: bad\n")  # wrong key


SUBPROCESS = ["scenarios/baseline.toml:segments.tier2.size_median:huge",
              "scenarios/reservoir.toml:extends /dev/zero",
              "scenarios/funnel.toml:extends fifo.toml",
              "scenarios/sweeps/smoke.toml:replications:wrong_type",
              "--set 'run.weeks.x=1'"]


@pytest.mark.parametrize("name", SUBPROCESS)
def test_through_the_installed_script(name, tmp_path):
    """The same cases through a real process: exit code and stderr as in-process, no hang."""
    case = next(c for c in CASES if c.name == name)
    target = runner.write_case(case, tmp_path)
    kamsim = Path(sys.executable).with_name("kamsim")
    if case.command == "run":
        argv = ["run", str(target), "--out", str(tmp_path / "out"), *case.args]
    else:
        argv = ["validate", str(target)]
    proc = subprocess.run([str(kamsim), *argv], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "KAMSIM_MAX_MEMORY": "4G"})
    assert proc.returncode == 2, proc.stderr
    assert runner.judge(case, tmp_path, proc.returncode, proc.stdout, proc.stderr) == []
    assert not (tmp_path / "out").exists()
