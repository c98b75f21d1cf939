"""Running one case of the bad-input corpus (``corpus.py``) in-process and judging it.

:func:`check` writes a case's files, runs it through ``sim.cli.main`` and returns what was
wrong with the outcome (empty when clean): the exit code, a traceback, a line not of the form
``FILE: key: message``, the expected file and key not named, or something written. A refused
input is also given to ``kamsim run`` (or ``sweep``) with ``--out``, which must refuse it as
cleanly and write nothing: every structural case, and one in four of the per-key mutations
(they reach the same loader).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import tomllib
import zlib
from pathlib import Path

from tests.badinput.corpus import SPECS, Case, shipped_files

ARG_ERROR = re.compile(r"^kamsim: argument --[\w-]+: \S.*$")



@functools.cache
def _reads(target: str) -> tuple[str, ...]:
    """``target`` and the shipped files it reads (its ``extends`` chain, a spec's scenario)."""
    if target not in shipped_files():
        return ("scenarios/baseline.toml",)
    raw = tomllib.loads(shipped_files()[target].decode())
    ref = raw.get("extends") or raw.get("scenario")
    if not isinstance(ref, str):
        return (target,)
    parent = (Path(target).parent / ref).as_posix()
    parent = os.path.normpath(parent)
    return (target, *_reads(parent))


def write_case(case: Case, root: Path) -> Path:
    """Write the case's files (over the shipped ones it reads: its own file and baseline)."""
    needed = {*_reads(case.target), "scenarios/reservoir.toml", "scenarios/funnel.toml"}
    shipped = {k: v for k, v in shipped_files().items() if k in needed}
    for rel, content in {**shipped, **case.files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (root / "scenarios" / "sweeps").mkdir(parents=True, exist_ok=True)  # a directory to extend
    fifo = root / "scenarios" / "fifo.toml"
    if case.special == "fifo" and not fifo.exists():
        os.mkfifo(fifo)
    return root / case.target


def call(argv: list[str]) -> tuple[int, str, str]:
    """``sim.cli.main(argv)`` in this process: (exit code, stdout, stderr)."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def check(case: Case, root: Path) -> list[str]:
    """Run ``case`` under ``root``; return what was not clean (nothing when clean)."""
    target = write_case(case, root)
    out_dir = root / "out"
    if case.command == "run":
        argv = ["run", str(target), "--out", str(out_dir), "--no-dashboard", "--steps", "2",
                *case.args]  # (a size case gives its own --steps, which wins)
    elif case.command == "compare":  # file arguments are relative to the case's tree
        extra = [str(root / a) if a.startswith("scenarios") else a for a in case.args]
        argv = ["compare", str(target), *extra, "--out", str(out_dir), "--reps", "1",
                "--steps", "2"]
    else:
        argv = ["validate", str(target)]
    code, stdout, stderr = call(argv)
    wrong = judge(case, root, code, stdout, stderr)
    if code == 2 and case.command == "validate" and _also_run(case):
        # the same input to run/sweep: refused the same way, nothing written
        command = "sweep" if case.target in SPECS else "run"
        extra = ["--no-dashboard"] if command == "run" else []
        code2, stdout2, stderr2 = call([command, str(target), "--out", str(out_dir), *extra])
        again = Case(case.name, case.kind, case.target, "error", blamed=case.blamed)
        wrong += [f"{command}: {w}" for w in judge(again, root, code2, stdout2, stderr2)]
    if out_dir.exists() or any(p.name.startswith(".out") for p in root.iterdir()):
        wrong.append("something was written")
    return wrong


PER_KEY = {"wrong_type", "nan", "inf", "huge", "negative", "missing", "misspelt", "unknown",
           "nan[0]", "inf[0]", "huge[0]"}


def _also_run(case: Case) -> bool:
    """Every structural case also goes through run/sweep; of the per-key mutations (which
    reach the same loader), one in four, chosen by a stable hash of the name."""
    return case.kind not in PER_KEY or zlib.crc32(case.name.encode()) % 4 == 0


def judge(case: Case, root: Path, code: int, stdout: str, stderr: str) -> list[str]:
    wrong = []
    allowed = {"error": {2}, "ok": {0}, "either": {0, 2}}[case.expect]
    if code not in allowed:
        wrong.append(f"exit {code}, expected {case.expect}: {stderr[:300]!r}")
    if "Traceback" in stderr or "internal error" in stderr:
        wrong.append(f"traceback or internal error: {stderr[:300]!r}")
    if code == 0:
        return wrong + ([f"stderr on success: {stderr[:200]!r}"] if stderr.strip() else [])
    lines = stderr.split("\n")
    if lines[-1] != "" or any(not line for line in lines[:-1]):
        wrong.append(f"not one line per problem: {stderr[:300]!r}")
    files = {str(p) for p in root.rglob("*")} | {str(root / case.target), "--steps", "--seed"}
    blamed = str(root / case.blamed) if case.blamed and "/" in case.blamed else case.blamed
    for line in filter(None, lines):
        if ARG_ERROR.match(line):
            continue
        file = next((f for f in sorted(files, key=len, reverse=True)
                     if line.startswith(f + ": ")), None)
        if file is None:
            wrong.append(f"line names no input file: {line[:200]!r}")
    if case.key is not None and code == 2:
        want_file = blamed or str(root / case.target)
        prefix = f"{want_file}: {case.key}"
        if not any((line.startswith(prefix) and line[len(prefix):][:2] in (": ", "[", "[0"))
                   or (ARG_ERROR.match(line) and case.key in line) for line in lines):
            wrong.append(f"no line starts with {prefix[len(str(root)):]!r}: {stderr[:300]!r}")
    return wrong
