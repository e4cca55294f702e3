#!/bin/sh
# Shared TLS session ticket keys of the directors, kept on the controller.
#   ticket-keys.sh DIR KEPT MAX_AGE_MIN ROTATE CHECK
# DIR/ticket.0.key encrypts new tickets; ticket.1.key ... only decrypt (nginx
# takes several ssl_session_ticket_key files, the first one encrypts). Each
# file is 80 random bytes (openssl rand), mode 0600 in a 0700 folder.
# Rotation shifts every key down one place and makes a new ticket.0.key:
#  - when ticket.0.key is older than MAX_AGE_MIN minutes (0: never by age);
#  - when ROTATE is true, unless ticket.0.key is younger than 10 minutes (the
#    same run already rotated it: the play runs once per serial batch).
# Missing keys are made (also in check mode, like Ansible's password lookup);
# rotation never happens when CHECK is true. Prints what it did, never a key.
set -eu
dir=$1 kept=$2 max_age=$3 rotate=$4 check=$5
umask 077
mkdir -p "$dir"
did=""
key() { echo "$dir/ticket.$1.key"; }
new() { openssl rand -out "$(key "$1").tmp" 80 && mv "$(key "$1").tmp" "$(key "$1")"; }
due=no
if [ -s "$(key 0)" ]; then
  if [ "$rotate" = true ] && [ -z "$(find "$(key 0)" -mmin -10)" ]; then due=yes; fi
  if [ "$max_age" -gt 0 ] && [ -n "$(find "$(key 0)" -mmin +"$max_age")" ]; then due=yes; fi
fi
if [ "$due" = yes ]; then
  if [ "$check" = true ]; then
    did="$did would-rotate"
  else
    i=$((kept - 1))
    while [ "$i" -gt 0 ]; do
      if [ -s "$(key $((i - 1)))" ]; then mv "$(key $((i - 1)))" "$(key "$i")"; fi
      i=$((i - 1))
    done
    new 0
    did="$did rotated"
  fi
fi
i=0
while [ "$i" -lt "$kept" ]; do
  if [ ! -s "$(key "$i")" ]; then new "$i"; did="$did made-$i"; fi
  i=$((i + 1))
done
# keys beyond KEPT are no longer distributed
for f in "$dir"/ticket.*.key; do
  [ -e "$f" ] || continue
  n=${f##*/ticket.}; n=${n%.key}
  case $n in *[!0-9]*) continue ;; esac
  if [ "$n" -ge "$kept" ]; then
    if [ "$check" = true ]; then did="$did would-drop-$n"; else rm -f "$f"; did="$did dropped-$n"; fi
  fi
done
echo "${did# }"
