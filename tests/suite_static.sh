#!/usr/bin/env bash
# Static analysis and warning-free builds: cppcheck and clang-tidy (.clang-tidy) over lib/ and
# check_ephemeral/ must report nothing, the Windows backend (lib/sys_windows*.c, lib/win_*.c)
# included, with the defines of the mingw build (clang-tidy for the mingw target against
# mingw-w64's headers, cppcheck with its windows library); and the plugin must build with gcc
# and with clang under -Werror. Each tool that is missing skips its own checks.
# needs-packages: cppcheck clang clang-tidy mingw-w64-x86-64-dev
set -u
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 2
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# The Windows backend needs windows.h: it is checked on its own below, for the mingw target.
srcs="" win_srcs=""
for f in lib/*.c check_ephemeral/*.c; do
	case $f in
	lib/sys_windows*.c | lib/win_*.c) win_srcs="$win_srcs $f" ;;
	*) srcs="$srcs $f" ;;
	esac
done
# The mingw build's preprocessor flags (-I, -D_WIN32_WINNT, ...), read from mk/windows.mk so the
# analysis sees the code the cross-compiler sees.
win_inc=${MINGW_INCLUDE:-/usr/x86_64-w64-mingw32/include}
# shellcheck disable=SC2016 # $(WIN_CPPFLAGS) is for make to expand
win_cppflags=$(printf 'static-print:\n\t@echo $(WIN_CPPFLAGS)\n' |
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -f Makefile -f - static-print)
# cppcheck reads no system header (see below); clang-tidy needs mingw-w64's.
win_skip="" tidy_win_skip=""
if [ -z "$win_srcs" ]; then
	win_skip="no lib/sys_windows*.c or lib/win_*.c"
elif [ -z "$win_cppflags" ]; then
	win_skip="could not read WIN_CPPFLAGS from mk/windows.mk"
fi
tidy_win_skip=$win_skip
if [ -z "$tidy_win_skip" ] && [ ! -f "$win_inc/windows.h" ]; then
	tidy_win_skip="mingw-w64 headers not installed ($win_inc/windows.h; package mingw-w64-x86-64-dev)"
fi

if command -v cppcheck >/dev/null; then
	cppcheck --enable=warning,performance,portability --error-exitcode=1 --std=c11 -q \
		--inline-suppr -Ilib -Icheck_ephemeral $srcs >"$log/cppcheck" 2>&1
	rc=$?
	ok $rc "cppcheck --enable=warning,performance,portability: no findings"
	[ $rc = 0 ] || sed 's/^/#   /' "$log/cppcheck" | head -n 40
	# Without the mingw headers, as cppcheck is meant to run: it is not a compiler and stops at
	# their compiler checks (vadefs.h: "#error VARARGS not implemented for this compiler");
	# --library=windows tells it what the Windows API calls do.
	if [ -n "$win_skip" ]; then
		skip "cppcheck of the Windows backend" "$win_skip"
	else
		# shellcheck disable=SC2086
		cppcheck --enable=warning,performance,portability --error-exitcode=1 --std=c11 -q \
			--inline-suppr --library=windows --platform=win64 -D_WIN32 -D_WIN64 $win_cppflags \
			$win_srcs >"$log/cppcheck-win" 2>&1
		rc=$?
		ok $rc "cppcheck, Windows backend (--library=windows, mingw defines):$win_srcs: no findings"
		[ $rc = 0 ] || sed 's/^/#   /' "$log/cppcheck-win" | head -n 40
	fi
else
	skip "cppcheck" "cppcheck not installed (Debian package cppcheck)"
	skip "cppcheck of the Windows backend" "cppcheck not installed (Debian package cppcheck)"
fi

if command -v clang-tidy >/dev/null; then
	clang-tidy --quiet $srcs -- -std=c11 -Ilib -Icheck_ephemeral >"$log/tidy" 2>&1
	rc=$?
	ok $rc "clang-tidy (.clang-tidy: bugprone, cert, clang-analyzer): no findings"
	[ $rc = 0 ] || grep -E 'warning:|error:' "$log/tidy" | sed 's/^/#   /' | head -n 40
	if [ -n "$tidy_win_skip" ]; then
		skip "clang-tidy of the Windows backend" "$tidy_win_skip"
	else
		# shellcheck disable=SC2086
		clang-tidy --quiet $win_srcs -- -std=c11 --target=x86_64-w64-mingw32 -isystem "$win_inc" \
			$win_cppflags >"$log/tidy-win" 2>&1
		rc=$?
		ok $rc "clang-tidy --target=x86_64-w64-mingw32 (.clang-tidy):$win_srcs: no findings"
		[ $rc = 0 ] || grep -E 'warning:|error:' "$log/tidy-win" | sed 's/^/#   /' | head -n 40
	fi
else
	skip "clang-tidy" "clang-tidy not installed (Debian package clang-tidy)"
	skip "clang-tidy of the Windows backend" "clang-tidy not installed (Debian package clang-tidy)"
fi

# Fresh build directories of their own, so the run does not depend on what was built before.
for cc in gcc clang; do
	if ! command -v $cc >/dev/null; then
		skip "-Werror build with $cc" "$cc not installed"
		continue
	fi
	b=build/static-$cc
	rm -rf "$b"
	# Without the caller's make variables: under make asan they carry sanitizer CFLAGS.
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j2 CC=$cc B=$b BIN=$b/check_ephemeral.bin \
		WERROR=-Werror $b/check_ephemeral.bin >"$log/$cc" 2>&1
	rc=$?
	ok $rc "$cc -Wall -Wextra -Werror build"
	[ $rc = 0 ] || grep -E 'error|warning' "$log/$cc" | sed 's/^/#   /' | head -n 20
	rm -rf "$b"
done
done_testing
