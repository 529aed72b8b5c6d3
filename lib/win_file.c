/* The files of the Windows backend: atomic file replacement (--output-file, the forecast's
 * state file, MoveFileExW), the appended log (--log) under a bounded LockFileEx, the state
 * file read back and the forecast's lock files. */
#include <windows.h>

#include "sys.h"
#include "win.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

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

/* Sets err to why what (the log, the lock file) at path, which is kind, is refused, and fix. */
static void win_refuse_kind(const char *what, const char *path, const char *kind,
			    const char *fix, struct eph_err *err)
{
	eph_err_set(err, "%s %.120s is %s, not a regular file; %s", what, path, kind, fix);
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
	uint64_t deadline = win_io_timer_deadline_ms();

	if (deadline && until + 100 > deadline) {
		until = deadline > start + 100 ? deadline - 100 : start;
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

/* Appends lines to the log open for appending as h, after the header when the file is empty.
 * Returns 0, or the error code of what failed. */
static DWORD win_write_lines(HANDLE h, const char *header, const char *lines, size_t len)
{
	struct strbuf sb = { 0 };
	LARGE_INTEGER size;
	DWORD n = 0, saved = 0;

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
	} else if (!WriteFile(h, sb_str(&sb), (DWORD)sb.len, &n, NULL)) {
		saved = GetLastError();
	} else if (n != sb.len) {
		saved = ERROR_DISK_FULL;
	}
out:
	sb_free(&sb);
	return saved;
}

int sys_append_file(const char *path, const char *header, const char *lines, size_t len,
		    struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4];
	const char *what = "open", *kind = NULL;
	HANDLE h = INVALID_HANDLE_VALUE;
	DWORD saved = 0;
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
	saved = win_write_lines(h, header, lines, len);
	if (saved == 0) {
		rc = 0;
	}
out:
	if (locked) {
		win_unlock_log(h);
	}
	if (h != INVALID_HANDLE_VALUE) {
		CloseHandle(h);
	}
	if (rc < 0 && kind) {
		win_refuse_kind("the log", path, kind, "name a regular file", err);
	} else if (rc < 0 && saved) {
		eph_err_set(err, "cannot %s the log %.120s: error %lu (it must be writable by this user)",
			    what, path, saved);
	}
	return rc;
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

/* sb_read_all's reader: ReadFile on the handle *ctx. */
static long win_read_handle(void *ctx, char *buf, size_t size)
{
	DWORD n = 0;

	if (!ReadFile(*(const HANDLE *)ctx, buf, (DWORD)size, &n, NULL)) {
		return -1;
	}
	return (long)n;
}

int sys_read_file(const char *path, size_t max, struct strbuf *sb, struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4];
	HANDLE h;
	int rc;

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
	rc = sb_read_all(sb, max, win_read_handle, &h);
	if (rc < 0) {
		eph_err_set(err, "cannot read %.120s: error %lu", path, GetLastError());
	} else if (rc == 0 && sb->overflow) {
		eph_err_set(err, "out of memory reading %.120s", path);
		rc = -1;
	}
	CloseHandle(h);
	return rc;
}

/* LockFileEx, polled so that the wait is bounded by wait_ms; Windows releases it when the
 * process ends, however it ends. Opened as the log is: a symbolic link or junction is opened
 * itself and refused, as are devices and folders. The file gets the folder's inherited
 * permissions (Windows has no mode to give, unlike POSIX's 0640). */
int sys_lock_file(const char *path, unsigned wait_ms, struct sys_lock *lk, struct eph_err *err)
{
	const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
	const DWORD flags = FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT;
	wchar_t wpath[MAX_PATH * 4];
	OVERLAPPED ov;
	uint64_t deadline = sys_clock_ms() + wait_ms;
	const char *kind;
	HANDLE h;

	lk->handle = -1;
	if (!win_wide_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
		eph_err_set(err, "cannot use the path %.120s", path);
		return -1;
	}
	h = CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE, share, NULL, OPEN_ALWAYS, flags, NULL);
	if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED) {
		h = CreateFileW(wpath, GENERIC_READ, share, NULL, OPEN_EXISTING, flags, NULL);
		if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND) {
			SetLastError(ERROR_ACCESS_DENIED); /* not there, and not ours to create */
		}
	}
	if (h == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError();

		kind = win_file_kind(wpath); /* a folder cannot be opened as a file */
		if (kind) {
			win_refuse_kind("the lock file", path, kind, "remove it", err);
			return 2;
		}
		eph_err_set(err, "cannot create %.120s: error %lu", path, e);
		return -1;
	}
	kind = win_handle_kind(h);
	if (kind) {
		CloseHandle(h);
		win_refuse_kind("the lock file", path, kind, "remove it", err);
		return 2;
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
