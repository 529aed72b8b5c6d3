#!/usr/bin/env bash
# Resource limits and exhaustion, in a private network namespace: the plugin gives exact counts
# under `ulimit -v 16384` (16 MiB of address space) and `ulimit -n 8`, with 20 000 connections
# and with 20 000 distinct destinations (more than the destination table holds), and its peak
# RSS does not grow with the socket count. Then the whole range 40000-40099 is filled toward one
# destination until connect() fails with EADDRNOTAVAIL: the plugin, which opens no TCP/UDP
# socket, still works (also under the limits and as nobody) and says CRITICAL.
# needs-packages: iproute2 util-linux time
set -u
. "$TOP/tests/lib.sh"

enter_root_ns 600 "limit tests" -n

netns_pool 40000 60999 ""
need_sockpop
plugin_copy
work_dir
trap cleanup EXIT
# ASan reserves terabytes of shadow memory: an address-space limit cannot apply to that build.
asan=0
nm "$PLUGIN" 2>/dev/null | grep -q __asan_init && asan=1
ldd "$PLUGIN" 2>/dev/null | grep -q libasan && asan=1

start() { # start NAME ARGS...: sockpop in the background until "ready" (or until it dies)
	local name=$1
	shift
	start_helper "$name" 240 "$SOCKPOP" -l 400 "$@"
}
# run LIMITS ARGS...: the plugin in a subshell with the given ulimit commands ("" for none).
run() {
	local limits=$1
	shift
	out=$(bash -c "$limits"' && exec "$0" "$@"' "$PLUGIN" "$@" 2>&1)
	rc=$?
	first=${out%%$'\n'*}
}
rss() { # peak RSS in KiB of one plugin run
	/usr/bin/time -f '%M' -o "$work/rss" "$PLUGIN" "$@" >/dev/null 2>&1
	cat "$work/rss"
}
have_time=0
[ -x /usr/bin/time ] && have_time=1

rss0=""
[ $have_time = 1 ] && rss0=$(rss -w 99 -c 100)

# 1. 20 000 connections, 5 000 toward each of 4 destinations. A process may hold only as many
#    descriptors as the hard limit allows (20 000 on some hosts, 2 per connection), so four
#    sockpop processes share the work.
for ((k = 0; k < 4; k++)); do
	start "conns$k" server,127.0.0.1,$((5000 + k)) est,127.0.0.1,$((5000 + k)),5000
done
n=$(cat "$work"/conns*.out | awk '$1=="sock" && $3=="est" && $5>=40000 && $5<=60999' | wc -l)
used=$(cat "$work"/conns*.out | awk '$1=="sock" && $3=="est" && $5>=40000 && $5<=60999 {print $5}' | sort -u | wc -l)
is "$n" 20000 "20 000 connections built ($used distinct ports: connect() shares them across destinations)"
for limits in "true" "ulimit -n 8" "ulimit -v 16384" "ulimit -n 8 && ulimit -v 16384"; do
	if [ $asan = 1 ] && [[ "$limits" == *-v* ]]; then
		skip "$limits" "not with the ASan build"
		continue
	fi
	run "$limits" --metric used -w 30000 -c 30000 -v
	is "$rc/$(perf "$first" tcp_used)/$(perf "$first" tcp_established)/$(perf "$first" tcp_dest)" \
		"0/$used/20000/5000" "20 000 connections, $limits: used, established and dest exact"
done
rss1=""
[ $have_time = 1 ] && rss1=$(rss -w 99 -c 100)
stop_tracked

# 2. 20 000 distinct destinations, one connection each: 4 processes x 16 servers x 313 source
#    addresses (the last ones fewer). The destination table holds 16 384: the tally keeps the
#    heaviest candidates and reads the table again.
for ((k = 0; k < 4; k++)); do
	cmds=()
	for ((s = 0; s < 16; s++)); do cmds+=("server,127.0.0.1,$((6000 + 16 * k + s))"); done
	for ((c = 0; c < 5000; c++)); do
		a=$((c / 16))
		cmds+=("est,127.0.0.1,$((6000 + 16 * k + c % 16)),1,127.$((k + 1)).$((a / 250)).$((a % 250 + 1))")
	done
	start "dests$k" "${cmds[@]}"
done
n=$(cat "$work"/dests*.out | awk '$1=="sock" && $3=="est" && $5>=40000 && $5<=60999' | wc -l)
ports=$(cat "$work"/dests*.out | awk '$1=="sock" && $3=="est" && $5>=40000 && $5<=60999 {print $5}' | sort -u | wc -l)
is "$n" 20000 "20 000 connections to 20 000 distinct destinations built ($ports distinct ports)"
for limits in "true" "ulimit -n 8" "ulimit -v 16384"; do
	if [ $asan = 1 ] && [[ "$limits" == *-v* ]]; then
		skip "$limits" "not with the ASan build"
		continue
	fi
	run "$limits" --metric used -w 30000 -c 30000
	is "$rc/$(perf "$first" tcp_used)/$(perf "$first" tcp_established)/$(perf "$first" tcp_dest)" \
		"0/$ports/20000/1" "20 000 destinations, $limits: used, established exact, busiest holds 1"
done
rss2=""
[ $have_time = 1 ] && rss2=$(rss -w 99 -c 100)
if [ $have_time = 1 ] && [ $asan = 0 ]; then
	echo "# peak RSS (KiB): no sockets $rss0, 20 000 connections $rss1, 20 000 destinations $rss2"
	# The counting is flat; --top remembers up to 262 144 owned sockets (24 bytes each) and
	# the destination table holds 32 768 slots: both capped, a few MiB at most.
	[ $((rss1 - rss0)) -lt 2048 ]
	ok $? "peak RSS: 20 000 connections add $((rss1 - rss0)) KiB (< 2 MiB)"
	[ $((rss2 - rss0)) -lt 4096 ]
	ok $? "peak RSS: 20 000 destinations add $((rss2 - rss0)) KiB (< 4 MiB, tables capped)"
else
	skip "peak RSS" "no /usr/bin/time (Debian package time) or an ASan build"
fi
stop_tracked

# 3. Exhaustion: the 100 ports of 40000-40099 filled toward 127.0.0.2:6000.
echo "40000 40099" >/proc/sys/net/ipv4/ip_local_port_range
start fill server,127.0.0.2,6000 fill,127.0.0.2,6000
is "$(grep '^fill' "$work/fill.out")" "fill 100 EADDRNOTAVAIL" "connect() fails with EADDRNOTAVAIL after the 100 ports"
# The last: one descriptor beyond stdin/stdout/stderr and 4 MiB of address space.
for limits in "true" "ulimit -n 8 && ulimit -v 16384" "ulimit -n 4 && ulimit -v 4096"; do
	if [ $asan = 1 ] && [[ "$limits" == *-v* ]]; then
		limits=${limits%% &&*}
	fi
	run "$limits"
	is "$rc" 2 "exhausted range, $limits: CRITICAL"
	like "$first" "^EPHEMERAL CRITICAL - tcp 100 of 100 ports in use \\(100\\.0%\\), worst destination 100 ports to " \
		"exhausted range, $limits: 100 of 100, all toward one destination"
	run "$limits" --metric dest -p all
	is "$rc" 2 "exhausted range, $limits, --metric dest -p all: CRITICAL"
done
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups bash -c 'ulimit -n 8 && exec "$0"' "$PLUGIN" 2>&1)
	is "$?" 2 "exhausted range, as nobody under ulimit -n 8: CRITICAL"
	like "$out" "tcp 100 of 100 ports in use" "exhausted range, as nobody: 100 of 100"
else
	skip "exhausted range, as nobody" "no user nobody or setpriv"
fi
done_testing
