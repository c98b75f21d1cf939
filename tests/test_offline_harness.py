"""A Mesa SolaraViz page renders and steps in headless Chromium with no request leaving localhost.

Needs: scripts/install_chromium.sh (else skipped) and
scripts/install_offline_assets.py (else fails, naming the script).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

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

APP = textwrap.dedent(
    """
    import mesa
    import solara
    from mesa.visualization import SolaraViz, make_plot_component


    class Counter(mesa.Model):
        def __init__(self, rate=1, rng=None):
            super().__init__(rng=rng)
            self.rate = rate
            self.total = 0
            self.datacollector = mesa.DataCollector(model_reporters={"Total": "total"})
            self.datacollector.collect(self)

        def step(self):
            self.total += self.rate
            self.datacollector.collect(self)


    def Notes(model):  # solara.Markdown loads mermaid and katex through the CDN proxy
        return solara.Markdown("Offline check: $x^2$")


    model_params = {
        "rate": {"type": "SliderInt", "value": 2, "label": "Rate", "min": 1, "max": 10, "step": 1},
    }
    page = SolaraViz(
        Counter(rate=2),
        components=[
            make_plot_component("Total"),                    # matplotlib
            make_plot_component("Total", backend="altair"),  # vega via requirejs
            (Notes, 0),
        ],
        model_params=model_params,
        name="Offline harness",
    )
    """
)


@pytest.mark.browser
def test_solaraviz_page_offline(tmp_path):
    if find_chromium() is None:
        pytest.skip("no Chromium found: run scripts/install_chromium.sh (or set KAMSIM_CHROMIUM)")
    check = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "install_offline_assets.py"), "--check"],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        pytest.fail(
            f"{check.stderr.strip()} -- run: {sys.executable} scripts/install_offline_assets.py"
        )

    app = tmp_path / "offline_app.py"
    app.write_text(APP)
    with serve_solara(str(app)) as url, browser_page(url) as (page, requests):
        step = page.get_by_role("button", name="Step")
        try:
            step.wait_for(timeout=45_000)
            page.get_by_text("Time: 0.0").wait_for()
            page.get_by_text("Rate").first.wait_for()
            page.locator(".vega-embed canvas, .vega-embed svg").first.wait_for()
            page.locator(".katex").first.wait_for()

            step.click()
            page.get_by_text("Time: 1.0").wait_for()
        except PlaywrightTimeoutError as e:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "offline_harness_failed.png"))
            pytest.fail(
                f"page did not render: {e.message.splitlines()[0]}; "
                f"page errors: {requests.console}; failed requests: {requests.failed}"
            )
        page.wait_for_timeout(500)  # let the plots redraw for the screenshot

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "offline_harness.png"))

        assert non_local_requests(requests) == []
        cdn = [u for u in requests if "/_solara/cdn/" in u]
        assert any("requirejs@" in u for u in cdn), cdn
        assert [c for c in requests.console
                if c.startswith("pageerror") and c != VEGA_TORN_DOWN] == []
        assert requests.failed == [], (
            f"failed requests (missing offline assets?): {requests.failed}"
        )
