// SPDX-License-Identifier: BSD-2-Clause
/*
 * render_setkey.c: `setkey -D` and `setkey -DP` text, laid out as
 * ipsec-tools' pfkey_sadump1/pfkey_spdump1 print it (tabs, trailing blanks
 * and all), so scripts that scrape setkey output keep working. Keys print as
 * "(hidden)" unless PFK_R_SHOW_KEYS. Known, deliberate differences: the
 * IPComp "C:" line ends with a newline, algorithm and mode names come from
 * our tables (aes-gcm-16, beet) instead of bare numbers.
 */
#include <string.h>
#include <netinet/in.h>
#include "text.h"

static void addr_sa(struct pfk_ob *o, const struct pfk_addr *a, bool ports)
{
	char host[PFK_ADDR_TXT];

	if (pfk_addr_format(host, sizeof(host), a, ports ? PFK_ADDR_PORT_ALWAYS : 0) >= 0) {
		pfk_ob_str(o, host);
		return;
	}
	snprintf(host, sizeof(host), "(unknown-af %u)", a->family);
	pfk_ob_str(o, host);
	if (ports) {
		pfk_ob_chr(o, '[');
		pfk_ob_u64(o, a->port);
		pfk_ob_chr(o, ']');
	}
}

static void key_line(struct pfk_ob *o, const char *tag, const char *alg,
		     const struct pfk_key *k, unsigned int flags)
{
	pfk_ob_chr(o, '\t');
	pfk_ob_str(o, tag);
	pfk_ob_mem(o, ": ", 2);
	pfk_ob_str(o, alg);
	pfk_ob_chr(o, ' ');
	if (flags & PFK_R_SHOW_KEYS)
		pfk_ob_hexdump(o, k->data, k->bits / 8);
	else
		pfk_ob_str(o, " (hidden)");
	pfk_ob_chr(o, '\n');
}

static const char *alg_name(enum pfkm_alg_kind kind, unsigned int id, char *num, size_t cap)
{
	const struct pfkm_alg *a = pfkm_alg_by_id(kind, id);

	if (id == 0)
		return "none";
	if (a)
		return a->name;
	snprintf(num, cap, "%u", id);
	return num;
}

/* "\tTAG: N(UNIT)" */
static void tagged(struct pfk_ob *o, const char *tag, uint64_t v, const char *unit)
{
	pfk_ob_chr(o, '\t');
	pfk_ob_str(o, tag);
	pfk_ob_mem(o, ": ", 2);
	pfk_ob_u64(o, v);
	pfk_ob_str(o, unit);
}

/* "N(0x%08x)" */
static void num_hex(struct pfk_ob *o, uint32_t v)
{
	pfk_ob_u64(o, v);
	pfk_ob_mem(o, "(0x", 3);
	pfk_ob_hex32(o, v);
	pfk_ob_chr(o, ')');
}

static void secctx_lines(FILE *f, const struct pfk_secctx *c)
{
	fprintf(f, "\tsecurity context doi: %u\n", c->doi);
	fprintf(f, "\tsecurity context algorithm: %u\n", c->alg);
	fprintf(f, "\tsecurity context length: %u\n", c->len);
	fprintf(f, "\tsecurity context: %s\n", c->str);
}

/* One block per SA, built in a pfk_ob (one fwrite): dumps of 100k SAs are
 * dominated by this function, so no printf per field. */
void pfk_render_sa_setkey(FILE *f, const struct pfk_msg *m, unsigned int flags, uint64_t now)
{
	const struct pfk_sa *sa = &m->sa;
	bool ports = flags & PFK_R_PORTS;
	bool natt = (sa->has & PFK_SA_HAS_NATT) && sa->natt_type;
	const struct pfk_lifetime *h = sa->has & PFK_SA_HAS_HARD ? &sa->hard : NULL;
	const struct pfk_lifetime *s = sa->has & PFK_SA_HAS_SOFT ? &sa->soft : NULL;
	char num[16], t1[21];
	struct pfk_ob o;

	pfk_ob_init(&o, f);
	if (!(sa->has & PFK_SA_HAS_SRC)) {
		pfk_ob_str(&o, "no ADDRESS_SRC extension.\n");
		goto out;
	}
	addr_sa(&o, &sa->src, ports);
	if (natt && sa->natt_sport) {
		pfk_ob_chr(&o, '[');
		pfk_ob_u64(&o, sa->natt_sport);
		pfk_ob_chr(&o, ']');
	}
	pfk_ob_chr(&o, ' ');
	if (!(sa->has & PFK_SA_HAS_DST)) {
		pfk_ob_str(&o, " no ADDRESS_DST extension.\n");
		goto out;
	}
	addr_sa(&o, &sa->dst, ports);
	if (natt && sa->natt_dport) {
		pfk_ob_chr(&o, '[');
		pfk_ob_u64(&o, sa->natt_dport);
		pfk_ob_chr(&o, ']');
	}
	pfk_ob_chr(&o, ' ');
	if (!(sa->has & PFK_SA_HAS_SA)) {
		pfk_ob_str(&o, "no SA extension.\n");
		goto out;
	}
	if (!(sa->has & PFK_SA_HAS_SA2)) {
		pfk_ob_str(&o, "no SA2 extension.\n");
		goto out;
	}
	pfk_ob_mem(&o, "\n\t", 2);
	if (natt && m->satype == PFK_SATYPE_ESP) {
		pfk_ob_str(&o, "esp-udp ");
	} else {
		if (natt)
			pfk_ob_str(&o, "natt+");
		pfk_ob_str(&o, pfk_satype_name(m->satype));
		pfk_ob_chr(&o, ' ');
	}
	pfk_ob_str(&o, "mode=");
	pfk_ob_str(&o, pfk_mode_name(sa->mode));
	pfk_ob_str(&o, " spi=");
	num_hex(&o, sa->spi);
	pfk_ob_str(&o, " reqid=");
	num_hex(&o, sa->reqid);
	pfk_ob_chr(&o, '\n');
	if (natt && (sa->has & PFK_SA_HAS_NATT_OA)) {
		char oa[PFK_ADDR_TXT];

		pfk_addr_format(oa, sizeof(oa), &sa->natt_oa, 0);
		pfk_ob_str(&o, "\tNAT OA=");
		pfk_ob_str(&o, oa);
		pfk_ob_chr(&o, '\n');
	}
	if (m->satype == PFK_SATYPE_IPCOMP) {
		pfk_ob_str(&o, "\tC: ");
		pfk_ob_str(&o, alg_name(PFKM_ALG_COMP, sa->enc_alg, num, sizeof(num)));
		pfk_ob_mem(&o, " \n", 2);
	} else if (m->satype == PFK_SATYPE_ESP && (sa->has & PFK_SA_HAS_ENC_KEY)) {
		key_line(&o, "E", alg_name(PFKM_ALG_ENC, sa->enc_alg, num, sizeof(num)),
			 &sa->enc_key, flags);
	}
	if (sa->has & PFK_SA_HAS_AUTH_KEY)
		key_line(&o, "A", alg_name(PFKM_ALG_AUTH, sa->auth_alg, num, sizeof(num)),
			 &sa->auth_key, flags);
	pfk_ob_str(&o, "\tseq=0x");
	pfk_ob_hex32(&o, sa->sa2_seq);
	pfk_ob_str(&o, " replay=");
	pfk_ob_u64(&o, sa->replay);
	pfk_ob_str(&o, " flags=0x");
	pfk_ob_hex32(&o, sa->flags);
	pfk_ob_str(&o, " state=");
	pfk_ob_str(&o, pfk_state_name(sa->state));
	pfk_ob_mem(&o, " \n", 2);

	if (sa->has & PFK_SA_HAS_CUR) {
		const struct pfk_lifetime *c = &sa->cur;

		pfk_ob_str(&o, "\tcreated: ");
		pfk_ob_str(&o, pfk_text_time(t1, c->addtime));
		pfk_ob_str(&o, "\tcurrent: ");
		pfk_ob_str(&o, pfk_text_time(t1, now));
		pfk_ob_chr(&o, '\n');
		tagged(&o, "diff", c->addtime == 0 || now < c->addtime ? 0 : now - c->addtime,
		       "(s)");
		tagged(&o, "hard", h ? h->addtime : 0, "(s)");
		tagged(&o, "soft", s ? s->addtime : 0, "(s)\n");
		pfk_ob_str(&o, "\tlast: ");
		pfk_ob_str(&o, pfk_text_time(t1, c->usetime));
		tagged(&o, "hard", h ? h->usetime : 0, "(s)");
		tagged(&o, "soft", s ? s->usetime : 0, "(s)\n");
		tagged(&o, "current", c->bytes, "(bytes)");
		tagged(&o, "hard", h ? h->bytes : 0, "(bytes)");
		tagged(&o, "soft", s ? s->bytes : 0, "(bytes)\n");
		tagged(&o, "allocated", c->allocations, "");
		tagged(&o, "hard", h ? h->allocations : 0, "");
		tagged(&o, "soft", s ? s->allocations : 0, "\n");
	}
	if (sa->has & PFK_SA_HAS_SECCTX) {
		pfk_ob_flush(&o);
		secctx_lines(f, &sa->ctx);
	}
	pfk_ob_str(&o, "\tsadb_seq=");
	pfk_ob_u64(&o, m->seq);
	pfk_ob_str(&o, " pid=");
	pfk_ob_u64(&o, m->pid);
	pfk_ob_str(&o, " refcnt=");
	pfk_ob_u64(&o, m->reserved);
	pfk_ob_chr(&o, '\n');
out:
	pfk_ob_flush(&o);
}

/* A selector and a blank: "/plen" unless full length, then "[port]"/"[any]"
 * unless the upper protocol uses the port fields for something else (ICMP
 * type/code, GRE key); "unknown-af " for a family setkey cannot print. */
static void selector(FILE *f, const struct pfk_addr *a, unsigned int ulp)
{
	unsigned int flags = PFK_ADDR_PLEN_SHORT;
	char t[PFK_ADDR_TXT];

	switch (ulp) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
	case IPPROTO_MH:
	case IPPROTO_GRE:
		break;
	default:
		flags |= PFK_ADDR_PORT_ANY;
	}
	if (pfk_addr_format(t, sizeof(t), a, flags) < 0) {
		fputs("unknown-af ", f);
		return;
	}
	fputs(t, f);
	fputc(' ', f);
}

static void upperspec(FILE *f, unsigned int ulp, unsigned int p1, unsigned int p2)
{
	const char *n = pfk_ulproto_name(ulp);

	if (n)
		fputs(n, f);
	else
		fprintf(f, "%u", ulp);
	if (p1 == 0 && p2 == 0)
		return;
	switch (ulp) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
	case IPPROTO_MH:
		fprintf(f, " %u,%u", p1, p2);
		break;
	case IPPROTO_GRE:
		fprintf(f, " %u", (p1 << 16) + p2);
		break;
	}
}

/* "prio def + 5": which named base the wire value is nearest to. */
void pfk_render_priority(FILE *f, uint32_t prio)
{
	const char *base;
	int64_t off;

	if (prio == 0)
		return;
	if (prio < PFK_PRIO_DEFAULT / 4 * 3) {
		base = "high";
		off = (int64_t)prio - PFK_PRIO_HIGH;
	} else if (prio < PFK_PRIO_DEFAULT / 4 * 5) {
		base = "def";
		off = (int64_t)prio - PFK_PRIO_DEFAULT;
	} else {
		base = "low";
		off = (int64_t)prio - PFK_PRIO_LOW;
	}
	/* Input syntax counts the other way round: "+ n" is more urgent. */
	off = -off;
	if (off)
		fprintf(f, " prio %s %c %llu", base, off < 0 ? '-' : '+',
			(unsigned long long)(off < 0 ? -off : off));
	else
		fprintf(f, " prio %s", base);
}

static void tunnel_host(FILE *f, const struct pfk_addr *a, bool ports)
{
	char host[PFK_ADDR_TXT];

	if (pfk_addr_format(host, sizeof(host), a, ports ? PFK_ADDR_PORT_ALWAYS : 0) >= 0)
		fputs(host, f);
	else if (ports)
		fprintf(f, "[%u]", a->port);
}

/* "esp/tunnel/A-B/require:5" (':' for manual reqids, '#' for kernel ones). */
void pfk_render_request(FILE *f, const struct pfk_ipsecreq *r, bool ports)
{
	fprintf(f, "%s/%s/", pfk_ipproto_name(r->proto), pfk_mode_name(r->mode));
	if (r->src.family) {
		tunnel_host(f, &r->src, ports);
		fputc('-', f);
		tunnel_host(f, &r->dst, ports);
	}
	fprintf(f, "/%s", pfk_level_name(r->level));
	if (r->reqid)
		fprintf(f, "%c%u", r->reqid > IPSEC_MANUAL_REQID_MAX ? '#' : ':', r->reqid);
}

void pfk_render_policy_setkey(FILE *f, const struct pfk_msg *m, unsigned int flags, uint64_t now)
{
	const struct pfk_policy *p = &m->pol;
	bool ports = flags & PFK_R_PORTS;
	char t1[21], t2[21];
	unsigned int i;

	(void)now;
	if (!(p->has & PFK_POL_HAS_POLICY)) {
		fputs("no X_POLICY extension.\n", f);
		return;
	}
	if (p->id % 8 >= 3) {
		fputs("(per-socket policy) ", f);
	} else if ((p->has & PFK_POL_HAS_SRC) && (p->has & PFK_POL_HAS_DST)) {
		selector(f, &p->src, p->src.proto);
		selector(f, &p->dst, p->src.proto);
		if (p->src.proto != p->dst.proto) {
			fputs("upper layer protocol mismatched.\n", f);
			return;
		}
		upperspec(f, p->src.proto, p->src.port, p->dst.port);
	} else {
		fputs("(no selector, probably per-socket policy) ", f);
	}

	fprintf(f, "\n\t%s", pfk_dir_name(p->dir));
	pfk_render_priority(f, p->priority);
	fprintf(f, " %s", pfk_action_name(p->action));
	if (p->action == PFK_ACTION_IPSEC)
		for (i = 0; i < p->nreq; i++) {
			fputs("\n\t", f);
			pfk_render_request(f, &p->req[i], ports);
		}
	fputc('\n', f);
	if (p->has & PFK_POL_HAS_CUR) {
		fprintf(f, "\tcreated: %s  ", pfk_text_time(t1, p->cur.addtime));
		fprintf(f, "lastused: %s\n", pfk_text_time(t2, p->cur.usetime));
	}
	if (p->has & PFK_POL_HAS_HARD) {
		fprintf(f, "\tlifetime: %llu(s) ", (unsigned long long)p->hard.addtime);
		fprintf(f, "validtime: %llu(s)\n", (unsigned long long)p->hard.usetime);
	}
	if (p->has & PFK_POL_HAS_SECCTX)
		secctx_lines(f, &p->ctx);
	fprintf(f, "\tspid=%u seq=%u pid=%u\n", p->id, m->seq, m->pid);
	fprintf(f, "\trefcnt=%u\n", m->reserved);
}
