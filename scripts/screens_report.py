"""Screenshots of the first screen of `kamsim compare`'s report.html, in English and Chinese.

Re-makes docs/img/report-first-screen-en.png and -zh.png from the current code:

    .venv/bin/python scripts/screens_report.py            # runs the two comparisons first
    .venv/bin/python scripts/screens_report.py --reports results/a results/b   # en, zh dirs
    .venv/bin/python scripts/screens_report.py --compare-args '--levers --robustness 16'

Without --reports it runs `kamsim compare scenarios/reservoir.toml scenarios/funnel.toml
--reps REPS --lang en|zh` into results/screens-report-en and -zh (replacing earlier
results of this script). The page is opened from disk in headless Chromium through
Playwright (never `playwright install`: tests/browser_harness.py finds /usr/bin/chromium),
1280 × 800 pixels, and saved as a palette PNG (≤ 200 KB).
"""

from __future__ import annotations

import argparse
import io
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_harness import browser_page, find_chromium  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}
MAX_BYTES = 200_000
SCENARIOS = ("scenarios/reservoir.toml", "scenarios/funnel.toml")


def run_compare(lang: str, reps: int, extra: list[str]) -> Path:
    """Run the comparison in `lang` into results/screens-report-<lang>; its directory."""
    out = ROOT / "results" / f"screens-report-{lang}"
    kamsim = Path(sys.executable).with_name("kamsim")
    subprocess.run([str(kamsim), "compare", *SCENARIOS, "--reps", str(reps), "--lang", lang,
                    *extra, "--out", str(out), "--force"], cwd=ROOT, check=True)
    return out


def small_png(png: bytes) -> bytes:
    """The screenshot as an adaptive-palette PNG (text and flat colours survive)."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    for colours in (256, 128, 64):
        buf = io.BytesIO()
        img.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(
            buf, format="PNG", optimize=True)
        if buf.tell() <= MAX_BYTES:
            break
    return buf.getvalue()


def shoot(report_dir: Path, target: Path) -> int:
    """Screenshot the first screen of report_dir/report.html into `target`; its size."""
    url = (report_dir / "report.html").resolve().as_uri()
    with browser_page(url, viewport=VIEWPORT) as (page, _requests):
        page.wait_for_selector("h1")
        data = small_png(page.screenshot(full_page=False))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return len(data)


def main(argv: list[str] | None = None) -> int:
    """Make both screenshots; print where they went and their sizes."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", nargs=2, type=Path, metavar=("EN_DIR", "ZH_DIR"),
                    help="existing compare results (English, Chinese) instead of new runs")
    ap.add_argument("--reps", type=int, default=8, help="replications of the new runs")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("--compare-args", default="", metavar="'ARGS'",
                    help="more options of the new runs, e.g. '--levers --robustness 16'")
    args = ap.parse_args(argv)
    if find_chromium() is None:
        print("screens_report: no Chromium found (scripts/install_chromium.sh)",
              file=sys.stderr)
        return 2
    extra = shlex.split(args.compare_args)
    dirs = args.reports or [run_compare(lang, args.reps, extra) for lang in ("en", "zh")]
    for lang, d in zip(("en", "zh"), dirs, strict=True):
        target = args.out / f"report-first-screen-{lang}.png"
        size = shoot(Path(d), target)
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
              f"{size / 1000:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
