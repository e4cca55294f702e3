#!/bin/bash
# Managed by hapb: local changes are overwritten.
# The tutorial's check: no nginx process? start it; still none a second later?
# stop keepalived so the backup takes the VIP.
A=`ps -C nginx --no-header |wc -l`
if [ $A -eq 0 ];then
    systemctl start nginx
    sleep 1
    if [ `ps -C nginx --no-header |wc -l` -eq 0 ];then
        systemctl stop keepalived
    fi
fi
