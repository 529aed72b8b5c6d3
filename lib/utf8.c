#include "utf8.h"

#include <stdint.h>

size_t utf8_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c;
	size_t len;
	uint32_t cp, min;

	if (n == 0) {
		return 0;
	}
	c = s[0];
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

unsigned long utf8_code(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned long cp;

	if (n == 0 || n > 4) {
		return 0;
	}
	cp = s[0] & lead_mask[n];
	for (size_t i = 1; i < n; i++) {
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	return cp;
}

int utf8_is_bidi(unsigned long cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}
