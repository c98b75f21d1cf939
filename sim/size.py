"""How much memory a run needs, estimated before anything is allocated, and the refusal of a
run that would not fit.

Owns the population's row capacity (initial customers plus room for the expected entrants;
``MarketModel`` allocates exactly this) and the estimate of a run's peak memory: the
population's arrays (their bytes per row come from ``sim.market.population.SPEC``) and its
sparse 52-week ring (``sim/market/ring.py``: an entry a week for each supplier a buyer buys
from, at most the suppliers it knows) times a factor
for the week's temporaries and a growth by doubling, the recorder's weekly tables and
quarterly customer snapshots (also built into DataFrames at the end), and a fixed base.
Measured peaks (tracemalloc, numpy kernel, 1,000-4,000 customers, 104-416 weeks) were 35-45 %
of this estimate, and 100,000 x 20 x 52 weeks 60 % (VmHWM 1.04 GB of 1.73 GB), so it errs on
the side of refusing. The limit is the memory the system
reports available (``MemAvailable``, a cgroup's ``memory.max``), or ``KAMSIM_MAX_MEMORY``
(bytes, or with a K/M/G suffix) when that is lower.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import InputError
from sim.market.population import RING, SPEC
from sim.market.ring import COLUMNS
from sim.params import MATERIALS, Scenario

BASE_BYTES = 320 << 20         # interpreter, numpy/pandas and the model's small arrays
TEMPORARY_FACTOR = 2.0         # the week's (rows x suppliers) temporaries; growth by doubling
SNAPSHOT_ROW_BYTES = 2 * 14 * 8  # 14 columns of <= 8 bytes, kept and then built into a table
CHANGE_BYTES = 2 * 5 * 8       # a stage change: 5 columns, kept and then built into a table
CHANGES_PER_ROW_WEEK = 0.05    # stage changes per customer-week (measured: about 0.03)
SUPPLIER_WEEK_BYTES = 2 * (21 + 3 * 6) * 8  # weekly supplier books and pool tables
RING_ENTRY_BYTES = 4 + 4 * len(COLUMNS)  # a relationship's index and its week's figures
RING_SCRATCH = 4                # N x S float32 arrays the week's roll of the ring reads
KNOWN_LATER = 2                 # suppliers a buyer comes to know in a run (measured: < 0.2)


def capacity_rows(params: Scenario) -> int:
    """Rows allocated at the start: initial customers and 1.5 x the expected entrants."""
    return params.run.customers + int(1.5 * expected_entrants(params)) + 16


def expected_entrants(params: Scenario) -> float:
    """Customers expected to enter over the run."""
    return sum(s.entry_per_year for s in params.segments.values()) * params.run.weeks / 52


def row_bytes(n_suppliers: int, n_materials: int = len(MATERIALS)) -> int:
    """Bytes of one population row's arrays (a customer and its relationships)."""
    per = {"c": 1, "cm": n_materials, "r": n_suppliers}
    return sum(np.dtype(dtype).itemsize * per[kind] for dtype, kind, _ in SPEC.values())


def ring_row_bytes(n_suppliers: int, known: int) -> int:
    """Bytes of one row's share of the 52-week ring at most: an entry a week for each
    supplier the buyer may buy from (the ``known`` at entry and ``KNOWN_LATER``), and the
    week's scratch."""
    buys_from = min(n_suppliers, known + KNOWN_LATER)
    return RING * buys_from * RING_ENTRY_BYTES + RING_SCRATCH * 4 * n_suppliers


@dataclass(frozen=True)
class Estimate:
    """A run's estimated peak memory (bytes) and what it is made of."""

    rows: int
    weeks: int
    suppliers: int
    total: int

    def text(self) -> str:
        return (f"about {gib(self.total)} of memory ({self.rows:,} customer rows incl. "
                f"expected entrants x {self.suppliers} suppliers, {self.weeks:,} weeks)")


def estimate(params: Scenario) -> Estimate:
    """The peak memory of one run of ``params`` (see the module docstring)."""
    rows, weeks, n_sup = capacity_rows(params), params.run.weeks, len(params.suppliers)
    known = max(s.awareness for s in params.segments.values())
    per_row = row_bytes(n_sup) + ring_row_bytes(n_sup, known)
    total = (BASE_BYTES + TEMPORARY_FACTOR * rows * per_row
             + rows * (weeks // 13) * SNAPSHOT_ROW_BYTES
             + rows * weeks * CHANGES_PER_ROW_WEEK * CHANGE_BYTES
             + weeks * n_sup * SUPPLIER_WEEK_BYTES)
    return Estimate(rows=rows, weeks=weeks, suppliers=n_sup, total=int(total))


def check(params: Scenario, file: str) -> Estimate:
    """Raise :class:`InputError` (naming the key that drives the size) if a run of ``params``
    would need more memory than :func:`limit_bytes`; else return the estimate."""
    est, limit = estimate(params), limit_bytes()
    if est.total <= limit:
        return est
    entry = {k: s.entry_per_year for k, s in params.segments.items()}
    top = max(entry, key=entry.__getitem__)
    key = ("run.customers" if params.run.customers >= expected_entrants(params)
           else f"segments.{top}.entry_per_year")
    raise InputError([(file, key, f"a run needs {est.text()}; {gib(limit)} are available "
                       "(KAMSIM_MAX_MEMORY sets a lower cap): use fewer customers, entrants "
                       "or weeks")])


def limit_bytes() -> int:
    """Memory a run may use: available memory, or ``KAMSIM_MAX_MEMORY`` if lower."""
    limits = [available_bytes()]
    cap = os.environ.get("KAMSIM_MAX_MEMORY")
    if cap:
        limits.append(parse_bytes(cap))
    return min(limits)


def available_bytes() -> int:
    """MemAvailable (or physical memory), lowered to a cgroup limit where there is one."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        cgroup = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if cgroup.isdigit():
            found.append(int(cgroup))
    except OSError:
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (ValueError, OSError, AttributeError):
            found.append(1 << 34)
    return min(found)


def parse_bytes(text: str) -> int:
    """``"4G"`` -> 4 GiB; ``"123"`` -> 123 bytes."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(text[-1:], 1)
    digits = text[:-1] if scale > 1 else text
    try:
        return int(float(digits) * scale)
    except ValueError:
        raise InputError([("KAMSIM_MAX_MEMORY", "", f"not a size: {text!r} (like 4G)")]) \
            from None


def gib(n: float) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MiB"
