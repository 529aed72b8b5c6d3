#!/bin/bash
# bench/report.sh RESULTS [PLUGIN LO HI RESERVED ROUNDS]: turns bench/run.sh's raw timings into
# docs/performance.md (markdown on stdout). Separate from run.sh so a saved results file
# (bench/results.tsv for the committed report) can be rendered again without rebuilding a
# million sockets: `make bench-report`.
#
# RESULTS has one line per run, tab-separated:
#   size name round wall_us user_us sys_us maxrss_kib exit output
# and, written by run.sh, lines "# meta KEY=VALUE" (the machine, date, range and rounds of the
# run) and "# cmd NAME=COMMAND LINE" (what each row ran). The arguments after RESULTS are only
# needed for a file without them; the machine is then the one rendering the report, and the
# report says so.
#
# Every sentence below that states a measured fact is computed from RESULTS. What comes from
# elsewhere (the kernel's or the plugin's code, an earlier profile, docs/platform-notes.md)
# says where.
set -euo pipefail

RESULTS=$1
meta() { # meta KEY: the value recorded by run.sh, or nothing
	sed -n "s/^# meta $1=//p" "$RESULTS" | head -n 1
}
LO=$(meta lo)
HI=$(meta hi)
RESERVED=$(meta reserved)
ROUNDS=$(meta rounds)
PLUGIN=${2:-}
LO=${LO:-${3:?no "# meta lo=" in $RESULTS: give PLUGIN LO HI RESERVED ROUNDS}}
HI=${HI:-$4}
RESERVED=${RESERVED:-$5}
ROUNDS=${ROUNDS:-$6}

now=$(date -u '+%Y-%m-%d %H:%M UTC')
if [ -n "$(meta date)" ]; then
	date=$(meta date) commit=$(meta commit) version=$(meta version) cores=$(meta cores)
	cpu=$(meta cpu) mem=$(meta mem) os=$(meta os) kernel=$(meta kernel) ssv=$(meta ss)
	load=$(meta load)
	machine_note=""
else
	date=$now
	commit=$(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown)
	version=$("$PLUGIN" -V 2>/dev/null | head -n 1 || true)
	cores=$(nproc)
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || echo unknown)
	kernel=$(uname -r)
	ssv=$(ss -V 2>/dev/null | head -n 1)
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	machine_note="
- The results file records no machine: date, machine, tools and load above are those of the
  machine that rendered this report, not necessarily of the run."
fi

cat <<EOF
# Performance

How much check_ephemeral costs next to the kernel's own floor and to the tools people use
instead. Written by \`make bench\` (\`bench/run.sh\`); rerun it after any change to the socket
reader. Numbers are from one run on one machine: compare ratios, not absolute times.

- Date: $date, commit ${commit:-unknown}, ${version:-check_ephemeral version unknown}
- Machine: ${cores:-?} cores, ${cpu:-unknown CPU}, ${mem:-?} RAM, ${os:-unknown OS}, kernel ${kernel:-?}
- Tools: ${ssv:-ss}, netstat from net-tools, mawk
- Load average when the report was written: $load (other jobs on the
  machine widen the spread; rerun on a quiet machine, or under \`nice -n -10\`, for tighter figures)
- Namespace: private (\`unshare -n\`), \`ip_local_port_range\` $LO-$HI, reserved $RESERVED$machine_note

EOF

AWK_LIB='# awk functions both tables use.
# median_of LIST: the median of the numbers in LIST (separated by spaces); -1 when empty.
function median_of(list,   n, i, j, t, v) {
	n = split(list, v, " ")
	for (i = 2; i <= n; i++) {
		t = v[i] + 0
		for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) {
			v[j + 1] = v[j]
		}
		v[j + 1] = t
	}
	if (n == 0) {
		return -1
	}
	return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
# para FIRST REST TEXT: TEXT as lines of at most 98 columns, the first after FIRST, the others
# after REST (a list item: "- " and "  ").
function para(first, rest, text,   n, w, i, line) {
	n = split(text, w, " ")
	line = first
	for (i = 1; i <= n; i++) {
		if (line != first && line != rest && length(line) + 1 + length(w[i]) > 98) {
			print line
			line = rest
		}
		line = line ((line == first || line == rest) ? "" : " ") w[i]
	}
	if (line != first && line != rest) {
		print line
	}
}
'

awk -F '\t' -v q="'" -v lo="$LO" -v hi="$HI" -v rounds="$ROUNDS" -v load="$load" -v cores="${cores:-0}" "$AWK_LIB"'
function median(key) {
	return median_of(vals[key])
}
function ms(us) {
	return sprintf("%.2f", us / 1000)
}
function has(sz, nm) {
	return ((sz SUBSEP nm SUBSEP "wall") in vals)
}
function wall(sz, nm) {
	return median(sz SUBSEP nm SUBSEP "wall")
}
function cpu(sz, nm) {
	return median(sz SUBSEP nm SUBSEP "cpu")
}
function yesno(c) {
	return c ? "**met**" : "**missed**"
}
# A table cell: | would end the cell.
function cell(s) {
	gsub(/\|/, "\\|", s)
	return s
}
# ns per in-range socket above the fixed cost, on CPU time; -1 when not measured.
function nsps(sz, nm) {
	if (!has(sz, nm) || !has(0, nm) || sz + 0 == 0) {
		return -1
	}
	return (cpu(sz, nm) - cpu(0, nm)) * 1000 / sz
}
# The state word of a check_ephemeral row (OK, WARNING, CRITICAL, UNKNOWN), or "".
function state(sz, nm,   o) {
	o = out[sz SUBSEP nm]
	if (o !~ /^EPHEMERAL [A-Z]+ /) {
		return ""
	}
	sub(/^EPHEMERAL /, "", o)
	sub(/ .*/, "", o)
	return o
}
# What a run without --top costs at size sz: the plugin picks --top 5 when the state is not OK
# and 0 when it is (check_ephemeral --help), so it is the ce_top row or the ce_tcp row.
function dflt(sz) {
	return (state(sz, "ce_tcp") == "OK" || !has(sz, "ce_top")) ? "ce_tcp" : "ce_top"
}
function count(sz, nm) {
	return out[sz SUBSEP nm] + 0
}
/^netns\t/ {
	next # the --netns rows: their own section, below
}
/^#/ {
	if ($0 ~ /^# cmd [a-z_]+=/) {
		c = substr($0, 7)
		i = index(c, "=")
		cmdline[substr(c, 1, i - 1)] = substr(c, i + 1)
	}
	next
}
{
	sz = $1; nm = $2
	if (!(sz in seen_size)) {
		seen_size[sz] = 1
		sizes[++nsizes] = sz
	}
	seen_name[nm] = 1
	if ($4 < 0 || $8 == 124) {
		failed[sz SUBSEP nm]++
		next
	}
	k = sz SUBSEP nm
	vals[k SUBSEP "wall"] = vals[k SUBSEP "wall"] " " $4
	vals[k SUBSEP "user"] = vals[k SUBSEP "user"] " " $5
	vals[k SUBSEP "sys"] = vals[k SUBSEP "sys"] " " $6
	vals[k SUBSEP "cpu"] = vals[k SUBSEP "cpu"] " " ($5 + $6)
	if (!(k in lo_us) || $4 < lo_us[k]) lo_us[k] = $4
	if (!(k in hi_us) || $4 > hi_us[k]) hi_us[k] = $4
	if ($7 > rss[k]) rss[k] = $7
	out[k] = $9
}
END {
	# The command lines of bench/run.sh (as of commit 37cc99d), for a results file that does
	# not record them.
	dcmd["ce_tcp"] = "check_ephemeral/check_ephemeral -p tcp -t 60 --top 0"
	dcmd["ce_all"] = "check_ephemeral/check_ephemeral -p all -t 60 --top 0"
	dcmd["ce_top"] = "check_ephemeral/check_ephemeral -p tcp -t 60 --top 5"
	dcmd["floor_tcp"] = "build/bench/floor tcp " lo " " hi
	dcmd["floor_all"] = "build/bench/floor all " lo " " hi
	dcmd["floor_nobound"] = "build/bench/floor tcp-nobound " lo " " hi
	dcmd["floor_legacy"] = "build/bench/floor tcp-legacy " lo " " hi
	dcmd["ss_filter"] = "ss -Htan state all " q "( sport >= :" lo " and sport <= :" hi " )" q " | wc -l"
	dcmd["ss_all"] = "ss -Htan | wc -l"
	dcmd["netstat"] = "netstat -ant | awk -v lo=" lo " -v hi=" hi " " q "$1 ~ /^tcp/ { n = split($4, a, \":\"); p = a[n] + 0; if (p >= lo && p <= hi) c++ } END { print c + 0 }" q ""
	dcmd["proc_awk"] = "awk -v lo=" lo " -v hi=" hi " " q "function hex(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index(\"0123456789ABCDEF\", substr(s, i, 1)) - 1; return v } FNR > 1 { split($2, a, \":\"); p = hex(a[2]); if (p >= lo && p <= hi) c++ } END { print c + 0 }" q " /proc/net/tcp /proc/net/tcp6"
	dcmd["exec_true"] = "/bin/true"

	nall = split("ce_tcp ce_all ce_top floor_tcp floor_all floor_nobound floor_legacy ss_filter ss_all netstat proc_awk exec_true", all, " ")
	for (i = 1; i <= nall; i++) {
		nm = all[i]
		if (!(nm in cmdline)) {
			cmdline[nm] = dcmd[nm]
		}
		if (seen_name[nm]) {
			names[++nnames] = nm
		}
	}
	# Row labels: the plugin rows are their exact command line (the plugin named without its
	# directory), the others a short name whose command line the Method section gives.
	for (i = 1; i <= nall; i++) {
		nm = all[i]
		if (nm ~ /^ce_/) {
			l = cmdline[nm]
			sub(/^[^ ]*\//, "", l)
			label[nm] = l (nm == "ce_top" ? " (owner search)" : "")
		}
	}
	label["floor_tcp"] = "floor tcp"
	label["floor_all"] = "floor all"
	label["floor_nobound"] = "floor tcp without bit 13 (bound-inactive)"
	label["floor_legacy"] = "floor tcp, one legacy walk for v4+v6"
	label["ss_filter"] = "ss -Htan state all (sport filter) | wc -l"
	label["ss_all"] = "ss -Htan | wc -l"
	label["netstat"] = "netstat -ant | awk"
	label["proc_awk"] = "awk /proc/net/tcp{,6}"
	label["exec_true"] = "/bin/true (process start)"

	# The size the targets are judged at: 200 000, or the largest measured.
	t = -1
	for (s = 1; s <= nsizes; s++) {
		if (sizes[s] + 0 == 200000) t = 200000
	}
	if (t < 0) {
		for (s = 1; s <= nsizes; s++) if (sizes[s] + 0 > t) t = sizes[s] + 0
	}
	# Smallest and largest size above 0, for the growth of the per-socket costs.
	smin = -1; smax = -1
	for (s = 1; s <= nsizes; s++) {
		sz = sizes[s] + 0
		if (sz == 0) continue
		if (smin < 0 || sz < smin) smin = sz
		if (sz > smax) smax = sz
	}

	print "## Method"
	print "- One network namespace; for each size, `bench/popgen` builds the sockets whose local port is"
	print "  in the range: 45 % ESTABLISHED clients, 30 % client-side TIME_WAIT, 10 % bound-only TCP"
	print "  (bind port 0, neither connect nor listen), 15 % UDP; about one in eight on ::1. The server"
	print "  halves of the connections also exist, on ports below the range, as on a real proxy:"
	printf "  `ss -Htan`, netstat and /proc list them too"
	if (smax > 0 && has(smax, "ss_all")) {
		printf " (with %d in range, `ss -Htan | wc -l` counted %d\n", smax, count(smax, "ss_all")
		printf "  TCP sockets, %.2f× the in-range count).\n", count(smax, "ss_all") / smax
	} else {
		print "."
	}
	print "- TIME_WAIT lasts a fixed 60 s, so it is made in batches and measured only during the first"
	print "  55 s of each; a new batch replaces the old one (killed with `ss -K`) when the next command"
	print "  might outlive it."
	print "- Every command runs " rounds " times per size, interleaved (each round starts one command later)."
	print "  Times are medians; the spread is min–max wall time. `bench/tm` measures wall time with a"
	print "  monotonic clock and user/sys/peak RSS with `wait4()`, which includes the whole pipeline"
	print "  (`bash`, `ss`/`netstat`, `wc`/`awk`); peak RSS is the largest single process."
	print "  CPU = user + sys: their sum is the scheduler" q "s exact runtime, only the split between them is"
	print "  tick-sampled. Wall time is what a user waits for, but other jobs on a 2-core machine inflate"
	print "  it; CPU time is not inflated by waiting for a core, so the per-socket costs and the second"
	print "  ratio column of the targets use CPU time."
	print "- floor = `bench/floor`: one inet_diag dump per family (and protocol for `all`) with the same"
	print "  kernel source-port filter, that only counts the replies. × floor compares with floor tcp,"
	print "  except check_ephemeral -p all and floor all, which compare with floor all."
	print "- Size 0 is the empty namespace: the fixed cost (process start, range and reserved reads)."
	print "- check_ephemeral is timed with `--top 0`, which counts and nothing else, as every other"
	print "  command here does. Without `--top` the plugin uses `--top 5` when the state is not OK (and 0"
	print "  when it is; `check_ephemeral --help`), and then also searches /proc for the process that"
	print "  holds each socket. The `--top 5` row measures that run. So a default run (no `--top`) is the"
	print "  `--top 0` row where the output column says OK and the `--top 5` row where it does not;"
	crit = ""; okl = ""
	for (s = 1; s <= nsizes; s++) {
		sz = sizes[s]
		st = state(sz, "ce_tcp")
		if (st == "") continue
		if (st == "OK") okl = okl (okl == "" ? "" : ", ") sz
		else crit = crit (crit == "" ? "" : ", ") sz " (" st ")"
	}
	if (okl != "" || crit != "") {
		printf "  in this run the state was OK at %s sockets%s.\n", (okl == "" ? "no size of" : okl), (crit == "" ? "" : " and not OK at " crit)
	} else {
		print "  this run has no check_ephemeral rows."
	}
	print "- The exact command lines (run from the top of the tree; ss, netstat and awk pipelines run"
	print "  under `bash -c`):"
	print ""
	print "| row | command line |"
	print "|---|---|"
	for (i = 1; i <= nnames; i++) {
		nm = names[i]
		printf "| %s | `%s` |\n", cell(label[nm]), cell(cmdline[nm])
	}
	print ""

	print "## Results"
	print ""
	print "| sockets in range | command | wall ms (median) | spread ms (min–max) | CPU ms | user ms | sys ms | peak RSS KiB | × floor (wall) | output |"
	print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
	for (s = 1; s <= nsizes; s++) {
		sz = sizes[s]
		for (i = 1; i <= nnames; i++) {
			nm = names[i]
			k = sz SUBSEP nm
			if (!has(sz, nm)) {
				printf "| %s | %s | failed or timed out | | | | | | | |\n", sz, cell(label[nm])
				continue
			}
			ref = (nm == "ce_all" || nm == "floor_all") ? "floor_all" : "floor_tcp"
			ratio = (nm != "exec_true" && has(sz, ref) && wall(sz, ref) > 0) ? sprintf("%.2f", wall(sz, nm) / wall(sz, ref)) : ""
			o = out[k]
			if (nm ~ /^ce_/) {
				sub(/ \|.*/, "", o)
			}
			printf "| %s | %s | %s | %s–%s | %s | %s | %s | %d | %s | %s |\n", sz, cell(label[nm]), ms(wall(sz, nm)), ms(lo_us[k]), ms(hi_us[k]), ms(cpu(sz, nm)), ms(median(k SUBSEP "user")), ms(median(k SUBSEP "sys")), rss[k], ratio, cell(o)
		}
	}
	print ""
	print "## Cost per socket"
	print ""
	print "Marginal cost = (median CPU time at N − median CPU time at 0) / N, in ns per in-range socket"
	print "(the namespace also holds the out-of-range sockets of the Method section). Fixed cost ="
	print "median wall time at 0 sockets, the time a user waits on an idle host."
	print ""
	ncols = split("floor_tcp ce_tcp floor_all ce_all ss_filter ss_all netstat proc_awk", cols, " ")
	hdr = "| sockets |"
	sep = "|---:|"
	for (c = 1; c <= ncols; c++) {
		if (seen_name[cols[c]]) {
			hdr = hdr " " cell(label[cols[c]]) " |"
			sep = sep "---:|"
		}
	}
	print hdr
	print sep
	line = "| fixed (0 sockets), ms |"
	for (c = 1; c <= ncols; c++) {
		if (seen_name[cols[c]]) {
			line = line " " (has(0, cols[c]) ? ms(wall(0, cols[c])) : "") " |"
		}
	}
	print line
	for (s = 1; s <= nsizes; s++) {
		sz = sizes[s]
		if (sz == 0) {
			continue
		}
		line = "| " sz ", ns/socket |"
		for (c = 1; c <= ncols; c++) {
			if (!seen_name[cols[c]]) {
				continue
			}
			v = nsps(sz, cols[c])
			line = line " " (v < 0 && !(has(sz, cols[c]) && has(0, cols[c])) ? "" : sprintf("%.0f", v)) " |"
		}
		print line
	}
	if (has(0, "exec_true")) {
		printf "\nStarting any process (fork + exec of /bin/true, measured the same way) costs %s ms.\n", ms(wall(0, "exec_true"))
	}
	if (has(0, "ce_tcp") && has(0, "floor_tcp")) {
		d = wall(0, "ce_tcp") - wall(0, "floor_tcp")
		printf "check_ephemeral -p tcp spends %s ms %s than the floor on an empty namespace; what it does\n", ms(d < 0 ? -d : d), (d < 0 ? "less" : "more")
		print "there beyond the floor" q "s dump (from its code): reading ip_local_port_range and"
		print "ip_local_reserved_ports, parsing arguments and formatting output."
	}
	# Growth of the per-socket cost from the smallest to the largest size: about linear when it
	# stays within 25 %.
	if (smin > 0 && smax > smin) {
		print ""
		printf "How the marginal cost changes from %d to %d sockets (CPU time; about linear means within\n", smin, smax
		print "±25 %):"
		for (c = 1; c <= ncols; c++) {
			nm = cols[c]
			a = nsps(smin, nm); b = nsps(smax, nm)
			if (!seen_name[nm] || a <= 0 || b <= 0) continue
			g = b / a
			grow[nm] = g
			printf "- %s: %.0f → %.0f ns/socket (%+.0f %%), %s\n", cell(label[nm]), a, b, (g - 1) * 100, (g > 1.25 ? "superlinear" : (g < 0.8 ? "falling: the fixed part still weighs at the small size" : "about linear"))
		}
	}

	print ""
	print "## Targets"
	print ""
	if (t != 200000) {
		printf "200 000 sockets were not measured in this run; judged at %d instead.\n\n", t
	}
	st = state(t, "ce_tcp")
	print "The targets of issue 8 compare counting with counting, so they are judged on the `--top 0`"
	print "rows: the floor, ss, netstat and the /proc reader only count sockets and none of them looks"
	printf "for their owners. At %d sockets the population is %s", t, (st == "" ? "of unknown state" : st)
	if (st != "" && st != "OK" && has(t, "ce_top")) {
		print ", so a default run (no `--top`)"
		print "also runs the owner search: its figures are those of the `--top 5` row, and the lines"
		print "\"default run\" below judge it the same way. A monitoring system that runs the plugin without"
		print "options on this host pays those."
	} else {
		print ": a default run (no `--top`) is the"
		print "`--top 0` run, and the lines \"default run\" below repeat it."
	}
	print ""
	printf "Status is judged on wall time; the CPU-time ratio beside it is the one to trust when the\n"
	printf "load average was above the number of cores (here %s on %d cores%s).\n", load, cores, ((load + 0) > cores + 0 ? ": above, trust CPU time" : "")
	print ""
	print "| target (issue 8) | check_ephemeral (wall) | same on CPU time | best possible: the floor (wall) | status |"
	print "|---|---|---|---|---|"
	if (!has(t, "ce_tcp")) {
		print "| all | not measured (binary missing) | | | not judged |"
	} else {
		fl = has(t, "floor_tcp") ? wall(t, "floor_tcp") : 0
		flc = has(t, "floor_tcp") ? cpu(t, "floor_tcp") : 0
		split("ss_filter netstat proc_awk", tg, " ")
		split("1.8 15 15", goal, " ")
		tl["ss_filter"] = "≥ 1.8× faster than the ss filter pipeline"
		tl["netstat"] = "≥ 15× faster than netstat -ant \\| awk"
		tl["proc_awk"] = "≥ 15× faster than an awk reader of /proc/net/tcp{,6}"
		dn = dflt(t)
		dl = (dn == "ce_top") ? "default run (`--top 5` row)" : "default run (`--top 0` row)"
		for (v = 0; v < 2; v++) {
			nm = v ? dn : "ce_tcp"
			tag = v ? dl : "`--top 0`"
			ce = wall(t, nm)
			if (fl > 0) {
				r = ce / fl
				printf "| within 1.2× the floor at %d, %s | %.2f× (%s vs %s ms) | %.2f× | 1.00× | %s |\n", t, tag, r, ms(ce), ms(fl), cpu(t, nm) / flc, yesno(r <= 1.2)
			}
			for (g = 1; g <= 3; g++) {
				if (!has(t, tg[g])) continue
				r = wall(t, tg[g]) / ce
				best = (fl > 0) ? sprintf("%.2f×", wall(t, tg[g]) / fl) : ""
				printf "| %s, %s | %.2f× | %.2f× | %s | %s |\n", tl[tg[g]], tag, r, cpu(t, tg[g]) / cpu(t, nm), best, yesno(r >= goal[g] + 0)
			}
		}
		# Peak RSS over 1 000..200 000: the --top 0 rows (-p tcp and -p all), then the
		# default run of -p tcp at each size.
		for (v = 0; v < 2; v++) {
			min = -1; max = 0; where = ""
			for (s = 1; s <= nsizes; s++) {
				sz = sizes[s]
				if (sz + 0 < 1000 || sz + 0 > 200000) continue
				for (c = 0; c < 2; c++) {
					if (v && c) continue
					k = sz SUBSEP (v ? dflt(sz) : (c ? "ce_all" : "ce_tcp"))
					if (!(k in rss)) continue
					if (min < 0 || rss[k] < min) min = rss[k]
					if (rss[k] > max) { max = rss[k]; where = sz }
				}
			}
			tag = v ? "default run of -p tcp (`--top 5` row where not OK)" : "`--top 0`, -p tcp and -p all"
			if (min > 0) {
				printf "| peak RSS ≤ 4 MiB from 1 000 to 200 000 sockets, %s | max %d KiB (at %s) | | | %s |\n", tag, max, where, yesno(max <= 4096)
				printf "| peak RSS flat (max − min ≤ 10 %%), %s | %d–%d KiB, +%.1f %% | | | %s |\n", tag, min, max, (max - min) * 100 / min, yesno(max - min <= min / 10)
			}
		}
		# Can 15x be reached at all? Not by a reader that is slower than the floor; the fastest
		# complete reader measured is the floor or its one-walk variant.
		bn = "floor_tcp"
		if (has(t, "floor_legacy") && count(t, "floor_legacy") == count(t, "floor_tcp") && wall(t, "floor_legacy") < wall(t, "floor_tcp")) {
			bn = "floor_legacy"
		}
		if (fl > 0 && (has(t, "netstat") || has(t, "proc_awk"))) {
			txt = sprintf("What the 15× targets ask of any reader that gets every in-range socket from the kernel: the fastest such reader measured here, %s (%s ms at %d sockets, the same count as the floor), is", label[bn], ms(wall(t, bn)), t)
			sepr = ""
			reach = 1
			for (g = 2; g <= 3; g++) {
				if (!has(t, tg[g])) continue
				r = wall(t, tg[g]) / wall(t, bn)
				if (r < 15) reach = 0
				txt = txt sprintf("%s %.2f× faster than %s", sepr, r, (tg[g] == "netstat" ? "netstat -ant \\| awk" : "the /proc reader"))
				sepr = " and"
			}
			if (reach) {
				txt = txt ", so 15× is within reach of a reader as fast as it."
			} else {
				txt = txt ". A plugin that reads the same sockets can only be slower than that reader, so 15× is out of reach on this machine and kernel: the ratio is set by how fast the kernel dumps sockets against how fast it prints /proc/net/tcp, not by check_ephemeral."
			}
			print ""
			para("", "", txt)
		}
	}

	# Where the floor goes, from the two floor variants.
	if (has(t, "floor_tcp")) {
		flc = cpu(t, "floor_tcp")
		print ""
		print "## Where the time goes"
		print ""
		para("", "", sprintf("At %d sockets the floor spends %s ms of CPU, %.0f %% of it as sys time, in the kernel (the user/sys split is tick-sampled): user space only counts. An earlier profile, `perf record -e cpu-clock` of the floor at 200 000 sockets, noted when this section was written (commit 11c9287, 2026-11-26; the profile itself was not kept and this run did not profile), put the kernel time in `tcp_diag_dump`, `inet_diag_msg_attrs_fill` and `inet_sk_diag_fill`.", t, ms(flc), median(t SUBSEP "floor_tcp" SUBSEP "sys") * 100 / flc))
		if (has(t, "floor_nobound")) {
			nb = cpu(t, "floor_nobound")
			nt = count(t, "floor_tcp"); nn = count(t, "floor_nobound")
			para("- ", "  ", sprintf("Bound-inactive sockets (state bit 13): the floor takes %s ms of CPU with them and %s ms without, for %d sockets against %d: the bit adds %d sockets (%.0f %% of the count) and %.0f %% to the time. Why (from the kernel" q "s inet_diag code, not measured here): it finds them by walking the whole bind hash, where every connected socket also sits, so the bit costs another pass over the sockets even when few are bound-only.", ms(flc), ms(nb), nt, nn, nt - nn, (nt - nn) * 100 / nt, (flc - nb) * 100 / nb))
		}
		if (has(t, "floor_legacy")) {
			lg = cpu(t, "floor_legacy")
			txt = "Two families: one v2 request per family walks the established hash twice (kernel code). The legacy `TCPDIAG_GETSOCK` request, answered with `sdiag_family = AF_UNSPEC`, walks it once and"
			if (count(t, "floor_legacy") == count(t, "floor_tcp")) {
				txt = txt sprintf(" returns the same %d sockets in %s ms of CPU (%.2f× the floor).", count(t, "floor_legacy"), ms(lg), lg / flc)
			} else {
				txt = txt sprintf(" returns %d sockets (the floor: %d) in %s ms of CPU (%.2f× the floor).", count(t, "floor_legacy"), count(t, "floor_tcp"), ms(lg), lg / flc)
			}
			txt = txt " check_ephemeral sends it for TCP over both families (the default) and falls back to one v2 request per family when the kernel refuses it; `-4`/`-6` and UDP use the v2 requests (lib/nl_diag.c)."
			if (has(t, "ce_tcp")) {
				c1 = cpu(t, "ce_tcp")
				txt = txt sprintf(" Here `%s` took %s ms of CPU, %.2f× the floor%s.", label["ce_tcp"], ms(c1), c1 / flc, (c1 < flc ? ": below it, which that one walk allows" : ""))
			}
			para("- ", "  ", txt)
		}
		if (has(t, "ss_filter") && has(t, "netstat")) {
			txt = sprintf("`ss` with the same filter costs %.2f× the CPU time of the floor and `netstat` %.2f×.", cpu(t, "ss_filter") / flc, cpu(t, "netstat") / flc)
			if (has(t, "floor_nobound")) {
				txt = txt sprintf(" They counted %d (ss) and %d (netstat)", count(t, "ss_filter"), count(t, "netstat"))
				if (has(t, "proc_awk")) txt = txt sprintf(", the /proc reader %d,", count(t, "proc_awk"))
				txt = txt sprintf(" sockets in range, against %d of the floor and %d of the floor without bit 13", count(t, "floor_tcp"), count(t, "floor_nobound"))
				same = (count(t, "ss_filter") == count(t, "floor_nobound") && count(t, "netstat") == count(t, "floor_nobound") && (!has(t, "proc_awk") || count(t, "proc_awk") == count(t, "floor_nobound")))
				txt = txt (same ? ": none of them sees bound-inactive sockets." : ".")
			}
			if (("netstat" in grow) && ("proc_awk" in grow)) {
				lin = (grow["netstat"] <= 1.25 && grow["proc_awk"] <= 1.25)
				txt = txt sprintf(" The marginal cost of netstat changed %+.0f %% and that of the /proc reader %+.0f %% from %d to %d sockets: on this kernel /proc/net/tcp is read in %s time. (docs/platform-notes.md §4, undated, records netstat and /proc readers at about 4 100 ms for 200 000 sockets and calls them superlinear; this run %s.)", (grow["netstat"] - 1) * 100, (grow["proc_awk"] - 1) * 100, smin, smax, (lin ? "about linear" : "superlinear"), (lin ? "does not show that" : "agrees"))
			}
			para("- ", "  ", txt)
		}
		if (has(t, "ce_top") && has(t, "ce_tcp")) {
			para("- ", "  ", sprintf("The owner search of `--top` (the default when the state is not OK) costs %s ms of CPU more at this size (%.2f× the `--top 0` run), and its peak RSS is %d KiB against %d KiB. What it does (from lib/check.c): a second socket read for the owner data, a record per socket, and a walk of the file descriptors of every process under /proc. An OK run does not do it.", ms(cpu(t, "ce_top") - cpu(t, "ce_tcp")), cpu(t, "ce_top") / cpu(t, "ce_tcp"), rss[t SUBSEP "ce_top"], rss[t SUBSEP "ce_tcp"]))
		}
	}
}' "$RESULTS"

# The --netns rows (bench/netns.sh), when the results file has them. Every figure and every
# "measured" sentence comes from those rows; what comes from the kernel's code says so.
if grep -qP '^netns\t' "$RESULTS"; then
	nmeta() { sed -n "s/^# netns $1=//p" "$RESULTS" | head -n 1; }
	printf '\n## Many network namespaces (`--netns`)\n\n'
	fmt -u -w 98 <<EOF
Written by \`bench/netns.sh\` (\`make bench\` runs it after the table above, \`make bench-netns\`
on its own): $(nmeta date), commit $(nmeta commit), kernel $(nmeta kernel), $(nmeta cores) cores,
load average $(nmeta load) when the rows were written. $(nmeta sockets) ESTABLISHED TCP sockets
in all (connections over loopback, both ends in the same namespace; the client ends hold ports
of the pool $(nmeta range), the server ends do not), spread evenly over 1, 10 or 100 network
namespaces made by \`unshare -n\`. The bench runs in a PID namespace of its own, so
\`--netns all\` finds those namespaces and the bench's own, empty one: the namespaces checked
are one more than those made. Median of $(nmeta rounds) round(s): wall and CPU (user + system)
time; peak RSS is the largest of the rounds. "Shared": the kernel's default, one established
hash for every namespace, whose bucket count is shown; "private":
\`net.ipv4.tcp_child_ehash_entries\` set in the bench's namespace before it made the others, so
that each has a hash of its own of that many buckets. The first row has as many namespaces as
the last shared one, without a connection: what a namespace costs by itself.
EOF
	cat <<EOF

| namespaces | TCP sockets in them | hash | buckets | \`--netns all\`, wall ms | CPU ms | wall ms per namespace checked | peak RSS KiB | plain run in the bench's namespace, wall ms |
|---:|---:|---|---:|---:|---:|---:|---:|---:|
EOF
	awk -F '\t' -v cores="$(nmeta cores)" -v load="$(nmeta load)" -v perproc="$(nmeta per_proc)" "$AWK_LIB"'
	function median(list) { return median_of(list) }
	function kv(s, key,   m) {
		if (match(s, " " key "=[^ ]*")) return substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
		return ""
	}
	function num(x,   s) { # 12345 -> "12 345"
		s = sprintf("%d", x)
		while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($| )/, " &", s)
		return s
	}
	function w(k, nm) { return median(wall[k SUBSEP nm]) }
	function dur(us) { return us >= 1e6 ? sprintf("%.1f s", us / 1e6) : sprintf("%.0f ms", us / 1000) }
	function has(k, nm) { return (k SUBSEP nm) in wall }
	/^# netns case / {
		k = kv($0, "count") SUBSEP kv($0, "hash")
		keys[++nk] = k
		for (i = split("ehash tw_max sockets in_pool ports build_s host_tcp", f, " "); i > 0; i--)
			cs[k SUBSEP f[i]] = kv($0, f[i])
		next
	}
	$1 != "netns" { next }
	{
		k = $2 SUBSEP $3
		if ($4 == "ce_t1") {
			nt[k]++
			t1wall[k SUBSEP nt[k]] = $6; t1exit[k SUBSEP nt[k]] = $10; t1out[k SUBSEP nt[k]] = $11
			next
		}
		if ($6 < 0 || $10 > 2) { bad[k SUBSEP $4]++; next }
		wall[k SUBSEP $4] = wall[k SUBSEP $4] " " $6
		cpu[k SUBSEP $4] = cpu[k SUBSEP $4] " " ($7 + $8)
		if ($9 > rss[k SUBSEP $4]) rss[k SUBSEP $4] = $9
		if (!(k in state)) { state[k] = $11; sub(/ -.*/, "", state[k]) }
	}
	END {
		maxn = 0; minn = 0
		for (i = 1; i <= nk; i++) {
			k = keys[i]; split(k, f, SUBSEP); n = f[1]; h = f[2]
			if (h != "idle" && n > maxn) maxn = n
			if (h != "idle" && (minn == 0 || n < minn)) minn = n
			if (!has(k, "ce_netns")) {
				printf "| %d | %s | %s | | no valid run | | | | |\n", n, num(cs[k SUBSEP "sockets"]), h
				continue
			}
			hn = h == "idle" ? "shared, no connections" : h
			printf "| %d | %s | %s | %s | %.1f | %.1f | %.2f | %d | %.1f |\n", n, num(cs[k SUBSEP "sockets"]),
				hn, num(cs[k SUBSEP "ehash"]), w(k, "ce_netns") / 1000, median(cpu[k SUBSEP "ce_netns"]) / 1000,
				w(k, "ce_netns") / 1000 / (n + 1), rss[k SUBSEP "ce_netns"], w(k, "ce_own") / 1000
			if (rss[k SUBSEP "ce_netns"] > rmax) rmax = rss[k SUBSEP "ce_netns"]
			if (rmin == 0 || rss[k SUBSEP "ce_netns"] < rmin) rmin = rss[k SUBSEP "ce_netns"]
			if (rss[k SUBSEP "ce_own"] > omax) omax = rss[k SUBSEP "ce_own"]
		}
		print ""
		for (i = 1; i <= nk; i++) {
			k = keys[i]
			for (nm in bad) if (index(nm, k SUBSEP) == 1) {
				split(nm, f, SUBSEP)
				para("- ", "  ", sprintf("**%d run(s) of %s with %d namespaces, %s hash, failed or timed out** and are left out of the medians.", bad[nm], f[3], f[1], f[2]))
			}
		}
		# What was verified.
		txt = "Counts: before timing a case, the bench compared one `--netns all -o json` run with `ss -tan` inside every namespace it had made: the sockets in the pool and their distinct ports were the same in every namespace of every case (the bench stops otherwise and writes nothing), and every namespace had the hash the row names (its `net.ipv4.tcp_ehash_entries`, negative in a namespace that shares the hash)."
		for (i = 1; i <= nk; i++) {
			k = keys[i]; split(k, f, SUBSEP)
			if (cs[k SUBSEP "ports"] + 0 < cs[k SUBSEP "in_pool"] + 0 && !said) {
				said = 1
				procs = perproc > 0 ? int((cs[k SUBSEP "in_pool"] / f[1] + perproc - 1) / perproc) : 0
				txt = txt sprintf(" With %d namespace(s), %s client sockets held %s distinct ports: each namespace%s connections came from %d processes (one process can hold %s connections under the open-file limit here), each connecting to a listener of its own, and connect() hands out a local port already in use toward another destination again, as long as the four-tuple is new (the kernel" "\x27" "s `__inet_hash_connect`). `tcp_used` counts those ports, `tcp_established` the sockets; both matched ss.", f[1], num(cs[k SUBSEP "in_pool"]), num(cs[k SUBSEP "ports"]), "\x27" "s", procs, num(perproc))
			}
		}
		para("- ", "  ", txt)
		# The shared hash: namespaces x sockets.
		ki = maxn SUBSEP "idle"; ks = maxn SUBSEP "shared"; kp = maxn SUBSEP "private"; k1 = minn SUBSEP "shared"
		if (has(ks, "ce_netns") && has(k1, "ce_netns") && maxn > minn) {
			txt = sprintf("Shared hash: with %s sockets in the namespaces, `--netns all` took %.0f ms over %d namespace(s) and %.0f ms over %d (%.1f× for %.1f× the namespaces checked).", num(cs[ks SUBSEP "sockets"]), w(k1, "ce_netns") / 1000, minn + 1, w(ks, "ce_netns") / 1000, maxn + 1, w(ks, "ce_netns") / w(k1, "ce_netns"), (maxn + 1) / (minn + 1))
			if (has(ki, "ce_netns") && has(ki, "ce_own")) {
				per = (w(ks, "ce_netns") - w(ki, "ce_netns")) / (maxn + 1)
				walk = w(ks, "ce_own") - w(ki, "ce_own")
				txt = txt sprintf(" Above the %.0f ms that as many namespaces cost without a socket, that is %.1f ms per namespace checked; one plain run in the bench" "\x27" "s empty namespace, which walks the same shared hash, took %.1f ms more with the sockets there than without. Each namespace" "\x27" "s dump walks the whole shared hash and skips the other namespaces" "\x27" " sockets one by one (the kernel" "\x27" "s inet_diag code), so the socket part grows as namespaces × sockets on the host.", w(ki, "ce_netns") / 1000, per / 1000, walk / 1000)
			}
			para("- ", "  ", txt)
		}
		# The private hash.
		txt = ""
		for (i = 1; i <= nk; i++) {
			k = keys[i]; split(k, f, SUBSEP)
			if (f[2] != "private" || !has(k, "ce_netns") || !has(f[1] SUBSEP "shared", "ce_netns")) continue
			r = w(f[1] SUBSEP "shared", "ce_netns") / w(k, "ce_netns")
			txt = txt sprintf("%s%s over %d namespace(s) (%.0f against %.0f ms)", txt == "" ? "" : ", ", (r < 1.1 && r > 0.9) ? "about as fast as the shared hash" : sprintf("%.1f× %s than the shared hash", r >= 1 ? r : 1 / r, r >= 1 ? "faster" : "slower"), f[1], w(k, "ce_netns") / 1000, w(f[1] SUBSEP "shared", "ce_netns") / 1000)
		}
		if (txt != "") {
			txt = "Private hash per namespace: " txt "."
			if (has(kp, "ce_netns") && has(ki, "ce_netns")) {
				d = (w(kp, "ce_netns") - w(ki, "ce_netns")) / 1000
				txt = txt (d > 0 ? sprintf(" Over %d namespaces it is still %.0f ms above", maxn, d) : sprintf(" Over %d namespaces it was not slower than", maxn))
				txt = txt sprintf(" the %.0f ms of as many namespaces without a socket.", w(ki, "ce_netns") / 1000)
				if (d > 0) txt = txt sprintf(" Not measured apart here, but from the kernel" "\x27" "s code: only the established hash becomes private (the commit says so); the bind hash stays shared, and the plugin" "\x27" "s request for bound-only sockets (state bit 13) walks it, skipping other namespaces" "\x27" " ports, in every namespace.")
			}
			if (has(kp, "ce_own") && has(ks, "ce_own")) {
				txt = txt sprintf(" The plain run in the bench" "\x27" "s namespace (made before the sysctl was set, so on the shared hash) took %.1f ms with the sockets in private hashes against %.1f ms with them in the shared one: private hashes also spare the namespaces that do not hold the sockets.", w(kp, "ce_own") / 1000, w(ks, "ce_own") / 1000)
			}
			para("- ", "  ", txt)
		}
		# tcp_max_tw_buckets in the namespaces, by hash size.
		txt = ""
		for (i = 1; i <= nk; i++) {
			k = keys[i]; split(k, f, SUBSEP)
			if (cs[k SUBSEP "tw_max"] == "" || (f[2] != "private" && shtw)) continue
			if (f[2] != "private") shtw = 1
			txt = txt sprintf("%s%s with %s %s buckets", txt == "" ? "" : ", ", num(cs[k SUBSEP "tw_max"]), f[2] == "private" ? "a private hash of" : "the shared hash of", num(cs[k SUBSEP "ehash"]))
		}
		if (txt != "") para("- ", "  ", "`net.ipv4.tcp_max_tw_buckets` inside the namespaces made: " txt ".")
		if (rmax > 0) {
			para("- ", "  ", sprintf("Memory: the peak RSS of `--netns all` stayed between %d and %d KiB in every case (the plain run: at most %d KiB): the plugin keeps the figures of two namespaces at a time, whatever their number (lib/check.c).", rmin, rmax, omax))
		}
		# -t.
		for (i = 1; i <= nk; i++) {
			k = keys[i]; split(k, f, SUBSEP)
			if (!(k in nt)) continue
			mx = 0; ok = 1; lo = -1; hi = -1; un = 0; codes = ""
			for (r = 1; r <= nt[k]; r++) {
				if (t1wall[k SUBSEP r] > mx) mx = t1wall[k SUBSEP r]
				if (t1wall[k SUBSEP r] < 0) ok = 0
				e = t1exit[k SUBSEP r]; if (index(" " codes " ", " " e " ") == 0) codes = codes (codes == "" ? "" : ", ") e
				c = -1; s = t1out[k SUBSEP r]
				if (match(s, /[0-9]+ namespaces checked/)) c = substr(s, RSTART, RLENGTH) + 0
				if (c >= 0 && (lo < 0 || c < lo)) lo = c
				if (c > hi) hi = c
				if (s ~ /not checked before -t ran out/) un++
			}
			txt = sprintf("`-t 1` over %d namespaces, %s hash, %d run(s): ", f[1] + 1, f[2], nt[k])
			if (!ok) {
				txt = txt "**at least one run was killed after 120 s: -t was not honoured.**"
			} else {
				txt = txt sprintf("the longest took %.0f ms, exit code(s) %s; %d to %d namespaces were checked", mx / 1000, codes, lo, hi)
				txt = txt (un == nt[k] ? sprintf(" and the rest counted as not checked before -t ran out (UNKNOWN, the status line says how many); the whole run with -t 60 took %.0f ms.", w(k, "ce_netns") / 1000) : (un ? "; some runs checked them all in time." : ": all of them, in time."))
			}
			para("- ", "  ", txt)
		}
		# What it means, and the machine.
		if (has(ks, "ce_netns")) {
			print ""
			para("", "", sprintf("What it means on a big container host: with the default shared hash, a `--netns all` check costs about one dump of every socket on the host per namespace. Here %d namespaces holding %s sockets took %s of wall time and %s of CPU per check with the shared hash%s; keep the check interval and `-t` sized for that.", maxn, num(cs[ks SUBSEP "sockets"]), dur(w(ks, "ce_netns")), dur(median(cpu[ks SUBSEP "ce_netns"])), has(kp, "ce_netns") ? sprintf(", %s and %s with private hashes", dur(w(kp, "ce_netns")), dur(median(cpu[kp SUBSEP "ce_netns"]))) : ""))
			other = cs[ks SUBSEP "host_tcp"] - cs[ks SUBSEP "sockets"]
			o = other > 0 ? sprintf(" The shared hash also held about %s TCP sockets of the rest of the host when the %d-namespace shared case was verified.", num(other), maxn) : ""
		}
		print ""
		para("", "", sprintf("The machine (%s cores) was shared while this ran: other sessions were building and testing (load average %s when the rows were written), so absolute times are loose. The ratios come from one run, in which each case" "\x27" "s rounds alternate the plain run and `--netns all`.%s", cores, load, o))
	}' "$RESULTS"
	cat <<'EOF'

`-t` bounds the run in every case: no namespace is entered after three quarters of `-t`, those
left are counted as not checked, and the state is then at least UNKNOWN (a CRITICAL found before
stays CRITICAL).

The remedy is a private established hash per namespace, `net.ipv4.tcp_child_ehash_entries`
(Linux 6.1 and later: kernel commit d1e5e6408b30, "tcp: Introduce optional per-netns ehash";
Documentation/networking/ip-sysctl.rst). Set it in the namespace that creates the containers
(the host's, through /etc/sysctl.d, before the container runtime starts them): it is read when a
namespace is created, so it applies to namespaces made after it is set, and 0, the default,
means shared. The kernel rounds it up to a power of two. Inside a namespace,
`net.ipv4.tcp_ehash_entries` shows its hash (negative: shared), so you can check it took effect.
Size it for the sockets a container holds, TIME_WAIT included: a private hash also sets that
namespace's `tcp_max_tw_buckets` to half its size (measured above), and TIME_WAIT sockets past
that cap are not kept. Listening and bound sockets stay in hashes shared by every namespace.
docs/containers.md has the operator's view.
EOF
fi

cat <<'EOF'

## Windows
Not measured here. The Windows reader calls `GetExtendedTcpTable(TCP_TABLE_OWNER_PID_ALL)` and
`GetExtendedUdpTable(UDP_TABLE_OWNER_PID)` once per address family. Under wine those calls are
not representative: wine builds the tables from the Linux `/proc/net/*` files of its namespace,
and docs/platform-notes.md §5 (wine 8.0 on Debian 12, undated) records about 2 ms per socket for its
owner-PID variants; that figure is of wine, not of the plugin, and was not measured by this
benchmark. A Windows figure needs a real Windows host.
EOF
