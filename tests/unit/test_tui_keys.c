// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_tui_keys.c: keytui's binding table (src/tui/input.c) against what
 * is said about it: every binding is reached by each of its keys and does
 * something, the help screen (drawn into a curses screen and read back)
 * shows every binding, and man/keytui.8's KEYS section lists exactly the
 * keys the table binds, heading by heading.
 */
#include <curses.h>
#include <stdlib.h>
#include "unit.h"
#include "../../src/tui/input.h"
#include "../../src/tui/help.h"
#include "../../src/tui/form.h"
#include "../../src/tui/view.h"

static struct tui *tui_new(void)
{
	struct tui *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	tui_model_init(&t->m);
	t->rows = 40;
	t->cols = 120;
	return t;
}

static void tui_del(struct tui *t)
{
	int v;

	tui_form_free(t->form);
	for (v = 0; v < TUI_VIEW_N; v++) {
		free(t->list[v].idx.ix);
		free(t->list[v].idx.base);
	}
	tui_model_free(&t->m);
	free(t);
}

/* Put t where the binding's keys are read: its context, its view. */
static void enter_ctx(struct tui *t, const struct tui_binding *b)
{
	t->view = TUI_VIEW_SAD;
	if (b->where && strstr(b->where, "Events") && !strstr(b->where, "SAD"))
		t->view = TUI_VIEW_EVENTS;
	switch (b->ctx) {
	case TUI_KC_HELP: t->st = TUI_ST_HELP; break;
	case TUI_KC_FILTER: t->st = TUI_ST_FILTER; break;
	case TUI_KC_PROMPT: t->st = TUI_ST_PROMPT; break;
	case TUI_KC_CONFIRM: t->st = TUI_ST_CONFIRM; break;
	case TUI_KC_FORM:
		t->st = TUI_ST_FORM;
		t->form = tui_form_sa_new(t);
		break;
	case TUI_KC_PREVIEW:
		t->st = TUI_ST_WIZARD;
		t->form = tui_wizard_new(t);
		if (t->form)
			t->form->preview = true;
		break;
	default: t->st = TUI_ST_BROWSE; break;
	}
}

TEST(tui_keys_every_binding_dispatches)
{
	size_t i;
	int k;

	REQUIRE(tui_nbindings > 40);
	for (i = 0; i < tui_nbindings; i++) {
		const struct tui_binding *b = &tui_bindings[i];

		CHECK(b->fn != NULL);
		CHECK(b->help && b->help[0]);
		CHECK(b->codes[0] != 0);
		for (k = 0; k < TUI_BIND_CODES && b->codes[k]; k++) {
			struct tui *t = tui_new();
			unsigned int r;

			REQUIRE(t);
			enter_ctx(t, b);
			CHECK_EQ(tui_input_ctx(t), b->ctx == TUI_KC_LIST ? TUI_KC_ALL : b->ctx);
			/* no earlier binding of the context takes the key */
			if (tui_input_lookup(t, b->codes[k]) != b)
				unit_failf(__FILE__, __LINE__, "key %d of \"%s\" runs another binding",
					   b->codes[k], b->help);
			/* the preview's Enter runs the script on a backend: looked up only */
			if (b->ctx == TUI_KC_PREVIEW && b == tui_input_lookup(t, '\n')) {
				tui_del(t);
				continue;
			}
			r = tui_input_key(t, b->codes[k]);
			if (!(r & (TUI_R_HANDLED | TUI_R_QUIT)))
				unit_failf(__FILE__, __LINE__, "key %d of \"%s\" was ignored (%#x)",
					   b->codes[k], b->help, r);
			tui_del(t);
		}
	}
}

/* Each key a binding has is either named (as help and man write it) or a
 * known alias; every binding shows at least one name. */
TEST(tui_keys_every_key_has_a_name)
{
	char buf[16], keys[128];
	size_t i;
	int k;

	for (i = 0; i < tui_nbindings; i++) {
		const struct tui_binding *b = &tui_bindings[i];

		for (k = 0; k < TUI_BIND_CODES && b->codes[k]; k++) {
			const char *n = tui_input_key_name(b->codes[k], buf, sizeof(buf));

			if (n && n[0] == '#')
				unit_failf(__FILE__, __LINE__, "key %d of \"%s\" has no name",
					   b->codes[k], b->help);
		}
		tui_input_keys_text(b, keys, sizeof(keys));
		if (!keys[0])
			unit_failf(__FILE__, __LINE__, "\"%s\" shows no key", b->help);
	}
	CHECK_STR(tui_input_key_name(7, buf, sizeof(buf)), "C-g");
	CHECK_STR(tui_input_key_name(KEY_BTAB, buf, sizeof(buf)), "S-Tab");
	CHECK(tui_input_key_name('\r', buf, sizeof(buf)) == NULL);
}

/* Read row y of the curses screen into buf. */
static void screen_row(int y, char *buf, int cap)
{
	int n = mvinnstr(y, 0, buf, cap - 1);

	buf[n > 0 ? n : 0] = 0;
}

static SCREEN *screen_open(FILE **out, FILE **in, int rows, int cols)
{
	SCREEN *s;

	*out = fopen("/dev/null", "w");
	*in = fopen("/dev/null", "r");
	if (!*out || !*in)
		return NULL;
	s = newterm("vt100", *out, *in);
	if (s)
		resizeterm(rows, cols);
	return s;
}

static void screen_close(SCREEN *s, FILE *out, FILE *in)
{
	endwin();
	delscreen(s);
	fclose(out);
	fclose(in);
}

/* The help screen at 80x24, drawn and read back while scrolled a line at
 * a time with its own j key, shows each binding's keys and the start of
 * its text on the line the binding begins. */
TEST(tui_keys_help_shows_every_binding)
{
	struct tui_help_line lines[256];
	size_t n = tui_help_lines(lines, 256), i, found = 0;
	static char seen[256][2][128];
	FILE *out, *in;
	SCREEN *s;
	struct tui *t;

	CHECK(n <= TUI_HELP_MAX);
	REQUIRE(n <= 256);
	for (i = 0; i < n; i++)
		if (lines[i].b)
			found++;
	CHECK_EQ(found, tui_nbindings);
	s = screen_open(&out, &in, 24, 80);
	REQUIRE(s);
	t = tui_new();
	REQUIRE(t);
	t->rows = 24;
	t->cols = 80;
	t->st = TUI_ST_HELP;
	for (i = 0; i < n; i++) {
		char row[256];

		CHECK_EQ(t->help_top, i);
		erase();
		tui_help_draw(t);
		screen_row(1, row, sizeof(row));
		snprintf(seen[i][0], sizeof(seen[i][0]), "%.23s", row);
		snprintf(seen[i][1], sizeof(seen[i][1]), "%.127s", strlen(row) > 24 ? row + 24 : "");
		tui_input_key(t, 'j');
	}
	CHECK_EQ(t->st, TUI_ST_HELP);
	for (i = 0; i < tui_nbindings; i++) {
		const struct tui_binding *b = &tui_bindings[i];
		char keys[128], where_text[160];
		size_t r;
		bool ok = false;

		tui_input_keys_text(b, keys, sizeof(keys));
		snprintf(where_text, sizeof(where_text), "%-8s %s", b->where ? b->where : "",
			 b->help);
		where_text[40] = 0;	/* what surely fits on the first line at 80 columns */
		for (r = 0; r < n && !ok; r++)
			ok = strstr(seen[r][0], keys) && strstr(seen[r][1], where_text);
		if (!ok)
			unit_failf(__FILE__, __LINE__, "help at 80x24 does not show \"%s\" %s",
				   keys, b->help);
	}
	/* and the headings of every context */
	for (i = 0; i < TUI_KC_N; i++) {
		size_t r;
		bool ok = false;

		for (r = 0; r < n && !ok; r++)
			ok = strstr(seen[r][0], tui_keyctxs[i].title) != NULL;
		if (!ok)
			unit_failf(__FILE__, __LINE__, "help has no heading %s", tui_keyctxs[i].title);
	}
	tui_del(t);
	screen_close(s, out, in);
}

/* The help's page keys go a page both ways (PgUp went back one line). */
TEST(tui_keys_help_pages_both_ways)
{
	struct tui *t = tui_new();

	REQUIRE(t);
	t->st = TUI_ST_HELP;
	tui_input_key(t, KEY_NPAGE);
	tui_input_key(t, KEY_NPAGE);
	CHECK(t->help_top >= 2);
	tui_input_key(t, KEY_PPAGE);
	tui_input_key(t, KEY_PPAGE);
	CHECK_EQ(t->help_top, 0);
	CHECK_EQ(t->st, TUI_ST_HELP);
	tui_input_key(t, 'x');		/* any other key closes */
	CHECK_EQ(t->st, TUI_ST_BROWSE);
	tui_del(t);
}

/* ---- man/keytui.8 ---- */

/* The keys on a .TP tag line: ".BR j \", \" Down" -> j, Down. */
static int tag_keys(const char *line, char keys[][32], int max)
{
	const char *p = line;
	int n = 0;

	if (*p == '.')		/* the macro */
		p += strcspn(p, " ");
	while (*p && n < max) {
		char tok[64];
		size_t k = 0;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p == '"') {
			for (p++; *p && *p != '"' && k + 1 < sizeof(tok); p++)
				tok[k++] = *p;
			if (*p == '"')
				p++;
		} else {
			for (; *p && *p != ' ' && k + 1 < sizeof(tok); p++) {
				if (*p == '\\' && p[1] == '-') {
					p++;
					tok[k++] = '-';
				} else if (*p == '\\' && p[1] == '(' ) {
					break;
				} else {
					tok[k++] = *p;
				}
			}
		}
		tok[k] = 0;
		/* separators: ", " and lone commas */
		if (!tok[0] || !strcmp(tok, ", ") || !strcmp(tok, ","))
			continue;
		snprintf(keys[n++], 32, "%.31s", tok);
	}
	return n;
}

static bool in_list(char list[][32], int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

TEST(tui_keys_man_page_matches_table)
{
	FILE *f = fopen("man/keytui.8", "r");
	static char man[TUI_KC_N][128][32], tab[TUI_KC_N][128][32];
	int nman[TUI_KC_N] = { 0 }, ntab[TUI_KC_N] = { 0 }, seen_ss[TUI_KC_N] = { 0 };
	char line[512];
	bool keys = false, tag = false;
	int c = -1, i, k;
	size_t b;

	if (!f) {
		unit_failf(__FILE__, __LINE__, "man/keytui.8: run the unit tests from the source tree");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, ".SH ", 4)) {
			keys = !strcmp(line, ".SH KEYS");
			c = -1;
			continue;
		}
		if (!keys)
			continue;
		if (!strncmp(line, ".SS ", 4)) {
			c = -1;
			for (i = 0; i < TUI_KC_N; i++)
				if (!strcmp(line + 4, tui_keyctxs[i].title))
					c = i;
			if (c < 0)
				unit_failf(__FILE__, __LINE__, "man: \"%s\" is no context of the table",
					   line + 4);
			else
				seen_ss[c]++;
			continue;
		}
		if (!strcmp(line, ".TP")) {
			tag = true;
			continue;
		}
		if (tag && c >= 0) {
			char got[16][32];
			int n = tag_keys(line, got, 16);

			for (k = 0; k < n; k++)
				if (!in_list(man[c], nman[c], got[k]) && nman[c] < 128)
					snprintf(man[c][nman[c]++], 32, "%.31s", got[k]);
		}
		tag = false;
	}
	fclose(f);
	for (b = 0; b < tui_nbindings; b++) {
		const struct tui_binding *bd = &tui_bindings[b];
		char buf[16];

		c = bd->ctx;
		for (k = 0; k < TUI_BIND_CODES && bd->codes[k]; k++) {
			const char *name = tui_input_key_name(bd->codes[k], buf, sizeof(buf));

			if (name && !in_list(tab[c], ntab[c], name) && ntab[c] < 128)
				snprintf(tab[c][ntab[c]++], 32, "%s", name);
		}
	}
	for (c = 0; c < TUI_KC_N; c++) {
		if (seen_ss[c] != 1)
			unit_failf(__FILE__, __LINE__, "man: KEYS has %d \".SS %s\" (want 1)",
				   seen_ss[c], tui_keyctxs[c].title);
		for (k = 0; k < ntab[c]; k++)
			if (!in_list(man[c], nman[c], tab[c][k]))
				unit_failf(__FILE__, __LINE__, "man: %s: key %s is bound but not listed",
					   tui_keyctxs[c].title, tab[c][k]);
		for (k = 0; k < nman[c]; k++)
			if (!in_list(tab[c], ntab[c], man[c][k]))
				unit_failf(__FILE__, __LINE__, "man: %s: key %s is listed but not bound",
					   tui_keyctxs[c].title, man[c][k]);
	}
}

/* The parser above reads the tags the man page writes. */
TEST(tui_keys_man_tag_parser)
{
	char k[8][32];

	REQUIRE_EQ(tag_keys(".BR j \", \" Down \", \" k \", \" Up", k, 8), 4);
	CHECK_STR(k[0], "j");
	CHECK_STR(k[3], "Up");
	REQUIRE_EQ(tag_keys(".B C\\-g", k, 8), 1);
	CHECK_STR(k[0], "C-g");
	REQUIRE_EQ(tag_keys(".BR [ \", \" ]", k, 8), 2);
	CHECK_STR(k[1], "]");
}
