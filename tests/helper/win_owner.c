/* win_owner: sys_process_name on Windows (lib/sys_windows_owner.c), which the --top process
 * table uses and which only runs on Windows. Run under wine by tests/suite_win_unit.sh; prints
 * TAP. "win_owner.exe --child" is the second process it names: it sleeps until killed. */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "sys.h"
#include "tap.h"

int main(int argc, char **argv)
{
	wchar_t self[MAX_PATH], cmd[MAX_PATH + 16];
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	char name[256];
	int rc;

	if (argc == 2 && strcmp(argv[1], "--child") == 0) {
		Sleep(60000); /* bounded: the parent kills it long before */
		return 0;
	}

	/* Neither can be opened (OpenProcess fails for them by design): fixed names. */
	rc = sys_process_name(0, name, sizeof(name));
	ok(rc == 0 && strcmp(name, "System Idle") == 0, "PID 0 is 'System Idle' (%d, '%s')", rc,
	   name);
	rc = sys_process_name(4, name, sizeof(name));
	ok(rc == 0 && strcmp(name, "System") == 0, "PID 4 is 'System' (%d, '%s')", rc, name);

	rc = sys_process_name((uint32_t)GetCurrentProcessId(), name, sizeof(name));
	ok(rc == 0 && strcmp(name, "win_owner.exe") == 0,
	   "this process (PID %lu) is named by its image file, 'win_owner.exe' (%d, '%s')",
	   (unsigned long)GetCurrentProcessId(), rc, name);

	/* Another process: a child of the same image. */
	GetModuleFileNameW(NULL, self, MAX_PATH);
	_snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%ls\" --child", self);
	cmd[sizeof(cmd) / sizeof(cmd[0]) - 1] = L'\0';
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	if (ok(CreateProcessW(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi) != 0,
	       "a child process starts")) {
		rc = sys_process_name((uint32_t)pi.dwProcessId, name, sizeof(name));
		ok(rc == 0 && strcmp(name, "win_owner.exe") == 0,
		   "another process (PID %lu) is named too (%d, '%s')",
		   (unsigned long)pi.dwProcessId, rc, name);
		TerminateProcess(pi.hProcess, 0);
		WaitForSingleObject(pi.hProcess, 10000);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
	}

	/* No such process: Windows PIDs are multiples of 4 and never this large. */
	strcpy(name, "junk");
	rc = sys_process_name(0x7FFFFFF0u, name, sizeof(name));
	ok(rc == -1 && name[0] == '\0', "a bogus PID fails with -1 and an empty name (%d, '%s')",
	   rc, name);
	strcpy(name, "junk");
	rc = sys_process_name(0xFFFFFFFFu, name, sizeof(name));
	ok(rc == -1 && name[0] == '\0', "PID 0xFFFFFFFF (EPH_OWNER_NONE) fails too (%d)", rc);

	/* The name must fit: a cut name would look like another program. */
	strcpy(name, "junk");
	rc = sys_process_name((uint32_t)GetCurrentProcessId(), name, 5);
	ok(rc == -1 && name[0] == '\0', "a buffer too small for the name fails, empty (%d)", rc);
	ok(sys_process_name(4, name, 0) == -1, "size 0 fails");
	return done_testing();
}
