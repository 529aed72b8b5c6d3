/* Common definitions of the check_ephemeral library: the error record every function fills,
 * and the version, set here and nowhere else. */
#ifndef EPH_H
#define EPH_H

#include <stddef.h>

/* The format archetype for printf-like functions. mingw's GCC reads "printf" as Microsoft's
 * printf, which lacks %zu; the Windows build (mk/windows.mk) links mingw's C99 printf and passes
 * -DEPH_PRINTF_ARCHETYPE=gnu_printf so the checks match it. */
#ifndef EPH_PRINTF_ARCHETYPE
#define EPH_PRINTF_ARCHETYPE printf
#endif

#define EPH_VERSION "0.1.0"
#define EPH_NAME "check_ephemeral"

/* Filled by a library function that returns -1: one line, no trailing newline, that tells the
 * user what went wrong and, where it can, what to do about it. */
struct eph_err {
	char msg[256];
};

/* Formats msg into err (truncating to its size). Newline, CR and tab are written as \n, \r and
 * \t; other control characters and bytes that are not valid UTF-8 become '?', so the message
 * stays one printable line. err may be NULL. */
void eph_err_set(struct eph_err *err, const char *fmt, ...)
	__attribute__((format(EPH_PRINTF_ARCHETYPE, 2, 3)));

/* Makes s, in place, one line of valid UTF-8: control characters, bidirectional formatting
 * characters (utf8_is_bidi) and bytes that are not valid UTF-8 become '?' (s may get shorter).
 * For text from outside (process and user names) before it is shown. */
void eph_printable(char *s);

#endif
