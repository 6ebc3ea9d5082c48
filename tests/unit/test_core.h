/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_core.h: shared harness of the tests/unit/test_core_*.c files. A
 * capturing pfkm_sock_ops that stores every delivered message per socket
 * (with a settable receive queue size, to drive dump pausing), and a small
 * PF_KEY message builder. Static functions only: each test file includes it.
 */
#ifndef TEST_CORE_H
#define TEST_CORE_H

#include <stdlib.h>
#include <arpa/inet.h>
#include "unit.h"
#include "pfkey.h"
#include "walker.h"
#include "os.h"

#define CAP_MAX 512

struct cap {
	struct pfkm_sock *sk;
	size_t n;
	uint8_t *msg[CAP_MAX];
	size_t len[CAP_MAX];
	size_t rmem, rcvbuf;
	bool full;
	bool account;		/* count delivered bytes as queued (rmem) */
};

static inline int cap_deliver(struct pfkm_sock *sk, const void *msg, size_t len)
{
	struct cap *c = pfkm_sock_priv(sk);

	if (c->full || c->n == CAP_MAX)
		return -ENOBUFS;
	c->msg[c->n] = malloc(len);
	memcpy(c->msg[c->n], msg, len);
	c->len[c->n++] = len;
	if (c->account)
		c->rmem += len;
	return 0;
}

static inline size_t cap_rmem(struct pfkm_sock *sk)
{
	return ((struct cap *)pfkm_sock_priv(sk))->rmem;
}

static inline size_t cap_rcvbuf(struct pfkm_sock *sk)
{
	return ((struct cap *)pfkm_sock_priv(sk))->rcvbuf;
}

static const struct pfkm_sock_ops cap_ops = {
	.deliver = cap_deliver, .rmem = cap_rmem, .rcvbuf = cap_rcvbuf,
};

static inline void cap_clear(struct cap *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->msg[i]);
	c->n = 0;
	c->rmem = 0;
}

static inline void cap_open(struct pfkm_net *net, struct cap *c)
{
	memset(c, 0, sizeof(*c));
	c->rcvbuf = 1 << 20;
	c->sk = pfkm_sock_create(net, &cap_ops, c);
}

static inline void cap_close(struct cap *c)
{
	pfkm_sock_release(c->sk);
	cap_clear(c);
}

static const struct sadb_msg *cap_hdr(const struct cap *c, size_t i)
{
	return i < c->n ? (const struct sadb_msg *)(const void *)c->msg[i] : NULL;
}

/* Parse the i-th captured message; 0 on success. */
static inline int cap_exts(const struct cap *c, size_t i, struct pfkm_exts *x)
{
	if (i >= c->n)
		return -ENOENT;
	return pfkm_walker_reply(c->msg[i], c->len[i], x);
}

/* Message builder. */
struct mb {
	union {
		uint64_t buf[1024];
		struct sadb_msg h;
	};
	size_t len;
};

static inline uint8_t *mb_put(struct mb *m, size_t n)
{
	uint8_t *p = (uint8_t *)m->buf + m->len;

	memset(p, 0, n);
	m->len += n;
	return p;
}

static inline struct sadb_msg *mb_hdr(struct mb *m, uint8_t type, uint8_t satype, uint32_t seq)
{
	struct sadb_msg *h;

	m->len = 0;
	h = (void *)mb_put(m, sizeof(*h));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_satype = satype;
	h->sadb_msg_seq = seq;
	h->sadb_msg_pid = 4242;
	return h;
}

static inline void mb_sa(struct mb *m, uint32_t spi, uint8_t auth, uint8_t enc, uint8_t replay)
{
	struct sadb_sa *s = (void *)mb_put(m, sizeof(*s));

	s->sadb_sa_len = sizeof(*s) / 8;
	s->sadb_sa_exttype = SADB_EXT_SA;
	s->sadb_sa_spi = htonl(spi);
	s->sadb_sa_auth = auth;
	s->sadb_sa_encrypt = enc;
	s->sadb_sa_replay = replay;
	s->sadb_sa_state = SADB_SASTATE_LARVAL;
}

static inline void mb_addr(struct mb *m, uint16_t type, const char *ip, int plen, uint8_t proto,
		    uint16_t port)
{
	struct sadb_address *a;

	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s;

		a = (void *)mb_put(m, sizeof(*a) + 32);
		a->sadb_address_len = (sizeof(*a) + 32) / 8;
		s = (void *)(a + 1);
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &s->sin6_addr);
		a->sadb_address_prefixlen = plen < 0 ? 128 : (uint8_t)plen;
	} else {
		struct sockaddr_in *s;

		a = (void *)mb_put(m, sizeof(*a) + 16);
		a->sadb_address_len = (sizeof(*a) + 16) / 8;
		s = (void *)(a + 1);
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		inet_pton(AF_INET, ip, &s->sin_addr);
		a->sadb_address_prefixlen = plen < 0 ? 32 : (uint8_t)plen;
	}
	a->sadb_address_exttype = type;
	a->sadb_address_proto = proto;
}

static inline void mb_key(struct mb *m, uint16_t type, unsigned int bits, uint8_t fill)
{
	size_t bytes = (bits + 7) / 8, sz = sizeof(struct sadb_key) + ((bytes + 7) & ~(size_t)7);
	struct sadb_key *k = (void *)mb_put(m, sz);

	k->sadb_key_len = sz / 8;
	k->sadb_key_exttype = type;
	k->sadb_key_bits = bits;
	memset(k + 1, fill, bytes);
}

static inline void mb_lifetime(struct mb *m, uint16_t type, uint32_t pk, uint64_t bytes,
			uint64_t add, uint64_t use)
{
	struct sadb_lifetime *l = (void *)mb_put(m, sizeof(*l));

	l->sadb_lifetime_len = sizeof(*l) / 8;
	l->sadb_lifetime_exttype = type;
	l->sadb_lifetime_allocations = pk;
	l->sadb_lifetime_bytes = bytes;
	l->sadb_lifetime_addtime = add;
	l->sadb_lifetime_usetime = use;
}

static inline void mb_sa2(struct mb *m, uint8_t mode, uint32_t reqid)
{
	struct sadb_x_sa2 *s = (void *)mb_put(m, sizeof(*s));

	s->sadb_x_sa2_len = sizeof(*s) / 8;
	s->sadb_x_sa2_exttype = SADB_X_EXT_SA2;
	s->sadb_x_sa2_mode = mode;
	s->sadb_x_sa2_reqid = reqid;
}

static inline void mb_spirange(struct mb *m, uint32_t min, uint32_t max)
{
	struct sadb_spirange *s = (void *)mb_put(m, sizeof(*s));

	s->sadb_spirange_len = sizeof(*s) / 8;
	s->sadb_spirange_exttype = SADB_EXT_SPIRANGE;
	s->sadb_spirange_min = min;
	s->sadb_spirange_max = max;
}

static inline struct sadb_x_policy *mb_policy(struct mb *m, uint16_t type, uint8_t dir, uint32_t id,
				       uint32_t prio)
{
	struct sadb_x_policy *p = (void *)mb_put(m, sizeof(*p));

	p->sadb_x_policy_len = sizeof(*p) / 8;
	p->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	p->sadb_x_policy_type = type;
	p->sadb_x_policy_dir = dir;
	p->sadb_x_policy_id = id;
	p->sadb_x_policy_priority = prio;
	return p;
}

/* Append a request to the policy extension (must be the last one put). */
static inline void mb_ipsecreq(struct mb *m, struct sadb_x_policy *p, uint8_t proto, uint8_t mode,
			uint8_t level, uint32_t reqid, const char *src, const char *dst)
{
	size_t salen = src ? (strchr(src, ':') ? 28 : 16) : 0;
	size_t sz = sizeof(struct sadb_x_ipsecrequest) + ((2 * salen + 7) & ~(size_t)7);
	struct sadb_x_ipsecrequest *r = (void *)mb_put(m, sz);

	r->sadb_x_ipsecrequest_len = sz;
	r->sadb_x_ipsecrequest_proto = proto;
	r->sadb_x_ipsecrequest_mode = mode;
	r->sadb_x_ipsecrequest_level = level;
	r->sadb_x_ipsecrequest_reqid = reqid;
	if (src) {
		uint8_t *sa = (void *)(r + 1);

		if (salen == 16) {
			struct sockaddr_in *a = (void *)sa, *b = (void *)(sa + 16);

			a->sin_family = b->sin_family = AF_INET;
			inet_pton(AF_INET, src, &a->sin_addr);
			inet_pton(AF_INET, dst, &b->sin_addr);
		} else {
			struct sockaddr_in6 *a = (void *)sa, *b = (void *)(sa + 28);

			a->sin6_family = b->sin6_family = AF_INET6;
			inet_pton(AF_INET6, src, &a->sin6_addr);
			inet_pton(AF_INET6, dst, &b->sin6_addr);
		}
	}
	p->sadb_x_policy_len += sz / 8;
}

/* SADB_X_MIGRATE of the outbound policy 10.1.0.0/16 -> 10.2.0.0/16 (any
 * protocol) and its ESP tunnel SAs of reqid from o1 -> o2 to n1 -> n2. */
static inline void mb_migrate(struct mb *m, const char *o1, const char *o2, const char *n1,
			      const char *n2, uint32_t reqid)
{
	struct sadb_x_policy *p;

	mb_hdr(m, SADB_X_MIGRATE, 0, 9);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, 255, 0);
	mb_addr(m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, 255, 0);
	p = mb_policy(m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(m, p, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, reqid, o1, o2);
	mb_ipsecreq(m, p, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, reqid, n1, n2);
}

static inline int mb_send(struct cap *c, struct mb *m)
{
	m->h.sadb_msg_len = m->len / 8;
	return pfkm_sock_send(c->sk, m->buf, m->len);
}

/* Errno of the last captured message if it is a bare error reply, else -1. */
static inline int cap_errno(const struct cap *c)
{
	const struct sadb_msg *h = cap_hdr(c, c->n - 1);

	if (!c->n || h->sadb_msg_len != 2)
		return -1;
	return h->sadb_msg_errno;
}

/* A standard ESP SA: AES-CBC-128 + HMAC-SHA1, 10.0.0.1 -> 10.0.0.2. */
static inline int add_esp(struct cap *c, uint8_t type, uint32_t spi, const char *src, const char *dst)
{
	struct mb m;

	mb_hdr(&m, type, SADB_SATYPE_ESP, 7);
	mb_sa(&m, spi, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, src, -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 0xaa);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0xee);
	return mb_send(c, &m);
}

static inline bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

#endif /* TEST_CORE_H */
