// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_core_spd.c: the SPD unit (selector matching with prefixes, ports and
 * protocol, priority and insertion-order ties, ids, growth) and the SPD
 * requests through pfkm_sock_send (X_SPDADD/UPDATE/SETIDX/DELETE/DELETE2/
 * GET/DUMP/FLUSH) with af_key's replies, refcounts and errnos.
 */
#include "test_core.h"
#include "spd.h"
#include "selftest.h"

TEST(core_spd_selftest)
{
	CHECK_EQ(pfkm_selftest_spd(), 0);
}

static struct pfkm_policy *mkpol(const char *s, int splen, const char *d, int dplen,
				 uint8_t proto, uint16_t dport, uint32_t prio)
{
	struct pfkm_policy *p = pfkm_spd_policy_alloc();

	p->dir = IPSEC_DIR_OUTBOUND;
	p->priority = prio;
	p->sel.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	inet_pton(p->sel.family, s, p->sel.saddr.b);
	inet_pton(p->sel.family, d, p->sel.daddr.b);
	p->sel.splen = splen;
	p->sel.dplen = dplen;
	p->sel.proto = proto;
	p->sel.dport = htons(dport);
	return p;
}

static struct pfkm_policy *look(struct pfkm_spd *spd, const char *s, const char *d,
				uint8_t proto, uint16_t dport)
{
	struct pfkm_spd_flow fl = { 0 };

	fl.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	inet_pton(fl.family, s, fl.saddr.b);
	inet_pton(fl.family, d, fl.daddr.b);
	fl.proto = proto;
	fl.dport = htons(dport);
	return pfkm_spd_lookup(spd, IPSEC_DIR_OUTBOUND, &fl);
}

TEST(core_spd_match_prefix_port_proto_priority)
{
	struct pfkm_spd spd;
	struct pfkm_policy *p[6], *old;
	int i;

	REQUIRE_EQ(pfkm_spd_init(&spd), 0);
	p[0] = mkpol("10.1.0.0", 16, "10.2.0.0", 16, 0, 0, 100);
	p[1] = mkpol("10.1.2.3", 32, "10.2.3.4", 32, 6, 443, 100);
	p[2] = mkpol("10.1.2.0", 24, "10.2.0.0", 16, 0, 0, 100);	/* ties p[0], later */
	p[3] = mkpol("2001:db8::", 32, "2001:db8:1::", 48, 17, 0, 50);
	p[4] = mkpol("0.0.0.0", 0, "0.0.0.0", 0, 0, 0, 0xffffffff);
	p[5] = mkpol("10.1.2.3", 31, "10.2.3.4", 32, 0, 0, 99);
	for (i = 0; i < 6; i++)
		REQUIRE_EQ(pfkm_spd_insert(&spd, p[i], true, &old), 0);
	CHECK(look(&spd, "10.1.2.3", "10.2.3.4", 6, 443) == p[5]);	/* 99 < 100 */
	CHECK(look(&spd, "10.1.2.4", "10.2.3.4", 6, 443) == p[0]);	/* tie: older */
	CHECK(look(&spd, "10.1.9.9", "10.2.0.1", 0, 0) == p[0]);
	CHECK(look(&spd, "10.3.0.1", "10.2.0.1", 0, 0) == p[4]);
	CHECK(look(&spd, "2001:db8:5::1", "2001:db8:1::7", 17, 53) == p[3]);
	CHECK(look(&spd, "2001:db8:5::1", "2001:db8:1::7", 6, 53) == NULL);
	CHECK(look(&spd, "2001:db8:5::1", "2001:db8:2::7", 17, 53) == NULL);
	/* remove p[5]: the port-specific host policy and p[0] tie at 100 */
	pfkm_spd_remove(&spd, p[5]);
	pfkm_spd_policy_put(p[5]);	/* the table's */
	pfkm_spd_policy_put(p[5]);	/* ours */
	CHECK(look(&spd, "10.1.2.3", "10.2.3.4", 6, 443) == p[0]);
	CHECK(look(&spd, "10.1.2.3", "10.2.3.4", 6, 80) == p[0]);
	pfkm_spd_destroy(&spd);
	for (i = 0; i < 5; i++)
		pfkm_spd_policy_put(p[i]);
}

TEST(core_spd_ids_and_update_keeps_id)
{
	struct pfkm_spd spd;
	struct pfkm_policy *a, *b, *c, *old;

	REQUIRE_EQ(pfkm_spd_init(&spd), 0);
	a = mkpol("10.0.0.1", 32, "10.0.0.2", 32, 0, 0, 0);
	a->dir = IPSEC_DIR_INBOUND;
	REQUIRE_EQ(pfkm_spd_insert(&spd, a, true, &old), 0);
	CHECK_EQ(a->id, 8);	/* generator 0 | dir 0 = 0 -> 8 */
	b = mkpol("10.0.0.1", 32, "10.0.0.2", 32, 0, 0, 0);
	b->dir = IPSEC_DIR_FWD;
	REQUIRE_EQ(pfkm_spd_insert(&spd, b, true, &old), 0);
	CHECK_EQ(b->id, 8 + 2);
	CHECK_EQ(pfkm_spd_id2dir(b->id), IPSEC_DIR_FWD);
	c = mkpol("10.0.0.1", 32, "10.0.0.2", 32, 0, 0, 7);
	c->dir = IPSEC_DIR_INBOUND;
	CHECK_EQ(pfkm_spd_insert(&spd, c, true, &old), -EEXIST);
	REQUIRE_EQ(pfkm_spd_insert(&spd, c, false, &old), 0);
	CHECK(old == a);
	CHECK_EQ(c->id, 8);
	CHECK(pfkm_spd_find_id(&spd, 8) == c);
	CHECK_EQ(spd.count, 2);
	pfkm_spd_policy_put(old);	/* table's */
	pfkm_spd_policy_put(a);
	pfkm_spd_destroy(&spd);
	pfkm_spd_policy_put(b);
	pfkm_spd_policy_put(c);
}

TEST(core_spd_many_policies_grow)
{
	struct pfkm_spd spd;
	struct pfkm_policy *old, *p;
	char s[32];
	int i;

	REQUIRE_EQ(pfkm_spd_init(&spd), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(s, sizeof(s), "10.%d.%d.1", i / 250, i % 250);
		p = mkpol(s, 32, "192.168.0.1", 32, 0, 0, 10);
		REQUIRE_EQ(pfkm_spd_insert(&spd, p, true, &old), 0);
		pfkm_spd_policy_put(p);
	}
	CHECK(spd.dir[1].h.mask + 1 >= 4096);
	CHECK_EQ(spd.dir[1].ntuples, 1);
	p = look(&spd, "10.7.100.1", "192.168.0.1", 0, 0);
	REQUIRE(p);
	CHECK_EQ(p->sel.saddr.b[1], 7);
	CHECK_EQ(p->sel.saddr.b[2], 100);
	CHECK(look(&spd, "10.7.100.2", "192.168.0.1", 0, 0) == NULL);
	pfkm_spd_destroy(&spd);
}

/* Requests. */
static void spd_msg(struct mb *m, uint8_t type, uint8_t dir, const char *src, int splen,
		    const char *dst, int dplen, uint8_t proto, uint32_t prio)
{
	mb_hdr(m, type, 0, 21);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, src, splen, proto, 0);
	mb_addr(m, SADB_EXT_ADDRESS_DST, dst, dplen, proto, 0);
	mb_policy(m, IPSEC_POLICY_IPSEC, dir, 0, prio);
}

static int spdadd_esp(struct cap *c, uint8_t type, uint8_t dir, const char *src,
		      const char *dst, uint8_t level, uint32_t reqid)
{
	struct mb m;
	struct sadb_x_policy *p;

	mb_hdr(&m, type, 0, 21);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, src, -1, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, IPSEC_PROTO_ANY, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, dir, 0, 0x80000000);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, level, reqid, NULL, NULL);
	return mb_send(c, &m);
}

TEST(core_spd_add_reply_fields)
{
	struct pfkm_net *net;
	struct cap a, b;
	struct pfkm_exts x;
	const struct sadb_x_policy *xp;
	const struct sadb_x_ipsecrequest *rq;
	const struct sadb_address *ad;
	struct mb m;
	struct sadb_x_policy *p;

	os_user_clock_set(1800000000, 1000000);
	pfkm_net_create(&net);
	cap_open(net, &a);
	cap_open(net, &b);
	mb_hdr(&m, SADB_X_SPDADD, 0, 21);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.0", 24, IPPROTO_TCP, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.1.0.0", 16, IPPROTO_TCP, 80);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0x80000000);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
		    "192.168.0.1", "192.168.0.2");
	mb_ipsecreq(&m, p, IPPROTO_AH, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_USE, 0, NULL, NULL);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(a.n, 1);
	REQUIRE_EQ(b.n, 1);
	REQUIRE_EQ(cap_exts(&b, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_X_SPDADD);
	CHECK_EQ(x.msg->sadb_msg_satype, 0);
	CHECK_EQ(x.msg->sadb_msg_seq, 21);
	/* refcount as af_key reads it: creator + table + pending timer */
	CHECK_EQ(x.msg->sadb_msg_reserved, 3);
	ad = PFKM_EXT(&x, SADB_EXT_ADDRESS_DST, struct sadb_address);
	REQUIRE(ad);
	CHECK_EQ(ad->sadb_address_prefixlen, 16);
	CHECK_EQ(ad->sadb_address_proto, IPPROTO_TCP);
	CHECK_EQ(ntohs(((const struct sockaddr_in *)(ad + 1))->sin_port), 80);
	CHECK(x.ext[SADB_EXT_LIFETIME_HARD] && x.ext[SADB_EXT_LIFETIME_SOFT] &&
	      x.ext[SADB_EXT_LIFETIME_CURRENT]);
	xp = PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy);
	REQUIRE(xp);
	CHECK_EQ(xp->sadb_x_policy_type, IPSEC_POLICY_IPSEC);
	CHECK_EQ(xp->sadb_x_policy_dir, IPSEC_DIR_OUTBOUND);
	CHECK_EQ(xp->sadb_x_policy_id, 1);
	CHECK_EQ(xp->sadb_x_policy_priority, 0x80000000);
	CHECK_EQ(xp->sadb_x_policy_len, (16 + 48 + 16) / 8);
	rq = (const void *)(xp + 1);
	CHECK_EQ(rq->sadb_x_ipsecrequest_len, 48);
	CHECK_EQ(rq->sadb_x_ipsecrequest_level, IPSEC_LEVEL_REQUIRE);
	CHECK_EQ(((const struct sockaddr_in *)(rq + 1))[1].sin_addr.s_addr, htonl(0xc0a80002));
	rq = (const void *)((const uint8_t *)rq + 48);
	CHECK_EQ(rq->sadb_x_ipsecrequest_proto, IPPROTO_AH);
	CHECK_EQ(rq->sadb_x_ipsecrequest_level, IPSEC_LEVEL_USE);
	/* again: EEXIST; SPDUPDATE replaces, keeps the id */
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EEXIST);
	m.h.sadb_msg_type = SADB_X_SPDUPDATE;
	cap_clear(&b);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(cap_exts(&b, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_X_SPDUPDATE);
	CHECK_EQ(PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy)->sadb_x_policy_id, 1);
	/* SETIDX is an exclusive add notified as SPDADD */
	m.h.sadb_msg_type = SADB_X_SPDSETIDX;
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EEXIST);
	cap_close(&a);
	cap_close(&b);
	pfkm_net_destroy(net);
	os_user_clock_release();
}

/* sadb_msg_reserved of the first SPDDUMP entry (the newest policy). */
static unsigned int dump_refcnt(struct cap *c)
{
	struct mb m;

	cap_clear(c);
	mb_hdr(&m, SADB_X_SPDDUMP, 0, 1);
	if (mb_send(c, &m) || !c->n)
		return 999;
	return cap_hdr(c, 0)->sadb_msg_reserved;
}

/*
 * af_key's refcount includes the policy timer's reference: armed for one
 * second by xfrm_policy_insert, kept armed only while a time lifetime is
 * set. Deleted policies carry only the deleter's reference.
 */
TEST(core_spd_refcnt_counts_policy_timer)
{
	struct pfkm_net *net;
	struct cap a;
	struct pfkm_exts x;
	struct sadb_x_policy *p;
	uint32_t id;
	struct mb m;

	os_user_clock_set(1800000000, 1000000);
	pfkm_net_create(&net);
	cap_open(net, &a);
	REQUIRE_EQ(spdadd_esp(&a, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2",
			      IPSEC_LEVEL_REQUIRE, 0), 0);
	REQUIRE_EQ(cap_exts(&a, a.n - 1, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_reserved, 3);
	id = PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy)->sadb_x_policy_id;
	os_user_clock_advance(999);
	CHECK_EQ(dump_refcnt(&a), 2);
	os_user_clock_advance(1);
	CHECK_EQ(dump_refcnt(&a), 1);
	/* SPDGET after the first second: lookup + table */
	cap_clear(&a);
	mb_hdr(&m, SADB_X_SPDGET, 0, 5);
	mb_policy(&m, 0, 0, id, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(a.n, 1);
	CHECK_EQ(cap_hdr(&a, 0)->sadb_msg_reserved, 2);
	/* a soft use-time limit keeps the timer armed */
	mb_hdr(&m, SADB_X_SPDADD, 0, 22);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.3", -1, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.4", -1, IPSEC_PROTO_ANY, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 0, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 0, 600);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	cap_clear(&a);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(cap_exts(&a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_errno, 0);
	CHECK_EQ(x.msg->sadb_msg_reserved, 3);
	os_user_clock_advance(5000);
	CHECK_EQ(dump_refcnt(&a), 2);
	/* SPDDELETE2: unlinked, the timer cancelled: the deleter's only */
	cap_clear(&a);
	mb_hdr(&m, SADB_X_SPDDELETE2, 0, 7);
	mb_policy(&m, 0, 0, id, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(a.n, 1);
	CHECK_EQ(cap_hdr(&a, 0)->sadb_msg_type, SADB_X_SPDDELETE2);
	CHECK_EQ(cap_hdr(&a, 0)->sadb_msg_reserved, 1);
	cap_close(&a);
	pfkm_net_destroy(net);
	os_user_clock_release();
}

TEST(core_spd_add_errors)
{
	struct pfkm_net *net;
	struct cap a;
	struct mb m;
	struct sadb_x_policy *p;
	int i;

	pfkm_net_create(&net);
	cap_open(net, &a);
	spd_msg(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", -1, "10.0.0.2", -1, 255, 0);
	((struct sadb_x_policy *)(void *)(m.b + m.len - 16))->sadb_x_policy_type =
		IPSEC_POLICY_ENTRUST;
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	spd_msg(&m, SADB_X_SPDADD, 0, "10.0.0.1", -1, "10.0.0.2", -1, 255, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	spd_msg(&m, SADB_X_SPDADD, IPSEC_DIR_MAX, "10.0.0.1", -1, "10.0.0.2", -1, 255, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	/* no X_POLICY */
	mb_hdr(&m, SADB_X_SPDADD, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 255, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	/* ipsecrequest mode 0 */
	mb_hdr(&m, SADB_X_SPDADD, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 255, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, p, IPPROTO_ESP, 0, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	/* tunnel without endpoints */
	mb_hdr(&m, SADB_X_SPDADD, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 255, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	/* seven templates: ELOOP */
	mb_hdr(&m, SADB_X_SPDADD, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 255, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	for (i = 0; i < 7; i++)
		mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0,
			    NULL, NULL);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), ELOOP);
	/* a bad template protocol */
	mb_hdr(&m, SADB_X_SPDADD, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 255, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, p, IPPROTO_TCP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	cap_close(&a);
	pfkm_net_destroy(net);
}

TEST(core_spd_unique_reqid_auto)
{
	struct pfkm_net *net;
	struct cap a;
	struct pfkm_exts x;
	const struct sadb_x_ipsecrequest *rq;

	pfkm_net_create(&net);
	cap_open(net, &a);
	REQUIRE_EQ(spdadd_esp(&a, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2",
			      IPSEC_LEVEL_UNIQUE, 0), 0);
	REQUIRE_EQ(spdadd_esp(&a, SADB_X_SPDADD, IPSEC_DIR_INBOUND, "10.0.0.2", "10.0.0.1",
			      IPSEC_LEVEL_UNIQUE, 0x5000), 0);
	REQUIRE_EQ(spdadd_esp(&a, SADB_X_SPDADD, IPSEC_DIR_FWD, "10.0.0.2", "10.0.0.1",
			      IPSEC_LEVEL_UNIQUE, 77), 0);
	REQUIRE_EQ(spdadd_esp(&a, SADB_X_SPDADD, IPSEC_DIR_FWD, "10.0.0.3", "10.0.0.1",
			      IPSEC_LEVEL_REQUIRE, 55), 0);
	REQUIRE_EQ(a.n, 4);
	REQUIRE_EQ(cap_exts(&a, 0, &x), 0);
	rq = (const void *)(PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy) + 1);
	CHECK_EQ(rq->sadb_x_ipsecrequest_reqid, 0x4000);
	CHECK_EQ(rq->sadb_x_ipsecrequest_level, IPSEC_LEVEL_UNIQUE);
	REQUIRE_EQ(cap_exts(&a, 1, &x), 0);
	rq = (const void *)(PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy) + 1);
	CHECK_EQ(rq->sadb_x_ipsecrequest_reqid, 0x4001);	/* > 0x3fff: auto */
	REQUIRE_EQ(cap_exts(&a, 2, &x), 0);
	rq = (const void *)(PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy) + 1);
	CHECK_EQ(rq->sadb_x_ipsecrequest_reqid, 77);
	REQUIRE_EQ(cap_exts(&a, 3, &x), 0);
	rq = (const void *)(PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy) + 1);
	CHECK_EQ(rq->sadb_x_ipsecrequest_reqid, 0);	/* require: reqid ignored */
	CHECK_EQ(rq->sadb_x_ipsecrequest_level, IPSEC_LEVEL_REQUIRE);
	cap_close(&a);
	pfkm_net_destroy(net);
}

TEST(core_spd_get_delete_dump_flush)
{
	struct pfkm_net *net;
	struct cap a, b;
	struct pfkm_exts x;
	uint32_t id_out, id_in;
	struct mb m;

	os_user_clock_set(1800000000, 1000000);
	pfkm_net_create(&net);
	cap_open(net, &a);
	cap_open(net, &b);
	/* empty: SPDDUMP ENOENT, SPDFLUSH the sender's copy only */
	mb_hdr(&m, SADB_X_SPDDUMP, 0, 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), ENOENT);
	mb_hdr(&m, SADB_X_SPDFLUSH, 0, 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(a.n, 2);
	CHECK_EQ(b.n, 0);
	REQUIRE_EQ(spdadd_esp(&a, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2",
			      IPSEC_LEVEL_REQUIRE, 0), 0);
	REQUIRE_EQ(cap_exts(&a, a.n - 1, &x), 0);
	id_out = PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy)->sadb_x_policy_id;
	REQUIRE_EQ(spdadd_esp(&a, SADB_X_SPDADD, IPSEC_DIR_INBOUND, "10.0.0.2", "10.0.0.1",
			      IPSEC_LEVEL_REQUIRE, 0), 0);
	REQUIRE_EQ(cap_exts(&a, a.n - 1, &x), 0);
	id_in = PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy)->sadb_x_policy_id;
	CHECK_EQ(id_out % 8, 1);
	CHECK_EQ(id_in % 8, 0);
	cap_clear(&a);
	cap_clear(&b);
	/* SPDGET by id: ONE, type and version of the request, refcnt 3
	 * (lookup + table + the first second's timer) */
	mb_hdr(&m, SADB_X_SPDGET, 0, 5);
	mb_policy(&m, 0, 0, id_out, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(a.n, 1);
	CHECK_EQ(b.n, 0);
	REQUIRE_EQ(cap_exts(&a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_X_SPDGET);
	CHECK_EQ(x.msg->sadb_msg_reserved, 3);
	CHECK_EQ(x.msg->sadb_msg_seq, 5);
	/* an id whose low bits say fwd but is not there: ENOENT; dir bits 3+: EINVAL */
	mb_hdr(&m, SADB_X_SPDGET, 0, 5);
	mb_policy(&m, 0, 0, (id_out & ~7u) | 2, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), ENOENT);
	mb_hdr(&m, SADB_X_SPDGET, 0, 5);
	mb_policy(&m, 0, 0, (id_out & ~7u) | 3, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	mb_hdr(&m, SADB_X_SPDGET, 0, 5);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	cap_clear(&a);
	/* SPDDUMP: newest first, seq counting up to 0, refcnt 2 (table +
	 * timer) during the policy's first second */
	mb_hdr(&m, SADB_X_SPDDUMP, 0, 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(a.n, 2);
	REQUIRE_EQ(cap_exts(&a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_seq, 1);
	CHECK_EQ(x.msg->sadb_msg_reserved, 2);
	CHECK_EQ(PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy)->sadb_x_policy_id, id_in);
	REQUIRE_EQ(cap_exts(&a, 1, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_seq, 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_X_SPDDUMP);
	cap_clear(&a);
	/* SPDDELETE by selector + dir; wrong dir: ENOENT */
	mb_hdr(&m, SADB_X_SPDDELETE, 0, 6);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, IPSEC_PROTO_ANY, 0);
	mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_INBOUND, 0, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), ENOENT);
	mb_hdr(&m, SADB_X_SPDDELETE, 0, 6);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, IPSEC_PROTO_ANY, 0);
	mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	cap_clear(&b);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(b.n, 1);
	REQUIRE_EQ(cap_exts(&b, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_X_SPDDELETE);
	CHECK_EQ(x.msg->sadb_msg_reserved, 1);
	/* SPDDELETE2 by id */
	mb_hdr(&m, SADB_X_SPDDELETE2, 0, 7);
	mb_policy(&m, 0, 0, id_in, 0);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(b.n, 2);
	CHECK_EQ(cap_hdr(&b, 1)->sadb_msg_type, SADB_X_SPDDELETE2);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), ENOENT);
	/* SPDFLUSH with content: sender copy + ALL header */
	REQUIRE_EQ(spdadd_esp(&a, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2",
			      IPSEC_LEVEL_REQUIRE, 0), 0);
	cap_clear(&a);
	cap_clear(&b);
	mb_hdr(&m, SADB_X_SPDFLUSH, 0, 8);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(a.n, 2);
	REQUIRE_EQ(b.n, 1);
	CHECK_EQ(b.len[0], 16);
	CHECK_EQ(cap_hdr(&b, 0)->sadb_msg_type, SADB_X_SPDFLUSH);
	CHECK_EQ(cap_hdr(&b, 0)->sadb_msg_seq, 8);
	CHECK_EQ(cap_hdr(&b, 0)->sadb_msg_reserved, 0);
	cap_close(&a);
	cap_close(&b);
	pfkm_net_destroy(net);
	os_user_clock_release();
}
