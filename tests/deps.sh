#!/usr/bin/env bash
# make check-deps: installs, from Debian's packages, what the test suites need and this machine
# lacks, so that no suite of `make check` skips. Root only; `make check` itself never installs
# anything. Each suite lists its packages in a line "# needs-packages: a b c"; this installs the
# union. When another apt or dpkg holds the lock, it waits (up to DEPS_LOCK_TIMEOUT seconds,
# default 600, saying so) instead of giving up; when an install fails, it runs apt-get update
# and tries once more.
set -u
cd "$(dirname "$0")/.." || exit 2
want=$(grep -h '^# needs-packages:' tests/suite_*.sh 2>/dev/null | sed 's/^# needs-packages://' |
	tr ' ' '\n' | grep -v '^$' | LC_ALL=C sort -u)
if [ "${1:-}" = --list ]; then
	echo $want
	exit 0
fi
command -v dpkg-query >/dev/null && command -v apt-get >/dev/null || {
	echo "check-deps: no apt-get/dpkg here; install these by hand: $(echo $want)" >&2
	exit 1
}
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "check-deps: every package the suites need is installed ($(echo $want | wc -w) packages)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "check-deps: missing:$missing; run make check-deps as root to install them" >&2
	exit 1
fi
lock_timeout=${DEPS_LOCK_TIMEOUT:-600}
mkdir -p build
log=build/check-deps.log
: >"$log"
export DEBIAN_FRONTEND=noninteractive
echo "check-deps: installing:$missing (log: $log)"

# apt_wait ARGS...: apt-get with the dpkg lock waited for (bounded). apt-get's own wait
# (DPkg::Lock::Timeout) prints to the log; this prints a line every 30 s while it lasts.
apt_wait() {
	apt-get -q -o DPkg::Lock::Timeout="$lock_timeout" "$@" >>"$log" 2>&1 &
	local pid=$! t=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		if [ $((t % 30)) = 0 ]; then
			if grep -q 'Waiting for cache lock\|Could not get lock' "$log"; then
				echo "check-deps: ... another apt or dpkg holds the lock; waiting (${t} s of at most ${lock_timeout} s)"
			else
				echo "check-deps: ... apt-get $1 still running (${t} s)"
			fi
		fi
	done
	wait "$pid"
}

# shellcheck disable=SC2086
if ! apt_wait install -y --no-install-recommends $missing; then
	echo "check-deps: install failed; running apt-get update and trying again"
	# DPkg::Lock::Timeout covers the dpkg lock; apt-get update's lists lock is waited for here.
	waited=0
	until apt_wait update; do
		grep -q 'Could not get lock' "$log" && [ "$waited" -lt "$lock_timeout" ] || break
		echo "check-deps: ... the package lists are locked by another apt; waiting (${waited} s of at most ${lock_timeout} s)"
		sleep 10
		waited=$((waited + 10))
	done
	# shellcheck disable=SC2086
	apt_wait install -y --no-install-recommends $missing || {
		echo "check-deps: apt-get install failed; the end of $log:" >&2
		tail -n 8 "$log" | sed 's/^/  /' >&2
		exit 1
	}
fi
echo "check-deps: done"
