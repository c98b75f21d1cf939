"""Rendering of the offline HTML report: the answer, the decision sections, KPI tables,
figures with the words under them, and the run settings.

Owns the page's order and markup: the one-paragraph answer (`analysis.answer`) first, then the
verdict, cost and return, the status quo, levers and robustness (`analysis.sections`, each
only when the summary holds it), the key figures with 95 % intervals, the figures, and the
run settings last. The page is self-contained: inline CSS, figures as base64 PNG data URIs,
no scripts, no external fonts, styles or images.
"""

from __future__ import annotations

import base64
import re
from html import escape

import pandas as pd

from analysis.answer import answer_parts
from analysis.fmt import format_diff, format_value, missing
from analysis.i18n import label, ref_name
from analysis.kpi import KPIS
from analysis.sections import (
    cell,
    diff_title,
    economics_section,
    levers_section,
    robustness_section,
    scen,
    status_quo_section,
    table,
    verdict_section,
)

__all__ = ["format_value", "format_diff", "render_html"]

NAV_SLOT = "<!--nav-->"
CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Zen Hei","PingFang SC",
"Microsoft YaHei",system-ui,sans-serif;margin:1.2em auto;max-width:1200px;color:#222;
padding:0 1em;line-height:1.45}
h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid
#ccc}h3{font-size:1.05em;margin-top:1.2em}
.answer{font-size:1.06em;background:#f4f8f4;border-left:5px solid #2e7d32;padding:.7em 1em;
margin:.6em 0 1em}
p.text,p.rule{color:#444;max-width:75em}p.rule{font-style:italic}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
thead th{background:#f2f2f2}
td.sig{font-weight:bold}
.ci{color:#666;font-size:.88em}
.badge{display:inline-block;padding:0 .5em;border-radius:.6em;color:#fff;font-size:.85em}
.reservoir{background:#2e7d32}.funnel{background:#c62828}.inconclusive{background:#757575}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#333;font-size:.92em;max-width:75em}figcaption b{display:block}
code{font-size:.9em}nav{font-size:.9em;color:#555;margin:-.3em 0 .4em}nav a{color:#1f5fa8}
"""


def _kpi_rows(kpis: pd.DataFrame, order: list[str], lang: str, diffs: bool) -> list[str]:
    """Body rows of the KPI table (means) or of the difference table."""
    rows = []
    idx = kpis.set_index(["scenario", "kpi"])
    for kpi in KPIS:
        cells = [f"<th>{escape(label('kpi.' + kpi, lang))}</th>"]
        for s in (order[1:] if diffs else order):
            r = idx.loc[(s, kpi)]
            if diffs:
                sig = not (missing(r.diff_lo) or missing(r.diff_hi)) and (
                    r.diff_lo > 0 or r.diff_hi < 0)
                cells.append(cell(format_diff(kpi, r.diff_mean, lang),
                                  format_diff(kpi, r.diff_lo, lang),
                                  format_diff(kpi, r.diff_hi, lang), sig))
            else:
                cells.append(cell(format_value(kpi, r["mean"], lang),
                                  format_value(kpi, r.lo, lang), format_value(kpi, r.hi, lang)))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return rows


def _meta_value(key: str, v: object, lang: str) -> str:
    """A run setting as HTML: files and keys as code, the seeds in short."""
    if key == "steps" and not isinstance(v, int):
        return escape(label("meta.steps_default", lang))
    if isinstance(v, dict):
        return escape(label("meta.none", lang)) if not v else ", ".join(
            f"<code>{escape(str(k))} = {escape(str(x))}</code>" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(f"<code>{escape(str(x))}</code>" for x in v) if key == "files" \
            else escape(", ".join(str(x) for x in v))
    return escape(str(v))


def _settings(summary: dict, lang: str) -> str:
    """The run settings table: the comparison's own settings, then replications per
    scenario and the status quo."""
    rows = []
    for k, v in (summary.get("meta") or {}).items():
        if k == "seeds" and "root_seed" in summary["meta"]:
            v = label("meta.seeds_short", lang).format(n=len(v), root=summary["meta"]
                                                       ["root_seed"])
        head = label("meta." + k, lang)
        rows.append(f"<tr><th>{escape(k if head == 'meta.' + k else head)}</th>"
                    f"<td>{_meta_value(k, v, lang)}</td></tr>")
    reps = ", ".join(f"{scen(s, lang)}: {summary['by_scenario'][s]['reps']}"
                     for s in summary["scenarios"])
    rows.append(f"<tr><th>{escape(label('report.reps', lang))}</th><td>{escape(reps)}</td></tr>")
    if summary.get("status_quo"):
        rows.append(f"<tr><th>{escape(label('meta.status_quo', lang))}</th>"
                    f"<td>{escape(scen(summary['status_quo'], lang))}</td></tr>")
    return (f'<h2 id="settings">{escape(label("sec.settings", lang))}</h2>'
            f"<table><tbody>{''.join(rows)}</tbody></table>")


def _text(key: str, lang: str, **kw: str) -> str:
    return f"<p class=text>{escape(label(key, lang).format(**kw))}</p>"


def _answer_html(summary: dict, lang: str) -> str:
    """The answer paragraph, its first sentence (which strategy) in bold."""
    first, *rest = answer_parts(summary, lang)
    sep = "" if lang == "zh" else " "
    return (f'<p class="answer" id="answer"><b>{escape(first)}</b>{sep}'
            f"{escape(sep.join(rest))}</p>")


def _figure(name: str, title: str, png: bytes, lang: str) -> str:
    """A figure with its title and the words under it (what it shows, how to read it)."""
    data = base64.b64encode(png).decode("ascii")
    words = label(f"cap.{name}", lang)
    text = "" if words == f"cap.{name}" else escape(words)
    return (f'<figure id="{escape(name)}"><img alt="{escape(title)}" '
            f'src="data:image/png;base64,{data}"><figcaption><b>{escape(title)}</b>{text}'
            "</figcaption></figure>")


def render_html(summary: dict, kpis: pd.DataFrame, figures: dict[str, tuple[str, bytes]],
                lang: str = "en") -> str:
    """The complete report page.

    `summary` is the comparison's summary (`analysis.report.write_report`, with any of the
    sections `economics`, `status_quo` + `differences`, `levers`, `robustness`), `kpis` the
    `kpi.kpi_summary` table, `figures` maps file name → (title, PNG bytes); the lever chart
    (`levers.png`) is shown in its section, the others under "Figures".
    """
    order = summary["scenarios"]
    sq = summary.get("status_quo")
    mark = label("report.status_quo", lang)
    mark = f"（{mark}）" if lang == "zh" else f" ({mark})"
    head_names = [scen(s, lang) + (mark if s == sq else "") for s in order]
    figs = dict(figures)
    lever_fig = figs.pop("levers.png", None)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{escape(label('report.title', lang))}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(label('report.title', lang))}</h1>",
        _answer_html(summary, lang),
        NAV_SLOT,
        verdict_section(summary, lang),
        economics_section(summary, lang),
        status_quo_section(summary, lang),
        levers_section(summary, lang,
                       _figure("levers.png", *lever_fig, lang) if lever_fig else ""),
        robustness_section(summary, lang),
        f'<h2 id="kpis">{escape(label("sec.kpis", lang))}</h2>',
        f"<p class=text>{escape(label('text.kpis', lang))}</p>",
        table([label("report.kpi", lang), *head_names], _kpi_rows(kpis, order, lang, False)),
    ]
    if len(order) > 1:
        first = scen(order[0], lang)
        parts += [
            f'<h2 id="diffs">{escape(diff_title(summary, order[0], lang))}</h2>',
            _text("text.diff", lang, name=ref_name(order[0], lang)),
            table([label("report.kpi", lang), *[f"{scen(s, lang)} − {first}"
                                                 for s in order[1:]]],
                  _kpi_rows(kpis, order, lang, True)),
        ]
    parts.append(f'<h2 id="figures">{escape(label("sec.figures", lang))}</h2>')
    parts += [_figure(n, title, png, lang) for n, (title, png) in figs.items()]
    parts += [_settings(summary, lang), "</body></html>"]
    page = "\n".join(p for p in parts if p) + "\n"
    return page.replace(NAV_SLOT, _nav(page), 1)


def _nav(page: str) -> str:
    """Links to the page's sections (its h2 headings, in order)."""
    links = re.findall(r'<h2 id="([^"]+)">([^<]*)</h2>', page)
    short = [(i, re.sub(r"\s*[(（][^(（]*[)）]$", "", t)) for i, t in links]  # without a note
    return "<nav>" + " · ".join(f'<a href="#{i}">{t}</a>' for i, t in short) + "</nav>"
