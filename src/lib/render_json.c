// SPDX-License-Identifier: BSD-2-Clause
/*
 * render_json.c: one JSON object per parsed message, on one line, for
 * scripts (keysh --json, keytui export). Field names are a stable interface,
 * documented in man/keysh-json.5: fields may be added, never renamed. Parts
 * of the model that the message did not carry (HAS_* clear) are omitted.
 */
#include <string.h>
#include "text.h"

/* Members go to a pfk_ob (one fwrite per object, no printf per field:
 * `--json -D` of 100k SAs and the monitor render many of these). */
struct out {
	struct pfk_ob ob;
	bool first;	/* no comma before the next member */
};

/* A JSON string literal with escapes. */
static void json_str(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	pfk_ob_chr(&o->ob, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			pfk_ob_chr(&o->ob, '\\');
			pfk_ob_chr(&o->ob, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			pfk_ob_mem(&o->ob, "\\u00", 4);
			pfk_ob_chr(&o->ob, hex[c >> 4]);
			pfk_ob_chr(&o->ob, hex[c & 15]);
		} else {
			pfk_ob_chr(&o->ob, (char)c);
		}
	}
	pfk_ob_chr(&o->ob, '"');
}

static void key(struct out *o, const char *k)
{
	if (!o->first)
		pfk_ob_chr(&o->ob, ',');
	o->first = false;
	pfk_ob_chr(&o->ob, '"');
	pfk_ob_str(&o->ob, k);
	pfk_ob_mem(&o->ob, "\":", 2);
}

static void open_obj(struct out *o, const char *k)
{
	if (k)
		key(o, k);
	else if (!o->first)
		pfk_ob_chr(&o->ob, ',');	/* next array element */
	pfk_ob_chr(&o->ob, '{');
	o->first = true;
}

static void close_obj(struct out *o)
{
	pfk_ob_chr(&o->ob, '}');
	o->first = false;
}

static void open_arr(struct out *o, const char *k)
{
	key(o, k);
	pfk_ob_chr(&o->ob, '[');
	o->first = true;
}

static void close_arr(struct out *o)
{
	pfk_ob_chr(&o->ob, ']');
	o->first = false;
}

static void u64(struct out *o, const char *k, uint64_t v)
{
	key(o, k);
	pfk_ob_u64(&o->ob, v);
}

static void str(struct out *o, const char *k, const char *v)
{
	key(o, k);
	json_str(o, v, strlen(v));
}

static void boolean(struct out *o, const char *k, bool v)
{
	key(o, k);
	pfk_ob_str(&o->ob, v ? "true" : "false");
}

static void addr(struct out *o, const char *k, const struct pfk_addr *a)
{
	char host[64];

	open_obj(o, k);
	str(o, "family", a->family == AF_INET ? "inet" : a->family == AF_INET6 ? "inet6" : "unknown");
	if (pfk_addr_format(host, sizeof(host), a, 0) >= 0)
		str(o, "addr", host);
	u64(o, "prefixlen", a->prefixlen);
	u64(o, "port", a->port);
	u64(o, "proto", a->proto);
	close_obj(o);
}

static void keyobj(struct out *o, const char *k, const struct pfk_key *kk, unsigned int flags)
{
	size_t n = ((size_t)kk->bits + 7) / 8, i;

	open_obj(o, k);
	u64(o, "bits", kk->bits);
	if (flags & PFK_R_SHOW_KEYS) {
		static const char hex[] = "0123456789abcdef";

		key(o, "hex");
		pfk_ob_chr(&o->ob, '"');
		for (i = 0; i < n && i < PFK_KEY_MAX; i++) {
			pfk_ob_chr(&o->ob, hex[kk->data[i] >> 4]);
			pfk_ob_chr(&o->ob, hex[kk->data[i] & 15]);
		}
		pfk_ob_chr(&o->ob, '"');
	} else {
		boolean(o, "hidden", true);
	}
	close_obj(o);
}

static void lifetime(struct out *o, const char *k, const struct pfk_lifetime *l)
{
	open_obj(o, k);
	u64(o, "allocations", l->allocations);
	u64(o, "bytes", l->bytes);
	u64(o, "addtime", l->addtime);
	u64(o, "usetime", l->usetime);
	close_obj(o);
}

static void secctx(struct out *o, const struct pfk_secctx *c)
{
	open_obj(o, "sec_ctx");
	u64(o, "doi", c->doi);
	u64(o, "alg", c->alg);
	u64(o, "len", c->len);
	key(o, "str");
	json_str(o, c->str, strnlen(c->str, c->len));
	close_obj(o);
}

static void alg(struct out *o, const char *k, enum pfkm_alg_kind kind, unsigned int id)
{
	const struct pfkm_alg *a = pfkm_alg_by_id(kind, id);

	u64(o, k, id);
	if (a) {
		/* "K_name" without building the member name first */
		pfk_ob_mem(&o->ob, ",\"", 2);
		pfk_ob_str(&o->ob, k);
		pfk_ob_mem(&o->ob, "_name\":", 7);
		json_str(o, a->name, strlen(a->name));
	}
}

static void sa_obj(struct out *o, const struct pfk_msg *m, unsigned int flags)
{
	const struct pfk_sa *sa = &m->sa;

	open_obj(o, "sa");
	if (sa->has & PFK_SA_HAS_SA) {
		u64(o, "spi", sa->spi);
		key(o, "spi_hex");
		pfk_ob_mem(&o->ob, "\"0x", 3);
		pfk_ob_hex32(&o->ob, sa->spi);
		pfk_ob_chr(&o->ob, '"');
		u64(o, "replay", sa->replay);
		str(o, "state", pfk_state_name(sa->state));
		alg(o, "auth", PFKM_ALG_AUTH, sa->auth_alg);
		alg(o, "enc", m->satype == PFK_SATYPE_IPCOMP ? PFKM_ALG_COMP : PFKM_ALG_ENC,
		    sa->enc_alg);
		u64(o, "flags", sa->flags);
	}
	if (sa->has & PFK_SA_HAS_SA2) {
		str(o, "mode", pfk_mode_name(sa->mode));
		u64(o, "reqid", sa->reqid);
		u64(o, "sa2_seq", sa->sa2_seq);
	}
	if (sa->has & PFK_SA_HAS_SRC)
		addr(o, "src", &sa->src);
	if (sa->has & PFK_SA_HAS_DST)
		addr(o, "dst", &sa->dst);
	if (sa->has & PFK_SA_HAS_PROXY)
		addr(o, "proxy", &sa->proxy);
	if (sa->has & PFK_SA_HAS_AUTH_KEY)
		keyobj(o, "auth_key", &sa->auth_key, flags);
	if (sa->has & PFK_SA_HAS_ENC_KEY)
		keyobj(o, "enc_key", &sa->enc_key, flags);
	if (sa->has & PFK_SA_HAS_CUR)
		lifetime(o, "lifetime_current", &sa->cur);
	if (sa->has & PFK_SA_HAS_HARD)
		lifetime(o, "lifetime_hard", &sa->hard);
	if (sa->has & PFK_SA_HAS_SOFT)
		lifetime(o, "lifetime_soft", &sa->soft);
	if (sa->has & PFK_SA_HAS_NATT) {
		open_obj(o, "natt");
		u64(o, "type", sa->natt_type);
		u64(o, "sport", sa->natt_sport);
		u64(o, "dport", sa->natt_dport);
		close_obj(o);
	}
	if (sa->has & PFK_SA_HAS_NATT_OA)
		addr(o, "natt_oa", &sa->natt_oa);
	if (sa->has & PFK_SA_HAS_SECCTX)
		secctx(o, &sa->ctx);
	if (sa->has & PFK_SA_HAS_SPIRANGE) {
		open_obj(o, "spirange");
		u64(o, "min", sa->spi_min);
		u64(o, "max", sa->spi_max);
		close_obj(o);
	}
	close_obj(o);
}

static void req_obj(struct out *o, const char *k, const struct pfk_ipsecreq *r)
{
	open_obj(o, k);
	str(o, "proto", pfk_ipproto_name(r->proto));
	str(o, "mode", pfk_mode_name(r->mode));
	str(o, "level", pfk_level_name(r->level));
	u64(o, "reqid", r->reqid);
	if (r->src.family) {
		addr(o, "src", &r->src);
		addr(o, "dst", &r->dst);
	}
	close_obj(o);
}

static void policy_obj(struct out *o, const struct pfk_msg *m)
{
	const struct pfk_policy *p = &m->pol;
	unsigned int i;

	open_obj(o, "policy");
	if (p->has & PFK_POL_HAS_POLICY) {
		str(o, "dir", pfk_dir_name(p->dir));
		str(o, "action", pfk_action_name(p->action));
		u64(o, "id", p->id);
		u64(o, "priority", p->priority);
		boolean(o, "per_socket", p->id % 8 >= 3);
	}
	if (p->has & PFK_POL_HAS_SRC)
		addr(o, "src", &p->src);
	if (p->has & PFK_POL_HAS_DST)
		addr(o, "dst", &p->dst);
	if (p->has & PFK_POL_HAS_SRC) {
		const char *n = pfk_ulproto_name(p->src.proto);

		u64(o, "upper", p->src.proto);
		if (n)
			str(o, "upper_name", n);
	}
	if (m->kind != PFK_MSG_MIGRATE && (p->has & PFK_POL_HAS_POLICY)) {
		open_arr(o, "requests");
		for (i = 0; i < p->nreq; i++)
			req_obj(o, NULL, &p->req[i]);
		close_arr(o);
	}
	if (p->has & PFK_POL_HAS_CUR)
		lifetime(o, "lifetime_current", &p->cur);
	if (p->has & PFK_POL_HAS_HARD)
		lifetime(o, "lifetime_hard", &p->hard);
	if (p->has & PFK_POL_HAS_SOFT)
		lifetime(o, "lifetime_soft", &p->soft);
	if (p->has & PFK_POL_HAS_SECCTX)
		secctx(o, &p->ctx);
	u64(o, "refcnt", p->refcnt);
	close_obj(o);
}

static void supported_arr(struct out *o, const char *k, enum pfkm_alg_kind kind,
			  const struct pfk_supported_alg *a, unsigned int n)
{
	unsigned int i;

	open_arr(o, k);
	for (i = 0; i < n; i++) {
		const struct pfkm_alg *t = pfkm_alg_by_id(kind, a[i].id);

		open_obj(o, NULL);
		u64(o, "id", a[i].id);
		if (t)
			str(o, "name", t->name);
		u64(o, "ivlen", a[i].ivlen);
		u64(o, "minbits", a[i].minbits);
		u64(o, "maxbits", a[i].maxbits);
		close_obj(o);
	}
	close_arr(o);
}

static void proposal_obj(struct out *o, const struct pfk_msg *m)
{
	unsigned int i;

	open_obj(o, "proposal");
	u64(o, "replay", m->prop_replay);
	open_arr(o, "combs");
	for (i = 0; i < m->ncomb; i++) {
		const struct pfk_comb *c = &m->comb[i];

		open_obj(o, NULL);
		alg(o, "auth", PFKM_ALG_AUTH, c->auth);
		alg(o, "enc", PFKM_ALG_ENC, c->encrypt);
		u64(o, "flags", c->flags);
		u64(o, "auth_minbits", c->auth_minbits);
		u64(o, "auth_maxbits", c->auth_maxbits);
		u64(o, "enc_minbits", c->encrypt_minbits);
		u64(o, "enc_maxbits", c->encrypt_maxbits);
		u64(o, "soft_allocations", c->soft_allocations);
		u64(o, "hard_allocations", c->hard_allocations);
		u64(o, "soft_bytes", c->soft_bytes);
		u64(o, "hard_bytes", c->hard_bytes);
		u64(o, "soft_addtime", c->soft_addtime);
		u64(o, "hard_addtime", c->hard_addtime);
		u64(o, "soft_usetime", c->soft_usetime);
		u64(o, "hard_usetime", c->hard_usetime);
		close_obj(o);
	}
	close_arr(o);
	close_obj(o);
}

static const char *kind_name(enum pfk_msgkind k)
{
	switch (k) {
	case PFK_MSG_SA: return "sa";
	case PFK_MSG_POLICY: return "policy";
	case PFK_MSG_REGISTER: return "register";
	case PFK_MSG_ACQUIRE: return "acquire";
	case PFK_MSG_MIGRATE: return "migrate";
	case PFK_MSG_OTHER: return "other";
	default: return "unknown";
	}
}

void pfk_render_json(FILE *f, const struct pfk_msg *m, unsigned int flags)
{
	struct out o = { .first = true };
	unsigned int i;

	pfk_ob_init(&o.ob, f);
	open_obj(&o, NULL);
	str(&o, "type", pfk_msgtype_name(m->type));
	str(&o, "kind", kind_name(m->kind));
	u64(&o, "errno", m->errno_);
	str(&o, "satype", pfk_satype_name(m->satype));
	u64(&o, "seq", m->seq);
	u64(&o, "pid", m->pid);
	u64(&o, "len", m->len);
	u64(&o, "reserved", m->reserved);
	if (m->sa.has && m->kind != PFK_MSG_POLICY && m->kind != PFK_MSG_MIGRATE)
		sa_obj(&o, m, flags);
	if (m->pol.has)
		policy_obj(&o, m);
	if (m->kind == PFK_MSG_REGISTER) {
		open_obj(&o, "supported");
		supported_arr(&o, "auth", PFKM_ALG_AUTH, m->auth, m->nauth);
		supported_arr(&o, "enc", PFKM_ALG_ENC, m->enc, m->nenc);
		close_obj(&o);
	}
	if (m->kind == PFK_MSG_ACQUIRE)
		proposal_obj(&o, m);
	if (m->kind == PFK_MSG_MIGRATE) {
		open_obj(&o, "migrate");
		if (m->km_local.family) {
			addr(&o, "km_local", &m->km_local);
			addr(&o, "km_remote", &m->km_remote);
		}
		open_arr(&o, "requests");
		for (i = 0; i < m->nmigrate; i++) {
			open_obj(&o, NULL);
			req_obj(&o, "old", &m->migrate[i].old);
			req_obj(&o, "new", &m->migrate[i].new_);
			close_obj(&o);
		}
		close_arr(&o);
		close_obj(&o);
	}
	close_obj(&o);
	pfk_ob_flush(&o.ob);
}
