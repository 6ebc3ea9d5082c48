/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kfuzz.c: mutation fuzzing of the running kernel's PF_KEY from userspace.
 *   kfuzz SECONDS SEED CORPUS...
 * Seeds are the messages of diffclient recordings ("R <sock> <hex>" lines:
 * replies and broadcasts of every type, which are valid requests too). Each
 * round takes a seed, mutates it (byte flips, extension length/type
 * rewrites, truncation, extension duplication, message type/satype swaps),
 * keeps sadb_msg_len consistent most of the time so that the message gets
 * past the header checks, sends it from one of four sockets (one
 * promiscuous, one registered) and drains every socket. Tables are flushed
 * every 256 rounds. The kernel runs with panic_on_warn=1 oops=panic, so a
 * bug shows as a dead VM; kfuzz itself only fails if a socket call fails in
 * a way no PF_KEY implementation may (EBADF, EFAULT on our own buffers).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/pfkeyv2.h>
#include "../lib/msg.h"

#define MSGMAX 65536
#define MAXSEEDS 4096

static uint8_t *seed[MAXSEEDS];
static size_t seedlen[MAXSEEDS];
static unsigned nseed;
static uint64_t rs;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 16);
}

static int unhex(int c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void load(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return;
	while ((n = getline(&line, &cap, f)) > 0 && nseed < MAXSEEDS) {
		char *h;
		size_t l;

		if (line[0] != 'R' || !(h = strchr(line + 2, ' ')))
			continue;
		h++;
		l = strcspn(h, "\r\n") / 2;
		if (l < sizeof(struct sadb_msg) || l > MSGMAX)
			continue;
		seed[nseed] = malloc(l);
		for (size_t i = 0; i < l; i++)
			seed[nseed][i] = (uint8_t)(unhex(h[2 * i]) << 4 | unhex(h[2 * i + 1]));
		seedlen[nseed++] = l;
	}
	free(line);
	fclose(f);
}

/* Offset of a random extension header in m, or 0 when there is none. */
static size_t pick_ext(const uint8_t *m, size_t len)
{
	size_t off = sizeof(struct sadb_msg), found[64];
	unsigned n = 0;

	while (off + 4 <= len && n < 64) {
		uint16_t el = (uint16_t)(m[off] | m[off + 1] << 8);

		found[n++] = off;
		if (!el)
			break;
		off += (size_t)el * 8;
	}
	return n ? found[rnd() % n] : 0;
}

static size_t mutate(uint8_t *m, size_t len)
{
	unsigned rounds = 1 + rnd() % 4;
	struct sadb_msg *h = (struct sadb_msg *)m;

	while (rounds--) {
		size_t e = pick_ext(m, len);

		switch (rnd() % 9) {
		case 0:	/* flip a byte */
			m[rnd() % len] ^= (uint8_t)(1 + rnd() % 255);
			break;
		case 1:	/* random byte in an extension body */
			if (e && e + 4 < len)
				m[e + 4 + rnd() % (len - e - 4)] = (uint8_t)rnd();
			break;
		case 2:	/* extension length */
			if (e) {
				uint16_t v = rnd() % 4 ? (uint16_t)(rnd() % 8) : (uint16_t)rnd();

				m[e] = (uint8_t)v;
				m[e + 1] = (uint8_t)(v >> 8);
			}
			break;
		case 3:	/* extension type */
			if (e)
				m[e + 2] = (uint8_t)(rnd() % (SADB_EXT_MAX + 3));
			break;
		case 4:	/* truncate at an 8-byte boundary */
			if (len > 16)
				len = 16 + 8 * (rnd() % ((len - 16) / 8 + 1));
			break;
		case 5:	/* duplicate the tail extension block */
			if (e && len + (len - e) <= MSGMAX - 8) {
				memcpy(m + len, m + e, len - e);
				len += len - e;
			}
			break;
		case 6:	/* another message type */
			h->sadb_msg_type = (uint8_t)(1 + rnd() % SADB_MAX);
			break;
		case 7:	/* another SA type */
			h->sadb_msg_satype = (uint8_t)(rnd() % 10);
			break;
		default: /* a sockaddr family or prefix length */
			if (e && e + 10 < len) {
				m[e + 5] = (uint8_t)rnd();
				m[e + 8] = rnd() % 2 ? 2 : 10;
			}
			break;
		}
	}
	len &= ~(size_t)7;
	if (len < sizeof(*h))
		len = sizeof(*h);
	h->sadb_msg_version = rnd() % 64 ? PF_KEY_V2 : (uint8_t)rnd();
	h->sadb_msg_reserved = rnd() % 64 ? 0 : (uint16_t)rnd();
	if (rnd() % 16)
		h->sadb_msg_len = (uint16_t)(len / 8);
	h->sadb_msg_errno = rnd() % 16 ? 0 : (uint8_t)rnd();
	return len;
}

/* A header-only request (PROMISC, REGISTER, FLUSH, SPDFLUSH) from socket s. */
static void simple(int s, uint8_t type, uint8_t satype)
{
	static struct mb q;

	mb_hdr(&q, type, satype, 0);
	send(s, q.b, mb_done(&q), 0);
}

int main(int argc, char **argv)
{
	static uint8_t m[MSGMAX], rb[MSGMAX];
	int sk[4], bad = 0;
	unsigned long rounds = 0;
	time_t end;

	if (argc < 4) {
		fprintf(stderr, "usage: kfuzz SECONDS SEED CORPUS...\n");
		return 2;
	}
	end = time(NULL) + atoi(argv[1]);
	rs = strtoull(argv[2], NULL, 0) | 1;
	for (int i = 3; i < argc; i++)
		load(argv[i]);
	if (!nseed) {
		fprintf(stderr, "kfuzz: no seeds\n");
		return 2;
	}
	printf("kfuzz: seed %s, %u seed messages, %s s\n", argv[2], nseed, argv[1]);
	fflush(stdout);
	for (int i = 0; i < 4; i++) {
		sk[i] = socket(PF_KEY, SOCK_RAW, PF_KEY_V2);
		if (sk[i] < 0) {
			perror("kfuzz: socket");
			return 2;
		}
	}
	simple(sk[2], SADB_X_PROMISC, 1);
	simple(sk[3], SADB_REGISTER, SADB_SATYPE_ESP);
	while (time(NULL) < end) {
		unsigned s = rnd() % nseed;
		size_t len;

		memcpy(m, seed[s], seedlen[s]);
		len = mutate(m, seedlen[s]);
		if (send(sk[rnd() % 4], m, len, 0) < 0 && (errno == EBADF || errno == EFAULT))
			bad++;
		for (int i = 0; i < 4; i++)
			while (recv(sk[i], rb, sizeof(rb), MSG_DONTWAIT) > 0)
				;
		if (++rounds % 256 == 0)
			simple(sk[0], rounds % 512 ? SADB_FLUSH : SADB_X_SPDFLUSH, 0);
	}
	simple(sk[0], SADB_FLUSH, 0);
	simple(sk[0], SADB_X_SPDFLUSH, 0);
	for (int i = 0; i < 4; i++)
		close(sk[i]);
	printf("kfuzz: %lu messages from %u seeds, %d impossible errors\n", rounds, nseed, bad);
	return bad ? 1 : 0;
}
