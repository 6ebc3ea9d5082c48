// fuzz-links: core msg
// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_pfkey.c: libFuzzer target for the whole PF_KEY engine. Each input
 * runs against a fresh pfkm_net pre-populated with SAs (ESP/AH, v4/v6, two
 * larval: one GETSPI gave an SPI, one without SPI of the ESP SA's own key,
 * left by a GETSPI with an empty SPIRANGE, so ADDs between 10.0.0.1 and
 * 10.0.0.2 exercise the larval index), policies (transport and tunnel) and three sockets (registered,
 * promiscuous, plain, the plain one with a small receive buffer so dumps
 * pause). The input is a sequence of records
 *   [op u8][len u16 little-endian][len bytes]
 * op & 3 picks the socket, op >> 2 the action: 0 send the bytes as a
 * message (any length, header or not), 1 drain the socket and resume its
 * dump, 2 push a flow built from the bytes through pfkm_net_flow, 3 advance
 * the clock by the first bytes (ms) and run expired timers. Every message
 * the core delivers is re-parsed with the walker and checked for a
 * consistent length. ASan/UBSan catch the rest.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "pfkey.h"
#include "walker.h"
#include "../lib/msg.h"

struct fsock {
	struct pfkm_sock *sk;
	size_t rmem, rcvbuf;
};

/* The request being sent: promiscuous sockets get it back verbatim. */
static const void *cur_req;
static size_t cur_len;

static int f_deliver(struct pfkm_sock *sk, const void *msg, size_t len)
{
	struct fsock *f = pfkm_sock_priv(sk);
	const struct sadb_msg *h = msg;
	struct pfkm_exts x;

	/* The request itself comes back verbatim to promiscuous sockets (and
	 * as an X_PROMISC injection), trailing bytes and all, as af_key's skb
	 * clone. Everything the core composes must have an exact length and
	 * parse. */
	if (!(len == cur_len && memcmp(msg, cur_req, len) == 0) &&
	    !(h->sadb_msg_type == SADB_X_PROMISC && len == cur_len)) {
		if (len < sizeof(*h) || (size_t)h->sadb_msg_len * 8 != len)
			abort();
		if (pfkm_walker_reply(msg, len, &x) != 0)
			abort();
	}
	if (f->rmem + len > f->rcvbuf)
		return -ENOBUFS;
	f->rmem += len;
	return 0;
}

static size_t f_rmem(struct pfkm_sock *sk)
{
	return ((struct fsock *)pfkm_sock_priv(sk))->rmem;
}

static size_t f_rcvbuf(struct pfkm_sock *sk)
{
	return ((struct fsock *)pfkm_sock_priv(sk))->rcvbuf;
}

static const struct pfkm_sock_ops f_ops = { f_deliver, f_rmem, f_rcvbuf };

static void send_b(struct pfkm_sock *sk, struct mb *b)
{
	pfkm_sock_send(sk, b->b, mb_done(b));
}

static void populate(struct fsock *s)
{
	struct sadb_x_policy *p;
	struct mb b;

	mb_hdr(&b, SADB_REGISTER, SADB_SATYPE_ESP, 0);
	send_b(s[0].sk, &b);
	mb_hdr(&b, SADB_X_PROMISC, 1, 0);
	send_b(s[1].sk, &b);
	mb_hdr(&b, SADB_ADD, SADB_SATYPE_ESP, 0);
	mb_sa(&b, 0x1000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_ULPROTO_ANY, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_ULPROTO_ANY, 0);
	mb_key(&b, SADB_EXT_KEY_AUTH, 160, 0x5a);
	mb_key(&b, SADB_EXT_KEY_ENCRYPT, 128, 0x5a);
	send_b(s[2].sk, &b);
	mb_hdr(&b, SADB_ADD, SADB_SATYPE_AH, 0);
	mb_sa(&b, 0x2000, SADB_X_AALG_SHA2_256HMAC, 0, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_SRC, "2001:db8::1", 128, IPSEC_ULPROTO_ANY, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_DST, "2001:db8::2", 128, IPSEC_ULPROTO_ANY, 0);
	mb_key(&b, SADB_EXT_KEY_AUTH, 256, 0x5a);
	send_b(s[2].sk, &b);
	mb_hdr(&b, SADB_GETSPI, SADB_SATYPE_ESP, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_SRC, "10.0.0.2", 32, IPSEC_ULPROTO_ANY, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_DST, "10.0.0.1", 32, IPSEC_ULPROTO_ANY, 0);
	send_b(s[2].sk, &b);
	mb_hdr(&b, SADB_GETSPI, SADB_SATYPE_ESP, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_ULPROTO_ANY, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_ULPROTO_ANY, 0);
	mb_spirange(&b, 0x300, 0x200);	/* EINVAL after the larval SA exists */
	send_b(s[2].sk, &b);
	mb_hdr(&b, SADB_X_SPDADD, 0, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_SRC, "10.0.0.0", 24, IPSEC_ULPROTO_ANY, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_DST, "10.0.1.0", 24, IPSEC_ULPROTO_ANY, 0);
	p = mb_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&b, p, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, 0,
		    "10.0.0.1", "10.0.0.2");
	send_b(s[2].sk, &b);
	mb_hdr(&b, SADB_X_SPDADD, 0, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_SRC, "2001:db8::1", 128, IPSEC_ULPROTO_ANY, 0);
	mb_addr(&b, SADB_EXT_ADDRESS_DST, "2001:db8::2", 128, IPSEC_ULPROTO_ANY, 0);
	p = mb_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&b, p, IPPROTO_AH, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	send_b(s[2].sk, &b);
}

static void do_flow(struct pfkm_net *net, const uint8_t *d, size_t n)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 }, d6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET }, d4 = { .sin_family = AF_INET };
	struct pfkm_flow f = { 0 };
	uint8_t buf[40] = { 0 };

	memcpy(buf, d, n < sizeof(buf) ? n : sizeof(buf));
	if (buf[0] & 1) {
		memcpy(&s6.sin6_addr, buf + 4, 16);
		memcpy(&d6.sin6_addr, buf + 20, 16);
		f.src = (void *)&s6;
		f.dst = (void *)&d6;
	} else {
		s4.sin_addr.s_addr = htonl(0x0a000000 | buf[4]);
		d4.sin_addr.s_addr = htonl(0x0a000100 | buf[5]);
		f.src = (void *)&s4;
		f.dst = (void *)&d4;
	}
	f.proto = buf[1];
	f.dir = buf[2] & 3;
	f.bytes = buf[3] * 100u;
	pfkm_net_flow(net, &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fsock s[3];
	struct pfkm_net *net;
	size_t i;

	os_user_clock_set(1700000000, 1000);
	if (pfkm_net_create(&net))
		return 0;
	for (i = 0; i < 3; i++) {
		s[i].rmem = 0;
		s[i].rcvbuf = i == 2 ? 2048 : 1 << 20;
		s[i].sk = pfkm_sock_create(net, &f_ops, &s[i]);
	}
	populate(s);
	while (size >= 3) {
		uint8_t op = data[0];
		size_t len = (size_t)data[1] | (size_t)data[2] << 8;
		struct fsock *f = &s[(op & 3) % 3];

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		switch ((op >> 2) & 3) {
		case 0: {
			/* copy so the message is 8-byte aligned like a socket buffer */
			uint64_t *m = malloc(len + 8);

			memcpy(m, data, len);
			cur_req = m;
			cur_len = len;
			pfkm_sock_send(f->sk, m, len);
			cur_req = NULL;
			cur_len = 0;
			free(m);
			break;
		}
		case 1:
			f->rmem = 0;
			pfkm_sock_dump_resume(f->sk);
			break;
		case 2:
			do_flow(net, data, len);
			break;
		case 3:
			os_user_clock_advance(len ? (uint64_t)data[0] * 1000 : 31000);
			os_user_timers_run();
			break;
		}
		data += len;
		size -= len;
	}
	for (i = 0; i < 3; i++)
		pfkm_sock_release(s[i].sk);
	pfkm_net_destroy(net);
	os_user_clock_release();
	return 0;
}
