"""The one derivation of model seeds from a root seed, for ``compare`` and ``sweep``.

Replication ``r`` of a root seed gets child ``r`` of ``numpy.random.SeedSequence(root)``
(built directly as ``SeedSequence(root, spawn_key=(r,))``), reduced to a 63-bit integer (fits
an int64 column). ``kamsim compare --seed S`` and a sweep with ``root_seed = S`` and common
random numbers therefore run replication ``r`` on the same seed. Without common random numbers
a sweep gives each point its own stream: child ``r`` of child ``p``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["replicate_seed", "replicate_seeds"]


def replicate_seed(root: int, replicate: int, point: int | None = None) -> int:
    """The model seed of replicate ``replicate`` (of design point ``point`` when given)."""
    key = (replicate,) if point is None else (point, replicate)
    state = np.random.SeedSequence(root, spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def replicate_seeds(root: int, reps: int) -> list[int]:
    """Seeds of replications ``0 .. reps-1`` of ``root`` (common random numbers)."""
    return [replicate_seed(root, r) for r in range(reps)]
