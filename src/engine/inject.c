// SPDX-License-Identifier: BSD-2-Clause
/*
 * inject.c: keyd's client mode. `keyd [--socket PATH] inject DIR SRC DST
 * PROTO SPORT DPORT BYTES` sends "flow ..." to a running keyd's PATH.ctl and
 * prints its answer; `keyd [--socket PATH] stats` prints the counters.
 * Exit status 0 when keyd answered "ok", 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "keyd.h"

int keyd_inject_run(const char *sockpath, int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[512], reply[1024];
	size_t len = 0, rlen = 0;
	int fd, i;

	if (keyd_path_ctl(sockpath, sa.sun_path, sizeof(sa.sun_path))) {
		fprintf(stderr, "keyd: socket path too long: %s\n", sockpath);
		return KEYD_EXIT_USAGE;
	}
	/* argv[0] is "inject" (-> "flow") or "stats". */
	len = (size_t)snprintf(line, sizeof(line), "%s",
			       !strcmp(argv[0], "inject") ? "flow" : argv[0]);
	for (i = 1; i < argc && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", argv[i]);
	if (len + 1 >= sizeof(line)) {
		fprintf(stderr, "keyd: command too long\n");
		return KEYD_EXIT_USAGE;
	}
	line[len++] = '\n';

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "keyd: %s: %s (is keyd running?)\n", sa.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return KEYD_EXIT_FAIL;
	}
	if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "keyd: %s: %s\n", sa.sun_path, strerror(errno));
		close(fd);
		return KEYD_EXIT_FAIL;
	}
	while (rlen < sizeof(reply) - 1 && !memchr(reply, '\n', rlen)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0) {
			fprintf(stderr, "keyd: %s: no answer\n", sa.sun_path);
			close(fd);
			return KEYD_EXIT_FAIL;
		}
		n = recv(fd, reply + rlen, sizeof(reply) - 1 - rlen, 0);
		if (n <= 0)
			break;
		rlen += (size_t)n;
	}
	close(fd);
	reply[rlen] = '\0';
	fputs(reply, stdout);
	if (rlen && reply[rlen - 1] != '\n')
		putchar('\n');
	return !strncmp(reply, "ok", 2) ? KEYD_EXIT_OK : KEYD_EXIT_FAIL;
}
