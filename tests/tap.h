/* A tiny TAP producer for the unit tests. Header-only, C11, builds with gcc, clang and mingw
 * (Debian has no mingw build of any test framework). Each test program prints "ok N - name" /
 * "not ok N - name" lines and a final plan "1..N"; tests/run.sh (or prove) counts them, and
 * done_testing() makes the exit code non-zero when any check failed. */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* As in lib/eph.h: the Windows build sets gnu_printf (mingw's C99 printf). */
#ifndef EPH_PRINTF_ARCHETYPE
#define EPH_PRINTF_ARCHETYPE printf
#endif

static int tap_n, tap_failed;

__attribute__((format(EPH_PRINTF_ARCHETYPE, 2, 3))) static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
	}
	fflush(stdout);
	return cond;
}

/* Compares integers and shows both on failure. */
#define is_int(got, want, ...)                                                                  \
	do {                                                                                   \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);               \
		if (!ok(tap_g_ == tap_w_, __VA_ARGS__)) {                                     \
			printf("#   got %lld, want %lld (%s:%d)\n", tap_g_, tap_w_, __FILE__,      \
			       __LINE__);                                                      \
		}                                                                              \
	} while (0)

/* Compares strings and shows both on failure. */
#define is_str(got, want, ...)                                                                  \
	do {                                                                                   \
		const char *tap_g_ = (got), *tap_w_ = (want);                                  \
		if (!ok(tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0, __VA_ARGS__)) {        \
			printf("#   got  '%s'\n#   want '%s' (%s:%d)\n", tap_g_ ? tap_g_ : "(null)", \
			       tap_w_ ? tap_w_ : "(null)", __FILE__, __LINE__);                 \
		}                                                                              \
	} while (0)

static int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
