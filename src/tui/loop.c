// SPDX-License-Identifier: BSD-2-Clause
/*
 * loop.c: the poll loop (see loop.h), scripted input, frame pacing and
 * frame statistics. Frames are drawn at most every 33 ms while data pours
 * in, so 10k events/s cost one redraw per frame, not one per event.
 */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "input.h"
#include "loop.h"
#include "view.h"

#define FRAME_US 33000
#define EVT_BUDGET 4096
#define CTL_BUDGET 8192

/* Script pseudo-codes, above every curses and synthetic key. */
#define S_WAIT 0x40000000	/* | milliseconds */
#define S_IDLE 0x30000000
#define S_RESIZE 0x50000000	/* | cols << 12 | rows */
#define S_CLICK 0x60000000	/* | x << 12 | y */
#define S_MASK 0x70000000

void tui_msg(struct tui *t, bool err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	t->msg_err = err;
}

uint64_t tui_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static const struct { const char *name; int code; } names[] = {
	{ "Enter", '\n' }, { "Esc", 27 }, { "Tab", '\t' }, { "BTab", KEY_BTAB },
	{ "Space", ' ' }, { "Up", KEY_UP }, { "Down", KEY_DOWN }, { "Left", KEY_LEFT },
	{ "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE },
	{ "Home", KEY_HOME }, { "End", KEY_END }, { "Bs", KEY_BACKSPACE },
	{ "Del", KEY_DC }, { "F1", KEY_F(1) }, { "lt", '<' }, { "Idle", S_IDLE },
};

static int token(const char *tok, int *code)
{
	unsigned int a, b;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(tok, names[i].name)) {
			*code = names[i].code;
			return 0;
		}
	if ((tok[0] == 'C' || tok[0] == 'c') && tok[1] == '-' && tok[2] && !tok[3]) {
		*code = tok[2] & 0x1f;
		return 0;
	}
	if (sscanf(tok, "Wait=%u", &a) == 1 && a < 60000) {
		*code = S_WAIT | (int)a;
		return 0;
	}
	if (sscanf(tok, "Resize=%ux%u", &a, &b) == 2 && a >= 10 && a < 4096 && b >= 3 && b < 4096) {
		*code = S_RESIZE | (int)(a << 12 | b);
		return 0;
	}
	if (sscanf(tok, "Click=%u,%u", &a, &b) == 2 && a < 4096 && b < 4096) {
		*code = S_CLICK | (int)(a << 12 | b);
		return 0;
	}
	return -EINVAL;
}

int tui_loop_script_load(const char *path, int **codes, size_t *n, char *err, size_t cap)
{
	FILE *f = fopen(path, "r");
	int *v = NULL, c, code, line = 1;
	size_t nv = 0, capv = 0;
	char tok[64];

	*codes = NULL;
	*n = 0;
	if (!f) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while ((c = fgetc(f)) != EOF) {
		if (c == '\n') {
			line++;
			continue;	/* newlines only format the file: use <Enter> */
		}
		code = c;
		if (c == '<') {
			size_t k = 0;

			while ((c = fgetc(f)) != EOF && c != '>' && k + 1 < sizeof(tok))
				tok[k++] = (char)c;
			tok[k] = 0;
			if (c != '>' || token(tok, &code)) {
				snprintf(err, cap, "%s:%d: unknown key <%s>", path, line, tok);
				free(v);
				fclose(f);
				return -EINVAL;
			}
		}
		if (nv == capv) {
			int *p = realloc(v, (capv = capv ? capv * 2 : 64) * sizeof(*v));

			if (!p) {
				free(v);
				fclose(f);
				return -ENOMEM;
			}
			v = p;
		}
		v[nv++] = code;
	}
	fclose(f);
	*codes = v;
	*n = nv;
	return (int)nv;
}

static long rss_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long v = -1;
	size_t n = strlen(field);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n))
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static void write_stats(struct tui *t, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fprintf(f, "load_ms %.1f\n", t->loaded_us ? (t->loaded_us - t->start_us) / 1e3 : -1.0);
	fprintf(f, "frames_over_50ms %llu\n", (unsigned long long)t->frames_slow);
	fprintf(f, "frames %llu\navg_ms %.3f\nmax_ms %.3f\nrss_kb %ld\npeak_rss_kb %ld\n"
		"events %llu\ndropped %llu\nsa %zu\nsp %zu\n",
		(unsigned long long)t->frames,
		t->frames ? t->frame_ns_total / 1e6 / t->frames : 0.0,
		t->frame_ns_max / 1e6, rss_kb("VmRSS:"), rss_kb("VmHWM:"),
		(unsigned long long)t->m.ev_total, (unsigned long long)t->be.lost,
		t->m.sad.n, t->m.spd.n);
	fclose(f);
}

/* KEYTUI_FRAME_LOG=FILE: one line per frame, to find slow ones. */
static FILE *frame_log;

static void frame(struct tui *t)
{
	struct timespec a, b;
	uint64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	tui_screen_draw(t);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ull + (uint64_t)b.tv_nsec -
	     (uint64_t)a.tv_nsec;
	if (frame_log)
		fprintf(frame_log, "%.3f ms view %d st %d filter '%s'\n", ns / 1e6, t->view, t->st,
			t->filter);
	t->frames++;
	if (ns > 50000000)
		t->frames_slow++;
	t->frame_ns_total += ns;
	if (ns > t->frame_ns_max)
		t->frame_ns_max = ns;
}

/* One key or mouse report from curses -> the handler's reaction. */
static unsigned int key_in(struct tui *t, int ch)
{
	MEVENT me;

	if (ch == KEY_MOUSE) {
		if (getmouse(&me) != OK)
			return TUI_R_IGNORED;
		if (me.bstate & BUTTON4_PRESSED)
			return tui_input_key(t, KEY_UP);
#ifdef BUTTON5_PRESSED
		if (me.bstate & BUTTON5_PRESSED)
			return tui_input_key(t, KEY_DOWN);
#endif
		if (me.y == 0) {
			int tab = tui_screen_tab_at(me.x);

			return tab < 0 ? TUI_R_IGNORED : tui_input_key(t, TUI_KEY_TAB_CLICK(tab));
		}
		return tui_input_key(t, TUI_KEY_ROW_CLICK(me.y));
	}
	if (ch == KEY_RESIZE)
		getmaxyx(stdscr, t->rows, t->cols);
	return tui_input_key(t, ch);
}

int tui_loop_run(struct tui *t, const struct tui_loop_opts *o)
{
	int *script = NULL;
	size_t nscript = 0, si = 0;
	uint64_t last_draw = 0, wait_until = 0, last_evt = 0, idle_since = 0, now;
	uint64_t last_sec = 0, last_resync = 0;
	bool dirty = true, evt_ok = true, ctl_ok = true, kbd = isatty(0);
	long iter = 0;
	char err[256];
	int ret = 0;

	t->start_us = tui_now_us();
	if (getenv("KEYTUI_FRAME_LOG"))
		frame_log = fopen(getenv("KEYTUI_FRAME_LOG"), "w");
	if (o->keys_file) {
		ret = tui_loop_script_load(o->keys_file, &script, &nscript, err, sizeof(err));
		if (ret < 0) {
			tui_msg(t, true, "%s", err);
			ret = 0;
		}
	}
	ret = tui_backend_refresh(&t->be);
	if (ret)
		tui_msg(t, true, "refresh: %s", strerror(-ret));
	frame(t);
	last_draw = tui_now_us();

	for (;;) {
		struct pollfd pf[3];
		int nfd = 0, timeout, ievt = -1, ictl = -1, ikbd = -1;
		unsigned int r = 0;

		if (o->iterations && iter >= o->iterations)
			break;
		iter++;
		now = tui_now_us();
		timeout = 250;
		if (dirty)
			timeout = now - last_draw >= FRAME_US ? 0 : (int)((FRAME_US - (now - last_draw)) / 1000) + 1;
		if (si < nscript) {
			if (wait_until > now)
				timeout = (int)((wait_until - now) / 1000) + 1 < timeout ?
					  (int)((wait_until - now) / 1000) + 1 : timeout;
			else if (script[si] == S_IDLE)
				timeout = timeout > 20 ? 20 : timeout;
			else
				timeout = 0;
		}
		if (kbd) {
			pf[nfd].fd = 0;
			pf[nfd].events = POLLIN;
			ikbd = nfd++;
		}
		if (evt_ok && t->be.evt_open) {
			pf[nfd].fd = t->be.evt.fd;
			pf[nfd].events = POLLIN;
			ievt = nfd++;
		}
		if (ctl_ok && t->be.ctl_open) {
			pf[nfd].fd = t->be.ctl.fd;
			pf[nfd].events = POLLIN;
			ictl = nfd++;
		}
		if (poll(pf, nfd, timeout) < 0 && errno != EINTR)
			break;
		now = tui_now_us();

		if (ievt >= 0 && pf[ievt].revents) {
			ret = tui_backend_evt_ready(&t->be, &t->m, EVT_BUDGET);
			if (ret < 0) {
				evt_ok = false;
				if (tui_backend_lost(&t->be, ret, err, sizeof(err)))
					tui_msg(t, true, "%s; press r to reconnect", err);
				else
					tui_msg(t, true, "event socket: %s", strerror(-ret));
			}
			if (ret)
				last_evt = now;
			dirty = true;
		}
		if (ictl >= 0 && pf[ictl].revents) {
			ret = tui_backend_ctl_ready(&t->be, &t->m, CTL_BUDGET);
			if (ret > 0 && !t->loaded_us)
				t->loaded_us = tui_now_us();
			if (ret < 0) {
				ctl_ok = false;
				if (tui_backend_lost(&t->be, ret, err, sizeof(err)))
					tui_msg(t, true, "%s; press r to reconnect", err);
				else
					tui_msg(t, true, "backend: %s", strerror(-ret));
			}
			dirty = true;
		}
		if (ikbd >= 0 && pf[ikbd].revents) {
			int ch;

			while ((ch = getch()) != ERR)
				r |= key_in(t, ch);
		} else if (!kbd) {
			int ch;

			/* SIGWINCH still arrives as KEY_RESIZE without a tty on 0 */
			while ((ch = getch()) != ERR)
				if (ch == KEY_RESIZE)
					r |= key_in(t, ch);
		}
		if (si < nscript && wait_until <= now) {
			int c = script[si];

			wait_until = 0;
			if ((c & S_MASK) == S_WAIT && c != S_IDLE) {
				wait_until = now + (uint64_t)(c & 0xffff) * 1000;
				si++;
			} else if (c == S_IDLE) {
				/* settled: the dump finished and events stopped arriving */
				if (!idle_since)
					idle_since = now;
				if ((t->be.phase == TUI_DUMP_IDLE && now - last_evt > 100000) ||
				    now - idle_since > 10000000) {
					si++;
					idle_since = 0;
				}
			} else if ((c & S_MASK) == S_RESIZE) {
				resizeterm(c & 0xfff, (c >> 12) & 0xfff);
				r |= key_in(t, KEY_RESIZE);
				si++;
			} else if ((c & S_MASK) == S_CLICK) {
				int x = (c >> 12) & 0xfff, y = c & 0xfff;

				if (y == 0) {
					int tab = tui_screen_tab_at(x);

					if (tab >= 0)
						r |= tui_input_key(t, TUI_KEY_TAB_CLICK(tab));
				} else {
					r |= tui_input_key(t, TUI_KEY_ROW_CLICK(y));
				}
				si++;
			} else {
				r |= key_in(t, c);
				si++;
			}
		}
		if (r & TUI_R_QUIT)
			break;
		if ((r & TUI_R_REFRESH) && t->be.gone) {
			ret = tui_backend_reconnect(&t->be);
			if (ret) {
				pfk_conn_explain(&t->be.evt, ret, err, sizeof(err));
				tui_msg(t, true, "%s", err);
			} else {
				tui_msg(t, false, "reconnected to %s", t->be.desc);
				evt_ok = true;
			}
		}
		if ((r & TUI_R_REFRESH) && !t->be.gone) {
			ret = tui_backend_refresh(&t->be);
			if (ret)
				tui_msg(t, true, "refresh: %s", strerror(-ret));
			ctl_ok = true;
		}
		if (r || t->stale)
			dirty = true;
		if (now / 1000000 != last_sec) {	/* ages, rate, drops */
			last_sec = now / 1000000;
			tui_backend_stats_poll(&t->be);
			dirty = true;
		}
		/* Broadcasts were lost: the tables miss changes for good, so
		 * dump again (at most once a second under a sustained flood). */
		if (tui_backend_resync_due(&t->be) && now - last_resync >= 1000000) {
			last_resync = now;
			ret = tui_backend_refresh(&t->be);
			if (ret)
				tui_msg(t, true, "refresh: %s", strerror(-ret));
			ctl_ok = true;
			dirty = true;
		}
		if (dirty && now - last_draw >= FRAME_US) {
			frame(t);
			last_draw = tui_now_us();
			dirty = false;
		}
	}
	free(script);
	if (frame_log)
		fclose(frame_log);
	frame_log = NULL;
	if (o->stats_file)
		write_stats(t, o->stats_file);
	return 0;
}
