#!/usr/bin/env bash
# Icinga 2: the shipped CheckCommand "ephemeral" and sample apply rules
# (contrib/icinga2/*.conf) are validated by `icinga2 daemon -C` on a throwaway configuration
# directory (also with agent hosts, Linux and Windows, whose services must run on the agent,
# the installed exe on Windows, and a Linux host without an agent, which must get none), then a private Icinga 2 core runs them briefly (as user nagios, every directory
# under a temporary one, no API, no features but the checker) inside a network namespace
# with a fixed population (tests/integ_lib.sh). Its state file must record, for each
# service, the exit code and output of a direct run as user nagios. The system's icinga2
# service, if any, is neither used nor touched; the core is stopped by its PID.
# needs-packages: icinga2 iproute2 util-linux python3
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/integ_lib.sh"

integ_need_icinga2
integ_enter_ns

integ_populate || { ok 1 "population built"; done_testing; exit 1; }
W=$INTEG_WORK
C=$W/icinga2
mkdir -p "$C"/{data,log,cache,spool,run}
cp "$TOP/contrib/icinga2/check_ephemeral.conf" "$TOP/contrib/icinga2/check_ephemeral-services.conf" "$C/"
cat >"$C/icinga2.conf" <<EOC
const PluginDir = "$(dirname "$PLUGIN")"
const NodeName = "localhost"
const ZoneName = "localhost"
include <itl>
include <plugins>
include "check_ephemeral.conf"
include "check_ephemeral-services.conf"

object CheckerComponent "checker" { }

template Service "generic-service" {
	max_check_attempts = 1
	check_interval = 2s
	retry_interval = 2s
}

/* The sample apply rules pick this host up through its vars; the range keeps the daemon's
   own sockets out of the count (tests/integ_lib.sh). */
object Host "localhost" {
	check_command = "dummy"
	address = "127.0.0.1"
	vars.os = "Linux"
	vars.ephemeral_dest = true
	vars.ephemeral_range = "40000-40099"
}

/* Only validated: an NRPE-reached host (never checked here, active checks off). */
object Host "remote" {
	check_command = "dummy"
	address = "192.0.2.1"
	enable_active_checks = false
	vars.ephemeral_nrpe = true
}

/* Every other custom variable, and forced states. */
object Service "ephemeral-warning" {
	import "generic-service"
	host_name = "localhost"
	check_command = "ephemeral"
	vars.ephemeral_protocol = "all"
	vars.ephemeral_warning = "10"
	vars.ephemeral_critical = "90"
	vars.ephemeral_ipv4 = true
	vars.ephemeral_timeout = 30
	vars.ephemeral_verbose = true
}
object Service "ephemeral-critical" {
	import "generic-service"
	host_name = "localhost"
	check_command = "ephemeral"
	vars.ephemeral_metric = "used"
	vars.ephemeral_warning = "5"
	vars.ephemeral_critical = "10"
	vars.ephemeral_log = "$W/history.csv"
	vars.ephemeral_top = 2
}
object Service "ephemeral-sam" {
	import "generic-service"
	host_name = "localhost"
	check_command = "ephemeral"
	vars.ephemeral_output = "solarwinds"
	vars.ephemeral_sam_status = true
	vars.ephemeral_warning = "10"
}
EOC
chown -R nagios:nagios "$C"
chmod 777 "$W"
DEFS=(-DDataDir="$C/data" -DLogDir="$C/log" -DCacheDir="$C/cache" -DSpoolDir="$C/spool"
	-DInitRunDir="$C/run" -DRunAsUser=nagios -DRunAsGroup=nagios)

out=$("$ICINGA2" daemon -C -c "$C/icinga2.conf" "${DEFS[@]}" 2>&1)
rc=$?
is "$rc" 0 "icinga2 daemon -C accepts the shipped CheckCommand and apply rules"
[ "$rc" = 0 ] || echo "$out" | grep -iE 'critical|error' | head -n 10 | sed 's/^/#   /'
like "$out" "Instantiated 6 Services" "the apply rules create 3 services, the test 3 more"

# A broken variable must be caught by the same validation (the test can fail).
sed 's/value = "\$ephemeral_warning\$"/value = "$ephemeral_warning$/' "$C/check_ephemeral.conf" >"$C/broken.conf"
sed 's/check_ephemeral.conf/broken.conf/' "$C/icinga2.conf" >"$C/broken-icinga2.conf"
"$ICINGA2" daemon -C -c "$C/broken-icinga2.conf" "${DEFS[@]}" >/dev/null 2>&1
ok $([ $? != 0 ]; echo $?) "icinga2 daemon -C rejects a broken copy (the validation is real)"

# A Windows host with an Icinga 2 agent (validated only, never checked): the Windows rules
# must run the check on the agent with the installed exe, the Linux ones PluginDir's plugin.
# The checkable needs a zone for command_endpoint; the agent's zone is a child of the master's.
sed -e 's/^include "check_ephemeral-services.conf"$/&\ninclude "windows-hosts.conf"/' "$C/icinga2.conf" >"$C/windows-icinga2.conf"
# agent_host NAME ADDRESS OS: a host with an Icinga 2 agent (its Endpoint and Zone, a child of
# the master's), as Icinga's distributed monitoring documentation declares one.
agent_host() {
	cat <<EOC
object Endpoint "$1" { }
object Zone "$1" {
	endpoints = [ "$1" ]
	parent = "localhost"
}
object Host "$1" {
	zone = "localhost"
	check_command = "dummy"
	address = "$2"
	enable_active_checks = false
	vars.os = "$3"
	vars.agent_endpoint = name
	vars.ephemeral_dest = true
}
EOC
}
{
	echo 'object Endpoint "localhost" { }'
	echo 'object Zone "localhost" { endpoints = [ "localhost" ] }'
	agent_host winhost01 192.0.2.2 Windows
	# A Linux host with an agent: its checks run there.
	agent_host web01 192.0.2.3 Linux
} >"$C/windows-hosts.conf"
cat >>"$C/windows-hosts.conf" <<'EOC'
/* A Linux host without an agent: a local check would measure the master, so none applies. */
object Host "noagent01" {
	check_command = "dummy"
	address = "192.0.2.4"
	enable_active_checks = false
	vars.os = "Linux"
	vars.ephemeral_dest = true
}
EOC
mkdir -p "$C/wcache"
chown -R nagios:nagios "$C"
WDEFS=("${DEFS[@]/#-DCacheDir=*/-DCacheDir=$C/wcache}")
out=$("$ICINGA2" daemon -C -c "$C/windows-icinga2.conf" "${WDEFS[@]}" 2>&1)
rc=$?
is "$rc" 0 "icinga2 daemon -C accepts the Windows rules with an agent host"
[ "$rc" = 0 ] || echo "$out" | grep -iE 'critical|error' | head -n 10 | sed 's/^/#   /'
# attrs NAME: "check_command=...;command_endpoint=..." of a service, from the object cache.
attrs() {
	"$ICINGA2" object list -DCacheDir="$C/wcache" --type Service --name "$1" 2>/dev/null |
		sed -n 's/^ *\* \(check_command\|command_endpoint\) = "\(.*\)"$/\1=\2/p' | paste -sd ';'
}
for svc in ephemeral-ports ephemeral-ports-dest; do
	is "$(attrs "winhost01!$svc")" 'check_command=ephemeral-windows;command_endpoint=winhost01' \
		"Windows $svc: runs on the agent, with the installed exe (ephemeral-windows)"
done
is "$(attrs 'localhost!ephemeral-ports')" 'check_command=ephemeral;command_endpoint=' "the monitoring server's own ephemeral-ports: local"
for svc in ephemeral-ports ephemeral-ports-dest; do
	is "$(attrs "web01!$svc")" 'check_command=ephemeral;command_endpoint=web01' "Linux agent host $svc: runs on the agent (PluginDir's plugin there)"
done
# A host without an agent gets no local-check service (it would carry the master's numbers).
is "$("$ICINGA2" object list -DCacheDir="$C/wcache" --type Service 2>/dev/null | grep -c "Object 'noagent01!")" 0 \
	"Linux host without an agent: no ephemeral service applies"
is "$("$ICINGA2" object list -DCacheDir="$C/wcache" --type Service 2>/dev/null | grep -c "^Object '")" 10 \
	"10 services: localhost 2 + 3 test, remote 1 (NRPE), winhost01 2, web01 2, noagent01 none"
# The program is the CheckCommand's command, evaluated on the node that runs the check (a
# custom variable would be resolved on the master: tests/suite_icinga2_agent.sh).
like "$("$ICINGA2" object list -DCacheDir="$C/wcache" --type CheckCommand --name ephemeral 2>/dev/null)" \
	"command = \[ \"$(dirname "$PLUGIN")/check_ephemeral\" \]" \
	"CheckCommand ephemeral: command PluginDir + /check_ephemeral"
like "$("$ICINGA2" object list -DCacheDir="$C/wcache" --type CheckCommand --name ephemeral-windows 2>/dev/null)" \
	'command = \[ "C:\\Program Files\\check_ephemeral\\check_ephemeral.exe" \]' \
	"CheckCommand ephemeral-windows: command the installed exe"

# The core, briefly: wait until each of the 5 local services ran its plugin, then stop it.
"$ICINGA2" daemon -x notice -c "$C/icinga2.conf" "${DEFS[@]}" >"$W/icinga2.log" 2>&1 &
core=$!
INTEG_PIDS="$INTEG_PIDS $core"
ran=0
for ((i = 0; i < 600; i++)); do
	ran=$(grep -cE "notice/Process: PID [0-9]+ \('[^']*check_ephemeral'.*terminated with exit code" "$W/icinga2.log")
	[ "$ran" -ge 10 ] && break
	kill -0 $core 2>/dev/null || break
	sleep 0.1
done
ok $([ "$ran" -ge 10 ]; echo $?) "the core ran the plugin ($ran runs)"
kill_wait $core 30
ok $? "core stopped by its PID"
ok $([ -s "$C/data/icinga2.state" ]; echo $?) "the core wrote its state file"

# The check results the core recorded, one line per service: NAME EXIT OUTPUT | PERFDATA.
python3 - "$C/data/icinga2.state" >"$W/results" <<'PY'
import json, re, sys
s = open(sys.argv[1]).read()
i = 0
while i < len(s):
    c = s.index(":", i)
    n = int(s[i:c])
    o = json.loads(s[c + 1:c + 1 + n])
    i = c + 1 + n + 1
    if o["type"] != "Service" or not o["name"].startswith("localhost!"):
        continue
    r = o["update"].get("last_check_result") or {}
    out = re.sub(" +\n", "\n", r.get("output") or "").replace("\n", "\\n")
    print("%s %s %s | %s" % (o["name"][10:], r.get("exit_status"), out.strip(),
                            " ".join(r.get("performance_data") or [])))
PY
# expect SERVICE EXIT ARGS...: the core's record equals a direct run as nagios.
expect() {
	local svc=$1 want=$2 direct rc text perf got
	shift 2
	direct=$(as_nagios "$PLUGIN" --range 40000-40099 "$@")
	rc=$?
	is "$rc" "$want" "$svc: a direct run exits $want"
	text=${direct%%|*}
	perf=${direct#*| }
	perf=${perf%%$'\n'*}
	perf=${perf//\'/} # Icinga 2 keeps the perfdata parsed: labels without their quotes
	[[ "$direct" == *"|"* ]] || perf=""
	# Long output lines (-v) follow the perfdata in Icinga's output field.
	if [[ "$direct" == *$'\n'* ]]; then
		text="$(echo "$text" | sed 's/ *$//')\\n${direct#*$'\n'}"
		text=${text//$'\n'/\\n}
	fi
	got=$(grep "^$svc " "$W/results")
	is "$got" "$svc $want $(echo "$text" | sed 's/ *$//') | $perf" "$svc: Icinga 2 recorded exit $want and the same output"
}
expect ephemeral-ports 0 -p all -w 80 -c 90
expect ephemeral-ports-dest 0 --metric dest -w 50 -c 75
expect ephemeral-warning 1 -p all -w 10 -c 90 -4 -t 30 -v
expect ephemeral-critical 2 --metric used -w 5 -c 10 --top 2
# A state that is not OK adds a row per local address (the --top tables; no PIDs as nagios).
is "$(grep -cE ',(\*|127\.0\.0\.1),15,90,16\.7,1,,tcp$' "$W/history.csv" 2>/dev/null)" "$(($(grep -c '' "$W/history.csv") - 1))" \
	"ephemeral_log: the history file was written by the core's runs"
got=$(grep "^ephemeral-sam " "$W/results")
like "$got" "^ephemeral-sam 2 Statistic.state: 1\\\\nMessage.state: WARNING - tcp 15 of 90" \
	"ephemeral-sam: SAM lines and --sam-status code (2 = warning) reach Icinga"

done_testing
