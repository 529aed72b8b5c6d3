/* Unit tests of lib/num.c: the one strict decimal parser (digits only, bounds, no overflow at
 * 64 bits, where it stops) and the number formatter. Portable: also built with mingw and run
 * under wine. */
#include <stdint.h>
#include <string.h>

#include "num.h"
#include "tap.h"

static void test_scan(void)
{
	uint64_t v = 7;

	is_int(num_scan("123abc", SIZE_MAX, 1000, &v), 3, "digits up to the first other byte");
	is_int(v, 123, "their value");
	is_int(num_scan("1234", 2, 1000, &v), 2, "at most len bytes");
	is_int(v, 12, "their value");
	v = 7;
	ok(num_scan("", 5, 10, &v) == 0 && v == 7, "no digit: 0, value unchanged");
	ok(num_scan("+1", 5, 10, &v) == 0 && num_scan(" 1", 5, 10, &v) == 0 && v == 7,
	   "no sign, no blank");
	ok(num_scan("65536", SIZE_MAX, 65535, &v) == 0 && v == 7, "above max: 0");
	ok(num_scan("65535", SIZE_MAX, 65535, &v) == 5 && v == 65535, "max itself");
	ok(num_scan("5", SIZE_MAX, 0, &v) == 0 && num_scan("0", SIZE_MAX, 0, &v) == 1 && v == 0,
	   "max 0 takes only 0");
	ok(num_scan("18446744073709551615", SIZE_MAX, UINT64_MAX, &v) == 20 && v == UINT64_MAX,
	   "UINT64_MAX");
	v = 7;
	ok(num_scan("18446744073709551616", SIZE_MAX, UINT64_MAX, &v) == 0 && v == 7,
	   "one above UINT64_MAX does not wrap");
	ok(num_scan("0000000000000000000000042", SIZE_MAX, 100, &v) == 25 && v == 42,
	   "leading zeros are digits");
}

static void test_parse(void)
{
	uint64_t v = 7;

	ok(num_parse("2147483647", 2147483647, &v) == 0 && v == 2147483647, "the whole string");
	ok(num_parse("2147483648", 2147483647, &v) < 0 && v == 2147483647, "above max refused");
	ok(num_parse("", 10, &v) < 0, "empty refused");
	ok(num_parse("10s", 100, &v) < 0 && num_parse("1 ", 100, &v) < 0 &&
		   num_parse("-1", 100, &v) < 0 && num_parse("1e3", 10000, &v) < 0,
	   "anything but digits refused");
	ok(num_parse("0", 10, &v) == 0 && v == 0, "0 is a number (the caller may refuse it)");
}

static void test_format(void)
{
	char buf[48];

	is_str(num_format(4.40, 1, buf, sizeof(buf)), "4.4", "one decimal");
	is_str(num_format(5.0, 1, buf, sizeof(buf)), "5", "trailing zeros dropped");
	is_str(num_format(-0.01, 1, buf, sizeof(buf)), "0", "no -0");
	is_str(num_format(1e20, 0, buf, sizeof(buf)), "100000000000000000000", "no exponent");
	ok(num_round1(4.45) == 4.5 || num_round1(4.45) == 4.4, "rounds to one decimal");
	ok(num_round1(33.333) == 33.3, "33.333 is 33.3");
}

int main(void)
{
	test_scan();
	test_parse();
	test_format();
	return done_testing();
}
