#!/bin/bash
# bench/run.sh: times check_ephemeral against the kernel floor, ss, netstat and a /proc reader on
# socket populations of growing size, all inside one private network namespace, and writes the
# results as markdown (docs/performance.md by default). A benchmark, not a test: nothing here
# asserts a timing.
#
#   bench/run.sh [--sizes "1000 10000 50000 200000"] [--rounds 5] [--out FILE]
#                [--plugin PATH] [--range LO-HI] [--raw FILE]
#
# The raw figures (every run, the machine and the command lines) go to --raw: bench/results.tsv
# with the default --out, so the committed report can be rendered again without a rerun
# (`make bench-report`); FILE.tsv beside any other --out FILE.md.
# Needs root (unshare -n, sysctls of the new namespace). The host's sysctls and network are
# never touched: everything after the re-exec below runs in the new namespace, and only
# loopback carries traffic.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES="1000 10000 50000 200000"
ROUNDS=5
OUT="$ROOT/docs/performance.md"
RAW=""
PLUGIN="$ROOT/check_ephemeral/check_ephemeral"
LO=10000
HI=65535
BUILD="$ROOT/build/bench"
CMD_TIMEOUT=600   # seconds for any one timed command: netstat at 1e6 sockets is slow
WINDOW_US=55000000 # TIME_WAIT lives 60 s; measure only in the first 55 s of each batch

usage() {
	sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--sizes) SIZES="$2"; shift 2 ;;
	--rounds) ROUNDS="$2"; shift 2 ;;
	--out) OUT="$2"; shift 2 ;;
	--plugin) PLUGIN="$2"; shift 2 ;;
	--range) LO="${2%-*}"; HI="${2#*-}"; shift 2 ;;
	--raw) RAW="$2"; shift 2 ;;
	-h|--help) usage ;;
	*) echo "bench: unknown argument $1" >&2; usage ;;
	esac
done
for n in $SIZES $ROUNDS $LO $HI; do
	if ! [[ "$n" =~ ^[0-9]+$ ]]; then
		echo "bench: not a number: $n" >&2
		exit 2
	fi
done
if [ "$ROUNDS" -lt 1 ] || [ "$LO" -le 6500 ] || [ "$HI" -gt 65535 ] || [ $((HI - LO)) -lt 1000 ]; then
	echo "bench: need --rounds >= 1 and a range LO-HI with 6500 < LO, HI <= 65535, HI-LO >= 1000" >&2
	exit 2
fi

if [ -z "$RAW" ]; then
	if [ "$OUT" -ef "$ROOT/docs/performance.md" ] || [ "$OUT" = "$ROOT/docs/performance.md" ]; then
		RAW="$ROOT/bench/results.tsv"
	else
		RAW="${OUT%.md}.tsv"
	fi
fi

if [ -z "${BENCH_IN_NETNS:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench: needs root (it creates a network namespace); nothing was run" >&2
		exit 2
	fi
	mkdir -p "$BUILD"
	for tool in floor popgen tm; do
		${CC:-cc} -std=c11 -O2 -Wall -Wextra -o "$BUILD/$tool" "$ROOT/bench/$tool.c"
	done
	if ! command -v netstat >/dev/null; then
		# The netstat row is part of the comparison; Debian ships it in net-tools.
		echo "bench: installing net-tools for netstat" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q net-tools >&2 ||
			echo "bench: no netstat, its row will be missing" >&2
	fi
	# Re-run this script inside a fresh network namespace. The namespace dies with it, and
	# with it every socket and sysctl we set.
	BENCH_IN_NETNS=1 BENCH_HOST_NS=$(readlink /proc/self/ns/net) exec unshare -n -- "$0" \
		--sizes "$SIZES" --rounds "$ROUNDS" --out "$OUT" --plugin "$PLUGIN" --range "$LO-$HI" \
		--raw "$RAW"
fi

# Refuse to touch sysctls unless we really are in a namespace of our own.
if [ "$(readlink /proc/self/ns/net)" = "${BENCH_HOST_NS:-}" ]; then
	echo "bench: not in a private network namespace, refusing to change sysctls" >&2
	exit 1
fi
ip link set lo up
RESERVED="$LO-$((LO + 9))"
# Per-namespace sysctls only. tcp_tw_reuse=0 so that new connects never recycle the TIME_WAIT
# sockets being counted; the big backlog and TIME_WAIT cap let popgen hold a million sockets.
sysctl -qw net.ipv4.ip_local_port_range="$LO $HI" \
	net.ipv4.ip_local_reserved_ports="$RESERVED" \
	net.ipv4.tcp_tw_reuse=0 \
	net.ipv4.tcp_max_tw_buckets=4000000 \
	net.core.somaxconn=4194304

WORK=$(mktemp -d /tmp/bench.XXXXXX)
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
POP_PID=""
cleanup() {
	# Only the population builder we started; its workers die with it (PR_SET_PDEATHSIG).
	if [ -n "$POP_PID" ]; then
		kill "$POP_PID" 2>/dev/null || true
		wait "$POP_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

HAVE_PLUGIN=1
if [ ! -x "$PLUGIN" ]; then
	echo "bench: $PLUGIN not built (run make); measuring everything else" >&2
	HAVE_PLUGIN=0
fi

# The commands, as argv arrays so that nothing is charged for a shell it does not need. The
# pipelines run under bash -c because that is how people run them; tm charges the whole tree.
# The counting itself is compared with --top 0: the bench's pool is nearly full (CRITICAL),
# where the plugin would also search /proc for the owners, which none of the others do.
# ce_top measures that search on its own row.
CMD_ce_tcp=("$PLUGIN" -p tcp -t 60 --top 0)
CMD_ce_all=("$PLUGIN" -p all -t 60 --top 0)
CMD_ce_top=("$PLUGIN" -p tcp -t 60 --top 5)
CMD_floor_tcp=("$BUILD/floor" tcp "$LO" "$HI")
CMD_floor_all=("$BUILD/floor" all "$LO" "$HI")
# Two variants that say where the floor's time goes (see docs/performance.md).
CMD_floor_nobound=("$BUILD/floor" tcp-nobound "$LO" "$HI")
CMD_floor_legacy=("$BUILD/floor" tcp-legacy "$LO" "$HI")
CMD_ss_filter=(bash -c "ss -Htan state all '( sport >= :$LO and sport <= :$HI )' | wc -l")
CMD_ss_all=(bash -c "ss -Htan | wc -l")
CMD_netstat=(bash -c "netstat -ant | awk -v lo=$LO -v hi=$HI '\$1 ~ /^tcp/ { n = split(\$4, a, \":\"); p = a[n] + 0; if (p >= lo && p <= hi) c++ } END { print c + 0 }'")
# mawk has no strtonum: the hex port is converted by hand.
CMD_proc_awk=(awk -v lo="$LO" -v hi="$HI" 'function hex(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1; return v } FNR > 1 { split($2, a, ":"); p = hex(a[2]); if (p >= lo && p <= hi) c++ } END { print c + 0 }' /proc/net/tcp /proc/net/tcp6)
CMD_exec_true=(/bin/true)

NAMES=(floor_tcp floor_all floor_nobound floor_legacy ss_filter ss_all netstat proc_awk exec_true)
if [ "$HAVE_PLUGIN" = 1 ]; then
	NAMES=(ce_tcp ce_all ce_top "${NAMES[@]}")
fi
if ! command -v netstat >/dev/null; then
	NAMES=("${NAMES[@]/netstat/}")
fi

now_us() {
	echo "${EPOCHREALTIME/./}"
}

count_all() {
	"$BUILD/floor" all "$LO" "$HI"
}

# Waits (bounded) until exactly $1 in-range sockets are left: leftovers of a previous size or
# batch must not be counted. TIME_WAIT is killed with ss -K (SOCK_DESTROY) where the kernel
# allows it; otherwise it expires by itself within 60 s.
settle() {
	local want=$1 i
	ss -K state time-wait >/dev/null 2>&1 || true
	for ((i = 0; i < 90; i++)); do
		if [ "$(count_all)" -eq "$want" ]; then
			return 0
		fi
		sleep 1
	done
	echo "bench: population did not settle to $want sockets (have $(count_all))" >&2
	return 1
}

TW_START=0
# A fresh batch of TIME_WAIT sockets; the measuring window starts now.
new_tw_batch() {
	local line
	settle "$BASE"
	TW_START=$(now_us)
	echo tw >&"${POP[1]}"
	read -r -t 300 line <&"${POP[0]}"
	echo "bench:   $line" >&2
}

declare -A LAST_US # estimated wall time of each command at the current size
run_one() {
	local size=$1 name=$2 round=$3 line first est
	local -n argv="CMD_$name"
	est=${LAST_US[$name]:-1000000}
	if [ "$size" -gt 0 ] && [ $(($(now_us) + est * 13 / 10 + 200000)) -gt $((TW_START + WINDOW_US)) ]; then
		new_tw_batch
	fi
	line=$(timeout -k 5 "$CMD_TIMEOUT" "$BUILD/tm" "$WORK/out" "${argv[@]}" 2>/dev/null) ||
		line="-1 0 0 0 124"
	first=$(head -n 1 "$WORK/out" | cut -c 1-400 | tr '\t' ' ')
	printf '%s\t%s\t%s\t%s\t%s\n' "$size" "$name" "$round" "${line// /	}" "$first" >>"$RESULTS"
	LAST_US[$name]=${line%% *}
}

measure() {
	local size=$1 r i k n=${#NAMES[@]}
	for ((r = 1; r <= ROUNDS; r++)); do
		# Interleaved, and each round starts one command later, so no command always runs
		# right after the same neighbour (cache, ss's memory left in the page cache).
		for ((k = 0; k < n; k++)); do
			i=$(((k + r) % n))
			if [ -n "${NAMES[$i]}" ]; then
				run_one "$size" "${NAMES[$i]}" "$r"
			fi
		done
	done
}

start_pop() {
	local size=$1 line
	coproc POP { exec "$BUILD/popgen" -n "$size" -r "$LO-$HI"; }
	if ! read -r -t 900 line <&"${POP[0]}"; then
		echo "bench: population of $size failed" >&2
		return 1
	fi
	echo "bench:   $line" >&2
	# base = long-lived sockets; TIME_WAIT comes in batches on top.
	local est bound udp
	est=$(sed -n 's/.*est=\([0-9]*\).*/\1/p' <<<"$line")
	bound=$(sed -n 's/.*bound=\([0-9]*\).*/\1/p' <<<"$line")
	udp=$(sed -n 's/.*udp=\([0-9]*\).*/\1/p' <<<"$line")
	BASE=$((est + bound + udp))
}

stop_pop() {
	local fd=${POP[1]}
	# End of input tells popgen to quit.
	exec {fd}>&-
	wait "$POP_PID" 2>/dev/null || true
	POP_PID=""
}

# Size 0: the fixed cost of every command (process start, range and reserved reads).
echo "bench: size 0 (fixed cost)" >&2
measure 0
prev=0
for size in $SIZES; do
	echo "bench: size $size" >&2
	start_pop "$size"
	# Estimates for the window check: the previous size's times scaled up, with room for
	# superlinear readers.
	for name in "${!LAST_US[@]}"; do
		if [ "$prev" -gt 0 ]; then
			LAST_US[$name]=$((LAST_US[$name] * size / prev * 3 / 2))
		fi
	done
	new_tw_batch
	have=$(count_all)
	echo "bench:   $have sockets in range" >&2
	measure "$size"
	stop_pop
	prev=$size
done

# The raw figures with what report.sh needs to render them again: the machine, the run's
# parameters and each row's exact command line (paths relative to the top of the tree).
cmdline() { # cmdline NAME: the command as a user would type it
	local -n argv="CMD_$1"
	local a line=""
	if [ "${argv[0]}" = bash ] && [ "${argv[1]}" = -c ]; then
		line=${argv[2]}
	else
		for a in "${argv[@]}"; do
			a=${a#"$ROOT"/}
			case $a in
			*[!A-Za-z0-9_./:=-]*) a="'$a'" ;;
			esac
			line="$line${line:+ }$a"
		done
	fi
	echo "$line"
}
{
	echo "# meta date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# meta commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || echo ' (with local changes)')"
	echo "# meta version=$("$PLUGIN" -V 2>/dev/null | head -n 1 || true)"
	echo "# meta cores=$(nproc)"
	echo "# meta cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "# meta mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "# meta os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || echo unknown)"
	echo "# meta kernel=$(uname -r)"
	echo "# meta ss=$(ss -V 2>/dev/null | head -n 1)"
	echo "# meta load=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# meta lo=$LO"
	echo "# meta hi=$HI"
	echo "# meta reserved=$RESERVED"
	echo "# meta rounds=$ROUNDS"
	for name in "${NAMES[@]}"; do
		[ -n "$name" ] && echo "# cmd $name=$(cmdline "$name")"
	done
	cat "$RESULTS"
} >"$WORK/raw.tsv"
mkdir -p "$(dirname "$OUT")" "$(dirname "$RAW")"
"$ROOT/bench/report.sh" "$WORK/raw.tsv" >"$WORK/report.md"
cp "$WORK/raw.tsv" "$RAW"
cp "$WORK/report.md" "$OUT"
# The table on stdout too, so a CI log shows it.
sed -n '/^## Results/,/^## Cost per socket/p' "$OUT" | sed '$d'
echo "bench: wrote $OUT and the raw figures $RAW" >&2
