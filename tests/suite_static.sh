#!/usr/bin/env bash
# Static analysis and warning-free builds: cppcheck and clang-tidy (.clang-tidy) over lib/ and
# check_ephemeral/ must report nothing, and the plugin must build with gcc and with clang under
# -Werror. Each tool that is missing skips its own checks.
# needs-packages: cppcheck clang clang-tidy
set -u
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 2
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# The Windows backend needs windows.h: the mingw build (-Werror) covers it, not these tools.
srcs=""
for f in lib/*.c check_ephemeral/*.c; do
	case $f in
	lib/sys_windows*.c) ;;
	*) srcs="$srcs $f" ;;
	esac
done

if command -v cppcheck >/dev/null; then
	cppcheck --enable=warning,performance,portability --error-exitcode=1 --std=c11 -q \
		--inline-suppr -Ilib -Icheck_ephemeral $srcs >"$log/cppcheck" 2>&1
	rc=$?
	ok $rc "cppcheck --enable=warning,performance,portability: no findings"
	[ $rc = 0 ] || sed 's/^/#   /' "$log/cppcheck" | head -n 40
else
	ok 0 "# SKIP cppcheck not installed"
fi

if command -v clang-tidy >/dev/null; then
	clang-tidy --quiet $srcs -- -std=c11 -Ilib -Icheck_ephemeral >"$log/tidy" 2>&1
	rc=$?
	ok $rc "clang-tidy (.clang-tidy: bugprone, cert, clang-analyzer): no findings"
	[ $rc = 0 ] || grep -E 'warning:|error:' "$log/tidy" | sed 's/^/#   /' | head -n 40
else
	ok 0 "# SKIP clang-tidy not installed"
fi

# Fresh build directories of their own, so the run does not depend on what was built before.
for cc in gcc clang; do
	if ! command -v $cc >/dev/null; then
		ok 0 "# SKIP $cc not installed"
		continue
	fi
	b=build/static-$cc
	rm -rf "$b"
	make -s -j2 CC=$cc B=$b BIN=$b/check_ephemeral.bin WERROR=-Werror $b/check_ephemeral.bin \
		>"$log/$cc" 2>&1
	rc=$?
	ok $rc "$cc -Wall -Wextra -Werror build"
	[ $rc = 0 ] || grep -E 'error|warning' "$log/$cc" | sed 's/^/#   /' | head -n 20
	rm -rf "$b"
done
done_testing
