// SPDX-License-Identifier: BSD-2-Clause
/*
 * form.c: the compose forms (SA, policy, lifetime update) and the form
 * engine the pair wizard (wizard.c) shares: field editing, pick-lists,
 * key generation, inline checks with keysh's validators, drawing, and
 * applying the resulting statement through run.c.
 *
 * Key material typed or generated into a field lives in f->f[i].val; it is
 * wiped when the form is freed, and statement text built from it is wiped
 * right after use.
 */
#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include "form.h"
#include "run.h"
#include "view.h"
#include "action.h"

/* SA form fields */
enum { S_SRC, S_DST, S_PROTO, S_SPI, S_MODE, S_REQID, S_EALG, S_EKEY, S_AALG, S_AKEY,
       S_SOFT, S_HARD, S_N };
/* policy form fields */
enum { P_SRC, P_DST, P_UPPER, P_DIR, P_ACTION, P_PROTO, P_MODE, P_TUNNEL, P_LEVEL, P_PRIO, P_N };
/* lifetime form fields */
enum { L_SOFT, L_HARD, L_SOFTB, L_HARDB, L_N };

static const char *const protos[] = { "esp", "ah", "ipcomp" };
static const char *const modes[] = { "transport", "tunnel", "any" };
static const char *const pmodes[] = { "transport", "tunnel" };
static const char *const dirs[] = { "out", "in", "fwd" };
static const char *const actions[] = { "ipsec", "discard", "none" };
static const char *const levels[] = { "require", "use", "unique", "default" };

int tui_form_random_key(char *buf, size_t cap, size_t nbytes)
{
	uint8_t k[PFK_KEY_MAX];
	size_t i, o;

	if (nbytes > sizeof(k) || cap < 2 * nbytes + 3)
		return -EINVAL;
	if (RAND_bytes(k, (int)nbytes) != 1)
		return -EIO;
	o = (size_t)snprintf(buf, cap, "0x");
	for (i = 0; i < nbytes; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%02x", k[i]);
	explicit_bzero(k, sizeof(k));
	return 0;
}

static void set_val(struct tui_field *fd, const char *v)
{
	explicit_bzero(fd->val, sizeof(fd->val));
	snprintf(fd->val, sizeof(fd->val), "%s", v);
	fd->len = strlen(fd->val);
	fd->generated = false;
}

static void field(struct tui_form *f, int i, const char *label, enum tui_ftype type,
		  const char *val, const char *hint)
{
	struct tui_field *fd = &f->f[i];

	fd->label = label;
	fd->type = type;
	fd->hint = hint;
	set_val(fd, val ? val : "");
	if (i + 1 > f->nf)
		f->nf = i + 1;
}

static void pick(struct tui_form *f, int i, const char *label, const char *const *c, int n)
{
	struct tui_field *fd = &f->f[i];
	int k;

	field(f, i, label, TUI_F_PICK, NULL, "Left/Right or Space to change");
	for (k = 0; k < n && k < TUI_CHOICE_MAX; k++)
		fd->choices[k] = c[k];
	fd->nchoices = k;
	fd->choice = 0;
}

/* snprintf that returns what it wrote; a long field just gets cut (the
 * parser then reports the cut statement). */
static size_t app(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static size_t app(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
}

static const char *fval(const struct tui_form *f, int i)
{
	const struct tui_field *fd = &f->f[i];

	if (fd->type == TUI_F_PICK)
		return fd->nchoices ? fd->choices[fd->choice] : "";
	return fd->val;
}

/* ---- SA form ------------------------------------------------------- */

static enum pfk_satype sa_type(const struct tui_form *f)
{
	const char *p = fval(f, S_PROTO);

	return !strcmp(p, "ah") ? PFK_SATYPE_AH : !strcmp(p, "ipcomp") ?
	       PFK_SATYPE_IPCOMP : PFK_SATYPE_ESP;
}

/* Algorithm pick-lists follow the protocol: only valid names are offered. */
static void sa_algs(struct tui_form *f)
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
		const struct pfkm_alg *ea = pfkm_alg_by_name(PFKM_ALG_ENC, fval(f, S_EALG));

		/* an AEAD authenticates itself: no -A */
		if (ea && ea->aead) {
			a->choice = 0;
			f->f[S_AKEY].hidden = true;
		}
	}
}

struct tui_form *tui_form_sa_new(struct tui *t)
{
	struct tui_form *f = calloc(1, sizeof(*f));
	(void)t;

	if (!f)
		return NULL;
	f->kind = TUI_FORM_SA;
	f->title = "Compose SA (add)";
	field(f, S_SRC, "Source", TUI_F_TEXT, "", "address of the sending end");
	field(f, S_DST, "Destination", TUI_F_TEXT, "", "address of the receiving end");
	pick(f, S_PROTO, "Protocol", protos, 3);
	field(f, S_SPI, "SPI", TUI_F_TEXT, "auto", "number, 0x hex, or auto (GETSPI); C-g: auto");
	pick(f, S_MODE, "Mode", modes, 3);
	field(f, S_REQID, "Reqid", TUI_F_TEXT, "", "optional, ties the SA to a unique policy");
	pick(f, S_EALG, "Encryption", NULL, 0);
	field(f, S_EKEY, "Enc key", TUI_F_KEY, "", "0x hex or \"string\"; C-g generates");
	pick(f, S_AALG, "Auth", NULL, 0);
	field(f, S_AKEY, "Auth key", TUI_F_KEY, "", "0x hex or \"string\"; C-g generates");
	field(f, S_SOFT, "Soft life (s)", TUI_F_TEXT, "", "optional seconds; give both or neither");
	field(f, S_HARD, "Hard life (s)", TUI_F_TEXT, "", "optional seconds; give both or neither");
	f->f[S_REQID].optional = f->f[S_SOFT].optional = f->f[S_HARD].optional = true;
	sa_algs(f);
	tui_form_check(f);
	return f;
}

static size_t sa_text(struct tui_form *f, char *buf, size_t cap)
{
	enum pfk_satype t = sa_type(f);
	size_t n;

	n = (size_t)snprintf(buf, cap, "add %s %s %s %s -m %s", fval(f, S_SRC), fval(f, S_DST),
			     fval(f, S_PROTO), fval(f, S_SPI), fval(f, S_MODE));
	if (f->f[S_REQID].len && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -u %s", fval(f, S_REQID));
	if (f->f[S_SOFT].len && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -ls %s", fval(f, S_SOFT));
	if (f->f[S_HARD].len && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -lh %s", fval(f, S_HARD));
	if (t == PFK_SATYPE_IPCOMP && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -C %s", fval(f, S_EALG));
	if (t == PFK_SATYPE_ESP && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -E %s %s", fval(f, S_EALG), fval(f, S_EKEY));
	if (t != PFK_SATYPE_IPCOMP && f->f[S_AALG].choice > 0 && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " -A %s %s", fval(f, S_AALG), fval(f, S_AKEY));
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " ;");
	return n;
}

/* ---- policy form --------------------------------------------------- */

static void pol_visibility(struct tui_form *f)
{
	bool ipsec = !strcmp(fval(f, P_ACTION), "ipsec");

	f->f[P_PROTO].hidden = f->f[P_MODE].hidden = f->f[P_LEVEL].hidden = !ipsec;
	f->f[P_TUNNEL].hidden = !ipsec || strcmp(fval(f, P_MODE), "tunnel");
}

struct tui_form *tui_form_policy_new(struct tui *t)
{
	struct tui_form *f = calloc(1, sizeof(*f));
	(void)t;

	if (!f)
		return NULL;
	f->kind = TUI_FORM_POLICY;
	f->title = "Compose policy (spdadd)";
	field(f, P_SRC, "Source range", TUI_F_TEXT, "", "address[/prefix][[port]]");
	field(f, P_DST, "Dest range", TUI_F_TEXT, "", "address[/prefix][[port]]");
	field(f, P_UPPER, "Upper proto", TUI_F_TEXT, "any", "any, tcp, udp, icmp, icmp6 or a number");
	pick(f, P_DIR, "Direction", dirs, 3);
	pick(f, P_ACTION, "Action", actions, 3);
	pick(f, P_PROTO, "IPsec proto", protos, 3);
	pick(f, P_MODE, "Mode", pmodes, 2);
	field(f, P_TUNNEL, "Tunnel", TUI_F_TEXT, "", "outer addresses: local-remote");
	pick(f, P_LEVEL, "Level", levels, 4);
	field(f, P_PRIO, "Priority", TUI_F_TEXT, "", "optional: number, low, def, high");
	f->f[P_PRIO].optional = true;
	pol_visibility(f);
	tui_form_check(f);
	return f;
}

static size_t pol_policy_text(struct tui_form *f, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "%s", fval(f, P_DIR));

	if (f->f[P_PRIO].len && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " prio %s", fval(f, P_PRIO));
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " %s", fval(f, P_ACTION));
	if (!strcmp(fval(f, P_ACTION), "ipsec") && n < cap)
		n += app(buf + n, cap - n, " %s/%s/%s/%s", fval(f, P_PROTO), fval(f, P_MODE),
			 f->f[P_TUNNEL].hidden ? "" : fval(f, P_TUNNEL), fval(f, P_LEVEL));
	return n;
}

static size_t pol_text(struct tui_form *f, char *buf, size_t cap)
{
	char pol[1024];
	size_t n;

	pol_policy_text(f, pol, sizeof(pol));
	n = (size_t)snprintf(buf, cap, "spdadd %s %s %s -P %s ;", fval(f, P_SRC), fval(f, P_DST),
			     fval(f, P_UPPER), pol);
	return n;
}

/* ---- lifetime form ------------------------------------------------- */

struct tui_form *tui_form_lifetime_new(struct tui *t, const struct pfk_sa *sa)
{
	struct tui_form *f = calloc(1, sizeof(*f));
	char v[32];
	(void)t;

	if (!f)
		return NULL;
	f->kind = TUI_FORM_LIFETIME;
	f->title = "Update SA lifetimes (update)";
	f->base = *sa;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)((sa->has & PFK_SA_HAS_SOFT) ? sa->soft.addtime : 0));
	field(f, L_SOFT, "Soft life (s)", TUI_F_TEXT, v, "seconds after creation, 0 = none");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)((sa->has & PFK_SA_HAS_HARD) ? sa->hard.addtime : 0));
	field(f, L_HARD, "Hard life (s)", TUI_F_TEXT, v, "seconds after creation, 0 = none");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)((sa->has & PFK_SA_HAS_SOFT) ? sa->soft.bytes : 0));
	field(f, L_SOFTB, "Soft bytes", TUI_F_TEXT, v, "bytes, 0 = none");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)((sa->has & PFK_SA_HAS_HARD) ? sa->hard.bytes : 0));
	field(f, L_HARDB, "Hard bytes", TUI_F_TEXT, v, "bytes, 0 = none");
	tui_form_check(f);
	return f;
}

/* The whole SA again (af_key's UPDATE needs the keys) with new lifetimes. */
static size_t life_text(struct tui_form *f, char *buf, size_t cap)
{
	const struct pfk_sa *sa = &f->base;
	char a[64], b[64], k[2 * PFK_KEY_MAX + 4];
	const struct pfkm_alg *alg;
	size_t n;

	pfk_addr_format(a, sizeof(a), &sa->src, 0);
	pfk_addr_format(b, sizeof(b), &sa->dst, 0);
	n = (size_t)snprintf(buf, cap, "update %s %s %s 0x%08x -m %s -u %u -ls %s -lh %s -bs %s -bh %s",
			     a, b, pfk_satype_name(sa->satype), sa->spi, pfk_mode_name(sa->mode),
			     sa->reqid, fval(f, L_SOFT), fval(f, L_HARD), fval(f, L_SOFTB),
			     fval(f, L_HARDB));
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
		n += (size_t)snprintf(buf + n, cap - n, " ;");
	return n;
}

/* ---- checks -------------------------------------------------------- */

static int check_key(struct tui_form *f, int alg_field, int key_field, enum pfkm_alg_kind kind)
{
	struct tui_field *fd = &f->f[key_field];
	const struct pfkm_alg *alg = pfkm_alg_by_name(kind, fval(f, alg_field));
	struct pfk_key k;
	struct pfk_err e = { 0 };
	char tmp[TUI_FVAL_MAX];
	bool quoted = fd->val[0] == '"';
	int ret;

	if (!alg)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s", fd->val + (quoted ? 1 : 0));
	if (quoted && tmp[0] && tmp[strlen(tmp) - 1] == '"')
		tmp[strlen(tmp) - 1] = 0;
	ret = pfk_stmt_key(alg, tmp, quoted, &k, &e);
	explicit_bzero(&k, sizeof(k));
	explicit_bzero(tmp, sizeof(tmp));
	if (ret)
		snprintf(fd->err, sizeof(fd->err), "%s", e.msg);
	return ret;
}

static void check_field(struct tui_form *f, int i)
{
	struct tui_field *fd = &f->f[i];
	struct pfk_err e = { 0 };
	struct pfk_addr a;
	uint64_t u;
	uint32_t spi;
	uint8_t up;
	int ret = 0;

	fd->err[0] = 0;
	if (fd->hidden || fd->type == TUI_F_PICK)
		return;
	if (!fd->len) {
		if (!fd->optional)
			snprintf(fd->err, sizeof(fd->err), "required");
		return;
	}
	switch (f->kind) {
	case TUI_FORM_SA:
		switch (i) {
		case S_SRC: case S_DST:
			ret = pfk_stmt_addr(fd->val, false, 0, &a, &e);
			break;
		case S_SPI:
			if (strcmp(fd->val, "auto"))
				ret = pfk_stmt_spi(fd->val, sa_type(f), &spi, &e);
			break;
		case S_REQID: case S_SOFT: case S_HARD:
			ret = pfk_stmt_u64(fd->val, &u, &e);
			break;
		case S_EKEY:
			check_key(f, S_EALG, S_EKEY, PFKM_ALG_ENC);
			return;
		case S_AKEY:
			check_key(f, S_AALG, S_AKEY, PFKM_ALG_AUTH);
			return;
		}
		break;
	case TUI_FORM_POLICY:
		switch (i) {
		case P_SRC: case P_DST:
			ret = pfk_stmt_addr(fd->val, true, 0, &a, &e);
			break;
		case P_UPPER:
			ret = pfk_stmt_upper(fd->val, &up, &e);
			break;
		}
		break;
	case TUI_FORM_LIFETIME:
		ret = pfk_stmt_u64(fd->val, &u, &e);
		break;
	default:
		break;
	}
	if (ret)
		snprintf(fd->err, sizeof(fd->err), "%s", e.msg);
}

char *tui_form_text(struct tui_form *f)
{
	size_t cap = 2048;
	char *buf = calloc(1, cap);

	if (!buf)
		return NULL;
	switch (f->kind) {
	case TUI_FORM_SA: sa_text(f, buf, cap); break;
	case TUI_FORM_POLICY: pol_text(f, buf, cap); break;
	case TUI_FORM_LIFETIME: life_text(f, buf, cap); break;
	default: break;
	}
	return buf;
}

static void text_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void tui_form_check(struct tui_form *f)
{
	char *text;
	int i;

	if (f->kind == TUI_FORM_SA)
		sa_algs(f);
	if (f->kind == TUI_FORM_POLICY)
		pol_visibility(f);
	f->err[0] = 0;
	if (f->kind == TUI_FORM_WIZARD) {
		tui_wizard_check(f);
		return;
	}
	for (i = 0; i < f->nf; i++)
		check_field(f, i);
	for (i = 0; i < f->nf; i++)
		if (f->f[i].err[0])
			return;
	/* every field is fine alone: now the statement as keysh parses it */
	text = tui_form_text(f);
	if (text)
		tui_run_check(text, f->err, sizeof(f->err));
	text_free(text);
}

void tui_form_free(struct tui_form *f)
{
	if (!f)
		return;
	text_free(f->script);
	pfk_sa_wipe(&f->base);
	explicit_bzero(f, sizeof(*f));
	free(f);
}

/* ---- drawing ------------------------------------------------------- */

static void field_display(const struct tui *t, const struct tui_form *f, int i, bool editing,
			  char *buf, size_t cap)
{
	const struct tui_field *fd = &f->f[i];

	if (fd->type == TUI_F_PICK) {
		snprintf(buf, cap, "< %s >", fval(f, i));
		return;
	}
	if (fd->type == TUI_F_KEY && !t->show_keys && fd->len) {
		size_t n = fd->len < cap - 1 ? fd->len : cap - 1;

		if (fd->generated)
			snprintf(buf, cap, "(hidden, generated %zu bits)", (fd->len - 2) * 4);
		else if (editing) {
			memset(buf, '*', n);
			buf[n] = 0;
		} else
			snprintf(buf, cap, "(hidden, %zu chars)", fd->len);
		return;
	}
	snprintf(buf, cap, "%s", fd->val);
}

void tui_form_draw(struct tui *t, struct tui_form *f)
{
	int w = f->preview ? t->cols - 2 : t->cols - 4 < 76 ? t->cols - 4 : 76;
	int vis = 0, i, y, x0 = (t->cols - w) / 2, h, y0;
	char buf[512];
	const char *bottom;

	for (i = 0; i < f->nf; i++)
		if (!f->f[i].hidden)
			vis++;
	h = vis + 5;
	if (f->preview)
		h = t->rows - 3;
	if (h > t->rows - 2)
		h = t->rows - 2;
	y0 = (t->rows - 1 - h) / 2;
	if (y0 < 1)
		y0 = 1;
	attrset(A_NORMAL);
	for (y = 0; y < h; y++) {
		move(y0 + y, x0);
		hline(' ', w);
	}
	attrset(tui_screen_attr(t, TUI_A_TITLE));
	move(y0, x0);
	hline(ACS_HLINE, w);
	snprintf(buf, sizeof(buf), " %s ", f->title);
	mvaddnstr(y0, x0 + 2, buf, w - 4);
	move(y0 + h - 1, x0);
	hline(ACS_HLINE, w);
	/* the sides and corners: a box, not two lines */
	mvvline(y0 + 1, x0, ACS_VLINE, h - 2);
	mvvline(y0 + 1, x0 + w - 1, ACS_VLINE, h - 2);
	mvaddch(y0, x0, ACS_ULCORNER);
	mvaddch(y0, x0 + w - 1, ACS_URCORNER);
	mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
	mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
	attrset(A_NORMAL);
	if (f->preview) {
		tui_wizard_preview_draw(t, f, y0 + 1, x0 + 1, w - 2, h - 2);
		return;
	}
	y = y0 + 1;
	for (i = 0; i < f->nf && y < y0 + h - 3; i++) {
		const struct tui_field *fd = &f->f[i];
		bool cur = i == f->cur;

		if (fd->hidden)
			continue;
		attrset(fd->err[0] ? tui_screen_attr(t, TUI_A_ERR) : (int)A_NORMAL);
		mvaddstr(y, x0 + 1, fd->err[0] ? "!" : " ");
		attrset(cur ? tui_screen_attr(t, TUI_A_HEADER) : (int)A_NORMAL);
		snprintf(buf, sizeof(buf), "%-14s", fd->label);
		mvaddnstr(y, x0 + 2, buf, 14);
		attrset(cur ? tui_screen_attr(t, TUI_A_SEL) : (int)A_UNDERLINE);
		move(y, x0 + 17);
		hline(' ', w - 18);
		field_display(t, f, i, cur, buf, sizeof(buf));
		mvaddnstr(y, x0 + 17, buf, w - 18);
		if (cur && fd->type != TUI_F_PICK) {
			int cx = x0 + 17 + (int)strlen(buf);

			t->cur_y = y;
			t->cur_x = cx < x0 + w - 1 ? cx : x0 + w - 1;
		}
		attrset(A_NORMAL);
		y++;
	}
	/* the current field's problem, else the statement's, else the hint */
	y = y0 + h - 3;
	move(y, x0 + 1);
	if (f->f[f->cur].err[0]) {
		attrset(tui_screen_attr(t, TUI_A_ERR));
		app(buf, sizeof(buf), "%s: %s", f->f[f->cur].label, f->f[f->cur].err);
	} else if (f->err[0]) {
		attrset(tui_screen_attr(t, TUI_A_ERR));
		app(buf, sizeof(buf), "%s", f->err);
	} else {
		attrset(tui_screen_attr(t, TUI_A_DIM));
		snprintf(buf, sizeof(buf), "%s", f->f[f->cur].hint ? f->f[f->cur].hint : "");
	}
	mvaddnstr(y, x0 + 1, buf, w - 2);
	attrset(A_NORMAL);
	bottom = f->kind == TUI_FORM_WIZARD ? "Enter: preview  Tab: next  C-g: generate  Esc: cancel"
					    : "Enter: apply  Tab: next  C-g: generate  Esc: cancel";
	attrset(tui_screen_attr(t, TUI_A_DIM));
	mvaddnstr(y + 1, x0 + 1, bottom, w - 2);
	attrset(A_NORMAL);
}

/* ---- keys ---------------------------------------------------------- */

static void step(struct tui_form *f, int d)
{
	int i = f->cur;

	do {
		i = (i + d + f->nf) % f->nf;
	} while (f->f[i].hidden && i != f->cur);
	f->cur = i;
}

static void generate(struct tui_form *f)
{
	struct tui_field *fd = &f->f[f->cur];
	const struct pfkm_alg *alg = NULL;

	if (f->kind == TUI_FORM_SA && f->cur == S_SPI) {
		set_val(fd, "auto");
		return;
	}
	if (fd->type != TUI_F_KEY)
		return;
	if (f->kind == TUI_FORM_SA)
		alg = f->cur == S_EKEY ? pfkm_alg_by_name(PFKM_ALG_ENC, fval(f, S_EALG)) :
		      pfkm_alg_by_name(PFKM_ALG_AUTH, fval(f, S_AALG));
	if (!alg || !alg->key_max)
		return;
	explicit_bzero(fd->val, sizeof(fd->val));
	if (!tui_form_random_key(fd->val, sizeof(fd->val), pfk_alg_default_key_bytes(alg))) {
		fd->len = strlen(fd->val);
		fd->generated = true;
	}
}

static unsigned int apply(struct tui *t, struct tui_form *f)
{
	char err[512], red[512];
	char *text;
	int i, ret;

	tui_form_check(f);
	for (i = 0; i < f->nf; i++)
		if (!f->f[i].hidden && f->f[i].err[0]) {
			f->cur = i;
			tui_msg(t, true, "%s: %s", f->f[i].label, f->f[i].err);
			return TUI_R_HANDLED | TUI_R_REDRAW;
		}
	if (f->err[0]) {
		tui_msg(t, true, "%s", f->err);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	text = tui_form_text(f);
	if (!text)
		return TUI_R_HANDLED;
	ret = tui_run_text(t, text, false, err, sizeof(err));
	pfk_lex_redact(text, red, sizeof(red));
	text_free(text);
	if (ret) {
		snprintf(f->err, sizeof(f->err), "%s", err);
		tui_msg(t, true, "%s", err);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (err[0])
		tui_msg(t, true, "ok, warning: %s: %s", err, red);
	else
		tui_msg(t, false, "ok: %s", red);
	t->st = TUI_ST_BROWSE;
	t->form = NULL;
	tui_form_free(f);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_form_key(struct tui *t, struct tui_form *f, int ch)
{
	struct tui_field *fd;

	if (!f) {
		t->st = TUI_ST_BROWSE;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	fd = &f->f[f->cur];
	if (f->preview) {
		if (ch == 27) {
			f->preview = false;
			return TUI_R_HANDLED | TUI_R_REDRAW;
		}
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			return tui_wizard_enter(t, f);
		if (ch == 'K') {
			t->show_keys = !t->show_keys;
			return TUI_R_HANDLED | TUI_R_REDRAW;
		}
		if (ch == 'y')
			return tui_action_copy_peer(t, f);
		return TUI_R_HANDLED | (ch == KEY_RESIZE ? TUI_R_REDRAW : 0);
	}
	switch (ch) {
	case 27:
		t->st = TUI_ST_BROWSE;
		t->form = NULL;
		tui_form_free(f);
		tui_msg(t, false, "cancelled");
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case '\t': case KEY_DOWN:
		step(f, 1);
		break;
	case KEY_BTAB: case KEY_UP:
		step(f, -1);
		break;
	case '\n': case '\r': case KEY_ENTER:
		if (f->kind == TUI_FORM_WIZARD)
			return tui_wizard_enter(t, f);
		return apply(t, f);
	case 7:	/* C-g */
		generate(f);
		break;
	case KEY_LEFT: case KEY_RIGHT: case ' ':
		if (fd->type == TUI_F_PICK && fd->nchoices) {
			fd->choice = (fd->choice + (ch == KEY_LEFT ? fd->nchoices - 1 : 1)) % fd->nchoices;
			break;
		}
		if (ch != ' ')
			return TUI_R_HANDLED;
		/* a space typed into a text field */
		__attribute__((fallthrough));
	default:
		if (fd->type == TUI_F_PICK)
			return TUI_R_HANDLED;
		if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (fd->generated) {
				set_val(fd, "");
			} else if (fd->len) {
				fd->val[--fd->len] = 0;
			}
			break;
		}
		if (ch == 21) {	/* C-u: clear the field */
			set_val(fd, "");
			break;
		}
		if (ch == KEY_RESIZE)
			return TUI_R_HANDLED | TUI_R_REDRAW;
		if (ch < 32 || ch > 126 || fd->len + 1 >= sizeof(fd->val))
			return TUI_R_HANDLED;
		if (fd->generated)
			set_val(fd, "");
		fd->val[fd->len++] = (char)ch;
		fd->val[fd->len] = 0;
	}
	tui_form_check(f);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}
