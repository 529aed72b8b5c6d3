/* The one UTF-8 check: what eph_err_set and eph_printable show and what json_str escapes. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes): 1 for an ASCII byte (control
 * characters too), 2 to 4 for a valid multi-byte sequence, 0 when the bytes there are not one.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid (RFC 3629 section 4). */
size_t utf8_len(const char *s, size_t n);

#endif
