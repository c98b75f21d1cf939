"""The arrays one week's rules read and write, as named structures the compiled rules take.

``Buyers`` holds the customers' and relationships' arrays (views of the population's rows in
use, ``sim/market/population.py``: N rows, S suppliers, M materials); ``Offer`` what the
suppliers offer this week as the buyers see it; ``RingSlots`` the two slots of the 52-week
books a week reads and writes; ``WeekOutcome`` what the week's orders and deliveries
brought. They are plain ``NamedTuple``s: numba compiles against their
field types, and a field is read by name (``b.loyalty[i, s]``, ``o.service[s]``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Buyers(NamedTuple):
    """Customers (N) and their relationships with the suppliers (N x S)."""

    active: np.ndarray            # N bool: in the market
    demand: np.ndarray            # N x M t this week
    novelty: np.ndarray           # N appetite for new materials (0..1)
    switching: np.ndarray         # N switching cost (utility)
    ps: np.ndarray                # N current price sensitivity
    ps_base: np.ndarray           # N own price sensitivity
    contract_supplier: np.ndarray  # N int16 tender winner, -1 none
    main: np.ndarray              # N int16 main supplier by 13-week volume, -1 none
    spell_rev: np.ndarray         # N focal supplier's spell revenue
    spell_margin: np.ndarray      # N ... and gross margin
    aware: np.ndarray             # N x S bool
    loyalty: np.ndarray           # N x S WKH attraction J
    satisfaction: np.ndarray      # N x S (0..1)
    share: np.ndarray             # N x S share of wallet delivered this week
    delivery: np.ndarray          # N x S EMA of the fill rate
    tenure: np.ndarray            # N x S int32 weeks in the buying spell
    weeks_since: np.ndarray       # N x S int32 weeks since the last purchase
    vol13: np.ndarray             # N x S 13-week volume
    vol52: np.ndarray             # N x S 52-week volume
    rev52: np.ndarray             # N x S 52-week revenue
    cost52: np.ndarray            # N x S 52-week cost
    act13: np.ndarray             # N x S int16 weeks with a purchase among the last 13
    stage: np.ndarray             # N x S int8 lifecycle stage
    kam: np.ndarray               # N x S bool key-account coverage
    dedicated: np.ndarray         # N x S bool dedicated team
    discount: np.ndarray          # N x S targeted discount off list price
    warned: np.ndarray            # N x S bool warned of a price move
    order_weeks: np.ndarray       # N weeks of demand in this week's order (0 between orders)

    @classmethod
    def of(cls, pop) -> Buyers:
        """The population's arrays of these names (its ``[:n]`` views, not copies)."""
        return cls(*(getattr(pop, name) for name in cls._fields))


class Offer(NamedTuple):
    """The suppliers' side of the week (S, or S x M per material)."""

    service: np.ndarray           # S service level
    care_service: np.ndarray      # S service boost of key-account care
    dedicated_service: np.ndarray  # S further boost of a dedicated team
    portfolio: np.ndarray         # S share of the new EV materials carried
    carries: np.ndarray           # S x M 1 where the material is carried
    rel_price: np.ndarray         # S x M list price relative to the market price
    price: np.ndarray             # S x M list price
    unit_cost: np.ndarray         # S x M average cost of stock plus processing, per t
    care_recovery: np.ndarray     # S satisfaction recovery factor of care
    care_payoff: np.ndarray       # S loyalty payoff factor of care
    dedicated_payoff: np.ndarray  # S ... of a dedicated team
    cultivation: np.ndarray       # S payoff bonus for potential and general accounts
    rise: np.ndarray              # S price rise over the rise window (>= 0)


class RingSlots(NamedTuple):
    """The 52-week books' slots a week touches (N x S float32 each): this week's slot (it
    holds the figures of 52 weeks ago until overwritten) and the volume of 13 weeks ago."""

    vol: np.ndarray
    rev: np.ndarray
    cost: np.ndarray
    vol_13_ago: np.ndarray


class WeekOutcome(NamedTuple):
    """What this week's choice and fulfilment brought, as adaptation reads it."""

    orders: np.ndarray            # M x N x S t ordered in the first round
    first: np.ndarray             # N x S t delivered in the first round (all materials)
    vol: np.ndarray               # N x S t delivered in both rounds
    rev: np.ndarray               # N x S revenue
    cost: np.ndarray              # N x S cost
    relative_price: np.ndarray    # S each supplier's price relative to the market
    breach: np.ndarray            # S share of loyalty its unwarned buyers withdraw
    credit_ok: np.ndarray         # N bool: the buyer pays reliably (for key accounts)
