/* The files of the POSIX backend: --output-file's atomic replacement (armed at the start, so
 * that every way a run ends replaces it), the forecast's state file written the same way and
 * read back. The log and the lock files are in sys_posix_log.c. _GNU_SOURCE for mkostemp,
 * which the BSDs and macOS have as well. */
#define _GNU_SOURCE
#include "sys.h"
#include "sys_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"

const char *sys_posix_file_kind(mode_t m)
{
	static const struct { mode_t type; const char *kind; } kinds[] = {
		{ S_IFLNK, "a symbolic link" }, { S_IFDIR, "a directory" },
		{ S_IFCHR, "a character device" }, { S_IFBLK, "a block device" },
		{ S_IFIFO, "a FIFO" }, { S_IFSOCK, "a socket" },
	};

	if (S_ISREG(m)) {
		return NULL;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((m & S_IFMT) == kinds[i].type) {
			return kinds[i].kind;
		}
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
	if (sys_posix_file_kind(st.st_mode)) {
		kind = sys_posix_file_kind(st.st_mode);
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

int sys_posix_file_write_temp(const char *path, const char *buf, size_t len, mode_t mode,
			      char *tmp, size_t size)
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
	if (fchmod(fd, mode) < 0 || sys_posix_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
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
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0 ||
	    sys_posix_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
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
	sigset_t old;
	int fd = armed_fd, saved = 0, rc = -1;
	bool target_ok;

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
	sys_posix_block_stops(&old);
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
	if (sys_posix_file_write_temp(path, buf, len, 0644, tmp, sizeof(tmp)) < 0) {
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

/* sb_read_all's reader: read(2) on the descriptor *ctx. */
static long read_fd(void *ctx, char *buf, size_t size)
{
	ssize_t n;

	do {
		n = read(*(const int *)ctx, buf, size);
	} while (n < 0 && errno == EINTR);
	return (long)n;
}

int sys_read_file(const char *path, size_t max, struct strbuf *sb, struct eph_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc;

	if (fd < 0 && errno == ENOENT) {
		return 1;
	}
	if (fd < 0) {
		eph_err_set(err, "cannot open %.120s: %s", path, strerror(errno));
		return -1;
	}
	rc = sb_read_all(sb, max, read_fd, &fd);
	if (rc < 0) {
		eph_err_set(err, "cannot read %.120s: %s", path, strerror(errno));
	} else if (rc == 0 && sb->overflow) {
		eph_err_set(err, "out of memory reading %.120s", path);
		rc = -1;
	}
	close(fd);
	return rc;
}
