/* Linux: which process holds a socket. inet_diag gives each socket's inode; the process is the
 * one with a descriptor whose link reads "socket:[inode]" under /proc/<pid>/fd. The scan takes
 * the /proc directory as a parameter so that tests can run it over a tree they built. */
#ifndef PROCFD_H
#define PROCFD_H

#include <stddef.h>
#include <stdint.h>

#include "eph.h"
#include "sys.h"

/* Parses a descriptor link text of len bytes ("socket:[12345]") into *inode. Returns -1 for
 * anything else (files, pipes, "anon_inode:...", a malformed number). */
int procfd_parse_link(const char *text, size_t len, uint64_t *inode);

/* sys_pid_for_inodes over the process directory root ("/proc" in the plugin). */
int procfd_scan(const char *root, const uint64_t *inodes, size_t n, uint32_t *pids,
		struct sys_owner_scan *s, struct eph_err *err);

/* The first line of root/<pid>/comm into buf, without the newline. Returns -1 when it cannot be
 * read (buf is "" then). */
int procfd_comm(const char *root, uint32_t pid, char *buf, size_t size);

#endif
