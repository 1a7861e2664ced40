#!/usr/bin/env bash
# Optional: installs Debian's Chromium, which the browser tests prefer to the npm one
# (@sparticuz/chromium) when it is there. Neither CI nor `npm test` needs it. Idempotent.
# Never `npx playwright install`: it downloads its own browser build, which fails here.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo present) at $CHROMIUM"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-chromium: not root and no sudo; install Debian's 'chromium' package by hand" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# a fresh machine may have no package lists yet
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x "$CHROMIUM" ]; then
  echo "install-chromium: apt-get finished but $CHROMIUM is missing" >&2
  exit 1
fi
echo "chromium: $("$CHROMIUM" --version 2>/dev/null) installed at $CHROMIUM"
