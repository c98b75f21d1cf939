"""Reading the one parameter declaration (``sim.params``): every leaf parameter with its dotted
key, type, unit, default, bounds and source. Used by ``kamsim params``, sweeps (bounds), the
browser explorer (sliders) and the ODD's parameter table.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.params import Levers, Scenario, WorkshopSettings


@dataclass(frozen=True)
class ParamInfo:
    key: str
    type: str
    unit: str
    default: Any
    lo: float | None
    hi: float | None
    source: str
    choices: tuple[str, ...] = ()
    limits: str = ""  # why the bounds are where they are (a sim.params.Limit's reason)


def _bounds(field) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else lo
        lo = getattr(m, "gt", None) if getattr(m, "gt", None) is not None else lo
        hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
        hi = getattr(m, "lt", None) if getattr(m, "lt", None) is not None else hi
    return lo, hi


def iter_params(model: BaseModel | None = None, prefix: str = "") -> list[ParamInfo]:
    """Every leaf parameter of ``model`` (default: a default Scenario), with its declaration."""
    model = Scenario() if model is None else model
    out: list[ParamInfo] = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        key = f"{prefix}{name}"
        if value is None and _optional_block(field.annotation) is not None:
            # a switched-off block (a strategy): list the parameters it takes when switched on
            out.extend(iter_params(_optional_block(field.annotation)(), key + "."))
        elif isinstance(value, BaseModel):
            out.extend(iter_params(value, key + "."))
        elif isinstance(value, dict):
            for k, v in value.items():
                out.extend(iter_params(v, f"{key}.{k}."))
        elif isinstance(value, list) and typing.get_args(field.annotation)[:1] != (str,):
            for v in value:
                label = getattr(v, "name", None)
                out.extend(iter_params(v, f"{key}[{label}]." if label else f"{key}[]."))
        else:
            extra = field.json_schema_extra or {}
            lo, hi = _bounds(field)
            ann = field.annotation
            literal = typing.get_origin(ann) is typing.Literal
            choices = tuple(typing.get_args(ann)) if literal else ()
            out.append(ParamInfo(key, getattr(ann, "__name__", str(ann)),
                                 extra.get("unit", ""), value, lo, hi,
                                 extra.get("source", ""), choices,
                                 "; ".join(extra[k] for k in ("lo_why", "hi_why") if k in extra)))
    return out


def _optional_block(annotation: Any) -> type[BaseModel] | None:
    """The model class of an ``X | None`` parameter block, else None."""
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def param_info(key: str, scenario: Scenario | None = None) -> ParamInfo | None:
    """The declaration of one dotted key (as in sweeps: ``suppliers[Focal].markup``)."""
    for p in iter_params(scenario):
        if p.key == key:
            return p
    return None


MARKDOWN_HEADER = (
    "# Parameters", "",
    "Generated from `sim/params/` by `make docs` (`kamsim params --format markdown`); do not",
    "edit by hand. Keys are dotted as in sweeps and overrides; per-segment, per-material and",
    "per-supplier entries show the defaults of a default scenario (`scenarios/baseline.toml`",
    "overrides many). Keys under `workshop.` are a workshop's rules and a team's levers",
    "(docs/WORKSHOP.md), not scenario keys.", "")


def parameter_table(markdown: bool = False) -> list[str]:
    """Lines of a parameter table, plain text or Markdown: a scenario's parameters, then a
    workshop's rules (``workshop.``) and a team's levers (``workshop.levers.``)."""
    rows = [*iter_params(), *iter_params(WorkshopSettings(), "workshop."),
            *iter_params(Levers(), "workshop.levers.")]
    if markdown:
        lines = [*MARKDOWN_HEADER, "| key | unit | default | bounds | source |",
                 "|---|---|---|---|---|"]
        for p in rows:
            bounds = f"[{_fmt(p.lo)}, {_fmt(p.hi)}]" if not p.choices else " / ".join(p.choices)
            source = p.source + (f" (bounds: {p.limits})" if p.limits else "")
            lines.append(f"| `{p.key}` | {p.unit} | {p.default} | {bounds} | {source} |")
        return lines
    return [f"{p.key:48s} {str(p.default):>12s} {p.unit:22s} [{_fmt(p.lo)}, {_fmt(p.hi)}]  "
            f"{p.source}" for p in rows]


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"
