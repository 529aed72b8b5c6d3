/* What the files of the POSIX backend share, and nothing above sys.h sees (as lib/win.h is for
 * the Windows files): sys_posix.c holds the process, stdout, the stop signals and the -t timer,
 * host name, time, the clock and user names; sys_posix_file.c replaces files (--output-file,
 * the forecast's state) and reads them back; sys_posix_log.c appends to the log (--log) and
 * takes the lock files, both with flock. */
#ifndef SYS_POSIX_H
#define SYS_POSIX_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes all of buf to fd; -1 with errno set on failure. Only write(): safe in a signal
 * handler. */
int sys_posix_write_all(int fd, const char *buf, size_t len);

/* Blocks the signals that end a run (-t's SIGALRM, SIGTERM, SIGINT, SIGHUP) and stores the
 * previous mask in old, for sigprocmask(SIG_SETMASK, old, NULL). */
void sys_posix_block_stops(sigset_t *old);

/* sys_clock_ms() at which -t's timer fires; 0 before sys_timeout_start. */
uint64_t sys_posix_timer_deadline_ms(void);

/* What a file of mode m is, for a message that says why it is refused; NULL for a regular
 * file. */
const char *sys_posix_file_kind(mode_t m);

/* Creates a temporary file beside path holding len bytes of buf, flushed to disk, with the
 * permissions mode. Returns its name in tmp, or -1 with errno set and nothing left behind. */
int sys_posix_file_write_temp(const char *path, const char *buf, size_t len, mode_t mode,
			      char *tmp, size_t size);

#endif
