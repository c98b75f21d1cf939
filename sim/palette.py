"""The one colour palette of kamsim: stages, ABC classes and series (suppliers, scenarios).

Shared by the report's figures (``analysis/plotkit.py``) and the browser explorer
(``sim/app``), so a stage or a supplier has the same colour everywhere. Plain hex strings; no
plotting library is imported here.
"""

from __future__ import annotations

STAGE_COLORS: dict[str, str] = {
    "prospect": "#d9d9d9", "potential": "#9ecae1", "general": "#4292c6",
    "key": "#08519c", "sunset": "#fdae6b", "lost": "#969696",
}
"""Lifecycle stage -> colour (docs/ODD.md, section 7.d)."""

ABC_COLORS: dict[str, str] = {"A": "#c0392b", "B": "#e67e22", "C": "#27ae60", "-": "#7f8c8d"}
"""ABC class -> colour ("-": no class)."""

SERIES: tuple[str, ...] = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)
"""Colours of the i-th supplier or scenario, cycled."""

NONE_COLOR = "#c7c7c7"
"""Colour of "no supplier" (customers without a main supplier)."""

WON_COLOR, LOST_COLOR = "#2ca02c", "#d62728"
"""Customers won and customers lost or exited."""


def series_color(i: int) -> str:
    """Colour of the i-th supplier or scenario."""
    return SERIES[i % len(SERIES)]
