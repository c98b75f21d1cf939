"""Statistics of kamsim output tables: the single import point for analysis numbers.

Owns nothing itself; it gathers the public functions of the focused modules so callers can
`from analysis.stats import ...`:
intervals (t intervals), survival (Kaplan–Meier, retention), concentration (Lorenz, Pareto,
ABC), value (CLV), health (pool health, diagnosis) and kpi (KPI table), and the figure
definitions of `sim.metrics` they use (top share, verdict).
"""

from analysis.concentration import abc_counts, focal_revenues, lorenz, pareto
from analysis.health import base_change, diagnose, pool_health
from analysis.intervals import ci_by_group, mean_ci, paired_diff_ci, t_ppf
from analysis.kpi import KPIS, kpi_table, run_kpis
from analysis.survival import (
    active_at,
    exposure_weeks,
    hazard_retention,
    kaplan_meier,
    km_by_group,
)
from analysis.value import clv, clv_by_segment
from sim.metrics import top_share, verdict

__all__ = [
    "KPIS", "abc_counts", "active_at", "base_change", "ci_by_group", "clv",
    "clv_by_segment", "diagnose", "exposure_weeks", "focal_revenues", "hazard_retention",
    "kaplan_meier",
    "km_by_group", "kpi_table", "lorenz", "mean_ci", "paired_diff_ci", "pareto",
    "pool_health", "run_kpis", "t_ppf", "top_share", "verdict",
]
