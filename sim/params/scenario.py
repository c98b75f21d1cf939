"""A whole scenario: every block together, the customer book and calibration settings, and
the checks that span blocks (segment shares, supplier names, the focal supplier, poaching
targets); the status quo every scenario is settled under.
"""

from __future__ import annotations

import difflib
import math
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from sim.defaults import DEFAULT_MATERIALS, DEFAULT_SEGMENTS
from sim.params.base import Name, P, Strict, Text, normal_name
from sim.params.behaviour import (
    ABCParams,
    AdaptationParams,
    ChoiceParams,
    FinanceParams,
    LifecycleParams,
    TenderParams,
)
from sim.params.market import (
    EVParams,
    MaterialParams,
    RunParams,
    SegmentParams,
    Shock,
    _default_materials,
)
from sim.params.suppliers import Strategies, SupplierParams


class BookParams(Strict):
    """The focal supplier's own customer book (docs/BOOK.md); none when ``path`` is empty."""

    path: str = P("", unit="-", source="folder of accounts/invoice_lines/opportunities tables, "
                  "relative to the scenario file; empty: customers from segments only")
    default_share_of_wallet: float = P(
        0.5, unit="1", gt=0, le=1,
        source="focal share of a book account's needs where the book gives none (assumption)")
    years_before_end: int = P(
        0, unit="year", ge=0, le=50,
        source="the model starts from the book as of this many 52-week years before its last "
               "week: the accounts buying then, features from invoice lines up to then only "
               "(kamsim calibrate's hindcast sets it)")


class FreeParameter(Strict):
    """A parameter ``kamsim calibrate`` may move, with its prior range (uniform)."""

    key: str = P("", unit="-", source="dotted scenario key, as in sweeps")
    low: float = P(0.0, unit="as the parameter", ge=-1e9, le=1e9,
                   source="prior range: lower end (within the parameter's declared bounds, "
                          "checked by kamsim calibrate)")
    high: float = P(1.0, unit="as the parameter", ge=-1e9, le=1e9,
                    source="prior range: upper end (as low)")


class CalibrationParams(Strict):
    """What ``kamsim calibrate`` fits (docs/BOOK.md); unused by a plain run."""

    free: list[FreeParameter] = Field(default_factory=list)
    held_out: str = P("top20_share", unit="-",
                      source="one target left out of the fit and predicted")
    report_only: list[str] = P(
        [], unit="-",
        source="targets computed and reported beside the fit but left out of its distance "
               "(levels at a book's end its base need not keep three years on, docs/BOOK.md)")
    budget: int = P(48, unit="runs", ge=4, le=1_000_000, source="model runs in all")
    replications: int = P(2, unit="runs", ge=1, le=100,
                          source="runs per candidate, on common random numbers")
    weeks: int = P(156, unit="week", ge=104, le=5200,
                   source="forward mode (hindcast_years = 0): weeks simulated from the book's "
                          "end, compared with the book's last as many weeks")
    hindcast_years: int = P(
        0, unit="year", ge=0, le=50,
        source="0: forward mode; N >= 2: the runs start from the book as of N years before "
               "its end and simulate its last N years (52 N weeks), compared with the book's "
               "figures over the same years")


def _default_segments() -> dict[str, SegmentParams]:
    return {k: SegmentParams(**v) for k, v in DEFAULT_SEGMENTS.items()}


def _fill_block(given: Any, defaults: dict[str, dict]) -> Any:
    """Complete a partial segments/materials table with the per-entry defaults."""
    if not isinstance(given, dict):
        return given
    out = {k: dict(v) for k, v in defaults.items()}
    for key, value in given.items():
        if isinstance(value, dict) and key in out:
            out[key].update(value)
        else:
            out[key] = value
    return out


def _default_suppliers() -> list[SupplierParams]:
    return [SupplierParams(name="Focal", focal=True)] + [
        SupplierParams(name=f"Rival {i}") for i in range(1, 6)]


class Scenario(Strict):
    """A whole validated scenario: the model is a function of this object and a seed."""

    name: Name = P("scenario", unit="-", source="file name")
    description: Text = P("", unit="-", source="scenario file")
    run: RunParams = Field(default_factory=RunParams)
    materials: dict[Literal["steel", "hdg_ahss", "aluminium"], MaterialParams] = Field(
        default_factory=_default_materials)
    shocks: list[Shock] = Field(default_factory=list, max_length=100)  # a shock a year
    ev: EVParams = Field(default_factory=EVParams)
    segments: dict[Literal["ev_oem", "ice_oem", "new_entrant", "tier1", "tier2"],
                   SegmentParams] = Field(default_factory=_default_segments)
    # a regional market has a handful of suppliers; 100 keeps customer x supplier arrays sane
    suppliers: list[SupplierParams] = Field(default_factory=_default_suppliers, max_length=100)
    choice: ChoiceParams = Field(default_factory=ChoiceParams)
    tender: TenderParams = Field(default_factory=TenderParams)
    adaptation: AdaptationParams = Field(default_factory=AdaptationParams)
    lifecycle: LifecycleParams = Field(default_factory=LifecycleParams)
    abc: ABCParams = Field(default_factory=ABCParams)
    finance: FinanceParams = Field(default_factory=FinanceParams)
    book: BookParams = Field(default_factory=BookParams)
    calibration: CalibrationParams = Field(default_factory=CalibrationParams)
    # The status quo's supplier settings (set by the loader from the root of the ``extends``
    # chain, sim/scenario.py); None: this scenario's own. Not a file key.
    _status_quo: list[SupplierParams] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _entry_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if "segments" in data:
                data["segments"] = _fill_block(data["segments"], DEFAULT_SEGMENTS)
            if "materials" in data:
                data["materials"] = _fill_block(data["materials"], DEFAULT_MATERIALS)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        total = sum(s.share for s in self.segments.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"segments: shares must add up to 1 (they add up to {total:.4g})")
        names = [s.name for s in self.suppliers]
        if not self.suppliers:
            raise ValueError("suppliers: at least one supplier is needed")
        for i, name in enumerate(names):
            first = next(n for n in names if normal_name(n) == normal_name(name))
            if first == name and names.index(name) < i:
                raise ValueError(f"suppliers[{name}].name: supplier names must be unique")
            if first != name:
                raise ValueError(f"suppliers[{name}].name: '{name}' differs from '{first}' "
                                 f"only in case or spaces; did you mean '{first}'?")
        if sum(s.focal for s in self.suppliers) != 1:
            raise ValueError("suppliers: exactly one supplier must have focal = true")
        for sp in self.suppliers:
            poach = sp.strategies.poaching
            where = f"suppliers[{sp.name}].strategies.poaching.target"
            if poach is not None and poach.target == sp.name:
                raise ValueError(f"{where}: a supplier cannot poach its own accounts")
            if poach is not None and poach.target not in names:
                near = [n for n in names if normal_name(n) == normal_name(poach.target)]
                near = near or difflib.get_close_matches(poach.target, names, n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise ValueError(f"{where}: no supplier named '{poach.target}'{hint}")
        return self

    def status_quo(self) -> Scenario:
        """This scenario's market under the status quo's supplier settings, without anybody's
        strategies: the market every scenario of a comparison is settled under before its
        strategies act from week 0 on (docs/ODD.md section 5). The status quo's settings are
        those of the root of the ``extends`` chain (the file that declares the market), as the
        loader found them, with the overrides of suppliers other than the focal one; a
        scenario built in code, or a root file, uses its own suppliers (so does a copy whose
        suppliers were replaced by others)."""
        sq = self._status_quo
        same = sq is not None and [s.name for s in sq] == [s.name for s in self.suppliers]
        base = sq if same else self.suppliers
        return self.model_copy(update={"suppliers": [
            s.model_copy(update={"strategies": Strategies()}) for s in base]})

    @property
    def focal_index(self) -> int:
        return next(i for i, s in enumerate(self.suppliers) if s.focal)
