# The one TAP library of the shell suites: source it, then
#   ok RC NAME            passes when RC is 0 (give a command's exit status: ok $? "...")
#   check NAME CMD...     runs CMD, passes when it exits 0
#   is GOT WANT NAME      string equality, shows both on failure
#   like GOT REGEX NAME   bash regex match
#   skip NAME REASON      one test not run here: "ok N - NAME # SKIP REASON" (counted as skipped)
#   diag TEXT...          a "# " line of diagnostics
#   skip_all REASON       the whole suite cannot run here: "1..0 # SKIP REASON", exit 0
#   need_cmd CMD PACKAGE  skip_all unless CMD is on PATH, naming the Debian package
#   setup_failed WHAT     a setup step failed: one failed test "setup: WHAT", the plan, exit 1
#   done_testing          the plan; the exit status says whether every test passed
# ok, check, is and like return 0 when the test passed, 1 when it failed (for "|| diag ...").
# A failed setup is a failed test (ok 1 "setup: ..."), never a silent skip or a pass.
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
		return 1
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
		return 1
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
		return 1
	fi
}

# check NAME COMMAND...: one result from the command's exit status.
check() {
	local name=$1
	shift
	"$@"
	ok $? "$name"
}

# skip NAME REASON: one test that cannot run here; run.sh counts it as skipped, not passed.
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

setup_failed() {
	ok 1 "setup: $*"
	done_testing
	exit 1
}

diag() {
	echo "# $*"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# need_cmd COMMAND PACKAGE: the suite skips, naming the Debian package, unless COMMAND exists.
need_cmd() {
	command -v "$1" >/dev/null 2>&1 ||
		skip_all "needs $1 (Debian package $2; as root, make check-deps installs it)"
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

# The setup the namespace suites share. A suite calls work_dir and/or plugin_copy, then
# `trap cleanup EXIT`; what it starts in the background it gives to track_pid (or starts with
# start_helper), and cleanup stops exactly those PIDs and removes the directories made here.
#   work_dir [MODE]       $work: a fresh directory (mktemp -d), chmod MODE when given (755 when a
#                         user the suite switches to must reach the files in it)
#   plugin_copy           $PLUGIN: public_bin's copy of the plugin, removed by cleanup
#   track_pid PID...      cleanup (or stop_tracked) kills these processes, by PID
#   stop_tracked          kills the tracked processes now, waits for them, forgets them
#   start_helper NAME SECONDS CMD...: see below
#   need_sockpop          $SOCKPOP: the population helper (a failed setup when it is not built)
pids=""
cleanup_dirs=()
need_sockpop() {
	SOCKPOP="$TOP/$B/tests/sockpop"
	[ -x "$SOCKPOP" ] || setup_failed "$SOCKPOP is built (make check-build)"
}
work_dir() {
	work=$(mktemp -d) || setup_failed "mktemp -d"
	cleanup_dirs+=("$work")
	[ -z "${1:-}" ] || chmod "$1" "$work" || setup_failed "chmod $1 $work"
}
plugin_copy() {
	PLUGIN=$(public_bin) || setup_failed "a public copy of $BIN"
	cleanup_dirs+=("$(dirname "$PLUGIN")")
}
track_pid() { pids="$pids $*"; }
stop_tracked() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=""
}
cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "${cleanup_dirs[@]}"
}

# start_helper NAME SECONDS CMD...: runs a population helper (sockpop, proxyload, portholder)
# in the background, stdout in $work/NAME.out, stderr in $work/NAME.err, tracked for cleanup;
# waits at most SECONDS for its "ready" line. Sets pid: the PID a "ready PID" line names (the
# helper's own, also when CMD is a setpriv in front of it), else the background job's. Returns
# 1, with the helper's complaint as a diagnostic, when it dies or is not ready in time.
start_helper() {
	local name=$1 secs=$2 i
	shift 2
	"$@" >"$work/$name.out" 2>"$work/$name.err" &
	pid=$!
	track_pid "$pid"
	for ((i = 0; i < secs * 10; i++)); do
		if grep -qs '^ready' "$work/$name.out"; then
			i=$(sed -n 's/^ready \([0-9][0-9]*\)$/\1/p' "$work/$name.out")
			pid=${i:-$pid}
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	diag "$name did not get ready: $(head -c 300 "$work/$name.err")"
	return 1
}

# broken_pipe CMD...: runs CMD with stdout a pipe whose reader has already exited, and prints
# CMD's exit status. No sleep: the reader (head -c0) is waited for before CMD starts.
broken_pipe() {
	local d w hp rc
	d=$(mktemp -d)
	mkfifo "$d/fifo"
	head -c0 <"$d/fifo" &
	hp=$!
	exec {w}>"$d/fifo"
	wait "$hp"
	"$@" >&"$w" 2>/dev/null
	rc=$?
	exec {w}>&-
	rm -rf "$d"
	echo "$rc"
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
	command -v unshare >/dev/null || skip_all "needs unshare (Debian package util-linux)"
	command -v ip >/dev/null || skip_all "needs ip (Debian package iproute2)"
	try_netns "$1" ||
		skip_all "cannot create a network namespace here (needs root or unprivileged user namespaces)"
}

# try_netns SECONDS: as enter_netns, but returns 1 (and the suite goes on in the host's
# namespace, asserting only what holds on any host) when no namespace can be made.
try_netns() {
	[ -n "${IN_NS:-}" ] && return 0
	command -v unshare >/dev/null && command -v ip >/dev/null || return 1
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		IN_NS=root exec timeout "$1" unshare -n bash "$0"
	fi
	if unshare -rn true 2>/dev/null; then
		IN_NS=user exec timeout "$1" unshare -rn bash "$0"
	fi
	return 1
}

# enter_root_ns SECONDS WHY UNSHARE-FLAGS...: re-runs the calling suite, as root only, in the
# namespaces unshare FLAGS make (e.g. -n -m --propagation private), at most SECONDS long, with
# IN_NS=root. Skips the suite, saying WHY root is needed, when it cannot. Returns at once when
# already inside.
enter_root_ns() {
	[ -n "${IN_NS:-}" ] && return 0
	local secs=$1 why=$2
	shift 2
	[ "$(id -u)" = 0 ] || skip_all "$why need root (unshare $*)"
	need_cmd unshare util-linux
	need_cmd ip iproute2
	unshare "$@" true 2>/dev/null || skip_all "cannot create the namespaces of unshare $* here"
	IN_NS=root exec timeout "$secs" unshare "$@" bash "$0"
}

# netns_pool LO HI RESERVED: inside the suite's own namespace only: lo up, the namespace's
# port range and reserved ports.
netns_pool() {
	ip link set lo up
	echo "$1 $2" >/proc/sys/net/ipv4/ip_local_port_range
	echo "$3" >/proc/sys/net/ipv4/ip_local_reserved_ports
}
