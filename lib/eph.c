#include "eph.h"

#include <stdarg.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, nothing above
 * U+10FFFF), 0 when the bytes there are not one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
	} else {
		return 0;
	}
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
	    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F)) {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			return 0; /* also stops at the terminating NUL */
		}
	}
	return n;
}

void eph_err_set(struct eph_err *err, const char *fmt, ...)
{
	va_list ap;
	unsigned char *s;

	if (!err) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* Messages quote what the user typed or a file held. A newline there would split the one
	 * status line, and a stray byte (or a multi-byte character cut by %.60s) makes the line
	 * invalid UTF-8 for every consumer: show such bytes as '?'. */
	for (s = (unsigned char *)err->msg; *s;) {
		size_t n = *s < 0x80 ? 1 : utf8_len(s);

		if (n == 0 || *s < 0x20 || *s == 0x7F) {
			*s = '?';
			n = 1;
		}
		s += n;
	}
}
