"""Workshop mode's parameters: the rules of play and the levers a team sets each round
(docs/WORKSHOP.md). Not part of a scenario.
"""

from __future__ import annotations

from typing import Literal

from sim.params.base import P, Strict

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
