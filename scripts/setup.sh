#!/usr/bin/env bash
# One command from a fresh clone to a running Intake on the embedded SQLite database:
# installs the npm dependencies, builds, and starts `intake serve` (console and scheduler).
set -euo pipefail
cd "$(dirname "$0")/.."
# Integration code runs in bubblewrap's namespaces (Debian's bubblewrap): installed when missing and we may
# (root or sudo); without it Intake says so and falls back to Node's permission model alone.
if ! command -v bwrap >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq bubblewrap >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null 2>&1) || true
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo apt-get install -y -qq bubblewrap >/dev/null 2>&1 || true
  fi
fi
npm install --no-audit --no-fund
exec node bin/intake.js "${@:-serve}"
