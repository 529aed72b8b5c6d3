# Shared by the integration suites (suite_nrpe, suite_icinga2, suite_nagios4): a private
# network namespace with a known, stable socket population, so that what a monitoring core
# records can be compared with exact text. Source after tests/lib.sh.
# shellcheck shell=bash

# integ_enter_ns: re-executes the suite inside `unshare -n` (root only: the daemons drop
# privileges to the user nagios, which needs real root). Never returns outside.
integ_enter_ns() {
	[ -n "${IN_NS:-}" ] && return 0
	[ "$(id -u)" = 0 ] || skip_all "needs root (the daemons run the plugin as user nagios)"
	need_cmd unshare util-linux
	need_cmd ip iproute2
	id nagios >/dev/null 2>&1 || skip_all "no user nagios (install the daemon packages)"
	unshare -n true 2>/dev/null || skip_all "cannot create a network namespace here"
	IN_NS=root exec timeout "${INTEG_TIMEOUT:-120}" unshare -n bash "$0"
}

# integ_populate: the namespace's range 40000-40099 minus 40090-40099 (90 ports), then 10
# ESTABLISHED connections to 127.0.0.1:5000, 4 bound-only sockets, a listener on 40050 and 3
# UDP sockets: TCP 15 of 90 (16.7 %), busiest destination 10, UDP 3. No TIME_WAIT, so the
# numbers hold for the whole run. Then the namespace's range moves to 50000-50999, so that
# the daemons' own connections (check_nrpe -> nrpe) take ports outside the population's:
# every plugin run says $RANGE_ARGS (--range 40000-40099) and sees exactly the population. Sets INTEG_WORK (a directory nagios can read), PLUGIN (a
# copy of the plugin anyone can run) and INTEG_PIDS; the EXIT trap stops what was started.
INTEG_PIDS=""
integ_cleanup() {
	local p
	for p in $INTEG_PIDS; do kill "$p" 2>/dev/null; done
	[ -n "${INTEG_WORK:-}" ] && rm -rf "$INTEG_WORK"
	[ -n "${PLUGIN:-}" ] && rm -rf "$(dirname "$PLUGIN")"
}
integ_populate() {
	local sockpop="$TOP/$B/tests/sockpop"

	ip link set lo up
	echo "40000 40099" >/proc/sys/net/ipv4/ip_local_port_range
	echo "40090-40099" >/proc/sys/net/ipv4/ip_local_reserved_ports
	[ -x "$sockpop" ] || { echo "# $sockpop is missing: run make check-build"; return 1; }
	INTEG_WORK=$(mktemp -d /tmp/eph-integ.XXXXXX)
	chmod 755 "$INTEG_WORK"
	PLUGIN=$(public_bin)
	trap integ_cleanup EXIT
	"$sockpop" -l "${INTEG_TIMEOUT:-120}" server,127.0.0.1,5000 listen,127.0.0.1,40050 \
		est,127.0.0.1,5000,10 bound,127.0.0.1,4 udp,127.0.0.1,3 \
		>"$INTEG_WORK/pop.out" 2>"$INTEG_WORK/pop.err" &
	INTEG_PIDS="$INTEG_PIDS $!"
	wait_for "$INTEG_WORK/pop.out" '^ready' 20 || { echo "# sockpop: $(cat "$INTEG_WORK/pop.err")"; return 1; }
	echo "50000 50999" >/proc/sys/net/ipv4/ip_local_port_range
	RANGE_ARGS="--range 40000-40099"
}

# as_nagios CMD...: runs CMD as the user nagios, as NRPE and the cores do.
as_nagios() {
	setpriv --reuid=nagios --regid="$(id -g nagios)" --clear-groups "$@"
}

# kill_wait PID SECONDS: SIGTERM, then waits (bounded) for it to be gone.
kill_wait() {
	local i
	kill "$1" 2>/dev/null || return 0
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	return 1
}

# readme_block FILE: the first fenced block of README.md after the first line that names
# `FILE` (in backquotes), without its fences: the text README.md tells an admin to copy.
readme_block() {
	awk -v f="\`$1\`" '
		!seen && index($0, f) { seen = 1; next }
		seen && !inb && /^```/ { inb = 1; next }
		inb && /^```/ { exit }
		inb { print }
	' "$TOP/README.md"
}

# integ_need_icinga2: sets ICINGA2 (the icinga2 program, with python3 to read what it wrote),
# or skips the suite, naming the Debian package.
integ_need_icinga2() {
	ICINGA2=$(command -v icinga2 || echo /usr/sbin/icinga2)
	[ -x "$ICINGA2" ] || skip_all "icinga2 not installed (Debian package icinga2)"
	need_cmd python3 python3
}
