#include "num.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

size_t num_scan(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > max || v > (max - d) / 10) {
			return 0; /* v * 10 + d > max, asked without overflowing */
		}
		v = v * 10 + d;
	}
	if (i > 0) {
		*out = v;
	}
	return i;
}

int num_parse(const char *s, uint64_t max, uint64_t *out)
{
	size_t len = strlen(s);

	if (len == 0 || num_scan(s, len, max, out) != len) {
		return -1;
	}
	return 0;
}

char *num_format(double v, int decimals, char *buf, size_t size)
{
	char *dot, *e;

	if (!isfinite(v)) {
		v = 0;
	}
	snprintf(buf, size, "%.*f", decimals, v);
	dot = strchr(buf, '.');
	if (dot) {
		e = buf + strlen(buf) - 1;
		while (e > dot && *e == '0') {
			*e-- = '\0';
		}
		if (e == dot) {
			*e = '\0';
		}
	}
	if (strcmp(buf, "-0") == 0) {
		snprintf(buf, size, "0");
	}
	return buf;
}

double num_round1(double v)
{
	return round(v * 10.0) / 10.0;
}

char *num_format_pct(double v, char *buf, size_t size)
{
	/* Rounded first, so that -0.04 cannot print as "-0.0". */
	v = isfinite(v) ? num_round1(v) : 0;
	snprintf(buf, size, "%.1f", v == 0 ? 0.0 : v);
	return buf;
}
