#!/usr/bin/env bash
# Installs, from Debian's packages, what the test suites need and this machine lacks. Root only;
# a normal user's `make check` skips the suites that need what is missing. Each suite lists its
# packages in a line "# needs-packages: a b c"; this script installs the union.
set -u
cd "$(dirname "$0")/.." || exit 2
[ "$(id -u)" = 0 ] || exit 0
command -v apt-get >/dev/null || exit 0
want=$(grep -h '^# needs-packages:' tests/suite_*.sh 2>/dev/null | sed 's/^# needs-packages://' | tr ' ' '\n' | sort -u | grep -v '^$')
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "# installing test packages:$missing"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends $missing >build/apt.log 2>&1; then
	apt-get update -q >>build/apt.log 2>&1
	apt-get install -y -q --no-install-recommends $missing >>build/apt.log 2>&1 || {
		echo "# apt-get install failed; see build/apt.log"
		tail -n 5 build/apt.log | sed 's/^/#   /'
		exit 1
	}
fi
