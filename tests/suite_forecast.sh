#!/usr/bin/env bash
# The forecast (--state-dir, tcp_eta/udp_eta, --metric eta) in a private network namespace
# (40000-40099, 40090-40099 reserved: 90 ports) with populations built by sockpop. The runs'
# clock is the real one; history is given to a run by writing its state file with samples at
# known past times (now - N s), then running once; the ETA expected is computed from the
# samples the file holds afterwards, with the same least-squares formula. Also: a shrinking
# population, concurrent runs, corrupt and foreign files, unwritable and missing directories.
# needs-packages: iproute2 util-linux
set -u
. "$TOP/tests/lib.sh"

enter_netns 300

netns_pool 40000 40099 40090-40099
need_sockpop
plugin_copy
work_dir 755
trap cleanup EXIT
unset NAGIOS_PLUGIN_STATE_DIRECTORY

# start NAME ARGS...: runs sockpop in the background, waits for "ready"; its PID in pid_NAME.
start() {
	local name=$1
	shift
	start_helper "$name" 20 "$SOCKPOP" -l 240 "$@" || return 1
	eval "pid_$name=\$pid"
}

# samples FILE: the sample lines of a state file.
samples() { tail -n +3 "$1"; }

# expect FILE COLUMN POOL: "ETA WORDS" the samples of FILE imply for the count in COLUMN (3 tcp,
# 4 udp), the newest sample being the run's: least squares over the window, times relative to
# the newest, the same order of operations as lib/forecast.c; ETA rounded down. "" when the
# samples give no ETA (fewer than 2, less than 1 s apart, not growing).
expect() {
	awk -v col="$2" -v pool="$3" 'NR > 2 && $col != "-" { n++; t[n] = $1; u[n] = $col }
	END {
		if (n < 2 || t[n] - t[1] < 1) exit
		now = t[n]
		for (i = 1; i <= n; i++) { if (t[i] < now - 600) continue; m++; st += t[i] - now; su += u[i] }
		mt = st / m; mu = su / m
		for (i = 1; i <= n; i++) { if (t[i] < now - 600) continue; dt = (t[i] - now) - mt; sxx += dt * dt; sxy += dt * (u[i] - mu) }
		s = sxy / sxx
		if (s <= 0) exit
		e = u[n] >= pool ? 0 : (pool - u[n]) / s
		w = e >= 3600 ? "" : e < 60 ? "full in <1 min" : sprintf("full in ~%d min", int(e / 60 + 0.5))
		printf "%d %s\n", e, w
	}' "$1"
}

# history FILE "AGO COUNT"...: replaces the samples of FILE (keeping its two header lines) by
# samples AGO seconds before now; COUNT is the whole count field list, e.g. "12 -".
history() {
	local f=$1 now s
	shift
	now=$(date +%s)
	{
		head -n 2 "$f"
		for s in "$@"; do echo "$((now - ${s%% *})) - ${s#* }"; done
	} >"$f.new" && mv "$f.new" "$f"
}

sd="$work/state"
mkdir "$sd"
chmod 755 "$sd"

# --- A population grown between runs: two real runs, 1 s apart or more.
start a server,127.0.0.1,5000 est,127.0.0.1,5000,10 || { ok 1 "population a built"; done_testing; exit 1; }
out=$("$PLUGIN" --state-dir "$sd" -v)
is "$?" 0 "first run: OK"
sf=$(ls "$sd"/check_ephemeral-*.state 2>/dev/null)
ok "$([ -f "$sf" ] && echo 0 || echo 1)" "the run created a state file in --state-dir"
is "$(head -n 2 "$sf" | tr '\n' '|')" "check_ephemeral forecast 1|key proto=tcp families=ipv4,ipv6 range=os|" \
	"the header names the program, the version and the key"
is "$(samples "$sf" | awk '{print $2, $3, $4}')" "- 10 -" "one sample: 10 TCP ports, no UDP"
first=${out%%$'\n'*}
is "$(perf "$first" tcp_eta)" "" "one sample: no tcp_eta"
like "$out" "tcp: forecast: 1 sample in the last 10 min \(a rate needs 2, at least 1 s apart\)" "-v: why there is no rate"
like "$out" "forecast: state file $sf" "-v: where the state file is"

sleep 1.2
start b bound,127.0.0.1,20 || { ok 1 "population b built"; done_testing; exit 1; }
out=$("$PLUGIN" --state-dir "$sd" -v)
is "$?" 0 "grown by 20 bound sockets: OK (default pct metric)"
first=${out%%$'\n'*}
# Ports in use from here on: 10 connected, 20 bound, each on a port of its own.
used=$(perf "$first" tcp_used)
is "$used" 30 "30 ports in use"
pct=$(awk -v u="$used" 'BEGIN{v=sprintf("%.1f",100*u/90); sub(/\.0$/,"",v); print v}')
head_re="^EPHEMERAL OK - tcp $used of 90 ports in use \\($pct%\\), worst destination 10 ports to 127\\.0\\.0\\.1:5000"
read -r want words < <(expect "$sf" 3 90)
ok "$([ -n "$want" ] && echo 0 || echo 1)" "the samples imply an ETA ($want s)"
is "$(perf "$first" tcp_eta)" "$want" "tcp_eta is the ETA the slope implies"
like "$first" "'tcp_eta'=${want}s;;;0( |$)" "tcp_eta in seconds, no thresholds with the pct metric"
if [ -n "$words" ]; then
	like "$first" "$head_re, $words \|" "the first line says '$words'"
fi
like "$out" "tcp: forecast: 2 samples over [0-9]+ s, \+[0-9.]+ ports/s: full in $want s at that rate \(an estimate\)" "-v: samples, slope, ETA"

# --- Known history: 30 ports fewer 300 s ago, 20 fewer 200 s ago, 10 fewer 100 s ago: 0.1/s.
history "$sf" "300 $((used - 30)) -" "200 $((used - 20)) -" "100 $((used - 10)) -"
out=$("$PLUGIN" --state-dir "$sd")
first=${out%%$'\n'*}
read -r want words < <(expect "$sf" 3 90)
is "$(samples "$sf" | wc -l)" 4 "the file holds the three past samples and this run's"
is "$(perf "$first" tcp_eta)" "$want" "tcp_eta from four samples over ~300 s ($want s, about 600)"
ok "$([ "$want" -ge 595 ] && [ "$want" -le 612 ] && echo 0 || echo 1)" "60 free ports at ~0.1/s: about 600 s"
like "$first" ", $words \|" "first line: '$words'"

# A sample older than 10 minutes does not count and is dropped from the file.
history "$sf" "700 0 -" "100 $((used - 10)) -"
out=$("$PLUGIN" --state-dir "$sd")
first=${out%%$'\n'*}
is "$(samples "$sf" | wc -l)" 2 "the sample older than 10 minutes was dropped"
read -r want words < <(expect "$sf" 3 90)
is "$(perf "$first" tcp_eta)" "$want" "tcp_eta from the samples of the window only ($want s)"

# --- Shrinking: more ports 100 and 50 s ago than now.
history "$sf" "100 $((used + 30)) -" "50 $((used + 15)) -"
out=$("$PLUGIN" --state-dir "$sd" -v)
first=${out%%$'\n'*}
is "$(perf "$first" tcp_eta)" "" "shrinking: no tcp_eta"
like "$first" "$head_re \|" "shrinking: no 'full in' on the first line"
like "$out" "tcp: forecast: 3 samples over [0-9]+ s, -[0-9.]+ ports/s: not growing, no ETA" "-v: not growing"

# A real shrink: UDP sockets closed between runs.
start u udp,127.0.0.1,15 || { ok 1 "population u built"; done_testing; exit 1; }
"$PLUGIN" --state-dir "$sd" -p udp >/dev/null
kill "$pid_u"
wait "$pid_u" 2>/dev/null
sleep 1.2
out=$("$PLUGIN" --state-dir "$sd" -p udp -v)
is "$?" 0 "udp shrank from 15 to 0: OK"
usf=$(grep -l "key proto=udp " "$sd"/*.state)
is "$(samples "$usf" | awk '{print $3, $4}' | tr '\n' ' ')" "- 15 - 0 " "-p udp keeps its own file (another key): 15, then 0"
is "$(perf "${out%%$'\n'*}" udp_eta)" "" "shrinking UDP: no udp_eta"
like "$out" "udp: forecast: 2 samples over [0-9]+ s, -[0-9.]+ ports/s: not growing" "-v: udp not growing"

# --- --metric eta: the state from the ETA (defaults -w 3600: -c 600:).
metric_eta() { # metric_eta "AGO COUNT"...: runs --metric eta after that history: rc, eta, out
	history "$sf" "$@"
	out=$("$PLUGIN" --state-dir "$sd" --metric eta "${extra[@]}")
	rc=$?
	eta=$(perf "${out%%$'\n'*}" tcp_eta)
}
extra=()
metric_eta "10 $((used - 5)) -"
ok "$([ "$rc" = 2 ] && [ -n "$eta" ] && [ "$eta" -lt 600 ] && echo 0 || echo 1)" "--metric eta: 5 ports in 10 s, ETA $eta s < 600: CRITICAL (rc $rc)"
like "$out" "^EPHEMERAL CRITICAL - tcp $used of 90 ports in use" "--metric eta CRITICAL status line"
like "$out" "'tcp_eta'=${eta}s;3600:;600:;0" "--metric eta: thresholds in tcp_eta's perfdata"
metric_eta "100 $((used - 5)) -"
ok "$([ "$rc" = 1 ] && [ "$eta" -ge 600 ] && [ "$eta" -lt 3600 ] && echo 0 || echo 1)" "--metric eta: ETA $eta s in 600..3600: WARNING (rc $rc)"
metric_eta "500 $((used - 1)) -"
ok "$([ "$rc" = 0 ] && [ "$eta" -ge 3600 ] && echo 0 || echo 1)" "--metric eta: ETA $eta s above an hour: OK (rc $rc)"
ok "$([[ "${out%%$'\n'*}" == *"full in"* ]] && echo 1 || echo 0)" "an ETA above an hour: no 'full in' on the first line"
metric_eta "100 $((used + 10)) -"
ok "$([ "$rc" = 0 ] && [ -z "$eta" ] && echo 0 || echo 1)" "--metric eta, not growing: OK, no tcp_eta (rc $rc)"
extra=(-w 100: -c 50:)
metric_eta "10 $((used - 5)) -"
ok "$([ "$rc" = 0 ] && [ "$eta" -ge 100 ] && echo 0 || echo 1)" "--metric eta -w 100: -c 50:: ETA $eta s is OK (rc $rc)"
extra=()

# JSON and Prometheus carry the ETA too.
history "$sf" "100 $((used - 10)) -"
json=$("$PLUGIN" --state-dir "$sd" -o json)
read -r want words < <(expect "$sf" 3 90)
like "$json" "\"forecast\": \{\"samples\": 2, \"span_seconds\": [0-9]+, \"slope_per_second\": [0-9.]+, \"eta_seconds\": $want\}" "-o json: the protocol's forecast"
like "$json" "\"forecast\": \{\"on\": true, \"recorded\": true, \"state_file\": \"$sf\", \"note\": \"\"\}" "-o json: the state file"
history "$sf" "100 $((used - 10)) -"
prom=$("$PLUGIN" --state-dir "$sd" -o prometheus)
read -r want words < <(expect "$sf" 3 90)
like "$prom" $'\nephemeral_ports_full_eta_seconds\\{protocol="tcp"\\} '"$want"$'\n' "-o prometheus: ephemeral_ports_full_eta_seconds"

# --- The default directory: $NAGIOS_PLUGIN_STATE_DIRECTORY; --state-dir wins over it.
env_sd="$work/env-state"
mkdir "$env_sd"
NAGIOS_PLUGIN_STATE_DIRECTORY="$env_sd" "$PLUGIN" >/dev/null
is "$(ls "$env_sd" | grep -c '\.state$')" 1 "no --state-dir: the file goes to \$NAGIOS_PLUGIN_STATE_DIRECTORY"
n_before=$(samples "$sf" | wc -l)
NAGIOS_PLUGIN_STATE_DIRECTORY="$env_sd" "$PLUGIN" --state-dir "$sd" >/dev/null
is "$(samples "$env_sd"/*.state | wc -l)" 1 "--state-dir wins over the variable"

# --- Concurrent runs: every sample kept, the file valid.
csd="$work/concurrent"
mkdir "$csd"
cpids=""
for i in 1 2 3 4 5 6 7 8; do
	"$PLUGIN" -v --state-dir "$csd" >"$work/c$i.out" 2>&1 &
	cpids="$cpids $!"
done
crc=0
for p in $cpids; do wait "$p" || crc=1; done
is "$crc" 0 "8 concurrent runs: all OK"
csf=$(ls "$csd"/*.state)
# A run waits for the lock a bounded time and then does not record, saying so; on a busy host
# (slow fsync) that can happen. No sample may be lost otherwise: the file holds exactly one
# sample for each run that did not say so.
notrec=$(grep -l "this run's sample is not recorded" "$work"/c[1-8].out 2>/dev/null | wc -l)
diag "8 concurrent runs: $notrec did not get the lock in time"
is "$(samples "$csf" | wc -l)" "$((8 - notrec))" "8 concurrent runs: one sample for each run that recorded (no update lost)"
ok "$([ "$notrec" -lt 8 ] && echo 0 || echo 1)" "8 concurrent runs: at least one recorded"
is "$(samples "$csf" | awk '{print $2, $3, $4}' | sort -u)" "- $used -" "each sample whole: $used TCP ports"
out=$("$PLUGIN" --state-dir "$csd" -v)
ok "$([[ "$out" != *"was ignored"* ]] && echo 0 || echo 1)" "the file left by concurrent runs reads back valid"
is "$(ls -A "$csd" | grep -vc '\.state\(\.lock\)\?$')" 0 "no temporary files left behind"

# --- A run that overlapped this one, took its time a few seconds later and recorded first: its
# sample is kept, and this run's goes before it (the file stays in time order). Before, the
# later sample was taken for a clock set back and dropped: a lost update under concurrency.
history "$sf" "100 20 -" "-5 25 -"
"$PLUGIN" --state-dir "$sd" >/dev/null
is "$(samples "$sf" | wc -l)" 3 "a concurrent run's later sample is kept beside this run's"
is "$(samples "$sf" | awk '{print $3}' | tail -n 1)" 25 "and stays last: the file is in time order"
out=$("$PLUGIN" --state-dir "$sd" -v)
ok "$([[ "$out" != *"was ignored"* ]] && echo 0 || echo 1)" "that file reads back valid"

# --- A corrupt file and a foreign one: ignored with a note, replaced, never UNKNOWN.
printf 'check_ephemeral forecast 1\nkey proto=tcp families=ipv4,ipv6 range=os\n17x 1 2\n' >"$sf"
out=$("$PLUGIN" --state-dir "$sd" -v)
is "$?" 0 "a corrupt file: OK, not UNKNOWN"
like "$out" "forecast: the state file $sf was ignored: line 3 is not a sample" "-v: the corrupt file was ignored"
is "$(samples "$sf" | wc -l)" 1 "the corrupt file was replaced by a valid one with this run's sample"
head -c 3000 /dev/urandom >"$sf"
"$PLUGIN" --state-dir "$sd" >/dev/null
is "$?" 0 "random bytes: OK"
cp "$usf" "$sf"
out=$("$PLUGIN" --state-dir "$sd" -v)
like "$out" "was ignored: it belongs to another check" "a file of another key: ignored"
printf 'something else entirely\n' >"$sf"
out=$("$PLUGIN" --state-dir "$sd" -v -o json)
is "$?" 0 "a foreign file with -o json: OK"
like "$out" "\"note\": \"the state file $sf was ignored: it is not a check_ephemeral forecast file of version 1\"" "-o json: the note"

# --- No writable directory: the forecast is off with a note, never UNKNOWN.
out=$("$PLUGIN" --state-dir "$work/missing" -v)
is "$?" 0 "a missing directory: OK"
like "$out" "forecast off: cannot create $work/missing/check_ephemeral-[0-9a-f]{16}\.state\.lock: No such file or directory" "-v: why the forecast is off"
ok "$([ -e "$work/missing" ] && echo 1 || echo 0)" "the plugin creates no directory"
is "$(perf "${out%%$'\n'*}" tcp_eta)" "" "forecast off: no tcp_eta"
out=$("$PLUGIN" --state-dir "$work/missing" --metric eta)
is "$?" 0 "forecast off with --metric eta: OK"

rosd="$work/ro"
mkdir "$rosd"
# A read-only bind mount in a mount namespace of its own: works as root and in a user namespace.
if unshare -m true 2>/dev/null; then
	out=$(unshare -m bash -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && "$2" --state-dir "$1" -v' _ "$rosd" "$PLUGIN")
	rc=$?
	is "$rc" 0 "a read-only state directory: OK"
	like "$out" "forecast off: cannot create $rosd/check_ephemeral-[0-9a-f]{16}\.state\.lock: Read-only file system" "-v: read-only file system"
else
	ok 1 "unshare -m for the read-only bind mount"
fi
# As a user who may not write there (root only: a plain directory of root's).
if [ "$IN_NS" = root ] && command -v setpriv >/dev/null; then
	rootsd="$work/root-only"
	mkdir -m 755 "$rootsd"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- "$PLUGIN" --state-dir "$rootsd" -v)
	is "$?" 0 "nobody, in a directory of root's: OK"
	like "$out" "forecast off: cannot create $rootsd/check_ephemeral-[0-9a-f]{16}\.state\.lock: Permission denied" "-v: nobody may not write there"
	# Root ran the check once by hand: its files stay readable and the lock usable for
	# nobody, whose run still estimates but cannot record.
	"$PLUGIN" --state-dir "$rootsd" >/dev/null
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- "$PLUGIN" --state-dir "$rootsd" -v)
	is "$?" 0 "nobody, after a run of root's: OK"
	like "$out" "forecast: state file $rootsd/check_ephemeral-[0-9a-f]{16}\.state \(this run's sample not recorded\)" "-v: read, not recorded"
	# The lock file is root's and 0640: nobody may not open it, and is told so.
	like "$out" "this run's sample is not recorded: the lock file $rootsd/check_ephemeral-[0-9a-f]{16}\.state\.lock is another user's and this user may not read it" "-v: the lock file is root's"
	# A directory nobody may not even search: the lock file cannot be created, whatever is in it.
	rootpriv="$work/root-private"
	mkdir -m 700 "$rootpriv"
	"$PLUGIN" --state-dir "$rootpriv" >/dev/null
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- "$PLUGIN" --state-dir "$rootpriv" -v)
	is "$?" 0 "nobody, in a directory of root's it may not search: OK"
	like "$out" "forecast off: cannot create $rootpriv/check_ephemeral-[0-9a-f]{16}\.state\.lock: Permission denied" "-v: cannot create the lock file, not 'another user's'"
fi

done_testing
