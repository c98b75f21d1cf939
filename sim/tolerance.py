"""The one numerical tolerance of kamsim: ``EPS``.

Below ``EPS`` a quantity (tonnes ordered or in stock, revenue, a weight or a wallet) counts as
zero: no division by it, no purchase recorded. Structural, not behavioural: it only guards
divisions and emptiness tests, far below any meaningful quantity (1e-9 t is a microgram).
"""

from __future__ import annotations

EPS = 1e-9
