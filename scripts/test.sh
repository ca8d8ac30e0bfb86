#!/usr/bin/env bash
# The whole test suite: installs what the tests need (Debian packages, when missing and root), builds, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run lint --silent
bash scripts/install-test-deps.sh
npm run build --silent
# The tests, the bench and the integrations type-check against the sources too (the build covers src/).
npx tsc -p tsconfig.check.json
npx vitest run "$@"
