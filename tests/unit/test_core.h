/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_core.h: shared harness of the tests/unit/test_core_*.c files. A
 * capturing pfkm_sock_ops that stores every delivered message per socket
 * (with a settable receive queue size, to drive dump pausing), and stock
 * requests on the shared builder (tests/lib/msg.h). Static functions only:
 * each test file includes it.
 */
#ifndef TEST_CORE_H
#define TEST_CORE_H

#include <stdlib.h>
#include <arpa/inet.h>
#include "unit.h"
#include "pfkey.h"
#include "walker.h"
#include "os.h"
#include "../lib/msg.h"

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
	return pfkm_sock_send(c->sk, m->b, mb_done(m));
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
