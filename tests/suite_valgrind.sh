#!/usr/bin/env bash
# Valgrind memcheck over the plugin's command-line paths: every run must end with the exit code
# the contract gives, with no memory error and no definite or indirect leak
# (--error-exitcode makes any of those exit 99 instead).
# needs-packages: valgrind
set -u
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 2
command -v valgrind >/dev/null || skip_all "valgrind is not installed"
# Valgrind cannot run a sanitizer build (make asan runs every suite against one).
if nm "$TOP/$BIN" 2>/dev/null | grep -q '__asan_init\|__ubsan_handle' ||
	ldd "$TOP/$BIN" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	skip_all "$BIN is a sanitizer build"
fi
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

memcheck() {
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --track-origins=yes --log-file="$log/vg" \
		"$TOP/$BIN" "$@"
}

# Under valgrind a closed stdout is not closed for the program (valgrind's own files take
# fd 1), so the failed write is tested with /dev/full; suite_output tests the closed case.
vg() { # vg WANT-EXIT NAME ARGS...  (FULL=1: stdout is /dev/full)
	local want=$1 name=$2 rc
	shift 2
	if [ -n "${FULL:-}" ]; then
		memcheck "$@" >/dev/full 2>"$log/out"
	else
		memcheck "$@" >"$log/out" 2>&1
	fi
	rc=$?
	is "$rc" "$want" "memcheck clean, exit $want: $name"
	[ "$rc" = "$want" ] || { sed 's/^/#   /' "$log/vg" | head -n 30; head -n 3 "$log/out" | sed 's/^/#   out: /'; }
}

# Thresholds far away so the state does not depend on this host's sockets.
vg 0 "defaults on this host, -w 99 -c 100" -w 99 -c 100
vg 0 "-p all -vv" -p all -vv -w 99 -c 100
vg 0 "--metric free -4" --metric free -w 0: -c 0: -4
vg 0 "--metric dest -6 --range 40000-40099" --metric dest -6 --range 40000-40099 -w 99 -c 100
vg 0 "--metric used -p udp" --metric used -p udp -w 70000 -c 70000
vg 2 "critical: --metric free -c 70000:" --metric free -w 70000: -c 70000:
vg 3 "--help" --help
vg 3 "--version" -V
vg 3 "unknown option" --bogus
vg 3 "bad threshold" -w 10:5
vg 3 "bad range" --range 5-1
vg 3 "positional argument" extra
vg 3 "missing value" -w
vg 3 "non-UTF-8 argument" -w $'\xff\xfe'
vg 3 "100 KB argument" -w "$(head -c 102400 /dev/zero | tr '\0' 9)"
FULL=1 vg 3 "stdout on /dev/full: the line cannot be written, UNKNOWN" -w 99 -c 100
done_testing
