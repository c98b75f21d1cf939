"""The model: its state, how the starting market is drawn, the weekly step order
(``model.MarketModel``), the Mesa agents as views on the state, and the scaling of a market."""

from sim.market.rules_cache import drop_stale_cache

drop_stale_cache()  # before any compiled rule loads its cache (see sim/market/compile.py)
