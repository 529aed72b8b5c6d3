/* The SolarWinds, JSON and Prometheus renderers, the JSON string escaper and the history-log
 * lines, on synthetic results: a pool 40000-40099 with 40090-40099 reserved (90 ports) and a
 * handmade population, counted by the real tally and judged by the real evaluate. Portable:
 * builds with mingw and runs under wine like every unit test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evaluate.h"
#include "histlog.h"
#include "json.h"
#include "report.h"
#include "sockrec.h"
#include "tap.h"

static struct portpool pool;
static struct tally tt, tu;
static struct eph_config cfg;
static struct result res;

static void add(enum eph_proto proto, enum eph_state st, uint16_t lport, uint16_t rport)
{
	struct sock_rec r = sockrec(proto, 4, st, lport, 0x7f000001, rport ? 0x7f000001 : 0, rport);

	r.uid = 0;
	tally_add(proto == EPH_TCP ? &tt : &tu, &r);
}

/* 10 ESTABLISHED + 5 TIME_WAIT toward 127.0.0.1:5000, 4 bound, 1 listener, 3 UDP: TCP 20 of
 * 90 ports (22.2 %), busiest destination 15 (16.7 %). One socket on a reserved port and one
 * outside the range must not count. */
static void setup(const char *warn, const char *crit, bool udp)
{
	struct sys_pool_info pi;
	struct sys_sock_info si;
	struct eph_err err;
	uint16_t port = 40000;

	memset(&cfg, 0, sizeof(cfg));
	cfg.metric = EPH_METRIC_PCT;
	cfg.proto[EPH_TCP] = true;
	cfg.proto[EPH_UDP] = udp;
	cfg.families = EPH_FAM_ALL;
	cfg.timeout = 10;
	cfg.output = "json";
	threshold_parse(warn, &cfg.warn);
	threshold_parse(crit, &cfg.crit);

	pool_set_range(&pool, 40000, 40099);
	pool_reserve(&pool, 40090, 40099);
	tally_free(&tt);
	tally_free(&tu);
	tally_init(&tt, EPH_TCP, &pool);
	tally_init(&tu, EPH_UDP, &pool);
	for (int i = 0; i < 10; i++) {
		add(EPH_TCP, EPH_TCP_ESTABLISHED, port++, 5000);
	}
	for (int i = 0; i < 5; i++) {
		add(EPH_TCP, EPH_TCP_TIME_WAIT, port++, 5000);
	}
	for (int i = 0; i < 4; i++) {
		add(EPH_TCP, EPH_BOUND, port++, 0);
	}
	add(EPH_TCP, EPH_TCP_LISTEN, 40050, 0);
	add(EPH_TCP, EPH_TCP_ESTABLISHED, 40095, 5000); /* reserved */
	add(EPH_TCP, EPH_TCP_ESTABLISHED, 5000, 40001); /* server side, outside */
	for (int i = 0; i < 3; i++) {
		add(EPH_UDP, EPH_UDP_SOCK, (uint16_t)(40060 + i), 0);
	}

	memset(&pi, 0, sizeof(pi));
	snprintf(pi.range_source, sizeof(pi.range_source), "--range");
	snprintf(pi.reserved_source, sizeof(pi.reserved_source), "test \"fixture\"");
	memset(&si, 0, sizeof(si));
	snprintf(si.source, sizeof(si.source), "synthetic");
	si.bound_visible = true;
	memset(&res, 0, sizeof(res));
	res.cfg = &cfg;
	evaluate_proto(&cfg, &pool, &tt, &pi, &si, &res.p[EPH_TCP], &err);
	evaluate_churn(&res.p[EPH_TCP], 60, false, false, NULL);
	if (udp) {
		evaluate_proto(&cfg, &pool, &tu, &pi, &si, &res.p[EPH_UDP], &err);
	}
	evaluate_merge(&res);
}

static char *render(const struct renderer *rd)
{
	struct strbuf sb = { 0 };
	char *s;

	rd->render(&res, &sb);
	s = malloc(sb.len + 1);
	if (s) {
		memcpy(s, sb_str(&sb), sb.len + 1);
	}
	sb_free(&sb);
	return s;
}

static void test_json_escape(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
		{ "l1\nl2\r\t", 7, "\"l1\\nl2\\r\\t\"" },
		{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"" },
		{ "nul\0x", 5, "\"nul\\u0000x\"" },
		{ "M\xc3\xbcnchen \xe2\x82\xac \xf0\x9f\x98\x80", 17,
		  "\"M\xc3\xbcnchen \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "latin1 \xfc!", 9, "\"latin1 \\ufffd!\"" },
		{ "cut \xe2\x82", 6, "\"cut \\ufffd\\ufffd\"" },
		{ "overlong \xc0\xaf", 11, "\"overlong \\ufffd\\ufffd\"" },
		{ "surrogate \xed\xa0\x80", 13, "\"surrogate \\ufffd\\ufffd\\ufffd\"" },
		{ "", 0, "\"\"" },
		{ "evil\xe2\x80\xaegnp", 10, "\"evil\\u202egnp\"" },
		{ "\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9", 17,
		  "\"\\u061c\\u200e\\u200f\\u202a\\u2066\\u2069\"" },
		{ "zwj\xe2\x80\x8d", 6, "\"zwj\xe2\x80\x8d\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = { 0 };

		json_strn(&sb, cases[i].in, cases[i].len);
		is_str(sb_str(&sb), cases[i].want, "json escape case %zu", i);
		sb_free(&sb);
	}
	{
		struct strbuf sb = { 0 };

		json_str(&sb, NULL);
		json_str(&sb, "x");
		is_str(sb_str(&sb), "null\"x\"", "json_str: NULL is null");
		sb_free(&sb);
	}
}

/* The SAM rules of docs/platform-notes.md §6, checked on a rendering: pairs in order, NAME of
 * [A-Za-z0-9_], an integer statistic, at most 10 pairs. Returns the names, "|"-joined. */
static int sam_valid(const char *text, char *names, size_t size)
{
	const char *p = text;
	int pairs = 0;

	names[0] = '\0';
	while (*p) {
		char name[64], mname[96];
		const char *nl = strchr(p, '\n');
		size_t n = 0;
		char *end;

		if (strncmp(p, "Statistic.", 10) != 0 || !nl) {
			return -1;
		}
		p += 10;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_') {
			if (n < sizeof(name) - 1) {
				name[n++] = *p;
			}
			p++;
		}
		name[n] = '\0';
		if (n == 0 || strncmp(p, ": ", 2) != 0) {
			return -1;
		}
		strtoll(p + 2, &end, 10);
		if (end == p + 2 || end != nl) {
			return -1;
		}
		p = nl + 1;
		snprintf(mname, sizeof(mname), "Message.%s: ", name);
		nl = strchr(p, '\n');
		if (strncmp(p, mname, strlen(mname)) != 0 || !nl || nl == p + strlen(mname)) {
			return -1;
		}
		p = nl + 1;
		pairs++;
		strncat(names, name, size - strlen(names) - 2);
		strcat(names, "|");
	}
	return pairs <= 10 ? pairs : -1;
}

static void test_sam(void)
{
	char ok_names[512], names[512];
	char *s;
	struct strbuf sb = { 0 };

	setup("80", "90", true);
	s = render(&report_solarwinds);
	is_int(sam_valid(s, ok_names, sizeof(ok_names)), 9, "SAM: 9 valid pairs with -p all");
	is_str(ok_names,
	       "state|tcp_used|tcp_free|tcp_pct|tcp_dest|tcp_time_wait|udp_used|udp_free|udp_pct|",
	       "SAM: the names");
	ok(strstr(s, "Statistic.state: 0\nMessage.state: OK - tcp 20 of 90 ports in use (22.2%), "
		     "worst destination 15 ports to 127.0.0.1:5000 / udp 3 of 90 ports in use "
		     "(3.3%)\n") != NULL,
	   "SAM: state pair carries the summary");
	ok(strstr(s, "Statistic.tcp_pct: 22\n") && strstr(s, "Statistic.tcp_used: 20\n") &&
		   strstr(s, "Statistic.tcp_free: 70\n") && strstr(s, "Statistic.tcp_dest: 15\n") &&
		   strstr(s, "Statistic.tcp_time_wait: 5\n") && strstr(s, "Statistic.udp_used: 3\n"),
	   "SAM: statistics are the measured integers");
	ok(strstr(s, "Message.tcp_dest: tcp ports toward the busiest destination 127.0.0.1 -> "
		     "127.0.0.1:5000: 15 (16.7%)\n") != NULL,
	   "SAM: dest message names the destination");
	is_int(report_solarwinds.exit_code(&res), 0, "SAM: OK exits 0");
	cfg.sam_status = true;
	is_int(report_solarwinds.exit_code(&res), 0, "SAM --sam-status: OK exits 0");
	free(s);

	/* The same names in every state. */
	setup("20", "90", true);
	s = render(&report_solarwinds);
	sam_valid(s, names, sizeof(names));
	is_str(names, ok_names, "SAM: WARNING keeps the names");
	ok(strstr(s, "Statistic.state: 1\nMessage.state: WARNING - ") != NULL, "SAM: WARNING state");
	is_int(report_solarwinds.exit_code(&res), 0, "SAM: WARNING exits 0 without --sam-status");
	cfg.sam_status = true;
	is_int(report_solarwinds.exit_code(&res), 2, "SAM --sam-status: WARNING exits 2");
	free(s);
	setup("10", "20", true);
	s = render(&report_solarwinds);
	sam_valid(s, names, sizeof(names));
	is_str(names, ok_names, "SAM: CRITICAL keeps the names");
	ok(strstr(s, "Statistic.state: 2\nMessage.state: CRITICAL - ") != NULL,
	   "SAM: CRITICAL state");
	is_int(report_solarwinds.exit_code(&res), 0, "SAM: CRITICAL exits 0 without --sam-status");
	cfg.sam_status = true;
	is_int(report_solarwinds.exit_code(&res), 3, "SAM --sam-status: CRITICAL exits 3");
	res.state = EPH_UNKNOWN;
	is_int(report_solarwinds.exit_code(&res), 4, "SAM --sam-status: UNKNOWN exits 4");
	free(s);

	setup("80", "90", false);
	s = render(&report_solarwinds);
	is_int(sam_valid(s, names, sizeof(names)), 6, "SAM: 6 pairs with -p tcp");
	free(s);

	report_solarwinds.render_error("reading the port range", "cannot read\nthe file", &sb);
	is_str(sb_str(&sb),
	       "Statistic.state: 3\nMessage.state: UNKNOWN - reading the port range: cannot read the "
	       "file\n",
	       "SAM error: one valid pair, line break flattened");
	is_int(sam_valid(sb_str(&sb), names, sizeof(names)), 1, "SAM error output is valid");
	ok(report_solarwinds.error_exit_code != 0, "SAM error exits non-zero (%d)",
	   report_solarwinds.error_exit_code);
	sb_free(&sb);
}

static void test_json(void)
{
	char *s;
	struct strbuf sb = { 0 };

	setup("80", "90", true);
	s = render(&report_json);
	ok(strncmp(s, "{\"plugin\": \"check_ephemeral\", \"version\": \"" EPH_VERSION
		      "\", \"state\": \"OK\", \"exit_code\": 0, \"metric\": \"pct\", "
		      "\"thresholds\": {\"warning\": \"80\", \"critical\": \"90\"}, \"protocols\": "
		      "{\"tcp\": {\"range\": {\"lo\": 40000, \"hi\": 40099, \"size\": 100, \"source\": "
		      "\"--range\"}, \"reserved\": {\"count\": 10, \"ranges\": [[40090, 40099]], "
		      "\"source\": \"test \\\"fixture\\\"\"}, \"pool_size\": 90, \"used\": 20, \"free\": "
		      "70, \"pct\": 22.2, \"sockets\": 20, \"states\": {\"ESTABLISHED\": 10, ",
		 strlen("{\"plugin\": \"check_ephemeral\", \"version\": \"" EPH_VERSION
			"\", \"state\": \"OK\", \"exit_code\": 0, \"metric\": \"pct\", "
			"\"thresholds\": {\"warning\": \"80\", \"critical\": \"90\"}, \"protocols\": "
			"{\"tcp\": {\"range\": {\"lo\": 40000, \"hi\": 40099, \"size\": 100, "
			"\"source\": \"--range\"}, \"reserved\": {\"count\": 10, \"ranges\": [[40090, "
			"40099]], \"source\": \"test \\\"fixture\\\"\"}, \"pool_size\": 90, \"used\": "
			"20, \"free\": 70, \"pct\": 22.2, \"sockets\": 20, \"states\": "
			"{\"ESTABLISHED\": 10, ")) == 0,
	   "JSON: head of the object, source string escaped");
	ok(strstr(s, "\"TIME_WAIT\": 5, ") && strstr(s, "\"LISTEN\": 1, ") &&
		   strstr(s, "\"BOUND\": 4}"),
	   "JSON: states");
	ok(strstr(s, "\"dest\": {\"max\": 15, \"pct\": 16.7, \"exact\": true, \"local\": "
		     "\"127.0.0.1\", \"remote\": \"127.0.0.1\", \"remote_port\": 5000}") != NULL,
	   "JSON: busiest destination");
	ok(strstr(s, "\"udp\": {") && strstr(s, "\"states\": {\"UDP\": 3}"), "JSON: udp member");
	is_int(s[strlen(s) - 1], '\n', "JSON: ends with a newline");
	is_int(report_json.exit_code(&res), 0, "JSON: OK exits 0");
	free(s);
	setup("10", "20", true);
	is_int(report_json.exit_code(&res), 2, "JSON: CRITICAL exits 2");

	report_json.render_error("", "bad \"x\"\n", &sb);
	is_str(sb_str(&sb),
	       "{\"plugin\": \"check_ephemeral\", \"version\": \"" EPH_VERSION
	       "\", \"state\": \"UNKNOWN\", \"exit_code\": 3, \"metric\": null, \"thresholds\": null, "
	       "\"protocols\": {}, \"forecast\": null, \"attribution\": {}, \"netns\": null, "
	       "\"error\": {\"stage\": null, "
	       "\"message\": \"bad \\\"x\\\"\\n\"}}\n",
	       "JSON error object, message escaped");
	is_int(report_json.error_exit_code, 3, "JSON error exits 3");
	sb_free(&sb);
}

/* Each line is a comment (# HELP/# TYPE), or NAME{labels} VALUE with a plain number. */
static int prom_valid(const char *s)
{
	int samples = 0;

	while (*s) {
		const char *nl = strchr(s, '\n');
		const char *sp;
		char *end;

		if (!nl) {
			return -1;
		}
		if (*s == '#') {
			s = nl + 1;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || *s == '_')) {
			return -1;
		}
		sp = strchr(s, ' ');
		if (!sp || sp > nl) {
			return -1;
		}
		strtod(sp + 1, &end);
		if (end != nl || sp[1] == '\0') {
			return -1;
		}
		samples++;
		s = nl + 1;
	}
	return samples;
}

static void test_prom(void)
{
	char *s;
	struct strbuf sb = { 0 };

	setup("80", "90", true);
	s = render(&report_prometheus);
	ok(prom_valid(s) > 0, "Prometheus: every line a comment or a sample");
	ok(strstr(s, "# HELP ephemeral_ports_used ") && strstr(s, "# TYPE ephemeral_ports_used gauge\n"
								   "ephemeral_ports_used{protocol=\"tcp\"} 20\n"
								   "ephemeral_ports_used{protocol=\"udp\"} 3\n"),
	   "Prometheus: used with HELP and TYPE");
	ok(strstr(s, "ephemeral_ports_pool_size{protocol=\"tcp\"} 90\n") != NULL, "pool size");
	ok(strstr(s, "ephemeral_ports_free{protocol=\"tcp\"} 70\n") != NULL, "free");
	ok(strstr(s, "ephemeral_ports_usage_ratio{protocol=\"tcp\"} 0.222222\n") != NULL,
	   "usage ratio, a fraction");
	ok(strstr(s, "ephemeral_sockets_by_state{protocol=\"tcp\",state=\"time_wait\"} 5\n") &&
		   strstr(s, "ephemeral_sockets_by_state{protocol=\"tcp\",state=\"bound\"} 4\n") &&
		   strstr(s, "ephemeral_sockets_by_state{protocol=\"udp\",state=\"udp\"} 3\n") &&
		   !strstr(s, "ephemeral_ports_by_state"),
	   "sockets by state, the JSON state names in lower case");
	ok(!strstr(s, "ephemeral_last_success_timestamp_seconds"),
	   "no time of measurement known: no timestamp family");
	ok(strstr(s, "ephemeral_ports_dest_max{protocol=\"tcp\"} 15\n") &&
		   !strstr(s, "ephemeral_ports_dest_max{protocol=\"udp\"}"),
	   "dest_max for TCP only");
	ok(strstr(s, "\nephemeral_check_state 0\n") && strstr(s, "\nephemeral_check_success 1\n"),
	   "check state and success");
	ok(strstr(s, "\nephemeral_churn_per_second{protocol=\"tcp\"} 0.08\n") &&
		   strstr(s, "\nephemeral_churn_sustainable_per_second{protocol=\"tcp\"} 1.5\n") &&
		   !strstr(s, "ephemeral_churn_per_second{protocol=\"udp\"}"),
	   "churn: 5 TIME_WAIT / 60 s, pool 90 / 60 s, TCP only");
	free(s);
	res.p[EPH_TCP].churn_set = false;
	res.measured_at = 1700000000;
	s = render(&report_prometheus);
	ok(!strstr(s, "churn"), "churn unknown: its families are left out whole");
	ok(strstr(s, "# TYPE ephemeral_last_success_timestamp_seconds gauge\n"
		     "ephemeral_last_success_timestamp_seconds 1700000000\n") != NULL,
	   "the time of measurement, in Unix seconds");
	res.measured_at = 0;
	free(s);
	setup("10", "20", false);
	s = render(&report_prometheus);
	ok(strstr(s, "\nephemeral_check_state 2\n") != NULL, "CRITICAL is state 2");
	free(s);

	report_prometheus.render_error("reading the socket table", "no\nnetlink", &sb);
	is_int(prom_valid(sb_str(&sb)), 2, "Prometheus error: two samples, no timestamp");
	ok(strstr(sb_str(&sb), "# check_ephemeral UNKNOWN: reading the socket table: no netlink\n") &&
		   strstr(sb_str(&sb), "\nephemeral_check_success 0\n") &&
		   strstr(sb_str(&sb), "\nephemeral_check_state 3\n"),
	   "Prometheus error: reason as comment, success 0, state 3");
	sb_free(&sb);
}

static void test_histlog(void)
{
	struct strbuf sb = { 0 };
	struct histlog_row row = {
		.computer = "a,\"b\"\nc",
		.when = "2026-11-26T01:55:56+01:00",
		.proto = EPH_TCP,
		.local_address = "::1",
		.in_use = 5,
		.max = 90,
		.pct = 5.6,
		.listening_known = true,
		.listening = 2,
		.pids = "12 34",
	};

	is_str(histlog_header(),
	       "Computer,DateTime,LocalAddress,InUse,Max,PercentUsage,Listening,PIDs,Protocol\n",
	       "log header");
	setup("80", "90", true);
	histlog_format(&res, "web01", "2026-11-26T01:55:56+01:00", &sb);
	is_str(sb_str(&sb),
	       "web01,2026-11-26T01:55:56+01:00,*,20,90,22.2,1,,tcp\n"
	       "web01,2026-11-26T01:55:56+01:00,*,3,90,3.3,,,udp\n",
	       "log lines: one per protocol, local address *");
	sb_reset(&sb);
	histlog_row(&row, &sb);
	is_str(sb_str(&sb), "\"a,\"\"b\"\" c\",2026-11-26T01:55:56+01:00,::1,5,90,5.6,2,12 34,tcp\n",
	       "log row: RFC 4180 quoting, line break flattened");
	sb_free(&sb);
}

static void test_output_format(void)
{
	char *a1[] = { "x", "-w", "5", "-o", "json", NULL };
	char *a2[] = { "x", "--output=solarwinds", "--bogus", NULL };
	char *a3[] = { "x", "-oprometheus", "-o", "nope", NULL };
	char *a4[] = { "x", "--", "-o", "json", NULL };
	char *a5[] = { "x", "-o", NULL };

	is_str(cli_output_format(5, a1), "json", "-o json found before parsing");
	is_str(cli_output_format(3, a2), "solarwinds", "--output=solarwinds found");
	is_str(cli_output_format(4, a3), "prometheus", "an unknown later -o does not win");
	ok(cli_output_format(4, a4) == NULL, "nothing after --");
	ok(cli_output_format(2, a5) == NULL, "-o without a value");
}

int main(void)
{
	test_output_format();
	test_json_escape();
	test_sam();
	test_json();
	test_prom();
	test_histlog();
	tally_free(&tt);
	tally_free(&tu);
	return done_testing();
}
