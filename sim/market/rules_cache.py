"""numba's cache of the compiled rules (``sim/rules/__pycache__``), kept in step with their
sources: numba checks a cached function against its own source file only, not against the
rules it calls from other files (nor ``EPS``, compiled in as a constant), so the cache is
dropped whenever any of those sources changed since it was written. Run when ``sim.market``
is imported, before any compiled rule is first called (and by ``sim/market/compile.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

RULES = Path(__file__).resolve().parents[1] / "rules"
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
