#!/usr/bin/env bash
# Nagios 4: the command and service definitions README.md shows, which must be the shipped
# files (contrib/nagios/*.cfg) word for word, pass `nagios4 -v` on a throwaway configuration
# (with Debian's /etc/nagios-plugins/config beside them, where the package puts the command), then a private Nagios 4 core (as user nagios,
# every file under a temporary directory, interval_length=1 so intervals are seconds) runs
# them briefly inside a network namespace with a fixed population (tests/integ_lib.sh).
# status.dat must record, for each service, the state, output and perfdata of a direct run
# as user nagios. The system's nagios4 service, if any, is neither used nor touched; the core
# is stopped by its PID.
# needs-packages: nagios4-core iproute2 util-linux
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/integ_lib.sh"

NAGIOS=$(command -v nagios4 || echo /usr/sbin/nagios4)
[ -x "$NAGIOS" ] || skip_all "nagios4 not installed (Debian package nagios4-core)"
integ_enter_ns

integ_populate || { ok 1 "population built"; done_testing; exit 1; }
W=$INTEG_WORK
N=$W/nagios
mkdir -p "$N/tmp" "$N/checkresults"
# What README.md shows, which must be the shipped files; the command line gains the test's
# copy of the plugin and the population's range (tests/integ_lib.sh).
for f in commands services; do
	readme_block "contrib/nagios/check_ephemeral-$f.cfg" >"$N/readme-$f.cfg"
	ok $([ -s "$N/readme-$f.cfg" ] && cmp -s "$N/readme-$f.cfg" "$TOP/contrib/nagios/check_ephemeral-$f.cfg"; echo $?) \
		"README.md shows contrib/nagios/check_ephemeral-$f.cfg as it is shipped"
done
sed "s|/usr/lib/nagios/plugins/check_ephemeral |$PLUGIN --range 40000-40099 |" \
	"$N/readme-commands.cfg" >"$N/check_ephemeral-commands.cfg"
cp "$N/readme-services.cfg" "$N/check_ephemeral-services.cfg"
grep -q -F -- "$PLUGIN --range" "$N/check_ephemeral-commands.cfg"
ok $? "the command line names the plugin by the path the package installs"
# Debian's own command definitions (check_nrpe, check_disk ...) load beside ours: no name
# is defined twice, as when the package's /etc/nagios-plugins/config/check_ephemeral.cfg is there.
# (A copy without check_ephemeral.cfg: the package may be installed here.)
debian_cfg=""
if [ -d /etc/nagios-plugins/config ]; then
	mkdir "$N/debian-config"
	find /etc/nagios-plugins/config -maxdepth 1 -name '*.cfg' ! -name check_ephemeral.cfg \
		-exec cp {} "$N/debian-config/" \;
	debian_cfg="cfg_dir=$N/debian-config"
fi
echo "\$USER1\$=$(dirname "$PLUGIN")" >"$N/resource.cfg"
cat >"$N/objects.cfg" <<'EOC'
define timeperiod {
	timeperiod_name 24x7
	alias           always
	sunday          00:00-24:00
	monday          00:00-24:00
	tuesday         00:00-24:00
	wednesday       00:00-24:00
	thursday        00:00-24:00
	friday          00:00-24:00
	saturday        00:00-24:00
}
define contact {
	contact_name                  nobody
	host_notifications_enabled    0
	service_notifications_enabled 0
	host_notification_period      24x7
	service_notification_period   24x7
	host_notification_options     n
	service_notification_options  n
	host_notification_commands    check_true
	service_notification_commands check_true
}
define command {
	command_name check_true
	command_line /bin/true
}
define host {
	host_name          localhost
	address            127.0.0.1
	check_command      check_true
	max_check_attempts 1
	check_period       24x7
	contacts           nobody
}
define service {
	name                  generic-service
	register              0
	max_check_attempts    1
	check_interval        2
	retry_interval        2
	check_period          24x7
	notification_interval 0
	notification_period   24x7
	contacts              nobody
}
define service {
	use                 generic-service
	host_name           localhost
	service_description Forced warning
	check_command       check_ephemeral!10!90!-p all
}
define service {
	use                 generic-service
	host_name           localhost
	service_description Forced critical
	check_command       check_ephemeral!5!10!--metric used
}
EOC
cat >"$N/nagios.cfg" <<EOC
log_file=$N/nagios.log
cfg_file=$N/objects.cfg
cfg_file=$N/check_ephemeral-commands.cfg
cfg_file=$N/check_ephemeral-services.cfg
$debian_cfg
object_cache_file=$N/objects.cache
precached_object_file=$N/objects.precache
resource_file=$N/resource.cfg
status_file=$N/status.dat
status_update_interval=1
nagios_user=nagios
nagios_group=nagios
check_external_commands=0
command_file=$N/nagios.cmd
query_socket=$N/nagios.qh
lock_file=$N/nagios.lock
temp_file=$N/nagios.tmp
temp_path=$N/tmp
check_result_path=$N/checkresults
check_result_reaper_frequency=1
retain_state_information=0
state_retention_file=$N/retention.dat
interval_length=1
max_service_check_spread=1
max_host_check_spread=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
enable_notifications=0
enable_event_handlers=0
process_performance_data=0
use_syslog=0
log_rotation_method=n
enable_flap_detection=0
EOC
chown -R nagios:nagios "$N"

out=$("$NAGIOS" -v "$N/nagios.cfg" 2>&1)
rc=$?
is "$rc" 0 "nagios4 -v accepts the shipped command and service definitions"
[ "$rc" = 0 ] || echo "$out" | grep -iE 'error' | head -n 10 | sed 's/^/#   /'
like "$out" "Checked 4 services" "4 services: the 2 shipped samples and 2 forced states"
# The check must be able to fail: an undefined command is refused.
sed 's/check_ephemeral!10!90!-p all/check_ephemeral_missing!x/' "$N/objects.cfg" >"$N/broken.cfg"
sed "s|$N/objects.cfg|$N/broken.cfg|" "$N/nagios.cfg" >"$N/broken-nagios.cfg"
"$NAGIOS" -v "$N/broken-nagios.cfg" >/dev/null 2>&1
ok $([ $? != 0 ]; echo $?) "nagios4 -v rejects a broken copy (the validation is real)"

# The core, briefly: until status.dat shows every service checked.
"$NAGIOS" "$N/nagios.cfg" >"$W/nagios.out" 2>&1 &
core=$!
INTEG_PIDS="$INTEG_PIDS $core"
checked=0
for ((i = 0; i < 600; i++)); do
	if [ -f "$N/status.dat" ]; then
		checked=$(awk '/^servicestatus \{/ {s=1} s && /has_been_checked=1/ {n++} /^\t\}/ {s=0} END {print n+0}' "$N/status.dat")
		[ "$checked" -ge 4 ] && break
	fi
	kill -0 $core 2>/dev/null || break
	sleep 0.1
done
is "$checked" 4 "the core checked all 4 services"
[ "$checked" = 4 ] || tail -n 5 "$N/nagios.log" "$W/nagios.out" 2>/dev/null | sed 's/^/#   /'
cp "$N/status.dat" "$W/status.dat" 2>/dev/null
kill_wait $core 30
ok $? "core stopped by its PID"

# status SERVICE-DESCRIPTION KEY: a value from the copy of status.dat.
status() {
	awk -v svc="$1" -v key="$2" '
		/^servicestatus \{/ { s = 1; d = ""; delete v; next }
		s && /^\t\}/ { if (d == svc) { print v[key]; exit } s = 0; next }
		s { line = $0; sub(/^\t/, "", line); k = line; sub(/=.*/, "", k); val = line; sub(/^[^=]*=/, "", val); v[k] = val; if (k == "service_description") d = val }
	' "$W/status.dat"
}
# expect SERVICE STATE ARGS...: status.dat agrees with a direct run as nagios.
expect() {
	local svc=$1 want=$2 direct rc first
	shift 2
	direct=$(as_nagios "$PLUGIN" --range 40000-40099 "$@")
	rc=$?
	first=${direct%%$'\n'*}
	is "$rc" "$want" "$svc: a direct run exits $want"
	is "$(status "$svc" current_state)" "$want" "$svc: status.dat current_state $want"
	# Nagios 4 turns every ';' of the output into ':' (';' separates its log and command
	# fields); the status line has none, so it must arrive unchanged.
	first=${first%% |*}
	is "$(status "$svc" plugin_output)" "$first" "$svc: status.dat plugin_output"
	first=${direct%%$'\n'*}
	is "$(status "$svc" performance_data)" "${first#*| }" "$svc: status.dat performance_data"
}
expect "Ephemeral ports" 0 -w 80 -c 90 -p all
expect "Ephemeral ports per destination" 0 -w 50 -c 75 --metric dest
expect "Forced warning" 1 -w 10 -c 90 -p all
expect "Forced critical" 2 -w 5 -c 10 --metric used

done_testing
