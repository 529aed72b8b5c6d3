/* eph_err_set: messages quote user input and file contents, yet must stay one line of valid
 * UTF-8 (found by fuzzing the argv parser: "-w $'1\n2'" split the status line). */
#include "eph.h"
#include "tap.h"

int main(void)
{
	struct eph_err e;

	eph_err_set(&e, "-w '%s': bad", "80");
	is_str(e.msg, "-w '80': bad", "plain text passes unchanged");
	eph_err_set(&e, "x '%s'", "a\nb\rc\td\x7f");
	is_str(e.msg, "x 'a?b?c?d?'", "control characters become '?'");
	eph_err_set(&e, "%s", "Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
	is_str(e.msg, "Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80", "valid UTF-8 is kept");
	eph_err_set(&e, "%s", "a\xff" "b\xc3" "c\xc0\xaf" "d\xed\xa0\x80");
	is_str(e.msg, "a?b?c??d???", "invalid bytes, overlongs and surrogates become '?'");
	eph_err_set(&e, "'%.2s'", "\xc3\xbc\xc3\xbc");
	is_str(e.msg, "'\xc3\xbc'", "precision keeping whole characters is untouched");
	eph_err_set(&e, "'%.3s'", "\xc3\xbc\xc3\xbc");
	is_str(e.msg, "'\xc3\xbc?'", "a character cut by a precision becomes '?'");
	eph_err_set(&e, "%s", "\xe2\x82");
	is_str(e.msg, "??", "a sequence cut by the end of the message becomes '?'");
	eph_err_set(NULL, "%s", "ignored");
	ok(1, "a NULL err is allowed");
	return done_testing();
}
