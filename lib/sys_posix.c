/* The POSIX side of sys.h that any Unix backend shares: process setup, stdout, the -t timer
 * (SIGALRM), atomic file replacement (--output-file), the appended log (--log), host name,
 * local time, the monotonic clock and user names. Nothing here reads Linux's /proc or
 * netlink: that is lib/sys_linux.c. _GNU_SOURCE for mkostemp and flock, which the BSDs and
 * macOS have as well. */
#define _GNU_SOURCE
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"

void sys_init(void)
{
	signal(SIGPIPE, SIG_IGN);
}

/* Writes all of buf to fd; -1 with errno set on failure. Only write(): safe in a signal
 * handler. */
static int write_all(int fd, const char *buf, size_t len)
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
	return write_all(STDOUT_FILENO, buf, len);
}

void sys_exit_now(int code)
{
	_exit(code);
}

static void (*timeout_fn)(void);

static void on_alarm(int sig)
{
	(void)sig;
	timeout_fn();
}

int sys_timeout_start(unsigned seconds, void (*fn)(void), struct eph_err *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	timeout_fn = fn;
	if (sigaction(SIGALRM, &sa, NULL) < 0) {
		eph_err_set(err, "cannot set the timeout handler: %s", strerror(errno));
		return -1;
	}
	alarm(seconds);
	return 0;
}

/* "<dir>/.<base>.XXXXXX" beside path: the same file system, so rename() and link() are atomic,
 * and a leading dot plus a suffix that is not ".prom" keep collectors from reading it. */
static int temp_name(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (slash) {
		n = snprintf(out, size, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	} else {
		n = snprintf(out, size, ".%s.XXXXXX", path);
	}
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Makes a rename or link in path's directory durable; best effort, as some file systems
 * cannot fsync a directory and the data itself is already on disk. */
static void sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Creates a temporary file beside path holding len bytes of buf, flushed to disk and readable
 * by everyone. Returns its name in tmp, or -1 with errno set and nothing left behind. */
static int write_temp(const char *path, const char *buf, size_t len, char *tmp, size_t size)
{
	int fd, saved;

	if (temp_name(path, tmp, size) < 0) {
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	/* mkstemp makes the file 0600; collectors (node_exporter) run as another user. */
	if (fchmod(fd, 0644) < 0 || write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd >= 0) {
		close(fd);
	}
	unlink(tmp);
	errno = saved;
	return -1;
}

/* The file sys_file_arm() prepared: its temporary twin is open, named and 0644 already. */
static int armed_fd = -1;
static char armed_tmp[4096], armed_path[4096];

int sys_file_arm(const char *path, struct eph_err *err)
{
	int n = snprintf(armed_path, sizeof(armed_path), "%s", path);

	if (n < 0 || (size_t)n >= sizeof(armed_path) ||
	    temp_name(path, armed_tmp, sizeof(armed_tmp)) < 0) {
		eph_err_set(err, "cannot use the path %.120s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	armed_fd = mkostemp(armed_tmp, O_CLOEXEC);
	if (armed_fd < 0 || fchmod(armed_fd, 0644) < 0) {
		int saved = errno;

		sys_file_disarm();
		eph_err_set(err,
			    "cannot write a temporary file beside %.120s: %s (the directory must exist "
			    "and be writable by this user)",
			    path, strerror(saved));
		return -1;
	}
	return 0;
}

/* Only write, fsync, close and rename: all async-signal-safe (POSIX.1-2008). */
void sys_file_replace_now(const char *buf, size_t len)
{
	int fd = armed_fd;

	if (fd < 0) {
		return;
	}
	armed_fd = -1;
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		close(fd);
		unlink(armed_tmp);
		return;
	}
	if (close(fd) < 0 || rename(armed_tmp, armed_path) < 0) {
		unlink(armed_tmp);
	}
}

void sys_file_disarm(void)
{
	int fd = armed_fd;

	armed_fd = -1;
	if (fd >= 0) {
		close(fd);
	}
	if (armed_tmp[0]) {
		unlink(armed_tmp);
		armed_tmp[0] = '\0';
	}
}

int sys_write_file_atomic(const char *path, const char *buf, size_t len, struct eph_err *err)
{
	char tmp[4096];
	int saved;

	if (write_temp(path, buf, len, tmp, sizeof(tmp)) < 0) {
		eph_err_set(err,
			    "cannot write a temporary file beside %.120s: %s (the directory must exist "
			    "and be writable by this user)",
			    path, strerror(errno));
		return -1;
	}
	if (rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		eph_err_set(err, "cannot replace %.120s: %s", path, strerror(saved));
		return -1;
	}
	sync_dir(path);
	return 0;
}

/* Makes path exist with header as its content, atomically: the header is written to a
 * temporary file that is then hard-linked under the final name. link() fails with EEXIST when
 * another run was first, which is fine: its file has the header too. */
static int create_with_header(const char *path, const char *header)
{
	char tmp[4096];
	int fd, rc, saved;

	if (write_temp(path, header, strlen(header), tmp, sizeof(tmp)) < 0) {
		return -1;
	}
	rc = link(tmp, path);
	saved = errno;
	unlink(tmp);
	if (rc == 0 || saved == EEXIST) {
		return 0;
	}
	if (saved != EPERM && saved != ENOTSUP && saved != EOPNOTSUPP && saved != EMLINK) {
		errno = saved;
		return -1;
	}
	/* No hard links here (vfat, some network file systems): exclusive create. A run that
	 * appends in the instant between this open and the write puts its line above the header. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		return errno == EEXIST ? 0 : -1;
	}
	rc = write_all(fd, header, strlen(header));
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int sys_append_file(const char *path, const char *header, const char *lines, size_t len,
		    struct eph_err *err)
{
	struct strbuf sb = { 0 };
	struct stat st;
	const char *what = "open";
	ssize_t n;
	int fd = -1, rc = -1, saved = 0;

	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		what = "create";
		if (create_with_header(path, header) < 0) {
			saved = errno;
			goto out;
		}
		what = "open";
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	}
	if (fd < 0) {
		saved = errno;
		goto out;
	}
	what = "append to";
	/* Two runs that both find the file empty would both write the header: the size is read
	 * and the write made under an exclusive lock. Where the file system has no locks
	 * (ENOLCK, some network mounts) the run goes on without one. -t still holds: its signal
	 * interrupts the wait (EINTR), and the handler ends the run. */
	while (flock(fd, LOCK_EX) < 0 && errno == EINTR) {
	}
	if (fstat(fd, &st) < 0) {
		saved = errno;
		goto out;
	}
	/* An empty file (created with touch and chown by the administrator) gets the header in
	 * the same write as the lines. */
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		sb_puts(&sb, header);
	}
	sb_append(&sb, lines, len);
	if (sb.overflow) {
		saved = ENOMEM;
		goto out;
	}
	/* One write with O_APPEND: the kernel appends it whole, so lines of runs writing at the
	 * same time never interleave. A short write is an error, not something to complete. */
	do {
		n = write(fd, sb_str(&sb), sb.len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		saved = errno;
		goto out;
	}
	if ((size_t)n != sb.len) {
		saved = ENOSPC;
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	if (rc < 0) {
		eph_err_set(err, "cannot %s the log %.120s: %s (it must be writable by this user)", what,
			    path, strerror(saved));
	}
	sb_free(&sb);
	return rc;
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

int sys_state_dir_default(char *buf, size_t size, struct eph_err *err)
{
	const char *env = getenv("NAGIOS_PLUGIN_STATE_DIRECTORY");
	const char *dir = env && env[0] ? env : "/var/lib/" EPH_NAME;
	int n = snprintf(buf, size, "%s", dir);

	if (n < 0 || (size_t)n >= size) {
		eph_err_set(err, "the state directory %.120s: %s", dir, strerror(ENAMETOOLONG));
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
	char chunk[4096];
	size_t total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc = -1;

	if (fd < 0 && errno == ENOENT) {
		return 1;
	}
	if (fd < 0) {
		eph_err_set(err, "cannot open %.120s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			eph_err_set(err, "cannot read %.120s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0) {
			break;
		}
		total += (size_t)n;
		if (total > max) {
			rc = 2;
			goto out;
		}
		sb_append(sb, chunk, (size_t)n);
	}
	if (sb->overflow) {
		eph_err_set(err, "out of memory reading %.120s", path);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* flock(), as --log uses: released by the kernel when the process ends, however it ends, so a
 * run killed by -t never leaves the lock held. Polled rather than waited on, so that the wait
 * is bounded by wait_ms and not by -t: the forecast is a secondary step. */
int sys_lock_file(const char *path, unsigned wait_ms, struct sys_lock *lk, struct eph_err *err)
{
	uint64_t deadline = sys_clock_ms() + wait_ms;
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int fd;

	lk->handle = -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	/* A lock file another user created (root ran the check by hand): reading is enough for
	 * flock. */
	if (fd < 0 && errno == EACCES) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 && errno == ENOENT) {
			errno = EACCES; /* it is not there, and this user may not create it */
		}
	}
	if (fd < 0) {
		eph_err_set(err, "cannot create %.120s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == ENOLCK) {
			break; /* no locks on this file system: go on without, as --log does */
		}
		if ((errno != EWOULDBLOCK && errno != EINTR) || sys_clock_ms() >= deadline) {
			int saved = errno;

			close(fd);
			if (saved == EWOULDBLOCK) {
				eph_err_set(err, "another run held the lock %.120s for %u ms", path,
					    wait_ms);
				return 1;
			}
			eph_err_set(err, "cannot lock %.120s: %s", path, strerror(saved));
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	lk->handle = fd;
	return 0;
}

void sys_unlock_file(struct sys_lock *lk)
{
	if (lk->handle >= 0) {
		close((int)lk->handle); /* releases the flock */
		lk->handle = -1;
	}
}
