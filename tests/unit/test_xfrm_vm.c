// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_xfrm_vm.c: SA messages only a kernel with ESP makes (captured in the
 * VM, test_xfrm.h VEC_VM_*): NEWSA of an AEAD SA with ESP-in-UDP and a
 * 64-packet window, NEWSA of AES-CBC + HMAC-SHA-256/128 over IPv6, its soft
 * EXPIRE, a policy and the ACQUIRE it made; parsed as store events, and the
 * algorithm attributes this store builds compared with the kernel's bytes.
 */
#include "test_xfrm.h"

static const uint8_t k_gcm[20] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
				   0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04 };

TEST(xfrm_vm_newsa_aead_natt)
{
	struct nlmsghdr *nlh = xhex(VEC_VM_NEWSA_GCM_NATT, NULL);
	struct xfrm_ev e;

	REQUIRE_EQ(xfrm_ev_parse(nlh, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_SA_ADD);
	REQUIRE(e.ev.sa);
	CHECK_EQ(e.ev.sa->spi, htonl(0x6000));
	CHECK_EQ(e.ev.sa->reqid, 4);
	CHECK_EQ(e.ev.sa->mode, IPSEC_MODE_TUNNEL);
	CHECK_EQ(e.ev.sa->replay, 64);
	CHECK_EQ(e.ev.sa->state, PFKM_SA_MATURE);
	CHECK_EQ(e.ev.sa->enc_id, SADB_X_EALG_AES_GCM_ICV16);
	CHECK_EQ(e.ev.sa->icv_bits, 128);
	REQUIRE_EQ(e.ev.sa->enc_bits, 160);
	CHECK_MEM(e.ev.sa->enc_key, k_gcm, sizeof(k_gcm));
	CHECK(!e.ev.sa->auth);
	CHECK_EQ(e.ev.sa->natt_type, UDP_ENCAP_ESPINUDP);
	CHECK_EQ(e.ev.sa->natt_sport, htons(4500));
	CHECK_EQ(e.ev.sa->natt_dport, htons(4500));
	CHECK_EQ(e.ev.pid, 0);
	xfrm_ev_free(&e);
	free(nlh);
}

/* What we build for the same SA carries the kernel's attribute bytes. */
TEST(xfrm_vm_build_attrs_match_kernel)
{
	struct nlmsghdr *gcm = xhex(VEC_VM_NEWSA_GCM_NATT, NULL);
	struct nlmsghdr *cbc = xhex(VEC_VM_NEWSA_V6_CBC_SHA256, NULL);
	const struct nlattr *want[XFRMA_MAX + 1], *got[XFRMA_MAX + 1];
	uint8_t buf[XFRM_NL_REQ_MAX], akey[32];
	struct pfkm_sa *x;
	struct nlmsghdr *nlh;
	unsigned int i;
	static const uint16_t t1[] = { XFRMA_ALG_AEAD, XFRMA_ENCAP, XFRMA_REPLAY_ESN_VAL };
	static const uint16_t t2[] = { XFRMA_ALG_CRYPT, XFRMA_ALG_AUTH_TRUNC };

	REQUIRE_EQ(xfrm_sa_from_msg(gcm, &x), 0);
	nlh = mnl_nlmsg_put_header(memset(buf, 0, sizeof(buf)));
	REQUIRE_EQ(xfrm_sa_put(nlh, sizeof(buf), x), 0);
	REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(struct xfrm_usersa_info), got), 0);
	REQUIRE_EQ(xfrm_nl_attrs(gcm, sizeof(struct xfrm_usersa_info), want), 0);
	for (i = 0; i < OS_ARRAY_SIZE(t1); i++) {
		REQUIRE(got[t1[i]] && want[t1[i]]);
		/* the kernel's window state (seq, bitmap) is its own */
		if (t1[i] == XFRMA_REPLAY_ESN_VAL) {
			const struct xfrm_replay_state_esn *a = mnl_attr_get_payload(got[t1[i]]);
			const struct xfrm_replay_state_esn *b = mnl_attr_get_payload(want[t1[i]]);

			CHECK_EQ(a->replay_window, b->replay_window);
			CHECK_EQ(a->bmp_len, b->bmp_len);
			continue;
		}
		REQUIRE_EQ(got[t1[i]]->nla_len, want[t1[i]]->nla_len);
		CHECK_MEM(got[t1[i]], want[t1[i]], want[t1[i]]->nla_len);
	}
	pfkm_sadb_sa_free(x);

	/* the IPv6 SA built from scratch, as the engine hands it over */
	x = pfkm_sadb_sa_alloc();
	x->proto = IPPROTO_ESP;
	x->family = AF_INET6;
	x->mode = IPSEC_MODE_TRANSPORT;
	x->spi = htonl(0x6001);
	x->saddr = xaddr(AF_INET6, "2001:db8::1");
	x->daddr = xaddr(AF_INET6, "2001:db8::2");
	x->enc = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
	x->enc_id = x->enc->id;
	x->auth = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256");
	x->auth_id = x->auth->id;
	x->icv_bits = x->auth->icv_bits;
	for (i = 0; i < sizeof(akey); i++)
		akey[i] = (uint8_t)i;
	pfkm_sadb_sa_set_key(x, false, k_gcm, 128);
	pfkm_sadb_sa_set_key(x, true, akey, 256);
	x->soft.addtime = 1;
	x->hard.addtime = 30;
	nlh = mnl_nlmsg_put_header(memset(buf, 0, sizeof(buf)));
	REQUIRE_EQ(xfrm_sa_put(nlh, sizeof(buf), x), 0);
	REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(struct xfrm_usersa_info), got), 0);
	REQUIRE_EQ(xfrm_nl_attrs(cbc, sizeof(struct xfrm_usersa_info), want), 0);
	for (i = 0; i < OS_ARRAY_SIZE(t2); i++) {
		REQUIRE(got[t2[i]] && want[t2[i]]);
		REQUIRE_EQ(got[t2[i]]->nla_len, want[t2[i]]->nla_len);
		CHECK_MEM(got[t2[i]], want[t2[i]], want[t2[i]]->nla_len);
	}
	/* the fixed part: the kernel's id, addresses, limits, mode */
	{
		const struct xfrm_usersa_info *a = mnl_nlmsg_get_payload(nlh);
		const struct xfrm_usersa_info *b = mnl_nlmsg_get_payload(cbc);

		CHECK_MEM(&a->id, &b->id, sizeof(a->id));
		CHECK_MEM(&a->saddr, &b->saddr, sizeof(a->saddr));
		CHECK_MEM(&a->lft, &b->lft, sizeof(a->lft));
		CHECK_EQ(a->family, b->family);
		CHECK_EQ(a->mode, b->mode);
		CHECK_EQ(a->reqid, b->reqid);
	}
	pfkm_sadb_sa_free(x);
	free(gcm);
	free(cbc);
}

TEST(xfrm_vm_soft_expire)
{
	struct nlmsghdr *nlh = xhex(VEC_VM_EXPIRE_SOFT_V6, NULL);
	struct xfrm_ev e;

	REQUIRE_EQ(xfrm_ev_parse(nlh, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_SA_EXPIRE);
	CHECK(!e.ev.hard);
	REQUIRE(e.ev.sa);
	CHECK(e.ev.sa->dying && e.ev.sa->state == PFKM_SA_MATURE);
	CHECK_EQ(e.ev.sa->family, AF_INET6);
	CHECK_EQ(e.ev.sa->spi, htonl(0x6001));
	CHECK_EQ(e.ev.sa->soft.addtime, 1);
	CHECK_EQ(e.ev.sa->hard.addtime, 30);
	/* no algorithms in the kernel's EXPIRE: the store reads the SA for
	 * them (store_nl.c foreign), the translation does not invent them */
	CHECK(!e.ev.sa->auth && !e.ev.sa->enc && !e.ev.sa->auth_key);
	xfrm_ev_free(&e);
	free(nlh);
}

TEST(xfrm_vm_acquire_of_tunnel_policy)
{
	struct nlmsghdr *pol = xhex(VEC_VM_NEWPOLICY_ICMP, NULL), *acq = xhex(VEC_VM_ACQUIRE_TUNNEL, NULL);
	struct pfkm_addr a;
	struct xfrm_ev e;
	uint32_t id;

	REQUIRE_EQ(xfrm_ev_parse(pol, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_POL_ADD);
	CHECK_EQ(e.ev.pol->sel.proto, IPPROTO_ICMP);
	id = e.ev.pol->id;
	xfrm_ev_free(&e);

	REQUIRE_EQ(xfrm_ev_parse(acq, &e), 0);
	CHECK_EQ(e.ev.kind, PFKM_EV_ACQUIRE);
	REQUIRE(e.ev.sa && e.ev.pol);
	CHECK_EQ(e.ev.sa->state, PFKM_SA_LARVAL);
	CHECK(e.ev.sa->seq != 0);
	CHECK_EQ(e.ev.sa->proto, IPPROTO_ESP);
	CHECK_EQ(e.ev.sa->family, AF_INET);
	CHECK_EQ(e.ev.sa->mode, IPSEC_MODE_TUNNEL);
	CHECK_EQ(e.ev.sa->reqid, 12);
	a = xaddr(AF_INET, "198.51.100.2");
	CHECK_MEM(&e.ev.sa->daddr, &a, sizeof(a));
	a = xaddr(AF_INET, "198.51.100.1");
	CHECK_MEM(&e.ev.sa->saddr, &a, sizeof(a));
	/* the flow's selector (xfrm_init_tempsel) */
	CHECK_EQ(e.ev.sa->sel_proto, IPPROTO_ICMP);
	a = xaddr(AF_INET, "10.98.0.1");
	CHECK_MEM(&e.ev.sa->sel_saddr, &a, sizeof(a));
	CHECK_EQ(e.ev.pol->id, id);
	CHECK_EQ(e.ev.pol->priority, 7);
	CHECK_EQ(e.ev.pol->dir, IPSEC_DIR_OUTBOUND);
	CHECK_EQ(e.ev.pol->ntmpl, 1);
	xfrm_ev_free(&e);
	free(pol);
	free(acq);
}
