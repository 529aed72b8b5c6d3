/* What the Linux files of netns.h share, and nothing else sees: netns_linux.c lists and names
 * the namespaces, netns_linux_enter.c enters them in threads of their own. */
#ifndef NETNS_LINUX_H
#define NETNS_LINUX_H

#include <stddef.h>
#include <stdint.h>

/* The UTS host name of process pid, when it has a UTS namespace of its own (one shared with the
 * plugin names the host, not the namespace): read by a thread that entered that namespace,
 * since only uname(2) inside it gives the name exactly. 0 and buf filled, or -1. */
int netns_linux_enter_hostname(uint32_t pid, char *buf, size_t size);

#endif
