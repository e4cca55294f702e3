#!/bin/sh
# Managed by hapb: local changes are overwritten.
# keepalived runs this (as root) when this director becomes MASTER.
# If a director it took the VIP from still answers (a hand-back, or its
# keepalived died), that one is still finishing connections it accepted
# (profile hapb keeps the VIP on its lo for that), while those clients' next
# segments (ACKs of the answer) now reach this director. For
# 2 s this director drops such segments of connections it does not
# know instead of resetting them, so the answers still arrive. If the other
# director does not answer within 0.2 s (power lost, link cut, nginx
# dead), nothing is done: its connections are gone, and a reset is what makes
# a keep-alive client retry at once.
#
# First, forget this director's TIME_WAIT sockets of the VIP: it closed those
# connections while it held the VIP before, and a client that has reused such
# a port (same address and port to the VIP) for a connection now living on the
# other director would have its next segment answered by that TIME_WAIT socket
# with a bare ACK, neither served nor reset: the request hangs until the
# client's timeout (drill: lb-recover --keepalive after lb-partition, 1-2 lost
# in 2 of 3 runs with them, 0 in 4 without).
# Active-active: keepalived passes the VIP this director took ($1) and the
# addresses of the directors it may have taken it from (the others).
vip=$1
shift
ss -K -tn state time-wait src "$vip" >/dev/null 2>&1
for peer in "$@"; do
    code=$(curl --silent --output /dev/null --max-time 0.2 --write-out '%{http_code}' "http://$peer:80/")
    if [ "${code:-000}" != 000 ]; then
        exec nft add element inet hapb_director handback "{ $vip timeout 2s }"
    fi
done
exit 0
