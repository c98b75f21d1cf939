"""Drawing without replacement exactly as ``numpy.random.Generator.choice`` does, faster.

``Generator.choice(pool, size=k, replace=False)`` (no weights) spends most of its time in
argument handling when ``k`` is a handful, as in the weekly prospecting draws. For a pool of up
to 10,000 numpy uses Floyd's algorithm followed by a Fisher-Yates shuffle of the ``k`` picks,
every draw an integer in ``[0, j]`` (Lemire's method); ``Generator.integers(0, j + 1)`` makes
the same draw from the same bits. ``choice_without_replacement`` replays those steps, so it
returns the same rows and leaves the generator in the same state (``tests/test_sampling.py``
checks both against ``Generator.choice`` over many pools and seeds). Larger pools go to
``Generator.choice`` itself (numpy shuffles a tail of the whole pool there).
"""

from __future__ import annotations

import numpy as np

FLOYD_MAX_POOL = 10_000  # numpy's threshold: above it (and k > pool / 50) a tail shuffle


def choice_without_replacement(rng: np.random.Generator, pool: np.ndarray,
                               k: int) -> np.ndarray:
    """``rng.choice(pool, size=k, replace=False)`` for a 1-d ``pool``, same result and state."""
    n = pool.size
    if n > FLOYD_MAX_POOL or k > n or k < 0:
        return rng.choice(pool, size=k, replace=False)
    draw = rng.integers
    picks: list[int] = []
    seen: set[int] = set()
    for j in range(n - k, n):  # Floyd: a value already taken is replaced by j
        v = int(draw(0, j + 1))
        if v in seen:
            v = j
        seen.add(v)
        picks.append(v)
    for i in range(k - 1, 0, -1):  # numpy's shuffle of the picks (the first stays last)
        j = int(draw(0, i + 1))
        picks[i], picks[j] = picks[j], picks[i]
    return pool[np.array(picks, dtype=np.int64)]
