#!/usr/bin/env bash
# The range and excluded-range parsing end to end under wine: a fake netsh.exe in the prefix's
# system32 (WINEDLLOVERRIDES netsh.exe=n) prints saved English and German netsh output
# (tests/data/netsh/en, de; en-v6diff: an IPv6 TCP range that differs from the IPv4 one), and
# check_ephemeral.exe must report the pools they describe. The socket counts come from the host
# here, so only pool sizes, sources and notes are asserted.
# needs-packages: gcc-mingw-w64-x86-64 wine wine64
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_win.sh"

win_setup windows-tests
cp "$TOP/$WB/tests/helper/netsh.exe" "$WINEPREFIX/drive_c/windows/system32/netsh.exe"
export WINEDLLOVERRIDES="$WINE_OVERRIDES;netsh.exe=n"

# run LANG ARGS...: the plugin with the fake netsh reading tests/data/netsh/LANG.
run() {
	local lang=$1
	shift
	FAKE_NETSH_DIR=$(unix_to_win "$TOP/tests/data/netsh/$lang") wrun "$WIN_EXE" "$@"
}

out=$(run en -p all -v)
is "$?" 0 "English netsh: OK"
first=${out%%$'\n'*}
like "$out" $'\ntcp: range 50000-51999 \\(2000 ports\\) from netsh int ipv4 show dynamicport tcp' \
	"English: TCP range from 'Start Port' / 'Number of Ports'"
like "$out" "tcp: reserved in range: 110 \(50100-50199,51000-51009\) from netsh int ipv4 show excludedportrange protocol=tcp; effective pool 1890 ports" \
	"English: excluded TCP ranges inside the range are subtracted, the one outside ignored"
like "$first" "'tcp_used'=[0-9]+;;;0;1890 " "English: tcp perfdata max is the effective pool"
like "$out" $'\nudp: range 52000-52999 \\(1000 ports\\) from netsh int ipv4 show dynamicport udp' \
	"English: UDP has its own range"
like "$out" "udp: reserved in range: 100 \(52500-52599\).*effective pool 900 ports" \
	"English: UDP excluded range"
like "$first" "'udp_used'=[0-9]+;;;0;900 " "English: udp perfdata max"

out=$(run de -p all -v)
is "$?" 0 "German netsh: OK"
first=${out%%$'\n'*}
like "$out" $'\ntcp: range 40000-44095 \\(4096 ports\\) from netsh int ipv4 show dynamicport tcp' \
	"German: TCP range from 'Startport' / 'Anzahl der Ports'"
like "$out" "tcp: reserved in range: 100 \(41000-41099\).*effective pool 3996 ports" \
	"German: excluded TCP range (CP850 legend) subtracted"
like "$out" $'\nudp: range 45000-45499 \\(500 ports\\)' "German: UDP range"
like "$out" "udp: reserved in range: 0 \(none\) from netsh int ipv4 show excludedportrange protocol=udp" \
	"German: an empty exclusion table is 0 ranges, not a failure"
like "$first" "'udp_used'=[0-9]+;;;0;500 " "German: udp perfdata max"

out=$(run en --range 50050-50149 -v)
is "$?" 0 "--range with netsh present: OK"
like "$out" $'\ntcp: range 50050-50149 \\(100 ports\\) from --range' "--range overrides netsh's range"
like "$out" "reserved in range: 50 \(50100-50149\).*effective pool 50 ports" \
	"excluded ranges still apply inside --range"

# netsh keeps a range per IP version; one pool is counted, the IPv4 one. Equal ranges (the
# samples above) say nothing; a different IPv6 range gets a -v line of its own.
out=$(run en -p all -v)
[[ "$out" != *"IPv6 dynamic range"* ]]
ok $? "IPv6 range equal to the IPv4 one: no note"
out=$(run en-v6diff -p all -v)
is "$?" 0 "IPv6 TCP range 50000-59999, IPv4 50000-51999: still OK"
like "$out" $'\ntcp: range 50000-51999 \\(2000 ports\\) from netsh int ipv4 show dynamicport tcp\ntcp: the IPv6 dynamic range 50000-59999 differs from the IPv4 one; IPv6 sockets are counted against the IPv4 range\n' \
	"a different IPv6 range: the note, right after the range line"
like "${out%%$'\n'*}" "'tcp_used'=[0-9]+;;;0;1890 " "the pool is still the IPv4 one"
like "$out" $'\nudp: range 52000-52999 \\(1000 ports\\) from netsh int ipv4 show dynamicport udp\nudp: reserved' \
	"UDP, whose IPv6 range is equal: no note"
is "$(grep -c 'IPv6 dynamic range' <<<"$out")" 1 "exactly one note"
out=$(run en-v6diff --range 50000-51999 -v)
[[ "$out" != *"IPv6 dynamic range"* ]]
ok $? "--range: netsh's ranges are not read, no note"

# netsh failing (unknown command text and exit 1): the default, with the reason.
out=$(run nowhere -v)
is "$?" 0 "netsh failing: still OK"
like "$out" $'\ntcp: range 49152-65535 \\(16384 ports\\) from the Windows default' \
	"a failing netsh falls back to the default"
like "$out" "exit code 1" "and the long output says netsh failed"
like "$out" "reserved in range: 0 \(none\) from unknown" "excluded ranges are reported unknown"
done_testing
