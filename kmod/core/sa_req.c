// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sa_req.c: owns the SA requests: GETSPI, ADD/UPDATE, DELETE, GET, the
 * error form of ACQUIRE, FLUSH and DUMP, with af_key's checks, errnos,
 * reply targets and header fields (pfkey_getspi, pfkey_add, pfkey_delete,
 * pfkey_get, pfkey_acquire, pfkey_flush, pfkey_dump). Runs under net->lock.
 */
#include "net.h"

/* Linux's default sysctl xfrm_acq_expires: larval SAs live 30 s. */
#define LARVAL_EXPIRE_SEC 30

void pfkm_sa_req_destroy(struct pfkm_net *net, struct pfkm_sa *sa)
{
	pfkm_expire_sa_remove(net, sa);
	pfkm_sadb_unlink(&net->sadb, sa);
	pfkm_sadb_sa_free(sa);
}

static void sa_add(struct pfkm_net *net, struct pfkm_sa *sa)
{
	pfkm_sadb_insert(&net->sadb, sa);
	pfkm_expire_sa_update(net, sa);
}

/* Send an SA message: keys and both limits, header from the request. */
static int sa_notify(struct pfkm_req *r, const struct pfkm_sa *sa, uint8_t type,
		     unsigned int flags, struct pfkm_sock *one)
{
	struct pfkm_mbuf m;
	struct sadb_msg *h;
	int ret;

	ret = pfkm_sa_msg_compose(sa, true, 3, type, &m);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(&m);
	h->sadb_msg_seq = r->hdr->sadb_msg_seq;
	h->sadb_msg_pid = r->hdr->sadb_msg_pid;
	pfkm_sock_bcast_mbuf(r->net, &m, flags, one);
	return 0;
}

uint32_t pfkm_sa_req_alloc_spi(struct pfkm_net *net, uint8_t proto, uint32_t lo, uint32_t hi)
{
	uint32_t span = hi - lo, v, i;

	if (lo == hi)
		return lo && !pfkm_sadb_lookup_spi(&net->sadb, os_htonl(lo), proto) ? lo : 0;
	/* Random picks as xfrm_alloc_spi (never 0, unique per (spi, proto)) ... */
	for (i = 0; i < 64; i++) {
		os_random(&v, sizeof(v));
		if (span != 0xffffffffu)
			v = lo + v % (span + 1);
		if (v && !pfkm_sadb_lookup_spi(&net->sadb, os_htonl(v), proto))
			return v;
	}
	/* ... then, for small ranges, a scan so a free SPI is always found. */
	if (span < 0x10000) {
		for (i = 0; i <= span; i++) {
			v = lo + i;
			if (v && !pfkm_sadb_lookup_spi(&net->sadb, os_htonl(v), proto))
				return v;
		}
	}
	return 0;
}

/* af_key's verify_spi_info */
static int spi_range_check(uint8_t proto, uint32_t min, uint32_t max)
{
	switch (proto) {
	case IPPROTO_AH:
	case IPPROTO_ESP:
		break;
	case IPPROTO_COMP:
		/* IPComp CPIs are 16 bits */
		if (max >= 0x10000)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return min > max ? -EINVAL : 0;
}

static struct pfkm_sa *larval_create(struct pfkm_net *net, const struct pfkm_sa_sel *k)
{
	struct pfkm_sa *x = pfkm_sadb_sa_alloc();

	if (!x)
		return NULL;
	x->family = k->family;
	x->proto = k->proto;
	x->mode = k->mode;
	x->reqid = k->reqid;
	x->saddr = k->saddr;
	x->daddr = k->daddr;
	x->sel_family = k->family;
	x->sel_saddr = k->saddr;
	x->sel_plen = (uint8_t)pfkm_addr_bits(k->family);
	x->state = PFKM_SA_LARVAL;
	x->hard.addtime = LARVAL_EXPIRE_SEC;
	x->cur.addtime = os_time_real();
	x->add_ms = os_time_mono_ms();
	sa_add(net, x);
	return x;
}

int pfkm_sa_req_getspi(struct pfkm_req *r)
{
	const struct sadb_x_sa2 *sa2 = PFKM_X(r, SADB_X_EXT_SA2, struct sadb_x_sa2);
	const struct sadb_spirange *range = PFKM_X(r, SADB_EXT_SPIRANGE, struct sadb_spirange);
	struct pfkm_sa_sel k = { 0 };
	struct pfkm_sa *x = NULL;
	uint32_t min = 0x100, max = 0x0fffffff, spi;
	struct pfkm_mbuf m;
	struct sadb_msg *h;
	int ret, mode = IPSEC_MODE_TRANSPORT;

	k.family = (uint8_t)pfkm_sa_msg_addrs(r, &k.saddr, &k.daddr);
	if (!k.family)
		return -EINVAL;
	k.proto = pfkm_sa_satype2proto(r->hdr->sadb_msg_satype);
	/* af_key would create a larval SA for satype UNSPEC; we refuse it. */
	if (!k.proto || k.proto == IPSEC_PROTO_ANY)
		return -EINVAL;
	if (sa2) {
		mode = pfkm_sa_msg_mode(sa2->sadb_x_sa2_mode);
		if (mode < 0)
			return -EINVAL;
		k.reqid = sa2->sadb_x_sa2_reqid;
	}
	k.mode = (uint8_t)mode;
	if (r->hdr->sadb_msg_seq) {
		x = pfkm_sadb_lookup_seq(&r->net->sadb, r->hdr->sadb_msg_seq);
		if (x && (x->family != k.family || !pfkm_addr_equal(k.family, &x->daddr, &k.daddr)))
			x = NULL;
	}
	if (!x)
		x = pfkm_sadb_find_acq(&r->net->sadb, &k);
	if (!x)
		x = larval_create(r->net, &k);
	if (!x)
		return -ENOBUFS;
	if (range) {
		min = range->sadb_spirange_min;
		max = range->sadb_spirange_max;
	}
	/* checked with the default range too: IPComp needs a SPIRANGE */
	ret = spi_range_check(x->proto, min, max);
	if (ret)
		return ret;
	if (!x->spi) {
		spi = pfkm_sa_req_alloc_spi(r->net, x->proto, min, max);
		if (!spi)
			return -ENOENT;
		pfkm_sadb_set_spi(&r->net->sadb, x, os_htonl(spi));
	}
	ret = pfkm_sa_msg_compose(x, true, 3, SADB_GETSPI, &m);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(&m);
	h->sadb_msg_version = r->hdr->sadb_msg_version;
	h->sadb_msg_seq = r->hdr->sadb_msg_seq;
	h->sadb_msg_pid = r->hdr->sadb_msg_pid;
	pfkm_sock_bcast_mbuf(r->net, &m, PFKM_BCAST_ONE, r->sk);
	return 0;
}

/* Larval SA an ADD supersedes: by sequence, else by selection key. */
static struct pfkm_sa *add_find_larval(struct pfkm_net *net, const struct pfkm_sa *x)
{
	struct pfkm_sa *x1 = NULL;
	struct pfkm_sa_sel k;

	if (x->seq) {
		x1 = pfkm_sadb_lookup_seq(&net->sadb, x->seq);
		if (x1 && (x1->proto != x->proto || x1->family != x->family ||
			   !pfkm_addr_equal(x->family, &x1->daddr, &x->daddr)))
			x1 = NULL;
	}
	if (!x1) {
		pfkm_sadb_sa_sel(x, &k);
		x1 = pfkm_sadb_find_acq(&net->sadb, &k);
	}
	return x1;
}

/*
 * ADD (xfrm_state_add, exclusive) and UPDATE (xfrm_state_update). An UPDATE
 * of a larval SA replaces it; of a mature one changes only its lifetimes
 * and NAT-T ports, like Linux, and the broadcast then shows the request's
 * SA in state DEAD (the discarded copy), byte for byte as af_key.
 */
int pfkm_sa_req_add(struct pfkm_req *r)
{
	struct pfkm_net *net = r->net;
	struct pfkm_sa *x, *x1;
	bool add = r->hdr->sadb_msg_type == SADB_ADD;
	int ret;

	ret = pfkm_sa_msg_parse(r, &x);
	if (ret)
		return ret;
	x1 = pfkm_sadb_lookup(&net->sadb, x->family, &x->daddr, x->spi, x->proto);
	if (add) {
		if (x1) {
			ret = -EEXIST;
			goto err;
		}
		x1 = add_find_larval(net, x);
		sa_add(net, x);
		if (x1)
			pfkm_sa_req_destroy(net, x1);
		sa_notify(r, x, SADB_ADD, PFKM_BCAST_ALL, NULL);
		return 0;
	}
	if (!x1) {
		ret = -ESRCH;
		goto err;
	}
	if (x1->state == PFKM_SA_LARVAL) {
		sa_add(net, x);
		pfkm_sa_req_destroy(net, x1);
		sa_notify(r, x, SADB_UPDATE, PFKM_BCAST_ALL, NULL);
		return 0;
	}
	if (x1->state != PFKM_SA_MATURE) {
		ret = -EINVAL;
		goto err;
	}
	if (x->natt_type && x1->natt_type) {
		x1->natt_type = x->natt_type;
		x1->natt_sport = x->natt_sport;
		x1->natt_dport = x->natt_dport;
	}
	x1->hard = x->hard;
	x1->soft = x->soft;
	x1->dying = false;
	pfkm_expire_sa_update(net, x1);
	x->state = PFKM_SA_DEAD;
	sa_notify(r, x, SADB_UPDATE, PFKM_BCAST_ALL, NULL);
	pfkm_sadb_sa_free(x);
	return 0;

err:
	pfkm_sadb_sa_free(x);
	return ret;
}

/* pfkey_xfrm_state_lookup: SA + same-family SRC/DST, then (daddr, spi, proto). */
static int find_sa(struct pfkm_req *r, struct pfkm_sa **out)
{
	const struct sadb_sa *sa = PFKM_X(r, SADB_EXT_SA, struct sadb_sa);
	struct pfkm_addr s, d;
	unsigned int fam = pfkm_sa_msg_addrs(r, &s, &d);
	uint8_t proto;

	if (!sa || !fam)
		return -EINVAL;
	proto = pfkm_sa_satype2proto(r->hdr->sadb_msg_satype);
	*out = proto ? pfkm_sadb_lookup(&r->net->sadb, fam, &d, sa->sadb_sa_spi, proto) : NULL;
	return *out ? 0 : -ESRCH;
}

int pfkm_sa_req_delete(struct pfkm_req *r)
{
	struct pfkm_sa *x;
	int ret = find_sa(r, &x);

	if (ret)
		return ret;
	pfkm_expire_sa_remove(r->net, x);
	pfkm_sadb_unlink(&r->net->sadb, x);
	sa_notify(r, x, SADB_DELETE, PFKM_BCAST_ALL, NULL);
	pfkm_sadb_sa_free(x);
	return 0;
}

int pfkm_sa_req_get(struct pfkm_req *r)
{
	struct pfkm_sa *x;
	int ret = find_sa(r, &x);

	if (ret)
		return ret;
	return sa_notify(r, x, SADB_GET, PFKM_BCAST_ONE, r->sk);
}

/*
 * From a KM, ACQUIRE only reports failure: header only (else EOPNOTSUPP),
 * seq and errno set; the larval SA of that sequence turns into an error
 * state (it then lives out its 30 s). Nothing is sent back on success.
 */
int pfkm_sa_req_acquire(struct pfkm_req *r)
{
	struct pfkm_sa *x;

	if (r->hdr->sadb_msg_len != sizeof(struct sadb_msg) / PFKM_UNIT)
		return -EOPNOTSUPP;
	if (r->hdr->sadb_msg_seq == 0 || r->hdr->sadb_msg_errno == 0)
		return 0;
	x = pfkm_sadb_lookup_seq(&r->net->sadb, r->hdr->sadb_msg_seq);
	if (x && x->state == PFKM_SA_LARVAL)
		x->state = PFKM_SA_ERROR;
	return 0;
}

/* unicast_flush_resp: the request header, errno 0, len 2, to the sender. */
int pfkm_sa_req_flush_resp(struct pfkm_req *r)
{
	struct sadb_msg h;

	memcpy(&h, r->hdr, sizeof(h));
	h.sadb_msg_errno = 0;
	h.sadb_msg_len = sizeof(h) / PFKM_UNIT;
	return pfkm_sock_bcast(r->net, &h, sizeof(h), PFKM_BCAST_ONE, r->sk);
}

int pfkm_sa_req_flush(struct pfkm_req *r)
{
	struct pfkm_net *net = r->net;
	uint8_t proto = pfkm_sa_satype2proto(r->hdr->sadb_msg_satype);
	struct pfkm_walk *w, *next;
	struct pfkm_mbuf m;
	size_t n = 0;
	int ret;

	if (!proto)
		return -EINVAL;
	for (w = net->sadb.all.next; w != &net->sadb.all; w = next) {
		struct pfkm_sa *x;

		next = w->next;
		if (w->marker)
			continue;
		x = os_container_of(w, struct pfkm_sa, all);
		if (proto == IPSEC_PROTO_ANY || x->proto == proto) {
			pfkm_sa_req_destroy(net, x);
			n++;
		}
	}
	ret = pfkm_sa_req_flush_resp(r);
	/* An empty table goes quietly: the sender's copy only. */
	if (!n || ret)
		return n ? ret : 0;
	/* key_notify_sa_flush: a header, every field set explicitly. */
	ret = pfkm_mbuf_init(&m, sizeof(struct sadb_msg), false);
	if (ret)
		return ret;
	pfkm_mbuf_put_hdr(&m, SADB_FLUSH, pfkm_sa_proto2satype(proto), r->hdr->sadb_msg_seq,
			  r->hdr->sadb_msg_pid);
	pfkm_sock_bcast_mbuf(net, &m, PFKM_BCAST_ALL, NULL);
	return 0;
}

int pfkm_sa_req_dump(struct pfkm_req *r)
{
	const struct sadb_x_filter *f = PFKM_X(r, SADB_X_EXT_FILTER, struct sadb_x_filter);
	struct pfkm_dump *d = &r->sk->dump;
	uint8_t proto;
	int ret;

	if (d->kind != PFKM_DUMP_NONE)
		return -EBUSY;
	proto = pfkm_sa_satype2proto(r->hdr->sadb_msg_satype);
	if (!proto)
		return -EINVAL;
	d->filter = false;
	if (f) {
		ret = pfkm_walker_filter_check(f);	/* CVE-2021-0605 */
		if (ret)
			return ret;
		d->filter = true;
		d->f_family = f->sadb_x_filter_family;
		d->f_splen = f->sadb_x_filter_splen;
		d->f_dplen = f->sadb_x_filter_dplen;
		memcpy(d->f_saddr.b, f->sadb_x_filter_saddr, 16);
		memcpy(d->f_daddr.b, f->sadb_x_filter_daddr, 16);
	}
	d->kind = PFKM_DUMP_SA;
	d->proto = proto;
	d->version = r->hdr->sadb_msg_version;
	d->pid = r->hdr->sadb_msg_pid;
	return pfkm_sock_dump_start(r->sk);
}

int pfkm_sa_req_dump_one(struct pfkm_sock *sk, struct pfkm_walk *w, struct pfkm_mbuf *m)
{
	struct pfkm_sa *x = os_container_of(w, struct pfkm_sa, all);
	struct pfkm_dump *d = &sk->dump;
	struct sadb_msg *h;
	int ret;

	if (!m) {
		if (d->proto != IPSEC_PROTO_ANY && x->proto != d->proto)
			return 1;
		if (!d->filter)
			return 0;
		if ((d->f_family == AF_INET || d->f_family == AF_INET6) &&
		    x->family != d->f_family)
			return 1;
		return pfkm_addr_match(&x->saddr, &d->f_saddr, d->f_splen) &&
		       pfkm_addr_match(&x->daddr, &d->f_daddr, d->f_dplen) ? 0 : 1;
	}
	ret = pfkm_sa_msg_compose(x, true, 3, SADB_DUMP, m);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(m);
	h->sadb_msg_version = d->version;
	h->sadb_msg_pid = d->pid;
	return 0;
}
