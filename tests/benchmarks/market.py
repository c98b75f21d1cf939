"""Scenarios of any size for the benchmarks: the baseline market scaled to N customers x S
suppliers.

Suppliers are copies of the baseline's six, cycled and renamed (``Rival A 2`` ...), with
capacity scaled so that total capacity keeps the baseline's ratio to total demand (about 1.2x):
a market of any size stays a buyer's market, tight in aluminium, as the baseline is.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim import scenario
from sim.params import Scenario

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"

#: env var that switches on the large cases (100k customers, the sweep benchmark)
FULL = os.environ.get("KAMSIM_BENCH_FULL", "") not in ("", "0")


def scaled(customers: int = 1000, suppliers: int = 6, weeks: int | None = None,
           seed: int | None = None) -> Scenario:
    """The baseline scenario with ``customers`` buyers and ``suppliers`` suppliers."""
    base = scenario.load(BASELINE)
    k = len(base.suppliers)
    scale = (customers / base.run.customers) * (k / suppliers)
    sup = []
    for i in range(suppliers):
        src = base.suppliers[i % k]
        cap = src.capacity.model_copy(update={m: getattr(src.capacity, m) * scale
                                              for m in ("steel", "hdg_ahss", "aluminium")})
        name = src.name if i < k else f"{src.name} {i // k + 1}"
        sup.append(src.model_copy(update={"name": name, "capacity": cap,
                                          "focal": src.focal and i < k}))
    run = base.run.model_copy(update={"customers": customers,
                                      **({"weeks": weeks} if weeks else {}),
                                      **({"seed": seed} if seed is not None else {})})
    return base.model_copy(update={"run": run, "suppliers": sup,
                                   "name": f"baseline-{customers}x{suppliers}"})


# What one weekly step reads (r) and writes (w) of the population, per row: the relationship
# arrays (N x S) and the dense N x S float32 slots of the 52-week books the week rolls (one
# each for tonnes, revenue and cost, and the tonnes of 13 weeks ago; sim/market/ring.py). The
# memory-bandwidth bound of a step is these bytes at the measured copy bandwidth
# (docs/PERFORMANCE.md). Per-customer arrays (a few per row) are counted too.
STEP_TOUCHES: dict[str, str] = {
    # relationships
    "aware": "r", "loyalty": "rw", "kam": "r", "dedicated": "r", "weeks_since": "rw",
    "discount": "rw", "warned": "rw", "satisfaction": "rw", "share": "rw", "delivery": "rw",
    "vol13": "rw", "act13": "rw", "vol52": "rw", "rev52": "rw", "cost52": "rw",
    "tenure": "rw", "stage": "rw",
    # customers
    "active": "r", "demand": "rw", "size": "rw", "growth": "r", "exposure": "r",
    "ev_native": "r", "season_amp": "r", "noise_sd": "r", "exit_hazard": "r",
    "default_hazard": "r", "ps": "rw", "ps_base": "r", "novelty": "r", "switching": "r",
    "contract_supplier": "r", "contract_end": "r", "tender": "r", "main": "w",
    "spell_rev": "rw", "spell_margin": "rw",
}
RING_SLOTS = {"vol": ("rw", 2), "rev": ("rw", 1), "cost": ("rw", 1)}


def bytes_per_step(model) -> int:
    """Bytes a weekly step must read and write at the least: each array it touches once."""
    pop = model.pop
    total = 0
    for name, mode in STEP_TOUCHES.items():
        a = getattr(pop, name)
        total += a.nbytes * len(mode)
    slot_bytes = pop.n * pop.n_suppliers * 4  # float32
    for mode, slots in RING_SLOTS.values():
        total += slot_bytes * (slots + (len(mode) - 1))
    return int(total)


def copy_bandwidth(nbytes: int = 256 * 2**20, repeat: int = 7) -> float:
    """Bytes read plus written per second by ``np.copyto`` of a large array (best of a few)."""
    import time

    import numpy as np

    a = np.ones(nbytes // 8)
    b = np.empty_like(a)
    np.copyto(b, a)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best
