// SPDX-License-Identifier: BSD-2-Clause
/*
 * access.c: who may use keyd's sockets. By default only root and keyd's own
 * uid (sockets 0600, peers checked with SO_PEERCRED). --socket-group GROUP
 * delegates keying to a group: both sockets (PATH and PATH.ctl) get that
 * group and --socket-mode (0660 by default), and a peer whose primary or
 * supplementary groups (SO_PEERGROUPS) include GROUP is accepted too.
 * Other users are refused whatever the mode says, so modes with bits for
 * them are rejected rather than half honoured.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "keyd.h"

int keyd_access_parse_group(const char *s, gid_t *out)
{
	struct group *g;
	char *end;
	unsigned long v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	g = getgrnam(s);
	if (g) {
		*out = g->gr_gid;
		return 0;
	}
	v = strtoul(s, &end, 10);
	if (*end || v >= (unsigned long)(gid_t)-1)
		return -ENOENT;
	*out = (gid_t)v;
	return 0;
}

int keyd_access_parse_mode(const char *s, mode_t *out)
{
	char *end;
	unsigned long v;

	if (!*s)
		return -EINVAL;
	v = strtoul(s, &end, 8);
	if (*end || v > 07777)
		return -EINVAL;
	/* the owner must connect; other users are refused by the peer check */
	if ((v & 0600) != 0600 || (v & ~0770UL))
		return -ERANGE;
	*out = (mode_t)v;
	return 0;
}

int keyd_access_apply(const struct keyd_opts *o, const char *path)
{
	if (!o->socket_group_set)
		return 0;
	if (chown(path, (uid_t)-1, o->socket_gid) < 0 || chmod(path, o->socket_mode) < 0)
		return -errno;
	return 0;
}

bool keyd_access_group_ok(const struct keyd_opts *o, int fd, gid_t primary)
{
	gid_t groups[256];
	socklen_t l = sizeof(groups);
	size_t i;

	if (!o->socket_group_set)
		return false;
	if (primary == o->socket_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &l) < 0)
		return false;	/* ERANGE: more than 256 groups; refused */
	for (i = 0; i < l / sizeof(groups[0]); i++)
		if (groups[i] == o->socket_gid)
			return true;
	return false;
}
