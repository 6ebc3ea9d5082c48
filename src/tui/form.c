// SPDX-License-Identifier: BSD-2-Clause
/*
 * form.c: the form engine every form (form_sa.c, form_policy.c,
 * form_lifetime.c) and the pair wizard (wizard.c) run on: the three field
 * types behind their tui_field_ops (text, pick-list, key), inline checks
 * with keysh's validators, the box and the field list, the form keys, and
 * applying the resulting statement through run.c. What differs between
 * forms comes through f->ops (tui_form_ops); nothing here asks which form
 * it is.
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

void tui_form_text_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void set_val(struct tui_field *fd, const char *v)
{
	explicit_bzero(fd->val, sizeof(fd->val));
	snprintf(fd->val, sizeof(fd->val), "%s", v);
	fd->len = strlen(fd->val);
	fd->generated = false;
}

/* snprintf that returns what it wrote; a long message just gets cut. */
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

/* ---- validators ---------------------------------------------------- */

int tui_form_valid_host(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e)
{
	struct pfk_addr a;

	(void)f;
	return pfk_stmt_addr(fd->val, false, 0, &a, e);
}

int tui_form_valid_range(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e)
{
	struct pfk_addr a;

	(void)f;
	return pfk_stmt_addr(fd->val, true, 0, &a, e);
}

int tui_form_valid_u64(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e)
{
	uint64_t u;

	(void)f;
	return pfk_stmt_u64(fd->val, &u, e);
}

int tui_form_valid_upper(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e)
{
	uint8_t up;

	(void)f;
	return pfk_stmt_upper(fd->val, &up, e);
}

int tui_form_valid_spi(enum pfk_satype st, const struct tui_field *fd, struct pfk_err *e)
{
	uint32_t spi;

	if (!strcmp(fd->val, "auto"))
		return 0;
	return pfk_stmt_spi(fd->val, st, &spi, e);
}

/* ---- the field types ----------------------------------------------- */

/* Hidden fields are fine; empty ones only when optional. */
static bool needs_value(struct tui_field *fd)
{
	fd->err[0] = 0;
	if (fd->hidden)
		return false;
	if (!fd->len) {
		if (!fd->optional)
			snprintf(fd->err, sizeof(fd->err), "required");
		return false;
	}
	return true;
}

static void text_check(const struct tui_form *f, struct tui_field *fd)
{
	struct pfk_err e = { 0 };

	if (needs_value(fd) && fd->valid && fd->valid(f, fd, &e))
		snprintf(fd->err, sizeof(fd->err), "%s", e.msg);
}

static const char *text_text(const struct tui_field *fd)
{
	return fd->val;
}

static void text_draw(const struct tui *t, const struct tui_field *fd, bool editing,
		      char *buf, size_t cap)
{
	(void)t;
	(void)editing;
	snprintf(buf, cap, "%s", fd->val);
}

static bool text_enter(struct tui_field *fd, int ch)
{
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (fd->generated)
			set_val(fd, "");
		else if (fd->len)
			fd->val[--fd->len] = 0;
		return true;
	}
	if (ch == 21) {	/* C-u: clear the field */
		set_val(fd, "");
		return true;
	}
	if (ch < 32 || ch > 126 || fd->len + 1 >= sizeof(fd->val))
		return false;
	if (fd->generated)
		set_val(fd, "");
	fd->val[fd->len++] = (char)ch;
	fd->val[fd->len] = 0;
	return true;
}

const struct tui_field_ops tui_field_text = {
	.check = text_check, .text = text_text, .draw = text_draw, .enter = text_enter,
	.cursor = true,
};

/* A key is checked against the algorithm its alg field names, as keysh's
 * parser checks -E/-A (length, parity, weak keys). */
static void key_check(const struct tui_form *f, struct tui_field *fd)
{
	const struct pfkm_alg *alg;
	struct pfk_key k;
	struct pfk_err e = { 0 };
	char tmp[TUI_FVAL_MAX];
	bool quoted = fd->val[0] == '"';

	if (!needs_value(fd))
		return;
	alg = pfkm_alg_by_name(fd->alg_kind, tui_form_val(f, fd->alg));
	if (!alg)
		return;
	snprintf(tmp, sizeof(tmp), "%s", fd->val + (quoted ? 1 : 0));
	if (quoted && tmp[0] && tmp[strlen(tmp) - 1] == '"')
		tmp[strlen(tmp) - 1] = 0;
	if (pfk_stmt_key(alg, tmp, quoted, &k, &e))
		snprintf(fd->err, sizeof(fd->err), "%s", e.msg);
	explicit_bzero(&k, sizeof(k));
	explicit_bzero(tmp, sizeof(tmp));
}

static void key_draw(const struct tui *t, const struct tui_field *fd, bool editing,
		     char *buf, size_t cap)
{
	size_t n = fd->len < cap - 1 ? fd->len : cap - 1;

	if (t->show_keys || !fd->len)
		snprintf(buf, cap, "%s", fd->val);
	else if (fd->generated)
		snprintf(buf, cap, "(hidden, generated %zu bits)", (fd->len - 2) * 4);
	else if (editing) {
		memset(buf, '*', n);
		buf[n] = 0;
	} else
		snprintf(buf, cap, "(hidden, %zu chars)", fd->len);
}

const struct tui_field_ops tui_field_key = {
	.check = key_check, .text = text_text, .draw = key_draw, .enter = text_enter,
	.cursor = true,
};

static void pick_check(const struct tui_form *f, struct tui_field *fd)
{
	(void)f;
	fd->err[0] = 0;
}

static const char *pick_text(const struct tui_field *fd)
{
	return fd->nchoices ? fd->choices[fd->choice] : "";
}

static void pick_draw(const struct tui *t, const struct tui_field *fd, bool editing,
		      char *buf, size_t cap)
{
	(void)t;
	(void)editing;
	snprintf(buf, cap, "< %s >", pick_text(fd));
}

/* Left goes back, Right and Space forward; nothing can be typed. */
static bool pick_enter(struct tui_field *fd, int ch)
{
	if ((ch != KEY_LEFT && ch != KEY_RIGHT && ch != ' ') || !fd->nchoices)
		return false;
	fd->choice = (fd->choice + (ch == KEY_LEFT ? fd->nchoices - 1 : 1)) % fd->nchoices;
	return true;
}

const struct tui_field_ops tui_field_pick = {
	.check = pick_check, .text = pick_text, .draw = pick_draw, .enter = pick_enter,
};

/* ---- building and checking a form ---------------------------------- */

struct tui_form *tui_form_new(const struct tui_form_ops *ops)
{
	struct tui_form *f = calloc(1, sizeof(*f));

	if (f)
		f->ops = ops;
	return f;
}

void tui_form_text_field(struct tui_form *f, int i, const char *label,
			 const struct tui_field_ops *ops, tui_field_valid valid,
			 const char *val, const char *hint)
{
	struct tui_field *fd = &f->f[i];

	fd->label = label;
	fd->ops = ops;
	fd->valid = valid;
	fd->hint = hint;
	set_val(fd, val ? val : "");
	if (i + 1 > f->nf)
		f->nf = i + 1;
}

void tui_form_pick_field(struct tui_form *f, int i, const char *label,
			 const char *const *choices, int n)
{
	struct tui_field *fd = &f->f[i];
	int k;

	tui_form_text_field(f, i, label, &tui_field_pick, NULL, NULL,
			    "Left/Right or Space to change");
	for (k = 0; k < n && k < TUI_CHOICE_MAX; k++)
		fd->choices[k] = choices[k];
	fd->nchoices = k;
	fd->choice = 0;
}

const char *tui_form_val(const struct tui_form *f, int i)
{
	return f->f[i].ops->text(&f->f[i]);
}

char *tui_form_text(struct tui_form *f)
{
	return f->ops->text(f, false);
}

void tui_form_check(struct tui_form *f)
{
	char *text;
	int i;

	f->ops->check(f);
	f->err[0] = 0;
	for (i = 0; i < f->nf; i++)
		f->f[i].ops->check(f, &f->f[i]);
	for (i = 0; i < f->nf; i++)
		if (f->f[i].err[0])
			return;
	/* every field is fine alone: now the statement as keysh parses it */
	text = f->ops->text(f, true);
	if (text)
		tui_run_check(text, f->err, sizeof(f->err));
	tui_form_text_free(text);
}

void tui_form_free(struct tui_form *f)
{
	if (!f)
		return;
	tui_form_text_free(f->script);
	pfk_sa_wipe(&f->base);
	explicit_bzero(f, sizeof(*f));
	free(f);
}

void tui_form_close(struct tui *t, struct tui_form *f)
{
	t->st = TUI_ST_BROWSE;
	if (t->form == f)
		t->form = NULL;
	tui_form_free(f);
}

bool tui_form_refuse(struct tui *t, struct tui_form *f)
{
	int i;

	tui_form_check(f);
	for (i = 0; i < f->nf; i++)
		if (!f->f[i].hidden && f->f[i].err[0]) {
			f->cur = i;
			tui_msg(t, true, "%s: %s", f->f[i].label, f->f[i].err);
			return true;
		}
	if (f->err[0]) {
		tui_msg(t, true, "%s", f->err);
		return true;
	}
	return false;
}

unsigned int tui_form_apply(struct tui *t, struct tui_form *f)
{
	char err[512], red[512];
	char *text;
	int ret;

	if (tui_form_refuse(t, f))
		return TUI_R_HANDLED | TUI_R_REDRAW;
	text = tui_form_text(f);
	if (!text)
		return TUI_R_HANDLED;
	ret = tui_run_text(t, text, false, err, sizeof(err));
	pfk_lex_redact(text, red, sizeof(red));
	tui_form_text_free(text);
	if (ret) {
		snprintf(f->err, sizeof(f->err), "%s", err);
		tui_msg(t, true, "%s", err);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (err[0])
		tui_msg(t, true, "ok, warning: %s: %s", err, red);
	else
		tui_msg(t, false, "ok: %s", red);
	tui_form_close(t, f);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

/* ---- drawing ------------------------------------------------------- */

/* Inside the box: fields from row y, the problem or hint on the row
 * before last, the form's keys on the last. */
void tui_form_fields_draw(struct tui *t, struct tui_form *f, int y0, int x, int w, int h)
{
	const struct tui_field *cf = &f->f[f->cur];
	char buf[512];
	int i, y = y0;

	for (i = 0; i < f->nf && y < y0 + h - 2; i++) {
		const struct tui_field *fd = &f->f[i];
		bool cur = i == f->cur;

		if (fd->hidden)
			continue;
		attrset(fd->err[0] ? tui_attr_get(t, TUI_A_ERR) : (int)A_NORMAL);
		mvaddstr(y, x, fd->err[0] ? "!" : " ");
		attrset(cur ? tui_attr_get(t, TUI_A_HEADER) : (int)A_NORMAL);
		snprintf(buf, sizeof(buf), "%-14s", fd->label);
		mvaddnstr(y, x + 1, buf, 14);
		attrset(cur ? tui_attr_get(t, TUI_A_SEL) : (int)A_UNDERLINE);
		move(y, x + 16);
		hline(' ', w - 16);
		fd->ops->draw(t, fd, cur, buf, sizeof(buf));
		mvaddnstr(y, x + 16, buf, w - 16);
		if (cur && fd->ops->cursor) {
			int cx = x + 16 + (int)strlen(buf);

			t->cur_y = y;
			t->cur_x = cx < x + w ? cx : x + w;
		}
		attrset(A_NORMAL);
		y++;
	}
	/* the current field's problem, else the statement's, else the hint */
	y = y0 + h - 2;
	if (cf->err[0]) {
		attrset(tui_attr_get(t, TUI_A_ERR));
		app(buf, sizeof(buf), "%s: %s", cf->label, cf->err);
	} else if (f->err[0]) {
		attrset(tui_attr_get(t, TUI_A_ERR));
		app(buf, sizeof(buf), "%s", f->err);
	} else {
		attrset(tui_attr_get(t, TUI_A_DIM));
		snprintf(buf, sizeof(buf), "%s", cf->hint ? cf->hint : "");
	}
	mvaddnstr(y, x, buf, w);
	attrset(tui_attr_get(t, TUI_A_DIM));
	snprintf(buf, sizeof(buf), "Enter: %s  Tab: next  C-g: generate  Esc: cancel",
		 f->ops->enter_help);
	mvaddnstr(y + 1, x, buf, w);
	attrset(A_NORMAL);
}

void tui_form_draw(struct tui *t, struct tui_form *f)
{
	int w = f->preview ? t->cols - 2 : t->cols - 4 < 76 ? t->cols - 4 : 76;
	int vis = 0, i, y, x0 = (t->cols - w) / 2, h, y0;
	char buf[512];

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
	attrset(tui_attr_get(t, TUI_A_TITLE));
	move(y0, x0);
	hline(ACS_HLINE, w);
	snprintf(buf, sizeof(buf), " %s ", f->ops->title);
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
	f->ops->draw(t, f, y0 + 1, x0 + 1, w - 2, h - 2);
}

/* ---- keys ---------------------------------------------------------- */

unsigned int tui_form_cancel(struct tui *t)
{
	tui_form_close(t, t->form);
	tui_msg(t, false, "cancelled");
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_form_step(struct tui *t, int d)
{
	struct tui_form *f = t->form;
	int i = f->cur;

	do {
		i = (i + d + f->nf) % f->nf;
	} while (f->f[i].hidden && i != f->cur);
	f->cur = i;
	tui_form_check(f);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_form_enter(struct tui *t)
{
	return t->form->ops->enter(t, t->form);
}

/* C-g: SPI fields get auto (GETSPI), key fields a random key of the
 * length their algorithm takes by default. */
unsigned int tui_form_generate(struct tui *t)
{
	struct tui_form *f = t->form;
	struct tui_field *fd = &f->f[f->cur];
	const struct pfkm_alg *alg;

	if (fd->spi_auto) {
		set_val(fd, "auto");
	} else if (fd->ops == &tui_field_key) {
		alg = pfkm_alg_by_name(fd->alg_kind, tui_form_val(f, fd->alg));
		if (alg && alg->key_max) {
			explicit_bzero(fd->val, sizeof(fd->val));
			if (!tui_form_random_key(fd->val, sizeof(fd->val),
						 pfk_alg_default_key_bytes(alg))) {
				fd->len = strlen(fd->val);
				fd->generated = true;
			}
		}
	}
	tui_form_check(f);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_form_edit(struct tui *t, int ch)
{
	struct tui_form *f = t->form;
	struct tui_field *fd = &f->f[f->cur];

	if (!fd->ops->enter(fd, ch))
		return TUI_R_HANDLED;
	tui_form_check(f);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_form_preview_back(struct tui *t)
{
	t->form->preview = false;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}
