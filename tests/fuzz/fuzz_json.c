/* libFuzzer target: json_strn, which writes every string of the JSON output: host names,
 * process names from /proc/<pid>/comm, error messages quoting arguments and files. Whatever
 * the bytes, the result must be one valid JSON string (RFC 8259) of valid UTF-8, checked here
 * by a decoder written independently of the encoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Bytes of the UTF-8 character at p (n bytes left), 0 when invalid: decoded and range-checked. */
static size_t utf8_char(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len;

	if (p[0] < 0x80) {
		return 1;
	}
	len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 0;
	if (len == 0 || len > n || p[0] >= 0xF8) {
		return 0;
	}
	cp = p[0] & (0x7Fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] >> 6) != 2) {
			return 0;
		}
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		return 0;
	}
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb = { 0 };
	const unsigned char *s;
	size_t len, i;
	int plain = 1;

	json_strn(&sb, (const char *)data, size);
	if (sb.overflow) {
		goto out; /* over SB_MAX: the caller sees overflow and prints nothing */
	}
	s = (const unsigned char *)sb_str(&sb);
	len = sb.len;
	if (len < 2 || s[0] != '"' || s[len - 1] != '"') {
		abort();
	}
	for (i = 1; i < len - 1;) {
		if (s[i] == '\\') {
			if (i + 1 >= len - 1) {
				abort();
			}
			if (s[i + 1] == 'u') {
				if (i + 5 >= len - 1 || !hex(s[i + 2]) || !hex(s[i + 3]) || !hex(s[i + 4]) ||
				    !hex(s[i + 5])) {
					abort();
				}
				i += 6;
			} else if (strchr("\"\\/bfnrt", s[i + 1]) && s[i + 1] != '\0') {
				i += 2;
			} else {
				abort();
			}
			continue;
		}
		if (s[i] < 0x20 || s[i] == '"') {
			abort(); /* a raw control character or an unescaped quote */
		}
		{
			size_t n = utf8_char(s + i, len - 1 - i);

			if (n == 0) {
				abort();
			}
			i += n;
		}
	}
	/* Printable ASCII without quote or backslash passes unchanged. */
	for (i = 0; i < size; i++) {
		if (data[i] < 0x20 || data[i] >= 0x7F || data[i] == '"' || data[i] == '\\') {
			plain = 0;
			break;
		}
	}
	if (plain && (len != size + 2 || memcmp(s + 1, data, size) != 0)) {
		abort();
	}
out:
	sb_free(&sb);
	return 0;
}
