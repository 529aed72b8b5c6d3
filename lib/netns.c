/* The portable half of netns.h: what a --netns argument is, which container a cgroup file
 * names, and how a namespace is called. No system calls: the tests feed them bytes. */
#include "netns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void netns_list_free(struct netns_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

enum netns_spec_kind netns_spec_kind(const char *spec)
{
	size_t i;

	if (!spec || !spec[0] || strcmp(spec, ".") == 0 || strcmp(spec, "..") == 0) {
		return NETNS_SPEC_BAD;
	}
	if (strcmp(spec, "all") == 0) {
		return NETNS_SPEC_ALL;
	}
	if (strchr(spec, '/')) {
		return NETNS_SPEC_PATH;
	}
	for (i = 0; spec[i] >= '0' && spec[i] <= '9'; i++) {
	}
	if (spec[i]) {
		return NETNS_SPEC_NAME;
	}
	/* PID_MAX_LIMIT is 2^22 (include/linux/threads.h): a longer number is no process. */
	if (i > 7 || strtoul(spec, NULL, 10) == 0 || strtoul(spec, NULL, 10) > 4194304ul) {
		return NETNS_SPEC_BAD;
	}
	return NETNS_SPEC_PID;
}

static bool is_hex64(const char *s, size_t len)
{
	if (len != 64) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return true;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/* One path component: "docker-<id>.scope" (systemd), "cri-containerd-<id>.scope",
 * "crio-<id>.scope", "libpod-<id>.scope" or "libpod-<id>", a bare id under "docker" (cgroupfs)
 * or elsewhere (a kubelet with cgroupfs does not name the runtime), "lxc.payload.NAME" (LXC 4)
 * or a name under "lxc" (older LXC). The conmon and LXC monitor processes sit beside the
 * container in the host's namespace: "crio-conmon-", "libpod-conmon-" and "lxc.monitor." are
 * not containers. */
static bool match_component(const char *s, size_t len, const char *parent, size_t plen,
			    struct netns_container *c)
{
	static const struct {
		const char *prefix, *runtime;
	} scopes[] = {
		{ "docker-", "docker" },
		{ "cri-containerd-", "containerd" },
		{ "crio-", "cri-o" },
		{ "libpod-", "podman" },
	};
	const char *runtime = NULL, *id = s;
	size_t idlen = len;

	if (len > 6 && memcmp(s + len - 6, ".scope", 6) == 0) {
		idlen -= 6;
	}
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]) && !runtime; i++) {
		size_t n = strlen(scopes[i].prefix);

		if (has_prefix(s, idlen, scopes[i].prefix) && is_hex64(s + n, idlen - n)) {
			runtime = scopes[i].runtime;
			id = s + n;
			idlen -= n;
		}
	}
	if (!runtime && is_hex64(s, len)) {
		runtime = plen == 6 && memcmp(parent, "docker", 6) == 0 ? "docker" : "container";
	}
	if (runtime) {
		snprintf(c->runtime, sizeof(c->runtime), "%s", runtime);
		snprintf(c->id, sizeof(c->id), "%.12s", id);
		return true;
	}
	if (has_prefix(s, len, "lxc.payload.") && len > 12) {
		snprintf(c->id, sizeof(c->id), "%.*s", (int)(len - 12), s + 12);
	} else if (plen == 3 && memcmp(parent, "lxc", 3) == 0 && !has_prefix(s, len, "lxc.")) {
		snprintf(c->id, sizeof(c->id), "%.*s", (int)len, s);
	} else {
		return false;
	}
	snprintf(c->runtime, sizeof(c->runtime), "lxc");
	return true;
}

/* The innermost container of one cgroup path (the deepest component that names one). */
static bool match_path(const char *p, size_t len, struct netns_container *c)
{
	const char *parent = "", *end = p + len;
	size_t plen = 0;
	bool found = false;

	c->kubernetes = false;
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);

		if (has_prefix(p, n, "kubepods")) {
			c->kubernetes = true;
		}
		if (n > 0 && match_component(p, n, parent, plen, c)) {
			found = true;
		}
		if (n > 0) {
			parent = p;
			plen = n;
		}
		p += n + (slash ? 1 : 0);
	}
	return found;
}

int netns_parse_cgroup(const char *text, size_t len, struct netns_container *c)
{
	const char *p = text, *end = text + len;

	memset(c, 0, sizeof(*c));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		struct netns_container found = { "", "", false };

		/* "hierarchy-ID:controllers:cgroup-path" (cgroups(7)): the path may hold ':'. */
		colon = colon ? memchr(colon + 1, ':', (size_t)(eol - colon - 1)) : NULL;
		if (colon && match_path(colon + 1, (size_t)(eol - colon - 1), &found)) {
			*c = found;
			return 1;
		}
		p = eol + 1;
	}
	return 0;
}

void netns_make_name(struct netns_entry *e, bool host, const char *folder_label,
		     const char *file_name, const struct netns_container *c, const char *hostname)
{
	bool has_host = hostname && hostname[0];

	if (host) {
		e->kind = NETNS_HOST;
		snprintf(e->name, sizeof(e->name), "host");
	} else if (folder_label && !folder_label[0] && file_name) {
		e->kind = NETNS_NAMED;
		snprintf(e->name, sizeof(e->name), "%s", file_name);
	} else if (c && c->kubernetes && has_host) {
		e->kind = NETNS_CONTAINER;
		snprintf(e->name, sizeof(e->name), "pod %.64s (%s %s)", hostname, c->runtime,
			 c->id);
	} else if (c) {
		e->kind = NETNS_CONTAINER;
		snprintf(e->name, sizeof(e->name), "%s %s", c->runtime, c->id);
	} else if (folder_label && file_name) {
		e->kind = NETNS_FOLDER;
		snprintf(e->name, sizeof(e->name), "%s %.120s", folder_label, file_name);
	} else if (has_host) {
		e->kind = NETNS_HOSTNAME;
		snprintf(e->name, sizeof(e->name), "hostname %.64s", hostname);
	} else if (e->pid) {
		e->kind = NETNS_PID;
		snprintf(e->name, sizeof(e->name), "pid %u", (unsigned)e->pid);
	} else {
		e->kind = NETNS_PATH;
		snprintf(e->name, sizeof(e->name), "%.150s", e->path);
	}
	eph_printable(e->name);
}
