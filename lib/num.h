/* Numbers as text: the one strict decimal parser every reader of numbers uses (argv, /proc,
 * netsh output, /proc/<pid>/fd links), and the one formatter of perfdata and text numbers. */
#ifndef NUM_H
#define NUM_H

#include <stddef.h>
#include <stdint.h>

/* Reads the decimal digits at the start of s (at most len bytes; a NUL or any other byte ends
 * them, so SIZE_MAX will do for a NUL-terminated s) into *out. Returns how many digits it read, or 0, with *out unchanged, when there is
 * no digit or the value is above max. No sign, no blanks, no base prefix: "+1", " 1" and "0x1"
 * read no digit; leading zeros are digits. */
size_t num_scan(const char *s, size_t len, uint64_t max, uint64_t *out);

/* The whole of s, digits only, as a value of at most max. Returns -1 (*out unchanged) when s
 * is empty, holds anything else or is above max. */
int num_parse(const char *s, uint64_t max, uint64_t *out);

/* Formats a value for perfdata and text: fixed point, no exponent, trailing zeros dropped,
 * at most `decimals` decimals; not a number and infinities are 0. Returns buf. */
char *num_format(double v, int decimals, char *buf, size_t size);

/* Formats a percentage as it is shown and judged: one decimal, always ("0.0", "61.2"). */
char *num_format_pct(double v, char *buf, size_t size);

/* Rounds to one decimal, as every percentage is shown and judged. */
double num_round1(double v);

#endif
