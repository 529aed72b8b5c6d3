/* The netsh runner of the Windows backend (win.h): starts %SystemRoot%\system32\netsh.exe
 * without a shell, reads its output within a time limit, and asks it for the dynamic range and
 * the excluded port ranges, which winparse.c parses. */
#include <windows.h>

#include "win.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winparse.h"

/* netsh prints a few hundred bytes; anything near this is not its usual output. */
#define NETSH_MAX_OUTPUT 65536
/* netsh normally answers in well under a second; the plugin's -t timeout still applies. */
#define NETSH_WAIT_MS 5000

/* One netsh child and every handle that goes with it; win_netsh_close() releases them. */
struct win_netsh_child {
	HANDLE rd, wr, nul, job;
	LPPROC_THREAD_ATTRIBUTE_LIST attrs;
	PROCESS_INFORMATION pi;
};

/* The full path of netsh.exe, so that one in the current directory or on PATH is not run, and
 * its command line. */
static int win_netsh_command(const char *args, wchar_t *exe, wchar_t *cmd, struct eph_err *err)
{
	UINT n = GetSystemDirectoryW(exe, MAX_PATH - 16);

	if (n == 0 || n >= MAX_PATH - 16) {
		eph_err_set(err, "netsh: no system directory (error %lu)", GetLastError());
		return -1;
	}
	wcscat(exe, L"\\netsh.exe");
	wcscpy(cmd, L"netsh.exe ");
	if (MultiByteToWideChar(CP_ACP, 0, args, -1, cmd + wcslen(cmd), 256) == 0) {
		eph_err_set(err, "netsh: arguments too long");
		return -1;
	}
	return 0;
}

/* The pipe for netsh's output and NUL for its input, and the attribute list that lets netsh
 * inherit those two handles only: our own stdout (the agent's pipe, inheritable) must not
 * reach netsh, or the agent waits for a netsh we gave up on. */
static int win_netsh_handles(struct win_netsh_child *c, struct eph_err *err)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	SIZE_T attrs_size = 0;
	HANDLE inherit[2];

	if (!CreatePipe(&c->rd, &c->wr, &sa, 0)) {
		eph_err_set(err, "netsh: cannot create a pipe (error %lu)", GetLastError());
		return -1;
	}
	/* Only the write end goes to the child, or the pipe never reports the end of output. */
	SetHandleInformation(c->rd, HANDLE_FLAG_INHERIT, 0);
	c->nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
			     OPEN_EXISTING, 0, NULL);
	if (c->nul == INVALID_HANDLE_VALUE) {
		eph_err_set(err, "netsh: cannot open NUL (error %lu)", GetLastError());
		return -1;
	}
	inherit[0] = c->nul;
	inherit[1] = c->wr;
	InitializeProcThreadAttributeList(NULL, 1, 0, &attrs_size);
	c->attrs = malloc(attrs_size);
	if (!c->attrs || !InitializeProcThreadAttributeList(c->attrs, 1, 0, &attrs_size)) {
		free(c->attrs);
		c->attrs = NULL;
		eph_err_set(err, "netsh: cannot prepare its handles (error %lu)", GetLastError());
		return -1;
	}
	if (!UpdateProcThreadAttribute(c->attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit,
				       sizeof(inherit), NULL, NULL)) {
		eph_err_set(err, "netsh: cannot prepare its handles (error %lu)", GetLastError());
		return -1;
	}
	return 0;
}

/* Starts netsh suspended, puts it in a job that kills it when its last handle closes (if -t
 * ends this process while netsh hangs, netsh goes too), then lets it run. The job is best
 * effort: Windows 7 cannot nest jobs, and the agent may have put us in one. */
static int win_netsh_start(struct win_netsh_child *c, wchar_t *exe, wchar_t *cmd,
			   struct eph_err *err)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
	STARTUPINFOEXW si;

	memset(&si, 0, sizeof(si));
	si.StartupInfo.cb = sizeof(si);
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = c->nul;
	si.StartupInfo.hStdOutput = c->wr;
	si.StartupInfo.hStdError = c->wr;
	si.lpAttributeList = c->attrs;
	if (!CreateProcessW(exe, cmd, NULL, NULL, TRUE,
			    CREATE_NO_WINDOW | CREATE_SUSPENDED | EXTENDED_STARTUPINFO_PRESENT, NULL,
			    NULL, &si.StartupInfo, &c->pi)) {
		eph_err_set(err, "netsh: cannot start it (error %lu)", GetLastError());
		return -1;
	}
	c->job = CreateJobObjectW(NULL, NULL);
	if (c->job) {
		memset(&limits, 0, sizeof(limits));
		limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
		if (!SetInformationJobObject(c->job, JobObjectExtendedLimitInformation, &limits,
					     sizeof(limits)) ||
		    !AssignProcessToJobObject(c->job, c->pi.hProcess)) {
			CloseHandle(c->job);
			c->job = NULL;
		}
	}
	ResumeThread(c->pi.hThread);
	CloseHandle(c->wr);
	c->wr = NULL;
	return 0;
}

/* Reads netsh's output until it closes its end of the pipe. Polls rather than blocks in
 * ReadFile, so that a hanging netsh costs at most the wait. */
static int win_netsh_read(struct win_netsh_child *c, char *out, size_t size, size_t *len,
			  struct eph_err *err)
{
	ULONGLONG deadline = GetTickCount64() + NETSH_WAIT_MS;

	for (;;) {
		DWORD avail = 0, got = 0;

		if (!PeekNamedPipe(c->rd, NULL, 0, NULL, &avail, NULL)) {
			if (GetLastError() == ERROR_BROKEN_PIPE) {
				break; /* netsh closed its end: all output is read */
			}
			eph_err_set(err, "netsh: reading its output failed (error %lu)",
				    GetLastError());
			return -1;
		}
		if (avail > 0) {
			if (*len + 1 >= size) {
				eph_err_set(err, "netsh: more than %zu bytes of output", size - 1);
				return -1;
			}
			if (avail > size - 1 - *len) {
				avail = (DWORD)(size - 1 - *len);
			}
			if (!ReadFile(c->rd, out + *len, avail, &got, NULL)) {
				if (GetLastError() == ERROR_BROKEN_PIPE) {
					break;
				}
				eph_err_set(err, "netsh: reading its output failed (error %lu)",
					    GetLastError());
				return -1;
			}
			*len += got;
			continue;
		}
		if (GetTickCount64() > deadline) {
			eph_err_set(err, "netsh: no end of output within %d s", NETSH_WAIT_MS / 1000);
			return -1;
		}
		Sleep(10);
	}
	out[*len] = '\0';
	return 0;
}

/* Closes every handle of c; kill ends a netsh that is still running. */
static void win_netsh_close(struct win_netsh_child *c, bool kill)
{
	if (c->pi.hProcess) {
		if (kill) {
			TerminateProcess(c->pi.hProcess, 1);
		}
		CloseHandle(c->pi.hProcess);
		CloseHandle(c->pi.hThread);
	}
	if (c->job) {
		CloseHandle(c->job);
	}
	if (c->attrs) {
		DeleteProcThreadAttributeList(c->attrs);
		free(c->attrs);
	}
	if (c->nul != INVALID_HANDLE_VALUE) {
		CloseHandle(c->nul);
	}
	if (c->wr) {
		CloseHandle(c->wr);
	}
	if (c->rd) {
		CloseHandle(c->rd);
	}
}

int win_netsh_run(const char *args, char *out, size_t size, size_t *len, struct eph_err *err)
{
	struct win_netsh_child c = { .nul = INVALID_HANDLE_VALUE };
	wchar_t exe[MAX_PATH], cmd[MAX_PATH + 256];
	DWORD code = 0;
	int rc = -1;

	*len = 0;
	out[0] = '\0';
	if (win_netsh_command(args, exe, cmd, err) < 0) {
		return -1;
	}
	if (win_netsh_handles(&c, err) < 0 || win_netsh_start(&c, exe, cmd, err) < 0 ||
	    win_netsh_read(&c, out, size, len, err) < 0) {
		goto out;
	}
	if (WaitForSingleObject(c.pi.hProcess, NETSH_WAIT_MS) != WAIT_OBJECT_0) {
		eph_err_set(err, "netsh: did not exit within %d s", NETSH_WAIT_MS / 1000);
		goto out;
	}
	if (!GetExitCodeProcess(c.pi.hProcess, &code) || code != 0) {
		eph_err_set(err, "netsh %s: exit code %lu", args, code);
		goto out;
	}
	rc = 0;
out:
	win_netsh_close(&c, rc < 0);
	return rc;
}

int win_netsh_read_range(const char *ip, enum eph_proto proto, uint16_t *lo, uint16_t *hi,
			 char *cmd, size_t cmd_size, struct eph_err *err)
{
	static char text[NETSH_MAX_OUTPUT];
	size_t len;

	snprintf(cmd, cmd_size, "int %s show dynamicport %s", ip, eph_proto_name(proto));
	if (win_netsh_run(cmd, text, sizeof(text), &len, err) < 0) {
		return -1;
	}
	return winparse_dynamicport(text, len, lo, hi, err);
}

int win_netsh_read_excluded(enum eph_proto proto, struct portpool *pool, char *cmd,
			    size_t cmd_size, size_t *ranges, struct eph_err *err)
{
	static char text[NETSH_MAX_OUTPUT];
	size_t len;

	snprintf(cmd, cmd_size, "int ipv4 show excludedportrange protocol=%s",
		 eph_proto_name(proto));
	if (win_netsh_run(cmd, text, sizeof(text), &len, err) < 0) {
		return -1;
	}
	return winparse_excluded(text, len, pool, ranges, err);
}
