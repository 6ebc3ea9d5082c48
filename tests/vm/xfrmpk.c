// SPDX-License-Identifier: BSD-2-Clause
/*
 * xfrmpk.c: the two PF_KEY features of pfkeyv2's xfrm store keysh has no
 * statement for, driven by hand inside the VM (tests/vm/xfrm.sh):
 *   xfrmpk esn SRC DST SPI        ADD an ESP AES-GCM-16 SA (IPv4, transport)
 *                                 with sadb_sa_flags SADB_X_SAFLAGS_ESN and a
 *                                 64-packet replay window; prints the reply's
 *                                 errno and flags ("errno 0 flags 0x400")
 *   xfrmpk esn0 SRC DST SPI       the same with replay window 0 (EINVAL)
 *   xfrmpk send DST PORT bypass|plain
 *                                 one UDP datagram from a socket with the
 *                                 per-socket policy IP_IPSEC_POLICY "out
 *                                 bypass" (plain: none); prints
 *                                 "setsockopt 0" and "sent N" or the error
 * Exit status 0 when every call it made succeeded.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>
#include "../lib/msg.h"

#define ESN 0x400	/* SADB_X_SAFLAGS_ESN (kmod/core/wire.h) */

static int esn(const char *src, const char *dst, uint32_t spi, uint8_t replay)
{
	static struct mb m;
	struct sadb_msg *h = &m.h;
	struct sadb_sa *sa;
	size_t len;
	ssize_t n;
	int s;

	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 7);
	h->sadb_msg_pid = (uint32_t)getpid();
	sa = mb_sa(&m, spi, 0, SADB_X_EALG_AES_GCM_ICV16, replay);
	sa->sadb_sa_flags = ESN;
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, src, 32, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, dst, 32, 0, 0);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 160, 0x11);
	len = mb_done(&m);

	s = socket(PF_KEY, SOCK_RAW, PF_KEY_V2);
	if (s < 0 || send(s, m.b, len, 0) < 0) {
		perror("PF_KEY");
		return 1;
	}
	/* The reply to our own ADD: the first message with our seq. */
	for (;;) {
		n = recv(s, m.b, sizeof(m.b), 0);
		if (n < (ssize_t)sizeof(*h)) {
			perror("recv");
			return 1;
		}
		if (h->sadb_msg_seq == 7 && h->sadb_msg_type == SADB_ADD)
			break;
	}
	sa = (void *)(h + 1);
	printf("errno %u flags 0x%x\n", h->sadb_msg_errno,
	       h->sadb_msg_errno ? 0 : sa->sadb_sa_flags);
	close(s);
	return 0;
}

static int send_one(const char *dst, int port, int bypass)
{
	struct sadb_x_policy pol = {
		.sadb_x_policy_len = sizeof(pol) / 8,
		.sadb_x_policy_exttype = SADB_X_EXT_POLICY,
		.sadb_x_policy_type = IPSEC_POLICY_BYPASS,
		.sadb_x_policy_dir = IPSEC_DIR_OUTBOUND,
	};
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	ssize_t n;

	inet_pton(AF_INET, dst, &sin.sin_addr);
	if (bypass) {
		if (setsockopt(s, IPPROTO_IP, IP_IPSEC_POLICY, &pol, sizeof(pol)) < 0) {
			printf("setsockopt %s\n", strerror(errno));
			return 1;
		}
		printf("setsockopt 0\n");
	}
	n = sendto(s, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin));
	if (n < 0) {
		printf("send %s\n", strerror(errno));
		return 1;
	}
	printf("sent %zd\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "esn"))
		return esn(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 0), 64);
	if (argc == 5 && !strcmp(argv[1], "esn0"))
		return esn(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 0), 0);
	if (argc == 5 && !strcmp(argv[1], "send"))
		return send_one(argv[2], atoi(argv[3]), !strcmp(argv[4], "bypass"));
	fprintf(stderr, "usage: xfrmpk esn|esn0 SRC DST SPI | send DST PORT bypass|plain\n");
	return 2;
}
