"""How the rules of the week are compiled: one decorator, ``jit``, for every compiled rule.

``jit`` is ``numba.njit`` with the options kamsim uses everywhere: ``cache=True`` (machine
code is kept in ``sim/rules/__pycache__`` and loaded by later processes; set-up compiles it
once, ``python -m sim.market.compile``) and numpy's error model (a division by zero gives inf
or nan instead of raising; every division in the rules is guarded, and
``sim/market/finite.py`` stops a run whose state turns non-finite). No ``fastmath``: the
compiled rules keep IEEE arithmetic, so they agree with the per-agent reference
(``sim/reference.py``) to rounding.

numba checks a cached function against its own source file only, not against the rules it
calls from other files (nor ``EPS``, compiled in as a constant): ``sim/market/compile.py``
drops the cache whenever any source of the rules changed since it was written.
"""

from __future__ import annotations

from numba import njit

jit = njit(cache=True, error_model="numpy")
# For a rule of one buyer that reads the week's named structures: inlined where it is
# called, so that the structures are not passed (and reference-counted) per call.
jit_inline = njit(cache=True, error_model="numpy", inline="always")


@jit
def indicator(flag: bool) -> float:
    """1.0 where ``flag`` holds, else 0.0 (numba has no ``float(bool)``)."""
    return 1.0 if flag else 0.0
