/* Unit tests of lib/topn.c (the one top-N selection), lib/utf8.c (the one UTF-8 check) and
 * sock_state_of (the one state list). Portable: also built with mingw and run under wine. */
#include <stdbool.h>
#include <string.h>

#include "sock.h"
#include "tap.h"
#include "topn.h"
#include "utf8.h"

struct item {
	int v, tag;
};

static bool bigger(const void *a, const void *b)
{
	return ((const struct item *)a)->v > ((const struct item *)b)->v;
}

static void test_topn(void)
{
	static const int in[] = { 5, 1, 9, 5, 7, 3, 9, 0 };
	struct item rows[4], it;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		it.v = in[i];
		it.tag = (int)i;
		topn_offer(rows, &n, 4, sizeof(rows[0]), &it, bigger);
	}
	is_int(n, 4, "a full list of 4");
	ok(rows[0].v == 9 && rows[1].v == 9 && rows[2].v == 7 && rows[3].v == 5,
	   "the 4 biggest, biggest first");
	ok(rows[0].tag == 2 && rows[1].tag == 6 && rows[3].tag == 0,
	   "equals keep their order of arrival; a later equal does not push one out");
	n = 0;
	topn_offer(rows, &n, 0, sizeof(rows[0]), &it, bigger);
	is_int(n, 0, "max 0 keeps nothing");
}

static void test_utf8(void)
{
	is_int(utf8_len("a", 1), 1, "ASCII is 1");
	is_int(utf8_len("\x01", 1), 1, "a control character is 1 (the caller decides)");
	is_int(utf8_len("\xc3\xa9", 2), 2, "U+00E9 is 2");
	is_int(utf8_len("\xc3\xa9", 1), 0, "cut by n: invalid");
	is_int(utf8_len("\xe2\x82\xac", 3), 3, "U+20AC is 3");
	is_int(utf8_len("\xf0\x9f\x98\x80", 4), 4, "U+1F600 is 4");
	is_int(utf8_len("\xc0\xaf", 2), 0, "overlong refused");
	is_int(utf8_len("\xed\xa0\x80", 3), 0, "surrogate refused");
	is_int(utf8_len("\xf4\x90\x80\x80", 4), 0, "above U+10FFFF refused");
	is_int(utf8_len("\xe2\x82", 3), 0, "a NUL inside ends a sequence");
	is_int(utf8_len("\x80", 1), 0, "a lone continuation byte refused");
	is_int(utf8_len("a", 0), 0, "nothing to read");
}

static void test_states(void)
{
	size_t tcp = 0, udp = 0;

	for (int s = 0; s < EPH_NSTATES; s++) {
		tcp += sock_state_of(EPH_TCP, (enum eph_state)s);
		udp += sock_state_of(EPH_UDP, (enum eph_state)s);
	}
	is_int(tcp, EPH_NSTATES - 2, "TCP lists every state but UNKNOWN and UDP");
	is_int(udp, 1, "UDP lists one");
	ok(sock_state_of(EPH_TCP, EPH_BOUND) && sock_state_of(EPH_UDP, EPH_UDP_SOCK) &&
		   !sock_state_of(EPH_TCP, EPH_STATE_UNKNOWN) &&
		   !sock_state_of(EPH_TCP, (enum eph_state)EPH_NSTATES),
	   "BOUND is TCP's, UDP's is UDP; out of range is nobody's");
}

int main(void)
{
	test_topn();
	test_utf8();
	test_states();
	return done_testing();
}
