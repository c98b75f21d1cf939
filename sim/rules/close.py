"""The close of the week: adaptation, rolling books, price sensitivity, supplier search,
lifecycle stages.

docs/ODD.md 7.h-7.i, steps 10-11 of ``MarketModel.step``, in this order: every relationship
adapts (satisfaction, share of wallet, loyalty, delivery record, ``adapt.adapt``) and rolls its
books (``books.roll_books``, with each buyer's main supplier); every buyer's price
sensitivity moves (``adapt.update_price_sensitivity``); a buyer whose main supplier is
undercut may search (``search.search``), both reading each buyer's gap to its cheapest
known rival, computed once (``search.rival_gaps``); every relationship's lifecycle stage follows
(``lifecycle.advance``). One compiled call for the five.
"""

from __future__ import annotations

import numpy as np

from sim.rules.adapt import AdaptRules, adapt, update_price_sensitivity
from sim.rules.books import roll_books
from sim.rules.jit import jit
from sim.rules.lifecycle import StageRules, advance
from sim.rules.search import rival_gaps, search
from sim.rules.state import Buyers, Offer, RingSlots, WeekOutcome


@jit
def close_week(b: Buyers, o: Offer, ring: RingSlots, week: WeekOutcome, adapt_rules: AdaptRules,
               stage_rules: StageRules, focal: int) -> np.ndarray:
    """Adapt, roll the books and move the stages of every buyer after this ``week``
    (``focal``: the supplier whose relationship spells are kept). Returns last week's
    stages (N x S)."""
    adapt(b, o, adapt_rules, week)
    roll_books(b, ring, week, focal)
    gaps = rival_gaps(b, week.relative_price)
    update_price_sensitivity(b, adapt_rules, gaps)
    search(b, adapt_rules, gaps, week.search_draw)
    return advance(b, stage_rules, week)
