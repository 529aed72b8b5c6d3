/* The Windows side of sys.h: the dynamic range from WMI, then netsh, then the default; excluded
 * port ranges from netsh; sockets from iphlpapi's owner-PID tables. Facts and sources:
 * docs/platform-notes.md §1 (ranges), §2 (BOUND), §4 (tables), §5 (what wine does). Windows
 * names stay in this file. */
#define COBJMACROS
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <oleauto.h>
#include <wbemidl.h>

#include "sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winparse.h"

/* Vista and later (docs/platform-notes.md §1): 49152 + 16384 ports. */
#define DEFAULT_LO 49152
#define DEFAULT_HI 65535

/* netsh prints a few hundred bytes; anything near this is not its usual output. */
#define NETSH_MAX_OUTPUT 65536
/* netsh normally answers in well under a second; the plugin's -t timeout still applies. */
#define NETSH_WAIT_MS 5000
/* Not in mingw's headers: the "BOUND" state that netstat -q shows (docs/platform-notes.md §2,
 * probably 100). */
#define TCP_STATE_BOUND 100
/* Sizing rounds for the socket tables, which can grow between calls. */
#define TABLE_TRIES 8

static const char *const proto_names[EPH_NPROTO] = { "tcp", "udp" };

/* Runs "%SystemRoot%\system32\netsh.exe args" without a shell, stdout and stderr into a pipe,
 * and reads at most size-1 bytes into out (NUL-terminated, *len bytes). Returns -1 with err
 * set when netsh cannot start, does not finish within NETSH_WAIT_MS, says more than fits, or
 * exits non-zero. */
static int run_netsh(const char *args, char *out, size_t size, size_t *len, struct eph_err *err)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
	PROCESS_INFORMATION pi = { 0 };
	HANDLE rd = NULL, wr = NULL, nul = INVALID_HANDLE_VALUE, job = NULL, inherit[2];
	LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
	wchar_t exe[MAX_PATH], cmd[MAX_PATH + 256];
	STARTUPINFOEXW si;
	ULONGLONG deadline;
	SIZE_T attrs_size = 0;
	DWORD code = 0;
	UINT n;
	int rc = -1;

	*len = 0;
	out[0] = '\0';
	/* The full path: a netsh.exe in the current directory or on PATH is not run. */
	n = GetSystemDirectoryW(exe, MAX_PATH - 16);
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
	if (!CreatePipe(&rd, &wr, &sa, 0)) {
		eph_err_set(err, "netsh: cannot create a pipe (error %lu)", GetLastError());
		goto out;
	}
	/* Only the write end goes to the child, or the pipe never reports the end of output. */
	SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
	nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING,
			  0, NULL);
	if (nul == INVALID_HANDLE_VALUE) {
		eph_err_set(err, "netsh: cannot open NUL (error %lu)", GetLastError());
		goto out;
	}
	memset(&si, 0, sizeof(si));
	si.StartupInfo.cb = sizeof(si);
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = nul;
	si.StartupInfo.hStdOutput = wr;
	si.StartupInfo.hStdError = wr;
	/* Only these two handles are inherited: our own stdout (the agent's pipe, inheritable)
	 * must not reach netsh, or the agent waits for a netsh we gave up on. */
	inherit[0] = nul;
	inherit[1] = wr;
	InitializeProcThreadAttributeList(NULL, 1, 0, &attrs_size);
	attrs = malloc(attrs_size);
	if (!attrs || !InitializeProcThreadAttributeList(attrs, 1, 0, &attrs_size)) {
		free(attrs);
		attrs = NULL;
		eph_err_set(err, "netsh: cannot prepare its handles (error %lu)", GetLastError());
		goto out;
	}
	if (!UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit,
				       sizeof(inherit), NULL, NULL)) {
		eph_err_set(err, "netsh: cannot prepare its handles (error %lu)", GetLastError());
		goto out;
	}
	si.lpAttributeList = attrs;
	if (!CreateProcessW(exe, cmd, NULL, NULL, TRUE,
			    CREATE_NO_WINDOW | CREATE_SUSPENDED | EXTENDED_STARTUPINFO_PRESENT, NULL,
			    NULL, &si.StartupInfo, &pi)) {
		eph_err_set(err, "netsh: cannot start it (error %lu)", GetLastError());
		goto out;
	}
	/* A job that kills netsh when its last handle closes: if -t ends this process while netsh
	 * hangs, netsh goes too. Best effort: Windows 7 cannot nest jobs, and the agent may have
	 * put us in one. */
	job = CreateJobObjectW(NULL, NULL);
	if (job) {
		memset(&limits, 0, sizeof(limits));
		limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
		if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits,
					     sizeof(limits)) ||
		    !AssignProcessToJobObject(job, pi.hProcess)) {
			CloseHandle(job);
			job = NULL;
		}
	}
	ResumeThread(pi.hThread);
	CloseHandle(wr);
	wr = NULL;
	/* Poll rather than block in ReadFile, so that a hanging netsh costs at most the wait. */
	deadline = GetTickCount64() + NETSH_WAIT_MS;
	for (;;) {
		DWORD avail = 0, got = 0;

		if (!PeekNamedPipe(rd, NULL, 0, NULL, &avail, NULL)) {
			if (GetLastError() == ERROR_BROKEN_PIPE) {
				break; /* netsh closed its end: all output is read */
			}
			eph_err_set(err, "netsh: reading its output failed (error %lu)",
				    GetLastError());
			goto out;
		}
		if (avail > 0) {
			if (*len + 1 >= size) {
				eph_err_set(err, "netsh: more than %zu bytes of output", size - 1);
				goto out;
			}
			if (avail > size - 1 - *len) {
				avail = (DWORD)(size - 1 - *len);
			}
			if (!ReadFile(rd, out + *len, avail, &got, NULL)) {
				if (GetLastError() == ERROR_BROKEN_PIPE) {
					break;
				}
				eph_err_set(err, "netsh: reading its output failed (error %lu)",
					    GetLastError());
				goto out;
			}
			*len += got;
			continue;
		}
		if (GetTickCount64() > deadline) {
			eph_err_set(err, "netsh: no end of output within %d s", NETSH_WAIT_MS / 1000);
			goto out;
		}
		Sleep(10);
	}
	out[*len] = '\0';
	if (WaitForSingleObject(pi.hProcess, NETSH_WAIT_MS) != WAIT_OBJECT_0) {
		eph_err_set(err, "netsh: did not exit within %d s", NETSH_WAIT_MS / 1000);
		goto out;
	}
	if (!GetExitCodeProcess(pi.hProcess, &code) || code != 0) {
		eph_err_set(err, "netsh %s: exit code %lu", args, code);
		goto out;
	}
	rc = 0;
out:
	if (pi.hProcess) {
		if (rc < 0) {
			TerminateProcess(pi.hProcess, 1);
		}
		CloseHandle(pi.hProcess);
		CloseHandle(pi.hThread);
	}
	if (job) {
		CloseHandle(job);
	}
	if (attrs) {
		DeleteProcThreadAttributeList(attrs);
		free(attrs);
	}
	if (nul != INVALID_HANDLE_VALUE) {
		CloseHandle(nul);
	}
	if (wr) {
		CloseHandle(wr);
	}
	if (rd) {
		CloseHandle(rd);
	}
	return rc;
}

/* A WMI integer property as an unsigned number; false for NULL (a template without the
 * setting) and anything not an integer. */
static bool variant_uint(const VARIANT *v, unsigned long *out)
{
	switch (V_VT(v)) {
	case VT_I4:
		*out = (unsigned long)V_I4(v);
		return V_I4(v) >= 0;
	case VT_UI4:
		*out = V_UI4(v);
		return true;
	case VT_I2:
		*out = (unsigned long)V_I2(v);
		return V_I2(v) >= 0;
	case VT_UI2:
		*out = V_UI2(v);
		return true;
	default:
		return false;
	}
}

static bool object_uint(IWbemClassObject *obj, const wchar_t *name, unsigned long *out)
{
	VARIANT v;
	bool got;

	VariantInit(&v);
	if (FAILED(IWbemClassObject_Get(obj, name, 0, &v, NULL, NULL))) {
		return false;
	}
	got = variant_uint(&v, out);
	VariantClear(&v);
	return got;
}

static bool object_is_internet(IWbemClassObject *obj)
{
	VARIANT v;
	bool yes = false;

	VariantInit(&v);
	if (SUCCEEDED(IWbemClassObject_Get(obj, L"SettingName", 0, &v, NULL, NULL)) &&
	    V_VT(&v) == VT_BSTR && V_BSTR(&v)) {
		yes = _wcsicmp(V_BSTR(&v), L"Internet") == 0;
	}
	VariantClear(&v);
	return yes;
}

/* Reads the dynamic range from WMI ROOT\StandardCimv2, MSFT_NetTCPSetting (the "Internet"
 * template when it has values, else the first that has) or MSFT_NetUDPSetting. Returns -1
 * with err set when WMI or the class is missing (Windows 7, wine) or no instance has values. */
static int wmi_read_range(enum eph_proto proto, uint16_t *lo, uint16_t *hi, struct eph_err *err)
{
	IWbemLocator *loc = NULL;
	IWbemServices *svc = NULL;
	IEnumWbemClassObject *en = NULL;
	BSTR ns = NULL, lang = NULL, query = NULL;
	unsigned long start = 0, count = 0;
	bool com = false, found = false;
	HRESULT hr;
	int rc = -1;

	hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
	if (FAILED(hr) && hr != RPC_E_CHANGED_MODE) {
		eph_err_set(err, "WMI: COM init failed (0x%08lx)", (unsigned long)hr);
		return -1;
	}
	com = SUCCEEDED(hr);
	/* Fails with RPC_E_TOO_LATE when already done in this process; the defaults are fine. */
	CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_DEFAULT,
			     RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE, NULL);
	hr = CoCreateInstance(&CLSID_WbemLocator, NULL, CLSCTX_INPROC_SERVER, &IID_IWbemLocator,
			      (void **)&loc);
	if (FAILED(hr)) {
		eph_err_set(err, "WMI: no locator (0x%08lx)", (unsigned long)hr);
		goto out;
	}
	ns = SysAllocString(L"ROOT\\StandardCimv2");
	lang = SysAllocString(L"WQL");
	query = SysAllocString(proto == EPH_TCP ? L"SELECT * FROM MSFT_NetTCPSetting"
						: L"SELECT * FROM MSFT_NetUDPSetting");
	if (!ns || !lang || !query) {
		eph_err_set(err, "WMI: out of memory");
		goto out;
	}
	hr = IWbemLocator_ConnectServer(loc, ns, NULL, NULL, NULL, 0, NULL, NULL, &svc);
	if (FAILED(hr)) {
		eph_err_set(err, "WMI: no ROOT\\StandardCimv2 (0x%08lx)", (unsigned long)hr);
		goto out;
	}
	CoSetProxyBlanket((IUnknown *)svc, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, NULL,
			  RPC_C_AUTHN_LEVEL_CALL, RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE);
	hr = IWbemServices_ExecQuery(svc, lang, query,
				     WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY, NULL, &en);
	if (FAILED(hr)) {
		eph_err_set(err, "WMI: query failed (0x%08lx)", (unsigned long)hr);
		goto out;
	}
	/* A handful of templates exist (Internet, Datacenter, Compat, ...); bounded anyway. */
	for (int i = 0; i < 64; i++) {
		IWbemClassObject *obj = NULL;
		unsigned long s, c;
		ULONG got = 0;
		bool internet;

		hr = IEnumWbemClassObject_Next(en, 5000, 1, &obj, &got);
		if (hr != WBEM_S_NO_ERROR || got == 0) {
			break;
		}
		internet = object_is_internet(obj);
		/* Some templates return null for the range: skip those (docs/platform-notes.md §1). */
		if (object_uint(obj, L"DynamicPortRangeStartPort", &s) &&
		    object_uint(obj, L"DynamicPortRangeNumberOfPorts", &c) && s >= 1 && c >= 1 &&
		    s + c - 1 <= 65535 && (!found || internet)) {
			start = s;
			count = c;
			found = true;
		}
		IWbemClassObject_Release(obj);
		if (found && internet) {
			break;
		}
	}
	if (!found) {
		eph_err_set(err, "WMI: no %s setting with a port range",
			    proto == EPH_TCP ? "MSFT_NetTCPSetting" : "MSFT_NetUDPSetting");
		goto out;
	}
	*lo = (uint16_t)start;
	*hi = (uint16_t)(start + count - 1);
	rc = 0;
out:
	if (en) {
		IEnumWbemClassObject_Release(en);
	}
	if (svc) {
		IWbemServices_Release(svc);
	}
	if (loc) {
		IWbemLocator_Release(loc);
	}
	SysFreeString(ns);
	SysFreeString(lang);
	SysFreeString(query);
	if (com) {
		CoUninitialize();
	}
	return rc;
}

/* Reads the dynamic range of proto for ip ("ipv4" or "ipv6") from netsh. */
static int netsh_read_range(const char *ip, enum eph_proto proto, uint16_t *lo, uint16_t *hi,
			    char *cmd, size_t cmd_size, struct eph_err *err)
{
	static char text[NETSH_MAX_OUTPUT];
	size_t len;

	snprintf(cmd, cmd_size, "int %s show dynamicport %s", ip, proto_names[proto]);
	if (run_netsh(cmd, text, sizeof(text), &len, err) < 0) {
		return -1;
	}
	return winparse_dynamicport(text, len, lo, hi, err);
}

/* Marks the excluded port ranges (Hyper-V, WinNAT, administered) reserved in pool. */
static int netsh_read_excluded(enum eph_proto proto, struct portpool *pool, char *cmd,
			       size_t cmd_size, size_t *ranges, struct eph_err *err)
{
	static char text[NETSH_MAX_OUTPUT];
	size_t len;

	snprintf(cmd, cmd_size, "int ipv4 show excludedportrange protocol=%s", proto_names[proto]);
	if (run_netsh(cmd, text, sizeof(text), &len, err) < 0) {
		return -1;
	}
	return winparse_excluded(text, len, pool, ranges, err);
}

/* netsh keeps a dynamic range per IP version (docs/platform-notes.md §1); one pool per protocol
 * is counted, the IPv4 one. Windows normally keeps both equal; when an administrator changed only one, say so
 * rather than count per family (a second pool and tally for a rare setup). Says nothing when
 * the IPv6 range cannot be read: that is no IPv6 stack, or a netsh that answered IPv4 only. */
static void note_v6_range(enum eph_proto proto, uint16_t lo, uint16_t hi,
			  struct sys_pool_info *info)
{
	struct eph_err err = { "" };
	uint16_t lo6, hi6;
	char cmd[96];

	if (netsh_read_range("ipv6", proto, &lo6, &hi6, cmd, sizeof(cmd), &err) == 0 &&
	    (lo6 != lo || hi6 != hi)) {
		snprintf(info->range_note, sizeof(info->range_note),
			 "the IPv6 dynamic range %u-%u differs from the IPv4 one; IPv6 sockets are "
			 "counted against the IPv4 range",
			 lo6, hi6);
	}
}

int sys_read_pool(enum eph_proto proto, uint16_t override_lo, uint16_t override_hi,
		  struct portpool *pool, struct sys_pool_info *info, struct eph_err *err)
{
	struct eph_err wmi_err = { "" }, netsh_err = { "" }, exc_err = { "" };
	uint16_t lo = DEFAULT_LO, hi = DEFAULT_HI;
	char cmd[96];
	bool fallback = false;
	size_t ranges = 0;

	(void)err; /* every source can fail: the default remains, and the note says why */
	memset(info, 0, sizeof(*info));
	if (override_lo) {
		lo = override_lo;
		hi = override_hi;
		snprintf(info->range_source, sizeof(info->range_source), "--range");
	} else if (wmi_read_range(proto, &lo, &hi, &wmi_err) == 0) {
		snprintf(info->range_source, sizeof(info->range_source),
			 "WMI ROOT\\StandardCimv2 %s", proto == EPH_TCP ? "MSFT_NetTCPSetting"
									: "MSFT_NetUDPSetting");
	} else if (netsh_read_range("ipv4", proto, &lo, &hi, cmd, sizeof(cmd), &netsh_err) == 0) {
		snprintf(info->range_source, sizeof(info->range_source), "netsh %s", cmd);
		note_v6_range(proto, lo, hi, info);
	} else {
		lo = DEFAULT_LO;
		hi = DEFAULT_HI;
		snprintf(info->range_source, sizeof(info->range_source),
			 "the Windows default (WMI and netsh gave no range)");
		fallback = true;
	}
	if (fallback) {
		snprintf(info->note, sizeof(info->note), "%.75s; %.75s", wmi_err.msg,
			 netsh_err.msg);
	}
	pool_set_range(pool, lo, hi);
	if (netsh_read_excluded(proto, pool, cmd, sizeof(cmd), &ranges, &exc_err) == 0) {
		snprintf(info->reserved_source, sizeof(info->reserved_source), "netsh %s", cmd);
	} else {
		/* Without the table the pool may be too large, never too small: report, go on. */
		snprintf(info->reserved_source, sizeof(info->reserved_source),
			 "unknown (%.80s)", exc_err.msg);
	}
	return 0;
}

/* MIB_TCP_STATE_* to the shared enum. */
static enum eph_state map_state(DWORD s)
{
	switch (s) {
	case MIB_TCP_STATE_CLOSED:
		return EPH_TCP_CLOSE;
	case MIB_TCP_STATE_LISTEN:
		return EPH_TCP_LISTEN;
	case MIB_TCP_STATE_SYN_SENT:
		return EPH_TCP_SYN_SENT;
	case MIB_TCP_STATE_SYN_RCVD:
		return EPH_TCP_SYN_RECV;
	case MIB_TCP_STATE_ESTAB:
		return EPH_TCP_ESTABLISHED;
	case MIB_TCP_STATE_FIN_WAIT1:
		return EPH_TCP_FIN_WAIT1;
	case MIB_TCP_STATE_FIN_WAIT2:
		return EPH_TCP_FIN_WAIT2;
	case MIB_TCP_STATE_CLOSE_WAIT:
		return EPH_TCP_CLOSE_WAIT;
	case MIB_TCP_STATE_CLOSING:
		return EPH_TCP_CLOSING;
	case MIB_TCP_STATE_LAST_ACK:
		return EPH_TCP_LAST_ACK;
	case MIB_TCP_STATE_TIME_WAIT:
		return EPH_TCP_TIME_WAIT;
	case MIB_TCP_STATE_DELETE_TCB:
		/* Being torn down: it still holds its port until the TCB is gone. */
		return EPH_TCP_CLOSE;
	case TCP_STATE_BOUND:
		return EPH_BOUND;
	default:
		return EPH_STATE_UNKNOWN;
	}
}

/* Reads one owner-PID table into a malloc'ed buffer (*out, freed by the caller). The first
 * call sizes the buffer; the table can grow between that and the read, so retry with
 * headroom, bounded. *missing is set when the address family is not installed. */
static int get_table(enum eph_proto proto, ULONG af, void **out, bool *missing,
		     struct eph_err *err)
{
	DWORD size = 0, rc = ERROR_INSUFFICIENT_BUFFER;
	void *buf = NULL;

	*out = NULL;
	*missing = false;
	for (int i = 0; i < TABLE_TRIES && rc == ERROR_INSUFFICIENT_BUFFER; i++) {
		if (size > 0) {
			free(buf);
			size += size / 8 + 4096;
			buf = malloc(size);
			if (!buf) {
				eph_err_set(err, "out of memory for the %s table", proto_names[proto]);
				return -1;
			}
		}
		if (proto == EPH_TCP) {
			rc = GetExtendedTcpTable(buf, &size, FALSE, af, TCP_TABLE_OWNER_PID_ALL, 0);
		} else {
			rc = GetExtendedUdpTable(buf, &size, FALSE, af, UDP_TABLE_OWNER_PID, 0);
		}
	}
	if (rc == NO_ERROR && buf) {
		*out = buf;
		return 0;
	}
	free(buf);
	if (af == AF_INET6 && (rc == ERROR_NOT_SUPPORTED || rc == ERROR_INVALID_PARAMETER)) {
		*missing = true; /* no IPv6 stack: no IPv6 sockets */
		return 0;
	}
	if (rc == NO_ERROR) {
		/* A size-0 answer with success: an empty table. */
		return 0;
	}
	eph_err_set(err, "GetExtended%sTable(%s) failed: error %lu%s",
		    proto == EPH_TCP ? "Tcp" : "Udp", af == AF_INET ? "IPv4" : "IPv6", rc,
		    rc == ERROR_INSUFFICIENT_BUFFER ? " (the table kept growing)" : "");
	return -1;
}

/* Owner PID 0 is the System Idle Process: Windows shows TIME_WAIT sockets, sockets whose
 * process has ended (and wine all sockets) with it, which means "no owner"; the --top tables
 * count those by state instead of naming a process (docs/windows.md). */
static uint32_t owner(DWORD pid)
{
	return pid == 0 ? EPH_OWNER_NONE : (uint32_t)pid;
}

static int send_rec(const struct sys_query *q, struct sock_rec *r, sock_fn fn, void *ctx,
		    struct eph_err *err)
{
	if (r->lport < q->lo || r->lport > q->hi) {
		return 0;
	}
	if (fn(r, ctx) != 0) {
		eph_err_set(err, "out of memory while counting sockets");
		return -1;
	}
	return 0;
}

/* Sends every row of one table to fn. */
static int send_table(const struct sys_query *q, ULONG af, const void *table, sock_fn fn,
		      void *ctx, struct eph_err *err)
{
	struct sock_rec r;

	memset(&r, 0, sizeof(r));
	r.proto = q->proto;
	r.family = af == AF_INET ? 4 : 6;
	r.uid = EPH_OWNER_NONE;
	/* Ports are in network byte order in the low 16 bits of a DWORD (docs/platform-notes.md §4). */
	if (q->proto == EPH_TCP && af == AF_INET) {
		const MIB_TCPTABLE_OWNER_PID *t = table;

		for (DWORD i = 0; i < t->dwNumEntries; i++) {
			const MIB_TCPROW_OWNER_PID *row = &t->table[i];

			r.state = map_state(row->dwState);
			r.lport = ntohs((u_short)row->dwLocalPort);
			r.rport = ntohs((u_short)row->dwRemotePort);
			memcpy(r.laddr, &row->dwLocalAddr, 4);
			memcpy(r.raddr, &row->dwRemoteAddr, 4);
			r.pid = owner(row->dwOwningPid);
			if (send_rec(q, &r, fn, ctx, err) < 0) {
				return -1;
			}
		}
	} else if (q->proto == EPH_TCP) {
		const MIB_TCP6TABLE_OWNER_PID *t = table;

		for (DWORD i = 0; i < t->dwNumEntries; i++) {
			const MIB_TCP6ROW_OWNER_PID *row = &t->table[i];

			r.state = map_state(row->dwState);
			r.lport = ntohs((u_short)row->dwLocalPort);
			r.rport = ntohs((u_short)row->dwRemotePort);
			memcpy(r.laddr, row->ucLocalAddr, 16);
			memcpy(r.raddr, row->ucRemoteAddr, 16);
			r.pid = owner(row->dwOwningPid);
			if (send_rec(q, &r, fn, ctx, err) < 0) {
				return -1;
			}
		}
	} else if (af == AF_INET) {
		const MIB_UDPTABLE_OWNER_PID *t = table;

		for (DWORD i = 0; i < t->dwNumEntries; i++) {
			const MIB_UDPROW_OWNER_PID *row = &t->table[i];

			r.state = EPH_UDP_SOCK;
			r.lport = ntohs((u_short)row->dwLocalPort);
			memcpy(r.laddr, &row->dwLocalAddr, 4);
			r.pid = owner(row->dwOwningPid);
			if (send_rec(q, &r, fn, ctx, err) < 0) {
				return -1;
			}
		}
	} else {
		const MIB_UDP6TABLE_OWNER_PID *t = table;

		for (DWORD i = 0; i < t->dwNumEntries; i++) {
			const MIB_UDP6ROW_OWNER_PID *row = &t->table[i];

			r.state = EPH_UDP_SOCK;
			r.lport = ntohs((u_short)row->dwLocalPort);
			memcpy(r.laddr, row->ucLocalAddr, 16);
			r.pid = owner(row->dwOwningPid);
			if (send_rec(q, &r, fn, ctx, err) < 0) {
				return -1;
			}
		}
	}
	return 0;
}

/* Wine implements these tables from Linux's /proc/net, which lists no bound-only socket
 * (docs/platform-notes.md §5); the long output should say so rather than claim tcp_bound is
 * complete. */
static bool under_wine(void)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

	return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

int sys_read_sockets(const struct sys_query *q, sock_fn fn, void *ctx, struct sys_sock_info *info,
		     struct eph_err *err)
{
	static const ULONG afs[2] = { AF_INET, AF_INET6 };
	bool no_v6 = false;

	memset(info, 0, sizeof(*info));
	for (int i = 0; i < 2; i++) {
		void *table = NULL;
		bool missing;
		int rc;

		if (!(q->families & (i == 0 ? EPH_FAM_V4 : EPH_FAM_V6))) {
			continue;
		}
		if (get_table(q->proto, afs[i], &table, &missing, err) < 0) {
			return -1;
		}
		no_v6 |= missing;
		rc = table ? send_table(q, afs[i], table, fn, ctx, err) : 0;
		free(table);
		if (rc < 0) {
			return -1;
		}
	}
	snprintf(info->source, sizeof(info->source), "GetExtended%sTable (owner PID)",
		 q->proto == EPH_TCP ? "Tcp" : "Udp");
	info->bound_visible = true;
	if (under_wine()) {
		info->bound_visible = q->proto == EPH_UDP;
		snprintf(info->note, sizeof(info->note),
			 "running under wine, whose tables come from Linux /proc/net%s",
			 q->proto == EPH_TCP ? ": bound-only sockets cannot be seen" : "");
	} else if (no_v6) {
		snprintf(info->note, sizeof(info->note), "no IPv6 stack: no IPv6 sockets");
	}
	return 0;
}

int sys_time_wait_lifetime(unsigned *seconds, bool *configured, struct sys_tw_info *info,
			   struct eph_err *err)
{
	DWORD value = 0, size = sizeof(value);
	enum winparse_tw how;
	LSTATUS rc;

	(void)err;
	memset(info, 0, sizeof(*info));
	/* Absent by default (docs/platform-notes.md §3); winparse_tw_delay decides what an absent
	 * or absurd value means, in portable code that the unit tests reach. */
	rc = RegGetValueW(HKEY_LOCAL_MACHINE, L"SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
			  L"TcpTimedWaitDelay", RRF_RT_REG_DWORD, NULL, &value, &size);
	how = winparse_tw_delay(rc == ERROR_SUCCESS, (uint32_t)value,
				"HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters", seconds,
				info->setting, sizeof(info->setting));
	*configured = how == WINPARSE_TW_CONFIGURED;
	info->ignored = how == WINPARSE_TW_IGNORED;
	return 0;
}

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

static void (*timeout_fn)(void);
static DWORD timeout_ms;

static DWORD WINAPI timer_thread(LPVOID arg)
{
	(void)arg;
	Sleep(timeout_ms);
	timeout_fn();
	return 0;
}

int sys_timeout_start(unsigned seconds, void (*fn)(void), struct eph_err *err)
{
	HANDLE t;

	timeout_fn = fn;
	timeout_ms = seconds > 4000000 ? 4000000000u : (DWORD)seconds * 1000;
	t = CreateThread(NULL, 64 * 1024, timer_thread, NULL, 0, NULL);
	if (!t) {
		eph_err_set(err, "cannot start the timeout thread (error %lu)", GetLastError());
		return -1;
	}
	CloseHandle(t);
	return 0;
}

/* A path from argv (the ANSI code page) as UTF-16 for the W functions. */
static bool wide_path(const char *path, wchar_t *out, size_t size)
{
	return MultiByteToWideChar(CP_ACP, 0, path, -1, out, (int)size) > 0;
}

/* Writes len bytes of buf into a new file "<path>.<pid>.tmp" beside path and flushes it to
 * disk. Returns -1 with GetLastError() set; the temporary file is removed then. */
static int write_temp(const wchar_t *wpath, const char *buf, size_t len, wchar_t *tmp,
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

/* The timeout runs on a thread of its own here, which may do what the main thread does:
 * arming only keeps the path. */
static char armed_path[MAX_PATH * 4];

int sys_file_arm(const char *path, struct eph_err *err)
{
	int n = snprintf(armed_path, sizeof(armed_path), "%s", path);

	if (n < 0 || (size_t)n >= sizeof(armed_path)) {
		armed_path[0] = '\0';
		eph_err_set(err, "cannot use the path %.120s", path);
		return -1;
	}
	return 0;
}

void sys_file_replace_now(const char *buf, size_t len)
{
	if (armed_path[0]) {
		sys_write_file_atomic(armed_path, buf, len, NULL);
	}
}

void sys_file_disarm(void)
{
	armed_path[0] = '\0';
}

int sys_write_file_atomic(const char *path, const char *buf, size_t len, struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4], tmp[MAX_PATH * 4 + 32];
	DWORD saved;

	if (!wide_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
		eph_err_set(err, "cannot use the path %.120s", path);
		return -1;
	}
	if (write_temp(wpath, buf, len, tmp, sizeof(tmp) / sizeof(tmp[0])) < 0) {
		eph_err_set(err,
			    "cannot write a temporary file beside %.120s: error %lu (the folder must "
			    "exist and be writable by this user)",
			    path, GetLastError());
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

/* Makes path exist with header as its content, atomically: the header goes into a temporary
 * file that is then moved to the final name without replacing; when another run was first,
 * its file has the header too. */
static int create_with_header(const wchar_t *wpath, const char *header)
{
	wchar_t tmp[MAX_PATH * 4 + 32];
	DWORD saved;

	if (write_temp(wpath, header, strlen(header), tmp, sizeof(tmp) / sizeof(tmp[0])) < 0) {
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

static HANDLE open_append(const wchar_t *wpath, bool *lockable)
{
	const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
	HANDLE h;

	/* FILE_APPEND_DATA without FILE_WRITE_DATA: every write goes to the end of the file,
	 * as one piece, whoever else appends. LockFileEx also needs read (or write) access;
	 * a log this user may append to but not read is still written, without the lock. */
	h = CreateFileW(wpath, GENERIC_READ | FILE_APPEND_DATA | SYNCHRONIZE, share, NULL,
			OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	*lockable = h != INVALID_HANDLE_VALUE;
	if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED) {
		h = CreateFileW(wpath, FILE_APPEND_DATA | SYNCHRONIZE, share, NULL, OPEN_EXISTING,
				FILE_ATTRIBUTE_NORMAL, NULL);
	}
	return h;
}

/* The runs' lock on a log is one byte far past any real data, so it keeps two runs from both
 * writing the header into an empty file but never blocks a reader or another writer. */
static bool lock_log(HANDLE h)
{
	OVERLAPPED ov = { .Offset = 0xfffffffeu, .OffsetHigh = 0x7fffffffu };

	return LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ov) != 0;
}

static void unlock_log(HANDLE h)
{
	OVERLAPPED ov = { .Offset = 0xfffffffeu, .OffsetHigh = 0x7fffffffu };

	UnlockFileEx(h, 0, 1, 0, &ov);
}

int sys_append_file(const char *path, const char *header, const char *lines, size_t len,
		    struct eph_err *err)
{
	wchar_t wpath[MAX_PATH * 4];
	struct strbuf sb = { 0 };
	const char *what = "open";
	HANDLE h = INVALID_HANDLE_VALUE;
	LARGE_INTEGER size;
	DWORD n = 0, saved = 0;
	bool lockable = false, locked = false;
	int rc = -1;

	if (!wide_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]))) {
		saved = ERROR_INVALID_NAME;
		goto out;
	}
	h = open_append(wpath, &lockable);
	if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND) {
		what = "create";
		if (create_with_header(wpath, header) < 0) {
			saved = GetLastError();
			goto out;
		}
		what = "open";
		h = open_append(wpath, &lockable);
	}
	if (h == INVALID_HANDLE_VALUE) {
		saved = GetLastError();
		goto out;
	}
	what = "append to";
	/* Waits for another run's write, which is quick; without the lock (no read access) an
	 * empty file written by two runs at once may get the header twice. */
	locked = lockable && lock_log(h);
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
		unlock_log(h);
	}
	if (h != INVALID_HANDLE_VALUE) {
		CloseHandle(h);
	}
	if (rc < 0) {
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
