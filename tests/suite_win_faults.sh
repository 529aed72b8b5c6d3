#!/usr/bin/env bash
# The Windows socket-table reader against ERROR_INSUFFICIENT_BUFFER races: tables that grow
# between the sizing call and the read, a few times or without end, and a missing IPv6 stack
# (tests/helper/win_tables.c, a test-only build of lib/win_tables.c with fake iphlpapi
# calls), under wine. Each must give every row or an error with its reason, never a partial
# table. The same fakes then serve rows wine's real tables never have (BOUND = MIB state 100,
# DELETE_TCB, owner PID 0, IPv6 next to IPv4 on one port), and the per-state counts, tcp_used
# and the perfdata the plugin makes of them are asserted exactly. Then the plugin's
# --output-file and --log refuse what is not a plain file (a folder, the NUL device) and
# leave it as it is (issue 16).
# needs-packages: gcc-mingw-w64-x86-64 wine wine64
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_win.sh"

win_require
win_build "$WB/tests/helper/win_tables.exe" "$WIN_EXE" || { ok 1 "build win_tables.exe and the plugin"; done_testing; exit 1; }
trap win_cleanup EXIT
win_prefix || { ok 1 "fresh wine prefix"; done_testing; exit 1; }

cd "$TOP" || exit 2
wtap "" "$WB/tests/helper/win_tables.exe"

# --output-file and --log on things that are not plain files: refused, left as they are.
C="$WINEPREFIX/drive_c"
mkdir -p "$C/adir"
for t in 'C:\adir|a folder' 'NUL|a device or pipe'; do
	f=${t%%|*} kind=${t#*|}
	out=$(wrun "$WIN_EXE" --range 1-2 --output-file "$f")
	like "$?/$out" "^3/EPHEMERAL UNKNOWN - writing --output-file: .* is $kind, not a regular file" \
		"--output-file $f: refused as $kind"
	out=$(wrun "$WIN_EXE" --range 1-2 --log "$f")
	like "$?/$out" "^3/EPHEMERAL UNKNOWN - writing the log: the log .* is $kind, not a regular file" \
		"--log $f: refused as $kind"
done
[ -d "$C/adir" ] && [ -z "$(ls -A "$C/adir")" ]
ok $? "the folder is still an empty folder"
# Wine shows a Unix symbolic link as the file it points to, not as a reparse point, so the
# refusal of links (FILE_FLAG_OPEN_REPARSE_POINT) cannot be tested here.
done_testing
