#!/bin/bash
# bench/netns.sh: the --netns part of the benchmark (`make bench` and `make bench-netns` run it).
# Times `check_ephemeral --netns all` over 1, 10 and 100 network namespaces that hold SOCKETS
# ESTABLISHED TCP sockets in all (connections over each namespace's loopback, both ends counted;
# the client ends hold ports of the pool, the server ends do not), first with the kernel's
# default shared socket hash, then with a private hash per namespace
# (net.ipv4.tcp_child_ehash_entries). A plain run in the bench's own, empty namespace is timed
# beside it, and a run with -t 1 over the most namespaces shows that -t bounds the run.
# A benchmark, not a test: nothing here asserts a timing. It does assert the counts: before
# timing a case, one --netns all run must report, for every namespace, exactly the sockets and
# distinct ports that `ss` lists inside it, or the bench stops without writing anything.
#
#   bench/netns.sh [--counts "1 10 100"] [--sockets 100000] [--rounds 3] [--plugin PATH]
#                  [--raw FILE]
#
# The rows go into --raw (default bench/results.tsv) as lines "netns<TAB>COUNT<TAB>HASH<TAB>NAME
# <TAB>ROUND<TAB>wall_us<TAB>user_us<TAB>sys_us<TAB>maxrss_kib<TAB>exit<TAB>first line", plus
# "# netns ..." lines (the machine, each case's checks), replacing the netns lines of an earlier
# run and keeping everything else; bench/report.sh renders them.
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
LO=10000
HI=65000
LIFETIME=1800 # seconds a population process lives at most, whatever happens to the bench
READY_S=600   # seconds a case's population may take to build

usage() {
	sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
	# Connections per namespace: each process's go to a destination of their own, so the range
	# limits the connections per process (PER_PROC below), not per namespace.
	if [ "$n" -gt 1000 ] || [ $((SOCKETS / 2 / n)) -lt 1 ] || [ $((SOCKETS / 2 / n)) -gt 500000 ]; then
		echo "bench: $SOCKETS sockets over $n namespaces: at most 1000 namespaces, 1 to 500000 connections each" >&2
		exit 2
	fi
done
PLUGIN=$(realpath "$PLUGIN")
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
	RAW=$(realpath "$RAW")
	BENCH_IN_NETNS=1 BENCH_HOST_NS=$(readlink /proc/self/ns/net) exec unshare -n -m -p -f \
		--mount-proc --propagation private -- "$0" --counts "$COUNTS" --sockets "$SOCKETS" \
		--rounds "$ROUNDS" --plugin "$PLUGIN" --raw "$RAW"
fi
if [ "$(readlink /proc/self/ns/net)" = "${BENCH_HOST_NS:-}" ]; then
	echo "bench: not in a private network namespace, refusing to change sysctls" >&2
	exit 1
fi
ip link set lo up
CHILD_EHASH=/proc/sys/net/ipv4/tcp_child_ehash_entries
HASHES="shared"
if [ -w "$CHILD_EHASH" ]; then
	HASHES="shared private"
else
	echo "bench: no $CHILD_EHASH (Linux 6.1 and later): the private-hash pass is left out" >&2
fi

WORK=$(mktemp -d /tmp/bench-netns.XXXXXX)
ROWS="$WORK/rows.tsv"
CASES="$WORK/cases.txt"
: >"$ROWS"
: >"$CASES"
PIDS=()   # every population process, to stop by PID
FIRST=()  # FIRST[k]: the process that made namespace k
OUTS=()   # the output file of every population process, in PIDS order
stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	# The next case writes the same file names: a "ready" left in one would pass wait_ready
	# before that case's process has even started.
	rm -f "${OUTS[@]}"
	PIDS=() FIRST=() OUTS=()
}
cleanup() {
	stop_all
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "bench: line $LINENO failed: $BASH_COMMAND; nothing was written" >&2' ERR
die() {
	echo "bench: $*; nothing was written" >&2
	exit 1
}

# TCP sockets allocated on the whole host, every namespace's (the "alloc" of /proc/net/sockstat
# is a global counter; "inuse" is this namespace's only). The host's other work moves it too.
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

# A population process holds at most PER_PROC connections, both ends: two descriptors each, and
# RLIMIT_NOFILE cannot be raised above its hard limit without CAP_SYS_RESOURCE. Each process
# has a listener of its own (one destination per process).
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=1048576
PER_PROC=$(((nofile - 64) / 2))
[ "$PER_PROC" -gt 40000 ] && PER_PROC=40000
[ "$PER_PROC" -ge 100 ] || die "the open-file limit ($nofile) is too small for a population"

# pop_first K CONNS: makes namespace K (lo up, range LO-HI, hostname bench-K) with a process
# holding the first min(CONNS, PER_PROC) connections.
pop_first() {
	local k=$1 c=$(($2 < PER_PROC ? $2 : PER_PROC)) out="$WORK/pop-$1-0"
	# Made empty here, not by the background job's redirection, which may come after
	# wait_ready has read the file.
	: >"$out"
	unshare -n -u bash -c 'hostname "bench-$1" && ip link set lo up &&
		echo "$2 $3" >/proc/sys/net/ipv4/ip_local_port_range && shift 3 &&
		exec "$0" "$@"' "$BUILD/sockpop" "$k" "$LO" "$HI" -l "$LIFETIME" \
		server,127.0.0.1,5000 "est,127.0.0.1,5000,$c" >"$out" 2>&1 &
	PIDS+=($!)
	FIRST[k]=$!
	OUTS+=("$out")
}

# pop_rest K CONNS: the connections of namespace K past the first process's, in further
# processes that join it.
pop_rest() {
	local k=$1 left=$(($2 - PER_PROC)) j=1 c out
	while [ "$left" -gt 0 ]; do
		c=$((left < PER_PROC ? left : PER_PROC))
		out="$WORK/pop-$k-$j"
		: >"$out"
		nsenter --net="/proc/${FIRST[k]}/ns/net" "$BUILD/sockpop" -l "$LIFETIME" \
			"server,127.0.0.1,$((5000 + j))" "est,127.0.0.1,$((5000 + j)),$c" >"$out" 2>&1 &
		PIDS+=($!)
		OUTS+=("$out")
		left=$((left - c))
		j=$((j + 1))
	done
}

# wait_ready: every population process started so far says "ready" (bounded); one that died
# or did not get ready in READY_S seconds stops the bench with its message.
wait_ready() {
	local i p f deadline=$((SECONDS + READY_S)) pending
	while :; do
		pending=0
		for i in "${!PIDS[@]}"; do
			p=${PIDS[i]} f=${OUTS[i]}
			tail -n 1 "$f" 2>/dev/null | grep -qx ready && continue
			kill -0 "$p" 2>/dev/null ||
				die "population process $p ended early: $(grep -v '^sock' "$f" | tail -n 2)"
			pending=$((pending + 1))
		done
		[ "$pending" -eq 0 ] && return 0
		[ "$SECONDS" -lt "$deadline" ] ||
			die "$pending population process(es) not ready after $READY_S s"
		sleep 0.2
	done
}

# ss_counts PID: "SOCKETS PORTS ALL" inside PID's namespace: TCP sockets with a local port in
# LO..HI, distinct such ports, and every TCP socket there.
ss_counts() {
	nsenter --net="/proc/$1/ns/net" ss -Htan state all | awk -v lo="$LO" -v hi="$HI" '
		{ n = split($4, a, ":"); p = a[n] + 0; all++ }
		p >= lo && p <= hi { s++; if (!(p in seen)) { seen[p] = 1; u++ } }
		END { print s + 0, u + 0, all + 0 }'
}

# plugin_ns: the JSON of a --netns all run on stdin; one line per namespace on stdout:
# "INODE CHECKED USED SOCKETS".
plugin_ns() {
	sed 's/{"name": /\n/g' | awk 'NR > 1 {
		i = "-"; c = "-"; u = "-"; s = "-"
		if (match($0, /"inode": [0-9]+/)) i = substr($0, RSTART + 9, RLENGTH - 9)
		if (match($0, /"checked": (true|false)/)) c = substr($0, RSTART + 11, RLENGTH - 11)
		if (match($0, /"used": [0-9]+/)) u = substr($0, RSTART + 8, RLENGTH - 8)
		if (match($0, /"sockets": [0-9]+/)) s = substr($0, RSTART + 11, RLENGTH - 11)
		print i, c, u, s
	}'
}

# verify N HASH CONNS EHASH: one --netns all run must count, in every namespace, exactly what ss
# lists there; every namespace must have the hash asked for. Appends the case's line to CASES.
verify() {
	local n=$1 hash=$2 conns=$3 ehash=$4 k pid ino want got e tw s p all tot_s=0 tot_p=0 tot_all=0
	local json="$WORK/verify.json" lines="$WORK/verify.txt"
	timeout -k 5 600 "$PLUGIN" --netns all -p tcp --top 0 -t 500 -o json >"$json" || true
	plugin_ns <"$json" >"$lines"
	[ "$(wc -l <"$lines")" -eq $((n + 1)) ] ||
		die "$n namespaces, $hash hash: the plugin listed $(wc -l <"$lines") namespaces, not $((n + 1)): $(head -c 300 "$json")"
	for ((k = 0; k < n; k++)); do
		pid=${FIRST[k]}
		ino=$(stat -L -c %i "/proc/$pid/ns/net")
		read -r s p all < <(ss_counts "$pid")
		[ "$s" -eq "$conns" ] || die "namespace $k: ss lists $s client sockets, not $conns"
		want="$ino true $p $s"
		got=$(awk -v i="$ino" '$1 == i' "$lines")
		[ "$got" = "$want" ] ||
			die "namespace $k ($hash hash): the plugin says '$got' (inode checked ports sockets), ss '$want'"
		read -r e tw <<<"$(nsenter --net="/proc/$pid/ns/net" cat \
			/proc/sys/net/ipv4/tcp_ehash_entries /proc/sys/net/ipv4/tcp_max_tw_buckets | tr '\n' ' ')"
		if [ "$hash" = private ]; then
			[ "$e" -eq "$ehash" ] || die "namespace $k: tcp_ehash_entries is $e, not $ehash"
		else
			[ "$e" -lt 0 ] || die "namespace $k: tcp_ehash_entries is $e, not a shared hash"
		fi
		tot_s=$((tot_s + s)) tot_p=$((tot_p + p)) tot_all=$((tot_all + all))
	done
	# ehash: the namespaces' own hash size (private) or the host's shared one (as a negative
	# number inside a namespace that shares it); tw_max: a namespace's tcp_max_tw_buckets.
	echo "# netns case count=$n hash=$hash ehash=${e#-} tw_max=$tw sockets=$tot_all in_pool=$tot_s ports=$tot_p verified=ss build_s=$BUILD_S host_tcp=$(tcp_alloc)" >>"$CASES"
	echo "bench:   verified against ss: $tot_all TCP sockets, $tot_s in the pool on $tot_p distinct ports" >&2
}

CMD_ce_netns=("$PLUGIN" --netns all -p tcp --top 0 -t 60)
CMD_ce_own=("$PLUGIN" -p tcp --top 0 -t 60)
CMD_ce_t1=("$PLUGIN" --netns all -p tcp --top 0 -t 1)

run_one() { # run_one COUNT HASH NAME ROUND
	local -n argv="CMD_$3"
	local line first
	line=$(timeout -k 5 120 "$BUILD/tm" "$WORK/out" "${argv[@]}" 2>/dev/null) ||
		line="-1 0 0 0 124"
	first=$(head -n 1 "$WORK/out" | cut -c 1-400 | tr '\t' ' ')
	printf 'netns\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${line// /	}" "$first" >>"$ROWS"
}

base=$(tcp_alloc)
max_count=0
for n in $COUNTS; do
	[ "$n" -gt "$max_count" ] && max_count=$n
done
# The cases: the most namespaces without a connection first (what a namespace costs by itself:
# a thread, setns, the /proc/sys reads, the dumps), then every count with each hash.
CASE_LIST="idle:$max_count"
for hash in $HASHES; do
	for n in $COUNTS; do
		CASE_LIST="$CASE_LIST $hash:$n"
	done
done
for c in $CASE_LIST; do
	hash=${c%:*} n=${c#*:}
	conns=$((SOCKETS / 2 / n))
	[ "$hash" = idle ] && conns=0
	if [ "$hash" = private ]; then
		# Read when a namespace is made, from the namespace that makes it (this one):
		# each child gets a hash of its own, sized for its sockets (the kernel rounds
		# up to a power of two, at least 128; 2 sockets per connection).
		ehash=128
		while [ "$ehash" -lt $((conns * 2)) ]; do
			ehash=$((ehash * 2))
		done
		echo "$ehash" >"$CHILD_EHASH"
	else
		ehash=0
		[ -w "$CHILD_EHASH" ] && echo 0 >"$CHILD_EHASH"
	fi
	echo "bench: $n namespace(s), $((conns * 2 * n)) sockets, $hash" >&2
	t0=$SECONDS
	for ((k = 0; k < n; k++)); do
		pop_first "$k" "$conns"
	done
	wait_ready
	for ((k = 0; k < n; k++)); do
		pop_rest "$k" "$conns"
	done
	wait_ready
	BUILD_S=$((SECONDS - t0))
	echo "bench:   built in $BUILD_S s by ${#PIDS[@]} processes" >&2
	verify "$n" "$hash" "$conns" "$ehash"
	for ((r = 1; r <= ROUNDS; r++)); do
		# Alternate the order so neither run always follows the other.
		if ((r % 2)); then
			run_one "$n" "$hash" ce_netns "$r"
			run_one "$n" "$hash" ce_own "$r"
		else
			run_one "$n" "$hash" ce_own "$r"
			run_one "$n" "$hash" ce_netns "$r"
		fi
		if [ "$n" -eq "$max_count" ] && [ "$hash" != idle ]; then
			run_one "$n" "$hash" ce_t1 "$r"
		fi
	done
	grep -P "^netns\t$n\t$hash\tce_netns\t1\t" "$ROWS" | cut -f 6,11 | cut -c 1-160 >&2
	if [ "$n" -eq "$max_count" ] && [ "$hash" != idle ]; then
		grep -P "^netns\t$n\t$hash\tce_t1\t1\t" "$ROWS" | cut -f 6,10,11 | cut -c 1-200 >&2
	fi
	stop_all
	settle "$((base + 2000))"
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
	echo "# netns range=$LO-$HI"
	echo "# netns per_proc=$PER_PROC"
	echo "# netns cmd ce_netns=check_ephemeral --netns all -p tcp --top 0 -t 60"
	echo "# netns cmd ce_own=check_ephemeral -p tcp --top 0 -t 60"
	echo "# netns cmd ce_t1=check_ephemeral --netns all -p tcp --top 0 -t 1"
	cat "$CASES" "$ROWS"
} >"$WORK/raw.tsv"
cp "$WORK/raw.tsv" "$RAW"
echo "bench: wrote the --netns rows into $RAW; bench/report.sh renders them" >&2
