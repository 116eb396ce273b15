#!/usr/bin/env bash
# The whole test suite, as the README says: tools, type-check, lint, then jest (unit + real SIP peers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-deps.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
echo "== type-check"; npx tsc -p tsconfig.json --noEmit
echo "== lint"; npx biome check .
echo "== build"; npm run --silent build
echo "== jest"; npx jest "$@"
