#!/usr/bin/env bash
# The unit tests cross-built with mingw and run under wine (same tests/test_*.c, same tap.h),
# sys_process_name (tests/helper/win_owner.c), a check that a crash fails, that the plugin
# imports only system DLLs, and the plugin's basic contract under wine: exit codes, the range
# fallback when wine's netsh says nothing, and the -t timer thread; and the exe's version
# resource.
# needs-packages: gcc-mingw-w64-x86-64 wine wine64 python3
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_win.sh"

win_setup windows-tests

# Every unit test, renumbered into this stream as tests/suite_unit.sh does.
cd "$TOP" || exit 2
for t in "$WB"/tests/test_*.exe; do
	wtap "$(basename "$t" .exe)" "$t"
done

# sys_process_name, Windows only (the --top process table): a helper of its own.
wtap win_owner "$WB/tests/helper/win_owner.exe"

out=$(wrun "$WB/tests/helper/crash.exe")
rc=$?
[ "$rc" != 0 ]
ok $? "a crashing program exits non-zero under wine (exit $rc)"

# The version resource Explorer's Details tab and inventory tools read (Get-Item's
# VersionInfo): tests/pe_version.py reads VS_VERSIONINFO from the file, as Windows does.
ver=$(make -s --no-print-directory version)
if command -v python3 >/dev/null; then
	vi=$(python3 tests/pe_version.py "$WIN_EXE")
	want="CompanyName=check_ephemeral project
FileDescription=check_ephemeral: monitoring plugin for ephemeral port usage
FileVersion=$ver
InternalName=check_ephemeral
LegalCopyright=Copyright (C) 2026 The check_ephemeral authors. GPL-3.0-or-later.
OriginalFilename=check_ephemeral.exe
ProductName=check_ephemeral
ProductVersion=$ver
StringTable=040904B0
Translation=0409 1200"
	is "$(grep -v '^Fixed\.' <<<"$vi")" "$want" "check_ephemeral.exe: version resource strings, version $ver from lib/eph.h"
	nums=$(echo "${ver%%[~+-]*}" | awk -F. '{ printf "%d.%d.%d.0", $1, $2, $3 }')
	is "$(grep '^Fixed\.' <<<"$vi")" "Fixed.FileVersion=$nums"$'\n'"Fixed.ProductVersion=$nums" \
		"check_ephemeral.exe: numeric FILEVERSION and PRODUCTVERSION $nums"
	python3 tests/pe_version.py "$WB/tests/helper/crash.exe" >/dev/null
	ok $(( $? != 1 )) "the version reader finds nothing in an exe without a resource (the check is real)"
else
	for t in "version resource strings" "numeric FILEVERSION and PRODUCTVERSION" \
		"the version reader finds nothing in an exe without a resource"; do
		skip "check_ephemeral.exe: $t" "needs python3 to read the version resource (Debian package python3)"
	done
fi

# The static build needs no mingw runtime DLL (libgcc_s, libwinpthread, libstdc++): every DLL
# it imports is part of Windows. objdump reads the import table without running anything.
# not_system_dlls: the DLL names on stdin that are not on the allow-list, one per line.
not_system_dlls() {
	grep -viE '^(ADVAPI32|IPHLPAPI|KERNEL32|msvcrt|ole32|OLEAUT32|WS2_32)\.dll$' | grep -v '^$'
}
is "$(printf 'KERNEL32.dll\nlibwinpthread-1.dll\nmsvcrt.dll\n' | not_system_dlls)" \
	"libwinpthread-1.dll" "the DLL allow-list check catches a mingw runtime DLL"
dlls=$(x86_64-w64-mingw32-objdump -p "$WIN_EXE" | sed -n 's/^[[:space:]]*DLL Name: *//p' | tr -d '\r')
echo "# check_ephemeral.exe imports: $(echo $dlls)"
grep -qx 'KERNEL32\.dll' <<<"$dlls"
ok $? "objdump lists the imports of check_ephemeral.exe (KERNEL32.dll among them)"
is "$(not_system_dlls <<<"$dlls")" "" \
	"check_ephemeral.exe imports only system DLLs (ADVAPI32 IPHLPAPI KERNEL32 msvcrt ole32 OLEAUT32 WS2_32)"

# The plugin itself.
out=$(wrun "$WIN_EXE" -V)
is "$?" 3 "-V exits 3"
like "$out" "^check_ephemeral 0\.|^check_ephemeral v?[0-9]" "-V names the version"
out=$(wrun "$WIN_EXE" --no-such-option)
is "$?" 3 "a bad option is UNKNOWN"
like "$out" "^EPHEMERAL UNKNOWN" "and says so on the first line"
out=$(wrun "$WIN_EXE" -p all -v)
is "$?" 0 "default run: OK"
first=${out%%$'\n'*}
like "$first" "^EPHEMERAL OK - tcp [0-9]+ of 16384 ports in use" "the default pool is 16384 ports"
like "$first" "'udp_used'=[0-9]+;;;0;16384" "UDP is counted against its own pool"
like "$out" $'\ntcp: range 49152-65535 \\(16384 ports\\) from the Windows default' \
	"wine's silent netsh falls back to the default, not to 0 ports"
like "$out" "netsh dynamicport: no output" "and the long output says why"
like "$out" "source GetExtendedTcpTable" "-v names the iphlpapi source"
like "$out" "running under wine" "and that wine cannot show bound-only sockets"
[[ "$out" != *$'\r'* ]]
ok $? "CRs are stripped by the harness"
like "$out" "TIME_WAIT / 240 s, an estimated lifetime" "no TcpTimedWaitDelay: the 240 s default, marked as an estimate"
like "$out" $'\ntcp: TcpTimedWaitDelay default \\(not configured; 240 s assumed\\)\ntcp: churn ' \
	"-v: the setting line says 'default', just before the churn line"
labels() { grep -oE "'[a-z_]+'=" <<<"${1%%$'\n'*}" | tr -d "'=" | tr '\n' ' '; }
out=$(wrun "$WIN_EXE" -v --range 1-2)
default_labels=$(labels "$out")
like "$default_labels" " tcp_churn tcp_churn_max $" "tcp_churn and tcp_churn_max end the perfdata without TcpTimedWaitDelay"
tcpip='HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters'
set_tw() { wrun reg add "$tcpip" /v TcpTimedWaitDelay /t REG_DWORD /d "$1" /f >/dev/null; }
set_tw 30
out=$(wrun "$WIN_EXE" -v --range 1-2)
like "$out" "TIME_WAIT / 30 s, the configured lifetime" "TcpTimedWaitDelay is read from the registry"
like "$out" $'\ntcp: TcpTimedWaitDelay 30 s \\(HKLM\\\\SYSTEM\\\\CurrentControlSet\\\\Services\\\\Tcpip\\\\Parameters\\)\n' \
	"-v names the configured TcpTimedWaitDelay and its key"
like "$out" "each one sustains about 0.07/s \(2 ports / 30 s, the TIME_WAIT lifetime\)" "the configured 30 s is the divisor"
# Outside the documented 30-300 s: ignored, the 240 s estimate as when absent, and the same
# perfdata labels (0 used to drop tcp_churn).
for v in 1 0 29 301 4294967295; do
	set_tw "$v"
	out=$(wrun "$WIN_EXE" -v --range 1-2)
	is "$(wrun reg query "$tcpip" /v TcpTimedWaitDelay | grep -c TcpTimedWaitDelay)" 1 \
		"TcpTimedWaitDelay $v is set"
	like "$out" $'\ntcp: TcpTimedWaitDelay '"$v"$' is outside 30-300, ignored \\(HKLM\\\\SYSTEM\\\\CurrentControlSet\\\\Services\\\\Tcpip\\\\Parameters\\); 240 s assumed\n' \
		"TcpTimedWaitDelay $v: -v says it is outside 30-300 and ignored"
	like "$out" "\(0 in TIME_WAIT / 240 s, an estimated lifetime: the OS setting is out of range, ignored\); no connection toward any destination now; each one sustains about 0.01/s \(2 ports / 240 s, the TIME_WAIT lifetime\)" \
		"TcpTimedWaitDelay $v: the churn line uses the 240 s estimate"
	is "$(perf "$out" tcp_churn)" 0 "TcpTimedWaitDelay $v: tcp_churn is still reported"
	is "$(labels "$out")" "$default_labels" "TcpTimedWaitDelay $v: the perfdata labels are those of a run without it"
done
out=$(wrun "$WIN_EXE" -o json --range 1-2)
like "$out" '"time_wait_lifetime": 240, "lifetime": "estimate"' "-o json: an ignored value is the 240 s estimate"
wrun reg delete "$tcpip" /v TcpTimedWaitDelay /f >/dev/null

# The other renderers and the file writers (sys_write_file_atomic, sys_append_file,
# sys_host_name, sys_local_time_iso8601 on Windows).
out=$(wrun "$WIN_EXE" -o solarwinds -p all --range 1-2)
is "$?" 0 "-o solarwinds exits 0"
like "$out" $'^Statistic\\.state: 0\nMessage\\.state: OK' "-o solarwinds: Statistic/Message pairs"
out=$(wrun "$WIN_EXE" -o json --range 1-2)
like "$out" '"source": "--range"' "-o json names the range source"
rm -f "$WINEPREFIX/drive_c/out.prom"
out=$(wrun "$WIN_EXE" -o prometheus --range 1-2 --output-file 'C:\out.prom')
is "$?" 0 "--output-file exits 0"
like "$(cat "$WINEPREFIX/drive_c/out.prom" 2>/dev/null)" 'ephemeral_ports_range_size\{protocol="tcp"\} 2' \
	"--output-file writes the file"
ls "$WINEPREFIX"/drive_c/out.prom.*.tmp >/dev/null 2>&1
is "$?" 2 "and leaves no temporary file"
wrun "$WIN_EXE" --range 1-2 --log 'C:\hist.csv' >/dev/null
wrun "$WIN_EXE" --range 1-2 -p all --log 'C:\hist.csv' >/dev/null
log=$(tr -d '\r' <"$WINEPREFIX/drive_c/hist.csv" 2>/dev/null)
is "$(grep -c '^Computer,' <<<"$log")" 1 "--log: one header"
is "$(grep -cE ',tcp(,|$)' <<<"$log"),$(grep -cE ',udp(,|$)' <<<"$log")" "2,1" \
	"--log: one line per protocol and run (the column may move)"
like "$log" $'\n[^,]+,[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2},' \
	"--log: computer name and ISO 8601 local time with offset"
# An empty log the administrator created gets the header once, also from two runs at once
# (they take turns through a lock on the file).
: >"$WINEPREFIX/drive_c/hist2.csv"
wrun "$WIN_EXE" --range 1-2 --log 'C:\hist2.csv' >/dev/null &
p1=$!
wrun "$WIN_EXE" --range 1-2 --log 'C:\hist2.csv' >/dev/null
wait "$p1"
log=$(tr -d '\r' <"$WINEPREFIX/drive_c/hist2.csv" 2>/dev/null)
is "$(grep -c '^Computer,' <<<"$log"),$(head -n 1 <<<"$log" | cut -c1-9),$(grep -cE ',tcp(,|$)' <<<"$log")" \
	"1,Computer,,2" "--log into an empty file, two runs at once: the header once, first, and both runs' lines"

# -t: the timer thread ends a stuck run with UNKNOWN naming the stage. A fake netsh that
# sleeps stands in for a hung one.
cp "$WB/tests/helper/netsh.exe" "$WINEPREFIX/drive_c/windows/system32/netsh.exe"
start=$(date +%s)
out=$(WINEDLLOVERRIDES="$WINE_OVERRIDES;netsh.exe=n" FAKE_NETSH_SLEEP=20 wrun "$WIN_EXE" -t 2)
rc=$?
end=$(date +%s)
is "$rc" 3 "-t 2 with a stuck netsh: UNKNOWN"
like "$out" "^EPHEMERAL UNKNOWN.*timed out after 2 s while reading the port range" \
	"the timeout names the stage"
[ $((end - start)) -lt 15 ]
ok $? "and comes in time ($((end - start)) s)"
done_testing
