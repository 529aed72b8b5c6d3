# Helpers for the Windows suites (tests/suite_win_*.sh): cross-build, a fresh wine prefix per
# suite, and running programs under wine with CRLF stripped. Source after tests/lib.sh.
# Facts behind the settings: docs/platform-notes.md §5.
# shellcheck shell=bash

WB=build/win
WIN_EXE="$TOP/check_ephemeral/check_ephemeral.exe"
export WINEDEBUG=-all WINEARCH=win64
# mscoree/mshtml: no Mono/Gecko installer prompts; winedbg.exe=d: a crash exits non-zero
# instead of waiting in the debugger (or exiting 0).
WINE_OVERRIDES="mscoree,mshtml=;winedbg.exe=d"
export WINEDLLOVERRIDES="$WINE_OVERRIDES"

# win_require: skips the whole suite when the cross compiler or wine is missing.
win_require() {
	local t
	for t in x86_64-w64-mingw32-gcc wine wineserver "$@"; do
		command -v "$t" >/dev/null || skip_all "needs $t (Debian: gcc-mingw-w64-x86-64 wine wine64 nsis)"
	done
}

# win_isolate: re-runs the calling suite in a private network namespace with its own small
# TCP/UDP hash tables, and returns there (WIN_ISOLATED=1, loopback up): as root a plain one, as
# a normal user one inside a user namespace. Wine reads /proc/net/tcp for every table call, and
# on a host with a large hash or many sockets that read walks every bucket and row (seconds
# per call: a busy host made the plugin under wine time out); tcp_child_ehash_entries, set in
# an outer namespace of our own, gives the inner one a private 1024-bucket table. The host's
# sysctls and network are never touched. Only where no namespace can be made does the suite
# run in the host's namespace (slower, and the host's sockets are counted).
win_isolate() {
	if [ -n "${WIN_ISOLATED:-}" ]; then
		command -v ip >/dev/null && ip link set lo up
		return 0
	fi
	local outer=""
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
		outer="-n"
	elif command -v unshare >/dev/null && unshare -rn true 2>/dev/null; then
		outer="-rn"
	fi
	if [ -n "$outer" ]; then
		# shellcheck disable=SC2016
		WIN_ISOLATED=1 exec timeout 400 unshare $outer sh -c '
			sysctl -qw net.ipv4.tcp_child_ehash_entries=1024 2>/dev/null
			sysctl -qw net.ipv4.udp_child_hash_entries=1024 2>/dev/null
			exec unshare -n bash "$0"' "$0"
	fi
	echo "# no network namespace here: running in the host's (slower; the host's sockets count)"
}

# win_build TARGET...: make in the top directory, quietly; on failure shows the log's tail.
win_build() {
	local log
	log=$(mktemp)
	if ! make -s -C "$TOP" "$@" >"$log" 2>&1; then
		echo "# make $* failed:"
		tail -n 20 "$log" | sed 's/^/#   /'
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

# win_setup TARGET: the usual start of a suite that runs programs under wine: win_require,
# win_isolate, make TARGET (its failure fails the suite), and a fresh prefix that win_cleanup
# removes at exit.
win_setup() {
	win_require
	win_isolate
	win_build "$1" || setup_failed "make $1"
	trap win_cleanup EXIT
	win_prefix || setup_failed "fresh wine prefix"
}

# win_prefix: a fresh prefix in WINEPREFIX (~13 s); win_cleanup stops its wineserver (and
# with it only the wine processes of this prefix) and deletes it.
win_prefix() {
	WINEPREFIX=$(mktemp -d /tmp/eph-wine.XXXXXX)
	export WINEPREFIX
	WINE_LOG="$WINEPREFIX.log"
	timeout 180 wine wineboot -i >>"$WINE_LOG" 2>&1
	timeout 60 wineserver -w
	[ -d "$WINEPREFIX/drive_c/windows/system32" ]
}

win_cleanup() {
	if [ -n "${WINEPREFIX:-}" ] && [ -d "$WINEPREFIX" ]; then
		wineserver -k 2>/dev/null
		timeout 30 wineserver -w 2>/dev/null
		rm -rf "$WINEPREFIX" "$WINEPREFIX.log"
	fi
}

# wrun PROGRAM ARGS...: runs under wine (bounded), prints its stdout without CRs, returns its
# exit code. stderr goes to the prefix's log.
wrun() {
	local out rc
	out=$(timeout 120 wine "$@" 2>>"$WINE_LOG")
	rc=$?
	printf '%s\n' "${out//$'\r'/}"
	return $rc
}

# wtap PREFIX PROGRAM ARGS...: runs a TAP program (tests/tap.h) under wine and renumbers its
# results into this suite's stream, each named "PREFIX: ..." (no prefix when PREFIX is empty).
# A non-zero exit without a failed check (a crash) and a missing plan fail on their own.
wtap() {
	local pfx=${1:+$1: } name out rc line
	name=${1:-$(basename "$2")}
	shift
	out=$(wrun "$@")
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$pfx${line#ok * - }" ;;
		"not ok "*) ok 1 "$pfx${line#not ok * - }" ;;
		"1.."* | "") ;;
		*) echo "# $pfx$line" ;;
		esac
	done <<<"$out"
	if [ "$rc" != 0 ] && ! grep -q '^not ok' <<<"$out"; then
		ok 1 "$name exited $rc without a failed check (crash?)"
	fi
	grep -q '^1\.\.[0-9]' <<<"$out" || ok 1 "$name printed no plan"
}

# unix_to_win PATH: the Z: path wine maps to a Unix path.
unix_to_win() {
	echo "Z:${1//\//\\}"
}
