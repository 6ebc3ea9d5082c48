// SPDX-License-Identifier: BSD-2-Clause
/* test_lib_transport.c: whole-message send/recv over Unix SOCK_SEQPACKET
 * (the keyd backend), sizing and timeouts, opening the pfkey and keyd
 * backends. The choice of backend and the default keyd path:
 * test_backend.c. */
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "unit.h"
#include "pfk.h"

#ifndef PF_KEY
#define PF_KEY 15
#endif

static void conn_on(struct pfk_conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->backend = PFK_BACKEND_KEYD;
}

TEST(lib_transport_seqpacket_whole_messages)
{
	uint64_t big[1024], rx[1024];
	struct pfk_buf b = { .p = (uint8_t *)big, .cap = sizeof(big) };
	struct pfk_conn c;
	int sv[2], len, n;
	uint8_t small[32];

	REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	conn_on(&c, sv[0]);

	/* our send -> peer sees one datagram of exactly len bytes */
	len = pfk_build_flush(&b, PFK_SATYPE_ESP, 9, 1);
	REQUIRE(len == 16);
	CHECK_EQ(pfk_conn_send(&c, big, (size_t)len), 0);
	CHECK_EQ(recv(sv[1], rx, sizeof(rx), 0), 16);
	CHECK_MEM(rx, big, 16);

	/* two messages queued: each recv returns exactly one */
	memset(big, 0x11, 200);
	CHECK_EQ(send(sv[1], big, 200, 0), 200);
	memset(big, 0x22, 48);
	CHECK_EQ(send(sv[1], big, 48, 0), 48);
	n = pfk_conn_recv(&c, rx, sizeof(rx), 1000);
	CHECK_EQ(n, 200);
	CHECK_EQ(((uint8_t *)rx)[199], 0x11);
	n = pfk_conn_recv(&c, rx, sizeof(rx), 1000);
	CHECK_EQ(n, 48);
	CHECK_EQ(((uint8_t *)rx)[0], 0x22);

	/* nothing queued: timeout */
	CHECK_EQ(pfk_conn_recv(&c, rx, sizeof(rx), 0), -ETIMEDOUT);

	/* too big for the caller: dropped whole, the next one is intact */
	memset(big, 0x33, 64);
	CHECK_EQ(send(sv[1], big, 64, 0), 64);
	memset(big, 0x44, 16);
	CHECK_EQ(send(sv[1], big, 16, 0), 16);
	CHECK_EQ(pfk_conn_recv(&c, small, sizeof(small), 1000), -EMSGSIZE);
	CHECK_EQ(pfk_conn_recv(&c, small, sizeof(small), 1000), 16);
	CHECK_EQ(small[0], 0x44);

	/* a message of 8 KiB arrives whole */
	memset(big, 0x55, sizeof(big));
	CHECK_EQ(send(sv[1], big, sizeof(big), 0), (ssize_t)sizeof(big));
	CHECK_EQ(pfk_conn_recv(&c, rx, sizeof(rx), 1000), (int)sizeof(rx));
	CHECK_MEM(rx, big, sizeof(big));

	/* peer gone */
	close(sv[1]);
	CHECK_EQ(pfk_conn_recv(&c, rx, sizeof(rx), 1000), -ECONNRESET);
	pfk_conn_close(&c);
	CHECK_EQ(c.fd, -1);
	CHECK_EQ(pfk_conn_send(&c, rx, 16), -EBADF);
	CHECK_EQ(c.lost, 0);
}

TEST(lib_transport_kernel_backend)
{
	struct pfk_conn c;
	int fd = socket(PF_KEY, SOCK_RAW, 2), err = errno, ret;

	if (fd >= 0)
		close(fd);
	ret = pfk_conn_open(&c, PFK_BACKEND_PFKEY, NULL);
	/* Same verdict as the raw socket call: -EAFNOSUPPORT on this host. */
	CHECK_EQ(c.backend, PFK_BACKEND_PFKEY);
	if (fd >= 0) {
		CHECK_EQ(ret, 0);
		pfk_conn_close(&c);
	} else {
		CHECK_EQ(ret, -err);
	}
}

TEST(lib_transport_keyd_connect)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[108];
	struct pfk_conn c;
	int lfd, afd, ret;
	uint8_t m[16] = { 2, 9 };

	snprintf(path, sizeof(path), "/tmp/keysh-unit-%d.sock", (int)getpid());
	unlink(path);
	CHECK_EQ(pfk_conn_open(&c, PFK_BACKEND_KEYD, path), -ENOENT);

	lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	REQUIRE(lfd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	REQUIRE(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	REQUIRE(listen(lfd, 4) == 0);

	ret = pfk_conn_open(&c, PFK_BACKEND_KEYD, path);
	REQUIRE_EQ(ret, 0);
	CHECK_EQ(c.backend, PFK_BACKEND_KEYD);
	CHECK_STR(c.path, path);
	CHECK_EQ(c.pid, (uint32_t)getpid());
	afd = accept(lfd, NULL, NULL);
	REQUIRE(afd >= 0);
	CHECK_EQ(pfk_conn_send(&c, m, sizeof(m)), 0);
	CHECK_EQ(recv(afd, m, sizeof(m), 0), 16);
	CHECK_EQ(send(afd, m, sizeof(m), 0), 16);
	CHECK_EQ(pfk_conn_recv(&c, m, sizeof(m), 1000), 16);
	pfk_conn_close(&c);
	close(afd);

	/* AUTO with a socket is keyd, whatever the kernel has */
	ret = pfk_conn_open(&c, PFK_BACKEND_AUTO, path);
	CHECK_EQ(ret, 0);
	CHECK_EQ(c.backend, PFK_BACKEND_KEYD);
	pfk_conn_close(&c);
	close(accept(lfd, NULL, NULL));
	close(lfd);
	unlink(path);
	CHECK_EQ(pfk_conn_open(&c, PFK_BACKEND_AUTO, path), -ENOENT);
	CHECK_EQ(c.backend, PFK_BACKEND_KEYD);
	CHECK_EQ(pfk_conn_open(&c, PFK_BACKEND_KEYD,
			       "/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock"), -ENAMETOOLONG);
}
