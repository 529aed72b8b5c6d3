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
	/* Sized from the type, not from err->msg: cppcheck reads that as a NULL dereference. */
	char tmp[sizeof(((struct eph_err *)NULL)->msg)];
	size_t j = 0;
	va_list ap;

	if (!err) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* The message must stay one line: it often quotes what it could not read (a /proc file
	 * ends in "\n", an argument may hold anything), and a newline would cut the status line
	 * in two. Control characters are written as \n, \r, \t or "?". */
	for (size_t i = 0; tmp[i] != '\0' && j + 1 < sizeof(err->msg); i++) {
		unsigned char c = (unsigned char)tmp[i];
		char esc = (char)(c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0);

		if (esc) {
			if (j + 2 >= sizeof(err->msg)) {
				break;
			}
			err->msg[j++] = '\\';
			err->msg[j++] = esc;
		} else {
			err->msg[j++] = (char)((c < 0x20 || c == 0x7f) ? '?' : c);
		}
	}
	err->msg[j] = '\0';
	/* A stray byte of an argument, or a character cut by %.60s or by the size, would make the
	 * line invalid UTF-8 for every consumer (JSON above all): show such bytes as '?' too
	 * (found by fuzzing the argv parser). */
	eph_printable(err->msg);
}

void eph_printable(char *str)
{
	for (unsigned char *s = (unsigned char *)str; *s;) {
		size_t n = *s < 0x80 ? 1 : utf8_len(s);

		if (n == 0 || *s < 0x20 || *s == 0x7f) {
			*s = '?';
			n = 1;
		}
		s += n;
	}
}
