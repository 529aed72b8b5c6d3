#!/usr/bin/env bash
# Benchmark smoke (issue 8: "CI may run make bench at the smallest size"): bench/run.sh at 1 000
# sockets, one round, written under a temporary directory (docs/performance.md is not
# touched). Benchmarks are not tests: nothing here asserts a timing. It asserts the structure
# of the report and the counts: a results row for every command at each size, an EPHEMERAL
# line from check_ephemeral, and every reader's socket count equal to what bench/popgen built.
# Root only: run.sh builds the sockets in a network namespace of its own.
# needs-packages: iproute2 util-linux net-tools
set -u
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 2

[ "$(id -u)" = 0 ] || skip_all "bench/run.sh needs root (it creates a network namespace)"
unshare -n true 2>/dev/null || skip_all "cannot create a network namespace here"
need_cmd ss iproute2
[ -x "$TOP/$BIN" ] || setup_failed "$BIN is built (make)"
# make asan runs every suite against the sanitizer build; its timings say nothing.
if nm "$TOP/$BIN" 2>/dev/null | grep -q '__asan_init\|__ubsan_handle'; then
	skip_all "$BIN is a sanitizer build (make check runs the benchmark smoke)"
fi

work=$(mktemp -d /tmp/eph-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
md=$work/performance.md
raw=$work/performance.tsv

timeout 120 bench/run.sh --sizes 1000 --rounds 1 --plugin "$TOP/$BIN" --out "$md" \
	>"$work/stdout" 2>"$work/stderr"
rc=$?
is "$rc" 0 "bench/run.sh --sizes 1000 --rounds 1 exits 0"
[ "$rc" = 0 ] || tail -n 15 "$work/stderr" | sed 's/^/#   /'
ok "$(test -s "$md"; echo $?)" "the report was written ($md)"
ok "$(test -s "$raw"; echo $?)" "the raw figures were written beside it ($raw)"
if [ ! -s "$md" ] || [ ! -s "$raw" ]; then
	done_testing
	exit 1
fi

# The report's sections, in order.
secs=$(grep -E '^## ' "$md" | tr '\n' '/')
is "$secs" "## Method/## Results/## Cost per socket/## Targets/## Where the time goes/## Windows/" \
	"the report has its six sections in order"

# What ran: the "# cmd" lines of the raw file, one per command.
names=$(sed -n 's/^# cmd \([a-z_]*\)=.*/\1/p' "$raw")
n=$(wc -w <<<"$names")
want_names="ce_tcp ce_all ce_top floor_tcp floor_all floor_nobound floor_legacy ss_filter ss_all"
missing=""
for nm in $want_names proc_awk exec_true; do
	grep -qx "$nm" <<<"$names" || missing="$missing $nm"
done
is "${missing# }" "" "the raw file names every command it ran ($n; netstat when installed)"
for sz in 0 1000; do
	is "$(awk -F '\t' -v s=$sz '!/^#/ && $1 == s' "$raw" | wc -l)" "$n" \
		"raw file: one run of each of the $n commands at $sz sockets"
	is "$(grep -cE "^\| $sz \| " "$md")" "$n" "report: a results row for each of the $n commands at $sz sockets"
done
failed_rows=$(grep -c 'failed or timed out' "$md")
is "$failed_rows" 0 "no command failed or timed out"
is "$(grep -cE '^\| 1000, ns/socket \|' "$md")" 1 "the cost table has a row for 1000 sockets"

# The plugin's rows: its exact command line as label, an EPHEMERAL line as output.
for args in "-p tcp -t 60 --top 0" "-p all -t 60 --top 0" "-p tcp -t 60 --top 5 (owner search)"; do
	row=$(grep -F "| 1000 | check_ephemeral $args |" "$md")
	like "$row" '\| EPHEMERAL (OK|WARNING|CRITICAL) - tcp [0-9]+ of [0-9]+ ports in use' \
		"check_ephemeral $args: its row at 1000 says an EPHEMERAL line"
done
ok "$(grep -q -- 'judged on the `--top 0`' "$md"; echo $?)" "the Targets section says which rows it judges"
ok "$(grep -qE '^\| within 1\.2× the floor at 1000, default run' "$md"; echo $?)" \
	"the targets table has a line for the default run"

# The counts. popgen reports what it built ("base est=E bound=B udp=U ...", then "tw n=T").
base=$(grep -m 1 'bench:   base ' "$work/stderr")
est=$(sed -n 's/.* est=\([0-9]*\).*/\1/p' <<<"$base")
bound=$(sed -n 's/.* bound=\([0-9]*\).*/\1/p' <<<"$base")
udp=$(sed -n 's/.* udp=\([0-9]*\).*/\1/p' <<<"$base")
tw=$(grep 'bench:   tw n=' "$work/stderr" | tail -n 1 | sed -n 's/.* n=\([0-9]*\).*/\1/p')
like "$est $bound $udp $tw" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "popgen said what it built (est bound udp tw: $est $bound $udp $tw)"
is "$((est + bound + udp + tw))" 1000 "popgen built 1000 sockets in range"
# The output column of the raw file at 1000: the count each reader printed.
got() { awk -F '\t' -v nm="$1" '!/^#/ && $1 == 1000 && $2 == nm { print $9 }' "$raw" | head -n 1; }
is "$(got floor_all)" "$((est + bound + udp + tw))" "floor all counts every socket popgen built"
is "$(got floor_tcp)" "$((est + bound + tw))" "floor tcp counts the TCP ones (established, TIME_WAIT, bound)"
is "$(got floor_legacy)" "$((est + bound + tw))" "the one-walk floor counts the same"
is "$(got floor_nobound)" "$((est + tw))" "without bit 13 the floor misses exactly the bound-only sockets"
is "$(got ss_filter)" "$((est + tw))" "ss with the port filter counts established + TIME_WAIT"
is "$(got proc_awk)" "$((est + tw))" "the /proc reader counts established + TIME_WAIT"
if grep -qx netstat <<<"$names"; then
	is "$(got netstat)" "$((est + tw))" "netstat | awk counts established + TIME_WAIT"
fi
# check_ephemeral counts ports, not sockets: connect() may reuse a port toward another
# destination, so TCP is at most the TCP sockets; each UDP socket holds a port of its own.
lo=$(sed -n 's/^# meta lo=//p' "$raw")
hi=$(sed -n 's/^# meta hi=//p' "$raw")
res=$(sed -n 's/^# meta reserved=//p' "$raw")
pool=$((hi - lo + 1 - (${res#*-} - ${res%-*} + 1)))
ce=$(got ce_all)
tcp_used=$(sed -n 's/.* tcp \([0-9]*\) of \([0-9]*\) ports.*/\1/p' <<<"$ce")
like "$ce" " tcp [0-9]+ of $pool ports in use .* udp $udp of $pool ports in use" \
	"check_ephemeral -p all: pool $pool (range $lo-$hi minus $res), udp $udp ports as built"
ok "$([ -n "$tcp_used" ] && [ "$tcp_used" -gt 0 ] && [ "$tcp_used" -le $((est + bound + tw)) ]; echo $?)" \
	"check_ephemeral -p all: tcp ${tcp_used:-?} ports, between 1 and the $((est + bound + tw)) TCP sockets"
is "$(sed -n 's/.* tcp \([0-9]*\) of .*/\1/p' <<<"$(got ce_tcp)")" "$tcp_used" \
	"check_ephemeral -p tcp counts the same TCP ports as -p all"
# The --netns part (bench/netns.sh, issue 18): 1 and 10 namespaces, 2 000 sockets, one round,
# into a copy of the raw file above. netns.sh stops with an error when a --netns all run and ss
# inside a namespace disagree on its sockets or distinct ports, so its exit status is the count
# check; here: every case was verified, the rows are there, the rest of the file is kept, and
# the report renders the section.
nraw=$work/netns.tsv
cp "$raw" "$nraw"
timeout 300 bench/netns.sh --counts "1 10" --sockets 2000 --rounds 1 --plugin "$TOP/$BIN" \
	--raw "$nraw" >"$work/netns.out" 2>"$work/netns.err"
rc=$?
is "$rc" 0 "bench/netns.sh --counts '1 10' --sockets 2000 --rounds 1 exits 0"
[ "$rc" = 0 ] || tail -n 15 "$work/netns.err" | sed 's/^/#   /'
hashes="shared"
[ -e /proc/sys/net/ipv4/tcp_child_ehash_entries ] && hashes="shared private"
like "$(grep '^# netns case count=10 hash=idle ' "$nraw")" ' sockets=10 in_pool=0 ports=0 verified=ss ' \
	"netns: 10 namespaces without a connection, verified against ss"
for h in $hashes; do
	for n in 1 10; do
		like "$(grep "^# netns case count=$n hash=$h " "$nraw")" \
			" sockets=$((2000 + n)) in_pool=1000 ports=1000 verified=ss " \
			"netns: $n namespace(s), $h hash: 2000 sockets + $n listener(s), 1000 client ports, verified against ss"
		row=$(awk -F '\t' -v n=$n -v h=$h '$1 == "netns" && $2 == n && $3 == h && $4 == "ce_netns"' "$nraw")
		like "$row" "	0	EPHEMERAL OK - netns .*; $((n + 1)) namespaces checked: 0 critical, 0 warning \\|" \
			"netns: $n namespace(s), $h hash: --netns all checked $((n + 1)) namespaces, exit 0"
	done
	like "$(awk -F '\t' -v h=$h '$1 == "netns" && $2 == 10 && $3 == h && $4 == "ce_t1"' "$nraw")" \
		'	[03]	EPHEMERAL (OK|UNKNOWN) - netns ' "netns: the -t 1 run over 10 namespaces, $h hash, ended OK or UNKNOWN"
done
like "$(grep -c '^# netns case ' "$nraw")" "^$((1 + 2 * $(wc -w <<<"$hashes")))\$" "netns: one case line per case, no more"
is "$(grep -c '^# meta ' "$nraw")" "$(grep -c '^# meta ' "$raw")" "netns: the rows of bench/run.sh are kept"
nmd=$(bench/report.sh "$nraw")
is "$(grep -E '^## ' <<<"$nmd" | tr '\n' '/')" \
	"## Method/## Results/## Cost per socket/## Targets/## Where the time goes/## Many network namespaces (\`--netns\`)/## Windows/" \
	"the report gains the namespaces section before Windows"
is "$(grep -cE '^\| (1|10) \| [0-9 ]+ \| (shared|private|shared, no connections) \|' <<<"$nmd")" \
	"$((1 + 2 * $(wc -w <<<"$hashes")))" "the namespaces table has a row per case"
ok "$(grep -q 'tcp_child_ehash_entries' <<<"$nmd"; echo $?)" "the section names the remedy"
done_testing
