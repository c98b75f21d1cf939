"""The lifecycle stage codes and their legal changes (docs/ODD.md 7.i), apart from the
compiled rules of ``lifecycle.py`` so that reading them needs no compiler.

Stage codes: -1 none (unaware), 0 prospect, 1 potential, 2 general, 3 key (elite), 4 sunset,
5 lost. ``ALLOWED`` lists every legal transition; exit from the market is recorded apart.
"""

from __future__ import annotations

NONE, PROSPECT, POTENTIAL, GENERAL, KEY, SUNSET, LOST = -1, 0, 1, 2, 3, 4, 5
N_STAGES = 6
# Indexed by stage code; code -1 (none) reads the last entry.
STAGE_NAMES: tuple[str, ...] = ("prospect", "potential", "general", "key", "sunset", "lost",
                                "none")
BUYING = (POTENTIAL, GENERAL, KEY, SUNSET)
ALLOWED: frozenset[tuple[int, int]] = frozenset({
    (NONE, PROSPECT), (NONE, POTENTIAL), (PROSPECT, POTENTIAL), (LOST, POTENTIAL),
    (POTENTIAL, GENERAL), (POTENTIAL, LOST),
    (GENERAL, KEY), (GENERAL, SUNSET), (GENERAL, LOST),
    (KEY, GENERAL), (KEY, SUNSET), (KEY, LOST),
    (SUNSET, GENERAL), (SUNSET, LOST),
})

# weeks since the last purchase are counted up to this (structural)
WEEKS_SINCE_CAP = 10_000
