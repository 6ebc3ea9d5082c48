// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_core_sa.c: SA requests of kmod/core through pfkm_sock_send: ADD /
 * UPDATE / GET / DELETE / GETSPI / error ACQUIRE / FLUSH, their replies and
 * broadcast targets, af_key's errnos, the deliberate improvements, and the
 * header-level error path.
 */
#include "test_core.h"
#include "store_mem.h"
#include "net.h"

struct env {
	struct pfkm_net *net;
	struct cap a, b;
};

static void env_open(struct env *e)
{
	memset(e, 0, sizeof(*e));
	pfkm_net_create(&e->net);
	cap_open(e->net, &e->a);
	cap_open(e->net, &e->b);
}

static void env_close(struct env *e)
{
	cap_close(&e->a);
	cap_close(&e->b);
	pfkm_net_destroy(e->net);
}

static int send_sa_op(struct cap *c, uint8_t type, uint8_t satype, uint32_t spi,
		      const char *src, const char *dst)
{
	struct mb m;

	mb_hdr(&m, type, satype, 3);
	mb_sa(&m, spi, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, src, -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
	return mb_send(c, &m);
}

TEST(core_sa_add_broadcasts_all_with_keys)
{
	struct env e;
	struct pfkm_exts x;
	const struct sadb_sa *sa;
	const struct sadb_key *k;
	const struct sadb_address *px;

	env_open(&e);
	REQUIRE_EQ(add_esp(&e.a, SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(e.a.n, 1);
	REQUIRE_EQ(e.b.n, 1);
	CHECK_EQ(e.a.len[0], e.b.len[0]);
	CHECK_MEM(e.a.msg[0], e.b.msg[0], e.a.len[0]);
	REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_ADD);
	CHECK_EQ(x.msg->sadb_msg_satype, SADB_SATYPE_ESP);
	CHECK_EQ(x.msg->sadb_msg_seq, 7);
	CHECK_EQ(x.msg->sadb_msg_pid, 4242);
	CHECK_EQ(x.msg->sadb_msg_errno, 0);
	CHECK_EQ(x.msg->sadb_msg_reserved, 0);
	sa = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);
	REQUIRE(sa);
	CHECK_EQ(ntohl(sa->sadb_sa_spi), 0x1000);
	CHECK_EQ(sa->sadb_sa_state, SADB_SASTATE_MATURE);
	CHECK_EQ(sa->sadb_sa_auth, SADB_AALG_SHA1HMAC);
	CHECK_EQ(sa->sadb_sa_encrypt, SADB_X_EALG_AESCBC);
	CHECK_EQ(sa->sadb_sa_replay, 4);
	CHECK(x.ext[SADB_EXT_LIFETIME_HARD] && x.ext[SADB_EXT_LIFETIME_SOFT]);
	CHECK(x.ext[SADB_EXT_LIFETIME_CURRENT]);
	CHECK(x.ext[SADB_X_EXT_SA2]);
	k = PFKM_EXT(&x, SADB_EXT_KEY_AUTH, struct sadb_key);
	REQUIRE(k);
	CHECK_EQ(k->sadb_key_bits, 160);
	CHECK_EQ(((const uint8_t *)(k + 1))[19], 0xaa);
	CHECK_EQ(k->sadb_key_reserved, 0);
	k = PFKM_EXT(&x, SADB_EXT_KEY_ENCRYPT, struct sadb_key);
	REQUIRE(k);
	CHECK_EQ(k->sadb_key_bits, 128);
	/* af_key: without a PROXY in the request the selector address is
	 * 0.0.0.0/0 and differs from the source, so a PROXY goes out. */
	px = PFKM_EXT(&x, SADB_EXT_ADDRESS_PROXY, struct sadb_address);
	REQUIRE(px);
	CHECK_EQ(px->sadb_address_proto, IPSEC_PROTO_ANY);
	CHECK_EQ(px->sadb_address_prefixlen, 0);
	CHECK(all_zero(px + 1 + 0, 0));
	env_close(&e);
}

TEST(core_sa_get_one_with_keys_and_current)
{
	struct env e;
	struct pfkm_exts x;
	const struct sadb_lifetime *cur;

	env_open(&e);
	os_user_clock_set(1700000000, 5000);
	REQUIRE_EQ(add_esp(&e.a, SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	cap_clear(&e.a);
	cap_clear(&e.b);
	REQUIRE_EQ(send_sa_op(&e.b, SADB_GET, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(e.a.n, 0);
	REQUIRE_EQ(e.b.n, 1);
	REQUIRE_EQ(cap_exts(&e.b, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_GET);
	CHECK_EQ(x.msg->sadb_msg_seq, 3);
	CHECK(x.ext[SADB_EXT_KEY_AUTH] && x.ext[SADB_EXT_KEY_ENCRYPT]);
	cur = PFKM_EXT(&x, SADB_EXT_LIFETIME_CURRENT, struct sadb_lifetime);
	REQUIRE(cur);
	CHECK_EQ(cur->sadb_lifetime_addtime, 1700000000);
	/* other proto / address / spi: ESRCH */
	REQUIRE_EQ(send_sa_op(&e.b, SADB_GET, SADB_SATYPE_AH, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(cap_errno(&e.b), ESRCH);
	REQUIRE_EQ(send_sa_op(&e.b, SADB_GET, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "10.0.0.3"), 0);
	CHECK_EQ(cap_errno(&e.b), ESRCH);
	REQUIRE_EQ(send_sa_op(&e.b, SADB_GET, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "::1"), 0);
	CHECK_EQ(cap_errno(&e.b), EINVAL);
	CHECK_EQ(e.a.n, 0);
	os_user_clock_release();
	env_close(&e);
}

TEST(core_sa_delete_broadcast_and_esrch)
{
	struct env e;
	struct pfkm_exts x;
	struct mb m;

	env_open(&e);
	REQUIRE_EQ(add_esp(&e.a, SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	cap_clear(&e.a);
	cap_clear(&e.b);
	REQUIRE_EQ(send_sa_op(&e.a, SADB_DELETE, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(e.a.n, 1);
	REQUIRE_EQ(e.b.n, 1);
	REQUIRE_EQ(cap_exts(&e.b, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_DELETE);
	/* af_key reports the deleted state as DEAD, keys included */
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_DEAD);
	CHECK(x.ext[SADB_EXT_KEY_ENCRYPT]);
	REQUIRE_EQ(send_sa_op(&e.a, SADB_DELETE, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(cap_errno(&e.a), ESRCH);
	CHECK_EQ(e.b.n, 1);
	/* no SA extension: EINVAL */
	mb_hdr(&m, SADB_DELETE, SADB_SATYPE_ESP, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(cap_errno(&e.a), EINVAL);
	env_close(&e);
}

/* Each row: a mutation of the standard ESP ADD and af_key's errno. */
TEST(core_sa_add_errors)
{
	struct env e;
	struct mb m;
	int i;

	env_open(&e);
	REQUIRE_EQ(add_esp(&e.a, SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(add_esp(&e.a, SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(cap_errno(&e.a), EEXIST);
	REQUIRE_EQ(add_esp(&e.a, SADB_UPDATE, 0x2000, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(cap_errno(&e.a), ESRCH);
	for (i = 0; i < 19; i++) {
		uint8_t satype = SADB_SATYPE_ESP, auth = SADB_AALG_SHA1HMAC, enc = SADB_X_EALG_AESCBC;
		unsigned int abits = 160, ebits = 128;
		bool akey = true, ekey = true, hard = false, soft = false, sa = true;
		const char *dst = "10.0.0.9";
		int want = 0;

		switch (i) {
		case 0: sa = false; want = EINVAL; break;
		case 1: ekey = false; want = EINVAL; break;
		case 2: satype = SADB_SATYPE_AH; akey = false; enc = 0; want = EINVAL; break;
		case 3: hard = true; want = EINVAL; break;
		case 4: soft = true; want = EINVAL; break;
		case 5: auth = 252; want = EINVAL; break;
		case 6: enc = 254; want = EINVAL; break;
		case 7: enc = 4; want = ENOSYS; break;		/* unknown cipher id */
		case 8: auth = 4; want = ENOSYS; break;		/* unknown auth id */
		case 9: ebits = 0; want = EINVAL; break;
		case 10: ebits = 120; want = EINVAL; break;	/* alg.c key sizes */
		case 11: dst = "::2"; want = EINVAL; break;	/* families differ */
		case 12: satype = 5; want = EINVAL; break;	/* RSVP */
		case 13: satype = SADB_SATYPE_UNSPEC; want = EPROTONOSUPPORT; break;
		case 14: satype = SADB_X_SATYPE_IPCOMP; auth = 0; enc = 5; akey = ekey = false;
			 want = EINVAL; break;			/* CALG above 4 */
		case 15: satype = SADB_X_SATYPE_IPCOMP; auth = 0; enc = SADB_X_CALG_DEFLATE;
			 akey = ekey = false; want = 0; break;
		case 16: satype = SADB_SATYPE_ESP; auth = SADB_X_AALG_SHA2_256HMAC; abits = 256;
			 enc = SADB_EALG_NULL; ekey = false;
			 want = EINVAL; break;	/* af_key: ESP needs KEY_ENCRYPT, NULL too */
		case 17: satype = SADB_SATYPE_ESP; auth = SADB_X_AALG_SHA2_256HMAC; abits = 256;
			 enc = SADB_EALG_NULL; ebits = 0;
			 want = 0; break;	/* setkey's -E null "": a zero-bit key */
		case 18: satype = SADB_SATYPE_ESP; auth = 0; enc = SADB_EALG_NULL; ebits = 0;
			 akey = false; want = 0; break;		/* NULL cipher, no auth */
		}
		mb_hdr(&m, SADB_ADD, satype, 0);
		if (sa)
			mb_sa(&m, 0x3000 + i, auth, enc, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
		if (hard)
			mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 100, 0);
		if (soft)
			mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 50, 0);
		if (akey)
			mb_key(&m, SADB_EXT_KEY_AUTH, abits, 1);
		if (ekey)
			mb_key(&m, SADB_EXT_KEY_ENCRYPT, ebits, 2);
		cap_clear(&e.a);
		REQUIRE_EQ(mb_send(&e.a, &m), 0);
		if (want) {
			if (cap_errno(&e.a) != want)
				printf("    row %d: errno %d, want %d\n", i, cap_errno(&e.a), want);
			CHECK_EQ(cap_errno(&e.a), want);
		} else {
			REQUIRE(e.a.n > 0);
			CHECK_EQ(cap_hdr(&e.a, e.a.n - 1)->sadb_msg_errno, 0);
			CHECK_EQ(cap_hdr(&e.a, e.a.n - 1)->sadb_msg_type, SADB_ADD);
		}
	}
	env_close(&e);
}

TEST(core_sa_improvements_aead_replay_icv)
{
	struct env e;
	struct pfkm_exts x;
	struct mb m;

	env_open(&e);
	/* AES-GCM-16 (af_key: ENOSYS) with a 288-bit key incl. salt, replay 200 */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 0);
	mb_sa(&m, 0x5000, 0, SADB_X_EALG_AES_GCM_ICV16, 200);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 288, 3);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_errno, 0);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_encrypt,
		 SADB_X_EALG_AES_GCM_ICV16);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_replay, 200);
	/* AEAD with an auth algorithm as well: EINVAL */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 0);
	mb_sa(&m, 0x5001, SADB_AALG_SHA1HMAC, SADB_X_EALG_AES_GCM_ICV16, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 1);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 288, 3);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(cap_errno(&e.a), EINVAL);
	env_close(&e);
}

TEST(core_sa_icv_bits_rfc4868)
{
	struct pfkm_sa *sa;
	struct pfkm_net *net;
	struct cap a;
	struct mb m;
	uint32_t spi = htonl(0x6000);
	struct pfkm_addr d = { 0 };

	pfkm_net_create(&net);
	cap_open(net, &a);
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_AH, 0);
	mb_sa(&m, 0x6000, SADB_X_AALG_SHA2_256HMAC, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 256, 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_hdr(&a, 0)->sadb_msg_errno, 0);
	inet_pton(AF_INET, "10.0.0.2", d.b);
	os_mutex_lock(&net->lock);
	sa = pfkm_sadb_lookup(&pfkm_mem_of(net)->sadb, AF_INET, &d, spi, IPPROTO_AH);
	CHECK(sa && sa->icv_bits == 128);	/* af_key: 96 */
	os_mutex_unlock(&net->lock);
	cap_close(&a);
	pfkm_net_destroy(net);
}

TEST(core_sa_header_errors_return_errno)
{
	struct env e;
	struct mb m;

	env_open(&e);
	mb_hdr(&m, SADB_FLUSH, 0, 0);
	m.h.sadb_msg_len = 2;
	CHECK_EQ(pfkm_sock_send(e.a.sk, m.b, 8), -EMSGSIZE);
	CHECK_EQ(pfkm_sock_send(e.a.sk, m.b, 24), -EMSGSIZE);
	m.h.sadb_msg_version = 1;
	CHECK_EQ(pfkm_sock_send(e.a.sk, m.b, 16), -EINVAL);
	CHECK_EQ(e.a.n, 0);
	/* a handler-less type: EOPNOTSUPP as a message */
	mb_hdr(&m, SADB_EXPIRE, 0, 9);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	REQUIRE_EQ(e.a.n, 1);
	CHECK_EQ(cap_errno(&e.a), EOPNOTSUPP);
	CHECK_EQ(cap_hdr(&e.a, 0)->sadb_msg_type, SADB_EXPIRE);
	CHECK_EQ(cap_hdr(&e.a, 0)->sadb_msg_seq, 9);
	CHECK_EQ(cap_hdr(&e.a, 0)->sadb_msg_pid, 4242);
	CHECK_EQ(e.b.n, 0);
	/* a malformed extension (len 0): EINVAL as a message */
	mb_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 0);
	mb_put(&m, 8);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(cap_errno(&e.a), EINVAL);
	env_close(&e);
}

TEST(core_sa_getspi_update_larval)
{
	struct env e;
	struct pfkm_exts x;
	const struct sadb_sa *sa;
	uint32_t spi;
	struct mb m;

	env_open(&e);
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 77);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	mb_spirange(&m, 0x4000, 0x4fff);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(e.b.n, 0);
	REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_GETSPI);
	CHECK_EQ(x.msg->sadb_msg_seq, 77);
	sa = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);
	REQUIRE(sa);
	spi = ntohl(sa->sadb_sa_spi);
	CHECK(spi >= 0x4000 && spi <= 0x4fff);
	CHECK_EQ(sa->sadb_sa_state, SADB_SASTATE_LARVAL);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_LIFETIME_HARD, struct sadb_lifetime)->sadb_lifetime_addtime, 30);
	CHECK(!x.ext[SADB_EXT_ADDRESS_PROXY]);
	/* GETSPI larval SAs have no km.seq in Linux: the same request again
	 * makes a second larval SA with another SPI */
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	REQUIRE_EQ(cap_exts(&e.a, 1, &x), 0);
	CHECK(ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi) != spi);
	/* ADD over the larval SA's SPI: EEXIST; UPDATE replaces it */
	REQUIRE_EQ(add_esp(&e.a, SADB_ADD, spi, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(cap_errno(&e.a), EEXIST);
	cap_clear(&e.a);
	REQUIRE_EQ(add_esp(&e.a, SADB_UPDATE, spi, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_UPDATE);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_MATURE);
	CHECK_EQ(e.b.n, 1);
	/* the one SA left is mature */
	cap_clear(&e.a);
	REQUIRE_EQ(send_sa_op(&e.a, SADB_GET, SADB_SATYPE_ESP, spi, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_MATURE);
	/* SPIRANGE checks: min > max, IPComp >= 0x10000 */
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.3", -1, 0, 0);
	mb_spirange(&m, 0x5000, 0x4000);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(cap_errno(&e.a), EINVAL);
	mb_hdr(&m, SADB_GETSPI, SADB_X_SATYPE_IPCOMP, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.3", -1, 0, 0);
	mb_spirange(&m, 0x100, 0x10000);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(cap_errno(&e.a), EINVAL);
	/* IPComp without SPIRANGE: the default range is too wide (EINVAL) */
	mb_hdr(&m, SADB_GETSPI, SADB_X_SATYPE_IPCOMP, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.3", -1, 0, 0);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(cap_errno(&e.a), EINVAL);
	/* a single-value range already taken for ESP: ENOENT */
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.4", -1, 0, 0);
	mb_spirange(&m, spi, spi);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(cap_errno(&e.a), ENOENT);
	/* default range, never 0 */
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_AH, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.5", -1, 0, 0);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	REQUIRE_EQ(cap_exts(&e.a, e.a.n - 1, &x), 0);
	spi = ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi);
	CHECK(spi >= 0x100 && spi <= 0x0fffffff);
	env_close(&e);
}

TEST(core_sa_getspi_small_range_exhaustion)
{
	struct env e;
	struct pfkm_exts x;
	uint32_t seen = 0;
	struct mb m;
	int i;

	env_open(&e);
	for (i = 0; i < 5; i++) {
		char dst[32];

		snprintf(dst, sizeof(dst), "10.0.1.%d", i + 1);
		mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
		mb_spirange(&m, 0x200, 0x203);
		cap_clear(&e.a);
		REQUIRE_EQ(mb_send(&e.a, &m), 0);
		if (i < 4) {
			uint32_t spi;

			REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
			spi = ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi);
			CHECK(spi >= 0x200 && spi <= 0x203);
			CHECK(!(seen & (1u << (spi - 0x200))));	/* unique per (spi, proto) */
			seen |= 1u << (spi - 0x200);
		} else {
			CHECK_EQ(cap_errno(&e.a), ENOENT);
		}
	}
	env_close(&e);
}

TEST(core_sa_update_mature_changes_lifetimes_only)
{
	struct env e;
	struct pfkm_exts x;
	struct mb m;

	env_open(&e);
	REQUIRE_EQ(add_esp(&e.a, SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	mb_hdr(&m, SADB_UPDATE, SADB_SATYPE_ESP, 0);
	mb_sa(&m, 0x1000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 3600, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 3000, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 0x11);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0x22);
	cap_clear(&e.a);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_UPDATE);
	/* the broadcast shows the request's copy, which xfrm_state_update
	 * marks DEAD after copying its lifetimes into the installed SA */
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_DEAD);
	cap_clear(&e.a);
	REQUIRE_EQ(send_sa_op(&e.a, SADB_GET, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_LIFETIME_HARD, struct sadb_lifetime)->sadb_lifetime_addtime,
		 3600);
	/* keys unchanged, as Linux's xfrm_state_update */
	CHECK_EQ(((const uint8_t *)(PFKM_EXT(&x, SADB_EXT_KEY_AUTH, struct sadb_key) + 1))[0], 0xaa);
	env_close(&e);
}

TEST(core_sa_flush_unicast_then_all)
{
	struct env e;
	struct mb m;

	env_open(&e);
	/* empty: the sender's copy only */
	mb_hdr(&m, SADB_FLUSH, SADB_SATYPE_UNSPEC, 5);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	REQUIRE_EQ(e.a.n, 1);
	CHECK_EQ(e.b.n, 0);
	CHECK_EQ(cap_hdr(&e.a, 0)->sadb_msg_errno, 0);
	CHECK_EQ(cap_hdr(&e.a, 0)->sadb_msg_len, 2);
	REQUIRE_EQ(add_esp(&e.a, SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(add_esp(&e.a, SADB_ADD, 0x1001, "10.0.0.1", "10.0.0.2"), 0);
	cap_clear(&e.a);
	cap_clear(&e.b);
	mb_hdr(&m, SADB_FLUSH, SADB_SATYPE_AH, 5);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(e.a.n, 1);	/* nothing of AH: quiet */
	cap_clear(&e.a);
	mb_hdr(&m, SADB_FLUSH, SADB_SATYPE_ESP, 6);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	REQUIRE_EQ(e.a.n, 2);
	REQUIRE_EQ(e.b.n, 1);
	CHECK_EQ(e.b.len[0], 16);
	CHECK_EQ(cap_hdr(&e.b, 0)->sadb_msg_type, SADB_FLUSH);
	CHECK_EQ(cap_hdr(&e.b, 0)->sadb_msg_satype, SADB_SATYPE_ESP);
	CHECK_EQ(cap_hdr(&e.b, 0)->sadb_msg_seq, 6);
	CHECK_EQ(cap_hdr(&e.b, 0)->sadb_msg_reserved, 0);
	CHECK_EQ(cap_hdr(&e.b, 0)->sadb_msg_errno, 0);
	mb_hdr(&m, SADB_FLUSH, 5, 5);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(cap_errno(&e.a), EINVAL);
	env_close(&e);
}

TEST(core_sa_error_acquire_marks_larval)
{
	struct env e;
	struct pfkm_exts x;
	struct mb m;
	uint32_t spi;

	env_open(&e);
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 31);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
	spi = ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi);
	/* GETSPI larval SAs carry no seq (km.seq 0): an error ACQUIRE with
	 * seq 31 finds nothing and nothing comes back */
	cap_clear(&e.a);
	mb_hdr(&m, SADB_ACQUIRE, SADB_SATYPE_ESP, 31);
	m.h.sadb_msg_errno = ENOENT;
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(e.a.n, 0);
	REQUIRE_EQ(send_sa_op(&e.a, SADB_GET, SADB_SATYPE_ESP, spi, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(cap_exts(&e.a, 0, &x), 0);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_LARVAL);
	/* an ACQUIRE with extensions from user space: EOPNOTSUPP */
	mb_hdr(&m, SADB_ACQUIRE, SADB_SATYPE_ESP, 31);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	REQUIRE_EQ(mb_send(&e.a, &m), 0);
	CHECK_EQ(cap_errno(&e.a), EOPNOTSUPP);
	env_close(&e);
}
