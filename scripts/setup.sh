#!/usr/bin/env bash
# Create .venv with Python 3.12 (pinned by .python-version) and install kamsim with its dev
# tools; then the system and front-end pieces the reports and the browser explorer need.
# Idempotent: a second run only checks. Usage: bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${KAMSIM_PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
  for cand in python3.12 "$HOME/.pyenv/versions/3.12.1/bin/python3" /usr/bin/python3.12; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
      PY=$cand; break
    fi
  done
fi
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 12))' || {
  echo "setup: Python >= 3.12 is needed (Mesa 3.5); found $("$PY" --version 2>&1)" >&2; exit 2; }

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 \
  | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import sim, analysis, mesa" || { echo "setup: install failed" >&2; exit 1; }

# Byte-compile kamsim's own modules (pip does so for the installed packages, not for an
# editable install): every command and worker then reads them compiled, also where
# PYTHONDONTWRITEBYTECODE keeps Python from writing them itself (docs/PERFORMANCE.md).
.venv/bin/python -m compileall -q sim analysis

# Compile the rules of the week once (numba, cached in sim/rules/__pycache__): every later
# kamsim process and worker loads them from there instead of compiling (docs/PERFORMANCE.md).
# It runs on one core while the rest of set-up goes on (nothing below loads the rules); a
# failed compile still fails set-up, at the `wait` at the end.
.venv/bin/python -m sim.market.compile &
compile_pid=$!

# The example customer book (docs/BOOK.md): generated input data, deterministic, kept out of git.
.venv/bin/python -c "from pathlib import Path; from sim.book.synth import ensure; ensure(Path('books/example'))"

# A CJK font so Chinese labels render in figures (--lang zh); Debian package, root only.
if ! fc-list 2>/dev/null | grep -qi "cjk\|wenquanyi\|droid sans fallback"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk) \
      >/dev/null 2>&1 || echo "setup: could not install fonts-noto-cjk; --lang zh figures need a CJK font" >&2
  else
    echo "setup: no CJK font found; install fonts-noto-cjk for --lang zh figures" >&2
  fi
fi
# Front-end assets so the browser explorer works with no internet.
if [ -f scripts/install_offline_assets.py ]; then
  .venv/bin/python scripts/install_offline_assets.py
fi
wait "$compile_pid"
