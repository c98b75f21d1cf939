"""The 52-week books of every relationship: the weekly ring, kept sparse.

``Ring`` owns the 52 weeks of tonnes, revenue and cost (float32) the rolling 13- and 52-week
books subtract when a week leaves them (docs/ODD.md 7.h). A week holds only the
relationships that bought or were billed in it (a buyer buys from two or three of its
suppliers in a week), as entries of ``sim/rules/ring.py``: at 100,000 x 20 about 200,000
entries a week, 3 MB, where a dense N x S float32 slot of the three is 24 MB. Each week the
close (``sim/market/week.py``) takes the dense slots it reads and writes from
:meth:`Ring.open_week` — the week 52 ago and the tonnes of 13 weeks ago scattered into four
N x S scratch arrays, zeros elsewhere — and hands back this week's figures with
:meth:`Ring.close_week`; the values the rules see are those a dense ring would hold.

Rows are a population's (``sim/market/population.py``); a relationship's entry is indexed
``row x S + supplier``, which stays valid as the population grows. The scratch arrays are
all zeros between weeks, sized to the population's capacity, and not pickled or copied.
The compiled moves are imported on first use: importing the population does not load numba.
"""

from __future__ import annotations

import numpy as np

from sim.rules.state import RingSlots

RING = 52  # weeks in the ring
COLUMNS = ("vol", "rev", "cost")  # an entry's figures: tonnes, revenue, cost (float32)
_EMPTY = (np.zeros(0, dtype=np.int32), np.zeros((0, 3), dtype=np.float32))


def _kernels():
    """The compiled moves (``sim/rules/ring.py``), imported on first use."""
    from sim.rules import ring

    return ring


def _gather(vol: np.ndarray, rev: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``gather`` of three dense float32 slots (zeroed): index and float32 values."""
    idx, bits = _kernels().gather(vol.view(np.uint32), rev.view(np.uint32), cost.view(np.uint32))
    return idx, bits.view(np.float32)


class Ring:
    """The ring's 52 weeks of entries (``slots[w]``: index and values arrays, never written
    in place: the seeded history shares one pair among all weeks) and the week's scratch."""

    def __init__(self, n_suppliers: int) -> None:
        self.n_suppliers = n_suppliers
        self.slots: list[tuple[np.ndarray, np.ndarray]] = [_EMPTY] * RING
        self._scratch: np.ndarray | None = None  # 4 x cap x S float32, all zeros between weeks

    def seed(self, vol: np.ndarray, rev: np.ndarray, cost: np.ndarray) -> None:
        """Every week of the ring holds these figures (N x S, rounded to float32): a year of
        steady purchases (``initialise.seed_history``)."""
        self._check_index(vol.shape[0])
        self.slots = [_gather(*(np.array(a, dtype=np.float32, order="C")  # copies: zeroed
                                for a in (vol, rev, cost)))] * RING

    def set_week(self, slot: int, vol: np.ndarray, rev: np.ndarray, cost: np.ndarray) -> None:
        """Week ``slot`` holds these figures (N x S, rounded to float32): a seeded week that
        differs from the others (``sim/market/order_history.py``)."""
        self._check_index(vol.shape[0])
        self.slots[slot] = _gather(*(np.array(a, dtype=np.float32, order="C")  # copies: zeroed
                                     for a in (vol, rev, cost)))

    def open_week(self, slot: int, old13: int, n: int, cap: int) -> RingSlots:
        """The dense slots the close of the week reads and writes (``n`` rows each; room
        for ``cap``): this week's ``slot``, holding the figures of 52 weeks ago, and the
        tonnes of the week ``old13`` (13 weeks ago)."""
        self._check_index(cap)
        if self._scratch is None or self._scratch.shape[1] < cap:
            self._scratch = np.zeros((4, cap, self.n_suppliers), dtype=np.float32)
        vol, rev, cost, vol13 = (self._scratch[j, :n] for j in range(4))
        idx, val = self.slots[slot]
        for col, out in enumerate((vol, rev, cost)):
            _kernels().scatter(idx, val, col, out)
        _kernels().scatter(self.slots[old13][0], self.slots[old13][1], 0, vol13)
        return RingSlots(vol, rev, cost, vol13)

    def close_week(self, slot: int, old13: int, ring: RingSlots) -> None:
        """Keep this week's figures, written into ``ring`` (from :meth:`open_week`), as the
        entries of ``slot``; leave the scratch all zeros."""
        self.slots[slot] = _gather(ring.vol, ring.rev, ring.cost)
        _kernels().clear(self.slots[old13][0], ring.vol_13_ago)

    def dense(self, slot: int, column: str, n: int) -> np.ndarray:
        """One week's ``column`` (``vol``, ``rev`` or ``cost``) as a dense n x S float32
        array (a copy)."""
        out = np.zeros((n, self.n_suppliers), dtype=np.float32)
        idx, val = self.slots[slot]
        _kernels().scatter(idx, val, COLUMNS.index(column), out)
        return out

    def rows(self, slots: list[int], rows: np.ndarray, column: str) -> np.ndarray:
        """``column`` of the weeks ``slots`` for the rows ``rows``: T x R x S float32, zeros
        where a relationship has no entry."""
        out = np.zeros((len(slots), rows.size, self.n_suppliers), dtype=np.float32)
        col = COLUMNS.index(column)
        for t, slot in enumerate(slots):
            _kernels().rows_of(*self.slots[slot], col, np.asarray(rows, dtype=np.int64), out[t])
        return out

    def entries(self) -> int:
        """Entries held (a week shared by several slots counted once)."""
        return sum(idx.size for idx, _ in self._distinct())

    def nbytes(self) -> int:
        """Bytes held: the entries (shared weeks once) and the scratch."""
        held = sum(idx.nbytes + val.nbytes for idx, val in self._distinct())
        return held + (self._scratch.nbytes if self._scratch is not None else 0)

    def digest_into(self, h) -> None:
        """Feed every week's entries, in slot order, to the hash ``h``."""
        for idx, val in self.slots:
            h.update(idx.tobytes())
            h.update(val.tobytes())

    def _distinct(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return list({id(e[0]): e for e in self.slots}.values())

    def _check_index(self, rows: int) -> None:
        if rows * self.n_suppliers >= 2**31:
            raise ValueError(f"the ring indexes relationships as int32: {rows:,} rows x "
                             f"{self.n_suppliers} suppliers is too many")

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_scratch": None}

    def __deepcopy__(self, memo: dict) -> Ring:
        copy = Ring(self.n_suppliers)
        copy.slots = list(self.slots)  # the weeks' arrays are never written in place: shared
        return copy
