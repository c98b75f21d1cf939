"""How the rules of the week are compiled: one decorator, ``jit``, for every compiled rule.

``jit`` is ``numba.njit`` with the options kamsim uses everywhere: ``cache=True`` (machine
code is kept in ``sim/rules/__pycache__`` and loaded by later processes; set-up compiles it
once, ``python -m sim.rules.compile``) and numpy's error model (a division by zero gives inf
or nan instead of raising; every division in the rules is guarded, and
``sim/market/finite.py`` stops a run whose state turns non-finite). No ``fastmath``: the
compiled rules keep IEEE arithmetic, so they agree with the per-agent reference
(``sim/reference.py``) to rounding.

numba checks a cached function against its own source file only, not against the rules it
calls from other files (nor ``EPS``, compiled in as a constant). So on import, the cache is
dropped whenever any source of the rules changed since it was written
(:func:`drop_stale_cache`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from numba import njit

RULES = Path(__file__).resolve().parent
CACHE = RULES / "__pycache__"
STAMP = CACHE / "kamsim-rules.sha256"


def sources_digest() -> str:
    """SHA-256 of every source the compiled rules are built from."""
    h = hashlib.sha256()
    for path in sorted(RULES.glob("*.py")) + [RULES.parent / "tolerance.py"]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def drop_stale_cache() -> bool:
    """Remove numba's cached rules if the sources changed since they were cached (and
    record the sources' digest); True if anything was removed. Silent where the cache
    folder cannot be written (numba then compiles in memory)."""
    digest = sources_digest()
    with contextlib.suppress(OSError):
        if STAMP.read_text() == digest:
            return False
    dropped = False
    with contextlib.suppress(OSError):
        CACHE.mkdir(exist_ok=True)
        for path in [*CACHE.glob("*.nbi"), *CACHE.glob("*.nbc")]:
            path.unlink(missing_ok=True)
            dropped = True
        tmp = STAMP.with_name(f"{STAMP.name}.{os.getpid()}")
        tmp.write_text(digest)
        os.replace(tmp, STAMP)
    return dropped


drop_stale_cache()

jit = njit(cache=True, error_model="numpy")
# For a rule of one buyer that reads the week's named structures: inlined where it is
# called, so that the structures are not passed (and reference-counted) per call.
jit_inline = njit(cache=True, error_model="numpy", inline="always")


@jit
def indicator(flag: bool) -> float:
    """1.0 where ``flag`` holds, else 0.0 (numba has no ``float(bool)``)."""
    return 1.0 if flag else 0.0
