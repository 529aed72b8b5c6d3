#!/bin/sh
# check_ephemeral for the SolarWinds SAM Linux/Unix Script Monitor.
#   Command Line: /bin/sh ${SCRIPT}       Script Body: this file
# SAM logs in over SSH with the component's credentials (any user: no privilege needed) and
# runs the script on the monitored host, so the numbers are that host's. "Get Script Output"
# then lists the statistics (state, tcp_used, tcp_free, tcp_pct, tcp_dest, tcp_time_wait,
# udp_used, udp_free, udp_pct: 9 pairs of SAM's 10); set thresholds per statistic in SAM.
# The plugin exits 0 whenever it measured, so SAM keeps the messages and its thresholds
# decide; 4 (Unknown) with one Statistic.state: 3 and the reason when it could not.
PLUGIN=/usr/lib/nagios/plugins/check_ephemeral

if [ ! -x "$PLUGIN" ]; then
	echo "Statistic.state: 3"
	echo "Message.state: UNKNOWN - $PLUGIN is not installed on $(hostname) (package monitoring-plugin-check-ephemeral)"
	exit 4
fi
exec "$PLUGIN" -o solarwinds -p all
