"""The building blocks of every parameter declaration: the labels (materials, segments,
stages), :class:`Limit` (a bound with its reason), :func:`P` (default, unit, bounds and
source declared together), name checks and :class:`Strict`, the base of every block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MATERIALS: tuple[str, ...] = ("steel", "hdg_ahss", "aluminium")
SEGMENTS: tuple[str, ...] = ("ev_oem", "ice_oem", "new_entrant", "tier1", "tier2")
STAGES: tuple[str, ...] = ("prospect", "potential", "general", "key", "sunset", "lost")


@dataclass(frozen=True)
class Limit:
    """A bound with the reason it was chosen (shown in ``kamsim params``)."""

    value: float
    why: str


# Upper limits of open-ended quantities: generous multiples of real values, each low enough
# that products of limits (tonnes x price x weeks x customers) stay far inside float64.
TONNES_WEEK = Limit(1e6, "1e6 t/week = 52 Mt/year, about China's whole automotive sheet "
                         "demand")
CUSTOMER_T_WEEK = Limit(1e4, "1e4 t/week, several times the sheet bought by the largest car "
                             "plant")
VOLUME_YEAR = Limit(1e8, "1e8 t, two years of TONNES_WEEK")
PRICE_T = Limit(1e6, "1e6 CNY/t, fifty times the dearest material (aluminium ~20,000 CNY/t)")
PRICE_FLOOR = Limit(1.0, "a metal cheaper than 1 CNY/t is a typo")
SALARY = Limit(1e7, "1e7 CNY/year, about thirty loaded salaries")
BUDGET = Limit(1e9, "1e9 CNY/year, above the focal company's annual profit")
EACH = Limit(1e6, "1e6 CNY per visit, call or intervention")
CAPEX = Limit(1e6, "1e6 CNY per t/week and year, 250 times the default")
RUN_WEEKS = Limit(5200, "a century of weeks; recorder tables grow with the weeks")
WEEKS = Limit(5200, "the longest run (run.weeks <= 5200)")
RAMP = Limit(520, "ten years")
PRESENCE_LO = Limit(0.01, "a hundredth of an average supplier's weight")
PRESENCE_HI = Limit(100.0, "a hundred times an average supplier's weight")
ENTRY = Limit(1e6, "1e6 customers/year, half the largest initial market a year (memory is "
                   "checked before a run)")
CONTACTS = Limit(1000.0, "1,000 new contacts per salesperson-week")
SEED = Limit(2**63 - 1, "TOML integers are 64-bit")


def P(default: Any, *, unit: str, source: str, ge: float | Limit | None = None,
      le: float | Limit | None = None, gt: float | Limit | None = None,
      lt: float | Limit | None = None, doc: str = "") -> Any:
    """Declare a parameter: default, unit, bounds (a :class:`Limit` carries its reason) and
    source travel together."""
    extra: dict[str, Any] = {"unit": unit, "source": source}
    for side, bounds in (("lo_why", (ge, gt)), ("hi_why", (le, lt))):
        for b in bounds:
            if isinstance(b, Limit):
                extra[side] = b.why
    ge, le, gt, lt = (b.value if isinstance(b, Limit) else b for b in (ge, le, gt, lt))
    return Field(default, ge=ge, le=le, gt=gt, lt=lt, description=doc,
                 json_schema_extra=extra)


MAX_NAME = 64  # characters of a supplier or scenario name: a label in tables and figures


def _name(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters (newline, tab, NUL)")
    if len(value) > MAX_NAME:
        raise ValueError(f"at most {MAX_NAME} characters")
    return value


def _text(value: str) -> str:
    if "\x00" in value or len(value) > 2000:
        raise ValueError("at most 2,000 characters, without NUL")
    return value


def normal_name(name: str) -> str:
    """A supplier name compared without case, and with each run of spaces as one."""
    return " ".join(name.split()).casefold()


Name = Annotated[str, AfterValidator(_name)]
Text = Annotated[str, AfterValidator(_text)]


class Strict(BaseModel):
    """Base for every parameter block: unknown keys, NaN and infinity are rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True,
                              strict=True)


class Capacity(Strict):
    """Weekly processing capacity per material; 0 means the material is not carried."""

    steel: float = P(0.0, unit="t/week", source="scenario", ge=0, le=TONNES_WEEK)
    hdg_ahss: float = P(0.0, unit="t/week", source="scenario", ge=0, le=TONNES_WEEK)
    aluminium: float = P(0.0, unit="t/week", source="scenario", ge=0, le=TONNES_WEEK)

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.steel, self.hdg_ahss, self.aluminium)


class Mix(Strict):
    """Shares of each material in a demand mix; must sum to 1."""

    steel: float = P(1.0, unit="1", source="scenario", ge=0, le=1)
    hdg_ahss: float = P(0.0, unit="1", source="scenario", ge=0, le=1)
    aluminium: float = P(0.0, unit="1", source="scenario", ge=0, le=1)

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.steel, self.hdg_ahss, self.aluminium)

    @model_validator(mode="after")
    def _sums_to_one(self) -> Mix:
        total = sum(self.as_tuple())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"material shares must add up to 1 (they add up to {total:.4g})")
        return self
