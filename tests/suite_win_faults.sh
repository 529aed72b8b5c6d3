#!/usr/bin/env bash
# The Windows socket-table reader against ERROR_INSUFFICIENT_BUFFER races: tables that grow
# between the sizing call and the read, a few times or without end, and a missing IPv6 stack
# (tests/helper/win_tables.c, a test-only build of lib/win_tables.c with fake iphlpapi
# calls), under wine. Each must give every row or an error with its reason, never a partial
# table. The same fakes then serve rows wine's real tables never have (BOUND = MIB state 100,
# DELETE_TCB, owner PID 0, IPv6 next to IPv4 on one port), and the per-state counts, tcp_used
# and the perfdata the plugin makes of them are asserted exactly.
# needs-packages: gcc-mingw-w64-x86-64 wine wine64
set -u
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_win.sh"

win_require
win_build "$WB/tests/helper/win_tables.exe" || { ok 1 "build win_tables.exe"; done_testing; exit 1; }
trap win_cleanup EXIT
win_prefix || { ok 1 "fresh wine prefix"; done_testing; exit 1; }

cd "$TOP" || exit 2
wtap "" "$WB/tests/helper/win_tables.exe"
done_testing
