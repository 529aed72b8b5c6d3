/* Unit tests of lib/eph.c: the error record every library function fills must hold one line,
 * whatever text it quotes. Portable: also built with mingw and run under wine. */
#include <string.h>

#include "eph.h"
#include "tap.h"

int main(void)
{
	struct eph_err err;
	char big[600];

	eph_err_set(&err, "cannot read %s: %s", "/proc/x", "No such file or directory");
	is_str(err.msg, "cannot read /proc/x: No such file or directory", "a message is formatted");

	/* A /proc file ends in a newline; quoting it must not cut the status line in two. */
	eph_err_set(&err, "got '%s'", "32768\t60999\nx\n");
	is_str(err.msg, "got '32768\\t60999\\nx\\n'", "newline and tab are written as \\n and \\t");
	eph_err_set(&err, "got '%s'", "a\rb\001c\177d");
	is_str(err.msg, "got 'a\\rb?c?d'", "other control characters become '?'");
	eph_err_set(&err, "%s", "héllo");
	is_str(err.msg, "héllo", "UTF-8 text passes unchanged");

	/* Long text is cut to the record's size, still NUL-terminated and one line. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	eph_err_set(&err, "%s", big);
	is_int(strlen(err.msg), sizeof(err.msg) - 1, "a long message is cut to %u bytes",
	       (unsigned)sizeof(err.msg) - 1);
	memset(big, '\n', sizeof(big) - 1);
	eph_err_set(&err, "%s", big);
	ok(strlen(err.msg) < sizeof(err.msg) && strchr(err.msg, '\n') == NULL &&
		   strlen(err.msg) % 2 == 0,
	   "a message of newlines is cut between escapes (%u bytes)", (unsigned)strlen(err.msg));

	/* Arguments may hold any bytes (found by fuzzing): the line stays valid UTF-8. */
	eph_err_set(&err, "%s", "Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
	is_str(err.msg, "Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80",
	       "2-, 3- and 4-byte UTF-8 is kept");
	eph_err_set(&err, "%s", "a\xff" "b\xc3" "c\xc0\xaf" "d\xed\xa0\x80");
	is_str(err.msg, "a?b?c??d???", "invalid bytes, overlongs and surrogates become '?'");
	eph_err_set(&err, "'%.3s'", "\xc3\xbc\xc3\xbc");
	is_str(err.msg, "'\xc3\xbc?'", "a character cut by a precision becomes '?'");
	eph_err_set(&err, "%s", "\xe2\x82");
	is_str(err.msg, "??", "a sequence cut at the end becomes '?'");

	/* A NULL record is allowed: a crash here ends the program, which the suite reports. */
	eph_err_set(NULL, "%s", "ignored");
	eph_err_set(&err, "%s", "after");
	is_str(err.msg, "after", "after a NULL record, a real one is still set");

	/* Names from outside (a process may call itself anything): one printable UTF-8 line. */
	{
		char name[] = "a\x1b[31mb\nc\x7f\xff|d\xc3\xbc";

		eph_printable(name);
		is_str(name, "a?[31mb?c??|d\xc3\xbc",
		       "eph_printable: control characters and invalid bytes become '?', UTF-8 stays");
	}
	{
		/* U+202E (RLO) would show "evil\u202Egnp.exe" as "evilexe.png"; every bidi control
		 * becomes one '?', and what looks like them but is not stays. */
		char name[] = "evil\xe2\x80\xaegnp \xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa"
			      "\xe2\x81\xa6\xe2\x81\xa9 \xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa";

		eph_printable(name);
		is_str(name, "evil?gnp ?????? \xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
		       "eph_printable: U+061C, U+200E/F, U+202A-E, U+2066-9 become '?', their "
		       "neighbours stay");
		eph_err_set(&err, "process %s", "a\xe2\x80\xae" "b");
		is_str(err.msg, "process a?b", "an error message quoting a name: the same");
	}
	return done_testing();
}
