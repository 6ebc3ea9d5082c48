// SPDX-License-Identifier: BSD-2-Clause
/*
 * form_sa.c: the compose-SA form (an `add` statement): its fields, the
 * algorithm pick-lists that follow the protocol, and its ops table.
 */
#include <stdlib.h>
#include <string.h>
#include "form.h"
#include "view.h"

enum { S_SRC, S_DST, S_PROTO, S_SPI, S_MODE, S_REQID, S_EALG, S_EKEY, S_AALG, S_AKEY,
       S_SOFT, S_HARD, S_N };

static const char *const protos[] = { "esp", "ah", "ipcomp" };
static const char *const modes[] = { "transport", "tunnel", "any" };

static enum pfk_satype sa_type(const struct tui_form *f)
{
	const char *p = tui_form_val(f, S_PROTO);

	return !strcmp(p, "ah") ? PFK_SATYPE_AH : !strcmp(p, "ipcomp") ?
	       PFK_SATYPE_IPCOMP : PFK_SATYPE_ESP;
}

static int valid_spi(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e)
{
	return tui_form_valid_spi(sa_type(f), fd, e);
}

/* Algorithm pick-lists follow the protocol: only valid names are offered. */
static void sa_check(struct tui_form *f)
{
	enum pfk_satype t = sa_type(f);
	struct tui_field *e = &f->f[S_EALG], *a = &f->f[S_AALG];
	const char *keep_e = e->nchoices ? e->choices[e->choice] : "aes-cbc";
	const char *keep_a = a->nchoices ? a->choices[a->choice] : "hmac-sha256";
	int i;

	if (t == PFK_SATYPE_IPCOMP) {
		e->label = "Compression";
		e->nchoices = (int)pfk_alg_names(t, PFKM_ALG_COMP, e->choices, TUI_CHOICE_MAX);
	} else {
		e->label = "Encryption";
		e->nchoices = (int)pfk_alg_names(t, PFKM_ALG_ENC, e->choices, TUI_CHOICE_MAX);
	}
	a->choices[0] = "(none)";
	a->nchoices = 1 + (int)pfk_alg_names(t, PFKM_ALG_AUTH, a->choices + 1, TUI_CHOICE_MAX - 1);
	e->choice = a->choice = 0;
	for (i = 0; i < e->nchoices; i++)
		if (!strcmp(e->choices[i], keep_e))
			e->choice = i;
	for (i = 0; i < a->nchoices; i++)
		if (!strcmp(a->choices[i], keep_a))
			a->choice = i;
	if (t == PFK_SATYPE_AH && a->choice == 0 && a->nchoices > 1)
		a->choice = 1;
	e->hidden = t == PFK_SATYPE_AH;
	f->f[S_EKEY].hidden = t != PFK_SATYPE_ESP;
	a->hidden = t == PFK_SATYPE_IPCOMP;
	f->f[S_AKEY].hidden = t == PFK_SATYPE_IPCOMP || a->choice == 0;
	if (t == PFK_SATYPE_ESP) {
		const struct pfkm_alg *ea = pfkm_alg_by_name(PFKM_ALG_ENC, tui_form_val(f, S_EALG));

		/* an AEAD authenticates itself: no -A */
		if (ea && ea->aead) {
			a->choice = 0;
			f->f[S_AKEY].hidden = true;
		}
	}
}

static char *sa_text(struct tui_form *f, bool for_check)
{
	enum pfk_satype t = sa_type(f);
	size_t n, cap = 2048;
	char *buf = calloc(1, cap);

	(void)for_check;
	if (!buf)
		return NULL;
	n = (size_t)snprintf(buf, cap, "add %s %s %s %s -m %s", tui_form_val(f, S_SRC),
			     tui_form_val(f, S_DST), tui_form_val(f, S_PROTO),
			     tui_form_val(f, S_SPI), tui_form_val(f, S_MODE));
	if (f->f[S_REQID].len && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -u %s", tui_form_val(f, S_REQID));
	if (f->f[S_SOFT].len && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -ls %s", tui_form_val(f, S_SOFT));
	if (f->f[S_HARD].len && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -lh %s", tui_form_val(f, S_HARD));
	if (t == PFK_SATYPE_IPCOMP && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -C %s", tui_form_val(f, S_EALG));
	if (t == PFK_SATYPE_ESP && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -E %s %s", tui_form_val(f, S_EALG),
				      tui_form_val(f, S_EKEY));
	if (t != PFK_SATYPE_IPCOMP && f->f[S_AALG].choice > 0 && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -A %s %s", tui_form_val(f, S_AALG),
				      tui_form_val(f, S_AKEY));
	if (n < cap)
		snprintf(buf + n, cap - n, " ;");
	return buf;
}

static const struct tui_form_ops sa_ops = {
	.title = "Compose SA (add)",
	.enter_help = "apply",
	.check = sa_check,
	.text = sa_text,
	.draw = tui_form_fields_draw,
	.enter = tui_form_apply,
};

static void key_field(struct tui_form *f, int i, const char *label, int alg,
		      enum pfkm_alg_kind kind)
{
	tui_form_text_field(f, i, label, &tui_field_key, NULL, "",
			    "0x hex or \"string\"; C-g generates");
	f->f[i].alg = alg;
	f->f[i].alg_kind = kind;
}

struct tui_form *tui_form_sa_new(struct tui *t)
{
	struct tui_form *f = tui_form_new(&sa_ops);
	const struct tui_field_ops *text = &tui_field_text;

	(void)t;
	if (!f)
		return NULL;
	tui_form_text_field(f, S_SRC, "Source", text, tui_form_valid_host, "",
			    "address of the sending end");
	tui_form_text_field(f, S_DST, "Destination", text, tui_form_valid_host, "",
			    "address of the receiving end");
	tui_form_pick_field(f, S_PROTO, "Protocol", protos, 3);
	tui_form_text_field(f, S_SPI, "SPI", text, valid_spi, "auto",
			    "number, 0x hex, or auto (GETSPI); C-g: auto");
	f->f[S_SPI].spi_auto = true;
	tui_form_pick_field(f, S_MODE, "Mode", modes, 3);
	tui_form_text_field(f, S_REQID, "Reqid", text, tui_form_valid_u64, "",
			    "optional, ties the SA to a unique policy");
	tui_form_pick_field(f, S_EALG, "Encryption", NULL, 0);
	key_field(f, S_EKEY, "Enc key", S_EALG, PFKM_ALG_ENC);
	tui_form_pick_field(f, S_AALG, "Auth", NULL, 0);
	key_field(f, S_AKEY, "Auth key", S_AALG, PFKM_ALG_AUTH);
	tui_form_text_field(f, S_SOFT, "Soft life (s)", text, tui_form_valid_u64, "",
			    "optional seconds; give both or neither");
	tui_form_text_field(f, S_HARD, "Hard life (s)", text, tui_form_valid_u64, "",
			    "optional seconds; give both or neither");
	f->f[S_REQID].optional = f->f[S_SOFT].optional = f->f[S_HARD].optional = true;
	tui_form_check(f);
	return f;
}
