/* Nagios-style threshold ranges, "[@][start:][end]", as in the Monitoring Plugins guidelines.
 *
 *   text      alerts when the value is
 *   10        < 0 or > 10
 *   10:       < 10
 *   ~:10      > 10
 *   10:20     < 10 or > 20
 *   @10:20    inside 10..20 (endpoints included)
 *
 * An omitted start is 0, an omitted end is +infinity, "~" is -infinity. Endpoints belong to the
 * range. Numbers are decimal ("2.5", "-1") below 1e15 in magnitude and at most
 * THRESHOLD_NUM_MAX characters long; no exponents, hex, "inf" or "nan". One trailing "%" is
 * accepted and remembered in pct, so that a caller can allow it only for percentages. */
#ifndef THRESHOLD_H
#define THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>

/* The longest number a range may hold, in characters: perfdata repeats the ranges as written,
 * and the status line with them must stay under NRPE's 1 KB. */
#define THRESHOLD_NUM_MAX 24

struct threshold {
	double lo, hi;
	bool lo_inf, hi_inf; /* lo is -inf / hi is +inf */
	bool inside;         /* "@": alert inside the range instead of outside */
	bool pct;            /* the text ended in "%" */
	bool set;            /* false: never alerts */
	char lo_text[THRESHOLD_NUM_MAX + 1]; /* lo and hi as the user wrote them (without "+"), */
	char hi_text[THRESHOLD_NUM_MAX + 1]; /* for perfdata: a double would round "0.0000001" */
};

enum {
	THRESHOLD_OK = 0,
	THRESHOLD_EEMPTY = -1,  /* empty text */
	THRESHOLD_ENUMBER = -2, /* a start or end that is not a decimal number */
	THRESHOLD_ECOLON = -3,  /* more than one ":" */
	THRESHOLD_EORDER = -4,  /* start above end */
};

/* Parses text into out. Returns THRESHOLD_OK, or a THRESHOLD_E* code with out unchanged. */
int threshold_parse(const char *text, struct threshold *out);

/* A short English reason for a THRESHOLD_E* code. */
const char *threshold_strerror(int code);

/* True when value should raise the alert this threshold stands for. */
bool threshold_alerts(const struct threshold *t, double value);

/* Writes the range in perfdata form ("80", "10:", "~:10", "@10:20"; no "%") into buf, "" when
 * unset, with each number as the user wrote it: "@0:657.8210567" stays exact. A start left
 * out stays out (":10" is written "10"). Returns buf. */
char *threshold_format(const struct threshold *t, char *buf, size_t size);

/* Says in words where the range alerts, for a status line: "outside 0..10", "below 200",
 * "above 10", "inside 10..20", "at or above 5", "at or below 5"; "" when unset. Returns buf. */
char *threshold_describe(const struct threshold *t, char *buf, size_t size);

#endif
