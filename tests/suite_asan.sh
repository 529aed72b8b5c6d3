#!/usr/bin/env bash
# A smoke run of suites against a build with AddressSanitizer and UBSan (build/asan, as
# `make asan` makes it; any report aborts the program, so it shows as a failure): by default
# unit, cli, faults and output, the unit tests and the plugin's option, error and output paths,
# which take about a minute together. `make asan` (or `make check SANITIZE=1`) runs every suite
# under the sanitizers; ASAN_SUITES=all here runs every suite that uses $B/$BIN (so a new suite
# is covered without editing a list), ASAN_SUITES="a b" picks some (never the excluded ones
# below).
# needs-packages: libasan8 libubsan1
set -u
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 2
# Left out, each for a reason:
#   asan       this suite: it must not start itself.
#   valgrind   valgrind cannot run a sanitizer build (it skips there).
#   fuzz       builds and runs its own libFuzzer binaries, already under ASan+UBSan.
#   static     builds its own trees with gcc and clang and runs the analyzers; it never runs $BIN.
#   win_*      test the mingw build (check_ephemeral.exe, build/win/tests) under wine, not $BIN.
#   packaging  the .deb is compiled from the normal tree with Debian's flags
#              (packaging/deb/build.sh), so the ASan pass would only run `-V` of the sanitizer
#              build, at the cost of two more package builds and lintian (27 s measured).
#   bench      times check_ephemeral/check_ephemeral, not $BIN, and timings under ASan say nothing.
excluded='asan valgrind fuzz static packaging bench win_.*'
exclude_re="^\\(${excluded// /\\|}\\)\$"
suites=${ASAN_SUITES:-unit cli faults output}
if [ "$suites" = all ]; then
	suites=$(for f in tests/suite_*.sh; do f=${f#tests/suite_}; echo "${f%.sh}"; done)
fi
suites=$(tr ' ' '\n' <<<"$suites" | grep -v '^$' | grep -v "$exclude_re" | tr '\n' ' ')

# make asan runs every suite against build/asan, this one included: it must not start itself.
{ [ -n "${EPH_IN_ASAN:-}" ] || [ "$B" = build/asan ]; } && skip_all "already running under the ASan build"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int main(void) { return 0; }' >"$probe/p.c"
${CC:-cc} -fsanitize=address,undefined -o "$probe/p" "$probe/p.c" >/dev/null 2>&1 ||
	skip_all "the compiler cannot link -fsanitize=address,undefined (Debian packages libasan8 libubsan1)"

# detect_leaks: the plugin frees what it allocates; a leak is a bug here too.
# verify_asan_link_order=0: suite_faults preloads its shim ahead of the ASan runtime.
EPH_IN_ASAN=1 NO_DEPS=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TEST_OUT=build/test-out/asan \
	make -s -j"$(nproc 2>/dev/null || echo 2)" asan SUITES="$suites" >"$probe/out" 2>&1
rc=$?
n=0
while read -r name p f s secs; do
	n=$((n + 1))
	is "$f" 0 "under ASan+UBSan: suite $name ($p passed, $f failed, $s skipped, $secs s)"
done < <(sed -n 's/^# suite \([a-z0-9_]*\): \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped (\([0-9]*\) s).*/\1 \2 \3 \4 \5/p' "$probe/out")
grep -E '^# suite [a-z0-9_]*: skipped' "$probe/out" | sed 's/^/# /'
ok "$([ $n -gt 0 ] && echo 0 || echo 1)" "the ASan build ran at least one suite"
ok $rc "make asan SUITES='$suites' passed"
[ $rc = 0 ] || grep -E '^not ok|ERROR|runtime error|broke' "$probe/out" | head -n 30 | sed 's/^/#   /'
done_testing
