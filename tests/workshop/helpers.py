"""Shared helpers of the workshop tests: small workshops, a live server, plain HTTP calls.

Small means the baseline market with 250 customers and rounds of 4 weeks: enough for orders,
flows and stage changes each round, fast enough for many replays.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sim.workshop.commands import new_workshop

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline.toml"


def small_scenario(tmp: Path, customers: int = 250, extra_suppliers: int = 0) -> Path:
    """A scenario file extending the baseline with fewer customers (and more suppliers)."""
    lines = [f'extends = "{BASELINE}"', 'name = "workshop_test"', "[run]",
             f"customers = {customers}"]
    for i in range(extra_suppliers):
        lines += ["[[suppliers]]", f'name = "Extra {i}"', "markup = 0.06", "kam_managers = 1",
                  "capacity = { steel = 300.0, hdg_ahss = 100.0, aluminium = 50.0 }"]
    path = tmp / "small.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_workshop(tmp: Path, teams: int = 3, rounds: int = 3, round_weeks: int = 4,
                  **kw) -> tuple[Path, dict]:
    folder = tmp / "ws"
    codes = new_workshop(small_scenario(tmp, **kw), teams, folder, rounds=rounds,
                         round_weeks=round_weeks, seed=11)
    return folder, codes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(folder: Path) -> Iterator[str]:
    """The workshop's app on a free local port, in a thread of this process."""
    import uvicorn

    from sim.workshop.server import build_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(build_app(folder), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def serve_process(folder: Path, port: int) -> subprocess.Popen:
    """``kamsim workshop serve`` in its own process, once it answers (the caller stops it)."""
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "workshop", "serve", str(folder),
                             "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if Client(f"http://127.0.0.1:{port}").request("/")[0] == 200:
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    proc.kill()
    raise AssertionError(proc.stderr.read().decode())


class Client:
    """A browser without a page: keeps its own cookies, sends JSON."""

    def __init__(self, base: str, headers: dict | None = None) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def request(self, path: str, body: object = None) -> tuple[int, object]:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json", **self.headers})
        if self.cookies:
            req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            resp = opener.open(req, timeout=60)
        except urllib.error.HTTPError as e:
            resp = e
        for header in resp.headers.get_all("set-cookie") or []:
            k, _, v = header.split(";")[0].partition("=")
            self.cookies[k.strip()] = v.strip().strip('"')
        raw = resp.read().decode()
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, raw


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
