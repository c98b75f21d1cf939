"""Random streams: one per stochastic process, all spawned from the model's one generator.

``MarketModel`` seeds one ``numpy.random.Generator`` (Mesa's ``Model(rng=seed)``) and spawns
from it, once, an independent child stream for each stochastic process (``Generator.spawn``,
i.e. ``SeedSequence.spawn`` of its seed): the same seed gives the same streams. Nothing else
draws from the parent.

Why streams: a comparison on common random numbers (``kamsim compare``, the validation suite)
only removes luck from a difference while the compared runs see the same draws. With a single
shared stream, the first process whose number of draws depends on the state — a tender that
one strategy triggers and the other does not, a supplier prospecting a pool of another size —
shifts every later draw of every process, and from then on the two runs are as independent as
two seeds. With a stream per process, a strategy can change only the draws of the processes it
acts on: customers enter and leave the market, costs move and demand fluctuates identically
under every strategy (synchronised common random numbers; Law, *Simulation Modeling and
Analysis*, ch. 11).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The market's processes, in spawning order (appending keeps earlier streams unchanged).
PROCESSES = ("setup", "market", "exits", "entry", "demand", "choice", "tenders")


@dataclass(frozen=True)
class Streams:
    """The model's random streams: one per market process, one per supplier."""

    setup: np.random.Generator     # the initial customers, loyalties, histories, contracts
    market: np.random.Generator    # cost-index noise
    exits: np.random.Generator     # closures and defaults
    entry: np.random.Generator     # arrivals and the attributes of new customers
    demand: np.random.Generator    # weekly demand noise
    choice: np.random.Generator    # single-supplier draws in ``sample`` mode; supplier search
    tenders: np.random.Generator   # tender-score noise
    supplier: tuple[np.random.Generator, ...]  # each supplier's prospecting and engagement
    rhythm: np.random.Generator    # order weeks (sim/rules/rhythm.py), spawned after the rest
    trust: np.random.Generator     # relationships ended after a breach of trust, spawned last


def spawn_streams(rng: np.random.Generator, n_suppliers: int) -> Streams:
    """Spawn the streams of a model with ``n_suppliers`` suppliers from ``rng``."""
    children = rng.spawn(len(PROCESSES) + n_suppliers)
    named = dict(zip(PROCESSES, children[:len(PROCESSES)], strict=True))
    rhythm = rng.spawn(1)[0]
    return Streams(**named, supplier=tuple(children[len(PROCESSES):]), rhythm=rhythm,
                   trust=rng.spawn(1)[0])
