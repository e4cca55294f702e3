#!/usr/bin/env bash
# The test command of the README: installs what the tests need, then runs
# type check, lint and every test (vitest projects unit, then integration:
# vitest.config.ts). Tests that need root, namespaces or machines
# run when this runs as root; with HAPB_STRICT=1 (set by CI) a skipped test is
# a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# The machine images the lab tests boot (those of lab up, lab up --python and
# lab up --monitor) are built in the background while the type check, lint and
# unit tests run. A lab test whose image is still being built waits for that
# build (one build per image: src/lab/image.ts). The default image first, alone:
# the first lab test needs it ~4 minutes in, and with three builds at once
# (their package installs share the two cores) it waited for it: lab.test took
# 108 s in a CI preview, 80 s with the image ready. The other two images are
# first needed ~17 minutes in.
images_pid=""
if [[ $(id -u) -eq 0 ]] && command -v debootstrap >/dev/null; then
  images_log=$(mktemp /tmp/hapb-images.XXXXXX.log)
  (
    failed=0
    nice -n 10 bin/hapb lab image || failed=1
    pids=()
    for variant in --python --monitor; do
      nice -n 10 bin/hapb lab image "$variant" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    exit "$failed"
  ) >"$images_log" 2>&1 &
  images_pid=$!
fi
npm run -s typecheck
npm run -s lint
report=$(mktemp /tmp/hapb-vitest.XXXXXX.json)
set +e
npx vitest run --reporter=default --reporter=json --outputFile="$report" "$@"
rc=$?
set -e
node scripts/test-summary.mjs "$report" || rc=$?
rm -f "$report"
if [[ -n $images_pid ]]; then
  # done long before now; a failed build was built again (or failed) by the test that needed it
  wait "$images_pid" || { echo "building the lab images ahead failed (the tests built what they needed):" >&2; tail -n 20 "$images_log" >&2; }
  rm -f "$images_log"
fi
exit $rc
