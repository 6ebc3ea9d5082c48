// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_msg.c: the test programs' raw message builder (tests/lib/msg.c)
 * against the walker every PF_KEY implementation here parses with: each
 * extension at its documented size, and the layouts that tests poke at
 * (sockaddr slots, ipsecrequest lengths, policy length) exactly as built.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "unit.h"
#include "walker.h"
#include "../lib/msg.h"

static size_t ext_bytes(const struct pfkm_exts *x, uint16_t type)
{
	return x->ext[type] ? x->ext[type]->sadb_ext_len * 8u : 0;
}

TEST(msg_builder_sa_message_walks)
{
	static const uint8_t key[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					 17, 18, 19, 20 };
	static struct mb m;
	struct pfkm_exts x;
	const struct sadb_address *a;
	const struct sockaddr_in6 *s6;
	const struct sockaddr_in *s4;
	const struct sadb_key *k;
	size_t len;

	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 77);
	mb_sa(&m, 0x1234, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 32);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8::1", MB_FULL, IPSEC_PROTO_ANY, 4500);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", 24, IPPROTO_UDP, 0);
	mb_key_bytes(&m, SADB_EXT_KEY_AUTH, 160, key);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0x5a);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 1, 2, 3, 4);
	mb_sa2(&m, IPSEC_MODE_TUNNEL, 9);
	mb_natt(&m, 2, 4500, 4501);
	len = mb_done(&m);
	/* 16 + SA 16 + v6 40 + v4 24 + keys 32 + 24 + lifetime 32 + SA2 16 + NAT-T 24 */
	CHECK_EQ(len, 224);
	CHECK_EQ(m.h.sadb_msg_len, 28);
	CHECK_EQ(m.h.sadb_msg_version, PF_KEY_V2);
	CHECK_EQ(m.h.sadb_msg_seq, 77);
	CHECK_EQ(m.h.sadb_msg_pid, MB_PID);
	REQUIRE_EQ(pfkm_walker_request(m.b, len, &x), 0);
	CHECK_EQ(ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi), 0x1234);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_replay, 32);
	a = PFKM_EXT(&x, SADB_EXT_ADDRESS_SRC, struct sadb_address);
	CHECK_EQ(ext_bytes(&x, SADB_EXT_ADDRESS_SRC), 40);	/* 28-byte sockaddr, 32 slot */
	CHECK_EQ(a->sadb_address_prefixlen, 128);
	CHECK_EQ(a->sadb_address_proto, IPSEC_PROTO_ANY);
	s6 = (const void *)(a + 1);
	CHECK_EQ(s6->sin6_family, AF_INET6);
	CHECK_EQ(ntohs(s6->sin6_port), 4500);
	CHECK_EQ(s6->sin6_addr.s6_addr[15], 1);
	a = PFKM_EXT(&x, SADB_EXT_ADDRESS_DST, struct sadb_address);
	CHECK_EQ(ext_bytes(&x, SADB_EXT_ADDRESS_DST), 24);
	CHECK_EQ(a->sadb_address_prefixlen, 24);
	CHECK_EQ(a->sadb_address_proto, IPPROTO_UDP);
	s4 = (const void *)(a + 1);
	CHECK_EQ(s4->sin_family, AF_INET);
	CHECK_EQ(ntohl(s4->sin_addr.s_addr), 0xc0000202);
	k = PFKM_EXT(&x, SADB_EXT_KEY_AUTH, struct sadb_key);
	CHECK_EQ(ext_bytes(&x, SADB_EXT_KEY_AUTH), 32);
	CHECK_EQ(k->sadb_key_bits, 160);
	CHECK(!memcmp(k + 1, key, sizeof(key)));
	k = PFKM_EXT(&x, SADB_EXT_KEY_ENCRYPT, struct sadb_key);
	CHECK_EQ(ext_bytes(&x, SADB_EXT_KEY_ENCRYPT), 24);
	CHECK_EQ(((const uint8_t *)(k + 1))[15], 0x5a);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_LIFETIME_HARD, struct sadb_lifetime)->sadb_lifetime_usetime,
		 4);
	CHECK_EQ(PFKM_EXT(&x, SADB_X_EXT_SA2, struct sadb_x_sa2)->sadb_x_sa2_reqid, 9);
	CHECK_EQ(ntohs(PFKM_EXT(&x, SADB_X_EXT_NAT_T_DPORT,
				struct sadb_x_nat_t_port)->sadb_x_nat_t_port_port), 4501);
	CHECK_EQ(PFKM_EXT(&x, SADB_X_EXT_NAT_T_TYPE,
			  struct sadb_x_nat_t_type)->sadb_x_nat_t_type_type, 2);
}

TEST(msg_builder_policy_requests_walk)
{
	static struct mb m;
	struct sadb_x_policy *p;
	struct sadb_x_ipsecrequest *r4, *r6, *rt;
	struct pfkm_exts x;

	mb_hdr(&m, SADB_X_SPDADD, SADB_SATYPE_UNSPEC, 1);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, IPSEC_PROTO_ANY, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 7);
	CHECK_EQ(p->sadb_x_policy_len, 2);
	r4 = mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, 5,
			 "192.0.2.1", "192.0.2.2");
	r6 = mb_ipsecreq(&m, p, IPPROTO_AH, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
			 "2001:db8::1", "2001:db8::2");
	rt = mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_USE, 0, NULL, NULL);
	CHECK_EQ(r4->sadb_x_ipsecrequest_len, 16 + 2 * 16);
	CHECK_EQ(r6->sadb_x_ipsecrequest_len, 16 + 2 * 28);
	CHECK_EQ(rt->sadb_x_ipsecrequest_len, 16);
	CHECK_EQ(p->sadb_x_policy_len, (16 + 48 + 72 + 16) / 8);
	CHECK_EQ(((const struct sockaddr_in6 *)(const void *)((uint8_t *)(r6 + 1) + 28))
		 ->sin6_addr.s6_addr[15], 2);
	REQUIRE_EQ(pfkm_walker_request(m.b, mb_done(&m), &x), 0);
	CHECK(x.ext[SADB_X_EXT_POLICY] == (const void *)p);
	CHECK_EQ(PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy)->sadb_x_policy_priority, 7);
}

TEST(msg_builder_other_extensions)
{
	static struct mb m;
	struct sadb_x_filter *f;
	struct pfkm_exts x;

	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 2);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_spirange(&m, 0x100, 0x200);
	REQUIRE_EQ(pfkm_walker_request(m.b, mb_done(&m), &x), 0);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_ADDRESS_DST, struct sadb_address)->sadb_address_prefixlen,
		 32);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SPIRANGE, struct sadb_spirange)->sadb_spirange_max, 0x200);

	mb_hdr(&m, SADB_DUMP, SADB_SATYPE_ESP, 3);
	f = mb_filter(&m, AF_INET, 8, 16);
	CHECK_EQ(f->sadb_x_filter_len, 5);
	REQUIRE_EQ(pfkm_walker_request(m.b, mb_done(&m), &x), 0);
	CHECK(x.ext[SADB_X_EXT_FILTER] != NULL);

	mb_hdr(&m, SADB_X_MIGRATE, SADB_SATYPE_UNSPEC, 4);
	mb_kmaddress(&m, "2001:db8::1", "2001:db8::2");
	mb_done(&m);
	CHECK_EQ(m.len, 16 + 8 + 56);
	/* a raw extension keeps whatever length it is told: len 0 is refused */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 5);
	mb_raw(&m, SADB_EXT_SA, 0, 16);
	CHECK_EQ(pfkm_walker_request(m.b, mb_done(&m), &x), -EINVAL);
	/* mb_put: exact sizes, zeroed (a message that is not 8-byte units) */
	mb_hdr(&m, SADB_FLUSH, SADB_SATYPE_UNSPEC, 6);
	memset(m.b + m.len, 0xff, 8);
	CHECK_EQ(((uint8_t *)mb_put(&m, 4))[3], 0);
	CHECK_EQ(m.len, 20);
}
