// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_xfrm_sa.c: SAs between struct pfkm_sa and XFRM netlink
 * (src/xfrm/sa.c): the bytes iproute2 sends for the same SA, the kernel's
 * larval SA, round trips of every algorithm row the kernel knows, replay
 * windows, NAT-T, lifetimes, flags, and malformed attributes.
 */
#include "test_xfrm.h"

static const uint8_t k_aes[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

static struct pfkm_sa *sa_v4(void)
{
	struct pfkm_sa *x = pfkm_sadb_sa_alloc();

	x->proto = IPPROTO_ESP;
	x->family = AF_INET;
	x->mode = IPSEC_MODE_TUNNEL;
	x->spi = htonl(0x1234);
	x->reqid = 5;
	x->saddr = xaddr(AF_INET, "192.0.2.1");
	x->daddr = xaddr(AF_INET, "192.0.2.2");
	x->sel_family = AF_INET;
	x->state = PFKM_SA_MATURE;
	return x;
}

static struct nlmsghdr *build(uint8_t *buf, const struct pfkm_sa *x, int *ret)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(memset(buf, 0, XFRM_NL_REQ_MAX));

	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	*ret = xfrm_sa_put(nlh, XFRM_NL_REQ_MAX, x);
	return nlh;
}

TEST(xfrm_sa_build_matches_iproute2)
{
	size_t len;
	uint8_t *want = (uint8_t *)xhex(VEC_IP_NEWSA_PAYLOAD, &len);
	uint8_t buf[XFRM_NL_REQ_MAX], akey[32];
	struct pfkm_sa *x = sa_v4();
	struct nlmsghdr *nlh;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(akey); i++)
		akey[i] = (uint8_t)i;
	x->replay = 32;
	x->enc = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
	x->enc_id = x->enc->id;
	x->auth = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256");
	x->auth_id = x->auth->id;
	x->icv_bits = x->auth->icv_bits;	/* RFC 4868: 128 */
	REQUIRE_EQ(pfkm_sadb_sa_set_key(x, false, k_aes, 128), 0);
	REQUIRE_EQ(pfkm_sadb_sa_set_key(x, true, akey, 256), 0);
	nlh = build(buf, x, &ret);
	REQUIRE_EQ(ret, 0);
	/* ip leaves the SA's selector family 0; af_key (and we) set it */
	CHECK_EQ(((struct xfrm_usersa_info *)mnl_nlmsg_get_payload(nlh))->sel.family, AF_INET);
	((struct xfrm_usersa_info *)want)->sel.family = AF_INET;
	REQUIRE_EQ(mnl_nlmsg_get_payload_len(nlh), len);
	CHECK_MEM(mnl_nlmsg_get_payload(nlh), want, len);
	pfkm_sadb_sa_free(x);
	free(want);
}

TEST(xfrm_sa_parse_kernel_larval)
{
	struct nlmsghdr *nlh = xhex(VEC_DUMP_SA_LARVAL, NULL);
	struct pfkm_sa *x = NULL;
	struct pfkm_addr a;

	REQUIRE_EQ(xfrm_sa_from_msg(nlh, &x), 0);
	CHECK_EQ(x->state, PFKM_SA_LARVAL);
	CHECK_EQ(x->proto, IPPROTO_ESP);
	CHECK_EQ(x->family, AF_INET);
	CHECK_EQ(x->mode, IPSEC_MODE_TUNNEL);
	CHECK_EQ(x->reqid, 9);
	CHECK_EQ(x->spi, htonl(0x1000));
	a = xaddr(AF_INET, "192.0.2.2");
	CHECK_MEM(&x->daddr, &a, sizeof(a));
	a = xaddr(AF_INET, "192.0.2.1");
	CHECK_MEM(&x->saddr, &a, sizeof(a));
	CHECK_EQ(x->hard.addtime, 30);		/* xfrm_acq_expires */
	CHECK_EQ(x->hard.bytes, 0);
	CHECK_EQ(x->sel_family, AF_INET);
	CHECK_EQ(x->sel_plen, 32);
	CHECK(!x->enc && !x->auth && !x->enc_key && !x->auth_key);
	pfkm_sadb_sa_free(x);
	free(nlh);
}

/* Every ESP row of alg.c with a kernel name survives build + parse. */
TEST(xfrm_sa_roundtrip_every_algorithm)
{
	const struct pfkm_alg *e, *a;
	uint8_t buf[XFRM_NL_REQ_MAX], key[64];
	unsigned int i, j, n = 0;

	memset(key, 0xa5, sizeof(key));
	for (i = 0; (e = pfkm_alg_at(PFKM_ALG_ENC, i)); i++) {
		for (j = 0; j < (e->aead ? 1u : 3u); j++) {
			struct pfkm_sa *x = sa_v4(), *y = NULL;
			struct nlmsghdr *nlh;
			int ret;

			a = e->aead ? NULL : pfkm_alg_at(PFKM_ALG_AUTH, j * 3);
			x->enc = e;
			x->enc_id = e->id;
			if (e->key_max)
				pfkm_sadb_sa_set_key(x, false, key, e->key_max);
			if (e->aead)
				x->icv_bits = e->icv_bits;
			if (a) {
				x->auth = a;
				x->auth_id = a->id;
				x->icv_bits = a->icv_bits;
				if (a->key_max)
					pfkm_sadb_sa_set_key(x, true, key, a->key_max);
			}
			nlh = build(buf, x, &ret);
			REQUIRE_EQ(ret, 0);
			REQUIRE_EQ(xfrm_sa_from_msg(nlh, &y), 0);
			CHECK_EQ(y->enc_id, e->id);
			CHECK(y->enc == e);
			CHECK_EQ(y->enc_bits, x->enc_bits);
			CHECK_EQ(y->auth_id, x->auth_id);
			CHECK_EQ(y->auth_bits, x->auth_bits);
			CHECK_EQ(y->icv_bits, x->icv_bits);
			if (x->enc_bits)
				CHECK_MEM(y->enc_key, x->enc_key, (x->enc_bits + 7) / 8);
			if (x->auth_bits)
				CHECK_MEM(y->auth_key, x->auth_key, (x->auth_bits + 7) / 8);
			CHECK_EQ(y->state, PFKM_SA_MATURE);
			pfkm_sadb_sa_free(x);
			pfkm_sadb_sa_free(y);
			n++;
		}
	}
	CHECK(n > 20);
}

TEST(xfrm_sa_aead_attribute)
{
	uint8_t buf[XFRM_NL_REQ_MAX], key[20] = { 1 };
	struct pfkm_sa *x = sa_v4(), *y = NULL;
	const struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_algo_aead *g;
	struct nlmsghdr *nlh;
	int ret;

	x->enc = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-12");
	x->enc_id = x->enc->id;
	x->icv_bits = x->enc->icv_bits;
	pfkm_sadb_sa_set_key(x, false, key, 160);
	nlh = build(buf, x, &ret);
	REQUIRE_EQ(ret, 0);
	REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(struct xfrm_usersa_info), tb), 0);
	REQUIRE(tb[XFRMA_ALG_AEAD]);
	CHECK(!tb[XFRMA_ALG_CRYPT] && !tb[XFRMA_ALG_AUTH_TRUNC]);
	g = mnl_attr_get_payload(tb[XFRMA_ALG_AEAD]);
	CHECK_STR(g->alg_name, "rfc4106(gcm(aes))");
	CHECK_EQ(g->alg_key_len, 160);
	CHECK_EQ(g->alg_icv_len, 96);
	REQUIRE_EQ(xfrm_sa_from_msg(nlh, &y), 0);
	CHECK_EQ(y->enc_id, SADB_X_EALG_AES_GCM_ICV12);
	pfkm_sadb_sa_free(x);
	pfkm_sadb_sa_free(y);
}

TEST(xfrm_sa_ipcomp_and_ah)
{
	uint8_t buf[XFRM_NL_REQ_MAX], key[20] = { 2 };
	struct pfkm_sa *x = sa_v4(), *y = NULL;
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct nlmsghdr *nlh;
	int ret;

	x->proto = IPPROTO_COMP;
	x->spi = htonl(0x4001);
	x->enc = pfkm_alg_by_id(PFKM_ALG_COMP, SADB_X_CALG_DEFLATE);
	x->enc_id = SADB_X_CALG_DEFLATE;
	nlh = build(buf, x, &ret);
	REQUIRE_EQ(ret, 0);
	REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(struct xfrm_usersa_info), tb), 0);
	REQUIRE(tb[XFRMA_ALG_COMP]);
	CHECK_STR(((const struct xfrm_algo *)mnl_attr_get_payload(tb[XFRMA_ALG_COMP]))->alg_name,
		  "deflate");
	REQUIRE_EQ(xfrm_sa_from_msg(nlh, &y), 0);
	CHECK_EQ(y->proto, IPPROTO_COMP);
	CHECK_EQ(y->enc_id, SADB_X_CALG_DEFLATE);
	pfkm_sadb_sa_free(y);
	pfkm_sadb_sa_free(x);

	x = sa_v4();
	x->proto = IPPROTO_AH;
	x->auth = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha1");
	x->auth_id = x->auth->id;
	x->icv_bits = 96;
	pfkm_sadb_sa_set_key(x, true, key, 160);
	nlh = build(buf, x, &ret);
	REQUIRE_EQ(ret, 0);
	REQUIRE_EQ(xfrm_sa_from_msg(nlh, &y), 0);
	CHECK_EQ(y->proto, IPPROTO_AH);
	CHECK_EQ(y->auth_id, SADB_AALG_SHA1HMAC);
	CHECK_EQ(y->icv_bits, 96);
	CHECK(!y->enc);
	pfkm_sadb_sa_free(y);
	pfkm_sadb_sa_free(x);
}

/* Windows up to 32 in usersa_info; wider ones in XFRMA_REPLAY_ESN_VAL
 * (usersa_info's must then be 0: verify_replay). */
TEST(xfrm_sa_replay_windows)
{
	static const unsigned int w[] = { 0, 1, 32, 33, 64, 128, 255 };
	uint8_t buf[XFRM_NL_REQ_MAX];
	unsigned int i;

	for (i = 0; i < OS_ARRAY_SIZE(w); i++) {
		struct pfkm_sa *x = sa_v4(), *y = NULL;
		const struct nlattr *tb[XFRMA_MAX + 1];
		const struct xfrm_usersa_info *p;
		struct nlmsghdr *nlh;
		int ret;

		x->replay = (uint8_t)w[i];
		x->enc = pfkm_alg_by_name(PFKM_ALG_ENC, "null");
		x->enc_id = x->enc->id;
		nlh = build(buf, x, &ret);
		REQUIRE_EQ(ret, 0);
		p = mnl_nlmsg_get_payload(nlh);
		REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(*p), tb), 0);
		if (w[i] <= 32) {
			CHECK_EQ(p->replay_window, w[i]);
			CHECK(!tb[XFRMA_REPLAY_ESN_VAL]);
		} else {
			const struct xfrm_replay_state_esn *rs;

			CHECK_EQ(p->replay_window, 0);
			REQUIRE(tb[XFRMA_REPLAY_ESN_VAL]);
			rs = mnl_attr_get_payload(tb[XFRMA_REPLAY_ESN_VAL]);
			CHECK_EQ(rs->replay_window, w[i]);
			CHECK_EQ(rs->bmp_len, (w[i] + 31) / 32);
			CHECK(!(p->flags & XFRM_STATE_ESN));
		}
		REQUIRE_EQ(xfrm_sa_from_msg(nlh, &y), 0);
		CHECK_EQ(y->replay, w[i]);
		pfkm_sadb_sa_free(x);
		pfkm_sadb_sa_free(y);
	}
}

/* ESN (SADB_X_SAFLAGS_ESN) is XFRM_STATE_ESN with the window in
 * XFRMA_REPLAY_ESN_VAL even when it is 32 or less (xfrm refuses ESN without
 * it), and reads back as the flag. */
TEST(xfrm_sa_esn)
{
	static const unsigned int w[] = { 1, 32, 64 };
	uint8_t buf[XFRM_NL_REQ_MAX];
	unsigned int i;

	for (i = 0; i < OS_ARRAY_SIZE(w); i++) {
		struct pfkm_sa *x = sa_v4(), *y = NULL;
		const struct nlattr *tb[XFRMA_MAX + 1];
		const struct xfrm_replay_state_esn *rs;
		const struct xfrm_usersa_info *p;
		struct nlmsghdr *nlh;
		int ret;

		x->replay = (uint8_t)w[i];
		x->flags = SADB_X_SAFLAGS_ESN;
		x->enc = pfkm_alg_by_name(PFKM_ALG_ENC, "null");
		x->enc_id = x->enc->id;
		nlh = build(buf, x, &ret);
		REQUIRE_EQ(ret, 0);
		p = mnl_nlmsg_get_payload(nlh);
		REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(*p), tb), 0);
		CHECK(p->flags & XFRM_STATE_ESN);
		CHECK_EQ(p->replay_window, 0);
		REQUIRE(tb[XFRMA_REPLAY_ESN_VAL]);
		rs = mnl_attr_get_payload(tb[XFRMA_REPLAY_ESN_VAL]);
		CHECK_EQ(rs->replay_window, w[i]);
		REQUIRE_EQ(xfrm_sa_from_msg(nlh, &y), 0);
		CHECK_EQ(y->flags, SADB_X_SAFLAGS_ESN);
		CHECK_EQ(y->replay, w[i]);
		pfkm_sadb_sa_free(x);
		pfkm_sadb_sa_free(y);
	}
}

TEST(xfrm_sa_natt_lifetimes_flags_modes)
{
	static const uint8_t modes[] = { IPSEC_MODE_TRANSPORT, IPSEC_MODE_TUNNEL, IPSEC_MODE_BEET };
	static const uint8_t xmodes[] = { XFRM_MODE_TRANSPORT, XFRM_MODE_TUNNEL, XFRM_MODE_BEET };
	uint8_t buf[XFRM_NL_REQ_MAX];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct pfkm_sa *x = sa_v4(), *y = NULL;
		const struct nlattr *tb[XFRMA_MAX + 1];
		const struct xfrm_usersa_info *p;
		const struct xfrm_encap_tmpl *e;
		struct nlmsghdr *nlh;
		int ret;

		x->mode = modes[i];
		x->enc = pfkm_alg_by_name(PFKM_ALG_ENC, "null");
		x->enc_id = x->enc->id;
		x->natt_type = UDP_ENCAP_ESPINUDP;
		x->natt_sport = htons(4500);
		x->natt_dport = htons(4501);
		x->hard.bytes = 1000000;
		x->hard.addtime = 60;
		x->soft.packets = 500;
		x->soft.usetime = 30;
		x->flags = SADB_SAFLAGS_NOECN | SADB_SAFLAGS_NOPMTUDISC;
		x->seq = 77;
		nlh = build(buf, x, &ret);
		REQUIRE_EQ(ret, 0);
		p = mnl_nlmsg_get_payload(nlh);
		CHECK_EQ(p->mode, xmodes[i]);
		CHECK_EQ(p->flags, XFRM_STATE_NOECN | XFRM_STATE_NOPMTUDISC);
		CHECK(p->lft.hard_byte_limit == 1000000);
		CHECK(p->lft.hard_packet_limit == XFRM_INF);
		CHECK(p->lft.soft_byte_limit == XFRM_INF);
		CHECK(p->lft.soft_packet_limit == 500);
		CHECK_EQ(p->lft.hard_add_expires_seconds, 60);
		CHECK_EQ(p->lft.soft_use_expires_seconds, 30);
		CHECK_EQ(p->seq, 77);
		REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(*p), tb), 0);
		REQUIRE(tb[XFRMA_ENCAP]);
		e = mnl_attr_get_payload(tb[XFRMA_ENCAP]);
		CHECK_EQ(e->encap_type, UDP_ENCAP_ESPINUDP);
		CHECK_EQ(e->encap_sport, htons(4500));
		CHECK_EQ(e->encap_dport, htons(4501));
		REQUIRE_EQ(xfrm_sa_from_msg(nlh, &y), 0);
		CHECK_EQ(y->mode, modes[i]);
		CHECK_EQ(y->natt_type, UDP_ENCAP_ESPINUDP);
		CHECK_EQ(y->natt_sport, htons(4500));
		CHECK_EQ(y->natt_dport, htons(4501));
		CHECK_MEM(&y->hard, &x->hard, sizeof(x->hard));
		CHECK_MEM(&y->soft, &x->soft, sizeof(x->soft));
		CHECK_EQ(y->flags, x->flags);
		CHECK_EQ(y->seq, 77);
		pfkm_sadb_sa_free(x);
		pfkm_sadb_sa_free(y);
	}
}

TEST(xfrm_sa_parse_rejects)
{
	uint8_t buf[XFRM_NL_REQ_MAX], key[16] = { 3 };
	struct pfkm_sa *x = sa_v4(), *y = NULL;
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_info *p;
	struct xfrm_algo *g;
	struct nlmsghdr *nlh;
	int ret;

	x->enc = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
	x->enc_id = x->enc->id;
	pfkm_sadb_sa_set_key(x, false, key, 128);
	nlh = build(buf, x, &ret);
	REQUIRE_EQ(ret, 0);
	REQUIRE_EQ(xfrm_nl_attrs(nlh, sizeof(*p), tb), 0);
	g = (struct xfrm_algo *)mnl_attr_get_payload(tb[XFRMA_ALG_CRYPT]);
	/* a key longer than its attribute */
	g->alg_key_len = 129;
	CHECK_EQ(xfrm_sa_from_msg(nlh, &y), -EINVAL);
	/* a name without NUL */
	g->alg_key_len = 128;
	memset(g->alg_name, 'a', sizeof(g->alg_name));
	CHECK_EQ(xfrm_sa_from_msg(nlh, &y), -EINVAL);
	strcpy(g->alg_name, "cbc(aes)");
	/* Mobile IPv6 route optimisation states have no PF_KEY form */
	p = mnl_nlmsg_get_payload(nlh);
	p->id.proto = IPPROTO_ROUTING;
	CHECK_EQ(xfrm_sa_from_msg(nlh, &y), -EOPNOTSUPP);
	p->id.proto = IPPROTO_ESP;
	p->mode = XFRM_MODE_ROUTEOPTIMIZATION;
	CHECK_EQ(xfrm_sa_from_msg(nlh, &y), -EOPNOTSUPP);
	p->mode = XFRM_MODE_TUNNEL;
	/* an unknown kernel algorithm: the SA shows, without that algorithm */
	strcpy(g->alg_name, "cbc(made-up)");
	REQUIRE_EQ(xfrm_sa_from_msg(nlh, &y), 0);
	CHECK(!y->enc && y->enc_id == 0 && y->state == PFKM_SA_MATURE);
	pfkm_sadb_sa_free(y);
	/* building: a mode xfrm lacks */
	x->mode = 9;
	nlh = build(buf, x, &ret);
	CHECK_EQ(ret, -EINVAL);
	pfkm_sadb_sa_free(x);
}
