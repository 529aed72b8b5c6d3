#!/usr/bin/env bash
# The unit, CLI and namespace suites again, against a build with AddressSanitizer and UBSan
# (build/asan, as `make asan` makes it; any report aborts the program, so it shows as a failure).
# ASAN_SUITES picks the suites (never asan itself); `make asan` runs every suite.
# needs-packages: libasan8 libubsan1
set -u
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 2
suites=${ASAN_SUITES:-unit cli ns output faults limits}
suites=$(tr ' ' '\n' <<<"$suites" | grep -vx 'asan\|valgrind\|fuzz\|static' | tr '\n' ' ')

# make asan runs every suite against build/asan, this one included: it must not start itself.
{ [ -n "${EPH_IN_ASAN:-}" ] || [ "$B" = build/asan ]; } && skip_all "already running under the ASan build"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int main(void) { return 0; }' >"$probe/p.c"
${CC:-cc} -fsanitize=address,undefined -o "$probe/p" "$probe/p.c" >/dev/null 2>&1 ||
	skip_all "the compiler cannot link -fsanitize=address,undefined"

# detect_leaks: the plugin frees what it allocates; a leak is a bug here too.
# verify_asan_link_order=0: suite_faults preloads its shim ahead of the ASan runtime.
EPH_IN_ASAN=1 NO_DEPS=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TEST_OUT=build/test-out/asan \
	make -s asan SUITES="$suites" >"$probe/out" 2>&1
rc=$?
n=0
while read -r name p f; do
	n=$((n + 1))
	is "$f" 0 "under ASan+UBSan: suite $name ($p passed, $f failed)"
done < <(sed -n 's/^# suite \([a-z0-9_]*\): \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2 \3/p' "$probe/out")
grep -E '^# suite [a-z0-9_]* skipped' "$probe/out" | sed 's/^/# /'
ok "$([ $n -gt 0 ] && echo 0 || echo 1)" "the ASan build ran at least one suite"
ok $rc "make asan SUITES='$suites' passed"
[ $rc = 0 ] || grep -E '^not ok|ERROR|runtime error|broke' "$probe/out" | head -n 30 | sed 's/^/#   /'
done_testing
