/* Crashes on purpose: tests/suite_win_unit.sh checks that a crash under wine gives a non-zero
 * exit code (WINEDLLOVERRIDES winedbg.exe=d), or a crashing test could pass unseen. */
#include <stdio.h>

int main(void)
{
	volatile int *p = NULL;

	puts("about to crash");
	fflush(stdout);
	*p = 1;
	return 0;
}
