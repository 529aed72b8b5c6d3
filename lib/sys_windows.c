/* The Windows side of sys.h, its pool and TIME_WAIT parts: the dynamic range from WMI
 * (win_wmi.c), then netsh (win_netsh.c), then the default; excluded port ranges from netsh;
 * the TIME_WAIT lifetime from the registry. Sockets: win_tables.c; stdout, timer, files, log,
 * host name, time: win_io.c; owners: sys_windows_owner.c. */
#include <windows.h>

#include "sys.h"

#include <stdio.h>
#include <string.h>

#include "win.h"
#include "winparse.h"

/* Vista and later: 49152 + 16384 ports (docs/windows.md). */
#define DEFAULT_LO 49152
#define DEFAULT_HI 65535

/* netsh keeps a dynamic range per IP version; one pool per protocol is counted, the
 * IPv4 one. Windows normally keeps both equal; when an administrator changed only one, say so
 * rather than count per family (a second pool and tally for a rare setup). Says nothing when
 * the IPv6 range cannot be read: that is no IPv6 stack, or a netsh that answered IPv4 only. */
static void note_v6_range(enum eph_proto proto, uint16_t lo, uint16_t hi,
			  struct sys_pool_info *info)
{
	struct eph_err err = { "" };
	uint16_t lo6, hi6;
	char cmd[96];

	if (win_netsh_read_range("ipv6", proto, &lo6, &hi6, cmd, sizeof(cmd), &err) == 0 &&
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
	} else if (win_wmi_read_range(proto, &lo, &hi, &wmi_err) == 0) {
		snprintf(info->range_source, sizeof(info->range_source),
			 "WMI ROOT\\StandardCimv2 %s", proto == EPH_TCP ? "MSFT_NetTCPSetting"
									: "MSFT_NetUDPSetting");
	} else if (win_netsh_read_range("ipv4", proto, &lo, &hi, cmd, sizeof(cmd), &netsh_err) == 0) {
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
	if (win_netsh_read_excluded(proto, pool, cmd, sizeof(cmd), &ranges, &exc_err) == 0) {
		snprintf(info->reserved_source, sizeof(info->reserved_source), "netsh %s", cmd);
	} else {
		/* Without the table the pool may be too large, never too small: report, go on. */
		snprintf(info->reserved_source, sizeof(info->reserved_source),
			 "unknown (%.80s)", exc_err.msg);
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
	/* Absent by default (docs/windows.md); winparse_tw_delay decides what an absent or absurd value
	 * means, in portable code that the unit tests reach. */
	rc = RegGetValueW(HKEY_LOCAL_MACHINE, L"SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
			  L"TcpTimedWaitDelay", RRF_RT_REG_DWORD, NULL, &value, &size);
	how = winparse_tw_delay(rc == ERROR_SUCCESS, (uint32_t)value,
				"HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters", seconds,
				info->setting, sizeof(info->setting));
	*configured = how == WINPARSE_TW_CONFIGURED;
	info->ignored = how == WINPARSE_TW_IGNORED;
	return 0;
}

bool sys_time_wait_fixed(void)
{
	/* TcpTimedWaitDelay is a setting; without it the lifetime is only the documented
	 * default, an estimate (docs/windows.md). */
	return false;
}
