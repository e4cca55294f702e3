#!/bin/sh
# Managed by hapb: local changes are overwritten.
# keepalived runs this (as root) on a VRRP transition: `$1` is master (this
# director took the VIP) or backup (it yields the VIP, or waits as a backup).
#
# The hand-back (director.nft, table ip hapb_handback): for a while after a
# transition, segments of connections this director does not know are sent on
# to the other director, which has them. Why both transitions:
# - backup (without the heartbeats, keepalived_handback_heartbeat_port: they
#   do it better): the other director is master, so alive. A preempting director
#   enters BACKUP preempt_delay (5 s) before it takes the VIP back, so
#   the window is already open when its gratuitous ARP turns the clients'
#   traffic over: nothing depends on how fast keepalived runs this script
#   (measured: 10-70 ms after the VIP moved, on a busy box; requests of the
#   other director crossing that gap were reset).
# - master: only if the director the VIP came from still answers within
#   0.2 s (a hand-back, or its keepalived died); otherwise the
#   window is closed, also one opened on entering BACKUP: after a power loss, a
#   cut or a dead nginx its connections are gone, and a reset (what the kernel
#   answers when nothing is forwarded) makes a keep-alive client retry at once,
#   where forwarding would leave it waiting on a dead director.
#
# First, forget this director's TIME_WAIT sockets of the VIP: it closed those
# connections while it held the VIP before, and a client that has reused such
# a port (same address and port to the VIP) for a connection now living on the
# other director would have its next segment answered by that TIME_WAIT socket
# with a bare ACK, neither served nor reset (nor forwarded): the request hangs
# until the client's timeout.
state=$1
# Active-active: keepalived passes the state, the VIP of the instance and the
# addresses of the directors that may hold that VIP when this one does not
# (keepalived.conf: those of higher priority, or every other for its
# preferred holder). The windows are per director (one nft set each) and hold
# VIPs, so each VIP's hand-back is its own.
vip=$2
shift 2
ss -K -tn state time-wait src "$vip" >/dev/null 2>&1
# open (or reopen for) MILLISECONDS the forwarding of VIP's unknown segments to the
# director at ADDRESS; one transaction, so an open window is never closed
open_window() {
    set="handback_$(echo "$1" | tr . _)"
    printf 'add element ip hapb_handback %s { %s }\ndelete element ip hapb_handback %s { %s }\nadd element ip hapb_handback %s { %s timeout %sms }\n' \
        "$set" "$vip" "$set" "$vip" "$set" "$vip" "$2" | nft -f -
}
# close it: the director at ADDRESS is gone, its connections with it; what
# reaches this one for them is reset (a keep-alive client retries at once)
close_window() {
    set="handback_$(echo "$1" | tr . _)"
    printf 'add element ip hapb_handback %s { %s }\ndelete element ip hapb_handback %s { %s }\n' "$set" "$vip" "$set" "$vip" | nft -f -
}
case "$state" in
backup)
    # Nothing to open: the heartbeats of the director that holds the VIP keep the
    # forwarding to it on for as long as it serves (director.nft, alive_ sets),
    # before and during a hand-back, and end it once it dies. A window opened
    # here would stay open for preempt_delay + the window after a hand-back,
    # and segments of a holder that dies meanwhile (a power loss, a cut) would
    # be forwarded into the void instead of reset, and keep-alive clients would
    # wait a retransmission or two instead of retrying at once.
    :
    ;;
master)
    for peer in "$@"; do
        code=$(curl --silent --output /dev/null --max-time 0.2 --write-out '%{http_code}' "http://$peer:80/")
        if [ "${code:-000}" != 000 ]; then
            open_window "$peer" 5000
        else
            close_window "$peer"
        fi
    done
    ;;
esac
exit 0
