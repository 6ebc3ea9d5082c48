// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * selftest/sadb.c: self-tests of sadb.c, #included at its end so they can
 * reach static helpers. A case table of lookups on a fixed set of SAs, then
 * a randomized run of inserts (mature and larval SAs), SPI changes and
 * removals checked after every step against a plain array searched
 * linearly: inbound, SPI, find_acq (newest larval SA without SPI) and the
 * selection chain (every SA of the key, newest first).
 */
#include "../selftest.h"

#define ST_FAIL(what) do { os_log(OS_LOG_ERR, "sadb self-test %s failed (line %d)", \
				  (what), __LINE__); ret = -ENOTRECOVERABLE; goto out; } while (0)

static uint32_t st_rand(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static struct pfkm_sa *st_sa(uint8_t fam, uint32_t d, uint32_t spi, uint8_t proto,
			     uint32_t reqid, uint32_t seq, uint8_t state)
{
	struct pfkm_sa *sa = pfkm_sadb_sa_alloc();

	if (!sa)
		return NULL;
	sa->family = fam;
	sa->proto = proto;
	sa->mode = IPSEC_MODE_TRANSPORT;
	sa->reqid = reqid;
	sa->seq = seq;
	sa->state = state;
	sa->spi = os_htonl(spi);
	sa->saddr.w[0] = os_htonl(0x0a000001);
	sa->daddr.w[0] = os_htonl(d);
	if (fam == AF_INET6)
		sa->daddr.w[3] = os_htonl(d);
	return sa;
}

/* One line per case: which SA (index, -1 none) a lookup must return. */
static const struct {
	uint8_t fam;
	uint32_t d, spi;
	uint8_t proto;
	int want;
} st_cases[] = {
	/*  0 */ { AF_INET, 0x0a000002, 0x1000, IPPROTO_ESP, 0 },
	/*  1 */ { AF_INET, 0x0a000002, 0x1000, IPPROTO_AH, 1 },
	/*  2 */ { AF_INET, 0x0a000003, 0x1000, IPPROTO_ESP, 2 },
	/*  3 */ { AF_INET6, 0x0a000002, 0x1000, IPPROTO_ESP, 3 },
	/*  4 */ { AF_INET, 0x0a000004, 0x1000, IPPROTO_ESP, -1 },
	/*  5 */ { AF_INET, 0x0a000002, 0x1001, IPPROTO_ESP, -1 },
	/*  6 */ { AF_INET, 0x0a000002, 0x1000, IPPROTO_COMP, -1 },
	/*  7 */ { AF_INET, 0x0a000002, 0, IPPROTO_ESP, -1 },
};

static int st_table(void)
{
	struct pfkm_sadb db;
	struct pfkm_sa *sas[5];
	struct pfkm_sa_sel k;
	size_t i;
	int ret = 0;

	if (pfkm_sadb_init(&db))
		return -ENOMEM;
	sas[0] = st_sa(AF_INET, 0x0a000002, 0x1000, IPPROTO_ESP, 0, 0, PFKM_SA_MATURE);
	sas[1] = st_sa(AF_INET, 0x0a000002, 0x1000, IPPROTO_AH, 0, 0, PFKM_SA_MATURE);
	sas[2] = st_sa(AF_INET, 0x0a000003, 0x1000, IPPROTO_ESP, 5, 0, PFKM_SA_MATURE);
	sas[3] = st_sa(AF_INET6, 0x0a000002, 0x1000, IPPROTO_ESP, 0, 0, PFKM_SA_MATURE);
	sas[4] = st_sa(AF_INET, 0x0a000005, 0, IPPROTO_ESP, 7, 42, PFKM_SA_LARVAL);
	for (i = 0; i < OS_ARRAY_SIZE(sas); i++) {
		if (!sas[i])
			ST_FAIL("alloc");
		pfkm_sadb_insert(&db, sas[i]);
	}
	for (i = 0; i < OS_ARRAY_SIZE(st_cases); i++) {
		struct pfkm_addr d = { 0 };
		struct pfkm_sa *got;

		d.w[0] = os_htonl(st_cases[i].d);
		if (st_cases[i].fam == AF_INET6)
			d.w[3] = d.w[0];
		got = pfkm_sadb_lookup(&db, st_cases[i].fam, &d, os_htonl(st_cases[i].spi),
				       st_cases[i].proto);
		if (got != (st_cases[i].want < 0 ? NULL : sas[st_cases[i].want]))
			ST_FAIL("case table");
	}
	if (pfkm_sadb_lookup_seq(&db, 42) != sas[4] || pfkm_sadb_lookup_seq(&db, 43))
		ST_FAIL("seq lookup");
	pfkm_sadb_sa_sel(sas[4], &k);
	if (pfkm_sadb_find_acq(&db, &k) != sas[4])
		ST_FAIL("find_acq");
	pfkm_sadb_set_spi(&db, sas[4], os_htonl(0x2000));
	if (pfkm_sadb_find_acq(&db, &k) || pfkm_sadb_lookup_spi(&db, os_htonl(0x2000),
								 IPPROTO_ESP) != sas[4])
		ST_FAIL("set_spi");
	pfkm_sadb_sa_sel(sas[2], &k);
	if (pfkm_sadb_sel_next(&db, &k, NULL) != sas[2] || pfkm_sadb_sel_next(&db, &k, sas[2]))
		ST_FAIL("sel lookup");
	pfkm_sadb_unlink(&db, sas[0]);
	if (pfkm_sadb_lookup_spi(&db, os_htonl(0x1000), IPPROTO_ESP) == sas[0] ||
	    db.count != 4 || db.all.next != &sas[4]->all)
		ST_FAIL("unlink");
	pfkm_sadb_sa_free(sas[0]);
out:
	pfkm_sadb_destroy(&db);
	return ret;
}

#define ST_N 600

/* Randomized: the reference is an array of live SAs searched linearly. */
static int st_random(void)
{
	struct pfkm_sadb db;
	struct pfkm_sa **ref;
	size_t n = 0, i, step;
	uint32_t seed = 0x2545f491;
	int ret = 0;

	ref = os_zalloc(ST_N * sizeof(*ref));
	if (!ref)
		return -ENOMEM;
	if (pfkm_sadb_init(&db)) {
		os_free(ref);
		return -ENOMEM;
	}
	for (step = 0; step < 4 * ST_N; step++) {
		uint32_t r = st_rand(&seed);
		uint32_t d = 0x0a000000 | (st_rand(&seed) & 7);
		uint32_t spi = 0x100 + (st_rand(&seed) & 63);
		uint8_t proto = (r & 16) ? IPPROTO_ESP : IPPROTO_AH;
		struct pfkm_addr da = { 0 };
		struct pfkm_sa *want = NULL, *got;

		if ((r & 3) != 0 && n < ST_N) {
			/* one in eight a larval SA without SPI (ACQUIRE placeholder) */
			bool larval = ((r >> 8) & 7) == 0;
			struct pfkm_sa *sa = st_sa(AF_INET, d, larval ? 0 : spi, proto, r & 3, 0,
						   larval ? PFKM_SA_LARVAL : PFKM_SA_MATURE);

			if (!sa)
				ST_FAIL("alloc");
			sa->add_ms = step + 1;	/* insertion order for the reference */
			/* Keep (daddr, spi, proto) unique, as ADD does. */
			for (i = 0; i < n && !larval; i++)
				if (ref[i]->spi == sa->spi && ref[i]->proto == proto &&
				    ref[i]->daddr.w[0] == sa->daddr.w[0])
					break;
			if (!larval && i < n) {
				pfkm_sadb_sa_free(sa);
			} else {
				pfkm_sadb_insert(&db, sa);
				ref[n++] = sa;
			}
		} else if (n && ((r >> 12) & 3) == 0) {
			/* a larval SA gets its SPI (GETSPI), unless that SPI is taken */
			i = st_rand(&seed) % n;
			if (!ref[i]->spi && !pfkm_sadb_lookup_spi(&db, os_htonl(spi), ref[i]->proto))
				pfkm_sadb_set_spi(&db, ref[i], os_htonl(spi));
		} else if (n) {
			i = st_rand(&seed) % n;
			pfkm_sadb_unlink(&db, ref[i]);
			pfkm_sadb_sa_free(ref[i]);
			ref[i] = ref[--n];
		}
		da.w[0] = os_htonl(d);
		for (i = 0; i < n; i++)
			if (ref[i]->spi == os_htonl(spi) && ref[i]->proto == proto &&
			    ref[i]->daddr.w[0] == da.w[0])
				want = ref[i];
		got = pfkm_sadb_lookup(&db, AF_INET, &da, os_htonl(spi), proto);
		if (got != want || db.count != n)
			ST_FAIL("random lookup");
		got = pfkm_sadb_lookup_spi(&db, os_htonl(spi), proto);
		want = NULL;
		for (i = 0; i < n; i++)
			if (ref[i]->spi == os_htonl(spi) && ref[i]->proto == proto)
				want = ref[i];
		if ((got == NULL) != (want == NULL) ||
		    (got && (got->spi != os_htonl(spi) || got->proto != proto)))
			ST_FAIL("random spi lookup");
		/* find_acq: the newest larval SA without SPI of the key; sel_next:
		 * every SA of the key, newest first */
		{
			struct pfkm_sa_sel k = { 0 };
			size_t cnt = 0, seen = 0;
			uint64_t last = ~0ull;

			k.family = AF_INET;
			k.proto = proto;
			k.mode = IPSEC_MODE_TRANSPORT;
			k.reqid = r & 3;
			k.saddr.w[0] = os_htonl(0x0a000001);
			k.daddr = da;
			want = NULL;
			for (i = 0; i < n; i++) {
				if (!sel_equal(ref[i], &k))
					continue;
				cnt++;
				if (!ref[i]->spi && (!want || ref[i]->add_ms > want->add_ms))
					want = ref[i];
			}
			if (pfkm_sadb_find_acq(&db, &k) != want)
				ST_FAIL("random find_acq");
			for (got = NULL; (got = pfkm_sadb_sel_next(&db, &k, got)); seen++) {
				if (got->add_ms >= last)
					ST_FAIL("random sel order");
				last = got->add_ms;
			}
			if (seen != cnt)
				ST_FAIL("random sel count");
		}
	}
out:
	for (i = 0; i < n; i++) {
		pfkm_sadb_unlink(&db, ref[i]);
		pfkm_sadb_sa_free(ref[i]);
	}
	pfkm_sadb_destroy(&db);
	os_free(ref);
	return ret;
}

int pfkm_selftest_sadb(void)
{
	int ret = st_table();

	if (!ret)
		ret = st_random();
	if (!ret)
		os_log(OS_LOG_INFO, "sadb self-tests: pass");
	return ret;
}
