#!/usr/bin/env bash
# One command from a fresh clone to a running Intake on the embedded SQLite database:
# installs the npm dependencies, builds, and starts `intake serve` (console and scheduler).
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund
exec node bin/intake.js "${@:-serve}"
