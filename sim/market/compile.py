"""Compile the rules of the week once, for the types a run passes (set-up runs it).

Set-up (``scripts/setup.sh``, so ``make setup``, ``make demo``, ``make test`` and CI) runs it
once; numba keeps the machine code in ``sim/rules/__pycache__`` (``cache=True``), where every
later process — a ``kamsim run``, each worker of ``compare`` and ``sweep`` — loads it instead
of compiling. It calls each kernel on a market of two buyers built from the population's own
array layout (``sim/market/population.py``), so the signatures are those of a run
(tests/test_kernels.py checks that a run adds none). Prints the CPU time it took.
"""

from __future__ import annotations

import sys
import time
import typing

import numpy as np

from sim.market.population import RING, Population
from sim.market.rules_cache import drop_stale_cache
from sim.rules import adapt, books, choice, close, fulfil, lifecycle, rhythm, ring
from sim.rules.state import Buyers, Offer, WeekOutcome

#: every kernel the model calls from Python (their callees are compiled with them)
KERNELS = (choice.choose, fulfil.fulfil, books.week_books, close.close_week,
           lifecycle.stage_counts, lifecycle.flows, adapt.loyalty_payoff, ring.gather,
           ring.scatter, ring.clear, ring.rows_of, rhythm.place_orders)


def example(cls: type[typing.NamedTuple]) -> typing.NamedTuple:
    """A ``NamedTuple`` of scalar parameters with every field a zero of its declared type."""
    return cls(**{k: t() for k, t in typing.get_type_hints(cls).items()})


def warm_up(n_sup: int = 2, n_mat: int = 3) -> None:
    """Call every kernel once on a tiny market of the model's array types."""
    pop = Population(n_sup, n_mat, cap=4)
    pop.add_rows(2)
    b = Buyers.of(pop)
    s_m, s_ = np.ones((n_sup, n_mat)), np.ones(n_sup)
    o = Offer(s_, s_, s_, s_, s_m, s_m, s_m, s_m, s_, s_, s_, s_, s_)
    shape = (n_mat, pop.n, n_sup)
    routine, orders, delivered = (np.zeros(shape) for _ in range(3))
    choice.choose(b, o, example(choice.ChoiceRules), np.zeros((n_mat, 0)), routine, orders)
    first, vol, rev, cost, spill = (np.zeros((pop.n, n_sup)) for _ in range(5))
    fulfil.fulfil(orders, routine, np.ones((n_mat, n_sup)), np.zeros((pop.n, n_sup), bool),
                  delivered, first, spill)
    books.week_books(delivered, o.price, b.discount, o.unit_cost, vol, rev, cost)
    pop.ring.seed(vol, rev, cost)
    slots = pop.ring.open_week(0, RING - 13, pop.n, pop.cap)
    week = WeekOutcome(orders, first, vol, rev, cost, s_, s_, np.ones(pop.n, bool),
                       np.zeros(pop.n))
    old = close.close_week(b, o, slots, week, example(adapt.AdaptRules),
                           example(lifecycle.StageRules), 0)
    pop.ring.close_week(0, RING - 13, slots)
    pop.ring.rows([0], np.arange(pop.n), "rev")
    lifecycle.flows(old, b.stage, np.zeros(pop.n, bool))
    lifecycle.stage_counts(b.stage, b.active)
    adapt.loyalty_payoff(1.0, np.float64(0.5), 0.1, 1.0, 0.7)
    rhythm.place_orders(pop.demand, pop.backlog, pop.order_interval, pop.waited,
                        pop.order_weeks, np.zeros(pop.n))


def main() -> None:
    start = time.process_time()
    drop_stale_cache()
    warm_up()
    what = "compiled" if any(k.stats.cache_misses for k in KERNELS) else "loaded from cache"
    print(f"kamsim: rules of the week {what} in {time.process_time() - start:.1f} s CPU",
          file=sys.stderr)


if __name__ == "__main__":
    main()
