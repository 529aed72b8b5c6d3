/* The Linux side of sys.h: the pool from /proc/sys/net/ipv4, sockets from NETLINK_SOCK_DIAG with
 * /proc/net/{tcp,udp}{,6} as the fallback (nl_diag.c, procnet.c), the fixed TIME_WAIT lifetime.
 * The owner search is procfd.c; stdout, timer, files, log, host name and clock are the POSIX
 * part every Unix backend shares, sys_posix.c. */
#define _GNU_SOURCE
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Reads a /proc/sys integer. Returns 1 with *v set, 0 when the file does not exist (this
 * kernel has no such setting), -1 when it exists but cannot be read or parsed: the reason is
 * appended to note then. */
static int read_sysctl(const char *name, long *v, char *note, size_t size)
{
	char path[96], text[64], *end;
	size_t len = strlen(note);

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	if (read_small(path, text, sizeof(text)) < 0) {
		if (errno == ENOENT) {
			return 0;
		}
		snprintf(note + len, size - len, "%scannot read %s: %s", len ? "; " : "", path,
			 strerror(errno));
		return -1;
	}
	errno = 0;
	*v = strtol(text, &end, 10);
	if (end == text || errno || (*end != '\n' && *end != '\0') || *v < 0) {
		snprintf(note + len, size - len, "%s%s does not hold a number", len ? "; " : "",
			 path);
		return -1;
	}
	return 1;
}

int sys_time_wait_lifetime(unsigned *seconds, bool *configured, struct sys_tw_info *info,
			   struct eph_err *err)
{
	long v;

	(void)err;
	*seconds = 60; /* TCP_TIMEWAIT_LEN, include/net/tcp.h; not tunable */
	*configured = false;
	memset(info, 0, sizeof(*info)); /* no lifetime setting to name: "fixed" */
	/* The reuse settings are per network namespace, like the pool (Documentation/networking/
	 * ip-sysctl.rst). tcp_tw_reuse_delay exists since Linux 6.13; before, the delay was a
	 * fixed second. */
	info->reuse_model = true;
	info->reuse = read_sysctl("tcp_tw_reuse", &v, info->note, sizeof(info->note)) == 1 && v <= 2
			      ? (int)v
			      : -1;
	info->timestamps =
		read_sysctl("tcp_timestamps", &v, info->note, sizeof(info->note)) == 1 && v <= 2
			? (int)v
			: -1;
	info->reuse_delay_ms = 1000;
	if (read_sysctl("tcp_tw_reuse_delay", &v, info->note, sizeof(info->note)) == 1 && v > 0 &&
	    v <= 600000) {
		info->reuse_delay_ms = (unsigned)v;
		info->delay_configured = true;
	}
	return 0;
}

bool sys_time_wait_fixed(void)
{
	return true;
}
