#!/usr/bin/env bash
# The demo, on the built-in default (inventory/seed.yml): installs what it
# needs, builds, brings the lab up (real machines, converged over SSH), runs
# the failover drill on the tutorial's configuration and on hapb's, prints the
# comparison and where the report and pictures are, and takes the lab down.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "demo: run as root (the lab needs namespaces and systemd-nspawn)" >&2
  exit 1
fi
./scripts/setup.sh
LAB=${HAPB_LAB:-demo}
REPORT=${HAPB_REPORT:-report}
cleanup() { ./bin/hapb lab down --name "$LAB" >&2 || true; }
trap cleanup EXIT
./bin/hapb lab up --name "$LAB"
./bin/hapb drill all --name "$LAB" --profile both --report "$REPORT"
echo "report: $REPORT/report.md (timelines: $REPORT/*.svg)" >&2
