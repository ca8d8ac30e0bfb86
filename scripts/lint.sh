#!/usr/bin/env bash
# `npm run lint`: Biome's format check and linter (no writes), then no source line over 140 characters.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
npx biome ci . || status=1
# Biome cannot shorten strings, template literals or comments, so the width is checked on its own.
# Characters, not bytes: a UTF-8 locale makes `.` match one character.
long=$(find src web/src integrations examples test bench scripts \
    \( -name .build -o -name node_modules -o -path test/fixtures \) -prune -o \
    -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.mjs' -o -name '*.js' -o -name '*.cjs' -o -name '*.sh' \) -print0 \
  | sort -z | xargs -0 env LC_ALL=C.UTF-8 grep -nHE '^.{141,}' | cut -d: -f1,2 || true)
if [ -n "$long" ]; then
  echo "$long"
  echo "lint: $(echo "$long" | wc -l) line(s) over 140 characters (file:line above); split the string, template or comment." >&2
  status=1
fi
exit $status
