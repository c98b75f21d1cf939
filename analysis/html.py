"""Rendering of the offline HTML report: tables, diagnosis list and embedded figures.

Owns the markup and number formatting of report.html. The page is self-contained: inline
CSS, figures as base64 PNG data URIs, no scripts, no external fonts, styles or images.
"""

from __future__ import annotations

import base64
import math
from html import escape

import pandas as pd

from analysis.i18n import label
from analysis.kpi import KPIS

__all__ = ["format_value", "format_diff", "render_html"]

SHARE_KPIS = {"market_share", "gross_margin", "annual_retention", "key_account_retention",
              "top20_revenue_share",
              "base_change", "base_change_last_year"}
MONEY_KPIS = {"net_profit"}

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Zen Hei","PingFang SC",
"Microsoft YaHei",system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;
padding:0 1em;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
thead th{background:#f2f2f2}
td.sig{font-weight:bold}
.ci{color:#666;font-size:.88em}
.badge{display:inline-block;padding:0 .5em;border-radius:.6em;color:#fff;font-size:.85em}
.reservoir{background:#2e7d32}.funnel{background:#c62828}.inconclusive{background:#757575}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:.9em}
"""


def _missing(x: float | None) -> bool:
    """True for None or NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def _money(v: float, lang: str) -> str:
    """CNY amount in K/M/B (en) or 万/亿 (zh)."""
    a = abs(v)
    if lang == "zh":
        return f"{v / 1e8:,.2f}亿" if a >= 1e8 else f"{v / 1e4:,.1f}万" if a >= 1e4 else f"{v:,.0f}"
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            return f"{v / div:,.2f}{suffix}"
    return f"{v:,.0f}"


def format_value(kpi: str, v: float | None, lang: str = "en", signed: bool = False) -> str:
    """A KPI value for display: percent for shares, CNY for money, else a plain number."""
    if _missing(v):
        return "–"
    sign = "+" if signed and v > 0 else ""
    if kpi in SHARE_KPIS:
        return f"{sign}{100 * v:.1f}%"
    if kpi in MONEY_KPIS:
        return sign + _money(v, lang)
    return f"{sign}{v:,.2f}"


def format_diff(kpi: str, v: float | None, lang: str = "en") -> str:
    """A paired difference for display (share differences in percentage points)."""
    if _missing(v):
        return "–"
    if kpi in SHARE_KPIS:
        unit = "个百分点" if lang == "zh" else " pp"
        return f"{'+' if v > 0 else ''}{100 * v:.1f}{unit}"
    return format_value(kpi, v, lang, signed=True)


def _cell(main: str, lo: str, hi: str, sig: bool = False) -> str:
    """A table cell: value with its interval below."""
    if lo == "–" or hi == "–":
        ci = ""
    else:
        ci = f'<br><span class="ci">[{escape(lo)}, {escape(hi)}]</span>'
    return f'<td{" class=sig" if sig else ""}>{escape(main)}{ci}</td>'


def _kpi_rows(kpis: pd.DataFrame, order: list[str], lang: str, diffs: bool) -> str:
    """Body rows of the KPI table (means) or of the difference table."""
    rows = []
    idx = kpis.set_index(["scenario", "kpi"])
    scen = order[1:] if diffs else order
    for kpi in KPIS:
        cells = [f"<th>{escape(label('kpi.' + kpi, lang))}</th>"]
        for s in scen:
            r = idx.loc[(s, kpi)]
            if diffs:
                sig = not (_missing(r.diff_lo) or _missing(r.diff_hi)) and (
                    r.diff_lo > 0 or r.diff_hi < 0)
                cells.append(_cell(format_diff(kpi, r.diff_mean, lang),
                                   format_diff(kpi, r.diff_lo, lang),
                                   format_diff(kpi, r.diff_hi, lang), sig))
            else:
                cells.append(_cell(format_value(kpi, r["mean"], lang),
                                   format_value(kpi, r.lo, lang), format_value(kpi, r.hi, lang)))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(rows)


def _meta_value(v: object) -> str:
    """A run-setting value as text: dicts as 'k: v, ...', lists comma-separated."""
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_meta_value(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(_meta_value(x) for x in v)
    return str(v)


def _table(head: list[str], body: str) -> str:
    """An HTML table with a header row."""
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{th}</tr></thead><tbody>\n{body}\n</tbody></table>"


def render_html(
    kpis: pd.DataFrame,
    order: list[str],
    diagnoses: dict[str, tuple[str, str]],
    figures: dict[str, tuple[str, bytes]],
    meta: dict,
    lang: str = "en",
) -> str:
    """The complete report page.

    `kpis` is `kpi.kpi_table` output, `order` the scenarios (first = baseline),
    `diagnoses` maps scenario → (verdict, sentence), `figures` maps file name →
    (caption, PNG bytes), `meta` is shown as a key/value table.
    """
    kpi_head = label("report.kpi", lang)
    meta_rows = "\n".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(_meta_value(v))}</td></tr>"
        for k, v in meta.items()
    )
    diag = "\n".join(
        f'<li><b>{escape(s)}</b> <span class="badge {v}">{escape(label("verdict." + v, lang))}'
        f"</span> {escape(text)}</li>"
        for s, (v, text) in diagnoses.items()
    )
    base_note = f"{order[0]} ({label('report.baseline', lang)})"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{escape(label('report.title', lang))}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(label('report.title', lang))}</h1>",
        f"<h2>{escape(label('report.meta', lang))}</h2>",
        f"<table><tbody>{meta_rows}</tbody></table>",
        f"<h2>{escape(label('report.diagnosis', lang))}</h2><ul>{diag}</ul>",
        f"<h2>{escape(label('report.kpis', lang))}</h2>",
        _table([kpi_head, base_note, *order[1:]], _kpi_rows(kpis, order, lang, diffs=False)),
    ]
    if len(order) > 1:
        parts += [
            f"<h2>{escape(label('report.diffs', lang))}</h2>",
            _table([kpi_head, *[f"{s} − {order[0]}" for s in order[1:]]],
                   _kpi_rows(kpis, order, lang, diffs=True)),
        ]
    parts.append(f"<h2>{escape(label('report.figures', lang))}</h2>")
    for name, (caption, png) in figures.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure id="{escape(name)}"><img alt="{escape(caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{escape(caption)}</figcaption>'
            "</figure>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
