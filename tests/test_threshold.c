/* Unit tests of lib/threshold.c: the Nagios range syntax (docs/platform-notes.md §6 and the
 * table in lib/threshold.h), where it alerts, how it is written back into perfdata, and number
 * formatting without exponents. Portable: also built with mingw and run under wine. */
#include <math.h>
#include <string.h>

#include "num.h"
#include "tap.h"
#include "threshold.h"

/* One accepted form: every field of the parsed range, in one check. */
static void parses(const char *text, bool lo_inf, double lo, bool hi_inf, double hi, bool inside,
		   bool pct)
{
	struct threshold t;
	int rc;

	memset(&t, 0x55, sizeof(t));
	rc = threshold_parse(text, &t);
	if (!ok(rc == THRESHOLD_OK && t.set && t.lo_inf == lo_inf && (lo_inf || t.lo == lo) &&
			t.hi_inf == hi_inf && (hi_inf || t.hi == hi) && t.inside == inside &&
			t.pct == pct,
		"'%s' parses as %s%s:%s%s", text, inside ? "@" : "", lo_inf ? "~" : "",
		hi_inf ? "inf" : "", pct ? " (%)" : "")) {
		printf("#   rc %d set %d lo_inf %d lo %g hi_inf %d hi %g inside %d pct %d\n", rc, t.set,
		       t.lo_inf, t.lo, t.hi_inf, t.hi, t.inside, t.pct);
	}
}

/* One refused form: the error code, and out left exactly as it was. */
static void refuses(const char *text, int code)
{
	struct threshold t, before;

	memset(&t, 0x5a, sizeof(t));
	before = t;
	is_int(threshold_parse(text, &t), code, "'%s' is refused with code %d", text ? text : "NULL",
	       code);
	ok(memcmp(&t, &before, sizeof(t)) == 0, "'%s' leaves the threshold unchanged",
	   text ? text : "NULL");
}

static struct threshold th(const char *text)
{
	struct threshold t;

	memset(&t, 0, sizeof(t));
	if (threshold_parse(text, &t) != THRESHOLD_OK) {
		ok(0, "setup: '%s' parses", text); /* a case that cannot be set up fails */
	}
	return t;
}

/* Checks threshold_alerts for a list of values; want[i] says whether v[i] alerts. */
static void alerts(const char *text, const double *v, const bool *want, size_t n)
{
	struct threshold t = th(text);

	for (size_t i = 0; i < n; i++) {
		ok(threshold_alerts(&t, v[i]) == want[i], "'%s' %s at %g", text,
		   want[i] ? "alerts" : "does not alert", v[i]);
	}
}

#define ALERTS(text, vals, wants)                                                              \
	do {                                                                                   \
		static const double v_[] = vals;                                               \
		static const bool w_[] = wants;                                                \
		_Static_assert(sizeof(v_) / sizeof(v_[0]) == sizeof(w_) / sizeof(w_[0]),       \
			       "values and expectations differ in number");                    \
		alerts(text, v_, w_, sizeof(v_) / sizeof(v_[0]));                              \
	} while (0)
#define L(...) { __VA_ARGS__ }

/* The same range, field by field (-0 and 0 are the same end; padding is not compared). */
static bool same(const struct threshold *a, const struct threshold *b)
{
	return a->set == b->set && a->inside == b->inside && a->lo_inf == b->lo_inf &&
	       a->hi_inf == b->hi_inf && (a->lo_inf || a->lo == b->lo) &&
	       (a->hi_inf || a->hi == b->hi);
}

/* Parse, format, and parse the formatted text again: the same range (pct is not written). */
static void round_trip(const char *text, const char *want)
{
	struct threshold a, b;
	char buf[128];

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (!ok(threshold_parse(text, &a) == THRESHOLD_OK, "'%s' parses for the round trip", text)) {
		return;
	}
	is_str(threshold_format(&a, buf, sizeof(buf)), want, "'%s' is written as '%s'", text, want);
	ok(threshold_parse(buf, &b) == THRESHOLD_OK && same(&a, &b) && !b.pct,
	   "'%s' reads back as the same range", buf);
}

static void fmt(double v, int decimals, const char *want)
{
	char buf[64];

	num_format(v, decimals, buf, sizeof(buf));
	is_str(buf, want, "num_format(%g, %d)", v, decimals);
	ok(strchr(buf, 'e') == NULL && strchr(buf, 'E') == NULL, "num_format(%g) has no exponent",
	   v);
}

int main(void)
{
	/* Every form of docs/platform-notes.md §6 and the header's table. */
	parses("10", false, 0, false, 10, false, false);
	parses("10:", false, 10, true, 0, false, false);
	parses("~:10", true, 0, false, 10, false, false);
	parses("10:20", false, 10, false, 20, false, false);
	parses("@10:20", false, 10, false, 20, true, false);
	parses(":10", false, 0, false, 10, false, false);
	parses("@10", false, 0, false, 10, true, false);
	parses("@10:", false, 10, true, 0, true, false);
	parses("@~:10", true, 0, false, 10, true, false);
	parses("~:", true, 0, true, 0, false, false);
	parses("0", false, 0, false, 0, false, false);
	parses("10:10", false, 10, false, 10, false, false);
	/* Decimals and negative numbers. */
	parses("2.5", false, 0, false, 2.5, false, false);
	parses("2.5:7.25", false, 2.5, false, 7.25, false, false);
	parses("0.5:", false, 0.5, true, 0, false, false);
	parses("-10:-5", false, -10, false, -5, false, false);
	parses("-5:5", false, -5, false, 5, false, false);
	parses("~:-1", true, 0, false, -1, false, false);
	parses("-2.5:", false, -2.5, true, 0, false, false);
	parses("+5", false, 0, false, 5, false, false);
	/* A trailing % is remembered, whatever the form. */
	parses("80%", false, 0, false, 80, false, true);
	parses("80.5%", false, 0, false, 80.5, false, true);
	parses("10:%", false, 10, true, 0, false, true);
	parses("@10:20%", false, 10, false, 20, true, true);
	parses("~:90%", true, 0, false, 90, false, true);
	/* ... and may follow the start too. */
	parses("10%:20%", false, 10, false, 20, false, true);
	parses("10%:", false, 10, true, 0, false, true);
	parses("@10%:20", false, 10, false, 20, true, true);

	/* Invalid forms: a code each, never a silent 0:0. */
	refuses("", THRESHOLD_EEMPTY);
	refuses(NULL, THRESHOLD_EEMPTY);
	refuses("@", THRESHOLD_EEMPTY);
	refuses("%", THRESHOLD_EEMPTY);
	refuses("@%", THRESHOLD_EEMPTY);
	refuses("abc", THRESHOLD_ENUMBER);
	refuses("10:5", THRESHOLD_EORDER);
	refuses("-5", THRESHOLD_EORDER); /* 0:-5 */
	refuses("20.5:20.25", THRESHOLD_EORDER);
	refuses("1:2:3", THRESHOLD_ECOLON);
	refuses("::", THRESHOLD_ECOLON);
	refuses("%:20", THRESHOLD_ENUMBER);
	refuses("10%%:20", THRESHOLD_ENUMBER);
	ok(strstr(threshold_strerror(THRESHOLD_EORDER), "a single number N is the range 0:N") != NULL,
	   "the order error explains why '-5' is refused");
	refuses("1e5", THRESHOLD_ENUMBER);
	/* 25 characters: perfdata repeats the text, which must keep the line under 1 KB. */
	refuses("0.00000000000000000000001", THRESHOLD_ENUMBER);
	refuses("1:12345678901234.1234567890", THRESHOLD_ENUMBER);
	refuses("1E5", THRESHOLD_ENUMBER);
	refuses("0x10", THRESHOLD_ENUMBER);
	refuses("inf", THRESHOLD_ENUMBER);
	refuses("-inf", THRESHOLD_ENUMBER);
	refuses("nan", THRESHOLD_ENUMBER);
	refuses("10:inf", THRESHOLD_ENUMBER);
	refuses(" 10", THRESHOLD_ENUMBER);
	refuses("10 ", THRESHOLD_ENUMBER);
	refuses("10: 20", THRESHOLD_ENUMBER);
	refuses("~", THRESHOLD_ENUMBER);
	refuses("10:~", THRESHOLD_ENUMBER);
	refuses("~10", THRESHOLD_ENUMBER);
	refuses("@@10", THRESHOLD_ENUMBER);
	refuses("10@", THRESHOLD_ENUMBER);
	refuses("10%%", THRESHOLD_ENUMBER);
	refuses("%10", THRESHOLD_ENUMBER);
	refuses("-", THRESHOLD_ENUMBER);
	refuses(".", THRESHOLD_ENUMBER);
	refuses("1.2.3", THRESHOLD_ENUMBER);
	refuses("1,5", THRESHOLD_ENUMBER);
	refuses("--5", THRESHOLD_ENUMBER);
	refuses("1234567890123456789012345678901234567890123456789012345678901234567890",
		THRESHOLD_ENUMBER);

	/* Every code has its own reason. */
	{
		static const int codes[] = { THRESHOLD_EEMPTY, THRESHOLD_ENUMBER, THRESHOLD_ECOLON,
					     THRESHOLD_EORDER };
		bool distinct = true;

		for (size_t i = 0; i < 4; i++) {
			for (size_t j = i + 1; j < 4; j++) {
				distinct &= strcmp(threshold_strerror(codes[i]),
						   threshold_strerror(codes[j])) != 0;
			}
			distinct &= strlen(threshold_strerror(codes[i])) > 5;
		}
		ok(distinct, "each error code has its own reason");
		ok(strlen(threshold_strerror(-99)) > 0, "an unknown code still has a reason");
	}

	/* Alerts at and around every endpoint; endpoints belong to the range. */
	ALERTS("10", L(-0.1, 0, 0.1, 5, 9.9, 10, 10.1, 1e9), L(1, 0, 0, 0, 0, 0, 1, 1));
	ALERTS("10:", L(-1, 0, 9.9, 9.99, 10, 10.01, 1e12), L(1, 1, 1, 1, 0, 0, 0));
	ALERTS("~:10", L(-1e12, -1, 0, 10, 10.01, 11), L(0, 0, 0, 0, 1, 1));
	ALERTS("10:20", L(0, 9.9, 10, 15, 20, 20.1, 100), L(1, 1, 0, 0, 0, 1, 1));
	ALERTS("@10:20", L(0, 9.9, 10, 15, 20, 20.1, 100), L(0, 0, 1, 1, 1, 0, 0));
	ALERTS(":10", L(-0.5, 0, 10, 10.5), L(1, 0, 0, 1));
	ALERTS("@10", L(-0.5, 0, 5, 10, 10.5), L(0, 1, 1, 1, 0));
	ALERTS("-10:-5", L(-10.5, -10, -7, -5, -4.9, 0), L(1, 0, 0, 0, 1, 1));
	ALERTS("2.5:7.25", L(2.4, 2.5, 7.25, 7.26), L(1, 0, 0, 1));
	ALERTS("80%", L(79.9, 80, 80.1, 100), L(0, 0, 1, 1));
	ALERTS("0", L(-0.1, 0, 0.1), L(1, 0, 1));
	ALERTS("~:", L(-1e300, 0, 1e300), L(0, 0, 0));
	ALERTS("@~:", L(-1e300, 0, 1e300), L(1, 1, 1));
	{
		struct threshold unset;

		memset(&unset, 0, sizeof(unset));
		ok(!threshold_alerts(&unset, 0) && !threshold_alerts(&unset, -1e9) &&
			   !threshold_alerts(&unset, 1e9),
		   "an unset threshold never alerts");
	}

	/* Written back into perfdata: the same range, no "%". */
	round_trip("10", "10");
	round_trip("10:", "10:");
	round_trip("~:10", "~:10");
	round_trip("10:20", "10:20");
	round_trip("@10:20", "@10:20");
	round_trip(":10", "10");
	round_trip("0:10", "0:10");
	round_trip("@10", "@10");
	round_trip("@10:", "@10:");
	round_trip("@~:10", "@~:10");
	round_trip("~:", "~:");
	round_trip("0:", "0:");
	round_trip("0", "0");
	round_trip("-0", "-0");
	round_trip("80%", "80");
	round_trip("@10:20%", "@10:20");
	round_trip("2.5:7.25", "2.5:7.25");
	round_trip("0.125", "0.125");
	round_trip("0.000001", "0.000001");
	round_trip("-10:-5", "-10:-5");
	round_trip("~:-1.5", "~:-1.5");
	round_trip("2000:", "2000:");
	round_trip("123456789012", "123456789012");
	round_trip("10.000", "10.000");
	/* Numbers are written as given: a double printed with 6 decimals made 0.0000001 "0". */
	round_trip("0.0000001", "0.0000001");
	round_trip("@0:657.8210567", "@0:657.8210567");
	round_trip("@657.8210567:", "@657.8210567:");
	round_trip("~:0.000000001", "~:0.000000001");
	round_trip("-0.12345678:0.123456789", "-0.12345678:0.123456789");
	round_trip("+5:+7.5", "5:7.5");
	round_trip(":0.1234567", "0.1234567");
	round_trip("@:", "@0:");
	round_trip("12345678901234.123456789", "12345678901234.123456789");
	{
		struct threshold unset;
		char buf[16] = "junk";

		memset(&unset, 0, sizeof(unset));
		is_str(threshold_format(&unset, buf, sizeof(buf)), "",
		       "an unset threshold is written as ''");
	}

	/* Numbers for perfdata: fixed point, trailing zeros dropped, no exponent, no "-0". */
	fmt(0, 1, "0");
	fmt(12, 1, "12");
	fmt(4.4, 1, "4.4");
	fmt(12.34, 1, "12.3");
	fmt(100, 1, "100");
	fmt(-2.5, 1, "-2.5");
	fmt(-0.0, 1, "0");
	fmt(-0.04, 1, "0");
	fmt(28232, 0, "28232");
	fmt(123456.7, 1, "123456.7");
	fmt(1e20, 0, "100000000000000000000");
	fmt(1e-7, 1, "0");
	fmt(1e-7, 6, "0");
	fmt(0.000001, 6, "0.000001");
	fmt(2.5e15, 1, "2500000000000000");
	fmt(NAN, 1, "0");
	fmt(INFINITY, 1, "0");
	return done_testing();
}
