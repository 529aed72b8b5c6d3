/* The Linux owner search behind sys.h: /proc/<pid>/fd links to socket inodes, process names from
 * /proc/<pid>/comm (user names: sys_posix.c, the password database any Unix has). */
#define _GNU_SOURCE
#include "procfd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "num.h"

/* How often, in descriptors read, the clock is looked at inside one process: a process can hold
 * a million descriptors, and a clock call per link would cost more than the readlink. */
#define CLOCK_EVERY 256

int procfd_parse_link(const char *text, size_t len, uint64_t *inode)
{
	static const char prefix[] = "socket:[";
	size_t digits = len - sizeof(prefix); /* between the prefix and the closing ']' */
	uint64_t v = 0;

	if (len < sizeof(prefix) + 1 || memcmp(text, prefix, sizeof(prefix) - 1) != 0 ||
	    text[len - 1] != ']' ||
	    num_scan(text + sizeof(prefix) - 1, digits, UINT64_MAX, &v) != digits || v == 0) {
		return -1;
	}
	*inode = v;
	return 0;
}

/* A /proc entry that names a process: digits only, and a pid that fits. */
static int parse_pid(const char *name, uint32_t *pid)
{
	uint64_t v;

	if (num_parse(name, 0x7fffffff, &v) < 0) {
		return -1;
	}
	*pid = (uint32_t)v;
	return 0;
}

static ssize_t find_inode(const uint64_t *inodes, size_t n, uint64_t inode)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (inodes[mid] < inode) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < n && inodes[lo] == inode ? (ssize_t)lo : -1;
}

static bool past(const struct sys_owner_scan *s)
{
	return s->deadline_ms && sys_clock_ms() >= s->deadline_ms;
}

/* Reads one process's descriptors. Returns 1 to stop the whole scan (a limit was reached or
 * every inode is found), 0 to go on. */
static int scan_process(int rootfd, uint32_t pid, const uint64_t *inodes, size_t n,
			uint32_t *pids, struct sys_owner_scan *s)
{
	char path[32], link[64];
	struct dirent *e;
	DIR *d;
	int fd, stop = 0;

	snprintf(path, sizeof(path), "%u/fd", pid);
	fd = openat(rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		/* EACCES: another user's process; ENOENT: it ended since readdir saw it. */
		if (errno == EACCES || errno == EPERM) {
			s->denied++;
		}
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		uint64_t inode;
		ssize_t len, i;

		if (e->d_name[0] == '.') {
			continue;
		}
		s->links++;
		if ((s->max_links && s->links >= s->max_links) ||
		    (s->links % CLOCK_EVERY == 0 && past(s))) {
			s->gave_up = true;
			stop = 1;
			break;
		}
		len = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (len <= 0 || procfd_parse_link(link, (size_t)len, &inode) < 0) {
			continue;
		}
		i = find_inode(inodes, n, inode);
		if (i >= 0 && pids[i] == EPH_OWNER_NONE) {
			pids[i] = pid;
			if (++s->found == n) {
				stop = 1;
				break;
			}
		}
	}
	closedir(d);
	return stop;
}

/* The network namespace of a process, as the text of its ns/net link ("net:[4026531840]");
 * "" when it cannot be read (another user's process, or a tree without ns links). */
static void net_ns(int rootfd, const char *pid, char *buf, size_t size)
{
	char path[300];
	ssize_t len;

	snprintf(path, sizeof(path), "%s/ns/net", pid);
	len = readlinkat(rootfd, path, buf, size - 1);
	buf[len > 0 ? len : 0] = '\0';
}

int procfd_scan(const char *root, const uint64_t *inodes, size_t n, uint32_t *pids,
		struct sys_owner_scan *s, struct eph_err *err)
{
	uint64_t start = sys_clock_ms();
	char own[64], ns[64];
	struct dirent *e;
	DIR *d = NULL;
	int rootfd, dupfd, rc = -1;

	s->needed = true;
	s->procs = s->denied = s->links = s->found = 0;
	s->gave_up = false;
	for (size_t i = 0; i < n; i++) {
		pids[i] = EPH_OWNER_NONE;
	}
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		eph_err_set(err, "cannot read %s: %s", root, strerror(errno));
		return -1;
	}
	dupfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (dupfd < 0 || !(d = fdopendir(dupfd))) {
		eph_err_set(err, "cannot list %s: %s", root, strerror(errno));
		if (dupfd >= 0) {
			close(dupfd);
		}
		goto out;
	}
	rc = 0;
	if (n == 0) {
		goto out;
	}
	/* The sockets were read from this process's network namespace, and almost always belong
	 * to processes in it: search those first (pass 0), the others only for what is left
	 * (pass 1). On a host whose containers hold many descriptors this keeps the search
	 * short; without readable ns links everything is searched in pass 0. */
	net_ns(rootfd, "self", own, sizeof(own));
	for (int pass = 0; pass < 2 && !s->gave_up && s->found < n; pass++) {
		if (pass == 1) {
			if (!own[0]) {
				break;
			}
			rewinddir(d);
		}
		while ((e = readdir(d)) != NULL) {
			uint32_t pid;
			bool same;

			if (parse_pid(e->d_name, &pid) < 0) {
				continue;
			}
			if (own[0]) {
				net_ns(rootfd, e->d_name, ns, sizeof(ns));
				same = strcmp(ns, own) == 0;
				if (same != (pass == 0)) {
					continue;
				}
			}
			if (past(s)) {
				s->gave_up = true;
				break;
			}
			s->procs++;
			if (scan_process(rootfd, pid, inodes, n, pids, s)) {
				break;
			}
		}
	}
	/* /proc mounted with hidepid=1/2 hides other users' processes instead of denying them:
	 * an unprivileged search that finished without finding everything could not see some
	 * owners, so count that as (at least) one denied process. */
	if (!s->gave_up && s->found < n && s->denied == 0 && geteuid() != 0) {
		s->denied = 1;
	}
out:
	if (d) {
		closedir(d);
	}
	close(rootfd);
	s->elapsed_ms = sys_clock_ms() - start;
	return rc;
}

int procfd_comm(const char *root, uint32_t pid, char *buf, size_t size)
{
	char path[96];
	size_t len;
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%u/comm", root, pid);
	f = fopen(path, "re");
	if (!f) {
		return -1;
	}
	if (!fgets(buf, (int)size, f)) {
		buf[0] = '\0';
		fclose(f);
		return -1;
	}
	fclose(f);
	len = strcspn(buf, "\n");
	buf[len] = '\0';
	return len ? 0 : -1;
}

int sys_pid_for_inodes(const uint64_t *inodes, size_t n, uint32_t *pids,
		       struct sys_owner_scan *s, struct eph_err *err)
{
	return procfd_scan("/proc", inodes, n, pids, s, err);
}

int sys_process_name(uint32_t pid, char *buf, size_t size)
{
	return procfd_comm("/proc", pid, buf, size);
}
