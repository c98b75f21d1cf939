"""The workshop in headless Chromium: a facilitator and two teams, each in its own browser
context, play a round; a team cannot reach the facilitator's actions or another team's data
from its page; no request leaves localhost. With ``KAMSIM_WORKSHOP_SCREENS=DIR`` the pages
are also saved as PNG in English and Chinese.

Needs Chromium (scripts/install_chromium.sh; else skipped). Playwright never downloads one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser_harness import CHROMIUM_ARGS, find_chromium, non_local_requests  # noqa: E402

from .helpers import live_server, make_workshop  # noqa: E402

pytestmark = pytest.mark.browser
WAIT = 60_000


def _context(browser, log: list[str]):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(WAIT)
    ctx.on("request", lambda r: log.append(r.url))
    return ctx


def _shot(page, name: str) -> None:
    folder = os.environ.get("KAMSIM_WORKSHOP_SCREENS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_facilitator_and_two_teams_play_a_round(tmp_path):
    if find_chromium() is None:
        pytest.skip("no Chromium found (scripts/install_chromium.sh or KAMSIM_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    folder, codes = make_workshop(tmp_path, teams=3, round_weeks=13)
    requests: list[str] = []
    with live_server(folder) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            fac = _context(browser, requests).new_page()
            fac.goto(f"{base}/f/{codes['facilitator']}")
            fac.get_by_text("Close the round").wait_for()
            assert fac.evaluate("document.getElementById('qr').naturalWidth") > 0

            one = _context(browser, requests).new_page()
            one.goto(f"{base}/seat/{codes['seats']['t1']}")
            one.locator("input[name='price_margin']").wait_for()
            one.fill("input[name='price_margin']", "0.09")
            one.get_by_text("Submit decisions").click()
            one.get_by_text("Decisions saved.").wait_for()

            two = _context(browser, requests).new_page()
            two.goto(f"{base}/")
            two.fill("#code", codes["room"])
            two.get_by_text("Show free seats").click()
            two.get_by_text("Seat t2").click()
            two.locator("input[name='account_managers']").wait_for()
            two.fill("input[name='account_managers']", "40")
            two.select_option("select[name='allocation']", "AB")
            two.fill("input[name='dedicated_accounts']", "12")
            two.get_by_text("Submit decisions").click()
            two.locator(".msg.err").filter(has_text="over the budget").wait_for()
            two.fill("input[name='account_managers']", "5")
            two.fill("input[name='dedicated_accounts']", "1")
            two.get_by_text("Submit decisions").click()
            two.get_by_text("Decisions saved.").wait_for()
            # from a team's page: the facilitator's actions and others' data are refused
            status = two.evaluate("fetch('/api/fac/close', {method: 'POST', body: '{}'})"
                                  ".then(r => r.status)")
            assert status == 403
            mine = two.evaluate("fetch('/api/team').then(r => r.json())")
            assert mine["team"] == "t2" and mine["supplier"] == "Rival A"
            status = two.evaluate(f"fetch('/seat/{codes['seats']['t1']}').then(r => r.url)")
            assert status.endswith(f"/seat/{codes['seats']['t1']}")  # refused, not redirected

            fac.reload()
            fac.locator("#teams td", has_text="yes").nth(3).wait_for()  # claimed+submitted x2
            fac.select_option("#target", "t2")  # a pick survives the page's 3-s refresh
            fac.wait_for_timeout(3500)
            assert fac.input_value("#target") == "t2"
            _shot(fac, "facilitator-en")
            fac.get_by_text("Close the round").click()
            fac.get_by_text("Round 2 of 3").wait_for()

            one.reload()
            one.locator("#results tr").nth(1).wait_for()
            assert "Focal" in one.inner_text("#head")
            _shot(one, "team-en")
            fac.goto(f"{base}/debrief")
            fac.locator("#board tr").nth(3).wait_for()
            assert "net profit" in fac.inner_text("#formula")
            fac.click("#b_bench")
            fac.locator("#bench tr").nth(3).wait_for()  # three teams x two benchmarks
            fac.select_option("#wteam", "t1")
            fac.select_option("#wpreset", label=fac.locator("#wpreset option").nth(3)
                              .inner_text())  # its own submission, replayed
            fac.click("#b_whatif")
            fac.locator("#whatif tr").nth(3).wait_for()
            cells = fac.locator("#whatif tr").nth(1).locator("td").all_inner_texts()
            assert cells[1] == cells[2]  # its own decisions again: the same score
            _shot(fac, "debrief-en")
            for page, path, name, wait in ((one, "/team?lang=zh", "team-zh", "#results tr"),
                                           (fac, "/facilitator?lang=zh", "facilitator-zh",
                                            "#teams tr"),
                                           (fac, "/debrief?lang=zh", "debrief-zh", "#board tr")):
                page.goto(base + path)
                page.locator(wait).nth(1).wait_for()
                assert page.evaluate("document.documentElement.lang") == "zh"
                _shot(page, name)
            assert "结束本回合" in fac.evaluate("JSON.stringify(T)")
        finally:
            browser.close()
    assert non_local_requests(requests) == []
