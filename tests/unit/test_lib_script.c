// SPDX-License-Identifier: BSD-2-Clause
/* test_lib_script.c: what render_script writes, the setkey-language parser
 * (stmt.c) reads back into the same model: the save/restore round trip. */
#include <stdlib.h>
#include <arpa/inet.h>
#include "unit.h"
#include "pfk.h"
#include "stmt.h"
#include "wire.h"

static struct pfk_addr a4(const char *s, uint8_t plen, uint16_t port)
{
	struct pfk_addr a = { .family = AF_INET, .prefixlen = plen, .port = port };

	inet_pton(AF_INET, s, a.a.bytes);
	return a;
}

static struct pfk_stmt *reparse(void (*render)(FILE *, const void *), const void *obj,
				size_t *n, char **text)
{
	struct pfk_stmt *v = NULL;
	struct pfk_err errs[2];
	size_t len;
	FILE *f = open_memstream(text, &len);
	int ret;

	render(f, obj);
	fclose(f);
	ret = pfk_stmt_parse_all(*text, len, &v, n, errs, 2);
	if (ret != 0) {
		unit_failf(__FILE__, __LINE__, "parse of \"%s\": %s", *text, errs[0].msg);
		pfk_stmt_free_all(v, *n);
		return NULL;
	}
	return v;
}

static void render_sa(FILE *f, const void *o) { pfk_render_script_sa(f, o, true); }
static void render_pol(FILE *f, const void *o) { pfk_render_script_policy(f, o); }

TEST(lib_script_sa_reparses)
{
	struct pfk_sa sa = { 0 };
	struct pfk_stmt *v;
	char *text = NULL;
	size_t n = 0;

	sa.has = PFK_SA_HAS_SA | PFK_SA_HAS_SA2 | PFK_SA_HAS_SRC | PFK_SA_HAS_DST |
		 PFK_SA_HAS_ENC_KEY | PFK_SA_HAS_AUTH_KEY | PFK_SA_HAS_HARD | PFK_SA_HAS_SOFT;
	sa.satype = PFK_SATYPE_ESP;
	sa.spi = 0x1000;
	sa.mode = PFK_MODE_TUNNEL;
	sa.reqid = 5;
	sa.replay = 64;
	sa.enc_alg = SADB_X_EALG_AESCBC;
	sa.auth_alg = SADB_X_AALG_SHA2_256HMAC;
	sa.src = a4("192.0.2.1", 32, 0);
	sa.dst = a4("192.0.2.2", 32, 0);
	sa.enc_key.bits = 128;
	memset(sa.enc_key.data, 0x11, 16);
	sa.auth_key.bits = 256;
	memset(sa.auth_key.data, 0x22, 32);
	sa.hard.addtime = 3600;
	sa.hard.bytes = 100000;
	sa.soft.addtime = 3000;

	v = reparse(render_sa, &sa, &n, &text);
	REQUIRE(v != NULL);
	REQUIRE_EQ(n, 1);
	CHECK_EQ(v[0].cmd, PFK_CMD_ADD);
	CHECK_EQ(v[0].sa.satype, PFK_SATYPE_ESP);
	CHECK_EQ(v[0].sa.spi, 0x1000);
	CHECK_EQ(v[0].sa.mode, PFK_MODE_TUNNEL);
	CHECK_EQ(v[0].sa.reqid, 5);
	CHECK_EQ(v[0].sa.replay, 64);
	CHECK_EQ(v[0].sa.enc_alg, SADB_X_EALG_AESCBC);
	CHECK_EQ(v[0].sa.auth_alg, SADB_X_AALG_SHA2_256HMAC);
	CHECK_EQ(v[0].sa.enc_key.bits, 128);
	CHECK_MEM(v[0].sa.enc_key.data, sa.enc_key.data, 16);
	CHECK_EQ(v[0].sa.auth_key.bits, 256);
	CHECK_MEM(v[0].sa.auth_key.data, sa.auth_key.data, 32);
	CHECK_EQ(v[0].sa.hard.addtime, 3600);
	CHECK_EQ(v[0].sa.hard.bytes, 100000);
	CHECK_EQ(v[0].sa.soft.addtime, 3000);
	CHECK_MEM(v[0].sa.src.a.bytes, sa.src.a.bytes, 4);
	CHECK_MEM(v[0].sa.dst.a.bytes, sa.dst.a.bytes, 4);
	pfk_stmt_free_all(v, n);
	free(text);

	/* AEAD with salt, no -A */
	sa.enc_alg = SADB_X_EALG_AES_GCM_ICV16;
	sa.enc_key.bits = 160;
	memset(sa.enc_key.data, 0x33, 20);
	sa.has &= ~(PFK_SA_HAS_AUTH_KEY | PFK_SA_HAS_HARD | PFK_SA_HAS_SOFT);
	text = NULL;
	v = reparse(render_sa, &sa, &n, &text);
	REQUIRE(v != NULL);
	REQUIRE_EQ(n, 1);
	CHECK_EQ(v[0].sa.enc_alg, SADB_X_EALG_AES_GCM_ICV16);
	CHECK_EQ(v[0].sa.enc_key.bits, 160);
	CHECK_MEM(v[0].sa.enc_key.data, sa.enc_key.data, 20);
	CHECK(!(v[0].sa.has & PFK_SA_HAS_AUTH_KEY));
	CHECK_EQ(v[0].sa.flags & SADB_X_SAFLAGS_ESN, 0);
	CHECK(strstr(text, "-f esn") == NULL);
	pfk_stmt_free_all(v, n);
	free(text);

	/* ESN (sadb_sa_flags 0x400) is written as -f esn and read back */
	sa.flags = SADB_X_SAFLAGS_ESN;
	text = NULL;
	v = reparse(render_sa, &sa, &n, &text);
	REQUIRE(v != NULL);
	REQUIRE_EQ(n, 1);
	CHECK(strstr(text, " -r 64 -u 5 -f esn ") != NULL);
	CHECK_EQ(v[0].sa.flags, SADB_X_SAFLAGS_ESN);
	CHECK_EQ(v[0].sa.replay, 64);
	pfk_stmt_free_all(v, n);
	free(text);
}

TEST(lib_script_policy_reparses)
{
	struct pfk_policy p = { 0 };
	struct pfk_stmt *v;
	char *text = NULL;
	size_t n = 0;

	p.has = PFK_POL_HAS_POLICY | PFK_POL_HAS_SRC | PFK_POL_HAS_DST;
	p.dir = PFK_DIR_OUT;
	p.action = PFK_ACTION_IPSEC;
	p.priority = PFK_PRIO_DEFAULT - 5;
	p.src = a4("10.0.1.0", 24, 0);
	p.dst = a4("10.0.2.1", 32, 80);
	p.src.proto = p.dst.proto = IPPROTO_TCP;
	p.nreq = 2;
	p.req[0] = (struct pfk_ipsecreq){ PFK_IPPROTO_ESP, PFK_MODE_TUNNEL, PFK_LEVEL_UNIQUE, 5,
					   a4("192.0.2.1", 32, 4500), a4("192.0.2.2", 32, 4500) };
	p.req[1] = (struct pfk_ipsecreq){ .proto = PFK_IPPROTO_AH, .mode = PFK_MODE_TRANSPORT,
					   .level = PFK_LEVEL_USE };
	v = reparse(render_pol, &p, &n, &text);
	REQUIRE(v != NULL);
	REQUIRE_EQ(n, 1);
	CHECK_EQ(v[0].cmd, PFK_CMD_SPDADD);
	CHECK_EQ(v[0].pol.dir, PFK_DIR_OUT);
	CHECK_EQ(v[0].pol.action, PFK_ACTION_IPSEC);
	CHECK_EQ(v[0].pol.priority, PFK_PRIO_DEFAULT - 5);
	CHECK_EQ(v[0].pol.src.prefixlen, 24);
	CHECK_EQ(v[0].pol.dst.prefixlen, 32);
	CHECK_EQ(v[0].pol.dst.port, 80);
	CHECK_EQ(v[0].pol.src.proto, IPPROTO_TCP);
	REQUIRE_EQ(v[0].pol.nreq, 2);
	CHECK_EQ(v[0].pol.req[0].proto, PFK_IPPROTO_ESP);
	CHECK_EQ(v[0].pol.req[0].mode, PFK_MODE_TUNNEL);
	CHECK_EQ(v[0].pol.req[0].level, PFK_LEVEL_UNIQUE);
	CHECK_EQ(v[0].pol.req[0].reqid, 5);
	CHECK_EQ(v[0].pol.req[0].src.port, 4500);
	CHECK_MEM(v[0].pol.req[0].dst.a.bytes, p.req[0].dst.a.bytes, 4);
	CHECK_EQ(v[0].pol.req[1].proto, PFK_IPPROTO_AH);
	CHECK_EQ(v[0].pol.req[1].level, PFK_LEVEL_USE);
	pfk_stmt_free_all(v, n);
	free(text);
}
