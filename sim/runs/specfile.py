"""The sweep-spec format and the checks of each of its parts.

Owns the blocks a spec is made of (pydantic models: strict types, unknown keys refused), the
factors built from ``[[parameters]]`` and every check of a part: a varied parameter's bounds or
levels within the bounds declared in ``sim/params/`` (and each extreme a valid scenario of a
size that fits in memory), the design and the outcomes. ``sim.runs.sweepspec`` reads a spec and puts
the parts together; every problem is a ``(spec file, dotted key, message)`` triple.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from sim import scenario, size
from sim.runs import outcomes
from sim.scenario import InputError, set_dotted
from sim.schema import ParamInfo

METHODS = ("factorial", "latin", "sobol", "morris")
RESERVED = {"run.seed": "root_seed", "run.weeks": "steps"}


class Block(BaseModel):
    """Strict: ``replications = "2"`` is a string, not a number (as in scenario files)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class ParameterBlock(Block):
    key: str | None = None
    keys: list[str] | None = None
    name: str | None = None
    bounds: list[float] | None = Field(None, min_length=2, max_length=2)
    levels: list[StrictBool | StrictInt | float | str] | None = Field(None, min_length=1)


class DesignBlock(Block):
    method: Literal["factorial", "latin", "sobol", "morris"]
    samples: int = Field(16, ge=1, le=1_000_000)
    levels: int = Field(4, ge=2, le=1000)
    second_order: bool = False


class OutcomesBlock(Block):
    final: list[str] = Field(default_factory=lambda: ["focal.market_share",
                                                      "focal.net_profit",
                                                      "focal.pool_health"])
    series: list[str] = Field(default_factory=list)
    stride: int = Field(13, ge=1, le=5200)


class SpecFile(Block):
    name: str | None = None
    description: str = ""
    scenario: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    parameters: list[ParameterBlock] = Field(min_length=1)
    design: DesignBlock
    replications: int = Field(1, ge=1, le=100_000)
    steps: int | None = Field(None, ge=1, le=5200)
    root_seed: int = Field(ge=0, le=2**63 - 1)
    common_random_numbers: bool = True
    chunk_size: int = Field(64, ge=1, le=1_000_000)
    outcomes: OutcomesBlock = Field(default_factory=OutcomesBlock)


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a column name, the scenario keys it sets, and its range."""

    name: str
    keys: tuple[str, ...]
    kind: str  # "float", "int", "bool" or "choice"
    unit: str
    bounds: tuple[float, float] | None
    levels: tuple[Any, ...] | None


def factor_of(path: Path, i: int, b: ParameterBlock, infos: dict[str, ParamInfo], base: dict,
            problems: list) -> Factor | None:
    """The factor of ``parameters[i]``, or None with its problems appended."""
    where = f"parameters[{i}]"
    keys = ([b.key] if b.key else []) + list(b.keys or [])
    if len(keys) == 0 or (b.key and b.keys):
        problems.append((str(path), where, "give either 'key' or 'keys' (linked parameters)"))
        return None
    if b.keys and not b.name:
        problems.append((str(path), f"{where}.name", "linked 'keys' need a 'name'"))
        return None
    if (b.bounds is None) == (b.levels is None):
        problems.append((str(path), where, "give either 'bounds' or 'levels'"))
        return None
    found = [_lookup(path, f"{where}.key" + ("s" if b.keys else ""), k, infos, problems)
             for k in keys]
    if None in found:
        return None
    kinds = {_kind(p) for p in found}
    if "other" in kinds:
        problems.append((str(path), where, f"'{keys[0]}' is a name, not a parameter to vary"))
        return None
    if len(kinds) > 1:
        problems.append((str(path), f"{where}.keys", "linked keys must have the same type"))
        return None
    factor = Factor(name=b.name or keys[0], keys=tuple(keys), kind=kinds.pop(),
                    unit=found[0].unit, bounds=tuple(b.bounds) if b.bounds else None,
                    levels=tuple(b.levels) if b.levels else None)
    before = len(problems)
    for info in found:
        problems += _check_range(path, where, factor, info)
    if len(problems) == before:
        problems += _check_extremes(path, where, factor, base)
    return factor


def _lookup(path: Path, where: str, key: str, infos: dict[str, ParamInfo],
            problems: list) -> ParamInfo | None:
    if key in RESERVED:
        problems.append((str(path), where, f"'{key}' is set by the sweep; vary "
                         f"'{RESERVED[key]}' instead"))
        return None
    if key not in infos:
        hint = difflib.get_close_matches(key, list(infos), n=1)
        problems.append((str(path), where, f"unknown parameter '{key}'"
                         + (f"; did you mean '{hint[0]}'?" if hint else "")))
        return None
    return infos[key]


def _kind(info: ParamInfo) -> str:
    if info.choices:
        return "choice"
    return info.type if info.type in ("int", "bool", "float") else "other"


def _check_range(path: Path, where: str, f: Factor, info: ParamInfo) -> list:
    bad = []
    if f.bounds is not None:
        lo, hi = f.bounds
        if f.kind in ("bool", "choice"):
            return [(str(path), f"{where}.bounds", f"'{info.key}' takes levels, not bounds")]
        if not lo < hi:
            return [(str(path), f"{where}.bounds", f"lower bound {lo:g} must be below the "
                     f"upper {hi:g}")]
        if f.kind == "int" and not (lo.is_integer() and hi.is_integer()):
            return [(str(path), f"{where}.bounds", f"'{info.key}' is a whole number")]
        values: tuple = f.bounds
        field = "bounds"
    else:
        values, field = f.levels or (), "levels"
        bad += [(str(path), f"{where}.levels", f"{v!r} is not a valid value of '{info.key}'"
                 f"{' (' + ', '.join(info.choices) + ')' if info.choices else ''}")
                for v in values if not _fits(v, f.kind, info)]
        if bad:
            return bad
    lo_ok = info.lo is None or min(values) >= info.lo
    hi_ok = info.hi is None or max(values) <= info.hi
    if f.kind in ("int", "float") and not (lo_ok and hi_ok):
        bad.append((str(path), f"{where}.{field}", f"{_show(values)} lies outside the declared "
                    f"range [{_fmt(info.lo, '-inf')}, {_fmt(info.hi, 'inf')}]{_unit(info)} of "
                    f"'{info.key}'"))
    return bad


def _fits(v: Any, kind: str, info: ParamInfo) -> bool:
    if kind == "choice":
        return v in info.choices
    if kind == "bool":
        return isinstance(v, bool)
    if isinstance(v, bool) or isinstance(v, str):
        return False
    return kind == "float" or float(v).is_integer()


def _check_extremes(path: Path, where: str, f: Factor, base: dict) -> list:
    """Each extreme value, set alone on the base scenario, must give a valid scenario whose
    run fits in memory."""
    values = f.bounds if f.bounds is not None else f.levels or ()
    field = "bounds" if f.bounds is not None else "levels"
    base_fits = size.estimate(scenario.validate(base)).total <= size.limit_bytes()
    for v in (min(values), max(values)) if f.kind in ("int", "float") else values:
        try:
            params = apply(base, {k: cast(v, f.kind) for k in f.keys}, file=str(path))
            if base_fits:  # (a base too large is reported once, by the spec's loader)
                size.check(params, file=str(path))
        except InputError as exc:
            msg = exc.problems[0][2]
            return [(str(path), f"{where}.{field}", f"{f.name} = {v!r}: {msg}")]
    return []


def apply(base: dict, values: dict[str, Any], *, file: str = "<sweep>"):
    """Validate ``base`` scenario data with dotted-key ``values`` set; return the Scenario."""
    data = json.loads(json.dumps(base))
    for key, value in values.items():
        set_dotted(data, key, value, file=file)
    return scenario.validate(data, default_file=file)


def check_design(path: Path, d: DesignBlock, factors: list[Factor | None]) -> list:
    bad = []
    if d.method != "factorial":
        bad += [(str(path), f"parameters[{i}].levels", f"a {d.method} design samples within "
                 "'bounds'; 'levels' are for factorial designs")
                for i, f in enumerate(factors) if f is not None and f.bounds is None]
    if d.method == "sobol" and d.samples & (d.samples - 1):
        bad.append((str(path), "design.samples", f"must be a power of 2 for Sobol sampling "
                    f"(got {d.samples}; try {2 ** round(math.log2(d.samples))})"))
    names = [f.name for f in factors if f is not None]
    bad += [(str(path), "parameters", f"'{n}' is varied twice")
            for n in sorted({n for n in names if names.count(n) > 1})]
    return bad


def check_outcomes(path: Path, o: OutcomesBlock, steps: int) -> list:
    bad = []
    for field, names, valid in (("final", o.final, outcomes.FINAL), ("series", o.series,
                                                                     outcomes.SERIES)):
        for n in names:
            if n not in valid:
                hint = difflib.get_close_matches(n, list(valid), n=1)
                bad.append((str(path), f"outcomes.{field}", f"unknown outcome '{n}'"
                            + (f"; did you mean '{hint[0]}'?" if hint else "")))
    if not o.final:
        bad.append((str(path), "outcomes.final", "name at least one outcome"))
    if o.series and o.stride > steps:
        bad.append((str(path), "outcomes.stride", f"longer than the run ({steps} steps)"))
    return bad


def cast(x: Any, kind: str, bounds: tuple[float, float] | None = None) -> Any:
    if kind == "int":
        v = int(math.floor(float(x) + 0.5))
        return min(max(v, int(bounds[0])), int(bounds[1])) if bounds else v
    if kind == "float":
        return float(x)
    return x


def loc_text(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


def error_message(err: dict) -> str:
    if err.get("type") == "extra_forbidden":
        owner = _owner(err["loc"][:-1])
        hint = difflib.get_close_matches(str(err["loc"][-1]), list(owner.model_fields), n=1)
        return "unknown key" + (f"; did you mean '{hint[0]}'?" if hint else "")
    if err.get("type") == "missing":
        return "missing"
    return str(err["msg"]).removeprefix("Value error, ")


def _owner(loc: tuple) -> type[BaseModel]:
    blocks = {"parameters": ParameterBlock, "design": DesignBlock, "outcomes": OutcomesBlock}
    named = [p for p in loc if isinstance(p, str)]
    return blocks.get(named[0], SpecFile) if named else SpecFile


def _show(values: tuple) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


def _unit(info: ParamInfo) -> str:
    return "" if info.unit in ("1", "-", "") else f" {info.unit}"


def _fmt(x: float | None, missing: str) -> str:
    return missing if x is None else f"{x:g}"
