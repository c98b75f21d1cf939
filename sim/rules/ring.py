"""The 52-week books' ring kept sparse: the compiled moves between a week's entries and the
dense N x S slots the close of the week reads and writes.

docs/ODD.md 7.h. A buyer takes deliveries from two or three of its suppliers in a week, so a
week of the ring is kept as its entries only: the relationship (row x S + supplier, int32)
and its tonnes, revenue and cost (float32, three columns in this order), the values a dense
float32 slot would hold. ``sim/market/ring.py`` holds the 52 weeks. ``scatter`` writes a
week's entries into a dense slot (zeros elsewhere) for ``books.roll_books``; ``gather`` takes
the slots it wrote back as entries and leaves them all zeros; ``clear`` zeros a week's
entries in a slot; ``rows_of`` reads some rows' entries. An entry is kept where any of the
three values is not a positive zero (compared as bits), so the dense slot rebuilt from the
entries is the one a dense ring would hold, bit for bit.
"""

from __future__ import annotations

import numpy as np

from sim.rules.jit import jit


@jit
def scatter(idx: np.ndarray, val: np.ndarray, col: int, out: np.ndarray) -> None:
    """Column ``col`` of the entries ``idx``, ``val`` into the dense slot ``out`` (N x S),
    whose other values are zeros."""
    n_sup = out.shape[1]
    for k in range(idx.size):
        out[idx[k] // n_sup, idx[k] % n_sup] = val[k, col]


@jit
def clear(idx: np.ndarray, out: np.ndarray) -> None:
    """Zero the dense slot ``out`` (N x S) at the entries ``idx``."""
    n_sup = out.shape[1]
    for k in range(idx.size):
        out[idx[k] // n_sup, idx[k] % n_sup] = 0.0


@jit
def gather(vol: np.ndarray, rev: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entries (relationship index, int32; values' bits, uint32 x 3) of the dense slots
    ``vol``, ``rev`` and ``cost`` (N x S float32, passed as their bits: ``.view(np.uint32)``),
    in row-major order; the slots are left all zeros. A value is kept unless its bits are
    all zero (+0.0): a -0.0 is kept too."""
    n, n_sup = vol.shape
    count = 0
    for i in range(n):
        for s in range(n_sup):
            count += (vol[i, s] | rev[i, s] | cost[i, s]) != 0
    idx = np.empty(count, dtype=np.int32)
    val = np.empty((count, 3), dtype=np.uint32)
    k = 0
    for i in range(n):
        for s in range(n_sup):
            if (vol[i, s] | rev[i, s] | cost[i, s]) != 0:
                idx[k] = i * n_sup + s
                val[k, 0], val[k, 1], val[k, 2] = vol[i, s], rev[i, s], cost[i, s]
                vol[i, s], rev[i, s], cost[i, s] = 0, 0, 0
                k += 1
    return idx, val


@jit
def rows_of(idx: np.ndarray, val: np.ndarray, col: int, rows: np.ndarray,
            out: np.ndarray) -> None:
    """Column ``col`` of the entries of rows ``rows`` (R, ascending or not) into ``out``
    (R x S, zeros where a relationship has no entry); ``idx`` is in row-major order."""
    n_sup = out.shape[1]
    for j in range(rows.size):
        k = np.searchsorted(idx, rows[j] * n_sup)
        end = (rows[j] + 1) * n_sup
        while k < idx.size and idx[k] < end:
            out[j, idx[k] - rows[j] * n_sup] = val[k, col]
            k += 1
