// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * selftest/esp.c: known answers for esp.c and the host's xform.h, #included
 * at the end of esp.c. In pfkeyv2.ko (PFKEYV2_DEBUG=1) this runs the kernel
 * crypto API transforms against the same published vectors the userspace
 * unit tests load from tests/vectors (each entry names its file's case);
 * tests/unit/test_esp_vectors.c runs it on OpenSSL, so the table itself is
 * checked on every `make check`. Whole ESP packets are decapsulated,
 * compared, re-encapsulated with the published IV and compared byte for
 * byte; a flipped bit must fail authentication. An algorithm the host lacks
 * (-EOPNOTSUPP) is logged and skipped.
 */

#define EST_FAIL(what) do { os_log(OS_LOG_ERR, "esp self-test %s: %s failed (line %d)", \
				   name, (what), __LINE__); ret = -ENOTRECOVERABLE; goto out; } while (0)

static int st_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lower-case hex without spaces (the tables below) into out; byte count. */
static size_t st_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (s && s[0] && s[1] && n < cap) {
		out[n++] = (uint8_t)(st_hexval(s[0]) << 4 | st_hexval(s[1]));
		s += 2;
	}
	return n;
}

struct st_esp_kat {
	const char *name;
	uint8_t enc, auth;		/* SADB ids; auth 0: none */
	const char *ekey, *akey;
	uint32_t spi;
	uint64_t seq;
	bool esn;
	const char *iv, *packet, *payload;
	uint8_t nh;
};

/* Sources: draft-mcgrew-gcm-test-01_aes_gcm_gmac_esp.txt (gcm-02, gcm-05,
 * gmac-01), rfc7634_chacha20poly1305_esp.txt, rfc3602_aes_cbc_esp.txt,
 * tcpdump_realworld_esp_hmac.txt; keys are sadb_key payloads (salt last). */
static const struct st_esp_kat st_esp_kats[] = {
	{ "gcm-02", SADB_X_EALG_AES_GCM_ICV16, 0,
	  "feffe9928665731c6d6a8f9467308308cafebabe",
	  NULL,
	  0x0000a5f8, 0x0000000aull, false,
	  "facedbaddecaf888",
	  "0000a5f80000000afacedbaddecaf888deb22cd9b07c72c16e3a65beeb8df304"
	  "a5a5897d33ae530f1ba76d5d114d2a5c3de81827c10e9a4f51330d0eec416642"
	  "cfbb85a5b47e48a4ec3b9ba95d918bd183b70d3aa8bc6ee4c309e9d85a41ad4a",
	  "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100"
	  "0001000000000000037369700963796265726369747902646b0000010001",
	  0x01 },
	{ "gcm-05 (ESN)", SADB_X_EALG_AES_GCM_ICV16, 0,
	  "3de09874b388e6491988d0c3607eae1f57690e43",
	  NULL,
	  0x42f67e3f, 0x1010101010101010ull, true,
	  "4e280000a2fca1a3",
	  "42f67e3f101010104e280000a2fca1a3fba2caa4853cf9f0f22cb10d86dd83b0"
	  "fec75691cf1a04b00d1138ec9c35791765acbd8701ad79845bf9fe3fba487bc9"
	  "1755e6662b4c8d0d1f5e22739530320ae0d731cc978ecafaeae88f00e80d6e48",
	  "4500003c99c300008001cb7c40679318010101010800085c0200430061626364"
	  "65666768696a6b6c6d6e6f7071727374757677616263646566676869",
	  0x01 },
	{ "gmac-01", SADB_X_EALG_NULL_AES_GMAC, 0,
	  "4c80cdefbb5d10da906ac73c3613a63422433c64",
	  NULL,
	  0x00004321, 0x00000007ull, false,
	  "0000000000000000",
	  "0000432100000007000000000000000045000030da3a00008001df3bc0a80005"
	  "c0a800010800c6cd020007006162636465666768696a6b6c6d6e6f7071727374"
	  "01020201f2a9a836e155106aa8dcd618e4099aaa",
	  "45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364"
	  "65666768696a6b6c6d6e6f7071727374",
	  0x01 },
	{ "rfc7634-esp", SADB_X_EALG_CHACHA20_POLY1305, 0,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  "a0a1a2a3",
	  NULL,
	  0x01020304, 0x00000005ull, false,
	  "1011121314151617",
	  "0102030400000005101112131415161724039428b97f417e3c13753a4f05087b"
	  "67c352e6a7fab1b982d466ef407ae5c614ee8099d52844eb61aa95dfab4c02f7"
	  "2aa71e7c4c4f64c9befe2facc638e8f3cbec163fac469b502773f6fb94e664da"
	  "9165b82829f641e076aaa8266b7fb0f7b11b369907e1ad43",
	  "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
	  "0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	  "2425262728292a2b2c2d2e2f3031323334353637",
	  0x04 },
	{ "rfc3602-case5", SADB_X_EALG_AESCBC, 0,
	  "90d382b410eeba7ad938c46cec1a82bf",
	  NULL,
	  0x00004321, 0x00000001ull, false,
	  "e96e8c08ab465763fd098d45dd3ff893",
	  "0000432100000001e96e8c08ab465763fd098d45dd3ff893f663c25d325c18c6"
	  "a9453e194e120849a4870b66cc6b9965330013b4898dc856a4699e523a55db08"
	  "0b59ec3a8e4b7e52775b07d1db34ed9c538ab50c551b874aa269add047ad2d59"
	  "13ac19b7cfbad4a6",
	  "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f1011121314151617"
	  "18191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
	  0x01 },
	{ "tcpdump-3des-md5-tunnel-pkt1", SADB_EALG_3DESCBC, SADB_AALG_MD5HMAC,
	  "4043434545464649494a4a4c4c4f4f515152525454575758",
	  "87658765876587658765876587658765",
	  0x12345678, 0x00000001ull, false,
	  "4c20452f3cb09211",
	  "12345678000000014c20452f3cb09211d3a748cde5c811e39c4ee83cfe96a1e4"
	  "2acfd2b87aab05d1642ba3af9c1bc342102c40ad15df4de0200a636387347111"
	  "87d412093b83bfaa43191cbd84a45b0276338399b1f5ca17cc9254457e590655"
	  "1a7041e3dc9176e86fd3ffdd00b0bc11f8103097",
	  "45000054000040003f01b8a6c0000201c00001010800baf06f000500239bc73b"
	  "f234010008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	  "2425262728292a2b2c2d2e2f3031323334353637",
	  0x04 },
	{ "tcpdump-aes256-sha1-tunnel-pkt1", SADB_X_EALG_AESCBC, SADB_AALG_SHA1HMAC,
	  "aaaabbbbccccdddd4043434545464649494a4a4c4c4f4f515152525454575758",
	  "8765876587658765876587658765876587658765",
	  0xd1234567, 0x00000001ull, false,
	  "e6bb1ce8d0a88170da61de234d5618a0",
	  "d123456700000001e6bb1ce8d0a88170da61de234d5618a09984c00c3ebcfc69"
	  "e9287affec215449ffbe790ac7280eca8f6c88b125deca11c870e4f851342d20"
	  "200ff1189cc18c910a5f37e74f1528f26749bf998bc20cc645117e2bdcc9ba0b"
	  "0ad3a80168619ac66eb4b070d771e65f6077ea5366bf3bd88b5b5cbcd1e4d990"
	  "b76e85b1",
	  "45000054000040003f01b8a6c0000201c00001010800baf06f000500239bc73b"
	  "f234010008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	  "2425262728292a2b2c2d2e2f3031323334353637",
	  0x04 },
};

#define ST_BUF 512

static int st_esp_one(const struct st_esp_kat *k, uint8_t *mem)
{
	const char *name = k->name;
	uint8_t ekey[64], akey[64], iv[16];
	uint8_t *pkt = mem, *payload = mem + ST_BUF, *buf = mem + 2 * ST_BUF;
	size_t ekl, akl, pl, yl, n = 0;
	const struct pfkm_alg *enc = pfkm_alg_by_id(PFKM_ALG_ENC, k->enc);
	const struct pfkm_alg *auth = k->auth ? pfkm_alg_by_id(PFKM_ALG_AUTH, k->auth) : NULL;
	struct pfkm_replay rp = { 0 };
	struct pfkm_esp esp;
	struct pfkm_esp_rx rx;
	int ret;

	ekl = st_unhex(k->ekey, ekey, sizeof(ekey));
	akl = st_unhex(k->akey, akey, sizeof(akey));
	st_unhex(k->iv, iv, sizeof(iv));
	pl = st_unhex(k->packet, pkt, ST_BUF);
	yl = st_unhex(k->payload, payload, ST_BUF);
	if (!enc || (k->auth && !auth))
		return -ENOTRECOVERABLE;
	ret = pfkm_esp_init(&esp, k->spi, k->esn, enc, ekey, ekl, auth, akey, akl);
	os_wipe(ekey, sizeof(ekey));
	os_wipe(akey, sizeof(akey));
	if (ret == -EOPNOTSUPP) {
		os_log(OS_LOG_WARN, "esp self-test %s: skipped, algorithm unavailable", name);
		return 0;
	}
	if (ret) {
		os_log(OS_LOG_ERR, "esp self-test %s: init failed (%d)", name, ret);
		return -ENOTRECOVERABLE;
	}
	if (pfkm_replay_init(&rp, 64, k->esn) ||
	    (k->seq > 1 && pfkm_replay_advance(&rp, k->seq - 1)))
		EST_FAIL("window");
	memcpy(buf, pkt, pl);
	if (pfkm_esp_decap(&esp, &rp, buf, pl, &rx))
		EST_FAIL("decap");
	if (rx.seq != k->seq || rx.next_hdr != k->nh || rx.payload_len != yl ||
	    memcmp(buf + rx.payload_off, payload, yl))
		EST_FAIL("plaintext");
	memcpy(buf, pkt, pl);
	if (pfkm_esp_decap(&esp, &rp, buf, pl, &rx) != -EEXIST)
		EST_FAIL("replay");
	if (k->enc != SADB_X_EALG_AESCBC || auth) {
		pfkm_replay_fini(&rp);
		if (pfkm_replay_init(&rp, 64, k->esn) ||
		    (k->seq > 1 && pfkm_replay_advance(&rp, k->seq - 1)))
			EST_FAIL("window");
		memcpy(buf, pkt, pl);
		buf[pl - 1] ^= 0x20;
		if (pfkm_esp_decap(&esp, &rp, buf, pl, &rx) != -EBADMSG)
			EST_FAIL("flipped bit");
	}
	memcpy(buf + pfkm_esp_hdr_len(&esp), payload, yl);
	if (pfkm_esp_encap(&esp, k->seq, k->nh, iv, buf, ST_BUF, yl, &n) || n != pl ||
	    memcmp(buf, pkt, pl))
		EST_FAIL("re-encap");
	ret = 0;
out:
	pfkm_replay_fini(&rp);
	pfkm_esp_fini(&esp);
	return ret;
}

/* Transform-level answers: a MAC, an AEAD with its own AAD, CTR. */
struct st_xf_kat {
	const char *name;
	enum pfkm_alg_kind kind;
	uint8_t id;
	const char *key, *iv, *aad, *in, *out;
};

static const struct st_xf_kat st_xf_kats[] = {
	/* rfc4868_hmac_sha2_ipsec.txt [rfc4868-auth256-1], icv_128 */
	{ "rfc4868-auth256-1", PFKM_ALG_AUTH, SADB_X_AALG_SHA2_256HMAC,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  NULL, NULL, "4869205468657265", "198a607eb44bfbc69903a0f1cf2bbdc5" },
	/* rfc3566_aes_xcbc_mac.txt [rfc3566-case4], icv_96 */
	{ "rfc3566-case4", PFKM_ALG_AUTH, SADB_X_AALG_AES_XCBC_MAC,
	  "000102030405060708090a0b0c0d0e0f", NULL, NULL,
	  "000102030405060708090a0b0c0d0e0f10111213", "47f51b4564966215b8985c63" },
	/* rfc4309fmt_aes_ccm_kernel_cavs.txt [rfc4309fmt-ccm2] */
	{ "rfc4309fmt-ccm2", PFKM_ALG_ENC, SADB_X_EALG_AES_CCM_ICV16,
	  "1e2c7e01419aefc00d58966e5ca24bd34fa319", "d3015ad830601556",
	  "dae6289c452dfd635eda4cb6e6fcf9b70c56cbe4e0057ae10a630978bc2c55de",
	  "87a336fd96b39378a92863ba12a31485571e06c97b21ef767f387e8e29a43e7e",
	  "8a1e11f0026be219fc70c46d8eb799abc54ba2acd3f348ff3bb5ce53efdebb02"
	  "a986156c13feda0a22b8293dd8399a23" },
	/* rfc3686_aes_ctr.txt [rfc3686-vec1] */
	{ "rfc3686-vec1", PFKM_ALG_ENC, SADB_X_EALG_AESCTR,
	  "ae6852f8121067cc4bf7a5765577f39e00000030", "0000000000000000", NULL,
	  "53696e676c6520626c6f636b206d7367", "e4095d4fb7a7b3792d6175a3261311b8" },
};

static int st_xf_one(const struct st_xf_kat *k, uint8_t *mem)
{
	const char *name = k->name;
	const struct pfkm_alg *alg = pfkm_alg_by_id(k->kind, k->id);
	uint8_t *key = mem, *iv = mem + 64, *aad = mem + 96, *in = mem + 160, *out = mem + 320;
	struct pfkm_xform *x = NULL;
	size_t kl, al, il, ol;
	struct pfkm_buf seg;
	int ret;

	kl = st_unhex(k->key, key, 64);
	st_unhex(k->iv, iv, 16);
	al = st_unhex(k->aad, aad, 64);
	il = st_unhex(k->in, in, 160);
	ol = st_unhex(k->out, out, 160);
	if (!alg)
		return -ENOTRECOVERABLE;
	ret = pfkm_xform_create(alg, key, kl, &x);
	os_wipe(key, 64);
	if (ret == -EOPNOTSUPP) {
		os_log(OS_LOG_WARN, "esp self-test %s: skipped, algorithm unavailable", name);
		return 0;
	}
	if (ret) {
		os_log(OS_LOG_ERR, "esp self-test %s: create failed (%d)", name, ret);
		return -ENOTRECOVERABLE;
	}
	if (k->kind == PFKM_ALG_AUTH) {
		seg = (struct pfkm_buf){ in, il };
		if (pfkm_xform_mac(x, &seg, 1, in + il) || pfkm_xform_icv_len(x) != ol ||
		    memcmp(in + il, out, ol))
			EST_FAIL("mac");
	} else if (alg->aead) {
		seg = (struct pfkm_buf){ aad, al };
		if (pfkm_xform_aead_seal(x, iv, &seg, 1, in, il, in + il) ||
		    il + pfkm_xform_icv_len(x) != ol || memcmp(in, out, ol))
			EST_FAIL("seal");
		if (pfkm_xform_aead_open(x, iv, &seg, 1, in, il, out + il))
			EST_FAIL("open");
		in[0] ^= 1;
		if (pfkm_xform_aead_open(x, iv, &seg, 1, in, il, out + il) != -EBADMSG)
			EST_FAIL("tampered open");
	} else {
		if (pfkm_xform_encrypt(x, iv, in, il) || il != ol || memcmp(in, out, ol))
			EST_FAIL("encrypt");
	}
	ret = 0;
out:
	pfkm_xform_destroy(x);
	return ret;
}

int pfkm_selftest_esp(void)
{
	uint8_t *mem = os_zalloc(3 * ST_BUF);
	size_t i;
	int ret = 0;

	if (!mem)
		return -ENOMEM;
	for (i = 0; !ret && i < OS_ARRAY_SIZE(st_esp_kats); i++)
		ret = st_esp_one(&st_esp_kats[i], mem);
	for (i = 0; !ret && i < OS_ARRAY_SIZE(st_xf_kats); i++)
		ret = st_xf_one(&st_xf_kats[i], mem);
	os_free(mem);
	return ret;
}
