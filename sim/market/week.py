"""The customers' week: choice, fulfilment, books, adaptation and the lifecycle.

``CustomerWeek`` is a mixin of ``MarketModel`` (``sim/market/model.py``) holding steps 7-11 of
the weekly schedule (docs/ODD.md, section 3). Each step hands the model's arrays, as the named
structures of ``sim/rules/state.py``, to the compiled rules of ``sim.rules`` (choice, fulfil,
books, adapt, lifecycle), which loop over every customer and supplier; what is left here is
per supplier and material (a handful of numbers). ``sim/reference.py`` is the per-agent
oracle the week is tested against (tests/benchmarks/test_reference.py).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sim.market.population import RING
from sim.rules import adapt, books, choice, close, fulfil, lifecycle, search
from sim.rules.lifecycle import KEY
from sim.rules.state import Buyers, Offer, WeekOutcome


class WeekRules(NamedTuple):
    """The parameters the customers' week reads, as the compiled rules take them."""

    choice: choice.ChoiceRules
    adapt: adapt.AdaptRules


class WorkArrays:
    """The large arrays the week's rules write into (routine shares, orders, deliveries:
    M x N x S; the first round's deliveries and the spill-over orders: N x S), kept from week
    to week: a fresh allocation each week would cost page faults (fresh memory) worth a tenth
    of the step. Each buffer has room for the population's capacity of rows and is
    reallocated only when the population grows past it; ``deepcopy`` (the workshop's rounds)
    starts an empty set."""

    PER_MATERIAL = ("routine", "orders", "delivered")

    def __init__(self) -> None:
        self._buf: dict[str, np.ndarray] = {}

    def get(self, name: str, pop) -> np.ndarray:
        """``name``'s array for the population's rows in use: N x S, or M x N x S for the
        per-material arrays; C-ordered (the first elements of the buffer, not a slice of
        rows, which would not be contiguous)."""
        outer = (pop.n_materials,) if name in self.PER_MATERIAL else ()
        size = math.prod(outer) * pop.n * pop.n_suppliers
        buf = self._buf.get(name)
        if buf is None or buf.size < size:
            buf = self._buf[name] = np.empty(math.prod(outer) * pop.cap * pop.n_suppliers)
        return buf[:size].reshape(outer + (pop.n, pop.n_suppliers))

    def __deepcopy__(self, memo: dict) -> WorkArrays:
        return WorkArrays()


def _f64(a: np.ndarray) -> np.ndarray:
    """``a`` as a C-ordered float64 array (itself when it is one): the type the rules take."""
    return np.ascontiguousarray(a, dtype=np.float64)


class CustomerWeek:
    """Steps 7-11 of ``MarketModel.step`` (see the module docstring)."""

    @property
    def _work(self) -> WorkArrays:
        work = self.__dict__.get("_work_arrays")
        if work is None:
            work = self._work_arrays = WorkArrays()
        return work

    def _week_rules(self) -> WeekRules:
        """The run's ``WeekRules``, built again only when ``self.params`` is replaced."""
        cached = self.__dict__.get("_week_rules_of")
        if cached is None or cached[0] is not self.params:
            p = self.params
            cached = (p, WeekRules(choice.ChoiceRules.of(p.choice, p.tender),
                                   adapt.AdaptRules.of(p.adaptation, self.market.j_ref)))
            self._week_rules_of = cached
        return cached[1]

    def _offer(self) -> Offer:
        """What the suppliers offer this week, as the rules read it."""
        sup = self.supply
        return Offer(
            service=_f64(sup.service), care_service=_f64(sup.care_service),
            dedicated_service=_f64(sup.dedicated_service), portfolio=_f64(sup.portfolio),
            carries=_f64(sup.carries), rel_price=_f64(sup.rel_price), price=_f64(sup.price),
            unit_cost=_f64(sup.avg_cost + self.market.processing_cost[None, :]),
            care_recovery=_f64(sup.care_recovery), care_payoff=_f64(sup.care_payoff),
            dedicated_payoff=_f64(sup.dedicated_payoff), cultivation=_f64(sup.cultivation),
            rise=_f64(sup.price_rise()))

    def _routine_shares(self) -> np.ndarray:
        """Routine (logit) shares of every material, M x N x S (the settling of initial
        loyalties): the choice's, valid until the next call."""
        self._offer_now = self._offer()
        self._buyers_now = Buyers.of(self.pop)
        return self._choose_into(self._week_rules().choice._replace(sample=False),
                                 np.zeros((self.n_mat, 0)))[1]

    def _choose(self) -> tuple[np.ndarray, np.ndarray]:
        """Orders and routine shares, M x N x S each (docs/ODD.md 7.f)."""
        rules = self._week_rules().choice
        n = self.pop.n if rules.sample else 0  # one uniform per buyer and material to sample
        draws = self.streams.choice.random((self.n_mat, n))
        self._offer_now = self._offer()
        self._buyers_now = Buyers.of(self.pop)  # rows are added only before the choice
        return self._choose_into(rules, draws)

    def _choose_into(self, rules: choice.ChoiceRules,
                     draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        routine, orders = self._work.get("routine", self.pop), self._work.get("orders", self.pop)
        choice.choose(self._buyers_now, self._offer_now, rules, draws, routine, orders)
        self._orders_now = orders
        return orders, routine

    def _fulfil(self, orders: np.ndarray,
                routine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Deliveries in both rounds (M x N x S) and in the first, all materials together
        (N x S) (docs/ODD.md 7.g)."""
        pop, sup = self.pop, self.supply
        if sup.key_first.any():
            priority = ((pop.stage == KEY) | pop.kam) & sup.key_first[None, :]
        else:
            priority = np.zeros(pop.kam.shape, dtype=np.bool_)
        available = _f64(np.minimum(sup.stock, sup.capacity).T)
        work = self._work
        delivered, first = work.get("delivered", pop), work.get("first", pop)
        ordered, shipped, shipped_first = fulfil.fulfil(
            orders, routine, available, priority, delivered, first, work.get("spill", pop))
        sup.orders_by_mat = np.ascontiguousarray(ordered.T)  # S x M
        sup.first_delivered = np.ascontiguousarray(shipped_first.T)
        self._shipped = np.ascontiguousarray(shipped.T)
        sup.stock[:] = np.maximum(sup.stock - self._shipped, 0.0)
        return delivered, first

    def _books(self, delivered: np.ndarray, bad_debt: np.ndarray) -> dict[str, np.ndarray]:
        """The week's books: per relationship (N x S) and per supplier."""
        o = self._offer_now
        # the routine shares are not read after fulfilment: their buffer holds the books
        vol, rev, cost = self._work.get("routine", self.pop)[:3]
        books.week_books(delivered, o.price, self.pop.discount, o.unit_cost, vol, rev, cost)
        return {"vol": vol, "rev": rev, "cost": cost,
                **self._supplier_books(self._shipped, rev.sum(0), bad_debt)}

    def _adapt(self, delivered: np.ndarray, first: np.ndarray,
               week_books: dict[str, np.ndarray], breach: np.ndarray) -> None:
        """Keep what the close of the week needs (``first``: the first round's deliveries):
        it runs with the lifecycle, in one compiled call (``sim/rules/close.py``)."""
        self._outcome_now = WeekOutcome(
            orders=self._orders_now, first=first, vol=week_books["vol"], rev=week_books["rev"],
            cost=week_books["cost"], relative_price=_f64(self.supply.avg_rel_price()),
            breach=_f64(breach), credit_ok=self._credit_ok(),
            search_draw=search.search_draws(self.streams.choice, self.pop.n,
                                            self.params.adaptation))

    def _lifecycle(self) -> dict[str, np.ndarray]:
        """Adaptation, rolling books, main supplier and price sensitivity (docs/ODD.md 7.h),
        then every relationship's stage (7.i); the focal supplier's spells."""
        pop, f = self.pop, self.focal
        slot, old13 = self.week % RING, (self.week - 13) % RING
        ring = pop.ring.open_week(slot, old13, pop.n, pop.cap)
        old = close.close_week(self._buyers_now, self._offer_now, ring, self._outcome_now,
                               self._week_rules().adapt, self.rules, f)
        pop.ring.close_week(slot, old13, ring)
        was, now = old[:, f], pop.stage[:, f]
        in_spell = (was >= lifecycle.POTENTIAL) & (was <= lifecycle.SUNSET)
        now_in = (now >= lifecycle.POTENTIAL) & (now <= lifecycle.SUNSET)
        self._track_focal_spells(now, started=now_in & ~in_spell, ended=in_spell & ~now_in)
        # the week's arrays are not kept past the week
        self._buyers_now = self._offer_now = self._orders_now = self._outcome_now = None
        return {"old": old, "new": pop.stage, "exits": self._exits}

    def _track_focal_spells(self, stage: np.ndarray, started: np.ndarray,
                            ended: np.ndarray) -> None:
        """Open and close the focal supplier's relationship spells (N each)."""
        pop = self.pop
        if self.recorder is not None:
            done = np.flatnonzero(ended)
            if done.size:
                self.recorder.close_spells(self, done, np.where(pop.active[done], "lost",
                                                                "exited"))
        begin = np.flatnonzero(started)
        pop.spell_start[begin] = self.week
        pop.spell_rev[begin] = 0.0
        pop.spell_margin[begin] = 0.0
        pop.spell_abc[begin] = 0
        pop.spell_key[begin] = False
        pop.spell_key[:] |= stage == KEY
