/* The POSIX side of sys.h that any Unix backend shares: process setup, stdout, the -t timer and
 * the stop signals (SIGALRM, SIGTERM, ...), host name, local time, the monotonic clock and user
 * names. Files (--output-file, the state file) are in sys_posix_file.c, the log (--log) and the
 * lock files in sys_posix_log.c. Nothing here reads Linux's /proc or netlink: that is
 * lib/sys_linux.c. */
#define _GNU_SOURCE
#include "sys.h"
#include "sys_posix.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void sys_init(void)
{
	signal(SIGPIPE, SIG_IGN);
}

int sys_posix_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int sys_write_stdout(const char *buf, size_t len)
{
	return sys_posix_write_all(STDOUT_FILENO, buf, len);
}

void sys_exit_now(int code)
{
	_exit(code);
}

/* The signals that end a run before it is done: SIGALRM is -t's own timer; SIGTERM, SIGINT and
 * SIGHUP come from a caller that gave up (Nagios and NRPE send SIGTERM when their own timeout
 * expires) or from an operator. */
static const int stop_signals[] = { SIGALRM, SIGTERM, SIGINT, SIGHUP };
static void (*stop_fn)(enum sys_stop why);
static uint64_t timer_deadline_ms; /* sys_posix_timer_deadline_ms() */

/* Sets set to the stop signals. */
static void stop_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		sigaddset(set, stop_signals[i]);
	}
}

static void on_stop(int sig)
{
	enum sys_stop why = SYS_STOP_TIMEOUT;

	if (sig == SIGTERM) {
		why = SYS_STOP_TERM;
	} else if (sig == SIGINT) {
		why = SYS_STOP_INT;
	} else if (sig == SIGHUP) {
		why = SYS_STOP_HUP;
	}
	stop_fn(why);
}

int sys_timeout_start(unsigned seconds, void (*fn)(enum sys_stop why), struct eph_err *err)
{
	struct sigaction sa, ign, old;
	sigset_t set;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	memset(&ign, 0, sizeof(ign));
	sa.sa_handler = on_stop;
	ign.sa_handler = SIG_IGN;
	/* The handler never returns; blocking the other stop signals while it runs keeps a
	 * second one from entering it halfway through (sys_file_replace_now is not reentrant). */
	stop_set(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	stop_set(&set);
	stop_fn = fn;
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		int sig = stop_signals[i];

		if (sigaction(sig, NULL, &old) < 0) {
			goto fail;
		}
		/* A signal the caller ignores stays ignored, as the shell does for background jobs
		 * and nohup for SIGHUP: the caller chose so, and -t still ends the run. */
		if (sig != SIGALRM && old.sa_handler == SIG_IGN) {
			continue;
		}
		/* A blocked mask, ignored signals and pending signals all survive exec(). A SIGALRM
		 * already pending (a timer of the parent's) is not ours: setting SIG_IGN discards
		 * it (POSIX sigaction) before the handler goes in. A pending SIGTERM is a request
		 * to stop and is delivered as soon as the mask below is lifted. */
		if ((sig == SIGALRM && sigaction(sig, &ign, NULL) < 0) ||
		    sigaction(sig, &sa, NULL) < 0) {
			goto fail;
		}
	}
	timer_deadline_ms = sys_clock_ms() + (uint64_t)seconds * 1000u;
	alarm(seconds);
	/* The parent's mask survives exec(): with SIGALRM blocked there, -t would never fire. */
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0) {
		goto fail;
	}
	return 0;
fail:
	eph_err_set(err, "cannot set the timeout handler: %s", strerror(errno));
	return -1;
}

void sys_posix_block_stops(sigset_t *old)
{
	sigset_t stops;

	stop_set(&stops);
	sigprocmask(SIG_BLOCK, &stops, old);
}

uint64_t sys_posix_timer_deadline_ms(void)
{
	return timer_deadline_ms;
}

int sys_host_name(char *buf, size_t size, struct eph_err *err)
{
	if (gethostname(buf, size) < 0) {
		eph_err_set(err, "cannot read the host name: %s", strerror(errno));
		return -1;
	}
	buf[size - 1] = '\0';
	if (!buf[0]) {
		eph_err_set(err, "the host name is empty; set one with hostnamectl");
		return -1;
	}
	return 0;
}

int sys_local_time_iso8601(char *buf, size_t size, struct eph_err *err)
{
	time_t now = time(NULL);
	struct tm tm;
	size_t n;

	if (now == (time_t)-1 || !localtime_r(&now, &tm) || size < 32) {
		eph_err_set(err, "cannot read the local time");
		return -1;
	}
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (n != 24) {
		eph_err_set(err, "cannot format the local time");
		return -1;
	}
	/* %z gives "+0100"; ISO 8601 extended format wants "+01:00". */
	buf[25] = '\0';
	buf[24] = buf[23];
	buf[23] = buf[22];
	buf[22] = ':';
	return 0;
}

uint64_t sys_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int sys_user_name(uint32_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];

	buf[0] = '\0';
	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof(tmp), &res) != 0 || !res || !res->pw_name) {
		return -1;
	}
	snprintf(buf, size, "%s", res->pw_name);
	return 0;
}

int64_t sys_time_now(void)
{
	return (int64_t)time(NULL);
}
