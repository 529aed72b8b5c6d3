/* The Linux netns.h's entering half: a thread of its own enters a namespace with setns(2),
 * which moves only the calling thread, and runs a function there (netns_run for the network
 * namespace, netns_linux_enter_hostname for a UTS one). Listing and naming the namespaces is
 * lib/netns_linux.c. */
#define _GNU_SOURCE
#include "netns.h"
#include "netns_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

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

int netns_linux_enter_hostname(uint32_t pid, char *buf, size_t size)
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
