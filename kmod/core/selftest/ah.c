// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * selftest/ah.c: known answers for ah.c, #included at its end. The two
 * HMAC-MD5-96 IPv4 AH packets of embeddedipsec_ah_hmac_md5_ipv4.txt (tests/
 * vectors) verify, still verify with TTL/TOS/flags/checksum changed en
 * route, fail with an immutable byte changed, and re-encapsulate byte for
 * byte. Run by module init (debug) and tests/unit/test_ah.c.
 */

#define AST_FAIL(what) do { os_log(OS_LOG_ERR, "ah self-test %s: %s failed (line %d)", \
				   k->name, (what), __LINE__); ret = -ENOTRECOVERABLE; goto out; } while (0)

static const uint8_t ast_key[16] = { 0x01, 0x23, 0x45, 0x67, 0x01, 0x23, 0x45, 0x67,
				     0x01, 0x23, 0x45, 0x67, 0x01, 0x23, 0x45, 0x67 };

static const struct ast_kat {
	const char *name;
	uint32_t spi;
	const char *packet;
} ast_kats[] = {
	{ "ah-embeddedipsec-1", 0x00001009,
	  "45000068799c000040337d4bc0a80128c0a80103040400000000100900000001"
	  "452f1de9ee8b41264451cc8d4500003ce77a40004006cfc5c0a80128c0a80103"
	  "801a005084b9c56600000000a0027eb81f75000002043f5c0402080a000f221c"
	  "0000000001030300" },
	{ "ah-embeddedipsec-2", 0x00001016,
	  "45000068e803000040330f07c0a80103c0a80105040400000000101600000001"
	  "6f1d8e944f7023e853b151bf4500003ce77a40004006cfc5c0a80128c0a80103"
	  "801a005084b9c56600000000a0027eb81f75000002043f5c0402080a000f221c"
	  "0000000001030300" },
};

static size_t ast_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi, lo;

	while (s[0] && s[1] && n < cap) {
		hi = s[0] <= '9' ? s[0] - '0' : s[0] - 'a' + 10;
		lo = s[1] <= '9' ? s[1] - '0' : s[1] - 'a' + 10;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n;
}

#define AST_BUF 256

static int ast_one(const struct ast_kat *k, uint8_t *orig, uint8_t *pkt)
{
	const struct pfkm_alg *md5 = pfkm_alg_by_id(PFKM_ALG_AUTH, SADB_AALG_MD5HMAC);
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t len, n;
	int ret;

	len = ast_unhex(k->packet, orig, AST_BUF);
	if (!md5 || pfkm_ah_init(&ah, k->spi, false, md5, ast_key, sizeof(ast_key)))
		return -ENOTRECOVERABLE;
	memcpy(pkt, orig, len);
	pkt[1] = 0x10;		/* TOS, flags, TTL, checksum: mutable */
	pkt[6] = 0x40;
	pkt[8] = 1;
	pkt[11] ^= 0x5a;
	if (pfkm_ah_decap(&ah, NULL, pkt, len, &rx) || rx.next_hdr != 4 || rx.len != len - 24 ||
	    memcmp(pkt + 20, orig + 44, len - 44))
		AST_FAIL("verify");
	memcpy(pkt, orig, len);
	pkt[15] ^= 1;		/* source address: immutable */
	if (pfkm_ah_decap(&ah, NULL, pkt, len, &rx) != -EBADMSG)
		AST_FAIL("tampered");
	memcpy(pkt, orig, len);
	if (pfkm_ah_decap(&ah, NULL, pkt, len, &rx) ||
	    pfkm_ah_encap(&ah, 1, pkt, AST_BUF, rx.len, &n) || n != len || memcmp(pkt, orig, len))
		AST_FAIL("re-encap");
	ret = 0;
out:
	pfkm_ah_fini(&ah);
	return ret;
}

int pfkm_selftest_ah(void)
{
	uint8_t *mem = os_zalloc(2 * AST_BUF);
	size_t i;
	int ret = 0;

	if (!mem)
		return -ENOMEM;
	for (i = 0; !ret && i < OS_ARRAY_SIZE(ast_kats); i++)
		ret = ast_one(&ast_kats[i], mem, mem + AST_BUF);
	os_free(mem);
	return ret;
}
