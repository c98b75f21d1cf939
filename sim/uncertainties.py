"""Uncertain market assumptions of a scenario: the ``[uncertainties]`` table.

Owns its format and checks: dotted parameter key -> ``[low, high]`` (quoted keys,
``"segments.tier2.entry_per_year" = [30.0, 90.0]``, or nested tables,
``[uncertainties.segments.tier2]``), each key a numeric parameter of the scenario and each
range within the bounds ``sim/params/`` declares for it. ``sim.scenario.load`` checks the
table and leaves it out of the :class:`~sim.params.Scenario`; ``kamsim compare --robustness``
samples markets within the ranges (``sim/runs/robustness.py``). Problems are ``InputError``
lines naming the file that declared the key and ``uncertainties.<key>``.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

from sim.errors import InputError
from sim.params import Scenario


def check_table(table: Any, origin: dict[tuple, str],
                         file: str) -> dict[str, tuple[float, float, str]]:
    """``[uncertainties]`` flattened to dotted key -> (lo, hi, file declaring it); the
    shape is checked here, the keys and bounds by :func:`check_ranges`."""
    if not isinstance(table, dict):
        raise InputError([(file, "uncertainties", "must be a table of dotted parameter key "
                           "= [low, high]")])
    out, problems = {}, []
    for key, value, loc in _flat_ranges(table, ()):
        where = origin.get(("uncertainties", *loc), file)
        ok = (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, int | float) and not isinstance(v, bool)
                      and math.isfinite(v) for v in value))
        if not ok:
            problems.append((where, f"uncertainties.{key}", "must be [low, high], two finite "
                             "numbers"))
        elif not value[0] < value[1]:
            problems.append((where, f"uncertainties.{key}", f"low {value[0]:g} must be below "
                             f"high {value[1]:g}"))
        else:
            out[key] = (float(value[0]), float(value[1]), where)
    if problems:
        raise InputError(problems)
    return out


def _flat_ranges(table: dict, prefix: tuple) -> list[tuple[str, Any, tuple]]:
    """(dotted key, value, location in the file's table) of every range, nested tables
    (``[uncertainties.segments.tier2]``) joined by dots."""
    out = []
    for k, v in table.items():
        if isinstance(v, dict):
            out += _flat_ranges(v, (*prefix, k))
        else:
            out.append((".".join((*prefix, str(k))), v, (*prefix, k)))
    return out


def check_ranges(params: Scenario, ranges: dict[str, tuple[float, float, str]]) -> None:
    """Each key names a numeric parameter of ``params``; each range lies within its declared
    bounds (``sim.schema``)."""
    if not ranges:
        return
    from sim.schema import iter_params

    infos = {p.key: p for p in iter_params(params)}
    problems = []
    for key, (lo, hi, file) in ranges.items():
        info = infos.get(key)
        if info is None:
            hint = difflib.get_close_matches(key, list(infos), n=1)
            problems.append((file, f"uncertainties.{key}", "unknown parameter" + (
                f"; did you mean '{hint[0]}'?" if hint else "")))
        elif info.type not in ("int", "float") or info.choices:
            problems.append((file, f"uncertainties.{key}", f"'{key}' is not a number"))
        elif (info.lo is not None and lo < info.lo) or (info.hi is not None and hi > info.hi):
            unit = "" if info.unit in ("", "1", "-") else f" {info.unit}"
            problems.append((file, f"uncertainties.{key}", f"[{lo:g}, {hi:g}] lies outside "
                             f"the declared range [{_bound(info.lo, '-inf')}, "
                             f"{_bound(info.hi, 'inf')}]{unit}"))
    if problems:
        raise InputError(problems)


def _bound(x: float | None, missing: str) -> str:
    return missing if x is None else f"{x:g}"
