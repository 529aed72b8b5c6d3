/* Network namespaces, for --netns: find every one on a host (or the one the user names), give
 * each a name a person recognises, and run a function inside one of them without moving the
 * plugin. lib/netns_linux.c does the work; lib/netns_windows.c refuses, as Windows has no
 * network namespaces. The parsers take bytes and are the same on both. */
#ifndef NETNS_H
#define NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eph.h"

/* Namespaces one listing keeps; more are counted in netns_list.dropped, not checked. */
#define NETNS_MAX 4096

/* What a namespace's name was made from, best first. */
enum netns_kind {
	NETNS_HOST,      /* the host's own (initial) namespace: "host" */
	NETNS_NAMED,     /* a file under /run/netns: its name, "blue" */
	NETNS_CONTAINER, /* a member's container: "docker 1a2b3c4d5e6f", "pod web-0 (cri-o ...)" */
	NETNS_FOLDER,    /* a file in a runtime's folder: "docker netns 6f1c2d3e4a5b" */
	NETNS_HOSTNAME,  /* a member's UTS host name: "hostname web1" */
	NETNS_PID,       /* a member process: "pid 4242" */
	NETNS_PATH,      /* nothing but the file given: "/some/path" */
};

/* One network namespace. */
struct netns_entry {
	uint64_t dev, ino;    /* its identity: st_dev and st_ino of its nsfs file */
	char path[256];       /* the file it is opened through: "/run/netns/b", "/proc/42/ns/net" */
	uint32_t pid;         /* its lowest-numbered process, 0 when no process is in it */
	uint32_t procs;       /* processes in it (0 when it was not looked for: see netns_list) */
	bool self;            /* the plugin's own namespace: read without entering */
	const char *folder;   /* the runtime folder path was found in ("/run/netns"), or NULL */
	enum netns_kind kind; /* what name was made from */
	char name[160];       /* printable UTF-8, one line */
};

/* The namespaces found, self first, then in the order they were found. */
struct netns_list {
	struct netns_entry *v;
	size_t n, cap;
	size_t dropped;  /* namespaces beyond NETNS_MAX, not in v */
	size_t hidden;   /* processes whose namespace could not be read (they ended, or the
			  * kernel refused, as some sandboxes do for /proc/1/ns/net) */
	uint64_t self_dev, self_ino; /* the plugin's own namespace */
};

/* Returns 0 when this process may enter other network namespaces (it holds CAP_SYS_ADMIN), -1
 * with err saying why not and what to do. Windows: always -1, --netns is Linux-only. */
int netns_privileged(struct eph_err *err);

/* Fills l (zeroed by the caller) from spec, the --netns argument: "all" lists the plugin's own
 * namespace, every file in the runtime folders (/run/netns, /run/docker/netns, ...) and every
 * process's namespace, each once; a name lists /run/netns/NAME (or a runtime folder's file of
 * that name); a string with '/' an nsfs file; a number that process's namespace. Every entry
 * is named. Returns -1 with err set when the one namespace asked for does not exist or is not
 * a network namespace, or /proc cannot be read; free l with netns_list_free() either way. */
int netns_list(const char *spec, struct netns_list *l, struct eph_err *err);

/* Frees what netns_list (or a test's own listing, malloc'd) put in l; l may be all zeros. */
void netns_list_free(struct netns_list *l);

/* Calls fn(ctx) inside e's namespace: in a new thread that entered it (setns affects only that
 * thread, so the plugin's own namespace never changes), or directly for the plugin's own.
 * Whatever fn opens there (/proc/sys/net, a netlink socket, /proc/thread-self/net) belongs to
 * e's namespace. Returns 0 when fn ran, with its return value in *fn_rc; 1 when the
 * namespace was skipped: it no longer exists (its process ended, the file now is another
 * namespace) or may not be entered (EPERM, EACCES), with why set; -1 with why set when no
 * thread could be made. */
int netns_run(const struct netns_entry *e, int (*fn)(void *ctx), void *ctx, int *fn_rc,
	      struct eph_err *why);

/* A container named in a process's cgroup file. */
struct netns_container {
	char runtime[16]; /* "docker", "containerd", "cri-o", "podman", "container", "lxc" */
	char id[64];      /* 12 hex digits; an LXC container's name */
	bool kubernetes;  /* the cgroup lies under kubepods: the UTS host name is the pod name */
};

/* Finds the innermost container in len bytes of a /proc/PID/cgroup file (v1 or v2 lines,
 * "N:controllers:/path"). Returns 1 and fills c when there is one, 0 when the process is in
 * no container this knows. */
int netns_parse_cgroup(const char *text, size_t len, struct netns_container *c);

/* What a --netns argument is. */
enum netns_spec_kind {
	NETNS_SPEC_ALL,  /* "all" */
	NETNS_SPEC_PID,  /* digits only: a process */
	NETNS_SPEC_PATH, /* contains '/': an nsfs file */
	NETNS_SPEC_NAME, /* anything else: a name under /run/netns */
	NETNS_SPEC_BAD,  /* "", ".", "..", a pid of 0 or above 2^22 */
};

enum netns_spec_kind netns_spec_kind(const char *spec);

/* Makes e->name and e->kind from what is known about e, best first: host, folder (label ""
 * for /run/netns; "docker netns" and such for other runtimes' folders, which come after the
 * container), container c (NULL: none; with hostname as pod name under Kubernetes),
 * hostname ("" or NULL: none), pid, path. */
void netns_make_name(struct netns_entry *e, bool host, const char *folder_label,
		     const char *file_name, const struct netns_container *c, const char *hostname);

#endif
