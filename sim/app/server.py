"""Starting the explorer: ``solara run sim/app/app.py`` on 127.0.0.1, offline, no telemetry.

Solara normally fetches its front-end JavaScript through a CDN proxy; here every asset comes
from the local cache that ``scripts/install_offline_assets.py`` fills (``scripts/setup.sh``
runs it), and the proxy's upstream is a closed local port, so nothing is fetched from the
internet: a missing asset fails at once instead. Telemetry and the version check are off.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

APP_FILE = Path(__file__).resolve().with_name("app.py")
REPO = Path(__file__).resolve().parents[2]
ASSET_SCRIPT = REPO / "scripts" / "install_offline_assets.py"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

# SOLARA_ASSETS_CDN: the proxy's upstream, a closed port; assets must be in the local cache.
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/",
}


def app_env(scenario: str | Path | None = None, lang: str = "en") -> dict[str, str]:
    """Environment variables for the server process (added to the current ones)."""
    env = dict(OFFLINE_ENV)
    env["KAMSIM_APP_LANG"] = lang
    if scenario is not None:
        env["KAMSIM_APP_SCENARIO"] = str(Path(scenario).resolve())
    return env


def solara_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                   open_browser: bool = False) -> list[str]:
    exe = Path(sys.executable).with_name("solara")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "solara"]
    cmd = [*base, "run", str(APP_FILE), "--host", host, "--port", str(port), "--production",
           "--no-check-version"]
    if not open_browser:
        cmd.append("--no-open")
    return cmd


def missing_assets() -> str | None:
    """None if the front-end assets are installed locally, else what to run.

    Checked with the project's installer (``--check``, no network); skipped when the
    installer is not there (kamsim installed without its repository).
    """
    if not ASSET_SCRIPT.exists():
        return None
    check = subprocess.run([sys.executable, str(ASSET_SCRIPT), "--check"],
                           capture_output=True, text=True)
    if check.returncode == 0:
        return None
    why = (check.stderr or check.stdout).strip().splitlines()
    return (f"{why[-1] if why else 'front-end assets missing'}; run: "
            f"{sys.executable} {ASSET_SCRIPT}")


def port_problem(host: str, port: int) -> str | None:
    """None if ``host:port`` can be listened on now, else why not (in use, no such address)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot listen on {host}: {exc.strerror}"
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use; choose another with --port"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def _die_with_parent() -> None:  # runs in the server process before exec
    from sim.runs.pool import _die_with_parent as die

    die()


def serve(scenario: str | Path | None = None, host: str = DEFAULT_HOST,
          port: int = DEFAULT_PORT, lang: str = "en", open_browser: bool = False) -> int:
    """Run the explorer until interrupted (Ctrl-C, SIGTERM); return solara's exit code.

    The server is a child process; it is stopped (and reaped) whenever this one stops, and
    killed by the kernel should this one die without cleaning up (Linux).
    """
    env = {**os.environ, **app_env(scenario, lang)}
    print(f"kamsim app: http://{host if ':' not in host else f'[{host}]'}:{port}/ "
          "(Ctrl+C stops it)", flush=True)
    if host not in LOCAL_HOSTS:
        print(f"kamsim app: listening on {host}: other machines can open the page",
              file=sys.stderr)
    proc = subprocess.Popen(solara_command(host, port, open_browser), env=env,
                            cwd=str(APP_FILE.parent), preexec_fn=_die_with_parent)
    try:
        return proc.wait()
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
