#!/usr/bin/env python3
"""Make Solara (and so Mesa's SolaraViz) serve all of its front-end assets locally.

By default a Solara page loads its JavaScript/CSS through Solara's CDN proxy
(``/_solara/cdn/<npm-name>@<version>/<file>``), which downloads the file from a
public CDN the first time it is asked for. Machines without internet (CI, a
workshop room) then show a blank "Loading app" page. This script fills the
proxy's cache directory ahead of time with the npm packages that Solara asks
for, fetched from the npm registry (which is reachable here), so every asset is
served from disk.

Which packages and versions: read from the installed solara's own sources (its
page template and Vue components), so a solara upgrade is followed
automatically. Each package (less its *.map source maps, which a page never
loads unless devtools are open) is unpacked into ``<cache>/<name>@<version>/``,
the folder name Solara's proxy looks up (``<cache>`` is
``<prefix>/share/solara/cdn`` by default, the same rule Solara uses, or
``$SOLARA_ASSETS_PROXY_CACHE_DIR``). Version ranges (``vega@5``) are resolved
to the highest stable matching version, as the CDN would.

Run with the project's venv python (stdlib only; solara is located, not
imported):  ``.venv/bin/python scripts/install_offline_assets.py``

Idempotent: an installed package is marked with ``.offline-asset.json`` and
skipped on later runs (no network needed then). Exits non-zero with a one-line
message on failure. ``--check`` only verifies, ``--dest DIR`` overrides the
cache directory, ``--force`` reinstalls, ``--all`` installs the page bundles for
both ipyvue 2 and 3.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import os
import re
import shutil
import site
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

# npm packages that a Solara/SolaraViz page requests through the CDN proxy.
# The versions are not listed here: they are read from solara's sources.
#   solara-vuetify-app   page bundle + css + fonts when ipyvue < 3 (the pinned case)
#   solara-vuetify3-app  the same when ipyvue >= 3 (only the matching one is installed,
#                        both with --all)
#   requirejs            module loader used by the page
#   font-awesome         icon css/fonts (settings.assets.fontawesome_path)
#   vue-grid-layout      solara.GridDraggable, used by Mesa's ComponentsView
#   vega, vega-lite, vega-embed   solara.FigureAltair (Mesa's altair components)
#   mermaid, katex       solara.Markdown loads both on mount (e.g. Mesa's CommandConsole)
WANTED = [
    "@widgetti/solara-vuetify-app",
    "@widgetti/solara-vuetify3-app",
    "requirejs",
    "font-awesome",
    "@widgetti/vue-grid-layout",
    "vega",
    "vega-lite",
    "vega-embed",
    "mermaid",
    "katex",
]

VUE2_APP, VUE3_APP = "@widgetti/solara-vuetify-app", "@widgetti/solara-vuetify3-app"
MARKER = ".offline-asset.json"
SOURCE_SUFFIXES = {".j2", ".html", ".vue", ".py"}
DEFAULT_REGISTRY = "https://registry.npmjs.org/"


class Failure(Exception):
    pass


def log(msg: str) -> None:
    print(f"install_offline_assets: {msg}", flush=True)


def solara_dir() -> Path:
    spec = importlib.util.find_spec("solara")
    if spec is None or not spec.submodule_search_locations:
        raise Failure(
            f"solara is not installed for {sys.executable}; "
            "run this script with the project's venv python"
        )
    return Path(list(spec.submodule_search_locations)[0])


def default_cache_dir(sdir: Path) -> Path:
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if env:
        return Path(env)
    # same rule as solara.server.settings: user base if solara lives there, else sys.prefix
    userbase = site.getuserbase()
    settings_file = str(sdir / "server" / "settings.py")
    prefix = userbase if userbase and settings_file.startswith(userbase) else sys.prefix
    return Path(prefix) / "share" / "solara" / "cdn"


def find_versions(sdir: Path) -> dict[str, set[str]]:
    """Scan solara's template/components for '<name>@<version>/' references."""
    texts = []
    for path in sdir.rglob("*"):
        if path.suffix in SOURCE_SUFFIXES and "website" not in path.parts and path.is_file():
            try:
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                pass
    blob = "\n".join(texts)
    found: dict[str, set[str]] = {}
    for name in WANTED:
        # preceded by '/', a quote, '`' or '}' (e.g. "{{cdn}}/requirejs@"),
        # so that 'vega@' does not match 'vega-lite@'
        pat = re.compile(r"(?<=[/\"'`}])" + re.escape(name) + r"@([0-9][0-9A-Za-z.+-]*)/")
        versions = set(pat.findall(blob))
        if not versions:
            raise Failure(
                f"could not find the version of {name} in solara's sources ({sdir}); "
                "solara changed, update WANTED"
            )
        found[name] = versions
    return found


def for_installed_ipyvue(found: dict[str, set[str]]) -> dict[str, set[str]]:
    """Keep only the page bundle that solara will use (it picks vue3 iff ipyvue 3 is installed)."""
    try:
        vue3 = importlib.metadata.version("ipyvue").startswith("3")
    except importlib.metadata.PackageNotFoundError:
        return found
    drop = VUE2_APP if vue3 else VUE3_APP
    return {k: v for k, v in found.items() if k != drop}


def registry_url() -> str:
    url = (
        os.environ.get("NPM_CONFIG_REGISTRY")
        or os.environ.get("npm_config_registry")
        or DEFAULT_REGISTRY
    )
    return url if url.endswith("/") else url + "/"


def http_get(url: str, accept: str | None = None) -> bytes:
    headers = {"User-Agent": "kamsim-install-offline-assets"}
    if accept:
        headers["Accept"] = accept
    last: Exception | None = None
    for attempt in range(4):
        if attempt:
            time.sleep(2 ** (attempt - 1))
        try:
            with urllib.request.urlopen(
                urllib.request.Request(url, headers=headers), timeout=60
            ) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            last = e
            if 400 <= e.code < 500 and e.code != 429:
                break
        except (urllib.error.URLError, OSError) as e:
            last = e
    raise Failure(f"download failed: {url} ({last})")


def parse_semver(v: str) -> tuple[tuple[int, int, int], str] | None:
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?", v)
    if not m:
        return None
    return (int(m[1]), int(m[2]), int(m[3])), m[4] or ""


def resolve(name: str, spec: str) -> tuple[str, dict]:
    """Return (exact version, dist info) for an exact version or a 'N' / 'N.M' range."""
    quoted = urllib.parse.quote(name, safe="@")
    if parse_semver(spec):
        meta = json.loads(http_get(f"{registry_url()}{quoted}/{spec}"))
        return meta["version"], meta["dist"]
    if not re.fullmatch(r"\d+(\.\d+)?", spec):
        raise Failure(f"unsupported version spec {name}@{spec}")
    want = tuple(int(x) for x in spec.split("."))
    doc = json.loads(
        http_get(f"{registry_url()}{quoted}", accept="application/vnd.npm.install-v1+json")
    )
    candidates = []
    for v, meta in doc.get("versions", {}).items():
        parsed = parse_semver(v)
        if (
            parsed
            and not parsed[1]
            and parsed[0][: len(want)] == want
            and not meta.get("deprecated")
        ):
            candidates.append((parsed[0], v))
    if not candidates:
        raise Failure(f"no stable version of {name} matches {spec} on {registry_url()}")
    best = max(candidates)[1]
    return best, doc["versions"][best]["dist"]


def check_integrity(name: str, data: bytes, dist: dict) -> None:
    integrity = dist.get("integrity", "")
    if integrity.startswith("sha512-"):
        expected = base64.b64decode(integrity[len("sha512-") :])
        if hashlib.sha512(data).digest() != expected:
            raise Failure(f"sha512 mismatch for {name} tarball")
    elif dist.get("shasum"):
        if hashlib.sha1(data).hexdigest() != dist["shasum"]:
            raise Failure(f"sha1 mismatch for {name} tarball")
    else:
        raise Failure(f"registry gave no checksum for {name}")


def unpack(data: bytes, target: Path) -> int:
    """Unpack an npm tarball into target, dropping the top folder ('package/')."""
    count = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = []
        for m in tar.getmembers():
            parts = Path(m.name).parts
            if len(parts) < 2 or not (m.isfile() or m.isdir()) or m.name.endswith(".map"):
                continue
            m.name = str(Path(*parts[1:]))
            m.mode = 0o755 if m.isdir() else 0o644
            members.append(m)
            count += m.isfile()
        tar.extractall(target, members=members, filter="data")
    return count


def install(cache: Path, name: str, spec: str, force: bool) -> str:
    target = cache / f"{name}@{spec}"
    marker = target / MARKER
    if marker.is_file() and not force:
        return f"{name}@{spec}: present"
    version, dist = resolve(name, spec)
    data = http_get(dist["tarball"])
    check_integrity(name, data, dist)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        files = unpack(data, tmp)
        (tmp / MARKER).write_text(
            json.dumps(
                {"name": name, "spec": spec, "version": version, "integrity": dist.get("integrity")}
            )
            + "\n"
        )
        os.chmod(tmp, 0o755)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return f"{name}@{spec}: installed {version} ({files} files, {len(data) // 1024} KiB)"


def warn_pins() -> None:
    for dist_name in ("ipyvue", "ipyvuetify"):
        try:
            major = int(importlib.metadata.version(dist_name).split(".")[0])
        except (importlib.metadata.PackageNotFoundError, ValueError):
            continue
        if major >= 3:
            print(
                f"install_offline_assets: warning: {dist_name} "
                f"{importlib.metadata.version(dist_name)} is installed; "
                f"Mesa's SolaraViz needs {dist_name}<3 (GlobalVue.use is not a function)",
                file=sys.stderr,
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dest", type=Path, help="cache directory (default: solara's proxy cache dir)")
    ap.add_argument("--check", action="store_true", help="only check that every asset is present")
    ap.add_argument("--force", action="store_true", help="download and unpack again")
    ap.add_argument("--all", action="store_true", help="page bundles for both ipyvue 2 and 3")
    args = ap.parse_args()
    try:
        sdir = solara_dir()
        cache = args.dest or default_cache_dir(sdir)
        wanted = find_versions(sdir)
        if not args.all:
            wanted = for_installed_ipyvue(wanted)
        missing = [
            f"{n}@{v}"
            for n, vs in wanted.items()
            for v in sorted(vs)
            if not (cache / f"{n}@{v}" / MARKER).is_file()
        ]
        if args.check:
            if missing:
                raise Failure(f"missing in {cache}: {', '.join(missing)}")
            log(f"all {sum(len(v) for v in wanted.values())} packages present in {cache}")
            return 0
        for name, versions in wanted.items():
            for spec in sorted(versions):
                log(install(cache, name, spec, args.force))
        log(f"done: {cache}")
        warn_pins()
        return 0
    except Failure as e:
        print(f"install_offline_assets: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - one clear line instead of a traceback
        print(f"install_offline_assets: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
