#!/usr/bin/env bash
# SolarWinds SAM: the ready scripts of contrib/solarwinds/. The Linux/Unix Script Monitor
# script runs under sh and bash in a private network namespace and prints exactly what the
# plugin prints, or, without the plugin, one Unknown pair and exit 4. The VBScript (Windows
# Script Monitor) runs under wine's cscript with check_ephemeral.exe installed where the
# installer puts it: SAM's pairs, the plugin's exit code, and exit 4 without the exe. The
# PowerShell script cannot run here (Debian packages no PowerShell): its content is checked.
# needs-packages: iproute2 util-linux gcc-mingw-w64-x86-64 wine wine64
set -u
. "$TOP/tests/lib.sh"

S="$TOP/contrib/solarwinds"
enter_netns 400
netns_pool 40000 40099 40090-40099
PLUGIN=$(public_bin)
work=$(mktemp -d)
cleanup() {
	[ -n "${WINEPREFIX:-}" ] && win_cleanup
	rm -rf "$work" "$(dirname "$PLUGIN")"
}
trap cleanup EXIT

# pairs TEXT: the statistic names, in order, when TEXT is Statistic/Message pairs with whole
# numbers; "bad: LINE" at the first line that breaks SAM's format.
pairs() {
	local stat="" names="" line
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [ -z "$stat" ]; then
			[[ "$line" =~ ^Statistic\.([A-Za-z0-9_]+):\ -?[0-9]+$ ]] || { echo "bad: $line"; return; }
			stat=${BASH_REMATCH[1]}
			names="$names $stat"
		else
			[[ "$line" == "Message.$stat: "?* ]] || { echo "bad: $line"; return; }
			stat=""
		fi
	done <<<"$1"
	echo "${names# }"
}
ALL="state tcp_used tcp_free tcp_pct tcp_dest tcp_time_wait udp_used udp_free udp_pct"

# --- Linux/Unix Script Monitor ---------------------------------------------------------------
sed "s|^PLUGIN=/usr/lib/nagios/plugins/check_ephemeral\$|PLUGIN=$PLUGIN|" "$S/check_ephemeral-sam.sh" >"$work/sam.sh"
grep -q "^PLUGIN=$PLUGIN\$" "$work/sam.sh"
ok $? "the script names the plugin where the package installs it"
want=$("$PLUGIN" -o solarwinds -p all)
for shell in sh bash; do
	out=$("$shell" "$work/sam.sh")
	rc=$?
	is "$rc:$out" "0:$want" "Linux script under $shell: exit 0, exactly the plugin's output"
	is "$(pairs "$out")" "$ALL" "Linux script under $shell: SAM's pairs, 9 of the 10 allowed"
done
sed 's|^PLUGIN=.*|PLUGIN=/nonexistent/check_ephemeral|' "$S/check_ephemeral-sam.sh" >"$work/missing.sh"
out=$(sh "$work/missing.sh")
is "$?:$(pairs "$out")" "4:state" "Linux script without the plugin: exit 4 (Unknown), one pair"
like "$out" "^Statistic.state: 3"$'\n'"Message.state: UNKNOWN - /nonexistent/check_ephemeral is not installed" \
	"Linux script without the plugin: says what is missing"

# --- PowerShell: content only ----------------------------------------------------------------
ps=$(tr -d '\r' <"$S/check_ephemeral-sam.ps1")
exe='C:\Program Files\check_ephemeral\check_ephemeral.exe'
grep -qxF "\$exe = '$exe'" <<<"$ps" && grep -qxF '& $exe -o solarwinds -p all | ForEach-Object { Write-Host $_ }' <<<"$ps" &&
	grep -qxF 'exit $LASTEXITCODE' <<<"$ps" && grep -q 'Execution Mode: Remote Host' <<<"$ps"
ok $? "PowerShell script (content only, no PowerShell here): the installer's path, Write-Host, the plugin's exit code, the Execution Mode note"

# --- VBScript under wine's cscript --------------------------------------------------------------
. "$TOP/tests/lib_win.sh"
if ! command -v wine >/dev/null || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
	for t in "waits for the plugin" "without the exe" "with the exe: the pairs" "with the exe: the exit code"; do
		skip "VBScript under wine: $t" "needs wine and mingw-w64 (Debian packages wine wine64 gcc-mingw-w64-x86-64)"
	done
	done_testing
	exit
fi
win_build windows-exe || { ok 1 "make windows-exe"; done_testing; exit 1; }
win_prefix || { ok 1 "fresh wine prefix"; done_testing; exit 1; }
cp "$S/check_ephemeral-sam.vbs" "$work/sam.vbs"
grep -q $'WScript.Sleep 50\r$' "$work/sam.vbs" && grep -q $'^Do While ex.Status = 0\r$' "$work/sam.vbs"
ok $? "VBScript: waits for the plugin to exit before reading its exit code (CRLF lines)"
out=$(wrun cscript.exe //nologo "$(unix_to_win "$work/sam.vbs")")
is "$?:$(tr -d '\r' <<<"$out")" "4:Statistic.state: 3"$'\n'"Message.state: UNKNOWN - $exe is not installed on $(wrun cmd.exe /c echo %COMPUTERNAME% | tr -d '\r')" \
	"VBScript without the exe: exit 4 (Unknown), one pair naming the path"
# Wine 8's scrrun stubs TextStream.ReadAll on a pipe (fixme:scrrun:pipestream_ReadAll): Exec's
# output cannot be read there. A probe says whether this wine can; if not, the rest is skipped
# and said so (the branch above shows cscript parses and runs the file).
printf 'Set ex = CreateObject("WScript.Shell").Exec("cmd.exe /c echo probe-ok")\r\nWScript.Echo ex.StdOut.ReadAll()\r\n' >"$work/probe.vbs"
if [[ "$(wrun cscript.exe //nologo "$(unix_to_win "$work/probe.vbs")")" != *probe-ok* ]]; then
	why="this wine ($(wine --version)) cannot read an Exec'd program's output (ReadAll is a stub)"
	skip "VBScript with the exe: the pairs" "$why"
	skip "VBScript with the exe: the exit code" "$why"
	done_testing
	exit
fi
mkdir -p "$WINEPREFIX/drive_c/Program Files/check_ephemeral"
cp "$WIN_EXE" "$WINEPREFIX/drive_c/Program Files/check_ephemeral/"
direct=$(wrun "C:\\Program Files\\check_ephemeral\\check_ephemeral.exe" -o solarwinds -p all)
drc=$?
out=$(wrun cscript.exe //nologo "$(unix_to_win "$work/sam.vbs")")
rc=$?
is "$rc/$drc" "0/0" "VBScript under wine's cscript: the plugin's exit code (0)"
is "$(pairs "$out")" "$(pairs "$direct")" "VBScript: the same SAM pairs as the exe run directly ($(pairs "$direct"))"
done_testing
