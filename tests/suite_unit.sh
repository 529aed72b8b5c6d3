#!/usr/bin/env bash
# Unit tests: every build/<target>/tests/test_* program, as one TAP stream.
set -u
n=0
fail=0
for t in "$TOP/$B"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	out=$("$t" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) n=$((n + 1)); echo "ok $n - $name: ${line#ok * - }" ;;
		"not ok "*) n=$((n + 1)); fail=1; echo "not ok $n - $name: ${line#not ok * - }" ;;
		"1.."*) ;;
		*) echo "# $name: $line" ;;
		esac
	done <<<"$out"
	if [ "$rc" != 0 ] && ! grep -q '^not ok' <<<"$out"; then
		n=$((n + 1)); fail=1
		echo "not ok $n - $name exited $rc without a failed check (crash?)"
	fi
done
echo "1..$n"
exit $fail
