// SPDX-License-Identifier: BSD-2-Clause
/* test_lib_build.c: every libpfkey builder -> walker -> pfk_parse round
 * trip, field by field, plus the wire details (units, padding, zeroed
 * sockaddr tails, ipsecrequest byte lengths) af_key insists on. */
#include <arpa/inet.h>
#include "unit.h"
#include "pfk.h"
#include "walker.h"

static uint64_t bufu[8192];
static struct pfk_msg msg;

static struct pfk_buf newbuf(void)
{
	struct pfk_buf b = { .p = (uint8_t *)bufu, .cap = sizeof(bufu) };

	/* Poison: every byte a builder leaves must be written or zeroed. */
	memset(bufu, 0xaa, sizeof(bufu));
	return b;
}

static struct pfk_addr a4(const char *s, uint8_t plen, uint16_t port)
{
	struct pfk_addr a = { .family = AF_INET, .prefixlen = plen, .port = port };

	inet_pton(AF_INET, s, a.a.bytes);
	return a;
}

static struct pfk_addr a6(const char *s, uint8_t plen, uint16_t port)
{
	struct pfk_addr a = { .family = AF_INET6, .prefixlen = plen, .port = port };

	inet_pton(AF_INET6, s, a.a.bytes);
	return a;
}

static bool addr_eq(const struct pfk_addr *x, const struct pfk_addr *y)
{
	return x->family == y->family && x->port == y->port &&
	       !memcmp(x->a.bytes, y->a.bytes, x->family == AF_INET6 ? 16 : 4);
}

/* Common checks: walker accepts it as a request, header fields, parse ok. */
static int roundtrip(int len, uint8_t type, uint32_t seq, uint32_t pid)
{
	const struct sadb_msg *m = (const void *)bufu;
	struct pfkm_exts e;

	if (len <= 0 || len % 8) {
		unit_failf(__FILE__, __LINE__, "builder returned %d", len);
		return -1;
	}
	CHECK_EQ(m->sadb_msg_len * 8, len);
	CHECK_EQ(m->sadb_msg_type, type);
	CHECK_EQ(m->sadb_msg_version, PF_KEY_V2);
	CHECK_EQ(m->sadb_msg_seq, seq);
	CHECK_EQ(m->sadb_msg_pid, pid);
	CHECK_EQ(m->sadb_msg_reserved, 0);
	CHECK_EQ(pfkm_walker_request(bufu, (size_t)len, &e), 0);
	CHECK_EQ(pfk_parse(bufu, (size_t)len, &msg), 0);
	CHECK_EQ(pfk_msgtype_to_sadb(msg.type), type);
	CHECK_EQ(msg.seq, seq);
	CHECK_EQ(msg.pid, pid);
	CHECK_EQ(msg.len, (size_t)len);
	return 0;
}

static struct pfk_sa full_sa(void)
{
	struct pfk_sa sa = { 0 };
	unsigned int i;

	sa.has = PFK_SA_HAS_SA | PFK_SA_HAS_SA2 | PFK_SA_HAS_SRC | PFK_SA_HAS_DST |
		 PFK_SA_HAS_AUTH_KEY | PFK_SA_HAS_ENC_KEY | PFK_SA_HAS_HARD | PFK_SA_HAS_SOFT |
		 PFK_SA_HAS_NATT | PFK_SA_HAS_NATT_OA | PFK_SA_HAS_SECCTX | PFK_SA_HAS_PROXY;
	sa.satype = PFK_SATYPE_ESP;
	sa.spi = 0x12345678;
	sa.replay = 64;
	sa.state = PFK_STATE_MATURE;
	sa.auth_alg = SADB_X_AALG_SHA2_256HMAC;
	sa.enc_alg = SADB_X_EALG_AESCBC;
	sa.flags = 0x40;
	sa.mode = PFK_MODE_TUNNEL;
	sa.reqid = 5;
	sa.sa2_seq = 7;
	sa.src = a4("192.0.2.1", 0, 0);
	sa.dst = a4("192.0.2.2", 0, 0);
	sa.proxy = a4("198.51.100.0", 24, 0);
	sa.natt_oa = a4("10.1.1.1", 0, 0);
	sa.auth_key.bits = 256;
	sa.enc_key.bits = 128;
	for (i = 0; i < 32; i++)
		sa.auth_key.data[i] = (uint8_t)(0x80 + i);
	for (i = 0; i < 16; i++)
		sa.enc_key.data[i] = (uint8_t)(0x10 + i);
	sa.hard = (struct pfk_lifetime){ 10, 1000000, 3600, 600 };
	sa.soft = (struct pfk_lifetime){ 8, 900000, 3000, 500 };
	sa.natt_type = 2;
	sa.natt_sport = 4500;
	sa.natt_dport = 4501;
	sa.ctx.doi = 1;
	sa.ctx.alg = 1;
	sa.ctx.len = 13;
	memcpy(sa.ctx.str, "system_u:obj", 13);
	return sa;
}

static void check_sa_eq(const struct pfk_sa *want, const struct pfk_sa *got)
{
	CHECK_EQ(got->spi, want->spi);
	CHECK_EQ(got->replay, want->replay);
	CHECK_EQ(got->auth_alg, want->auth_alg);
	CHECK_EQ(got->enc_alg, want->enc_alg);
	CHECK_EQ(got->flags, want->flags);
	CHECK_EQ(got->mode, want->mode);
	CHECK_EQ(got->reqid, want->reqid);
	CHECK_EQ(got->sa2_seq, want->sa2_seq);
	CHECK(addr_eq(&got->src, &want->src));
	CHECK(addr_eq(&got->dst, &want->dst));
	CHECK_EQ(got->src.prefixlen, 32);	/* 0 = full length */
	CHECK_EQ(got->src.proto, 255);		/* 0 = any */
	CHECK(addr_eq(&got->proxy, &want->proxy));
	CHECK_EQ(got->proxy.prefixlen, 24);
	CHECK(addr_eq(&got->natt_oa, &want->natt_oa));
	CHECK_EQ(got->auth_key.bits, want->auth_key.bits);
	CHECK_MEM(got->auth_key.data, want->auth_key.data, 32);
	CHECK_EQ(got->enc_key.bits, want->enc_key.bits);
	CHECK_MEM(got->enc_key.data, want->enc_key.data, 16);
	CHECK_EQ(got->hard.allocations, 10);
	CHECK_EQ(got->hard.bytes, 1000000);
	CHECK_EQ(got->hard.addtime, 3600);
	CHECK_EQ(got->hard.usetime, 600);
	CHECK_EQ(got->soft.allocations, 8);
	CHECK_EQ(got->soft.bytes, 900000);
	CHECK_EQ(got->soft.addtime, 3000);
	CHECK_EQ(got->soft.usetime, 500);
	CHECK_EQ(got->natt_type, 2);
	CHECK_EQ(got->natt_sport, 4500);
	CHECK_EQ(got->natt_dport, 4501);
	CHECK_EQ(got->ctx.doi, 1);
	CHECK_EQ(got->ctx.alg, 1);
	CHECK_EQ(got->ctx.len, 13);
	CHECK_STR(got->ctx.str, "system_u:obj");
}

TEST(lib_build_add_update_roundtrip)
{
	struct pfk_sa sa = full_sa();
	struct pfk_buf b = newbuf();
	int len;

	len = pfk_build_add(&b, &sa, 11, 4242);
	REQUIRE(roundtrip(len, SADB_ADD, 11, 4242) == 0);
	CHECK_EQ(msg.kind, PFK_MSG_SA);
	CHECK_EQ(msg.satype, PFK_SATYPE_ESP);
	CHECK_EQ(msg.sa.has, sa.has);
	check_sa_eq(&sa, &msg.sa);
	CHECK_EQ(msg.sa.state, PFK_STATE_MATURE);
	pfk_msg_wipe(&msg);
	CHECK_EQ(msg.sa.auth_key.data[0], 0);
	CHECK_EQ(msg.sa.enc_key.data[15], 0);

	b = newbuf();
	sa.state = PFK_STATE_UNKNOWN;	/* KAME's LARVAL by default */
	len = pfk_build_update(&b, &sa, 12, 1);
	REQUIRE(roundtrip(len, SADB_UPDATE, 12, 1) == 0);
	check_sa_eq(&sa, &msg.sa);
	CHECK_EQ(msg.sa.state, PFK_STATE_LARVAL);

	/* Only -lh given: SOFT is still sent (af_key wants both), as zeros. */
	b = newbuf();
	sa.has &= ~PFK_SA_HAS_SOFT;
	len = pfk_build_add(&b, &sa, 1, 1);
	REQUIRE(roundtrip(len, SADB_ADD, 1, 1) == 0);
	CHECK(msg.sa.has & PFK_SA_HAS_SOFT);
	CHECK_EQ(msg.sa.soft.addtime, 0);
	CHECK_EQ(msg.sa.hard.addtime, 3600);

	/* Missing SA/SRC/DST is refused */
	b = newbuf();
	sa.has &= ~PFK_SA_HAS_DST;
	CHECK_EQ(pfk_build_add(&b, &sa, 1, 1), -EINVAL);
	pfk_msg_wipe(&msg);
}

TEST(lib_build_add_ipv6_minimal)
{
	struct pfk_sa sa = { 0 };
	struct pfk_buf b = newbuf();
	const uint8_t *p = (const uint8_t *)bufu;
	const struct sadb_address *ad;
	int len;

	sa.has = PFK_SA_HAS_SA | PFK_SA_HAS_SRC | PFK_SA_HAS_DST | PFK_SA_HAS_AUTH_KEY;
	sa.satype = PFK_SATYPE_AH;
	sa.spi = 0x1000;
	sa.auth_alg = SADB_AALG_SHA1HMAC;
	sa.src = a6("2001:db8::1", 0, 0);
	sa.dst = a6("2001:db8::2", 0, 0);
	sa.auth_key.bits = 160;
	memset(sa.auth_key.data, 0x5a, 20);
	len = pfk_build_add(&b, &sa, 3, 3);
	REQUIRE(roundtrip(len, SADB_ADD, 3, 3) == 0);
	CHECK_EQ(msg.satype, PFK_SATYPE_AH);
	CHECK(addr_eq(&msg.sa.src, &sa.src));
	CHECK_EQ(msg.sa.src.prefixlen, 128);
	/* layout: hdr 16, SA 16, SRC 40, DST 40, KEY 8+20 -> 32 */
	CHECK_EQ(len, 16 + 16 + 40 + 40 + 32);
	ad = (const void *)(p + 32);
	CHECK_EQ(ad->sadb_address_len, 5);
	CHECK_EQ(ad->sadb_address_exttype, SADB_EXT_ADDRESS_SRC);
	CHECK_EQ(ad->sadb_address_reserved, 0);
	/* sockaddr_in6 is 28 bytes in a 32-byte slot: tail zeroed */
	CHECK_EQ(p[32 + 8 + 28], 0);
	CHECK_EQ(p[32 + 8 + 31], 0);
	/* key padding zeroed (20 key bytes in 24) */
	CHECK_EQ(p[len - 1], 0);
	CHECK_EQ(p[len - 4], 0);
	CHECK_EQ(p[len - 5], 0x5a);
	pfk_msg_wipe(&msg);
}

TEST(lib_build_getspi_roundtrip)
{
	struct pfk_sa sa = { 0 };
	struct pfk_buf b = newbuf();
	int len;

	sa.has = PFK_SA_HAS_SRC | PFK_SA_HAS_DST | PFK_SA_HAS_SPIRANGE | PFK_SA_HAS_SA2;
	sa.satype = PFK_SATYPE_ESP;
	sa.src = a4("10.0.0.1", 0, 0);
	sa.dst = a4("10.0.0.2", 0, 0);
	sa.spi_min = 0x100;
	sa.spi_max = 0x1ff;
	sa.mode = PFK_MODE_TRANSPORT;
	sa.reqid = 9;
	len = pfk_build_getspi(&b, &sa, 5, 6);
	REQUIRE(roundtrip(len, SADB_GETSPI, 5, 6) == 0);
	CHECK_EQ(msg.sa.has, sa.has);
	CHECK_EQ(msg.sa.spi_min, 0x100);
	CHECK_EQ(msg.sa.spi_max, 0x1ff);
	CHECK_EQ(msg.sa.mode, PFK_MODE_TRANSPORT);
	CHECK_EQ(msg.sa.reqid, 9);
	CHECK(addr_eq(&msg.sa.dst, &sa.dst));

	b = newbuf();
	sa.has = PFK_SA_HAS_SRC | PFK_SA_HAS_DST;
	len = pfk_build_getspi(&b, &sa, 5, 6);
	REQUIRE(roundtrip(len, SADB_GETSPI, 5, 6) == 0);
	CHECK_EQ(len, 16 + 24 + 24);
	CHECK_EQ(msg.sa.has, PFK_SA_HAS_SRC | PFK_SA_HAS_DST);
}

TEST(lib_build_delete_get_roundtrip)
{
	struct pfk_sa sa = full_sa();
	struct pfk_buf b = newbuf();
	int len;

	len = pfk_build_delete(&b, &sa, 20, 21);
	REQUIRE(roundtrip(len, SADB_DELETE, 20, 21) == 0);
	/* only SA (spi), SRC, DST: no keys leave the process */
	CHECK_EQ(msg.sa.has, PFK_SA_HAS_SA | PFK_SA_HAS_SRC | PFK_SA_HAS_DST);
	CHECK_EQ(msg.sa.spi, 0x12345678);
	CHECK_EQ(msg.sa.auth_alg, 0);
	CHECK_EQ(len, 16 + 16 + 24 + 24);

	b = newbuf();
	len = pfk_build_get(&b, &sa, 22, 23);
	REQUIRE(roundtrip(len, SADB_GET, 22, 23) == 0);
	CHECK_EQ(msg.sa.has, PFK_SA_HAS_SA | PFK_SA_HAS_SRC | PFK_SA_HAS_DST);
	CHECK(addr_eq(&msg.sa.src, &sa.src));
	sa.has &= ~PFK_SA_HAS_SA;
	CHECK_EQ(pfk_build_get(&b, &sa, 1, 1), -EINVAL);
}

TEST(lib_build_header_only_roundtrip)
{
	struct pfk_buf b = newbuf();
	const struct sadb_msg *m = (const void *)bufu;
	int len;

	len = pfk_build_acquire_error(&b, PFK_SATYPE_ESP, 77, ENOENT, 9);
	REQUIRE(roundtrip(len, SADB_ACQUIRE, 77, 9) == 0);
	CHECK_EQ(len, 16);
	CHECK_EQ(msg.errno_, ENOENT);
	CHECK_EQ(msg.kind, PFK_MSG_ACQUIRE);
	CHECK_EQ(pfk_build_acquire_error(&b, PFK_SATYPE_ESP, 0, ENOENT, 9), -EINVAL);
	CHECK_EQ(pfk_build_acquire_error(&b, PFK_SATYPE_ESP, 5, 0, 9), -EINVAL);

	len = pfk_build_register(&b, PFK_SATYPE_AH, 1, 2);
	REQUIRE(roundtrip(len, SADB_REGISTER, 1, 2) == 0);
	CHECK_EQ(m->sadb_msg_satype, SADB_SATYPE_AH);
	CHECK_EQ(msg.kind, PFK_MSG_REGISTER);

	len = pfk_build_flush(&b, PFK_SATYPE_UNSPEC, 3, 2);
	REQUIRE(roundtrip(len, SADB_FLUSH, 3, 2) == 0);
	CHECK_EQ(m->sadb_msg_satype, SADB_SATYPE_UNSPEC);
	CHECK_EQ(msg.satype, PFK_SATYPE_UNSPEC);

	len = pfk_build_dump(&b, PFK_SATYPE_IPCOMP, 4, 2);
	REQUIRE(roundtrip(len, SADB_DUMP, 4, 2) == 0);
	CHECK_EQ(m->sadb_msg_satype, SADB_X_SATYPE_IPCOMP);
	CHECK_EQ(msg.satype, PFK_SATYPE_IPCOMP);

	len = pfk_build_promisc(&b, true, 5, 2);
	REQUIRE(roundtrip(len, SADB_X_PROMISC, 5, 2) == 0);
	CHECK_EQ(m->sadb_msg_satype, 1);
	len = pfk_build_promisc(&b, false, 5, 2);
	REQUIRE(roundtrip(len, SADB_X_PROMISC, 5, 2) == 0);
	CHECK_EQ(m->sadb_msg_satype, 0);
	CHECK_EQ(msg.kind, PFK_MSG_OTHER);

	len = pfk_build_spddump(&b, 6, 2);
	REQUIRE(roundtrip(len, SADB_X_SPDDUMP, 6, 2) == 0);
	CHECK_EQ(msg.kind, PFK_MSG_POLICY);
	len = pfk_build_spdflush(&b, 7, 2);
	REQUIRE(roundtrip(len, SADB_X_SPDFLUSH, 7, 2) == 0);

	/* too small a buffer */
	b.cap = 8;
	CHECK_EQ(pfk_build_flush(&b, PFK_SATYPE_ESP, 1, 1), -EMSGSIZE);
}

static struct pfk_policy tunnel_policy(int fam)
{
	struct pfk_policy p = { 0 };

	p.has = PFK_POL_HAS_POLICY | PFK_POL_HAS_SRC | PFK_POL_HAS_DST;
	p.dir = PFK_DIR_OUT;
	p.action = PFK_ACTION_IPSEC;
	p.priority = PFK_PRIO_DEFAULT - 5;
	if (fam == AF_INET) {
		p.src = a4("10.0.1.0", 24, 0);
		p.dst = a4("10.0.2.0", 24, 80);
	} else {
		p.src = a6("2001:db8:1::", 48, 0);
		p.dst = a6("2001:db8:2::", 48, 0);
	}
	p.src.proto = IPPROTO_TCP;
	p.nreq = 2;
	p.req[0].proto = PFK_IPPROTO_ESP;
	p.req[0].mode = PFK_MODE_TUNNEL;
	p.req[0].level = PFK_LEVEL_UNIQUE;
	p.req[0].reqid = 5;
	if (fam == AF_INET) {
		p.req[0].src = a4("192.0.2.1", 0, 4500);
		p.req[0].dst = a4("192.0.2.2", 0, 4500);
	} else {
		p.req[0].src = a6("2001:db8::1", 0, 0);
		p.req[0].dst = a6("2001:db8::2", 0, 0);
	}
	p.req[1].proto = PFK_IPPROTO_AH;
	p.req[1].mode = PFK_MODE_TRANSPORT;
	p.req[1].level = PFK_LEVEL_USE;
	return p;
}

static void check_policy_eq(const struct pfk_policy *w, const struct pfk_policy *g)
{
	unsigned int i;

	CHECK_EQ(g->dir, w->dir);
	CHECK_EQ(g->action, w->action);
	CHECK_EQ(g->priority, w->priority);
	CHECK(addr_eq(&g->src, &w->src));
	CHECK(addr_eq(&g->dst, &w->dst));
	CHECK_EQ(g->src.prefixlen, w->src.prefixlen);
	CHECK_EQ(g->dst.prefixlen, w->dst.prefixlen);
	CHECK_EQ(g->src.proto, w->src.proto);
	CHECK_EQ(g->dst.proto, w->src.proto);	/* upper copied to both */
	REQUIRE_EQ(g->nreq, w->nreq);
	for (i = 0; i < w->nreq; i++) {
		CHECK_EQ(g->req[i].proto, w->req[i].proto);
		CHECK_EQ(g->req[i].mode, w->req[i].mode);
		CHECK_EQ(g->req[i].level, w->req[i].level);
		CHECK_EQ(g->req[i].reqid, w->req[i].reqid);
		CHECK_EQ(g->req[i].src.family, w->req[i].src.family);
		if (w->req[i].src.family) {
			CHECK(addr_eq(&g->req[i].src, &w->req[i].src));
			CHECK(addr_eq(&g->req[i].dst, &w->req[i].dst));
		}
	}
}

TEST(lib_build_spdadd_roundtrip)
{
	struct pfk_policy p = tunnel_policy(AF_INET);
	struct pfk_buf b = newbuf();
	const uint8_t *raw = (const uint8_t *)bufu;
	const struct sadb_x_policy *x;
	const struct sadb_x_ipsecrequest *rq;
	int len;

	len = pfk_build_spdadd(&b, &p, 30, 31);
	REQUIRE(roundtrip(len, SADB_X_SPDADD, 30, 31) == 0);
	CHECK_EQ(msg.kind, PFK_MSG_POLICY);
	check_policy_eq(&p, &msg.pol);
	/* hdr 16, SRC 24, DST 24, POLICY 16 + (16+32) + 16 */
	CHECK_EQ(len, 16 + 24 + 24 + 16 + 48 + 16);
	x = (const void *)(raw + 64);
	CHECK_EQ(x->sadb_x_policy_exttype, SADB_X_EXT_POLICY);
	CHECK_EQ(x->sadb_x_policy_len, (16 + 48 + 16) / 8);
	rq = (const void *)(x + 1);
	CHECK_EQ(rq->sadb_x_ipsecrequest_len, 48);	/* bytes, not units */
	CHECK_EQ(rq->sadb_x_ipsecrequest_proto, IPPROTO_ESP);
	CHECK_EQ(rq->sadb_x_ipsecrequest_mode, IPSEC_MODE_TUNNEL);
	CHECK_EQ(rq->sadb_x_ipsecrequest_level, IPSEC_LEVEL_UNIQUE);
	rq = (const void *)((const uint8_t *)rq + 48);
	CHECK_EQ(rq->sadb_x_ipsecrequest_len, 16);
	CHECK_EQ(rq->sadb_x_ipsecrequest_proto, IPPROTO_AH);

	b = newbuf();
	p = tunnel_policy(AF_INET6);
	p.has |= PFK_POL_HAS_HARD | PFK_POL_HAS_SECCTX;
	p.hard.addtime = 100;
	p.hard.usetime = 50;
	p.ctx.len = 3;
	memcpy(p.ctx.str, "abc", 3);
	len = pfk_build_spdupdate(&b, &p, 32, 33);
	REQUIRE(roundtrip(len, SADB_X_SPDUPDATE, 32, 33) == 0);
	check_policy_eq(&p, &msg.pol);
	CHECK(msg.pol.has & PFK_POL_HAS_HARD);
	CHECK(msg.pol.has & PFK_POL_HAS_SOFT);
	CHECK_EQ(msg.pol.hard.addtime, 100);
	CHECK_EQ(msg.pol.hard.usetime, 50);
	CHECK(msg.pol.has & PFK_POL_HAS_SECCTX);
	CHECK_STR(msg.pol.ctx.str, "abc");
	x = (const void *)(raw + 16 + 40 + 40 + 32 + 32);
	REQUIRE_EQ(x->sadb_x_policy_exttype, SADB_X_EXT_POLICY);
	rq = (const void *)(x + 1);
	CHECK_EQ(rq->sadb_x_ipsecrequest_len, 16 + 56);	/* 2 x 28, aligned */

	/* any-address selector stays /0; upper proto 0 means any (255) */
	b = newbuf();
	p = tunnel_policy(AF_INET);
	p.src = a4("0.0.0.0", 0, 0);
	p.dst = a4("0.0.0.0", 0, 0);
	p.action = PFK_ACTION_DISCARD;
	len = pfk_build_spdadd(&b, &p, 1, 1);
	REQUIRE(roundtrip(len, SADB_X_SPDADD, 1, 1) == 0);
	CHECK_EQ(msg.pol.src.prefixlen, 0);
	CHECK_EQ(msg.pol.src.proto, 255);
	CHECK_EQ(msg.pol.action, PFK_ACTION_DISCARD);
	CHECK_EQ(msg.pol.nreq, 0);

	/* tunnel endpoints of two families are refused */
	b = newbuf();
	p = tunnel_policy(AF_INET);
	p.req[0].dst = a6("2001:db8::2", 0, 0);
	CHECK_EQ(pfk_build_spdadd(&b, &p, 1, 1), -EINVAL);
	p = tunnel_policy(AF_INET);
	p.nreq = PFK_MAX_REQ + 1;
	CHECK_EQ(pfk_build_spdadd(&b, &p, 1, 1), -ELOOP);
}

TEST(lib_build_spddelete_roundtrip)
{
	struct pfk_policy p = tunnel_policy(AF_INET);
	struct pfk_buf b = newbuf();
	int len;

	len = pfk_build_spddelete(&b, &p, 40, 41);
	REQUIRE(roundtrip(len, SADB_X_SPDDELETE, 40, 41) == 0);
	CHECK_EQ(msg.pol.dir, PFK_DIR_OUT);
	CHECK_EQ(msg.pol.nreq, 0);	/* selector + dir only */
	CHECK(addr_eq(&msg.pol.dst, &p.dst));
	CHECK_EQ(msg.pol.dst.port, 80);

	len = pfk_build_spddelete2(&b, 0x109, 42, 43);
	REQUIRE(roundtrip(len, SADB_X_SPDDELETE2, 42, 43) == 0);
	CHECK_EQ(msg.pol.id, 0x109);
	CHECK_EQ(msg.pol.dir, PFK_DIR_OUT);	/* 0x109 & 7 = 1: out */
	CHECK_EQ(len, 32);

	len = pfk_build_spdget(&b, 0x10a, 44, 45);
	REQUIRE(roundtrip(len, SADB_X_SPDGET, 44, 45) == 0);
	CHECK_EQ(msg.pol.id, 0x10a);
	CHECK_EQ(msg.pol.dir, PFK_DIR_FWD);
}

TEST(lib_build_migrate_roundtrip)
{
	struct pfk_policy sel = tunnel_policy(AF_INET);
	struct pfk_migrate_req r[2] = { 0 };
	struct pfk_addr kl = a4("192.0.2.1", 0, 0), kr = a4("192.0.2.2", 0, 0);
	struct pfk_buf b = newbuf();
	int len;

	r[0].old = sel.req[0];
	r[0].new_ = sel.req[0];
	r[0].new_.dst = a4("203.0.113.9", 0, 4500);
	r[1].old = r[0].new_;
	r[1].new_ = r[0].old;
	len = pfk_build_migrate(&b, &sel, &kl, &kr, r, 2, 50, 51);
	REQUIRE(roundtrip(len, SADB_X_MIGRATE, 50, 51) == 0);
	CHECK_EQ(msg.kind, PFK_MSG_MIGRATE);
	REQUIRE_EQ(msg.nmigrate, 2);
	CHECK(addr_eq(&msg.migrate[0].new_.dst, &r[0].new_.dst));
	CHECK(addr_eq(&msg.migrate[0].old.dst, &r[0].old.dst));
	CHECK(addr_eq(&msg.migrate[1].new_.src, &r[1].new_.src));
	CHECK_EQ(msg.migrate[1].old.reqid, 5);
	CHECK_EQ(msg.pol.nreq, 0);
	CHECK(addr_eq(&msg.km_local, &kl));
	CHECK(addr_eq(&msg.km_remote, &kr));
	CHECK(addr_eq(&msg.pol.src, &sel.src));
	CHECK_EQ(msg.pol.dir, PFK_DIR_OUT);

	/* without KMADDRESS */
	len = pfk_build_migrate(&b, &sel, NULL, NULL, r, 1, 52, 51);
	REQUIRE(roundtrip(len, SADB_X_MIGRATE, 52, 51) == 0);
	CHECK_EQ(msg.nmigrate, 1);
	CHECK_EQ(msg.km_local.family, 0);
	CHECK_EQ(pfk_build_migrate(&b, &sel, NULL, NULL, r, 0, 52, 51), -EINVAL);
}

/* Kernel-to-user types without a builder: EXPIRE, NAT_T_NEW_MAPPING,
 * REGISTER replies, ACQUIRE with a proposal, policy replies with refcnt. */
TEST(lib_parse_kernel_messages)
{
	struct pfk_sa sa = full_sa();
	struct pfk_buf b = newbuf();
	struct sadb_msg *m = (void *)(uint8_t *)bufu;
	uint8_t *raw = (uint8_t *)bufu;
	int len;

	len = pfk_build_add(&b, &sa, 0, 0);
	REQUIRE(len > 0);
	m->sadb_msg_type = SADB_EXPIRE;
	REQUIRE_EQ(pfk_parse(bufu, (size_t)len, &msg), 0);
	CHECK_EQ(msg.type, PFK_T_EXPIRE);
	CHECK_EQ(msg.kind, PFK_MSG_SA);
	check_sa_eq(&sa, &msg.sa);
	m->sadb_msg_type = SADB_X_NAT_T_NEW_MAPPING;
	REQUIRE_EQ(pfk_parse(bufu, (size_t)len, &msg), 0);
	CHECK_EQ(msg.type, PFK_T_NAT_T_NEW_MAPPING);
	CHECK_EQ(msg.sa.natt_sport, 4500);
	pfk_msg_wipe(&msg);

	/* REGISTER reply: SUPPORTED_AUTH with 2 algs, SUPPORTED_ENCRYPT with 1 */
	b = newbuf();
	len = pfk_build_register(&b, PFK_SATYPE_ESP, 1, 1);
	{
		struct sadb_supported *s = (void *)(raw + len);
		struct sadb_alg *a = (void *)(s + 1);

		memset(s, 0, 24 + 16);
		s->sadb_supported_len = 3;
		s->sadb_supported_exttype = SADB_EXT_SUPPORTED_AUTH;
		a[0].sadb_alg_id = SADB_AALG_SHA1HMAC;
		a[0].sadb_alg_minbits = a[0].sadb_alg_maxbits = 160;
		a[1].sadb_alg_id = SADB_X_AALG_SHA2_256HMAC;
		a[1].sadb_alg_minbits = a[1].sadb_alg_maxbits = 256;
		s = (void *)(raw + len + 24);
		a = (void *)(s + 1);
		s->sadb_supported_len = 2;
		s->sadb_supported_exttype = SADB_EXT_SUPPORTED_ENCRYPT;
		a[0].sadb_alg_id = SADB_X_EALG_AESCBC;
		a[0].sadb_alg_ivlen = 8;
		a[0].sadb_alg_minbits = 128;
		a[0].sadb_alg_maxbits = 256;
		len += 40;
		m->sadb_msg_len = (uint16_t)(len / 8);
	}
	REQUIRE_EQ(pfk_parse(bufu, (size_t)len, &msg), 0);
	CHECK_EQ(msg.kind, PFK_MSG_REGISTER);
	REQUIRE_EQ(msg.nauth, 2);
	REQUIRE_EQ(msg.nenc, 1);
	CHECK_EQ(msg.auth[1].id, SADB_X_AALG_SHA2_256HMAC);
	CHECK_EQ(msg.auth[0].maxbits, 160);
	CHECK_EQ(msg.enc[0].ivlen, 8);
	CHECK_EQ(msg.enc[0].maxbits, 256);

	/* ACQUIRE: SRC, DST, POLICY, PROPOSAL with one comb */
	{
		struct pfk_policy p = tunnel_policy(AF_INET);
		struct sadb_prop *pr;
		struct sadb_comb *c;

		b = newbuf();
		p.nreq = 1;
		len = pfk_build_spdadd(&b, &p, 99, 0);
		REQUIRE(len > 0);
		m->sadb_msg_type = SADB_ACQUIRE;
		m->sadb_msg_satype = SADB_SATYPE_ESP;
		pr = (void *)(raw + len);
		memset(pr, 0, 8 + 72);
		pr->sadb_prop_len = (8 + 72) / 8;
		pr->sadb_prop_exttype = SADB_EXT_PROPOSAL;
		pr->sadb_prop_replay = 32;
		c = (void *)(pr + 1);
		c->sadb_comb_auth = SADB_X_AALG_SHA2_256HMAC;
		c->sadb_comb_encrypt = SADB_X_EALG_AESCBC;
		c->sadb_comb_encrypt_maxbits = 256;
		c->sadb_comb_hard_addtime = 86400;
		len += 80;
		m->sadb_msg_len = (uint16_t)(len / 8);
		REQUIRE_EQ(pfk_parse(bufu, (size_t)len, &msg), 0);
		CHECK_EQ(msg.kind, PFK_MSG_ACQUIRE);
		CHECK_EQ(msg.seq, 99);
		CHECK_EQ(msg.prop_replay, 32);
		REQUIRE_EQ(msg.ncomb, 1);
		CHECK_EQ(msg.comb[0].encrypt, SADB_X_EALG_AESCBC);
		CHECK_EQ(msg.comb[0].encrypt_maxbits, 256);
		CHECK_EQ(msg.comb[0].hard_addtime, 86400);
		CHECK(msg.sa.has & PFK_SA_HAS_SRC);
		CHECK_EQ(msg.pol.nreq, 1);
		CHECK_EQ(msg.pol.dir, PFK_DIR_OUT);
	}

	/* SPDDUMP reply: refcnt in sadb_msg_reserved; request walker refuses it */
	{
		struct pfk_policy p = tunnel_policy(AF_INET);
		struct pfkm_exts e;

		b = newbuf();
		len = pfk_build_spdadd(&b, &p, 0, 0);
		m->sadb_msg_type = SADB_X_SPDDUMP;
		m->sadb_msg_reserved = 3;
		CHECK_EQ(pfkm_walker_request(bufu, (size_t)len, &e), -EINVAL);
		REQUIRE_EQ(pfk_parse(bufu, (size_t)len, &msg), 0);
		CHECK_EQ(msg.pol.refcnt, 3);
		CHECK_EQ(msg.reserved, 3);
	}
}

TEST(lib_parse_rejects_malformed)
{
	struct pfk_sa sa = full_sa();
	struct pfk_buf b = newbuf();
	struct sadb_msg *m = (void *)(uint8_t *)bufu;
	int len;

	len = pfk_build_add(&b, &sa, 0, 0);
	REQUIRE(len > 0);
	CHECK_EQ(pfk_parse(bufu, (size_t)len - 8, &msg), -EMSGSIZE);
	CHECK_EQ(pfk_parse(bufu, 8, &msg), -EMSGSIZE);
	m->sadb_msg_version = 1;
	CHECK_EQ(pfk_parse(bufu, (size_t)len, &msg), -EINVAL);
	m->sadb_msg_version = 2;
	m->sadb_msg_type = 0;
	CHECK_EQ(pfk_parse(bufu, (size_t)len, &msg), -EINVAL);
	m->sadb_msg_type = SADB_ADD;
	CHECK_EQ(pfk_parse(bufu, (size_t)len, &msg), 0);
	pfk_msg_wipe(&msg);

	/* a policy whose ipsecrequest claims more than the extension holds */
	{
		struct pfk_policy p = tunnel_policy(AF_INET);
		struct sadb_x_ipsecrequest *rq;

		b = newbuf();
		len = pfk_build_spdadd(&b, &p, 0, 0);
		rq = (void *)((uint8_t *)bufu + 64 + 16);
		rq->sadb_x_ipsecrequest_len = 200;
		CHECK_EQ(pfk_parse(bufu, (size_t)len, &msg), -EINVAL);
		rq->sadb_x_ipsecrequest_len = 8;
		CHECK_EQ(pfk_parse(bufu, (size_t)len, &msg), -EINVAL);
		/* tunnel pair with mismatched families */
		rq->sadb_x_ipsecrequest_len = 48;
		((struct sockaddr *)(void *)(rq + 1))->sa_family = AF_INET6;
		CHECK_EQ(pfk_parse(bufu, (size_t)len, &msg), -EINVAL);
	}
}

TEST(lib_wire_enum_maps)
{
	unsigned int t;

	for (t = 1; t <= SADB_MAX; t++) {
		enum pfk_msgtype mt = pfk_msgtype_from_sadb(t);

		CHECK(mt != PFK_T_UNKNOWN);
		CHECK_EQ(pfk_msgtype_to_sadb(mt), t);
		CHECK(strcmp(pfk_msgtype_name(mt), "unknown") != 0);
	}
	CHECK_EQ(pfk_msgtype_from_sadb(0), PFK_T_UNKNOWN);
	CHECK_EQ(pfk_msgtype_to_sadb(PFK_T_UNKNOWN), -EINVAL);
	CHECK_STR(pfk_msgtype_name(PFK_T_SPDADD), "X_SPDADD");
	CHECK_EQ(pfk_satype_to_sadb(PFK_SATYPE_IPCOMP), SADB_X_SATYPE_IPCOMP);
	CHECK_EQ(pfk_satype_from_sadb(SADB_SATYPE_ESP), PFK_SATYPE_ESP);
	CHECK_EQ(pfk_satype_from_sadb(200), PFK_SATYPE_UNKNOWN);
	CHECK_EQ(pfk_mode_to_wire(PFK_MODE_BEET), IPSEC_MODE_BEET);
	CHECK_EQ(pfk_mode_from_wire(IPSEC_MODE_ANY), PFK_MODE_ANY);
	CHECK_EQ(pfk_dir_to_wire(PFK_DIR_FWD), IPSEC_DIR_FWD);
	CHECK_EQ(pfk_action_to_wire(PFK_ACTION_DISCARD), IPSEC_POLICY_DISCARD);
	CHECK_EQ(pfk_action_from_wire(IPSEC_POLICY_BYPASS), PFK_ACTION_BYPASS);
	CHECK_EQ(pfk_level_to_wire(PFK_LEVEL_UNIQUE), IPSEC_LEVEL_UNIQUE);
	CHECK_EQ(pfk_ipproto_to_wire(PFK_IPPROTO_IPCOMP), IPPROTO_COMP);
	CHECK_EQ(pfk_ipproto_from_wire(IPPROTO_AH), PFK_IPPROTO_AH);
	CHECK_EQ(pfk_state_from_wire(SADB_SASTATE_DYING), PFK_STATE_DYING);
	CHECK_STR(pfk_satype_name(PFK_SATYPE_ESP), "esp");
	CHECK_STR(pfk_mode_name(PFK_MODE_TUNNEL), "tunnel");
	CHECK_STR(pfk_state_name(PFK_STATE_MATURE), "mature");
	CHECK_STR(pfk_dir_name(PFK_DIR_FWD), "fwd");
	CHECK_STR(pfk_action_name(PFK_ACTION_NONE), "none");
	CHECK_STR(pfk_level_name(PFK_LEVEL_REQUIRE), "require");
	CHECK_STR(pfk_ipproto_name(PFK_IPPROTO_AH), "ah");
	CHECK_STR(pfk_ulproto_name(255), "any");
	CHECK_STR(pfk_ulproto_name(58), "ipv6-icmp");
	CHECK(pfk_ulproto_name(253) == NULL);
	CHECK_EQ(pfk_ulproto_from_name("tcp"), 6);
	CHECK_EQ(pfk_ulproto_from_name("icmp6"), 58);
	CHECK_EQ(pfk_ulproto_from_name("nope"), -ENOENT);
}

/* ipsecrequest lengths count bytes: a 49-byte first request leaves the
 * second one (and its sockaddr pair) at an odd address. af_key accepts
 * that; the parser must decode it without unaligned accesses. */
TEST(lib_parse_unaligned_ipsecrequest)
{
	uint8_t *raw = (uint8_t *)bufu;
	struct sadb_msg *m = (void *)raw;
	struct sadb_x_policy *x = (void *)(raw + 64);
	struct sadb_x_ipsecrequest rq = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	size_t off = 64 + 16;

	memset(bufu, 0, 512);
	m->sadb_msg_version = PF_KEY_V2;
	m->sadb_msg_type = SADB_X_SPDADD;
	/* SRC and DST selectors */
	for (int i = 0; i < 2; i++) {
		struct sadb_address *a = (void *)(raw + 16 + 24 * i);

		a->sadb_address_len = 3;
		a->sadb_address_exttype = i ? SADB_EXT_ADDRESS_DST : SADB_EXT_ADDRESS_SRC;
		a->sadb_address_prefixlen = 32;
		sin.sin_addr.s_addr = htonl(0x0a000001 + (uint32_t)i);
		memcpy(a + 1, &sin, sizeof(sin));
	}
	x->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	x->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	x->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	/* request 1: 49 bytes, tunnel 192.0.2.1-192.0.2.2 plus one stray byte */
	rq.sadb_x_ipsecrequest_len = 49;
	rq.sadb_x_ipsecrequest_proto = IPPROTO_ESP;
	rq.sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
	rq.sadb_x_ipsecrequest_level = IPSEC_LEVEL_REQUIRE;
	memcpy(raw + off, &rq, 16);
	sin.sin_addr.s_addr = htonl(0xc0000201);
	memcpy(raw + off + 16, &sin, 16);
	sin.sin_addr.s_addr = htonl(0xc0000202);
	memcpy(raw + off + 32, &sin, 16);
	off += 49;
	/* request 2 at an odd offset: tunnel 198.51.100.1-198.51.100.2 */
	rq.sadb_x_ipsecrequest_len = 48;
	rq.sadb_x_ipsecrequest_proto = IPPROTO_AH;
	rq.sadb_x_ipsecrequest_reqid = 7;
	memcpy(raw + off, &rq, 16);
	sin.sin_addr.s_addr = htonl(0xc6336401);
	memcpy(raw + off + 16, &sin, 16);
	sin.sin_addr.s_addr = htonl(0xc6336402);
	memcpy(raw + off + 32, &sin, 16);
	off += 48;
	off = (off + 7) & ~(size_t)7;
	x->sadb_x_policy_len = (uint16_t)((off - 64) / 8);
	m->sadb_msg_len = (uint16_t)(off / 8);
	REQUIRE_EQ(pfk_parse(raw, off, &msg), 0);
	REQUIRE_EQ(msg.pol.nreq, 2);
	CHECK_EQ(msg.pol.req[1].proto, PFK_IPPROTO_AH);
	CHECK_EQ(msg.pol.req[1].reqid, 7);
	CHECK_EQ(msg.pol.req[1].src.a.bytes[3], 1);
	CHECK_EQ(msg.pol.req[1].dst.a.bytes[0], 198);
	CHECK_EQ(msg.pol.req[1].dst.a.bytes[3], 2);
	CHECK_EQ(msg.pol.req[0].dst.a.bytes[3], 2);
}
