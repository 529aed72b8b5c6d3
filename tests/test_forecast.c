/* lib/forecast.c: the key, the rate and ETA from known series, the window, the bounds, and the
 * state file's parser against corrupt and foreign files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast.h"
#include "tap.h"

#define NOW 1764118556 /* 2025-11-26T00:55:56Z */

static const struct forecast_key key_both = { { true, true }, EPH_FAM_ALL, 0, 0, NULL };
static const struct forecast_key key_tcp = { { true, false }, EPH_FAM_ALL, 0, 0, NULL };
static const struct forecast_key key_all = { { true, true }, EPH_FAM_ALL, 0, 0, "all" };

/* Adds a sample of the own namespace: tcp and udp counts, -1 for none. */
static void add(struct forecast_state *st, int64_t t, int tcp, int udp)
{
	struct forecast_sample s;

	memset(&s, 0, sizeof(s));
	s.t = t;
	s.used[EPH_TCP] = tcp;
	s.used[EPH_UDP] = udp;
	if (forecast_add(st, &s, 1, NULL, NULL) < 0) {
		ok(0, "adding a sample at %lld", (long long)t);
	}
}

static void test_key(void)
{
	struct forecast_key k = { { true, false }, EPH_FAM_V6, 40000, 40999, NULL };
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
	k = (struct forecast_key){ { true, false }, EPH_FAM_V6, 40000, 40999, NULL };
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
	ok(forecast_add(&st, &s, 1, NULL, NULL) == 0, "adding a sample");
	ok(st.n == 5 && st.s[0].t == NOW - 600 && st.s[1].t == NOW - 300 && st.s[2].used[0] == 600 &&
		   st.s[3].used[0] == 700 && st.s[4].t == NOW + 5,
	   "adding drops the samples older than the window; a concurrent run's 5 s later stays, "
	   "and the new one goes before it, in time order");
	st.s[4].t = NOW + 1 + FORECAST_SLACK_S + 1;
	s.t = NOW + 1;
	s.used[EPH_TCP] = 800;
	/* NOW - 600 leaves the window of NOW + 1 as well. */
	ok(forecast_add(&st, &s, 1, NULL, NULL) == 0 && st.n == 4 && st.s[3].t == NOW + 1 &&
		   st.s[3].used[0] == 800 && st.s[2].used[0] == 700,
	   "a sample further ahead than FORECAST_SLACK_S is dropped (the clock was set back)");
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

	/* 55 runs 10 s apart over 80 namespaces: 4400 samples, 4096 kept in all. */
	for (int r = 0; r < 55; r++) {
		struct forecast_sample run[80];

		memset(run, 0, sizeof(run));
		for (int k = 0; k < 80; k++) {
			run[k].t = NOW + r * 10;
			snprintf(run[k].ns, sizeof(run[k].ns), "ns%02d-%055d", k, 0);
			run[k].used[EPH_TCP] = 65536;
			run[k].used[EPH_UDP] = 65536;
		}
		if (forecast_add(&st, run, 80, NULL, NULL) < 0) {
			break;
		}
	}
	ok(st.n == FORECAST_MAX_TOTAL && st.s[0].t == NOW + 30,
	   "4400 samples: the newest 4096 kept (%zu)", st.n);
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
	ok(forecast_add(&st, &s, 1, NULL, &err) < 0 && st.n == FORECAST_MAX_TOTAL,
	   "a namespace key with a blank is refused, nothing changes");
	s.ns[0] = '\0';
	s.used[EPH_TCP] = 65537;
	ok(forecast_add(&st, &s, 1, NULL, &err) < 0 && st.n == FORECAST_MAX_TOTAL,
	   "a count above 65536 is refused");
	s.used[EPH_TCP] = 1;
	s.t = -1;
	ok(forecast_add(&st, &s, 1, NULL, &err) < 0, "a negative time is refused");
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
	forecast_add(&st, &s, 1, NULL, NULL);
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

	/* Interleaved with another namespace: the 65th sample of one is refused all the same. */
	sb_puts(&sb, HEAD);
	for (int i = 0; i < FORECAST_MAX_SAMPLES + 1; i++) {
		sb_printf(&sb, "%d 1:a 1 2\n%d 2:b 1 2\n", NOW + i, NOW + i);
	}
	ok(parse(sb_str(&sb), &key_both, &err, &n) < 0 && strstr(err.msg, "line 131 is beyond"),
	   "65 samples of one namespace among others: refused (%s)", err.msg);
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

/* A --netns sample: namespace key ns, time t, tcp and udp counts. */
static struct forecast_sample ns_sample(const char *ns, int64_t t, int tcp, int udp)
{
	struct forecast_sample s;

	memset(&s, 0, sizeof(s));
	s.t = t;
	snprintf(s.ns, sizeof(s.ns), "%s", ns);
	s.used[EPH_TCP] = tcp;
	s.used[EPH_UDP] = udp;
	return s;
}

static void test_ns_key(void)
{
	char key[FORECAST_NS_MAX], key2[FORECAST_NS_MAX], buf[FORECAST_KEY_MAX], long_name[160];
	char name[48], name2[48];
	struct forecast_key k = key_all;

	forecast_ns_key(4026532567u, "docker 1a2b3c4d5e6f", key, sizeof(key));
	is_str(key, "4026532567:docker%201a2b3c4d5e6f", "a namespace's key: inode, ':', the name");
	ok(forecast_ns_valid(key), "and it is a valid key");
	forecast_ns_key(1, "a%b#c\t\xc3\xa9", key, sizeof(key));
	is_str(key, "1:a%25b%23c%09%C3%A9", "'%%', '#', control and non-ASCII bytes as %%XX");
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	forecast_ns_key(4026532567u, long_name, key, sizeof(key));
	ok(strlen(key) == FORECAST_NS_MAX - 1 && forecast_ns_valid(key) &&
		   strncmp(key, "4026532567:xxxx", 15) == 0 && key[strlen(key) - 17] == '#',
	   "a long name: its start, '#' and a hash, within the key's size (%s)", key);
	long_name[100] = 'y';
	forecast_ns_key(4026532567u, long_name, key2, sizeof(key2));
	ok(strcmp(key, key2) != 0, "two long names differing past the start: two keys");
	forecast_ns_key(4026532567u, "", key, sizeof(key));
	ok(strcmp(key, "4026532567:") == 0 && forecast_ns_valid(key), "an empty name: still a key");

	forecast_key_string(&k, buf, sizeof(buf));
	is_str(buf, "proto=tcp,udp families=ipv4,ipv6 range=os netns=all", "--netns is in the key");
	forecast_file_name(&k, name, sizeof(name));
	forecast_file_name(&key_both, name2, sizeof(name2));
	ok(strcmp(name, name2) != 0, "--netns all has a file of its own");
	k.netns = "/run/my netns/x";
	forecast_key_string(&k, buf, sizeof(buf));
	is_str(buf, "proto=tcp,udp families=ipv4,ipv6 range=os netns=/run/my%20netns/x",
	       "a path with a blank: one field");
	k.netns = long_name;
	forecast_key_string(&k, buf, sizeof(buf));
	ok(strlen(buf) < FORECAST_KEY_MAX - 1 && strchr(strstr(buf, "netns="), '#') != NULL,
	   "a long --netns argument: its start and a hash (%s)", buf);
}

/* Several namespaces in one file: each has its own series and estimate. */
static void test_ns_series(void)
{
	struct forecast_state st = { 0 }, back = { 0 };
	struct forecast_sample run[2], next;
	struct forecast_est e;
	struct strbuf sb = { 0 };
	struct eph_err err = { "" };

	for (int i = 0; i < 4; i++) {
		run[0] = ns_sample("4026531840:host", NOW - 300 + i * 100, 10, 5);
		run[1] = ns_sample("4026532567:blue", NOW - 300 + i * 100, 100 + i * 100, 5 - i);
		ok(forecast_add(&st, run, 2, NULL, &err) == 0, "run %d: two namespaces added", i);
	}
	forecast_estimate(&st, "4026532567:blue", EPH_TCP, NOW, 1000, &e);
	ok(e.samples == 4 && e.slope == 1.0 && e.eta_set && e.eta == 600.0,
	   "blue grows 1/s: ETA 600 s (got %g)", e.eta);
	forecast_estimate(&st, "4026531840:host", EPH_TCP, NOW, 1000, &e);
	ok(e.samples == 4 && e.rate_set && e.slope == 0 && !e.eta_set, "host is flat: no ETA");
	forecast_estimate(&st, "", EPH_TCP, NOW, 1000, &e);
	ok(e.samples == 0, "the own namespace's key has none of them");

	next = ns_sample("4026532567:blue", NOW + 100, 500, 1);
	forecast_estimate_next(&st, &next, EPH_TCP, 1000, &e);
	ok(e.samples == 5 && e.span == 400 && e.slope == 1.0 && e.used == 500 && e.eta == 500.0,
	   "estimate with this run's sample not yet added: 5 samples, ETA 500 s (got %g)",
	   e.eta);
	next = ns_sample("4026532999:green", NOW + 100, 5, 1);
	forecast_estimate_next(&st, &next, EPH_TCP, 1000, &e);
	ok(e.samples == 1 && !e.rate_set, "a namespace new in this run: one sample, no rate");

	forecast_format(&st, &key_all, &sb);
	ok(strstr(sb_str(&sb), "key proto=tcp,udp families=ipv4,ipv6 range=os netns=all\n"
			       "1764118256 4026531840:host 10 5\n1764118256 4026532567:blue 100 5\n") !=
		   NULL,
	   "the file: one line per namespace and run");
	ok(forecast_parse(sb_str(&sb), sb.len, &key_all, &back, &err) == 0 && back.n == 8 &&
		   memcmp(back.s, st.s, 8 * sizeof(st.s[0])) == 0,
	   "it reads back the same (%s)", err.msg);
	ok(forecast_parse(sb_str(&sb), sb.len, &key_both, &back, &err) < 0 &&
		   strstr(err.msg, "belongs to another check"),
	   "a --netns file is not the plain check's");
	sb_free(&sb);
	forecast_free(&back);
	forecast_free(&st);
}

/* A namespace's inode with another name is another namespace: the old series goes. */
static void test_ns_identity(void)
{
	struct forecast_state st = { 0 };
	struct forecast_sample run[3];
	struct forecast_drops d;
	struct eph_err err = { "" };
	struct forecast_est e;

	run[0] = ns_sample("100:docker%20aaa", NOW - 60, 50, -1);
	run[1] = ns_sample("101:blue", NOW - 60, 10, -1);
	run[2] = ns_sample("1000:red", NOW - 60, 10, -1);
	forecast_add(&st, run, 3, NULL, &err);
	run[0] = ns_sample("100:docker%20aaa", NOW - 30, 60, -1);
	forecast_add(&st, run, 1, NULL, &err);
	/* docker aaa died; its inode 100 went to docker bbb. 1000:red is not 100's. */
	run[0] = ns_sample("100:docker%20bbb", NOW, 5, -1);
	run[1] = ns_sample("101:blue", NOW, 12, -1);
	run[2] = ns_sample("10:x", NOW, 1, -1);
	ok(forecast_add(&st, run, 3, &d, &err) == 0, "a run where an inode has a new name");
	is_int(d.renamed, 2, "the old name's 2 samples are dropped");
	ok(d.unseen == 0 && d.capped == 0, "nothing else");
	forecast_estimate(&st, "100:docker%20bbb", EPH_TCP, NOW, 100, &e);
	ok(e.samples == 1 && !e.rate_set, "the new namespace starts its own series");
	forecast_estimate(&st, "101:blue", EPH_TCP, NOW, 100, &e);
	ok(e.samples == 2 && e.rate_set, "the one with the same name keeps its series");
	forecast_estimate(&st, "1000:red", EPH_TCP, NOW, 100, &e);
	ok(e.samples == 1, "a namespace not in this run (another inode) stays");
	is_int(st.n, 5, "5 samples left");
	forecast_free(&st);
}

/* The bounds with hundreds of namespaces. */
static void test_ns_caps(void)
{
	enum { SEEN = 300, UNSEEN = 64, PER = 59 };
	struct forecast_state st = { 0 };
	struct forecast_sample *run = calloc(4200, sizeof(*run));
	struct forecast_drops d;
	struct eph_err err = { "" };
	struct forecast_est e;
	size_t rated = 0, left_unseen = 0;
	char ns[FORECAST_NS_MAX];

	if (!run) {
		ok(0, "memory");
		return;
	}
	/* 300 namespaces sampled 590 s ago; then 64 others, 59 samples each, not in the next run. */
	for (int k = 0; k < SEEN; k++) {
		snprintf(ns, sizeof(ns), "%d:seen%d", 5000 + k, k);
		run[k] = ns_sample(ns, NOW - 590, k, -1);
	}
	forecast_add(&st, run, SEEN, NULL, &err);
	for (int i = 0; i < PER; i++) {
		for (int k = 0; k < UNSEEN; k++) {
			snprintf(ns, sizeof(ns), "%d:gone%d", 9000 + k, k);
			run[k] = ns_sample(ns, NOW - 500 + i, 1, -1);
		}
		forecast_add(&st, run, UNSEEN, NULL, &err);
	}
	is_int(st.n, SEEN + UNSEEN * PER, "4076 samples kept so far");
	for (int k = 0; k < SEEN; k++) {
		snprintf(ns, sizeof(ns), "%d:seen%d", 5000 + k, k);
		run[k] = ns_sample(ns, NOW, k + 10, -1);
	}
	ok(forecast_add(&st, run, SEEN, &d, &err) == 0, "a run of 300 namespaces");
	is_int(st.n, FORECAST_MAX_TOTAL, "the file stays at %d samples", FORECAST_MAX_TOTAL);
	ok(d.unseen == SEEN + UNSEEN * PER + SEEN - FORECAST_MAX_TOTAL && d.capped == 0 &&
		   d.renamed == 0,
	   "the namespaces not in this run lost theirs first, though the others' are older (%zu)",
	   d.unseen);
	for (int k = 0; k < SEEN; k++) {
		snprintf(ns, sizeof(ns), "%d:seen%d", 5000 + k, k);
		forecast_estimate(&st, ns, EPH_TCP, NOW, 1000, &e);
		rated += e.rate_set && e.slope > 0;
	}
	is_int(rated, SEEN, "every namespace of the run keeps its series: 300 rates");
	for (size_t i = 0; i < st.n; i++) {
		left_unseen += strstr(st.s[i].ns, ":gone") != NULL;
	}
	is_int(left_unseen, FORECAST_MAX_TOTAL - 2 * SEEN, "the newest of the others stay");
	forecast_free(&st);

	/* A run of more namespaces than the file holds: the oldest of all, then this run's own. */
	for (int k = 0; k < 4200; k++) {
		snprintf(ns, sizeof(ns), "%d:n%d", 1 + k, k);
		run[k] = ns_sample(ns, NOW, 1, -1);
	}
	ok(forecast_add(&st, run, 4200, &d, &err) == 0 && st.n == FORECAST_MAX_TOTAL &&
		   d.capped == 4200 - FORECAST_MAX_TOTAL,
	   "4200 namespaces in one run: %d kept, %zu dropped", FORECAST_MAX_TOTAL, d.capped);
	forecast_free(&st);

	/* 70 runs of one namespace among others: its oldest beyond 64 go. */
	for (int i = 0; i < 70; i++) {
		run[0] = ns_sample("7:busy", NOW - 69 + i, i, -1);
		run[1] = ns_sample("8:calm", NOW - 69 + i, 1, -1);
		forecast_add(&st, run, 2, &d, &err);
	}
	ok(st.n == 2 * FORECAST_MAX_SAMPLES && d.capped == 2, "64 kept per namespace, 2 dropped");
	run[0] = ns_sample("x y", NOW, 1, -1);
	ok(forecast_add(&st, run, 1, NULL, &err) < 0 && st.n == 2 * FORECAST_MAX_SAMPLES,
	   "a bad key in a run: refused, nothing changes");
	run[0] = ns_sample("7:busy", NOW, 1, -1);
	run[1] = ns_sample("8:calm", NOW + 1, 1, -1);
	ok(forecast_add(&st, run, 2, NULL, &err) < 0 && st.n == 2 * FORECAST_MAX_SAMPLES,
	   "a run's samples at two times: refused");
	forecast_free(&st);
	free(run);
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
	test_ns_key();
	test_ns_series();
	test_ns_identity();
	test_ns_caps();
	return done_testing();
}
