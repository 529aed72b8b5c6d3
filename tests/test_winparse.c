/* netsh output parsers: English and German samples (tests/data/netsh/, CRLF, CP850 as netsh
 * writes them), wine's silent stub, and malformed output; and the TcpTimedWaitDelay rule.
 * Runs from the top of the tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "winparse.h"

static char file_buf[65536];

/* Reads tests/data/netsh/<name> into file_buf; returns its length, or -1 (reported). */
static long slurp(const char *name)
{
	char path[256];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "tests/data/netsh/%s", name);
	f = fopen(path, "rb");
	if (!f) {
		ok(0, "open %s (run from the top of the tree)", path);
		return -1;
	}
	n = fread(file_buf, 1, sizeof(file_buf), f);
	fclose(f);
	return (long)n;
}

static void dynamicport_file(const char *name, unsigned want_lo, unsigned want_hi)
{
	struct eph_err err = { "" };
	uint16_t lo = 0, hi = 0;
	long n = slurp(name);

	if (n < 0) {
		return;
	}
	is_int(winparse_dynamicport(file_buf, (size_t)n, &lo, &hi, &err), 0, "%s parses", name);
	is_int(lo, want_lo, "%s: start port", name);
	is_int(hi, want_hi, "%s: end port", name);
}

static void excluded_file(const char *name, uint16_t lo, uint16_t hi, size_t want_ranges,
			  size_t want_reserved)
{
	static struct portpool pool;
	struct eph_err err = { "" };
	size_t ranges = 99;
	long n = slurp(name);

	if (n < 0) {
		return;
	}
	pool_set_range(&pool, lo, hi);
	is_int(winparse_excluded(file_buf, (size_t)n, &pool, &ranges, &err), 0, "%s parses", name);
	is_int(ranges, want_ranges, "%s: ranges listed", name);
	is_int(pool_reserved_in_range(&pool), want_reserved, "%s: excluded ports inside %u-%u",
	       name, lo, hi);
}

static int dyn(const char *text, uint16_t *lo, uint16_t *hi)
{
	struct eph_err err = { "" };
	int rc = winparse_dynamicport(text, strlen(text), lo, hi, &err);

	if (rc < 0) {
		printf("# err: %s\n", err.msg);
	}
	return rc;
}

static int exc(const char *text, struct portpool *pool, size_t *ranges)
{
	struct eph_err err = { "" };
	int rc = winparse_excluded(text, strlen(text), pool, ranges, &err);

	if (rc < 0) {
		printf("# err: %s\n", err.msg);
	}
	return rc;
}

int main(void)
{
	static struct portpool pool;
	struct eph_err err = { "" };
	uint16_t lo = 0, hi = 0;
	size_t ranges = 0;

	dynamicport_file("en/dynamicport_ipv4_tcp.txt", 50000, 51999);
	dynamicport_file("en/dynamicport_ipv4_udp.txt", 52000, 52999);
	dynamicport_file("de/dynamicport_ipv4_tcp.txt", 40000, 44095);
	dynamicport_file("de/dynamicport_ipv6_udp.txt", 45000, 45499);
	excluded_file("en/excludedportrange_ipv4_tcp.txt", 50000, 51999, 3, 110);
	excluded_file("en/excludedportrange_ipv4_udp.txt", 52000, 52999, 1, 100);
	excluded_file("de/excludedportrange_ipv4_tcp.txt", 40000, 44095, 1, 100);
	excluded_file("de/excludedportrange_ipv4_udp.txt", 45000, 45499, 0, 0);

	/* The Windows default, LF only, and a label in a language nobody here reads. */
	ok(dyn("Start Port : 49152\nNumber of Ports : 16384\n", &lo, &hi) == 0 && lo == 49152 &&
		   hi == 65535,
	   "the default range 49152 + 16384 ends at 65535");
	ok(dyn("Port de d\xe9""but : 1025\r\nNombre de ports : 3976\r\n", &lo, &hi) == 0 &&
		   lo == 1025 && hi == 5000,
	   "labels are not read: French with Latin-1 works");
	ok(dyn("Start Port:49152\nNumber of Ports:16384", &lo, &hi) == 0 && hi == 65535,
	   "no blanks around ':' and no final newline");

	/* wine's netsh is a silent stub: no output must fail, never read as 0 ports. */
	is_int(winparse_dynamicport("", 0, &lo, &hi, &err), -1, "empty output fails");
	ok(strstr(err.msg, "no output") != NULL, "and says so: %s", err.msg);
	is_int(dyn("\r\n\r\n", &lo, &hi), -1, "blank lines only fail");
	is_int(dyn("The following command was not found: int ipv4 show dynamicport tcp.\r\n", &lo,
		   &hi),
	       -1, "netsh's error text fails");
	is_int(dyn("Start Port : 49152\r\n", &lo, &hi), -1, "one number is not a range");
	is_int(dyn("Start Port : 49152\nNumber of Ports : 16385\n", &lo, &hi), -1,
	       "a range past 65535 fails");
	is_int(dyn("Start Port : 0\nNumber of Ports : 100\n", &lo, &hi), -1, "start 0 fails");
	is_int(dyn("Start Port : 49152\nNumber of Ports : 0\n", &lo, &hi), -1, "0 ports fail");
	is_int(dyn("Start Port : 70000\nNumber of Ports : 10\n", &lo, &hi), -1,
	       "a port above 65535 fails");
	is_int(dyn("Start Port : 49152 ports\nNumber of Ports : 10\n", &lo, &hi), -1,
	       "text after the number fails");
	lo = 7;
	is_int(winparse_dynamicport("Start Port : 49152\nNumber of Ports : 16384\n", 20, &lo, &hi,
				    &err),
	       -1, "the length is honoured, not the NUL");
	is_int(lo, 7, "a failed parse leaves the outputs alone");

	/* TcpTimedWaitDelay: 30..300 is used, anything else gives the assumed 240 s. */
	{
		static const struct {
			bool found;
			uint32_t value;
			enum winparse_tw how;
			unsigned seconds;
			const char *text;
		} tw[] = {
			{ false, 0, WINPARSE_TW_UNSET, 240,
			  "TcpTimedWaitDelay default (not configured; 240 s assumed)" },
			{ true, 60, WINPARSE_TW_CONFIGURED, 60, "TcpTimedWaitDelay 60 s (KEY)" },
			{ true, 30, WINPARSE_TW_CONFIGURED, 30, "TcpTimedWaitDelay 30 s (KEY)" },
			{ true, 300, WINPARSE_TW_CONFIGURED, 300, "TcpTimedWaitDelay 300 s (KEY)" },
			{ true, 29, WINPARSE_TW_IGNORED, 240,
			  "TcpTimedWaitDelay 29 is outside 30-300, ignored (KEY); 240 s assumed" },
			{ true, 301, WINPARSE_TW_IGNORED, 240,
			  "TcpTimedWaitDelay 301 is outside 30-300, ignored (KEY); 240 s assumed" },
			{ true, 1, WINPARSE_TW_IGNORED, 240,
			  "TcpTimedWaitDelay 1 is outside 30-300, ignored (KEY); 240 s assumed" },
			{ true, 0, WINPARSE_TW_IGNORED, 240,
			  "TcpTimedWaitDelay 0 is outside 30-300, ignored (KEY); 240 s assumed" },
			{ true, 0xFFFFFFFFu, WINPARSE_TW_IGNORED, 240,
			  "TcpTimedWaitDelay 4294967295 is outside 30-300, ignored (KEY); 240 s "
			  "assumed" },
		};
		char text[160];
		unsigned seconds;

		for (size_t i = 0; i < sizeof(tw) / sizeof(tw[0]); i++) {
			enum winparse_tw how;

			seconds = 7;
			how = winparse_tw_delay(tw[i].found, tw[i].value, "KEY", &seconds, text,
						sizeof(text));
			ok(how == tw[i].how && seconds == tw[i].seconds &&
				   strcmp(text, tw[i].text) == 0,
			   "TcpTimedWaitDelay %s %lu: %u s, '%s'", tw[i].found ? "set to" : "absent,",
			   (unsigned long)tw[i].value, seconds, text);
		}
		/* A short buffer is cut, never overrun. */
		winparse_tw_delay(true, 60, "KEY", &seconds, text, 10);
		is_str(text, "TcpTimedW", "a short text buffer is cut and terminated");
	}

	/* Excluded ranges. */
	pool_set_range(&pool, 49152, 65535);
	is_int(winparse_excluded("", 0, &pool, &ranges, &err), -1, "empty excluded output fails");
	is_int(exc("Protocol tcp Port Exclusion Ranges\r\n", &pool, &ranges), -1,
	       "a header without a table fails");
	is_int(exc("Start Port    End Port\n----------    --------\n\n* - Administered port "
		   "exclusions.\n",
		   &pool, &ranges),
	       0, "a table without rows is fine");
	is_int(ranges, 0, "and lists no range");
	is_int(exc("----------    --------\n     50000       50059     *\n     50060 50000\n", &pool,
		   &ranges),
	       -1, "an inverted row fails");
	is_int(pool_reserved_in_range(&pool), 0, "and leaves the pool unchanged");
	is_int(exc("----------    --------\n     50000\n", &pool, &ranges), -1,
	       "a row with one number fails");
	is_int(exc("----------    --------\n     50000 50059 x\n", &pool, &ranges), -1,
	       "a row with trailing text fails");
	is_int(exc("----------    --------\n 1 1\n 65535 65535 *\n 60000 60099\n", &pool, &ranges),
	       0, "rows at both ends of the port space");
	is_int(ranges, 3, "three ranges");
	is_int(pool_reserved_in_range(&pool), 101, "101 of them inside 49152-65535");
	return done_testing();
}
