// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_xfrm_ev.c: kernel notifications as store events (src/xfrm/events.c),
 * on the messages Linux sent for `ip xfrm` commands (test_xfrm.h), and the
 * group mask the event socket binds to.
 */
#include "test_xfrm.h"
#include "../../src/xfrm/store_nl.h"

TEST(xfrm_ev_policy_notifications)
{
	struct nlmsghdr *add = xhex(VEC_NEWPOLICY_V4, NULL), *upd = xhex(VEC_UPDPOLICY_V4, NULL);
	struct nlmsghdr *del = xhex(VEC_DELPOLICY_V6, NULL), *fl = xhex(VEC_FLUSHPOLICY, NULL);
	struct xfrm_ev e;

	REQUIRE_EQ(xfrm_ev_parse(add, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_POL_ADD);
	REQUIRE(e.ev.pol);
	CHECK_EQ(e.ev.pol->priority, 100);
	CHECK_EQ(e.ev.pid, 0);
	xfrm_ev_free(&e);

	REQUIRE_EQ(xfrm_ev_parse(upd, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_POL_UPDATE);
	CHECK_EQ(e.ev.pol->ntmpl, 2);
	xfrm_ev_free(&e);

	REQUIRE_EQ(xfrm_ev_parse(del, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_POL_DELETE);
	CHECK(!e.ev.by_id);			/* deleted by selector */
	REQUIRE(e.ev.pol);
	CHECK(e.ev.pol->block);
	CHECK_EQ(e.ev.pol->dir, IPSEC_DIR_INBOUND);
	CHECK_EQ(e.ev.pol->sel.family, AF_INET6);
	xfrm_ev_free(&e);

	REQUIRE_EQ(xfrm_ev_parse(fl, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_POL_FLUSH);
	xfrm_ev_free(&e);
	free(add);
	free(upd);
	free(del);
	free(fl);
}

TEST(xfrm_ev_delsa_carries_the_sa)
{
	struct nlmsghdr *nlh = xhex(VEC_DELSA_LARVAL, NULL);
	struct xfrm_ev e;

	REQUIRE_EQ(xfrm_ev_parse(nlh, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_SA_DELETE);
	REQUIRE(e.ev.sa);
	CHECK_EQ(e.ev.sa->state, PFKM_SA_DEAD);
	CHECK_EQ(e.ev.sa->spi, htonl(0x1000));
	CHECK_EQ(e.ev.sa->reqid, 9);
	CHECK_EQ(e.ev.sa->mode, IPSEC_MODE_TUNNEL);
	xfrm_ev_free(&e);
	/* without XFRMA_SA it is malformed */
	nlh->nlmsg_len = 16 + sizeof(struct xfrm_usersa_id);
	CHECK_EQ(xfrm_ev_parse(nlh, &e), -EINVAL);
	free(nlh);
}

/* Notifications built here the way xfrm_user.c builds them. */
TEST(xfrm_ev_expire_acquire_mapping_flush)
{
	uint8_t buf[XFRM_NL_REQ_MAX];
	struct nlmsghdr *nlh;
	struct xfrm_user_expire *ue;
	struct xfrm_user_acquire *ua;
	struct xfrm_user_mapping *um;
	struct xfrm_usersa_flush *f;
	struct xfrm_user_tmpl *ut;
	struct pfkm_addr a;
	struct xfrm_ev e;

	nlh = mnl_nlmsg_put_header(memset(buf, 0, sizeof(buf)));
	nlh->nlmsg_type = XFRM_MSG_EXPIRE;
	ue = mnl_nlmsg_put_extra_header(nlh, sizeof(*ue));
	ue->state.id.proto = IPPROTO_ESP;
	ue->state.id.spi = htonl(0x2000);
	ue->state.family = AF_INET;
	ue->state.mode = XFRM_MODE_TRANSPORT;
	ue->hard = 0;
	mnl_attr_put(nlh, XFRMA_ALG_CRYPT, sizeof(struct xfrm_algo),
		     &(struct xfrm_algo){ .alg_name = "ecb(cipher_null)" });
	REQUIRE_EQ(xfrm_ev_parse(nlh, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_SA_EXPIRE);
	CHECK(!e.ev.hard);
	CHECK(e.ev.sa->dying && e.ev.sa->state == PFKM_SA_MATURE);
	CHECK_EQ(e.ev.sa->enc_id, SADB_EALG_NULL);
	xfrm_ev_free(&e);
	ue->hard = 1;
	REQUIRE_EQ(xfrm_ev_parse(nlh, &e), 0);
	CHECK(e.ev.hard && e.ev.sa->state == PFKM_SA_DEAD);
	xfrm_ev_free(&e);

	/* ACQUIRE: a tunnel template picks family, mode, reqid */
	nlh = mnl_nlmsg_put_header(memset(buf, 0, sizeof(buf)));
	nlh->nlmsg_type = XFRM_MSG_ACQUIRE;
	ua = mnl_nlmsg_put_extra_header(nlh, sizeof(*ua));
	ua->id.proto = IPPROTO_ESP;
	inet_pton(AF_INET, "192.0.2.2", &ua->id.daddr);
	inet_pton(AF_INET, "192.0.2.1", &ua->saddr);
	ua->sel.family = AF_INET;
	inet_pton(AF_INET, "10.0.1.5", &ua->sel.saddr);
	ua->sel.prefixlen_s = 32;
	ua->sel.proto = IPPROTO_ICMP;
	ua->policy.sel.family = AF_INET;
	ua->policy.dir = XFRM_POLICY_OUT;
	ua->policy.index = 0x11;
	ua->policy.priority = 7;
	ua->seq = 42;
	ut = mnl_attr_get_payload(mnl_nlmsg_get_payload_tail(nlh));
	mnl_attr_put(nlh, XFRMA_TMPL, 2 * sizeof(*ut), (struct xfrm_user_tmpl[2]){
		{ .id.proto = IPPROTO_AH, .family = AF_INET, .mode = XFRM_MODE_TRANSPORT },
		{ .id.proto = IPPROTO_ESP, .family = AF_INET, .mode = XFRM_MODE_TUNNEL, .reqid = 3,
		  .id.daddr.a4 = htonl(0xc0000202), .saddr.a4 = htonl(0xc0000201) } });
	REQUIRE_EQ(xfrm_ev_parse(nlh, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_ACQUIRE);
	REQUIRE(e.ev.sa && e.ev.pol);
	CHECK_EQ(e.ev.sa->state, PFKM_SA_LARVAL);
	CHECK_EQ(e.ev.sa->seq, 42);
	CHECK_EQ(e.ev.sa->mode, IPSEC_MODE_TUNNEL);
	CHECK_EQ(e.ev.sa->reqid, 3);
	CHECK_EQ(e.ev.sa->sel_proto, IPPROTO_ICMP);
	a = xaddr(AF_INET, "192.0.2.2");
	CHECK_MEM(&e.ev.sa->daddr, &a, sizeof(a));
	CHECK_EQ(e.ev.pol->id, 0x11);
	CHECK_EQ(e.ev.pol->priority, 7);
	CHECK_EQ(e.ev.pol->dir, IPSEC_DIR_OUTBOUND);
	xfrm_ev_free(&e);

	nlh = mnl_nlmsg_put_header(memset(buf, 0, sizeof(buf)));
	nlh->nlmsg_type = XFRM_MSG_MAPPING;
	um = mnl_nlmsg_put_extra_header(nlh, sizeof(*um));
	um->id.family = AF_INET;
	um->id.proto = IPPROTO_ESP;
	um->id.spi = htonl(0x3000);
	inet_pton(AF_INET, "198.51.100.7", &um->new_saddr);
	um->new_sport = htons(40000);
	um->old_sport = htons(4500);
	REQUIRE_EQ(xfrm_ev_parse(nlh, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_NEW_MAPPING);
	CHECK_EQ(e.ev.port, htons(40000));
	a = xaddr(AF_INET, "198.51.100.7");
	CHECK_MEM(e.ev.addr, &a, sizeof(a));
	CHECK_EQ(e.ev.sa->natt_sport, htons(4500));
	xfrm_ev_free(&e);

	nlh = mnl_nlmsg_put_header(memset(buf, 0, sizeof(buf)));
	nlh->nlmsg_type = XFRM_MSG_FLUSHSA;
	f = mnl_nlmsg_put_extra_header(nlh, sizeof(*f));
	REQUIRE_EQ(xfrm_ev_parse(nlh, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_SA_FLUSH);
	CHECK_EQ(e.ev.proto, IPSEC_PROTO_ANY);
	f->proto = IPPROTO_AH;
	REQUIRE_EQ(xfrm_ev_parse(nlh, &e), 0);
	CHECK_EQ(e.ev.proto, IPPROTO_AH);

	/* AEVENTS have no PF_KEY event */
	nlh->nlmsg_type = XFRM_MSG_NEWAE;
	CHECK_EQ(xfrm_ev_parse(nlh, &e), -EOPNOTSUPP);
}

TEST(xfrm_ev_group_mask)
{
	CHECK_EQ(xfrm_ev_groups(XFRM_STORE_NL_EV_SA), 1u << (XFRMNLGRP_SA - 1));
	CHECK_EQ(xfrm_ev_groups(XFRM_STORE_NL_EV_ACQUIRE | XFRM_STORE_NL_EV_EXPIRE),
		 (1u << (XFRMNLGRP_ACQUIRE - 1)) | (1u << (XFRMNLGRP_EXPIRE - 1)));
	/* every group the store reads, REPORT not among them */
	CHECK_EQ(xfrm_ev_groups(XFRM_STORE_NL_EV_ALL),
		 0xffu & ~(1u << (XFRMNLGRP_REPORT - 1)));
	/* the default leaves out AEVENTS (one every 2 packets per SA) */
	CHECK_EQ(xfrm_ev_groups(XFRM_STORE_NL_EV_DEFAULT),
		 0xffu & ~(1u << (XFRMNLGRP_REPORT - 1)) & ~(1u << (XFRMNLGRP_AEVENTS - 1)));
}
