#!/usr/bin/env bash
# The test command of the README: installs what the tests need, then runs
# type check, lint and every test (vitest projects unit, then integration:
# vitest.config.ts). Tests that need root, namespaces or machines
# run when this runs as root; with HAPB_STRICT=1 (set by CI) a skipped test is
# a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npm run -s typecheck
npm run -s lint
report=$(mktemp /tmp/hapb-vitest.XXXXXX.json)
set +e
npx vitest run --reporter=default --reporter=json --outputFile="$report" "$@"
rc=$?
set -e
node scripts/test-summary.mjs "$report" || rc=$?
rm -f "$report"
exit $rc
