/* lib/forecast.c: the key, the rate and ETA from known series, the window, the bounds, and the
 * state file's parser against corrupt and foreign files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast.h"
#include "tap.h"

#define NOW 1764118556 /* 2025-11-26T00:55:56Z */

static const struct forecast_key key_both = { { true, true }, EPH_FAM_ALL, 0, 0 };
static const struct forecast_key key_tcp = { { true, false }, EPH_FAM_ALL, 0, 0 };

/* Adds a sample of the own namespace: tcp and udp counts, -1 for none. */
static void add(struct forecast_state *st, int64_t t, int tcp, int udp)
{
	struct forecast_sample s;

	memset(&s, 0, sizeof(s));
	s.t = t;
	s.used[EPH_TCP] = tcp;
	s.used[EPH_UDP] = udp;
	if (forecast_add(st, &s, NULL) < 0) {
		ok(0, "adding a sample at %lld", (long long)t);
	}
}

static void test_key(void)
{
	struct forecast_key k = { { true, false }, EPH_FAM_V6, 40000, 40999 };
	char buf[FORECAST_KEY_MAX], name[48], name2[48];

	forecast_key_string(&key_both, buf, sizeof(buf));
	is_str(buf, "proto=tcp,udp families=ipv4,ipv6 range=os", "key of the defaults");
	forecast_key_string(&k, buf, sizeof(buf));
	is_str(buf, "proto=tcp families=ipv6 range=40000-40999", "key of -P tcp -6 --range");
	k.proto[EPH_TCP] = false;
	k.proto[EPH_UDP] = true;
	k.families = EPH_FAM_V4;
	forecast_key_string(&k, buf, sizeof(buf));
	is_str(buf, "proto=udp families=ipv4 range=40000-40999", "key of -P udp -4 --range");

	forecast_file_name(&key_both, name, sizeof(name));
	is_str(name, "check_ephemeral-2709953b5bb0f2e9.state", "file name: FNV-1a 64 of the key");
	k = (struct forecast_key){ { true, false }, EPH_FAM_V6, 40000, 40999 };
	forecast_file_name(&k, name2, sizeof(name2));
	is_str(name2, "check_ephemeral-e275adb39dd05181.state", "another key, another file");
}

static void test_slope(void)
{
	struct forecast_state st = { 0 };
	struct forecast_est e;

	add(&st, NOW - 300, 100, 5);
	add(&st, NOW - 200, 200, 5);
	add(&st, NOW - 100, 300, 4);
	add(&st, NOW, 400, 3);
	forecast_estimate(&st, "", EPH_TCP, NOW, 1000, &e);
	is_int(e.samples, 4, "four samples in the window");
	is_int(e.span, 300, "spanning 300 s");
	ok(e.rate_set && e.slope == 1.0, "100 ports per 100 s: slope 1/s (got %g)", e.slope);
	is_int(e.used, 400, "the newest count");
	ok(e.eta_set && e.eta == 600.0, "600 free ports at 1/s: ETA 600 s (got %g)", e.eta);
	forecast_estimate(&st, "", EPH_UDP, NOW, 1000, &e);
	ok(e.rate_set && e.slope == -0.007 && !e.eta_set, "udp shrinks: slope -0.007/s, no ETA");
	forecast_estimate(&st, "", EPH_TCP, NOW, 400, &e);
	ok(e.eta_set && e.eta == 0, "already full and growing: ETA 0");
	forecast_free(&st);

	/* Noisy: dt -15 -5 5 15, du -2 0 -1 3: sxy 70, sxx 500. */
	add(&st, NOW - 30, 10, -1);
	add(&st, NOW - 20, 12, -1);
	add(&st, NOW - 10, 11, -1);
	add(&st, NOW, 15, -1);
	forecast_estimate(&st, "", EPH_TCP, NOW, 100, &e);
	ok(e.rate_set && e.slope == 70.0 / 500.0, "least squares of a noisy series: 0.14/s (got %.17g)",
	   e.slope);
	ok(e.eta_set && e.eta == 85.0 / (70.0 / 500.0), "ETA 85 / 0.14 s (got %.17g)", e.eta);
	forecast_estimate(&st, "", EPH_UDP, NOW, 100, &e);
	ok(e.samples == 0 && !e.rate_set, "a protocol not checked has no samples");
	forecast_free(&st);

	add(&st, NOW - 60, 50, -1);
	add(&st, NOW, 50, -1);
	forecast_estimate(&st, "", EPH_TCP, NOW, 100, &e);
	ok(e.rate_set && e.slope == 0 && !e.eta_set, "flat: slope 0, no ETA");
	forecast_free(&st);

	add(&st, NOW, 50, -1);
	forecast_estimate(&st, "", EPH_TCP, NOW, 100, &e);
	ok(e.samples == 1 && !e.rate_set && !e.eta_set, "one sample: no rate");
	forecast_free(&st);
	forecast_estimate(&st, "", EPH_TCP, NOW, 100, &e);
	ok(e.samples == 0 && !e.rate_set, "no samples: no rate");

	add(&st, NOW, 50, -1);
	add(&st, NOW, 60, -1);
	add(&st, NOW, 70, -1);
	forecast_estimate(&st, "", EPH_TCP, NOW, 100, &e);
	ok(e.samples == 3 && e.span == 0 && !e.rate_set, "three samples in the same second: no rate");
	forecast_free(&st);

	add(&st, NOW - 1, 50, -1);
	add(&st, NOW, 60, -1);
	forecast_estimate(&st, "", EPH_TCP, NOW, 100, &e);
	ok(e.rate_set && e.slope == 10 && e.eta == 4, "two samples 1 s apart are enough: ETA 4 s");
	forecast_free(&st);
}

static void test_window(void)
{
	struct forecast_state st = { 0 };
	struct forecast_sample s;
	struct forecast_est e;

	/* Built by hand: forecast_add would drop what the estimate must ignore. */
	st.s = calloc(5, sizeof(*st.s));
	if (!st.s) {
		ok(0, "memory");
		return;
	}
	st.cap = 5;
	st.s[st.n++] = (struct forecast_sample){ NOW - 601, "", { 1000, -1 } };
	st.s[st.n++] = (struct forecast_sample){ NOW - 600, "", { 0, -1 } };
	st.s[st.n++] = (struct forecast_sample){ NOW - 300, "blue", { 9000, -1 } };
	st.s[st.n++] = (struct forecast_sample){ NOW, "", { 600, -1 } };
	st.s[st.n++] = (struct forecast_sample){ NOW + 5, "", { 0, -1 } };
	forecast_estimate(&st, "", EPH_TCP, NOW, 6000, &e);
	ok(e.samples == 2 && e.span == 600 && e.slope == 1.0,
	   "window: 600 s old counts, 601 s old, later and other namespaces do not");
	forecast_estimate(&st, "blue", EPH_TCP, NOW, 6000, &e);
	ok(e.samples == 1 && !e.rate_set, "namespace blue has its own samples");

	memset(&s, 0, sizeof(s));
	s.t = NOW;
	s.used[EPH_TCP] = 700;
	s.used[EPH_UDP] = -1;
	ok(forecast_add(&st, &s, NULL) == 0, "adding a sample");
	ok(st.n == 4 && st.s[0].t == NOW - 600 && st.s[1].t == NOW - 300 && st.s[3].used[0] == 700,
	   "adding drops the samples older than the window and later than now (clock set back)");
	forecast_free(&st);
}

static void test_add_bounds(void)
{
	struct forecast_state st = { 0 }, back = { 0 };
	struct forecast_sample s;
	struct strbuf sb = { 0 };
	struct eph_err err = { "" };
	size_t in_ns = 0;

	for (int i = 0; i < 70; i++) {
		add(&st, NOW + i, i, -1);
	}
	ok(st.n == FORECAST_MAX_SAMPLES && st.s[0].t == NOW + 6 && st.s[63].t == NOW + 69,
	   "70 runs: the newest 64 samples are kept");
	forecast_free(&st);

	/* 1100 samples in 20 namespaces over 550 s: 55 per namespace, 1024 kept in all. */
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 1100; i++) {
		s.t = NOW + i / 2;
		snprintf(s.ns, sizeof(s.ns), "ns%02d-%055d", i % 20, 0);
		s.used[EPH_TCP] = 65536;
		s.used[EPH_UDP] = 65536;
		if (forecast_add(&st, &s, NULL) < 0) {
			break;
		}
	}
	ok(st.n == FORECAST_MAX_TOTAL && st.s[0].t == NOW + 38, "1100 samples: the newest 1024 kept");
	for (size_t i = 0; i < st.n; i++) {
		in_ns += strncmp(st.s[i].ns, "ns05-", 5) == 0;
	}
	is_int(in_ns, 51, "each namespace lost its oldest");
	forecast_format(&st, &key_both, &sb);
	ok(!sb.overflow && sb.len <= FORECAST_FILE_MAX, "the largest file fits the bound (%zu bytes)",
	   sb.len);
	ok(forecast_parse(sb_str(&sb), sb.len, &key_both, &back, &err) == 0 && back.n == st.n &&
		   memcmp(back.s, st.s, st.n * sizeof(st.s[0])) == 0,
	   "the largest file reads back the same (%s)", err.msg);
	sb_free(&sb);
	forecast_free(&back);

	memset(&s, 0, sizeof(s));
	s.t = NOW + 600;
	s.used[EPH_TCP] = 1;
	s.used[EPH_UDP] = -1;
	snprintf(s.ns, sizeof(s.ns), "a b");
	ok(forecast_add(&st, &s, &err) < 0 && st.n == FORECAST_MAX_TOTAL,
	   "a namespace key with a blank is refused, nothing changes");
	s.ns[0] = '\0';
	s.used[EPH_TCP] = 65537;
	ok(forecast_add(&st, &s, &err) < 0 && st.n == FORECAST_MAX_TOTAL,
	   "a count above 65536 is refused");
	s.used[EPH_TCP] = 1;
	s.t = -1;
	ok(forecast_add(&st, &s, &err) < 0, "a negative time is refused");
	forecast_free(&st);
}

static void test_format(void)
{
	struct forecast_state st = { 0 }, back = { 0 };
	struct forecast_sample s;
	struct strbuf sb = { 0 };
	struct eph_err err = { "" };

	add(&st, NOW - 60, 1234, 17);
	add(&st, NOW, 1290, 0);
	memset(&s, 0, sizeof(s));
	s.t = NOW;
	snprintf(s.ns, sizeof(s.ns), "blue");
	s.used[EPH_TCP] = 7;
	s.used[EPH_UDP] = 65536;
	forecast_add(&st, &s, NULL);
	forecast_format(&st, &key_both, &sb);
	is_str(sb_str(&sb),
	       "check_ephemeral forecast 1\n"
	       "key proto=tcp,udp families=ipv4,ipv6 range=os\n"
	       "1764118496 - 1234 17\n"
	       "1764118556 - 1290 0\n"
	       "1764118556 blue 7 65536\n",
	       "the file's text");
	ok(forecast_parse(sb_str(&sb), sb.len, &key_both, &back, &err) == 0 && back.n == 3 &&
		   memcmp(back.s, st.s, 3 * sizeof(st.s[0])) == 0,
	   "it reads back the same");
	sb_free(&sb);
	forecast_free(&st);

	add(&st, NOW, 5, -1);
	forecast_format(&st, &key_tcp, &sb);
	ok(strstr(sb_str(&sb), "\n1764118556 - 5 -\n") != NULL, "an unchecked protocol is '-'");
	ok(forecast_parse(sb_str(&sb), sb.len, &key_tcp, &back, &err) == 0 && back.n == 1 &&
		   back.s[0].used[EPH_UDP] == -1,
	   "and reads back as not checked");
	sb_free(&sb);
	forecast_free(&st);
	forecast_free(&back);
}

/* Parses text for key k; returns the parser's result, the message in err. */
static int parse(const char *text, const struct forecast_key *k, struct eph_err *err,
		 size_t *n)
{
	struct forecast_state st = { 0 };
	int rc;

	err->msg[0] = '\0';
	rc = forecast_parse(text, strlen(text), k, &st, err);
	*n = st.n;
	forecast_free(&st);
	return rc;
}

#define HEAD "check_ephemeral forecast 1\nkey proto=tcp,udp families=ipv4,ipv6 range=os\n"

static void test_parse(void)
{
	static const struct {
		const char *text, *why, *msg;
	} bad[] = {
		{ "hello\n", "a foreign file", "not a check_ephemeral forecast file of version 1" },
		{ "check_ephemeral forecast 2\n" "key proto=tcp,udp families=ipv4,ipv6 range=os\n",
		  "a later version", "not a check_ephemeral forecast file of version 1" },
		{ "check_ephemeral forecast 1\n", "no key line", "no key line" },
		{ "check_ephemeral forecast 1\nkey proto=tcp families=ipv4,ipv6 range=os\n",
		  "another check's key", "belongs to another check" },
		{ HEAD "1764118556 - 1 2", "a cut last line", "line 3 has no end" },
		{ HEAD "1764118556 - 1\n", "a field missing", "line 3 is not a sample" },
		{ HEAD "1764118556 - 1 2 3\n", "a field too many", "line 3 is not a sample" },
		{ HEAD "1764118556  - 1 2\n", "two blanks", "line 3 is not a sample" },
		{ HEAD "1764118556 - 1 2 \n", "a trailing blank", "line 3 is not a sample" },
		{ HEAD "\n", "an empty line", "line 3 is not a sample" },
		{ HEAD "17641185x6 - 1 2\n", "a bad time", "line 3: the time" },
		{ HEAD "-1 - 1 2\n", "a negative time", "line 3: the time" },
		{ HEAD "1764118556000 - 1 2\n", "a time of 13 digits", "line 3: the time" },
		{ HEAD "1764118556 - 01 2\n", "a leading zero", "line 3: the tcp count" },
		{ HEAD "1764118556 - 1 65537\n", "a count above 65536", "line 3: the udp count" },
		{ HEAD "1764118556 - +1 2\n", "a sign", "line 3: the tcp count" },
		{ HEAD "1764118556 - - 2\n", "no count for a checked protocol", "does not match" },
		{ HEAD "1764118556 a\tb 1 2\n", "a tab in the namespace", "namespace key is not valid" },
		{ HEAD "1764118556 - 1 2\n1764118555 - 1 2\n", "out of order", "line 4 is older" },
		{ HEAD "1764118556 - 1 2\r\n", "CRLF", "line 3: the udp count" },
	};
	struct eph_err err;
	size_t n;
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].text, &key_both, &err, &n);

		ok(rc < 0 && n == 0 && strstr(err.msg, bad[i].msg) != NULL,
		   "refused: %s (%s)", bad[i].why, err.msg);
	}
	snprintf(text, sizeof(text),
		 "check_ephemeral forecast 1\nkey proto=tcp families=ipv4,ipv6 range=os\n"
		 "1764118556 - 1 2\n");
	ok(parse(text, &key_tcp, &err, &n) < 0 && strstr(err.msg, "udp count does not match"),
	   "refused: a count for a protocol the key does not check");
	snprintf(text, sizeof(text), HEAD "1764118556 %064d 1 2\n", 0);
	ok(parse(text, &key_both, &err, &n) < 0 && strstr(err.msg, "too long"),
	   "refused: a namespace key of 64 characters");

	ok(parse("", &key_both, &err, &n) == 0 && n == 0, "an empty file is an empty state");
	ok(parse(HEAD, &key_both, &err, &n) == 0 && n == 0, "header and key only: no samples");
	ok(parse(HEAD "1764118556 - 0 65536\n1764118556 x 1 2\n", &key_both, &err, &n) == 0 &&
		   n == 2,
	   "equal times, 0 and 65536, a namespace: accepted (%s)", err.msg);
	{
		const char nul[] = HEAD "1764118556 - 1 2\n\0";
		struct forecast_state st = { 0 };

		ok(forecast_parse(nul, sizeof(nul) - 1, &key_both, &st, &err) < 0 &&
			   strstr(err.msg, "NUL"),
		   "refused: a NUL byte");
		forecast_free(&st);
	}
}

static void test_parse_bounds(void)
{
	struct strbuf sb = { 0 };
	struct eph_err err = { "" };
	size_t n;

	sb_puts(&sb, HEAD);
	for (int i = 0; i < FORECAST_MAX_SAMPLES; i++) {
		sb_printf(&sb, "%d - 1 2\n", NOW + i);
	}
	ok(parse(sb_str(&sb), &key_both, &err, &n) == 0 && n == 64, "64 samples: accepted");
	sb_printf(&sb, "%d - 1 2\n", NOW + 64);
	ok(parse(sb_str(&sb), &key_both, &err, &n) < 0 && strstr(err.msg, "line 67 is beyond"),
	   "65 samples of one namespace: refused (%s)", err.msg);
	sb_free(&sb);

	sb_puts(&sb, HEAD);
	while (sb.len <= FORECAST_FILE_MAX && !sb.overflow) {
		sb_puts(&sb, "1764118556 - 1 2\n");
	}
	ok(parse(sb_str(&sb), &key_both, &err, &n) < 0 && strstr(err.msg, "larger than"),
	   "a file beyond the size bound: refused (%s)", err.msg);
	sb_free(&sb);
}

static void test_words(void)
{
	static const struct {
		double eta;
		const char *words;
	} cases[] = {
		{ 840, "full in ~14 min" }, { 869, "full in ~14 min" }, { 870, "full in ~15 min" },
		{ 3599, "full in ~60 min" }, { 3600, "" },	     { 86400, "" },
		{ 60, "full in ~1 min" },    { 59.9, "full in <1 min" }, { 0, "full in <1 min" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		forecast_eta_words(cases[i].eta, buf, sizeof(buf));
		is_str(buf, cases[i].words, "first-line words for an ETA of %g s", cases[i].eta);
	}
}

int main(void)
{
	test_key();
	test_slope();
	test_window();
	test_add_bounds();
	test_format();
	test_parse();
	test_parse_bounds();
	test_words();
	return done_testing();
}
