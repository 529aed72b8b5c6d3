#!/usr/bin/env bash
# Valgrind memcheck over the plugin's command-line paths: every run must end with the exit code
# the contract gives, with no memory error and no definite or indirect leak
# (--error-exitcode makes any of those exit 99 instead).
# needs-packages: valgrind
set -u
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 2
need_cmd valgrind valgrind
# Valgrind cannot run a sanitizer build (make asan runs every suite against one).
if nm "$TOP/$BIN" 2>/dev/null | grep -q '__asan_init\|__ubsan_handle' ||
	ldd "$TOP/$BIN" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	skip_all "$BIN is a sanitizer build"
fi
# In a network namespace of its own when one can be made (as root, or in a user namespace), so
# that the runs on a known population below can assert exact figures; otherwise on this host.
try_netns 900
log=$(mktemp -d)
pop=""
cleanup() {
	# Only the population holder this suite started, by its PID.
	[ -n "$pop" ] && kill "$pop" 2>/dev/null && wait "$pop" 2>/dev/null
	rm -rf "$log"
}
trap cleanup EXIT

memcheck() {
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		--track-origins=yes --log-file="$log/vg" "$TOP/$BIN" "$@"
}

# Under valgrind a closed stdout is not closed for the program (valgrind's own files take
# fd 1), so the failed write is tested with /dev/full; suite_output tests the closed case.
vg() { # vg WANT-EXIT NAME ARGS...  (FULL=1: stdout is /dev/full)
	local want=$1 name=$2 rc
	shift 2
	if [ -n "${FULL:-}" ]; then
		memcheck "$@" >/dev/full 2>"$log/out"
	else
		memcheck "$@" >"$log/out" 2>&1
	fi
	rc=$?
	is "$rc" "$want" "memcheck clean, exit $want: $name"
	[ "$rc" = "$want" ] || { sed 's/^/#   /' "$log/vg" | head -n 30; head -n 3 "$log/out" | sed 's/^/#   out: /'; }
}

# Thresholds far away so the state does not depend on this host's sockets.
vg 0 "defaults on this host, -w 99 -c 100" -w 99 -c 100
vg 0 "-p all -vv" -p all -vv -w 99 -c 100
vg 0 "--metric free -4" --metric free -w 0: -c 0: -4
vg 0 "--metric dest -6 --range 40000-40099" --metric dest -6 --range 40000-40099 -w 99 -c 100
vg 0 "--metric used -p udp" --metric used -p udp -w 70000 -c 70000
vg 2 "critical: --metric free -c 70000:" --metric free -w 70000: -c 70000:
vg 3 "--help" --help
vg 3 "--version" -V
vg 3 "unknown option" --bogus
vg 3 "bad threshold" -w 10:5
vg 3 "bad range" --range 5-1
vg 3 "positional argument" extra
vg 3 "missing value" -w
vg 3 "non-UTF-8 argument" -w $'\xff\xfe'
vg 3 "100 KB argument" -w "$(head -c 102400 /dev/zero | tr '\0' 9)"
FULL=1 vg 3 "stdout on /dev/full: the line cannot be written, UNKNOWN" -w 99 -c 100

# The output formats, the files and --top, where the renderers and the owner search have rows
# to walk: in the suite's own network namespace, a known population (20 TCP ports: 10
# ESTABLISHED and 5 TIME_WAIT toward 127.0.0.1:5000, 4 bound-only, a listener on 40050; 3 UDP)
# in the range 40000-40099. Without a namespace they run on this host, whose tables may hold
# anything; the exit codes are the same.
where="on this host"
if [ -n "${IN_NS:-}" ]; then
	[ -x "$TOP/$B/tests/sockpop" ] || setup_failed "$B/tests/sockpop is built (make check-build)"
	netns_pool 40000 40099 ""
	"$TOP/$B/tests/sockpop" -l 300 server,127.0.0.1,5000 listen,127.0.0.1,40050 \
		est,127.0.0.1,5000,10 tw,127.0.0.1,5000,5 bound,127.0.0.1,4 udp,127.0.0.1,3 \
		>"$log/pop" 2>&1 &
	pop=$!
	wait_for "$log/pop" '^ready' 20 || setup_failed "sockpop ready: $(head -n 3 "$log/pop")"
	where="on a known population"
fi
echo "# the following runs are $where"
vg 0 "-o json" -o json -w 99 -c 100
vg 0 "-o json -p all -vv" -o json -p all -vv -w 99 -c 100
vg 0 "-o solarwinds" -o solarwinds -w 99 -c 100
vg 3 "-o solarwinds --sam-status, critical: SAM's 3" -o solarwinds --sam-status -p all \
	--metric free -w 70000: -c 70000:
vg 0 "-o prometheus -p all" -o prometheus -p all -w 99 -c 100
vg 0 "--top 5" --top 5 -w 99 -c 100
vg 0 "--top 5 -v -p all" --top 5 -v -p all -w 99 -c 100
vg 2 "critical, no --top: the default owner search of a non-OK run" --metric free -w 70000: \
	-c 70000:
vg 0 "--output-file FILE" --output-file "$log/out.txt" -w 99 -c 100
like "$(head -n 1 "$log/out.txt" 2>/dev/null)" '^EPHEMERAL OK - tcp ' "--output-file: the file holds the status line"
vg 0 "--log FILE -p all" --log "$log/hist.csv" -p all -w 99 -c 100
# The header and a line per protocol; per local address one more line, for 127.0.0.1 on the
# population (tcp and udp). A host may have sockets on any number of addresses.
lines=$(grep -c '' "$log/hist.csv" 2>/dev/null)
if [ "$where" = "on a known population" ]; then
	is "$lines" 5 "--log: the header and 4 lines (-p all)"
else
	ok "$([ "${lines:-0}" -ge 3 ]; echo $?)" "--log: the header and at least 2 lines (-p all; $lines in all)"
fi
done_testing
