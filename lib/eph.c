#include "eph.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

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

void eph_printable(char *s)
{
	size_t len = strlen(s), j = 0;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = utf8_len(s + i, len - i);

		if (n == 0 || c < 0x20 || c == 0x7f) {
			s[j++] = '?';
			i++;
		} else if (utf8_is_bidi(utf8_code(s + i, n))) {
			s[j++] = '?'; /* one '?' for the whole character */
			i += n;
		} else {
			memmove(s + j, s + i, n);
			j += n;
			i += n;
		}
	}
	s[j] = '\0';
}
