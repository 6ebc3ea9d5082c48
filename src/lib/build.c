// SPDX-License-Identifier: BSD-2-Clause
/*
 * build.c: one builder per PF_KEY request type. Each writes a complete
 * message into a caller buffer: header first, then extensions appended with
 * their lengths counted in 8-byte units and every byte (padding, sockaddr
 * tails, reserved fields) zeroed before it is filled. The header length is
 * set last, from the bytes actually written.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "pfk.h"
#include "walker.h"

/* Reserve n bytes (rounded up to a unit) at the end of the message. */
static void *put(struct pfk_buf *b, size_t n)
{
	size_t len = PFKM_ALIGN8(n);
	void *p;

	if (!b->p || b->len > b->cap || b->cap - b->len < len ||
	    b->len + len > PFKM_MSG_MAX)
		return NULL;
	p = b->p + b->len;
	memset(p, 0, len);
	b->len += len;
	return p;
}

static struct sadb_ext *put_ext(struct pfk_buf *b, uint16_t type, size_t n)
{
	struct sadb_ext *e = put(b, n);

	if (!e)
		return NULL;
	e->sadb_ext_len = PFKM_UNITS(n);
	e->sadb_ext_type = type;
	return e;
}

static int hdr(struct pfk_buf *b, uint8_t type, enum pfk_satype t, uint32_t seq, uint32_t pid)
{
	struct sadb_msg *m;
	int satype = t == PFK_SATYPE_UNKNOWN ? SADB_SATYPE_UNSPEC : pfk_satype_to_sadb(t);

	if (satype < 0)
		return satype;
	b->len = 0;
	m = put(b, sizeof(*m));
	if (!m)
		return -EMSGSIZE;
	m->sadb_msg_version = PF_KEY_V2;
	m->sadb_msg_type = type;
	m->sadb_msg_satype = (uint8_t)satype;
	m->sadb_msg_seq = seq;
	m->sadb_msg_pid = pid;
	return 0;
}

static int finish(struct pfk_buf *b)
{
	struct sadb_msg *m = (void *)b->p;

	m->sadb_msg_len = (uint16_t)(b->len / PFKM_UNIT);
	return (int)b->len;
}

static unsigned int full_plen(unsigned int family)
{
	return family == AF_INET6 ? 128 : 32;
}

static bool addr_zero(const struct pfk_addr *a)
{
	size_t n = a->family == AF_INET6 ? 16 : 4, i;

	for (i = 0; i < n; i++)
		if (a->a.bytes[i])
			return false;
	return true;
}

/* Write a sockaddr for a (zeroed memory of the family's size at p). */
static size_t put_sockaddr(void *p, const struct pfk_addr *a)
{
	if (a->family == AF_INET) {
		struct sockaddr_in *s = p;

		s->sin_family = AF_INET;
		s->sin_port = htons(a->port);
		memcpy(&s->sin_addr, a->a.bytes, 4);
		return sizeof(*s);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s = p;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(a->port);
		memcpy(&s->sin6_addr, a->a.bytes, 16);
		s->sin6_scope_id = a->scope;
		return sizeof(*s);
	}
	return 0;
}

static int put_addr(struct pfk_buf *b, uint16_t type, const struct pfk_addr *a, int proto)
{
	size_t salen = pfkm_walker_sockaddr_len(a->family);
	struct sadb_address *e;

	if (!salen)
		return -EINVAL;
	if (a->prefixlen > full_plen(a->family))
		return -EINVAL;
	e = (void *)put_ext(b, type, sizeof(*e) + salen);
	if (!e)
		return -EMSGSIZE;
	if (proto < 0)
		proto = a->proto;
	e->sadb_address_proto = proto ? (uint8_t)proto : IPSEC_ULPROTO_ANY;
	e->sadb_address_prefixlen = a->prefixlen ? a->prefixlen :
		addr_zero(a) ? 0 : (uint8_t)full_plen(a->family);
	put_sockaddr(e + 1, a);
	return 0;
}

static int put_key(struct pfk_buf *b, uint16_t type, const struct pfk_key *k)
{
	size_t bytes = ((size_t)k->bits + 7) / 8;
	struct sadb_key *e;

	if (bytes > PFK_KEY_MAX)
		return -EINVAL;
	e = (void *)put_ext(b, type, sizeof(*e) + bytes);
	if (!e)
		return -EMSGSIZE;
	e->sadb_key_bits = k->bits;
	memcpy(e + 1, k->data, bytes);
	return 0;
}

static int put_lifetime(struct pfk_buf *b, uint16_t type, const struct pfk_lifetime *l)
{
	struct sadb_lifetime *e = (void *)put_ext(b, type, sizeof(*e));

	if (!e)
		return -EMSGSIZE;
	e->sadb_lifetime_allocations = l->allocations;
	e->sadb_lifetime_bytes = l->bytes;
	e->sadb_lifetime_addtime = l->addtime;
	e->sadb_lifetime_usetime = l->usetime;
	return 0;
}

static int put_secctx(struct pfk_buf *b, const struct pfk_secctx *c)
{
	struct sadb_x_sec_ctx *e;

	if (c->len > PFK_SECCTX_MAX)
		return -EINVAL;
	e = (void *)put_ext(b, SADB_X_EXT_SEC_CTX, sizeof(*e) + c->len);
	if (!e)
		return -EMSGSIZE;
	e->sadb_x_ctx_alg = c->alg;
	e->sadb_x_ctx_doi = c->doi;
	e->sadb_x_ctx_len = c->len;
	memcpy(e + 1, c->str, c->len);
	return 0;
}

static int put_sa(struct pfk_buf *b, const struct pfk_sa *sa, bool full)
{
	struct sadb_sa *e = (void *)put_ext(b, SADB_EXT_SA, sizeof(*e));
	int state;

	if (!e)
		return -EMSGSIZE;
	e->sadb_sa_spi = htonl(sa->spi);
	if (!full)
		return 0;
	/* KAME setkey always sends LARVAL; af_key ignores the field. */
	state = sa->state ? pfk_state_to_wire(sa->state) : SADB_SASTATE_LARVAL;
	if (state < 0)
		return state;
	e->sadb_sa_replay = sa->replay;
	e->sadb_sa_state = (uint8_t)state;
	e->sadb_sa_auth = sa->auth_alg;
	e->sadb_sa_encrypt = sa->enc_alg;
	e->sadb_sa_flags = sa->flags;
	return 0;
}

static int put_sa2(struct pfk_buf *b, const struct pfk_sa *sa)
{
	struct sadb_x_sa2 *e;
	int mode = sa->mode ? pfk_mode_to_wire(sa->mode) : IPSEC_MODE_ANY;

	if (mode < 0)
		return mode;
	e = (void *)put_ext(b, SADB_X_EXT_SA2, sizeof(*e));
	if (!e)
		return -EMSGSIZE;
	e->sadb_x_sa2_mode = (uint8_t)mode;
	e->sadb_x_sa2_sequence = sa->sa2_seq;
	e->sadb_x_sa2_reqid = sa->reqid;
	return 0;
}

static int put_natt(struct pfk_buf *b, const struct pfk_sa *sa)
{
	struct sadb_x_nat_t_type *t;
	struct sadb_x_nat_t_port *p;

	t = (void *)put_ext(b, SADB_X_EXT_NAT_T_TYPE, sizeof(*t));
	if (!t)
		return -EMSGSIZE;
	t->sadb_x_nat_t_type_type = sa->natt_type;
	p = (void *)put_ext(b, SADB_X_EXT_NAT_T_SPORT, sizeof(*p));
	if (!p)
		return -EMSGSIZE;
	p->sadb_x_nat_t_port_port = htons(sa->natt_sport);
	p = (void *)put_ext(b, SADB_X_EXT_NAT_T_DPORT, sizeof(*p));
	if (!p)
		return -EMSGSIZE;
	p->sadb_x_nat_t_port_port = htons(sa->natt_dport);
	return 0;
}

#define TRY(expr) do { ret = (expr); if (ret) return ret; } while (0)

int pfk_build_getspi(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid)
{
	int ret;

	if ((sa->has & (PFK_SA_HAS_SRC | PFK_SA_HAS_DST)) != (PFK_SA_HAS_SRC | PFK_SA_HAS_DST))
		return -EINVAL;
	TRY(hdr(b, SADB_GETSPI, sa->satype, seq, pid));
	TRY(put_addr(b, SADB_EXT_ADDRESS_SRC, &sa->src, -1));
	TRY(put_addr(b, SADB_EXT_ADDRESS_DST, &sa->dst, -1));
	if (sa->has & PFK_SA_HAS_SPIRANGE) {
		struct sadb_spirange *r = (void *)put_ext(b, SADB_EXT_SPIRANGE, sizeof(*r));

		if (!r)
			return -EMSGSIZE;
		r->sadb_spirange_min = sa->spi_min;
		r->sadb_spirange_max = sa->spi_max;
	}
	if (sa->has & PFK_SA_HAS_SA2)
		TRY(put_sa2(b, sa));
	return finish(b);
}

/* ADD and UPDATE carry the same extensions, in af_key's reply order. */
static int build_add(struct pfk_buf *b, uint8_t type, const struct pfk_sa *sa,
		     uint32_t seq, uint32_t pid)
{
	const uint32_t need = PFK_SA_HAS_SA | PFK_SA_HAS_SRC | PFK_SA_HAS_DST;
	static const struct pfk_lifetime infinite;
	int ret;

	if ((sa->has & need) != need)
		return -EINVAL;
	TRY(hdr(b, type, sa->satype, seq, pid));
	TRY(put_sa(b, sa, true));
	/* af_key wants HARD and SOFT together: send the missing one as
	 * "no limit" so -lh alone works. */
	if (sa->has & (PFK_SA_HAS_HARD | PFK_SA_HAS_SOFT)) {
		TRY(put_lifetime(b, SADB_EXT_LIFETIME_HARD,
				 sa->has & PFK_SA_HAS_HARD ? &sa->hard : &infinite));
		TRY(put_lifetime(b, SADB_EXT_LIFETIME_SOFT,
				 sa->has & PFK_SA_HAS_SOFT ? &sa->soft : &infinite));
	}
	TRY(put_addr(b, SADB_EXT_ADDRESS_SRC, &sa->src, -1));
	TRY(put_addr(b, SADB_EXT_ADDRESS_DST, &sa->dst, -1));
	if (sa->has & PFK_SA_HAS_PROXY)
		TRY(put_addr(b, SADB_EXT_ADDRESS_PROXY, &sa->proxy, -1));
	if (sa->has & PFK_SA_HAS_AUTH_KEY)
		TRY(put_key(b, SADB_EXT_KEY_AUTH, &sa->auth_key));
	if (sa->has & PFK_SA_HAS_ENC_KEY)
		TRY(put_key(b, SADB_EXT_KEY_ENCRYPT, &sa->enc_key));
	if (sa->has & PFK_SA_HAS_SA2)
		TRY(put_sa2(b, sa));
	if (sa->has & PFK_SA_HAS_NATT)
		TRY(put_natt(b, sa));
	if (sa->has & PFK_SA_HAS_NATT_OA)
		TRY(put_addr(b, SADB_X_EXT_NAT_T_OA, &sa->natt_oa, -1));
	if (sa->has & PFK_SA_HAS_SECCTX)
		TRY(put_secctx(b, &sa->ctx));
	return finish(b);
}

int pfk_build_add(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid)
{
	return build_add(b, SADB_ADD, sa, seq, pid);
}

int pfk_build_update(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid)
{
	return build_add(b, SADB_UPDATE, sa, seq, pid);
}

static int build_said(struct pfk_buf *b, uint8_t type, const struct pfk_sa *sa,
		      uint32_t seq, uint32_t pid)
{
	const uint32_t need = PFK_SA_HAS_SA | PFK_SA_HAS_SRC | PFK_SA_HAS_DST;
	int ret;

	if ((sa->has & need) != need)
		return -EINVAL;
	TRY(hdr(b, type, sa->satype, seq, pid));
	TRY(put_sa(b, sa, false));
	TRY(put_addr(b, SADB_EXT_ADDRESS_SRC, &sa->src, -1));
	TRY(put_addr(b, SADB_EXT_ADDRESS_DST, &sa->dst, -1));
	return finish(b);
}

int pfk_build_delete(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid)
{
	return build_said(b, SADB_DELETE, sa, seq, pid);
}

int pfk_build_get(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid)
{
	return build_said(b, SADB_GET, sa, seq, pid);
}

int pfk_build_acquire_error(struct pfk_buf *b, enum pfk_satype t, uint32_t acq_seq,
			    uint8_t err, uint32_t pid)
{
	int ret;

	/* af_key: header only, seq of the ACQUIRE, errno != 0. */
	if (!acq_seq || !err)
		return -EINVAL;
	TRY(hdr(b, SADB_ACQUIRE, t, acq_seq, pid));
	((struct sadb_msg *)(void *)b->p)->sadb_msg_errno = err;
	return finish(b);
}

static int build_bare(struct pfk_buf *b, uint8_t type, enum pfk_satype t,
		      uint32_t seq, uint32_t pid)
{
	int ret;

	TRY(hdr(b, type, t, seq, pid));
	return finish(b);
}

int pfk_build_register(struct pfk_buf *b, enum pfk_satype t, uint32_t seq, uint32_t pid)
{
	return build_bare(b, SADB_REGISTER, t, seq, pid);
}

int pfk_build_flush(struct pfk_buf *b, enum pfk_satype t, uint32_t seq, uint32_t pid)
{
	return build_bare(b, SADB_FLUSH, t, seq, pid);
}

int pfk_build_dump(struct pfk_buf *b, enum pfk_satype t, uint32_t seq, uint32_t pid)
{
	return build_bare(b, SADB_DUMP, t, seq, pid);
}

int pfk_build_promisc(struct pfk_buf *b, bool on, uint32_t seq, uint32_t pid)
{
	int ret;

	/* af_key reads the on/off switch from sadb_msg_satype. */
	TRY(hdr(b, SADB_X_PROMISC, PFK_SATYPE_UNSPEC, seq, pid));
	((struct sadb_msg *)(void *)b->p)->sadb_msg_satype = on ? 1 : 0;
	return finish(b);
}

int pfk_build_spddump(struct pfk_buf *b, uint32_t seq, uint32_t pid)
{
	return build_bare(b, SADB_X_SPDDUMP, PFK_SATYPE_UNSPEC, seq, pid);
}

int pfk_build_spdflush(struct pfk_buf *b, uint32_t seq, uint32_t pid)
{
	return build_bare(b, SADB_X_SPDFLUSH, PFK_SATYPE_UNSPEC, seq, pid);
}

/* One sadb_x_ipsecrequest (16 bytes, length in BYTES) plus the sockaddr
 * pair of a tunnel, padded to a unit as af_key's pfkey_sockaddr_pair_size. */
static int put_req(struct pfk_buf *b, const struct pfk_ipsecreq *r)
{
	struct sadb_x_ipsecrequest *q;
	size_t salen = 0, pair = 0;
	int proto, mode, level;
	uint8_t *p;

	proto = pfk_ipproto_to_wire(r->proto);
	mode = pfk_mode_to_wire(r->mode ? r->mode : PFK_MODE_TRANSPORT);
	level = pfk_level_to_wire(r->level ? r->level : PFK_LEVEL_REQUIRE);
	if (proto < 0 || mode < 0 || level < 0)
		return -EINVAL;
	if (r->src.family || r->dst.family) {
		salen = pfkm_walker_sockaddr_len(r->src.family);
		if (!salen || r->src.family != r->dst.family)
			return -EINVAL;
		pair = PFKM_ALIGN8(2 * salen);
	}
	q = put(b, sizeof(*q) + pair);
	if (!q)
		return -EMSGSIZE;
	q->sadb_x_ipsecrequest_len = (uint16_t)(sizeof(*q) + pair);
	q->sadb_x_ipsecrequest_proto = (uint16_t)proto;
	q->sadb_x_ipsecrequest_mode = (uint8_t)mode;
	q->sadb_x_ipsecrequest_level = (uint8_t)level;
	q->sadb_x_ipsecrequest_reqid = r->reqid;
	if (pair) {
		p = (uint8_t *)(q + 1);
		put_sockaddr(p, &r->src);
		put_sockaddr(p + salen, &r->dst);
	}
	return 0;
}

/*
 * X_POLICY: header, then the requests; its length is fixed up after the
 * requests are appended (they are part of the extension).
 */
static int put_policy(struct pfk_buf *b, const struct pfk_policy *p, bool reqs,
		      const struct pfk_migrate_req *mig, unsigned int nmig)
{
	struct sadb_x_policy *x;
	size_t start = b->len;
	int dir, action, ret;
	unsigned int i;

	dir = pfk_dir_to_wire(p->dir ? p->dir : PFK_DIR_ANY);
	action = pfk_action_to_wire(p->action ? p->action : PFK_ACTION_IPSEC);
	if (dir < 0 || action < 0)
		return -EINVAL;
	if (reqs && p->nreq > PFK_MAX_REQ)
		return -ELOOP;
	x = (void *)put_ext(b, SADB_X_EXT_POLICY, sizeof(*x));
	if (!x)
		return -EMSGSIZE;
	x->sadb_x_policy_type = (uint16_t)action;
	x->sadb_x_policy_dir = (uint8_t)dir;
	x->sadb_x_policy_id = p->id;
	x->sadb_x_policy_priority = p->priority;
	if (reqs && p->action == PFK_ACTION_IPSEC)
		for (i = 0; i < p->nreq; i++)
			TRY(put_req(b, &p->req[i]));
	for (i = 0; i < nmig; i++) {
		TRY(put_req(b, &mig[i].old));
		TRY(put_req(b, &mig[i].new_));
	}
	x = (void *)(b->p + start);
	x->sadb_x_policy_len = (uint16_t)((b->len - start) / PFKM_UNIT);
	return 0;
}

/* Selector addresses carry the upper-layer protocol in both extensions. */
static int put_selectors(struct pfk_buf *b, const struct pfk_policy *p)
{
	int proto = p->src.proto ? p->src.proto : p->dst.proto, ret;

	if ((p->has & (PFK_POL_HAS_SRC | PFK_POL_HAS_DST)) != (PFK_POL_HAS_SRC | PFK_POL_HAS_DST))
		return -EINVAL;
	TRY(put_addr(b, SADB_EXT_ADDRESS_SRC, &p->src, proto));
	TRY(put_addr(b, SADB_EXT_ADDRESS_DST, &p->dst, proto));
	return 0;
}

static int build_spdadd(struct pfk_buf *b, uint8_t type, const struct pfk_policy *p,
			uint32_t seq, uint32_t pid)
{
	int ret;

	TRY(hdr(b, type, PFK_SATYPE_UNSPEC, seq, pid));
	TRY(put_selectors(b, p));
	if (p->has & (PFK_POL_HAS_HARD | PFK_POL_HAS_SOFT)) {
		static const struct pfk_lifetime infinite;

		TRY(put_lifetime(b, SADB_EXT_LIFETIME_HARD,
				 p->has & PFK_POL_HAS_HARD ? &p->hard : &infinite));
		TRY(put_lifetime(b, SADB_EXT_LIFETIME_SOFT,
				 p->has & PFK_POL_HAS_SOFT ? &p->soft : &infinite));
	}
	TRY(put_policy(b, p, type != SADB_X_SPDDELETE, NULL, 0));
	if (p->has & PFK_POL_HAS_SECCTX)
		TRY(put_secctx(b, &p->ctx));
	return finish(b);
}

int pfk_build_spdadd(struct pfk_buf *b, const struct pfk_policy *p, uint32_t seq, uint32_t pid)
{
	return build_spdadd(b, SADB_X_SPDADD, p, seq, pid);
}

int pfk_build_spdupdate(struct pfk_buf *b, const struct pfk_policy *p, uint32_t seq, uint32_t pid)
{
	return build_spdadd(b, SADB_X_SPDUPDATE, p, seq, pid);
}

int pfk_build_spddelete(struct pfk_buf *b, const struct pfk_policy *p, uint32_t seq, uint32_t pid)
{
	return build_spdadd(b, SADB_X_SPDDELETE, p, seq, pid);
}

/* By id: af_key derives the direction from the id (id & 7), we mirror it. */
static int build_byid(struct pfk_buf *b, uint8_t type, uint32_t id, uint32_t seq, uint32_t pid)
{
	struct pfk_policy p = { .id = id, .action = PFK_ACTION_DISCARD };
	int ret;

	p.dir = (id & 7) < 3 ? (enum pfk_dir)(PFK_DIR_IN + (id & 7)) : PFK_DIR_ANY;
	TRY(hdr(b, type, PFK_SATYPE_UNSPEC, seq, pid));
	TRY(put_policy(b, &p, false, NULL, 0));
	return finish(b);
}

int pfk_build_spddelete2(struct pfk_buf *b, uint32_t id, uint32_t seq, uint32_t pid)
{
	return build_byid(b, SADB_X_SPDDELETE2, id, seq, pid);
}

int pfk_build_spdget(struct pfk_buf *b, uint32_t id, uint32_t seq, uint32_t pid)
{
	return build_byid(b, SADB_X_SPDGET, id, seq, pid);
}

int pfk_build_migrate(struct pfk_buf *b, const struct pfk_policy *sel,
		      const struct pfk_addr *km_local, const struct pfk_addr *km_remote,
		      const struct pfk_migrate_req *reqs, unsigned int n,
		      uint32_t seq, uint32_t pid)
{
	struct pfk_policy p;
	int ret;

	if (!n || n > PFK_MAX_REQ || !reqs)
		return -EINVAL;
	TRY(hdr(b, SADB_X_MIGRATE, PFK_SATYPE_UNSPEC, seq, pid));
	TRY(put_selectors(b, sel));
	p = *sel;
	p.action = PFK_ACTION_IPSEC;
	TRY(put_policy(b, &p, false, reqs, n));
	if (km_local && km_remote && km_local->family) {
		size_t salen = pfkm_walker_sockaddr_len(km_local->family);
		struct sadb_x_kmaddress *k;
		uint8_t *sp;

		if (!salen || km_local->family != km_remote->family)
			return -EINVAL;
		k = (void *)put_ext(b, SADB_X_EXT_KMADDRESS, sizeof(*k) + 2 * salen);
		if (!k)
			return -EMSGSIZE;
		sp = (uint8_t *)(k + 1);
		put_sockaddr(sp, km_local);
		put_sockaddr(sp + salen, km_remote);
	}
	return finish(b);
}
