#include "threshold.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Parses the decimal number in s[0..len) strictly: optional sign, digits, optional "." and
 * digits, at least one digit. strtod alone would take "inf", "0x10" and "1e9", which no user of
 * a Nagios plugin means, so the text is checked first and strtod converts only what passed. */
static int parse_number(const char *s, size_t len, double *out, char *text)
{
	char tmp[THRESHOLD_NUM_MAX + 1];
	size_t i = 0, digits = 0;
	char *end;

	if (len == 0 || len > THRESHOLD_NUM_MAX) {
		return -1;
	}
	if (s[i] == '+' || s[i] == '-') {
		i++;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		digits++;
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			digits++;
		}
	}
	if (i != len || digits == 0) {
		return -1;
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	*out = strtod(tmp, &end);
	/* Perfdata repeats the range in fixed point: a 60-digit number would not fit the
	 * renderer's buffers and come out cut (found by fuzzing). No port count comes near. */
	if (*end != '\0' || !isfinite(*out) || fabs(*out) >= 1e15) {
		return -1;
	}
	/* tmp has the size of the text buffers: the number fits whole. */
	memcpy(text, tmp[0] == '+' ? tmp + 1 : tmp, len + 1 - (tmp[0] == '+'));
	return 0;
}

int threshold_parse(const char *text, struct threshold *out)
{
	struct threshold t = { .set = true };
	const char *p = text, *colon, *end;
	size_t len;

	if (!text || !*text) {
		return THRESHOLD_EEMPTY;
	}
	len = strlen(p);
	if (p[len - 1] == '%') {
		t.pct = true;
		len--;
	}
	end = p + len;
	if (p < end && *p == '@') {
		t.inside = true;
		p++;
	}
	if (p == end) {
		return THRESHOLD_EEMPTY;
	}
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon) {
		size_t lo_len = (size_t)(colon - p);

		if (memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
			return THRESHOLD_ECOLON;
		}
		/* "10%:20%" as well as "10:20%": the percent sign may follow the start too. */
		if (lo_len > 1 && p[lo_len - 1] == '%') {
			t.pct = true;
			lo_len--;
		}
		if (lo_len == 1 && *p == '~') {
			t.lo_inf = true;
		} else if (lo_len == 0) {
			t.lo = 0; /* ":10" is "0:10", as in the Monitoring Plugins */
		} else if (parse_number(p, lo_len, &t.lo, t.lo_text) < 0) {
			return THRESHOLD_ENUMBER;
		}
		if (colon + 1 == end) {
			t.hi_inf = true;
		} else if (parse_number(colon + 1, (size_t)(end - colon - 1), &t.hi, t.hi_text) < 0) {
			return THRESHOLD_ENUMBER;
		}
	} else if (parse_number(p, (size_t)(end - p), &t.hi, t.hi_text) < 0) {
		return THRESHOLD_ENUMBER;
	}
	if (!t.lo_inf && !t.hi_inf && t.lo > t.hi) {
		return THRESHOLD_EORDER;
	}
	*out = t;
	return THRESHOLD_OK;
}

const char *threshold_strerror(int code)
{
	switch (code) {
	case THRESHOLD_OK:
		return "no error";
	case THRESHOLD_EEMPTY:
		return "the range is empty";
	case THRESHOLD_ENUMBER:
		return "start and end must be decimal numbers below 1e15 of at most 24 characters (or "
		       "~ for minus infinity)";
	case THRESHOLD_ECOLON:
		return "a range has at most one ':'";
	case THRESHOLD_EORDER:
		return "the start is above the end (a single number N is the range 0:N; ~:N has no "
		       "lower end)";
	default:
		return "invalid range";
	}
}

bool threshold_alerts(const struct threshold *t, double value)
{
	bool within;

	if (!t->set) {
		return false;
	}
	within = (t->lo_inf || value >= t->lo) && (t->hi_inf || value <= t->hi);
	return t->inside ? within : !within;
}

/* "" into buf when t is unset (true), for the two writers below. */
static bool unset(const struct threshold *t, char *buf, size_t size)
{
	if (!t->set && size) {
		buf[0] = '\0';
	}
	return !t->set;
}

char *threshold_format(const struct threshold *t, char *buf, size_t size)
{
	const char *lo = t->lo_inf ? "~" : t->lo_text, *hi = t->hi_inf ? "" : t->hi_text;

	if (unset(t, buf, size)) {
		return buf;
	}
	if (!t->lo_inf && !lo[0]) {
		/* No start written (":10", "10"): 0, left out unless the end is open. */
		snprintf(buf, size, "%s%s%s", t->inside ? "@" : "", t->hi_inf ? "0:" : "", hi);
	} else {
		snprintf(buf, size, "%s%s:%s", t->inside ? "@" : "", lo, hi);
	}
	return buf;
}

char *threshold_describe(const struct threshold *t, char *buf, size_t size)
{
	/* The numbers as the user wrote them; no start written is 0. */
	const char *lo = t->lo_text[0] ? t->lo_text : "0", *hi = t->hi_text;

	if (unset(t, buf, size)) {
		return buf;
	}
	if (t->lo_inf && t->hi_inf) {
		snprintf(buf, size, t->inside ? "always" : "never");
	} else if (t->lo_inf) {
		snprintf(buf, size, t->inside ? "at or below %s" : "above %s", hi);
	} else if (t->hi_inf) {
		snprintf(buf, size, t->inside ? "at or above %s" : "below %s", lo);
	} else {
		snprintf(buf, size, "%s %s..%s", t->inside ? "inside" : "outside", lo, hi);
	}
	return buf;
}
