// SPDX-License-Identifier: BSD-2-Clause
/*
 * parse.c: any received PF_KEY message -> struct pfk_msg. All length rules
 * are kmod/core/walker.c's (pfkm_walker_reply, pfkm_walker_request_next,
 * pfkm_walker_sockaddr_pair); this file only decodes extensions the walker
 * has already bounded. It also owns wiping key material held in models.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include "pfk.h"
#include "walker.h"

void pfk_sa_wipe(struct pfk_sa *sa)
{
	explicit_bzero(&sa->auth_key, sizeof(sa->auth_key));
	explicit_bzero(&sa->enc_key, sizeof(sa->enc_key));
}

void pfk_msg_wipe(struct pfk_msg *m)
{
	pfk_sa_wipe(&m->sa);
}

static void sockaddr_to_addr(const struct sockaddr *s, struct pfk_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)s->sa_family;
	if (s->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)s;

		a->port = ntohs(in->sin_port);
		memcpy(a->a.bytes, &in->sin_addr, 4);
		a->prefixlen = 32;
	} else if (s->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)s;

		a->port = ntohs(in6->sin6_port);
		memcpy(a->a.bytes, &in6->sin6_addr, 16);
		a->scope = in6->sin6_scope_id;
		a->prefixlen = 128;
	}
}

void pfk_parse_addr_ext(const struct sadb_address *e, struct pfk_addr *a)
{
	sockaddr_to_addr(pfkm_walker_addr(e), a);
	a->prefixlen = e->sadb_address_prefixlen;
	a->proto = e->sadb_address_proto;
}

static void lifetime_ext(const struct sadb_lifetime *e, struct pfk_lifetime *l)
{
	l->allocations = e->sadb_lifetime_allocations;
	l->bytes = e->sadb_lifetime_bytes;
	l->addtime = e->sadb_lifetime_addtime;
	l->usetime = e->sadb_lifetime_usetime;
}

static int key_ext(const struct sadb_key *e, struct pfk_key *k)
{
	size_t bytes = ((size_t)e->sadb_key_bits + 7) / 8;

	if (bytes > PFK_KEY_MAX)
		return -E2BIG;
	k->bits = e->sadb_key_bits;
	memcpy(k->data, e + 1, bytes);
	return 0;
}

static int secctx_ext(const struct sadb_x_sec_ctx *e, struct pfk_secctx *c)
{
	if (e->sadb_x_ctx_len > PFK_SECCTX_MAX)
		return -E2BIG;
	c->alg = e->sadb_x_ctx_alg;
	c->doi = e->sadb_x_ctx_doi;
	c->len = e->sadb_x_ctx_len;
	memcpy(c->str, e + 1, c->len);
	c->str[c->len] = '\0';
	return 0;
}

/* One ipsecrequest; tunnel endpoints when the record carries a pair. */
static int req_decode(const struct sadb_x_ipsecrequest *rq, struct pfk_ipsecreq *r)
{
	const struct sockaddr *a, *b;
	size_t extra = rq->sadb_x_ipsecrequest_len - sizeof(*rq);
	union {
		struct sockaddr_in6 s6[2];
		uint64_t u[8];
	} pair;
	int fam;

	memset(r, 0, sizeof(*r));
	r->proto = pfk_ipproto_from_wire(rq->sadb_x_ipsecrequest_proto);
	r->mode = pfk_mode_from_wire(rq->sadb_x_ipsecrequest_mode);
	r->level = pfk_level_from_wire(rq->sadb_x_ipsecrequest_level);
	r->reqid = rq->sadb_x_ipsecrequest_reqid;
	if (!extra)
		return 0;
	/*
	 * ipsecrequest lengths count bytes and need not be multiples of 8, so
	 * the pair may sit at any address: decode an aligned copy. A pair
	 * never needs more than 2 x 28 bytes, so the copy keeps the verdict.
	 */
	if (extra > sizeof(pair))
		extra = sizeof(pair);
	memset(&pair, 0, sizeof(pair));
	memcpy(&pair, rq + 1, extra);
	fam = pfkm_walker_sockaddr_pair(&pair, extra, &a, &b);
	if (fam < 0)
		return fam;
	sockaddr_to_addr(a, &r->src);
	sockaddr_to_addr(b, &r->dst);
	return 0;
}

static int policy_ext(const struct sadb_x_policy *x, struct pfk_msg *m)
{
	struct pfk_policy *p = &m->pol;
	const struct sadb_x_ipsecrequest *rq;
	struct pfkm_req_iter it;
	struct pfk_ipsecreq r;
	int ret;

	p->has |= PFK_POL_HAS_POLICY;
	p->action = pfk_action_from_wire(x->sadb_x_policy_type);
	p->dir = pfk_dir_from_wire(x->sadb_x_policy_dir);
	p->id = x->sadb_x_policy_id;
	p->priority = x->sadb_x_policy_priority;
	pfkm_walker_request_begin(&it, x);
	while ((ret = pfkm_walker_request_next(&it, &rq)) > 0) {
		ret = req_decode(rq, &r);
		if (ret)
			return ret;
		if (m->kind == PFK_MSG_MIGRATE) {
			/* Requests come in (old, new) pairs. */
			unsigned int i = m->nmigrate;

			if (i >= PFK_MAX_REQ * 2)
				return -ELOOP;
			if (i % 2 == 0)
				m->migrate[i / 2].old = r;
			else
				m->migrate[i / 2].new_ = r;
			m->nmigrate++;
			continue;
		}
		if (p->nreq >= PFK_MAX_REQ)
			return -ELOOP;
		p->req[p->nreq++] = r;
	}
	if (ret < 0)
		return ret;
	if (m->kind == PFK_MSG_MIGRATE) {
		if (m->nmigrate % 2)
			return -EINVAL;
		m->nmigrate /= 2;
	}
	return 0;
}

static enum pfk_msgkind kind_of(unsigned int type)
{
	switch (type) {
	case SADB_GETSPI: case SADB_UPDATE: case SADB_ADD: case SADB_DELETE:
	case SADB_GET: case SADB_EXPIRE: case SADB_FLUSH: case SADB_DUMP:
	case SADB_X_NAT_T_NEW_MAPPING:
		return PFK_MSG_SA;
	case SADB_X_SPDUPDATE: case SADB_X_SPDADD: case SADB_X_SPDDELETE:
	case SADB_X_SPDGET: case SADB_X_SPDACQUIRE: case SADB_X_SPDDUMP:
	case SADB_X_SPDFLUSH: case SADB_X_SPDSETIDX: case SADB_X_SPDEXPIRE:
	case SADB_X_SPDDELETE2:
		return PFK_MSG_POLICY;
	case SADB_REGISTER:
		return PFK_MSG_REGISTER;
	case SADB_ACQUIRE:
		return PFK_MSG_ACQUIRE;
	case SADB_X_MIGRATE:
		return PFK_MSG_MIGRATE;
	default:
		return PFK_MSG_OTHER;
	}
}

static unsigned int supported_ext(const struct sadb_supported *s, struct pfk_supported_alg *out)
{
	size_t n = ((size_t)s->sadb_supported_len * PFKM_UNIT - sizeof(*s)) / sizeof(struct sadb_alg);
	const struct sadb_alg *a = (const void *)(s + 1);
	size_t i;

	if (n > PFK_MAX_SUPPORTED)
		n = PFK_MAX_SUPPORTED;
	for (i = 0; i < n; i++) {
		out[i].id = a[i].sadb_alg_id;
		out[i].ivlen = a[i].sadb_alg_ivlen;
		out[i].minbits = a[i].sadb_alg_minbits;
		out[i].maxbits = a[i].sadb_alg_maxbits;
	}
	return (unsigned int)n;
}

static void prop_ext(const struct sadb_prop *pr, struct pfk_msg *m)
{
	size_t n = ((size_t)pr->sadb_prop_len * PFKM_UNIT - sizeof(*pr)) / sizeof(struct sadb_comb);
	const struct sadb_comb *c = (const void *)(pr + 1);
	size_t i;

	m->prop_replay = pr->sadb_prop_replay;
	if (n > PFK_MAX_COMBS)
		n = PFK_MAX_COMBS;
	for (i = 0; i < n; i++) {
		struct pfk_comb *o = &m->comb[i];

		o->auth = c[i].sadb_comb_auth;
		o->encrypt = c[i].sadb_comb_encrypt;
		o->flags = c[i].sadb_comb_flags;
		o->auth_minbits = c[i].sadb_comb_auth_minbits;
		o->auth_maxbits = c[i].sadb_comb_auth_maxbits;
		o->encrypt_minbits = c[i].sadb_comb_encrypt_minbits;
		o->encrypt_maxbits = c[i].sadb_comb_encrypt_maxbits;
		o->soft_allocations = c[i].sadb_comb_soft_allocations;
		o->hard_allocations = c[i].sadb_comb_hard_allocations;
		o->soft_bytes = c[i].sadb_comb_soft_bytes;
		o->hard_bytes = c[i].sadb_comb_hard_bytes;
		o->soft_addtime = c[i].sadb_comb_soft_addtime;
		o->hard_addtime = c[i].sadb_comb_hard_addtime;
		o->soft_usetime = c[i].sadb_comb_soft_usetime;
		o->hard_usetime = c[i].sadb_comb_hard_usetime;
	}
	m->ncomb = (unsigned int)n;
}

#define EXT(t, ctype) PFKM_EXT(&e, t, ctype)

int pfk_parse(const void *buf, size_t len, struct pfk_msg *out)
{
	struct pfk_sa *sa = &out->sa;
	struct pfk_policy *pol = &out->pol;
	const struct sadb_msg *h;
	struct pfkm_exts e;
	bool polkind;
	int ret;

	/* Everything up to the REGISTER/ACQUIRE/MIGRATE arrays; those are
	 * only meaningful up to their counts (zeroed here), and clearing 4 KiB
	 * of them per message showed in 100k-entry dumps. */
	memset(out, 0, offsetof(struct pfk_msg, auth));
	out->ncomb = 0;
	out->prop_replay = 0;
	out->nmigrate = 0;
	memset(&out->km_local, 0, sizeof(out->km_local));
	memset(&out->km_remote, 0, sizeof(out->km_remote));
	ret = pfkm_walker_reply(buf, len, &e);
	if (ret)
		return ret;
	h = e.msg;
	out->type = pfk_msgtype_from_sadb(h->sadb_msg_type);
	out->kind = kind_of(h->sadb_msg_type);
	out->errno_ = h->sadb_msg_errno;
	out->satype = pfk_satype_from_sadb(h->sadb_msg_satype);
	out->seq = h->sadb_msg_seq;
	out->pid = h->sadb_msg_pid;
	out->reserved = h->sadb_msg_reserved;
	out->len = len;
	sa->satype = out->satype;
	polkind = out->kind == PFK_MSG_POLICY || out->kind == PFK_MSG_MIGRATE;
	if (polkind)
		pol->refcnt = h->sadb_msg_reserved;

	if (e.ext[SADB_EXT_SA]) {
		const struct sadb_sa *s = EXT(SADB_EXT_SA, struct sadb_sa);

		sa->has |= PFK_SA_HAS_SA;
		sa->spi = ntohl(s->sadb_sa_spi);
		sa->replay = s->sadb_sa_replay;
		sa->state = pfk_state_from_wire(s->sadb_sa_state);
		sa->auth_alg = s->sadb_sa_auth;
		sa->enc_alg = s->sadb_sa_encrypt;
		sa->flags = s->sadb_sa_flags;
	}
	if (e.ext[SADB_X_EXT_SA2]) {
		const struct sadb_x_sa2 *s = EXT(SADB_X_EXT_SA2, struct sadb_x_sa2);

		sa->has |= PFK_SA_HAS_SA2;
		sa->mode = pfk_mode_from_wire(s->sadb_x_sa2_mode);
		sa->reqid = s->sadb_x_sa2_reqid;
		sa->sa2_seq = s->sadb_x_sa2_sequence;
	}
	if (e.ext[SADB_EXT_ADDRESS_SRC]) {
		pfk_parse_addr_ext(EXT(SADB_EXT_ADDRESS_SRC, struct sadb_address), &sa->src);
		sa->has |= PFK_SA_HAS_SRC;
		if (polkind) {
			pol->src = sa->src;
			pol->has |= PFK_POL_HAS_SRC;
		}
	}
	if (e.ext[SADB_EXT_ADDRESS_DST]) {
		pfk_parse_addr_ext(EXT(SADB_EXT_ADDRESS_DST, struct sadb_address), &sa->dst);
		sa->has |= PFK_SA_HAS_DST;
		if (polkind) {
			pol->dst = sa->dst;
			pol->has |= PFK_POL_HAS_DST;
		}
	}
	if (e.ext[SADB_EXT_ADDRESS_PROXY]) {
		pfk_parse_addr_ext(EXT(SADB_EXT_ADDRESS_PROXY, struct sadb_address), &sa->proxy);
		sa->has |= PFK_SA_HAS_PROXY;
	}
	if (e.ext[SADB_EXT_KEY_AUTH]) {
		ret = key_ext(EXT(SADB_EXT_KEY_AUTH, struct sadb_key), &sa->auth_key);
		if (ret)
			goto err_wipe;
		sa->has |= PFK_SA_HAS_AUTH_KEY;
	}
	if (e.ext[SADB_EXT_KEY_ENCRYPT]) {
		ret = key_ext(EXT(SADB_EXT_KEY_ENCRYPT, struct sadb_key), &sa->enc_key);
		if (ret)
			goto err_wipe;
		sa->has |= PFK_SA_HAS_ENC_KEY;
	}
	if (e.ext[SADB_EXT_LIFETIME_CURRENT]) {
		lifetime_ext(EXT(SADB_EXT_LIFETIME_CURRENT, struct sadb_lifetime), &sa->cur);
		sa->has |= PFK_SA_HAS_CUR;
		pol->cur = sa->cur;
		pol->has |= polkind ? PFK_POL_HAS_CUR : 0;
	}
	if (e.ext[SADB_EXT_LIFETIME_HARD]) {
		lifetime_ext(EXT(SADB_EXT_LIFETIME_HARD, struct sadb_lifetime), &sa->hard);
		sa->has |= PFK_SA_HAS_HARD;
		pol->hard = sa->hard;
		pol->has |= polkind ? PFK_POL_HAS_HARD : 0;
	}
	if (e.ext[SADB_EXT_LIFETIME_SOFT]) {
		lifetime_ext(EXT(SADB_EXT_LIFETIME_SOFT, struct sadb_lifetime), &sa->soft);
		sa->has |= PFK_SA_HAS_SOFT;
		pol->soft = sa->soft;
		pol->has |= polkind ? PFK_POL_HAS_SOFT : 0;
	}
	if (e.ext[SADB_X_EXT_NAT_T_TYPE]) {
		const struct sadb_x_nat_t_type *t = EXT(SADB_X_EXT_NAT_T_TYPE, struct sadb_x_nat_t_type);

		sa->has |= PFK_SA_HAS_NATT;
		sa->natt_type = t->sadb_x_nat_t_type_type;
	}
	if (e.ext[SADB_X_EXT_NAT_T_SPORT]) {
		sa->natt_sport = ntohs(EXT(SADB_X_EXT_NAT_T_SPORT,
					   struct sadb_x_nat_t_port)->sadb_x_nat_t_port_port);
		sa->has |= PFK_SA_HAS_NATT;
	}
	if (e.ext[SADB_X_EXT_NAT_T_DPORT]) {
		sa->natt_dport = ntohs(EXT(SADB_X_EXT_NAT_T_DPORT,
					   struct sadb_x_nat_t_port)->sadb_x_nat_t_port_port);
		sa->has |= PFK_SA_HAS_NATT;
	}
	if (e.ext[SADB_X_EXT_NAT_T_OA]) {
		pfk_parse_addr_ext(EXT(SADB_X_EXT_NAT_T_OA, struct sadb_address), &sa->natt_oa);
		sa->has |= PFK_SA_HAS_NATT_OA;
	}
	if (e.ext[SADB_X_EXT_SEC_CTX]) {
		ret = secctx_ext(EXT(SADB_X_EXT_SEC_CTX, struct sadb_x_sec_ctx), &sa->ctx);
		if (ret)
			goto err_wipe;
		sa->has |= PFK_SA_HAS_SECCTX;
		if (polkind || out->kind == PFK_MSG_ACQUIRE) {
			pol->ctx = sa->ctx;
			pol->has |= PFK_POL_HAS_SECCTX;
		}
	}
	if (e.ext[SADB_EXT_SPIRANGE]) {
		const struct sadb_spirange *r = EXT(SADB_EXT_SPIRANGE, struct sadb_spirange);

		sa->has |= PFK_SA_HAS_SPIRANGE;
		sa->spi_min = r->sadb_spirange_min;
		sa->spi_max = r->sadb_spirange_max;
	}
	if (e.ext[SADB_X_EXT_POLICY]) {
		ret = policy_ext(EXT(SADB_X_EXT_POLICY, struct sadb_x_policy), out);
		if (ret)
			goto err_wipe;
	}
	if (e.ext[SADB_EXT_SUPPORTED_AUTH])
		out->nauth = supported_ext(EXT(SADB_EXT_SUPPORTED_AUTH, struct sadb_supported),
					   out->auth);
	if (e.ext[SADB_EXT_SUPPORTED_ENCRYPT])
		out->nenc = supported_ext(EXT(SADB_EXT_SUPPORTED_ENCRYPT, struct sadb_supported),
					  out->enc);
	if (e.ext[SADB_EXT_PROPOSAL])
		prop_ext(EXT(SADB_EXT_PROPOSAL, struct sadb_prop), out);
	if (e.ext[SADB_X_EXT_KMADDRESS]) {
		const struct sadb_x_kmaddress *k = EXT(SADB_X_EXT_KMADDRESS, struct sadb_x_kmaddress);
		const struct sockaddr *a, *b;

		ret = pfkm_walker_sockaddr_pair(k + 1, (size_t)k->sadb_x_kmaddress_len * PFKM_UNIT -
						sizeof(*k), &a, &b);
		if (ret < 0)
			goto err_wipe;
		sockaddr_to_addr(a, &out->km_local);
		sockaddr_to_addr(b, &out->km_remote);
	}
	if (e.ext[SADB_X_EXT_FILTER]) {
		ret = pfkm_walker_filter_check(EXT(SADB_X_EXT_FILTER, struct sadb_x_filter));
		if (ret)
			goto err_wipe;
	}
	return 0;

err_wipe:
	pfk_msg_wipe(out);
	return ret;
}
