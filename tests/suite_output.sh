#!/usr/bin/env bash
# Output safety: a closed stdout, a broken pipe, a full disk, huge and non-UTF-8 arguments, a
# closed stdin/stderr and an empty environment never crash the plugin; each ends with a defined
# exit code and, where anything is printed, one valid UTF-8 status line under 1 KB.
# Runs on the host (read-only: the plugin only reads the socket table).
set -u
. "$TOP/tests/lib.sh"
P="$TOP/$BIN"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Thresholds no host reaches, so the run is OK wherever it runs.
OKARGS=(-w 99 -c 100)

# A crash shows as an exit code above 128 (a signal): never acceptable.
"$P" "${OKARGS[@]}" >&-
is "$?" 3 "stdout closed: the line cannot be written: exit 3, no crash"
"$P" "${OKARGS[@]}" -v >/dev/full
is "$?" 3 "stdout on a full device: exit 3"
is "$(broken_pipe "$P" "${OKARGS[@]}" -v)" 3 "broken pipe (reader gone): exit 3, no SIGPIPE death"
"$P" "${OKARGS[@]}" -o solarwinds >/dev/full
is "$?" 4 "-o solarwinds on a full device: SAM's Unknown (4), not 3 (Critical to SAM)"
"$P" "${OKARGS[@]}" -o json >&-
is "$?" 3 "-o json with stdout closed: exit 3"
"$P" -h >&-
is "$?" 3 "--help with stdout closed: exit 3"
"$P" --bogus >&-
is "$?" 3 "an error with stdout closed: exit 3"
out=$("$P" "${OKARGS[@]}" <&- 2>&-)
is "$?/${out%% *}" "0/EPHEMERAL" "stdin and stderr closed: works, exit 0"
out=$(env -i "$P" "${OKARGS[@]}")
is "$?/${out%% *}" "0/EPHEMERAL" "empty environment: works, exit 0"
out=$(LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8 "$P" "${OKARGS[@]}" -p all)
is "$?" 0 "a German locale in the environment: exit 0"
[[ "$out" != *,[0-9]* ]] || [[ "$out" =~ ^[^|]*\|[^,]*$ ]]
ok $? "a German locale: perfdata keeps '.' as the decimal point"

# check_line NAME WANT-EXIT ARGS...: one line (LONG=1: a status line and long output), valid UTF-8, under 1 KB, the exit code wanted.
check_line() {
	local name=$1 want=$2 rc lines bytes
	shift 2
	"$P" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	lines=$(grep -c '' "$work/out")
	[ -n "${LONG:-}" ] && [ "$lines" -gt 1 ] && lines=1 # -v: long output follows the line
	bytes=$(head -n 1 "$work/out" | wc -c)
	is "$rc" "$want" "$name: exit $want"
	is "$lines/$([ "$bytes" -le 1024 ] && echo short)" "1/short" "$name: one line under 1 KB ($bytes bytes)"
	iconv -f UTF-8 -t UTF-8 "$work/out" >/dev/null 2>&1
	ok $? "$name: valid UTF-8"
	[ -s "$work/err" ] && echo "# stderr: $(head -c 200 "$work/err")"
}
big=$(head -c 102400 /dev/zero | tr '\0' 7)
check_line "100 KB -w value" 3 -w "$big"
check_line "100 KB positional argument" 3 "$big"
check_line "100 KB long option name" 3 "--$big"
check_line "100 KB --range" 3 --range "$big"
check_line "100 KB -p" 3 -p "$big"
check_line "100 KB -o" 3 -o "$big"
check_line "100 KB -t" 3 -t "$big"
LONG=1 check_line "100 KB of -v" 0 "${OKARGS[@]}" "-$(head -c 102400 /dev/zero | tr '\0' v)"
args=()
for ((i = 0; i < 20000; i++)); do args+=(-4); done
check_line "20 000 arguments" 0 "${OKARGS[@]}" "${args[@]}"
check_line "non-UTF-8 -w" 3 -w $'\xff\xfe'
check_line "non-UTF-8 option" 3 $'--\xc3'
check_line "non-UTF-8 -p, cut multi-byte at 40 bytes" 3 -p "$(printf 'é%.0s' {1..60})"
check_line "newline inside -w" 3 -w $'80\n90'
check_line "escape sequence inside -w" 3 -w $'\e[31m80'
check_line "'|' inside -w" 3 -w '80|x=1'
out=$("$P" -w '80|x=1')
[[ "$out" != *"|"* ]]
ok $? "'|' from an argument does not start perfdata in an UNKNOWN line"
check_line "empty -w" 3 -w ''
check_line "empty argument" 3 ''
check_line "option '--'" 0 "${OKARGS[@]}" --
done_testing
