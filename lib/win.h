/* What the files of the Windows backend share, and nothing above sys.h sees: sys_windows.c
 * assembles the pool from win_wmi.c and win_netsh.c; win_tables.c reads the socket tables,
 * win_io.c does stdout, the timer, files, the log, host name and time. Facts and sources:
 * docs/windows.md. */
#ifndef WIN_H
#define WIN_H

#include <stddef.h>
#include <stdint.h>

#include "eph.h"
#include "portpool.h"
#include "sock.h"

/* Runs "%SystemRoot%\system32\netsh.exe args" without a shell, stdout and stderr into a pipe,
 * and reads at most size-1 bytes into out (NUL-terminated, *len bytes). Returns -1 with err
 * set when netsh cannot start, does not finish within a few seconds, says more than fits, or
 * exits non-zero. */
int win_netsh_run(const char *args, char *out, size_t size, size_t *len, struct eph_err *err);

/* The dynamic range of proto for ip ("ipv4" or "ipv6") from netsh; the command run goes into
 * cmd, for the long output. */
int win_netsh_read_range(const char *ip, enum eph_proto proto, uint16_t *lo, uint16_t *hi,
			 char *cmd, size_t cmd_size, struct eph_err *err);

/* Marks the excluded port ranges (Hyper-V, WinNAT, administered) reserved in pool; the command
 * run goes into cmd, the number of ranges into *ranges. */
int win_netsh_read_excluded(enum eph_proto proto, struct portpool *pool, char *cmd,
			    size_t cmd_size, size_t *ranges, struct eph_err *err);

/* Reads the dynamic range from WMI ROOT\StandardCimv2, MSFT_NetTCPSetting (the "Internet"
 * template when it has values, else the first that has) or MSFT_NetUDPSetting. Returns -1
 * with err set when WMI or the class is missing (Windows 7, wine) or no instance has values. */
int win_wmi_read_range(enum eph_proto proto, uint16_t *lo, uint16_t *hi, struct eph_err *err);

#endif
