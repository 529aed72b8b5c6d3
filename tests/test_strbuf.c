/* Unit tests of lib/strbuf.c's sb_read_all: the one loop both backends read the forecast's state
 * file with (sys_read_file). Portable: also built with mingw and run under wine. */
#include <string.h>

#include "strbuf.h"
#include "tap.h"

/* A reader over a fixed text, step bytes at a time; fail_at >= 0: -1 once that many were given. */
struct src {
	const char *text;
	size_t pos, step;
	long fail_at;
	int calls;
};

static long src_read(void *ctx, char *buf, size_t size)
{
	struct src *s = ctx;
	size_t left = strlen(s->text) - s->pos, n = s->step < size ? s->step : size;

	s->calls++;
	if (s->fail_at >= 0 && s->pos >= (size_t)s->fail_at) {
		return -1;
	}
	if (n > left) {
		n = left;
	}
	memcpy(buf, s->text + s->pos, n);
	s->pos += n;
	return (long)n;
}

int main(void)
{
	struct strbuf sb = { 0 };
	struct src s = { "line 1\nline 2\n", 0, 5, -1, 0 };

	is_int(sb_read_all(&sb, 100, src_read, &s), 0, "a short file: read to the end");
	is_str(sb_str(&sb), "line 1\nline 2\n", "every piece appended, in order");
	is_int(s.calls, 4, "read until the reader says end (3 pieces and the end)");

	sb_reset(&sb);
	s = (struct src){ "line 1\nline 2\n", 0, 5, -1, 0 };
	is_int(sb_read_all(&sb, 14, src_read, &s), 0, "exactly max bytes: complete");
	is_int((long long)sb.len, 14, "all 14 bytes kept");

	sb_reset(&sb);
	s = (struct src){ "line 1\nline 2\n", 0, 5, -1, 0 };
	is_int(sb_read_all(&sb, 13, src_read, &s), 2, "one byte more than max: 2");
	is_int((long long)sb.len, 10, "sb holds the pieces read before max was passed");

	sb_reset(&sb);
	s = (struct src){ "line 1\nline 2\n", 0, 5, 5, 0 };
	is_int(sb_read_all(&sb, 100, src_read, &s), -1, "a reader that fails: -1");
	is_str(sb_str(&sb), "line ", "what came before the failure is kept");

	sb_reset(&sb);
	s = (struct src){ "", 0, 5, -1, 0 };
	is_int(sb_read_all(&sb, 100, src_read, &s), 0, "an empty file: 0");
	is_int((long long)sb.len, 0, "nothing appended");
	sb_free(&sb);
	return done_testing();
}
