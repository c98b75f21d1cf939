"""The state of the market as arrays: customers (a row each) and relationships (row x supplier).

``Population`` owns every per-customer and per-relationship array, their allocation and their
growth when customers enter. Rows are never reused: a customer that leaves the market keeps its
row (``active`` false) so ids and recorded histories stay stable. Arrays are allocated with
spare rows for expected entrants and grow by doubling when they run out.

Shapes: customer arrays ``(cap,)`` or ``(cap, M)``; relationship arrays ``(cap, S)``. The
52 weeks of books the rolling sums subtract (float32; the sums are kept in float64) are the
sparse ``Ring`` of ``sim/market/ring.py``, ``pop.ring``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from sim.market.ring import RING, Ring  # noqa: F401  (RING read here by the model's users)
from sim.rules.stages import NONE, WEEKS_SINCE_CAP  # noqa: F401  (read here by the model's users)

ABC_NAMES = ("-", "A", "B", "C")  # labels of the ABC class codes in ``abc`` (0 none, 1 A .. 3 C)

# name -> (dtype, per "c"ustomer / "cm" customer x material / "r"elationship, fill)
SPEC: dict[str, tuple[type, str, float]] = {
    "active": (np.bool_, "c", 0),
    "segment": (np.int8, "c", 0),
    "entry_week": (np.int32, "c", 0),
    "size": (np.float64, "c", 0),          # t/week before season, noise and mix
    "growth": (np.float64, "c", 0),        # weekly log growth
    "ps_base": (np.float64, "c", 0),       # the customer's own price sensitivity
    "ps": (np.float64, "c", 0),            # current price sensitivity
    "switching": (np.float64, "c", 0),
    "tender": (np.bool_, "c", 0),
    "default_hazard": (np.float64, "c", 0),  # weekly
    "exit_hazard": (np.float64, "c", 0),     # weekly, closure + default
    "novelty": (np.float64, "c", 0),
    "exposure": (np.float64, "c", 0),
    "ev_native": (np.bool_, "c", 0),
    "season_amp": (np.float64, "c", 0),
    "noise_sd": (np.float64, "c", 0),
    "contract_supplier": (np.int16, "c", -1),
    "contract_end": (np.int32, "c", 0),
    "main": (np.int16, "c", -1),
    "demand": (np.float64, "cm", 0),       # t this week
    "spell_start": (np.int32, "c", 0),     # focal supplier's current spell: first week
    "spell_rev": (np.float64, "c", 0),     # ... revenue and gross margin in the run
    "spell_margin": (np.float64, "c", 0),
    "spell_abc": (np.int8, "c", 0),        # ... best ABC class held (1 A .. 3 C, 0 none)
    "spell_key": (np.bool_, "c", 0),       # ... ever a key account
    "order_interval": (np.float64, "c", 1),  # mean weeks between orders (sim/rules/rhythm.py)
    "waited": (np.int32, "c", 0),          # weeks of demand in the backlog
    "order_weeks": (np.float64, "c", 1),   # weeks of demand in this week's order (0: none)
    "backlog": (np.float64, "cm", 0),      # t demanded since the last order
    "aware": (np.bool_, "r", 0),
    "loyalty": (np.float64, "r", 0),
    "satisfaction": (np.float64, "r", 0),  # set on entry: adaptation.initial_satisfaction
    "share": (np.float64, "r", 0),         # share of wallet delivered this week
    "tenure": (np.int32, "r", 0),          # weeks in the current buying spell
    "weeks_since": (np.int32, "r", 0),     # weeks since the last purchase
    "vol13": (np.float64, "r", 0),
    "vol52": (np.float64, "r", 0),
    "rev52": (np.float64, "r", 0),
    "cost52": (np.float64, "r", 0),
    "act13": (np.int16, "r", 0),           # weeks with a purchase among the last 13
    "stage": (np.int8, "r", NONE),
    "abc": (np.int8, "r", 0),
    "kam": (np.bool_, "r", 0),             # covered by key-account managers
    "dedicated": (np.bool_, "r", 0),       # served by a dedicated team
    "discount": (np.float64, "r", 0),      # targeted discount off list price
    "warned": (np.bool_, "r", 0),
    "delivery": (np.float64, "r", 0),      # EMA of fill rate, read by tenders
}

# the rows in use of every array as one value a compiled (numba) function takes
PopulationArrays = NamedTuple("PopulationArrays", [(name, Any) for name in SPEC])


@dataclass
class Population:
    """Struct of arrays for customers and relationships; ``n`` rows are in use; ``ring``
    the 52 weeks of their books."""

    n_suppliers: int
    n_materials: int
    cap: int
    n: int = 0
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in SPEC:
            self.arrays[name] = self._alloc(name, self.cap)
        self.ring = Ring(self.n_suppliers)
        self._refresh_views()

    def _refresh_views(self) -> None:
        """Bind each array's rows in use (``[:n]``) as a plain attribute of the same name.

        The weekly step reads these views dozens of times; a plain attribute is a dictionary
        lookup, where ``__getattr__`` would be a Python call each time. Rebound whenever ``n``
        or an array changes (``add_rows``)."""
        n = self.n
        for name, a in self.arrays.items():
            self.__dict__[name] = a[:n]

    def __getstate__(self) -> dict:
        """Pickle the arrays only: the views are rebound on unpickling (and so stay views)."""
        return {k: v for k, v in self.__dict__.items() if k not in SPEC}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._refresh_views()

    def _alloc(self, name: str, rows: int) -> np.ndarray:
        dtype, kind, fill = SPEC[name]
        shape = {"c": (rows,), "cm": (rows, self.n_materials),
                 "r": (rows, self.n_suppliers)}[kind]
        return np.full(shape, fill, dtype=dtype) if fill else np.zeros(shape, dtype=dtype)

    def add_rows(self, k: int) -> slice:
        """Reserve ``k`` new rows (growing the arrays if needed); return their slice."""
        if self.n + k > self.cap:
            new_cap = max(2 * self.cap, self.n + k)
            for name in SPEC:
                old = self.arrays[name]
                grown = self._alloc(name, new_cap)
                grown[: self.cap] = old
                self.arrays[name] = grown
            self.cap = new_cap
        rows = slice(self.n, self.n + k)
        self.n += k
        self._refresh_views()
        return rows

    # ---------------------------------------------- seams (docs/ODD.md 7.k, 7.l)
    # Supplier decisions and strategies change customers and relationships only through these.
    def set_discounts(self, s: int | np.ndarray, disc: np.ndarray | None) -> None:
        """Targeted discounts off supplier(s) ``s``'s list price (None: none)."""
        self.discount[:, s] = 0.0 if disc is None else disc

    def set_warned(self, s: int | np.ndarray, warned: np.ndarray | None) -> None:
        """Customers warned this week of supplier(s) ``s``'s coming price move (None: none)."""
        self.warned[:, s] = False if warned is None else warned

    def make_aware(self, rows: np.ndarray, s: int) -> None:
        """Customers ``rows`` now know supplier ``s`` (prospecting)."""
        self.aware[rows, s] = True

    def cover(self, s: int, covered: np.ndarray) -> None:
        """Supplier ``s``'s key-account managers cover these customers (active ones only)."""
        self.kam[:, s] = covered & self.active

    def assign_dedicated(self, s: int, chosen: np.ndarray | bool) -> None:
        """The customers supplier ``s``'s dedicated teams serve (False: none)."""
        self.dedicated[:, s] = chosen

    def engage(self, rows: np.ndarray, s: int, loyalty: float) -> None:
        """Customers ``rows`` know supplier ``s`` from their entry, with loyalty at least
        ``loyalty`` (early engagement in their planning)."""
        self.aware[rows, s] = True
        self.loyalty[rows, s] = np.maximum(self.loyalty[rows, s], loyalty)

    def intervene(self, rows: np.ndarray, s: int, satisfaction: float, loyalty: float) -> None:
        """An intervention of supplier ``s`` on customers ``rows``: satisfaction +
        ``satisfaction`` (at most 1), loyalty + ``loyalty``."""
        self.satisfaction[rows, s] = np.minimum(self.satisfaction[rows, s] + satisfaction, 1.0)
        self.loyalty[rows, s] += loyalty

    def as_tuple(self) -> tuple:
        """The rows in use of every array (views, ``SPEC`` order) as a ``PopulationArrays``."""
        return PopulationArrays(*(self.__dict__[name] for name in SPEC))

    def nbytes(self) -> int:
        """Bytes held by all arrays (capacity, not only rows in use) and the ring."""
        return self.array_bytes() + self.ring.nbytes()

    def array_bytes(self) -> int:
        """Bytes held by the arrays of ``SPEC`` (capacity, not only rows in use)."""
        return sum(a.nbytes for a in self.arrays.values())

