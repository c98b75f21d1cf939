#!/usr/bin/env bash
# Install Debian's chromium (for the Playwright browser tests) if /usr/bin/chromium is missing.
# Non-interactive and quiet (apt output is shown only on failure); safe to run repeatedly.
# Needs root (or sudo). Playwright's own browser download ("playwright install") does not
# work on these machines; tests/browser_harness.py uses this chromium instead.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install_chromium.sh: /usr/bin/chromium is missing and we are not root (no sudo)" >&2
        exit 1
    fi
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && \
       $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation; } \
       >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "install_chromium.sh: apt-get failed to install chromium" >&2
    exit 1
fi

if [ ! -x /usr/bin/chromium ]; then
    echo "install_chromium.sh: apt-get finished but /usr/bin/chromium is still missing" >&2
    exit 1
fi
echo "install_chromium.sh: $(/usr/bin/chromium --version 2>/dev/null)"
