#include "json.h"

#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when it is not one. Overlong
 * forms, surrogates and code points above U+10FFFF are invalid (RFC 3629 section 4). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;

	if (c < 0x80) {
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2;
		cp = c & 0x1fu;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		cp = c & 0x0fu;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		cp = c & 0x07u;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n) {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		return 0;
	}
	return len;
}

void json_strn(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	sb_puts(sb, "\"");
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		switch (c) {
		case '"':
			sb_puts(sb, "\\\"");
			i++;
			continue;
		case '\\':
			sb_puts(sb, "\\\\");
			i++;
			continue;
		case '\n':
			sb_puts(sb, "\\n");
			i++;
			continue;
		case '\r':
			sb_puts(sb, "\\r");
			i++;
			continue;
		case '\t':
			sb_puts(sb, "\\t");
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_len(p + i, len - i);
		if (n == 0) {
			sb_puts(sb, "\\ufffd");
			i++;
			continue;
		}
		sb_append(sb, s + i, n);
		i += n;
	}
	sb_puts(sb, "\"");
}

void json_str(struct strbuf *sb, const char *s)
{
	size_t len = 0;

	if (!s) {
		sb_puts(sb, "null");
		return;
	}
	while (s[len]) {
		len++;
	}
	json_strn(sb, s, len);
}
