#include "eph.h"

#include <stdarg.h>
#include <stdio.h>

void eph_err_set(struct eph_err *err, const char *fmt, ...)
{
	char tmp[sizeof(err->msg)];
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
		char esc = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0;

		if (esc) {
			if (j + 2 >= sizeof(err->msg)) {
				break;
			}
			err->msg[j++] = '\\';
			err->msg[j++] = esc;
		} else {
			err->msg[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		}
	}
	err->msg[j] = '\0';
}
