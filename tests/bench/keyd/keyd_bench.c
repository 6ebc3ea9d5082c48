// SPDX-License-Identifier: BSD-2-Clause
/*
 * keyd_bench.c: raw-client load for keyd. Pre-builds N ADD messages (ESP,
 * AES-CBC-128 + HMAC-SHA1, distinct SPIs), streams them through one
 * connection keeping WINDOW requests in flight, and counts the ADD echoes
 * (ALL broadcast, so the sender gets one per SA). Then DUMPs the SADB and
 * times it until the final seq-0 message, then DELETEs every SA, oldest
 * first. Prints SAs/s and msgs/s.
 *   keyd_bench SOCKET [N] [WINDOW] [distinct|same] [larval]
 * "larval": a larval SA without SPI stays pending on another address pair
 * throughout (what a key manager negotiating one peer leaves while another
 * is bulk keyed): a GETSPI with an empty SPIRANGE creates it and fails
 * (EINVAL, as af_key); it is re-sent every 1024 ADDs because larval SAs
 * expire after 30 s.
 * With KEYD_PID set (keyd.sh STALL=1), after the ADDs it sends SIGHUP to
 * that keyd (--state: a compaction, i.e. a fork and a snapshot) and for 3 s
 * times GET round trips one after the other: the longest is the stall a
 * client sees while a compaction starts.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <poll.h>
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

/* hdr 16 + SA 16 + SRC 24 + DST 24 + KEY_AUTH 32 + KEY_ENCRYPT 24 */
#define MSG_BYTES 136

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Copy the message built in m (our pid) to b; its length. */
static size_t take(struct mb *m, uint8_t *b)
{
	m->h.sadb_msg_pid = (uint32_t)getpid();
	memcpy(b, m->b, mb_done(m));
	return m->len;
}

static void addr(struct mb *m, uint16_t type, uint32_t ip)
{
	uint32_t a = htonl(ip);

	mb_addr_bin(m, type, AF_INET, &a, 32, IPSEC_PROTO_ANY, 0);
}

/* ADD of an ESP SA (AES-CBC-128, HMAC-SHA1) 10.0.0.1 -> daddr: MSG_BYTES. */
static size_t build_add(uint8_t *b, uint32_t spi, uint32_t seq, uint32_t daddr)
{
	static struct mb m;

	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, seq);
	mb_sa(&m, spi, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	addr(&m, SADB_EXT_ADDRESS_SRC, 0x0a000001);
	addr(&m, SADB_EXT_ADDRESS_DST, daddr);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 0xa5);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0x5a);
	return take(&m, b);
}

/* GETSPI 10.0.0.1 -> 10.9.9.9 with SPIRANGE min > max: 80 bytes. */
static size_t build_getspi_fail(uint8_t *b)
{
	static struct mb m;

	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 0);
	addr(&m, SADB_EXT_ADDRESS_SRC, 0x0a000001);
	addr(&m, SADB_EXT_ADDRESS_DST, 0x0a090909);
	mb_spirange(&m, 0x2000, 0x1000);
	return take(&m, b);
}

static int recv_one(int fd, uint8_t *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 10000) <= 0)
		return -ETIMEDOUT;
	return (int)recv(fd, buf, cap, 0);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 0) : 100000;
	unsigned long window = argc > 3 ? strtoul(argv[3], NULL, 0) : 64;
	bool same = argc > 4 && !strcmp(argv[4], "same");
	bool larval = argc > 5 && !strcmp(argv[5], "larval");
	unsigned long sent = 0, got = 0, errs = 0, dumped = 0, extra = 0, gsent = 0;
	static uint8_t rx[65536];
	uint8_t *msgs, gmsg[80];
	size_t mlen = 0, glen = build_getspi_fail(gmsg);
	double t0, t1, t2;
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path) || !n || !window) {
		fprintf(stderr, "usage: keyd_bench SOCKET [N] [WINDOW]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(argv[1]);
		return 1;
	}
	msgs = malloc(n * MSG_BYTES);
	if (!msgs)
		return 1;
	for (unsigned long i = 0; i < n; i++)
		mlen = build_add(msgs + i * MSG_BYTES, 0x1000 + (uint32_t)i, (uint32_t)i + 1,
				 same ? 0x0a000002 : 0x0b000000 + (uint32_t)i);

	t0 = now();
	/* sent/got count ADDs plus the GETSPIs in flight (gsent - extra) */
	while (got < n) {
		while (sent < n && sent + gsent - got - extra < window) {
			if (larval && sent % 1024 == 0 && gsent <= sent / 1024) {
				if (send(fd, gmsg, glen, 0) != (ssize_t)glen) {
					perror("send");
					return 1;
				}
				gsent++;
				continue;
			}
			if (send(fd, msgs + sent * MSG_BYTES, mlen, 0) != (ssize_t)mlen) {
				perror("send");
				return 1;
			}
			sent++;
		}
		if (recv_one(fd, rx, sizeof(rx)) <= 0) {
			fprintf(stderr, "ADD: reply %lu missing\n", got);
			return 1;
		}
		if (((struct sadb_msg *)rx)->sadb_msg_type == SADB_GETSPI) {
			if (((struct sadb_msg *)rx)->sadb_msg_errno != EINVAL)
				errs++;
			extra++;
			continue;
		}
		if (((struct sadb_msg *)rx)->sadb_msg_errno)
			errs++;
		got++;
	}
	t1 = now();
	if (getenv("KEYD_PID")) {
		double ts = now(), worst = 0, tq;
		unsigned long probes = 0;
		bool hup = false;
		uint8_t g[80];

		while ((tq = now()) - ts < 3.0) {
			memcpy(g, msgs + (probes * 7919 % n) * MSG_BYTES, sizeof(g));
			((struct sadb_msg *)g)->sadb_msg_type = SADB_GET;
			((struct sadb_msg *)g)->sadb_msg_len = sizeof(g) / 8;
			if (!hup && tq - ts > 0.2) {
				kill((pid_t)atoi(getenv("KEYD_PID")), SIGHUP);
				hup = true;
			}
			if (send(fd, g, sizeof(g), 0) != (ssize_t)sizeof(g))
				return 1;
			do
				if (recv_one(fd, rx, sizeof(rx)) <= 0)
					return 1;
			while (((struct sadb_msg *)rx)->sadb_msg_type != SADB_GET);
			if (now() - tq > worst)
				worst = now() - tq;
			probes++;
		}
		printf("keyd GET during a compaction (SIGHUP) of %lu SAs: longest round trip "
		       "%.1f ms (%lu probes in 3 s)\n", n, worst * 1000, probes);
	}
	printf("keyd ADD (%s address pairs%s): %lu SAs in %.3f s = %.0f SAs/s "
	       "(window %lu, %lu errors)\n", same ? "one" : "distinct",
	       larval ? ", larval SA pending" : "", n, t1 - t0, (double)n / (t1 - t0),
	       window, errs);

	{
		static struct mb d;

		mb_hdr(&d, SADB_DUMP, SADB_SATYPE_UNSPEC, 1);
		mb_done(&d);
		t1 = now();
		if (send(fd, d.b, d.len, 0) != (ssize_t)d.len) {
			perror("send");
			return 1;
		}
		for (;;) {
			int len = recv_one(fd, rx, sizeof(rx));
			struct sadb_msg *h = (void *)rx;

			if (len <= 0 || h->sadb_msg_errno) {
				fprintf(stderr, "DUMP: failed after %lu messages\n", dumped);
				return 1;
			}
			dumped++;
			if (!h->sadb_msg_seq)
				break;
		}
		t2 = now();
	}
	printf("keyd DUMP: %lu SAs in %.3f s = %.0f msgs/s\n", dumped, t2 - t1,
	       (double)dumped / (t2 - t1));
	/* the larval SA (if still there) is dumped too */
	if (larval && dumped == n + 1)
		dumped = n;

	/* DELETE oldest first, same window; the echo is an ALL broadcast */
	for (unsigned long i = 0; i < n; i++) {
		struct sadb_msg *h = (void *)(msgs + i * MSG_BYTES);

		h->sadb_msg_type = SADB_DELETE;
		h->sadb_msg_len = (16 + 16 + 48) / 8;	/* drop the keys */
	}
	sent = got = 0;
	t1 = now();
	while (got < n) {
		while (sent < n && sent - got < window) {
			if (send(fd, msgs + sent * MSG_BYTES, 80, 0) != 80) {
				perror("send");
				return 1;
			}
			sent++;
		}
		if (recv_one(fd, rx, sizeof(rx)) <= 0) {
			fprintf(stderr, "DELETE: reply %lu missing\n", got);
			return 1;
		}
		if (((struct sadb_msg *)rx)->sadb_msg_errno)
			errs++;
		got++;
	}
	t2 = now();
	printf("keyd DELETE (oldest first): %lu SAs in %.3f s = %.0f SAs/s (%lu errors)\n",
	       n, t2 - t1, (double)n / (t2 - t1), errs);
	free(msgs);
	close(fd);
	return errs || dumped != n ? 1 : 0;
}
