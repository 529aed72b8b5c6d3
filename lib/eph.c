#include "eph.h"

#include <stdarg.h>
#include <stdio.h>

void eph_err_set(struct eph_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}
