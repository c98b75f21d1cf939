"""A generated corpus of bad input: mutations of every shipped scenario and sweep spec.

Each :class:`Case` is a small tree of files (a copy of ``scenarios/`` with one file mutated),
the command line to try, and what must happen: ``error`` (exit 2), ``ok`` (exit 0) or
``either``, with the file and dotted key a problem line must name (``runner.py`` runs and
judges a case).

Mutations: for every key of every file, a wrong type, NaN, infinity, a huge value (numbers
only), a negative number, the key removed, the key misspelt, an unknown key in every table;
for every file, truncations at several byte offsets, non-UTF-8 bytes, a NUL byte, required
tables missing or misspelt, duplicate and case-near supplier names, ``extends`` cycles, missing
parents, special files (devices, a FIFO, a directory, a non-TOML file, a file over 1 MiB),
deep nesting; and the ``--set`` cases of issue 11.
"""

from __future__ import annotations

import functools
import json
import math
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.scenario import load

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
SHIPPED = sorted(p.relative_to(REPO).as_posix() for p in SCENARIOS.glob("*.toml"))
SPECS = sorted(p.relative_to(REPO).as_posix() for p in (SCENARIOS / "sweeps").glob("*.toml"))
# Huge values that are still valid: a seed may be any 64-bit integer.
HUGE_OK = {"run.seed", "root_seed"}


@dataclass
class Case:
    """One bad input: files to write (relative path -> bytes), the command and expectations."""

    name: str
    kind: str
    target: str                               # the file given on the command line
    expect: str                               # "error", "ok" or "either"
    key: str | None = None                    # a problem line must name this key (None: any)
    blamed: str | None = None                 # ... in this file (default: the target)
    files: dict[str, bytes] = field(default_factory=dict)
    args: tuple[str, ...] = ()                # extra arguments (--set ...)
    command: str = "validate"
    special: str | None = None                # "fifo": make target's parent FIFO


# ------------------------------------------------------------------ TOML writing


def dumps(data: dict[str, Any]) -> str:
    """TOML for ``data`` as top-level keys with inline values (enough for these mutations)."""
    return "".join(f"{_key(k)} = {_value(v)}\n" for k, v in data.items())


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"


# ------------------------------------------------------------------ leaves and keys


def leaves(data: Any, loc: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(location, value) of every scalar and every list of scalars."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaves(v, (*loc, k))
    elif isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        for i, v in enumerate(data):
            yield from leaves(v, (*loc, i))
    else:
        yield loc, data


def tables(data: Any, loc: tuple = ()) -> Iterator[tuple]:
    """Location of every table."""
    if isinstance(data, dict):
        yield loc
        for k, v in data.items():
            yield from tables(v, (*loc, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            if isinstance(v, dict):
                yield from tables(v, (*loc, i))


def dotted(loc: tuple, data: dict, spec: bool) -> str:
    """The key as problem lines name it: suppliers by ``[name]``, other lists by ``[i]``."""
    text, node = "", data
    for part in loc:
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            named = not spec and isinstance(entry, dict) and isinstance(entry.get("name"), str)
            text += f"[{entry['name']}]" if named else f"[{part}]"
            node = entry
        else:
            text += ("." if text else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _set(data: Any, loc: tuple, value: Any) -> None:
    for part in loc[:-1]:
        data = data[part]
    data[loc[-1]] = value


def _delete(data: Any, loc: tuple) -> None:
    for part in loc[:-1]:
        data = data[part]
    del data[loc[-1]]


def _rename(data: Any, loc: tuple, new: str) -> None:
    for part in loc[:-1]:
        data = data[part]
    data[new] = data.pop(loc[-1])


def misspell(name: str) -> str:
    """A near miss: one letter dropped (or doubled for short names)."""
    return name[:-2] + name[-1] if len(name) > 3 else name + name[-1]


# ------------------------------------------------------------------ cases


@functools.cache
def shipped_files() -> dict[str, bytes]:
    """Every shipped scenario and spec (each case's tree starts as a copy of them)."""
    return {p: (REPO / p).read_bytes() for p in (*SHIPPED, *SPECS)}


def _with(target: str, content: bytes | str, **extra: bytes) -> dict[str, bytes]:
    """The files a case changes or adds (written over the shipped ones)."""
    return {target: content.encode() if isinstance(content, str) else content, **extra}


def key_mutations(target: str) -> Iterator[Case]:
    """Every key of ``target``: wrong type, NaN, inf, huge, negative, missing, misspelt."""
    spec = target in SPECS
    raw = tomllib.loads((REPO / target).read_text())
    for loc, value in leaves(raw):
        if loc == ("extends",):
            continue
        key = dotted(loc, raw, spec)
        muts: list[tuple[str, Any, str]] = [
            ("wrong_type", 12345 if isinstance(value, str) else "text", "error")]
        if isinstance(value, int | float) and not isinstance(value, bool):
            huge = 10**18 if isinstance(value, int) else 1e308
            muts += [("nan", math.nan, "error"), ("inf", math.inf, "error"),
                     ("huge", huge, "either" if key in HUGE_OK else "error"),
                     ("negative", -abs(value) - 1, "either")]
        if isinstance(value, list) and value and all(
                isinstance(x, int | float) and not isinstance(x, bool) for x in value):
            muts += [(f"{kind}[0]", [new, *value[1:]], "error")
                     for kind, new in (("nan", math.nan), ("inf", math.inf),
                                       ("huge", 1e308))]
        # a supplier's name changed: the entry is named by its position (or merges away)
        want = None if loc[-1] == "name" and "suppliers" in loc else key
        for kind, new, expect in muts:
            data = json.loads(json.dumps(raw))
            _set(data, loc, new)
            yield Case(f"{target}:{key}:{kind}", kind, target, expect, want,
                       files=_with(target, dumps(data)))
        data = json.loads(json.dumps(raw))
        _delete(data, loc)
        yield Case(f"{target}:{key}:missing", "missing", target, "either",
                   files=_with(target, dumps(data)))
        if isinstance(loc[-1], str):
            data = json.loads(json.dumps(raw))
            wrong = misspell(loc[-1])
            _rename(data, loc, wrong)
            yield Case(f"{target}:{key}:misspelt", "misspelt", target, "error",
                       want and dotted((*loc[:-1], wrong), data, spec),
                       files=_with(target, dumps(data)))
    for loc in tables(raw):
        data = json.loads(json.dumps(raw))
        _set(data, (*loc, "zzz_unknown"), 1)
        want = dotted((*loc, "zzz_unknown"), data, spec)
        yield Case(f"{target}:{want}:unknown", "unknown", target, "error", want,
                   files=_with(target, dumps(data)))


def byte_mutations(target: str) -> Iterator[Case]:
    """Truncations, non-UTF-8 bytes and a NUL byte at several offsets."""
    text = (REPO / target).read_bytes()
    for frac in (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95):
        at = int(len(text) * frac)
        yield Case(f"{target}:truncated@{at}", "truncated", target, "either",
                   files=_with(target, text[:at]))
        line_start = text.rfind(b"\n", 0, at) + 1
        yield Case(f"{target}:non-utf8@{at}", "non_utf8", target, "error",
                   files=_with(target, text[:line_start] + b"\xff\xfe\xfa" + text[line_start:]))
        yield Case(f"{target}:nul@{at}", "nul", target, "error",
                   files=_with(target, text[:at] + b"\x00" + text[at:]))


def structure_cases() -> Iterator[Case]:
    """Required tables, supplier names, extends chains, special files, deep nesting."""
    base = "scenarios/baseline.toml"
    raw = tomllib.loads((REPO / base).read_text())
    for table in ("run", "segments", "suppliers"):
        data = dict(raw)
        del data[table]
        yield Case(f"{base}:missing {table}", "missing_table", base, "error", table,
                   files=_with(base, dumps(data)))
        data = dict(raw)
        _rename(data, (table,), misspell(table))
        yield Case(f"{base}:misspelt {table}", "misspelt_table", base, "error",
                   misspell(table), files=_with(base, dumps(data)))
    for target in SHIPPED:
        if target == base:
            continue
        text = (REPO / target).read_text()
        has_extends = re.search(r"(?m)^extends = ", text) is not None
        if has_extends:
            no_extends = re.sub(r'(?m)^extends = .*$', "", text)
            yield Case(f"{target}:no extends", "missing_table", target, "error",
                       files=_with(target, no_extends))
        names = [sp.name for sp in load(REPO / target).suppliers]
        first, last = names[0], names[-1]
        for name in (first.lower(), first.upper() + " ", " ".join(last.split()).swapcase()):
            if name == first:
                continue
            yield Case(f"{target}:near name {name!r}", "near_name", target, "error",
                       f"suppliers[{name}].name",
                       files=_with(target, text + f'\n[[suppliers]]\nname = "{name}"\n'))
        twice = text + f'\n[[suppliers]]\nname = "{last}"\n' * 2
        yield Case(f"{target}:duplicate supplier", "duplicate_name", target, "error",
                   f"suppliers[{last}].name", files=_with(target, twice))
        poach = text + ('\n[[suppliers]]\nname = "Newcomer"\n[suppliers.strategies.poaching]\n'
                        'target = "Newcomer"\n')
        yield Case(f"{target}:poaches itself", "self_poach", target, "error",
                   "suppliers[Newcomer].strategies.poaching.target", files=_with(target, poach))
        for parent, kind in (("nope.toml", "missing_parent"), (target.split("/")[-1], "cycle"),
                             ("/dev/zero", "special"), ("/dev/urandom", "special"),
                             ("/dev/null", "special"), ("fifo.toml", "special"),
                             ("sweeps", "special"), ("notes.txt", "not_toml"),
                             ("big.toml", "too_large")):
            line = f"extends = {json.dumps(parent)}"
            swapped = re.sub(r'(?m)^extends = .*$', line, text) if has_extends \
                else f"{line}\n{text}"
            yield Case(f"{target}:extends {parent}", kind, target, "error", "extends",
                       files=_with(target, swapped, **{
                           "scenarios/notes.txt": b"Meeting notes, not TOML at all\n",
                           "scenarios/big.toml": b"# padding\n" * 120_000}),
                       special="fifo" if parent == "fifo.toml" else None)
    cycle = re.sub(r'(?m)^name = "baseline"$', 'extends = "reservoir.toml"\nname = "baseline"',
                   (REPO / base).read_text())
    yield Case("baseline extends reservoir (cycle)", "cycle", "scenarios/reservoir.toml",
               "error", "extends", files=_with(base, cycle))
    deep = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"
    yield Case("deeply nested array", "deep", base, "error",
               files=_with(base, (REPO / base).read_text() + deep))
    yield Case("missing file", "missing_file", "scenarios/nothere.toml", "error",
               files={})


SET_CASES = ("run.weeks.x=1", "suppliers.markup=0.1", "suppliers[Focal]=1",
             "run.weeks=52\nrun.customers=3", "suppliers[Focal.markup=0.1",
             "suppliers[Focal].markup=0.1\x00", "run.weeks=" + "[" * 100_000 + "]" * 100_000,
             "run.weeks=", "=3", "run.weeks", "suppliers[Nobody].markup=0.1",
             "suppliers[focal].markup=0.1", "run.weeks='52'", "run.weeks=1e9",
             "materials.steel.base_cost=1e308", "segments.tier2.size_median=1e308",
             "suppliers[Focal].presence=1e308", "segments.tier2.entry_per_year=1e308",
             "run.weks=3",
             "choice.min_share=nan", "run.weeks=-1", "suppliers[Focal].markup=inf")


def set_cases() -> Iterator[Case]:
    """``--set`` values and keys that must be refused (run: nothing may be written)."""
    for text in SET_CASES:
        key = re.split(r"[=\n\x00]", text)[0]
        named = key if re.fullmatch(r"[\w.\[\]]+", key) and "=" in text and \
            text.count("[") == text.count("]") and "\n" not in text and "\x00" not in text \
            and not text.endswith("=") and "[[" not in text else None
        yield Case(f"--set {text[:40]!r}", "set", "scenarios/baseline.toml", "error", named,
                   args=("--set", text), command="run", files={})
    for text in ("run.customers=2000000", "segments.tier2.entry_per_year=1e6"):
        yield Case(f"--set {text!r}, full length", "set", "scenarios/baseline.toml", "error",
                   text.split("=")[0], args=("--set", text, "--steps", "260"), command="run")
    yield Case("--steps above run.weeks' bound", "steps", "scenarios/baseline.toml", "error",
               "run.weeks", blamed="--steps", args=("--steps", "100000"), command="run",
               files={})


def compare_cases() -> Iterator[Case]:
    """``[uncertainties]`` and the options of ``kamsim compare`` (issue 12): refused before
    anything runs or is written."""
    base = "scenarios/baseline.toml"
    text = (REPO / base).read_text()
    for name, line, key in (
            ("outside bounds", '"segments.tier1.closure_per_year" = [0.01, 1.5]',
             "uncertainties.segments.tier1.closure_per_year"),
            ("unknown key", '"ev.widht_years" = [1.5, 3.0]', "uncertainties.ev.widht_years"),
            ("not a number", '"choice.mode" = [1.0, 2.0]', "uncertainties.choice.mode"),
            ("low above high", '"ev.share_start" = [0.6, 0.4]', "uncertainties.ev.share_start"),
            ("one value", '"ev.share_start" = [0.4]', "uncertainties.ev.share_start"),
            ("a string", '"ev.share_start" = ["a", "b"]', "uncertainties.ev.share_start")):
        bad = text.replace("[uncertainties]\n", f"[uncertainties]\n{line}\n")
        yield Case(f"{base}:uncertainty {name}", "uncertainty", base, "error", key,
                   files=_with(base, bad))
        yield Case(f"{base}:uncertainty {name} (compare)", "uncertainty", base, "error", key,
                   files=_with(base, bad), args=("--robustness", "2"), command="compare")
    res = "scenarios/reservoir.toml"
    for name, target, args, key, blamed in (
            ("lever not switched on", res, ("--levers", "price_war"), "--levers", None),
            ("lever misspelt", res, ("--levers", "kam_centr"), "--levers", None),
            ("no bundle", base, ("--levers",), "--levers", None),
            ("robustness 0", res, ("--robustness", "0"), "--robustness", None),
            ("robustness -3", res, ("--robustness", "-3"), "--robustness", None),
            ("robustness and posterior", res, ("--robustness", "2", "--posterior",
                                               "scenarios"), "--robustness", None),
            ("draws without posterior", res, ("--draws", "5"), "--draws", None),
            ("dask without markets", res, ("--dask", "local"), "--dask", None),
            ("no uncertainties", "scenarios/wkh.toml", ("--robustness", "2"), "uncertainties",
             None),
            ("reference and no status quo", res, ("--reference", base, "--no-status-quo"),
             "--reference", base)):
        yield Case(f"compare:{name}", "compare_option", target, "error", key, blamed,
                   args=args, command="compare")


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for target in (*SHIPPED, *SPECS):
        cases += key_mutations(target)
        cases += byte_mutations(target)
    cases += structure_cases()
    cases += set_cases()
    cases += compare_cases()
    return cases
