// SPDX-License-Identifier: BSD-2-Clause
/*
 * action.c: delete, flush, export and copy (see action.h). Deletes and
 * flushes are keysh statements run through run.c, so they behave and fail
 * exactly as the same line typed into keysh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "action.h"
#include "stmt.h"
#include "run.h"
#include "view.h"
#include "form.h"

static const char *upper_word(unsigned int p, char *buf, size_t cap)
{
	switch (p) {
	case 255: return "any";
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmp6";
	default:
		snprintf(buf, cap, "%u", p);
		return buf;
	}
}

static void range_text(char *buf, size_t cap, const struct pfk_addr *a)
{
	if (pfk_addr_format(buf, cap, a, PFK_ADDR_PLEN_SHORT | PFK_ADDR_PORT_ANY) < 0)
		snprintf(buf, cap, "?");
}

unsigned int tui_action_delete_ask(struct tui *t)
{
	char a[64], b[64];

	if (t->view == TUI_VIEW_SAD) {
		const struct tui_sa *s = tui_view_sad_selected(t);

		if (!s)
			goto none;
		memset(&t->act_sa, 0, sizeof(t->act_sa));
		t->act_sa.satype = s->sa.satype;
		t->act_sa.spi = s->sa.spi;
		t->act_sa.src = s->sa.src;
		t->act_sa.dst = s->sa.dst;
		pfk_addr_format(a, sizeof(a), &s->sa.src, 0);
		pfk_addr_format(b, sizeof(b), &s->sa.dst, 0);
		snprintf(t->question, sizeof(t->question), "Delete %s SA %s %s %s spi 0x%08x?",
			 pfk_satype_name(s->sa.satype), a, tui_attr_arrow(), b, s->sa.spi);
	} else if (t->view == TUI_VIEW_SPD) {
		const struct tui_pol *p = tui_view_spd_selected(t);

		if (!p)
			goto none;
		t->act_pol = p->pol;
		snprintf(t->question, sizeof(t->question), "Delete policy %s %s %s %s (id %u)?",
			 p->src, tui_attr_arrow(), p->dst, pfk_dir_name(p->pol.dir), p->pol.id);
	} else {
		tui_msg(t, true, "delete works on the SAD and SPD views");
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	t->act = TUI_ACT_DELETE;
	t->st = TUI_ST_CONFIRM;
	return TUI_R_HANDLED | TUI_R_REDRAW;
none:
	tui_msg(t, true, "nothing selected");
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_action_flush_ask(struct tui *t)
{
	if (t->view == TUI_VIEW_EVENTS) {
		tui_model_events_clear(&t->m);
		tui_msg(t, false, "events cleared");
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	snprintf(t->question, sizeof(t->question), "Type 'flush' to remove all %zu %s:",
		 t->view == TUI_VIEW_SAD ? t->m.sad.n : t->m.spd.n,
		 t->view == TUI_VIEW_SAD ? "SAs" : "policies");
	t->prompt[0] = 0;
	t->prompt_len = 0;
	t->act = TUI_ACT_FLUSH;
	t->st = TUI_ST_PROMPT;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_action_export_ask(struct tui *t, bool all)
{
	if (!all && t->view == TUI_VIEW_EVENTS) {
		tui_msg(t, true, "export works on the SAD and SPD views (E exports everything)");
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	t->act_all = all;
	snprintf(t->question, sizeof(t->question), "Export %s to file (0600):",
		 all ? "SAD and SPD" : "the selected row");
	snprintf(t->prompt, sizeof(t->prompt), "keytui-export.keysh");
	t->prompt_len = strlen(t->prompt);
	t->act = TUI_ACT_EXPORT;
	t->st = TUI_ST_PROMPT;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

void tui_action_script(struct tui *t, FILE *f, bool all, bool keys)
{
	size_t i;

	if (all) {
		/* SAD and SPD in display order: SPI, then address */
		tui_view_sad_index(t);
		tui_view_spd_index(t);
		for (i = 0; i < t->m.sad.n; i++)
			pfk_render_script_sa(f, &tui_model_sa(&t->m, i)->sa, keys);
		for (i = 0; i < t->m.spd.n; i++)
			pfk_render_script_policy(f, &tui_model_pol(&t->m, i)->pol);
		return;
	}
	if (t->view == TUI_VIEW_SAD) {
		const struct tui_sa *s = tui_view_sad_selected(t);

		if (s)
			pfk_render_script_sa(f, &s->sa, keys);
	} else if (t->view == TUI_VIEW_SPD) {
		const struct tui_pol *p = tui_view_spd_selected(t);

		if (p)
			pfk_render_script_policy(f, &p->pol);
	}
}

static int export_file(struct tui *t, const char *path, bool all, size_t *bytes)
{
	struct pfk_file pf;
	FILE *f;
	int ret;

	ret = pfk_file_open(&pf, path);
	if (ret)
		return ret;
	f = fdopen(dup(pf.fd), "w");
	if (!f) {
		ret = -errno;
		pfk_file_abort(&pf);
		return ret;
	}
	fprintf(f, "#!/usr/sbin/keysh -f\n# exported by keytui\n");
	tui_action_script(t, f, all, true);
	*bytes = (size_t)ftell(f);
	if (fclose(f))
		ret = -errno;
	if (ret) {
		pfk_file_abort(&pf);
		return ret;
	}
	return pfk_file_commit(&pf);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* OSC 52: the terminal (or tmux with set-clipboard on) takes the text. */
static void osc52(const char *s, size_t n)
{
	size_t i;

	fputs("\033]52;c;", stdout);
	for (i = 0; i < n; i += 3) {
		unsigned int v = (unsigned char)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		putchar(b64[(v >> 18) & 63]);
		putchar(b64[(v >> 12) & 63]);
		putchar(i + 1 < n ? b64[(v >> 6) & 63] : '=');
		putchar(i + 2 < n ? b64[v & 63] : '=');
	}
	fputs("\a", stdout);
	fflush(stdout);
}

unsigned int tui_action_copy(struct tui *t)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	if (t->view == TUI_VIEW_EVENTS) {
		tui_msg(t, true, "copy works on the SAD and SPD views");
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	f = open_memstream(&text, &size);
	if (!f)
		return TUI_R_HANDLED;
	/* Keys go to the clipboard only when the screen shows them (K). */
	tui_action_script(t, f, false, t->show_keys);
	fclose(f);
	if (!size) {
		tui_msg(t, true, "nothing selected");
	} else {
		char red[512];

		osc52(text, size);
		pfk_lex_redact(text, red, sizeof(red));
		red[strcspn(red, "\n")] = 0;
		tui_msg(t, false, "copied: %s", red);
	}
	if (text) {
		explicit_bzero(text, size);
		free(text);
	}
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_action_copy_peer(struct tui *t, struct tui_form *f)
{
	char err[256], *peer = tui_wizard_peer_script(f, t->show_keys, err, sizeof(err));

	if (!peer) {
		tui_msg(t, true, "peer's script: %s", err);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	osc52(peer, strlen(peer));
	tui_msg(t, false, "copied the peer's script (%zu bytes%s)", strlen(peer),
		t->show_keys ? ", with keys" : ", keys hidden");
	explicit_bzero(peer, strlen(peer));
	free(peer);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_action_do(struct tui *t)
{
	char text[512], err[512], a[80], b[80], up[16];
	size_t bytes = 0;
	int ret;

	switch (t->act) {
	case TUI_ACT_DELETE:
		if (t->view == TUI_VIEW_SAD) {
			pfk_addr_format(a, sizeof(a), &t->act_sa.src, 0);
			pfk_addr_format(b, sizeof(b), &t->act_sa.dst, 0);
			snprintf(text, sizeof(text), "delete %s %s %s 0x%08x ;", a, b,
				 pfk_satype_name(t->act_sa.satype), t->act_sa.spi);
		} else {
			range_text(a, sizeof(a), &t->act_pol.src);
			range_text(b, sizeof(b), &t->act_pol.dst);
			snprintf(text, sizeof(text), "spddelete %s %s %s -P %s ;", a, b,
				 upper_word(t->act_pol.src.proto, up, sizeof(up)),
				 pfk_dir_name(t->act_pol.dir));
		}
		ret = tui_run_text(t, text, false, err, sizeof(err));
		if (ret)
			tui_msg(t, true, "%s", err);
		else
			tui_msg(t, false, "deleted (%s)", text);
		break;
	case TUI_ACT_FLUSH:
		if (strcmp(t->prompt, "flush")) {
			tui_msg(t, true, "not flushed: type exactly 'flush' to confirm");
			break;
		}
		snprintf(text, sizeof(text), "%s", t->view == TUI_VIEW_SAD ? "flush ;" : "spdflush ;");
		ret = tui_run_text(t, text, false, err, sizeof(err));
		if (ret)
			tui_msg(t, true, "%s", err);
		else
			tui_msg(t, false, "%s", t->view == TUI_VIEW_SAD ? "SAD flushed" : "SPD flushed");
		break;
	case TUI_ACT_EXPORT:
		ret = export_file(t, t->prompt, t->act_all, &bytes);
		if (ret == -EPERM)
			tui_msg(t, true, "export %s: the file belongs to another user: not replaced",
				t->prompt);
		else if (ret)
			tui_msg(t, true, "export %s: %s", t->prompt, strerror(-ret));
		else
			tui_msg(t, false, "exported %zu bytes to %s (mode 0600)", bytes, t->prompt);
		break;
	default:
		break;
	}
	t->act = TUI_ACT_NONE;
	explicit_bzero(t->prompt, sizeof(t->prompt));
	t->prompt_len = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}
