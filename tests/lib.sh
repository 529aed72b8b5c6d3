# Shell TAP helpers for the suite scripts: source it, call ok/is/skip_all, end with done_testing.
# shellcheck shell=bash
tap_n=0
tap_failed=0

# ok CONDITION-EXIT-CODE NAME: "ok 0 name" passes.
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT WANT NAME
is() {
	tap_n=$((tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $tap_n - $3"
	else
		echo "not ok $tap_n - $3"
		echo "#   got  '$1'"
		echo "#   want '$2'"
		tap_failed=$((tap_failed + 1))
	fi
}

# like GOT REGEX NAME
like() {
	tap_n=$((tap_n + 1))
	if [[ "$1" =~ $2 ]]; then
		echo "ok $tap_n - $3"
	else
		echo "not ok $tap_n - $3"
		echo "#   got  '$1'"
		echo "#   want match of '$2'"
		tap_failed=$((tap_failed + 1))
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
}

# perf LINE LABEL: the value of 'LABEL'=VALUE in a Nagios perfdata line, without its unit.
perf() {
	local v
	v=$(grep -oE "'$2'=[-0-9.]+" <<<"$1" | head -n 1)
	echo "${v#*=}"
}

# A copy of the plugin that any user can run (the tree may sit in a folder only root can read).
public_bin() {
	local d
	d=$(mktemp -d /tmp/eph-bin.XXXXXX)
	chmod 755 "$d"
	install -m 0755 "$TOP/$BIN" "$d/check_ephemeral"
	echo "$d/check_ephemeral"
}

# wait_for FILE TEXT SECONDS: waits (bounded) until FILE contains TEXT.
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# enter_netns SECONDS: re-runs the calling suite inside a new network namespace of its own, at
# most SECONDS long: as root a plain one, as a normal user one inside a user namespace (where
# the user may still set that namespace's port range). IN_NS is "root" or "user" there. Skips
# the suite when neither is possible. Returns at once when already inside.
enter_netns() {
	[ -n "${IN_NS:-}" ] && return 0
	command -v unshare >/dev/null && command -v ip >/dev/null || skip_all "needs unshare and ip"
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		IN_NS=root exec timeout "$1" unshare -n bash "$0"
	fi
	if unshare -rn true 2>/dev/null; then
		IN_NS=user exec timeout "$1" unshare -rn bash "$0"
	fi
	skip_all "cannot create a network namespace here (needs root or unprivileged user namespaces)"
}

# netns_pool LO HI RESERVED: inside the suite's own namespace only: lo up, the namespace's
# port range and reserved ports.
netns_pool() {
	ip link set lo up
	echo "$1 $2" >/proc/sys/net/ipv4/ip_local_port_range
	echo "$3" >/proc/sys/net/ipv4/ip_local_reserved_ports
}
