"""The parameters of the rules of the week: choice, tenders, adaptation (satisfaction,
loyalty, price sensitivity, breach of trust), the lifecycle, ABC classes and finance.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import model_validator

from sim.params.base import VOLUME_YEAR, P, Strict


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
    breach_end_probability: float = P(
        0.0, unit="1/week", ge=0, le=1,
        source="chance, each week a buyer without a contract pays a supplier's unannounced "
               "breach-size rise, that it ends the relationship (drops the supplier from those "
               "it considers): critical incidents end relationships (Keaveney 1995); no "
               "published rate, 0 in the baseline, calibrated from a book's churn after a "
               "price rise (docs/BOOK.md)")
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
    search_threshold: float = P(
        0.05, unit="1 (relative price gap)", ge=0, le=1,
        source="a buyer without a contract searches only when a known rival prices more than "
               "this below its main supplier: above the spread of the rivals' markups that "
               "buyers live with (calibration, docs/ODD.md 7.n)")
    search_rate: float = P(
        3.0, unit="1/(week x sensitivity x relative gap)", ge=0, le=1000,
        source="weekly search probability per unit of price sensitivity and of gap above the "
               "threshold (calibration, docs/ODD.md 7.n; 0: no search)")
    search_loyalty_loss: float = P(
        1.0, unit="1", ge=0, le=1,
        source="share of loyalty to the main supplier a search withdraws: the choice is made "
               "afresh, as after a breach of trust (assumption)")

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
