// SPDX-License-Identifier: BSD-2-Clause
/*
 * diffxfrm.c: the socket calls of diffxfrm.h on keysh's xfrm backend (one
 * pfk_conn per PF_KEY socket, found by its receive fd).
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/pfkeyv2.h>

#include "pfk.h"
#include "engine.h"
#define DIFFXFRM_IMPL
#include "diffxfrm.h"

#define DX_MAX 16

static struct pfk_conn conns[DX_MAX];
static bool used[DX_MAX];

static struct pfk_conn *conn_of(int fd)
{
	for (int i = 0; i < DX_MAX; i++)
		if (used[i] && conns[i].fd == fd)
			return &conns[i];
	return NULL;
}

int dx_socket(int domain, int type, int protocol)
{
	int i, ret;

	if (domain != PF_KEY || type != SOCK_RAW || protocol != PF_KEY_V2)
		return socket(domain, type, protocol);
	for (i = 0; i < DX_MAX && used[i]; i++)
		;
	if (i == DX_MAX) {
		errno = EMFILE;
		return -1;
	}
	ret = pfk_conn_open(&conns[i], PFK_BACKEND_XFRM, NULL);
	if (ret) {
		errno = -ret;
		return -1;
	}
	used[i] = true;
	return conns[i].fd;
}

ssize_t dx_send(int fd, const void *buf, size_t len, int flags)
{
	struct pfk_conn *c = conn_of(fd);
	int ret;

	if (!c)
		return send(fd, buf, len, flags);
	ret = pfk_conn_send(c, buf, len);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return (ssize_t)len;
}

ssize_t dx_recv(int fd, void *buf, size_t len, int flags)
{
	struct pfk_conn *c = conn_of(fd);
	ssize_t n;

	if (!c)
		return recv(fd, buf, len, flags);
	/* the core's timers, then a paused dump may go on (recvmsg's work) */
	pfk_engine_sock_timers(0);
	pfk_engine_sock_drained(c->eng, c);
	n = recv(fd, buf, len, flags);
	if (n > 0)
		pfk_engine_sock_drained(c->eng, c);
	return n;
}

int dx_close(int fd)
{
	struct pfk_conn *c = conn_of(fd);

	if (!c)
		return close(fd);
	pfk_conn_close(c);
	used[c - conns] = false;
	return 0;
}
