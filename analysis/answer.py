"""The one-paragraph answer of a comparison: which strategy to fund, how sure, at what cost.

Owns the composition of the answer from a comparison's ``summary.json`` (no figure is
computed here: every number is read from the summary, whose figures come from
``sim.metrics`` and ``analysis.economics``):

- **which strategy**: of the strategies (every scenario but the status quo) not judged a
  funnel, the one with the highest mean net present value of net profit (the economics rows;
  the KPI net profit when a summary has none); none when every one is a funnel, or when the
  best is worse than the status quo beyond its 95 % interval;
- **how sure**: its verdict (``sim.metrics.verdict``), pool health with its 95 % interval,
  the share of replications that refilled, and the replications that would settle it;
- **cost and return**: its spend (main kinds) and net profit, then its extra spend, net
  profit, return on spend, payback week and NPV against the status quo (else against the
  first scenario), each with its 95 % interval;
- **levers** (``summary["levers"]``) and **robustness** (``summary["robustness"]``) when
  present; otherwise what would settle them;
- **assumptions**: replications, seed, run length, the ``--set`` overrides and the ranges of
  the uncertain assumptions.
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.fmt import econ_value, interval, missing, money, percent
from analysis.i18n import label, name, ref_name

__all__ = ["answer", "answer_parts", "choose"]

MAIN_KINDS = ("staff", "discounts", "stock_carrying", "capacity", "service")
MAX_RANGES = 4  # uncertain assumptions named in the answer (the report's table has them all)
PAIRED = ("spend", "net_profit", "npv", "return_on_spend", "payback_week")
LEVER_FIGURES = ("net_profit", "pool_health", "pool_health_end", "key_revenue_retained")


def _row(rows: list[dict], scenario: str, versus: str, figure: str) -> dict | None:
    """The economics/difference row of (scenario, versus, figure), or None."""
    for r in rows:
        if r.get("scenario") == scenario and (r.get("versus") or "") == versus \
                and r.get("figure") == figure:
            return r
    return None


def _npv(summary: dict, scen: str) -> dict | None:
    """{mean, lo, hi} of a scenario's NPV of net profit (else its net profit KPI)."""
    r = _row(summary.get("economics") or [], scen, "", "npv")
    if r is not None and not missing(r.get("mean")):
        return r
    k = summary["by_scenario"][scen].get("kpis", {}).get("net_profit")
    return k if k and not missing(k.get("mean")) else None


def choose(summary: dict) -> tuple[str | None, str]:
    """(strategy to fund or None, the reason's label key) by the rule of the module
    docstring; the reason is "ans.fund", "ans.all_funnel" or "ans.sq_better"."""
    sq = summary.get("status_quo")
    order = list(summary.get("scenarios") or [])
    strategies = [s for s in order if s != sq] or order
    by = summary["by_scenario"]
    value = {s: (_npv(summary, s) or {}).get("mean") for s in strategies}
    ranked = sorted(strategies, key=lambda s: -(value[s] if not missing(value[s]) else -1e300))
    if not ranked:
        return None, "ans.nothing"
    keep = [s for s in ranked if by[s].get("verdict") != "funnel"]
    if not keep:
        return ranked[0], "ans.all_funnel"
    best = keep[0]
    if sq and sq != best:
        d = _row(summary.get("economics") or [], best, sq, "npv")
        if d is not None and not missing(d.get("hi")) and d["hi"] < 0:
            return best, "ans.sq_better"
    return best, "ans.fund"


def _ci(r: dict | None, fmt: Callable[[float], str], lang: str) -> str:
    """The 95 % interval of row `r`, money bounds without the unit (said by the mean)."""
    if not r:
        return label("dx.noci", lang)
    short = lambda v: fmt(v).removesuffix(" CNY")  # noqa: E731
    return interval(r.get("lo"), r.get("hi"), short, lang)


def _verdict_part(summary: dict, best: str, lang: str) -> list[str]:
    """How sure: the verdict of `best`, its evidence, the rule, and the others' verdicts."""
    s = summary["by_scenario"][best]
    h = s.get("pool_health") or {}
    reps = s.get("reps") or 0
    p = s.get("p_refill")
    out = [label("ans.sure", lang).format(
        verdict=label("verdict." + s.get("verdict", "inconclusive"), lang),
        health="?" if missing(h.get("mean")) else f"{h['mean']:.2f}",
        ci=interval(h.get("lo"), h.get("hi"), lambda v: f"{v:.2f}", lang),
        p=0 if missing(p) else round(p * reps), n=reps)]
    if s.get("verdict") == "inconclusive" and "reps_needed" in s:
        need = s.get("reps_needed")
        out.append(label("ans.settle", lang).format(reps=need) if need
                   else label("ans.unsettled", lang))
    out.append(label("ans.rule", lang))
    others = [label("ans.other", lang).format(
        name=name("scenario", o, lang),
        verdict=label("verdict." + summary["by_scenario"][o].get("verdict", "inconclusive"),
                      lang),
        health=_num((summary["by_scenario"][o].get("pool_health") or {}).get("mean")))
        for o in summary["scenarios"] if o != best]
    if others:
        out.append(label("ans.others", lang).format(others=label("ans.sep", lang).join(others)))
    return out


def _num(v: float | None) -> str:
    return "?" if missing(v) else f"{v:.2f}"


def _negated(r: dict | None) -> dict | None:
    """A paired difference turned round (a − b → b − a): mean, lo, hi negated and swapped."""
    if r is None:
        return None
    neg = lambda v: None if missing(v) else -v  # noqa: E731
    return {**r, "mean": neg(r.get("mean")), "lo": neg(r.get("hi")), "hi": neg(r.get("lo"))}


def _cost_part(summary: dict, best: str, lang: str) -> list[str]:
    """Cost and return of `best`, and against the status quo (or the first scenario)."""
    eco = summary.get("economics") or []
    m = lambda v: money(v, lang, unit=True)  # noqa: E731
    ms = lambda v: money(v, lang, signed=True, unit=True)  # noqa: E731
    out = []
    spend, profit = _row(eco, best, "", "spend"), _row(eco, best, "", "net_profit")
    if spend and profit and not missing(spend.get("mean")):
        kinds = sorted(((_row(eco, best, "", k) or {}).get("mean") or 0.0, k) for k in MAIN_KINDS)
        top = [label("eco." + k, lang) for v, k in reversed(kinds) if v > 0][:2]
        out.append(label("ans.cost", lang).format(
            spend=m(spend["mean"]), ci=_ci(spend, m, lang),
            kinds=label("ans.both", lang).join(top) or label("meta.none", lang),
            profit=m(profit["mean"]), pci=_ci(profit, m, lang)))
    sq = summary.get("status_quo")
    ref = sq if sq and sq != best else None
    d = {f: _row(eco, best, ref, f) for f in PAIRED} if ref else {}
    if not sq:  # against the next strategy: its rows against `best`, turned round
        ref = next((s for s in summary["scenarios"] if s != best
                    and _row(eco, s, best, "net_profit")), None)
        d = {f: _negated(_row(eco, ref, best, f)) for f in PAIRED[:3]} if ref else {}
        if ref is None and summary["scenarios"][0] != best:
            ref = summary["scenarios"][0]
            d = {f: _row(eco, best, ref, f) for f in PAIRED}
    if d.get("net_profit") and not missing(d["net_profit"].get("mean")):
        text = label("ans.vs", lang).format(
            ref=ref_name(ref, lang), dspend=ms(d["spend"]["mean"]),
            dsci=_ci(d["spend"], ms, lang), dprofit=ms(d["net_profit"]["mean"]),
            dpci=_ci(d["net_profit"], ms, lang), dnpv=ms(d["npv"]["mean"]),
            dnci=_ci(d["npv"], ms, lang))
        ros = d.get("return_on_spend")
        if ros and not missing(ros.get("mean")):
            f = lambda v: econ_value("return_on_spend", v, lang)  # noqa: E731
            text += label("ans.ros", lang).format(ros=f(ros["mean"]), rci=_ci(ros, f, lang))
        pay = d.get("payback_week")
        if pay and pay.get("n"):
            f = lambda v: econ_value("payback_week", v, lang)  # noqa: E731
            text += label("ans.payback", lang).format(
                week=f(pay["mean"]), wci=_ci(pay, f, lang), k=pay["n"],
                n=summary["by_scenario"][best].get("reps", pay["n"]))
        elif pay is not None:
            text += label("ans.no_payback", lang)
        out.append(text + ("。" if lang == "zh" else "."))
    if not sq:
        out.append(label("ans.no_sq", lang))
    return out


def _lever_part(summary: dict, best: str, lang: str) -> list[str]:
    """The levers that carry the bundle, and those that cost more than they bring."""
    lev = summary.get("levers")
    if not lev or not lev.get("rows"):
        return [label("ans.no_levers", lang)]
    rows = lev["rows"]
    figure = next((f for f in LEVER_FIGURES if any(r.get("figure") == f for r in rows)),
                  rows[0].get("figure"))
    methods = [r.get("method") for r in rows if r.get("figure") == figure]
    method = lev.get("method") if lev.get("method") in methods else (
        "removal" if "removal" in methods else methods[0])
    chosen = sorted((r for r in rows if r.get("figure") == figure and r.get("method") == method
                     and not missing(r.get("mean"))), key=lambda r: -r["mean"])
    fmt = (lambda v: money(v, lang, signed=True)) if figure == "net_profit" else \
        (lambda v: f"{v:+.2f}")

    def item(r: dict) -> str:
        ci = interval(r.get("lo"), r.get("hi"), fmt, lang)
        return f"{name('lever', r['lever'], lang)} {fmt(r['mean'])} " + (
            f"（{ci}）" if lang == "zh" else f"({ci})")

    good = [item(r) for r in chosen if not missing(r.get("lo")) and r["lo"] > 0]
    bad = [item(r) for r in chosen if not missing(r.get("hi")) and r["hi"] < 0]
    fig_name = label("eco.net_profit", lang) if figure == "net_profit" else \
        label("kpi." + str(figure), lang)
    out = []
    if good:
        out.append(label("ans.levers", lang).format(
            figure=fig_name, method=name("method", method, lang),
            good=label("ans.sep", lang).join(good)))
    if bad:
        out.append(label("ans.levers_cost", lang).format(bad=label("ans.sep", lang).join(bad)))
    return out or [label("ans.levers_none", lang)]


def _robust_part(summary: dict, best: str, lang: str) -> list[str]:
    """In what share of plausible markets the verdict holds, and what flips it."""
    rob = summary.get("robustness")
    mine = (rob or {}).get("by_scenario", {}).get(best)
    if not rob or not mine:
        return [label("ans.no_robust", lang)]
    out = [label("ans.robust", lang).format(
        n=rob.get("markets", "?"), source=label("rob." + str(rob.get("source")), lang),
        name=name("scenario", best, lang), res=percent(mine.get("share_reservoir")),
        fun=percent(mine.get("share_funnel")), best=percent(mine.get("share_best_net_profit")))]
    flips = sorted(rob.get("flips") or [], key=lambda f: -(f.get("importance") or 0))
    keys = list(dict.fromkeys(f["key"] for f in flips))[:2]
    if keys:
        out.append(label("ans.flips", lang).format(keys=label("ans.and", lang).join(keys)))
    return out


def _assumption_part(summary: dict, best: str, lang: str) -> list[str]:
    """Replications, seed, run length, overrides, and the uncertain assumptions' ranges."""
    meta = summary.get("meta") or {}
    steps = meta.get("steps")
    weeks = (label("ans.weeks", lang).format(weeks=steps) if isinstance(steps, int)
             else label("ans.weeks_file", lang))
    over = meta.get("overrides") or {}
    overrides = (label("ans.overrides", lang).format(
        items=label("ans.and", lang).join(f"{k} = {v}" for k, v in over.items())) if over
        else label("ans.no_overrides", lang))
    out = [label("ans.assume", lang).format(
        reps=summary["by_scenario"][best].get("reps", "?"), seed=meta.get("root_seed", "?"),
        weeks=weeks, overrides=overrides)]
    rob = summary.get("robustness") or {}
    flips = [f["key"] for f in sorted(rob.get("flips") or [],
                                      key=lambda f: -(f.get("importance") or 0))]
    ranges = sorted(rob.get("assumptions") or [], key=lambda a: (
        flips.index(a["key"]) if a["key"] in flips else len(flips)))  # those that flip first
    if ranges:
        shown = [f"{a['key']} {a['lo']:g}–{a['hi']:g}" for a in ranges[:MAX_RANGES]]
        if len(ranges) > MAX_RANGES:
            shown.append(label("ans.more", lang).format(k=len(ranges) - MAX_RANGES))
        out.append(label("ans.assume_ranges", lang).format(
            ranges=label("ans.sep", lang).join(shown)))
    return out


def answer(summary: dict, lang: str = "en") -> str:
    """The answer paragraph (plain text) of a comparison's summary, in `lang`."""
    return ("" if lang == "zh" else " ").join(answer_parts(summary, lang))


def answer_parts(summary: dict, lang: str = "en") -> list[str]:
    """The answer's sentences: the recommendation first, then how sure, cost and return,
    levers, robustness and assumptions."""
    if not summary.get("scenarios"):
        return [label("ans.nothing", lang)]
    best, reason = choose(summary)
    if best is None:
        return [label(reason, lang)]
    value = _npv(summary, best) or {}
    m = lambda v: money(v, lang, unit=True)  # noqa: E731
    has_npv = _row(summary.get("economics") or [], best, "", "npv") is not None
    parts = [label(reason, lang).format(
        what=label("ans.what_npv" if has_npv else "ans.what_np", lang),
        name=name("scenario", best, lang), sq=ref_name(summary.get("status_quo"), lang),
        npv=m(value.get("mean")) if not missing(value.get("mean")) else "?",
        ci=_ci(value, m, lang))]
    if reason == "ans.sq_better":
        d = _row(summary.get("economics") or [], best, summary["status_quo"], "npv") or {}
        ms = lambda v: money(v, lang, signed=True, unit=True)  # noqa: E731
        parts[0] = label(reason, lang).format(name=name("scenario", best, lang),
                                              sq=ref_name(summary["status_quo"], lang),
                                              npv=ms(d["mean"]), ci=_ci(d, ms, lang))
    richer = [s for s in summary["scenarios"] if s not in (best, summary.get("status_quo"))
              and summary["by_scenario"][s].get("verdict") == "funnel"
              and (_npv(summary, s) or {}).get("mean", -1e300) > value.get("mean", 1e300)]
    for s in richer[:1]:
        r = _npv(summary, s)
        parts.append(label("ans.richer_funnel", lang).format(
            name=name("scenario", s, lang), npv=m(r["mean"]), ci=_ci(r, m, lang)))
    for part in (_verdict_part, _cost_part, _lever_part, _robust_part, _assumption_part):
        parts += part(summary, best, lang)
    return parts
