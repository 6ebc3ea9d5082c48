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

/* find_acq must not walk every SA of an address pair when no larval SA
 * without SPI exists (bulk ADDs between two hosts). */
TEST(core_sadb_acq_count)
{
	struct pfkm_sadb db;
	struct pfkm_sa *l1, *l2, *m;
	struct pfkm_sa_sel k;

	REQUIRE_EQ(pfkm_sadb_init(&db), 0);
	m = pfkm_sadb_sa_alloc();
	l1 = pfkm_sadb_sa_alloc();
	l2 = pfkm_sadb_sa_alloc();
	REQUIRE(m && l1 && l2);
	m->family = l1->family = l2->family = AF_INET;
	m->proto = l1->proto = l2->proto = IPPROTO_ESP;
	m->state = PFKM_SA_MATURE;
	m->spi = htonl(0x1000);
	l1->state = l2->state = PFKM_SA_LARVAL;
	pfkm_sadb_insert(&db, m);
	CHECK_EQ(db.acq_count, 0);
	pfkm_sadb_insert(&db, l1);
	pfkm_sadb_insert(&db, l2);
	CHECK_EQ(db.acq_count, 2);
	pfkm_sadb_sa_sel(l1, &k);
	CHECK(pfkm_sadb_find_acq(&db, &k) != NULL);
	pfkm_sadb_set_spi(&db, l1, htonl(0x2000));
	CHECK_EQ(db.acq_count, 1);
	pfkm_sadb_unlink(&db, l2);
	pfkm_sadb_sa_free(l2);
	CHECK_EQ(db.acq_count, 0);
	CHECK(pfkm_sadb_find_acq(&db, &k) == NULL);
	pfkm_sadb_destroy(&db);
}
