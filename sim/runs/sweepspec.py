"""Sweep specs: a TOML file in, a validated :class:`SweepSpec` and its design out.

Owns the spec format (docs/SWEEPS.md) and its validation. Every problem becomes an
:class:`~sim.scenario.InputError` triple ``(spec file, dotted key, message)``: unknown keys and
outcome names get the nearest valid one suggested, and a varied parameter's bounds or levels
must lie within the bounds declared for it in ``sim/params/`` (and each extreme must give a
valid scenario that fits in memory; the parts and their checks are in ``sim/runs/specfile.py``).
Also owns the design: the full factorial of levels, or points sampled by SALib
(Latin hypercube, Sobol/Saltelli, Morris).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from sim import scenario, size
from sim.inputfiles import ReadError, read_toml
from sim.runs.specfile import (  # noqa: F401  (apply, RESERVED, METHODS: part of this module's API)
    METHODS,
    RESERVED,
    Block,
    DesignBlock,
    Factor,
    OutcomesBlock,
    ParameterBlock,
    SpecFile,
    apply,
    cast,
    check_design,
    check_outcomes,
    error_message,
    factor_of,
    loc_text,
)
from sim.scenario import InputError
from sim.schema import iter_params

if TYPE_CHECKING:
    import pandas as pd


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
    """Read and validate a sweep spec; raise :class:`InputError` listing every problem.

    Each part (the base scenario with its overrides, each parameter, the design, the
    outcomes) is checked even when another is wrong, so one pass reports every mistake.
    """
    path = Path(path)
    raw = _read(path)
    try:
        block: SpecFile | None = SpecFile.model_validate(raw)
    except ValidationError as exc:
        block = None
        problems = [(str(path), loc_text(e["loc"]), error_message(e)) for e in exc.errors()]
    else:
        problems = []
    parts = _Parts.of(raw) if block is None else _Parts.of_block(block)
    params = None
    if isinstance(raw.get("scenario"), str) and isinstance(raw.get("overrides", {}), dict):
        try:
            params = _base_scenario(path, path.parent / raw["scenario"],
                                    raw.get("overrides", {}))
        except InputError as exc:
            problems += [p for p in exc.problems if p not in problems]
            params = _without_overrides(path.parent / raw["scenario"])
    factors: list[Factor | None] = []
    steps = parts.steps or (params.run.weeks if params is not None else 5200)
    if params is not None:
        infos = {p.key: p for p in iter_params(params)}
        base = params.model_dump(mode="json")
        sized = {**base, "run": {**base["run"], "weeks": steps}}  # as the runs will be
        problems += _check_size(path, sized, raw.get("overrides", {}))
        factors = [factor_of(path, i, b, infos, sized, problems) if b is not None else None
                   for i, b in enumerate(parts.parameters)]
    if parts.outcomes is not None:
        problems += check_outcomes(path, parts.outcomes, steps)
    if parts.design is not None:
        problems += check_design(path, parts.design, factors)
    if problems or block is None or params is None:
        raise InputError(problems)
    return SweepSpec(
        path=str(path), name=block.name or path.stem, description=block.description,
        scenario=str(path.parent / block.scenario), base=base,  # type: ignore[arg-type]
        factors=tuple(factors),  # type: ignore[arg-type]
        method=block.design.method, samples=block.design.samples, levels=block.design.levels,
        second_order=block.design.second_order, replications=block.replications, steps=steps,
        root_seed=block.root_seed, common_random_numbers=block.common_random_numbers,
        chunk_size=block.chunk_size, final=tuple(block.outcomes.final),
        series=tuple(block.outcomes.series), stride=block.outcomes.stride)


# top-level keys no scenario file has
SPEC_KEYS = ("scenario", "parameters", "design", "replications", "root_seed", "steps",
             "common_random_numbers", "chunk_size", "outcomes", "overrides")


def validate_file(path: str | Path) -> str:
    """Validate a scenario file or a sweep spec (told apart by its keys); return which it was.
    Raises :class:`InputError` with every problem, as :func:`load` and ``scenario.load``."""
    path = Path(path)
    try:
        raw = read_toml(path)
    except ReadError:
        raw = {}  # the loader below reports it
    if any(k in raw for k in SPEC_KEYS):
        load(path)
        return "sweep spec"
    size.check(scenario.load(path), file=str(path))
    return "scenario"


@dataclass
class _Parts:
    """The parts of a spec that are valid on their own (None where a part is invalid)."""

    parameters: list[ParameterBlock | None]
    design: DesignBlock | None
    outcomes: OutcomesBlock | None
    steps: int | None

    @classmethod
    def of_block(cls, b: SpecFile) -> _Parts:
        return cls(list(b.parameters), b.design, b.outcomes, b.steps)

    @classmethod
    def of(cls, raw: dict[str, Any]) -> _Parts:
        params = raw.get("parameters")
        steps = raw.get("steps")
        return cls([_valid(ParameterBlock, p) for p in params] if isinstance(params, list)
                   else [], _valid(DesignBlock, raw.get("design")),
                   _valid(OutcomesBlock, raw.get("outcomes", {})),
                   steps if type(steps) is int and 1 <= steps <= 5200 else None)


def _check_size(path: Path, sized: dict[str, Any], overrides: dict[str, Any]) -> list:
    """A run of the base scenario (with the spec's steps) must fit in memory."""
    try:
        size.check(scenario.validate(sized, default_file=str(path)), file=str(path))
    except InputError as exc:
        return [_blame_override(path, p, overrides) for p in exc.problems]
    return []


def _without_overrides(base_path: Path):
    """The base scenario alone, to check the factors when the overrides are wrong."""
    try:
        return scenario.load(base_path)
    except InputError:
        return None


def _valid(model: type[Block], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _read(path: Path) -> dict[str, Any]:
    try:
        return read_toml(path)
    except ReadError as exc:
        raise InputError([(str(path), "", exc.message)]) from None


def _base_scenario(spec: Path, base_path: Path, overrides: dict[str, Any]):
    bad = [(str(spec), f"overrides.{k}", f"set by the sweep; use '{RESERVED[k]}' instead")
           for k in overrides if k in RESERVED]
    if bad:
        raise InputError(bad)
    try:
        return scenario.load(base_path, overrides=overrides)
    except InputError as exc:
        raise InputError([(str(spec), "scenario", msg) if (file, key) == (str(base_path), "")
                          else _blame_override(spec, (file, key, msg), overrides)
                          for file, key, msg in exc.problems]) from None


def _blame_override(spec: Path, problem: tuple[str, str, str],
                    overrides: dict[str, Any]) -> tuple[str, str, str]:
    file, key, msg = problem
    hit = next((k for k in overrides if key == k or key.startswith(k + ".")), None)
    return (str(spec), f"overrides.{hit}", msg) if hit else (file, key, msg)


def design(spec: SweepSpec) -> pd.DataFrame:
    """One row per point: ``point``, each factor's value and, for sampled designs, the raw
    SALib sample ``x.<factor>`` (before integers are rounded), which Morris analysis needs."""
    import pandas as pd  # here: validating a spec does not need pandas

    names = [f.name for f in spec.factors]
    if spec.method == "factorial":
        grids = [tuple(cast(v, f.kind) for v in f.levels) if f.levels is not None
                 else _grid(f, spec.levels) for f in spec.factors]
        df = pd.DataFrame(list(itertools.product(*grids)), columns=names)
    else:
        raw = _sample(spec)
        df = pd.DataFrame({f.name: [cast(x, f.kind, f.bounds) for x in raw[:, j]]
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
    values = [cast(x, f.kind, f.bounds) for x in np.linspace(lo, hi, n)]
    return tuple(dict.fromkeys(values))


