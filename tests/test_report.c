/* Unit tests of lib/report_nagios.c and lib/report.c: the exact Nagios first line and perfdata
 * of synthetic results (golden strings), thresholds only on the chosen metric, the -v long
 * output, error lines, exit codes, and the 1 KB NRPE limit with 10 000 destinations.
 * Portable: also built with mingw and run under wine. */
#include <string.h>

#include "report.h"
#include "sockrec.h"
#include "tap.h"

static struct portpool pool;
static struct tally tcp, udp;
static struct eph_config cfg;
static struct result res;
static struct sys_pool_info pinfo = { "--range", "/proc/sys/net/ipv4/ip_local_reserved_ports",
				      "", "" };
static struct sys_sock_info sinfo = { "netlink inet_diag", true, "", 0, false };

static void config(enum eph_metric m, const char *w, const char *c, bool with_udp, int verbose)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.metric = m;
	cfg.proto[EPH_TCP] = true;
	cfg.proto[EPH_UDP] = with_udp;
	cfg.families = EPH_FAM_ALL;
	cfg.timeout = 10;
	cfg.verbose = verbose;
	cfg.output = "nagios";
	if (w) {
		threshold_parse(w, &cfg.warn);
	}
	if (c) {
		threshold_parse(c, &cfg.crit);
	}
}

static void sock(struct tally *t, enum eph_proto proto, uint8_t family, enum eph_state st,
		 uint16_t lport, uint8_t l4, uint8_t r4, uint16_t rport)
{
	/* IPv4 10.0.0.L4 toward 10.0.0.R4 (none when R4 is 0); IPv6 ::L4 toward ::R4. */
	uint32_t net = family == 6 ? 0 : 0x0a000000u;
	struct sock_rec r = sockrec(proto, family, st, lport, net | l4, r4 ? net | r4 : 0, rport);

	r.uid = 0;
	r.pid = 0;
	tally_add(t, &r);
}

/* The fixed population: pool 40000-40099 with 40090-40099 reserved (90 ports).
 * TCP: 5 ESTABLISHED 10.0.0.9 -> 10.0.0.1:443 (40000-40004), 2 TIME_WAIT toward 10.0.0.2:80
 * (40005, 40006), 1 BOUND (40007), 1 LISTEN (40008), 1 IPv6 ESTABLISHED ::1 -> [::1]:8080
 * (40001 again), 1 in a reserved port (ignored). UDP: 3 sockets on 2 ports. */
static void population(void)
{
	pool_set_range(&pool, 40000, 40099);
	pool_reserve(&pool, 40090, 40099);
	tally_free(&tcp);
	tally_free(&udp);
	tally_init(&tcp, EPH_TCP, &pool);
	tally_init(&udp, EPH_UDP, &pool);
	for (uint16_t i = 0; i < 5; i++) {
		sock(&tcp, EPH_TCP, 4, EPH_TCP_ESTABLISHED, (uint16_t)(40000 + i), 9, 1, 443);
	}
	sock(&tcp, EPH_TCP, 4, EPH_TCP_TIME_WAIT, 40005, 9, 2, 80);
	sock(&tcp, EPH_TCP, 4, EPH_TCP_TIME_WAIT, 40006, 9, 2, 80);
	sock(&tcp, EPH_TCP, 4, EPH_BOUND, 40007, 9, 0, 0);
	sock(&tcp, EPH_TCP, 4, EPH_TCP_LISTEN, 40008, 0, 0, 0);
	sock(&tcp, EPH_TCP, 6, EPH_TCP_ESTABLISHED, 40001, 1, 1, 8080);
	sock(&tcp, EPH_TCP, 4, EPH_TCP_ESTABLISHED, 40095, 9, 1, 443);
	sock(&udp, EPH_UDP, 4, EPH_UDP_SOCK, 40010, 9, 0, 0);
	sock(&udp, EPH_UDP, 6, EPH_UDP_SOCK, 40010, 1, 0, 0);
	sock(&udp, EPH_UDP, 4, EPH_UDP_SOCK, 40011, 9, 8, 53);
}

/* Evaluates the population under cfg and renders it. */
static const char *render(struct strbuf *sb)
{
	struct eph_err err = { "" };

	memset(&res, 0, sizeof(res));
	res.cfg = &cfg;
	if (evaluate_proto(&cfg, &pool, &tcp, &pinfo, &sinfo, &res.p[EPH_TCP], &err) < 0 ||
	    (cfg.proto[EPH_UDP] &&
	     evaluate_proto(&cfg, &pool, &udp, &pinfo, &sinfo, &res.p[EPH_UDP], &err) < 0)) {
		ok(0, "setup: evaluate: %s", err.msg);
	}
	evaluate_merge(&res);
	sb_reset(sb);
	report_nagios.render(&res, sb);
	return sb_str(sb);
}

/* Line n (0-based) of text, without its newline, in a static buffer. */
static const char *line(const char *text, int n)
{
	static char buf[2048];
	const char *s = text, *e;

	for (; n > 0 && s; n--) {
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	if (!s) {
		return "(no such line)";
	}
	e = strchr(s, '\n');
	if (!e) {
		e = s + strlen(s);
	}
	if ((size_t)(e - s) >= sizeof(buf)) {
		e = s + sizeof(buf) - 1;
	}
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return buf;
}

static int count_lines(const char *text)
{
	int n = 0;

	for (; *text; text++) {
		n += *text == '\n';
	}
	return n;
}

#define TCP_PERF_TAIL                                                                          \
	"'tcp_established'=6;;;0 'tcp_time_wait'=2;;;0 'tcp_bound'=1;;;0 'tcp_dest'=5;;;0;90"

int main(void)
{
	struct strbuf sb = { 0 };
	const char *out;

	population();

	/* Defaults: --metric pct -w 80 -c 90, TCP. */
	config(EPH_METRIC_PCT, "80", "90", false, 0);
	out = render(&sb);
	is_str(out,
	       "EPHEMERAL OK - tcp 9 of 90 ports in use (10.0%), worst destination 5 ports to "
	       "10.0.0.1:443 | "
	       "'tcp_used'=9;;;0;90 'tcp_pct'=10.0%;80;90;0;100 'tcp_free'=81;;;0;90 " TCP_PERF_TAIL
	       " 'tcp_dest_pct'=5.6%;;;0;100\n",
	       "default output: one line, thresholds on tcp_pct only");
	is_int(report_nagios.exit_code(&res), 0, "OK exits 0");

	/* The chosen metric carries the thresholds, nothing else does. */
	config(EPH_METRIC_USED, "5", "8", false, 0);
	out = render(&sb);
	is_str(out,
	       "EPHEMERAL CRITICAL - tcp used 9 ports (outside 0..8), 9 of 90 in use | "
	       "'tcp_used'=9;5;8;0;90 'tcp_pct'=10.0%;;;0;100 'tcp_free'=81;;;0;90 " TCP_PERF_TAIL
	       " 'tcp_dest_pct'=5.6%;;;0;100\n",
	       "--metric used -w 5 -c 8: CRITICAL, the line leads with it, thresholds on tcp_used");
	is_int(report_nagios.exit_code(&res), 2, "CRITICAL exits 2");
	config(EPH_METRIC_FREE, "85:", "50:", false, 0);
	out = render(&sb);
	is_str(out,
	       "EPHEMERAL WARNING - tcp free 81 ports (below 85), 9 of 90 in use | "
	       "'tcp_used'=9;;;0;90 'tcp_pct'=10.0%;;;0;100 'tcp_free'=81;85:;50:;0;90 " TCP_PERF_TAIL
	       " 'tcp_dest_pct'=5.6%;;;0;100\n",
	       "--metric free -w 85: -c 50:: WARNING, thresholds on tcp_free");
	is_int(report_nagios.exit_code(&res), 1, "WARNING exits 1");
	config(EPH_METRIC_DEST, "@5:6", "~:50", false, 0);
	out = render(&sb);
	is_str(out,
	       "EPHEMERAL WARNING - tcp worst destination 5 ports to 10.0.0.1:443 (5.6%, inside "
	       "5..6), 9 of 90 in use | "
	       "'tcp_used'=9;;;0;90 'tcp_pct'=10.0%;;;0;100 'tcp_free'=81;;;0;90 " TCP_PERF_TAIL
	       " 'tcp_dest_pct'=5.6%;@5:6;~:50;0;100\n",
	       "--metric dest -w @5:6 -c ~:50: WARNING, thresholds on tcp_dest_pct");

	/* -p all: TCP then UDP, the worst state of both. */
	config(EPH_METRIC_PCT, "2", "90", true, 0);
	out = render(&sb);
	is_str(out,
	       "EPHEMERAL WARNING - tcp 9 of 90 ports in use (10.0%), worst destination 5 ports to "
	       "10.0.0.1:443 / udp 2 of 90 ports in use (2.2%) | "
	       "'tcp_used'=9;;;0;90 'tcp_pct'=10.0%;2;90;0;100 'tcp_free'=81;;;0;90 " TCP_PERF_TAIL
	       " 'tcp_dest_pct'=5.6%;;;0;100 'udp_used'=2;;;0;90 'udp_pct'=2.2%;2;90;0;100 "
	       "'udp_free'=88;;;0;90\n",
	       "-p all: both summaries, UDP perfdata without TCP-only labels");
	config(EPH_METRIC_DEST, "1", "2", true, 0);
	out = render(&sb);
	ok(strstr(out, "'udp_used'=2;;;0;90 'udp_pct'=2.2%;1;2;0;100 'udp_free'=88;;;0;90\n") !=
			   NULL &&
		   strstr(out, "'tcp_dest_pct'=5.6%;1;2;0;100") != NULL &&
		   strncmp(out, "EPHEMERAL CRITICAL - ", 21) == 0,
	   "-p all --metric dest: UDP is judged by udp_pct, which carries the thresholds");

	/* -v: long output lines after the first. */
	config(EPH_METRIC_PCT, "80", "90", true, 1);
	out = render(&sb);
	is_int(count_lines(out), 1 + 5 + 4, "-v -p all: the status line, 5 TCP lines, 4 UDP lines");
	is_str(line(out, 1), "tcp: range 40000-40099 (100 ports) from --range", "-v: the range");
	is_str(line(out, 2),
	       "tcp: reserved in range: 10 (40090-40099) from "
	       "/proc/sys/net/ipv4/ip_local_reserved_ports; effective pool 90 ports",
	       "-v: the reserved ports");
	is_str(line(out, 3),
	       "tcp: 10 sockets on 9 ports in the pool: ESTABLISHED 6, TIME_WAIT 2, LISTEN 1, "
	       "BOUND 1; IPv4 9, IPv6 1",
	       "-v: sockets per state and family");
	is_str(line(out, 4),
	       "tcp: busiest destination 10.0.0.9 -> 10.0.0.1:443 holds 5 ports (5.6% of the pool)",
	       "-v: the busiest destination");
	is_str(line(out, 5), "tcp: source netlink inet_diag", "-v: the data source");
	is_str(line(out, 6), "udp: range 40000-40099 (100 ports) from --range", "-v: UDP follows");
	is_str(line(out, 8), "udp: 3 sockets on 2 ports in the pool: UDP 3; IPv4 2, IPv6 1",
	       "-v: UDP sockets");
	is_str(line(out, 9), "udp: source netlink inet_diag", "-v: UDP has no destination line");

	/* A note about the range (Windows: an IPv6 range that differs) is a line of its own,
	 * right after the range line. */
	snprintf(pinfo.range_note, sizeof(pinfo.range_note), "the IPv6 dynamic range differs");
	config(EPH_METRIC_PCT, "80", "90", false, 1);
	out = render(&sb);
	is_int(count_lines(out), 1 + 6, "-v with a range note: one line more");
	is_str(line(out, 2), "tcp: the IPv6 dynamic range differs", "-v: the range note after the range");
	is_str(line(out, 3),
	       "tcp: reserved in range: 10 (40090-40099) from "
	       "/proc/sys/net/ipv4/ip_local_reserved_ports; effective pool 90 ports",
	       "-v: then the reserved ports");
	pinfo.range_note[0] = '\0';

	/* -vv adds the thresholds; notes and restarts show up in the source line. */
	config(EPH_METRIC_PCT, "80", "90", false, 2);
	sinfo.bound_visible = false;
	out = render(&sb);
	is_str(line(out, 5), "tcp: bound-only sockets: the kernel cannot show them, tcp_bound is 0",
	       "-v: says when the kernel cannot show bound-only sockets");
	ok(strstr(line(out, 0), "not seen") == NULL, "an old kernel: the status line as usual");
	sinfo.fallback = true;
	sinfo.restarts = 2;
	snprintf(sinfo.source, sizeof(sinfo.source), "/proc/net/tcp (fallback)");
	snprintf(sinfo.note, sizeof(sinfo.note), "netlink unavailable (EPERM)");
	out = render(&sb);
	ok(strstr(line(out, 0), ", worst destination 5 ports to 10.0.0.1:443 (from /proc/net: bound-only sockets not seen) | ") != NULL,
	   "the /proc/net fallback: the status line says the count may be low");
	is_str(line(out, 5), "tcp: bound-only sockets: /proc/net cannot show them, tcp_bound is 0",
	       "-v: says when bound-only sockets are invisible");
	is_str(line(out, 6),
	       "tcp: source /proc/net/tcp (fallback), 2 restart(s) because the table changed; "
	       "netlink unavailable (EPERM)",
	       "-v: the fallback, restarts and the note");
	is_str(line(out, 7), "tcp: metric pct = 10, warning '80', critical '90' -> OK",
	       "-vv: the metric, its thresholds and the state");
	sinfo.bound_visible = true;
	sinfo.fallback = false;
	sinfo.restarts = 0;
	snprintf(sinfo.source, sizeof(sinfo.source), "netlink inet_diag");
	sinfo.note[0] = '\0';

	/* IPv6 destination in the long output. */
	{
		struct strbuf d = { 0 };
		struct dest_key k;

		memset(&k, 0, sizeof(k));
		k.family = 6;
		k.laddr[15] = 1;
		k.raddr[0] = 0x20;
		k.raddr[1] = 0x01;
		k.raddr[2] = 0x0d;
		k.raddr[3] = 0xb8;
		k.raddr[15] = 2;
		k.rport = 443;
		report_dest_str(&k, &d);
		is_str(sb_str(&d), "::1 -> [2001:db8::2]:443", "an IPv6 destination is bracketed");
		sb_free(&d);
	}

	/* Error lines and codes. */
	sb_reset(&sb);
	report_nagios.render_error("reading the port range", "cannot read /proc/x: denied", &sb);
	is_str(sb_str(&sb), "EPHEMERAL UNKNOWN - reading the port range: cannot read /proc/x: denied\n",
	       "an error names the stage and the reason");
	sb_reset(&sb);
	report_nagios.render_error("", "-t 'abc': bad", &sb);
	is_str(sb_str(&sb), "EPHEMERAL UNKNOWN - -t 'abc': bad\n", "an error without a stage");
	is_int(report_nagios.error_exit_code, 3, "errors exit 3");
	ok(report_find("nagios") == &report_nagios && report_find("no-such-format") == NULL,
	   "report_find knows nagios and nothing made up");
	ok(strstr(report_names(), "nagios") != NULL, "report_names lists nagios");

	/* 10 000 destinations and a long reserved list: the first line stays under 1 KB. */
	pool_set_range(&pool, 32768, 60999);
	for (uint32_t p = 33000; p < 60000; p += 3) {
		pool_reserve(&pool, (uint16_t)p, (uint16_t)p);
	}
	tally_free(&tcp);
	tally_init(&tcp, EPH_TCP, &pool);
	{
		uint32_t n = 0;

		for (uint32_t p = 32768; p <= 60999 && n < 10000; p++) {
			struct sock_rec r;

			if (!pool_contains(&pool, (uint16_t)p)) {
				continue;
			}
			memset(&r, 0, sizeof(r));
			r.proto = EPH_TCP;
			r.family = 4;
			r.state = EPH_TCP_ESTABLISHED;
			r.lport = (uint16_t)p;
			r.rport = (uint16_t)(1024 + n % 50000);
			r.laddr[0] = 10;
			r.raddr[0] = 172;
			r.raddr[1] = 16;
			r.raddr[2] = (uint8_t)(n >> 8);
			r.raddr[3] = (uint8_t)n;
			tally_add(&tcp, &r);
			n++;
		}
	}
	config(EPH_METRIC_DEST, "@0:99.9", "@0:99.9", true, 2);
	out = render(&sb);
	{
		const char *nl = strchr(out, '\n');
		size_t first = nl ? (size_t)(nl - out) : strlen(out);

		ok(tcp.dest_len == 10000, "10 000 destinations counted");
		ok(first < 1024 && first <= EPH_NRPE_MAX, "the first line is %u bytes (< 1024)",
		   (unsigned)first);
		ok(strncmp(out, "EPHEMERAL CRITICAL - tcp worst destination 1 port to ", 53) == 0 &&
			   strstr(line(out, 0), ", 10000 of 19232 in use / udp ") != NULL,
		   "it still says everything: %.80s", out);
		ok(!sb.overflow && strstr(out, ",...") != NULL && strlen(line(out, 2)) < 400,
		   "the reserved list in the long output is cut (%u bytes)",
		   (unsigned)strlen(line(out, 2)));
	}
	sb_free(&sb);
	tally_free(&tcp);
	tally_free(&udp);
	return done_testing();
}
