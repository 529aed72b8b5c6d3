#include "winparse.h"

#include <stdbool.h>
#include <stdio.h>

#include "num.h"

/* One line of text: [s, e), without its "\r\n" or "\n". */
struct line {
	const char *s, *e;
};

/* Steps to the next line of [*pos, end). Returns false at the end. */
static bool next_line(const char **pos, const char *end, struct line *l)
{
	const char *p = *pos;

	if (p >= end) {
		return false;
	}
	l->s = p;
	while (p < end && *p != '\n') {
		p++;
	}
	l->e = p;
	if (l->e > l->s && l->e[-1] == '\r') {
		l->e--;
	}
	*pos = p < end ? p + 1 : p;
	return true;
}

static const char *skip_blanks(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t')) {
		p++;
	}
	return p;
}

/* Reads a decimal number at *p (before e) into *v, advancing *p. Returns false when there is
 * no digit or the number is above 65535. */
static bool read_number(const char **p, const char *e, unsigned long *v)
{
	uint64_t n = 0;
	size_t digits = num_scan(*p, (size_t)(e - *p), 65535, &n);

	*v = (unsigned long)n;
	*p += digits;
	return digits > 0;
}

int winparse_dynamicport(const char *text, size_t len, uint16_t *lo, uint16_t *hi,
			 struct eph_err *err)
{
	const char *pos = text, *end = text + len;
	unsigned long num[2];
	int found = 0;
	struct line l;

	while (found < 2 && next_line(&pos, end, &l)) {
		const char *p = l.s;

		while (p < l.e && *p != ':') {
			p++;
		}
		if (p == l.e) {
			continue;
		}
		p = skip_blanks(p + 1, l.e);
		if (p == l.e || *p < '0' || *p > '9') {
			continue;
		}
		if (!read_number(&p, l.e, &num[found]) || skip_blanks(p, l.e) != l.e) {
			eph_err_set(err, "netsh dynamicport: unexpected number in '%.*s'",
				    (int)(l.e - l.s > 60 ? 60 : l.e - l.s), l.s);
			return -1;
		}
		found++;
	}
	if (found < 2) {
		eph_err_set(err, "netsh dynamicport: %s", len == 0 ? "no output"
								 : "no start port and number of ports");
		return -1;
	}
	if (num[0] < 1 || num[1] < 1 || num[0] + num[1] - 1 > 65535) {
		eph_err_set(err, "netsh dynamicport: start %lu with %lu ports is no valid range",
			    num[0], num[1]);
		return -1;
	}
	*lo = (uint16_t)num[0];
	*hi = (uint16_t)(num[0] + num[1] - 1);
	return 0;
}

/* Walks the excluded-range table; reserves the ranges only when pool is not NULL, so that the
 * caller can validate everything first and a bad table leaves the pool as it was. */
static int walk_excluded(const char *text, size_t len, struct portpool *pool, size_t *ranges,
			 struct eph_err *err)
{
	const char *pos = text, *end = text + len;
	bool table = false;
	struct line l;

	*ranges = 0;
	while (next_line(&pos, end, &l)) {
		const char *p = skip_blanks(l.s, l.e);
		unsigned long a, b;

		if (!table) {
			/* The header ("Start Port  End Port", translated) ends in a row of dashes. */
			table = p < l.e && *p == '-';
			continue;
		}
		if (p == l.e || *p < '0' || *p > '9') {
			continue; /* blank line or the "* - Administered port exclusions." legend */
		}
		if (!read_number(&p, l.e, &a)) {
			goto bad;
		}
		p = skip_blanks(p, l.e);
		if (!read_number(&p, l.e, &b) || a > b) {
			goto bad;
		}
		p = skip_blanks(p, l.e);
		if (p < l.e && *p == '*') {
			p = skip_blanks(p + 1, l.e);
		}
		if (p != l.e) {
			goto bad;
		}
		if (pool) {
			pool_reserve(pool, (uint16_t)a, (uint16_t)b);
		}
		(*ranges)++;
		continue;
bad:
		eph_err_set(err, "netsh excludedportrange: unexpected row '%.*s'",
			    (int)(l.e - l.s > 60 ? 60 : l.e - l.s), l.s);
		return -1;
	}
	if (!table) {
		eph_err_set(err, "netsh excludedportrange: %s",
			    len == 0 ? "no output" : "no table in the output");
		return -1;
	}
	return 0;
}

int winparse_excluded(const char *text, size_t len, struct portpool *pool, size_t *ranges,
		      struct eph_err *err)
{
	if (walk_excluded(text, len, NULL, ranges, err) < 0) {
		return -1;
	}
	return walk_excluded(text, len, pool, ranges, err);
}

enum winparse_tw winparse_tw_delay(bool found, uint32_t value, const char *where,
				   unsigned *seconds, char *text, size_t size)
{
	if (!found) {
		*seconds = WINPARSE_TW_ASSUMED;
		snprintf(text, size, "TcpTimedWaitDelay default (not configured; %u s assumed)",
			 *seconds);
		return WINPARSE_TW_UNSET;
	}
	/* Outside the documented range nobody can say what Windows does with the value. Taken as
	 * it is, 1 s would claim that the pool carries its whole size every second, 4294967295 s
	 * would show as the divisor, and 0 would drop tcp_churn from the perfdata, so that its
	 * label set changed between runs. */
	if (value < WINPARSE_TW_MIN || value > WINPARSE_TW_MAX) {
		*seconds = WINPARSE_TW_ASSUMED;
		snprintf(text, size, "TcpTimedWaitDelay %lu is outside %u-%u, ignored (%s); %u s assumed",
			 (unsigned long)value, WINPARSE_TW_MIN, WINPARSE_TW_MAX, where, *seconds);
		return WINPARSE_TW_IGNORED;
	}
	*seconds = (unsigned)value;
	snprintf(text, size, "TcpTimedWaitDelay %u s (%s)", *seconds, where);
	return WINPARSE_TW_CONFIGURED;
}
