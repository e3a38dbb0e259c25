#!/bin/sh
# Written by stackinstall while it installs packages; removed right after.
# 101 = "action forbidden by policy": invoke-rc.d/deb-systemd-invoke do not
# start or restart services, so nothing runs with a default configuration.
exit 101
