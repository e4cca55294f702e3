#!/bin/sh
# Managed by hapb: local changes are overwritten.
# keepalived's health check (runs as keepalived_script): does nginx on
# this director answer its local page? Catches an nginx that is alive but hung;
# a dead nginx is caught at once by the track file /run/hapb-nginx.down.
# It asks nginx only, never the web backends: both directors share those, and a
# check that fails on both directors at once would leave no one holding the VIP.
exec curl --silent --fail --max-time 1 --output /dev/null http://127.0.0.1:80/hapb-health
