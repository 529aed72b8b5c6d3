/* The Windows side of the owner functions of sys.h (the --top tables), kept apart from
 * sys_windows.c so that either can change alone. Windows hands each socket over with its owner
 * PID (GetExtendedTcpTable, TCP_TABLE_OWNER_PID_ALL), so there is nothing to search; names come
 * from the process image. */
#include <windows.h>

#include "sys.h"

#include <stdio.h>
#include <string.h>

int sys_pid_for_inodes(const uint64_t *inodes, size_t n, uint32_t *pids,
		       struct sys_owner_scan *s, struct eph_err *err)
{
	(void)inodes;
	(void)err;
	/* Sockets carry no inode here; should any ask, none is found and nothing is scanned. */
	for (size_t i = 0; i < n; i++) {
		pids[i] = EPH_OWNER_NONE;
	}
	s->needed = false;
	s->procs = s->denied = s->links = s->found = 0;
	s->gave_up = false;
	s->elapsed_ms = 0;
	return 0;
}

int sys_process_name(uint32_t pid, char *buf, size_t size)
{
	wchar_t path[MAX_PATH * 2];
	DWORD len = (DWORD)(sizeof(path) / sizeof(path[0]));
	const wchar_t *base;
	HANDLE h;
	int n;

	if (size == 0) {
		return -1;
	}
	buf[0] = '\0';
	/* Neither can be opened, and every admin knows them by these names (Task Manager). */
	if (pid == 0 || pid == 4) {
		snprintf(buf, size, "%s", pid == 0 ? "System Idle" : "System");
		return 0;
	}
	/* PROCESS_QUERY_LIMITED_INFORMATION is granted for most processes of other users and
	 * services, unlike PROCESS_QUERY_INFORMATION (Vista and later). */
	h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
	if (!h) {
		return -1;
	}
	if (!QueryFullProcessImageNameW(h, 0, path, &len)) {
		CloseHandle(h);
		return -1;
	}
	CloseHandle(h);
	base = wcsrchr(path, L'\\');
	base = base ? base + 1 : path;
	n = WideCharToMultiByte(CP_UTF8, 0, base, -1, buf, (int)size, NULL, NULL);
	if (n <= 0) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

int sys_user_name(uint32_t uid, char *buf, size_t size)
{
	(void)uid;
	/* Windows sockets carry a PID, never a uid: the per-user view does not exist here. */
	if (size) {
		buf[0] = '\0';
	}
	return -1;
}
