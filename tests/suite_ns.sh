#!/usr/bin/env bash
# Namespace tests of the Linux plugin: a private network namespace with a small range
# (40000-40099, 40090-40099 reserved: 90 ports), a known socket population built by sockpop,
# and every perfdata value asserted exactly, as root and as an unprivileged user. Run by a
# normal user, it uses a user namespace (unshare -rn) and the whole run is unprivileged.
# needs-packages: iproute2 util-linux
set -u
. "$TOP/tests/lib.sh"

enter_netns 300

# From here on: inside our own network namespace. Nothing below touches the host's network.
netns_pool 40000 40099 40090-40099
need_sockpop
plugin_copy
work_dir
trap cleanup EXIT

# start NAME ARGS...: runs sockpop in the background, waits for "ready".
start() {
	local name=$1
	shift
	start_helper "$name" 20 "$SOCKPOP" -l 240 "$@"
}

start pop server,127.0.0.1,5000 server,::1,5000 listen,127.0.0.1,40050 est,127.0.0.1,5000,10 tw,127.0.0.1,5000,5 \
	bound,127.0.0.1,4 udp,127.0.0.1,3 udp,::1,2 est,::1,5000,3 ||
	{ ok 1 "population built"; done_testing; exit 1; }
pop="$work/pop.out"

# Ground truth from what sockpop says it holds (connect() may give an IPv6 socket a port an
# IPv4 one already uses toward another destination, so distinct ports are counted, not
# assumed). in_pool: 40000..40089.
truth() { # truth AWK-FILTER: distinct in-pool ports of the matching sockets
	awk "\$1==\"sock\" && $1 && \$5>=${2:-40000} && \$5<=${3:-40089} {print \$5}" "$pop" | sort -u | wc -l
}
tcp_used=$(truth '$2=="tcp"')
udp_used=$(truth '$2=="udp"')

run() { "$PLUGIN" "$@"; }
out=$(run -p all)
rc=$?
is "$rc" 0 "default thresholds: OK"
first=${out%%$'\n'*}
like "$first" "^EPHEMERAL OK - tcp $tcp_used of 90 ports in use \(" "summary names used and pool size"
is "$(perf "$first" tcp_used)" "$tcp_used" "tcp_used = distinct in-pool TCP ports ($tcp_used)"
is "$(perf "$first" tcp_free)" "$((90 - tcp_used))" "tcp_free = 90 - used"
want_pct=$(awk -v u="$tcp_used" 'BEGIN{printf "%.1f", 100*u/90}')
is "$(perf "$first" tcp_pct)" "$want_pct" "tcp_pct one decimal"
is "$(perf "$first" tcp_established)" 13 "tcp_established counts 10 IPv4 + 3 IPv6 sockets"
is "$(perf "$first" tcp_time_wait)" 5 "tcp_time_wait counts the 5 client TIME_WAIT sockets"
is "$(perf "$first" tcp_bound)" 4 "tcp_bound counts the 4 bound-only sockets"
is "$(perf "$first" tcp_dest)" 15 "tcp_dest: 10 ESTABLISHED + 5 TIME_WAIT toward 127.0.0.1:5000"
is "$(perf "$first" tcp_dest_pct)" 16.7 "tcp_dest_pct = 15/90"
is "$(perf "$first" udp_used)" "$udp_used" "udp_used = distinct in-pool UDP ports ($udp_used)"
is "$(perf "$first" udp_free)" "$((90 - udp_used))" "udp_free"
like "$first" "'tcp_used'=$tcp_used;;;0;90 'tcp_pct'=$want_pct%;80;90;0;100 " "thresholds sit on the pct label only"
is "$(grep -c '' <<<"$out")" 1 "no long output without -v"
[ "${#first}" -lt 1024 ]
ok $? "first line under 1 KB (${#first} bytes)"

out=$(run -v)
like "$out" $'\ntcp: range 40000-40099 \\(100 ports\\)' "-v names the range"
like "$out" "reserved in range: 10 \(40090-40099\)" "-v names the reserved ports"
like "$out" "ESTABLISHED 13, TIME_WAIT 5, LISTEN 1, BOUND 4" "-v counts per state"
like "$out" "busiest destination 127.0.0.1 -> 127.0.0.1:5000 holds 15 ports" "-v names the busiest destination"
like "$out" "source netlink inet_diag" "-v names the data source"

# Thresholds and exit codes on each metric.
check_rc() { # check_rc WANT NAME ARGS...
	local want=$1 name=$2
	shift 2
	run "$@" >/dev/null
	is "$?" "$want" "$name"
}
pct=$want_pct
check_rc 1 "pct above -w: WARNING" -w "$(awk -v p="$pct" 'BEGIN{print p-1}')" -c 99
check_rc 2 "pct above -c: CRITICAL" -w 1 -c "$(awk -v p="$pct" 'BEGIN{print p-1}')"
check_rc 0 "pct equal to -w is inside the range: OK" -w "$pct" -c 99
check_rc 1 "-w with %" -w 1% -c 99%
check_rc 0 "--metric used below both" --metric used -w "$tcp_used" -c "$((tcp_used + 1))"
check_rc 1 "--metric used above -w" --metric used -w "$((tcp_used - 1))" -c "$((tcp_used + 1))"
check_rc 2 "--metric free below -c" --metric free -w 90: -c "$((90 - tcp_used + 1)):"
check_rc 1 "--metric free below -w only" --metric free -w "$((90 - tcp_used + 1)):" -c 1:
check_rc 0 "--metric free above both" --metric free -w 10: -c 5:
check_rc 2 "--metric dest above -c" --metric dest -w 10 -c 16
check_rc 1 "--metric dest above -w" --metric dest -w 16 -c 17
check_rc 0 "--metric dest at -w" --metric dest -w 16.7 -c 17
check_rc 1 "@ range: alert inside" -w "@0:$pct" -c "@1000:2000"
check_rc 2 "-p all: worst protocol wins (udp low, tcp critical)" -p all --metric used -w 200 -c "$((tcp_used - 1))"
check_rc 2 "-p udp alone judged on UDP" -p udp --metric used -w 0 -c 0

out=$(run --metric used -w 30 -c 40)
like "$out" "'tcp_used'=$tcp_used;30;40;0;90 'tcp_pct'=$want_pct%;;;0;100" "thresholds move to the used label"

# --range narrows the pool; reserved ports are still subtracted where they fall inside.
r_used=$(truth '$2=="tcp"' 40000 40049)
out=$(run --range 40000-40049)
is "$(perf "$out" tcp_used)" "$r_used" "--range 40000-40049: used"
like "$out" "'tcp_used'=$r_used;;;0;50 " "--range 40000-40049: pool 50"
out=$(run --range 40080-40099)
like "$out" "'tcp_free'=[0-9]+;;;0;10 " "--range 40080-40099 minus 10 reserved: pool 10"

# Families.
v4=$(awk '$1=="sock" && $2=="tcp" && $4 !~ /:/ && $5>=40000 && $5<=40089 {print $5}' "$pop" | sort -u | wc -l)
v6=$(awk '$1=="sock" && $2=="tcp" && $4 ~ /:/ && $5>=40000 && $5<=40089 {print $5}' "$pop" | sort -u | wc -l)
out=$(run -4)
is "$(perf "$out" tcp_used)" "$v4" "-4: IPv4 sockets only"
is "$(perf "$out" tcp_established)" 10 "-4: 10 established"
out=$(run -6)
is "$(perf "$out" tcp_used)" "$v6" "-6: IPv6 sockets only"
is "$(perf "$out" tcp_established)" 3 "-6: 3 established"
is "$(perf "$out" tcp_dest)" 3 "-6: busiest destination is [::1]:5000"
out=$(run -p udp -6)
is "$(perf "$out" udp_used)" 2 "-p udp -6: the 2 IPv6 UDP sockets"
out=$(run -p udp)
like "$out" "^EPHEMERAL OK - udp $udp_used of 90 ports in use" "-p udp: UDP only in the summary"
[[ "$out" != *tcp_used* ]]
ok $? "-p udp: no TCP labels"

# The same as an unprivileged user (NRPE runs plugins as nagios): inet_diag dumps for anyone.
if [ "$IN_NS" = user ]; then
	skip "as nobody" "this whole run is unprivileged already (user namespace)"
elif id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	asuser() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$PLUGIN" "$@"; }
	out=$(asuser -p all)
	is "$?" 0 "as nobody: runs, OK"
	for l in tcp_used tcp_established tcp_time_wait tcp_bound tcp_dest udp_used; do
		is "$(perf "$out" $l)" "$(perf "$first" $l)" "as nobody: $l as for root"
	done
	asuser --metric dest -w 10 -c 16 >/dev/null
	is "$?" 2 "as nobody: thresholds apply the same"
else
	skip "as nobody" "no user nobody or setpriv"
fi

# Exhaustion: fill the pool toward one destination until connect() fails. The plugin opens
# no TCP/UDP socket, so it still works and must say CRITICAL with every port used.
stop_tracked
start fill server,127.0.0.2,6000 fill,127.0.0.2,6000 || true
fillline=$(grep '^fill' "$work/fill.out")
is "$fillline" "fill 90 EADDRNOTAVAIL" "connect() ran out after the 90 ports of the pool"
out=$(run)
is "$?" 2 "exhausted pool: CRITICAL"
like "$out" "^EPHEMERAL CRITICAL - tcp 90 of 90 ports in use \(100\.0%\), worst destination 90 ports to 127\.0\.0\.2:6000 " "exhausted: 90 of 90, all toward one destination"
if [ "$IN_NS" = root ]; then
	out=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$PLUGIN" --metric dest 2>&1)
	is "$?" 2 "exhausted, as nobody, --metric dest: CRITICAL"
fi

# Dual stack: IPv6 sockets connecting to ::ffff:127.0.0.2 take their ports from the same
# IPv4 4-tuple space as the IPv4 sockets toward 127.0.0.2: 30 IPv4 connections, then dual-stack
# ones until connect() fails, and the plugin must see one destination holding all 90 ports.
stop_tracked
start dual server,127.0.0.2,6000 est,127.0.0.2,6000,30 fill,::ffff:127.0.0.2,6000 || true
fillline=$(grep '^fill' "$work/dual.out")
is "$fillline" "fill 60 EADDRNOTAVAIL" "dual-stack connect() ran out after the 60 ports IPv4 left"
out=$(run --metric dest -w 50 -c 75)
is "$?" 2 "dual stack, --metric dest: CRITICAL"
is "$(perf "$out" tcp_dest)" 90 "tcp_dest: 30 IPv4 + 60 IPv4-mapped sockets, one destination"
out=$(run -6)
is "$(perf "$out" tcp_used)" 60 "-6 counts the 60 dual-stack sockets (they are IPv6 sockets)"
is "$(perf "$out" tcp_dest)" 60 "-6: their destination holds 60"

done_testing
