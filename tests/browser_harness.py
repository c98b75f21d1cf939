"""Reusable harness for browser tests of Solara / Mesa SolaraViz pages (offline).

Not a test module. Typical use::

    from browser_harness import browser_page, find_chromium, non_local_requests, serve_solara

    if find_chromium() is None:
        pytest.skip("no Chromium found")
    with serve_solara("path/to/app.py") as url, browser_page(url) as (page, requests):
        page.get_by_text("Step", exact=True).wait_for()
        assert non_local_requests(requests) == []

Needs the front-end assets in Solara's proxy cache: run
``.venv/bin/python scripts/install_offline_assets.py`` once (CI: before pytest), and a
Chromium (``scripts/install_chromium.sh``). Playwright's own browser download
(``playwright install``) is never used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Environment for the solara server. SOLARA_ASSETS_CDN points the server-side CDN
# proxy at a closed local port: an asset missing from the local cache then fails at
# once (404 in the browser) instead of being fetched from the internet.
SOLARA_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/",
}

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


# Mesa's grid re-creates its chart widgets on the first layout pass and on Reset. Solara's
# vegalite.vue draws 100 ms after mount (debounced) without checking it is still mounted; for a
# widget already destroyed, `this.$refs.plotElement` is undefined, vega-embed's two-argument
# form then takes the spec for the element and reads `undefined.usermeta`. Harmless (the
# replacement widget draws), and only this exact message is tolerated.
VEGA_TORN_DOWN = "pageerror: Cannot read properties of undefined (reading 'usermeta')"


class RequestLog(list):
    """List of every request URL the page made (str), plus diagnostics.

    ``failed``: ``(status or "FAILED", url)`` for responses >= 400 and failed requests;
    ``console``: ``"type: text"`` of console errors/warnings and uncaught page errors
    (``"pageerror: ..."``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.failed: list[tuple[int | str, str]] = []
        self.console: list[str] = []


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None.

    ``$KAMSIM_CHROMIUM`` wins if set (and executable); then /usr/bin/chromium and the PATH.
    """
    env = os.environ.get("KAMSIM_CHROMIUM")
    candidates = [env] if env else []
    candidates += ["/usr/bin/chromium"]
    candidates += [
        shutil.which(n)
        for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    ]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _solara_command() -> list[str]:
    # the solara next to the running interpreter (the venv), else python -m solara
    exe = Path(sys.executable).with_name("solara")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "solara"]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # own process group: kills only what we started
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def serve_solara(
    app_path: str, port: int | None = None, env: dict | None = None, timeout: float = 60.0
) -> Iterator[str]:
    """Run ``solara run APP --production`` on 127.0.0.1 and yield its base URL ("http://127.0.0.1:PORT/").

    ``env`` is added to os.environ and SOLARA_ENV (and may override them). The server's
    output goes to a temporary log file, quoted in the error if it fails to start.
    The server is killed on exit.
    """
    port = port or free_port()
    full_env = {**os.environ, **SOLARA_ENV, **(env or {})}
    cmd = [
        *_solara_command(), "run", str(app_path),
        "--host", "127.0.0.1", "--port", str(port),
        "--production", "--no-open", "--no-check-version",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile(mode="w+b") as log:
        proc = subprocess.Popen(
            cmd,
            env=full_env,
            cwd=str(Path(app_path).resolve().parent),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"solara exited with {proc.returncode}:\n{_tail(log)}")
                try:
                    with urllib.request.urlopen(url, timeout=5) as r:
                        if r.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"solara did not answer on {url} within {timeout:.0f} s:\n{_tail(log)}"
                    )
                time.sleep(0.25)
            yield url
        finally:
            _stop(proc)


def _tail(log, n: int = 4000) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-n:]


@contextlib.contextmanager
def browser_page(
    url: str, *, viewport: dict | None = None, timeout_ms: int = 30_000
) -> Iterator[tuple]:
    """Open ``url`` in headless Chromium via Playwright; yield ``(page, requests)``.

    ``requests`` is a RequestLog (a list of every request URL, with ``.failed`` and
    ``.console``). Raises RuntimeError if no Chromium is found (tests should skip first).
    """
    from playwright.sync_api import sync_playwright

    exe = find_chromium()
    if exe is None:
        raise RuntimeError(
            "no Chromium found (scripts/install_chromium.sh, or set KAMSIM_CHROMIUM)"
        )
    requests = RequestLog()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport or {"width": 1280, "height": 800})
            page.set_default_timeout(timeout_ms)
            page.on("request", lambda r: requests.append(r.url))
            page.on("requestfailed", lambda r: requests.failed.append(("FAILED", r.url)))
            page.on(
                "response",
                lambda r: requests.failed.append((r.status, r.url)) if r.status >= 400 else None,
            )
            page.on(
                "console",
                lambda m: (
                    requests.console.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: requests.console.append(f"pageerror: {e}"))
            page.goto(url)
            yield page, requests
        finally:
            browser.close()


def non_local_requests(requests) -> list[str]:
    """Request URLs whose host is not 127.0.0.1/localhost/::1.

    data:, blob: and about: URLs count as local.
    """
    out = []
    for u in requests:
        parsed = urllib.parse.urlsplit(u)
        if parsed.scheme in ("data", "blob", "about"):
            continue
        if parsed.hostname in LOCAL_HOSTS:
            continue
        out.append(u)
    return out
