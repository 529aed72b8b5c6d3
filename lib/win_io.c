/* The Windows I/O side of sys.h: process setup, stdout, the -t timer (a thread), atomic file
 * replacement (--output-file), the appended log (--log), computer name, local time and the
 * monotonic clock. */
#include <windows.h>

#include "sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strbuf.h"

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

/* A path from argv (the ANSI code page) as UTF-16 for the W functions. */
static bool win_wide_path(const char *path, wchar_t *out, size_t size)
{
	return MultiByteToWideChar(CP_ACP, 0, path, -1, out, (int)size) > 0;
}

/* What is at wpath (win_file_kind) or behind h (win_handle_kind) when it is not a plain file on
 * disk: a device or pipe (NUL, CON, COM1,
 * \\.\pipe\...), a reparse point (a symbolic link, junction or mount point: opened itself,
 * not followed) or a folder. NULL for a plain file, and when nothing can be opened there
 * (the caller's own open then says why). */
static const char *win_handle_kind(HANDLE h)
{
	BY_HANDLE_FILE_INFORMATION fi;

	if (GetFileType(h) != FILE_TYPE_DISK) {
		return "a device or pipe";
	}
	if (GetFileInformationByHandle(h, &fi)) {
		if (fi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
			return "a symbolic link or junction";
		}
		if (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
			return "a folder";
		}
	}
	return NULL;
}

static const char *win_file_kind(const wchar_t *wpath)
{
	const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
	const char *kind;
	HANDLE h;

	h = CreateFileW(wpath, FILE_READ_ATTRIBUTES, share, NULL, OPEN_EXISTING,
			FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		return NULL;
	}
	kind = win_handle_kind(h);
	CloseHandle(h);
	return kind;
}

/* Sets err to why path may not be replaced. */
static void win_refuse_target(const char *path, const char *kind, struct eph_err *err)
{
	eph_err_set(err,
		    "%.120s is %s, not a regular file, and only regular files are replaced; name one, "
		    "or a path where none exists yet",
		    path, kind);
}

/* Writes len bytes of buf into a new file "<path>.<pid>.tmp" beside path and flushes it to
 * disk. Returns -1 with GetLastError() set; the temporary file is removed then. */
static int win_write_temp(const wchar_t *wpath, const char *buf, size_t len, wchar_t *tmp,
		      size_t tmp_size)
{
	HANDLE h;
	DWORD n = 0, saved;
	BOOL good;

	if ((size_t)_snwprintf(tmp, tmp_size, L"%ls.%lu.tmp", wpath, GetCurrentProcessId()) >=
	    tmp_size) {
		SetLastError(ERROR_FILENAME_EXCED_RANGE);
		return -1;
	}
	tmp[tmp_size - 1] = L'\0';
	h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		return -1;
	}
	good = len <= MAXDWORD && WriteFile(h, buf, (DWORD)len, &n, NULL) && n == len &&
	       FlushFileBuffers(h);
	saved = good ? 0 : (GetLastError() ? GetLastError() : ERROR_WRITE_FAULT);
	CloseHandle(h);
	if (!good) {
		DeleteFileW(tmp);
		SetLastError(saved);
		return -1;
	}
	return 0;
}

int sys_write_file_atomic(const char *path, const char *buf, size_t len, struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4], tmp[MAX_PATH * 4 + 32];
	DWORD saved;

	if (!win_wide_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
		eph_err_set(err, "cannot use the path %.120s", path);
		return -1;
	}
	if (win_file_kind(wpath)) {
		win_refuse_target(path, win_file_kind(wpath), err);
		return -1;
	}
	if (win_write_temp(wpath, buf, len, tmp, sizeof(tmp) / sizeof(tmp[0])) < 0) {
		eph_err_set(err,
			    "cannot write a temporary file beside %.120s: error %lu (the folder must "
			    "exist and be writable by this user)",
			    path, GetLastError());
		return -1;
	}
	/* Again right before the move: what was checked a moment ago may have changed. */
	if (win_file_kind(wpath)) {
		DeleteFileW(tmp);
		win_refuse_target(path, win_file_kind(wpath), err);
		return -1;
	}
	if (!MoveFileExW(tmp, wpath, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
		saved = GetLastError();
		DeleteFileW(tmp);
		eph_err_set(err, "cannot replace %.120s: error %lu", path, saved);
		return -1;
	}
	return 0;
}

/* The timeout runs on a thread of its own here, which may do what the main thread does:
 * arming only keeps the path. */
static char win_armed_path[MAX_PATH * 4];

int sys_file_arm(const char *path, struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4];
	int n = snprintf(win_armed_path, sizeof(win_armed_path), "%s", path);

	if (n < 0 || (size_t)n >= sizeof(win_armed_path) ||
	    !win_wide_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
		win_armed_path[0] = '\0';
		eph_err_set(err, "cannot use the path %.120s", path);
		return -1;
	}
	if (win_file_kind(wpath)) {
		win_armed_path[0] = '\0';
		win_refuse_target(path, win_file_kind(wpath), err);
		return -1;
	}
	return 0;
}

void sys_file_replace_now(const char *buf, size_t len)
{
	if (win_armed_path[0]) {
		sys_write_file_atomic(win_armed_path, buf, len, NULL);
	}
}

int sys_file_commit(const char *buf, size_t len, struct eph_err *err)
{
	int rc;

	if (!win_armed_path[0]) {
		eph_err_set(err, "cannot write the output file: it was not prepared");
		return -1;
	}
	rc = sys_write_file_atomic(win_armed_path, buf, len, err);
	sys_file_disarm();
	return rc;
}

void sys_file_disarm(void)
{
	win_armed_path[0] = '\0';
}


/* Makes path exist with header as its content, atomically: the header goes into a temporary
 * file that is then moved to the final name without replacing; when another run was first,
 * its file has the header too. */
static int win_create_with_header(const wchar_t *wpath, const char *header)
{
	wchar_t tmp[MAX_PATH * 4 + 32];
	DWORD saved;

	if (win_write_temp(wpath, header, strlen(header), tmp, sizeof(tmp) / sizeof(tmp[0])) < 0) {
		return -1;
	}
	if (MoveFileExW(tmp, wpath, MOVEFILE_WRITE_THROUGH)) {
		return 0;
	}
	saved = GetLastError();
	DeleteFileW(tmp);
	if (saved == ERROR_ALREADY_EXISTS || saved == ERROR_FILE_EXISTS) {
		return 0;
	}
	SetLastError(saved);
	return -1;
}

static HANDLE win_open_append(const wchar_t *wpath, bool *lockable)
{
	const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
	HANDLE h;

	/* FILE_APPEND_DATA without FILE_WRITE_DATA: every write goes to the end of the file,
	 * as one piece, whoever else appends. LockFileEx also needs read (or write) access;
	 * a log this user may append to but not read is still written, without the lock. */
	/* FILE_FLAG_OPEN_REPARSE_POINT: a symbolic link is opened itself, not followed, and then
	 * refused by the caller (win_file_kind), like a device or a folder. */
	h = CreateFileW(wpath, GENERIC_READ | FILE_APPEND_DATA | SYNCHRONIZE, share, NULL,
			OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	*lockable = h != INVALID_HANDLE_VALUE;
	if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED) {
		h = CreateFileW(wpath, FILE_APPEND_DATA | SYNCHRONIZE, share, NULL, OPEN_EXISTING,
				FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	}
	return h;
}

/* The runs' lock on a log is one byte far past any real data, so it keeps two runs from both
 * writing the header into an empty file but never blocks a reader or another writer. */
static bool win_lock_log(HANDLE h)
{
	OVERLAPPED ov = { .Offset = 0xfffffffeu, .OffsetHigh = 0x7fffffffu };

	return LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov) !=
	       0;
}

/* Takes the runs' lock, waiting at most about 1 s and never past the timer less 100 ms (as
 * the POSIX side does): a run holds it for one write, so anything longer is another process.
 * Returns false when the wait ran out (*waited_ms says how long). */
static bool win_lock_log_bounded(HANDLE h, unsigned *waited_ms)
{
	uint64_t start = sys_clock_ms(), until = start + 1000;

	if (win_timer_deadline_ms && until + 100 > win_timer_deadline_ms) {
		until = win_timer_deadline_ms > start + 100 ? win_timer_deadline_ms - 100 : start;
	}
	for (;;) {
		if (win_lock_log(h)) {
			return true;
		}
		if (GetLastError() != ERROR_LOCK_VIOLATION && GetLastError() != ERROR_IO_PENDING) {
			return true; /* no locks here: go on without, as before */
		}
		if (sys_clock_ms() >= until) {
			*waited_ms = (unsigned)(sys_clock_ms() - start);
			return false;
		}
		Sleep(10);
	}
}

static void win_unlock_log(HANDLE h)
{
	OVERLAPPED ov = { .Offset = 0xfffffffeu, .OffsetHigh = 0x7fffffffu };

	UnlockFileEx(h, 0, 1, 0, &ov);
}

int sys_append_file(const char *path, const char *header, const char *lines, size_t len,
		    struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4];
	struct strbuf sb = { 0 };
	const char *what = "open", *kind = NULL;
	HANDLE h = INVALID_HANDLE_VALUE;
	LARGE_INTEGER size;
	DWORD n = 0, saved = 0;
	bool lockable = false, locked = false;
	unsigned waited_ms = 0;
	int rc = -1;

	if (!win_wide_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
		saved = ERROR_INVALID_NAME;
		goto out;
	}
	h = win_open_append(wpath, &lockable);
	if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND) {
		what = "create";
		if (win_create_with_header(wpath, header) < 0) {
			saved = GetLastError();
			goto out;
		}
		what = "open";
		h = win_open_append(wpath, &lockable);
	}
	if (h == INVALID_HANDLE_VALUE) {
		saved = GetLastError();
		kind = win_file_kind(wpath); /* a folder cannot be opened for appending */
		goto out;
	}
	kind = win_handle_kind(h);
	if (kind) {
		goto out;
	}
	what = "append to";
	/* Waits for another run's write, which is quick; without the lock (no read access) an
	 * empty file written by two runs at once may get the header twice. */
	if (lockable && !win_lock_log_bounded(h, &waited_ms)) {
		eph_err_set(err,
			    "the log %.120s is locked by another process (waited %u ms); keep readers "
			    "of the log from holding a lock on it",
			    path, waited_ms);
		goto out;
	}
	locked = lockable;
	if (!GetFileSizeEx(h, &size)) {
		saved = GetLastError();
		goto out;
	}
	/* An empty file (created by the administrator) gets the header in the same write. */
	if (size.QuadPart == 0) {
		sb_puts(&sb, header);
	}
	sb_append(&sb, lines, len);
	if (sb.overflow || sb.len > MAXDWORD) {
		saved = ERROR_NOT_ENOUGH_MEMORY;
		goto out;
	}
	if (!WriteFile(h, sb_str(&sb), (DWORD)sb.len, &n, NULL)) {
		saved = GetLastError();
		goto out;
	}
	if (n != sb.len) {
		saved = ERROR_DISK_FULL;
		goto out;
	}
	rc = 0;
out:
	if (locked) {
		win_unlock_log(h);
	}
	if (h != INVALID_HANDLE_VALUE) {
		CloseHandle(h);
	}
	if (rc < 0 && kind) {
		eph_err_set(err, "the log %.120s is %s, not a regular file; name a regular file", path,
			    kind);
	} else if (rc < 0 && saved) {
		eph_err_set(err, "cannot %s the log %.120s: error %lu (it must be writable by this user)",
			    what, path, saved);
	}
	sb_free(&sb);
	return rc;
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

/* The forecast's state files. */

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

int sys_read_file(const char *path, size_t max, struct strbuf *sb, struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4];
	char chunk[4096];
	size_t total = 0;
	DWORD n;
	HANDLE h;
	int rc = -1;

	if (!win_wide_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
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
	if (!win_wide_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
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
