"""The one declaration of every kamsim parameter.

Each parameter is declared once, here, with its type, unit, default, bounds and source. The
scenario loader validates files against these models; sweeps read bounds from them; the browser
explorer builds its sliders from them; ``kamsim params`` prints them for the ODD. Nothing else
in the code base may restate a default.

Conventions: money in CNY, volumes in tonnes (t), time in weeks unless the name says otherwise
(``_per_year``), rates as fractions (0.05 = 5 %).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from sim.defaults import DEFAULT_MATERIALS, DEFAULT_SEGMENTS

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
                                source="market exit without default")
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
    awareness: int = P(2, unit="suppliers", ge=1, le=100,
                       source="suppliers a customer knows at the start")


# ---------------------------------------------------------------- strategies (issue 3)
# Each block, when present under a supplier's `strategies` table, switches that strategy on
# (an empty table takes the defaults). Mechanisms are described in docs/ODD.md, 7.l.


class PriceWar(Strict):
    undercut: float = P(0.05, unit="1", ge=0, le=0.5,
                        source="price below last week's market price by this share")
    floor_markup: float = P(-0.02, unit="1", ge=-0.5, le=1,
                            source="never below replacement cost x (1 + floor)")
    start_week: int = P(0, unit="week", ge=0, le=WEEKS, source="scenario")
    weeks: int = P(104, unit="week", ge=1, le=WEEKS, source="a two-year share grab")


class KamCentre(Strict):
    managers: int = P(6, unit="people", ge=0, le=10_000,
                      source="pooled finance, sales, after-sales and back-office staff")
    accounts_per_manager: int = P(6, unit="accounts", ge=1, le=1000,
                                  source="deeper coverage than a sales rep's span")
    manager_cost_per_year: float = P(350_000.0, unit="CNY/year", ge=0, le=SALARY,
                                     source="assumption")
    overhead_per_year: float = P(1_000_000.0, unit="CNY/year", ge=0, le=BUDGET,
                                 source="centre systems, finance and after-sales support")
    classes: Literal["A", "AB"] = P("AB", unit="-", source="assigned by ABC class, A first")
    service_boost: float = P(0.1, unit="1", ge=0, le=1, source="better service")
    payoff_boost: float = P(0.4, unit="1", ge=0, le=5, source="deeper relationship")
    recovery: float = P(2.0, unit="1", ge=1, le=10,
                        source="faster problem resolution: satisfaction recovers x faster")


class DedicatedTeam(Strict):
    accounts: int = P(3, unit="accounts", ge=0, le=1000, source="the top-N mega accounts")
    staff_per_team: int = P(3, unit="people", ge=1, le=100, source="assumption")
    staff_cost_per_year: float = P(350_000.0, unit="CNY/year", ge=0, le=SALARY,
                                   source="assumption")
    tender_bonus: float = P(1.0, unit="score", ge=0, le=100, source="tender preparation")
    service_boost: float = P(0.15, unit="1", ge=0, le=1, source="constant contact")
    payoff_boost: float = P(0.5, unit="1", ge=0, le=5, source="constant contact")


class PriceCommunication(Strict):
    coverage: Literal["covered", "key", "buying"] = P(
        "covered", unit="-", source="whom to warn: KAM-covered, key accounts, or all buyers")
    prestock_weeks: float = P(3.0, unit="week", ge=0, le=52,
                              source="extra weeks of stock bought before a foreseen rise")
    cost_per_warning: float = P(300.0, unit="CNY", ge=0, le=EACH, source="a visit or call")


class SupplyAssurance(Strict):
    safety_weeks: float = P(2.0, unit="week", ge=0, le=52, source="safety stock")
    key_first: bool = P(True, unit="-", source="priority rationing for key accounts")


class DemandForecasting(Strict):
    quality: float = P(0.8, unit="1", ge=0, le=1,
                       source="0 naive smoothing .. 1 knows this week's orders")
    cost_per_year: float = P(600_000.0, unit="CNY/year", ge=0, le=BUDGET,
                              source="a data team")


class NewMaterials(Strict):
    start_week: int = P(0, unit="week", ge=0, le=WEEKS, source="ahead of demand")
    ramp_weeks: int = P(26, unit="week", ge=1, le=RAMP, source="line installation")
    hdg_ahss_add: float = P(300.0, unit="t/week", ge=0, le=TONNES_WEEK, source="assumption")
    aluminium_add: float = P(200.0, unit="t/week", ge=0, le=TONNES_WEEK,
                                source="assumption")


class Development(Strict):
    extra_staff: int = P(3, unit="people", ge=0, le=10_000, source="prospecting budget")
    staff_cost_per_year: float = P(250_000.0, unit="CNY/year", ge=0, le=SALARY,
                                   source="assumption")
    targeted: bool = P(True, unit="-", source="prefer new entrants and large buyers")
    early_engagement: float = P(0.5, unit="1", ge=0, le=1,
                                source="chance to join a new customer's planning at entry")
    head_start: float = P(0.3, unit="1", ge=0, le=1,
                          source="loyalty head start from early engagement (x J_ref)")
    cultivation: float = P(0.3, unit="1", ge=0, le=5,
                           source="payoff boost for potential and general accounts")
    intro_discount: float = P(0.0, unit="1", ge=0, le=0.9,
                              source="development by price cuts: discount to new customers")
    intro_weeks: int = P(26, unit="week", ge=1, le=520,
                         source="how long a new customer keeps the introductory discount")
    recent_entry_weight: float = P(
        3.0, unit="1", ge=1, le=100,
        source="targeted prospecting: weight of a customer that entered the market within a "
               "year, relative to an older one of the same size (assumption)")


class LifecycleCare(Strict):
    threshold: float = P(0.65, unit="1", ge=0, le=1,
                         source="satisfaction below which an account is flagged")
    recovery: float = P(0.15, unit="1", ge=0, le=1, source="satisfaction restored")
    loyalty_boost: float = P(0.1, unit="1", ge=0, le=1, source="x J_ref")
    max_per_week: int = P(10, unit="accounts/week", ge=0, le=100_000, source="team capacity")
    cost_per_intervention: float = P(3000.0, unit="CNY", ge=0, le=EACH,
                                     source="visit, expert support")


class Poaching(Strict):
    target: Name = P("Focal", unit="-", source="the rival whose accounts are targeted")
    discount: float = P(0.08, unit="1", ge=0, le=0.9, source="targeted discount")
    max_accounts: int = P(20, unit="accounts", ge=0, le=100_000, source="assumption")
    start_week: int = P(0, unit="week", ge=0, le=WEEKS, source="scenario")


class Strategies(Strict):
    price_war: PriceWar | None = None
    kam_centre: KamCentre | None = None
    dedicated_team: DedicatedTeam | None = None
    proactive_price_communication: PriceCommunication | None = None
    supply_assurance: SupplyAssurance | None = None
    demand_forecasting: DemandForecasting | None = None
    new_materials: NewMaterials | None = None
    development: Development | None = None
    lifecycle_care: LifecycleCare | None = None
    poaching: Poaching | None = None



class SupplierParams(Strict):
    name: Name = P("Supplier", unit="-", source="scenario")
    focal: bool = P(False, unit="-", source="scenario")
    presence: float = P(1.0, unit="1", ge=PRESENCE_LO, le=PRESENCE_HI,
                        source="relative weight in initial awareness and loyalty")
    capacity: Capacity = Field(
        default_factory=lambda: Capacity(steel=1300, hdg_ahss=450, aluminium=150))
    stock_cover_weeks: float = P(3.0, unit="week", ge=0, le=52,
                                 source="service-centre inventory norm")
    markup: float = P(0.07, unit="1", ge=-0.5, le=2, source="cost-plus margin of processors")
    service_level: float = P(0.8, unit="1", ge=0, le=1, source="on-time/quality score")
    kam_managers: int = P(2, unit="people", ge=0, le=10_000, source="scenario")
    accounts_per_manager: int = P(8, unit="accounts", ge=1, le=1000, source="KAM span")
    manager_cost_per_year: float = P(300_000.0, unit="CNY/year", ge=0, le=SALARY,
                                     source="loaded salary of an account manager")
    dev_staff: int = P(1, unit="people", ge=0, le=10_000, source="scenario")
    prospects_per_staff_week: float = P(1.0, unit="customers/week", ge=0, le=CONTACTS,
                                        source="new contacts per salesperson-week")
    dev_cost_per_year: float = P(250_000.0, unit="CNY/year", ge=0, le=SALARY,
                                 source="loaded salary of a salesperson")
    expand_utilisation: float = P(0.9, unit="1", gt=0, le=10,
                                  source="add capacity when a quarter's orders exceed this "
                                         "share of it (reactive expansion)")
    expand_step: float = P(0.15, unit="1", ge=0, le=2,
                           source="capacity added per quarterly expansion")
    capacity_cost_per_t_week_year: float = P(
        4000.0, unit="CNY/(t/week)/year", ge=0, le=CAPEX,
        source="annualised capex and fixed cost of added processing capacity")
    forecast_alpha: float = P(0.3, unit="1", gt=0, le=1,
                              source="exponential smoothing weight of order forecast")
    rationing: Literal["proportional", "key_first"] = P(
        "proportional", unit="-", source="fulfilment rule when short")
    pricing: Literal["cost_plus"] = P("cost_plus", unit="-", source="policy seam default")
    communication: Literal["silent"] = P("silent", unit="-", source="policy seam default")
    kam_allocation: Literal["top_revenue"] = P("top_revenue", unit="-", source="default")
    inventory: Literal["order_up_to"] = P("order_up_to", unit="-", source="default")
    prospecting: Literal["random"] = P("random", unit="-", source="default")
    strategies: Strategies = Field(default_factory=Strategies)


class ChoiceParams(Strict):
    mode: Literal["split", "sample"] = P(
        "split", unit="-", source="split: expected shares; sample: one supplier a week (WKH)")
    beta_loyalty: float = P(1.0, unit="1/loyalty", ge=0, le=1000,
                            source="WKH (2000) discrimination parameter beta")
    use_price: bool = P(True, unit="-", source="switch for the WKH reduction")
    beta_service: float = P(2.0, unit="utility", ge=0, le=100, source="assumption")
    beta_kam: float = P(0.6, unit="utility", ge=0, le=100, source="assumption")
    beta_fit_new: float = P(0.8, unit="utility", ge=0, le=100,
                            source="premium for carrying new EV materials")
    min_share: float = P(0.05, unit="1", ge=0, lt=1,
                         source="no order below 5 % of a customer's wallet (WKH case: 0)")
    use_switching_cost: bool = P(True, unit="-", source="switch for the WKH reduction")
    incumbent_weeks: int = P(13, unit="week", ge=1, le=520,
                             source="a supplier bought from in this window is incumbent")


class TenderParams(Strict):
    period_weeks: int = P(52, unit="week", ge=4, le=520, source="annual supply contracts")
    contract_share: float = P(0.7, unit="1", ge=0, le=1,
                              source="share of volume awarded to the tender winner")
    w_price: float = P(10.0, unit="score/(relative price)", ge=0, le=1000, source="assumption")
    w_delivery: float = P(2.0, unit="score", ge=0, le=100,
                          source="weight of delivery performance in the last contract")
    w_loyalty: float = P(0.5, unit="score/loyalty", ge=0, le=100, source="assumption")
    w_kam: float = P(0.5, unit="score", ge=0, le=100, source="relationship/tender preparation")
    noise_sd: float = P(0.3, unit="score", ge=0, le=100, source="idiosyncratic tender factors")
    min_coverage: float = P(
        0.5, unit="1", ge=0, le=1,
        source="a supplier may bid only if it carries at least this share of the tender's "
               "material mix (assumption)")


class AdaptationParams(Strict):
    initial_loyalty: Literal["settled", "zero"] = P(
        "settled", unit="-", source="settled: WKH fixed point of the initial shares; zero: WKH")
    settle_iterations: int = P(
        20, unit="iterations", ge=0, le=1000,
        source="damped fixed-point iterations that settle the initial loyalties (enough for "
               "shares to stop moving at the default gamma)")
    initial_loyalty_shape: float = P(
        0.7, unit="1", gt=0, le=100,
        source="Gamma shape of the random split of initial loyalty over known suppliers: "
               "below 1, most customers favour one supplier (assumption)")
    initial_satisfaction: float = P(0.7, unit="1", ge=0, le=1,
                                    source="satisfaction with a supplier before any purchase "
                                           "(at the zone of tolerance)")
    gamma: float = P(0.05, unit="1/week", ge=0, le=1, source="WKH forgetting rate gamma")
    payoff: float = P(0.1, unit="loyalty/week", ge=0, le=100, source="WKH payoff pi")
    payoff_satisfaction_weight: float = P(
        1.0, unit="1", ge=0, le=1, source="only satisfying purchases build loyalty")
    satisfaction_tolerance: float = P(
        0.7, unit="1", ge=0, lt=1,
        source="zone of tolerance: satisfaction at which a purchase stops reinforcing loyalty")
    satisfaction_rate: float = P(0.1, unit="1/week", ge=0, le=1, source="assumption")
    delivery_smoothing: float = P(
        0.1, unit="1/week", ge=0, le=1,
        source="exponential smoothing of a customer's delivery record of a supplier (fill "
               "rate of first-round orders; a memory of about ten orders; assumption)")
    w_fill: float = P(0.4, unit="1", ge=0, le=1, source="delivery reliability (JIT supply)")
    w_service: float = P(0.4, unit="1", ge=0, le=1, source="quality and after-sales service")
    w_price: float = P(0.2, unit="1", ge=0, le=1, source="price fairness against the market")
    w_warning: float = P(0.3, unit="1", ge=0, le=1,
                         source="satisfaction lost to an unannounced price rise (at most)")
    fairness_slope: float = P(5.0, unit="1/(relative price)", ge=0, le=100,
                              source="satisfaction lost per 1 % above market price x 100")
    rise_window_weeks: int = P(4, unit="week", ge=1, le=52, source="assumption")
    rise_penalty: float = P(8.0, unit="1/(relative rise)", ge=0, le=100,
                            source="an unannounced 10 % rise halves the warning term")
    breach_threshold: float = P(
        0.05, unit="1 (relative rise)", ge=0, le=10,
        source="a rise over rise_window_weeks above this is a breach of trust when unannounced"
               " (a monthly move index noise alone exceeds in about 1 week in 50)")
    breach_loyalty_loss: float = P(
        0.05, unit="1/week", ge=0, le=1,
        source="share of loyalty lost each week an unannounced breach-size rise is paid "
               "(critical incident; pricing behind 30 % of switching, Keaveney 1995)")
    kam_service_boost: float = P(0.1, unit="1", ge=0, le=1, source="assumption")
    ps_rate: float = P(0.05, unit="1/week", ge=0, le=1, source="assumption")
    ps_cut_gain: float = P(0.5, unit="1", ge=0, le=10,
                           source="sensitivity rises when a rival undercuts the main supplier")
    ps_cut_threshold: float = P(0.02, unit="1", ge=0, le=1, source="assumption")
    ps_thin_gain: float = P(0.3, unit="1", ge=0, le=10, source="thin relationships")
    ps_tenure_relief: float = P(0.3, unit="1", ge=0, le=0.99, source="assumption")
    ps_tenure_weeks: float = P(260.0, unit="week", gt=0, le=5200,
                               source="tenure with the main supplier at which the tenure "
                                      "relief is full (five years; assumption)")
    ps_kam_relief: float = P(0.2, unit="1", ge=0, le=0.99, source="assumption")

    @model_validator(mode="after")
    def _weights(self) -> AdaptationParams:
        total = self.w_fill + self.w_service + self.w_price
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"w_fill + w_service + w_price must add up to 1 "
                             f"(they add up to {total:.4g})")
        return self


class LifecycleParams(Strict):
    key_volume_t: float = P(500.0, unit="t/52 weeks", ge=0, le=VOLUME_YEAR,
                            source="source paper: a key account orders over 500 t")
    general_volume_t: float = P(50.0, unit="t/52 weeks", ge=0, le=VOLUME_YEAR,
                                source="assumption")
    continuity_weeks: int = P(9, unit="weeks of 13", ge=0, le=13,
                              source="'continuously and stably': buys in 9 of 13 weeks")
    key_margin_floor: float = P(0.03, unit="1", ge=-1, le=1,
                                source="gross margin floor of a key account")
    key_max_default_per_year: float = P(0.02, unit="1/year", ge=0, le=1,
                                        source="'good credit and ability to pay'")
    potential_min_weeks: int = P(13, unit="week", ge=0, le=520, source="assumption")
    sunset_ratio: float = P(0.6, unit="1", ge=0, le=1,
                            source="last 13 weeks below 60 % of the 52-week run rate")
    recovery_ratio: float = P(0.9, unit="1", ge=0, le=2, source="assumption")
    lost_after_weeks: int = P(26, unit="week", ge=1, le=520,
                              source="no purchase for half a year = lost")
    initial_tenure_weeks: float = P(
        156.0, unit="week", ge=1, le=2600,
        source="mean tenure of the relationships found at step 0 (geometric; three years, "
               "assumption)")
    max_initial_tenure_weeks: int = P(520, unit="week", ge=1, le=5200,
                                      source="tenure of an existing relationship at step 0 is "
                                             "at most ten years (assumption)")


class ABCParams(Strict):
    mode: Literal["count", "revenue"] = P("count", unit="-", source="source paper")
    a_share: float = P(0.15, unit="1", gt=0, lt=1, source="A = critical 10-20 %")
    b_share: float = P(0.20, unit="1", ge=0, lt=1, source="B about 20 %")
    a_revenue: float = P(0.80, unit="1", gt=0, lt=1, source="Pareto 80/20")
    b_revenue: float = P(0.95, unit="1", gt=0, le=1, source="assumption")

    @model_validator(mode="after")
    def _ordered(self) -> ABCParams:
        if self.a_share + self.b_share >= 1:
            raise ValueError("a_share + b_share must be below 1")
        if self.b_revenue <= self.a_revenue:
            raise ValueError("b_revenue must exceed a_revenue")
        return self


class FinanceParams(Strict):
    payment_terms_weeks: int = P(8, unit="week", ge=0, le=52,
                                 source="~60-day receivables in Chinese auto supply")
    discount_rate: float = P(0.08, unit="1/year", ge=0, le=1, source="WACC assumption")
    holding_cost_per_year: float = P(0.10, unit="1/year", ge=0, le=1,
                                     source="cost of carrying stock, share of its value")


class BookParams(Strict):
    """The focal supplier's own customer book (docs/BOOK.md); none when ``path`` is empty."""

    path: str = P("", unit="-", source="folder of accounts/invoice_lines/opportunities tables, "
                  "relative to the scenario file; empty: customers from segments only")
    default_share_of_wallet: float = P(
        0.5, unit="1", gt=0, le=1,
        source="focal share of a book account's needs where the book gives none (assumption)")


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
    budget: int = P(48, unit="runs", ge=4, le=1_000_000, source="model runs in all")
    replications: int = P(2, unit="runs", ge=1, le=100,
                          source="runs per candidate, on common random numbers")
    weeks: int = P(156, unit="week", ge=104, le=5200,
                   source="weeks simulated from the book's end: the book's own years")


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


# ---------------------------------------------------------------- workshop mode (issue 14)
# Not part of a scenario: the rules of a workshop (stored with it) and the levers a team sets
# each round, each mapped onto the supplier parameters above (sim/workshop/levers.py).


class WorkshopSettings(Strict):
    """A workshop's rules of play (stored with the workshop)."""

    rounds: int = P(3, unit="round", ge=1, le=40, source="a 90-minute session: three rounds")
    round_weeks: int = P(13, unit="week", ge=1, le=52, source="a quarter per round")
    budget_per_year: float = P(
        12_000_000.0, unit="CNY/year", ge=0,
        source="discretionary spend on the levers; the reservoir bundle costs about 11 M")
    score_profit_weight: float = P(1.0, unit="points/M CNY", ge=0, le=100,
                                   source="score: cumulative net profit in M CNY")
    score_key_weight: float = P(20.0, unit="points", ge=0, le=1000,
                                source="score: key-account revenue retained (1 = all)")
    score_pool_weight: float = P(10.0, unit="points", ge=0, le=1000,
                                 source="score: pool health (acquired/lost), capped at 2")
    mega_oem_size: float = P(6.0, unit="1", ge=1, le=100,
                             source="event: a mega OEM's plant buys this many times a typical "
                                    "EV-OEM plant drawn from the segment")


class Levers(Strict):
    """One team's decisions for a round. Each maps onto existing supplier parameters."""

    price_margin: float = P(0.07, unit="1", ge=-0.05, le=0.25,
                            source="supplier markup (cost-plus margin)")
    account_managers: int = P(3, unit="people", ge=0, le=40,
                              source="kam_managers, or the KAM centre's managers")
    allocation: Literal["revenue", "A", "AB"] = P(
        "revenue", unit="-",
        source="revenue: managers cover the largest accounts; A/AB: a KAM centre by ABC class")
    price_communication: Literal["silent", "covered", "key", "buying"] = P(
        "silent", unit="-", source="proactive_price_communication.coverage")
    safety_stock_weeks: float = P(0.0, unit="week", ge=0, le=12,
                                  source="supply_assurance.safety_weeks")
    key_first: bool = P(False, unit="-", source="supply_assurance.key_first rationing")
    ev_hdg_ahss_add: float = P(0.0, unit="t/week", ge=0, le=1000,
                               source="new_materials.hdg_ahss_add")
    ev_aluminium_add: float = P(0.0, unit="t/week", ge=0, le=1000,
                                source="new_materials.aluminium_add")
    prospecting_staff: int = P(0, unit="people", ge=0, le=30,
                               source="development.extra_staff")
    dedicated_accounts: int = P(0, unit="accounts", ge=0, le=15,
                                source="dedicated_team.accounts")
    care_per_week: int = P(0, unit="accounts/week", ge=0, le=60,
                           source="lifecycle_care.max_per_week")
