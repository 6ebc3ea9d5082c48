// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_core_sadb.c: the SADB unit: its self-tests, hash growth keeping
 * every lookup right, the three lookups, the state mapping and key wiping
 * bookkeeping; plus os_user's timer list.
 */
#include "test_core.h"
#include "sadb.h"
#include "selftest.h"

TEST(core_sadb_selftest)
{
	CHECK_EQ(pfkm_selftest_sadb(), 0);
}

TEST(core_sadb_growth_and_lookups)
{
	struct pfkm_sadb db;
	struct pfkm_sa_sel k;
	uint32_t i, n = 20000;

	REQUIRE_EQ(pfkm_sadb_init(&db), 0);
	CHECK_EQ(db.spi.mask + 1, 128);
	for (i = 0; i < n; i++) {
		struct pfkm_sa *sa = pfkm_sadb_sa_alloc();

		REQUIRE(sa);
		sa->family = AF_INET;
		sa->proto = IPPROTO_ESP;
		sa->mode = IPSEC_MODE_TRANSPORT;
		/* odd ones larval: only those are indexed by sequence */
		sa->state = i % 2 ? PFKM_SA_LARVAL : PFKM_SA_MATURE;
		sa->spi = htonl(0x100 + i);
		sa->reqid = i % 7;
		sa->seq = i + 1;
		sa->saddr.w[0] = htonl(0x0a000001);
		sa->daddr.w[0] = htonl(0x0b000000 + i % 1000);
		pfkm_sadb_insert(&db, sa);
	}
	CHECK_EQ(db.count, n);
	/* grew past the load factor of 1 */
	CHECK(db.spi.mask + 1 >= 2 * n);
	CHECK_EQ(db.spi.count, n);
	CHECK(db.sel.mask + 1 >= 1000);
	CHECK(db.seq.mask + 1 >= n / 2);
	CHECK_EQ(db.seq.count, n / 2);
	for (i = 0; i < n; i += 97) {
		struct pfkm_addr d = { 0 };
		struct pfkm_sa *sa;

		d.w[0] = htonl(0x0b000000 + i % 1000);
		sa = pfkm_sadb_lookup(&db, AF_INET, &d, htonl(0x100 + i), IPPROTO_ESP);
		REQUIRE(sa);
		CHECK_EQ(sa->seq, i + 1);
		CHECK(!pfkm_sadb_lookup(&db, AF_INET, &d, htonl(0x100 + i), IPPROTO_AH));
		CHECK(!pfkm_sadb_lookup(&db, AF_INET6, &d, htonl(0x100 + i), IPPROTO_ESP));
		CHECK(pfkm_sadb_lookup_seq(&db, i + 1) == (i % 2 ? sa : NULL));
	}
	/* selection: daddr 0x0b000005, reqid 5 -> i = 5, 1005, 2005, ... with i%7 == 5 */
	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	k.proto = IPPROTO_ESP;
	k.mode = IPSEC_MODE_TRANSPORT;
	k.reqid = 5;
	k.saddr.w[0] = htonl(0x0a000001);
	k.daddr.w[0] = htonl(0x0b000005);
	{
		struct pfkm_sa *sa = NULL;
		unsigned int found = 0, want = 0;

		while ((sa = pfkm_sadb_sel_next(&db, &k, sa))) {
			CHECK_EQ(sa->reqid, 5);
			found++;
		}
		for (i = 5; i < n; i += 1000)
			want += i % 7 == 5;
		CHECK_EQ(found, want);
		CHECK(want > 0);
	}
	pfkm_sadb_destroy(&db);
}

TEST(core_sadb_wire_state_and_satype)
{
	struct pfkm_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.state = PFKM_SA_LARVAL;
	CHECK_EQ(pfkm_sa_wire_state(&sa), SADB_SASTATE_LARVAL);
	sa.state = PFKM_SA_MATURE;
	CHECK_EQ(pfkm_sa_wire_state(&sa), SADB_SASTATE_MATURE);
	sa.dying = true;
	CHECK_EQ(pfkm_sa_wire_state(&sa), SADB_SASTATE_DYING);
	sa.state = PFKM_SA_ERROR;
	CHECK_EQ(pfkm_sa_wire_state(&sa), SADB_SASTATE_DEAD);
	sa.state = PFKM_SA_EXPIRED;
	CHECK_EQ(pfkm_sa_wire_state(&sa), SADB_SASTATE_DEAD);
	sa.state = PFKM_SA_DEAD;
	CHECK_EQ(pfkm_sa_wire_state(&sa), SADB_SASTATE_DEAD);
	CHECK_EQ(pfkm_sa_satype2proto(SADB_SATYPE_UNSPEC), IPSEC_PROTO_ANY);
	CHECK_EQ(pfkm_sa_satype2proto(SADB_X_SATYPE_IPCOMP), IPPROTO_COMP);
	CHECK_EQ(pfkm_sa_satype2proto(SADB_SATYPE_RSVP), 0);
	CHECK_EQ(pfkm_sa_proto2satype(IPPROTO_AH), SADB_SATYPE_AH);
}

TEST(core_sadb_keys_replace)
{
	struct pfkm_sa *sa = pfkm_sadb_sa_alloc();
	uint8_t k1[20], k2[32];

	REQUIRE(sa);
	memset(k1, 1, sizeof(k1));
	memset(k2, 2, sizeof(k2));
	REQUIRE_EQ(pfkm_sadb_sa_set_key(sa, true, k1, 160), 0);
	CHECK_EQ(sa->auth_bits, 160);
	CHECK_MEM(sa->auth_key, k1, 20);
	REQUIRE_EQ(pfkm_sadb_sa_set_key(sa, true, k2, 255), 0);
	CHECK_EQ(sa->auth_bits, 255);
	CHECK_MEM(sa->auth_key, k2, 32);
	REQUIRE_EQ(pfkm_sadb_sa_set_key(sa, false, NULL, 0), 0);
	CHECK(sa->enc_key == NULL);
	/* both keys share one block: replacing one keeps the other */
	REQUIRE_EQ(pfkm_sadb_sa_set_key(sa, false, k1, 128), 0);
	CHECK_EQ(sa->enc_bits, 128);
	CHECK_MEM(sa->enc_key, k1, 16);
	CHECK_MEM(sa->auth_key, k2, 32);
	CHECK(sa->enc_key == sa->auth_key + 32);
	REQUIRE_EQ(pfkm_sadb_sa_set_key(sa, true, k1, 160), 0);
	CHECK_EQ(sa->auth_bits, 160);
	CHECK_MEM(sa->auth_key, k1, 20);
	CHECK_MEM(sa->enc_key, k1, 16);
	CHECK(sa->enc_key == sa->auth_key + 20);
	/* without an auth key the block starts at the enc key */
	REQUIRE_EQ(pfkm_sadb_sa_set_key(sa, true, NULL, 0), 0);
	CHECK(sa->auth_key == NULL);
	CHECK_EQ(sa->auth_bits, 0);
	CHECK_MEM(sa->enc_key, k1, 16);
	pfkm_sadb_sa_free(sa);
}

static int fired;

static void tfn(struct os_timer *t)
{
	(void)t;
	fired++;
}

TEST(core_os_user_timers)
{
	struct os_timer a, b;

	os_user_clock_set(100, 50000);
	os_timer_init(&a, tfn);
	os_timer_init(&b, tfn);
	fired = 0;
	CHECK_EQ(os_user_timers_next_ms(), -1);
	os_timer_arm(&a, 300);
	os_timer_arm(&b, 100);
	CHECK_EQ(os_user_timers_next_ms(), 100);
	os_timer_arm(&b, 500);	/* re-arm moves it */
	CHECK_EQ(os_user_timers_next_ms(), 300);
	os_user_clock_advance(300);
	CHECK_EQ(os_time_real(), 100);
	os_user_timers_run();
	CHECK_EQ(fired, 1);
	os_timer_cancel(&b);
	os_user_clock_advance(1000);
	os_user_timers_run();
	CHECK_EQ(fired, 1);
	CHECK_EQ(os_user_timers_next_ms(), -1);
	CHECK_EQ(os_time_real(), 101);
	os_user_clock_release();
}

/* Key of the one-pair tests: ESP transport 10.0.0.1 -> 10.0.0.2. */
static struct pfkm_sa *pair_sa(uint32_t spi, uint32_t reqid, uint8_t state)
{
	struct pfkm_sa *sa = pfkm_sadb_sa_alloc();

	if (!sa)
		return NULL;
	sa->family = AF_INET;
	sa->proto = IPPROTO_ESP;
	sa->mode = IPSEC_MODE_TRANSPORT;
	sa->reqid = reqid;
	sa->state = state;
	sa->spi = htonl(spi);
	sa->saddr.w[0] = htonl(0x0a000001);
	sa->daddr.w[0] = htonl(0x0a000002);
	return sa;
}

/*
 * The larval index: find_acq answers from larval SAs without SPI only,
 * however many mature SAs share the pair; it returns the newest one of the
 * key, skips ERROR ones (a KM's error ACQUIRE), forgets an SA once it has
 * an SPI or is unlinked. The selection chain of 10k SAs stays newest first
 * across its growth and unlinks from any position.
 */
TEST(core_sadb_larval_index_one_pair)
{
	const uint32_t n = 10000;
	struct pfkm_sadb db;
	struct pfkm_sa *l_old, *l_other, *l_new, *sa;
	struct pfkm_sa_sel k, k2;
	uint32_t i, b, seen, chained = 0;

	REQUIRE_EQ(pfkm_sadb_init(&db), 0);
	for (i = 0; i < n; i++) {
		sa = pair_sa(0x1000 + i, 0, PFKM_SA_MATURE);
		REQUIRE(sa);
		pfkm_sadb_insert(&db, sa);
	}
	CHECK_EQ(db.acq.count, 0);
	l_old = pair_sa(0, 0, PFKM_SA_LARVAL);
	l_other = pair_sa(0, 3, PFKM_SA_LARVAL);	/* same pair, another reqid */
	l_new = pair_sa(0, 0, PFKM_SA_LARVAL);
	REQUIRE(l_old && l_other && l_new);
	pfkm_sadb_insert(&db, l_old);
	pfkm_sadb_insert(&db, l_other);
	pfkm_sadb_insert(&db, l_new);
	CHECK_EQ(db.acq.count, 3);
	/* the index holds the three larval SAs and nothing else */
	for (b = 0; b <= db.acq.mask; b++)
		for (sa = db.acq.tab[b]; sa; sa = sa->acq_next) {
			CHECK(sa == l_old || sa == l_other || sa == l_new);
			chained++;
		}
	CHECK_EQ(chained, 3);
	pfkm_sadb_sa_sel(l_old, &k);
	pfkm_sadb_sa_sel(l_other, &k2);
	CHECK(pfkm_sadb_find_acq(&db, &k) == l_new);
	CHECK(pfkm_sadb_find_acq(&db, &k2) == l_other);
	/* selection chain: l_new, l_old, then the mature SAs newest first */
	sa = pfkm_sadb_sel_next(&db, &k, NULL);
	CHECK(sa == l_new);
	sa = pfkm_sadb_sel_next(&db, &k, sa);
	CHECK(sa == l_old);
	for (seen = 0; (sa = pfkm_sadb_sel_next(&db, &k, sa)); seen++)
		if (ntohl(sa->spi) != 0x1000 + n - 1 - seen)
			break;
	CHECK_EQ(seen, n);
	CHECK(db.sel.mask + 1 >= n);	/* grew, order kept */
	/* a KM's error ACQUIRE turns the newest into ERROR: the older one answers */
	l_new->state = PFKM_SA_ERROR;
	CHECK(pfkm_sadb_find_acq(&db, &k) == l_old);
	/* GETSPI gives l_old its SPI: no larval SA without SPI left for k */
	pfkm_sadb_set_spi(&db, l_old, htonl(0x0f00));
	CHECK(pfkm_sadb_find_acq(&db, &k) == NULL);
	CHECK(pfkm_sadb_lookup_spi(&db, htonl(0x0f00), IPPROTO_ESP) == l_old);
	CHECK_EQ(db.acq.count, 2);
	pfkm_sadb_unlink(&db, l_other);
	pfkm_sadb_sa_free(l_other);
	CHECK(pfkm_sadb_find_acq(&db, &k2) == NULL);
	pfkm_sadb_unlink(&db, l_new);
	pfkm_sadb_sa_free(l_new);
	CHECK_EQ(db.acq.count, 0);
	/* unlink the oldest, a middle and the newest mature SA (O(1) each) */
	{
		struct pfkm_addr d = { .w = { htonl(0x0a000002) } };
		uint32_t gone[3] = { 0x1000, 0x1000 + n / 2, 0x1000 + n - 1 }, j;

		for (j = 0; j < 3; j++) {
			sa = pfkm_sadb_lookup(&db, AF_INET, &d, htonl(gone[j]), IPPROTO_ESP);
			REQUIRE(sa);
			pfkm_sadb_unlink(&db, sa);
			pfkm_sadb_sa_free(sa);
		}
		CHECK_EQ(db.sel.count, n - 3 + 1);	/* + l_old */
		sa = pfkm_sadb_sel_next(&db, &k, NULL);
		CHECK(sa == l_old);
		for (seen = 0, i = 0x1000 + n - 2; (sa = pfkm_sadb_sel_next(&db, &k, sa)); seen++, i--) {
			if (i == gone[1])
				i--;
			if (ntohl(sa->spi) != i)
				break;
		}
		CHECK_EQ(seen, n - 3);
	}
	pfkm_sadb_destroy(&db);
}

/* Through requests: with many SAs between the pair and a second pending
 * larval SA elsewhere, an ADD of the larval SA's key (no seq match)
 * replaces exactly that larval SA; one of another reqid does not. */
TEST(core_sadb_add_replaces_larval)
{
	struct pfkm_net *net;
	struct pfkm_net_stats st;
	struct cap c;
	struct mb m;
	uint32_t i;

	os_user_clock_set(1700000000, 1000);
	REQUIRE_EQ(pfkm_net_create(&net), 0);
	cap_open(net, &c);
	for (i = 0; i < 300; i++)
		REQUIRE_EQ(add_esp(&c, SADB_ADD, 0x1000 + i, "10.0.0.1", "10.0.0.2"), 0);
	/* GETSPI with an empty range fails (EINVAL) after creating the larval
	 * SA, as af_key: two larval SAs without SPI, 10.0.0.2 and 10.0.0.3 */
	for (i = 2; i <= 3; i++) {
		char dst[16];

		snprintf(dst, sizeof(dst), "10.0.0.%u", i);
		mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
		mb_spirange(&m, 0x300, 0x200);
		REQUIRE_EQ(mb_send(&c, &m), 0);
		CHECK_EQ(cap_errno(&c), EINVAL);
	}
	pfkm_net_stats_get(net, &st);
	CHECK_EQ(st.sas, 302);
	/* another reqid: a new SA, the larval SA stays */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 0);
	mb_sa(&m, 0x5000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 0xaa);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0xee);
	mb_sa2(&m, IPSEC_MODE_TRANSPORT, 9);
	REQUIRE_EQ(mb_send(&c, &m), 0);
	CHECK_EQ(cap_errno(&c), -1);
	pfkm_net_stats_get(net, &st);
	CHECK_EQ(st.sas, 303);
	/* the larval SA's own key: it is replaced, the count stays */
	REQUIRE_EQ(add_esp(&c, SADB_ADD, 0x6000, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(cap_hdr(&c, c.n - 1)->sadb_msg_errno, 0);
	pfkm_net_stats_get(net, &st);
	CHECK_EQ(st.sas, 303);
	/* which one went: a GETSPI for 10.0.0.3 reuses its larval SA (no new
	 * SA), one for 10.0.0.2 has none left and creates one */
	for (i = 3; i >= 2; i--) {
		char dst[16];

		snprintf(dst, sizeof(dst), "10.0.0.%u", i);
		mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
		REQUIRE_EQ(mb_send(&c, &m), 0);
		CHECK_EQ(cap_hdr(&c, c.n - 1)->sadb_msg_errno, 0);
		pfkm_net_stats_get(net, &st);
		CHECK_EQ(st.sas, i == 3 ? 303 : 304);
	}
	cap_close(&c);
	pfkm_net_destroy(net);
	os_user_clock_release();
}
