// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_tui_form.c: keytui's form engine through its ops tables: each form
 * kind's statement text as keys typed through the binding table build it,
 * each field type's editing (pick-lists cycle and take no text, text
 * fields take no arrows, keys are hidden), C-g on SPI and key fields, and
 * the first problem refusing Enter.
 */
#include <curses.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include "unit.h"
#include "../../src/tui/input.h"
#include "../../src/tui/form.h"
#include "../../src/tui/view.h"

static struct tui *form_tui(struct tui_form *(*mk)(struct tui *), enum tui_pstate st)
{
	struct tui *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	tui_model_init(&t->m);
	t->rows = 40;
	t->cols = 120;
	t->form = mk(t);
	t->st = st;
	if (!t->form) {
		free(t);
		return NULL;
	}
	return t;
}

static void form_tui_del(struct tui *t)
{
	tui_form_free(t->form);
	tui_model_free(&t->m);
	free(t);
}

static void type(struct tui *t, const char *s)
{
	for (; *s; s++)
		tui_input_key(t, (unsigned char)*s);
}

static void keys(struct tui *t, const int *k)
{
	for (; *k; k++)
		tui_input_key(t, *k);
}

/* Field index of the current field by label. */
static const char *cur_label(const struct tui *t)
{
	return t->form->f[t->form->cur].label;
}

TEST(tui_form_sa_text_from_typed_keys)
{
	struct tui *t = form_tui(tui_form_sa_new, TUI_ST_FORM);
	static const int to_spi[] = { '\t', 0 };
	static const char prefix[] = "add 192.0.2.1 192.0.2.2 esp 0x2001 -m transport -E aes-cbc 0x";
	char *text, buf[128];
	const struct tui_field *ek;

	REQUIRE(t);
	type(t, "192.0.2.1");
	tui_input_key(t, '\t');
	type(t, "192.0.2.2");
	keys(t, to_spi);			/* Protocol */
	CHECK_STR(cur_label(t), "Protocol");
	type(t, "xyz");				/* a pick-list takes no text */
	CHECK_STR(tui_form_val(t->form, 2), "esp");
	tui_input_key(t, '\t');			/* SPI */
	CHECK_STR(cur_label(t), "SPI");
	tui_input_key(t, 21);			/* C-u */
	type(t, "0x2001");
	tui_input_key(t, KEY_LEFT);		/* a text field takes no arrows */
	CHECK_STR(tui_form_val(t->form, 3), "0x2001");
	tui_input_key(t, '\t');			/* Mode */
	tui_input_key(t, KEY_RIGHT);
	CHECK_STR(tui_form_val(t->form, 4), "tunnel");
	tui_input_key(t, KEY_LEFT);
	CHECK_STR(tui_form_val(t->form, 4), "transport");
	tui_input_key(t, '\t');			/* Reqid */
	tui_input_key(t, '\t');			/* Encryption: aes-cbc */
	CHECK_STR(tui_form_val(t->form, 6), "aes-cbc");
	tui_input_key(t, '\t');			/* Enc key */
	CHECK_STR(cur_label(t), "Enc key");
	type(t, "0x0011223344556677");		/* too short for aes-cbc */
	CHECK(t->form->f[7].err[0] != 0);
	tui_input_key(t, 7);			/* C-g: a key of the default length */
	ek = &t->form->f[7];
	CHECK(ek->generated);
	CHECK_EQ(ek->len, 2 + 2 * 16);
	CHECK(!ek->err[0]);
	ek->ops->draw(t, ek, false, buf, sizeof(buf));
	CHECK_STR(buf, "(hidden, generated 128 bits)");
	tui_input_key(t, '\t');			/* Auth: hmac-sha256 */
	tui_input_key(t, '\t');			/* Auth key */
	type(t, "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	CHECK(!t->form->f[9].err[0]);
	CHECK(!t->form->err[0]);
	text = tui_form_text(t->form);
	REQUIRE(text);
	CHECK(!strncmp(text, prefix, strlen(prefix)));
	CHECK(strstr(text, " -A hmac-sha256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ;") != NULL);
	tui_form_text_free(text);
	/* C-g on the SPI field writes auto */
	while (strcmp(cur_label(t), "SPI"))
		tui_input_key(t, KEY_UP);
	tui_input_key(t, 7);
	CHECK_STR(tui_form_val(t->form, 3), "auto");
	form_tui_del(t);
}

TEST(tui_form_sa_protocol_changes_fields)
{
	struct tui *t = form_tui(tui_form_sa_new, TUI_ST_FORM);

	REQUIRE(t);
	t->form->cur = 2;			/* Protocol: esp -> ah */
	tui_input_key(t, ' ');
	CHECK_STR(tui_form_val(t->form, 2), "ah");
	CHECK(t->form->f[6].hidden);		/* no encryption */
	CHECK(t->form->f[7].hidden);
	CHECK(!t->form->f[8].hidden);		/* auth, with a real algorithm */
	CHECK(strcmp(tui_form_val(t->form, 8), "(none)") != 0);
	tui_input_key(t, ' ');			/* ipcomp */
	CHECK_STR(t->form->f[6].label, "Compression");
	CHECK(t->form->f[8].hidden);
	form_tui_del(t);
}

TEST(tui_form_enter_refuses_first_problem)
{
	struct tui *t = form_tui(tui_form_sa_new, TUI_ST_FORM);

	REQUIRE(t);
	t->form->cur = 4;
	tui_input_key(t, '\n');
	CHECK_EQ(t->st, TUI_ST_FORM);		/* nothing ran: still in the form */
	CHECK_EQ(t->form->cur, 0);		/* moved to the first bad field */
	CHECK(t->msg_err);
	CHECK(strstr(t->msg, "Source: required") != NULL);
	tui_input_key(t, 27);			/* Esc: cancelled, freed */
	CHECK(t->form == NULL);
	CHECK_EQ(t->st, TUI_ST_BROWSE);
	form_tui_del(t);
}

TEST(tui_form_policy_text_and_hidden_fields)
{
	struct tui *t = form_tui(tui_form_policy_new, TUI_ST_FORM);
	char *text;

	REQUIRE(t);
	type(t, "10.0.0.0/24");
	tui_input_key(t, '\t');
	type(t, "10.0.1.0/24[80]");
	tui_input_key(t, '\t');
	tui_input_key(t, 21);
	type(t, "tcp");
	CHECK(!t->form->err[0]);
	text = tui_form_text(t->form);
	REQUIRE(text);
	CHECK_STR(text, "spdadd 10.0.0.0/24 10.0.1.0/24[80] tcp -P out ipsec esp/transport//require ;");
	tui_form_text_free(text);
	t->form->cur = 4;			/* Action: ipsec -> discard */
	tui_input_key(t, KEY_RIGHT);
	CHECK(t->form->f[5].hidden && t->form->f[6].hidden && t->form->f[8].hidden);
	text = tui_form_text(t->form);
	REQUIRE(text);
	CHECK_STR(text, "spdadd 10.0.0.0/24 10.0.1.0/24[80] tcp -P out discard ;");
	tui_form_text_free(text);
	/* a bad upper protocol: keysh's message on the field */
	t->form->cur = 2;
	type(t, "x");
	CHECK(t->form->f[2].err[0] != 0);
	form_tui_del(t);
}

static struct tui_form *life_form(struct tui *t)
{
	struct pfk_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.satype = PFK_SATYPE_ESP;
	sa.spi = 0x1234;
	sa.mode = PFK_MODE_TRANSPORT;
	sa.src.family = sa.dst.family = AF_INET;
	sa.src.prefixlen = sa.dst.prefixlen = 32;
	sa.src.a.v4.s_addr = htonl(0x0a000001);
	sa.dst.a.v4.s_addr = htonl(0x0a000002);
	sa.enc_alg = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc")->id;
	sa.enc_key.bits = 128;
	memset(sa.enc_key.data, 0x11, 16);
	sa.has = PFK_SA_HAS_HARD;
	sa.hard.addtime = 3600;
	return tui_form_lifetime_new(t, &sa);
}

TEST(tui_form_lifetime_text_keeps_the_sa)
{
	struct tui *t = form_tui(life_form, TUI_ST_FORM);
	char *text;

	REQUIRE(t);
	CHECK_STR(tui_form_val(t->form, 1), "3600");
	type(t, "\x15" "600");			/* C-u, soft 600 s */
	text = tui_form_text(t->form);
	REQUIRE(text);
	CHECK_STR(text, "update 10.0.0.1 10.0.0.2 esp 0x00001234 -m transport -u 0 -ls 600 "
		  "-lh 3600 -bs 0 -bh 0 -E aes-cbc 0x11111111111111111111111111111111 ;");
	tui_form_text_free(text);
	type(t, "s");
	CHECK(t->form->f[0].err[0] != 0);
	form_tui_del(t);
}

/* The wizard's SPI fields take C-g as the form's do (they ignored it). */
TEST(tui_form_wizard_generate_spi_auto)
{
	struct tui *t = form_tui(tui_wizard_new, TUI_ST_WIZARD);
	char *text;

	REQUIRE(t);
	type(t, " ");				/* gateways (tunnel) */
	CHECK(!t->form->f[3].hidden);		/* the subnets show */
	t->form->cur = 7;
	CHECK_STR(cur_label(t), "SPI out");
	tui_input_key(t, 7);
	CHECK_STR(tui_form_val(t->form, 7), "auto");
	t->form->cur = 8;
	tui_input_key(t, 7);
	CHECK_STR(tui_form_val(t->form, 8), "auto");
	t->form->cur = 1;
	type(t, "192.0.2.1");
	tui_input_key(t, '\t');
	type(t, "192.0.2.2");
	tui_input_key(t, '\t');
	type(t, "10.1.0.0/16");
	tui_input_key(t, '\t');
	type(t, "10.2.0.0/16");
	CHECK(!t->form->err[0]);
	/* the statement as checked says random, the script to run has keys */
	text = t->form->ops->text(t->form, true);
	REQUIRE(text);
	CHECK(strstr(text, "add 192.0.2.1 192.0.2.2 esp auto -m tunnel -E aes-cbc random") != NULL);
	CHECK(strstr(text, "-P fwd ipsec esp/tunnel/192.0.2.2-192.0.2.1/require") != NULL);
	tui_form_text_free(text);
	text = tui_form_text(t->form);
	REQUIRE(text);
	CHECK(strstr(text, "random") == NULL);
	tui_form_text_free(text);
	/* Enter: the preview, whose Esc goes back to the fields */
	tui_input_key(t, '\n');
	CHECK(t->form->preview);
	CHECK_EQ(tui_input_ctx(t), TUI_KC_PREVIEW);
	CHECK(t->form->script != NULL);
	tui_input_key(t, 27);
	CHECK(!t->form->preview);
	CHECK_EQ(tui_input_ctx(t), TUI_KC_FORM);
	form_tui_del(t);
}

/* ---- the keys forms name on screen are the keys bound there ---- */

static bool bound_in(enum tui_keyctx c, const char *name)
{
	char buf[16];
	size_t i;
	int k;

	for (i = 0; i < tui_nbindings; i++) {
		const struct tui_binding *b = &tui_bindings[i];

		if (b->ctx != c)
			continue;
		for (k = 0; k < TUI_BIND_CODES && b->codes[k]; k++) {
			const char *n = tui_input_key_name(b->codes[k], buf, sizeof(buf));

			if (n && !strcmp(n, name))
				return true;
		}
	}
	return false;
}

/* A word as keytui writes key names: "y", "C-g", "Enter", "S-Tab". */
static bool looks_like_key(const char *w)
{
	static const char *const names[] = {
		"Enter", "Esc", "Tab", "S-Tab", "Space", "Up", "Down", "Left", "Right",
		"PgUp", "PgDn", "Home", "End", "Del", "F1", "Backspace",
	};
	size_t i;

	if (strlen(w) == 1 || (w[0] == 'C' && w[1] == '-' && strlen(w) == 3))
		return true;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(w, names[i]))
			return true;
	return false;
}

/* Every key name before a ':' on the row ("Esc: cancel") is a key bound in
 * context c; returns how many there are. */
static int row_keys_bound(const char *row, enum tui_keyctx c)
{
	const char *p;
	int n = 0;

	for (p = strchr(row, ':'); p; p = strchr(p + 1, ':')) {
		const char *s = p;
		char name[16];
		size_t len;

		while (s > row && s[-1] != ' ' && s[-1] != '(' && s[-1] != ',')
			s--;
		len = (size_t)(p - s);
		while (len && s[len - 1] == ')')
			len--;
		if (!len || len >= sizeof(name))
			continue;
		memcpy(name, s, len);
		name[len] = 0;
		if (!looks_like_key(name))
			continue;
		if (!bound_in(c, name))
			unit_failf(__FILE__, __LINE__, "\"%s\" names %s, not bound there (%s)",
				   row, name, tui_keyctxs[c].title);
		n++;
	}
	return n;
}

/* The screen row containing s, or "": box lines read as blanks. */
static void find_row(const char *s, char *row, int cap, int rows)
{
	chtype ch[256];
	int y, n, i;

	for (y = 0; y < rows; y++) {
		n = mvinchnstr(y, 0, ch, cap - 1 < 255 ? cap - 1 : 255);
		for (i = 0; i < n; i++)
			row[i] = (ch[i] & A_ALTCHARSET) ? ' ' : (char)(ch[i] & A_CHARTEXT);
		row[n > 0 ? n : 0] = 0;
		if (strstr(row, s))
			return;
	}
	row[0] = 0;
}

TEST(tui_form_keys_on_screen_are_bound)
{
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	struct tui *t;
	SCREEN *s;
	char row[256];

	REQUIRE(out && in);
	s = newterm("vt100", out, in);
	REQUIRE(s);
	resizeterm(30, 100);
	t = form_tui(tui_form_sa_new, TUI_ST_FORM);
	REQUIRE(t);
	t->rows = 30;
	t->cols = 100;
	erase();
	tui_form_draw(t, t->form);
	find_row("Esc: cancel", row, sizeof(row), 30);
	CHECK_EQ(row_keys_bound(row, TUI_KC_FORM), 4);
	form_tui_del(t);

	t = form_tui(tui_wizard_new, TUI_ST_WIZARD);
	REQUIRE(t);
	t->rows = 30;
	t->cols = 100;
	t->form->cur = 1;
	type(t, "192.0.2.1");
	tui_input_key(t, '\t');
	type(t, "192.0.2.2");
	tui_input_key(t, '\n');
	REQUIRE(t->form->preview);
	erase();
	tui_form_draw(t, t->form);
	find_row("Equivalent keysh script", row, sizeof(row), 30);
	CHECK_EQ(row_keys_bound(row, TUI_KC_PREVIEW), 3);
	find_row("The peer's script", row, sizeof(row), 30);
	CHECK_EQ(row_keys_bound(row, TUI_KC_PREVIEW), 2);
	form_tui_del(t);
	endwin();
	delscreen(s);
	fclose(out);
	fclose(in);
}
