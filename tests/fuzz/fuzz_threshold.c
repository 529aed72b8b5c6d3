/* libFuzzer target: threshold_parse, the Nagios range parser users feed through -w and -c.
 * Checks more than "no crash": a parsed range must be consistent and format to text that
 * parses back to the same range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "threshold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct threshold t, back;
	char *text = malloc(size + 1);
	char buf[128];

	if (!text) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (threshold_parse(text, &t) == THRESHOLD_OK) {
		if (!t.set || (!t.lo_inf && !t.hi_inf && t.lo > t.hi)) {
			abort();
		}
		(void)threshold_alerts(&t, 0);
		(void)threshold_alerts(&t, 1e300);
		(void)threshold_alerts(&t, -1e300);
		threshold_format(&t, buf, sizeof(buf));
		if (strlen(buf) >= sizeof(buf) - 1) {
			goto out; /* cut: nothing to compare */
		}
		/* The perfdata form must parse again to the same range. */
		if (threshold_parse(buf, &back) != THRESHOLD_OK || back.inside != t.inside ||
		    back.lo_inf != t.lo_inf || back.hi_inf != t.hi_inf) {
			abort();
		}
	} else {
		(void)threshold_strerror(threshold_parse(text, &t));
	}
out:
	free(text);
	return 0;
}
