/* Writing JSON text: string escaping per RFC 8259, so any byte sequence a host name, a path or
 * an error message holds still yields valid JSON. No parser: the plugin only writes JSON. */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include "strbuf.h"

/* Appends s as a JSON string, quotes included. '"', '\\' and the control characters U+0000 to
 * U+001F are escaped (\n, \t, ... or \u00XX), and so is DEL. Bytes that are not valid UTF-8
 * (a Latin-1 host name, a cut message) become U+FFFD, because a JSON text must be UTF-8.
 * s == NULL writes null. */
void json_str(struct strbuf *sb, const char *s);

/* The same for len bytes of s, which may contain NUL (escaped as \u0000). */
void json_strn(struct strbuf *sb, const char *s, size_t len);

#endif
