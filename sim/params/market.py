"""The market's parameters: the run, raw materials and their cost shocks, the EV transition
and the customer segments.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.defaults import DEFAULT_MATERIALS
from sim.params.base import (
    CUSTOMER_T_WEEK,
    ENTRY,
    PRICE_FLOOR,
    PRICE_T,
    RAMP,
    RUN_WEEKS,
    SEED,
    WEEKS,
    Mix,
    P,
    Strict,
)


class RunParams(Strict):
    weeks: int = P(260, unit="week", source="five-year strategy horizon", ge=1, le=RUN_WEEKS)
    seed: int = P(1, unit="-", source="any", ge=0, le=SEED)
    customers: int = P(1000, unit="customers", source="issue 2: about 1,000 customers", ge=1,
                       le=2_000_000)
    start_year: float = P(2025.0, unit="year", source="calendar year of step 0", ge=1990,
                          le=2100)
    scale: float = P(1.0, unit="1", gt=0, le=100,
                     source="size of this copy of the market: customers, entry, capacities, "
                            "staff and fixed costs scaled together (sim/market/scale.py)")


class MaterialParams(Strict):
    base_cost: float = P(4200.0, unit="CNY/t", source="Chinese cold-rolled coil, 2024-25",
                         ge=PRICE_FLOOR, le=PRICE_T)
    volatility: float = P(0.02, unit="1/sqrt(week)", ge=0, le=0.5,
                          source="weekly s.d. of log price, SHFE steel/aluminium 2020-24")
    reversion: float = P(0.03, unit="1/week", ge=0, le=1,
                         source="half-life of price deviations about half a year")
    processing_cost: float = P(220.0, unit="CNY/t", ge=0, le=PRICE_T,
                               source="slitting/cutting and JIT logistics, industry norm")


def _default_materials() -> dict[str, MaterialParams]:
    return {k: MaterialParams(**v) for k, v in DEFAULT_MATERIALS.items()}


class Shock(Strict):
    """A scheduled raw-material cost shock: ramp up, hold, then ease back."""

    material: Literal["steel", "hdg_ahss", "aluminium"] = P(
        "steel", unit="-", source="scenario")
    start_week: int = P(60, unit="week", source="scenario", ge=0, le=WEEKS)
    magnitude: float = P(0.30, unit="1", source="2021 steel price spike (+30-40%)", ge=-0.9,
                         le=5)
    ramp_weeks: int = P(6, unit="week", source="scenario", ge=1, le=RAMP)
    hold_weeks: int = P(8, unit="week", source="scenario", ge=0, le=WEEKS)
    ease_weeks: int = P(20, unit="week", source="scenario", ge=1, le=RAMP)
    foresight_weeks: int = P(4, unit="week", ge=0, le=52,
                             source="mills announce list prices weeks ahead")


class EVParams(Strict):
    """Logistic EV-adoption curve and the material mixes it moves between."""

    share_start: float = P(0.45, unit="1", ge=0.001, le=0.999,
                           source="China NEV share of new cars, 2024-25 (~45%)")
    width_years: float = P(2.5, unit="year", gt=0, le=50, source="assumption")
    growth_taper: bool = P(
        True, unit="-",
        source="EV-native buyers' growth scales with the NEV headroom (1 - e(t))/(1 - e(0)): "
               "NEV output growth slows as the NEV share saturates")
    mix_ice: Mix = Field(default_factory=lambda: Mix(steel=0.78, hdg_ahss=0.17, aluminium=0.05))
    mix_ev: Mix = Field(default_factory=lambda: Mix(steel=0.45, hdg_ahss=0.30, aluminium=0.25))


#: the longest mean order interval (weeks): well inside ``lifecycle.lost_after_weeks``' default
MAX_ORDER_INTERVAL = 13.0

#: the highest annual closure rate the size factor can give a small customer (sim/rules/closure.py):
#: even the smallest shop survives a year more often than not
MAX_CLOSURE_PER_YEAR = 0.5


class SegmentParams(Strict):
    share: float = P(0.2, unit="1", ge=0, le=1, source="share of initial customers")
    entry_per_year: float = P(2.0, unit="customers/year", ge=0, le=ENTRY,
                                 source="scenario")
    size_median: float = P(5.0, unit="t/week", gt=0, le=CUSTOMER_T_WEEK,
                              source="segment median weekly demand")
    size_sigma: float = P(1.2, unit="1", ge=0, le=4,
                          source="log-normal dispersion; heavy tail gives concentration")
    growth_mean: float = P(0.0, unit="1/year", ge=-0.9, le=3, source="segment demand growth")
    growth_sd: float = P(0.05, unit="1/year", ge=0, le=2, source="assumption")
    price_sensitivity: float = P(8.0, unit="1/(relative price)", ge=0, le=200,
                                 source="utility per unit relative price difference")
    price_sensitivity_sd: float = P(0.3, unit="1", ge=0, le=3, source="log-normal dispersion")
    switching_cost: float = P(1.0, unit="utility", ge=0, le=50,
                              source="qualification & audit cost of a new supplier")
    tender_share: float = P(0.0, unit="1", ge=0, le=1,
                            source="share of the segment buying by periodic tender")
    credit_default_per_year: float = P(0.005, unit="1/year", ge=0, le=1,
                                       source="default hazard; tier-2 higher")
    closure_per_year: float = P(0.03, unit="1/year", ge=0, le=1,
                                source="market exit without default; the segment's average "
                                       "rate (docs/ODD.md 7.c)")
    closure_size_elasticity: float = P(
        0.0, unit="1", ge=0, le=1.5,
        source="κ: closure hazard ∝ (size / segment median)^(−κ), segment mean kept; firm "
               "exit rates fall with size (small parts makers close, merge or are absorbed "
               "more often than OEMs and tier-1s); 0: size-free; fit it to a book")
    novelty: float = P(0.3, unit="1", ge=0, le=1,
                       source="willingness to try new materials at a premium")
    novelty_sd: float = P(0.15, unit="1", ge=0, le=1,
                          source="spread of novelty between customers of a segment (normal, "
                                 "clipped to [0, 1]; assumption)")
    credit_default_sd: float = P(0.5, unit="1", ge=0, le=3,
                                 source="log-normal dispersion of customers' default hazards "
                                        "around the segment's (mean kept; assumption)")
    ev_exposure: float = P(1.0, unit="1", ge=0, le=1,
                           source="how much of the EV shift reaches this segment's mix")
    ev_native: bool = P(False, unit="-", source="mix is the EV mix from the start")
    seasonality: float = P(0.08, unit="1", ge=0, le=0.9, source="annual amplitude")
    noise_sd: float = P(0.15, unit="1", ge=0, le=2, source="weekly log-normal demand noise")
    order_interval_weeks: float = P(
        1.0, unit="week", ge=1, le=MAX_ORDER_INTERVAL,
        source="mean weeks between a customer's orders: it orders in a week with probability "
               "1/interval, its demand waiting until then (1: every week it has demand; "
               "books show about 2 for large accounts, docs/BOOK.md)")
    awareness: int = P(2, unit="suppliers", ge=1, le=100,
                       source="suppliers a customer knows at the start")
