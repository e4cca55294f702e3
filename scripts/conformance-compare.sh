#!/bin/sh
# Runs one conformance case (test/fixtures/conformance/<case>) with ansible-playbook
# and with hapb into two temporary roots and prints both recaps, exit codes and
# the differences of the files written. Until the conformance harness lands:
#   scripts/conformance-compare.sh block-rescue
set -u
case_dir="test/fixtures/conformance/$1"
inv="$case_dir/inventory.yml"
if [ ! -f "$inv" ]; then
  # the harness's default: two hosts h1, h2 with the local connection
  inv=$(mktemp --suffix=.yml)
  printf 'all:\n  hosts:\n    h1: {ansible_connection: local, ansible_python_interpreter: /usr/bin/python3}\n    h2: {ansible_connection: local, ansible_python_interpreter: /usr/bin/python3}\n' > "$inv"
fi
a=$(mktemp -d) h=$(mktemp -d)
args="${ARGS:-}"
[ -f "$case_dir/case.yml" ] && args="$args $(python3 -c 'import sys,yaml; print(" ".join((yaml.safe_load(open(sys.argv[1])) or {}).get("args", [])))' "$case_dir/case.yml")"
ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ansible-playbook -i "$inv" "$case_dir/playbook.yml" -e "root=$a" $args > "$a.log" 2>&1
arc=$?
"$(dirname "$0")/../bin/hapb" run -i "$inv" "$case_dir/playbook.yml" -e "root=$h" $args > "$h.log" 2>&1
hrc=$?
echo "ansible rc=$arc hapb rc=$hrc"
grep -A5 "PLAY RECAP" "$a.log" | grep -E '^\S+ +:' | tr -s ' ' | sed 's/ *$//' > "$a.recap"
grep -A5 "PLAY RECAP" "$h.log" | grep -E '^\S+ +:' | tr -s ' ' | sed 's/ *$//' > "$h.recap"
if diff "$a.recap" "$h.recap" >/dev/null; then echo "recap: same"; cat "$a.recap"; else echo "recap differs:"; diff "$a.recap" "$h.recap"; fi
if diff -r "$a" "$h" >/dev/null; then echo "files: same ($(find "$a" -type f | wc -l) files)"; else echo "files differ:"; diff -r "$a" "$h"; fi
for f in $(cd "$a" && find . -type f); do
  [ "$(stat -c %a "$a/$f")" = "$(stat -c %a "$h/$f" 2>/dev/null)" ] || echo "mode differs: $f"
done
[ "${KEEP:-}" ] && echo "logs: $a.log $h.log" || rm -rf "$a" "$h" "$a.log" "$h.log" "$a.recap" "$h.recap"
[ "$arc" = "$hrc" ]
