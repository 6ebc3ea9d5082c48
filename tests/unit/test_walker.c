// SPDX-License-Identifier: BSD-2-Clause
/* test_walker.c: header and extension rules of kmod/core/walker.c, each with
 * the errno Linux af_key gives. */
#include "unit.h"
#include <arpa/inet.h>
#include "walker.h"
#include "../lib/msg.h"

TEST(walker_header_rules)
{
	struct mb w;
	uint8_t *b = w.b;
	struct sadb_msg *m = &w.h;
	struct pfkm_exts e;

	mb_hdr(&w, SADB_FLUSH, 0, 0);
	mb_done(&w);
	CHECK_EQ(pfkm_walker_request(b, 16, &e), 0);
	CHECK_EQ(pfkm_walker_request(b, 15, &e), -EMSGSIZE);
	CHECK_EQ(pfkm_walker_request(b, 24, &e), -EMSGSIZE);
	m->sadb_msg_version = 1;
	CHECK_EQ(pfkm_walker_request(b, 16, &e), -EINVAL);
	mb_hdr(&w, SADB_FLUSH, 0, 0);
	mb_done(&w);
	m->sadb_msg_reserved = 1;
	CHECK_EQ(pfkm_walker_request(b, 16, &e), -EINVAL);
	CHECK_EQ(pfkm_walker_reply(b, 16, &e), 0);
	mb_hdr(&w, 0, 0, 0);
	mb_done(&w);
	CHECK_EQ(pfkm_walker_request(b, 16, &e), -EINVAL);
	mb_hdr(&w, SADB_MAX + 1, 0, 0);
	mb_done(&w);
	CHECK_EQ(pfkm_walker_request(b, 16, &e), -EINVAL);
}

/* ---- extension rules ------------------------------------------------- */

/* Walk the message built in w (tests/lib/msg.h) as a request. */
static int wm_walk(struct mb *w, struct pfkm_exts *e)
{
	return pfkm_walker_request(w->b, mb_done(w), e);
}

TEST(walker_ext_basic_rules)
{
	struct mb w;
	struct pfkm_exts e;

	/* ext len 0 */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_raw(&w, SADB_EXT_SA, 0, 16);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	/* overrun: claims 3 units, 2 present */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_raw(&w, SADB_EXT_SA, 3, 16);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	/* type 0 */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_raw(&w, SADB_EXT_RESERVED, 2, 16);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	/* below minimum for SA (16 bytes) */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_raw(&w, SADB_EXT_SA, 1, 8);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	/* lifetime minimum 32 */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_raw(&w, SADB_EXT_LIFETIME_HARD, 3, 24);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_raw(&w, SADB_EXT_LIFETIME_HARD, 4, 32);
	CHECK_EQ(wm_walk(&w, &e), 0);
	CHECK(e.ext[SADB_EXT_LIFETIME_HARD] != NULL);
	/* duplicate */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_raw(&w, SADB_EXT_SA, 2, 16);
	mb_raw(&w, SADB_EXT_SA, 2, 16);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	CHECK(e.ext[SADB_EXT_SA] == NULL);
	/* unknown type above SADB_EXT_MAX is skipped */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_raw(&w, SADB_EXT_MAX + 1, 2, 16);
	mb_raw(&w, SADB_EXT_SA, 2, 16);
	CHECK_EQ(wm_walk(&w, &e), 0);
	CHECK(e.ext[SADB_EXT_SA] != NULL);
	/* trailing bytes shorter than an extension header cannot happen with
	 * 8-byte units, but a truncated buffer is EMSGSIZE at the header */
	CHECK_EQ(pfkm_walker_request(w.b, w.len - 4, &e), -EMSGSIZE);
	/* every fixed-size extension below its minimum is refused */
	{
		static const uint16_t t[] = { SADB_EXT_SPIRANGE, SADB_X_EXT_POLICY,
			SADB_X_EXT_SA2, SADB_EXT_IDENTITY_SRC, SADB_EXT_SENSITIVITY,
			SADB_X_EXT_FILTER };
		size_t i;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			mb_hdr(&w, SADB_ADD, 0, 0);
			mb_raw(&w, t[i], 1, 8);
			CHECK_EQ(wm_walk(&w, &e), -EINVAL);
		}
	}
}

TEST(walker_ext_address_rules)
{
	struct mb w;
	struct pfkm_exts e;
	struct sadb_address *a;

	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_addr(&w, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 255, 0);
	mb_addr(&w, SADB_EXT_ADDRESS_DST, "::1", 128, 0, 0);
	CHECK_EQ(wm_walk(&w, &e), 0);
	/* prefix beyond family width */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_addr(&w, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 33, 255, 0);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_addr(&w, SADB_EXT_ADDRESS_DST, "::1", 129, 0, 0);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	/* unknown family */
	mb_hdr(&w, SADB_ADD, 0, 0);
	a = mb_addr(&w, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 255, 0);
	((struct sockaddr *)(a + 1))->sa_family = AF_UNIX;
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	/* sockaddr_in in an IPv6-sized extension: length must be exact */
	mb_hdr(&w, SADB_ADD, 0, 0);
	a = mb_addr(&w, SADB_EXT_ADDRESS_SRC, "::1", 32, 0, 0);
	((struct sockaddr *)(a + 1))->sa_family = AF_INET;
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	/* sockaddr_in6 in an IPv4-sized extension */
	mb_hdr(&w, SADB_ADD, 0, 0);
	a = mb_addr(&w, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 255, 0);
	((struct sockaddr *)(a + 1))->sa_family = AF_INET6;
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	/* address extension with no room for a family */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_raw(&w, SADB_EXT_ADDRESS_SRC, 1, 8);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	/* NAT-T OA and PROXY follow the same rules */
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_addr(&w, SADB_X_EXT_NAT_T_OA, "10.0.0.1", 40, 255, 0);
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	mb_hdr(&w, SADB_ADD, 0, 0);
	mb_addr(&w, SADB_EXT_ADDRESS_PROXY, "10.0.0.1", 24, 255, 0);
	CHECK_EQ(wm_walk(&w, &e), 0);
}

TEST(walker_ext_key_and_ctx_rules)
{
	struct mb w;
	struct pfkm_exts e;
	struct sadb_key *k;
	struct sadb_x_sec_ctx *c;

	/* 128-bit key needs 8 + 16 = 24 bytes = 3 units */
	mb_hdr(&w, SADB_ADD, 0, 0);
	k = mb_raw(&w, SADB_EXT_KEY_ENCRYPT, 3, 24);
	k->sadb_key_bits = 128;
	CHECK_EQ(wm_walk(&w, &e), 0);
	k->sadb_key_bits = 129;
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	mb_hdr(&w, SADB_ADD, 0, 0);
	k = mb_raw(&w, SADB_EXT_KEY_AUTH, 2, 16);
	k->sadb_key_bits = 65;
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	k->sadb_key_bits = 64;
	CHECK_EQ(wm_walk(&w, &e), 0);
	/* sec ctx: exact length in units */
	mb_hdr(&w, SADB_X_SPDADD, 0, 0);
	c = mb_raw(&w, SADB_X_EXT_SEC_CTX, 2, 16);
	c->sadb_x_ctx_len = 8;
	CHECK_EQ(wm_walk(&w, &e), 0);
	c->sadb_x_ctx_len = 9;
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	c->sadb_x_ctx_len = 0;
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
	c->sadb_x_ctx_len = 4097;
	CHECK_EQ(wm_walk(&w, &e), -EINVAL);
}

TEST(walker_ipsecrequest_rules)
{
	struct mb w;
	struct pfkm_exts e;
	struct sadb_x_policy *x;
	struct sadb_x_ipsecrequest *rq;
	const struct sadb_x_ipsecrequest *got;
	struct pfkm_req_iter it;

	/* policy with one 16-byte request and one 48-byte tunnel request */
	mb_hdr(&w, SADB_X_SPDADD, 0, 0);
	x = mb_raw(&w, SADB_X_EXT_POLICY, 10, 16 + 16 + 48);
	rq = (void *)(x + 1);
	rq->sadb_x_ipsecrequest_len = 16;
	rq = (void *)((uint8_t *)rq + 16);
	rq->sadb_x_ipsecrequest_len = 48;
	CHECK_EQ(wm_walk(&w, &e), 0);
	pfkm_walker_request_begin(&it, x);
	CHECK_EQ(pfkm_walker_request_next(&it, &got), 1);
	CHECK_EQ(got->sadb_x_ipsecrequest_len, 16);
	CHECK_EQ(pfkm_walker_request_next(&it, &got), 1);
	CHECK_EQ(got->sadb_x_ipsecrequest_len, 48);
	CHECK_EQ(pfkm_walker_request_next(&it, &got), 0);
	/* len < 16 */
	rq->sadb_x_ipsecrequest_len = 8;
	pfkm_walker_request_begin(&it, x);
	CHECK_EQ(pfkm_walker_request_next(&it, &got), 1);
	CHECK_EQ(pfkm_walker_request_next(&it, &got), -EINVAL);
	/* overrun of the policy extension */
	rq->sadb_x_ipsecrequest_len = 56;
	pfkm_walker_request_begin(&it, x);
	CHECK_EQ(pfkm_walker_request_next(&it, &got), 1);
	CHECK_EQ(pfkm_walker_request_next(&it, &got), -EINVAL);
}

TEST(walker_sockaddr_pair_rules)
{
	uint64_t u[16] = { 0 };
	struct sockaddr_in *a = (void *)u, *b = a + 1;
	struct sockaddr_in6 *a6 = (void *)u, *b6 = a6 + 1;
	const struct sockaddr *x, *y;

	a->sin_family = AF_INET;
	b->sin_family = AF_INET;
	CHECK_EQ(pfkm_walker_sockaddr_pair(u, 32, &x, &y), AF_INET);
	CHECK(x == (void *)a && y == (void *)b);
	CHECK_EQ(pfkm_walker_sockaddr_pair(u, 31, &x, &y), -EINVAL);
	b->sin_family = AF_INET6;
	CHECK_EQ(pfkm_walker_sockaddr_pair(u, 32, &x, &y), -EINVAL);
	memset(u, 0, sizeof(u));
	a6->sin6_family = AF_INET6;
	b6->sin6_family = AF_INET6;
	CHECK_EQ(pfkm_walker_sockaddr_pair(u, 56, &x, &y), AF_INET6);
	CHECK_EQ(pfkm_walker_sockaddr_pair(u, 48, &x, &y), -EINVAL);
	a6->sin6_family = AF_UNIX;
	CHECK_EQ(pfkm_walker_sockaddr_pair(u, 56, &x, &y), -EINVAL);
	CHECK_EQ(pfkm_walker_sockaddr_pair(u, 1, &x, &y), -EINVAL);
	CHECK_EQ(pfkm_walker_sockaddr_len(AF_INET), 16);
	CHECK_EQ(pfkm_walker_sockaddr_len(AF_INET6), 28);
	CHECK_EQ(pfkm_walker_sockaddr_len(AF_UNIX), 0);
}

TEST(walker_filter_rules)
{
	struct sadb_x_filter f = { 0 };

	f.sadb_x_filter_splen = 127;
	f.sadb_x_filter_dplen = 0;
	CHECK_EQ(pfkm_walker_filter_check(&f), 0);
	f.sadb_x_filter_splen = 128;
	CHECK_EQ(pfkm_walker_filter_check(&f), -EINVAL);
	f.sadb_x_filter_splen = 0;
	f.sadb_x_filter_dplen = 200;
	CHECK_EQ(pfkm_walker_filter_check(&f), -EINVAL);
}

TEST(walker_header_len_rules)
{
	struct mb w;
	struct pfkm_exts e;

	/* sadb_msg_len below 2 units */
	mb_hdr(&w, SADB_FLUSH, 0, 0);
	w.h.sadb_msg_len = 1;
	CHECK_EQ(pfkm_walker_request(w.b, 8, &e), -EMSGSIZE);
	CHECK_EQ(pfkm_walker_request(w.b, 16, &e), -EMSGSIZE);
	/* every type 1..SADB_MAX passes the header */
	for (unsigned int t = 1; t <= SADB_MAX; t++) {
		mb_hdr(&w, (uint8_t)t, 0, 0);
		CHECK_EQ(pfkm_walker_header(w.b, mb_done(&w)), 0);
	}
	CHECK_EQ(pfkm_walker_request(w.b, 0, &e), -EMSGSIZE);
}

/* af_key's sadb_ext_min_len for every extension type, in bytes. */
static const uint8_t min_len[SADB_EXT_MAX + 1] = {
	[SADB_EXT_SA] = 16, [SADB_EXT_LIFETIME_CURRENT] = 32,
	[SADB_EXT_LIFETIME_HARD] = 32, [SADB_EXT_LIFETIME_SOFT] = 32,
	[SADB_EXT_ADDRESS_SRC] = 8, [SADB_EXT_ADDRESS_DST] = 8,
	[SADB_EXT_ADDRESS_PROXY] = 8, [SADB_EXT_KEY_AUTH] = 8,
	[SADB_EXT_KEY_ENCRYPT] = 8, [SADB_EXT_IDENTITY_SRC] = 16,
	[SADB_EXT_IDENTITY_DST] = 16, [SADB_EXT_SENSITIVITY] = 16,
	[SADB_EXT_PROPOSAL] = 8, [SADB_EXT_SUPPORTED_AUTH] = 8,
	[SADB_EXT_SUPPORTED_ENCRYPT] = 8, [SADB_EXT_SPIRANGE] = 16,
	[SADB_X_EXT_KMPRIVATE] = 8, [SADB_X_EXT_POLICY] = 16,
	[SADB_X_EXT_SA2] = 16, [SADB_X_EXT_NAT_T_TYPE] = 8,
	[SADB_X_EXT_NAT_T_SPORT] = 8, [SADB_X_EXT_NAT_T_DPORT] = 8,
	[SADB_X_EXT_NAT_T_OA] = 8, [SADB_X_EXT_SEC_CTX] = 8,
	[SADB_X_EXT_KMADDRESS] = 8, [SADB_X_EXT_FILTER] = 40,
};

static bool is_address(unsigned int t)
{
	return t == SADB_EXT_ADDRESS_SRC || t == SADB_EXT_ADDRESS_DST ||
	       t == SADB_EXT_ADDRESS_PROXY || t == SADB_X_EXT_NAT_T_OA;
}

TEST(walker_ext_min_len_every_type)
{
	struct mb w;
	struct pfkm_exts e;
	unsigned int t;

	for (t = 1; t <= SADB_EXT_MAX; t++) {
		size_t min = min_len[t];

		REQUIRE(min != 0);
		if (min > 8) {
			mb_hdr(&w, SADB_ADD, 0, 0);
			mb_raw(&w, (uint16_t)t, (uint16_t)((min - 8) / 8), min - 8);
			if (wm_walk(&w, &e) != -EINVAL)
				unit_failf(__FILE__, __LINE__, "ext %u: %zu bytes accepted", t, min - 8);
		}
		if (is_address(t))
			continue;	/* needs a sockaddr: walker_ext_address_rules */
		mb_hdr(&w, SADB_ADD, 0, 0);
		mb_raw(&w, (uint16_t)t, (uint16_t)(min / 8), min);
		if (wm_walk(&w, &e) != 0 || e.ext[t] == NULL)
			unit_failf(__FILE__, __LINE__, "ext %u: %zu bytes refused", t, min);
	}
}
