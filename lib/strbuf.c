#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for extra more bytes plus the NUL. Returns false (and sets overflow) on failure. */
static bool sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SB_MAX || sb->len + extra + 1 > SB_MAX) {
		sb->overflow = true;
		return false;
	}
	need = sb->len + extra + 1;
	if (need <= sb->cap) {
		return true;
	}
	cap = sb->cap ? sb->cap : 256;
	while (cap < need) {
		cap *= 2;
	}
	if (cap > SB_MAX) {
		cap = SB_MAX;
	}
	p = realloc(sb->buf, cap);
	if (!p) {
		sb->overflow = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void sb_append(struct strbuf *sb, const char *s, size_t len)
{
	if (!sb_grow(sb, len)) {
		return;
	}
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_grow(sb, (size_t)n)) {
		sb->overflow = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

int sb_read_all(struct strbuf *sb, size_t max, sb_read_fn rd, void *ctx)
{
	char chunk[4096];
	size_t total = 0;
	long n;

	while ((n = rd(ctx, chunk, sizeof(chunk))) > 0) {
		total += (size_t)n;
		if (total > max) {
			return 2;
		}
		sb_append(sb, chunk, (size_t)n);
	}
	return n < 0 ? -1 : 0;
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->overflow = false;
	if (sb->buf) {
		sb->buf[0] = '\0';
	}
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->overflow = false;
}
