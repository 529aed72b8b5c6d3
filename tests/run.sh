#!/usr/bin/env bash
# Runs the test suites and prints one closing line "check: N passed, N failed, N skipped".
#
# A suite is an executable tests/suite_*.sh that prints TAP ("ok N - ...", "not ok N - ...",
# "ok N - ... # SKIP why", a plan "1..N") on stdout and exits non-zero on failure. A suite that
# cannot run here prints "1..0 # SKIP <reason>" and exits 0. Skipped suites and skipped tests
# count as skipped, never as passed; the last lines before the closing one name each of them with
# its reason, and every failure by suite and test name.
#
# The suites are independent: up to JOBS of them run at once, each with its stdout and stderr in
# $TEST_OUT/<suite>.tap and .err. Each prints a line when it starts and when it ends (with its
# time); while suites run, a line every HEARTBEAT seconds says which are still running and what
# each said last. The details (failures and diagnostics) follow in the order of the suite names,
# whatever order the suites ended in.
#
# It never installs anything: as root, `make check-deps` installs the Debian packages that the
# suites list ("# needs-packages:"), so that none of them skips.
#
# Environment: B (build dir, default build/linux), BIN (the plugin), SUITES (space-separated
# suite names, default all), JOBS (suites at once, default: the number of CPUs + 1, since most
# suites spend their time waiting on daemons, valgrind or sleeps), SUITE_TIMEOUT (seconds a
# suite may take before it is stopped and fails, default 900), HEARTBEAT (default 20),
# TEST_OUT (log directory, default build/test-out).
set -u
cd "$(dirname "$0")/.." || exit 2
export B="${B:-build/linux}" BIN="${BIN:-check_ephemeral/check_ephemeral}"
export TOP="$PWD"
outdir="${TEST_OUT:-build/test-out}"
ncpu=$(nproc 2>/dev/null || echo 2)
jobs=${JOBS:-$((ncpu + 1))}
suite_timeout=${SUITE_TIMEOUT:-900}
heartbeat=${HEARTBEAT:-20}
mkdir -p "$outdir"
# Durations of the last run, longest first: starting the long suites first keeps the wall
# time close to the longest one.
times="$outdir/.durations"

all=()
for suite in tests/suite_*.sh; do
	name=${suite#tests/suite_}
	name=${name%.sh}
	if [ -n "${SUITES:-}" ] && ! [[ " $SUITES " == *" $name "* ]]; then
		continue
	fi
	all+=("$name")
done
if [ -n "${SUITES:-}" ]; then
	for want in $SUITES; do
		[ -f "tests/suite_$want.sh" ] || { echo "run.sh: no suite '$want' (tests/suite_$want.sh)" >&2; exit 2; }
	done
fi
order=$(for name in "${all[@]}"; do
	secs=$(awk -v n="$name" '$1 == n { print $2 }' "$times" 2>/dev/null | tail -n 1)
	echo "${secs:-0} $name"
done | sort -k1,1nr -k2,2 | cut -d' ' -f2)

declare -A pid_of start_of
running=()
t_begin=$(date +%s)
last_out=$t_begin

say() { echo "$*"; last_out=$(date +%s); }

start_suite() {
	local name=$1
	rm -f "$outdir/$name".{tap,err,rc,pid}
	# timeout: a suite that hangs is stopped (its whole process group) and fails.
	(
		timeout -k 10 "$suite_timeout" bash "tests/suite_$name.sh" \
			>"$outdir/$name.tap" 2>"$outdir/$name.err" </dev/null &
		echo $! >"$outdir/$name.pid"
		wait $!
		echo $? >"$outdir/$name.rc"
	) &
	pid_of[$name]=$!
	start_of[$name]=$(date +%s)
	running+=("$name")
	say "# suite $name: started"
}

# count NAME: sets p (passed), f (failed), s (skipped tests), plan, rc, skip_reason.
count() {
	local log="$outdir/$1.tap"
	rc=$(cat "$outdir/$1.rc" 2>/dev/null || echo 255)
	skip_reason=""
	if grep -qE '^1\.\.0 # SKIP' "$log"; then
		skip_reason=$(grep -E '^1\.\.0 # SKIP' "$log" | head -n 1 | sed 's/^1\.\.0 # SKIP *//')
	fi
	s=$(grep -ciE '^ok [0-9]+.*# *skip' "$log")
	p=$(($(grep -cE '^ok [0-9]+' "$log") - s))
	f=$(grep -cE '^not ok [0-9]+' "$log")
	plan=$(grep -E '^1\.\.[0-9]+' "$log" | tail -n 1)
}

declare -A line_of
finish_suite() {
	local name=$1 secs
	secs=$(($(date +%s) - start_of[$name]))
	echo "$name $secs" >>"$times.new"
	count "$name"
	if [ -n "$skip_reason" ]; then
		line_of[$name]="skipped: $skip_reason"
	else
		line_of[$name]="$p passed, $f failed, $s skipped"
	fi
	[ "$rc" = 124 ] && line_of[$name]="${line_of[$name]}, stopped after $suite_timeout s"
	say "# suite $name: ${line_of[$name]} ($secs s)"
}

cleanup() {
	# Only the suites this run started, by PID: timeout passes the signal on to its suite.
	for name in "${running[@]}"; do
		kill "$(cat "$outdir/$name.pid" 2>/dev/null)" 2>/dev/null
	done
	exit 130
}
trap cleanup INT TERM HUP

rm -f "$times.new"
pending=($order)
say "# running ${#pending[@]} suites, up to $jobs at once; logs in $outdir/"
while [ ${#pending[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
	while [ ${#pending[@]} -gt 0 ] && [ ${#running[@]} -lt "$jobs" ]; do
		start_suite "${pending[0]}"
		pending=("${pending[@]:1}")
	done
	sleep 1
	still=()
	for name in "${running[@]}"; do
		if kill -0 "${pid_of[$name]}" 2>/dev/null; then
			still+=("$name")
		else
			wait "${pid_of[$name]}" 2>/dev/null
			finish_suite "$name"
		fi
	done
	running=("${still[@]}")
	now=$(date +%s)
	if [ ${#running[@]} -gt 0 ] && [ $((now - last_out)) -ge "$heartbeat" ]; then
		for name in "${running[@]}"; do
			what=$(grep -E '^(ok|not ok|#)' "$outdir/$name.tap" 2>/dev/null | tail -n 1 | cut -c1-90)
			echo "# ... $name running for $((now - start_of[$name])) s${what:+, last: $what}"
		done
		last_out=$now
	fi
done
[ -f "$times.new" ] && mv "$times.new" "$times"

passed=0 failed=0 skipped=0
skip_suites="" skip_tests="" failures="" broken=""
for name in "${all[@]}"; do
	log="$outdir/$name.tap"
	count "$name"
	if [ -n "$skip_reason" ]; then
		skipped=$((skipped + 1))
		skip_suites="$skip_suites#   $name: $skip_reason"$'\n'
		continue
	fi
	# The details, in the order of the names: failures with their diagnostics, notes.
	if [ "$f" != 0 ] || grep -qE '^#' "$log"; then
		echo "# === $name: ${line_of[$name]:-}"
		grep -E '^not ok|^#' "$log" | head -n 60
	fi
	total=$((p + f + s))
	bad=""
	[ -z "$plan" ] && bad="no plan"
	[ -n "$plan" ] && [ "${plan#1..}" != "$total" ] && bad="plan $plan but $total results"
	[ "$rc" != 0 ] && [ "$f" = 0 ] && bad="exit $rc without a failed test"
	[ "$rc" = 124 ] && bad="stopped after $suite_timeout s"
	if [ -n "$bad" ]; then
		# A crash, a hang, a missing plan or a plan that does not match: a failure of its own.
		f=$((f + 1))
		broken="$broken#   $name: $bad; the end of its stderr ($outdir/$name.err):"$'\n'
		broken="$broken$(tail -n 10 "$outdir/$name.err" | sed 's/^/#     /')"$'\n'
	fi
	skip_tests="$skip_tests$(grep -iE '^ok [0-9]+.*# *skip' "$log" | sed "s/^ok [0-9]* *-* */#   $name: /")"
	[ -n "$skip_tests" ] && [ "${skip_tests: -1}" != $'\n' ] && skip_tests="$skip_tests"$'\n'
	failures="$failures$(grep -E '^not ok [0-9]+' "$log" | sed "s/^not ok [0-9]* *-* */#   $name: /")"
	[ -n "$failures" ] && [ "${failures: -1}" != $'\n' ] && failures="$failures"$'\n'
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done

echo "# ---- summary ($(($(date +%s) - t_begin)) s wall, $jobs suites at once)"
[ -n "$skip_suites" ] && printf '# skipped suites (a missing package: make check-deps as root installs it):\n%s' "$skip_suites"
[ -n "$skip_tests" ] && printf '# skipped tests:\n%s' "$skip_tests"
[ -n "$failures" ] && printf '# failed tests:\n%s' "$failures"
[ -n "$broken" ] && printf '# broken suites:\n%s' "$broken"
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
