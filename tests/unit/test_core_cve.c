// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_core_cve.c: X_MIGRATE, and regression patterns of the af_key CVEs:
 * every reserved field, padding byte and sockaddr tail in what the core
 * emits is zero (CVE-2013-2234/2237, CVE-2022-1353, CVE-2026-43088), the
 * X_FILTER bounds (CVE-2021-0605) and MIGRATE family checks
 * (CVE-2026-31515).
 */
#include "test_core.h"

/* Walk a message and check every reserved/padding byte we know of is 0. */
static void check_zero_padding(const uint8_t *msg, size_t len)
{
	const struct sadb_msg *h = (const void *)msg;
	size_t off = sizeof(*h);

	CHECK_EQ(h->sadb_msg_errno == 0 || h->sadb_msg_len == 2, 1);
	while (off + 4 <= len) {
		const struct sadb_ext *e = (const void *)(msg + off);
		size_t el = e->sadb_ext_len * 8;

		REQUIRE(el >= 8 && off + el <= len);
		switch (e->sadb_ext_type) {
		case SADB_EXT_ADDRESS_SRC:
		case SADB_EXT_ADDRESS_DST:
		case SADB_EXT_ADDRESS_PROXY: {
			const struct sadb_address *a = (const void *)e;
			const struct sockaddr *sa = (const void *)(a + 1);

			CHECK_EQ(a->sadb_address_reserved, 0);
			if (sa->sa_family == AF_INET) {
				CHECK(all_zero(((const struct sockaddr_in *)(const void *)sa)->sin_zero, 8));
			} else {
				const struct sockaddr_in6 *s6 = (const void *)sa;

				REQUIRE_EQ(sa->sa_family, AF_INET6);
				CHECK_EQ(s6->sin6_flowinfo, 0);
				CHECK_EQ(s6->sin6_scope_id, 0);
				CHECK(all_zero((const uint8_t *)(a + 1) + 28, 4));	/* tail */
			}
			break;
		}
		case SADB_EXT_KEY_AUTH:
		case SADB_EXT_KEY_ENCRYPT: {
			const struct sadb_key *k = (const void *)e;
			size_t kb = (k->sadb_key_bits + 7) / 8;

			CHECK_EQ(k->sadb_key_reserved, 0);
			CHECK(all_zero((const uint8_t *)(k + 1) + kb, el - sizeof(*k) - kb));
			break;
		}
		case SADB_EXT_SUPPORTED_AUTH:
		case SADB_EXT_SUPPORTED_ENCRYPT:
			CHECK_EQ(((const struct sadb_supported *)(const void *)e)->sadb_supported_reserved, 0);
			break;
		case SADB_X_EXT_POLICY:
			CHECK_EQ(((const struct sadb_x_policy *)(const void *)e)->sadb_x_policy_reserved, 0);
			break;
		case SADB_X_EXT_SA2: {
			const struct sadb_x_sa2 *s = (const void *)e;

			CHECK_EQ(s->sadb_x_sa2_reserved1, 0);
			CHECK_EQ(s->sadb_x_sa2_reserved2, 0);
			CHECK_EQ(s->sadb_x_sa2_sequence, 0);
			break;
		}
		}
		off += el;
	}
	CHECK_EQ(off, len);
}

static void check_all(const struct cap *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		check_zero_padding(c->msg[i], c->len[i]);
}

TEST(core_cve_zero_padding_everywhere)
{
	struct pfkm_net *net;
	struct cap a;
	struct mb m;
	struct sadb_x_policy *p;

	pfkm_net_create(&net);
	cap_open(net, &a);
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	mb_send(&a, &m);
	/* IPv6 SA with a 20-byte (not 8-aligned) key, GETSPI, flush */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 1);
	mb_sa(&m, 0x1000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8::1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8::2", -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 0xff);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 192, 0xff);
	mb_send(&a, &m);
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_AH, 2);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8::1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8::3", -1, 0, 0);
	mb_send(&a, &m);
	mb_hdr(&m, SADB_DUMP, 0, 3);
	mb_send(&a, &m);
	/* IPv6 tunnel policy, SPD dump, an ACQUIRE-like path via flow */
	mb_hdr(&m, SADB_X_SPDADD, 0, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8:1::", 48, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8:2::", 48, 255, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
		    "2001:db8::1", "2001:db8::2");
	mb_send(&a, &m);
	{
		struct sockaddr_in6 s = { .sin6_family = AF_INET6 }, d = { .sin6_family = AF_INET6 };
		struct pfkm_flow f = { (void *)&s, (void *)&d, 0, 0, 0, IPSEC_DIR_OUTBOUND, 10 };

		inet_pton(AF_INET6, "2001:db8:1::5", &s.sin6_addr);
		inet_pton(AF_INET6, "2001:db8:2::5", &d.sin6_addr);
		CHECK_EQ(pfkm_net_flow(net, &f), -EAGAIN);
	}
	mb_hdr(&m, SADB_X_SPDDUMP, 0, 5);
	mb_send(&a, &m);
	mb_hdr(&m, SADB_FLUSH, 0, 6);
	mb_send(&a, &m);
	mb_hdr(&m, SADB_X_SPDFLUSH, 0, 7);
	mb_send(&a, &m);
	CHECK(a.n >= 12);
	check_all(&a);
	/* the ACQUIRE's sockaddr_in6 tails, explicitly (CVE-2026-43088) */
	{
		size_t i;
		bool seen = false;

		for (i = 0; i < a.n; i++)
			if (cap_hdr(&a, i)->sadb_msg_type == SADB_ACQUIRE)
				seen = true;
		CHECK(seen);
	}
	cap_close(&a);
	pfkm_net_destroy(net);
}

TEST(core_migrate_moves_sas_and_policy)
{
	struct pfkm_net *net;
	struct cap a, b;
	struct pfkm_exts x;
	struct mb m;
	struct sadb_x_policy *p;
	const struct sadb_x_ipsecrequest *rq;

	pfkm_net_create(&net);
	cap_open(net, &a);
	cap_open(net, &b);
	mb_hdr(&m, SADB_X_SPDADD, 0, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, 255, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, 100,
		    "192.168.0.1", "192.168.0.2");
	REQUIRE_EQ(mb_send(&a, &m), 0);
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 1);
	mb_sa(&m, 0x1000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.168.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.168.0.2", -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 1);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 2);
	mb_sa2(&m, IPSEC_MODE_TUNNEL, 100);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	cap_clear(&a);
	cap_clear(&b);
	mb_migrate(&m, "192.168.0.1", "192.168.0.2", "192.168.9.1", "192.168.9.2", 100);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(b.n, 1);	/* ALL */
	/* the sender gets the announcement and no error reply: af_key's
	 * xfrm_migrate ignores the broadcast's -ESRCH */
	REQUIRE_EQ(a.n, 1);
	CHECK_EQ(cap_hdr(&a, 0)->sadb_msg_type, SADB_X_MIGRATE);
	CHECK_EQ(cap_hdr(&a, 0)->sadb_msg_errno, 0);
	REQUIRE_EQ(cap_exts(&b, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_X_MIGRATE);
	CHECK_EQ(x.msg->sadb_msg_satype, SADB_SATYPE_ESP);
	CHECK_EQ(x.msg->sadb_msg_seq, 0);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_ADDRESS_SRC, struct sadb_address)->sadb_address_proto, 0);
	rq = (const void *)(PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy) + 1);
	CHECK_EQ(rq->sadb_x_ipsecrequest_level, IPSEC_LEVEL_UNIQUE);
	CHECK_EQ(rq->sadb_x_ipsecrequest_reqid, 100);
	check_all(&b);
	/* the SA now lives at the new address */
	mb_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 1);
	mb_sa(&m, 0x1000, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.168.9.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.168.9.2", -1, 0, 0);
	cap_clear(&a);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_hdr(&a, 0)->sadb_msg_errno, 0);
	CHECK_EQ(cap_hdr(&a, 0)->sadb_msg_type, SADB_GET);
	/* and the policy's template too */
	mb_hdr(&m, SADB_X_SPDDUMP, 0, 1);
	cap_clear(&a);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(cap_exts(&a, 0, &x), 0);
	rq = (const void *)(PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy) + 1);
	CHECK_EQ(((const struct sockaddr_in *)(rq + 1))[1].sin_addr.s_addr, htonl(0xc0a80902));
	cap_close(&a);
	cap_close(&b);
	pfkm_net_destroy(net);
}

TEST(core_migrate_errors)
{
	struct pfkm_net *net;
	struct cap a;
	struct mb m;

	pfkm_net_create(&net);
	cap_open(net, &a);
	/* no such policy */
	mb_migrate(&m, "192.168.0.1", "192.168.0.2", "192.168.9.1", "192.168.9.2", 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), ENOENT);
	/* CVE-2026-31515: old IPv4, new IPv6 */
	mb_migrate(&m, "192.168.0.1", "192.168.0.2", "2001:db8::1", "2001:db8::2", 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	/* new endpoint unspecified */
	mb_migrate(&m, "192.168.0.1", "192.168.0.2", "0.0.0.0", "192.168.9.2", 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	/* no requests at all */
	mb_hdr(&m, SADB_X_MIGRATE, 0, 9);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, 255, 0);
	mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	cap_close(&a);
	pfkm_net_destroy(net);
}
