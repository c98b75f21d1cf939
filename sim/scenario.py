"""Scenario files: TOML in, a validated :class:`sim.params.Scenario` out.

Owns loading scenario files (read as data by ``sim.inputfiles``: regular files only),
``extends`` chains (a scenario as overrides of another), merging, dotted-key overrides, and
turning every validation problem into a ``FILE: dotted.key: message`` line with the nearest
valid key (or supplier name) suggested for a misspelt one.

Merge rules for ``extends``: tables merge key by key; ``[[suppliers]]`` entries merge by
``name`` (a child entry with a parent's name overrides that supplier's keys, a new name adds a
supplier); other arrays (``shocks``) are replaced whole.

``[uncertainties]`` (uncertain market assumptions, ``sim/uncertainties.py``) merges like any
table; :func:`load` checks it and leaves it out of the :class:`Scenario`, :func:`uncertainties`
reads it.

The status quo of a scenario (docs/ODD.md section 5): its own market (every table but the
suppliers, with every override) under the supplier settings of the root of its ``extends``
chain, with the overrides of suppliers other than the focal one (those are market assumptions;
the focal supplier's are its strategy). ``Scenario.status_quo()`` removes all strategies.
"""

from __future__ import annotations

import copy
import difflib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import InputError, format_problem  # noqa: F401  (re-exported)
from sim.inputfiles import ReadError, check_key, read_toml
from sim.market.scale import balance_warning, scaled
from sim.params import RunParams, Scenario, normal_name
from sim.uncertainties import check_ranges, check_table

# A file (with its parents) must declare these; a file cut short usually lacks the last ones.
REQUIRED_TABLES = ("run", "segments", "suppliers")


def load(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge and validate a scenario file; raise :class:`InputError` on any problem.

    ``overrides`` maps dotted keys (``"suppliers[Focal].markup"`` or ``"run.weeks"``) to
    values applied after the file, as a sweep or a slider would.
    """
    path = Path(path)
    data, origin = _load_chain(path, chain=())
    missing = [k for k in REQUIRED_TABLES if k not in data]
    if missing:
        raise InputError([_missing(str(path), k, data) for k in missing])
    if origin.get(("name",)) != str(path):  # a child not naming itself is its file
        data["name"] = path.stem
        origin[("name",)] = str(path)
    ranges = check_table(data.pop("uncertainties", {}), origin, str(path))
    book = data.get("book")
    if isinstance(book, dict) and isinstance(book.get("path"), str) and book["path"]:
        book["path"] = str(Path(origin.get(("book", "path"), path)).parent / book["path"])
    plain = copy.deepcopy(data)
    for key, value in (overrides or {}).items():
        set_dotted(data, key, value, file=str(path))
    params = validate(data, origin, default_file=str(path))
    check_ranges(params, ranges)
    params._status_quo = _status_quo_suppliers(path, plain, origin, overrides or {},
                                               params.suppliers[params.focal_index].name)
    if "run.customers" in (overrides or {}):
        balance_warning(str(path), params.run.customers,
                        plain.get("run", {}).get("customers", RunParams().customers))
    return scaled(params, params.run.scale)


def uncertainties(path: str | Path) -> dict[str, tuple[float, float]]:
    """The ``[uncertainties]`` of a scenario file with its parents: dotted key -> (lo, hi),
    checked as :func:`load` checks them (raises :class:`InputError`)."""
    load(path)
    data, origin = _load_chain(Path(path), chain=())
    return {k: (lo, hi) for k, (lo, hi, _) in
            check_table(data.get("uncertainties", {}), origin, str(path)).items()}


def _status_quo_suppliers(path: Path, data: dict[str, Any], origin: dict[tuple, str],
                          overrides: dict[str, Any], focal: str) -> list:
    """The status quo's suppliers of the scenario ``data`` loaded from ``path`` (before its
    overrides): each supplier as the chain's root file declares it (its own entry if the
    root lacks it), then the overrides not addressed to the focal supplier."""
    root = _root_suppliers(path)
    sq = copy.deepcopy(data)
    sq["suppliers"] = [copy.deepcopy(root.get(e.get("name"), e)) if isinstance(e, dict) else e
                       for e in data.get("suppliers", [])]
    focal_keys = (f"[{focal}]",) + tuple(f"[{i}]" for i, e in enumerate(sq["suppliers"])
                                         if isinstance(e, dict) and e.get("name") == focal)
    for key, value in overrides.items():
        parts = split_dotted(key)
        if parts[:1] == ["suppliers"] and len(parts) > 1 and parts[1] in focal_keys:
            continue
        set_dotted(sq, key, value, file=str(path))
    return validate(sq, origin, default_file=str(path)).suppliers


def _root_suppliers(path: Path) -> dict[str, dict]:
    """Supplier entries by name of the root of ``path``'s ``extends`` chain (already checked
    by :func:`_load_chain`: no cycle, every file readable)."""
    seen: set[Path] = set()
    raw = _read_toml(path, None)
    while isinstance(raw.get("extends"), str) and path.resolve() not in seen:
        seen.add(path.resolve())
        path = path.parent / raw["extends"]
        raw = _read_toml(path, None)
    entries = raw.get("suppliers", [])
    return {e["name"]: e for e in (entries if isinstance(entries, list) else [])
            if isinstance(e, dict) and isinstance(e.get("name"), str)}


def _missing(file: str, key: str, data: dict) -> tuple[str, str, str]:
    """A required table is missing: blame a misspelt table name if there is one."""
    unknown = [k for k in data if k not in Scenario.model_fields]
    near = [k for k in unknown if difflib.get_close_matches(k, [key], n=1)]
    if near:
        return (file, near[0], f"unknown key; did you mean '{key}'?")
    return (file, key, "missing (is the file truncated, or lacking 'extends'?)")


def validate(data: dict[str, Any], origin: dict[tuple, str] | None = None,
             default_file: str = "<scenario>") -> Scenario:
    """Validate merged data into a :class:`Scenario`, mapping errors to files and keys."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = _named_loc(err["loc"], data)
            message = _message(err, loc)
            if not loc and ": " in message:  # a scenario-wide check names its key first
                key, message = message.split(": ", 1)
                loc = tuple(split_dotted(key))
            file = _blame(loc, origin or {}, default_file)
            problems.append((file, _dotted(loc), message))
        raise InputError(problems) from None


def _read_toml(path: Path, referrer: str | None) -> dict[str, Any]:
    """A file's TOML; a parent that cannot be read is blamed on the file extending it."""
    try:
        return read_toml(path)
    except ReadError as exc:
        if referrer:
            raise InputError([(referrer, "extends", exc.message)]) from None
        raise InputError([(str(path), "", exc.message)]) from None


def _load_chain(path: Path, chain: tuple[Path, ...],
                referrer: str | None = None) -> tuple[dict, dict]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise InputError([(str(path), "extends", f"extends cycle: {cycle}")])
    raw = _read_toml(path, referrer)
    _no_repeated_suppliers(raw, str(path))
    parent_ref = raw.pop("extends", None)
    own_origin = {loc: str(path) for loc in _leaf_locs(raw)}
    if parent_ref is None:
        return raw, own_origin
    if not isinstance(parent_ref, str):
        raise InputError([(str(path), "extends", "must be a file name (string)")])
    parent_path = (path.parent / parent_ref)
    parent, origin = _load_chain(parent_path, (*chain, resolved), referrer=str(path))
    origin.update(own_origin)
    return _merge(parent, raw), origin


def _no_repeated_suppliers(raw: dict, file: str) -> None:
    """One file lists each supplier once (a second entry would silently merge into the first)."""
    entries = raw.get("suppliers")
    names = [e.get("name") for e in entries if isinstance(e, dict)] \
        if isinstance(entries, list) else []
    seen: set = set()
    for name in names:
        if isinstance(name, str) and name in seen:
            raise InputError([(file, f"suppliers[{name}].name", "this supplier is listed twice "
                               "in this file; give each supplier once")])
        seen.add(name)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif key == "suppliers" and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_by_name(out[key], value)
        else:
            out[key] = value
    return out


def _merge_by_name(base: list, over: list) -> list:
    merged = [dict(b) if isinstance(b, dict) else b for b in base]
    index = {b.get("name"): i for i, b in enumerate(merged) if isinstance(b, dict)}
    for entry in over:
        name = entry.get("name") if isinstance(entry, dict) else None
        if name in index:
            merged[index[name]] = _merge(merged[index[name]], entry)
        else:
            merged.append(entry)
    return merged


def _leaf_locs(data: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        return [loc for k, v in data.items() for loc in _leaf_locs(v, (*prefix, k))] or [prefix]
    if isinstance(data, list) and prefix and prefix[-1] == "suppliers":
        return [loc for i, v in enumerate(data)
                for loc in _leaf_locs(v, (*prefix, _entry_name(v, i)))]
    return [prefix]


def _entry_name(entry: Any, index: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return f"[{entry['name']}]"
    return f"[{index}]"


def _named_loc(loc: tuple, data: dict) -> tuple:
    """Replace list indices of suppliers by ``[name]`` so errors name the supplier."""
    out: list = []
    node: Any = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list):
            entry = node[part] if part < len(node) else None
            out.append(_entry_name(entry, part))
            node = entry
            continue
        out.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    return tuple(p for p in out if p not in ("[key]",))


def _dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        part = str(part)
        text += part if part.startswith("[") or not text else "." + part
    return text


def _blame(loc: tuple, origin: dict[tuple, str], default: str) -> str:
    for n in range(len(loc), 0, -1):
        hits = {f for o, f in origin.items() if o[:n] == loc[:n]}
        if len(hits) == 1:
            return hits.pop()
        if hits:
            return default
    return default


def _message(err: dict, loc: tuple) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        choices = field_names(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), choices, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown key{suggestion}"
    if kind == "literal_error" and loc and loc[0] in ("segments", "materials"):
        choices = field_names(loc[:1])
        hint = difflib.get_close_matches(str(loc[-1]), choices, n=1)
        return err["msg"] + (f"; did you mean '{hint[0]}'?" if hint else "")
    if kind == "finite_number":
        return "must be a finite number (not NaN or infinity)"
    if kind in ("less_than_equal", "less_than", "greater_than_equal", "greater_than"):
        return err["msg"] + _limit_note(loc, upper=kind.startswith("less"))
    msg = err["msg"]
    return msg.removeprefix("Value error, ")


def _limit_note(loc: tuple, upper: bool) -> str:
    """`` (unit; why the limit)`` of the parameter at ``loc``, from its declaration."""
    model = model_at(loc[:-1]) if loc else None
    field = model.model_fields.get(str(loc[-1])) if model is not None else None
    extra = (field.json_schema_extra or {}) if field is not None else {}
    if not isinstance(extra, dict):
        return ""
    notes = [str(extra[k]) for k in ("unit", "hi_why" if upper else "lo_why")
             if extra.get(k) not in (None, "", "1", "-")]
    return f" ({'; '.join(notes)})" if notes else ""


def field_names(loc: tuple) -> list[str]:
    """The valid keys of the parameter block at ``loc`` (for suggestions and sliders)."""
    model = model_at(loc)
    if model is None:
        from sim.params import MATERIALS, SEGMENTS
        if loc and loc[0] == "segments":
            return list(SEGMENTS)
        if loc and loc[0] == "materials":
            return list(MATERIALS)
        return []
    return list(model.model_fields)


def model_at(loc: tuple) -> type[BaseModel] | None:
    """The parameter model class that owns the block at ``loc`` (None if not a block)."""
    model: Any = Scenario
    pending: Any = None
    for part in loc:
        if pending is not None:
            model, pending = pending, None
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        origin = typing.get_origin(ann)
        if origin in (dict, list):
            pending = typing.get_args(ann)[-1]
            model = None
        elif origin in (typing.Union, types.UnionType):
            return None
        else:
            model = ann
    if pending is not None:
        return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def split_dotted(key: str) -> list[str]:
    """``"suppliers[Focal].markup"`` -> ``["suppliers", "[Focal]", "markup"]``."""
    parts: list[str] = []
    for chunk in key.split("."):
        while "[" in chunk:
            head, _, rest = chunk.partition("[")
            if head:
                parts.append(head)
            inner, _, chunk = rest.partition("]")
            parts.append(f"[{inner}]")
        if chunk:
            parts.append(chunk)
    return parts


def set_dotted(data: dict, key: str, value: Any, *, file: str) -> None:
    """Set a dotted key in raw scenario data, creating tables as needed."""
    try:
        check_key(key)
    except ReadError as exc:
        raise InputError([(file, key, exc.message.removeprefix(f"{key}: "))]) from None
    parts = split_dotted(key)
    node: Any = data
    for i, part in enumerate(parts):
        last, here = i == len(parts) - 1, _dotted(tuple(parts[: i + 1]))
        if part.startswith("["):
            node = _select(node, part[1:-1], file=file, key=key)
            if last:
                raise InputError([(file, key, f"{here} is a table; set one of its keys "
                                   f"(like {here}.markup)")])
            continue
        if not isinstance(node, dict):
            raise InputError([(file, key, f"{_dotted(tuple(parts[:i]))} is a value, not a "
                               "table of keys")])
        if last:
            node[part] = value
            return
        if part == "suppliers":
            node.setdefault(part, _suppliers_default())
        node = node.setdefault(part, {})
        if isinstance(node, list) and not parts[i + 1].startswith("["):
            raise InputError([(file, key, f"{here} is a list; select one entry by name, "
                               f"like {here}[Focal].{parts[i + 1]}")])


def _select(node: Any, name: str, *, file: str, key: str) -> dict:
    """The entry ``[name]`` of a list of tables (by ``name``, or by position)."""
    if not isinstance(node, list):
        raise InputError([(file, key, "only suppliers can be selected by [name]")])
    match = [e for e in node if isinstance(e, dict) and e.get("name") == name]
    if not match and name.isdigit() and int(name) < len(node):
        match = [node[int(name)]]
    if not match or not isinstance(match[0], dict):
        names = [e.get("name") for e in node if isinstance(e, dict)]
        hint = _near_name(name, [n for n in names if isinstance(n, str)])
        raise InputError([(file, key, f"no supplier named '{name}'"
                           + (f"; did you mean '{hint}'?" if hint else ""))])
    return match[0]


def _near_name(name: str, names: list[str]) -> str | None:
    """The name in ``names`` nearest to ``name``: equal but for case and spaces, else close."""
    folded = {normal_name(n): n for n in names}
    if normal_name(name) in folded:
        return folded[normal_name(name)]
    hint = difflib.get_close_matches(name, names, n=1)
    return hint[0] if hint else None


def _suppliers_default() -> list[dict]:
    return [s.model_dump() for s in Scenario().suppliers]
