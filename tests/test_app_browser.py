"""``kamsim app``'s page in headless Chromium, offline: it loads with no request leaving
localhost, a slider and the seed change the model (applied by Reset), Step advances it, a
chart changes, Play runs and pauses, and clicking a customer opens its profile. Screenshot:
test-artifacts/app.png.

Needs scripts/install_chromium.sh (else skipped) and scripts/install_offline_assets.py
(else fails, naming the script). Playwright's own browser download is never used.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_harness import (  # noqa: E402
    VEGA_TORN_DOWN,
    browser_page,
    find_chromium,
    non_local_requests,
    serve_solara,
)

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
SCENARIO = REPO / "scenarios" / "baseline.toml"
WAIT = 60_000  # ms; a loaded 2-core CI machine can take seconds per redraw


def _until(action, locator, first_wait: int = 25_000) -> int:
    """Do ``action`` until ``locator`` shows; return how many times it was repeated (0 or 1).

    A click can go unanswered when the machine is heavily loaded (seen on a 2-core machine at
    load 8: the server never saw it); one repeat keeps the test about the page, not the load.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    action()
    try:
        locator.first.wait_for(timeout=first_wait)
        return 0
    except PlaywrightTimeoutError:
        action()
        locator.first.wait_for(timeout=WAIT)
        return 1


def _type(page, field, text: str, tries: int = 3) -> None:
    """Type ``text`` into ``field`` and press Enter; again if a redraw put the old value back
    (a text box shows what the server last sent; a redraw in flight can overwrite typing)."""
    for _ in range(tries):
        field.fill(text)
        field.press("Enter")
        page.wait_for_timeout(700)
        if field.input_value() == text:
            return


def _settle(page, status, quiet_ms: int = 1500, limit_s: float = 30) -> None:
    """Wait until the status line has not changed for ``quiet_ms`` (redraws caught up)."""
    end = time.monotonic() + limit_s
    last, since = status.inner_text(), time.monotonic()
    while time.monotonic() < end:
        page.wait_for_timeout(250)
        now = status.inner_text()
        if now != last:
            last, since = now, time.monotonic()
        elif (time.monotonic() - since) * 1000 >= quiet_ms:
            return


def _shot(page, locator, tries: int = 5) -> bytes:
    """A screenshot of ``locator``'s element, retried while a redraw replaces the element."""
    from playwright.sync_api import Error

    for i in range(tries):
        try:
            page.wait_for_timeout(500)
            return locator.screenshot()
        except Error:
            if i == tries - 1:
                raise
    raise AssertionError("unreachable")


@pytest.mark.browser
def test_app_in_chromium_offline():
    if find_chromium() is None:
        pytest.skip("no Chromium found: run scripts/install_chromium.sh (or set KAMSIM_CHROMIUM)")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect

    from sim.app import server

    check = subprocess.run([sys.executable, str(server.ASSET_SCRIPT), "--check"],
                           capture_output=True, text=True)
    if check.returncode != 0:
        pytest.fail(f"{check.stderr.strip()} -- run: {sys.executable} "
                    "scripts/install_offline_assets.py")

    env = server.app_env(SCENARIO, "en")  # what `kamsim app` sets: offline, no telemetry
    t0 = time.monotonic()
    retries = 0
    with serve_solara(str(server.APP_FILE), env=env, timeout=90) as url, \
            browser_page(url, viewport={"width": 1400, "height": 1800},
                         timeout_ms=WAIT) as (page, requests):
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            step = page.get_by_role("button", name="Step")
            step.wait_for()
            status = page.locator(".kamsim-week")
            page.get_by_text("Week 0 of 260").wait_for()
            dots = page.locator(".kamsim-map svg [aria-label^='customer #']")
            dots.first.wait_for()
            loaded = time.monotonic() - t0

            # a slider and the seed change the model, applied by Reset: the seed first, then
            # Focal's markup up by six steps of 0.005 (one input at a time: on a busy machine
            # a redraw answering one input can overwrite the next one typed meanwhile)
            seed = page.get_by_label("Seed", exact=True)
            _type(page, seed, "7")
            slider = page.locator(".v-input__slider", has_text="Focal: markup")
            slider.locator(".v-slider__thumb-container").focus()
            for _ in range(6):
                page.keyboard.press("ArrowRight")
            slider.locator(".v-slider__thumb-label", has_text="0.1").wait_for()
            page.wait_for_timeout(1000)
            expect(seed).to_have_value("7")
            retries += _until(page.get_by_role("button", name="Reset").click,
                              page.locator(".kamsim-seed", has_text="Seed: 7"))
            page.locator(".kamsim-lever-focal_markup", has_text="0.1 (0.07)").wait_for()

            # a step advances the model and a chart changes
            shares = page.locator(".kamsim-shares")
            before = _shot(page, shares)
            for _ in range(3):
                week = int(re.search(r"Week (\d+)", status.inner_text()).group(1))
                later = re.compile(rf"Week ({week + 1}|{week + 2}) of 260")  # 2 if repeated
                retries += _until(step.click, status.filter(has_text=later))
            page.locator(".kamsim-shares canvas, .kamsim-shares svg").first.wait_for()
            page.wait_for_timeout(800)  # vega's redraw is debounced by 100 ms
            chart_changed = _shot(page, shares) != before

            # play runs on by itself until paused
            toggle = page.locator(".kamsim-play")
            expect(toggle).to_have_text(re.compile("Play"))
            toggle.click()
            status.filter(has_text=re.compile(r"Week ([6-9]|\d\d+) of 260")).first.wait_for()
            toggle.click()  # pause: the same button (its label can lag on a busy machine)
            expect(step).to_be_enabled(timeout=WAIT)  # Step is disabled while playing
            _settle(page, status)
            paused_at = int(re.search(r"Week (\d+)", status.inner_text()).group(1))

            # selecting a customer opens its profile
            last = dots.last  # drawn last, so nothing covers it
            who = re.match(r"customer #(\d+)", last.get_attribute("aria-label")).group(1)
            profile = page.locator(".kamsim-profile")
            retries += _until(last.click,
                              profile.locator(".kamsim-profile-id", has_text=f"#{who}"))
            profile.get_by_text("Segment:").wait_for()
            profile.get_by_text("Stage history with Focal:").wait_for()
            # ... and so does typing a number: customer #0, there from the start
            pick = profile.locator("input")
            retries += _until(lambda: _type(page, pick, "0"),
                              profile.locator(".kamsim-profile-id", has_text="#0"))
            profile.locator("canvas, svg").first.wait_for()
            page.wait_for_timeout(800)
        except (PlaywrightError, AssertionError) as e:
            page.screenshot(path=str(ARTIFACTS / "app_failed.png"))
            what = " ".join(line.strip() for line in str(e).splitlines()[:4])
            errors = [c for c in requests.console if c.startswith(("pageerror", "error"))]
            pytest.fail(f"page did not respond: {what}; page errors: {errors}; "
                        f"failed requests: {requests.failed}")
        page.screenshot(path=str(ARTIFACTS / "app.png"))
        print(f"page ready {loaded:.0f} s after start; whole test {time.monotonic() - t0:.0f} s;"
              f" status: {status.inner_text()}; actions repeated: {retries}")

        assert chart_changed, "the market-share chart did not change after three steps"
        assert 6 <= paused_at < 260, f"Play did not pause (week {paused_at})"
        assert non_local_requests(requests) == []
        assert [c for c in requests.console
                if c.startswith("pageerror") and c != VEGA_TORN_DOWN] == []
        assert requests.failed == [], f"failed requests (missing assets?): {requests.failed}"


BUSY = 4            # CPU-bound processes added for the load test (the machine has 2 cores)
PLAY_SECONDS = 40   # how long Play runs under that load
MIN_WEEKS = 8       # weeks the page must show by then (0 before the player was paced)


@contextlib.contextmanager
def _busy(n: int):
    """``n`` CPU-bound processes for the duration; each stopped by its own id afterwards."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


@pytest.mark.browser
def test_play_advances_under_load():
    """Play under added load: the page shows the model advancing week by week.

    With Mesa's controller the page stayed at week 0 for 40 s at load 7-15 (a redraw was
    asked for after every week from another thread while one was rendering, so the render
    loop never finished a pass and sent nothing; sim/app/player.py). The player now waits
    for each week to be shown before the next.
    """
    if find_chromium() is None:
        pytest.skip("no Chromium found: run scripts/install_chromium.sh (or set KAMSIM_CHROMIUM)")
    from sim.app import server

    env = server.app_env(SCENARIO, "en")
    with serve_solara(str(server.APP_FILE), env=env, timeout=90) as url, \
            browser_page(url, viewport={"width": 1400, "height": 1800},
                         timeout_ms=WAIT) as (page, requests):
        status = page.locator(".kamsim-week")
        page.get_by_text("Week 0 of 260").wait_for()
        page.locator(".kamsim-map svg [aria-label^='customer #']").first.wait_for()
        toggle = page.locator(".kamsim-play")
        with _busy(BUSY):
            load = os.getloadavg()[0]
            t0 = time.monotonic()
            _until(toggle.click, toggle.filter(has_text="Pause"))
            seen = []
            while time.monotonic() - t0 < PLAY_SECONDS:
                page.wait_for_timeout(2000)
                seen.append(int(re.search(r"Week (\d+)", status.inner_text()).group(1)))
            load = max(load, os.getloadavg()[0])
        toggle.click()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app_load.png"))
        print(f"load {load:.1f}: weeks shown every 2 s: {seen}")
        assert seen[-1] >= MIN_WEEKS, f"Play showed week {seen[-1]} after {PLAY_SECONDS} s " \
                                      f"at load {load:.1f}: {seen}"
        # week by week: the page moved on during the run, not all at once at the end
        assert len({w for w in seen if w > 0}) >= 4, seen
        assert [c for c in requests.console
                if c.startswith("pageerror") and c != VEGA_TORN_DOWN] == []
