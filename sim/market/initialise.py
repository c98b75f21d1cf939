"""Drawing customers from segment distributions, and the market's initial relationships.

Owns initialisation only (ODD section 5): who the customers are, whom they know at the start,
how loyal they are, and the 52 weeks of purchase history the books start from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.market.population import RING, WEEKS_SINCE_CAP, Population
from sim.params import SEGMENTS, Scenario
from sim.rules.closure import closure_hazard, weekly_hazard
from sim.rules.lifecycle import GENERAL, KEY, NONE, POTENTIAL, PROSPECT


@dataclass(frozen=True)
class SegmentTable:
    """Segment parameters as arrays indexed by segment code (order of ``SEGMENTS``)."""

    values: dict[str, np.ndarray]

    @classmethod
    def from_params(cls, params: Scenario) -> SegmentTable:
        rows = [params.segments[s] for s in SEGMENTS]
        names = type(rows[0]).model_fields
        return cls({k: np.array([getattr(r, k) for r in rows]) for k in names})

    def __getitem__(self, key: str) -> np.ndarray:
        return self.values[key]


def allocate_counts(total: int, shares: np.ndarray) -> np.ndarray:
    """Largest-remainder split of ``total`` customers by segment shares (same for any seed)."""
    raw = total * shares / shares.sum()
    counts = np.floor(raw).astype(int)
    short = total - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def segment_closure(size: np.ndarray, seg: np.ndarray, table: SegmentTable) -> np.ndarray:
    """Weekly closure hazards of customers of sizes ``size`` (t/week) in segments ``seg``."""
    return closure_hazard(table["closure_per_year"][seg], size, table["size_median"][seg],
                          table["size_sigma"][seg], table["closure_size_elasticity"][seg])


def draw_customers(pop: Population, rows: slice, seg: np.ndarray, week: int,
                   table: SegmentTable, rng: np.random.Generator,
                   presence: np.ndarray) -> None:
    """Fill customer rows ``rows`` of segments ``seg`` with draws from their distributions.

    Also draws whom each new customer knows: ``awareness`` suppliers sampled without
    replacement with probability proportional to ``presence`` (Gumbel top-k).
    """
    k = seg.size
    p = pop.arrays
    z = rng.standard_normal((4, k))
    p["active"][rows] = True
    p["segment"][rows] = seg
    p["entry_week"][rows] = week
    p["size"][rows] = table["size_median"][seg] * np.exp(table["size_sigma"][seg] * z[0])
    growth = np.maximum(table["growth_mean"][seg] + table["growth_sd"][seg] * z[1], -0.9)
    p["growth"][rows] = np.log1p(growth) / 52.0
    sd = table["price_sensitivity_sd"][seg]
    ps = table["price_sensitivity"][seg] * np.exp(sd * z[2] - 0.5 * sd * sd)
    p["ps_base"][rows] = ps
    p["ps"][rows] = ps
    p["switching"][rows] = table["switching_cost"][seg]
    p["tender"][rows] = rng.random(k) < table["tender_share"][seg]
    dsd = table["credit_default_sd"][seg]
    default = weekly_hazard(table["credit_default_per_year"][seg]) * np.exp(dsd * z[3]
                                                                            - 0.5 * dsd * dsd)
    p["default_hazard"][rows] = default
    p["exit_hazard"][rows] = default + segment_closure(p["size"][rows], seg, table)
    p["novelty"][rows] = np.clip(table["novelty"][seg]
                                 + table["novelty_sd"][seg] * rng.standard_normal(k), 0, 1)
    p["exposure"][rows] = table["ev_exposure"][seg]
    p["ev_native"][rows] = table["ev_native"][seg]
    p["season_amp"][rows] = table["seasonality"][seg]
    p["noise_sd"][rows] = table["noise_sd"][seg]
    p["order_interval"][rows] = table["order_interval_weeks"][seg]
    p["contract_supplier"][rows] = -1
    p["main"][rows] = -1
    n_sup = presence.size
    with np.errstate(divide="ignore"):  # presence 0 (carries nothing): never known
        keys = np.log(presence)[None, :] + rng.gumbel(size=(k, n_sup))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    aware = rank < np.minimum(table["awareness"][seg], n_sup)[:, None]
    p["aware"][rows] = aware
    p["stage"][rows] = NONE  # the week's lifecycle step records none -> prospect (an inflow)
    p["weeks_since"][rows] = WEEKS_SINCE_CAP


def initial_loyalty(aware: np.ndarray, presence: np.ndarray, j_ref: float,
                    rng: np.random.Generator, shape: float) -> np.ndarray:
    """Initial attractions: ``j_ref`` split over known suppliers by Gamma(``shape``) x
    presence (``adaptation.initial_loyalty_shape``)."""
    w = rng.gamma(shape, size=aware.shape) * presence[None, :] * aware
    total = w.sum(axis=1, keepdims=True)
    return j_ref * np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def seed_history(pop: Population, weekly_vol: np.ndarray, weekly_rev: np.ndarray,
                 weekly_cost: np.ndarray, rng: np.random.Generator,
                 tenure: tuple[float, int]) -> None:
    """Give existing relationships a year of steady purchases and a random tenure:
    geometric with mean ``tenure[0]`` weeks, at most ``tenure[1]`` (``lifecycle.
    initial_tenure_weeks``, ``lifecycle.max_initial_tenure_weeks``)."""
    mean_tenure_weeks, max_tenure_weeks = tenure
    buying = weekly_vol > 0
    pop.ring.seed(weekly_vol, weekly_rev, weekly_cost)
    v32 = weekly_vol.astype(np.float32).astype(np.float64)
    pop.vol52[:] = RING * v32
    pop.vol13[:] = 13 * v32
    pop.rev52[:] = RING * weekly_rev.astype(np.float32).astype(np.float64)
    pop.cost52[:] = RING * weekly_cost.astype(np.float32).astype(np.float64)
    pop.act13[:] = np.where(buying, 13, 0)
    drawn = np.minimum(rng.geometric(1.0 / mean_tenure_weeks, size=buying.shape),
                       max_tenure_weeks)
    pop.tenure[:] = np.where(buying, drawn, 0)
    pop.weeks_since[:] = np.where(buying, 0, WEEKS_SINCE_CAP)


def initial_stages(pop: Population, key_ok: np.ndarray, general_volume_t: float,
                   potential_min_weeks: int) -> None:
    """Stage of each existing relationship from its seeded history."""
    buying = pop.vol52 > 0
    stage = np.where(pop.aware, PROSPECT, NONE)  # the market as found at step 0
    stage = np.where(buying, POTENTIAL, stage)
    general = buying & (pop.tenure >= potential_min_weeks) & (pop.vol52 >= general_volume_t)
    stage = np.where(general, GENERAL, stage)
    stage = np.where(general & key_ok, KEY, stage)
    pop.stage[:] = stage.astype(np.int8)
