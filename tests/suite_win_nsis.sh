#!/usr/bin/env bash
# The installer under wine: build it, install silently, check files, the Add/Remove Programs
# key and PATH (/ADDTOPATH), run the installed plugin, uninstall silently and check that
# everything added is gone; and that a PATH too long for NSIS's strings is left alone. The
# uninstaller works asynchronously, so every step waits for wineserver -w
# (docs/platform-notes.md §5).
# needs-packages: gcc-mingw-w64-x86-64 wine wine64 nsis
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_win.sh"

win_require makensis
win_isolate
win_build windows-installer || { ok 1 "make windows-installer"; done_testing; exit 1; }
version=$(sed -n 's/^#define EPH_VERSION "\(.*\)"/\1/p' "$TOP/lib/eph.h")
setup="$TOP/$WB/check_ephemeral-$version-setup.exe"
[ -f "$setup" ]
ok $? "installer built: $(basename "$setup")"
trap win_cleanup EXIT
win_prefix || { ok 1 "fresh wine prefix"; done_testing; exit 1; }

dir="$WINEPREFIX/drive_c/Program Files/check_ephemeral"
arp='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\check_ephemeral'
envkey='HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
files="check_ephemeral.exe README.txt nsclient-check_ephemeral.ini uninstall.exe"

# reg_value KEY NAME: the data of a registry value, "" when absent.
reg_value() {
	wrun reg query "$1" /v "$2" 2>/dev/null | awk -v n="$2" '$1 == n { $1 = ""; $2 = ""; sub(/^ +/, ""); print }'
}
install() {
	wrun "$setup" /S "$@" >/dev/null
	local rc=$?
	timeout 60 wineserver -w
	return $rc
}
uninstall() {
	wrun 'C:\Program Files\check_ephemeral\uninstall.exe' /S >/dev/null
	timeout 60 wineserver -w
}
path_before=$(reg_value "$envkey" Path)

# Plain silent install.
install
is "$?" 0 "silent install exits 0"
missing=""
for f in $files; do [ -f "$dir/$f" ] || missing="$missing $f"; done
is "$missing" "" "files installed into Program Files"
is "$(reg_value "$arp" DisplayVersion)" "$version" "ARP key: DisplayVersion"
like "$(reg_value "$arp" DisplayName)" "^check_ephemeral $version" "ARP key: DisplayName"
is "$(reg_value "$arp" QuietUninstallString)" '"C:\Program Files\check_ephemeral\uninstall.exe" /S' \
	"ARP key: QuietUninstallString"
is "$(reg_value "$envkey" Path)" "$path_before" "PATH untouched without /ADDTOPATH"
like "$(tr -d '\r' <"$dir/nsclient-check_ephemeral.ini")" \
	'check_ephemeral = "C:\\Program Files\\check_ephemeral\\check_ephemeral.exe" -p all' \
	"the NSClient++ snippet names the installed exe"
like "$(tr -d '\r' <"$dir/nsclient-check_ephemeral.ini")" $'\n\\[/modules\\]\nCheckExternalScripts = enabled\nNRPEServer = enabled\n' \
	"the NSClient++ snippet enables NRPEServer, which check_nrpe needs"
# From "; Query" on, the installer's snippet is the shipped contrib one (default folder here).
is "$(tr -d '\r' <"$dir/nsclient-check_ephemeral.ini" | sed -n '/^; Query/,$p')" \
	"$(sed -n '/^; Query/,$p' "$TOP/contrib/nsclient/check_ephemeral.ini")" \
	"the installer's NSClient++ snippet matches contrib/nsclient/check_ephemeral.ini"
out=$(wrun 'C:\Program Files\check_ephemeral\check_ephemeral.exe' -p all)
rc=$?
like "$out" "^EPHEMERAL (OK|WARNING|CRITICAL) - tcp [0-9]+ of [0-9]+ ports in use" \
	"the installed plugin runs"
[ "$rc" -le 2 ]
ok $? "and exits with a Nagios state (exit $rc)"
uninstall
[ ! -e "$dir" ]
ok $? "uninstall removes the folder"
is "$(wrun reg query "$arp" >/dev/null 2>&1; echo $?)" 1 "uninstall removes the ARP key"

# /ADDTOPATH: appended, and removed again by uninstall.
install /ADDTOPATH
like "$(reg_value "$envkey" Path)" ';C:\\Program Files\\check_ephemeral$' "/ADDTOPATH appends the folder to PATH"
is "$(reg_value "$arp" AddedToPath)" 0x1 "the ARP key remembers the PATH change"
install /ADDTOPATH
is "$(reg_value "$envkey" Path | grep -o 'check_ephemeral' | wc -l)" 1 "a second install does not add it twice"
uninstall
is "$(reg_value "$envkey" Path)" "$path_before" "uninstall restores PATH exactly"
[ ! -e "$dir" ]
ok $? "and removes the folder"

# A PATH longer than NSIS_MAX_STRLEN (1024) must survive byte for byte.
long="$path_before"
for i in $(seq 1 60); do long="$long;C:\\Tools\\long-path-entry-$i"; done
wrun reg add "$envkey" /v Path /t REG_EXPAND_SZ /d "$long" /f >/dev/null
timeout 60 wineserver -w
is "${#long}" "$(reg_value "$envkey" Path | tr -d '\n' | wc -c)" "long PATH set (${#long} chars)"
install /ADDTOPATH
is "$?" 0 "install with /ADDTOPATH and a long PATH still succeeds"
[ -f "$dir/check_ephemeral.exe" ]
ok $? "and installs the plugin"
is "$(reg_value "$envkey" Path)" "$long" "the long PATH is left exactly as it was"
is "$(reg_value "$arp" AddedToPath)" "" "and the ARP key does not claim a PATH change"
uninstall
is "$(reg_value "$envkey" Path)" "$long" "uninstall leaves the long PATH alone too"
[ ! -e "$dir" ]
ok $? "uninstall removes the folder"
done_testing
