"""Screenshots of the workshop for docs/WORKSHOP.md: a team's page, the facilitator's page and
the debrief, in English and Chinese, from a real three-team game on the baseline market.

    .venv/bin/python scripts/screens_workshop.py [--out docs/img]

Creates a workshop in a temporary folder (3 teams, 3 rounds of 13 weeks), serves it with
``kamsim workshop serve`` in its own process, and plays two rounds in headless Chromium
(scripts/install_chromium.sh): each team claims its seat in its own browser and submits its
levers; the facilitator announces a steel price shock for round 2 and closes the rounds; the
debrief compares with the benchmarks. Writes ``workshop-{team,facilitator,debrief}-{en,zh}.png``
(palette PNGs, at most 200 KB each) and stops the server.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from browser_harness import CHROMIUM_ARGS, find_chromium, free_port  # noqa: E402

from sim.workshop.commands import new_workshop  # noqa: E402

MAX_BYTES = 200_000
WIDTH = 1280
DECISIONS = {  # each team's levers in rounds 1 and 2 (name -> value typed in its form)
    "t1": [{"price_margin": "0.08", "account_managers": "5"},
           {"price_margin": "0.09", "care_per_week": "6", "price_communication": "key"}],
    "t2": [{"price_margin": "0.05", "prospecting_staff": "4"},
           {"price_margin": "0.04", "prospecting_staff": "6"}],
    "t3": [{"account_managers": "6", "allocation": "AB"},
           {"account_managers": "6", "allocation": "AB", "safety_stock_weeks": "2"}],
}


def _serve(folder: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "workshop", "serve", str(folder),
                             "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL)
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the workshop server did not start") from None
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the workshop server did not answer")


def _save(page, path: Path, height: int | None = None) -> None:
    """The page (its top ``height`` pixels, or all of it) as a palette PNG under MAX_BYTES
    (scaled down if it must be)."""
    from PIL import Image

    shot = page.screenshot(full_page=True)
    img = Image.open(io.BytesIO(shot)).convert("RGB")
    if height is not None and img.height > height:
        img = img.crop((0, 0, img.width, height))
    scale = 1.0
    while True:
        size = (round(img.width * scale), round(img.height * scale))
        small = img.resize(size, Image.LANCZOS) if scale < 1 else img
        buf = io.BytesIO()
        small.quantize(colors=32, method=Image.Quantize.MEDIANCUT).save(buf, "PNG",
                                                                        optimize=True)
        if buf.tell() <= MAX_BYTES or scale < 0.4:
            break
        scale *= 0.85
    path.write_bytes(buf.getvalue())
    print(f"{path}: {small.width}x{small.height}, {buf.tell() // 1000} KB")


def _decide(page, levers: dict[str, str]) -> None:
    for name, value in levers.items():
        field = page.locator(f"[name='{name}']")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.locator("#submit").click()
    page.locator("#msg").filter(has_text="Decisions saved").wait_for()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    args = ap.parse_args(argv)
    if find_chromium() is None:
        raise SystemExit("no Chromium: run scripts/install_chromium.sh")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ws"
        codes = new_workshop(REPO / "scenarios" / "baseline.toml", 3, folder, rounds=3,
                             round_weeks=13)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = _serve(folder, port)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=find_chromium(), headless=True,
                                            args=CHROMIUM_ARGS)
                pages = {}
                for team, code in codes["seats"].items():
                    ctx = browser.new_context(viewport={"width": WIDTH, "height": 900})
                    ctx.set_default_timeout(120_000)
                    pages[team] = ctx.new_page()
                    pages[team].goto(f"{base}/seat/{code}")
                    pages[team].locator("#submit").wait_for()
                fac_ctx = browser.new_context(viewport={"width": WIDTH, "height": 900})
                fac_ctx.set_default_timeout(120_000)
                fac = fac_ctx.new_page()
                fac.goto(f"{base}/f/{codes['facilitator']}")
                fac.locator("#b_close").wait_for()
                for k in range(2):
                    for team, page in pages.items():
                        _decide(page, DECISIONS[team][k])
                    if k == 0:  # a steel price shock announced for round 2
                        fac.select_option("#evround", label="2")
                        fac.fill("#mag", "0.3")
                        fac.locator("#b_shock").click()
                        fac.locator("#evlist").filter(has_text="2:").wait_for()
                    fac.reload()
                    fac.locator("#b_close").click()
                    fac.get_by_text(f"Round {k + 2} of 3").wait_for()
                for team, page in pages.items():  # round 3 open: t1 and t3 decided
                    if team != "t2":
                        _decide(page, DECISIONS[team][1])
                for lang in ("en", "zh"):
                    team = pages["t1"]
                    team.goto(f"{base}/team?lang={lang}")
                    team.locator("#results tr").nth(2).wait_for()
                    # the top: decisions, results, lost accounts, the book's first accounts
                    _save(team, args.out / f"workshop-team-{lang}.png", height=1500)
                    fac.goto(f"{base}/facilitator?lang={lang}")
                    fac.locator("#teams tr").nth(3).wait_for()
                    _save(fac, args.out / f"workshop-facilitator-{lang}.png")
                    fac.goto(f"{base}/debrief?lang={lang}")
                    fac.locator("#board tr").nth(3).wait_for()
                    fac.click("#b_bench")
                    fac.locator("#bench tr").nth(3).wait_for()
                    # what if team 2 had played the reservoir bundle from round 1?
                    fac.select_option("#wteam", "t2")
                    reservoir = fac.evaluate("ALTS.findIndex(a => a[1].preset === 'reservoir')")
                    fac.select_option("#wpreset", str(reservoir))
                    fac.click("#b_whatif")
                    fac.locator("#whatif tr").nth(3).wait_for()
                    _save(fac, args.out / f"workshop-debrief-{lang}.png")
                browser.close()
        finally:
            server.terminate()
            server.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
