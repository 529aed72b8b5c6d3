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

/* The signals that end a run before it is done: SIGALRM is -t's own timer; SIGTERM, SIGINT and
 * SIGHUP come from a caller that gave up (Nagios and NRPE send SIGTERM when their own timeout
 * expires) or from an operator. */
static const int stop_signals[] = { SIGALRM, SIGTERM, SIGINT, SIGHUP };
static void (*stop_fn)(enum sys_stop why);
/* sys_clock_ms() at which -t's timer fires; 0 before sys_timeout_start. */
static uint64_t timer_deadline_ms;

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
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	sigemptyset(&set);
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		sigaddset(&sa.sa_mask, stop_signals[i]);
		sigaddset(&set, stop_signals[i]);
	}
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

/* What a file of mode m is, for a message that says why it is refused; NULL for a regular
 * file. */
static const char *file_kind(mode_t m)
{
	if (S_ISREG(m)) {
		return NULL;
	}
	if (S_ISLNK(m)) {
		return "a symbolic link";
	}
	if (S_ISDIR(m)) {
		return "a directory";
	}
	if (S_ISCHR(m)) {
		return "a character device";
	}
	if (S_ISBLK(m)) {
		return "a block device";
	}
	if (S_ISFIFO(m)) {
		return "a FIFO";
	}
	if (S_ISSOCK(m)) {
		return "a socket";
	}
	return "not a regular file";
}

/* True when path may be replaced: it does not exist or is a regular file itself. A device
 * (/dev/null), FIFO, socket, directory or symbolic link (/dev/stdout) named by mistake would
 * otherwise be swapped for a regular file, as root even in /dev. lstat only, so the timeout
 * handler may call it (async-signal-safe, POSIX.1-2008). */
static bool replaceable(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? errno == ENOENT : S_ISREG(st.st_mode);
}

/* Sets err to why path may not be replaced (see replaceable()). */
static void refuse_target(const char *path, struct eph_err *err)
{
	struct stat st = { 0 };
	const char *kind = "not a regular file";

	if (lstat(path, &st) < 0 && errno != ENOENT) {
		eph_err_set(err, "cannot look at %.120s: %s", path, strerror(errno));
		return;
	}
	if (file_kind(st.st_mode)) {
		kind = file_kind(st.st_mode);
	}
	eph_err_set(err,
		    "%.120s is %s, not a regular file, and only regular files are replaced; name "
		    "one, or a path where none exists yet",
		    path, kind);
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

/* Creates a temporary file beside path holding len bytes of buf, flushed to disk, with the
 * permissions mode. Returns its name in tmp, or -1 with errno set and nothing left behind. */
static int write_temp(const char *path, const char *buf, size_t len, mode_t mode, char *tmp,
		      size_t size)
{
	int fd, saved;

	if (temp_name(path, tmp, size) < 0) {
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	/* mkstemp makes the file 0600, and collectors (node_exporter) run as another user. */
	if (fchmod(fd, mode) < 0 || write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
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
		armed_tmp[0] = '\0';
		eph_err_set(err, "cannot use the path %.120s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	if (!replaceable(path)) {
		armed_tmp[0] = '\0';
		refuse_target(path, err);
		return -1;
	}
	armed_fd = mkostemp(armed_tmp, O_CLOEXEC);
	if (armed_fd < 0) {
		armed_tmp[0] = '\0'; /* a failed mkostemp leaves a name that is not ours */
	}
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

/* Makes the armed file hold exactly len bytes of buf, on disk. From the start: a stop signal
 * may arrive while sys_file_commit() has written part of the output. ftruncate, lseek, write
 * and fsync are async-signal-safe (POSIX.1-2008). */
static int armed_fill(int fd, const char *buf, size_t len)
{
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0 || write_all(fd, buf, len) < 0 ||
	    fsync(fd) < 0) {
		return -1;
	}
	return 0;
}

/* Only calls that are async-signal-safe: the timeout and the stop signals end here. */
void sys_file_replace_now(const char *buf, size_t len)
{
	int fd = armed_fd;

	if (fd < 0) {
		return;
	}
	armed_fd = -1;
	if (armed_fill(fd, buf, len) < 0) {
		close(fd);
		unlink(armed_tmp);
		return;
	}
	/* Checked again right before the rename: the target may have changed since arming. */
	if (close(fd) < 0 || !replaceable(armed_path) || rename(armed_tmp, armed_path) < 0) {
		unlink(armed_tmp);
	}
}

int sys_file_commit(const char *buf, size_t len, struct eph_err *err)
{
	sigset_t stops, old;
	int fd = armed_fd, saved = 0, rc = -1;
	bool target_ok;
	size_t i;

	if (fd < 0) {
		eph_err_set(err, "cannot write %.120s: no temporary file was prepared", armed_path);
		return -1;
	}
	if (armed_fill(fd, buf, len) < 0) {
		saved = errno;
		goto out;
	}
	/* The file is complete: a stop signal from here on would find it half renamed. They wait
	 * for the close and the rename (metadata only), then end the run as usual, with the
	 * file already in place. */
	sigemptyset(&stops);
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		sigaddset(&stops, stop_signals[i]);
	}
	sigprocmask(SIG_BLOCK, &stops, &old);
	armed_fd = -1;
	target_ok = replaceable(armed_path);
	if (close(fd) < 0 || (target_ok && rename(armed_tmp, armed_path) < 0)) {
		saved = errno;
	} else if (!target_ok) {
		refuse_target(armed_path, err);
	} else {
		armed_tmp[0] = '\0';
		rc = 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		sync_dir(armed_path);
	}
out:
	if (rc < 0) {
		sys_file_disarm();
	}
	if (saved) {
		eph_err_set(err, "cannot replace %.120s: %s", armed_path, strerror(saved));
	}
	return rc;
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

	if (!replaceable(path)) {
		refuse_target(path, err);
		return -1;
	}
	if (write_temp(path, buf, len, 0644, tmp, sizeof(tmp)) < 0) {
		eph_err_set(err,
			    "cannot write a temporary file beside %.120s: %s (the directory must exist "
			    "and be writable by this user)",
			    path, strerror(errno));
		return -1;
	}
	/* Again right before the rename: what was checked a moment ago may have changed. */
	if (!replaceable(path)) {
		unlink(tmp);
		refuse_target(path, err);
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

	if (write_temp(path, header, strlen(header), LOG_MODE, tmp, sizeof(tmp)) < 0) {
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
	rc = write_all(fd, header, strlen(header));
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Opens the log for appending without following a symbolic link (anyone who can write the
 * directory could point it at another file) and without blocking on a FIFO with no reader.
 * Returns the descriptor, or -1 with errno set; *kind is set to what the path is when it is
 * not a regular file (and errno is then EINVAL). */
static int open_log(const char *path, const char **kind)
{
	struct stat st;
	int fd, flags, saved;

	*kind = NULL;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		/* ELOOP (a link), ENXIO (a FIFO without reader, a socket), EISDIR: say what the
		 * path is rather than the errno's words. */
		saved = errno;
		if (saved != ENOENT && lstat(path, &st) == 0 && file_kind(st.st_mode)) {
			*kind = file_kind(st.st_mode);
			saved = EINVAL;
		}
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		goto fail;
	}
	if (file_kind(st.st_mode)) {
		*kind = file_kind(st.st_mode);
		errno = EINVAL;
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
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

int sys_append_file(const char *path, const char *header, const char *lines, size_t len,
		    struct eph_err *err)
{
	struct strbuf sb = { 0 };
	struct stat st;
	const char *what = "open", *kind = NULL;
	unsigned waited_ms = 0;
	ssize_t n;
	int fd = -1, rc = -1, saved = 0;

	fd = open_log(path, &kind);
	if (fd < 0 && errno == ENOENT) {
		what = "create";
		if (create_with_header(path, header) < 0) {
			saved = errno;
			goto out;
		}
		what = "open";
		fd = open_log(path, &kind);
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
	if (fstat(fd, &st) < 0) {
		saved = errno;
		goto out;
	}
	/* An empty file (created with touch and chown by the administrator) gets the header in
	 * the same write as the lines. */
	if (st.st_size == 0) {
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
	if (rc < 0 && kind && strcmp(kind, "a symbolic link") == 0) {
		eph_err_set(err,
			    "the log %.120s is a symbolic link, which is not followed (whoever may "
			    "write its directory could point it at another file); name the file itself",
			    path);
	} else if (rc < 0 && kind) {
		eph_err_set(err, "the log %.120s is %s, not a regular file; name a regular file", path,
			    kind);
	} else if (rc < 0 && saved) {
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
