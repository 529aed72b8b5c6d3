#!/usr/bin/env bash
# The built plugin as a monitoring system runs it: exit codes and first lines for -h, -V, bad
# options and values (exit 3, one line "EPHEMERAL UNKNOWN - <what is wrong>", nothing on
# stderr), a normal run on this host (exit 0..2, the line format, the perfdata labels in
# order), thresholds that force each state, and output to a closed stdout, a full disk and a
# broken pipe (a defined exit code, never a signal). Reads the host's sockets; changes nothing.
set -u
TOP="${TOP:-$(cd "$(dirname "$0")/.." && pwd)}"
BIN="${BIN:-check_ephemeral/check_ephemeral}"
. "$TOP/tests/lib.sh"

P="$TOP/$BIN"
[ -x "$P" ] || setup_failed "$P is built (make)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's/^#define EPH_VERSION "\(.*\)"/\1/p' "$TOP/lib/eph.h")

# run ARGS...: runs the plugin (bounded), sets rc, out (stdout), first (its first line), err.
run() {
	timeout 60 "$P" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	out=$(cat "$work/out")
	first=$(head -n 1 "$work/out")
	err=$(cat "$work/err")
}

# --- -h and -V: exit 3 (Monitoring Plugins convention), text on stdout only
run -h
is "$rc" 3 "-h exits 3"
like "$first" "^check_ephemeral $version - " "-h starts with the name and version"
like "$out" "Usage: check_ephemeral" "-h shows the usage"
is "$err" "" "-h writes nothing to stderr"
run --help
ok $(( rc != 3 )) "--help exits 3"
like "$out" "Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN" "--help lists the exit codes"
# An 80-column terminal shows every line whole (the test fails if the help is empty).
is "$(awk 'length($0) > 80 { print NR ": " length($0) }' <<<"$out")$([ -n "$out" ] || echo empty)" "" \
	"--help: every line within 80 columns"
run -V
is "$rc" 3 "-V exits 3"
is "$out" "check_ephemeral $version" "-V prints exactly the name and version"
run --version
is "$rc:$out" "3:check_ephemeral $version" "--version"

# --- bad options and values: exit 3, one line naming the problem
bad() {
	local want=$1
	shift
	run "$@"
	local lines name="${*//$'\n'/\\n}"
	lines=$(wc -l <"$work/out")
	if [ "$rc" = 3 ] && [ "$lines" = 1 ] && [[ "$first" == "EPHEMERAL UNKNOWN - "* ]] &&
		[[ "$first" == *"$want"* ]] && [ -z "$err" ]; then
		ok 0 "'$name': exit 3, one line naming \"$want\""
	else
		ok 1 "'$name': exit 3, one line naming \"$want\""
		echo "#   exit $rc, $lines line(s), stderr '$err'"
		echo "#   first line: $first"
	fi
}
bad "-w 'abc'" -w abc
bad "-c '10:5': the start is above the end" -c 10:5
bad "-w '1:2:3'" -w 1:2:3
bad "-w '1e5'" -w 1e5
bad "-c ''" -c ""
bad "needs --metric pct or dest" --metric used -w 80%
bad "'10%'" --metric free -w 2000: -c 10%
bad "--metric 'percent'" --metric percent
bad "-p 'sctp'" -p sctp
bad "--metric dest is about TCP" -p udp --metric dest
bad "--range: the range 40099-40000 starts above its end" --range 40099-40000
bad "--range: expected a port range LO-HI" --range abc
bad "--range: expected a port range LO-HI" --range 0-100
bad "-t '0'" -t 0
bad "-t '-1'" -t -1
bad "-t '1.5'" -t 1.5
bad "-t 'abc'" -t abc
bad "-o 'bogus': use one of nagios" -o bogus
bad "unknown option -x" -x
bad "unknown option '--bogus'" --bogus
bad "option '--verbose' takes no value" --verbose=2
bad "option '-w' needs a value" -w
bad "option '--critical' needs a value" -w 80 --critical
bad "unexpected argument 'foo'" foo
bad "unexpected argument '90'" -w 80 90
bad "-w 'x\\ny'" -w "$(printf 'x\ny')"

# --- a normal run on this host
labels_tcp="tcp_used tcp_pct tcp_free tcp_established tcp_time_wait tcp_bound tcp_dest tcp_dest_pct tcp_churn tcp_churn_max"
labels_udp="udp_used udp_pct udp_free"
num='[0-9]+(\.[0-9])?'
num2='[0-9]+(\.[0-9]{1,2})?' # tcp_churn: per second, two decimals
dest_re='(worst destination ~?[0-9]+ ports? to [][0-9a-f.:]+:[0-9]+|no connection toward any destination)'
line_re="^EPHEMERAL (OK|WARNING|CRITICAL) - tcp [0-9]+ of [0-9]+ ports in use \\([0-9]+\\.[0-9]%\\), $dest_re \\| "
labels() { grep -oE "'[a-z_]+'=" <<<"$1" | tr -d "'=" | tr '\n' ' ' | sed 's/ $//'; }

run
ok $(( rc > 2 )) "a plain run exits 0, 1 or 2 (exit $rc)"
like "$first" "$line_re" "the first line has the documented form"
is "$(labels "$first")" "$labels_tcp" "perfdata labels in order: $labels_tcp"
like "$first" "'tcp_used'=[0-9]+;;;0;[0-9]+ 'tcp_pct'=${num}%;80;90;0;100 'tcp_free'=[0-9]+;;;0;[0-9]+ " \
	"default thresholds 80 and 90 sit on tcp_pct only"
like "$first" "'tcp_dest_pct'=${num}%;;;0;100 'tcp_churn'=${num2};;;0 'tcp_churn_max'=${num2};;;0$" \
	"tcp_dest_pct without thresholds, then tcp_churn and tcp_churn_max end the line"
ok $(( ${#first} >= 1024 )) "the first line is under 1 KB (${#first} bytes)"
# Not OK shows the --top tables by default (suite attrib tests them).
[ "$rc" = 0 ] && is "$(wc -l <"$work/out")" 1 "without -v and OK, one line"
is "$err" "" "nothing on stderr"
used=$(perf "$first" tcp_used)
free=$(perf "$first" tcp_free)
max=$(grep -oE "'tcp_used'=[0-9]+;;;0;[0-9]+" <<<"$first" | sed 's/.*;//')
is "$((used + free))" "$max" "tcp_used + tcp_free = the pool size ($used + $free = $max)"
like "$first" " tcp $used of $max ports in use " "the summary repeats used and the pool size"

run -o nagios
ok $(( rc > 2 )) "-o nagios exits 0..2"
like "$first" "$line_re" "-o nagios: the same form"

run -p all
ok $(( rc > 2 )) "-p all exits 0..2"
is "$(labels "$first")" "$labels_tcp $labels_udp" "-p all: TCP labels, then UDP labels"
like "$first" "$dest_re / udp [0-9]+ of [0-9]+ ports in use" "-p all: both summaries"
run -p udp
is "$(labels "$first")" "$labels_udp" "-p udp: only UDP labels"
run -4
ok $(( rc > 2 )) "-4 exits 0..2"
run -6
ok $(( rc > 2 )) "-6 exits 0..2"

run -v
ok $(( rc > 2 )) "-v exits 0..2"
like "$(sed -n 2p "$work/out")" "^tcp: range [0-9]+-[0-9]+ \([0-9]+ ports\) from /proc/sys/net/ipv4/ip_local_port_range$" \
	"-v: the range and where it came from"
like "$out" $'\ntcp: source (netlink inet_diag|/proc/net/tcp \\(fallback\\))' "-v: the data source"
run -vv
like "$out" $'\ntcp: metric pct = [0-9.]+, warning \'80\', critical \'90\' -> (OK|WARNING|CRITICAL)' \
	"-vv: the thresholds applied"

run --range 40000-40099 -v
ok $(( rc > 2 )) "--range exits 0..2"
like "$out" $'\ntcp: range 40000-40099 \\(100 ports\\) from --range' "--range replaces the OS range"
like "$first" "'tcp_used'=[0-9]+;;;0;(100|[1-9][0-9]|[0-9])( |$)" "--range: the pool is at most 100 ports"

# --- thresholds that force each state (the pool is at most 65535 ports)
run --metric used -w 1000000 -c 2000000
is "$rc" 0 "--metric used -w 1000000 -c 2000000: OK, exit 0"
like "$first" "^EPHEMERAL OK - .*'tcp_used'=[0-9]+;1000000;2000000;0;[0-9]+ 'tcp_pct'=${num}%;;;0;100 " \
	"--metric used: the thresholds move to tcp_used"
run --metric free -w 100000: -c 0:
is "$rc" 1 "--metric free -w 100000: -c 0:: WARNING, exit 1"
like "$first" "^EPHEMERAL WARNING - " "WARNING in the first line"
run --metric free -w 100000: -c 99999:
is "$rc" 2 "--metric free -c 99999:: CRITICAL, exit 2"
like "$first" "^EPHEMERAL CRITICAL - .*'tcp_free'=[0-9]+;100000:;99999:;0;" "CRITICAL, thresholds on tcp_free"
run --metric dest -w @0:100 -c 101
is "$rc" 1 "--metric dest -w @0:100: WARNING, exit 1"
like "$first" "'tcp_dest_pct'=${num}%;@0:100;101;0;100 'tcp_churn'" "--metric dest: the thresholds on tcp_dest_pct, written as given (@0:100)"
run -p all --metric dest -w @0:100
like "$first" "'udp_pct'=${num}%;@0:100;90;0;100 " "-p all --metric dest: UDP is judged by udp_pct, which carries the thresholds"

# --- where the output cannot go: a defined exit code, never a signal
timeout 60 "$P" >&- 2>"$work/err"
rc=$?
is "$rc" 3 "stdout closed: exit 3 (the status could not be delivered)"
timeout 60 "$P" -h >&- 2>/dev/null
is "$?" 3 "-h with stdout closed: exit 3"
if [ -w /dev/full ]; then
	timeout 60 "$P" >/dev/full 2>/dev/null
	is "$?" 3 "stdout on a full disk (/dev/full): exit 3"
fi
is "$(broken_pipe timeout 60 "$P")" 3 "stdout a broken pipe: exit 3, no SIGPIPE (141)"
is "$(broken_pipe timeout 60 "$P" -p all -vv)" 3 "a broken pipe with long output: exit 3"
is "$(broken_pipe timeout 60 "$P" -x)" 3 "an error line into a broken pipe: exit 3"
timeout 60 "$P" | head -c 10 >/dev/null
rc=${PIPESTATUS[0]}
ok $(( rc > 3 )) "a reader that stops early: exit 0..3, not a signal (exit $rc)"

done_testing
