// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_esp_vectors.c: kmod/core ESP (esp.c) and the OpenSSL transforms
 * (xform_user.c) against the published known-answer vectors in
 * tests/vectors: whole ESP packets are decapsulated and compared with the
 * published plaintext, then re-encapsulated with the published IV and
 * compared byte for byte. Transform-level vectors (CBC, CTR, CCM, HMAC,
 * XCBC) go through xform.h directly.
 */
#include "unit.h"
#include "test_esp_vecload.h"
#include "esp.h"

#include <stdlib.h>

#define KCHECK(name, e) do { if (!(e)) unit_failf(__FILE__, __LINE__, "%s: %s", (name), #e); } while (0)
#define KCHECK_EQ(name, a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) unit_failf(__FILE__, __LINE__, "%s: %s == %s (%lld != %lld)", (name), #a, #b, _a, _b); } while (0)

static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/* One whole-packet ESP known answer. */
struct kat {
	const char *name;
	const struct pfkm_alg *enc, *auth;
	uint8_t ekey[64], akey[64];
	size_t ekey_len, akey_len;
	uint32_t spi;
	uint64_t seq;
	bool esn;
	const uint8_t *iv;
	const uint8_t *packet;
	size_t packet_len;
	const uint8_t *payload;
	size_t payload_len;
	uint8_t nh;
};

static int kat_rx(const struct kat *k, struct pfkm_esp *esp, struct pfkm_replay *rp)
{
	int ret;

	ret = pfkm_esp_init(esp, k->spi, k->esn, k->enc, k->ekey, k->ekey_len,
			    k->auth, k->akey, k->akey_len);
	if (ret)
		return ret;
	ret = pfkm_replay_init(rp, 64, k->esn);
	/* The receiver has seen seq - 1: that places ESN's high half. */
	if (!ret && k->seq > 1)
		ret = pfkm_replay_advance(rp, k->seq - 1);
	return ret;
}

static void run_kat(const struct kat *k)
{
	struct pfkm_esp esp;
	struct pfkm_replay rp;
	struct pfkm_esp_rx rx;
	uint8_t buf[2048];
	size_t out_len = 0, hl;
	bool integrity = k->enc->aead || k->auth;
	size_t flips[] = { 9, k->packet_len / 2, k->packet_len - 1 };
	size_t i;
	int ret;

	REQUIRE(k->packet_len <= sizeof(buf) - 64);
	ret = kat_rx(k, &esp, &rp);
	KCHECK_EQ(k->name, ret, 0);
	if (ret)
		return;
	memcpy(buf, k->packet, k->packet_len);
	ret = pfkm_esp_decap(&esp, &rp, buf, k->packet_len, &rx);
	KCHECK_EQ(k->name, ret, 0);
	if (!ret) {
		KCHECK_EQ(k->name, rx.seq, k->seq);
		KCHECK_EQ(k->name, rx.next_hdr, k->nh);
		KCHECK_EQ(k->name, rx.payload_len, k->payload_len);
		KCHECK(k->name, rx.payload_len == k->payload_len &&
			   !memcmp(buf + rx.payload_off, k->payload, k->payload_len));
	}
	/* The same packet again is a replay. */
	memcpy(buf, k->packet, k->packet_len);
	KCHECK_EQ(k->name, pfkm_esp_decap(&esp, &rp, buf, k->packet_len, &rx), -EEXIST);
	pfkm_replay_fini(&rp);

	/* A flipped bit anywhere after the header fails authentication. */
	for (i = 0; integrity && i < OS_ARRAY_SIZE(flips); i++) {
		REQUIRE_EQ(pfkm_replay_init(&rp, 64, k->esn), 0);
		if (k->seq > 1)
			REQUIRE_EQ(pfkm_replay_advance(&rp, k->seq - 1), 0);
		memcpy(buf, k->packet, k->packet_len);
		buf[flips[i]] ^= 0x10;
		KCHECK_EQ(k->name, pfkm_esp_decap(&esp, &rp, buf, k->packet_len, &rx), -EBADMSG);
		/* ... and does not move the window: the genuine packet still passes. */
		memcpy(buf, k->packet, k->packet_len);
		KCHECK_EQ(k->name, pfkm_esp_decap(&esp, &rp, buf, k->packet_len, &rx), 0);
		pfkm_replay_fini(&rp);
	}

	/* Re-encapsulate with the published IV: the same bytes. */
	hl = pfkm_esp_hdr_len(&esp);
	memcpy(buf + hl, k->payload, k->payload_len);
	ret = pfkm_esp_encap(&esp, k->seq, k->nh, k->iv, buf, sizeof(buf), k->payload_len,
			     &out_len);
	KCHECK_EQ(k->name, ret, 0);
	KCHECK_EQ(k->name, out_len, k->packet_len);
	KCHECK(k->name, out_len == k->packet_len && !memcmp(buf, k->packet, out_len));
	pfkm_esp_fini(&esp);
}

static void set_key(uint8_t *dst, size_t *len, const uint8_t *a, size_t an,
		    const uint8_t *b, size_t bn)
{
	memcpy(dst, a, an);
	if (b)
		memcpy(dst + an, b, bn);
	*len = an + (b ? bn : 0);
}

/* ---- RFC 3602 AES-CBC ---------------------------------------------------- */

TEST(esp_rfc3602_cbc_transform)
{
	static const char *cases[] = { "rfc3602-case1", "rfc3602-case2", "rfc3602-case3",
				       "rfc3602-case4" };
	const struct pfkm_alg *aes = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
	struct tv_file tf;
	struct pfkm_xform *x;
	size_t i, kl, ivl, pl, cl;
	uint8_t buf[128];

	REQUIRE(aes);
	REQUIRE_EQ(tv_load("rfc3602_aes_cbc_esp.txt", &tf), 0);
	for (i = 0; i < OS_ARRAY_SIZE(cases); i++) {
		const struct tv_case *c = tv_case(&tf, cases[i]);
		const uint8_t *key = tv_bytes(c, "key", &kl), *iv = tv_bytes(c, "iv", &ivl);
		const uint8_t *pt = tv_bytes(c, "plaintext", &pl), *ct = tv_bytes(c, "ciphertext", &cl);

		KCHECK(cases[i], c && key && iv && pt && ct && pl == cl && pl <= sizeof(buf));
		if (!c || !key || !iv || !pt || !ct || pl != cl || pl > sizeof(buf))
			continue;
		REQUIRE_EQ(pfkm_xform_create(aes, key, kl, &x), 0);
		memcpy(buf, pt, pl);
		KCHECK_EQ(cases[i], pfkm_xform_encrypt(x, iv, buf, pl), 0);
		KCHECK(cases[i], !memcmp(buf, ct, cl));
		KCHECK_EQ(cases[i], pfkm_xform_decrypt(x, iv, buf, cl), 0);
		KCHECK(cases[i], !memcmp(buf, pt, pl));
		pfkm_xform_destroy(x);
	}
	tv_free(&tf);
}

TEST(esp_rfc3602_packets)
{
	static const char *cases[] = { "rfc3602-case5", "rfc3602-case6", "rfc3602-case7",
				       "rfc3602-case8" };
	struct tv_file tf;
	size_t i, n, kl, ivl, ctl, pl, nl, hl;
	uint8_t pkt[512];

	REQUIRE_EQ(tv_load("rfc3602_aes_cbc_esp.txt", &tf), 0);
	for (i = 0; i < OS_ARRAY_SIZE(cases); i++) {
		const struct tv_case *c = tv_case(&tf, cases[i]);
		const uint8_t *key = tv_bytes(c, "key", &kl), *iv = tv_bytes(c, "iv", &ivl);
		const uint8_t *hdr = tv_bytes(c, "esp_spi_seq", &hl);
		const uint8_t *ct = tv_bytes(c, "ciphertext", &ctl);
		const uint8_t *nh = tv_bytes(c, "next_header", &nl);
		const uint8_t *pay = tv_bytes(c, "orig_data", &pl);
		struct kat k = { .name = cases[i] };

		if (!pay)
			pay = tv_bytes(c, "orig_packet", &pl);
		KCHECK(cases[i], key && iv && hdr && ct && nh && pay && hl == 8 && ivl == 16);
		if (!key || !iv || !hdr || !ct || !nh || !pay || hl != 8 || ivl != 16)
			continue;
		n = 0;
		memcpy(pkt, hdr, 8);
		memcpy(pkt + 8, iv, 16);
		memcpy(pkt + 24, ct, ctl);
		n = 24 + ctl;
		k.enc = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
		set_key(k.ekey, &k.ekey_len, key, kl, NULL, 0);
		k.spi = (uint32_t)be(hdr, 4);
		k.seq = be(hdr + 4, 4);
		k.iv = iv;
		k.packet = pkt;
		k.packet_len = n;
		k.payload = pay;
		k.payload_len = pl;
		k.nh = nh[0];
		run_kat(&k);
	}
	tv_free(&tf);
}

/* ---- AEAD ESP packets: draft-mcgrew-gcm-test, RFC 4543, RFC 7634 -------- */

/* A case whose `plaintext` holds payload | pad | padlen | nh. */
static void aead_case(const struct tv_case *c, const char *alg, const char *ptfield)
{
	size_t kl, sl, spil, seql, ivl, pktl, ptl;
	const uint8_t *key = tv_bytes(c, "key", &kl), *salt = tv_bytes(c, "salt", &sl);
	const uint8_t *spi = tv_bytes(c, "spi", &spil), *seq = tv_bytes(c, "seq", &seql);
	const uint8_t *iv = tv_bytes(c, "iv", &ivl), *pkt = tv_bytes(c, "packet", &pktl);
	const uint8_t *pt = tv_bytes(c, ptfield, &ptl);
	struct kat k = { .name = c->name };

	KCHECK(c->name, key && salt && spi && seq && iv && pkt && pt && ptl >= 2);
	if (!key || !salt || !spi || !seq || !iv || !pkt || !pt || ptl < 2)
		return;
	k.enc = pfkm_alg_by_name(PFKM_ALG_ENC, alg);
	REQUIRE(k.enc);
	set_key(k.ekey, &k.ekey_len, key, kl, salt, sl);
	k.spi = (uint32_t)be(spi, 4);
	k.seq = be(seq, seql);
	k.esn = seql == 8;
	k.iv = iv;
	k.packet = pkt;
	k.packet_len = pktl;
	k.payload = pt;
	k.payload_len = ptl - 2 - pt[ptl - 2];
	k.nh = pt[ptl - 1];
	run_kat(&k);
}

TEST(esp_gcm_draft_mcgrew_packets)
{
	struct tv_file tf;
	size_t i, ran = 0;

	REQUIRE_EQ(tv_load("draft-mcgrew-gcm-test-01_aes_gcm_gmac_esp.txt", &tf), 0);
	for (i = 0; i < tf.n; i++) {
		if (strncmp(tf.c[i].name, "gcm-", 4))
			continue;
		aead_case(&tf.c[i], "aes-gcm-16", "plaintext");
		ran++;
	}
	CHECK_EQ(ran, 16);
	tv_free(&tf);
}

TEST(esp_gmac_rfc4543_packet)
{
	struct tv_file tf;
	const struct tv_case *c;
	size_t spil, seql, ivl, pl, icvl, n;
	const uint8_t *spi, *seq, *iv, *pay, *icv;
	uint8_t pkt[256];
	struct tv_case cc;
	struct tv_field f[16];

	REQUIRE_EQ(tv_load("draft-mcgrew-gcm-test-01_aes_gcm_gmac_esp.txt", &tf), 0);
	c = tv_case(&tf, "gmac-01");
	REQUIRE(c);
	spi = tv_bytes(c, "spi", &spil);
	seq = tv_bytes(c, "seq", &seql);
	iv = tv_bytes(c, "iv", &ivl);
	pay = tv_bytes(c, "payload", &pl);
	icv = tv_bytes(c, "icv", &icvl);
	REQUIRE(spi && seq && iv && pay && icv && c->nf + 2 <= OS_ARRAY_SIZE(f));
	/* The vector gives the pieces; the ESP packet is SPI|SN|IV|payload|ICV. */
	memcpy(pkt, spi, 4);
	memcpy(pkt + 4, seq, 4);
	memcpy(pkt + 8, iv, 8);
	memcpy(pkt + 16, pay, pl);
	memcpy(pkt + 16 + pl, icv, icvl);
	n = 16 + pl + icvl;
	memcpy(f, c->f, c->nf * sizeof(f[0]));
	f[c->nf] = (struct tv_field){ .key = "packet", .text = "", .bytes = pkt, .len = n };
	cc = (struct tv_case){ .name = c->name, .f = f, .nf = c->nf + 1 };
	aead_case(&cc, "null-aes-gmac", "payload");
	tv_free(&tf);
}

TEST(esp_chacha20poly1305_rfc7634_packet)
{
	struct tv_file tf;
	const struct tv_case *c;

	REQUIRE_EQ(tv_load("rfc7634_chacha20poly1305_esp.txt", &tf), 0);
	c = tv_case(&tf, "rfc7634-esp");
	REQUIRE(c);
	aead_case(c, "chacha20-poly1305", "plaintext");
	tv_free(&tf);
}

/* RFC 7634 appendix B is not ESP, but exercises the AEAD with a 32-byte AAD. */
TEST(esp_chacha20poly1305_rfc7634_ikev2_aead)
{
	const struct pfkm_alg *a = pfkm_alg_by_name(PFKM_ALG_ENC, "chacha20-poly1305");
	struct tv_file tf;
	const struct tv_case *c;
	size_t kl, sl, ivl, al, pl, cl;
	const uint8_t *key, *salt, *iv, *aad, *pt, *ct;
	uint8_t keymat[36], buf[64], tag[16];
	struct pfkm_xform *x;
	struct pfkm_buf seg;

	REQUIRE(a);
	REQUIRE_EQ(tv_load("rfc7634_chacha20poly1305_esp.txt", &tf), 0);
	c = tv_case(&tf, "rfc7634-ikev2");
	key = tv_bytes(c, "key", &kl);
	salt = tv_bytes(c, "salt", &sl);
	iv = tv_bytes(c, "iv", &ivl);
	aad = tv_bytes(c, "aad", &al);
	pt = tv_bytes(c, "plaintext", &pl);
	ct = tv_bytes(c, "ctext_tag", &cl);
	REQUIRE(key && salt && iv && aad && pt && ct && kl + sl == 36 && cl == pl + 16);
	memcpy(keymat, key, kl);
	memcpy(keymat + kl, salt, sl);
	REQUIRE_EQ(pfkm_xform_create(a, keymat, 36, &x), 0);
	seg = (struct pfkm_buf){ aad, al };
	memcpy(buf, pt, pl);
	CHECK_EQ(pfkm_xform_aead_seal(x, iv, &seg, 1, buf, pl, tag), 0);
	CHECK_MEM(buf, ct, pl);
	CHECK_MEM(tag, ct + pl, 16);
	CHECK_EQ(pfkm_xform_aead_open(x, iv, &seg, 1, buf, pl, tag), 0);
	CHECK_MEM(buf, pt, pl);
	pfkm_xform_destroy(x);
	tv_free(&tf);
}

/* ---- AES-CCM in RFC 4309 key format (transform level) ------------------- */

TEST(esp_ccm_rfc4309_keyformat)
{
	struct tv_file tf;
	size_t i, ran = 0;

	REQUIRE_EQ(tv_load("rfc4309fmt_aes_ccm_kernel_cavs.txt", &tf), 0);
	for (i = 0; i < tf.n; i++) {
		const struct tv_case *c = &tf.c[i];
		size_t kl, ivl, al, pl, cl;
		const uint8_t *km = tv_bytes(c, "keymat", &kl), *iv = tv_bytes(c, "iv", &ivl);
		const uint8_t *aad = tv_bytes(c, "aad", &al), *pt = tv_bytes(c, "plaintext", &pl);
		const uint8_t *ct = tv_bytes(c, "ciphertext_tag", &cl);
		const char *icvs = tv_text(c, "icv_len");
		const struct pfkm_alg *a;
		struct pfkm_xform *x;
		struct pfkm_buf seg;
		uint8_t buf[128], tag[16];
		int icv;

		KCHECK(c->name, km && iv && aad && pt && ct && icvs && pl <= sizeof(buf));
		if (!km || !iv || !aad || !pt || !ct || !icvs || pl > sizeof(buf))
			continue;
		icv = atoi(icvs);
		a = pfkm_alg_by_id(PFKM_ALG_ENC, icv == 8 ? SADB_X_EALG_AES_CCM_ICV8 :
				   icv == 12 ? SADB_X_EALG_AES_CCM_ICV12 : SADB_X_EALG_AES_CCM_ICV16);
		REQUIRE(a);
		KCHECK_EQ(c->name, cl, pl + (size_t)icv);
		REQUIRE_EQ(pfkm_xform_create(a, km, kl, &x), 0);
		seg = (struct pfkm_buf){ aad, al };
		memcpy(buf, pt, pl);
		KCHECK_EQ(c->name, pfkm_xform_aead_seal(x, iv, &seg, 1, buf, pl, tag), 0);
		KCHECK(c->name, !memcmp(buf, ct, pl) && !memcmp(tag, ct + pl, (size_t)icv));
		memcpy(buf, ct, pl);
		KCHECK_EQ(c->name, pfkm_xform_aead_open(x, iv, &seg, 1, buf, pl, ct + pl), 0);
		KCHECK(c->name, !memcmp(buf, pt, pl));
		/* Tampered tag, then tampered AAD: both refused. */
		memcpy(tag, ct + pl, (size_t)icv);
		tag[0] ^= 1;
		memcpy(buf, ct, pl);
		KCHECK_EQ(c->name, pfkm_xform_aead_open(x, iv, &seg, 1, buf, pl, tag), -EBADMSG);
		if (al) {
			uint8_t bad[64];

			memcpy(bad, aad, al);
			bad[al - 1] ^= 0x80;
			seg = (struct pfkm_buf){ bad, al };
			memcpy(buf, ct, pl);
			KCHECK_EQ(c->name, pfkm_xform_aead_open(x, iv, &seg, 1, buf, pl, ct + pl),
				  -EBADMSG);
		}
		pfkm_xform_destroy(x);
		ran++;
	}
	CHECK_EQ(ran, 11);
	tv_free(&tf);
}

/* ---- Real-world captures (tcpdump test suite): CBC + HMAC --------------- */

TEST(esp_realworld_tcpdump_packets)
{
	struct tv_file tf;
	size_t i, ran = 0;

	REQUIRE_EQ(tv_load("tcpdump_realworld_esp_hmac.txt", &tf), 0);
	for (i = 0; i < tf.n; i++) {
		const struct tv_case *c = &tf.c[i];
		size_t ekl, akl, spil, seql, ivl, ctl, icvl, pl, nl, n;
		const uint8_t *ek = tv_bytes(c, "enc_key", &ekl), *ak = tv_bytes(c, "auth_key", &akl);
		const uint8_t *spi = tv_bytes(c, "spi", &spil), *seq = tv_bytes(c, "seq", &seql);
		const uint8_t *iv = tv_bytes(c, "iv", &ivl), *ct = tv_bytes(c, "ciphertext", &ctl);
		const uint8_t *icv = tv_bytes(c, "icv", &icvl);
		const uint8_t *pay = tv_bytes(c, "inner_packet", &pl);
		const uint8_t *nh = tv_bytes(c, "next_header", &nl);
		const char *ea = tv_text(c, "enc_alg"), *aa = tv_text(c, "auth_alg");
		char aname[32];
		uint8_t pkt[512];
		struct kat k = { .name = c->name };

		KCHECK(c->name, ek && ak && spi && seq && iv && ct && icv && pay && nh && ea && aa);
		if (!ek || !ak || !spi || !seq || !iv || !ct || !icv || !pay || !nh || !ea || !aa)
			continue;
		/* "hmac-md5-96" names the truncation; the registry says hmac-md5. */
		snprintf(aname, sizeof(aname), "%s", aa);
		if (strlen(aname) > 3 && !strcmp(aname + strlen(aname) - 3, "-96"))
			aname[strlen(aname) - 3] = '\0';
		k.enc = pfkm_alg_by_name(PFKM_ALG_ENC, ea);
		k.auth = pfkm_alg_by_name(PFKM_ALG_AUTH, aname);
		REQUIRE(k.enc && k.auth);
		memcpy(pkt, spi, 4);
		memcpy(pkt + 4, seq, 4);
		memcpy(pkt + 8, iv, ivl);
		memcpy(pkt + 8 + ivl, ct, ctl);
		memcpy(pkt + 8 + ivl + ctl, icv, icvl);
		n = 8 + ivl + ctl + icvl;
		set_key(k.ekey, &k.ekey_len, ek, ekl, NULL, 0);
		set_key(k.akey, &k.akey_len, ak, akl, NULL, 0);
		k.spi = (uint32_t)be(spi, 4);
		k.seq = be(seq, 4);
		k.iv = iv;
		k.packet = pkt;
		k.packet_len = n;
		k.payload = pay;
		k.payload_len = pl;
		k.nh = nh[0];
		run_kat(&k);
		ran++;
	}
	CHECK_EQ(ran, 6);
	tv_free(&tf);
}

/* ---- MACs: RFC 4868, RFC 4231, RFC 2202, RFC 3566 ------------------------ */

/* Check every mac/icv_N/mac_N field of every case in file. An ICV field whose
 * size and key match an SADB algorithm is also checked with the registry
 * entry itself; the rest use a copy of it sized for the vector. Returns the
 * number of checks made. */
static size_t mac_file(const char *file, const char *force_alg)
{
	struct tv_file tf;
	size_t i, j, checks = 0;

	if (tv_load(file, &tf)) {
		unit_failf(__FILE__, __LINE__, "cannot load %s", file);
		return 0;
	}
	for (i = 0; i < tf.n; i++) {
		const struct tv_case *c = &tf.c[i];
		const char *an = force_alg ? force_alg : tv_text(c, "alg");
		const struct pfkm_alg *base = an ? pfkm_alg_by_name(PFKM_ALG_AUTH, an) : NULL;
		size_t kl, dl;
		const uint8_t *key = tv_bytes(c, "key", &kl), *data = tv_bytes(c, "data", &dl);
		struct pfkm_buf seg[3];

		if (!base)
			continue;	/* e.g. HMAC-SHA-224: no SADB algorithm */
		KCHECK(c->name, key && data);
		if (!key || !data)
			continue;
		/* Split the data in three to exercise multi-piece input. */
		seg[0] = (struct pfkm_buf){ data, dl / 3 };
		seg[1] = (struct pfkm_buf){ data + dl / 3, dl / 3 };
		seg[2] = (struct pfkm_buf){ data + 2 * (dl / 3), dl - 2 * (dl / 3) };
		for (j = 0; j < c->nf; j++) {
			const struct tv_field *f = &c->f[j];
			struct pfkm_alg a = *base;
			struct pfkm_xform *x;
			uint8_t icv[64];

			if (strncmp(f->key, "mac", 3) && strncmp(f->key, "icv_", 4))
				continue;
			if (!f->bytes || f->len > PFKM_XFORM_ICV_MAX)
				continue;
			a.key_min = a.key_max = (uint16_t)(kl * 8);
			a.key_step = 0;
			a.icv_bits = (uint16_t)(f->len * 8);
			KCHECK_EQ(c->name, pfkm_xform_create(&a, key, kl, &x), 0);
			if (!x)
				continue;
			KCHECK_EQ(c->name, pfkm_xform_icv_len(x), f->len);
			memset(icv, 0, sizeof(icv));
			KCHECK_EQ(c->name, pfkm_xform_mac(x, seg, 3, icv), 0);
			KCHECK(c->name, !memcmp(icv, f->bytes, f->len));
			pfkm_xform_destroy(x);
			checks++;
			if (base->key_min == kl * 8 && base->icv_bits == f->len * 8) {
				KCHECK_EQ(c->name, pfkm_xform_create(base, key, kl, &x), 0);
				if (!x)
					continue;
				KCHECK_EQ(c->name, pfkm_xform_mac(x, seg, 3, icv), 0);
				KCHECK(c->name, !memcmp(icv, f->bytes, f->len));
				pfkm_xform_destroy(x);
				checks++;
			}
		}
	}
	tv_free(&tf);
	return checks;
}

TEST(esp_hmac_rfc4868_sha2_icv)
{
	/* 12 cases x (full mac + truncated icv, the latter also via the registry). */
	CHECK_EQ(mac_file("rfc4868_hmac_sha2_ipsec.txt", NULL), 36);
}

TEST(esp_hmac_rfc4231_sha2)
{
	/* 7 cases x SHA-256/384/512 (SHA-224 has no SADB algorithm). */
	CHECK_EQ(mac_file("rfc4231_hmac_sha2.txt", NULL), 21);
}

TEST(esp_hmac_rfc2202_md5_sha1)
{
	/* 14 cases x (full + 96); keys of IPsec size (cases 1,3,5 each) also via
	 * the registry entry. */
	CHECK_EQ(mac_file("rfc2202_hmac_md5_sha1_96.txt", NULL), 28 + 6);
}

TEST(esp_xcbc_rfc3566)
{
	CHECK_EQ(mac_file("rfc3566_aes_xcbc_mac.txt", "aes-xcbc-mac"), 6 * 3);
}

TEST(esp_xform_key_and_icv_limits)
{
	const struct pfkm_alg *sha1 = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha1");
	const struct pfkm_alg *gcm = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-16");
	const struct pfkm_alg *serp = pfkm_alg_by_name(PFKM_ALG_ENC, "serpent-cbc");
	struct pfkm_alg big;
	struct pfkm_xform *x = (struct pfkm_xform *)1;
	uint8_t key[64] = { 0 };

	REQUIRE(sha1 && gcm && serp);
	CHECK_EQ(pfkm_xform_create(sha1, key, 16, &x), -EINVAL);	/* needs 160 bits */
	CHECK(x == NULL);
	CHECK_EQ(pfkm_xform_create(gcm, key, 16, &x), -EINVAL);	/* salt missing */
	CHECK_EQ(pfkm_xform_create(serp, key, 16, &x), -EOPNOTSUPP);
	big = *sha1;
	big.icv_bits = 192;					/* SHA-1 makes 160 */
	CHECK_EQ(pfkm_xform_create(&big, key, 20, &x), -EINVAL);
	CHECK_EQ(pfkm_xform_create(gcm, key, 20, &x), 0);
	pfkm_xform_destroy(x);
	pfkm_xform_destroy(NULL);
}

/* ---- RFC 3686 AES-CTR (transform level) ---------------------------------- */

TEST(esp_ctr_rfc3686)
{
	const struct pfkm_alg *ctr = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-ctr");
	struct tv_file tf;
	size_t i;

	REQUIRE(ctr);
	REQUIRE_EQ(tv_load("rfc3686_aes_ctr.txt", &tf), 0);
	CHECK_EQ(tf.n, 2);
	for (i = 0; i < tf.n; i++) {
		const struct tv_case *c = &tf.c[i];
		size_t kl, nl, ivl, pl, cl;
		const uint8_t *key = tv_bytes(c, "key", &kl), *nonce = tv_bytes(c, "nonce", &nl);
		const uint8_t *iv = tv_bytes(c, "iv", &ivl), *pt = tv_bytes(c, "plaintext", &pl);
		const uint8_t *ct = tv_bytes(c, "ciphertext", &cl);
		uint8_t km[36], buf[64];
		struct pfkm_xform *x;

		KCHECK(c->name, key && nonce && iv && pt && ct && pl == cl && pl <= sizeof(buf));
		if (!key || !nonce || !iv || !pt || !ct || pl != cl || pl > sizeof(buf))
			continue;
		memcpy(km, key, kl);
		memcpy(km + kl, nonce, nl);
		REQUIRE_EQ(pfkm_xform_create(ctr, km, kl + nl, &x), 0);
		memcpy(buf, pt, pl);
		KCHECK_EQ(c->name, pfkm_xform_encrypt(x, iv, buf, pl), 0);
		KCHECK(c->name, !memcmp(buf, ct, cl));
		KCHECK_EQ(c->name, pfkm_xform_decrypt(x, iv, buf, cl), 0);
		KCHECK(c->name, !memcmp(buf, pt, pl));
		pfkm_xform_destroy(x);
	}
	tv_free(&tf);
}

/* The in-module known answers (selftest/esp.c) pass on OpenSSL, so the
 * table pfkeyv2.ko checks its crypto API transforms with is itself right. */
TEST(esp_core_selftest)
{
	CHECK_EQ(pfkm_selftest_esp(), 0);
}
