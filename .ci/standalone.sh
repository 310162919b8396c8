#!/usr/bin/env bash
# The repository stands alone: clone HEAD into an empty temporary folder with nothing beside it
# (no shared/, no node_modules), then run the README's two quick-start commands there.
# Usage: bash .ci/standalone.sh
set -euo pipefail
# Nothing from the workplace: not even the ProVerif path .ci/run may have found beside it.
unset PROVERIF

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-hardlinks "$here" "$work/checkout-protocol"
cd "$work/checkout-protocol"
[ -z "$(ls -A "$work" | grep -v '^checkout-protocol$')" ] || { echo "standalone.sh: the clone's folder is not empty" >&2; exit 1; }
echo "--- a clone of $(git rev-parse --short HEAD) alone in $work"
start=$(date +%s)
npm ci --no-audit --no-fund --silent
echo "--- npm ci: $(( $(date +%s) - start )) s"
start=$(date +%s)
npm test --silent >test.log 2>&1 || { tail -n 60 test.log; echo "standalone.sh: npm test failed in a lone clone" >&2; exit 1; }
grep -E "Test Files|Tests " test.log
echo "--- npm test: $(( $(date +%s) - start )) s"
start=$(date +%s)
npm start --silent >start.log 2>&1 || { tail -n 60 start.log; echo "standalone.sh: npm start failed in a lone clone" >&2; exit 1; }
tail -n 1 start.log | cut -c1-200
echo "--- npm start: $(( $(date +%s) - start )) s"
