/* The Linux side of sys.h: the pool from /proc/sys/net/ipv4, sockets from NETLINK_SOCK_DIAG with
 * /proc/net/{tcp,udp}{,6} as the fallback. */
#define _GNU_SOURCE
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "nl_diag.h"
#include "procnet.h"

#define RANGE_PATH "/proc/sys/net/ipv4/ip_local_port_range"
#define RESERVED_PATH "/proc/sys/net/ipv4/ip_local_reserved_ports"

/* Reads a small /proc file whole into buf (NUL-terminated). Returns -1 with errno set; a file
 * that does not fit is an error (EFBIG) rather than a silently cut list. */
static int read_small(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd, rc = -1, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			goto out;
		}
		if (n == 0) {
			break;
		}
		len += (size_t)n;
		if (len == size - 1) {
			errno = EFBIG;
			goto out;
		}
	}
	buf[len] = '\0';
	rc = 0;
out:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int sys_read_pool(enum eph_proto proto, uint16_t override_lo, uint16_t override_hi,
		  struct portpool *pool, struct sys_pool_info *info, struct eph_err *err)
{
	/* The reserved list can name every port: "1,3,5,..." is up to ~190 KiB. */
	static char text[262144];
	uint16_t lo, hi;

	(void)proto; /* one range for TCP and UDP on Linux */
	memset(info, 0, sizeof(*info));
	if (override_lo) {
		lo = override_lo;
		hi = override_hi;
		snprintf(info->range_source, sizeof(info->range_source), "--range");
	} else {
		if (read_small(RANGE_PATH, text, sizeof(text)) < 0) {
			eph_err_set(err, "cannot read %s: %s (give the range with --range LO-HI)",
				    RANGE_PATH, strerror(errno));
			return -1;
		}
		if (pool_parse_range(text, RANGE_PATH, &lo, &hi, err) < 0) {
			return -1;
		}
		snprintf(info->range_source, sizeof(info->range_source), "%s", RANGE_PATH);
	}
	pool_set_range(pool, lo, hi);
	if (read_small(RESERVED_PATH, text, sizeof(text)) < 0) {
		if (errno == ENOENT) {
			/* Kernels before 2.6.35 have no reserved ports at all. */
			snprintf(info->reserved_source, sizeof(info->reserved_source),
				 "none (this kernel has no %s)", RESERVED_PATH);
			return 0;
		}
		eph_err_set(err, "cannot read %s: %s", RESERVED_PATH, strerror(errno));
		return -1;
	}
	if (pool_parse_reserved(pool, text, RESERVED_PATH, err) < 0) {
		return -1;
	}
	snprintf(info->reserved_source, sizeof(info->reserved_source), "%s", RESERVED_PATH);
	return 0;
}

/* inet_diag reports bound-inactive sockets since Linux 6.8 (commit 91051f003948, "tcp: Dump
 * bound-only sockets in inet_diag"); older kernels ignore the request bit silently, so the
 * only way to know is the version. */
static bool kernel_shows_bound(void)
{
	struct utsname u;
	unsigned long major, minor;
	char *end;

	/* strtoul, not sscanf: a release such as "6.99999999999" must not overflow. */
	if (uname(&u) < 0) {
		return false;
	}
	major = strtoul(u.release, &end, 10);
	if (end == u.release || *end != '.') {
		return false;
	}
	minor = strtoul(end + 1, &end, 10);
	return major > 6 || (major == 6 && minor >= 8);
}

/* /proc/net is /proc/self/net: the namespace of the process's main thread. A thread that
 * entered another namespace (--netns) reads its own through /proc/thread-self (Linux 3.17);
 * messages name the file as users know it, /proc/net/... */
static const char *procnet_dir(void)
{
	return access("/proc/thread-self/net", F_OK) == 0 ? "/proc/thread-self/net" : "/proc/net";
}

static int read_procnet(const struct sys_query *q, sock_fn fn, void *ctx, struct eph_err *err)
{
	const char *dir = procnet_dir();

	for (int i = 0; i < 2; i++) {
		int family = i == 0 ? 4 : 6;
		char path[32], open_path[64];
		FILE *f;
		int rc;

		if (!(q->families & (i == 0 ? EPH_FAM_V4 : EPH_FAM_V6))) {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/net/%s%s", eph_proto_name(q->proto),
			 family == 6 ? "6" : "");
		snprintf(open_path, sizeof(open_path), "%s/%s%s", dir, eph_proto_name(q->proto),
			 family == 6 ? "6" : "");
		f = fopen(open_path, "re");
		if (!f) {
			/* No IPv6 in this kernel: there are no IPv6 sockets to count. */
			if (family == 6 && errno == ENOENT) {
				continue;
			}
			eph_err_set(err, "cannot read %s: %s", path, strerror(errno));
			return -1;
		}
		rc = procnet_parse(f, q->proto, family, q->lo, q->hi, fn, ctx, err);
		fclose(f);
		if (rc < 0) {
			struct eph_err inner = *err;

			eph_err_set(err, "%s: %s", path, inner.msg);
			return -1;
		}
	}
	return 0;
}

int sys_read_sockets(const struct sys_query *q, sock_fn fn, void *ctx, struct sys_sock_info *info,
		     struct eph_err *err)
{
	struct eph_err nlerr = { "" };
	int fd = -1, rc;

	memset(info, 0, sizeof(*info));
	rc = NL_DUMP_FAILED;
	if (q->proto == EPH_TCP && q->families == EPH_FAM_ALL) {
		/* One walk of the kernel's tables for both families; should a kernel refuse the
		 * legacy request, forget what it sent and ask the modern way. */
		rc = nl_diag_dump_legacy(&nl_kernel_transport, &fd, q, fn, ctx, &info->restarts,
					 &nlerr);
		if (rc != NL_DUMP_OK && fn(NULL, ctx) != 0) {
			eph_err_set(err, "out of memory while counting sockets");
			return -1;
		}
	}
	if (rc != NL_DUMP_OK) {
		unsigned more = 0;

		rc = nl_diag_dump(&nl_kernel_transport, &fd, q, fn, ctx, &more, &nlerr);
		info->restarts += more;
	}
	if (rc == NL_DUMP_OK) {
		snprintf(info->source, sizeof(info->source), "netlink inet_diag");
		info->bound_visible = q->proto == EPH_UDP || kernel_shows_bound();
		if (q->proto == EPH_TCP && !info->bound_visible) {
			snprintf(info->note, sizeof(info->note),
				 "this kernel cannot show bound-only sockets (Linux 6.8 or later can)");
		}
		return 0;
	}
	if (rc == NL_DUMP_FAILED) {
		*err = nlerr;
		return -1;
	}
	/* Netlink cannot answer here (no sock_diag module, or a sandbox forbids it). */
	if (fn(NULL, ctx) != 0 || read_procnet(q, fn, ctx, err) < 0) {
		return -1;
	}
	snprintf(info->source, sizeof(info->source), "/proc/net/%s (fallback)",
		 eph_proto_name(q->proto));
	info->bound_visible = q->proto == EPH_UDP;
	info->fallback = q->proto == EPH_TCP;
	snprintf(info->note, sizeof(info->note), "netlink unavailable (%.100s); %s",
		 nlerr.msg, q->proto == EPH_TCP ? "bound-only sockets cannot be seen" : "");
	return 0;
}

int sys_time_wait_lifetime(unsigned *seconds, bool *configured, struct sys_tw_info *info,
			   struct eph_err *err)
{
	(void)err;
	*seconds = 60; /* TCP_TIMEWAIT_LEN, include/net/tcp.h; not tunable */
	*configured = false;
	memset(info, 0, sizeof(*info)); /* no setting to name: the churn line says "fixed" */
	return 0;
}

bool sys_time_wait_fixed(void)
{
	return true;
}

void sys_init(void)
{
	signal(SIGPIPE, SIG_IGN);
}

int sys_write_stdout(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
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

/* Writes all of buf to fd; -1 with errno set on failure. */
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
