#!/usr/bin/env bash
# Runs every test suite and prints one closing line "N passed, N failed, N skipped".
#
# A suite is an executable tests/suite_*.sh that prints TAP ("ok N - ...", "not ok N - ...",
# a plan "1..N") and exits non-zero on failure. A suite that cannot run here prints
# "1..0 # SKIP <reason>" and exits 0: its name and reason are listed at the end.
# As root on Debian, tests/deps.sh first installs the packages the suites need.
#
# Environment: B (build dir, default build/linux), BIN (the plugin), SUITES (space-separated
# suite names to run, default all), KEEP_GOING is implied: every suite runs.
set -u
cd "$(dirname "$0")/.." || exit 2
export B="${B:-build/linux}" BIN="${BIN:-check_ephemeral/check_ephemeral}"
export TOP="$PWD"

if [ "$(id -u)" = 0 ] && [ -z "${NO_DEPS:-}" ]; then
	tests/deps.sh || echo "# tests/deps.sh could not install everything; suites that need it will skip"
fi

passed=0 failed=0 skipped=0 broken=""
skips=""
outdir="${TEST_OUT:-build/test-out}"
mkdir -p "$outdir"

for suite in tests/suite_*.sh; do
	name=$(basename "$suite" .sh)
	name=${name#suite_}
	if [ -n "${SUITES:-}" ] && ! [[ " $SUITES " == *" $name "* ]]; then
		continue
	fi
	log="$outdir/$name.tap"
	echo "# === suite $name"
	start=$(date +%s)
	bash "$suite" >"$log" 2>"$outdir/$name.err"
	rc=$?
	end=$(date +%s)
	p=$(grep -cE '^ok [0-9]+' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	plan=$(grep -E '^1\.\.[0-9]+' "$log" | tail -n 1)
	grep -E '^not ok|^#' "$log" | head -n 60
	if grep -qE '^1\.\.0 # SKIP' "$log"; then
		reason=$(grep -E '^1\.\.0 # SKIP' "$log" | head -n 1 | sed 's/^1\.\.0 # SKIP *//')
		skipped=$((skipped + 1))
		skips="$skips\n  $name: $reason"
		echo "# suite $name skipped: $reason"
		continue
	fi
	total=$((p + f))
	bad=""
	[ -z "$plan" ] && bad=1
	[ -n "$plan" ] && [ "${plan#1..}" != "$total" ] && bad=1
	[ "$rc" != 0 ] && [ "$f" = 0 ] && bad=1
	if [ -n "$bad" ]; then
		# A crash, a missing plan or a plan that does not match: one failure of its own.
		f=$((f + 1))
		broken="$broken $name"
		echo "# suite $name broke: exit $rc, plan '${plan:-none}', $total results; stderr:"
		tail -n 15 "$outdir/$name.err" | sed 's/^/#   /'
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "# suite $name: $p passed, $f failed ($((end - start)) s)"
done

if [ -n "$skips" ]; then
	printf '# skipped suites:%b\n' "$skips"
fi
[ -n "$broken" ] && echo "# broken suites:$broken"
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
