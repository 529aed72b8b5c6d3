#!/usr/bin/env bash
# NRPE: a private nrpe daemon (Debian's nagios-nrpe-server) on 127.0.0.1:15666 with its own
# config and pid file, loaded with the shipped contrib/nrpe/check_ephemeral.cfg, queried by
# check_nrpe (nagios-nrpe-plugin). The answer must be exactly what a direct run as user
# nagios prints, with the same exit code, in OK, WARNING and CRITICAL, inside one network
# namespace with a fixed population (tests/integ_lib.sh). The system's NRPE service, if
# any, is neither used nor touched; the daemon is stopped by its PID.
# needs-packages: nagios-nrpe-server nagios-nrpe-plugin iproute2 util-linux
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/integ_lib.sh"

NRPE=$(command -v nrpe || echo /usr/sbin/nrpe)
CHECK_NRPE=/usr/lib/nagios/plugins/check_nrpe
[ -x "$NRPE" ] || skip_all "nrpe not installed (Debian package nagios-nrpe-server)"
[ -x "$CHECK_NRPE" ] || skip_all "check_nrpe not installed (Debian package nagios-nrpe-plugin)"
integ_enter_ns

integ_populate || { ok 1 "population built"; done_testing; exit 1; }
W=$INTEG_WORK
PORT=15666

# The shipped command lines, pointed at this build and the population's range, plus some
# that force WARNING and CRITICAL.
P="$PLUGIN $RANGE_ARGS"
sed "s|/usr/lib/nagios/plugins/check_ephemeral|$P|" "$TOP/contrib/nrpe/check_ephemeral.cfg" >"$W/check_ephemeral.cfg"
cat >>"$W/check_ephemeral.cfg" <<EOC
command[check_ephemeral_warn]=$P -p all -w 10 -c 90
command[check_ephemeral_crit]=$P -p all --metric used -w 5 -c 10
command[check_ephemeral_sam]=$P -o solarwinds -p all
EOC
cat >"$W/nrpe.cfg" <<EOC
log_facility=daemon
debug=0
pid_file=$W/nrpe.pid
server_port=$PORT
server_address=127.0.0.1
listen_queue_size=5
nrpe_user=nagios
nrpe_group=nagios
allowed_hosts=127.0.0.1
dont_blame_nrpe=0
allow_bash_command_substitution=0
command_timeout=60
connection_timeout=300
include=$W/check_ephemeral.cfg
EOC
chmod 644 "$W"/*.cfg

# -f: no fork, so $! is the daemon's PID; -n: plain TCP, matched by check_nrpe -n.
"$NRPE" -c "$W/nrpe.cfg" -n -f >"$W/nrpe.log" 2>&1 &
nrpe_pid=$!
INTEG_PIDS="$INTEG_PIDS $nrpe_pid"
up=1
for ((i = 0; i < 100; i++)); do
	if "$CHECK_NRPE" -H 127.0.0.1 -p $PORT -n -t 5 >/dev/null 2>&1; then
		up=0
		break
	fi
	kill -0 $nrpe_pid 2>/dev/null || break
	sleep 0.1
done
ok $up "private nrpe answers on 127.0.0.1:$PORT"
if [ $up != 0 ]; then
	echo "# nrpe log: $(cat "$W/nrpe.log")"
	done_testing
	exit 1
fi
like "$("$CHECK_NRPE" -H 127.0.0.1 -p $PORT -n)" "^NRPE v4" "check_nrpe without -c: the daemon's version"

# compare NRPE-COMMAND WANT-RC DIRECT-ARGS...
compare() {
	local cmd=$1 want=$2 direct rc_via rc_direct
	shift 2
	via=$("$CHECK_NRPE" -H 127.0.0.1 -p $PORT -n -t 60 -c "$cmd")
	rc_via=$?
	direct=$(as_nagios "$PLUGIN" $RANGE_ARGS "$@")
	rc_direct=$?
	is "$rc_via" "$want" "$cmd through NRPE: exit $want"
	is "$rc_direct" "$want" "$cmd run directly as nagios: exit $want"
	is "$via" "$direct" "$cmd: NRPE passes the output unchanged"
}
compare check_ephemeral 0 -p all -w 80 -c 90
like "$via" "^EPHEMERAL OK - tcp 15 of 90 ports in use \(16.7%\), worst destination 10 ports to [0-9.]+:[0-9]+ / udp 3 of 90 ports in use \(3.3%\) \| " \
	"check_ephemeral: the expected status line"
compare check_ephemeral_dest 0 --metric dest -w 50 -c 75
compare check_ephemeral_free 2 --metric free -w 2000: -c 500:
compare check_ephemeral_warn 1 -p all -w 10 -c 90
compare check_ephemeral_crit 2 -p all --metric used -w 5 -c 10
compare check_ephemeral_sam 0 -o solarwinds -p all
like "$via" $'^Statistic.state: 0\nMessage.state: OK - tcp 15 of 90' "check_ephemeral_sam: SAM lines pass through NRPE"

kill_wait $nrpe_pid 10
ok $? "private nrpe stopped by its PID"
done_testing
