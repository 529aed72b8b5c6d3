/* The Windows I/O side of sys.h: process setup, stdout, the -t timer (a thread), computer
 * name, local time and the monotonic clock. Files and the log are in win_file.c. */
#include <windows.h>

#include "sys.h"
#include "win.h"

#include <stdio.h>
#include <time.h>

void sys_init(void)
{
	/* No "program has stopped working" box: a monitoring agent has nobody to click it. */
	SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
}

int sys_write_stdout(const char *buf, size_t len)
{
	HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);

	if (h == NULL || h == INVALID_HANDLE_VALUE) {
		return -1;
	}
	while (len > 0) {
		DWORD chunk = len > 65536 ? 65536 : (DWORD)len, n = 0;

		if (!WriteFile(h, buf, chunk, &n, NULL) || n == 0) {
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

void sys_exit_now(int code)
{
	/* Not ExitProcess: that runs DLL detach code while the main thread may hold a lock. */
	TerminateProcess(GetCurrentProcess(), (UINT)code);
	for (;;) {
		Sleep(INFINITE);
	}
}

static void (*win_timeout_fn)(enum sys_stop why);
static DWORD win_timeout_ms;
/* sys_clock_ms() at which the timer fires; 0 before sys_timeout_start. */
static uint64_t win_timer_deadline_ms;

uint64_t win_io_timer_deadline_ms(void)
{
	return win_timer_deadline_ms;
}

static DWORD WINAPI win_timer_thread(LPVOID arg)
{
	(void)arg;
	Sleep(win_timeout_ms);
	win_timeout_fn(SYS_STOP_TIMEOUT);
	return 0;
}

int sys_timeout_start(unsigned seconds, void (*fn)(enum sys_stop why), struct eph_err *err)
{
	HANDLE t;

	win_timeout_fn = fn;
	win_timeout_ms = seconds > 4000000 ? 4000000000u : (DWORD)seconds * 1000;
	win_timer_deadline_ms = sys_clock_ms() + win_timeout_ms;
	t = CreateThread(NULL, 64 * 1024, win_timer_thread, NULL, 0, NULL);
	if (!t) {
		eph_err_set(err, "cannot start the timeout thread (error %lu)", GetLastError());
		return -1;
	}
	CloseHandle(t);
	return 0;
}

int sys_host_name(char *buf, size_t size, struct eph_err *err)
{
	DWORD n = size > MAXDWORD ? MAXDWORD : (DWORD)size;

	if (!GetComputerNameA(buf, &n)) {
		eph_err_set(err, "cannot read the computer name: error %lu", GetLastError());
		return -1;
	}
	if (!buf[0]) {
		eph_err_set(err, "the computer name is empty");
		return -1;
	}
	return 0;
}

int sys_local_time_iso8601(char *buf, size_t size, struct eph_err *err)
{
	SYSTEMTIME utc, local;
	FILETIME fu, fl;
	ULARGE_INTEGER u, l;
	long long offset_min;
	unsigned long a;

	if (size < 32) {
		eph_err_set(err, "cannot read the local time");
		return -1;
	}
	/* One clock reading, converted with the current zone rules (DST included). */
	GetSystemTime(&utc);
	if (!SystemTimeToTzSpecificLocalTime(NULL, &utc, &local) ||
	    !SystemTimeToFileTime(&utc, &fu) || !SystemTimeToFileTime(&local, &fl)) {
		eph_err_set(err, "cannot read the local time: error %lu", GetLastError());
		return -1;
	}
	u.LowPart = fu.dwLowDateTime;
	u.HighPart = fu.dwHighDateTime;
	l.LowPart = fl.dwLowDateTime;
	l.HighPart = fl.dwHighDateTime;
	/* 100 ns units; zone offsets are whole minutes. */
	offset_min = ((long long)l.QuadPart - (long long)u.QuadPart) / 600000000LL;
	a = (unsigned long)(offset_min < 0 ? -offset_min : offset_min);
	snprintf(buf, size, "%04u-%02u-%02uT%02u:%02u:%02u%c%02lu:%02lu", local.wYear, local.wMonth,
		 local.wDay, local.wHour, local.wMinute, local.wSecond, offset_min < 0 ? '-' : '+',
		 a / 60, a % 60);
	return 0;
}

uint64_t sys_clock_ms(void)
{
	return (uint64_t)GetTickCount64();
}

int64_t sys_time_now(void)
{
	return (int64_t)time(NULL);
}
