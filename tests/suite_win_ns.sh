#!/usr/bin/env bash
# check_ephemeral.exe under wine against a known socket population: a private network
# namespace (root only) with the range 40000-40099, sockpop's sockets, and a fresh wine
# prefix whose wineserver starts inside the namespace, so wine's iphlpapi tables show exactly
# these sockets (docs/platform-notes.md §5). Every count is asserted exactly. Wine builds its tables
# from /proc/net, which lists no bound-only socket: tcp_bound is 0 there and the long output
# says so.
# needs-packages: gcc-mingw-w64-x86-64 wine wine64 iproute2 util-linux
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_win.sh"

win_require ip unshare
[ "$(id -u)" = 0 ] || skip_all "needs root for a private network namespace with wine in it"
win_isolate
[ -n "${WIN_ISOLATED:-}" ] || skip_all "cannot create a network namespace here"

# From here on: inside our own network namespace. Nothing below touches the host's network.
echo "40000 40099" >/proc/sys/net/ipv4/ip_local_port_range
SOCKPOP="$TOP/$B/tests/sockpop"
win_build windows-exe || { ok 1 "make windows-exe"; done_testing; exit 1; }
[ -x "$SOCKPOP" ] || make -s -C "$TOP" "$B/tests/sockpop" >/dev/null 2>&1
[ -x "$SOCKPOP" ] || { ok 1 "sockpop built ($SOCKPOP)"; done_testing; exit 1; }
work_dir
trap 'cleanup; win_cleanup' EXIT
win_prefix || { ok 1 "fresh wine prefix"; done_testing; exit 1; }

start_helper pop 20 "$SOCKPOP" -l 240 server,127.0.0.1,5000 server,::1,5000 \
	listen,127.0.0.1,40050 est,127.0.0.1,5000,10 tw,127.0.0.1,5000,5 bound,127.0.0.1,4 \
	udp,127.0.0.1,3 udp,::1,2 est,::1,5000,3 || setup_failed "population built"
pop="$work/pop.out"
# Distinct ports in 40000-40099 of the sockets wine can see (not the bound-only ones).
truth() {
	awk "\$1==\"sock\" && \$3!=\"bound\" && $1 && \$5>=40000 && \$5<=40099 {print \$5}" "$pop" |
		sort -u | wc -l
}
tcp_used=$(truth '$2=="tcp"')
udp_used=$(truth '$2=="udp"')
echo "# population: $(grep -c '^sock' "$pop") sockets; visible in range: tcp $tcp_used, udp $udp_used ports"

out=$(wrun "$WIN_EXE" --range 40000-40099 -p all -v)
is "$?" 0 "--range 40000-40099 -p all: OK"
first=${out%%$'\n'*}
like "$first" "^EPHEMERAL OK - tcp $tcp_used of 100 ports in use" "summary: used of the --range pool"
is "$(perf "$first" tcp_used)" "$tcp_used" "tcp_used = distinct TCP ports in range ($tcp_used)"
is "$(perf "$first" tcp_free)" "$((100 - tcp_used))" "tcp_free = 100 - used"
is "$(perf "$first" tcp_established)" 13 "tcp_established: 10 IPv4 + 3 IPv6 client sockets"
is "$(perf "$first" tcp_time_wait)" 5 "tcp_time_wait: the 5 client TIME_WAIT sockets"
is "$(perf "$first" tcp_bound)" 0 "tcp_bound: wine cannot see the 4 bound-only sockets"
is "$(perf "$first" tcp_dest)" 15 "tcp_dest: 10 ESTABLISHED + 5 TIME_WAIT toward 127.0.0.1:5000"
is "$(perf "$first" udp_used)" "$udp_used" "udp_used = distinct UDP ports in range ($udp_used)"
is "$(perf "$first" udp_free)" "$((100 - udp_used))" "udp_free"
like "$out" "ESTABLISHED 13, TIME_WAIT 5, LISTEN 1" "-v counts per state"
like "$out" "IPv4 16, IPv6 3" "-v counts per family (16 IPv4 incl. LISTEN, 3 IPv6)"
like "$out" "busiest destination 127.0.0.1 -> 127.0.0.1:5000 holds 15 ports" \
	"-v names the busiest destination"
like "$out" "bound-only sockets cannot be seen" "-v says bound-only sockets are invisible under wine"

out=$(wrun "$WIN_EXE" --range 40000-40099 -4)
is "$(perf "$out" tcp_established)" 10 "-4: only the IPv4 connections"
out=$(wrun "$WIN_EXE" --range 40000-40099 -6)
is "$(perf "$out" tcp_established)" 3 "-6: only the IPv6 connections"
out=$(wrun "$WIN_EXE" --range 40000-40099 --metric used -w "$((tcp_used - 1))" -c 99)
is "$?" 1 "--metric used above -w: WARNING"
out=$(wrun "$WIN_EXE" --range 40000-40099 --metric dest -w 10 -c 14)
is "$?" 2 "--metric dest above -c: CRITICAL (15%)"
out=$(wrun "$WIN_EXE" --range 40060-40099 -p tcp)
[ "$(perf "$out" tcp_used)" -le "$tcp_used" ]
ok $? "a narrower --range counts only its ports"

# --top under wine: wine reports owner PID 0 for every socket, so no socket has a process here
# (real PIDs are tested on Linux and in test_attrib); the other tables and the churn are exact.
out=$(wrun "$WIN_EXE" --range 40000-40099 --top 5)
like "$out" "held by no process: ESTABLISHED 13, TIME_WAIT 5, LISTEN 1 sockets" \
	"--top: PID 0 (wine) means no owner, by state"
like "$out" "127.0.0.1 -> 127.0.0.1:5000: 15 ports \(15.0% of the pool\)" "--top: busiest destination row"
like "$out" "::1 -> \[::1\]:5000: 3 ports \(3.0% of the pool\)" "--top: IPv6 destination row"
like "$out" "127.0.0.1: 16 of 100 \(16.0%\), listening 1, PIDs 0" "--top: local address row"
is "$(perf "$out" tcp_churn)" 0.02 "tcp_churn = 5 TIME_WAIT / 240 s"
like "$out" "\(5 in TIME_WAIT / 240 s, an estimated lifetime: the OS setting is not configured\)" \
	"churn: without TcpTimedWaitDelay the lifetime is labelled an estimate"
done_testing
