/* The one interface between the portable code and an operating system, grouped by concern.
 * The Makefile links one backend (BACKEND, docs/hacking.md); nothing above this header knows
 * which. Who implements what:
 *
 *   concern                      Linux                                Windows
 *   pool                         sys_linux.c                          sys_windows.c (win_wmi.c,
 *                                                                     win_netsh.c)
 *   sockets                      sys_linux.c (nl_diag.c, procnet.c)   win_tables.c
 *   TIME_WAIT                    sys_linux.c                          sys_windows.c
 *   owners                       procfd.c, sys_posix.c (user names)   sys_windows_owner.c
 *   process, stdout, timer       sys_posix.c                          win_io.c
 *   files and log                sys_posix.c                          win_io.c
 *   host name, time, clock       sys_posix.c                          win_io.c
 *
 * sys_posix.c is the part any Unix backend shares. */
#ifndef SYS_H
#define SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eph.h"
#include "portpool.h"
#include "sock.h"

struct strbuf;

/* ---- The pool: the dynamic port range and the reserved/excluded ports ---- */

/* Where the pool came from, for the long output. */
struct sys_pool_info {
	char range_source[96];    /* e.g. "/proc/sys/net/ipv4/ip_local_port_range", "--range" */
	char reserved_source[96]; /* e.g. "/proc/sys/net/ipv4/ip_local_reserved_ports" */
	char note[160];           /* anything the user should know, "" when nothing */
	char range_note[160];     /* about the range itself, a -v line of its own after the
				   * range line (Windows: an IPv6 range that differs); "" */
};

/* Reads the dynamic port range of proto and the reserved/excluded ports into pool. With
 * override_lo/hi non-zero, the range is theirs ("--range") but reserved ports are still read.
 * Returns -1 with err set when the OS's settings cannot be read or make no sense. */
int sys_read_pool(enum eph_proto proto, uint16_t override_lo, uint16_t override_hi,
		  struct portpool *pool, struct sys_pool_info *info, struct eph_err *err);

/* ---- Sockets ---- */

struct sys_query {
	enum eph_proto proto;
	unsigned families; /* EPH_FAM_* bits */
	uint16_t lo, hi;   /* only sockets whose local port lies in lo..hi are wanted */
};

/* What the socket reader could see, for the long output. */
struct sys_sock_info {
	char source[96];    /* e.g. "netlink inet_diag", "/proc/net/tcp (fallback)" */
	bool bound_visible; /* false: bound-only sockets cannot be seen (EPH_BOUND is never sent) */
	char note[160];     /* e.g. why the fallback was used, "" when nothing */
	unsigned restarts;  /* dumps restarted because the table changed under them */
	bool fallback;      /* read from a fallback source that misses bound-only sockets: the
			     * status line says so, since the count may be low */
};

/* Called once per socket. r == NULL means "forget every socket of this query sent so far": the
 * reader restarts (the table changed while it was read). A non-zero return stops the read and
 * becomes sys_read_sockets' -1 with the callback's err message kept. */
typedef int (*sock_fn)(const struct sock_rec *r, void *ctx);

/* Sends every socket of q->proto and q->families whose local port lies in q->lo..q->hi (and
 * possibly others, which the callback must ignore) to fn. Either all sockets were delivered
 * and 0 is returned, or -1 with err set: a partial read is never a success. */
int sys_read_sockets(const struct sys_query *q, sock_fn fn, void *ctx, struct sys_sock_info *info,
		     struct eph_err *err);

/* ---- TIME_WAIT ---- */

/* TIME_WAIT reuse by connect() (Linux net.ipv4.tcp_tw_reuse): connect() may take over a
 * TIME_WAIT socket of the same 4-tuple once it is older than the reuse delay, when TCP
 * timestamps were negotiated on it. Values as the sysctls: -1 when the file is not there. */
enum sys_tw_reuse {
	SYS_TW_REUSE_OFF = 0,
	SYS_TW_REUSE_ALL = 1,
	SYS_TW_REUSE_LOOPBACK = 2, /* only toward or from a loopback address (the default) */
};

/* What the OS settings of the TIME_WAIT lifetime and reuse say, for the long output. */
struct sys_tw_info {
	bool ignored;      /* a setting exists but lies outside the bounds the OS documents: the
			    * lifetime is the assumed default instead */
	char setting[160]; /* the setting, its value and where it lives, e.g. "TcpTimedWaitDelay
			    * 60 s (HKLM\...)"; "" when the OS has none (Linux) */
	bool reuse_model;  /* the OS reuses TIME_WAIT ports per destination as below (Linux);
			    * false: no reuse is assumed (Windows) */
	int reuse;         /* tcp_tw_reuse: 0, 1, 2 (enum sys_tw_reuse); -1 not present or
			    * unreadable, treated as 0 */
	int timestamps;    /* tcp_timestamps: 0 off, 1 or 2 on; -1 not present or unreadable,
			    * treated as off */
	unsigned reuse_delay_ms; /* how old a TIME_WAIT socket must be to be reused: from
				  * tcp_tw_reuse_delay, else 1000 (the kernel's fixed 1 s) */
	bool delay_configured;   /* reuse_delay_ms came from tcp_tw_reuse_delay */
	char note[200];    /* a reuse setting that could not be read, and why; "" when none */
};

/* How long a closed connection stays in TIME_WAIT, in seconds, and (Linux) the reuse settings.
 * configured is false when it is the OS default rather than a setting (Linux: always 60, fixed
 * in the kernel), and when a setting was ignored. info (not NULL) says which. A reuse setting
 * that is missing or unreadable is not an error: info says so and no reuse is assumed. */
int sys_time_wait_lifetime(unsigned *seconds, bool *configured, struct sys_tw_info *info,
			   struct eph_err *err);

/* True when the OS fixes the TIME_WAIT lifetime (Linux), so that sys_time_wait_lifetime's
 * configured == false means exact; false where an unset value leaves only an estimate
 * (Windows without TcpTimedWaitDelay). */
bool sys_time_wait_fixed(void);

/* ---- Owners: who holds the sockets, for the --top tables ---- */

/* Bounds and findings of one search for the processes behind socket inodes. */
struct sys_owner_scan {
	uint64_t deadline_ms; /* in: sys_clock_ms() value at which to give up; 0 = no limit */
	size_t max_links;     /* in: give up after reading this many descriptors; 0 = no limit */
	bool needed;          /* out: false when the OS gives the owner with each socket and
			       * nothing was scanned (Windows) */
	size_t procs;         /* out: processes looked at */
	size_t denied;        /* out: processes whose descriptors this user may not read (at
			       * least 1 when /proc hides other users' processes, hidepid) */
	size_t links;         /* out: descriptors read */
	size_t found;         /* out: inodes matched to a process */
	bool gave_up;         /* out: stopped at the deadline or the descriptor limit */
	uint64_t elapsed_ms;  /* out: time the search took */
};

/* Sets pids[i] to the process that holds the socket with inode inodes[i] (inodes sorted
 * ascending, no zero), or leaves EPH_OWNER_NONE when none was found. Linux: reads the
 * "socket:[inode]" links under /proc/<pid>/fd, which an unprivileged user may only read for
 * its own processes (counted in s->denied). A socket shared by several processes goes to one
 * of them. Stops early (s->gave_up) at s->deadline_ms or s->max_links; what was found is kept.
 * Returns -1 with err set only when no process could be looked at at all. */
int sys_pid_for_inodes(const uint64_t *inodes, size_t n, uint32_t *pids,
		       struct sys_owner_scan *s, struct eph_err *err);

/* Writes the short name of process pid into buf (Linux: /proc/<pid>/comm; Windows: the image
 * file name, "System Idle" for 0 and "System" for 4). Returns -1 when it cannot be read (the
 * process ended, or access is denied); buf is "" then. */
int sys_process_name(uint32_t pid, char *buf, size_t size);

/* Writes the login name of uid into buf. Returns -1 when uid has no name (buf is ""). Windows
 * has no uids: always -1 there. */
int sys_user_name(uint32_t uid, char *buf, size_t size);

/* ---- Process, stdout and the -t timer ---- */

/* Process-wide setup before anything else runs (Linux: a closed pipe on stdout must give an
 * error from write, not kill the plugin with SIGPIPE). */
void sys_init(void);

/* Writes all of buf to standard output, unbuffered; safe in a signal handler. Returns -1 when
 * it could not (stdout closed, broken pipe). */
int sys_write_stdout(const char *buf, size_t len);

/* Ends the process at once with code, without flushing stdio; safe in a signal handler. */
void sys_exit_now(int code) __attribute__((noreturn));

/* Why a run ends before it is done: -t ran out, or (POSIX) a signal asked it to stop; Nagios
 * and NRPE send SIGTERM when their own timeout expires. */
enum sys_stop { SYS_STOP_TIMEOUT, SYS_STOP_TERM, SYS_STOP_INT, SYS_STOP_HUP, SYS_NSTOP };

/* Calls fn once, seconds from now (SYS_STOP_TIMEOUT), or when SIGTERM, SIGINT or SIGHUP
 * arrives (POSIX; one the caller ignores stays ignored): from a signal handler on POSIX, from
 * a timer thread on Windows. fn may only call sys_write_stdout, sys_file_replace_now and
 * sys_exit_now, and must not return. On POSIX the signals are unblocked and a SIGALRM left
 * pending by the parent is discarded first, as a blocked mask survives exec(). Returns -1
 * with err set when no timer could be set. */
int sys_timeout_start(unsigned seconds, void (*fn)(enum sys_stop why), struct eph_err *err);

/* ---- Files (--output-file) and the log (--log) ---- */

/* --output-file: the file is replaced, never written in place, so that a reader sees either
 * the old content or the new one, never a mix: a temporary file in the same directory is
 * filled, flushed to disk and renamed over path (Windows: MoveFileExW with
 * MOVEFILE_REPLACE_EXISTING). The new file is readable by everyone (0644), as collectors run
 * as another user. An existing path that is not a regular file (a device such as /dev/null, a
 * FIFO, socket, directory or symbolic link) is never replaced: checked when arming and again
 * right before each rename.
 *
 * Every way the run ends goes through what sys_file_arm() prepared at the start, so that the
 * file never keeps the last good numbers after a failure, even one that leaves no descriptor
 * or memory to spare ("Too many open files"):
 * - sys_file_arm() creates the temporary file now (POSIX; Windows keeps the path); -1 with err
 *   naming the path and the reason when it cannot, or when path is not a regular file.
 * - sys_file_commit() replaces path with len bytes of buf (the output, or the error of a run
 *   that failed) and disarms; -1 with err set when it could not, and path is unchanged then.
 * - sys_file_replace_now() does the same without a message, from the timeout function or a
 *   stop signal's (async-signal-safe), even while sys_file_commit() runs; nothing when nothing
 *   is armed.
 * - sys_file_disarm() removes what arming left (the temporary file), if anything. */
int sys_file_arm(const char *path, struct eph_err *err);
int sys_file_commit(const char *buf, size_t len, struct eph_err *err);

/* Replaces the file at path with len bytes of buf at once, the same way but without arming
 * (the forecast's state file). Returns -1 with err naming the path and the reason; the
 * temporary file is removed then and path is unchanged. */
int sys_write_file_atomic(const char *path, const char *buf, size_t len, struct eph_err *err);
void sys_file_replace_now(const char *buf, size_t len);
void sys_file_disarm(void);

/* Appends len bytes of lines to the file at path in one write, so that lines of runs appending
 * at the same time never interleave. When the file does not exist or is empty, header comes
 * first: a new file is created with the header already in it (it appears under its name
 * complete, mode 0640), so no other run can append before the header. A symbolic link, FIFO,
 * device or anything else but a regular file is refused, without blocking. The write is made
 * under a lock the runs share, waited for at most about 1 s and never past -t's timer; a log
 * locked longer by another process is an error. Returns -1 with err naming the path and the
 * reason. */
int sys_append_file(const char *path, const char *header, const char *lines, size_t len,
		    struct eph_err *err);

/* The forecast's state files. */

/* Writes the directory for state files when --state-dir is not given into buf:
 * $NAGIOS_PLUGIN_STATE_DIRECTORY when set and not empty (the Monitoring Plugins convention),
 * else /var/lib/check_ephemeral (Windows: %ProgramData%\check_ephemeral). Returns -1 with err
 * set when there is none (Windows without ProgramData) or it does not fit. */
int sys_state_dir_default(char *buf, size_t size, struct eph_err *err);

/* Seconds since the Unix epoch from the wall clock: the samples of runs in different processes
 * (and boots) are compared by it. */
int64_t sys_time_now(void);

/* Reads the file at path into sb (appended), at most max bytes. Returns 0; 1 when the file does
 * not exist (nothing appended); 2 when it is larger than max (sb holds part of it); -1 with err
 * set when it cannot be read. */
int sys_read_file(const char *path, size_t max, struct strbuf *sb, struct eph_err *err);

/* An exclusive lock between runs, held on a lock file of its own (the file it guards is
 * replaced by renaming, which a lock on that file would not survive). */
struct sys_lock {
	intptr_t handle; /* a descriptor (POSIX) or a HANDLE (Windows); -1 when not held */
};

/* Takes the lock on the file at path, creating it (empty, 0644) when missing, waiting at most
 * wait_ms for another run to release it. Returns 0 with lk held; 1 when another run still held
 * it after wait_ms (err says so); -1 with err set when the file cannot be created or opened
 * (a missing or unwritable directory). lk is not held unless 0 is returned. */
int sys_lock_file(const char *path, unsigned wait_ms, struct sys_lock *lk, struct eph_err *err);

/* Releases a lock sys_lock_file took; does nothing when lk is not held. */
void sys_unlock_file(struct sys_lock *lk);

/* ---- Host name, time and clock ---- */

/* This computer's name (Linux: the host name; Windows: the NetBIOS computer name), in buf.
 * Returns -1 with err set when the OS gives none. */
int sys_host_name(char *buf, size_t size, struct eph_err *err);

/* The current local time as ISO 8601 with the UTC offset, "2026-11-26T01:55:56+01:00", in buf
 * (size >= 32). Returns -1 with err set when the clock or time zone cannot be read. */
int sys_local_time_iso8601(char *buf, size_t size, struct eph_err *err);

/* Milliseconds from a monotonic clock, for time budgets inside the -t limit. */
uint64_t sys_clock_ms(void);

#endif
