#!/bin/bash
# bench/netns.sh: the --netns mode of the benchmark (bench/run.sh --netns runs it). Times
# `check_ephemeral --netns all` over 1, 10 and 100 network namespaces that hold SOCKETS
# ESTABLISHED TCP sockets in all (connections over each namespace's loopback, both ends counted),
# first with the kernel's default shared socket hash, then with a private hash per namespace
# (net.ipv4.tcp_child_ehash_entries). The plain run in the bench's own, empty namespace is timed
# beside it: its one dump walks the same shared hash. A benchmark, not a test: nothing here
# asserts a timing.
#
# STATUS: unfinished, not yet run by `make bench`. The shared-hash pass works at 1 and 10
# namespaces (checked with --sockets 20000); the private-hash pass did not get its 10-namespace
# population ready in that check, and the full 100 000-socket run has not been made, so
# docs/performance.md has no figures from it yet.
#
#   bench/netns.sh [--counts "1 10 100"] [--sockets 100000] [--rounds 3] [--plugin PATH]
#                  [--raw FILE]
#
# The rows go into --raw (default bench/results.tsv) as lines "netns<TAB>COUNT<TAB>HASH<TAB>NAME
# <TAB>ROUND<TAB>wall_us user_us sys_us maxrss_kib exit<TAB>first line", replacing the netns rows
# of an earlier run and keeping everything else; bench/report.sh renders them.
# Needs root. Everything runs in a private network, mount and PID namespace (so --netns all
# finds the bench's namespaces only); the host's sysctls and network are never touched.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COUNTS="1 10 100"
SOCKETS=100000
ROUNDS=3
PLUGIN="$ROOT/check_ephemeral/check_ephemeral"
RAW="$ROOT/bench/results.tsv"
BUILD="$ROOT/build/bench"

usage() {
	sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--counts) COUNTS="$2"; shift 2 ;;
	--sockets) SOCKETS="$2"; shift 2 ;;
	--rounds) ROUNDS="$2"; shift 2 ;;
	--plugin) PLUGIN="$2"; shift 2 ;;
	--raw) RAW="$2"; shift 2 ;;
	-h|--help) usage ;;
	*) echo "bench: unknown argument $1" >&2; usage ;;
	esac
done
for n in $COUNTS $SOCKETS $ROUNDS; do
	if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ]; then
		echo "bench: not a positive number: $n" >&2
		exit 2
	fi
done
for n in $COUNTS; do
	if [ "$n" -gt 1000 ] || [ $((SOCKETS / 2 / n)) -gt 50000 ]; then
		echo "bench: $SOCKETS sockets over $n namespaces: at most 1000 namespaces and 50000 connections each" >&2
		exit 2
	fi
done
if [ ! -x "$PLUGIN" ]; then
	echo "bench: $PLUGIN not built (run make)" >&2
	exit 2
fi

if [ -z "${BENCH_IN_NETNS:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench: needs root (it creates network namespaces); nothing was run" >&2
		exit 2
	fi
	mkdir -p "$BUILD"
	${CC:-cc} -std=c11 -O2 -Wall -Wextra -o "$BUILD/tm" "$ROOT/bench/tm.c"
	${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -o "$BUILD/sockpop" "$ROOT/tests/helper/sockpop.c"
	BENCH_IN_NETNS=1 BENCH_HOST_NS=$(readlink /proc/self/ns/net) exec unshare -n -m -p -f \
		--mount-proc --propagation private -- "$0" --counts "$COUNTS" --sockets "$SOCKETS" \
		--rounds "$ROUNDS" --plugin "$PLUGIN" --raw "$RAW"
fi
if [ "$(readlink /proc/self/ns/net)" = "${BENCH_HOST_NS:-}" ]; then
	echo "bench: not in a private network namespace, refusing to change sysctls" >&2
	exit 1
fi
ip link set lo up

WORK=$(mktemp -d /tmp/bench-netns.XXXXXX)
ROWS="$WORK/rows.tsv"
: >"$ROWS"
PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}
cleanup() {
	stop_all
	rm -rf "$WORK"
}
trap cleanup EXIT

# TCP sockets allocated on the whole host, every namespace's (the "alloc" of /proc/net/sockstat
# is a global counter; "inuse" is this namespace's only).
tcp_alloc() {
	awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "alloc") print $(i + 1) }' /proc/net/sockstat
}

# Waits (bounded) until the sockets of the namespaces just stopped are gone from the host: a
# namespace is torn down, and its TIME_WAIT purged, after its last process ends.
settle() {
	local want=$1 i
	for ((i = 0; i < 120; i++)); do
		[ "$(tcp_alloc)" -le "$want" ] && return 0
		sleep 1
	done
	echo "bench: the host still has $(tcp_alloc) TCP sockets, not <= $want; measuring anyway" >&2
}

# start_ns K CONNS: namespace K, lo up, its own range, CONNS connections. A process holds at most
# PER_PROC of them (two descriptors each: the open-file limit), each to a listener of its own;
# the first makes the namespace, the others join it. Sets NOUT (output files so far).
PER_PROC=4000
NOUT=0
start_ns() {
	local k=$1 conns=$2 c j=0 first=""
	while [ "$conns" -gt 0 ]; do
		c=$((conns < PER_PROC ? conns : PER_PROC))
		if [ -z "$first" ]; then
			unshare -n -u bash -c 'hostname "bench-$1" && ip link set lo up &&
				echo "10000 65000" >/proc/sys/net/ipv4/ip_local_port_range && shift &&
				exec "$0" -l 1800 "$@"' "$BUILD/sockpop" "$k" server,127.0.0.1,5000 \
				"est,127.0.0.1,5000,$c" >"$WORK/out$NOUT" 2>&1 &
			first=$!
			PIDS+=("$first")
			wait_ready "$NOUT" || return 1
		else
			nsenter --net="/proc/$first/ns/net" "$BUILD/sockpop" -l 1800 \
				"server,127.0.0.1,$((5000 + j))" "est,127.0.0.1,$((5000 + j)),$c" \
				>"$WORK/out$NOUT" 2>&1 &
			PIDS+=($!)
		fi
		NOUT=$((NOUT + 1))
		conns=$((conns - c))
		j=$((j + 1))
	done
}

# wait_ready FROM [TO]: output files FROM..TO-1 (TO: FROM + 1) say ready.
wait_ready() {
	local k i to=${2:-$(($1 + 1))}
	for ((k = $1; k < to; k++)); do
		for ((i = 0; i < 1200; i++)); do
			tail -n 1 "$WORK/out$k" 2>/dev/null | grep -q '^ready' && break
			sleep 0.1
		done
		if ! tail -n 1 "$WORK/out$k" | grep -q '^ready'; then
			echo "bench: population $k did not get ready: $(grep -v '^sock' "$WORK/out$k" | tail -n 3)" >&2
			return 1
		fi
	done
}

CMD_ce_netns=("$PLUGIN" --netns all -p tcp --top 0 -t 60)
CMD_ce_own=("$PLUGIN" -p tcp --top 0 -t 60)

run_one() { # run_one COUNT HASH NAME ROUND
	local -n argv="CMD_$3"
	local line first
	line=$(timeout -k 5 120 "$BUILD/tm" "$WORK/out" "${argv[@]}" 2>/dev/null) ||
		line="-1 0 0 0 124"
	first=$(head -n 1 "$WORK/out" | cut -c 1-400 | tr '\t' ' ')
	printf 'netns\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${line// /	}" "$first" >>"$ROWS"
}

base=$(tcp_alloc)
for hash in shared private; do
	for n in $COUNTS; do
		conns=$((SOCKETS / 2 / n))
		if [ "$hash" = private ]; then
			# Read when a namespace is made, from the namespace that makes it: each child gets
			# a hash of its own, sized for its sockets (a power of two, at least 128).
			entries=128
			while [ "$entries" -lt $((conns * 2)) ]; do
				entries=$((entries * 2))
			done
			sysctl -qw net.ipv4.tcp_child_ehash_entries="$entries"
		else
			sysctl -qw net.ipv4.tcp_child_ehash_entries=0
		fi
		echo "bench: $n namespace(s), $((conns * 2 * n)) sockets, $hash hash" >&2
		NOUT=0
		for ((k = 0; k < n; k++)); do
			start_ns "$k" "$conns"
		done
		wait_ready 0 "$NOUT"
		for ((r = 1; r <= ROUNDS; r++)); do
			run_one "$n" "$hash" ce_netns "$r"
			run_one "$n" "$hash" ce_own "$r"
		done
		grep -P "^netns\t$n\t$hash\tce_netns\t1\t" "$ROWS" | cut -f 11 | cut -c 1-160 >&2
		stop_all
		settle "$((base + 2000))"
	done
done

{
	grep -v -P '^(netns\t|# netns )' "$RAW" 2>/dev/null || true
	echo "# netns date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# netns commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || echo ' (with local changes)')"
	echo "# netns kernel=$(uname -r)"
	echo "# netns cores=$(nproc)"
	echo "# netns load=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# netns sockets=$SOCKETS"
	echo "# netns rounds=$ROUNDS"
	echo "# netns cmd ce_netns=check_ephemeral --netns all -p tcp --top 0 -t 60"
	echo "# netns cmd ce_own=check_ephemeral -p tcp --top 0 -t 60"
	cat "$ROWS"
} >"$WORK/raw.tsv"
cp "$WORK/raw.tsv" "$RAW"
echo "bench: wrote the --netns rows into $RAW; bench/report.sh renders them" >&2
