// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_xfrm_pol.c: policies between struct pfkm_policy and XFRM netlink
 * (src/xfrm/pol.c): parsing the kernel's own messages (test_xfrm.h) and
 * building the bytes `ip xfrm` had the kernel store, plus the GETSADINFO /
 * GETSPDINFO answers.
 */
#include "test_xfrm.h"

TEST(xfrm_pol_parse_kernel_newpolicy)
{
	struct nlmsghdr *nlh = xhex(VEC_NEWPOLICY_V4, NULL);
	struct pfkm_policy *p = NULL;
	struct pfkm_addr a;

	REQUIRE_EQ(xfrm_pol_from_msg(nlh, &p), 0);
	CHECK_EQ(p->dir, IPSEC_DIR_OUTBOUND);
	CHECK_EQ(p->id, 1);		/* xfrm_gen_index: 0 | dir out */
	CHECK_EQ(pfkm_spd_id2dir(p->id), IPSEC_DIR_OUTBOUND);
	CHECK_EQ(p->priority, 100);
	CHECK(!p->block);
	CHECK_EQ(p->sel.family, AF_INET);
	CHECK_EQ(p->sel.splen, 24);
	CHECK_EQ(p->sel.dplen, 24);
	CHECK_EQ(p->sel.proto, IPPROTO_TCP);
	CHECK_EQ(p->sel.dport, htons(443));
	CHECK_EQ(p->sel.sport, 0);
	a = xaddr(AF_INET, "10.0.1.0");
	CHECK_MEM(&p->sel.saddr, &a, sizeof(a));
	a = xaddr(AF_INET, "10.0.2.0");
	CHECK_MEM(&p->sel.daddr, &a, sizeof(a));
	CHECK_EQ(p->hard.bytes, 0);	/* XFRM_INF */
	CHECK_EQ(p->hard.packets, 0);
	CHECK(p->cur.addtime != 0);
	REQUIRE_EQ(p->ntmpl, 1);
	CHECK_EQ(p->tmpl[0].proto, IPPROTO_ESP);
	CHECK_EQ(p->tmpl[0].mode, IPSEC_MODE_TUNNEL);
	CHECK_EQ(p->tmpl[0].family, AF_INET);
	CHECK_EQ(p->tmpl[0].reqid, 7);
	CHECK(!p->tmpl[0].optional);
	a = xaddr(AF_INET, "192.0.2.1");
	CHECK_MEM(&p->tmpl[0].saddr, &a, sizeof(a));
	a = xaddr(AF_INET, "192.0.2.2");
	CHECK_MEM(&p->tmpl[0].daddr, &a, sizeof(a));
	pfkm_spd_policy_put(p);
	free(nlh);
}

TEST(xfrm_pol_parse_kernel_update_two_templates)
{
	struct nlmsghdr *nlh = xhex(VEC_UPDPOLICY_V4, NULL);
	struct pfkm_policy *p = NULL;

	CHECK_EQ(nlh->nlmsg_type, XFRM_MSG_UPDPOLICY);
	REQUIRE_EQ(xfrm_pol_from_msg(nlh, &p), 0);
	CHECK_EQ(p->priority, 50);
	REQUIRE_EQ(p->ntmpl, 2);
	CHECK_EQ(p->tmpl[1].proto, IPPROTO_AH);
	CHECK_EQ(p->tmpl[1].mode, IPSEC_MODE_TRANSPORT);
	CHECK_EQ(p->tmpl[1].family, AF_INET);
	CHECK(p->tmpl[1].optional);
	CHECK_EQ(p->tmpl[1].reqid, 0);
	pfkm_spd_policy_put(p);
	free(nlh);
}

TEST(xfrm_pol_parse_kernel_dump_v6_fwd)
{
	struct nlmsghdr *nlh = xhex(VEC_DUMP_POLICY_V6_FWD, NULL);
	struct pfkm_policy *p = NULL;
	struct pfkm_addr a;

	CHECK(nlh->nlmsg_flags & NLM_F_MULTI);
	REQUIRE_EQ(xfrm_pol_from_msg(nlh, &p), 0);
	CHECK_EQ(p->dir, IPSEC_DIR_FWD);
	CHECK_EQ(pfkm_spd_id2dir(p->id), IPSEC_DIR_FWD);
	CHECK_EQ(p->sel.family, AF_INET6);
	CHECK_EQ(p->sel.splen, 64);
	CHECK_EQ(p->sel.dplen, 0);
	CHECK_EQ(p->sel.proto, 0);
	REQUIRE_EQ(p->ntmpl, 1);
	CHECK_EQ(p->tmpl[0].family, AF_INET6);
	a = xaddr(AF_INET6, "2001:db8::b");
	CHECK_MEM(&p->tmpl[0].daddr, &a, sizeof(a));
	pfkm_spd_policy_put(p);
	free(nlh);
}

/* Build the policy of VEC_NEWPOLICY_V4 and compare the bytes the kernel
 * reported (userpolicy_info without the kernel's current lifetime and
 * index, and the whole XFRMA_TMPL attribute). */
TEST(xfrm_pol_build_matches_kernel)
{
	struct nlmsghdr *want = xhex(VEC_NEWPOLICY_V4, NULL);
	uint8_t buf[XFRM_NL_REQ_MAX];
	struct nlmsghdr *nlh;
	struct pfkm_policy *p = pfkm_spd_policy_alloc();
	struct xfrm_userpolicy_info *u, *w;
	const struct nlattr *tb[XFRMA_MAX + 1], *wtb[XFRMA_MAX + 1];

	REQUIRE(p);
	p->dir = IPSEC_DIR_OUTBOUND;
	p->priority = 100;
	p->sel.family = AF_INET;
	p->sel.splen = 24;
	p->sel.dplen = 24;
	p->sel.proto = IPPROTO_TCP;
	p->sel.dport = htons(443);
	p->sel.saddr = xaddr(AF_INET, "10.0.1.0");
	p->sel.daddr = xaddr(AF_INET, "10.0.2.0");
	p->ntmpl = 1;
	p->tmpl[0].proto = IPPROTO_ESP;
	p->tmpl[0].mode = IPSEC_MODE_TUNNEL;
	p->tmpl[0].family = AF_INET;
	p->tmpl[0].reqid = 7;
	p->tmpl[0].saddr = xaddr(AF_INET, "192.0.2.1");
	p->tmpl[0].daddr = xaddr(AF_INET, "192.0.2.2");
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	REQUIRE_EQ(xfrm_pol_put(nlh, sizeof(buf), p), 0);
	u = mnl_nlmsg_get_payload(nlh);
	w = mnl_nlmsg_get_payload(want);
	CHECK_EQ(u->index, 0);		/* the kernel picks it */
	u->index = w->index;
	u->curlft = w->curlft;
	CHECK_MEM(u, w, sizeof(*u));
	REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(*u), tb), 0);
	REQUIRE_EQ(xfrm_nl_attrs(want, sizeof(*w), wtb), 0);
	REQUIRE(tb[XFRMA_TMPL] && wtb[XFRMA_TMPL]);
	REQUIRE_EQ(tb[XFRMA_TMPL]->nla_len, wtb[XFRMA_TMPL]->nla_len);
	CHECK_MEM(tb[XFRMA_TMPL], wtb[XFRMA_TMPL], wtb[XFRMA_TMPL]->nla_len);
	pfkm_spd_policy_put(p);
	free(want);
}

TEST(xfrm_pol_build_block_v6_matches_kernel)
{
	struct nlmsghdr *want = xhex(VEC_NEWPOLICY_V6_BLOCK, NULL);
	uint8_t buf[XFRM_NL_REQ_MAX];
	struct nlmsghdr *nlh;
	struct pfkm_policy *p = pfkm_spd_policy_alloc();
	struct xfrm_userpolicy_info *u, *w;
	const struct nlattr *tb[XFRMA_MAX + 1];

	REQUIRE(p);
	p->dir = IPSEC_DIR_INBOUND;
	p->block = true;
	p->sel.family = AF_INET6;
	p->sel.splen = p->sel.dplen = 128;
	p->sel.saddr = xaddr(AF_INET6, "2001:db8::1");
	p->sel.daddr = xaddr(AF_INET6, "2001:db8::2");
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	REQUIRE_EQ(xfrm_pol_put(nlh, sizeof(buf), p), 0);
	u = mnl_nlmsg_get_payload(nlh);
	w = mnl_nlmsg_get_payload(want);
	u->index = w->index;
	u->curlft = w->curlft;
	CHECK_MEM(u, w, sizeof(*u));
	REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(*u), tb), 0);
	CHECK(!tb[XFRMA_TMPL]);
	pfkm_spd_policy_put(p);
	free(want);
}

TEST(xfrm_pol_build_rejects)
{
	uint8_t buf[XFRM_NL_REQ_MAX];
	struct nlmsghdr *nlh;
	struct pfkm_policy *p = pfkm_spd_policy_alloc();

	REQUIRE(p);
	p->sel.family = AF_INET;
	nlh = mnl_nlmsg_put_header(memset(buf, 0, sizeof(buf)));
	p->dir = 0;
	CHECK_EQ(xfrm_pol_put(nlh, sizeof(buf), p), -EINVAL);
	p->dir = IPSEC_DIR_FWD + 1;
	CHECK_EQ(xfrm_pol_put(nlh, sizeof(buf), p), -EINVAL);
	p->dir = IPSEC_DIR_OUTBOUND;
	p->ntmpl = 1;
	p->tmpl[0].proto = IPPROTO_ESP;
	p->tmpl[0].mode = 7;
	nlh = mnl_nlmsg_put_header(memset(buf, 0, sizeof(buf)));
	CHECK_EQ(xfrm_pol_put(nlh, sizeof(buf), p), -EINVAL);
	/* too small a buffer for the templates */
	p->tmpl[0].mode = IPSEC_MODE_TRANSPORT;
	nlh = mnl_nlmsg_put_header(memset(buf, 0, sizeof(buf)));
	CHECK_EQ(xfrm_pol_put(nlh, 16 + 168 + 8, p), -EMSGSIZE);
	pfkm_spd_policy_put(p);
}

/* Truncations and lying lengths never read past the message. */
TEST(xfrm_pol_parse_malformed)
{
	size_t len;
	struct nlmsghdr *nlh = xhex(VEC_NEWPOLICY_V4, &len);
	struct pfkm_policy *p = NULL;
	struct nlattr *a;

	/* the fixed part cut short */
	nlh->nlmsg_len = 16 + 100;
	CHECK_EQ(xfrm_pol_from_msg(nlh, &p), -EINVAL);
	/* XFRMA_TMPL claims more than the message holds */
	nlh->nlmsg_len = (uint32_t)len;
	a = (struct nlattr *)((uint8_t *)nlh + 16 + sizeof(struct xfrm_userpolicy_info));
	CHECK_EQ(a->nla_type, XFRMA_TMPL);
	a->nla_len = 0x400;
	CHECK_EQ(xfrm_pol_from_msg(nlh, &p), -EINVAL);
	/* shorter than one template */
	a->nla_len = 4 + 10;
	CHECK_EQ(xfrm_pol_from_msg(nlh, &p), -EINVAL);
	/* a socket policy (dir 3 + ...) has no PF_KEY form */
	a->nla_len = 0x44;
	((struct xfrm_userpolicy_info *)mnl_nlmsg_get_payload(nlh))->dir = XFRM_POLICY_MAX;
	CHECK_EQ(xfrm_pol_from_msg(nlh, &p), -EOPNOTSUPP);
	free(nlh);
}

TEST(xfrm_pol_info_answers)
{
	struct nlmsghdr *sad = xhex(VEC_SADINFO, NULL), *spd = xhex(VEC_SPDINFO, NULL);
	uint64_t n = 99;

	CHECK_EQ(xfrm_nl_sadinfo(sad, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(xfrm_nl_spdinfo(spd, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(xfrm_nl_spdinfo(sad, &n), -EINVAL);
	free(sad);
	free(spd);
}
