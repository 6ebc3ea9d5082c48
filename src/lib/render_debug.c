// SPDX-License-Identifier: BSD-2-Clause
/*
 * render_debug.c: `setkey -x` / `setkey -v` output, the kdebug_sadb layout
 * of ipsec-tools: one "sadb_msg{ ... }" header block, then one block per
 * extension in wire order. The message is first checked by the walker, so
 * the in-order loop below never reads past a length it has not verified.
 * Extensions kdebug_sadb did not know (SEC_CTX, FILTER, types above
 * SADB_EXT_MAX) get a block of the same style instead of aborting the dump.
 */
#include <string.h>
#include <arpa/inet.h>
#include "text.h"
#include "walker.h"

static void sockaddr_block(FILE *f, const struct sockaddr *sa)
{
	size_t salen = pfkm_walker_sockaddr_len(sa->sa_family);

	fprintf(f, "sockaddr{ len=%zu family=%u", salen, sa->sa_family);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		fprintf(f, " port=%u\n", ntohs(in->sin_port));
		pfk_text_hex(f, (const uint8_t *)&in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		fprintf(f, " port=%u\n", ntohs(in6->sin6_port));
		fprintf(f, "  flowinfo=0x%08x, scope_id=0x%08x\n",
			in6->sin6_flowinfo, in6->sin6_scope_id);
		pfk_text_hex(f, (const uint8_t *)&in6->sin6_addr, 16);
	}
	fputs("  }\n", f);
}

static void ext_sa(FILE *f, const struct sadb_sa *s)
{
	fprintf(f, "sadb_sa{ spi=%u replay=%u state=%u\n", ntohl(s->sadb_sa_spi),
		s->sadb_sa_replay, s->sadb_sa_state);
	fprintf(f, "  auth=%u encrypt=%u flags=0x%08x }\n", s->sadb_sa_auth,
		s->sadb_sa_encrypt, s->sadb_sa_flags);
}

static void ext_lifetime(FILE *f, const struct sadb_lifetime *l)
{
	fprintf(f, "sadb_lifetime{ alloc=%u, bytes=%u\n", l->sadb_lifetime_allocations,
		(uint32_t)l->sadb_lifetime_bytes);
	fprintf(f, "  addtime=%u, usetime=%u }\n", (uint32_t)l->sadb_lifetime_addtime,
		(uint32_t)l->sadb_lifetime_usetime);
}

static void ext_address(FILE *f, const struct sadb_address *a)
{
	const uint8_t *r = (const uint8_t *)a + offsetof(struct sadb_address, sadb_address_reserved);

	fprintf(f, "sadb_address{ proto=%u prefixlen=%u reserved=0x%02x%02x }\n",
		a->sadb_address_proto, a->sadb_address_prefixlen, r[0], r[1]);
	sockaddr_block(f, pfkm_walker_addr(a));
}

static void ext_key(FILE *f, const struct sadb_key *k, unsigned int flags)
{
	fprintf(f, "sadb_key{ bits=%u reserved=%u\n", k->sadb_key_bits, k->sadb_key_reserved);
	fputs("  key=", f);
	if (flags & PFK_R_SHOW_KEYS)
		pfk_text_hex(f, (const uint8_t *)(k + 1), k->sadb_key_bits / 8u);
	else
		fputs(" (hidden)", f);
	fputs(" }\n", f);
}

static void ext_ident(FILE *f, const struct sadb_ident *id)
{
	size_t len = (size_t)id->sadb_ident_len * PFKM_UNIT - sizeof(*id), i;
	const char *p = (const char *)(id + 1);

	fprintf(f, "sadb_ident_%s{",
		id->sadb_ident_exttype == SADB_EXT_IDENTITY_SRC ? "src" : "dst");
	fprintf(f, " type=%d id=%llu", id->sadb_ident_type,
		(unsigned long long)id->sadb_ident_id);
	if (len) {
		fputs("\n  str=\"", f);
		for (i = 0; i < len && p[i]; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c >= 0x20 && c < 0x7f)
				fputc(c, f);
			else
				fprintf(f, "\\%03o", c);
		}
		fputc('"', f);
	}
	fputs(" }\n", f);
}

static void ext_prop(FILE *f, const struct sadb_prop *p)
{
	size_t n = ((size_t)p->sadb_prop_len * PFKM_UNIT - sizeof(*p)) / sizeof(struct sadb_comb);
	const struct sadb_comb *c = (const void *)(p + 1);

	fprintf(f, "sadb_prop{ replay=%u\n", p->sadb_prop_replay);
	for (; n--; c++) {
		fprintf(f, "sadb_comb{ auth=%u encrypt=%u flags=0x%04x reserved=0x%08x\n",
			c->sadb_comb_auth, c->sadb_comb_encrypt, c->sadb_comb_flags,
			c->sadb_comb_reserved);
		fprintf(f, "  auth_minbits=%u auth_maxbits=%u encrypt_minbits=%u encrypt_maxbits=%u\n",
			c->sadb_comb_auth_minbits, c->sadb_comb_auth_maxbits,
			c->sadb_comb_encrypt_minbits, c->sadb_comb_encrypt_maxbits);
		fprintf(f, "  soft_alloc=%u hard_alloc=%u soft_bytes=%llu hard_bytes=%llu\n",
			c->sadb_comb_soft_allocations, c->sadb_comb_hard_allocations,
			(unsigned long long)c->sadb_comb_soft_bytes,
			(unsigned long long)c->sadb_comb_hard_bytes);
		/* kdebug_sadb's labels for the time fields, kept verbatim. */
		fprintf(f, "  soft_alloc=%llu hard_alloc=%llu soft_bytes=%llu hard_bytes=%llu }\n",
			(unsigned long long)c->sadb_comb_soft_addtime,
			(unsigned long long)c->sadb_comb_hard_addtime,
			(unsigned long long)c->sadb_comb_soft_usetime,
			(unsigned long long)c->sadb_comb_hard_usetime);
	}
	fputs("}\n", f);
}

static void ext_supported(FILE *f, const struct sadb_supported *s)
{
	size_t n = ((size_t)s->sadb_supported_len * PFKM_UNIT - sizeof(*s)) / sizeof(struct sadb_alg);
	const struct sadb_alg *a = (const void *)(s + 1);

	fputs("sadb_sup{\n", f);
	for (; n--; a++)
		fprintf(f, "  { id=%d ivlen=%d min=%d max=%d }\n", a->sadb_alg_id,
			a->sadb_alg_ivlen, a->sadb_alg_minbits, a->sadb_alg_maxbits);
	fputs("}\n", f);
}

static void ext_policy(FILE *f, const struct sadb_x_policy *x)
{
	const struct sadb_x_ipsecrequest *rq;
	struct pfkm_req_iter it;
	int ret;

	fprintf(f, "sadb_x_policy{ type=%u dir=%u id=%x priority=%u }\n",
		x->sadb_x_policy_type, x->sadb_x_policy_dir, x->sadb_x_policy_id,
		x->sadb_x_policy_priority);
	if (x->sadb_x_policy_type != IPSEC_POLICY_IPSEC)
		return;
	pfkm_walker_request_begin(&it, x);
	while ((ret = pfkm_walker_request_next(&it, &rq)) > 0) {
		size_t extra = rq->sadb_x_ipsecrequest_len - sizeof(*rq);
		const struct sockaddr *a, *b;
		union {
			struct sockaddr_in6 s6[2];
			uint64_t u[8];
		} pair;

		fprintf(f, " { len=%u proto=%u mode=%u level=%u reqid=%u\n",
			rq->sadb_x_ipsecrequest_len, rq->sadb_x_ipsecrequest_proto,
			rq->sadb_x_ipsecrequest_mode, rq->sadb_x_ipsecrequest_level,
			rq->sadb_x_ipsecrequest_reqid);
		if (extra) {
			/* Requests need not be 8-byte multiples: use an aligned
			 * copy of the pair (at most 2 x 28 bytes matter). */
			if (extra > sizeof(pair))
				extra = sizeof(pair);
			memset(&pair, 0, sizeof(pair));
			memcpy(&pair, rq + 1, extra);
			if (pfkm_walker_sockaddr_pair(&pair, extra, &a, &b) < 0) {
				fputs("kdebug_sadb_x_policy: wrong policy struct.\n", f);
				return;
			}
			sockaddr_block(f, a);
			sockaddr_block(f, b);
		}
		fputs(" }\n", f);
	}
	if (ret < 0)
		fputs("invalid ipsec policy length\n", f);
}

static void ext_sa2(FILE *f, const struct sadb_x_sa2 *s)
{
	fprintf(f, "sadb_x_sa2{ mode=%u reqid=%u\n", s->sadb_x_sa2_mode, s->sadb_x_sa2_reqid);
	fprintf(f, "  reserved1=%u reserved2=%u sequence=%u }\n", s->sadb_x_sa2_reserved1,
		s->sadb_x_sa2_reserved2, s->sadb_x_sa2_sequence);
}

static void ext_kmaddress(FILE *f, const struct sadb_x_kmaddress *k)
{
	const uint8_t *r = (const uint8_t *)k + offsetof(struct sadb_x_kmaddress,
							  sadb_x_kmaddress_reserved);
	const struct sockaddr *a, *b;

	fprintf(f, "sadb_x_kmaddress{ reserved=0x%02x%02x%02x%02x }\n", r[0], r[1], r[2], r[3]);
	if (pfkm_walker_sockaddr_pair(k + 1, (size_t)k->sadb_x_kmaddress_len * PFKM_UNIT -
				      sizeof(*k), &a, &b) < 0) {
		fputs("kdebug_sadb_x_kmaddress: not enough data to read sockaddrs.\n", f);
		return;
	}
	sockaddr_block(f, a);
	sockaddr_block(f, b);
}

static void ext_sec_ctx(FILE *f, const struct sadb_x_sec_ctx *c)
{
	fprintf(f, "sadb_x_sec_ctx{ alg=%u doi=%u len=%u\n  ctx=\"", c->sadb_x_ctx_alg,
		c->sadb_x_ctx_doi, c->sadb_x_ctx_len);
	fwrite(c + 1, 1, strnlen((const char *)(c + 1), c->sadb_x_ctx_len), f);
	fputs("\" }\n", f);
}

static void ext_filter(FILE *f, const struct sadb_x_filter *x)
{
	fprintf(f, "sadb_x_filter{ family=%u splen=%u dplen=%u\n", x->sadb_x_filter_family,
		x->sadb_x_filter_splen, x->sadb_x_filter_dplen);
	fputs("  saddr=", f);
	pfk_text_hex(f, (const uint8_t *)x + offsetof(struct sadb_x_filter, sadb_x_filter_saddr), 16);
	fputs("\n  daddr=", f);
	pfk_text_hex(f, (const uint8_t *)x + offsetof(struct sadb_x_filter, sadb_x_filter_daddr), 16);
	fputs(" }\n", f);
}

static void ext_block(FILE *f, const struct sadb_ext *e, unsigned int flags)
{
	switch (e->sadb_ext_type) {
	case SADB_EXT_SA:
		ext_sa(f, (const void *)e);
		break;
	case SADB_EXT_LIFETIME_CURRENT:
	case SADB_EXT_LIFETIME_HARD:
	case SADB_EXT_LIFETIME_SOFT:
		ext_lifetime(f, (const void *)e);
		break;
	case SADB_EXT_ADDRESS_SRC:
	case SADB_EXT_ADDRESS_DST:
	case SADB_EXT_ADDRESS_PROXY:
	case SADB_X_EXT_NAT_T_OA:
		ext_address(f, (const void *)e);
		break;
	case SADB_EXT_KEY_AUTH:
	case SADB_EXT_KEY_ENCRYPT:
		ext_key(f, (const void *)e, flags);
		break;
	case SADB_EXT_IDENTITY_SRC:
	case SADB_EXT_IDENTITY_DST:
		ext_ident(f, (const void *)e);
		break;
	case SADB_EXT_PROPOSAL:
		ext_prop(f, (const void *)e);
		break;
	case SADB_EXT_SUPPORTED_AUTH:
	case SADB_EXT_SUPPORTED_ENCRYPT:
		ext_supported(f, (const void *)e);
		break;
	case SADB_EXT_SENSITIVITY:
	case SADB_X_EXT_KMPRIVATE:
		break;
	case SADB_EXT_SPIRANGE: {
		const struct sadb_spirange *r = (const void *)e;

		fprintf(f, "sadb_spirange{ min=%u max=%u }\n", r->sadb_spirange_min,
			r->sadb_spirange_max);
		break;
	}
	case SADB_X_EXT_POLICY:
		ext_policy(f, (const void *)e);
		break;
	case SADB_X_EXT_SA2:
		ext_sa2(f, (const void *)e);
		break;
	case SADB_X_EXT_NAT_T_TYPE:
		fprintf(f, "sadb_x_nat_t_type{ type=%u }\n",
			((const struct sadb_x_nat_t_type *)(const void *)e)->sadb_x_nat_t_type_type);
		break;
	case SADB_X_EXT_NAT_T_SPORT:
	case SADB_X_EXT_NAT_T_DPORT:
		fprintf(f, "sadb_x_nat_t_port{ port=%u }\n",
			ntohs(((const struct sadb_x_nat_t_port *)(const void *)e)->sadb_x_nat_t_port_port));
		break;
	case SADB_X_EXT_SEC_CTX:
		ext_sec_ctx(f, (const void *)e);
		break;
	case SADB_X_EXT_KMADDRESS:
		ext_kmaddress(f, (const void *)e);
		break;
	case SADB_X_EXT_FILTER:
		ext_filter(f, (const void *)e);
		break;
	default:
		fprintf(f, "sadb_ext{ unknown type=%u skipped }\n", e->sadb_ext_type);
		break;
	}
}

void pfk_render_debug(FILE *f, const void *buf, size_t len, unsigned int flags)
{
	const struct sadb_msg *m = buf;
	const uint8_t *p;
	struct pfkm_exts ex;
	size_t left;
	int ret;

	if (len < sizeof(*m)) {
		fprintf(f, "kdebug_sadb: short message (%zu bytes)\n", len);
		return;
	}
	fprintf(f, "sadb_msg{ version=%u type=%u errno=%u satype=%u\n", m->sadb_msg_version,
		m->sadb_msg_type, m->sadb_msg_errno, m->sadb_msg_satype);
	fprintf(f, "  len=%u reserved=%u seq=%u pid=%u\n", m->sadb_msg_len,
		m->sadb_msg_reserved, m->sadb_msg_seq, m->sadb_msg_pid);
	ret = pfkm_walker_reply(buf, len, &ex);
	if (ret) {
		fprintf(f, "kdebug_sadb: malformed message: %s\n", strerror(-ret));
		return;
	}
	p = (const uint8_t *)buf + sizeof(*m);
	left = len - sizeof(*m);
	while (left >= sizeof(struct sadb_ext)) {
		const struct sadb_ext *e = (const void *)p;
		size_t elen = (size_t)e->sadb_ext_len * PFKM_UNIT;

		fprintf(f, "sadb_ext{ len=%u type=%u }\n", e->sadb_ext_len, e->sadb_ext_type);
		ext_block(f, e, flags);
		p += elen;
		left -= elen;
	}
}
