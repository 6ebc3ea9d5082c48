// SPDX-License-Identifier: BSD-2-Clause
/*
 * dump.c: dump collection. A DUMP or SPDDUMP is sent and every entry up to
 * the one with seq 0 is kept raw with its sort key (struct pfk_dump), then
 * sorted: SAs by dst, proto, SPI; policies by direction, id. Entries hold
 * keys: wiped when freed.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include "exec_int.h"
#include "walker.h"

static int addr_cmp(const struct pfk_addr *a, const struct pfk_addr *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->a.bytes, b->a.bytes, a->family == AF_INET ? 4 : 16);
	if (c)
		return c;
	if (a->prefixlen != b->prefixlen)
		return a->prefixlen < b->prefixlen ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

static int entry_cmp_sa(const void *pa, const void *pb)
{
	const struct pfk_dump_entry *a = pa, *b = pb;
	int c = addr_cmp(&a->dst, &b->dst);

	if (c)
		return c;
	if (a->satype != b->satype)
		return a->satype < b->satype ? -1 : 1;
	if (a->spi != b->spi)
		return a->spi < b->spi ? -1 : 1;
	return 0;
}

static int entry_cmp_pol(const void *pa, const void *pb)
{
	const struct pfk_dump_entry *a = pa, *b = pb;

	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	if (a->polid != b->polid)
		return a->polid < b->polid ? -1 : 1;
	return 0;
}

void pfk_dump_free(struct pfk_dump *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		explicit_bzero(d->v[i].raw, d->v[i].len);
		free(d->v[i].raw);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/*
 * Keep one dump message with its sort key. The key is read straight off
 * the wire (the walker bounds every extension): a full pfk_parse here
 * would be repeated by whoever renders the entry, and for 100k entries
 * that second parse is a visible share of a dump.
 */
static int dump_push(struct pfk_dump *d, const void *raw, size_t len, bool spd)
{
	struct pfk_dump_entry *e;
	struct pfkm_exts x;
	int ret = pfkm_walker_reply(raw, len, &x);

	if (ret)
		return ret;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct pfk_dump_entry *nv = realloc(d->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		d->v = nv;
		d->cap = cap;
	}
	e = &d->v[d->n];
	memset(e, 0, sizeof(*e));
	if (x.ext[SADB_EXT_ADDRESS_DST])
		pfk_parse_addr_ext(PFKM_EXT(&x, SADB_EXT_ADDRESS_DST, struct sadb_address), &e->dst);
	if (spd) {
		const struct sadb_x_policy *p = PFKM_EXT(&x, SADB_X_EXT_POLICY,
							 struct sadb_x_policy);

		if (p) {
			e->polid = p->sadb_x_policy_id;
			e->dir = (uint8_t)pfk_dir_from_wire(p->sadb_x_policy_dir);
		}
	} else {
		const struct sadb_sa *sa = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);

		e->satype = (uint8_t)pfk_satype_from_sadb(x.msg->sadb_msg_satype);
		if (sa)
			e->spi = ntohl(sa->sadb_sa_spi);
	}
	e->raw = malloc(len);
	if (!e->raw)
		return -ENOMEM;
	memcpy(e->raw, raw, len);
	e->len = len;
	d->n++;
	return 0;
}

int pfk_exec_dump(struct pfk_exec *x, bool spd, enum pfk_satype t, struct pfk_dump *out)
{
	struct pfk_buf b = pfk_req_sendbuf(x);
	uint32_t seq = pfk_req_seq(x), pid = x->conn->pid;
	uint8_t type;
	bool last;
	int ret, n;

	memset(out, 0, sizeof(*out));
	ret = spd ? pfk_build_spddump(&b, seq, pid) : pfk_build_dump(&b, t, seq, pid);
	if (ret < 0)
		return ret;
	type = ((const struct sadb_msg *)x->sbuf)->sadb_msg_type;
	if (x->trace)
		x->trace(x->ctx, true, x->sbuf, (size_t)ret);
	ret = pfk_conn_send(x->conn, x->sbuf, (size_t)ret);
	if (ret)
		return ret;
	for (;;) {
		const struct sadb_msg *h = (const void *)x->buf;

		n = pfk_conn_recv(x->conn, x->buf, PFKM_MSG_MAX, x->timeout_ms);
		if (n < 0) {
			ret = n;
			goto err;
		}
		if ((size_t)n < sizeof(*h) || h->sadb_msg_type != type || h->sadb_msg_pid != pid)
			continue;
		if (x->trace)
			x->trace(x->ctx, false, x->buf, (size_t)n);
		if (h->sadb_msg_errno) {
			/* ENOENT: empty table. */
			ret = h->sadb_msg_errno == ENOENT ? 0 : -(int)h->sadb_msg_errno;
			if (ret)
				goto err;
			break;
		}
		last = h->sadb_msg_seq == 0;
		ret = dump_push(out, x->buf, (size_t)n, spd);
		explicit_bzero(x->buf, (size_t)n);
		if (ret)
			goto err;
		if (last)
			break;
	}
	if (out->n)	/* an empty dump has no array: qsort(NULL) is undefined */
		qsort(out->v, out->n, sizeof(out->v[0]), spd ? entry_cmp_pol : entry_cmp_sa);
	return 0;

err:
	pfk_dump_free(out);
	return ret;
}
