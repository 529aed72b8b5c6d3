/* The one UTF-8 check: what eph_err_set and eph_printable show and what json_str escapes. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes): 1 for an ASCII byte (control
 * characters too), 2 to 4 for a valid multi-byte sequence, 0 when the bytes there are not one.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid (RFC 3629 section 4). */
size_t utf8_len(const char *s, size_t n);

/* The code point of the n-byte valid sequence at s (n from utf8_len). */
unsigned long utf8_code(const char *s, size_t n);

/* True for the bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A to U+202E,
 * U+2066 to U+2069): valid, invisible, and able to make a line read backwards ("Trojan
 * Source", CVE-2021-42574), so a name from outside must not carry them raw. */
int utf8_is_bidi(unsigned long cp);

#endif
