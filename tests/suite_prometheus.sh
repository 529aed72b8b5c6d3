#!/usr/bin/env bash
# Prometheus on Debian: the shipped systemd units (contrib/prometheus/check-ephemeral-textfile.*)
# pass `systemd-analyze verify`; their ExecStart, run as the service runs it (root without any
# capability), writes ephemeral.prom into a directory like Debian's collector directory
# (root:root 0755), where user prometheus cannot (the old cron recipe's failure); Debian's
# prometheus-node-exporter, started by hand on loopback in the suite's own network namespace
# with that directory, serves the ephemeral_* series with the namespace's exact numbers; and
# `promtool test rules` runs the shipped alert tests. Nothing of the host's systemd, node
# exporter or network is used or touched; the exporter is stopped by its PID.
# needs-packages: prometheus prometheus-node-exporter python3 iproute2 util-linux systemd
set -u
. "$TOP/tests/lib.sh"

C="$TOP/contrib/prometheus"
EXPORTER=$(command -v prometheus-node-exporter || command -v node_exporter)
[ -n "$EXPORTER" ] || skip_all "node_exporter not installed (Debian package prometheus-node-exporter)"
need_cmd python3 python3
[ "$(id -u)" = 0 ] || skip_all "needs root (the unit runs as root without capabilities; user prometheus is tried too)"
id prometheus >/dev/null 2>&1 || skip_all "no user prometheus (Debian package prometheus-node-exporter)"
enter_netns 120

netns_pool 40000 40099 40090-40099
plugin_copy
work_dir 755
trap cleanup EXIT

# --- the units ---------------------------------------------------------------------------
unit=$work/units/check-ephemeral-textfile.service
mkdir "$work/units"
# verify checks that ExecStart exists: the test's copy of the plugin stands in for the package's.
sed "s|/usr/lib/nagios/plugins/check_ephemeral |$PLUGIN |" "$C/check-ephemeral-textfile.service" >"$unit"
cp "$C/check-ephemeral-textfile.timer" "$work/units/"
if command -v systemd-analyze >/dev/null; then
	msg=$(cd "$work/units" && systemd-analyze verify --man=no ./check-ephemeral-textfile.service \
		./check-ephemeral-textfile.timer 2>&1)
	rc=$?
	is "$rc:$msg" "0:" "systemd-analyze verify: the service and timer, no complaint"
	echo 'Bogus=1' >>"$work/units/check-ephemeral-textfile.timer"
	msg=$(cd "$work/units" && systemd-analyze verify --man=no ./check-ephemeral-textfile.timer 2>&1)
	like "$msg" "Unknown key" "systemd-analyze verify complains about a broken copy (the check is real)"
else
	skip "systemd-analyze verify: the service and timer" "systemd-analyze not installed (Debian package systemd)"
	skip "systemd-analyze verify complains about a broken copy" "systemd-analyze not installed (Debian package systemd)"
fi
grep -q '^OnCalendar=minutely$' "$C/check-ephemeral-textfile.timer"
ok $? "the timer runs the service every minute"

# --- the ExecStart, as the service runs it ------------------------------------------------
# A directory like Debian's /var/lib/prometheus/node-exporter: root:root 0755.
dir=$work/node-exporter
mkdir -m 0755 "$dir"
chown root:root "$dir"
cmd=$(sed -n 's/^ExecStart=//p' "$unit")
cmd=${cmd//\/var\/lib\/prometheus\/node-exporter/$dir}
like "$cmd" "^$PLUGIN -o prometheus -p all --output-file $dir/ephemeral.prom$" "ExecStart: -o prometheus into the collector's directory"
# shellcheck disable=SC2086 # the unit's command line, split as systemd splits it (no quotes in it)
out=$(setpriv --reuid=prometheus --regid="$(id -g prometheus)" --clear-groups $cmd)
is "$?:$(ls -A "$dir")" "3:" "as user prometheus (the old cron recipe) the file cannot be written"
like "$out" "Permission denied" "as user prometheus: the reason is Permission denied"
# CapabilityBoundingSet= empty: root's uid, no capability.
# shellcheck disable=SC2086
out=$(setpriv --bounding-set=-all --inh-caps=-all $cmd)
is "$?:$out" "0:" "as the service runs it (root, no capability): exit 0, nothing on stdout"
is "$(stat -c '%a %U' "$dir/ephemeral.prom" 2>&1)" "644 root" "ephemeral.prom written, 0644, readable by the exporter's user"
grep -q '^ephemeral_check_success 1$' "$dir/ephemeral.prom"
ok $? "ephemeral.prom holds a successful measurement"

# --- node_exporter's textfile collector ----------------------------------------------------
scrape() {
	python3 - <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:9100/metrics", timeout=5).read().decode())
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}
# On loopback in this namespace only (port 9100 is outside the pool, 40000-40089), as user
# prometheus like Debian's unit: the file must be readable by that user.
setpriv --reuid=prometheus --regid="$(id -g prometheus)" --clear-groups "$EXPORTER" \
	--web.listen-address=127.0.0.1:9100 --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$dir" >"$work/exporter.log" 2>&1 &
track_pid $!
m=$(scrape)
ok $? "node_exporter (as user prometheus) answers on 127.0.0.1:9100"
[ -n "$m" ] || sed 's/^/#   /' "$work/exporter.log" | tail -n 5
val() { sed -n "s/^$1 //p" <<<"$m"; }
is "$(val 'node_textfile_scrape_error')" 0 "node_textfile_scrape_error 0: the file parses"
# The namespace's pool: 40000-40099 minus 40090-40099; the plugin ran before any connection.
is "$(val 'ephemeral_ports_pool_size{protocol="tcp"}')" 90 "ephemeral_ports_pool_size tcp 90"
is "$(val 'ephemeral_ports_used{protocol="tcp"}')" 0 "ephemeral_ports_used tcp 0"
is "$(val 'ephemeral_ports_reserved{protocol="udp"}')" 10 "ephemeral_ports_reserved udp 10"
is "$(val 'ephemeral_sockets_by_state{protocol="udp",state="udp"}')" 0 "ephemeral_sockets_by_state, udp state udp"
is "$(val 'ephemeral_check_success')" 1 "ephemeral_check_success 1"
ts=$(val 'ephemeral_last_success_timestamp_seconds')
like "$ts" '^[0-9.e+]+$' "ephemeral_last_success_timestamp_seconds served ($ts)"
python3 -c "import sys, time; sys.exit(not (0 <= time.time() - float(sys.argv[1]) < 120))" "$ts"
ok $? "the timestamp is the time of the run"
grep -q 'ephemeral_ports_by_state' <<<"$m"
ok $(( ! $? )) "the old name ephemeral_ports_by_state is gone"
stop_tracked

# --- the alert rules --------------------------------------------------------------------
if command -v promtool >/dev/null; then
	out=$(cd "$C" && promtool test rules ephemeral.rules.test.yml 2>&1)
	ok $? "promtool test rules: the shipped alerts fire as their tests say"
	[ $? = 0 ] || sed 's/^/#   /' <<<"$out" | head -n 20
	# The tests can fail: a stale limit of 20 minutes instead of 10 breaks them.
	mkdir "$work/rules"
	sed 's/> 600$/> 1200/' "$C/ephemeral.rules.yml" >"$work/rules/ephemeral.rules.yml"
	cp "$C/ephemeral.rules.test.yml" "$work/rules/"
	(cd "$work/rules" && promtool test rules ephemeral.rules.test.yml >/dev/null 2>&1)
	ok $(( ! $? )) "promtool test rules fails on a changed rule (the tests are real)"
else
	skip "promtool test rules: the shipped rules" "promtool not installed (Debian package prometheus)"
	skip "promtool test rules fails on a changed rule" "promtool not installed (Debian package prometheus)"
fi

done_testing
