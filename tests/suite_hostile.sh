#!/usr/bin/env bash
# A hostile environment around the files and signals of a run (issue 16): the plugin never
# damages a file it was not meant to write and never hangs past -t.
# - --output-file naming a device, a FIFO, a socket, a directory or a symbolic link is refused,
#   also as root on a private /dev (a tmpfs mounted over /dev in this suite's own mount
#   namespace, never the real one), and a target that turns into a FIFO while the run stalls
#   is not replaced by the timeout;
# - --log refuses links, FIFOs and devices at once, creates the log 0640, and waits for
#   another process's lock on it at most about 1 s (and within -t);
# - a parent that blocked SIGALRM, left a SIGALRM pending or blocked SIGTERM with one pending
#   does not defeat -t or the stop; SIGTERM, SIGINT and SIGHUP during a stalled run end it
#   with the format's error in stdout and in --output-file, and no temporary file remains;
#   an ignored SIGHUP (nohup) stays ignored;
# - a log that cannot be written (stalled past -t, stopped by a signal, locked, refused) never
#   turns a known CRITICAL into UNKNOWN: the state, its perfdata and a note, in every format and
#   in --output-file; an OK run with such a log is UNKNOWN;
# - the forecast's lock file is created 0640 and, planted as a symbolic link or a FIFO, is
#   refused without being followed or blocking: the forecast is off with a note, never UNKNOWN.
# Stalls come from tests/helper/faultshim.c (LD_PRELOAD, test-only).
# needs-packages: iproute2 util-linux perl python3-jsonschema
set -u
. "$TOP/tests/lib.sh"

if [ -z "${IN_NS:-}" ]; then
	need_cmd unshare util-linux
	need_cmd ip iproute2
	need_cmd perl perl
	[ -f "$TOP/$B/tests/faultshim.so" ] || setup_failed "$B/tests/faultshim.so is built (make check-build)"
	if [ "$(id -u)" = 0 ] && unshare -n -m true 2>/dev/null; then
		IN_NS=root exec timeout 300 unshare -n -m --propagation private bash "$0"
	fi
	if unshare -rnm true 2>/dev/null; then
		IN_NS=user exec timeout 300 unshare -rnm --propagation private bash "$0"
	fi
	skip_all "cannot create network and mount namespaces here (needs root or user namespaces)"
fi

# From here on: our own network and mount namespaces, with an empty pool of known size.
netns_pool 40000 40099 ""
SHIM="$TOP/$B/tests/faultshim.so"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
P="$TOP/$BIN"
work_dir
trap cleanup EXIT

# run ARGS...: the plugin; sets out, first, rc and ms (wall time).
run() {
	local t0
	t0=$(date +%s%N)
	out=$("$P" "$@" 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	first=${out%%$'\n'*}
}
# no_temp NAME: no ".NAME.XXXXXX" temporary file is left in $work.
no_temp() {
	is "$(find "$work" -name ".$1.*" | wc -l)" 0 "$2: no temporary file .$1.* left"
}

# --- 1. --output-file never replaces what is not a regular file ---------------------------
mkfifo "$work/fifo"
mkdir "$work/dir"
echo keep >"$work/real"
ln -s "$work/real" "$work/link"
ln -s /dev/null "$work/devlink"
perl -MSocket -e 'socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die; bind($s, pack_sockaddr_un($ARGV[0])) or die' "$work/sock"
for t in fifo:FIFO dir:directory link:"symbolic link" devlink:"symbolic link" sock:socket; do
	name=${t%%:*} kind=${t#*:}
	before=$(stat -c %F "$work/$name")
	run -t 5 --output-file "$work/$name"
	is "$rc" 3 "--output-file on a $kind ($name): exit 3"
	like "$first" "^EPHEMERAL UNKNOWN - writing --output-file: $work/$name is an? $kind, not a regular file, and only regular files are replaced" \
		"--output-file on a $kind ($name): UNKNOWN says why"
	is "$(stat -c %F "$work/$name")" "$before" "--output-file on a $kind ($name): still a $before"
	no_temp "$name" "--output-file on a $kind ($name)"
done
is "$(cat "$work/real")" keep "--output-file on a link: the file it points to is unchanged"
run -t 5 -o json --output-file "$work/fifo"
like "$out" '"stage": "writing --output-file", "message": "[^"]*fifo is a FIFO' \
	"--output-file on a FIFO, -o json: the error object names the stage and the reason"

# A target that becomes a FIFO while the run stalls: the timeout does not replace it.
EPH_FAULT=stall LD_PRELOAD="$SHIM" "$P" -t 2 --output-file "$work/later" >"$work/later.out" &
pid=$!
track_pid "$pid"
sleep 0.5
mkfifo "$work/later"
wait "$pid"
rc=$?
is "$rc/$(stat -c %F "$work/later")" "3/fifo" "a target turned into a FIFO during the run: exit 3, the timeout leaves the FIFO"
no_temp later "a target turned into a FIFO during the run"

# As root on a private /dev: /dev/null and /dev/stdout are left as they are.
if [ "$IN_NS" = root ] && mount -t tmpfs -o mode=755 tmpfs /dev; then
	mknod -m 666 /dev/null c 1 3 && ln -s /proc/self/fd/1 /dev/stdout
	for t in /dev/null:"character device":"character special file" /dev/stdout:"symbolic link":"symbolic link"; do
		f=${t%%:*} rest=${t#*:}
		kind=${rest%%:*} want=${rest#*:}
		run --output-file "$f"
		like "$rc/$first" "^3/EPHEMERAL UNKNOWN - writing --output-file: $f is an? $kind, not a regular file" \
			"as root, --output-file $f: UNKNOWN, refused"
		is "$(stat -c %F "$f")" "$want" "as root, --output-file $f: still a $want"
	done
	is "$(stat -c %t:%T /dev/null)" "1:3" "as root: /dev/null is still device 1,3"
	is "$(find /dev -name '.*' | wc -l)" 0 "as root: no temporary file left in /dev"
	run -o prometheus --output-file /dev/null -t 5 --log /dev/null
	like "$rc/$first" "^3/# check_ephemeral UNKNOWN: .*/dev/null is a character device" \
		"as root, -o prometheus --output-file /dev/null: refused before anything runs"
	umount /dev
else
	skip "--output-file on /dev/null and /dev/stdout (a private /dev)" "needs root (mknod)"
fi

# --- 3. --log: no links, no FIFOs, nothing but a regular file --------------------------
echo secret >"$work/secret"
chmod 600 "$work/secret"
ln -s "$work/secret" "$work/loglink"
run -t 5 --log "$work/loglink"
like "$rc/$first" "^3/EPHEMERAL UNKNOWN - writing the log: the log $work/loglink is a symbolic link, which is not followed" \
	"--log through a symbolic link: UNKNOWN, not followed"
is "$(cat "$work/secret")" secret "--log through a symbolic link: the file behind it is unchanged"
ln -s "$work/nowhere" "$work/dangling"
run -t 5 --log "$work/dangling"
like "$rc/$first" "^3/.*the log $work/dangling is a symbolic link" "--log on a dangling link: refused"
[ ! -e "$work/nowhere" ]
ok $? "--log on a dangling link: nothing created where it points"
run -t 5 --log "$work/fifo"
like "$rc/$first" "^3/EPHEMERAL UNKNOWN - writing the log: the log $work/fifo is a FIFO, not a regular file" \
	"--log on a FIFO without a reader: refused"
[ "$ms" -lt 2500 ]
ok $? "--log on a FIFO: refused at once, not at -t 5 ($ms ms)"
# A FIFO with a reader would accept the open: fstat refuses it just the same.
sleep 10 <"$work/fifo" &
reader=$!
track_pid "$reader"
run -t 5 --log "$work/fifo"
like "$rc/$first" "^3/.*the log $work/fifo is a FIFO" "--log on a FIFO with a reader: refused"
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
run -t 5 --log /dev/null
like "$rc/$first" "^3/.*the log /dev/null is a character device" "--log /dev/null: refused"
run -t 5 --log "$work/dir"
like "$rc/$first" "^3/.*the log $work/dir is a directory" "--log on a directory: refused"

# --- 4. a new log is 0640; a lock held by another process is waited for about 1 s --------
log="$work/eph.csv"
(umask 022 && "$P" -t 5 --log "$log" >/dev/null)
is "$?/$(stat -c %a "$log")" "0/640" "a new log is created 0640 (umask 022)"
lines=$(wc -l <"$log")
# One process (killed by its PID below) holds the lock, as a careless reader of the log would.
perl -MFcntl=:flock -e 'open(my $f, "<", $ARGV[0]) or die; flock($f, LOCK_EX) or die; sleep 30' "$log" &
holder=$!
track_pid "$holder"
sleep 0.3
run -t 10 --log "$log"
like "$rc/$first" "^3/EPHEMERAL UNKNOWN - writing the log: the log $log is locked by another process \\(waited [0-9]+ ms\\); find it with lslocks" \
	"log locked by another process: UNKNOWN, says so and what to do"
[ "$ms" -ge 900 ] && [ "$ms" -lt 2500 ]
ok $? "log locked: waits about 1 s, not -t 10 ($ms ms)"
run -t 1 --log "$log"
like "$rc/$first" "^3/.*the log $log is locked by another process" \
	"log locked, -t 1: gives up within -t and says the log is locked rather than timing out ($ms ms)"
is "$(wc -l <"$log")" "$lines" "log locked: nothing appended"
kill "$holder"
wait "$holder" 2>/dev/null
run -t 5 --log "$log"
is "$rc/$(($(wc -l <"$log") > lines))" "0/1" "lock released: the next run appends"

# --- 2. signal masks and pending signals a parent leaves behind -----------------------------
# with_mask PERL-SETUP ARGS...: runs the plugin (stalling) from perl after PERL-SETUP.
with_mask() {
	local setup=$1 t0
	shift
	t0=$(date +%s%N)
	out=$(EPH_FAULT=stall LD_PRELOAD="$SHIM" timeout 20 perl -MPOSIX -e "$setup; exec @ARGV or die" "$P" "$@" 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	first=${out%%$'\n'*}
}
with_mask 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGALRM))' -t 1
is "$rc/$first" "3/EPHEMERAL UNKNOWN - timed out after 1 s while reading the socket table (raise -t)" \
	"SIGALRM blocked by the parent: -t 1 still fires"
[ "$ms" -lt 2000 ]
ok $? "SIGALRM blocked by the parent: ended within -t ($ms ms)"
out=$(timeout 20 perl -MPOSIX -e 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGALRM)); kill "ALRM", $$; exec @ARGV or die' "$P" -t 5 2>&1)
is "$?/${out%% |*}" "0/EPHEMERAL OK - tcp 0 of 100 ports in use (0.0%), no connection toward any destination" \
	"a SIGALRM left pending by the parent is not taken for -t"
with_mask 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM)); kill "TERM", $$' -t 5
like "$rc/$first" "^3/EPHEMERAL UNKNOWN - terminated by SIGTERM while starting" \
	"a SIGTERM pending behind the parent's mask: delivered at start, the run stops"

# --- 6. SIGTERM, SIGINT, SIGHUP: the error in stdout and in --output-file, no temporary file --
# stop SIG FORMAT FILE: starts a stalled run with --output-file FILE, sends SIG once the run
# is inside the stall, and waits for it; sets rc and out.
stop() {
	local sig=$1 fmt=$2 file=$3 flog="$work/fault.log"
	rm -f "$flog"
	EPH_FAULT=stall EPH_FAULT_LOG="$flog" LD_PRELOAD="$SHIM" perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' \
		"$P" -t 10 -o "$fmt" --output-file "$file" >"$work/stop.out" 2>&1 &
	pid=$!
	track_pid "$pid"
	wait_for "$flog" stall 5 || echo "# the run did not reach the stall"
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	out=$(cat "$work/stop.out")
}
"$P" -o prometheus --output-file "$work/x.prom" >/dev/null
is "$?/$(grep '^ephemeral_check_success ' "$work/x.prom")" "0/ephemeral_check_success 1" "a good run: --output-file has ephemeral_check_success 1"
stop TERM prometheus "$work/x.prom"
is "$rc/$(tail -n 1 "$work/x.prom")" "3/ephemeral_check_success 0" "SIGTERM, -o prometheus: exit 3, the file says ephemeral_check_success 0"
grep -q '^# check_ephemeral UNKNOWN: terminated by SIGTERM while reading the socket table (if the monitoring system sent it at its own timeout, keep -t 10 below that)$' "$work/x.prom"
ok $? "SIGTERM, -o prometheus: the file says it was terminated by SIGTERM, in which stage"
is "$out" "$(cat "$work/x.prom")" "SIGTERM, -o prometheus: stdout has the same error output"
if command -v promtool >/dev/null; then
	msg=$(promtool check metrics <"$work/x.prom" 2>&1)
	ok $? "SIGTERM, -o prometheus: promtool check metrics clean${msg:+ ($msg)}"
fi
no_temp x.prom "SIGTERM"
stop INT nagios "$work/x.txt"
is "$rc/$(cat "$work/x.txt")" "3/EPHEMERAL UNKNOWN - terminated by SIGINT while reading the socket table" \
	"SIGINT, nagios format: exit 3, the file has the UNKNOWN line"
no_temp x.txt "SIGINT"
stop HUP json "$work/x.json"
like "$rc/$(cat "$work/x.json")" '^3/\{.*"state": "UNKNOWN", "exit_code": 3, .*"error": \{"stage": "reading the socket table", "message": "terminated by SIGHUP while reading the socket table"\}\}$' \
	"SIGHUP, -o json: exit 3, the file has one JSON error object with its stage"
no_temp x.json "SIGHUP"
stop TERM solarwinds "$work/x.sam"
is "$rc/$(head -n 1 "$work/x.sam")" "4/Statistic.state: 3" "SIGTERM, -o solarwinds: SAM's exit 4 and its error pair"
no_temp x.sam "SIGTERM, -o solarwinds"

# --- 5. every stage names what runs: a stalled log, a stalled write of the output -----------
# --log makes the owner search for the log's rows after the output is built; the log's write
# came after it under the owner stage's name. The state is OK here: a log that is not written
# is an UNKNOWN, worse than OK (section 10 has a CRITICAL state).
out=$(EPH_FAULT=stalllog LD_PRELOAD="$SHIM" "$P" -t 1 --log "$work/stall.csv" 2>&1)
is "$?/$out" "3/EPHEMERAL UNKNOWN - timed out after 1 s while writing the log (raise -t)" \
	"the log's file system hangs, OK state: UNKNOWN, the timeout names the log"
out=$(EPH_FAULT=stalllog LD_PRELOAD="$SHIM" "$P" -t 1 -o json --log "$work/stall.csv" 2>&1)
like "$out" '"error": \{"stage": "writing the log", "message": "timed out after 1 s while writing the log \(raise -t\)"\}' \
	"the log's file system hangs, -o json: the stage is the log's"
out=$(EPH_FAULT=stallfsync:1 LD_PRELOAD="$SHIM" "$P" -t 1 --output-file "$work/slow.txt" 2>&1)
is "$?/$(cat "$work/slow.txt")" "3/EPHEMERAL UNKNOWN - timed out after 1 s while writing the output (raise -t)" \
	"the output file's fsync hangs: the file shows the timeout, naming the output"
no_temp slow.txt "the output file's fsync hangs"

# --- 7. every failure reaches --output-file through the file armed at the start -------------
"$P" -t 5 -o prometheus --output-file "$work/x7.prom" >/dev/null
is "$?/$(grep '^ephemeral_check_success ' "$work/x7.prom")" "0/ephemeral_check_success 1" "a good run first: ephemeral_check_success 1"
out=$(ulimit -n 4 && "$P" -t 5 -o prometheus --output-file "$work/x7.prom" 2>&1)
rc=$?
is "$rc/$(tail -n 1 "$work/x7.prom")" "3/ephemeral_check_success 0" \
	"then ulimit -n 4: the file says ephemeral_check_success 0, not the last good numbers"
grep -q '^# check_ephemeral UNKNOWN: .*Too many open files' "$work/x7.prom"
ok $? "ulimit -n 4: the file gives the reason (Too many open files)"
no_temp x7.prom "ulimit -n 4"
run -t 5 --log "$work/fifo" --output-file "$work/x7.txt"
like "$rc/$(cat "$work/x7.txt")" "^3/EPHEMERAL UNKNOWN - writing the log: the log $work/fifo is a FIFO" \
	"a refused log with --output-file: the file has the error"

# --- 8. a short netlink send has a reason of its own, not a stale errno ("Success") --------
out=$(EPH_FAULT=shortsend LD_PRELOAD="$SHIM" "$P" -t 5 2>&1)
is "$?/$out" "3/EPHEMERAL UNKNOWN - reading the socket table: cannot send the netlink socket-dump request: the kernel took 46 of its 92 bytes" \
	"a short netlink send: UNKNOWN, says how much went out"

# Thresholds go into perfdata as written: a double printed with 6 decimals made 0.0000001 "0".
run -t 5 -w 0.0000001 -c @0:657.8210567
like "$rc/$first" "^2/EPHEMERAL CRITICAL - .*'tcp_pct'=0.0%;0.0000001;@0:657.8210567;0;100 " \
	"-w 0.0000001 -c @0:657.8210567: perfdata has both ranges exactly as written"
run -t 5 -o json -w "~:0.12345678" -c 10.000
like "$out" '"thresholds": \{"warning": "~:0.12345678", "critical": "10.000"\}' \
	"-o json: the thresholds as written"

# A process whose name carries U+202E (right-to-left override) holds a port: --top and JSON
# show the character as '?', so that "evil<RLO>gnp" cannot pass for "evilpng".
perl -MSocket -e '$0 = "evil\xe2\x80\xaegnp"; socket(my $s, PF_INET, SOCK_STREAM, 0) or die;
	bind($s, pack_sockaddr_in(40050, inet_aton("127.0.0.1"))) or die; listen($s, 5) or die;
	$| = 1; print "ready\n"; sleep 30' >"$work/rlo" &
rlo=$!
track_pid "$rlo"
wait_for "$work/rlo" ready 5
[ "$(head -c 7 "/proc/$rlo/comm")" = $'evil\xe2\x80\xae' ]
ok $? "a process named evil<U+202E>gnp holds port 40050"
run -t 5 --top 5
[[ "$out" == *"evil?gnp"* && "$out" != *$'\xe2\x80\xae'* ]]
ok $? "--top: the name shows as evil?gnp, U+202E not in the output"
run -t 5 --top 5 -o json
[[ "$out" == *'"evil?gnp"'* && "$out" != *$'\xe2\x80\xae'* ]]
ok $? "-o json --top: the name is \"evil?gnp\", U+202E not in the output"
kill "$rlo"
wait "$rlo" 2>/dev/null

# An ignored SIGHUP (nohup) stays ignored: -t ends the run.
rm -f "$work/fault.log"
EPH_FAULT=stall EPH_FAULT_LOG="$work/fault.log" LD_PRELOAD="$SHIM" perl -e '$SIG{HUP} = "IGNORE"; exec @ARGV or die' \
	"$P" -t 2 >"$work/hup.out" 2>&1 &
pid=$!
track_pid "$pid"
wait_for "$work/fault.log" stall 5
kill -HUP "$pid"
wait "$pid"
is "$?/$(cat "$work/hup.out")" "3/EPHEMERAL UNKNOWN - timed out after 2 s while reading the socket table (raise -t)" \
	"SIGHUP ignored by the parent (nohup): stays ignored, -t ends the run"

# --- 10. a known CRITICAL is never lost to the log -----------------------------------------
# The pool (100 ports) filled: CRITICAL. A log that cannot be written is an UNKNOWN, and
# CRITICAL is worse: the state stands, with a note that the log was not written.
"$TOP/$B/tests/sockpop" -l 120 server,127.0.0.1,5000 fill,127.0.0.1,5000 >"$work/pop" 2>"$work/pop.err" &
pop=$!
track_pid "$pop"
wait_for "$work/pop" '^ready' 20 || echo "# sockpop: $(cat "$work/pop.err")"
run -t 5
like "$rc/$first" "^2/EPHEMERAL CRITICAL - tcp 100 of 100 ports in use \(100\.0%\)" "the pool filled: CRITICAL"
crit_head=${first%% |*}
# stalled LOG [ARGS]: a run whose flock() on LOG hangs; sets rc, out, first, ms.
stalled() {
	local log=$1 t0
	shift
	t0=$(date +%s%N)
	out=$(EPH_FAULT=stalllog LD_PRELOAD="$SHIM" "$P" --log "$log" "$@" 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	first=${out%%$'\n'*}
}
stalled "$work/crit.csv" -t 2 --output-file "$work/crit.txt"
is "$rc/${first%% |*}" "2/$crit_head, the log was not written" \
	"the log hangs past -t, CRITICAL: still CRITICAL (exit 2), a short note on the status line"
like "$first" "'tcp_used'=100;" "with its perfdata"
like "$out" $'\nnote: the log was not written: timed out after 2 s while writing the log '"$work/crit.csv"' \(raise -t or check the file\)' \
	"the long output says why and what to do"
like "$out" "top processes" "the owner tables are kept"
is "$(cat "$work/crit.txt")" "$out" "--output-file has the same output"
[ "$ms" -lt 2600 ]
ok $? "ended at -t 2 ($ms ms)"
no_temp crit.txt "the log hangs, CRITICAL"
stalled "$work/crit.csv" -t 2 -o json
is "$rc" 2 "-o json, the log hangs: CRITICAL, exit 2"
like "$out" '"state": "CRITICAL", "exit_code": 2, .*"notes": \[[^]]*"the log was not written: timed out after 2 s while writing the log' \
	"-o json: the state, and the note among the notes"
like "$out" '"error": null' "-o json: no error object"
if python3 -c 'import jsonschema' 2>/dev/null; then
	printf '%s\n' "$out" >"$work/crit.json"
	msg=$(python3 "$TOP/tests/json_schema.py" "$TOP/docs/check_ephemeral.schema.json" "$work/crit.json" 2>&1)
	is "$?:$msg" "0:" "-o json: the output follows docs/check_ephemeral.schema.json"
else
	echo "# python3-jsonschema missing: the JSON output is not checked against the schema"
fi
stalled "$work/crit.csv" -t 2 -o prometheus --output-file "$work/crit.prom"
is "$rc/$(grep -E '^ephemeral_check_(state|success) ' "$work/crit.prom" | tr '\n' ' ')" \
	"2/ephemeral_check_state 2 ephemeral_check_success 1 " \
	"-o prometheus, the log hangs: state 2, success 1 (the ports were measured)"
grep -q "^# check_ephemeral note: the log was not written: timed out after 2 s while writing the log $work/crit.csv" "$work/crit.prom"
ok $? "-o prometheus: a comment says the log was not written"
if command -v promtool >/dev/null; then
	msg=$(promtool check metrics <"$work/crit.prom" 2>&1)
	ok $? "-o prometheus: promtool check metrics clean${msg:+ ($msg)}"
fi
stalled "$work/crit.csv" -t 2 -o solarwinds --sam-status
like "$rc/$out" "^3/Statistic.state: 2"$'\n'"Message.state: CRITICAL - tcp 100 of 100 ports in use .*, the log was not written: timed out after 2 s" \
	"-o solarwinds --sam-status, the log hangs: SAM's Critical (3), the message says why"

# SIGTERM (the monitoring system's own timeout) while the log hangs: the state, and the signal.
rm -f "$work/fault.log"
EPH_FAULT=stalllog EPH_FAULT_LOG="$work/fault.log" LD_PRELOAD="$SHIM" \
	"$P" -t 10 --log "$work/crit.csv" --output-file "$work/term.txt" >"$work/term.out" 2>&1 &
pid=$!
track_pid "$pid"
wait_for "$work/fault.log" stalllog 5 || echo "# the run did not reach the stalled log"
kill -TERM "$pid"
wait "$pid"
rc=$?
out=$(cat "$work/term.out")
is "$rc/${out%% |*}" "2/$crit_head, the log was not written" \
	"SIGTERM while the log hangs, CRITICAL: still CRITICAL (exit 2), with the note"
like "$out" $'\nnote: the log was not written: terminated by SIGTERM while writing the log '"$work/crit.csv"' \(if the monitoring system' \
	"SIGTERM: the note names the signal"
is "$(cat "$work/term.txt")" "$out" "SIGTERM: --output-file has the same"
no_temp term.txt "SIGTERM while the log hangs"

# A log locked by another process (waited about 1 s), and a refused one (a FIFO).
log="$work/locked.csv"
: >"$log"
perl -MFcntl=:flock -e 'open(my $f, "<", $ARGV[0]) or die; flock($f, LOCK_EX) or die; $| = 1; print "locked\n"; sleep 30' "$log" >"$work/lock.out" &
holder=$!
track_pid "$holder"
wait_for "$work/lock.out" locked 5 || echo "# the lock holder did not start"
run -t 10 --log "$log"
is "$rc/${first%% |*}" "2/$crit_head, the log was not written" \
	"log locked by another process, CRITICAL: still CRITICAL, a short note on the status line"
like "$out" $'\nnote: the log was not written: the log '"$log"' is locked by another process \(waited [0-9]+ ms\); find it with lslocks' \
	"the long output gives the reason"
kill "$holder"
wait "$holder" 2>/dev/null
run -t 5 --log "$work/fifo" -o json
like "$rc/$out" '^2/.*"state": "CRITICAL", .*"notes": \[[^]]*"the log was not written: the log '"$work"'/fifo is a FIFO, not a regular file' \
	"a refused log (a FIFO), CRITICAL, -o json: CRITICAL, the reason among the notes"
kill "$pop"
wait "$pop" 2>/dev/null
# --- 11. the forecast's lock file: no links, nothing but a regular file, created 0640 -------
# A lock file planted as a symbolic link is not followed: the forecast is off with a note that
# says so (-v), and the run is OK, never UNKNOWN.
sd="$work/state"
mkdir "$sd"
(umask 022 && "$P" -t 5 --state-dir "$sd" >/dev/null)
lock=$(ls "$sd"/*.state.lock 2>/dev/null)
is "$?/$(stat -c %a "$lock" 2>/dev/null)" "0/640" "a new forecast lock file is created 0640 (umask 022)"
rm -f "$lock"
ln -s "$work/lock-target" "$lock"
run -t 5 --state-dir "$sd" -v
is "$rc" 0 "the lock file is a dangling symbolic link: OK, not UNKNOWN"
like "$out" "forecast off: the lock file $lock is a symbolic link, which is not followed \\(whoever may write its directory could point it at another file\\); remove it" \
	"-v: the forecast is off and says the link is not followed"
[ ! -e "$work/lock-target" ]
ok $? "the lock file is a dangling link: nothing created where it points"
echo secret >"$work/lock-target"
chmod 600 "$work/lock-target"
run -t 5 --state-dir "$sd" -v
like "$rc/$out" "^0/.*forecast off: the lock file $lock is a symbolic link" \
	"the lock file links to a file: OK, refused, not followed"
is "$(stat -c %a "$work/lock-target")/$(cat "$work/lock-target")" "600/secret" \
	"the file behind the link is unchanged"
rm -f "$lock"
mkfifo "$lock"
run -t 5 --state-dir "$sd" -v
like "$rc/$out" "^0/.*forecast off: the lock file $lock is a FIFO, not a regular file; remove it" \
	"the lock file is a FIFO: OK, refused"
[ "$ms" -lt 2500 ]
ok $? "the lock file is a FIFO: refused at once ($ms ms)"
rm -f "$lock"
run -t 5 --state-dir "$sd" -v
like "$rc/$out" "^0/.*forecast: state file $sd/" "the link removed: the forecast is on again"
done_testing
