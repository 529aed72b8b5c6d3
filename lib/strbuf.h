/* A growable string with a hard size cap, so output can be built whole and written once. */
#ifndef STRBUF_H
#define STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "eph.h"

#define SB_MAX (1024u * 1024u) /* no output of ours is near this; the cap bounds memory */

struct strbuf {
	char *buf;     /* always NUL-terminated once anything was added; NULL when empty */
	size_t len;    /* bytes, without the NUL */
	size_t cap;    /* bytes allocated */
	bool overflow; /* set when an append did not fit (memory or SB_MAX): text was cut */
};

/* Appends formatted text. On failure the buffer keeps what it had and overflow is set. */
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(EPH_PRINTF_ARCHETYPE, 2, 3)));
/* Appends len bytes of s. */
void sb_append(struct strbuf *sb, const char *s, size_t len);
/* Appends a NUL-terminated string. */
void sb_puts(struct strbuf *sb, const char *s);
/* The text so far, "" when empty; owned by sb. */
const char *sb_str(const struct strbuf *sb);
/* Reads a file's bytes with rd into sb, at most max of them. rd(ctx, buf, size) returns the
 * bytes it put into buf, 0 at the end, -1 when it failed (its error left where the OS keeps
 * it: errno, GetLastError). Returns 0 at the end (sb->overflow says whether it all fit in
 * memory); 2 when there was more than max (sb holds part); -1 when rd failed. */
typedef long (*sb_read_fn)(void *ctx, char *buf, size_t size);
int sb_read_all(struct strbuf *sb, size_t max, sb_read_fn rd, void *ctx);
/* Empties the buffer but keeps its memory. */
void sb_reset(struct strbuf *sb);
/* Releases the memory; sb may be reused afterwards. */
void sb_free(struct strbuf *sb);

#endif
