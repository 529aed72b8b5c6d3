#!/usr/bin/env bash
# --top tables and tcp_churn against helper processes of known PIDs and names, inside a private
# network and PID namespace (so that the process search sees only the test's processes):
# owners as root (per process) and as nobody (per user), destinations, local addresses,
# TIME_WAIT churn, and -t holding while a process with many descriptors slows the search.
# Root only: unshare needs it.
# needs-packages: iproute2 util-linux python3 python3-jsonschema
set -u
cd "${TOP:-$(dirname "$0")/..}" || exit 2
TOP=$PWD
. "$TOP/tests/lib.sh"
B="${B:-build/linux}" BIN="${BIN:-check_ephemeral/check_ephemeral}"
case $B in /*) ;; *) B="$PWD/$B" ;; esac
case $BIN in /*) ;; *) BIN="$PWD/$BIN" ;; esac
export B BIN
H="$B/tests/portholder"

if [ -z "${ATTRIB_INNER:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		skip_all "the namespace tests of --top and tcp_churn need root"
	fi
	for c in unshare setpriv ip; do
		need_cmd "$c" "$([ "$c" = ip ] && echo iproute2 || echo util-linux)"
	done
	if ! unshare -n -p -f --mount-proc true 2>/dev/null; then
		skip_all "cannot create network and PID namespaces here"
	fi
	[ -x "$H" ] || setup_failed "$H is built (make check-build)"
	exec env ATTRIB_INNER=1 timeout 300 unshare -n -p -f --mount-proc bash "$0"
fi

has() { # has TEXT LINE: TEXT holds LINE exactly as one line
	grep -qxF -- "$2" <<<"$1" || { echo "# missing line: $2"; return 1; }
}
hasnt() { ! grep -qF -- "$2" <<<"$1" || { echo "# unexpected: $2"; return 1; }; }

work_dir
trap cleanup EXIT

# start NAME [setpriv args --] CMD...: runs a helper, waits (bounded) for "ready", sets $pid
# (the helper's own PID, not setpriv's).
start() {
	local name=$1
	shift
	start_helper "$name" 10 "$@"
}
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"

ip link set lo up
sysctl -qw net.ipv4.ip_local_port_range="40000 40999"
sysctl -qw net.ipv4.ip_local_reserved_ports="40900-40999"
# The kernel's defaults, stated: connect() reuses TIME_WAIT toward loopback after 1 s.
sysctl -qw net.ipv4.tcp_tw_reuse=2 net.ipv4.tcp_timestamps=1
chmod 755 "$work"

# Listeners outside the range: the server ends of the connections do not count.
start listener "$H" name listener listen 127.0.0.1 5001 listen 127.0.0.1 5002 ||
	setup_failed "helper listener started"
# holder_a (root): a listener in the range, 30 ports from 127.0.0.1, 10 from 127.0.0.2.
start a "$H" name holder_a listen 127.0.0.1 40500 conn 127.0.0.1 127.0.0.1 5001 30 \
	conn 127.0.0.2 127.0.0.1 5002 10 || setup_failed "helper holder_a started"
A=$pid
# holder_b (nobody): 20 ports from 127.0.0.2.
start b $NOBODY "$H" name holder_b conn 127.0.0.2 127.0.0.1 5001 20 ||
	setup_failed "helper b started"
Bp=$pid
# 120 TIME_WAIT sockets from 127.0.0.1: they last 60 s, the tests below take less.
start tw "$H" name tw_maker listen 127.0.0.1 5003 tw 127.0.0.1 127.0.0.1 5003 120 ||
	setup_failed "helper tw started"
tw_start=$(date +%s)

# Pool 900 (40000-40999 minus 40900-40999): 41/900 = 4.6 %, 20/900 = 2.2 %, 120/900 = 13.3 %.
out=$("$BIN" --top 5); rc=$?
first=$(head -n 1 <<<"$out")
check "root --top 5: exit 0 (OK)" [ "$rc" = 0 ]
check "root: first line under 1 KB" [ "${#first}" -lt 1024 ]
check "root: tcp_churn = 120/60" grep -qF "'tcp_churn'=2;;;0" <<<"$first"
check "root: process table header" has "$out" "tcp: top processes by ports held (2 of them; pool 900 ports)"
check "root: holder_a by PID and name, 41 ports" has "$out" "tcp:   pid $A holder_a: 41 ports (4.6%), 41 sockets"
check "root: holder_b by PID and name, 20 ports" has "$out" "tcp:   pid $Bp holder_b: 20 ports (2.2%), 20 sockets"
check "root: holder_a listed before holder_b" [ "$(grep -n holder_a <<<"$out" | cut -d: -f1)" -lt "$(grep -n holder_b <<<"$out" | cut -d: -f1)" ]
check "root: no note (every socket found)" hasnt "$out" "tcp: note:"
check "root: TIME_WAIT listed as held by no process" has "$out" "tcp: held by no process: TIME_WAIT 120 sockets"
check "root: destinations header" has "$out" "tcp: top destinations by ports held (4 of them):"
check "root: destination 1" has "$out" "tcp:   127.0.0.1 -> 127.0.0.1:5003: 120 ports (13.3% of the pool)"
check "root: destination 2" has "$out" "tcp:   127.0.0.1 -> 127.0.0.1:5001: 30 ports (3.3% of the pool)"
check "root: destination 3" has "$out" "tcp:   127.0.0.2 -> 127.0.0.1:5001: 20 ports (2.2% of the pool)"
check "root: destination 4" has "$out" "tcp:   127.0.0.2 -> 127.0.0.1:5002: 10 ports (1.1% of the pool)"
check "root: local address table header" has "$out" "tcp: local addresses (2 of them): in use, of pool, %, listening, PIDs"
check "root: 127.0.0.1 row" has "$out" "tcp:   127.0.0.1: 151 of 900 (16.8%), listening 1, PIDs 1"
check "root: 127.0.0.2 row" has "$out" "tcp:   127.0.0.2: 30 of 900 (3.3%), listening 0, PIDs 2"
check "root: churn line" has "$out" "tcp: churn 2 connections closed/s (120 in TIME_WAIT / 60 s, the lifetime fixed by the OS); the busiest destination 127.0.0.1 -> 127.0.0.1:5003 closes 2/s (120 in TIME_WAIT / 60 s) and sustains about 900/s (900 ports / 1 s reuse delay: tcp_tw_reuse 2 reuses TIME_WAIT toward loopback): now at 0.2% of it; each destination has a budget of its own"
check "root: TIME_WAIT with no process toward it now" has "$out" "tcp:   120 in TIME_WAIT toward 127.0.0.1:5003: no process talks to it now"

# The same tables in JSON, and per local address in the history log.
if command -v python3 >/dev/null; then
	"$BIN" --top 5 -o json --log "$work/hist.csv" >"$work/out.json"
	got=$(python3 - "$work/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = d["attribution"]["tcp"]
print(a["view"], a["top"], a["pool_size"], a["owners_total"], a["unresolved"], a["partial"])
for o in a["owners"]:
    print("owner", o["pid"], o["name"], o["ports"], o["pct"], o["sockets"])
print("no_owner", a["no_owner"]["total"], a["no_owner"]["time_wait"], a["no_owner"]["other"])
for x in a["destinations"]:
    print("dest", x["local"], x["remote"], x["remote_port"], x["ports"], x["pct"])
for x in a["local_addresses"]:
    print("laddr", x["address"], x["in_use"], x["max"], x["pct"], x["listening"], x["owners"])
c = d["protocols"]["tcp"]["churn"]
print("churn", c["per_second"], c["sustainable_per_second"], c["time_wait_lifetime"], c["lifetime"])
PY
)
	want="process 5 900 2 0 False
owner $A holder_a 41 4.6 41
owner $Bp holder_b 20 2.2 20
no_owner 120 120 0
dest 127.0.0.1 127.0.0.1 5003 120 13.3
dest 127.0.0.1 127.0.0.1 5001 30 3.3
dest 127.0.0.2 127.0.0.1 5001 20 2.2
dest 127.0.0.2 127.0.0.1 5002 10 1.1
laddr 127.0.0.1 151 900 16.8 1 1
laddr 127.0.0.2 30 900 3.3 0 2
churn 2 900 60 fixed"
	check "json: the same tables, number by number" [ "$got" = "$want" ] || printf '# got:\n%s\n' "$got" | sed 's/^/# /'
	# The tables with real owners follow the schema (exit 2: python3-jsonschema missing).
	msg=$(python3 tests/json_schema.py docs/check_ephemeral.schema.json "$work/out.json")
	src=$?
	check "json with --top tables: follows docs/check_ephemeral.schema.json (2: no jsonschema; got $src)" \
		test "$src" = 0 -o "$src" = 2
	[ -n "$msg" ] && sed 's/^/# /' <<<"$msg"
	lo=$(( A < Bp ? A : Bp )) hi=$(( A < Bp ? Bp : A ))
	check "--log: a row per local address with its PIDs" eval \
		'grep -q ",127.0.0.1,151,900,16.8,1,$A,tcp\$" "$work/hist.csv" && grep -q ",127.0.0.2,30,900,3.3,0,$lo $hi,tcp\$" "$work/hist.csv"'
else
	skip "json: the same tables, number by number" "python3 missing (Debian package python3)"
	skip "--log: a row per local address with its PIDs" "python3 missing (Debian package python3)"
fi

out=$("$BIN" --top 1)
check "--top 1: one process row" [ "$(grep -c '^tcp:   pid ' <<<"$out")" = 1 ]
check "--top 1: one destination row" [ "$(grep -c '^tcp:   127.0.0.. -> ' <<<"$out")" = 1 ]
check "--top 1: one address row" [ "$(grep -c '^tcp:   127.0.0..: ' <<<"$out")" = 1 ]

out=$("$BIN"); rc=$?
check "OK without --top: no tables, exit 0" eval '[ "$rc" = 0 ] && hasnt "$out" "top processes" && hasnt "$out" "churn "'
out=$("$BIN" --metric dest -w 10 -c 50); rc=$?
check "WARNING without --top: exit 1 and 5-row tables by default" eval '[ "$rc" = 1 ] && has "$out" "tcp:   pid $A holder_a: 41 ports (4.6%), 41 sockets"'
out=$("$BIN" --metric dest -w 10 -c 50 --top 0); rc=$?
check "WARNING with --top 0: exit 1, no tables" eval '[ "$rc" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ]'

# As nobody: root's processes cannot be searched, so the view is per user, and says so.
out=$($NOBODY "$BIN" --top 5); rc=$?
check "nobody --top 5: exit 0" [ "$rc" = 0 ]
check "nobody: table is per user" has "$out" "tcp: top users by ports held (2 of them; pool 900 ports)"
check "nobody: says why" has "$out" "tcp: note: owners per user: this user may not read other users' processes (root sees processes)"
check "nobody: root holds 41" has "$out" "tcp:   user root (uid 0): 41 ports (4.6%), 41 sockets"
check "nobody: nobody holds 20" has "$out" "tcp:   user nobody (uid 65534): 20 ports (2.2%), 20 sockets"
check "nobody: no PID rows" hasnt "$out" "tcp:   pid "
check "nobody: TIME_WAIT without owner" has "$out" "tcp: held by no process: TIME_WAIT 120 sockets"
check "nobody: destination 1" has "$out" "tcp:   127.0.0.1 -> 127.0.0.1:5003: 120 ports (13.3% of the pool)"
check "nobody: 127.0.0.1 row counts users" has "$out" "tcp:   127.0.0.1: 151 of 900 (16.8%), listening 1, users 1"
check "nobody: 127.0.0.2 row counts users" has "$out" "tcp:   127.0.0.2: 30 of 900 (3.3%), listening 0, users 2"
check "nobody: tcp_churn = 120/60" grep -qF "'tcp_churn'=2;;;0" <<<"$out"

# /proc mounted with hidepid=2 (hardened hosts) hides root's processes from nobody instead of
# denying them: the view must still turn per user.
if mount -o remount,hidepid=2 /proc 2>/dev/null; then
	out=$($NOBODY "$BIN" --top 5)
	check "hidepid=2: nobody gets the per-user view" has "$out" "tcp:   user root (uid 0): 41 ports (4.6%), 41 sockets"
	mount -o remount,hidepid=0 /proc
else
	skip "hidepid=2: nobody gets the per-user view" "cannot remount /proc with hidepid=2 here"
fi

# Churn with a count that does not divide: 120 + 50 = 170 TIME_WAIT -> 2.83/s.
start tw2 "$H" name tw_maker2 listen 127.0.0.2 5004 tw 127.0.0.2 127.0.0.2 5004 50 ||
	setup_failed "helper tw2 started"
out=$("$BIN" --top 5)
check "churn: tcp_time_wait 170" grep -qF "'tcp_time_wait'=170;;;0" <<<"$out"
check "churn: tcp_churn = 170/60 = 2.83" grep -qF "'tcp_churn'=2.83;;;0" <<<"$out"
check "churn: the busiest destination's own rate, against its reuse-aware budget" has "$out" "tcp: churn 2.83 connections closed/s (170 in TIME_WAIT / 60 s, the lifetime fixed by the OS); the busiest destination 127.0.0.1 -> 127.0.0.1:5003 closes 2/s (120 in TIME_WAIT / 60 s) and sustains about 900/s (900 ports / 1 s reuse delay: tcp_tw_reuse 2 reuses TIME_WAIT toward loopback): now at 0.2% of it; each destination has a budget of its own"
check "churn: TIME_WAIT still older than 60 s? no: the test ran in time" [ $(( $(date +%s) - tw_start )) -lt 55 ]

# IPv6: a process holding 7 ports from ::1 (when the namespace has IPv6).
if start v6l "$H" name v6_listener listen ::1 5005 2>/dev/null; then
	start c "$H" name holder_c conn ::1 ::1 5005 7 ||
	setup_failed "helper c started"
	C=$pid
	out=$("$BIN" --top 10)
	check "IPv6: holder_c by PID and name, 7 ports" has "$out" "tcp:   pid $C holder_c: 7 ports (0.8%), 7 sockets"
	check "IPv6: destination in brackets" has "$out" "tcp:   ::1 -> [::1]:5005: 7 ports (0.8% of the pool)"
	check "IPv6: ::1 row" has "$out" "tcp:   ::1: 7 of 900 (0.8%), listening 0, PIDs 1"
else
	for t in "holder_c by PID and name, 7 ports" "destination in brackets" "::1 row"; do
		skip "IPv6: $t" "no IPv6 in the namespace"
	done
fi

# -t holds while the search is slow: about 500 000 descriptors in processes started last
# (searched last), the last one's in-range socket behind all of its descriptors. Either the
# search finishes or it stops in time and says so (per user then).
ulimit -n 100000 2>/dev/null || true
per=$(( $(ulimit -n) - 64 ))
hogs=$(( 500000 / per + 1 ))
[ "$hogs" -gt 50 ] && hogs=50
for i in $(seq 1 $((hogs - 1))); do
	start "hog$i" "$H" name fd_hog fds "$per" ||
	setup_failed "helper hog$i started"
done
start hog "$H" name fd_hog fds "$per" conn 127.0.0.1 127.0.0.1 5001 1 ||
	setup_failed "helper hog started"
t0=$(date +%s%N)
out=$("$BIN" --top 5 -t 3); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# -t 3 with $hogs processes of $per descriptors: ${ms} ms, exit $rc"
# The search's own deadline ends it before -t: the result, with no timeout note (a -t that fired
# in the owner part would still exit 0, with "the time -t leaves ran out"). No clock bound: a
# busy host may be slow to start the plugin.
check "-t 3: the search stops itself, not -t" eval '[ "$rc" = 0 ] && ! grep -q "timed out\|ran out" <<<"$out"'
if grep -q "process search stopped" <<<"$out"; then
	# root: holder_a 41, fd_hog 1, and holder_c 7 when IPv6 ran
	check "-t 3: stopped search falls back to users" grep -qE "^tcp:   user root \(uid 0\): (42 ports \(4.7%\), 42|49 ports \(5.4%\), 49) sockets$" <<<"$out"
else
	check "-t 3: finished search names fd_hog" has "$out" "tcp:   pid $pid fd_hog: 1 port (0.1%), 1 socket"
fi

grep -E "process search|top (users|processes)" <<<"$out" | sed 's/^/# /'
done_testing
