// SPDX-License-Identifier: BSD-2-Clause
/*
 * dump_raw.c: the raw side of keysh's dump benchmark. One SEQPACKET
 * connection to keyd, one SADB_DUMP, then plain recv() of every message
 * until the one with seq 0 -- no parsing, no rendering. Prints the time.
 *   dump_raw SOCKET
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/pfkeyv2.h>
#include "../../lib/msg.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static unsigned char buf[65536 * 8];
	struct mb req;
	const struct sadb_msg *h = (const void *)buf;
	unsigned long n = 0;
	double t0;
	ssize_t r;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: dump_raw SOCKET\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		perror(argv[1]);
		return 1;
	}
	mb_hdr(&req, SADB_DUMP, SADB_SATYPE_UNSPEC, 1);
	req.h.sadb_msg_pid = (unsigned int)getpid();
	mb_done(&req);
	t0 = now();
	if (send(fd, req.b, req.len, 0) != (ssize_t)req.len) {
		perror("send");
		return 1;
	}
	for (;;) {
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < (ssize_t)sizeof(*h)) {
			perror("recv");
			return 1;
		}
		if (h->sadb_msg_type != SADB_DUMP || h->sadb_msg_pid != req.h.sadb_msg_pid)
			continue;
		if (h->sadb_msg_errno)
			break;
		n++;
		if (h->sadb_msg_seq == 0)
			break;
	}
	printf("%lu %.3f\n", n, now() - t0);
	return 0;
}
