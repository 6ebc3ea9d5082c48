// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_core_bcast.c: REGISTER, X_PROMISC and af_key's broadcast rules
 * across registered, promiscuous and plain sockets, including full receive
 * queues (drops counted, no failure).
 */
#include "test_core.h"
#include "alg.h"

struct env3 {
	struct pfkm_net *net;
	struct cap plain, reg, prom;
};

static void env3_open(struct env3 *e)
{
	struct mb m;

	memset(e, 0, sizeof(*e));
	pfkm_net_create(&e->net);
	cap_open(e->net, &e->plain);
	cap_open(e->net, &e->reg);
	cap_open(e->net, &e->prom);
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	mb_send(&e->reg, &m);
	mb_hdr(&m, SADB_X_PROMISC, 1, 2);
	mb_send(&e->prom, &m);
	cap_clear(&e->plain);
	cap_clear(&e->reg);
	cap_clear(&e->prom);
}

static void env3_close(struct env3 *e)
{
	cap_close(&e->plain);
	cap_close(&e->reg);
	cap_close(&e->prom);
	pfkm_net_destroy(e->net);
}

TEST(core_register_reply_lists)
{
	struct pfkm_net *net;
	struct cap a, b;
	struct pfkm_exts x;
	const struct sadb_supported *sup;
	const struct sadb_alg *al;
	unsigned int n, i;
	struct mb m;

	pfkm_net_create(&net);
	cap_open(net, &a);
	cap_open(net, &b);
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 11);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(a.n, 1);
	CHECK_EQ(b.n, 0);	/* b is not registered */
	REQUIRE_EQ(cap_exts(&a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_REGISTER);
	CHECK_EQ(x.msg->sadb_msg_satype, SADB_SATYPE_ESP);
	CHECK_EQ(x.msg->sadb_msg_seq, 11);
	CHECK_EQ(x.msg->sadb_msg_pid, 4242);
	sup = PFKM_EXT(&x, SADB_EXT_SUPPORTED_AUTH, struct sadb_supported);
	REQUIRE(sup);
	CHECK_EQ(sup->sadb_supported_reserved, 0);
	n = (sup->sadb_supported_len * 8 - sizeof(*sup)) / sizeof(*al);
	al = (const void *)(sup + 1);
	for (i = 0; i < n; i++) {
		const struct pfkm_alg *ref = pfkm_alg_at(PFKM_ALG_AUTH, i);

		REQUIRE(ref);
		CHECK_EQ(al[i].sadb_alg_id, ref->id);
		CHECK_EQ(al[i].sadb_alg_reserved, 0);
	}
	CHECK(!pfkm_alg_at(PFKM_ALG_AUTH, n));
	CHECK_EQ(al[0].sadb_alg_id, SADB_X_AALG_NULL);	/* Linux's aalg_list order */
	sup = PFKM_EXT(&x, SADB_EXT_SUPPORTED_ENCRYPT, struct sadb_supported);
	REQUIRE(sup);
	n = (sup->sadb_supported_len * 8 - sizeof(*sup)) / sizeof(*al);
	al = (const void *)(sup + 1);
	/* improvement: AEADs listed, after every af_key entry */
	{
		bool seen_aead = false, gcm = false;

		for (i = 0; i < n; i++) {
			const struct pfkm_alg *ref = pfkm_alg_by_id(PFKM_ALG_ENC, al[i].sadb_alg_id);

			REQUIRE(ref);
			if (!ref->afkey)
				seen_aead = true;
			else
				CHECK(!seen_aead);
			gcm |= al[i].sadb_alg_id == SADB_X_EALG_AES_GCM_ICV16;
			CHECK_EQ(al[i].sadb_alg_minbits, ref->sadb_minbits);
		}
		CHECK(gcm);
	}
	/* second REGISTER of ESP: EEXIST; AH is fine and reaches both
	 * registered-or-requesting sockets */
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EEXIST);
	cap_clear(&a);
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_AH, 12);
	REQUIRE_EQ(mb_send(&b, &m), 0);
	CHECK_EQ(a.n, 1);
	CHECK_EQ(b.n, 1);
	/* satype above SADB_SATYPE_MAX: EINVAL */
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_MAX + 1, 0);
	REQUIRE_EQ(mb_send(&b, &m), 0);
	CHECK_EQ(cap_errno(&b), EINVAL);
	cap_close(&a);
	cap_close(&b);
	pfkm_net_destroy(net);
}

TEST(core_register_unspec_does_not_register)
{
	struct pfkm_net *net;
	struct cap a, b;
	struct mb m;

	pfkm_net_create(&net);
	cap_open(net, &a);
	cap_open(net, &b);
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_UNSPEC, 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(a.n, 1);
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_UNSPEC, 2);
	REQUIRE_EQ(mb_send(&a, &m), 0);	/* no EEXIST: nothing was registered */
	CHECK_EQ(a.n, 2);
	CHECK_EQ(cap_hdr(&a, 1)->sadb_msg_errno, 0);
	/* a REGISTERED broadcast from b's REGISTER does not reach a */
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 3);
	REQUIRE_EQ(mb_send(&b, &m), 0);
	CHECK_EQ(a.n, 2);
	CHECK_EQ(b.n, 1);
	cap_close(&a);
	cap_close(&b);
	pfkm_net_destroy(net);
}

TEST(core_bcast_rules_plain_registered_promisc)
{
	struct env3 e;
	struct mb m;

	env3_open(&e);
	/* ADD from plain: ALL -> everyone; promisc also sees the request and
	 * gets the broadcast twice? No: ALL delivers once plus the promisc copy */
	REQUIRE_EQ(add_esp(&e.plain, SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(e.plain.n, 1);
	CHECK_EQ(e.reg.n, 1);
	/* promisc: the request copy, then the broadcast twice (promisc copy +
	 * its own ALL delivery), as pfkey_broadcast does */
	REQUIRE_EQ(e.prom.n, 3);
	CHECK_EQ(cap_hdr(&e.prom, 0)->sadb_msg_type, SADB_ADD);
	CHECK_EQ(e.prom.len[1], e.prom.len[2]);
	CHECK_MEM(e.prom.msg[1], e.plain.msg[0], e.plain.len[0]);
	cap_clear(&e.plain);
	cap_clear(&e.reg);
	cap_clear(&e.prom);
	/* GET from plain: ONE -> plain, promisc gets request + copy */
	mb_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 1);
	mb_sa(&m, 0x1000, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	REQUIRE_EQ(mb_send(&e.plain, &m), 0);
	CHECK_EQ(e.plain.n, 1);
	CHECK_EQ(e.reg.n, 0);
	CHECK_EQ(e.prom.n, 2);
	cap_clear(&e.plain);
	cap_clear(&e.prom);
	/* REGISTER(AH) from plain: REGISTERED + requester */
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_AH, 1);
	REQUIRE_EQ(mb_send(&e.plain, &m), 0);
	CHECK_EQ(e.plain.n, 1);
	CHECK_EQ(e.reg.n, 1);
	CHECK_EQ(e.prom.n, 2);
	cap_clear(&e.plain);
	cap_clear(&e.reg);
	cap_clear(&e.prom);
	/* errors go to the sender (and promisc copies) only */
	mb_hdr(&m, SADB_X_PCHANGE, 0, 1);
	REQUIRE_EQ(mb_send(&e.reg, &m), 0);
	CHECK_EQ(e.reg.n, 1);
	CHECK_EQ(cap_errno(&e.reg), EOPNOTSUPP);
	CHECK_EQ(e.plain.n, 0);
	CHECK_EQ(e.prom.n, 2);
	env3_close(&e);
}

TEST(core_promisc_toggle_and_inject)
{
	struct pfkm_net *net;
	struct cap a, b;
	struct mb m;

	pfkm_net_create(&net);
	cap_open(net, &a);
	cap_open(net, &b);
	mb_hdr(&m, SADB_X_PROMISC, 2, 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	cap_clear(&a);
	/* on: the message (errno cleared) goes to ALL */
	mb_hdr(&m, SADB_X_PROMISC, 1, 1);
	m.h.sadb_msg_errno = 5;
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(b.n, 1);
	CHECK_EQ(cap_hdr(&b, 0)->sadb_msg_errno, 0);
	CHECK_EQ(cap_hdr(&b, 0)->sadb_msg_type, SADB_X_PROMISC);
	CHECK_EQ(a.n, 2);	/* promisc copy + ALL */
	cap_clear(&a);
	cap_clear(&b);
	/* with extensions: injected verbatim to all, mode unchanged */
	mb_hdr(&m, SADB_X_PROMISC, 0, 1);
	mb_sa(&m, 0x77, 0, 0, 0);
	REQUIRE_EQ(mb_send(&b, &m), 0);
	REQUIRE_EQ(b.n, 1);
	CHECK_EQ(b.len[0], m.len);
	CHECK_MEM(b.msg[0], m.b, m.len);
	CHECK_EQ(a.n, 3);	/* still promisc: request + 2 */
	cap_clear(&a);
	cap_clear(&b);
	/* off */
	mb_hdr(&m, SADB_X_PROMISC, 0, 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	cap_clear(&a);
	mb_hdr(&m, SADB_FLUSH, 0, 1);
	REQUIRE_EQ(mb_send(&b, &m), 0);
	CHECK_EQ(a.n, 0);
	cap_close(&a);
	cap_close(&b);
	pfkm_net_destroy(net);
}

TEST(core_bcast_full_queue_counts_drop)
{
	struct env3 e;
	struct pfkm_net_stats st;

	env3_open(&e);
	e.reg.full = true;
	REQUIRE_EQ(add_esp(&e.plain, SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(e.plain.n, 1);
	CHECK_EQ(e.reg.n, 0);
	pfkm_net_stats_get(e.net, &st);
	CHECK_EQ(st.drops, 1);
	CHECK_EQ(st.sockets, 3);
	CHECK_EQ(st.sas, 1);
	env3_close(&e);
}
