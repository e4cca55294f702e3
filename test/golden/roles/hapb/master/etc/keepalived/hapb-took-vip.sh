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
code=$(curl --silent --output /dev/null --max-time 0.2 --write-out '%{http_code}' http://192.168.0.41:80/)
if [ "${code:-000}" != 000 ]; then
    exec nft add element inet hapb_director handback '{ 192.168.0.150 timeout 2s }'
fi
exit 0
