"""The HTML report: offline, images embedded, KPI and diagnosis content, atomic writes."""

import base64
import json
import os
import re
from html import escape as html_escape

import pytest

from analysis import i18n
from analysis.report import write_report
from sim import metrics

SCENARIOS = ["base", "kam"]


@pytest.fixture(scope="module")
def en_report(tables, tmp_path_factory):
    out = tmp_path_factory.mktemp("report_en")
    summary = write_report(out, tables["runs"], tables["pool_runs"], tables["spells_runs"],
                           tables["customers_runs"], tables["market_runs"], SCENARIOS, "en",
                           {"steps": 104, "reps": 3}, tables["retention_runs"],
                           {"base": 0.08, "kam": 0.08})
    return out, summary


def test_report_files_and_offline_html(en_report):
    out, summary = en_report
    html = (out / "report.html").read_text(encoding="utf-8")
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == sorted(summary["figures"]) and len(pngs) == 7
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html, re.I)
    assert "http://" not in html and "https://" not in html
    for banned in ("<script", "<link", "@import", "url("):
        assert banned not in html
    imgs = re.findall(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(imgs) == len(pngs)
    embedded = {base64.b64decode(b) for b in imgs}
    assert embedded == {(out / p).read_bytes() for p in pngs}
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]


def test_report_content_and_summary(en_report):
    out, summary = en_report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Market share (last 52 weeks)" in html and "kam − base" in html
    json.dumps(summary, allow_nan=False)
    assert summary["baseline"] == "base" and summary["scenarios"] == SCENARIOS
    kam = summary["by_scenario"]["kam"]
    assert set(kam["kpis"]) >= {"market_share", "net_profit", "pool_health_end"}
    assert set(kam["pool_health"]) == {"mean", "lo", "hi"}
    assert kam["verdict"] == "reservoir" and kam["diagnosis"] in html
    assert kam["p_refill"] == 1.0 and summary["by_scenario"]["base"]["verdict"] == "funnel"
    assert summary["verdict_rule"] == metrics.VERDICT_RULE
    assert html_escape(metrics.VERDICT_RULE) in html
    assert summary["by_scenario"]["base"]["kpis"]["net_profit"]["diff_mean"] is None
    assert kam["kpis"]["customers_end"]["diff_lo"] > 0
    # no section of a comparison given: none rendered, the answer says what would settle them
    for key in ("economics", "status-quo", "levers", "robustness"):
        assert f'id="{key}"' not in html
    assert summary["answer"].startswith("Fund kam: ") and "highest net profit over the run" \
        in summary["answer"] and "No status quo was run" in summary["answer"]
    assert html_escape(summary["answer"].split(". ")[0]) in html


def test_report_zh_with_runs_only(tables, tmp_path):
    try:
        i18n.setup_cjk_font("zh")
    except i18n.FontMissing as exc:
        pytest.skip(f"no CJK font installed ({exc})")
    summary = write_report(tmp_path, tables["runs"], None, None, None, None, SCENARIOS,
                           "zh", {})
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in html and "市场份额" in html
    assert summary["figures"] == ["pool_health.png", "performance.png"]
    assert summary["by_scenario"]["kam"]["kpis"]["annual_retention"]["mean"] is None
