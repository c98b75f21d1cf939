"""A supplier's parameters and the blocks of the strategy library (docs/ODD.md, 7.l).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.params.base import (
    BUDGET,
    CAPEX,
    CONTACTS,
    EACH,
    PRESENCE_HI,
    PRESENCE_LO,
    RAMP,
    SALARY,
    TONNES_WEEK,
    WEEKS,
    Capacity,
    Name,
    P,
    Strict,
)

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
