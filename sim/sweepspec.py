"""Sweep specs: a TOML file in, a validated :class:`SweepSpec` and its design out.

Owns the spec format (docs/SWEEPS.md) and its validation. Every problem becomes an
:class:`~sim.scenario.InputError` triple ``(spec file, dotted key, message)``: unknown keys and
outcome names get the nearest valid one suggested, and a varied parameter's bounds or levels
must lie within the bounds declared for it in ``sim/params.py`` (and each extreme must give a
valid scenario). Also owns the design: the full factorial of levels, or points sampled by SALib
(Latin hypercube, Sobol/Saltelli, Morris).
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from sim import outcomes, scenario
from sim.scenario import InputError, set_dotted
from sim.schema import ParamInfo, iter_params

METHODS = ("factorial", "latin", "sobol", "morris")
RESERVED = {"run.seed": "root_seed", "run.weeks": "steps"}


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ParameterBlock(_Block):
    key: str | None = None
    keys: list[str] | None = None
    name: str | None = None
    bounds: list[float] | None = Field(None, min_length=2, max_length=2)
    levels: list[StrictBool | StrictInt | float | str] | None = Field(None, min_length=1)


class DesignBlock(_Block):
    method: Literal["factorial", "latin", "sobol", "morris"]
    samples: int = Field(16, ge=1, le=1_000_000)
    levels: int = Field(4, ge=2, le=1000)
    second_order: bool = False


class OutcomesBlock(_Block):
    final: list[str] = Field(default_factory=lambda: ["focal.market_share",
                                                      "focal.net_profit",
                                                      "focal.pool_health"])
    series: list[str] = Field(default_factory=list)
    stride: int = Field(13, ge=1, le=5200)


class SpecFile(_Block):
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


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """A validated sweep: base scenario data, factors, design, replications and outcomes."""

    path: str
    name: str
    description: str
    scenario: str
    base: dict[str, Any]
    factors: tuple[Factor, ...]
    method: str
    samples: int
    levels: int
    second_order: bool
    replications: int
    steps: int
    root_seed: int
    common_random_numbers: bool
    chunk_size: int
    final: tuple[str, ...]
    series: tuple[str, ...]
    stride: int

    def digest(self) -> str:
        """A hash of everything that determines the results (not names or chunking)."""
        data = asdict(self)
        for k in ("path", "name", "description", "scenario", "chunk_size"):
            data.pop(k)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def problem(self) -> dict[str, Any]:
        """The SALib problem: names and sampling bounds (integers widened by half a step)."""
        bounds = [[f.bounds[0] - 0.5, f.bounds[1] + 0.5] if f.kind == "int" else list(f.bounds)
                  for f in self.factors if f.bounds is not None]
        return {"num_vars": len(self.factors), "names": [f.name for f in self.factors],
                "bounds": bounds}


def load(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec; raise :class:`InputError` listing every problem."""
    path = Path(path)
    raw = _read(path)
    try:
        block = SpecFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError([(str(path), _loc_text(e["loc"]), _message(e))
                          for e in exc.errors()]) from None
    base_path = path.parent / block.scenario
    params = _base_scenario(path, base_path, block.overrides)
    infos = {p.key: p for p in iter_params(params)}
    base = params.model_dump(mode="json")
    steps = block.steps or params.run.weeks
    problems: list[tuple[str, str, str]] = []
    factors = [_factor(path, i, b, infos, base, problems)
               for i, b in enumerate(block.parameters)]
    problems += _check_design(path, block, factors)
    problems += _check_outcomes(path, block.outcomes, steps)
    if problems:
        raise InputError(problems)
    return SweepSpec(
        path=str(path), name=block.name or path.stem, description=block.description,
        scenario=str(base_path), base=base, factors=tuple(factors),  # type: ignore[arg-type]
        method=block.design.method, samples=block.design.samples, levels=block.design.levels,
        second_order=block.design.second_order, replications=block.replications, steps=steps,
        root_seed=block.root_seed, common_random_numbers=block.common_random_numbers,
        chunk_size=block.chunk_size, final=tuple(block.outcomes.final),
        series=tuple(block.outcomes.series), stride=block.outcomes.stride)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError([(str(path), "", "file not found" if not path.exists()
                           else "not a file")])
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError([(str(path), "", "not a text (UTF-8) file")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError([(str(path), "", f"not valid TOML: {exc}")]) from None


def _base_scenario(spec: Path, base_path: Path, overrides: dict[str, Any]):
    bad = [(str(spec), f"overrides.{k}", f"set by the sweep; use '{RESERVED[k]}' instead")
           for k in overrides if k in RESERVED]
    if bad:
        raise InputError(bad)
    if not base_path.is_file():
        raise InputError([(str(spec), "scenario", f"file not found: {base_path}")])
    try:
        return scenario.load(base_path, overrides=overrides)
    except InputError as exc:
        raise InputError([_blame_override(spec, p, overrides) for p in exc.problems]) from None


def _blame_override(spec: Path, problem: tuple[str, str, str],
                    overrides: dict[str, Any]) -> tuple[str, str, str]:
    file, key, msg = problem
    hit = next((k for k in overrides if key == k or key.startswith(k + ".")), None)
    return (str(spec), f"overrides.{hit}", msg) if hit else (file, key, msg)


def _factor(path: Path, i: int, b: ParameterBlock, infos: dict[str, ParamInfo], base: dict,
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
    """Each extreme value, set alone on the base scenario, must give a valid scenario."""
    values = f.bounds if f.bounds is not None else f.levels or ()
    field = "bounds" if f.bounds is not None else "levels"
    for v in (min(values), max(values)) if f.kind in ("int", "float") else values:
        try:
            apply(base, {k: _cast(v, f.kind) for k in f.keys}, file=str(path))
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


def _check_design(path: Path, block: SpecFile, factors: list[Factor | None]) -> list:
    d, bad = block.design, []
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


def _check_outcomes(path: Path, o: OutcomesBlock, steps: int) -> list:
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


def design(spec: SweepSpec) -> pd.DataFrame:
    """One row per point: ``point``, each factor's value and, for sampled designs, the raw
    SALib sample ``x.<factor>`` (before integers are rounded), which Morris analysis needs."""
    names = [f.name for f in spec.factors]
    if spec.method == "factorial":
        grids = [tuple(_cast(v, f.kind) for v in f.levels) if f.levels is not None
                 else _grid(f, spec.levels) for f in spec.factors]
        df = pd.DataFrame(list(itertools.product(*grids)), columns=names)
    else:
        raw = _sample(spec)
        df = pd.DataFrame({f.name: [_cast(x, f.kind, f.bounds) for x in raw[:, j]]
                           for j, f in enumerate(spec.factors)})
        for j, f in enumerate(spec.factors):
            df[f"x.{f.name}"] = raw[:, j]
    for f in spec.factors:
        df[f.name] = df[f.name].astype(_DTYPES[f.kind])
    df.insert(0, "point", np.arange(len(df), dtype=np.int64))
    return df


def design_size(spec: SweepSpec) -> int:
    """The number of points of :func:`design`, counted without building it."""
    k = len(spec.factors)
    if spec.method == "factorial":
        return math.prod(len(f.levels) if f.levels is not None else len(_grid(f, spec.levels))
                         for f in spec.factors)
    per = {"latin": 1, "sobol": 2 * k + 2 if spec.second_order else k + 2, "morris": k + 1}
    return spec.samples * per[spec.method]


_DTYPES = {"float": "float64", "int": "int64", "bool": "bool", "choice": "object"}


def _sample(spec: SweepSpec) -> np.ndarray:
    from SALib.sample import latin, morris, sobol

    problem, seed = spec.problem(), spec.root_seed % 2**32
    if spec.method == "latin":
        return latin.sample(problem, spec.samples, seed=seed)
    if spec.method == "sobol":
        return sobol.sample(problem, spec.samples, calc_second_order=spec.second_order,
                            seed=seed)
    return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=seed)


def _grid(f: Factor, n: int) -> tuple[Any, ...]:
    lo, hi = f.bounds or (0.0, 1.0)
    values = [_cast(x, f.kind, f.bounds) for x in np.linspace(lo, hi, n)]
    return tuple(dict.fromkeys(values))


def _cast(x: Any, kind: str, bounds: tuple[float, float] | None = None) -> Any:
    if kind == "int":
        v = int(math.floor(float(x) + 0.5))
        return min(max(v, int(bounds[0])), int(bounds[1])) if bounds else v
    if kind == "float":
        return float(x)
    return x


def _loc_text(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


def _message(err: dict) -> str:
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
