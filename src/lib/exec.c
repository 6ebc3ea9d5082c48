// SPDX-License-Identifier: BSD-2-Clause
/*
 * exec.c: runs parsed statements against a pfk_conn. Each request gets a
 * fresh seq; the reply is the first message with our seq, pid and type
 * (broadcasts from other sockets are skipped). `spi auto` is GETSPI then
 * UPDATE, deleteall is DUMP then one DELETE per SA (Linux rejects DELETE
 * without an SPI), dumps are collected and sorted by dst, proto, SPI.
 * With x->journal set (--atomic) every successful change records how to undo
 * it, using a GET/SPDDUMP snapshot taken before the change; pfk_exec_rollback
 * replays the journal backwards. Snapshots hold keys: wiped when dropped.
 * Batches may be pipelined (pfk_exec_submit): a window of requests in
 * flight, results matched back by seq, in order.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <poll.h>
#include <time.h>
#include <sys/socket.h>

#include "stmt.h"
#include "walker.h"

#define EXEC_TIMEOUT_MS 5000

int pfk_exec_init(struct pfk_exec *x, struct pfk_conn *c)
{
	memset(x, 0, sizeof(*x));
	x->conn = c;
	x->timeout_ms = EXEC_TIMEOUT_MS;
	x->buf = malloc(PFKM_MSG_MAX);
	x->sbuf = malloc(PFKM_MSG_MAX);
	if (!x->buf || !x->sbuf) {
		free(x->buf);
		free(x->sbuf);
		x->buf = x->sbuf = NULL;
		return -ENOMEM;
	}
	return 0;
}

void pfk_exec_fini(struct pfk_exec *x)
{
	pfk_exec_journal_clear(x);
	free(x->undo);
	x->undo = NULL;
	x->capundo = 0;
	if (x->buf)
		explicit_bzero(x->buf, PFKM_MSG_MAX);
	if (x->sbuf)
		explicit_bzero(x->sbuf, PFKM_MSG_MAX);
	free(x->buf);
	free(x->sbuf);
	x->buf = x->sbuf = NULL;
	free(x->rbuf);	/* wiped after every use */
	x->rbuf = NULL;
}

static struct pfk_buf sendbuf(struct pfk_exec *x)
{
	struct pfk_buf b = { .p = x->sbuf, .cap = PFKM_MSG_MAX, .len = 0 };

	return b;
}

static uint32_t nextseq(struct pfk_exec *x)
{
	uint32_t s = x->conn->seq++;

	if (!x->conn->seq)
		x->conn->seq = 1;
	return s ? s : nextseq(x);
}

static int settle(struct pfk_exec *x, const void *msg, size_t len);

static int request_raw(struct pfk_exec *x, size_t len, struct pfk_msg *reply)
{
	const struct sadb_msg *out = (const void *)x->sbuf;
	uint8_t type = out->sadb_msg_type;
	uint32_t seq = out->sadb_msg_seq, pid = out->sadb_msg_pid;
	int ret, n;

	if (x->trace)
		x->trace(x->ctx, true, x->sbuf, len);
	ret = pfk_conn_send(x->conn, x->sbuf, len);
	explicit_bzero(x->sbuf, len);
	if (ret)
		return ret;
	for (;;) {
		const struct sadb_msg *h = (const void *)x->buf;

		n = pfk_conn_recv(x->conn, x->buf, PFKM_MSG_MAX, x->timeout_ms);
		if (n < 0)
			return n;
		if ((size_t)n < sizeof(*h))
			continue;
		if (h->sadb_msg_type != type || h->sadb_msg_seq != seq || h->sadb_msg_pid != pid)
			continue;
		if (x->trace)
			x->trace(x->ctx, false, x->buf, (size_t)n);
		if (h->sadb_msg_errno)
			return -(int)h->sadb_msg_errno;
		if (reply) {
			ret = pfk_parse(x->buf, (size_t)n, reply);
			if (ret)
				return ret;
		}
		return n;
	}
}

/*
 * A change whose reply does not come within timeout_ms is not reported as
 * failed: its outcome is looked up first (settle: GET/SPDDUMP, resent if it
 * did not happen), as batch mode does for lost replies.
 */
int pfk_exec_request(struct pfk_exec *x, size_t len, struct pfk_msg *reply)
{
	uint8_t type = ((const struct sadb_msg *)(const void *)x->sbuf)->sadb_msg_type;
	uint8_t *copy = NULL;
	int ret;

	if ((type == SADB_ADD || type == SADB_UPDATE || type == SADB_DELETE ||
	     type == SADB_X_SPDADD || type == SADB_X_SPDUPDATE || type == SADB_X_SPDDELETE) &&
	    (copy = malloc(len)))
		memcpy(copy, x->sbuf, len);
	ret = request_raw(x, len, reply);
	if (ret == -ETIMEDOUT && copy) {
		ret = settle(x, copy, len);
		if (reply)	/* the outcome is known, the reply was not seen */
			memset(reply, 0, sizeof(*reply));
	}
	if (copy) {
		explicit_bzero(copy, len);
		free(copy);
	}
	return ret;
}

/* ---- dumps ---------------------------------------------------------- */

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
	struct pfk_buf b = sendbuf(x);
	uint32_t seq = nextseq(x), pid = x->conn->pid;
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

/* ---- journal -------------------------------------------------------- */

static int journal(struct pfk_exec *x, int kind, const struct pfk_sa *sa,
		   const struct pfk_policy *pol)
{
	struct pfk_undo *u;

	if (!x->journal)
		return 0;
	if (x->nundo == x->capundo) {
		size_t cap = x->capundo ? x->capundo * 2 : 16;
		struct pfk_undo *nv = realloc(x->undo, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		x->undo = nv;
		x->capundo = cap;
	}
	u = &x->undo[x->nundo++];
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	if (sa)
		u->sa = *sa;
	if (pol)
		u->pol = *pol;
	return 0;
}

void pfk_exec_journal_clear(struct pfk_exec *x)
{
	size_t i;

	for (i = 0; i < x->nundo; i++)
		pfk_sa_wipe(&x->undo[i].sa);
	x->nundo = 0;
}

/* A GET / DUMP reply made fit to be sent back as ADD. */
static void restorable_sa(struct pfk_sa *sa)
{
	sa->has &= ~(PFK_SA_HAS_CUR | PFK_SA_HAS_SPIRANGE);
	sa->state = PFK_STATE_UNKNOWN;
}

static void restorable_pol(struct pfk_policy *p)
{
	p->has &= ~PFK_POL_HAS_CUR;
}

static int sa_request(struct pfk_exec *x, int (*build)(struct pfk_buf *, const struct pfk_sa *,
						       uint32_t, uint32_t),
		      const struct pfk_sa *sa, struct pfk_msg *reply)
{
	struct pfk_buf b = sendbuf(x);
	int ret = build(&b, sa, nextseq(x), x->conn->pid);

	if (ret < 0)
		return ret;
	return pfk_exec_request(x, (size_t)ret, reply);
}

static int pol_request(struct pfk_exec *x,
		       int (*build)(struct pfk_buf *, const struct pfk_policy *, uint32_t, uint32_t),
		       const struct pfk_policy *p, struct pfk_msg *reply)
{
	struct pfk_buf b = sendbuf(x);
	int ret = build(&b, p, nextseq(x), x->conn->pid);

	if (ret < 0)
		return ret;
	return pfk_exec_request(x, (size_t)ret, reply);
}

/* Snapshot of one SA by GET; 1 if found, 0 if not, -errno. */
static int sa_snapshot(struct pfk_exec *x, const struct pfk_sa *key, struct pfk_msg *m)
{
	int ret = sa_request(x, pfk_build_get, key, m);

	if (ret == -ENOENT || ret == -ESRCH)
		return 0;
	if (ret < 0)
		return ret;
	restorable_sa(&m->sa);
	return 1;
}

static bool same_addr(const struct pfk_addr *a, const struct pfk_addr *b, bool exact)
{
	if (a->family != b->family ||
	    memcmp(a->a.bytes, b->a.bytes, a->family == AF_INET ? 4 : 16))
		return false;
	if (!exact)
		return true;
	return a->prefixlen == b->prefixlen && a->port == b->port;
}

static bool same_selector(const struct pfk_policy *a, const struct pfk_policy *b)
{
	uint8_t pa = a->src.proto ? a->src.proto : IPSEC_ULPROTO_ANY;
	uint8_t pb = b->src.proto ? b->src.proto : IPSEC_ULPROTO_ANY;

	return a->dir == b->dir && pa == pb && same_addr(&a->src, &b->src, true) &&
	       same_addr(&a->dst, &b->dst, true);
}

/* The policy with p's selector and direction, from an SPDDUMP. */
static int pol_snapshot(struct pfk_exec *x, const struct pfk_policy *p, struct pfk_policy *out)
{
	struct pfk_dump d;
	struct pfk_msg *m = malloc(sizeof(*m));
	size_t i;
	int ret, found = 0;

	if (!m)
		return -ENOMEM;
	ret = pfk_exec_dump(x, true, PFK_SATYPE_UNSPEC, &d);
	if (ret)
		goto out;
	for (i = 0; i < d.n && !found; i++) {
		if (pfk_parse(d.v[i].raw, d.v[i].len, m))
			continue;
		if (same_selector(&m->pol, p)) {
			*out = m->pol;
			restorable_pol(out);
			found = 1;
		}
	}
	pfk_dump_free(&d);
	ret = found;
out:
	free(m);
	return ret;
}

/* Journal every SA (or policy) of a dump as "add it back". */
static int journal_dump(struct pfk_exec *x, bool spd, enum pfk_satype t,
			const struct pfk_addr *src, const struct pfk_addr *dst)
{
	struct pfk_dump d;
	struct pfk_msg *m;
	size_t i;
	int ret;

	if (!x->journal)
		return 0;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	ret = pfk_exec_dump(x, spd, t, &d);
	/* Journaled backwards: the rollback replays in reverse, so entries
	 * come back in their original order (policy ids keep their order). */
	for (i = d.n; !ret && i-- > 0; ) {
		ret = pfk_parse(d.v[i].raw, d.v[i].len, m);
		if (ret)
			break;
		if (spd) {
			restorable_pol(&m->pol);
			ret = journal(x, PFK_UNDO_ADD_POL, NULL, &m->pol);
		} else if (m->sa.state != PFK_STATE_LARVAL &&
			   (!src || (same_addr(&m->sa.src, src, false) &&
				     same_addr(&m->sa.dst, dst, false)))) {
			restorable_sa(&m->sa);
			ret = journal(x, PFK_UNDO_ADD_SA, &m->sa, NULL);
		}
		pfk_msg_wipe(m);
	}
	pfk_dump_free(&d);
	free(m);
	return ret;
}

static int bare_request(struct pfk_exec *x, int (*build)(struct pfk_buf *, enum pfk_satype,
							 uint32_t, uint32_t),
			enum pfk_satype t, struct pfk_msg *reply)
{
	struct pfk_buf b = sendbuf(x);
	int ret = build(&b, t, nextseq(x), x->conn->pid);

	if (ret < 0)
		return ret;
	return pfk_exec_request(x, (size_t)ret, reply);
}

static int run_getspi(struct pfk_exec *x, const struct pfk_sa *sa, struct pfk_msg *m)
{
	int ret = sa_request(x, pfk_build_getspi, sa, m);

	if (ret < 0)
		return ret;
	x->last_spi = m->sa.spi;
	m->sa.satype = sa->satype;
	return journal(x, PFK_UNDO_DEL_SA, &m->sa, NULL);
}

static int run_deleteall(struct pfk_exec *x, const struct pfk_stmt *st, struct pfk_msg *m)
{
	struct pfk_dump d;
	struct pfk_sa key;
	size_t i;
	int ret, first = 0;

	ret = pfk_exec_dump(x, false, st->sa.satype, &d);
	if (ret)
		return ret;
	for (i = 0; i < d.n; i++) {
		ret = pfk_parse(d.v[i].raw, d.v[i].len, m);
		if (ret)
			break;
		if (!same_addr(&m->sa.src, &st->sa.src, false) ||
		    !same_addr(&m->sa.dst, &st->sa.dst, false)) {
			pfk_msg_wipe(m);
			continue;
		}
		restorable_sa(&m->sa);
		key = m->sa;
		ret = sa_request(x, pfk_build_delete, &key, NULL);
		if (ret >= 0 && m->sa.state != PFK_STATE_LARVAL)
			ret = journal(x, PFK_UNDO_ADD_SA, &key, NULL);
		pfk_sa_wipe(&key);
		pfk_msg_wipe(m);
		if (ret < 0 && !first)
			first = ret;
	}
	pfk_dump_free(&d);
	return first ? first : ret < 0 ? ret : 0;
}

static int run_pol_change(struct pfk_exec *x, const struct pfk_stmt *st, struct pfk_msg *m)
{
	struct pfk_policy old;
	int found = 0, ret;

	if (x->journal && st->cmd != PFK_CMD_SPDADD) {
		found = pol_snapshot(x, &st->pol, &old);
		if (found < 0)
			return found;
	}
	switch (st->cmd) {
	case PFK_CMD_SPDADD:
		ret = pol_request(x, pfk_build_spdadd, &st->pol, m);
		if (ret >= 0)
			ret = journal(x, PFK_UNDO_DEL_POL, NULL, &st->pol);
		break;
	case PFK_CMD_SPDUPDATE:
		ret = pol_request(x, pfk_build_spdupdate, &st->pol, m);
		if (ret >= 0)
			ret = found ? journal(x, PFK_UNDO_UPD_POL, NULL, &old) :
			      journal(x, PFK_UNDO_DEL_POL, NULL, &st->pol);
		break;
	default:
		ret = pol_request(x, pfk_build_spddelete, &st->pol, m);
		if (ret >= 0 && found)
			ret = journal(x, PFK_UNDO_ADD_POL, NULL, &old);
		break;
	}
	return ret < 0 ? ret : 0;
}

static int emit_dump(struct pfk_exec *x, const struct pfk_stmt *st, bool spd, struct pfk_msg *m)
{
	struct pfk_dump d;
	size_t i;
	int ret = pfk_exec_dump(x, spd, st->satype, &d);

	if (ret)
		return ret;
	for (i = 0; i < d.n; i++) {
		ret = pfk_parse(d.v[i].raw, d.v[i].len, m);
		if (ret)
			break;
		if (x->on_result)
			x->on_result(x->ctx, st, m, d.v[i].raw, d.v[i].len);
		pfk_msg_wipe(m);
	}
	pfk_dump_free(&d);
	return ret;
}

static int run(struct pfk_exec *x, const struct pfk_stmt *st, struct pfk_msg *m)
{
	struct pfk_sa sa = st->sa;
	int ret, had;

	switch (st->cmd) {
	case PFK_CMD_ADD:
	case PFK_CMD_UPDATE:
		if (st->opts & PFK_STMT_SPI_AUTO) {
			struct pfk_sa g = sa;

			g.has = PFK_SA_HAS_SRC | PFK_SA_HAS_DST | PFK_SA_HAS_SA2 |
				PFK_SA_HAS_SPIRANGE;
			g.spi_min = 0x100;
			g.spi_max = sa.satype == PFK_SATYPE_IPCOMP ? 0xffff : 0x0fffffff;
			ret = run_getspi(x, &g, m);
			pfk_sa_wipe(&g);
			if (ret)
				break;
			sa.spi = x->last_spi;
			ret = sa_request(x, pfk_build_update, &sa, m);
			if (ret >= 0 && x->on_result)
				x->on_result(x->ctx, st, m, x->buf, (size_t)ret);
			break;
		}
		had = 0;
		if (st->cmd == PFK_CMD_UPDATE && x->journal) {
			had = sa_snapshot(x, &sa, m);
			if (had < 0) {
				ret = had;
				break;
			}
		}
		ret = sa_request(x, st->cmd == PFK_CMD_ADD ? pfk_build_add : pfk_build_update,
				 &sa, NULL);
		if (ret >= 0)
			ret = had ? journal(x, PFK_UNDO_ADD_SA, &m->sa, NULL) :
			      journal(x, PFK_UNDO_DEL_SA, &sa, NULL);
		break;
	case PFK_CMD_GET:
		ret = sa_request(x, pfk_build_get, &sa, m);
		if (ret >= 0 && x->on_result)
			x->on_result(x->ctx, st, m, x->buf, (size_t)ret);
		break;
	case PFK_CMD_DELETE:
		had = x->journal ? sa_snapshot(x, &sa, m) : 0;
		if (had < 0) {
			ret = had;
			break;
		}
		ret = sa_request(x, pfk_build_delete, &sa, NULL);
		if (ret >= 0 && had)
			ret = journal(x, PFK_UNDO_ADD_SA, &m->sa, NULL);
		break;
	case PFK_CMD_DELETEALL:
		ret = run_deleteall(x, st, m);
		break;
	case PFK_CMD_GETSPI:
		ret = run_getspi(x, &sa, m);
		if (!ret && x->on_result)
			x->on_result(x->ctx, st, m, x->buf, 0);
		break;
	case PFK_CMD_FLUSH:
		ret = journal_dump(x, false, st->satype, NULL, NULL);
		if (!ret)
			ret = bare_request(x, pfk_build_flush, st->satype, NULL);
		break;
	case PFK_CMD_DUMP:
		ret = emit_dump(x, st, false, m);
		break;
	case PFK_CMD_SPDADD:
	case PFK_CMD_SPDUPDATE:
	case PFK_CMD_SPDDELETE:
		ret = run_pol_change(x, st, m);
		break;
	case PFK_CMD_SPDFLUSH: {
		struct pfk_buf b = sendbuf(x);

		ret = journal_dump(x, true, PFK_SATYPE_UNSPEC, NULL, NULL);
		if (!ret)
			ret = pfk_build_spdflush(&b, nextseq(x), x->conn->pid);
		if (ret >= 0)
			ret = pfk_exec_request(x, (size_t)ret, NULL);
		break;
	}
	case PFK_CMD_SPDDUMP:
		ret = emit_dump(x, st, true, m);
		break;
	case PFK_CMD_REGISTER:
		ret = bare_request(x, pfk_build_register, st->satype, m);
		if (ret >= 0 && x->on_result)
			x->on_result(x->ctx, st, m, x->buf, (size_t)ret);
		break;
	default:
		ret = -EOPNOTSUPP;
		break;
	}
	pfk_sa_wipe(&sa);
	return ret < 0 ? ret : 0;
}

int pfk_exec_run(struct pfk_exec *x, const struct pfk_stmt *st)
{
	struct pfk_msg *m = malloc(sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	ret = run(x, st, m);
	pfk_msg_wipe(m);
	free(m);
	return ret;
}

int pfk_exec_rollback(struct pfk_exec *x)
{
	bool was = x->journal;
	int first = 0, ret;
	size_t i;

	x->journal = false;
	for (i = x->nundo; i-- > 0; ) {
		struct pfk_undo *u = &x->undo[i];

		switch (u->kind) {
		case PFK_UNDO_DEL_SA:
			ret = sa_request(x, pfk_build_delete, &u->sa, NULL);
			if (ret == -ENOENT || ret == -ESRCH)
				ret = 0;
			break;
		case PFK_UNDO_ADD_SA:
			/* Update undone as delete + add: the SA ends up with the
			 * snapshot's keys and parameters whatever state it is in. */
			ret = sa_request(x, pfk_build_delete, &u->sa, NULL);
			ret = sa_request(x, pfk_build_add, &u->sa, NULL);
			break;
		case PFK_UNDO_DEL_POL:
			ret = pol_request(x, pfk_build_spddelete, &u->pol, NULL);
			if (ret == -ENOENT || ret == -ESRCH)
				ret = 0;
			break;
		case PFK_UNDO_ADD_POL:
			ret = pol_request(x, pfk_build_spdadd, &u->pol, NULL);
			break;
		default:
			ret = pol_request(x, pfk_build_spdupdate, &u->pol, NULL);
			break;
		}
		if (ret < 0 && !first)
			first = ret;
	}
	pfk_exec_journal_clear(x);
	x->journal = was;
	return first;
}

/* ---- pipelining ------------------------------------------------------ */

bool pfk_exec_pipelinable(const struct pfk_exec *x, const struct pfk_stmt *st)
{
	if (x->journal || x->trace)
		return false;
	switch (st->cmd) {
	case PFK_CMD_ADD: case PFK_CMD_UPDATE:
		return !(st->opts & PFK_STMT_SPI_AUTO);
	case PFK_CMD_DELETE: case PFK_CMD_SPDADD: case PFK_CMD_SPDUPDATE: case PFK_CMD_SPDDELETE:
		return true;
	default:
		return false;
	}
}

/*
 * Lost replies. A PF_KEY socket tells its reader nothing when the backend
 * drops a message because the receive queue is full (broadcasts from other
 * writers fill it), and our own replies go the same way. The backend
 * handles one socket's requests in order and answers each before taking
 * the next, so replies come in order: a reply for pend[j] means that every
 * request sent before it was processed and its reply is lost. With no reply
 * of ours for timeout_ms, every request in flight counts as lost too.
 * Lost requests are settled once nothing of ours is in flight (so a probe's
 * reply cannot be confused with a pending one), by asking the backend what
 * the state is, then the batch goes on:
 *   ADD/UPDATE: GET by (satype, src, dst, spi); the SA as requested (same
 *     algorithms, keys, mode and reqid) means applied. An ADD of an SA that
 *     already existed identically counts as applied too: the state the
 *     script asked for holds. Otherwise the request is sent again, alone,
 *     and its reply is the result (EEXIST for an SA with other keys, the
 *     backend's own error for a request it refuses).
 *   DELETE: absent means applied; present: sent again.
 *   SPDADD/SPDUPDATE: the policy with the same selector and direction from
 *     an SPDDUMP, with the same action and requests, means applied;
 *     otherwise sent again. SPDDELETE: absent means applied.
 * The per-request state lives in exec.c's private area behind x->rbuf,
 * index-parallel to x->pend[].
 */
enum { PX_SENT, PX_DONE, PX_LOST };

#define REAP_SLOT 2048	/* per reply; a reply is matched by its header only */

struct reap_area {
	uint8_t slots[PFK_EXEC_BATCH][REAP_SLOT];
	struct {
		int err;
		uint8_t state;
		bool owned;	/* msg is a copy of ours (pfk_exec_submit) */
	} px[PFK_EXEC_WINDOW];
};

static struct reap_area *area(struct pfk_exec *x)
{
	if (!x->rbuf) {
		x->rbuf = calloc(1, sizeof(struct reap_area));
		if (!x->rbuf)
			return NULL;
	}
	return (struct reap_area *)(void *)x->rbuf;
}

static void finish_pend(struct pfk_exec *x, unsigned int i, int err)
{
	struct reap_area *a = (struct reap_area *)(void *)x->rbuf;
	size_t tag = x->pend[i].tag;

	if (a && a->px[i].owned) {
		explicit_bzero(x->pend[i].msg, x->pend[i].len);
		free(x->pend[i].msg);
	}
	memmove(&x->pend[i], &x->pend[i + 1], (x->npend - i - 1) * sizeof(x->pend[0]));
	if (a)
		memmove(&a->px[i], &a->px[i + 1], (x->npend - i - 1) * sizeof(a->px[0]));
	x->npend--;
	if (x->on_done)
		x->on_done(x->ctx, tag, err);
}

/* Fail every request still pending (sent or queued) with err. */
static void fail_all(struct pfk_exec *x, int err)
{
	x->nq = 0;
	while (x->npend)
		finish_pend(x, 0, err);
}

/*
 * Send the queued tail of pend[] (x->nq messages) with as few sendmmsg()
 * calls as the socket allows: one wakeup of the backend per batch instead
 * of one per message. A message the socket refuses (a kernel PF_KEY socket
 * fails sendmsg for a malformed header) fails alone with that errno; the
 * rest are still sent, in order. Returns 0 or a transport error (-EPIPE,
 * ...), after which every pending request has failed with it.
 */
static int flush_queue(struct pfk_exec *x)
{
	struct mmsghdr mv[PFK_EXEC_WINDOW];
	struct iovec iov[PFK_EXEC_WINDOW];
	unsigned int first, i, n;
	int r;

	while (x->nq) {
		first = x->npend - x->nq;
		n = x->nq;
		for (i = 0; i < n; i++) {
			iov[i].iov_base = x->pend[first + i].msg;
			iov[i].iov_len = x->pend[first + i].len;
			memset(&mv[i], 0, sizeof(mv[i]));
			mv[i].msg_hdr.msg_iov = &iov[i];
			mv[i].msg_hdr.msg_iovlen = 1;
		}
		r = pfk_conn_sendv(x->conn, mv, n);
		if (r == -EINTR)
			continue;
		if (r < 0) {
			int err = r;

			if (err == -EPIPE || err == -ECONNRESET || err == -EBADF || err == -ENOTCONN) {
				fail_all(x, err);
				return err;
			}
			/* This one message was refused: it alone fails. Requests
			 * before it may still be unanswered: it waits its turn. */
			x->nq--;
			((struct reap_area *)(void *)x->rbuf)->px[first].state = PX_DONE;
			((struct reap_area *)(void *)x->rbuf)->px[first].err = err;
			if (first == 0)
				finish_pend(x, first, err);
			continue;
		}
		for (i = 0; i < (unsigned int)r; i++)
			if (mv[i].msg_len != iov[i].iov_len) {
				fail_all(x, -EMSGSIZE);
				return -EMSGSIZE;
			}
		x->nq -= (unsigned int)r;
	}
	return 0;
}

/* Wait until fd is readable; 0, -ETIMEDOUT or -errno. */
static int wait_in(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	if (timeout_ms < 0)
		timeout_ms = 0;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send a lost request again, alone, with a fresh seq: the reply's errno. */
static int resend(struct pfk_exec *x, const void *msg, size_t len)
{
	struct sadb_msg *h = (void *)x->sbuf;
	int ret;

	memcpy(x->sbuf, msg, len);
	h->sadb_msg_seq = nextseq(x);
	h->sadb_msg_pid = x->conn->pid;
	ret = request_raw(x, len, NULL);
	return ret < 0 ? ret : 0;
}

static bool same_key(const struct pfk_key *a, const struct pfk_key *b)
{
	return a->bits == b->bits && !memcmp(a->data, b->data, (a->bits + 7u) / 8u);
}

/* The SA the backend holds (got) is the one the request (want) asked for. */
static bool sa_as_requested(const struct pfk_sa *want, const struct pfk_sa *got)
{
	if (want->spi != got->spi || want->auth_alg != got->auth_alg ||
	    want->enc_alg != got->enc_alg || !same_addr(&want->src, &got->src, false) ||
	    !same_addr(&want->dst, &got->dst, false))
		return false;
	if ((want->has & PFK_SA_HAS_AUTH_KEY) && !same_key(&want->auth_key, &got->auth_key))
		return false;
	if ((want->has & PFK_SA_HAS_ENC_KEY) && !same_key(&want->enc_key, &got->enc_key))
		return false;
	/* Mode "any" is stored as the backend's default (transport). */
	if ((want->has & PFK_SA_HAS_SA2) && (want->reqid != got->reqid ||
	    (want->mode > PFK_MODE_ANY && want->mode != got->mode)))
		return false;
	return true;
}

static bool pol_as_requested(const struct pfk_policy *want, const struct pfk_policy *got)
{
	unsigned int i;

	if (want->action != got->action || want->nreq != got->nreq)
		return false;
	for (i = 0; i < want->nreq; i++)
		if (want->req[i].proto != got->req[i].proto ||
		    want->req[i].mode != got->req[i].mode ||
		    want->req[i].level != got->req[i].level)
			return false;
	return true;
}

/* What became of one request whose reply was lost: 0 or -errno, as its
 * reply would have said (see above). Nothing of ours is in flight. */
static int settle(struct pfk_exec *x, const void *msg, size_t len)
{
	const struct sadb_msg *h = msg;
	struct pfk_msg *req = malloc(sizeof(*req)), *got = malloc(sizeof(*got));
	struct pfk_policy pol;
	int ret, found;

	if (!req || !got) {
		ret = -ENOMEM;
		goto out;
	}
	memset(got, 0, sizeof(*got));
	ret = pfk_parse(msg, len, req);
	if (ret)
		goto out;
	switch (h->sadb_msg_type) {
	case SADB_ADD:
	case SADB_UPDATE:
	case SADB_DELETE:
		found = sa_snapshot(x, &req->sa, got);
		if (found < 0) {
			ret = found;
			break;
		}
		if (h->sadb_msg_type == SADB_DELETE ? !found :
		    found && sa_as_requested(&req->sa, &got->sa))
			ret = 0;
		else
			ret = resend(x, msg, len);
		break;
	case SADB_X_SPDADD:
	case SADB_X_SPDUPDATE:
	case SADB_X_SPDDELETE:
		found = pol_snapshot(x, &req->pol, &pol);
		if (found < 0) {
			ret = found;
			break;
		}
		if (h->sadb_msg_type == SADB_X_SPDDELETE ? !found :
		    found && pol_as_requested(&req->pol, &pol))
			ret = 0;
		else
			ret = resend(x, msg, len);
		break;
	default:
		ret = resend(x, msg, len);
		break;
	}
	pfk_msg_wipe(req);
	pfk_msg_wipe(got);
out:
	free(req);
	free(got);
	return ret;
}

/*
 * Report what can be reported, in order: answered requests at the head of
 * the window, and lost ones once nothing of ours is in flight (settled
 * first). Returns how many were reported.
 */
static int report(struct pfk_exec *x, struct reap_area *a)
{
	unsigned int j, nsent = x->npend - x->nq;
	int n = 0;
	bool inflight = false;

	for (j = 0; j < nsent; j++)
		if (a->px[j].state == PX_SENT)
			inflight = true;
	while (x->npend > x->nq) {
		if (a->px[0].state == PX_LOST) {
			if (inflight)
				break;
			a->px[0].err = settle(x, x->pend[0].msg, x->pend[0].len);
			a->px[0].state = PX_DONE;
			/* No answer to the probe either: the backend is not
			 * answering; do not wait timeout_ms once per request. */
			if (a->px[0].err == -ETIMEDOUT)
				for (j = 1; j < x->npend - x->nq; j++)
					if (a->px[j].state == PX_LOST) {
						a->px[j].state = PX_DONE;
						a->px[j].err = -ETIMEDOUT;
					}
		}
		if (a->px[0].state != PX_DONE)
			break;
		finish_pend(x, 0, a->px[0].err);
		n++;
	}
	return n;
}

/*
 * Take every reply already queued (recvmmsg, up to PFK_EXEC_BATCH per
 * call), waiting if there is none, until at least one pending request is
 * reported. This bypasses pfk_conn_recv on purpose: the window's replies
 * are only matched by header (seq, type, pid, errno), so a message longer
 * than a slot is harmless truncated, and one syscall takes a whole burst.
 * Receive-buffer overflows (ENOBUFS) are counted in conn->lost as the
 * transport does. Broadcasts do not extend the wait: timeout_ms runs from
 * the last reply of ours. On a transport error every pending request fails
 * with it.
 */
static int reap_some(struct pfk_exec *x)
{
	struct reap_area *a = area(x);
	struct mmsghdr mv[PFK_EXEC_BATCH];
	struct iovec iov[PFK_EXEC_BATCH];
	int r, i, ret;
	unsigned int j, k;
	int64_t deadline = now_ms() + x->timeout_ms;

	if (!a) {
		fail_all(x, -ENOMEM);
		return -ENOMEM;
	}
	while (!report(x, a)) {
		for (i = 0; i < PFK_EXEC_BATCH; i++) {
			iov[i].iov_base = a->slots[i];
			iov[i].iov_len = REAP_SLOT;
			memset(&mv[i], 0, sizeof(mv[i]));
			mv[i].msg_hdr.msg_iov = &iov[i];
			mv[i].msg_hdr.msg_iovlen = 1;
		}
		r = pfk_conn_recvv(x->conn, mv, PFK_EXEC_BATCH);
		if (r < 0) {
			if (r == -EINTR)
				continue;
			if (r == -ENOBUFS) {
				x->conn->lost++;
				continue;
			}
			ret = r == -EAGAIN || r == -EWOULDBLOCK ?
			      wait_in(x->conn->fd, (int)(deadline - now_ms())) : r;
			if (ret == -ETIMEDOUT) {
				/* Nothing of ours for timeout_ms: what is in
				 * flight is lost (report() settles it). */
				for (j = 0; j < x->npend - x->nq; j++)
					if (a->px[j].state == PX_SENT)
						a->px[j].state = PX_LOST;
				deadline = now_ms() + x->timeout_ms;
				continue;
			}
			if (!ret)
				continue;
			fail_all(x, ret);
			return ret;
		}
		for (i = 0; i < r; i++) {
			const struct sadb_msg *h = iov[i].iov_base;
			unsigned int nsent = x->npend - x->nq;
			size_t len = mv[i].msg_len;

			if (len == 0) {
				/* SEQPACKET end of stream: the backend hung up. */
				explicit_bzero(a->slots, sizeof(a->slots));
				fail_all(x, -ECONNRESET);
				return -ECONNRESET;
			}
			if (len >= sizeof(*h) && h->sadb_msg_pid == x->conn->pid) {
				/* Replies come in order: nearly always pend[0]. */
				for (j = 0; j < nsent; j++)
					if (x->pend[j].seq == h->sadb_msg_seq &&
					    x->pend[j].type == h->sadb_msg_type &&
					    a->px[j].state == PX_SENT)
						break;
				if (j < nsent) {
					a->px[j].state = PX_DONE;
					a->px[j].err = h->sadb_msg_errno ?
						       -(int)h->sadb_msg_errno : 0;
					/* Anything sent before it and still
					 * unanswered will never be. */
					for (k = 0; k < j; k++)
						if (a->px[k].state == PX_SENT)
							a->px[k].state = PX_LOST;
					deadline = now_ms() + x->timeout_ms;
				}
			}
			/* Replies and broadcasts may carry keys. */
			explicit_bzero(iov[i].iov_base, len < REAP_SLOT ? len : REAP_SLOT);
		}
	}
	return 0;
}

/* Room for one more request: with the window full, send what is queued and
 * take replies until a batch fits again (the backend keeps working on the
 * rest of the window meanwhile). */
static int make_room(struct pfk_exec *x)
{
	int ret;

	if (x->npend < PFK_EXEC_WINDOW)
		return 0;
	ret = flush_queue(x);
	if (ret)
		return ret;
	while (x->npend > PFK_EXEC_WINDOW - PFK_EXEC_BATCH) {
		ret = reap_some(x);
		if (ret)
			return ret;
	}
	return 0;
}

int pfk_exec_build(const struct pfk_stmt *st, struct pfk_buf *b, uint32_t seq, uint32_t pid)
{
	switch (st->cmd) {
	case PFK_CMD_ADD: return pfk_build_add(b, &st->sa, seq, pid);
	case PFK_CMD_UPDATE: return pfk_build_update(b, &st->sa, seq, pid);
	case PFK_CMD_DELETE: return pfk_build_delete(b, &st->sa, seq, pid);
	case PFK_CMD_SPDADD: return pfk_build_spdadd(b, &st->pol, seq, pid);
	case PFK_CMD_SPDUPDATE: return pfk_build_spdupdate(b, &st->pol, seq, pid);
	case PFK_CMD_SPDDELETE: return pfk_build_spddelete(b, &st->pol, seq, pid);
	default: return -EINVAL;
	}
}

static int submit(struct pfk_exec *x, void *msg, size_t len, size_t tag, bool owned)
{
	struct reap_area *a = area(x);
	struct sadb_msg *h = msg;
	unsigned int i;
	int ret;

	if (len < sizeof(*h))
		return -EINVAL;
	if (!a)
		return -ENOMEM;
	ret = make_room(x);
	if (ret)
		return ret;
	h->sadb_msg_seq = nextseq(x);
	h->sadb_msg_pid = x->conn->pid;
	i = x->npend++;
	x->pend[i].seq = h->sadb_msg_seq;
	x->pend[i].type = h->sadb_msg_type;
	x->pend[i].tag = tag;
	x->pend[i].msg = msg;
	x->pend[i].len = len;
	a->px[i].state = PX_SENT;
	a->px[i].err = 0;
	a->px[i].owned = owned;
	x->nq++;
	/* Accepted: a transport error from here on reaches this request
	 * through on_done like every other pending one. */
	if (x->nq >= PFK_EXEC_BATCH)
		(void)flush_queue(x);
	return 0;
}

int pfk_exec_submit_msg(struct pfk_exec *x, void *msg, size_t len, size_t tag)
{
	return submit(x, msg, len, tag, false);
}

/* The request is kept (a copy, wiped when reported): a lost reply is
 * settled from it. */
int pfk_exec_submit(struct pfk_exec *x, const struct pfk_stmt *st, size_t tag)
{
	struct pfk_buf b = sendbuf(x);
	void *msg;
	int ret;

	ret = pfk_exec_build(st, &b, 0, 0);
	if (ret < 0)
		return ret;
	msg = malloc((size_t)ret);
	if (msg)
		memcpy(msg, x->sbuf, (size_t)ret);
	explicit_bzero(x->sbuf, b.len);
	if (!msg)
		return -ENOMEM;
	ret = submit(x, msg, (size_t)ret, tag, true);
	if (ret) {
		explicit_bzero(msg, b.len);
		free(msg);
	}
	return ret;
}

int pfk_exec_drain(struct pfk_exec *x)
{
	int ret = flush_queue(x);

	while (!ret && x->npend)
		ret = reap_some(x);
	return ret;
}
