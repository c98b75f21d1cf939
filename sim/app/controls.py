"""The explorer's levers: sliders and switches built from the one parameter declaration.

Each lever names a dotted parameter key (as in sweeps and ``scenario.load(overrides=...)``).
Its slider's value, type and bounds come from :func:`sim.schema.param_info` read on the chosen
scenario (so the value is the scenario's own, which is the declared default where the file is
silent); nothing here restates a default. ``span`` only narrows an unbounded or very wide
declared range to a usable slider (``kam_managers`` is declared up to 10,000); it is clipped to
the declared bounds and widened to include the scenario's value.

Two kinds are not plain fields: a *switch* turns a focal-supplier strategy on (an empty table,
its declared defaults) or off; the *shock* slider sets the magnitude of every scheduled cost
shock, or adds one shock with its declared defaults to a scenario that has none (0 = none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sim import scenario as scenario_io
from sim.params import Scenario, Shock
from sim.schema import ParamInfo, param_info

REPO = Path(__file__).resolve().parents[2]
SCENARIO_DIR = REPO / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "baseline.toml"

Kind = Literal["slider", "switch", "shock"]


@dataclass(frozen=True)
class Lever:
    name: str                 # keyword of AppModel / key of the page's inputs
    key: str                  # dotted parameter key; "{focal}" is the focal supplier's name
    label: str                # label key in sim.app.labels
    kind: Kind = "slider"
    span: tuple[float, float] | None = None  # display range within the declared bounds
    step: float | None = None  # slider step (None: 1 for integers, ~1/100 of the range)

    def dotted(self, params: Scenario) -> str:
        return self.key.format(focal=params.suppliers[params.focal_index].name)


LEVERS: tuple[Lever, ...] = (
    Lever("focal_markup", "suppliers[{focal}].markup", "lever.focal_markup",
          span=(-0.1, 0.4), step=0.005),
    Lever("focal_service_level", "suppliers[{focal}].service_level", "lever.focal_service",
          step=0.01),
    Lever("focal_kam_managers", "suppliers[{focal}].kam_managers", "lever.focal_kam",
          span=(0, 30)),
    Lever("focal_dev_staff", "suppliers[{focal}].dev_staff", "lever.focal_dev", span=(0, 20)),
    Lever("focal_price_war", "suppliers[{focal}].strategies.price_war",
          "lever.focal_price_war", kind="switch"),
    Lever("focal_kam_centre", "suppliers[{focal}].strategies.kam_centre",
          "lever.focal_kam_centre", kind="switch"),
    Lever("beta_loyalty", "choice.beta_loyalty", "lever.beta_loyalty", span=(0, 12), step=0.1),
    Lever("contract_share", "tender.contract_share", "lever.contract_share", step=0.05),
    Lever("gamma", "adaptation.gamma", "lever.gamma", span=(0, 0.3), step=0.005),
    Lever("steel_volatility", "materials.steel.volatility", "lever.steel_volatility",
          span=(0, 0.1), step=0.001),
    Lever("shock_magnitude", "shocks[].magnitude", "lever.shock", kind="shock",
          span=(-0.5, 1.0), step=0.05),
    # the whole market scaled (customers, entry, capacities, staff, fixed costs together):
    # a raw run.customers override would change the market's balance (sim/market/scale.py)
    Lever("market_size", "run.scale", "lever.market_size", span=(0.1, 3.0), step=0.05),
)
LEVER_NAMES = tuple(lv.name for lv in LEVERS)
BY_NAME = {lv.name: lv for lv in LEVERS}


@dataclass(frozen=True)
class Control:
    """One input on the page: what Mesa's ``UserInputs`` draws, plus where it came from."""

    lever: Lever
    key: str                   # the dotted key in this scenario
    type: str                  # SliderInt, SliderFloat or Checkbox
    value: Any                 # the scenario's value (declared default where not set)
    min: float | None = None
    max: float | None = None
    step: float | None = None
    info: ParamInfo | None = None

    def user_param(self, label: str) -> dict[str, Any]:
        out = {"type": self.type, "value": self.value, "label": label}
        if self.type != "Checkbox":
            out.update(min=self.min, max=self.max, step=self.step)
        return out


def _nice_step(width: float) -> float:
    """A 1-2-5 step giving about 100 positions over ``width``."""
    if width <= 0:
        return 0.01
    raw = width / 100
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return float(m * mag)
    return float(10 * mag)


def _shock_info(params: Scenario) -> ParamInfo:
    """The declaration of a shock's magnitude (read on a scenario holding one declared shock)."""
    if params.shocks:
        return param_info("shocks[].magnitude", params)
    return param_info("shocks[].magnitude", params.model_copy(update={"shocks": [Shock()]}))


def control(lever: Lever, params: Scenario) -> Control:
    """The input for ``lever`` on scenario ``params``: value and bounds from the declaration."""
    key = lever.dotted(params)
    if lever.kind == "switch":
        return Control(lever, key, "Checkbox", _strategy_on(params, key))
    if lever.kind == "shock":
        info = _shock_info(params)
        value = float(params.shocks[0].magnitude) if params.shocks else 0.0
    else:
        info = param_info(key, params)
        if info is None:
            raise KeyError(f"{key}: not a parameter of scenario {params.name!r}")
        value = info.default
    is_int = info.type == "int"
    lo, hi = info.lo, info.hi
    if lever.span is not None:
        lo = lever.span[0] if lo is None else max(lo, lever.span[0])
        hi = lever.span[1] if hi is None else min(hi, lever.span[1])
    if lo is None or hi is None:
        raise ValueError(f"{key}: a slider needs bounds; give the lever a span")
    lo, hi = min(lo, value), max(hi, value)
    step = lever.step or (1 if is_int else _nice_step(hi - lo))
    if is_int:
        return Control(lever, key, "SliderInt", int(value), int(math.ceil(lo)),
                       int(math.floor(hi)), int(step), info)
    return Control(lever, key, "SliderFloat", float(value), float(lo), float(hi),
                   float(step), info)


def controls(params: Scenario) -> list[Control]:
    return [control(lv, params) for lv in LEVERS]


def _strategy_on(params: Scenario, key: str) -> bool:
    sup = params.suppliers[params.focal_index]
    return getattr(sup.strategies, key.rsplit(".", 1)[-1]) is not None


def overrides(params: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """Dotted-key overrides that turn scenario ``params`` into one with the lever ``values``.

    ``values`` maps lever names to input values; levers left at the scenario's value produce
    no override. Unknown names raise KeyError.
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in BY_NAME:
            raise KeyError(f"unknown lever {name!r}; levers: {', '.join(LEVER_NAMES)}")
        lever = BY_NAME[name]
        c = control(lever, params)
        if lever.kind == "switch":
            if bool(value) and not c.value:
                out[c.key] = {}
            elif not bool(value) and c.value:
                out[c.key] = None
        elif lever.kind == "shock":
            value = float(value)
            if value == c.value:
                continue
            if params.shocks:
                for i in range(len(params.shocks)):
                    out[f"shocks[{i}].magnitude"] = value
            else:
                out["shocks"] = [{"magnitude": value}]
        else:
            value = int(round(value)) if c.type == "SliderInt" else float(value)
            if value != c.value:
                out[c.key] = value
    return out


def list_scenarios(directory: Path | None = None, extra: Path | None = None) -> dict[str, Path]:
    """Scenario files that load, by name (file stem): ``directory`` (default: the project's
    scenarios/) and ``extra`` (the file the app was started with)."""
    directory = directory or SCENARIO_DIR
    files = sorted(directory.glob("*.toml")) if directory.is_dir() else []
    if extra is not None and extra.resolve() not in {f.resolve() for f in files}:
        files.append(extra)
    out: dict[str, Path] = {}
    for f in files:
        try:
            scenario_io.load(f)
        except scenario_io.InputError:
            continue
        out.setdefault(f.stem, f)
    return out


def parse_seed(text: Any, default: int) -> tuple[int, str | None]:
    """A seed from the page's text box: (seed, problem or None). Blank means ``default``."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return default, None
    try:
        seed = int(str(text).strip())
    except ValueError:
        return default, f"seed {text!r} is not a whole number; using {default}"
    if seed < 0:
        return default, f"seed {seed} is negative; using {default}"
    return seed, None
