// SPDX-License-Identifier: BSD-2-Clause
/*
 * render_script.c: setkey statements that recreate an SA ("add ... ;") or a
 * policy ("spdadd ... ;"). Used for `keysh save`, --script and TUI export
 * and copy. Keys are written only when asked (save, export, -K); otherwise
 * each is the word (hidden), which the parser refuses with a message
 * saying the keys were omitted: such a script cannot restore. Whatever
 * the model does not say (HAS_* clear, zero reqid, mode any) is left out so
 * the statement stays as short as one a person would write.
 */
#include <string.h>
#include <netinet/in.h>
#include "text.h"
#include "wire.h"

static void hexkey(FILE *f, const struct pfk_key *k, bool keys)
{
	size_t n = ((size_t)k->bits + 7) / 8, i;

	if (!keys && k->bits) {
		fputs("(hidden)", f);
		return;
	}
	fputs("0x", f);
	for (i = 0; i < n && i < PFK_KEY_MAX; i++)
		fprintf(f, "%02x", k->data[i]);
}

static void host(FILE *f, const struct pfk_addr *a)
{
	char b[PFK_ADDR_TXT];

	if (pfk_addr_format(b, sizeof(b), a, 0) < 0)
		snprintf(b, sizeof(b), "unknown-af-%u", a->family);
	fputs(b, f);
}

static const char *algname(enum pfkm_alg_kind kind, unsigned int id, char *num, size_t cap)
{
	const struct pfkm_alg *a = pfkm_alg_by_id(kind, id);

	if (a)
		return a->name;
	snprintf(num, cap, "%u", id);
	return num;
}

void pfk_render_script_sa(FILE *f, const struct pfk_sa *sa, bool keys)
{
	bool natt = (sa->has & PFK_SA_HAS_NATT) && sa->natt_type;
	char num[16];

	fputs("add ", f);
	host(f, &sa->src);
	if (natt && sa->natt_sport)
		fprintf(f, "[%u]", sa->natt_sport);
	fputc(' ', f);
	host(f, &sa->dst);
	if (natt && sa->natt_dport)
		fprintf(f, "[%u]", sa->natt_dport);
	fprintf(f, " %s 0x%08x", natt && sa->satype == PFK_SATYPE_ESP ? "esp-udp" :
		pfk_satype_name(sa->satype), sa->spi);
	if ((sa->has & PFK_SA_HAS_SA2) && sa->mode && sa->mode != PFK_MODE_ANY)
		fprintf(f, " -m %s", pfk_mode_name(sa->mode));
	if (sa->replay)
		fprintf(f, " -r %u", sa->replay);
	if ((sa->has & PFK_SA_HAS_SA2) && sa->reqid)
		fprintf(f, " -u %u", sa->reqid);
	if (sa->flags & SADB_X_SAFLAGS_ESN)
		fputs(" -f esn", f);
	if (sa->has & PFK_SA_HAS_HARD) {
		if (sa->hard.addtime)
			fprintf(f, " -lh %llu", (unsigned long long)sa->hard.addtime);
		if (sa->hard.bytes)
			fprintf(f, " -bh %llu", (unsigned long long)sa->hard.bytes);
	}
	if (sa->has & PFK_SA_HAS_SOFT) {
		if (sa->soft.addtime)
			fprintf(f, " -ls %llu", (unsigned long long)sa->soft.addtime);
		if (sa->soft.bytes)
			fprintf(f, " -bs %llu", (unsigned long long)sa->soft.bytes);
	}
	if (sa->has & PFK_SA_HAS_SECCTX) {
		fprintf(f, " -ctx %u %u \"", sa->ctx.doi, sa->ctx.alg);
		fwrite(sa->ctx.str, 1, strnlen(sa->ctx.str, sa->ctx.len), f);
		fputc('"', f);
	}
	if (sa->satype == PFK_SATYPE_IPCOMP) {
		fprintf(f, " -C %s", algname(PFKM_ALG_COMP, sa->enc_alg, num, sizeof(num)));
	} else {
		if (sa->has & PFK_SA_HAS_ENC_KEY) {
			fprintf(f, " -E %s ", algname(PFKM_ALG_ENC, sa->enc_alg, num, sizeof(num)));
			hexkey(f, &sa->enc_key, keys);
		}
		if (sa->has & PFK_SA_HAS_AUTH_KEY) {
			fprintf(f, " -A %s ", algname(PFKM_ALG_AUTH, sa->auth_alg, num, sizeof(num)));
			hexkey(f, &sa->auth_key, keys);
		}
	}
	fputs(" ;\n", f);
}

/* Selector: "addr/plen[port]" always with the prefix and "[any]" so the
 * statement means the same whatever defaults the reader applies. ICMP-like
 * protocols carry type/code in the ports and print them in the upperspec. */
static void selector(FILE *f, const struct pfk_addr *a, unsigned int ulp)
{
	bool code = ulp == IPPROTO_ICMP || ulp == IPPROTO_ICMPV6 || ulp == IPPROTO_MH ||
		    ulp == IPPROTO_GRE;
	char b[PFK_ADDR_TXT];

	if (pfk_addr_format(b, sizeof(b), a, PFK_ADDR_PLEN | (code ? 0 : PFK_ADDR_PORT_ANY)) < 0)
		snprintf(b, sizeof(b), "unknown-af-%u/%u", a->family, a->prefixlen);
	fputs(b, f);
}

void pfk_render_script_policy(FILE *f, const struct pfk_policy *p)
{
	unsigned int ulp = p->src.proto ? p->src.proto : IPSEC_ULPROTO_ANY;
	const char *un = pfk_ulproto_name(ulp);
	unsigned int i;

	fputs("spdadd ", f);
	selector(f, &p->src, ulp);
	fputc(' ', f);
	selector(f, &p->dst, ulp);
	if (un)
		fprintf(f, " %s", un);
	else
		fprintf(f, " %u", ulp);
	if ((ulp == IPPROTO_ICMP || ulp == IPPROTO_ICMPV6 || ulp == IPPROTO_MH) &&
	    (p->src.port || p->dst.port))
		fprintf(f, " %u,%u", p->src.port, p->dst.port);
	else if (ulp == IPPROTO_GRE && (p->src.port || p->dst.port))
		fprintf(f, " %u", ((unsigned int)p->src.port << 16) + p->dst.port);
	if (p->has & PFK_POL_HAS_SECCTX) {
		fprintf(f, " -ctx %u %u \"", p->ctx.doi, p->ctx.alg);
		fwrite(p->ctx.str, 1, strnlen(p->ctx.str, p->ctx.len), f);
		fputc('"', f);
	}
	fprintf(f, " -P %s", pfk_dir_name(p->dir));
	pfk_render_priority(f, p->priority);
	fprintf(f, " %s", pfk_action_name(p->action));
	if (p->action == PFK_ACTION_IPSEC)
		for (i = 0; i < p->nreq; i++) {
			fputc(' ', f);
			/* With ports: NAT-T tunnel endpoints carry them. */
			pfk_render_request(f, &p->req[i],
					   p->req[i].src.port || p->req[i].dst.port);
		}
	fputs(" ;\n", f);
}
