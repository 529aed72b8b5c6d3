/* The Linux half of netns.h. A network namespace is known by the inode of its nsfs file
 * (namespaces(7)); it is found through the files runtimes bind-mount in their folders and
 * through /proc/PID/ns/net, and read by a thread that entered it with setns(2), which moves
 * only the calling thread (setns(2): "reassociate the calling thread"). Sockets and /proc/sys
 * files opened by that thread belong to its namespace (sock_create and the sysctl lookup take
 * current->nsproxy->net_ns); tests/test_netns.c checks both on the running kernel. */
#define _GNU_SOURCE
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Inode numbers of the initial namespaces (include/linux/proc_ns.h). Dynamic ones start at
 * 0xF0000000 (PROC_DYNAMIC_FIRST), so these never name another namespace. The network one is
 * fixed since Linux 6.18; before, the host's is the one of PID 1 in the initial PID
 * namespace (fixed since Linux 3.8). */
#define NET_INIT_INO 0xEFFFFFF9u
#define PID_INIT_INO 0xEFFFFFFCu

/* NS_GET_NSTYPE (linux/nsfs.h, Linux 4.11): the type of namespace a file refers to. */
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

/* Where runtimes keep a file per network namespace, bind-mounted from nsfs. The label is what
 * the name says about a file found here: "" means the file's name is the namespace's name
 * (ip netns; the CNI plugins of containerd and cri-o put "cni-<uuid>" here, podman's netavark
 * "netns-<uuid>"); Docker's files are named after its sandbox, so a container id found
 * through a member process names them better. /var/run is /run on current systems; the inode
 * keeps each namespace once. */
static const struct {
	const char *path, *label;
} folders[] = {
	{ "/run/netns", "" },
	{ "/var/run/netns", "" },
	{ "/run/docker/netns", "docker netns" },
	{ "/var/run/docker/netns", "docker netns" },
};

#define NFOLDERS (sizeof(folders) / sizeof(folders[0]))

int netns_privileged(struct eph_err *err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0) {
		eph_err_set(err, "--netns: cannot read this process's capabilities: %s",
			    strerror(errno));
		return -1;
	}
	if (d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) {
		return 0;
	}
	eph_err_set(err, "--netns needs CAP_SYS_ADMIN to enter other network namespaces: run the "
			 "plugin as root (see docs/containers.md)");
	return -1;
}

/* The (dev, ino) -> index table that keeps each namespace once: open addressing over twice
 * NETNS_MAX slots, so it never fills. A slot holds index + 1; 0 is empty. */
#define SEEN_SLOTS (2 * NETNS_MAX)

static uint32_t *seen_slot(uint32_t *seen, const struct netns_list *l, uint64_t dev,
			   uint64_t ino)
{
	size_t i = (size_t)((ino * 0x9E3779B97F4A7C15ull) >> 51) % SEEN_SLOTS;

	while (seen[i]) {
		const struct netns_entry *e = &l->v[seen[i] - 1];

		if (e->ino == ino && e->dev == dev) {
			break;
		}
		i = (i + 1) % SEEN_SLOTS;
	}
	return &seen[i];
}

/* Adds the namespace (st->st_dev, st->st_ino) unless it is known. Returns its entry, or NULL
 * when the list is full (counted in l->dropped) or out of memory (-1 in *oom). */
static struct netns_entry *add(struct netns_list *l, uint32_t *seen, const struct stat *st,
			       const char *path, bool *added, bool *oom)
{
	uint32_t *slot = seen_slot(seen, l, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	struct netns_entry *e;

	*added = false;
	if (*slot) {
		return &l->v[*slot - 1];
	}
	if (l->n == NETNS_MAX) {
		l->dropped++;
		return NULL;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct netns_entry *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			*oom = true;
			return NULL;
		}
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	e->dev = (uint64_t)st->st_dev;
	e->ino = (uint64_t)st->st_ino;
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->self = e->dev == l->self_dev && e->ino == l->self_ino;
	*slot = (uint32_t)++l->n;
	*added = true;
	return e;
}

/* True when st is an nsfs file (they all live on the one nsfs super block, as the plugin's own
 * /proc/self/ns/net does). */
static bool on_nsfs(const struct netns_list *l, const struct stat *st)
{
	return (uint64_t)st->st_dev == l->self_dev && !S_ISDIR(st->st_mode);
}

/* Every nsfs file in the runtime folders. A folder that does not exist is normal. */
static int scan_folders(struct netns_list *l, uint32_t *seen, struct eph_err *err)
{
	for (size_t f = 0; f < NFOLDERS; f++) {
		DIR *d = opendir(folders[f].path);
		struct dirent *de;

		if (!d) {
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			char path[256];
			struct stat st;
			struct netns_entry *e;
			bool added, oom = false;
			int n;

			if (de->d_name[0] == '.') {
				continue;
			}
			n = snprintf(path, sizeof(path), "%s/%s", folders[f].path, de->d_name);
			/* A file that is not a mount (a crashed "ip netns add" leaves one) is
			 * no namespace. */
			if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) < 0 ||
			    !on_nsfs(l, &st)) {
				continue;
			}
			e = add(l, seen, &st, path, &added, &oom);
			if (oom) {
				closedir(d);
				eph_err_set(err, "out of memory listing network namespaces");
				return -1;
			}
			if (e && added) {
				e->folder = folders[f].path;
			}
		}
		closedir(d);
	}
	return 0;
}

/* Every process's namespace: counts its processes and keeps the lowest pid of each; with
 * add_new, namespaces not yet listed are added. /proc lists processes in ascending order, but
 * the lowest is kept whatever the order. */
static int scan_procs(struct netns_list *l, uint32_t *seen, bool add_new, struct eph_err *err)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d) {
		eph_err_set(err, "cannot list /proc: %s", strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char path[64];
		struct stat st;
		struct netns_entry *e;
		unsigned long pid;
		char *end;
		bool added, oom = false;
		uint32_t *slot;

		if (de->d_name[0] < '1' || de->d_name[0] > '9') {
			continue;
		}
		pid = strtoul(de->d_name, &end, 10);
		if (*end || pid > UINT32_MAX) {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%lu/ns/net", pid);
		if (stat(path, &st) < 0) {
			l->hidden++;
			continue;
		}
		if (add_new) {
			e = add(l, seen, &st, path, &added, &oom);
		} else {
			slot = seen_slot(seen, l, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
			e = *slot ? &l->v[*slot - 1] : NULL;
		}
		if (oom) {
			closedir(d);
			eph_err_set(err, "out of memory listing network namespaces");
			return -1;
		}
		if (e) {
			e->procs++;
			if (!e->pid || pid < e->pid) {
				e->pid = (uint32_t)pid;
			}
		}
	}
	closedir(d);
	return 0;
}

/* What a new thread does: enter the namespace, then call fn. */
struct call {
	int fd, nstype;
	int (*fn)(void *ctx);
	void *ctx;
	int rc, eno;
	bool entered;
};

static void *call_thread(void *arg)
{
	struct call *c = arg;

	if (setns(c->fd, c->nstype) < 0) {
		c->eno = errno;
		return NULL;
	}
	c->entered = true;
	c->rc = c->fn(c->ctx);
	return NULL;
}

/* Runs c in a thread of its own and waits for it. The thread dies with the namespace it
 * entered; the plugin's threads never leave theirs. Returns -1 with errno set when no thread
 * could be made. The stack is small and fixed, so that a tight ulimit -v does not stop a
 * thread that needs little: the readers keep their buffers on the heap. */
static int call_in_thread(struct call *c)
{
	pthread_attr_t attr;
	pthread_t t;
	int e;

	e = pthread_attr_init(&attr);
	if (e == 0) {
		e = pthread_attr_setstacksize(&attr, 1u << 20);
		if (e == 0) {
			e = pthread_create(&t, &attr, call_thread, c);
		}
		pthread_attr_destroy(&attr);
	}
	if (e != 0) {
		errno = e;
		return -1;
	}
	pthread_join(t, NULL);
	return 0;
}

static int uname_fn(void *ctx)
{
	struct utsname *u = ctx;

	return uname(u);
}

/* The UTS host name of process pid, when it has a UTS namespace of its own (one shared with the
 * plugin names the host, not the namespace): read by a thread that entered that namespace,
 * since only uname(2) inside it gives the name exactly. 0 and buf filled, or -1. */
static int uts_hostname(uint32_t pid, char *buf, size_t size)
{
	struct stat own, st;
	struct utsname u;
	struct call c = { -1, CLONE_NEWUTS, uname_fn, &u, -1, 0, false };
	char path[64];
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/%u/ns/uts", (unsigned)pid);
	if (stat("/proc/self/ns/uts", &own) < 0 || stat(path, &st) < 0 ||
	    (own.st_ino == st.st_ino && own.st_dev == st.st_dev)) {
		return -1;
	}
	c.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c.fd < 0) {
		return -1;
	}
	if (call_in_thread(&c) == 0 && c.entered && c.rc == 0 && u.nodename[0]) {
		snprintf(buf, size, "%s", u.nodename);
		rc = 0;
	}
	close(c.fd);
	return rc;
}

/* The container of process pid from /proc/PID/cgroup; 1 when there is one. */
static int container_of(uint32_t pid, struct netns_container *c)
{
	char path[64], text[8192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", (unsigned)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return 0;
	}
	/* One read: the kernel produces the file whole for a read this size (one line per
	 * hierarchy); a longer one is cut, and its first lines still name the container. */
	n = read(fd, text, sizeof(text));
	close(fd);
	return n > 0 ? netns_parse_cgroup(text, (size_t)n, c) : 0;
}

static void name_entry(struct netns_entry *e, bool init_pidns)
{
	struct netns_container c;
	const char *label = NULL, *file = NULL;
	char hostname[72] = "";
	bool host, has_c = false;

	host = e->ino == NET_INIT_INO || (init_pidns && e->pid == 1);
	if (e->folder) {
		for (size_t f = 0; f < NFOLDERS; f++) {
			if (e->folder == folders[f].path) {
				label = folders[f].label;
			}
		}
		file = strrchr(e->path, '/') + 1;
	}
	if (!host && !(label && !label[0]) && e->pid) {
		has_c = container_of(e->pid, &c) == 1;
		/* The host name is asked for only where it makes the name: a pod's, or when
		 * neither container nor runtime folder says more. */
		if ((has_c && c.kubernetes) || (!has_c && !label)) {
			uts_hostname(e->pid, hostname, sizeof(hostname));
		}
	}
	netns_make_name(e, host, label, file, has_c ? &c : NULL, hostname);
}

/* Two containers may share a host name: a name seen before gets its process (or inode) added,
 * so that every name, and every Prometheus series labelled with it, stays one namespace's. */
static void unique_names(struct netns_list *l)
{
	for (size_t i = 1; i < l->n; i++) {
		struct netns_entry *e = &l->v[i];

		for (size_t j = 0; j < i; j++) {
			if (strcmp(l->v[j].name, e->name) == 0) {
				char base[sizeof(e->name)];

				snprintf(base, sizeof(base), "%s", e->name);
				if (e->pid && e->kind != NETNS_PID) {
					snprintf(e->name, sizeof(e->name), "%.120s (pid %u)", base,
						 (unsigned)e->pid);
				} else {
					snprintf(e->name, sizeof(e->name), "%.120s (inode %llu)", base,
						 (unsigned long long)e->ino);
				}
				break;
			}
		}
	}
}

/* The file for a --netns NAME: /run/netns/NAME, else a runtime folder's file of that name. */
static int find_named(const char *name, char *path, size_t size, struct eph_err *err)
{
	struct stat st;

	for (size_t f = 0; f < NFOLDERS; f++) {
		int n = snprintf(path, size, "%s/%s", folders[f].path, name);

		if (n > 0 && (size_t)n < size && lstat(path, &st) == 0) {
			return 0;
		}
	}
	eph_err_set(err,
		    "--netns %.100s: no network namespace of that name in /run/netns or "
		    "/run/docker/netns (ip netns list shows the names)",
		    name);
	return -1;
}

/* The one namespace of --netns NAME|PATH|PID, with the folder it lies in. */
static int add_one(const char *spec, enum netns_spec_kind kind, struct netns_list *l,
		   uint32_t *seen, struct eph_err *err)
{
	char path[256];
	struct stat st;
	struct netns_entry *e;
	bool added, oom = false;
	int fd, type;

	if (kind == NETNS_SPEC_PID) {
		snprintf(path, sizeof(path), "/proc/%s/ns/net", spec);
	} else if (kind == NETNS_SPEC_NAME) {
		if (find_named(spec, path, sizeof(path), err) < 0) {
			return -1;
		}
	} else if (snprintf(path, sizeof(path), "%s", spec) >= (int)sizeof(path)) {
		eph_err_set(err, "--netns: the path is longer than %zu bytes", sizeof(path) - 1);
		return -1;
	}
	if (stat(path, &st) < 0) {
		if (kind == NETNS_SPEC_PID && errno == ENOENT) {
			eph_err_set(err, "--netns %.20s: there is no process %.20s", spec, spec);
		} else {
			eph_err_set(err, "--netns: cannot read %.200s: %s", path, strerror(errno));
		}
		return -1;
	}
	if (!on_nsfs(l, &st)) {
		eph_err_set(err, "--netns: %.200s is not a namespace file (a mount of nsfs, as "
				 "in /run/netns, or /proc/PID/ns/net)", path);
		return -1;
	}
	/* Another kind of namespace (/proc/PID/ns/mnt) would only fail later, in setns. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		type = ioctl(fd, NS_GET_NSTYPE);
		close(fd);
		if (type >= 0 && type != CLONE_NEWNET) {
			eph_err_set(err, "--netns: %.200s is not a network namespace", path);
			return -1;
		}
	}
	e = add(l, seen, &st, path, &added, &oom);
	if (!e) {
		eph_err_set(err, "out of memory listing network namespaces");
		return -1;
	}
	for (size_t f = 0; f < NFOLDERS && kind == NETNS_SPEC_NAME; f++) {
		size_t n = strlen(folders[f].path);

		if (strncmp(path, folders[f].path, n) == 0 && path[n] == '/') {
			e->folder = folders[f].path;
			break;
		}
	}
	return 0;
}

int netns_list(const char *spec, struct netns_list *l, struct eph_err *err)
{
	enum netns_spec_kind kind = netns_spec_kind(spec);
	uint32_t *seen = NULL;
	struct stat st;
	bool added, oom = false, init_pidns;
	int rc = -1;

	if (kind == NETNS_SPEC_BAD) {
		eph_err_set(err,
			    "--netns takes all, a name under /run/netns, a namespace file's path "
			    "or a process id, not '%.40s'",
			    spec ? spec : "");
		return -1;
	}
	if (stat("/proc/self/ns/net", &st) < 0) {
		eph_err_set(err, "--netns: cannot read /proc/self/ns/net: %s (needs /proc)",
			    strerror(errno));
		return -1;
	}
	l->self_dev = (uint64_t)st.st_dev;
	l->self_ino = (uint64_t)st.st_ino;
	seen = calloc(SEEN_SLOTS, sizeof(*seen));
	if (!seen) {
		eph_err_set(err, "out of memory listing network namespaces");
		return -1;
	}
	if (kind == NETNS_SPEC_ALL) {
		if (!add(l, seen, &st, "/proc/self/ns/net", &added, &oom) ||
		    scan_folders(l, seen, err) < 0) {
			if (oom) {
				eph_err_set(err, "out of memory listing network namespaces");
			}
			goto out;
		}
	} else if (add_one(spec, kind, l, seen, err) < 0) {
		goto out;
	}
	if (scan_procs(l, seen, kind == NETNS_SPEC_ALL, err) < 0) {
		goto out;
	}
	init_pidns = stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == PID_INIT_INO;
	for (size_t i = 0; i < l->n; i++) {
		name_entry(&l->v[i], init_pidns);
	}
	unique_names(l);
	rc = 0;
out:
	free(seen);
	return rc;
}

int netns_run(const struct netns_entry *e, int (*fn)(void *ctx), void *ctx, int *fn_rc,
	      struct eph_err *why)
{
	struct call c = { -1, CLONE_NEWNET, fn, ctx, -1, 0, false };
	struct stat st;
	int rc = 1;

	if (e->self) {
		*fn_rc = fn(ctx);
		return 0;
	}
	c.fd = open(e->path, O_RDONLY | O_CLOEXEC);
	if (c.fd < 0) {
		eph_err_set(why, "%s: %s", e->path,
			    errno == ENOENT || errno == ESRCH ? "gone (its processes ended)"
							      : strerror(errno));
		return 1;
	}
	/* The pid may now be another process's, in another namespace. */
	if (fstat(c.fd, &st) < 0 || (uint64_t)st.st_ino != e->ino ||
	    (uint64_t)st.st_dev != e->dev) {
		eph_err_set(why, "%s: gone (it now is another namespace)", e->path);
		goto out;
	}
	if (call_in_thread(&c) < 0) {
		eph_err_set(why, "cannot start a thread to enter %s: %s", e->path, strerror(errno));
		rc = -1;
		goto out;
	}
	if (!c.entered) {
		eph_err_set(why, "%s may not be entered: %s", e->path, strerror(c.eno));
		goto out;
	}
	*fn_rc = c.rc;
	rc = 0;
out:
	close(c.fd);
	return rc;
}
