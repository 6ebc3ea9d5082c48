// SPDX-License-Identifier: BSD-2-Clause
/*
 * view_detail.c: the detail pane for the selected row. SAs and policies are
 * decoded by libpfkey's setkey renderers (every field, lifetimes current /
 * soft / hard), events by its kdebug renderer plus, on 'x', a hex view.
 * Keys stay "(hidden)" -- in the hex view too, where the key payload bytes
 * are blanked -- until the operator toggles them with 'K'.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "view.h"
#include "walker.h"

static struct pfk_msg scratch;	/* one detail at a time; wiped after use */

static void hex_dump(FILE *f, const uint8_t *raw, size_t len, bool show_keys)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct pfkm_exts ex;
	size_t i;
	int k;

	if (!copy)
		return;
	memcpy(copy, raw, len);
	/* Blank key payloads: the walker tells where the key extensions are. */
	if (!show_keys && !pfkm_walker_reply(copy, len, &ex)) {
		static const int kt[] = { SADB_EXT_KEY_AUTH, SADB_EXT_KEY_ENCRYPT };

		for (k = 0; k < 2; k++) {
			const struct sadb_ext *e = ex.ext[kt[k]];

			if (e) {
				size_t off = (const uint8_t *)e - copy + sizeof(struct sadb_key);
				size_t end = (const uint8_t *)e - copy + e->sadb_ext_len * 8u;

				for (i = off; i < end && i < len; i++)
					copy[i] = 0;
			}
		}
		fprintf(f, "hex (key bytes blanked; K shows keys):\n");
	} else {
		fprintf(f, "hex:\n");
	}
	for (i = 0; i < len; i += 16) {
		size_t j;

		fprintf(f, "%04zx:", i);
		for (j = i; j < i + 16 && j < len; j++)
			fprintf(f, "%s%02x", (j % 4) ? "" : " ", copy[j]);
		fputc('\n', f);
	}
	explicit_bzero(copy, len);
	free(copy);
}

void tui_view_detail_draw(struct tui *t, int y, int h)
{
	char *text = NULL, title[160];
	size_t size = 0, line = 0;
	unsigned int flags = t->show_keys ? PFK_R_SHOW_KEYS : 0;
	uint64_t now = (uint64_t)time(NULL);
	FILE *f;
	char *p, *nl;
	int r;

	if (h < 2)
		return;
	f = open_memstream(&text, &size);
	if (!f)
		return;
	memset(&scratch, 0, sizeof(scratch));
	snprintf(title, sizeof(title), " Detail ");
	if (t->view == TUI_VIEW_SAD) {
		const struct tui_sa *s = tui_view_sad_selected(t);

		if (s) {
			scratch.kind = PFK_MSG_SA;
			scratch.type = PFK_T_DUMP;
			scratch.satype = s->sa.satype;
			scratch.sa = s->sa;
			pfk_render_sa_setkey(f, &scratch, flags, now);
			snprintf(title, sizeof(title), " Detail: %s SA spi 0x%08x  (K keys, Enter close) ",
				 pfk_satype_name(s->sa.satype), s->sa.spi);
		}
	} else if (t->view == TUI_VIEW_SPD) {
		const struct tui_pol *p = tui_view_spd_selected(t);

		if (p) {
			scratch.kind = PFK_MSG_POLICY;
			scratch.type = PFK_T_SPDDUMP;
			scratch.pol = p->pol;
			scratch.reserved = p->pol.refcnt;
			pfk_render_policy_setkey(f, &scratch, flags | PFK_R_PORTS, now);
			snprintf(title, sizeof(title), " Detail: policy id %u %s ", p->pol.id,
				 pfk_dir_name(p->pol.dir));
		}
	} else {
		const struct tui_event *e = tui_view_events_selected(t);

		if (e) {
			/* asked for, the hex view comes first: the pane is short */
			if (t->hex)
				hex_dump(f, e->raw, e->len, t->show_keys);
			pfk_render_debug(f, e->raw, e->len, flags);
			snprintf(title, sizeof(title), " Detail: %s, %zu bytes  (x hex, K keys) ",
				 e->type ? pfk_msgtype_name(e->type) : "malformed", e->len);
		}
	}
	pfk_msg_wipe(&scratch);
	fclose(f);

	move(y, 0);
	attrset(tui_attr_get(t, TUI_A_TITLE));
	hline(ACS_HLINE, t->cols);
	mvaddnstr(y, 2, title, t->cols - 2);
	attrset(A_NORMAL);
	/* clamp the scroll offset to the text */
	for (p = text; p && *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		line++;
		if (!nl)
			break;
	}
	if (t->detail_top + (h - 1) > line)
		t->detail_top = line > (size_t)(h - 1) ? line - (h - 1) : 0;
	line = 0;
	r = 1;
	for (p = text; p && *p && r < h; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		if (line++ >= t->detail_top) {
			int n = (int)(nl - p + (*nl == '\n' ? 0 : 1));
			char *q;

			/* tabs from the setkey renderer become two spaces */
			move(y + r, 0);
			for (q = p; q < p + n && getcurx(stdscr) < t->cols - 1; q++)
				if (*q == '\t')
					addstr("  ");
				else
					addch((unsigned char)*q);
			r++;
		}
		if (!nl[0] || !nl[1])
			break;
	}
	if (text) {
		explicit_bzero(text, size);
		free(text);
	}
}
