#include "json.h"

#include "utf8.h"

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
		n = utf8_len(s + i, len - i);
		if (n == 0) {
			sb_puts(sb, "\\ufffd");
			i++;
			continue;
		}
		/* Valid, but able to make the line read backwards: escaped like a control. */
		if (utf8_is_bidi(utf8_code(s + i, n))) {
			sb_printf(sb, "\\u%04lx", utf8_code(s + i, n));
			i += n;
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
