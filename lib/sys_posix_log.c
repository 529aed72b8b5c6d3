/* The appended files of the POSIX backend: the log (--log), created with its header and
 * appended to in one write under a bounded flock, and the forecast's lock files (flock as well,
 * released by the kernel however the process ends). _GNU_SOURCE for flock, which the BSDs and
 * macOS have as well. */
#define _GNU_SOURCE
#include "sys.h"
#include "sys_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"

/* A new log is readable by its owner's group, not by everyone: a reader can hold a lock on it
 * (see lock_log), and it names the processes that hold ports. */
#define LOG_MODE 0640
/* How long a run waits for another process's lock on the log: a run's own write takes
 * microseconds, so a lock held longer belongs to something else. */
#define LOG_LOCK_WAIT_MS 1000
/* Time kept back before -t fires, to report the lock rather than time out. */
#define LOG_LOCK_MARGIN_MS 100

/* Makes path exist with header as its content, atomically: the header is written to a
 * temporary file that is then hard-linked under the final name. link() fails with EEXIST when
 * another run was first, which is fine: its file has the header too. */
static int create_with_header(const char *path, const char *header)
{
	char tmp[4096];
	int fd, rc, saved;

	if (sys_posix_file_write_temp(path, header, strlen(header), LOG_MODE, tmp, sizeof(tmp)) <
	    0) {
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
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, LOG_MODE);
	if (fd < 0) {
		return errno == EEXIST ? 0 : -1;
	}
	rc = sys_posix_write_all(fd, header, strlen(header));
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Opens path with flags (O_WRONLY | O_APPEND for the log, O_RDWR | O_CREAT for a lock file,
 * created LOG_MODE) without following a symbolic link (anyone who can write the directory
 * could point it at another file) and without blocking on a FIFO with no reader. Returns the
 * descriptor, or -1 with errno set; *kind is set to what the path is when it is not a regular
 * file (and errno is then EINVAL). */
static int open_regular(const char *path, int flags, const char **kind)
{
	struct stat st;
	int fd, fl, saved;

	*kind = NULL;
	fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, LOG_MODE);
	if (fd < 0) {
		/* ELOOP (a link), ENXIO (a FIFO without reader, a socket), EISDIR: say what the
		 * path is rather than the errno's words. */
		saved = errno;
		if (saved != ENOENT && lstat(path, &st) == 0 && sys_posix_file_kind(st.st_mode)) {
			*kind = sys_posix_file_kind(st.st_mode);
			saved = EINVAL;
		}
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		goto fail;
	}
	if (sys_posix_file_kind(st.st_mode)) {
		*kind = sys_posix_file_kind(st.st_mode);
		errno = EINVAL;
		goto fail;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Sets err to why what (the log, the lock file) at path, which is kind, is refused, and fix. */
static void refuse_kind(const char *what, const char *path, const char *kind, const char *fix,
			struct eph_err *err)
{
	if (strcmp(kind, "a symbolic link") == 0) {
		eph_err_set(err,
			    "%s %.120s is a symbolic link, which is not followed (whoever may write its "
			    "directory could point it at another file); %s",
			    what, path, fix);
	} else {
		eph_err_set(err, "%s %.120s is %s, not a regular file; %s", what, path, kind, fix);
	}
}

/* Takes flock(LOCK_EX) on fd, polling until sys_clock_ms() reaches until: a wait bounded by
 * the caller rather than by -t. Returns 0 when locked or when the file system has no locks
 * (ENOLCK, some network mounts: the run goes on without, as before), -1 with errno set
 * (EWOULDBLOCK: another process kept it locked). */
static int flock_until(int fd, uint64_t until)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };

	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == ENOLCK) {
			return 0;
		}
		if ((errno != EWOULDBLOCK && errno != EINTR) || sys_clock_ms() >= until) {
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* Takes the runs' lock on the log, waiting at most LOG_LOCK_WAIT_MS and never past -t's timer
 * (less a margin, so that the run can say what it waited for). -1 with errno EWOULDBLOCK when
 * another process kept it locked (*waited_ms says how long). */
static int lock_log(int fd, unsigned *waited_ms)
{
	uint64_t start = sys_clock_ms(), until = start + LOG_LOCK_WAIT_MS;
	uint64_t timer_deadline_ms = sys_posix_timer_deadline_ms();

	if (timer_deadline_ms && until + LOG_LOCK_MARGIN_MS > timer_deadline_ms) {
		until = timer_deadline_ms > start + LOG_LOCK_MARGIN_MS
				? timer_deadline_ms - LOG_LOCK_MARGIN_MS
				: start;
	}
	if (flock_until(fd, until) < 0) {
		*waited_ms = (unsigned)(sys_clock_ms() - start);
		return -1;
	}
	return 0;
}

/* Appends lines to the log open (O_APPEND, locked) as fd, after the header when the file is
 * empty. Returns 0, or the errno of what failed. */
static int write_lines(int fd, const char *header, const char *lines, size_t len)
{
	struct strbuf sb = { 0 };
	struct stat st;
	ssize_t n;
	int saved = ENOMEM;

	if (fstat(fd, &st) < 0) {
		return errno;
	}
	/* An empty file (created with touch and chown by the administrator) gets the header in
	 * the same write as the lines. */
	if (st.st_size == 0) {
		sb_puts(&sb, header);
	}
	sb_append(&sb, lines, len);
	if (!sb.overflow) {
		/* One write with O_APPEND: the kernel appends it whole, so lines of runs writing
		 * at the same time never interleave. A short write is an error, not something to
		 * complete. */
		do {
			n = write(fd, sb_str(&sb), sb.len);
		} while (n < 0 && errno == EINTR);
		saved = n < 0 ? errno : 0;
		if (n >= 0 && (size_t)n != sb.len) {
			saved = ENOSPC;
		}
	}
	sb_free(&sb);
	return saved;
}

int sys_append_file(const char *path, const char *header, const char *lines, size_t len,
		    struct eph_err *err)
{
	const char *what = "open", *kind = NULL;
	unsigned waited_ms = 0;
	int fd = -1, rc = -1, saved = 0;

	fd = open_regular(path, O_WRONLY | O_APPEND, &kind);
	if (fd < 0 && errno == ENOENT) {
		what = "create";
		if (create_with_header(path, header) < 0) {
			saved = errno;
			goto out;
		}
		what = "open";
		fd = open_regular(path, O_WRONLY | O_APPEND, &kind);
	}
	if (fd < 0) {
		saved = errno;
		goto out;
	}
	what = "append to";
	/* Two runs that both find the file empty would both write the header: the size is read
	 * and the write made under an exclusive lock, for a bounded time. */
	if (lock_log(fd, &waited_ms) < 0) {
		if (errno != EWOULDBLOCK) {
			saved = errno;
			goto out;
		}
		eph_err_set(err,
			    "the log %.120s is locked by another process (waited %u ms); find it with "
			    "lslocks, and keep readers of the log from holding a lock on it",
			    path, waited_ms);
		goto out;
	}
	saved = write_lines(fd, header, lines, len);
	if (saved == 0) {
		rc = 0;
	}
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	if (rc < 0 && kind) {
		refuse_kind("the log", path, kind,
			    strcmp(kind, "a symbolic link") == 0 ? "name the file itself"
								 : "name a regular file",
			    err);
	} else if (rc < 0 && saved) {
		eph_err_set(err, "cannot %s the log %.120s: %s (it must be writable by this user)", what,
			    path, strerror(saved));
	}
	return rc;
}

/* flock(), as --log uses: released by the kernel when the process ends, however it ends, so a
 * run killed by -t never leaves the lock held. Polled rather than waited on, so that the wait
 * is bounded by wait_ms and not by -t: the forecast is a secondary step. Opened as the log is:
 * no symbolic link followed, nothing but a regular file, created LOG_MODE (whoever may read it
 * may hold its lock, and keep the runs from recording). */
int sys_lock_file(const char *path, unsigned wait_ms, struct sys_lock *lk, struct eph_err *err)
{
	const char *kind = NULL;
	struct stat st;
	int fd;

	lk->handle = -1;
	fd = open_regular(path, O_RDWR | O_CREAT, &kind);
	/* A lock file another user created (root ran the check by hand): reading is enough for
	 * flock. */
	if (fd < 0 && errno == EACCES) {
		fd = open_regular(path, O_RDONLY, &kind);
		if (fd < 0 && errno == ENOENT) {
			errno = EACCES; /* it is not there, and this user may not create it */
		} else if (fd < 0 && errno == EACCES && lstat(path, &st) == 0) {
			/* It is there (the directory may be searched) but not this user's to
			 * open: as a lock another run holds, the state file can still be read. */
			eph_err_set(err,
				    "the lock file %.120s is another user's and this user may not read "
				    "it; remove it, or make it readable by this user",
				    path);
			return 1;
		}
	}
	if (fd < 0 && kind) {
		refuse_kind("the lock file", path, kind, "remove it", err);
		return 2;
	}
	if (fd < 0) {
		eph_err_set(err, "cannot create %.120s: %s", path, strerror(errno));
		return -1;
	}
	if (flock_until(fd, sys_clock_ms() + wait_ms) < 0) {
		int saved = errno;

		close(fd);
		if (saved == EWOULDBLOCK) {
			eph_err_set(err, "another run held the lock %.120s for %u ms", path, wait_ms);
			return 1;
		}
		eph_err_set(err, "cannot lock %.120s: %s", path, strerror(saved));
		return -1;
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
