#!/usr/bin/env bash
# The output formats on a known population, in a private network namespace (range
# 40000-40099, 40090-40099 reserved: 90 ports): 10 ESTABLISHED and 5 TIME_WAIT toward
# 127.0.0.1:5000, 4 bound-only sockets, a listener on 40050, 3 UDP sockets, all IPv4, so every
# number is exact: TCP 20 ports (22.2 %), busiest destination 15 (16.7 %), UDP 3.
#   - solarwinds: exact text, the SAM rules (docs/platform-notes.md §6) in every state, exit
#     codes with and without --sam-status, a failed measurement;
#   - json: parsed by python3 and compared number by number, valid for hostile input too;
#   - prometheus: exact text, `promtool check metrics` (Debian's prometheus package);
#   - --output-file: atomic replace, mode, failure keeps the old file;
#   - --log: header once, one line per protocol, 12 concurrent runs, unwritable file.
# needs-packages: iproute2 util-linux python3 python3-jsonschema prometheus
set -u
. "$TOP/tests/lib.sh"

need_cmd python3 python3
enter_netns 200

netns_pool 40000 40099 40090-40099
need_sockpop
DATA="$TOP/tests/data/formats"
plugin_copy
work_dir 755
trap cleanup EXIT

start_helper pop 20 "$SOCKPOP" -l 170 server,127.0.0.1,5000 listen,127.0.0.1,40050 \
	est,127.0.0.1,5000,10 tw,127.0.0.1,5000,5 bound,127.0.0.1,4 udp,127.0.0.1,3 ||
	setup_failed "population built"
pop_pid=$pid
run() { "$PLUGIN" "$@"; }

# The population is what the numbers below assume (a failure here explains the others).
out=$(run -p all)
like "$out" "^EPHEMERAL OK - tcp 20 of 90 ports in use \(22.2%\), worst destination 15 ports to 127\.0\.0\.1:5000 / udp 3 of 90 " \
	"fixture: tcp 20 of 90, dest 15, udp 3 (nagios)"

# --- solarwinds -------------------------------------------------------------------------
out=$(run -o solarwinds -p all)
is "$?" 0 "solarwinds OK: exit 0"
is "$out" "$(cat "$DATA/solarwinds-all.txt")" "solarwinds -p all: exact text"

# sam_check TEXT: the rules of docs/platform-notes.md §6; prints the names, one line, or
# "INVALID: why".
sam_check() {
	awk '
	function bad(why) { print "INVALID: " why; failed = 1; exit }
	NR % 2 == 1 {
		if ($0 !~ /^Statistic\.[A-Za-z0-9_]+: -?[0-9]+$/) bad("line " NR ": " $0)
		name = $0; sub(/^Statistic\./, "", name); sub(/:.*/, "", name)
		if (name in seen) bad("name " name " twice")
		seen[name] = 1; names = names name " "; next
	}
	{
		if (index($0, "Message." name ": ") != 1 || length($0) <= length("Message." name ": "))
			bad("line " NR " is not the message of " name ": " $0)
		pairs++
	}
	END {
		if (failed) exit
		if (NR % 2) { print "INVALID: a statistic without its message"; exit }
		if (pairs > 10) { print "INVALID: " pairs " pairs"; exit }
		print names
	}' <<<"$1"
}
names_ok=$(sam_check "$out")
is "$names_ok" "state tcp_used tcp_free tcp_pct tcp_dest tcp_time_wait udp_used udp_free udp_pct " \
	"solarwinds: valid pairs, 9 names"
# Force each state with thresholds on the percentage in use (22.2, or 16.7 once the TIME_WAIT
# sockets expire on a slow machine: 60 s); the names must not change.
for c in "OK:80:90:0:0" "WARNING:10:90:1:2" "CRITICAL:5:10:2:3"; do
	IFS=: read -r st w c0 num sam <<<"$c"
	out=$(run -o solarwinds -p all -w "$w" -c "$c0")
	rc=$?
	is "$rc" 0 "solarwinds $st: exit 0 (SAM's thresholds decide)"
	is "$(sam_check "$out")" "$names_ok" "solarwinds $st: valid, the same names"
	like "$out" $'^Statistic.state: '"$num"$'\nMessage.state: '"$st"' - tcp (20|15) of 90' "solarwinds $st: state pair"
	run -o solarwinds --sam-status -p all -w "$w" -c "$c0" >/dev/null
	is "$?" "$sam" "solarwinds --sam-status $st: exit $sam"
done
for m in used free dest; do
	out=$(run -o solarwinds -p all --metric $m -w 1000: -c 2000:)
	is "$(sam_check "$out")" "$names_ok" "solarwinds --metric $m CRITICAL: the same names"
done
out=$(run -o solarwinds)
is "$(sam_check "$out")" "state tcp_used tcp_free tcp_pct tcp_dest tcp_time_wait " "solarwinds -p tcp: 6 names"
# A failed measurement: non-zero exit with a message, whatever --sam-status says.
for extra in "" "--sam-status"; do
	out=$(run -o solarwinds $extra --range 40099-40090)
	rc=$?
	is "$rc" 4 "solarwinds failure $extra: exit 4 (Unknown)"
	is "$(sam_check "$out")" "state " "solarwinds failure $extra: one valid pair"
	like "$out" "^Statistic.state: 3"$'\n'"Message.state: UNKNOWN - --range: " "solarwinds failure $extra: the reason"
done
# A wrong command line, wherever -o stands: still SAM's lines and exit code.
out=$(run --bogus -o solarwinds)
is "$?" 4 "solarwinds, unknown option before -o: exit 4"
is "$out" $'Statistic.state: 3\nMessage.state: UNKNOWN - unknown option \'--bogus\'; see --help' "solarwinds, unknown option before -o: one SAM pair"
out=$(run --sam-status)
is "$?" 3 "--sam-status without -o solarwinds: UNKNOWN"
like "$out" "^EPHEMERAL UNKNOWN - --sam-status sets SolarWinds exit codes; use it with -o solarwinds" "--sam-status alone: says what to fix"
out=$(run --range 40090-40099 -o solarwinds)
is "$?" 4 "solarwinds: empty pool (all reserved) exits 4"
like "$out" "Message.state: UNKNOWN - the tcp pool is empty" "solarwinds: empty pool message"

# --- json --------------------------------------------------------------------------------
run -o json -p all >"$work/all.json"
is "$?" 0 "json OK: exit 0"
# jcheck FILE PYTHON-EXPR...: each expression on the parsed object j must be true.
jcheck() {
	local f=$1
	shift
	python3 - "$f" "$@" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print("invalid JSON: %s" % e)
    sys.exit(1)
for expr in sys.argv[2:]:
    try:
        if not eval(expr):
            print("false: %s" % expr)
            sys.exit(1)
    except Exception as e:
        print("error: %s: %r" % (expr, e))
        sys.exit(1)
PY
}
t='j["protocols"]["tcp"]'
u='j["protocols"]["udp"]'
# Every JSON output checked here is kept, and validated against the schema below.
mkdir "$work/json"
jc() { # jc NAME EXPR...
	local name=$1 msg
	shift
	cp "$work/cur.json" "$work/json/$(ls "$work/json" | wc -l).json"
	msg=$(jcheck "$work/cur.json" "$@")
	ok $? "$name"
	[ -n "$msg" ] && echo "#   $msg"
}
cp "$work/all.json" "$work/cur.json"
jc "json: top level" 'j["plugin"] == "check_ephemeral"' 'j["state"] == "OK"' 'j["exit_code"] == 0' \
	'j["metric"] == "pct"' 'j["thresholds"] == {"warning": "80", "critical": "90"}' \
	'sorted(j["protocols"]) == ["tcp", "udp"]'
jc "json: tcp range and reserved ports" "$t[\"range\"][\"lo\"] == 40000" "$t[\"range\"][\"hi\"] == 40099" \
	"$t[\"range\"][\"size\"] == 100" "$t[\"range\"][\"source\"] == \"/proc/sys/net/ipv4/ip_local_port_range\"" \
	"$t[\"reserved\"][\"count\"] == 10" "$t[\"reserved\"][\"ranges\"] == [[40090, 40099]]"
jc "json: tcp used/free/pct" "$t[\"pool_size\"] == 90" "$t[\"used\"] == 20" "$t[\"free\"] == 70" \
	"$t[\"pct\"] == 22.2" "$t[\"sockets\"] == 20" "$t[\"value\"] == 22.2" "$t[\"state\"] == \"OK\""
jc "json: tcp states" "$t[\"states\"][\"ESTABLISHED\"] == 10" "$t[\"states\"][\"TIME_WAIT\"] == 5" \
	"$t[\"states\"][\"BOUND\"] == 4" "$t[\"states\"][\"LISTEN\"] == 1" \
	"sum($t[\"states\"].values()) == 20" "$t[\"families\"] == {\"ipv4\": 20, \"ipv6\": 0}"
jc "json: tcp busiest destination" "$t[\"dest\"] == {\"max\": 15, \"pct\": 16.7, \"exact\": True, \"local\": \"127.0.0.1\", \"remote\": \"127.0.0.1\", \"remote_port\": 5000}"
jc "json: udp" "$u[\"used\"] == 3" "$u[\"free\"] == 87" "$u[\"pct\"] == 3.3" "$u[\"states\"] == {\"UDP\": 3}" \
	"$u[\"dest\"] is None" "$u[\"churn\"] is None"
jc "json: data source" "$t[\"source\"][\"sockets\"] == \"netlink inet_diag\"" "$t[\"source\"][\"bound_visible\"] is True"
run -o json -p all --metric free -w 80: -c 71: >"$work/cur.json"
is "$?" 2 "json --metric free CRITICAL: exit 2"
jc "json CRITICAL: state, value, thresholds" 'j["state"] == "CRITICAL"' 'j["exit_code"] == 2' \
	"$t[\"value\"] == 70" "$t[\"state\"] == \"CRITICAL\"" "$u[\"state\"] == \"OK\"" \
	'j["thresholds"] == {"warning": "80:", "critical": "71:"}' 'j["metric"] == "free"'
# Hostile text: the reason quotes what the user typed; the JSON must stay valid.
run -o json -w $'80"\\\n\x01\xff' >"$work/cur.json"
is "$?" 3 "json bad threshold: exit 3"
jc "json error: valid, the text kept" 'j["state"] == "UNKNOWN"' 'j["exit_code"] == 3' \
	'j["error"]["message"].startswith("-w '"'"'80\"")' '"start and end must be decimal numbers" in j["error"]["message"]'
run -o json --range 40090-40099 >"$work/cur.json"
jc "json: empty pool is a valid error object" 'j["state"] == "UNKNOWN"' '"pool is empty" in j["error"]["message"]'

# More option combinations, for the schema: the --top tables (asked for, and by default when
# not OK), -v, one family, the other metrics, each protocol alone.
for args in "-p all --top 3" "-p all -w 10 -c 90" "-p all --metric used -w 5 -c 10 --top 2" \
	"-v -4" "-6 -p udp" "--metric dest -w 1 -c 2" "--metric free -w 2000: -c 500: -p all --top 0" \
	"-p udp -w 1 -c 2" "--range 40000-40049" "-t 30 --top 50 -p all -w 1 -c 2"; do
	# shellcheck disable=SC2086
	run -o json $args >"$work/json/$(ls "$work/json" | wc -l).json"
done
# docs/check_ephemeral.schema.json documents every key: each output above, OK, WARNING,
# CRITICAL, with and without the tables, and the error objects, must follow it.
msg=$(python3 "$TOP/tests/json_schema.py" "$TOP/docs/check_ephemeral.schema.json" "$work"/json/*.json 2>&1)
rc=$?
if [ "$rc" = 2 ]; then
	skip "every JSON output follows docs/check_ephemeral.schema.json" "python3-jsonschema is not installed (Debian package python3-jsonschema)"
else
	ok "$rc" "json: $(ls "$work/json" | wc -l) outputs follow docs/check_ephemeral.schema.json"
	[ -n "$msg" ] && sed 's/^/#   /' <<<"$msg" | head -n 10
fi
keys=$(python3 - "$work"/json/*.json <<'PY'
import json, sys
keys = {" ".join(json.load(open(f))) for f in sys.argv[1:]}
print(keys.pop() if len(keys) == 1 else "differ: %s" % sorted(keys))
PY
)
is "$keys" "plugin version state exit_code metric thresholds protocols forecast attribution netns error" \
	"json: the same top-level keys, in the same order, on every run (errors included)"
# The schema is strict enough to catch a missing key.
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); del j["protocols"]["tcp"]["churn"]; json.dump(j, open(sys.argv[2], "w"))' \
	"$work/all.json" "$work/broken.json"
python3 "$TOP/tests/json_schema.py" "$TOP/docs/check_ephemeral.schema.json" "$work/broken.json" >/dev/null 2>&1
rc=$?
if [ "$rc" = 2 ]; then
	skip "the schema check refuses a broken document" "python3-jsonschema is not installed (Debian package python3-jsonschema)"
else
	ok $(( rc != 1 )) "json schema: an output without protocols.tcp.churn is refused (the check is real)"
fi

# --- prometheus -------------------------------------------------------------------------
# notime TEXT: the output with the time of measurement as TIMESTAMP, as the golden file has it.
notime() { sed 's/^\(ephemeral_last_success_timestamp_seconds\) [0-9]\{10,\}$/\1 TIMESTAMP/' <<<"$1"; }
before=$(date +%s)
out=$(run -o prometheus -p all)
is "$?" 0 "prometheus OK: exit 0"
after=$(date +%s)
is "$(notime "$out")" "$(cat "$DATA/prometheus-all.txt")" "prometheus -p all: exact text"
ts=$(sed -n 's/^ephemeral_last_success_timestamp_seconds //p' <<<"$out")
ok $([ -n "$ts" ] && [ "$ts" -ge "$before" ] && [ "$ts" -le "$after" ]; echo $?) \
	"prometheus: last success timestamp is the time of the run ($before <= '$ts' <= $after)"
like "$(run -o prometheus --range 40099-40090)" '^# check_ephemeral UNKNOWN: ' "prometheus error: a comment first"
[[ "$(run -o prometheus --range 40099-40090)" != *last_success_timestamp* ]]
ok $? "prometheus error: no last success timestamp, so it ages and the stale alert fires"
if command -v promtool >/dev/null; then
	msg=$(promtool check metrics <<<"$out" 2>&1)
	ok $? "promtool check metrics: clean${msg:+ ($msg)}"
	msg=$(run -o prometheus --range 40099-40090 | promtool check metrics 2>&1)
	ok $? "promtool check metrics on the error output${msg:+ ($msg)}"
	msg=$(promtool check rules "$TOP/contrib/prometheus/ephemeral.rules.yml" 2>&1)
	ok $? "promtool check rules: the shipped alerting rules${msg:+ ($(tail -n 1 <<<"$msg"))}"
else
	for t in "promtool check metrics" "promtool check metrics on the error output" \
		"promtool check rules"; do
		skip "$t" "promtool not installed (Debian package prometheus)"
	done
fi
# Every ephemeral_* metric the shipped rules use is one the plugin writes.
missing=""
for m in $(grep -oE 'ephemeral_[a-z_]+' "$TOP/contrib/prometheus/ephemeral.rules.yml" | grep -v '^ephemeral_ports$' | sort -u); do
	grep -q "^$m[{ ]" <<<"$out" || missing="$missing $m"
done
is "$missing" "" "the shipped rules use only metrics the plugin writes"
# Exposition rules checked here as well: HELP and TYPE before each family's samples, every
# family's samples together, each sample NAME{labels} VALUE.
msg=$(awk '
	/^# HELP / { help[$3] = 1; next }
	/^# TYPE / { if (!($3 in help)) { print "TYPE before HELP: " $3; exit 1 } type[$3] = $4; next }
	/^#/ { next }
	{
		if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? -?[0-9]+(\.[0-9]+)?$/) { print "bad sample: " $0; exit 1 }
		n = $0; sub(/[{ ].*/, "", n)
		if (!(n in type)) { print "sample without TYPE: " n; exit 1 }
		if (n != last && (n in done)) { print "family split: " n; exit 1 }
		done[n] = 1; last = n
	}' <<<"$out")
ok $? "prometheus: strict exposition check${msg:+ ($msg)}"

# --- --output-file -----------------------------------------------------------------------
mkdir "$work/tf"
run -o prometheus -p all --output-file "$work/tf/eph.prom" >"$work/stdout"
is "$?" 0 "--output-file: exit 0"
is "$(cat "$work/stdout")" "" "--output-file: nothing on stdout"
is "$(notime "$(cat "$work/tf/eph.prom")")" "$(cat "$DATA/prometheus-all.txt")" "--output-file: the file has the output"
is "$(stat -c %a "$work/tf/eph.prom")" 644 "--output-file: readable by the collector (0644)"
is "$(ls -A "$work/tf")" "eph.prom" "--output-file: no temporary file left"
ino=$(stat -c %i "$work/tf/eph.prom")
run -o prometheus -p tcp --output-file "$work/tf/eph.prom"
[ "$(stat -c %i "$work/tf/eph.prom")" != "$ino" ]
ok $? "--output-file: replaced by rename (a new inode), not rewritten in place"
like "$(cat "$work/tf/eph.prom")" 'ephemeral_ports_used\{protocol="tcp"\} 20' "--output-file: new content"
# A reader polling during 10 rewrites only ever sees complete files.
( for i in $(seq 10); do run -o prometheus -p all --output-file "$work/tf/eph.prom"; done ) &
writer=$!
torn=0
while kill -0 $writer 2>/dev/null; do
	tail -n 1 "$work/tf/eph.prom" | grep -q '^ephemeral_last_success_timestamp_seconds [0-9]*$' || torn=$((torn + 1))
done
wait $writer
is "$torn" 0 "--output-file: a concurrent reader never saw a partial file"
# A measurement that fails (every port of the range reserved) replaces the file with the
# failure, so the collector does not keep serving the last good numbers.
run -o prometheus --range 40090-40099 --output-file "$work/tf/eph.prom" >"$work/stdout"
is "$?" 3 "--output-file, failed run: exit 3"
like "$(cat "$work/tf/eph.prom")" $'ephemeral_check_success 0\n?$' "--output-file, failed run: the file says so"
like "$(cat "$work/stdout")" "^# check_ephemeral UNKNOWN: the tcp pool is empty" "--output-file, failed run: stdout too"
cp "$work/tf/eph.prom" "$work/before"
chmod 555 "$work/tf"
if [ "$IN_NS" = root ]; then
	asnobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }
else
	asnobody() { "$@"; }
fi
out=$(asnobody "$PLUGIN" --output-file "$work/tf/eph.prom")
rc=$?
if [ "$IN_NS" = root ] || ! touch "$work/tf/x" 2>/dev/null; then
	is "$rc" 3 "--output-file in a read-only directory: exit 3"
	like "$out" "^EPHEMERAL UNKNOWN - writing --output-file: cannot write a temporary file beside $work/tf/eph.prom: Permission denied" \
		"--output-file unwritable: the reason on stdout"
	cmp -s "$work/before" "$work/tf/eph.prom"
	ok $? "--output-file unwritable: the old file is untouched"
else
	rm -f "$work/tf/x"
	for t in "exit 3" "the reason on stdout" "the old file is untouched"; do
		skip "--output-file in a read-only directory: $t" "the user namespace's root ignores modes"
	done
fi
chmod 755 "$work/tf"
out=$(run --output-file "$work/nodir/x.prom")
is "$?" 3 "--output-file in a missing directory: exit 3"

# --- --log -------------------------------------------------------------------------------
log="$work/log/ports.csv"
mkdir "$work/log"
chmod 777 "$work/log"
run -p all --log "$log" >/dev/null
is "$?" 0 "--log: exit 0"
run --log "$log" >/dev/null
host=$(hostname)
hdr='Computer,DateTime,LocalAddress,InUse,Max,PercentUsage,Listening,PIDs,Protocol'
is "$(head -n 1 "$log")" "$hdr" "--log: header"
is "$(grep -c '' "$log")" 7 "--log: header, 4 lines (-p all), 2 lines (tcp)"
iso='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}'
tcpn='(20,90,22.2|15,90,16.7),1'
# The whole host ("*"), then each local address with the PIDs that hold its ports: here all
# sockets are sockpop's, on 127.0.0.1.
like "$(sed -n 2p "$log")" "^$host,$iso,\\*,$tcpn,,tcp$" "--log: tcp line for the host (20 of 90, 1 listener)"
like "$(sed -n 3p "$log")" "^$host,$iso,127\\.0\\.0\\.1,$tcpn,$pop_pid,tcp$" "--log: tcp line for 127.0.0.1 with sockpop's PID"
like "$(sed -n 4p "$log")" "^$host,$iso,\\*,3,90,3.3,,,udp$" "--log: udp line for the host"
like "$(sed -n 5p "$log")" "^$host,$iso,127\\.0\\.0\\.1,3,90,3.3,,$pop_pid,udp$" "--log: udp line for 127.0.0.1"
like "$(sed -n 6p "$log")" "^$host,$iso,\\*,$tcpn,,tcp$" "--log: second run appended"
is "$(cut -d, -f2 "$log" | sed -n '2,5p' | sort -u | wc -l)" 1 "--log: one time stamp for all lines of a run"
run --top 0 --log "$work/log/top0.csv" >/dev/null
is "$(grep -c '' "$work/log/top0.csv")" 2 "--log with --top 0: the host line only"
# 12 runs at once on a new file: one header, 12 x 2 whole lines. (-t 60: inet_diag walks the
# host's whole socket table, which is slow on a busy host.)
log2="$work/log/conc.csv"
cpids=""
for i in $(seq 12); do
	run -t 60 --log "$log2" >/dev/null &
	cpids="$cpids $!"
done
wait $cpids
is "$(grep -c '^Computer,' "$log2")" 1 "--log, 12 concurrent runs: one header"
is "$(head -n 1 "$log2")" "$hdr" "--log, 12 concurrent runs: header first"
is "$(grep -cE "^$host,$iso,\\*,$tcpn,,tcp$" "$log2")" 12 "--log, 12 concurrent runs: 12 whole host lines"
is "$(grep -cE "^$host,$iso,127\\.0\\.0\\.1,$tcpn,$pop_pid,tcp$" "$log2")" 12 "--log, 12 concurrent runs: 12 whole address lines"
is "$(grep -c '' "$log2")" 25 "--log, 12 concurrent runs: nothing else"
: >"$work/log/empty.csv"
run --log "$work/log/empty.csv" >/dev/null
is "$(head -n 1 "$work/log/empty.csv")" "$hdr" "--log into an empty file (touch'ed by the admin): header first"
# An empty file (touch'ed, or recreated empty by logrotate) and 12 runs at once: still one header.
for round in 1 2 3; do
	: >"$work/log/empty$round.csv"
	cpids=""
	for i in $(seq 12); do
		run -t 60 --log "$work/log/empty$round.csv" >/dev/null &
		cpids="$cpids $!"
	done
	wait $cpids
done
is "$(cat "$work"/log/empty[123].csv | grep -c '^Computer,')/$(head -qn 1 "$work"/log/empty[123].csv | sort -u)" "3/$hdr" \
	"--log, 3 x 12 concurrent runs on an empty file: one header each, first"
is "$(cat "$work"/log/empty[123].csv | grep -c '')" 75 "--log, 3 x 12 concurrent runs on an empty file: 3 x 25 lines"
out=$(run --log "$work/nodir/ports.csv")
is "$?" 3 "--log in a missing directory: UNKNOWN"
like "$out" "^EPHEMERAL UNKNOWN - writing the log: cannot create the log $work/nodir/ports.csv: No such file or directory" "--log: the reason"
out=$(run -o solarwinds --log "$work/nodir/ports.csv")
is "$?" 4 "--log unwritable with -o solarwinds: non-zero (4)"
like "$out" "^Statistic.state: 3"$'\n'"Message.state: UNKNOWN - writing the log: " "--log unwritable with -o solarwinds: a message"
if [ "$IN_NS" = root ]; then
	chmod 644 "$log"
	out=$(asnobody "$PLUGIN" --log "$log")
	is "$?" 3 "--log not writable by the user: UNKNOWN"
	like "$out" "cannot open the log $log: Permission denied" "--log not writable: the reason"
else
	skip "--log not writable by the user: UNKNOWN" "needs root (a second user)"
	skip "--log not writable: the reason" "needs root (a second user)"
fi

done_testing
