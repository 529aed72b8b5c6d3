#!/usr/bin/env bash
# Icinga 2 master and agent (issue 17): the shipped contrib/icinga2 files, copied onto a master
# as a user would, must run an agent host's ephemeral-ports check ON the agent, and the agent's
# numbers must reach the master. Two private icinga2 2.13 daemons, each in a network namespace
# of its own (the suite's, and one it makes for the agent), joined only by a veth pair between
# those two; a private CA and certificates from `icinga2 pki`; every directory under a
# temporary one. The agent's namespace has another port range (1000 ports) and a known
# population; the master's has 10000 ports. The master's API must show, for agent1's service,
# check_source agent1 and the agent's exact counts; for its own, the master's pool. Every
# daemon is stopped by its PID; the system's icinga2 service is neither used nor touched.
# needs-packages: icinga2 iproute2 util-linux python3 curl
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/integ_lib.sh"

integ_need_icinga2
need_cmd curl curl
need_cmd nsenter util-linux
INTEG_TIMEOUT=${INTEG_TIMEOUT:-100} integ_enter_ns
ip link add eph-m type veth peer name eph-a 2>/dev/null ||
	skip_all "cannot create a veth pair in a private namespace (kernel module veth)"

SOCKPOP="$TOP/$B/tests/sockpop"
[ -x "$SOCKPOP" ] || setup_failed "$SOCKPOP is missing: run make check-build"
INTEG_WORK=$(mktemp -d /tmp/eph-icagent.XXXXXX)
W=$INTEG_WORK
chmod 755 "$W"
PLUGIN=$(public_bin)
# stop_daemons: each daemon started (an icinga2 umbrella process) and the worker processes it
# started, by PID and only while their command line still names this test's directory; each
# gets SIGTERM, then (bounded) SIGKILL. The workers are noted while the umbrellas run
# (daemon_tree), since a worker may outlive its umbrella. Returns 1 if one needed SIGKILL.
DAEMONS="" TREE=""
daemon_tree() {
	local d k g
	for d in $DAEMONS; do
		for k in $(pgrep -P "$d"); do
			for g in "$k" $(pgrep -P "$k"); do
				[[ " $TREE " == *" $g "* ]] || TREE="$TREE $g"
			done
		done
	done
}
stop_daemons() {
	local p rc=0
	daemon_tree
	for p in $DAEMONS $TREE; do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "-DDataDir=$W/" || continue
		kill_wait "$p" 30 || rc=1
	done
	DAEMONS="" TREE=""
	return $rc
}
# On any exit, the daemons stop before integ_cleanup removes the directories under them. A
# timeout signals the whole process group (an rm -rf too): the cleanup then ignores it, and
# removes the directories again.
trap 'trap "" TERM INT HUP; stop_daemons; integ_cleanup; rm -rf "$W" "$(dirname "$PLUGIN")"' EXIT

# The agent's network (and mount) namespace: a process that only holds them, entered with
# nsenter.
unshare -n -m sleep 100 &
anchor=$!
INTEG_PIDS="$INTEG_PIDS $anchor"
# Not a function for what runs in the background: $! must be the program's own PID (nsenter
# execs it, no fork without a PID namespace).
AGENT_NS=(nsenter -t "$anchor" -n -m)
in_agent() { "${AGENT_NS[@]}" "$@"; }
for ((i = 0; i < 50; i++)); do
	[ "$(readlink /proc/$anchor/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.1
done
[ "$(readlink /proc/$anchor/ns/net)" != "$(readlink /proc/self/ns/net)" ] ||
	setup_failed "the agent's namespace (unshare -n -m)"
ip link set eph-a netns "$anchor" || setup_failed "veth end moved into the agent's namespace"

# The master's side: 198.51.100.1, pool 50000-59999 (10000 ports).
ip link set lo up
ip addr add 198.51.100.1/30 dev eph-m
ip link set eph-m up
echo "50000 59999" >/proc/sys/net/ipv4/ip_local_port_range
# The agent's side: 198.51.100.2, pool 41000-41999 (1000 ports), 7 established connections and
# 3 UDP sockets held: tcp 7 of 1000, udp 3 of 1000. The agent's API listens on 5665, outside
# its pool, and only the master connects, so the daemons add no port to the agent's pool.
in_agent sh -e -c 'ip link set lo up
	ip addr add 198.51.100.2/30 dev eph-a
	ip link set eph-a up
	echo "41000 41999" >/proc/sys/net/ipv4/ip_local_port_range' ||
	setup_failed "the agent's namespace: lo, veth, port range"
"${AGENT_NS[@]}" "$SOCKPOP" -l 100 server,127.0.0.1,5000 est,127.0.0.1,5000,7 udp,127.0.0.1,3 \
	>"$W/pop.out" 2>"$W/pop.err" &
INTEG_PIDS="$INTEG_PIDS $!"
wait_for "$W/pop.out" '^ready' 20 || setup_failed "sockpop in the agent's namespace: $(cat "$W/pop.err")"

# defs NODE: the -D overrides that keep NODE's icinga2 under $W/NODE.
defs() {
	echo "-DDataDir=$W/$1/data -DLogDir=$W/$1/log -DCacheDir=$W/$1/cache -DSpoolDir=$W/$1/spool"
	echo "-DInitRunDir=$W/$1/run -DRunAsUser=nagios -DRunAsGroup=nagios"
}
for n in master agent1 ca; do mkdir -p "$W/$n"/{data/certs,log,cache,spool,run}; done
chown -R nagios:nagios "$W"

# make_pki: a private CA (under $W/ca) and a certificate per node, CN = its endpoint name.
# shellcheck disable=SC2046
make_pki() {
	local n
	"$ICINGA2" pki new-ca $(defs ca) || return 1
	for n in master agent1; do
		"$ICINGA2" pki new-cert $(defs ca) --cn "$n" --key "$W/$n/data/certs/$n.key" \
			--csr "$W/$n/data/certs/$n.csr" &&
			"$ICINGA2" pki sign-csr $(defs ca) --csr "$W/$n/data/certs/$n.csr" \
				--cert "$W/$n/data/certs/$n.crt" &&
			cp "$W/ca/data/ca/ca.crt" "$W/$n/data/certs/ca.crt" || return 1
	done
}
make_pki >"$W/pki.log" 2>&1 || setup_failed "icinga2 pki: $(grep -i critical "$W/pki.log" | head -n 3)"

# zones AGENT-ENDPOINT-ATTRIBUTES: both nodes' endpoints and zones; only the master connects
# (its agent1 Endpoint has host and port).
zones() {
	cat <<EOC
object Endpoint "master" { }
object Zone "master" { endpoints = [ "master" ] }
object Endpoint "agent1" { $1 }
object Zone "agent1" {
	endpoints = [ "agent1" ]
	parent = "master"
}
EOC
}
# The master: the shipped files as a user copies them, a Host for the agent and one for itself.
# The agent does not see the master's PluginDir (an empty tmpfs over it in the agent's mount
# namespace): it must run the plugin of its own PluginDir.
cp "$TOP/contrib/icinga2/check_ephemeral.conf" "$TOP/contrib/icinga2/check_ephemeral-services.conf" "$W/master/"
mkdir -m 755 "$W/master/plugins"
cp "$PLUGIN" "$W/master/plugins/check_ephemeral"
in_agent mount -t tmpfs -o mode=755 eph-hide "$W/master/plugins" ||
	setup_failed "the master's PluginDir hidden in the agent's mount namespace"
APIPW=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
{
	cat <<EOC
const PluginDir = "$W/master/plugins"
const NodeName = "master"
const ZoneName = "master"
include <itl>
include <plugins>
include "check_ephemeral.conf"
include "check_ephemeral-services.conf"
EOC
	zones 'host = "198.51.100.2"; port = 5665'
	cat <<EOC
object ApiListener "api" { bind_host = "198.51.100.1" }
object ApiUser "test" {
	password = "$APIPW"
	permissions = [ "objects/query/*" ]
}
object CheckerComponent "checker" { }
template Service "generic-service" {
	max_check_attempts = 1
	check_interval = 2s
	retry_interval = 2s
}
object Host "master" {
	check_command = "dummy"
	enable_active_checks = false
	address = "198.51.100.1"
	vars.os = "Linux"
}
/* As in zones.d/master/ of Icinga's distributed monitoring documentation. */
object Host "agent1" {
	zone = "master"
	check_command = "dummy"
	enable_active_checks = false
	address = "198.51.100.2"
	vars.os = "Linux"
	vars.agent_endpoint = name
}
EOC
} >"$W/master/icinga2.conf"
# The agent: its endpoints, commands from the master, the CheckCommand, the plugin in its PluginDir.
mkdir -m 755 "$W/agent1/plugins"
cp "$PLUGIN" "$W/agent1/plugins/check_ephemeral"
cp "$TOP/contrib/icinga2/check_ephemeral.conf" "$W/agent1/"
{
	cat <<EOC
const PluginDir = "$W/agent1/plugins"
const NodeName = "agent1"
const ZoneName = "agent1"
include "check_ephemeral.conf"
EOC
	zones ""
	echo 'object ApiListener "api" {'
	echo '	bind_host = "198.51.100.2"'
	echo '	accept_commands = true'
	echo '}'
} >"$W/agent1/icinga2.conf"
chown -R nagios:nagios "$W"
in_agent test -e "$W/master/plugins/check_ephemeral"
ok $([ $? = 1 ]; echo $?) "the master's plugin is out of the agent's sight"

# shellcheck disable=SC2046
for n in master agent1; do
	out=$("$ICINGA2" daemon -C -c "$W/$n/icinga2.conf" $(defs $n) 2>&1)
	is $? 0 "$n: icinga2 daemon -C accepts its configuration" ||
		echo "$out" | grep -iE 'critical|error' | head -n 5 | sed 's/^/#   /'
done

# The agent first (its API listening), then the master, which connects to it.
# shellcheck disable=SC2046
"${AGENT_NS[@]}" "$ICINGA2" daemon -c "$W/agent1/icinga2.conf" $(defs agent1) >"$W/agent1.log" 2>&1 &
agent=$!
DAEMONS="$DAEMONS $agent"
# shellcheck disable=SC2046
"$ICINGA2" daemon -c "$W/master/icinga2.conf" $(defs master) >"$W/master.log" 2>&1 &
master=$!
DAEMONS="$DAEMONS $master"

# result HOST: "check_source exit perfdata..." of HOST!ephemeral-ports from the master's API.
result() {
	curl -s --max-time 5 --cacert "$W/master/data/certs/ca.crt" --resolve master:5665:198.51.100.1 \
		-u "test:$APIPW" "https://master:5665/v1/objects/services/$1!ephemeral-ports?attrs=last_check_result" |
		python3 -c '
import json, sys
r = json.load(sys.stdin)["results"][0]["attrs"]["last_check_result"] or {}
perf = " ".join(p.replace("\x27", "") for p in (r.get("performance_data") or []))
print(r.get("check_source"), r.get("exit_status"), perf or (r.get("output") or "").replace("\n", " "))' 2>/dev/null
}
# Bounded: up to 60 s until each service has a result from where it must run.
got_a="" got_m=""
for ((i = 0; i < 120; i++)); do
	got_a=$(result agent1)
	got_m=$(result master)
	[[ "$got_a" == "agent1 "* && "$got_m" == "master "* ]] && break
	if ! kill -0 "$master" 2>/dev/null || ! kill -0 "$agent" 2>/dev/null; then break; fi
	daemon_tree
	sleep 0.5
done
is "${got_a%% *}" agent1 "agent1!ephemeral-ports: check_source is the agent's endpoint" ||
	{ diag "last result: $got_a"; tail -n 5 "$W/master.log" "$W/agent1.log" | sed 's/^/#   /'; }
# tcp 7 of the agent's 1000 ports, udp 3 (the population), OK.
like "$got_a" "^agent1 0 tcp_used=7;;;0;1000 tcp_pct=0.7%;80;90;0;100 tcp_free=993;;;0;1000 tcp_established=7;" \
	"agent1!ephemeral-ports: OK, the agent's pool (1000) and exactly its 7 TCP ports"
like "$got_a" " udp_used=3;;;0;1000 " "agent1!ephemeral-ports: the agent's 3 UDP ports of 1000"
is "${got_m%% *}" master "master!ephemeral-ports: the master's own check runs on the master" ||
	diag "last result: $got_m"
like "$got_m" " tcp_used=[0-9]+;;;0;10000 " "master!ephemeral-ports: the master's pool (10000), not the agent's"

stop_daemons
ok $? "master and agent stopped by their PIDs (SIGTERM)"
is "$(pgrep -f -- "-DDataDir=$W/" | tr '\n' ' ')" "" "no icinga2 process of the test is left (pgrep only looks)"
done_testing
