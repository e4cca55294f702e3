#!/usr/bin/env bash
# The demo, on the built-in default (inventory/seed.yml): installs what it
# needs, builds, brings the lab up (real machines, converged over SSH), runs
# the failover drill on the tutorial's configuration and on hapb's, prints the
# comparison and where the report and pictures are, and takes the lab down
# (also when something fails or the demo is interrupted).
#
#   sudo ./scripts/demo.sh                 # lab "demo", report in ./out/demo
#   sudo ./scripts/demo.sh --https         # every scenario over HTTPS (the lab's CA), report in ./out/demo-https
#   HAPB_LAB=mine HAPB_REPORT=/tmp/r sudo -E ./scripts/demo.sh
#
# stdout: the drill's table and the tutorial-vs-hapb comparison; stderr: the
# progress and the final lines (verdict, where the report is, how long it took).
# Exit code: the drill's (0: every hapb verdict passed, 2: one failed), 1 when
# the demo could not get that far (setup, build or lab up failed).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "demo: run as root (the lab needs namespaces and systemd-nspawn)" >&2
  exit 1
fi
drill_args=()
report_default=out/demo
for arg in "$@"; do
  case $arg in
    --https) drill_args+=(--https); report_default=out/demo-https ;;
    *) echo "demo: unknown option \"$arg\" (the only one is --https)" >&2; exit 1 ;;
  esac
done
LAB=${HAPB_LAB:-demo}
REPORT=${HAPB_REPORT:-$report_default}
REPORT=$(realpath -m -- "$REPORT")
if [[ ! $LAB =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]]; then
  echo "demo: invalid lab name \"$LAB\" (1-31 characters: a-z, 0-9 and -)" >&2
  exit 1
fi

# One demo per lab name at a time: a second one would take the first one's lab
# down. The lock goes with the process, so a killed demo leaves none behind.
mkdir -p /run/lock
exec 9>"/run/lock/hapb-demo-$LAB.lock"
if ! flock -n 9; then
  echo "demo: another demo is using lab \"$LAB\"; wait for it or set HAPB_LAB=<other name>" >&2
  exit 1
fi

started=$SECONDS
./scripts/setup.sh

lab_is_up=0
cleanup() {
  if ((lab_is_up)); then
    echo "demo: taking lab \"$LAB\" down" >&2
    ./bin/hapb lab down --name "$LAB" >&2 || echo "demo: lab down failed; run: ./bin/hapb lab down --name $LAB" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# a lab of the same name left over by an earlier, killed demo
lab_is_up=1
./bin/hapb lab down --name "$LAB" >/dev/null 2>&1 || true
# stdout stays for the drill's table and the comparison; the converge's log goes to stderr
./bin/hapb lab up --name "$LAB" >&2

rc=0
rm -f -- "$REPORT/report.md" "$REPORT/report.json"   # never show an earlier run's
./bin/hapb drill all --name "$LAB" --profile both "${drill_args[@]}" --report "$REPORT" || rc=$?

elapsed=$((SECONDS - started))
if [[ -f $REPORT/report.md ]]; then
  # the side-by-side table of report.md (tutorial vs hapb)
  echo
  sed -n '/^## tutorial vs hapb/,/^## Summary/p' "$REPORT/report.md" | sed '$d'
fi
case $rc in
  0) verdict="PASS: every hapb verdict met its target" ;;
  2) verdict="FAIL: hapb missed a target (listed under the drill's table; details in $REPORT/report.md)" ;;
  *) verdict="ERROR: the drill could not run (exit code $rc)" ;;
esac
{
  echo "demo: $verdict"
  if [[ -f $REPORT/report.md ]]; then
    echo "demo: report: $REPORT/report.md"
    echo "demo: pictures: $REPORT/<scenario>.compare.svg (tutorial left, hapb right), $REPORT/<scenario>.<profile>.svg"
  fi
  echo "demo: took $((elapsed / 60)) min $((elapsed % 60)) s"
} >&2
exit "$rc"
