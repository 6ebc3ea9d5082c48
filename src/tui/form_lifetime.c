// SPDX-License-Identifier: BSD-2-Clause
/*
 * form_lifetime.c: the lifetime form on a selected SA (an `update`
 * statement carrying the whole SA, keys included, as af_key's UPDATE
 * needs them) and its ops table.
 */
#include <stdlib.h>
#include <string.h>
#include "form.h"
#include "run.h"
#include "view.h"

enum { L_SOFT, L_HARD, L_SOFTB, L_HARDB, L_N };

/* Nothing depends on a choice: every field is a number. */
static void life_check(struct tui_form *f)
{
	(void)f;
}

/* The whole SA again (af_key's UPDATE needs the keys) with new lifetimes. */
static char *life_text(struct tui_form *f, bool for_check)
{
	const struct pfk_sa *sa = &f->base;
	char a[64], b[64], k[2 * PFK_KEY_MAX + 4];
	const struct pfkm_alg *alg;
	size_t n, cap = 2048;
	char *buf = calloc(1, cap);

	(void)for_check;
	if (!buf)
		return NULL;
	pfk_addr_format(a, sizeof(a), &sa->src, 0);
	pfk_addr_format(b, sizeof(b), &sa->dst, 0);
	n = (size_t)snprintf(buf, cap, "update %s %s %s 0x%08x -m %s -u %u -ls %s -lh %s -bs %s -bh %s",
			     a, b, pfk_satype_name(sa->satype), sa->spi, pfk_mode_name(sa->mode),
			     sa->reqid, tui_form_val(f, L_SOFT), tui_form_val(f, L_HARD),
			     tui_form_val(f, L_SOFTB), tui_form_val(f, L_HARDB));
	if (sa->satype == PFK_SATYPE_IPCOMP) {
		alg = pfkm_alg_by_id(PFKM_ALG_COMP, sa->enc_alg);
		if (alg && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, " -C %s", alg->name);
	} else {
		alg = pfkm_alg_by_id(PFKM_ALG_ENC, sa->enc_alg);
		if (sa->satype == PFK_SATYPE_ESP && alg && n < cap) {
			tui_run_hex(k, sizeof(k), &sa->enc_key);
			n += (size_t)snprintf(buf + n, cap - n, " -E %s %s", alg->name,
					      sa->enc_key.bits ? k : "\"\"");
		}
		alg = pfkm_alg_by_id(PFKM_ALG_AUTH, sa->auth_alg);
		if (sa->auth_alg && alg && n < cap) {
			tui_run_hex(k, sizeof(k), &sa->auth_key);
			n += (size_t)snprintf(buf + n, cap - n, " -A %s %s", alg->name, k);
		}
		explicit_bzero(k, sizeof(k));
	}
	if (n < cap)
		snprintf(buf + n, cap - n, " ;");
	return buf;
}

static const struct tui_form_ops life_ops = {
	.title = "Update SA lifetimes (update)",
	.enter_help = "apply",
	.check = life_check,
	.text = life_text,
	.draw = tui_form_fields_draw,
	.enter = tui_form_apply,
};

static void number(struct tui_form *f, int i, const char *label, uint64_t v, const char *hint)
{
	char s[32];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	tui_form_text_field(f, i, label, &tui_field_text, tui_form_valid_u64, s, hint);
}

struct tui_form *tui_form_lifetime_new(struct tui *t, const struct pfk_sa *sa)
{
	struct tui_form *f = tui_form_new(&life_ops);
	bool soft = sa->has & PFK_SA_HAS_SOFT, hard = sa->has & PFK_SA_HAS_HARD;

	(void)t;
	if (!f)
		return NULL;
	f->base = *sa;
	number(f, L_SOFT, "Soft life (s)", soft ? sa->soft.addtime : 0,
	       "seconds after creation, 0 = none");
	number(f, L_HARD, "Hard life (s)", hard ? sa->hard.addtime : 0,
	       "seconds after creation, 0 = none");
	number(f, L_SOFTB, "Soft bytes", soft ? sa->soft.bytes : 0, "bytes, 0 = none");
	number(f, L_HARDB, "Hard bytes", hard ? sa->hard.bytes : 0, "bytes, 0 = none");
	tui_form_check(f);
	return f;
}
