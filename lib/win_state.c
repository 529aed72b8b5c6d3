/* The Windows side of the forecast's state-file functions of sys.h. Kept in a file of its own
 * while sys_windows.c is being split by concern; it belongs with the other file I/O. */
#include <windows.h>

#include "sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strbuf.h"

int sys_state_dir_default(char *buf, size_t size, struct eph_err *err)
{
	const char *env = getenv("NAGIOS_PLUGIN_STATE_DIRECTORY");
	const char *pd = getenv("ProgramData");
	int n;

	if (env && env[0]) {
		n = snprintf(buf, size, "%s", env);
	} else if (pd && pd[0]) {
		n = snprintf(buf, size, "%s\\%s", pd, EPH_NAME);
	} else {
		eph_err_set(err, "neither NAGIOS_PLUGIN_STATE_DIRECTORY nor ProgramData is set");
		return -1;
	}
	if (n < 0 || (size_t)n >= size) {
		eph_err_set(err, "the state directory's name is too long");
		return -1;
	}
	return 0;
}

int64_t sys_time_now(void)
{
	return (int64_t)time(NULL);
}

/* A path (the ANSI code page, as argv) as UTF-16 for the W functions. */
static bool to_wide(const char *path, wchar_t *out, size_t size)
{
	return MultiByteToWideChar(CP_ACP, 0, path, -1, out, (int)size) > 0;
}

int sys_read_file(const char *path, size_t max, struct strbuf *sb, struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4];
	char chunk[4096];
	size_t total = 0;
	DWORD n;
	HANDLE h;
	int rc = -1;

	if (!to_wide(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
		eph_err_set(err, "cannot use the path %.120s", path);
		return -1;
	}
	/* FILE_SHARE_DELETE: a run that replaces the file (MoveFileExW) meanwhile is not refused. */
	h = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
			NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError();

		if (e == ERROR_FILE_NOT_FOUND) {
			return 1;
		}
		eph_err_set(err, "cannot open %.120s: error %lu", path, e);
		return -1;
	}
	for (;;) {
		if (!ReadFile(h, chunk, sizeof(chunk), &n, NULL)) {
			eph_err_set(err, "cannot read %.120s: error %lu", path, GetLastError());
			goto out;
		}
		if (n == 0) {
			break;
		}
		total += n;
		if (total > max) {
			rc = 2;
			goto out;
		}
		sb_append(sb, chunk, n);
	}
	if (sb->overflow) {
		eph_err_set(err, "out of memory reading %.120s", path);
		goto out;
	}
	rc = 0;
out:
	CloseHandle(h);
	return rc;
}

/* LockFileEx, polled so that the wait is bounded by wait_ms; Windows releases it when the
 * process ends, however it ends. */
int sys_lock_file(const char *path, unsigned wait_ms, struct sys_lock *lk, struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4];
	OVERLAPPED ov;
	uint64_t deadline = sys_clock_ms() + wait_ms;
	HANDLE h;

	lk->handle = -1;
	if (!to_wide(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
		eph_err_set(err, "cannot use the path %.120s", path);
		return -1;
	}
	h = CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE,
			FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
			FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED) {
		h = CreateFileW(wpath, GENERIC_READ,
				FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
				OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
		if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND) {
			SetLastError(ERROR_ACCESS_DENIED); /* not there, and not ours to create */
		}
	}
	if (h == INVALID_HANDLE_VALUE) {
		eph_err_set(err, "cannot create %.120s: error %lu", path, GetLastError());
		return -1;
	}
	for (;;) {
		memset(&ov, 0, sizeof(ov));
		if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) {
			break;
		}
		DWORD e = GetLastError();

		if (e != ERROR_LOCK_VIOLATION || sys_clock_ms() >= deadline) {
			CloseHandle(h);
			if (e == ERROR_LOCK_VIOLATION) {
				eph_err_set(err, "another run held the lock %.120s for %u ms", path,
					    wait_ms);
				return 1;
			}
			eph_err_set(err, "cannot lock %.120s: error %lu", path, e);
			return -1;
		}
		Sleep(10);
	}
	lk->handle = (intptr_t)h;
	return 0;
}

void sys_unlock_file(struct sys_lock *lk)
{
	if (lk->handle != -1) {
		CloseHandle((HANDLE)lk->handle); /* releases the lock */
		lk->handle = -1;
	}
}
