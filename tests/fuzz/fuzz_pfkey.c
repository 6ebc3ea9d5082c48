// fuzz-links: core
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

/* Tiny builder for the pre-population. */
struct b {
	union {
		uint64_t u[64];
		struct sadb_msg h;
	};
	size_t len;
};

static void *put(struct b *b, size_t n)
{
	void *p = (uint8_t *)b->u + b->len;

	memset(p, 0, n);
	b->len += n;
	return p;
}

static void hdr(struct b *b, uint8_t type, uint8_t satype)
{
	b->len = 0;
	put(b, sizeof(struct sadb_msg));
	b->h.sadb_msg_version = PF_KEY_V2;
	b->h.sadb_msg_type = type;
	b->h.sadb_msg_satype = satype;
}

static void addr(struct b *b, uint16_t type, int fam, const char *ip, uint8_t plen)
{
	struct sadb_address *a;
	size_t sl = fam == AF_INET ? 16 : 32;

	a = put(b, sizeof(*a) + sl);
	a->sadb_address_len = (sizeof(*a) + sl) / 8;
	a->sadb_address_exttype = type;
	a->sadb_address_prefixlen = plen;
	a->sadb_address_proto = 255;
	if (fam == AF_INET) {
		struct sockaddr_in *s = (void *)(a + 1);

		s->sin_family = AF_INET;
		inet_pton(AF_INET, ip, &s->sin_addr);
	} else {
		struct sockaddr_in6 *s = (void *)(a + 1);

		s->sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &s->sin6_addr);
	}
}

static void key(struct b *b, uint16_t type, uint16_t bits)
{
	size_t n = (bits / 8 + 7) & ~7u;
	struct sadb_key *k = put(b, sizeof(*k) + n);

	k->sadb_key_len = (sizeof(*k) + n) / 8;
	k->sadb_key_exttype = type;
	k->sadb_key_bits = bits;
	memset(k + 1, 0x5a, bits / 8);
}

static void sa(struct b *b, uint32_t spi, uint8_t auth, uint8_t enc)
{
	struct sadb_sa *s = put(b, sizeof(*s));

	s->sadb_sa_len = 2;
	s->sadb_sa_exttype = SADB_EXT_SA;
	s->sadb_sa_spi = htonl(spi);
	s->sadb_sa_auth = auth;
	s->sadb_sa_encrypt = enc;
}

static void send_b(struct pfkm_sock *sk, struct b *b)
{
	b->h.sadb_msg_len = b->len / 8;
	pfkm_sock_send(sk, b->u, b->len);
}

static void populate(struct fsock *s)
{
	struct sadb_x_policy *p;
	struct sadb_x_ipsecrequest *rq;
	struct sadb_spirange *r;
	struct sockaddr_in *t;
	struct b b;

	hdr(&b, SADB_REGISTER, SADB_SATYPE_ESP);
	send_b(s[0].sk, &b);
	hdr(&b, SADB_X_PROMISC, 1);
	send_b(s[1].sk, &b);
	hdr(&b, SADB_ADD, SADB_SATYPE_ESP);
	sa(&b, 0x1000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC);
	addr(&b, SADB_EXT_ADDRESS_SRC, AF_INET, "10.0.0.1", 32);
	addr(&b, SADB_EXT_ADDRESS_DST, AF_INET, "10.0.0.2", 32);
	key(&b, SADB_EXT_KEY_AUTH, 160);
	key(&b, SADB_EXT_KEY_ENCRYPT, 128);
	send_b(s[2].sk, &b);
	hdr(&b, SADB_ADD, SADB_SATYPE_AH);
	sa(&b, 0x2000, SADB_X_AALG_SHA2_256HMAC, 0);
	addr(&b, SADB_EXT_ADDRESS_SRC, AF_INET6, "2001:db8::1", 128);
	addr(&b, SADB_EXT_ADDRESS_DST, AF_INET6, "2001:db8::2", 128);
	key(&b, SADB_EXT_KEY_AUTH, 256);
	send_b(s[2].sk, &b);
	hdr(&b, SADB_GETSPI, SADB_SATYPE_ESP);
	addr(&b, SADB_EXT_ADDRESS_SRC, AF_INET, "10.0.0.2", 32);
	addr(&b, SADB_EXT_ADDRESS_DST, AF_INET, "10.0.0.1", 32);
	send_b(s[2].sk, &b);
	hdr(&b, SADB_GETSPI, SADB_SATYPE_ESP);
	addr(&b, SADB_EXT_ADDRESS_SRC, AF_INET, "10.0.0.1", 32);
	addr(&b, SADB_EXT_ADDRESS_DST, AF_INET, "10.0.0.2", 32);
	r = put(&b, sizeof(*r));
	r->sadb_spirange_len = 2;
	r->sadb_spirange_exttype = SADB_EXT_SPIRANGE;
	r->sadb_spirange_min = 0x300;
	r->sadb_spirange_max = 0x200;	/* EINVAL after the larval SA exists */
	send_b(s[2].sk, &b);
	hdr(&b, SADB_X_SPDADD, 0);
	addr(&b, SADB_EXT_ADDRESS_SRC, AF_INET, "10.0.0.0", 24);
	addr(&b, SADB_EXT_ADDRESS_DST, AF_INET, "10.0.1.0", 24);
	p = put(&b, sizeof(*p));
	p->sadb_x_policy_len = 2 + 6;
	p->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	p->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	p->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	rq = put(&b, 48);
	rq->sadb_x_ipsecrequest_len = 48;
	rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
	rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
	rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE;
	t = (void *)(rq + 1);
	t[0].sin_family = t[1].sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", &t[0].sin_addr);
	inet_pton(AF_INET, "10.0.0.2", &t[1].sin_addr);
	send_b(s[2].sk, &b);
	hdr(&b, SADB_X_SPDADD, 0);
	addr(&b, SADB_EXT_ADDRESS_SRC, AF_INET6, "2001:db8::1", 128);
	addr(&b, SADB_EXT_ADDRESS_DST, AF_INET6, "2001:db8::2", 128);
	p = put(&b, sizeof(*p));
	p->sadb_x_policy_len = 2 + 2;
	p->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	p->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	p->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	rq = put(&b, 16);
	rq->sadb_x_ipsecrequest_len = 16;
	rq->sadb_x_ipsecrequest_proto = IPPROTO_AH;
	rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT;
	rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_REQUIRE;
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
