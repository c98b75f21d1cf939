"""Number formatting of the report and the answer: shares, money, economics figures, intervals.

Owns how a figure is written for a reader (percent for shares, CNY in K/M/B or 万/亿, weeks,
signed differences, "95 % interval lo to hi") in English and Chinese, so the HTML report and
the plain-text answer (`analysis.answer`) write every number the same way.
"""

from __future__ import annotations

import math

from analysis.i18n import label

__all__ = ["SHARE_KPIS", "MONEY_KPIS", "missing", "money", "format_value", "format_diff",
           "econ_value", "interval", "percent"]

SHARE_KPIS = {"market_share", "gross_margin", "annual_retention", "key_account_retention",
              "key_revenue_retained", "key_wallet_retained", "top20_revenue_share",
              "base_change", "base_change_last_year", "market_share_end"}
MONEY_KPIS = {"net_profit"}
CONFIDENCE_PCT = 95


def missing(x: object) -> bool:
    """True for None or NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def money(v: float, lang: str, signed: bool = False, unit: bool = False) -> str:
    """CNY amount in K/M/B (en; with `unit`, "CNY" after it) or 万/亿元 (zh)."""
    a = abs(v)
    sign = "+" if signed and v > 0 else ""
    if lang == "zh":
        text = (f"{v / 1e8:,.2f}亿元" if a >= 1e8 else f"{v / 1e4:,.1f}万元" if a >= 1e4
                else f"{v:,.0f}元")
        return sign + text
    cny = " CNY" if unit else ""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            return f"{sign}{v / div:,.1f}{suffix}{cny}"
    return f"{sign}{v:,.0f}{cny}"


def percent(v: float | None, decimals: int = 0) -> str:
    """A share 0–1 as a percentage ("–" when missing)."""
    return "–" if missing(v) else f"{100 * v:.{decimals}f}%"


def format_value(kpi: str, v: float | None, lang: str = "en", signed: bool = False) -> str:
    """A KPI value for display: percent for shares, CNY for money, else a plain number."""
    if missing(v):
        return "–"
    sign = "+" if signed and v > 0 else ""
    if kpi in SHARE_KPIS:
        return f"{sign}{100 * v:.1f}%"
    if kpi in MONEY_KPIS:
        return money(v, lang, signed)
    return f"{sign}{v:,.2f}"


def format_diff(kpi: str, v: float | None, lang: str = "en") -> str:
    """A paired difference for display (share differences in percentage points)."""
    if missing(v):
        return "–"
    if kpi in SHARE_KPIS:
        unit = "个百分点" if lang == "zh" else " pp"
        return f"{'+' if v > 0 else ''}{100 * v:.1f}{unit}"
    return format_value(kpi, v, lang, signed=True)


def econ_value(figure: str, v: float | None, lang: str = "en", signed: bool = False) -> str:
    """An economics figure (`analysis.economics`): CNY, the return as CNY per CNY, the
    payback as a week number."""
    if missing(v):
        return "–"
    if figure == "return_on_spend":
        return f"{'+' if signed and v > 0 else ''}{v:,.2f}"
    if figure == "payback_week":
        return f"{v:,.0f}"
    return money(v, lang, signed)


def interval(lo: float | None, hi: float | None, fmt, lang: str = "en") -> str:
    """"95 % interval lo to hi" with `fmt` formatting each bound; the single-run note when
    either bound is missing."""
    if missing(lo) or missing(hi):
        return label("dx.noci", lang)
    return label("dx.ci", lang).format(level=CONFIDENCE_PCT, lo=fmt(lo), hi=fmt(hi))
