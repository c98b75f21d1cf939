"""The report's decision sections as HTML: verdict, cost and return, the status quo, levers,
robustness.

Owns the markup of the sections read from a comparison's summary (``summary.json``): each is
rendered only when its key is present (``economics``, ``status_quo`` with ``differences``,
``levers``, ``robustness``), and every number is read from the summary, never recomputed.
Also the table helpers the rest of the page uses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from html import escape

from analysis.fmt import econ_value, format_diff, missing, percent
from analysis.i18n import label, name, ref_name
from sim import metrics

__all__ = ["table", "cell", "scen", "diff_title", "verdict_section", "economics_section",
           "status_quo_section", "levers_section", "robustness_section"]

LEVELS = ("staff", "discounts", "stock_carrying", "capacity", "service", "spend", "net_profit",
          "npv")
PAIRED = ("staff", "discounts", "stock_carrying", "capacity", "service", "spend",
          "net_profit", "return_on_spend", "payback_week", "npv")
NOT_SIGNED = {"return_on_spend", "payback_week"}  # no zero to be told apart from


def table(head: list[str], rows: list[str]) -> str:
    """An HTML table: header cells (escaped here) and ready body rows."""
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{th}</tr></thead><tbody>\n" + "\n".join(rows) + \
        "\n</tbody></table>"


def cell(main: str, lo: str = "–", hi: str = "–", sig: bool = False) -> str:
    """A table cell: value with its 95 % interval below (none when a bound is missing)."""
    ci = "" if lo == "–" or hi == "–" else \
        f'<br><span class="ci">[{escape(lo)}, {escape(hi)}]</span>'
    return f'<td{" class=sig" if sig else ""}>{escape(main)}{ci}</td>'


def scen(s: str, lang: str) -> str:
    """A scenario's display name (translated for shipped scenarios)."""
    return name("scenario", s, lang)


def _h2(key: str, lang: str, sid: str, **kw: str) -> str:
    return f'<h2 id="{sid}">{escape(label(key, lang).format(**kw))}</h2>'


def _p(key: str, lang: str, **kw: str) -> str:
    return f"<p class=text>{escape(label(key, lang).format(**kw))}</p>"


def _excludes_zero(r: dict) -> bool:
    return not (missing(r.get("lo")) or missing(r.get("hi"))) and (r["lo"] > 0 or r["hi"] < 0)


def interval_row(head: str, records: list[dict], fmt: Callable[[float | None], str],
                 pad: int = 0) -> str:
    """A table row: ``head``, then one cell per record, its mean with its 95 % interval
    (``fmt`` formats each number), marked where the interval excludes zero; ``pad`` empty
    cells after."""
    cells = [f"<th>{escape(head)}</th>"]
    cells += [cell(fmt(r.get("mean")), fmt(r.get("lo")), fmt(r.get("hi")), _excludes_zero(r))
              for r in records]
    return "<tr>" + "".join(cells) + "<td></td>" * pad + "</tr>"


def verdict_section(summary: dict, lang: str) -> str:
    """Per scenario: verdict, pool health with its interval, P(refill), reps to settle; the
    rule in words (``sim.metrics.verdict_rule``)."""
    rows = []
    for s in summary["scenarios"]:
        b = summary["by_scenario"][s]
        h = b.get("pool_health") or {}
        v = b.get("verdict", "inconclusive")
        reps, p = b.get("reps") or 0, b.get("p_refill")
        need = b.get("reps_needed")
        settle = label("report.settled", lang) if v != "inconclusive" else (
            f"≈ {need}" if need else "–")
        rows.append(
            f"<tr><th>{escape(scen(s, lang))}</th><td><span class='badge {v}'>"
            f"{escape(label('verdict.' + v, lang))}</span></td>"
            + cell("–" if missing(h.get("mean")) else f"{h['mean']:.2f}",
                   "–" if missing(h.get("lo")) else f"{h['lo']:.2f}",
                   "–" if missing(h.get("hi")) else f"{h['hi']:.2f}")
            + f"<td>{'–' if missing(p) else f'{round(p * reps)} / {reps} ({percent(p)})'}</td>"
            f"<td>{escape(settle)}</td></tr>")
    head = [label(k, lang) for k in ("col.scenario", "col.verdict", "col.health",
                                     "col.p_refill", "col.settle")]
    colon = "：" if lang == "zh" else ": "
    diagnoses = "".join(f"<li><b>{escape(scen(s, lang))}</b>{colon}"
                        f"{escape(summary['by_scenario'][s].get('diagnosis', ''))}</li>"
                        for s in summary["scenarios"])
    return (_h2("sec.verdict", lang, "verdict") + table(head, rows)
            + _p("text.verdict", lang) + f"<p class=rule>{escape(metrics.verdict_rule(lang))}"
            f"</p><ul class=text>{diagnoses}</ul>")


def _eco_rows(summary: dict) -> list[dict]:
    return summary.get("economics") or []


def economics_section(summary: dict, lang: str) -> str:
    """Spend by kind, net profit and NPV per scenario; then each scenario against each
    reference (the status quo first): extra spend, net profit, return, payback, NPV."""
    eco = _eco_rows(summary)
    if not eco:
        return ""
    order = summary["scenarios"]
    idx = {(r["scenario"], r.get("versus") or "", r["figure"]): r for r in eco}
    out = [_h2("sec.economics", lang, "economics"), _p("text.economics", lang)]
    rows = []
    for fig in LEVELS:
        cells = [f"<th>{escape(label('eco.' + fig, lang))}</th>"]
        for s in order:
            r = idx.get((s, "", fig), {})
            f = lambda v, fig=fig: econ_value(fig, v, lang)  # noqa: E731
            cells.append(cell(f(r.get("mean")), f(r.get("lo")), f(r.get("hi"))))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    out.append(table([label("col.figure", lang), *[scen(s, lang) for s in order]], rows))
    refs = list(dict.fromkeys(r.get("versus") for r in eco if r.get("versus")))
    sq = summary.get("status_quo")
    refs.sort(key=lambda v: v != sq)
    for ref in refs:
        cols = [s for s in order if (s, ref, "net_profit") in idx]
        rows = []
        for fig in PAIRED:
            cells = [f"<th>{escape(label('eco.' + fig, lang))}</th>"]
            for s in cols:
                r = idx.get((s, ref, fig), {})
                signed = fig not in NOT_SIGNED
                f = lambda v, fig=fig, sg=signed: econ_value(fig, v, lang, signed=sg)  # noqa
                extra = f" ({r.get('n')}/{summary['by_scenario'][s].get('reps')})" if \
                    fig == "payback_week" and r.get("n") is not None else ""
                cells.append(cell(f(r.get("mean")) + extra, f(r.get("lo")), f(r.get("hi")),
                                  signed and _excludes_zero(r)))
            rows.append("<tr>" + "".join(cells) + "</tr>")
        nm, within = scen(ref, lang), ref_name(ref, lang)
        out += [f"<h3>{escape(label('sec.econ_vs', lang).format(name=within))}</h3>",
                _p("text.econ_vs", lang, name=within),
                table([label("col.figure", lang), *[f"{scen(s, lang)} − {nm}" for s in cols]],
                      rows)]
    return "\n".join(out)


def status_quo_section(summary: dict, lang: str) -> str:
    """The headline figures of every strategy minus each reference of ``differences`` (the
    status quo first); a reference that is the first scenario is left to the full KPI
    difference table of the page."""
    sq, diffs = summary.get("status_quo"), summary.get("differences") or []
    first = summary["scenarios"][0] if summary.get("scenarios") else None
    refs = [v for v in dict.fromkeys(r.get("versus") for r in diffs) if v and v != first]
    refs.sort(key=lambda v: v != sq)
    return "\n".join(_differences(summary, diffs, ref, lang) for ref in refs)


def _differences(summary: dict, diffs: list[dict], ref: str, lang: str) -> str:
    mine = [r for r in diffs if r.get("versus") == ref]
    cols = list(dict.fromkeys(r["scenario"] for r in mine))
    figures = list(dict.fromkeys(r["figure"] for r in mine))
    idx = {(r["scenario"], r["figure"]): r for r in mine}
    rows = [interval_row(label("kpi." + fig, lang), [idx.get((s, fig), {}) for s in cols],
                         partial(format_diff, fig, lang=lang)) for fig in figures]
    nm = ref_name(ref, lang)
    sid = "status-quo" if ref == summary.get("status_quo") else f"diffs-{ref}"
    return "\n".join([f'<h2 id="{escape(sid)}">{escape(diff_title(summary, ref, lang))}</h2>',
                      _p("text.diff", lang, name=nm),
                      table([label("report.kpi", lang),
                             *[f"{scen(s, lang)} − {scen(ref, lang)}" for s in cols]], rows)])


def diff_title(summary: dict, ref: str, lang: str) -> str:
    """Heading of the differences from `ref`: the status quo named as such (once)."""
    nm = scen(ref, lang)
    if ref != summary.get("status_quo"):
        return label("sec.diffs", lang).format(name=nm)
    if nm == label("report.status_quo", lang):
        return label("sec.diff_sq_plain", lang)
    return label("sec.diff_sq", lang).format(name=nm)


def _lever_fmt(figure: str, v: float | None, lang: str) -> str:
    if figure == "net_profit":
        return econ_value("net_profit", v, lang, signed=True)
    return format_diff(figure, v, lang)


def levers_section(summary: dict, lang: str, figure_html: str = "") -> str:
    """Per figure, each lever's contribution by method with intervals, and the bundle's
    difference; the lever chart (``figure_html``) below."""
    lev = summary.get("levers")
    if not lev or not lev.get("rows"):
        return ""
    rows_in = lev["rows"]
    methods = list(dict.fromkeys(r.get("method") for r in rows_in))
    method_text = label("ans.and", lang).join(name("method", m, lang) for m in methods)
    out = [_h2("sec.levers", lang, "levers"),
           _p("text.levers", lang, bundle=scen(str(lev.get("bundle", "")), lang),
              method=method_text)]
    bundle = {r["figure"]: r for r in lev.get("bundle_difference") or []}
    for fig in dict.fromkeys(r["figure"] for r in rows_in):
        levers = list(dict.fromkeys(r["lever"] for r in rows_in if r["figure"] == fig))
        idx = {(r["lever"], r.get("method")): r for r in rows_in if r["figure"] == fig}
        fmt = partial(_lever_fmt, fig, lang=lang)
        rows = [interval_row(name("lever", lv, lang), [idx.get((lv, m), {}) for m in methods],
                             fmt) for lv in levers]
        if fig in bundle:
            rows.append(interval_row(label("fig.levers.bundle", lang), [bundle[fig]], fmt,
                                     pad=len(methods) - 1))
        title = label("eco.net_profit", lang) if fig == "net_profit" else \
            label("kpi." + fig, lang)
        out += [f"<h3>{escape(title)}</h3>", table(
            [label("col.lever", lang), *[name("method", m, lang) for m in methods]], rows)]
    return "\n".join([*out, figure_html])


def _in_lang(text: str | None, lang: str) -> bool:
    """Whether a text written by the comparison reads in `lang` (Chinese has CJK)."""
    if not text:
        return False
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    return cjk if lang == "zh" else not cjk


def robustness_section(summary: dict, lang: str) -> str:
    """Share of plausible markets per verdict and best net profit, per strategy; the
    assumptions sampled and those that flip the ranking."""
    rob = summary.get("robustness")
    if not rob or not rob.get("by_scenario"):
        return ""
    out = [_h2("sec.robustness", lang, "robustness"),
           _p("text.robustness", lang, n=str(rob.get("markets", "?")),
              source=label("rob." + str(rob.get("source")), lang))]
    rows = []
    for s, shares in rob["by_scenario"].items():
        rows.append(f"<tr><th>{escape(scen(s, lang))}</th>" + "".join(
            f"<td>{percent(shares.get(k))}</td>" for k in
            ("share_reservoir", "share_funnel", "share_best_net_profit")) + "</tr>")
    out.append(table([label(k, lang) for k in ("col.scenario", "col.share_reservoir",
                                               "col.share_funnel", "col.share_best")], rows))
    ranges = [f"<tr><th><code>{escape(a['key'])}</code></th><td>{a['lo']:g} – {a['hi']:g}"
              "</td></tr>" for a in rob.get("assumptions") or []]
    if ranges:
        out.append(table([label("col.assumption", lang), label("col.range", lang)], ranges))
    flips = sorted(rob.get("flips") or [], key=lambda f: -(f.get("importance") or 0))
    if flips:
        items = "".join(
            f"<li><code>{escape(f['key'])}</code> ({escape(label('text.importance', lang))} "
            f"{f.get('importance') or 0:.2f})"
            + (f": {escape(f['text'])}" if _in_lang(f.get("text"), lang) else "") + "</li>"
            for f in flips)
        out += [_p("text.flips", lang), f"<ul>{items}</ul>"]
    return "\n".join(out)
