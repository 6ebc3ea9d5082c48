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

#define ESN 0x400	/* SADB_X_SAFLAGS_ESN (kmod/core/wire.h) */

static void put_addr(uint8_t **p, uint16_t type, const char *a)
{
	struct sadb_address *ad = (void *)*p;
	struct sockaddr_in *sin = (void *)(ad + 1);

	ad->sadb_address_len = (sizeof(*ad) + 16) / 8;
	ad->sadb_address_exttype = type;
	ad->sadb_address_prefixlen = 32;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, a, &sin->sin_addr);
	*p += sizeof(*ad) + 16;
}

static int esn(const char *src, const char *dst, uint32_t spi, uint8_t replay)
{
	uint8_t buf[512] = { 0 }, *p = buf;
	struct sadb_msg *h = (void *)p;
	struct sadb_sa *sa;
	struct sadb_key *k;
	ssize_t n;
	int s;

	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = SADB_ADD;
	h->sadb_msg_satype = SADB_SATYPE_ESP;
	h->sadb_msg_seq = 7;
	h->sadb_msg_pid = (uint32_t)getpid();
	p += sizeof(*h);
	sa = (void *)p;
	sa->sadb_sa_len = sizeof(*sa) / 8;
	sa->sadb_sa_exttype = SADB_EXT_SA;
	sa->sadb_sa_spi = htonl(spi);
	sa->sadb_sa_replay = replay;
	sa->sadb_sa_encrypt = SADB_X_EALG_AES_GCM_ICV16;
	sa->sadb_sa_flags = ESN;
	p += sizeof(*sa);
	put_addr(&p, SADB_EXT_ADDRESS_SRC, src);
	put_addr(&p, SADB_EXT_ADDRESS_DST, dst);
	k = (void *)p;
	k->sadb_key_len = (sizeof(*k) + 24) / 8;
	k->sadb_key_exttype = SADB_EXT_KEY_ENCRYPT;
	k->sadb_key_bits = 160;
	memset(k + 1, 0x11, 20);
	p += sizeof(*k) + 24;
	h->sadb_msg_len = (uint16_t)((p - buf) / 8);

	s = socket(PF_KEY, SOCK_RAW, PF_KEY_V2);
	if (s < 0 || send(s, buf, (size_t)(p - buf), 0) < 0) {
		perror("PF_KEY");
		return 1;
	}
	/* The reply to our own ADD: the first message with our seq. */
	for (;;) {
		n = recv(s, buf, sizeof(buf), 0);
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
