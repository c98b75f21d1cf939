"""The column names of the suppliers table that a run records (docs/TABLES.md), held apart
from ``sim/record.py`` so that what only needs the names (sweep outcomes, spec validation, the
workshop's results) does not import the recorder and pandas."""

from __future__ import annotations

# the week's books per supplier
BOOKS = ("volume_t", "revenue", "material_cost", "processing_cost", "staff_cost",
         "strategy_cost", "bad_debt", "gross_profit", "net_profit", "market_share",
         "fill_rate")
# costs by kind (docs/TABLES.md): holding and capacity are inside processing_cost, the
# strategy_* columns add up to strategy_cost, discount_cost is revenue forgone (not in the books)
COSTS = ("discount_cost", "holding_cost", "capacity_cost", "strategy_staff_cost",
         "strategy_capacity_cost", "strategy_service_cost")
# the week's flows between lifecycle stages, per supplier
FLOWS = ("acquired", "upgraded", "downgraded", "lost", "exited")
