/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * form.h: compose forms (SA, policy, lifetimes) and the pair wizard. A form
 * is a list of fields; each field is checked as it is typed with keysh's
 * own field validators (stmt.h), and the form as a whole becomes keysh
 * statement text that is parsed and run by run.c -- never a second set of
 * rules.
 *
 * Two tables of operations, no switches on kinds: a field's type (text,
 * pick-list, key) has its tui_field_ops (check, text, draw, enter), a
 * form's kind (SA, policy, lifetime, wizard) has its tui_form_ops (check,
 * text, draw, enter). The engine in form.c only calls through them.
 */
#ifndef TUI_FORM_H
#define TUI_FORM_H

#include "tui.h"
#include "stmt.h"

#define TUI_FIELD_MAX 16
#define TUI_CHOICE_MAX 40
#define TUI_FVAL_MAX 300

struct tui_form;
struct tui_field;

/* What a field's type does (one table each: tui_field_text, _pick, _key). */
struct tui_field_ops {
	/* fd->err: "" when fine, "required", or its validator's message */
	void (*check)(const struct tui_form *f, struct tui_field *fd);
	/* the value as statement text */
	const char *(*text)(const struct tui_field *fd);
	/* what the field shows (keys hidden unless t->show_keys) */
	void (*draw)(const struct tui *t, const struct tui_field *fd, bool editing,
		     char *buf, size_t cap);
	/* one key typed into the field: true when the value changed */
	bool (*enter)(struct tui_field *fd, int ch);
	bool cursor;		/* the text cursor shows at the end of the value */
};
extern const struct tui_field_ops tui_field_text, tui_field_pick, tui_field_key;

/* keysh's validator for a text field's value: 0, or -errno with e set. */
typedef int (*tui_field_valid)(const struct tui_form *f, const struct tui_field *fd,
			       struct pfk_err *e);

struct tui_field {
	const char *label;
	const struct tui_field_ops *ops;
	tui_field_valid valid;		/* NULL: any non-empty value */
	char val[TUI_FVAL_MAX];
	size_t len;
	const char *choices[TUI_CHOICE_MAX];
	int nchoices, choice;
	int alg;			/* key: the field naming its algorithm */
	enum pfkm_alg_kind alg_kind;	/* key: which kind of algorithm that is */
	bool spi_auto;			/* C-g writes "auto" */
	bool hidden;			/* not applicable for the current choices */
	bool optional;
	bool generated;			/* key came from RAND_bytes */
	char err[256];			/* keysh's message for this field, "" if ok */
	const char *hint;
};

/* What a form's kind does (one table each, in form_sa.c, form_policy.c,
 * form_lifetime.c and wizard.c). */
struct tui_form_ops {
	const char *title;
	const char *enter_help;		/* the bottom line's Enter: "apply" */
	/* bring the fields in line with the choices (pick-lists, what is
	 * hidden); the engine then checks every field and the statement */
	void (*check)(struct tui_form *f);
	/* the statement text (caller wipes, frees); for_check: only to be
	 * parsed (the wizard writes `random` instead of generating keys) */
	char *(*text)(struct tui_form *f, bool for_check);
	/* the body inside the box: tui_form_fields_draw or the wizard's */
	void (*draw)(struct tui *t, struct tui_form *f, int y, int x, int w, int h);
	/* Enter once every field is fine: apply (tui_form_apply), or preview */
	unsigned int (*enter)(struct tui *t, struct tui_form *f);
};

struct tui_form {
	const struct tui_form_ops *ops;
	struct tui_field f[TUI_FIELD_MAX];
	int nf, cur;
	char err[600];			/* whole-statement error from keysh */
	struct pfk_sa base;		/* LIFETIME: the SA being updated */
	bool preview;			/* WIZARD: showing the script */
	char *script;			/* WIZARD: generated script (wiped on free) */
};

/* ---- the forms ---- */
struct tui_form *tui_form_sa_new(struct tui *t);
struct tui_form *tui_form_policy_new(struct tui *t);
struct tui_form *tui_form_lifetime_new(struct tui *t, const struct pfk_sa *sa);
struct tui_form *tui_wizard_new(struct tui *t);
/* What keysh --peer prints for the wizard's script (keys as (hidden)
 * unless keys); NULL with err when it cannot (SPI auto). Free the result
 * after wiping it. */
char *tui_wizard_peer_script(const struct tui_form *f, bool keys, char *err, size_t cap);

/* ---- the engine (form.c) ---- */
/* A new form of that kind, NULL without memory. */
struct tui_form *tui_form_new(const struct tui_form_ops *ops);
void tui_form_free(struct tui_form *f);
/* Field i: a text or key field with its validator, or a pick-list. */
void tui_form_text_field(struct tui_form *f, int i, const char *label,
			 const struct tui_field_ops *ops, tui_field_valid valid,
			 const char *val, const char *hint);
void tui_form_pick_field(struct tui_form *f, int i, const char *label,
			 const char *const *choices, int n);
/* The value of field i as statement text. */
const char *tui_form_val(const struct tui_form *f, int i);
/* Revalidate every field and the statement (after any change). */
void tui_form_check(struct tui_form *f);
/* Statement text of the form, to run (caller wipes and frees). */
char *tui_form_text(struct tui_form *f);
/* The first field with a problem (made current, said in the status bar)
 * or the statement's: true when there is one. */
bool tui_form_refuse(struct tui *t, struct tui_form *f);
/* Check, run the statement through run.c, close the form when it ran. */
unsigned int tui_form_apply(struct tui *t, struct tui_form *f);
/* Close the form (st back to browsing). */
void tui_form_close(struct tui *t, struct tui_form *f);
void tui_form_draw(struct tui *t, struct tui_form *f);
/* The field list: the default body. */
void tui_form_fields_draw(struct tui *t, struct tui_form *f, int y, int x, int w, int h);
/* Wipe and free statement text. */
void tui_form_text_free(char *s);

/* ---- the keys bound in forms (input.c's table calls these) ---- */
unsigned int tui_form_cancel(struct tui *t);
unsigned int tui_form_step(struct tui *t, int d);
unsigned int tui_form_enter(struct tui *t);
unsigned int tui_form_generate(struct tui *t);
/* A key for the current field (pick-list change, typing, erasing). */
unsigned int tui_form_edit(struct tui *t, int ch);
/* The wizard preview's Esc: back to the fields. */
unsigned int tui_form_preview_back(struct tui *t);

/* ---- validators for tui_form_text_field (keysh's, stmt.h) ---- */
int tui_form_valid_host(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e);
int tui_form_valid_range(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e);
int tui_form_valid_u64(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e);
int tui_form_valid_upper(const struct tui_form *f, const struct tui_field *fd, struct pfk_err *e);
/* An SPI for SA type st, or auto (GETSPI). */
int tui_form_valid_spi(enum pfk_satype st, const struct tui_field *fd, struct pfk_err *e);

/* Fill buf with 0x + hex of nbytes from RAND_bytes. -EIO on failure. */
int tui_form_random_key(char *buf, size_t cap, size_t nbytes);

#endif /* TUI_FORM_H */
