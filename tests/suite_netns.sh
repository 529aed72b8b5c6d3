#!/usr/bin/env bash
# --netns end to end, as root: network namespaces made by the suite (unshare -n -u), each with
# its own range, UTS host name and sockets: "blue", bound under /run/netns; "web-b", filled to
# exhaustion; "web-c", a few connections; six more, one of which ends while the plugin runs.
# The whole suite runs in a mount and PID namespace of its own with a tmpfs on /run, so
# /run/netns is the suite's and --netns all finds the suite's namespaces only; the host's
# network, sysctls and /run are untouched, and every process started is stopped by its PID.
# needs-packages: iproute2 util-linux python3
set -u
. "$TOP/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root: the suite makes namespaces and the plugin enters them"
need_cmd unshare util-linux
need_cmd ip iproute2
need_cmd python3 python3
if [ -z "${IN_MNT:-}" ]; then
	unshare -m -p -f --mount-proc --propagation private true 2>/dev/null ||
		skip_all "cannot make a mount and PID namespace"
	IN_MNT=1 exec timeout 300 unshare -m -p -f --mount-proc --propagation private bash "$0"
fi
mount -t tmpfs -o size=1m tmpfs /run || { ok 1 "tmpfs on /run in the suite's mount namespace"; done_testing; exit 1; }
mkdir -p /run/netns

SOCKPOP="$TOP/$B/tests/sockpop"
SHIM="$TOP/$B/tests/faultshim.so"
[ -f "$SHIM" ] || { ok 1 "$SHIM built (make check-build)"; done_testing; exit 1; }
plugin_copy
work_dir
trap 'stop_tracked; cleanup' EXIT
host_range=$(cat /proc/sys/net/ipv4/ip_local_port_range)
# The forecast's state files: the suite's own, never the host's default directory.
mkdir "$work/state"
export NAGIOS_PLUGIN_STATE_DIRECTORY="$work/state"

# netns NAME HOSTNAME LO HI SOCKPOP-ARGS...: a process in new network and UTS namespaces with
# lo up, range LO-HI and sockpop's population; waits for it. Sets ns_pid.
netns() {
	local name=$1 host=$2 lo=$3 hi=$4
	shift 4
	start_helper "$name" 20 unshare -n -u bash -c 'hostname "$1" && ip link set lo up &&
		echo "$2 $3" >/proc/sys/net/ipv4/ip_local_port_range && shift 3 &&
		exec "$0" -l 240 "$@"' "$SOCKPOP" "$host" "$lo" "$hi" "$@" || return 1
	ns_pid=$pid
}

netns blue blue-host 41000 41099 server,127.0.0.1,5000 est,127.0.0.1,5000,3 || { ok 1 "blue made"; done_testing; exit 1; }
blue=$ns_pid
touch /run/netns/blue && mount --bind "/proc/$blue/ns/net" /run/netns/blue
ok $? "blue bound under /run/netns"
touch /run/netns/stale # a file without a mount: no namespace
netns b web-b 42000 42019 server,127.0.0.1,5000 fill,127.0.0.1,5000 || { ok 1 "web-b made"; done_testing; exit 1; }
webb=$ns_pid
is "$(grep '^fill' "$work/b.out")" "fill 20 EADDRNOTAVAIL" "web-b: all 20 ports taken, connect() fails"
netns c web-c 43000 43099 server,127.0.0.1,5000 est,127.0.0.1,5000,5 || { ok 1 "web-c made"; done_testing; exit 1; }
webc=$ns_pid

# One namespace by name, by pid, by path.
out=$("$PLUGIN" --netns blue)
rc=$?
first=${out%%$'\n'*}
is "$rc" 0 "--netns blue: OK"
like "$first" "^EPHEMERAL OK - netns blue: tcp 3 of 100 ports in use \\(3.0%\\)" "--netns blue: named, its own pool of 100"
is "$(perf "$first" netns_checked)" 1 "--netns blue: one namespace checked"
is "$(perf "$first" tcp_used)" 3 "--netns blue: its 3 connections"

out=$("$PLUGIN" --netns "$webb")
rc=$?
first=${out%%$'\n'*}
is "$rc" 2 "--netns PID of the full one: CRITICAL"
like "$first" "^EPHEMERAL CRITICAL - netns hostname web-b: tcp 20 of 20 ports in use \\(100.0%\\)" "named by its UTS host name, with its numbers"
is "$(perf "$first" netns_critical)" 1 "netns_critical 1"
out=$("$PLUGIN" --netns "/proc/$webc/ns/net")
is "$?" 0 "--netns PATH: OK"
like "${out%%$'\n'*}" "netns hostname web-c: tcp 5 of 100 ports" "--netns PATH: web-c's 5 of 100"

# Every namespace: the full one decides.
out=$("$PLUGIN" --netns all)
rc=$?
first=${out%%$'\n'*}
is "$rc" 2 "--netns all: CRITICAL"
like "$first" "^EPHEMERAL CRITICAL - netns " "--netns all: the status line names the worst namespace"
ok "$([ "$(perf "$first" netns_checked)" -ge 4 ]; echo $?)" "--netns all: at least host, blue, web-b and web-c checked ($(perf "$first" netns_checked))"
ok "$([ "$(perf "$first" netns_critical)" -ge 1 ]; echo $?)" "--netns all: at least one critical"
like "$out" $'\nnetns   hostname web-b: CRITICAL, tcp 20 of 20 \\(100.0%\\)' "long output lists web-b"
[ "${#first}" -lt 1024 ]
ok $? "first line under 1 KB (${#first} bytes)"

json=$("$PLUGIN" --netns all -o json)
get() { python3 -c "import json,sys; d=json.load(sys.stdin); $1" <<<"$json"; }
printf '%s\n' "$json" >"$work/all.json"
python3 "$TOP/tests/json_schema.py" "$TOP/docs/check_ephemeral.schema.json" "$work/all.json"
ok $? "json: --netns all matches docs/check_ephemeral.schema.json"
is "$(get 'print(d["state"])')" CRITICAL "json: CRITICAL"
is "$(get 'print(next(n["kind"] for n in d["netns"]["namespaces"] if n["name"]=="blue"))')" named "json: blue is a named namespace"
is "$(get 'print(next(n["protocols"]["tcp"]["pool_size"] for n in d["netns"]["namespaces"] if n["name"]=="blue"))')" 100 "json: blue judged on its own pool"
is "$(get 'print(next(n["state"] for n in d["netns"]["namespaces"] if n["name"]=="hostname web-b"))')" CRITICAL "json: web-b CRITICAL"
is "$(get 'print(next(n["state"] for n in d["netns"]["namespaces"] if n["name"]=="hostname web-c"))')" OK "json: web-c OK"
is "$(get 'print(next(n["kind"] for n in d["netns"]["namespaces"] if n["self"]))')" \
	"$(get 'print("host" if next(n for n in d["netns"]["namespaces"] if n["self"])["inode"]==0xEFFFFFF9 else next(n for n in d["netns"]["namespaces"] if n["self"])["kind"])')" \
	"json: the plugin's own namespace is listed (host on Linux 6.18+)"
is "$(get 'print(sum(1 for n in d["netns"]["namespaces"] if "stale" in n["path"]))')" 0 "json: a file under /run/netns that is no mount is no namespace"
is "$(get 'print(len(d["netns"]["namespaces"])==len({n["name"] for n in d["netns"]["namespaces"]}))')" True "json: every name once"

prom=$("$PLUGIN" --netns all -o prometheus)
like "$prom" $'\nephemeral_ports_used\\{netns="blue",protocol="tcp"\\} 3\n' "prometheus: blue's series labelled netns"
like "$prom" $'\nephemeral_ports_free\\{netns="hostname web-b",protocol="tcp"\\} 0\n' "prometheus: web-b has no free port"
like "$prom" $'\nephemeral_check_state 2\n' "prometheus: the check state is CRITICAL"

# Six more namespaces; the fault shim ends one's only process when the plugin, having listed
# it, opens it to enter (a container stopped mid-run). It is skipped and counted, not an error;
# the others are judged. The suite's PID namespace makes the count exact: the suite's own, blue,
# web-b, web-c and the six.
for i in 1 2 3 4 5 6; do
	netns "m$i" "many-$i" 44000 44099 server,127.0.0.1,5000 "est,127.0.0.1,5000,$i" ||
		{ ok 1 "many-$i made"; done_testing; exit 1; }
	eval "m$i=$ns_pid"
done
out=$(EPH_FAULT_NETNS_GONE=$m6 EPH_FAULT_LOG="$work/faults" LD_PRELOAD="$SHIM" "$PLUGIN" --netns all -v)
rc=$?
first=${out%%$'\n'*}
is "$(cat "$work/faults" 2>/dev/null)" netnsgone "many-6's process was ended during the run"
is "$rc" 2 "one gone mid-run: still CRITICAL (web-b)"
like "$first" "^EPHEMERAL CRITICAL - netns hostname web-b: tcp 20 of 20 ports in use \\(100.0%\\)" "the worst is still named"
like "$first" "; 9 namespaces checked: 1 critical, 0 warning; 1 skipped \\(gone or not enterable\\) \\|" "nine checked, the gone one counted as skipped"
is "$(perf "$first" netns_checked)" 9 "netns_checked 9"
like "$out" $'\nnetns skipped hostname many-6: /proc/'"$m6"$'/ns/net: gone \\(its processes ended\\)\n' "-v: which one, and why"
like "$out" $'\nnetns   hostname many-5: OK, tcp 5 of 100 \\(5.0%\\)' "the others are read (many-5's 5 connections)"
[ "${#first}" -lt 1024 ]
ok $? "first line under 1 KB with ten namespaces (${#first} bytes)"
rm -f "$work/faults"
json=$(EPH_FAULT_NETNS_GONE=$m5 EPH_FAULT_LOG="$work/faults" LD_PRELOAD="$SHIM" "$PLUGIN" --netns all -o json)
is "$(cat "$work/faults" 2>/dev/null)" netnsgone "json: many-5's process was ended during the run"
is "$(get 'n=next(n for n in d["netns"]["namespaces"] if n["name"]=="hostname many-5"); print(n["checked"], n["state"], n["reason"])')" \
	"False None /proc/$m5/ns/net: gone (its processes ended)" "json: listed, not checked, with the reason"
is "$(get 'print(d["netns"]["checked"], d["netns"]["skipped"], d["state"])')" "8 1 CRITICAL" "json: 8 checked, 1 skipped, CRITICAL"
is "$(get 'print(sum(1 for n in d["netns"]["namespaces"] if n["checked"]))')" 8 "json: every checked one listed"

# A namespace whose process ended: --netns PID is an error, --netns all does not list it.
kill "$webc" && wait "$webc" 2>/dev/null
out=$("$PLUGIN" --netns "$webc")
is "$?" 3 "--netns PID of an ended process: UNKNOWN"
like "$out" "^EPHEMERAL UNKNOWN - --netns $webc: there is no process $webc" "and says so"
out=$("$PLUGIN" --netns all -o json)
is "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(1 for n in d["netns"]["namespaces"] if n["name"]=="hostname web-c"))' <<<"$out")" 0 "--netns all: the ended one is gone"

# Errors.
out=$("$PLUGIN" --netns nosuch)
is "$?" 3 "--netns nosuch: UNKNOWN"
like "$out" "no network namespace of that name" "--netns nosuch: says so"
out=$("$PLUGIN" --netns stale)
like "$out" "^EPHEMERAL UNKNOWN - --netns: /run/netns/stale is not a namespace file" "--netns on a file that is no mount"
out=$("$PLUGIN" --netns "/proc/$blue/ns/uts")
like "$out" "is not a network namespace" "--netns on a UTS namespace file"

# Unprivileged: refused up front with the reason.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PLUGIN" --netns all 2>&1)
rc=$?
is "$rc" 3 "as nobody: UNKNOWN"
like "$out" "^EPHEMERAL UNKNOWN - --netns needs CAP_SYS_ADMIN" "as nobody: the reason, one line"

# The forecast per namespace: fc-grow grows between two runs (and has history injected in the
# state file, as suite_forecast does), fc-flat does not; --netns all --metric eta names fc-grow.
# A state directory of its own, so that only these runs' samples count.
netns fcg fc-grow 45000 45099 server,127.0.0.1,5000 est,127.0.0.1,5000,10 || { ok 1 "fc-grow made"; done_testing; exit 1; }
fcg=$ns_pid
netns fcf fc-flat 46000 46099 server,127.0.0.1,5000 est,127.0.0.1,5000,10 || { ok 1 "fc-flat made"; done_testing; exit 1; }
fcf=$ns_pid
fsd="$work/fc-state"
mkdir "$fsd"
"$PLUGIN" --netns all --state-dir "$fsd" >/dev/null
sf=$(ls "$fsd"/check_ephemeral-*.state 2>/dev/null)
is "$(sed -n 2p "$sf" 2>/dev/null)" "key proto=tcp families=ipv4,ipv6 range=os netns=all" "the state file's key holds --netns all"
grow_ino=$(stat -L -c %i "/proc/$fcg/ns/net")
flat_ino=$(stat -L -c %i "/proc/$fcf/ns/net")
grow_key="$grow_ino:hostname%20fc-grow"
flat_key="$flat_ino:hostname%20fc-flat"
is "$(awk -v k="$grow_key" '$2 == k {print $3, $4}' "$sf")" "10 -" "one sample of fc-grow, keyed by its inode and name: 10 ports"
is "$(awk -v k="$flat_key" '$2 == k {print $3, $4}' "$sf")" "10 -" "one sample of fc-flat: 10 ports"
ok "$([ "$(tail -n +3 "$sf" | wc -l)" -ge 4 ] && echo 0 || echo 1)" "one sample per namespace checked"
nsenter -t "$fcg" -n -u "$SOCKPOP" -l 240 bound,127.0.0.1,20 >"$work/fcg2.out" 2>"$work/fcg2.err" &
track_pid $!
wait_for "$work/fcg2.out" '^ready' 20
ok $? "fc-grow grew by 20 bound sockets"
sleep 1.2
# History: fc-grow had 0 ports 40 s ago and 5 20 s ago; and a namespace that died had its inode
# under another name 50 s ago (its series must go).
now=$(date +%s)
{
	head -n 2 "$sf"
	echo "$((now - 50)) $grow_ino:hostname%20old-one 99 -"
	echo "$((now - 40)) $grow_key 0 -"
	echo "$((now - 20)) $grow_key 5 -"
	tail -n +3 "$sf"
} >"$sf.new" && mv "$sf.new" "$sf"
out=$("$PLUGIN" --netns all --state-dir "$fsd" --metric eta --top 20 -v)
rc=$?
first=${out%%$'\n'*}
# The ETA the samples of fc-grow imply: least squares over them, as lib/forecast.c.
read -r want words < <(awk -v k="$grow_key" -v pool=100 '$2 == k { n++; t[n] = $1; u[n] = $3 }
	END {
		now = t[n]
		for (i = 1; i <= n; i++) { st += t[i] - now; su += u[i] }
		mt = st / n; mu = su / n
		for (i = 1; i <= n; i++) { dt = (t[i] - now) - mt; sxx += dt * dt; sxy += dt * (u[i] - mu) }
		s = sxy / sxx
		if (s <= 0) exit
		e = (pool - u[n]) / s
		w = e >= 3600 ? "" : e < 60 ? "full in <1 min" : sprintf("full in ~%d min", int(e / 60 + 0.5))
		printf "%d %s\n", e, w
	}' "$sf")
is "$(awk -v k="$grow_key" '$2 == k {print $3}' "$sf" | tr '\n' ' ')" "0 5 10 30 " "fc-grow's series: history, then 10 and 30 ports"
ok "$([ -n "$want" ] && [ "$want" -lt 600 ] && echo 0 || echo 1)" "its samples imply an ETA under 10 minutes ($want s)"
is "$rc" 2 "--netns all --metric eta: CRITICAL"
like "$first" "^EPHEMERAL CRITICAL - netns hostname fc-grow: tcp 30 of 100 ports in use \\(30.0%\\), worst destination 10 ports to 127\\.0\\.0\\.1:5000, $words; " \
	"the status line names the growing one, with 'full in'"
is "$(perf "$first" tcp_eta)" "$want" "tcp_eta is fc-grow's ETA"
like "$first" "'tcp_eta'=${want}s;3600:;600:;0" "with the eta thresholds"
like "$out" $'\nnetns   hostname fc-flat: OK, tcp 10 of 100 \\(10.0%\\) dest 10 \\[' "fc-flat: OK, no ETA"
like "$out" "forecast: 1 sample\\(s\\) dropped: their namespace's inode now has another name" "-v: the old name's sample was dropped"
is "$(grep -c 'hostname%20old-one' "$sf")" 0 "and is gone from the file"
json=$("$PLUGIN" --netns all --state-dir "$fsd" --metric eta -o json)
printf '%s\n' "$json" >"$work/fc.json"
python3 "$TOP/tests/json_schema.py" "$TOP/docs/check_ephemeral.schema.json" "$work/fc.json"
ok $? "json with per-namespace forecasts matches the schema"
is "$(get 'print(d["netns"]["worst"])')" "hostname fc-grow" "json: fc-grow is the worst"
is "$(get 'f=next(n for n in d["netns"]["namespaces"] if n["name"]=="hostname fc-flat")["protocols"]["tcp"]["forecast"]; print(f["slope_per_second"], f["eta_seconds"])')" \
	"0 None" "json: fc-flat's own forecast: flat, no ETA"
is "$(get 'f=next(n for n in d["netns"]["namespaces"] if n["name"]=="hostname fc-grow")["protocols"]["tcp"]["forecast"]; print(f["eta_seconds"] is not None and f["eta_seconds"] < 600)')" \
	True "json: fc-grow's own ETA"
prom=$("$PLUGIN" --netns all --state-dir "$fsd" -o prometheus)
like "$prom" $'\nephemeral_ports_full_eta_seconds\\{netns="hostname fc-grow",protocol="tcp"\\} [0-9]+\n' "prometheus: fc-grow's ETA, labelled"

is "$(cat /proc/sys/net/ipv4/ip_local_port_range)" "$host_range" "the host's range is untouched"
done_testing
