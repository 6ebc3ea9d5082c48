// SPDX-License-Identifier: BSD-2-Clause
/*
 * paced.c: the event source of keysh's monitor benchmark. One raw SEQPACKET
 * connection to keyd sends N pre-built ADDs (ESP, AES-CBC-128 +
 * HMAC-SHA1, distinct destinations and SPIs) at a fixed RATE per second:
 * message i is due at t0 + i / RATE and goes out as soon as it is due (so
 * a late start catches up in a burst, never exceeding the average), with at
 * most 64 requests unanswered. Every ADD is echoed to every socket (ALL
 * broadcast), so a monitor should see exactly N ADD events. Prints the
 * rate achieved and the errors seen; exits 1 if any ADD failed.
 *   paced SOCKET N RATE [FIRST_SPI]
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>
#include "../../lib/msg.h"

#define MSG_BYTES 136
#define WINDOW 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void addr(struct mb *m, uint16_t type, uint32_t ip)
{
	uint32_t a = htonl(ip);

	mb_addr_bin(m, type, AF_INET, &a, 32, IPSEC_PROTO_ANY, 0);
}

/* hdr 16 + SA 16 + SRC 24 + DST 24 + KEY_AUTH 32 + KEY_ENCRYPT 24 */
static void build_add(uint8_t *b, uint32_t spi, uint32_t seq, uint32_t daddr)
{
	static struct mb m;

	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, seq);
	m.h.sadb_msg_pid = (uint32_t)getpid();
	mb_sa(&m, spi, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	addr(&m, SADB_EXT_ADDRESS_SRC, 0x0a000001);
	addr(&m, SADB_EXT_ADDRESS_DST, daddr);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 0xa5);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0x5a);
	memcpy(b, m.b, mb_done(&m));
}

/* Take one reply if one is there within timeout_ms; 1, 0 (none) or -1. */
static int take_reply(int fd, int timeout_ms, unsigned long *errs)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	static uint8_t rx[65536];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = recv(fd, rx, sizeof(rx), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n < (ssize_t)sizeof(struct sadb_msg))
		return -1;
	if (((struct sadb_msg *)rx)->sadb_msg_errno)
		(*errs)++;
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned long n, rate, first, sent = 0, got = 0, errs = 0;
	uint8_t msg[MSG_BYTES];
	double t0, t1, due;
	int fd, r;

	if (argc < 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: paced SOCKET N RATE [FIRST_SPI]\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	rate = strtoul(argv[3], NULL, 0);
	first = argc > 4 ? strtoul(argv[4], NULL, 0) : 0x1000;
	if (!n || !rate)
		return 2;
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(argv[1]);
		return 1;
	}
	t0 = now();
	while (got < n) {
		double t = now();

		while (sent < n && sent - got < WINDOW && t0 + (double)sent / (double)rate <= t) {
			build_add(msg, (uint32_t)(first + sent), (uint32_t)sent + 1,
				  0x0c000000 + (uint32_t)sent);
			if (send(fd, msg, sizeof(msg), 0) != (ssize_t)sizeof(msg)) {
				perror("send");
				return 1;
			}
			sent++;
		}
		/* Wait for a reply, or until the next message is due. */
		due = t0 + (double)sent / (double)rate - now();
		r = take_reply(fd, sent < n && sent - got < WINDOW ?
			       (due > 0 ? (int)(due * 1000) + 1 : 0) : 10000, &errs);
		if (r < 0) {
			fprintf(stderr, "paced: connection failed after %lu replies\n", got);
			return 1;
		}
		got += (unsigned long)r;
		if (!r && sent == n && now() - t0 > (double)n / (double)rate + 10) {
			fprintf(stderr, "paced: %lu replies missing\n", n - got);
			return 1;
		}
	}
	t1 = now();
	printf("paced ADD: %lu SAs in %.3f s = %.0f SAs/s (asked %lu/s, %lu errors)\n", n,
	       t1 - t0, (double)n / (t1 - t0), rate, errs);
	close(fd);
	return errs ? 1 : 0;
}
