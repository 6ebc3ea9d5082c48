/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * form.h: compose forms (SA, policy, lifetimes) and the pair wizard. A form
 * is a list of fields; each field is checked as it is typed with keysh's
 * own field validators (stmt.h), and the form as a whole becomes keysh
 * statement text that is parsed and run by run.c -- never a second set of
 * rules.
 */
#ifndef TUI_FORM_H
#define TUI_FORM_H

#include "tui.h"
#include "stmt.h"

enum tui_ftype { TUI_F_TEXT, TUI_F_PICK, TUI_F_KEY };

#define TUI_FIELD_MAX 16
#define TUI_CHOICE_MAX 40
#define TUI_FVAL_MAX 300

struct tui_field {
	const char *label;
	enum tui_ftype type;
	char val[TUI_FVAL_MAX];
	size_t len;
	const char *choices[TUI_CHOICE_MAX];
	int nchoices, choice;
	bool hidden;			/* not applicable for the current choices */
	bool optional;
	bool generated;			/* key came from RAND_bytes */
	char err[256];			/* keysh's message for this field, "" if ok */
	const char *hint;
};

enum tui_form_kind { TUI_FORM_SA, TUI_FORM_POLICY, TUI_FORM_LIFETIME, TUI_FORM_WIZARD };

struct tui_form {
	enum tui_form_kind kind;
	const char *title;
	struct tui_field f[TUI_FIELD_MAX];
	int nf, cur;
	char err[600];			/* whole-statement error from keysh */
	struct pfk_sa base;		/* LIFETIME: the SA being updated */
	bool preview;			/* WIZARD: showing the script */
	char *script;			/* WIZARD: generated script (wiped on free) */
};

struct tui_form *tui_form_sa_new(struct tui *t);
struct tui_form *tui_form_policy_new(struct tui *t);
struct tui_form *tui_form_lifetime_new(struct tui *t, const struct pfk_sa *sa);
struct tui_form *tui_wizard_new(struct tui *t);
void tui_form_free(struct tui_form *f);
void tui_form_draw(struct tui *t, struct tui_form *f);
unsigned int tui_form_key(struct tui *t, struct tui_form *f, int ch);
/* Build the statement text of a form (caller wipes and frees). */
char *tui_form_text(struct tui_form *f);
/* Wizard: the script for both SAs and the policies (caller wipes, frees). */
char *tui_wizard_script(struct tui_form *f);
/* The wizard's parts of the form engine (wizard.c). */
void tui_wizard_check(struct tui_form *f);
unsigned int tui_wizard_enter(struct tui *t, struct tui_form *f);
void tui_wizard_preview_draw(struct tui *t, struct tui_form *f, int y, int x, int w, int h);
/* What keysh --peer prints for the wizard's script (keys as (hidden)
 * unless keys); NULL with err when it cannot (SPI auto). Free the result
 * after wiping it. */
char *tui_wizard_peer_script(const struct tui_form *f, bool keys, char *err, size_t cap);
/* Revalidate every field (after a pick-list change). */
void tui_form_check(struct tui_form *f);

/* Fill buf with 0x + hex of nbytes from RAND_bytes. -EIO on failure. */
int tui_form_random_key(char *buf, size_t cap, size_t nbytes);

#endif /* TUI_FORM_H */
