/* Unit tests of lib/portpool.c: ip_local_port_range and --range text, ip_local_reserved_ports
 * lists, the effective pool and how reserved ports are listed. Portable: also built with mingw
 * and run under wine. */
#include <string.h>

#include "portpool.h"
#include "tap.h"

/* The text with control characters shown as \n, \t, \r, for test names (TAP is one line per
 * result). Two rotating buffers, so that a name may quote two texts. */
static const char *esc(const char *s)
{
	static char bufs[2][160];
	static int k;
	char *b = bufs[k++ & 1];
	size_t j = 0;

	for (; s && *s && j + 3 < sizeof(bufs[0]); s++) {
		char e = *s == '\n' ? 'n' : *s == '\t' ? 't' : *s == '\r' ? 'r' : 0;

		if (e) {
			b[j++] = '\\';
			b[j++] = e;
		} else {
			b[j++] = *s;
		}
	}
	b[j] = '\0';
	return b;
}

static struct portpool pool, copy; /* 8 KiB each: static, not on the stack */

static void range_ok(const char *text, unsigned lo, unsigned hi)
{
	struct eph_err err = { "" };
	uint16_t a = 1, b = 1;

	is_int(pool_parse_range(text, "test", &a, &b, &err), 0, "range '%s' is accepted", esc(text));
	ok(a == lo && b == hi, "range '%s' is %u-%u (got %u-%u)", esc(text), lo, hi, a, b);
}

static void range_bad(const char *text, const char *reason)
{
	struct eph_err err = { "" };
	uint16_t a = 7, b = 9;

	is_int(pool_parse_range(text, "--range", &a, &b, &err), -1, "range '%s' is refused (%s)",
	       esc(text), reason);
	ok(a == 7 && b == 9, "range '%s' leaves lo and hi alone", esc(text));
	ok(strstr(err.msg, "--range") != NULL && strchr(err.msg, '\n') == NULL,
	   "range '%s': one line naming the setting: %s", esc(text), err.msg);
}

/* A pool 40000-40099 with text as its reserved list. */
static int reserved(const char *text, struct eph_err *err)
{
	pool_set_range(&pool, 40000, 40099);
	return pool_parse_reserved(&pool, text, "ip_local_reserved_ports", err);
}

static void reserved_ok(const char *text, size_t want_size)
{
	struct eph_err err = { "" };

	is_int(reserved(text, &err), 0, "reserved list '%s' is accepted", esc(text));
	is_int(pool_size(&pool), want_size, "reserved list '%s' leaves %u ports of 40000-40099",
	       esc(text), (unsigned)want_size);
}

/* A bad list is refused as a whole: the pool keeps the ports it had reserved before. */
static void reserved_bad(const char *text)
{
	struct eph_err err = { "" };

	pool_set_range(&pool, 40000, 40099);
	pool_reserve(&pool, 40050, 40059);
	memcpy(&copy, &pool, sizeof(pool));
	is_int(pool_parse_reserved(&pool, text, "ip_local_reserved_ports", &err), -1,
	       "reserved list '%s' is refused", esc(text));
	ok(memcmp(&copy, &pool, sizeof(pool)) == 0, "reserved list '%s' leaves the pool unchanged",
	   esc(text));
	ok(strstr(err.msg, "ip_local_reserved_ports") != NULL && strchr(err.msg, '\n') == NULL,
	   "reserved list '%s': one line naming the file: %s", esc(text), err.msg);
}

static void formats(const char *want, size_t max_len)
{
	struct strbuf sb = { 0 };

	pool_format_reserved(&pool, &sb, max_len);
	is_str(sb_str(&sb), want, "reserved ports are listed as '%s'", want);
	sb_free(&sb);
}

int main(void)
{
	struct eph_err err = { "" };

	/* ip_local_port_range as the kernel writes it, and --range as users type it. */
	range_ok("32768\t60999\n", 32768, 60999);
	range_ok("32768\t61000\n", 32768, 61000);
	range_ok("32768 60999", 32768, 60999);
	range_ok("  1024   65535  \n", 1024, 65535);
	range_ok("40000-40099", 40000, 40099);
	range_ok("1-65535", 1, 65535);
	range_ok("40000-40000", 40000, 40000);
	range_ok("\t49152-65535\r\n", 49152, 65535);
	range_bad("", "empty");
	range_bad("\n", "blank");
	range_bad("32768", "one number");
	range_bad("32768-", "no end");
	range_bad("-60999", "no start");
	range_bad("0-100", "port 0");
	range_bad("1-65536", "above 65535");
	range_bad("70000-80000", "above 65535");
	range_bad("99999999999999999999-1", "huge");
	range_bad("a-b", "letters");
	range_bad("1-2-3", "three numbers");
	range_bad("1 - 2", "blanks around the dash");
	range_bad("1,2", "a list");
	range_bad("0x10-0x20", "hex");
	range_bad("+1-2", "a sign");
	range_bad("32768\t60999\nx", "text after the newline");
	range_bad("40000:40099", "a colon");
	{
		uint16_t a = 7, b = 9;

		is_int(pool_parse_range("40099-40000", "--range", &a, &b, &err), -1,
		       "an inverted range is refused");
		ok(strstr(err.msg, "starts above its end") != NULL && a == 7 && b == 9,
		   "an inverted range says so and changes nothing: %s", err.msg);
	}

	/* An unset pool holds nothing. */
	memset(&pool, 0, sizeof(pool));
	ok(!pool_contains(&pool, 40000) && pool_size(&pool) == 0 && pool_range_size(&pool) == 0,
	   "an unset pool is empty");
	formats("none", 200);

	/* Linux's default pool. */
	pool_set_range(&pool, 32768, 60999);
	ok(pool_parse_reserved(&pool, "\n", "r", &err) == 0 && pool_size(&pool) == 28232 &&
		   pool_range_size(&pool) == 28232 && pool_reserved_in_range(&pool) == 0,
	   "32768-60999 without reserved ports holds 28232 ports");
	ok(pool_contains(&pool, 32768) && pool_contains(&pool, 60999) &&
		   !pool_contains(&pool, 32767) && !pool_contains(&pool, 61000) &&
		   !pool_contains(&pool, 0) && !pool_contains(&pool, 65535),
	   "contains: both ends in, their neighbours out");

	/* Reserved lists as ip_local_reserved_ports writes them. */
	reserved_ok("", 100);
	reserved_ok("\n", 100);
	reserved_ok("  \n", 100);
	reserved_ok("1,2-4,10-10", 100); /* all outside the range */
	ok(pool_reserved_in_range(&pool) == 0 && pool_range_size(&pool) == 100,
	   "reserved ports outside the range do not count");
	reserved_ok("1,2-4,10-10\n", 100);
	reserved_ok("40090-40099", 90);
	is_int(pool_reserved_in_range(&pool), 10, "40090-40099: 10 reserved in range");
	ok(pool_contains(&pool, 40000) && pool_contains(&pool, 40089) &&
		   !pool_contains(&pool, 40090) && !pool_contains(&pool, 40095) &&
		   !pool_contains(&pool, 40099) && !pool_contains(&pool, 39999) &&
		   !pool_contains(&pool, 40100),
	   "40090-40099 reserved: 40089 in, 40090..40099 out");
	formats("40090-40099", 200);
	reserved_ok("39990-40005,40050,40099-40110\n", 92);
	formats("40000-40005,40050,40099", 200);
	reserved_ok("40000", 99);
	formats("40000", 200);
	reserved_ok("40001,40002,40003", 97);
	formats("40001-40003", 200);
	reserved_ok("0-65535", 0);
	formats("40000-40099", 200);
	reserved_ok("40010-40020,40015-40025", 84); /* overlapping ranges count once */
	reserved_ok("1,2,3,4,5,6,7,8,9,10,40000,40001", 98);
	reserved_ok("5", 100);
	formats("none", 200);

	/* Bad lists: refused whole, nothing marked. */
	reserved_bad("abc");
	reserved_bad("1,");
	reserved_bad(",1");
	reserved_bad("1,,2");
	reserved_bad("1-");
	reserved_bad("-1");
	reserved_bad("4-2");
	reserved_bad("70000");
	reserved_bad("1-70000");
	reserved_bad("1 2");
	reserved_bad("1, 2");
	reserved_bad("40000-40010,x");
	reserved_bad("40000-40010;40020");
	reserved_bad("40000-40010-40020");
	reserved_bad("40000,40001\n40002");

	/* pool_set_range starts over; pool_reserve marks by hand (the Windows exclusions). */
	pool_set_range(&pool, 40000, 40099);
	pool_reserve(&pool, 40000, 40009);
	is_int(pool_size(&pool), 90, "pool_reserve 40000-40009 leaves 90");
	pool_set_range(&pool, 40000, 40099);
	is_int(pool_size(&pool), 100, "pool_set_range clears what was reserved");
	pool_set_range(&pool, 65535, 65535);
	pool_reserve(&pool, 65535, 65535);
	ok(pool_size(&pool) == 0 && pool_range_size(&pool) == 1 && !pool_contains(&pool, 65535),
	   "port 65535 can be reserved without overflow");
	pool_set_range(&pool, 1, 65535);
	is_int(pool_size(&pool), 65535, "the widest range holds 65535 ports");

	/* A long list is cut: "..." after about max_len bytes, never a huge long-output line. */
	pool_set_range(&pool, 40000, 40099);
	for (uint16_t p = 40000; p < 40100; p += 2) {
		pool_reserve(&pool, p, p);
	}
	{
		struct strbuf sb = { 0 };
		const char *s;

		pool_format_reserved(&pool, &sb, 30);
		s = sb_str(&sb);
		ok(strncmp(s, "40000,40002,40004,40006,40008,", 30) == 0, "the list starts in order: %s",
		   s);
		ok(sb.len > 4 && strcmp(s + sb.len - 4, ",...") == 0, "a cut list ends in ',...'");
		ok(sb.len <= 30 + 6 + 4, "a cut list stays near max_len (%u bytes)", (unsigned)sb.len);
		sb_free(&sb);
		pool_format_reserved(&pool, &sb, 1000);
		ok(strstr(sb_str(&sb), "...") == NULL && strncmp(sb_str(&sb), "40000,40002", 11) == 0 &&
			   strcmp(sb_str(&sb) + sb.len - 6, ",40098") == 0,
		   "with room the whole list is written");
		sb_free(&sb);
	}
	{
		struct portpool q;
		uint32_t from = 0;
		uint16_t lo = 0, hi = 0;

		pool_set_range(&q, 100, 200);
		pool_reserve(&q, 90, 100);
		pool_reserve(&q, 150, 152);
		pool_reserve(&q, 200, 210);
		ok(pool_next_reserved(&q, &from, &lo, &hi) && lo == 100 && hi == 100,
		   "a run cut at the range's start: 100-100");
		ok(pool_next_reserved(&q, &from, &lo, &hi) && lo == 150 && hi == 152, "then 150-152");
		ok(pool_next_reserved(&q, &from, &lo, &hi) && lo == 200 && hi == 200,
		   "a run cut at the range's end: 200-200");
		ok(!pool_next_reserved(&q, &from, &lo, &hi) && !pool_next_reserved(&q, &from, &lo, &hi),
		   "then none, and none again");
		pool_set_range(&q, 65530, 65535);
		pool_reserve(&q, 65535, 65535);
		from = 0;
		ok(pool_next_reserved(&q, &from, &lo, &hi) && lo == 65535 && hi == 65535 &&
			   !pool_next_reserved(&q, &from, &lo, &hi),
		   "port 65535 ends the walk");
	}
	return done_testing();
}
