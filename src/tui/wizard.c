// SPDX-License-Identifier: BSD-2-Clause
/*
 * wizard.c: the pair wizard. Two hosts (transport) or two gateways
 * (tunnel), one algorithm choice -> both SAs and the out/in(/fwd) policies
 * as one keysh script, previewed (keys hidden unless K) and applied
 * atomically through keysh's executor: on any failure what was already
 * installed is rolled back. Its tui_form_ops: the preview is its draw, and
 * Enter previews, then applies.
 */
#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include "form.h"
#include "run.h"
#include "view.h"

enum { W_KIND, W_LOCAL, W_REMOTE, W_LNET, W_RNET, W_PROTO, W_ALGS, W_SPI_OUT, W_SPI_IN, W_N };

static const char *const kinds[] = { "hosts (transport)", "gateways (tunnel)" };
static const char *const wprotos[] = { "esp", "ah" };

struct combo {
	const char *label, *enc, *auth;
};
static const struct combo esp_combos[] = {
	{ "aes-cbc + hmac-sha256", "aes-cbc", "hmac-sha256" },
	{ "aes-gcm-16", "aes-gcm-16", NULL },
	{ "chacha20-poly1305", "chacha20-poly1305", NULL },
	{ "aes-cbc + hmac-sha512", "aes-cbc", "hmac-sha512" },
	{ "aes-ctr + hmac-sha256", "aes-ctr", "hmac-sha256" },
	{ "3des-cbc + hmac-sha1", "3des-cbc", "hmac-sha1" },
};
static const struct combo ah_combos[] = {
	{ "hmac-sha256", NULL, "hmac-sha256" },
	{ "hmac-sha512", NULL, "hmac-sha512" },
	{ "hmac-sha1", NULL, "hmac-sha1" },
};

static bool is_ah(const struct tui_form *f)
{
	return f->f[W_PROTO].choice == 1;
}

static const struct combo *combo_of(const struct tui_form *f)
{
	const char *label = f->f[W_ALGS].choices[f->f[W_ALGS].choice];
	const struct combo *c = is_ah(f) ? ah_combos : esp_combos;
	size_t n = is_ah(f) ? sizeof(ah_combos) / sizeof(ah_combos[0]) :
		   sizeof(esp_combos) / sizeof(esp_combos[0]);
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(c[i].label, label))
			return &c[i];
	return &c[0];
}

/* Offer only combinations the algorithm registry knows. */
static void combos(struct tui_form *f)
{
	struct tui_field *fd = &f->f[W_ALGS];
	const struct combo *c = is_ah(f) ? ah_combos : esp_combos;
	size_t n = is_ah(f) ? sizeof(ah_combos) / sizeof(ah_combos[0]) :
		   sizeof(esp_combos) / sizeof(esp_combos[0]);
	const char *keep = fd->nchoices ? fd->choices[fd->choice] : NULL;
	size_t i;
	int k = 0;

	for (i = 0; i < n; i++) {
		if (c[i].enc && !pfkm_alg_by_name(PFKM_ALG_ENC, c[i].enc))
			continue;
		if (c[i].auth && !pfkm_alg_by_name(PFKM_ALG_AUTH, c[i].auth))
			continue;
		fd->choices[k++] = c[i].label;
	}
	fd->nchoices = k;
	fd->choice = 0;
	for (k = 0; keep && k < fd->nchoices; k++)
		if (!strcmp(fd->choices[k], keep))
			fd->choice = k;
}

static void random_spi(char *buf, size_t cap)
{
	uint32_t v = 0;

	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		v = 0x1000;
	v = (v & 0x0fffffffu) | 0x1000u;
	snprintf(buf, cap, "0x%08x", v);
}

static int valid_spi(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e)
{
	return tui_form_valid_spi(is_ah(f) ? PFK_SATYPE_AH : PFK_SATYPE_ESP, fd, e);
}

/* The choices decide the algorithm list and whether there are subnets. */
static void wizard_check(struct tui_form *f)
{
	combos(f);
	f->f[W_LNET].hidden = f->f[W_RNET].hidden = f->f[W_KIND].choice != 1;
}

static char *script(struct tui_form *f, bool keys);

/* Checking writes `random` for the keys; the script to run has them. */
static char *wizard_text(struct tui_form *f, bool for_check)
{
	return script(f, !for_check);
}

static unsigned int wizard_enter(struct tui *t, struct tui_form *f);
static void wizard_draw(struct tui *t, struct tui_form *f, int y, int x, int w, int h);

static const struct tui_form_ops wizard_ops = {
	.title = "Pair wizard: both SAs and the policies, applied atomically",
	.enter_help = "preview",
	.check = wizard_check,
	.text = wizard_text,
	.draw = wizard_draw,
	.enter = wizard_enter,
};

struct tui_form *tui_wizard_new(struct tui *t)
{
	struct tui_form *f = tui_form_new(&wizard_ops);
	const struct tui_field_ops *text = &tui_field_text;
	char spi[16];
	(void)t;

	if (!f)
		return NULL;
	tui_form_pick_field(f, W_KIND, "Pair of", kinds, 2);
	tui_form_text_field(f, W_LOCAL, "Local address", text, tui_form_valid_host, "",
			    "this host (or this gateway's outer address)");
	tui_form_text_field(f, W_REMOTE, "Remote address", text, tui_form_valid_host, "",
			    "the peer (or the peer gateway's outer address)");
	tui_form_text_field(f, W_LNET, "Local subnet", text, tui_form_valid_range, "",
			    "network behind this gateway, e.g. 10.1.0.0/16");
	tui_form_text_field(f, W_RNET, "Remote subnet", text, tui_form_valid_range, "",
			    "network behind the peer gateway");
	tui_form_pick_field(f, W_PROTO, "Protocol", wprotos, 2);
	tui_form_pick_field(f, W_ALGS, "Algorithms", NULL, 0);
	random_spi(spi, sizeof(spi));
	tui_form_text_field(f, W_SPI_OUT, "SPI out", text, valid_spi, spi,
			    "SPI of local -> remote (random; or auto = GETSPI, C-g)");
	random_spi(spi, sizeof(spi));
	tui_form_text_field(f, W_SPI_IN, "SPI in", text, valid_spi, spi,
			    "SPI of remote -> local (random; or auto = GETSPI, C-g)");
	f->f[W_SPI_OUT].spi_auto = f->f[W_SPI_IN].spi_auto = true;
	tui_form_check(f);
	return f;
}

static const char *v(const struct tui_form *f, int i)
{
	return f->f[i].val;
}

/* keys: true = generated 0x hex (the script that will run), false = the
 * word `random` (only for checking: keysh generates and discards them). */
static char *script(struct tui_form *f, bool keys)
{
	const struct combo *c = combo_of(f);
	bool tunnel = f->f[W_KIND].choice == 1;
	const char *mode = tunnel ? "tunnel" : "transport";
	const char *proto = is_ah(f) ? "ah" : "esp";
	const struct pfkm_alg *ea = c->enc ? pfkm_alg_by_name(PFKM_ALG_ENC, c->enc) : NULL;
	const struct pfkm_alg *aa = c->auth ? pfkm_alg_by_name(PFKM_ALG_AUTH, c->auth) : NULL;
	size_t cap = 4096, n = 0;
	char *s = calloc(1, cap);
	char k1[2 * PFK_KEY_MAX + 4], k2[2 * PFK_KEY_MAX + 4];
	const char *ln = tunnel ? v(f, W_LNET) : v(f, W_LOCAL);
	const char *rn = tunnel ? v(f, W_RNET) : v(f, W_REMOTE);
	char tout[2 * TUI_FVAL_MAX + 2] = "", tin[2 * TUI_FVAL_MAX + 2] = "";
	int dir;

	if (!s)
		return NULL;
	if (tunnel) {
		snprintf(tout, sizeof(tout), "%s-%s", v(f, W_LOCAL), v(f, W_REMOTE));
		snprintf(tin, sizeof(tin), "%s-%s", v(f, W_REMOTE), v(f, W_LOCAL));
	}
	n += (size_t)snprintf(s + n, cap - n, "# keytui pair wizard: %s, %s %s\n",
			      kinds[f->f[W_KIND].choice], proto, c->label);
	for (dir = 0; dir < 2; dir++) {
		const char *a = dir ? v(f, W_REMOTE) : v(f, W_LOCAL);
		const char *b = dir ? v(f, W_LOCAL) : v(f, W_REMOTE);

		snprintf(k1, sizeof(k1), "random");
		snprintf(k2, sizeof(k2), "random");
		if (keys && ea)
			tui_form_random_key(k1, sizeof(k1), pfk_alg_default_key_bytes(ea));
		if (keys && aa)
			tui_form_random_key(k2, sizeof(k2), pfk_alg_default_key_bytes(aa));
		n += (size_t)snprintf(s + n, cap - n, "add %s %s %s %s -m %s", a, b, proto,
				      dir ? v(f, W_SPI_IN) : v(f, W_SPI_OUT), mode);
		if (ea && n < cap)
			n += (size_t)snprintf(s + n, cap - n, " -E %s %s", ea->name, k1);
		if (aa && n < cap)
			n += (size_t)snprintf(s + n, cap - n, " -A %s %s", aa->name, k2);
		if (n < cap)
			n += (size_t)snprintf(s + n, cap - n, " ;\n");
	}
	explicit_bzero(k1, sizeof(k1));
	explicit_bzero(k2, sizeof(k2));
	if (n < cap)
		n += (size_t)snprintf(s + n, cap - n,
				      "spdadd %s %s any -P out ipsec %s/%s/%s/require ;\n"
				      "spdadd %s %s any -P in ipsec %s/%s/%s/require ;\n",
				      ln, rn, proto, mode, tout, rn, ln, proto, mode, tin);
	if (tunnel && n < cap)
		snprintf(s + n, cap - n, "spdadd %s %s any -P fwd ipsec %s/%s/%s/require ;\n",
			 rn, ln, proto, mode, tin);
	return s;
}

/* Enter on the fields shows the script; Enter on the preview applies it. */
static unsigned int wizard_enter(struct tui *t, struct tui_form *f)
{
	char err[512];
	int ret, nsa = 2, npol;

	if (!f->preview) {
		if (tui_form_refuse(t, f))
			return TUI_R_HANDLED | TUI_R_REDRAW;
		tui_form_text_free(f->script);
		f->script = script(f, true);
		f->preview = f->script != NULL;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	npol = f->f[W_KIND].choice == 1 ? 3 : 2;
	ret = tui_run_text(t, f->script, true, err, sizeof(err));
	if (ret) {
		f->preview = false;
		snprintf(f->err, sizeof(f->err), "%s", err);
		tui_msg(t, true, "wizard: %s", err);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (err[0])
		tui_msg(t, true, "pair installed: %d SAs and %d policies; warning: %s", nsa, npol,
			err);
	else
		tui_msg(t, false, "pair installed: %d SAs and %d policies", nsa, npol);
	tui_form_close(t, f);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

/* Lines of text from row *r on, long ones wrapped at blanks (indented). */
static void draw_text(int y, int x, int w, int h, int *r, const char *src)
{
	const char *p, *nl;

	for (p = src; *p && *r < h; p = nl + 1) {
		int len, ind = 0;

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		/* wrap long statements: the whole script must be visible */
		for (len = (int)(nl - p); len > 0 && *r < h; ind = 4) {
			const char *q = nl - len;
			int n = len < w - ind ? len : w - ind;

			/* break at a blank when there is one, not inside a word */
			if (n < len) {
				int b = n;

				while (b > 0 && q[b] != ' ')
					b--;
				if (b > 0)
					n = b;
			}
			mvaddnstr(y + (*r)++, x + ind, q, n);
			len -= n;
			while (len > 0 && *(nl - len) == ' ')
				len--;
		}
		if (!*nl)
			break;
	}
}

static void save_err(void *ctx, const struct pfk_err *e)
{
	struct pfk_err *first = ctx;

	if (!first->msg[0])
		*first = *e;
}

char *tui_wizard_peer_script(const struct tui_form *f, bool keys, char *err, size_t cap)
{
	struct pfk_err e = { 0 };
	char *out = NULL;
	size_t n = 0;
	bool hidden;
	FILE *m = open_memstream(&out, &n);
	int nerr;

	err[0] = '\0';
	if (!m || !f->script) {
		if (m)
			fclose(m);
		free(out);
		snprintf(err, cap, "no script");
		return NULL;
	}
	nerr = pfk_peer_text(f->script, strlen(f->script), keys, m, &hidden, save_err, &e);
	fclose(m);
	if (nerr) {
		snprintf(err, cap, "%s", nerr < 0 ? strerror(-nerr) : e.msg);
		explicit_bzero(out, n);
		free(out);
		return NULL;
	}
	return out;
}

static void preview_draw(struct tui *t, struct tui_form *f, int y, int x, int w, int h)
{
	size_t cap = f->script ? strlen(f->script) * 2 + 64 : 64;
	char *red = malloc(cap), *peer, err[256];
	int r = 0;

	if (!red)
		return;
	if (t->show_keys)
		snprintf(red, cap, "%s", f->script ? f->script : "");
	else
		pfk_lex_redact(f->script ? f->script : "", red, cap);
	attrset(tui_attr_get(t, TUI_A_HEADER));
	mvaddnstr(y + r++, x, "Equivalent keysh script (Enter: apply atomically, Esc: back, K: keys):",
		  w);
	attrset(A_NORMAL);
	draw_text(y, x, w, h, &r, red);
	explicit_bzero(red, cap);
	free(red);
	/* the other end's half: what keysh --peer prints for this script */
	peer = tui_wizard_peer_script(f, t->show_keys, err, sizeof(err));
	if (r + 2 < h) {
		r++;
		attrset(tui_attr_get(t, TUI_A_HEADER));
		mvaddnstr(y + r++, x, "The peer's script (keysh --peer; y: copy it, keys only after K):",
			  w);
		attrset(peer ? (int)A_NORMAL : tui_attr_get(t, TUI_A_ERR));
		draw_text(y, x, w, h, &r, peer ? peer : err);
		attrset(A_NORMAL);
	}
	if (peer) {
		explicit_bzero(peer, strlen(peer));
		free(peer);
	}
}

static void wizard_draw(struct tui *t, struct tui_form *f, int y, int x, int w, int h)
{
	if (f->preview)
		preview_draw(t, f, y, x, w, h);
	else
		tui_form_fields_draw(t, f, y, x, w, h);
}
