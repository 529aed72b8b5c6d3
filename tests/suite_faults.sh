#!/usr/bin/env bash
# Fault injection, end to end through the real plugin binary: in a private network and mount
# namespace with a known population, tests/helper/faultshim.c (LD_PRELOAD, test-only) breaks
# the netlink dump (DUMP_INTR, ENOBUFS, EINTR, truncated or malformed replies, NLMSG_ERROR,
# end of stream, a stall), and bind mounts put garbage or unreadable files over the /proc/sys
# settings. Every case must give the exact count or UNKNOWN with a reason, never a wrong OK;
# stalls must end at -t within 0.5 s, naming the stage.
# needs-packages: iproute2 util-linux python3-jsonschema
set -u
. "$TOP/tests/lib.sh"

enter_root_ns 300 "fault tests" -n -m --propagation private

# From here on: our own network and mount namespaces. Nothing below touches the host.
SHIM="$TOP/$B/tests/faultshim.so"
[ -f "$SHIM" ] || setup_failed "$B/tests/faultshim.so is built (make check-build)"
netns_pool 40000 40099 ""
# With make asan the plugin is an ASan build: the shim is preloaded ahead of its runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
plugin_copy
work_dir 755
trap cleanup EXIT

start_helper pop 20 "$TOP/$B/tests/sockpop" -l 240 server,127.0.0.1,5000 server,::1,5000 \
	listen,127.0.0.1,40050 est,127.0.0.1,5000,12 tw,127.0.0.1,5000,4 est,::1,5000,3
ready=$?
used=$(awk '$1=="sock" && $2=="tcp" && $5>=40000 && $5<=40099 {print $5}' "$work/pop.out" |
	sort -u | wc -l)
[ "$ready" = 0 ] && [ "$used" -gt 15 ]
ok $? "population built ($used TCP ports of 40000-40099 in use)"

# fault SPEC ARGS...: runs the plugin with the shim; sets out, first, rc.
fault() {
	local spec=$1
	shift
	rm -f "$work/log"
	out=$(EPH_FAULT=$spec EPH_FAULT_LOG="$work/log" LD_PRELOAD="$SHIM" "$PLUGIN" "$@" 2>&1)
	rc=$?
	first=${out%%$'\n'*}
}
# injected SPEC: how many times the shim fired in the last run.
injected() { grep -c "^$1\$" "$work/log" 2>/dev/null; rm -f "$work/log"; }
exact() { # exact NAME: OK with the true count
	is "$rc/$(perf "$first" tcp_used)" "0/$used" "$1: OK with the exact count $used"
}
unknown() { # unknown NAME REGEX: UNKNOWN with a reason
	is "$rc" 3 "$1: exit 3"
	like "$first" "^EPHEMERAL UNKNOWN - $2" "$1: UNKNOWN says why"
	[[ "$first" != *"|"* ]]
	ok $? "$1: no perfdata on UNKNOWN (no partial count)"
}

fault none -v
exact "no fault"
like "$out" "source netlink inet_diag" "no fault: netlink is the source"

# A dump interrupted because the table changed: restarted, bounded.
fault intr:2 -v
exact "NLM_F_DUMP_INTR twice"
like "$out" "2 restart\\(s\\)" "NLM_F_DUMP_INTR twice: the long output counts 2 restarts"
is "$(injected intr)" 2 "NLM_F_DUMP_INTR twice: injected 2 times"
# TCP over both families tries the one-walk legacy request first, then the per-family ones:
# each gives up after 6 dumps (5 restarts).
fault intr
unknown "NLM_F_DUMP_INTR on every dump" "reading the socket table: the socket table changed during 6 dumps in a row"
is "$(injected intr)" 12 "NLM_F_DUMP_INTR always: gives up after 6 legacy + 6 per-family dumps"
fault intr -4
unknown "NLM_F_DUMP_INTR on every dump, -4" "reading the socket table: the socket table changed during 6 dumps in a row"
is "$(injected intr)" 6 "NLM_F_DUMP_INTR always, -4: gives up after 6 dumps"

fault enobufs:1
exact "ENOBUFS once (restart)"
fault enobufs
unknown "ENOBUFS on every dump" "reading the socket table: .*6 dumps in a row"
is "$(injected enobufs)" 12 "ENOBUFS always: bounded at 6 legacy + 6 per-family dumps"

fault eintr:5
exact "EINTR 5 times (retried)"
fault eintr
unknown "EINTR forever" "reading the socket table: reading the netlink socket dump failed: Interrupted system call"

fault trunc
unknown "reply cut mid-message" "reading the socket table: netlink reply truncated"
fault msgtrunc
unknown "MSG_TRUNC" "reading the socket table: a netlink reply did not fit"
fault badlen
unknown "nlmsg_len beyond the datagram" "reading the socket table: netlink reply truncated or malformed"
fault shortrec
unknown "record shorter than inet_diag_msg" "reading the socket table: netlink socket record truncated"
fault badfamily
unknown "record of family 99" "reading the socket table: netlink socket record with unknown family 99"
fault badattr -v
exact "attribute lengths past their message (attributes are not read)"
is "$(injected badattr)" 1 "bad attribute lengths injected (one datagram holds all 20 records)"
fault eof
unknown "end of stream before NLMSG_DONE" "reading the socket table: the netlink socket dump ended without NLMSG_DONE"
fault einval
unknown "NLMSG_ERROR EINVAL" "reading the socket table: the kernel refused the socket dump: Invalid argument"

# EPERM and no netlink at all: the /proc/net fallback, which sees the same connected sockets.
fault eperm -v
exact "NLMSG_ERROR EPERM: /proc/net fallback"
like "$first" "worst destination [0-9]+ ports? to [0-9.]+:[0-9]+ \\(from /proc/net: bound-only sockets not seen\\) \\|" "EPERM: the status line says bound-only sockets are not seen"
like "$out" "source /proc/net/tcp \\(fallback\\); netlink unavailable \\(the kernel refused the socket dump: Operation not permitted\\)" "EPERM: the long output names the fallback and why"
fault nlsocket -v
exact "no NETLINK_SOCK_DIAG socket: /proc/net fallback"

# A garbled /proc/net/tcp behind the fallback.
printf '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:9C4A zz\n' >"$work/tcp-garbled"
EPH_FAULT_PROCNET="$work/tcp-garbled" fault nlsocket
unknown "fallback, garbled /proc/net/tcp" "reading the socket table: /proc/net/tcp: cannot read line 2"
printf 'no header here\n' >"$work/tcp-nohdr"
EPH_FAULT_PROCNET="$work/tcp-nohdr" fault nlsocket
unknown "fallback, /proc/net/tcp without its header" "reading the socket table: /proc/net/tcp: .*header"
: >"$work/tcp-empty"
EPH_FAULT_PROCNET="$work/tcp-empty" fault nlsocket
unknown "fallback, empty /proc/net/tcp" "reading the socket table: /proc/net/tcp: .*empty"

# Stalls: -t is honoured and the message names the stage. A stall lasts 600 s, so an end after
# the 1 s deadline and well before the stall's shows -t at work; the upper bound is loose, as a
# busy host may be slow to start the plugin.
stall() { # stall SPEC STAGE-REGEX NAME
	local t0 t1 ms
	t0=$(date +%s%N)
	fault "$1" -t 1
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	unknown "$3" "timed out after 1 s while $2 \\(raise -t\\)"
	[ "$ms" -ge 900 ] && [ "$ms" -le 10000 ]
	ok $? "$3: ended by -t 1, after $ms ms (not before 1 s, long before the stall)"
}
stall stall "reading the socket table" "netlink dump stalls"
stall stallrange "reading the port range" "read of ip_local_port_range stalls"

# A timeout in the other formats gives their whole error output, and --output-file is
# replaced by it rather than left with the last good numbers.
fault stall -t 1 -o prometheus
is "$rc/${out##*$'\n'}" "3/ephemeral_check_success 0" "timeout, -o prometheus: the whole output, ending in ephemeral_check_success 0"
if command -v promtool >/dev/null; then
	msg=$(promtool check metrics <<<"$out" 2>&1)
	ok $? "timeout, -o prometheus: promtool check metrics clean${msg:+ ($msg)}"
fi
if command -v python3 >/dev/null; then
	fault stall -t 1 -o json
	got=$(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["state"], d["exit_code"], "timed out after 1 s" in d["error"]["message"], d["error"]["stage"])' <<<"$out" 2>&1)
	is "$rc/$got" "3/UNKNOWN 3 True reading the socket table" "timeout, -o json: one valid JSON error object, its stage given"
	echo "$out" >"$work/timeout.json"
	msg=$(python3 "$TOP/tests/json_schema.py" "$TOP/docs/check_ephemeral.schema.json" "$work/timeout.json" 2>&1)
	src=$?
	if [ "$src" = 2 ]; then
		skip "timeout, -o json: follows docs/check_ephemeral.schema.json" "python3-jsonschema is not installed (Debian package python3-jsonschema)"
	else
		is "$src:$msg" "0:" "timeout, -o json: follows docs/check_ephemeral.schema.json"
	fi
fi
"$PLUGIN" -o prometheus --output-file "$work/eph.prom" >/dev/null
grep -q '^ephemeral_check_success 1$' "$work/eph.prom"
ok $? "--output-file: a good run writes ephemeral_check_success 1"
fault stall -t 1 -o prometheus --output-file "$work/eph.prom"
is "$rc/$(tail -n 1 "$work/eph.prom")" "3/ephemeral_check_success 0" "--output-file after a timeout: replaced by the timeout's output"
is "$(find "$work" -name '.eph.prom.*' | wc -l)" 0 "--output-file after a timeout: no temporary file left"
fault stall -t 1 -o solarwinds --output-file "$work/eph.sam"
is "$rc/$(cat "$work/eph.sam" 2>/dev/null)" "4/Statistic.state: 3
Message.state: UNKNOWN - timed out after 1 s while reading the socket table (raise -t)" "timeout, -o solarwinds --output-file: exit 4, the file has the SAM error pair"

# Garbage and unreadable /proc/sys files, bind-mounted over the real ones (this mount
# namespace only), read by the real plugin without any shim.
R=/proc/sys/net/ipv4/ip_local_port_range
S=/proc/sys/net/ipv4/ip_local_reserved_ports
over() { # over TARGET CONTENT MODE: bind-mounts a file with CONTENT over TARGET
	local f
	f=$(mktemp "$work/proc.XXXXXX")
	printf '%b' "$2" >"$f"
	chmod "$3" "$f"
	mount --bind "$f" "$1"
}
plain() { # plain [nobody] ARGS...
	local user=$1
	shift
	if [ "$user" = nobody ]; then
		out=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$PLUGIN" "$@" 2>&1)
	else
		out=$(EPH_FAULT=none "$PLUGIN" "$@" 2>&1)
	fi
	rc=$?
	first=${out%%$'\n'*}
}
proc_case() { # proc_case TARGET CONTENT MODE USER NAME REGEX [ARGS...]
	local target=$1 content=$2 mode=$3 user=$4 name=$5 re=$6
	shift 6
	if ! over "$target" "$content" "$mode"; then
		ok 1 "$name: bind mount over $target"
		return
	fi
	plain "$user" "$@"
	if [ "$re" = OK ]; then
		exact "$name"
	else
		unknown "$name" "$re"
	fi
	umount "$target"
}
have_nobody=0
id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null && have_nobody=1

proc_case $R 'abc\n' 644 root "garbage port range" "reading the port range: .*ip_local_port_range"
proc_case $R '' 644 root "empty port range" "reading the port range: .*ip_local_port_range"
proc_case $R '40099\t40000\n' 644 root "inverted port range" "reading the port range: .*ip_local_port_range"
proc_case $R '40000\t40099\t7\n' 644 root "three numbers in the port range" "reading the port range: .*ip_local_port_range"
proc_case $R '40000\t99999999999999999999\n' 644 root "huge number in the port range" "reading the port range: .*ip_local_port_range"
proc_case $R 'abc\n' 644 root "garbage port range, with --range: not read" OK --range 40000-40099
proc_case $S '1,x\n' 644 root "garbage reserved ports" "reading the port range: .*ip_local_reserved_ports"
proc_case $S '40010-40001\n' 644 root "inverted reserved range" "reading the port range: .*ip_local_reserved_ports"
proc_case $S '\n' 644 root "empty reserved list (a valid setting)" OK
if [ $have_nobody = 1 ]; then
	proc_case $R '40000\t40099\n' 000 nobody "unreadable port range, as nobody" \
		"reading the port range: cannot read $R: Permission denied \\(give the range with --range LO-HI\\)"
	proc_case $R '40000\t40099\n' 000 nobody "unreadable port range, as nobody, with --range" OK \
		--range 40000-40099
	proc_case $S '\n' 000 nobody "unreadable reserved ports, as nobody" \
		"reading the port range: cannot read $S: Permission denied"
else
	skip "unreadable /proc files, as nobody" "no user nobody or no setpriv"
fi
done_testing
