// SPDX-License-Identifier: BSD-2-Clause
/*
 * ready.c: telling whoever started keyd that it serves. Three listeners: a
 * daemonising parent (--daemon: one byte on a pipe, after which the child's
 * stderr goes to /dev/null), systemd (Type=notify: READY=1 as a datagram to
 * $NOTIFY_SOCKET, the sd_notify protocol written out, no libsystemd), and
 * the log, which copies messages to stderr until then so a daemon that
 * fails to start says why on the terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "keyd.h"

/* One sd_notify datagram; nothing when NOTIFY_SOCKET is unset. Returns 0,
 * or -errno (logged by the caller: readiness is advisory). */
static int notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t salen;
	size_t n;
	int fd, ret = 0;

	if (!path || !*path)
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sun.sun_path))
		return -EINVAL;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract namespace */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun, salen) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

void keyd_ready(int ready_fd, const char *status)
{
	char msg[512];
	int fd, ret;

	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d\nSTATUS=listening on %s", (int)getpid(),
		 status);
	ret = notify(msg);
	if (ret)
		keyd_log(KEYD_LOG_WARN, "NOTIFY_SOCKET: %s", strerror(-ret));
	keyd_log_started();
	if (ready_fd < 0)
		return;
	/* The parent exits on the byte: nothing may hold its stderr then. */
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 2);
		if (fd != 2)
			close(fd);
	}
	if (write(ready_fd, "1", 1) != 1)
		keyd_log(KEYD_LOG_WARN, "readiness pipe: %s", strerror(errno));
	close(ready_fd);
}

void keyd_stopping(void)
{
	int ret = notify("STOPPING=1");

	if (ret)
		keyd_log(KEYD_LOG_WARN, "NOTIFY_SOCKET: %s", strerror(-ret));
}
