"""The answer paragraph and the report's decision sections, on a small real comparison with
and without the summary sections a comparison may add (status quo, levers, robustness)."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from analysis import i18n
from analysis.answer import answer, choose
from analysis.economics import economics_table
from analysis.fmt import money
from analysis.intervals import paired_diff_ci
from analysis.kpi import run_kpis
from analysis.report import write_report
from sim import metrics
from sim.io import nan_to_none

ORDER = ["baseline", "reservoir", "funnel"]
RATES = dict.fromkeys(ORDER, 0.08)
LEVERS = {"bundle": "reservoir", "method": "removal", "rows": [
    {"lever": "development", "figure": "net_profit", "method": "removal",
     "mean": 6.2e7, "lo": 4.1e7, "hi": 8.3e7, "n": 3},
    {"lever": "supply_assurance", "figure": "net_profit", "method": "removal",
     "mean": -1.7e7, "lo": -2.2e7, "hi": -1.2e7, "n": 3},
    {"lever": "kam_centre", "figure": "net_profit", "method": "removal",
     "mean": 1.0e6, "lo": -5.0e6, "hi": 7.0e6, "n": 3},
    {"lever": "development", "figure": "pool_health", "method": "removal",
     "mean": 0.21, "lo": 0.1, "hi": 0.32, "n": 3}],
    "bundle_difference": [{"figure": "net_profit", "mean": 5.0e7, "lo": 2.0e7, "hi": 8.0e7,
                           "n": 3}]}
ROBUST = {"source": "latin", "markets": 32,
          "assumptions": [{"key": "segments.tier2.entry_per_year", "lo": 20, "hi": 100},
                          {"key": "ev.adoption_speed", "lo": 0.5, "hi": 2.0}],
          "by_scenario": {"baseline": {"share_reservoir": 0.1, "share_funnel": 0.7,
                                       "share_best_net_profit": 0.0},
                          "reservoir": {"share_reservoir": 0.625, "share_funnel": 0.125,
                                        "share_best_net_profit": 0.8125},
                          "funnel": {"share_reservoir": 0.0, "share_funnel": 0.9,
                                     "share_best_net_profit": 0.1875}},
          "flips": [{"key": "segments.tier2.entry_per_year", "importance": 0.61,
                     "text": "funnel refills above 70 entrants a year"},
                    {"key": "ev.adoption_speed", "importance": 0.2, "text": ""}]}


def _differences(t: dict, versus: str) -> list[dict]:
    per = run_kpis(t["runs"], t["customers_runs"], t["retention_runs"])
    base = per[per["scenario"] == versus].set_index("rep")
    rows = []
    for scen in ORDER:
        if scen == versus:
            continue
        sub = per[per["scenario"] == scen].set_index("rep")
        for fig in ("pool_health_end", "net_profit", "market_share", "customers_end"):
            m, lo, hi = paired_diff_ci(sub[fig], base[fig])
            rows.append({"scenario": scen, "versus": versus, "figure": fig, "mean": m,
                         "lo": lo, "hi": hi, "n": 3})
    return nan_to_none(rows)


def _report(t: dict, out, lang: str = "en", **sections) -> tuple[dict, str]:
    summary = write_report(out, t["runs"], t["pool_runs"], t["spells_runs"],
                           t["customers_runs"], t["market_runs"], ORDER, lang,
                           {"files": [f"scenarios/{s}.toml" for s in ORDER], "root_seed": 7,
                            "seeds": [1, 2, 3], "steps": 60,
                            "overrides": {"run.scale": 0.3}},
                           t["retention_runs"], RATES, sections=sections)
    json.dumps(summary, allow_nan=False)
    return summary, (out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def economics(real_tables) -> list[dict]:
    return nan_to_none(economics_table(real_tables["runs"], RATES, "baseline")
                       .to_dict("records"))


@pytest.fixture(scope="module")
def bare(real_tables, economics, tmp_path_factory):
    """Only the cost and return rows (no status quo named, no levers, no robustness)."""
    return _report(real_tables, tmp_path_factory.mktemp("bare"), economics=economics)


@pytest.fixture(scope="module")
def full(real_tables, economics, tmp_path_factory):
    return _report(real_tables, tmp_path_factory.mktemp("full"), status_quo="baseline",
                   differences=_differences(real_tables, "baseline"), economics=economics,
                   levers=LEVERS, robustness=ROBUST)


def _expected_choice(summary: dict) -> str:
    """The rule in the answer's words: highest NPV among the strategies not judged a
    funnel (the status quo is not a strategy when named)."""
    sq = summary.get("status_quo")
    npv = {r["scenario"]: r["mean"] for r in summary["economics"]
           if r["versus"] == "" and r["figure"] == "npv"}
    keep = [s for s in ORDER if s != sq and summary["by_scenario"][s]["verdict"] != "funnel"]
    return max(keep or [s for s in ORDER if s != sq], key=npv.get)


def test_answer_without_levers_or_robustness_says_what_would_settle_them(bare):
    summary, html = bare
    text = summary["answer"]
    assert text == answer(summary, "en")
    best = _expected_choice(summary)
    assert choose(summary)[0] == best and best in text.split(":")[0]
    npv = next(r for r in summary["economics"]
               if (r["scenario"], r["versus"], r["figure"]) == (best, "", "npv"))
    assert money(npv["mean"], "en", unit=True) in text
    assert "kamsim compare --levers" in text and "kamsim compare --robustness N" in text
    assert "No status quo was run" in text
    assert "3 replications per strategy" in text and "root seed 7" in text
    assert "run.scale = 0.3" in text
    for key in ("economics", "verdict"):
        assert f'id="{key}"' in html
    for key in ("status-quo", "levers", "robustness"):
        assert f'id="{key}"' not in html
    assert "levers.png" not in summary["figures"]


def test_answer_with_every_section(full):
    summary, html = full
    text = summary["answer"]
    best = _expected_choice(summary)
    assert text.startswith(f"Fund {best}:") or text.startswith("None of the strategies") \
        or text.startswith("No strategy")
    if best != "baseline":
        assert "Against baseline: extra spend" in text
    # levers: the one whose interval lies above zero carries it, the one below costs
    assert "development +62.0M" in text
    assert re.search(r"Levers that cost more than they bring: supply assurance -17\.0M", text)
    assert "key-account centre" not in text  # its interval straddles zero
    assert "32 plausible markets (Latin hypercube sample)" in text
    assert "segments.tier2.entry_per_year 20–100" in text
    assert "turns most on segments.tier2.entry_per_year, ev.adoption_speed" in text
    if best == "reservoir":
        assert "reservoir in 62% of them and a funnel in 12%" in text
        assert "best net profit in 81%" in text
    for key in ("answer", "verdict", "economics", "diffs", "levers", "robustness"):
        assert f'id="{key}"' in html
    assert "levers.png" in summary["figures"] and 'id="levers.png"' in html
    assert "<b>Single run dashboard: reservoir, replication 1 (seed" in html
    assert "funnel refills above 70 entrants a year" in html
    nav = html.split("<nav>")[1].split("</nav>")[0]  # links to every section, in order
    assert re.findall(r'href="#([^"]+)"', nav) == re.findall(r'<h2 id="([^"]+)"', html)


def test_status_quo_differences_are_shown_against_it(full, real_tables):
    summary, html = full
    assert "reservoir − baseline" in html and "funnel − baseline" in html
    assert "baseline (status quo)" in html and "(baseline)" not in html
    assert 'id="status-quo"' not in html  # the status quo is first: the full table is it
    section = html.split('id="diffs"')[1].split("<h2")[0]
    assert "Differences from the status quo, baseline (paired by replication)" in section
    row = next(r for r in summary["differences"]
               if (r["scenario"], r["figure"]) == ("funnel", "customers_end"))
    assert f"{row['mean']:+,.2f}" in section


def test_verdict_table_states_the_rule_probability_and_replications(full, real_tables):
    summary, html = full
    assert unescape(html).count(metrics.VERDICT_RULE) == 1
    per = run_kpis(real_tables["runs"])
    for s in ORDER:
        v = metrics.verdict(per.loc[per["scenario"] == s, "pool_health_end"])
        b = summary["by_scenario"][s]
        assert (b["verdict"], b["p_refill"], b["reps_needed"]) == (v.kind, v.p_refill,
                                                                   v.reps_needed)
        if v.kind == "inconclusive" and v.reps_needed:
            assert f"≈ {v.reps_needed}" in html
    text = _visible_text(html)
    assert "95 % interval" in text and not re.search(r"\bCI\b", text)


def _visible_text(html: str) -> str:
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.S)
    html = re.sub(r"<(style|title)>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'src="data:[^"]*"', "", html)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_zh_report_has_no_untranslated_label(real_tables, economics, tmp_path):
    try:
        i18n.setup_cjk_font("zh")
    except i18n.FontMissing as exc:
        pytest.skip(f"no CJK font installed ({exc})")
    summary, html = _report(real_tables, tmp_path, "zh", status_quo="baseline",
                            differences=_differences(real_tables, "baseline"),
                            economics=economics, levers=LEVERS, robustness=ROBUST)
    text = _visible_text(html)
    en, zh = i18n.LABELS["en"], i18n.LABELS["zh"]
    assert [k for k in en if zh[k] == en[k]] == []  # every label has its own Chinese
    leftovers = sorted(v for v in en.values() if len(v) >= 4
                       and re.search(r"[A-Za-z]{3}", v) and v in text)
    assert leftovers == []
    assert not re.search(r"\b(replications?|interval|status quo|reservoir|funnel)\b", text)
    assert summary["answer"].startswith(("建议投入", "没有哪个策略", "所比较的策略"))
    assert "蓄水池策略" in text and "基准情景（现状）" in text


def _toy(verdicts: dict[str, str], npv: dict[str, float], sq: str | None = None,
         sq_diff: tuple[float, float, float] | None = None) -> dict:
    """A minimal summary: verdicts and NPVs per scenario (and the best's NPV against sq)."""
    eco = [{"scenario": s, "versus": "", "figure": "npv", "mean": v, "lo": v - 1, "hi": v + 1,
            "n": 4} for s, v in npv.items()]
    if sq_diff:
        for s in npv:
            if s != sq:
                eco.append({"scenario": s, "versus": sq, "figure": "npv", "mean": sq_diff[0],
                            "lo": sq_diff[1], "hi": sq_diff[2], "n": 4})
    by = {s: {"verdict": v, "reps": 4, "p_refill": 0.5,
              "pool_health": {"mean": 1.0, "lo": 0.9, "hi": 1.1}} for s, v in verdicts.items()}
    return {"scenarios": list(verdicts), "status_quo": sq, "by_scenario": by,
            "economics": eco, "meta": {}}


def test_choice_rule():
    # the richest is a funnel: the best of the others is funded, the richer one named
    s = _toy({"a": "funnel", "b": "inconclusive", "c": "reservoir"},
             {"a": 9e6, "b": 5e6, "c": 4e6})
    assert choose(s) == ("b", "ans.fund")
    text = answer(s)
    assert text.startswith("Fund b:") and "a earns more, 9.0M CNY" in text
    # every strategy a funnel: none funded, the best named
    s = _toy({"a": "funnel", "b": "funnel"}, {"a": 1e6, "b": 2e6})
    assert choose(s) == ("b", "ans.all_funnel")
    assert answer(s).startswith("No strategy compared keeps its customer pool")
    # the status quo is no strategy; a best worse than it beyond its interval is not funded
    s = _toy({"sq": "reservoir", "a": "reservoir"}, {"sq": 9e6, "a": 5e6}, sq="sq",
             sq_diff=(-4e6, -5e6, -3e6))
    assert choose(s) == ("a", "ans.sq_better")
    assert answer(s).startswith("None of the strategies pays more than sq: the best, a,")
    s = _toy({"sq": "reservoir", "a": "reservoir"}, {"sq": 9e6, "a": 5e6}, sq="sq",
             sq_diff=(-4e6, -9e6, 1e6))
    assert choose(s) == ("a", "ans.fund")
    assert answer({"scenarios": [], "by_scenario": {}}, "zh") == "没有可供回答的情景结果。"


def test_differences_against_a_status_quo_not_first_and_another_reference(real_tables,
                                                                          economics, tmp_path):
    diffs = _differences(real_tables, "funnel") + _differences(real_tables, "baseline")
    summary, html = _report(real_tables, tmp_path, status_quo="funnel", differences=diffs,
                            economics=economics)
    sq = html.split('id="status-quo"')[1].split("<h2")[0]
    assert "Differences from the status quo, funnel" in sq
    assert "reservoir − funnel" in sq and "baseline − funnel" in sq
    row = next(r for r in diffs if (r["scenario"], r["versus"], r["figure"])
               == ("reservoir", "funnel", "customers_end"))
    assert f"{row['mean']:+,.2f}" in sq
    assert 'id="diffs-baseline"' not in html  # the first scenario: the KPI table has it
    assert html.index('id="status-quo"') < html.index('id="kpis"')
    assert "funnel (status quo)" in html and "baseline" in summary["answer"]
    assert "<b>Single run dashboard: baseline, replication 1 (seed" in html  # not the sq


def test_answer_without_economics_reads_net_profit():
    s = _toy({"a": "reservoir", "b": "reservoir"}, {})
    s["economics"] = []
    for scen, v in (("a", 3e6), ("b", 7e6)):
        s["by_scenario"][scen]["kpis"] = {"net_profit": {"mean": v, "lo": v - 1e6,
                                                          "hi": v + 1e6}}
    assert answer(s).startswith("Fund b: of the strategies not judged a funnel it has the "
                                "highest net profit over the run, 7.0M CNY")


SECTION_IDS = {"economics": "economics", "differences": "status-quo", "levers": "levers",
               "robustness": "robustness"}


@pytest.mark.parametrize("key", list(SECTION_IDS))
def test_each_section_is_rendered_exactly_when_its_key_is_present(full, real_tables, key):
    from analysis.html import render_html
    from analysis.kpi import kpi_summary

    summary = dict(full[0], status_quo="funnel",
                   differences=_differences(real_tables, "funnel"))
    kpis = kpi_summary(run_kpis(real_tables["runs"], real_tables["customers_runs"],
                                real_tables["retention_runs"]), ORDER)
    only = {k: v for k, v in summary.items() if k not in SECTION_IDS or k == key}
    html = render_html(only, kpis, {}, "en")
    for other, sid in SECTION_IDS.items():
        assert (f'id="{sid}"' in html) == (other == key), other
    without = {k: v for k, v in summary.items() if k != key}
    html = render_html(without, kpis, {}, "en")
    for other, sid in SECTION_IDS.items():
        assert (f'id="{sid}"' in html) == (other != key), other
