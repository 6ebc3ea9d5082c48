// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c: keytui's entry point: options, backend (as keysh: --backend,
 * --socket, chosen by libpfkey), curses setup and teardown around the loop.
 */
#include <curses.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "loop.h"
#include "tui.h"
#include "view.h"
#include "form.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: keytui [--backend auto|pfkey|xfrm|keyd] [--socket PATH]\n"
		"              [--iterations N] [--keys FILE] [--stats FILE]\n"
		"       keytui --help | --version\n"
		"\n"
		"  -b, --backend B     auto (default: the kernel's PF_KEY when it has one, else\n"
		"                      XFRM netlink), pfkey, xfrm, keyd (only when asked)\n"
		"  -s, --socket PATH   keyd socket, implies --backend keyd (default\n"
		"                      /run/keyd.sock for root, else $XDG_RUNTIME_DIR/keyd.sock)\n"
		"  -n, --iterations N  exit after N loop iterations (tests, sanitizers)\n"
		"      --keys FILE     scripted input: text as typed, <Enter> <Esc> <Tab> <Up>\n"
		"                      <Down> <PgDn> <C-g> <Wait=MS> <Idle> <Resize=COLSxROWS>\n"
		"                      <Click=X,Y> ... (see keytui(8))\n"
		"      --stats FILE    write frame time, memory and event counts on exit\n"
		"  -h, --help          this text\n"
		"  -V, --version       version\n"
		"\n"
		"Keys: press ? inside keytui, or see keytui(8).\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "socket", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "keys", required_argument, NULL, 'k' },
		{ "stats", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct tui_loop_opts lopt = { 0 };
	enum pfk_backend want = PFK_BACKEND_AUTO;
	const char *sock = NULL;
	struct tui *t;
	SCREEN *scr;
	char err[512], *end;
	int c, ret;

	/* Keys pass through memory: no core dump, no same-uid ptrace (man page). */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });

	setlocale(LC_ALL, "");
	while ((c = getopt_long(argc, argv, "b:s:n:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (pfk_backend_parse(optarg, &want)) {
				fprintf(stderr, "keytui: invalid backend: `%s' (auto, pfkey, xfrm or keyd)\n",
					optarg);
				return 2;
			}
			break;
		case 's':
			if (strlen(optarg) >= sizeof(((struct pfk_conn *)0)->path)) {
				fprintf(stderr, "keytui: socket path too long: `%s'\n", optarg);
				return 2;
			}
			sock = optarg;
			break;
		case 'n':
			lopt.iterations = strtol(optarg, &end, 10);
			if (*end || lopt.iterations <= 0) {
				fprintf(stderr, "keytui: invalid iteration count: `%s'\n", optarg);
				return 2;
			}
			break;
		case 'k':
			lopt.keys_file = optarg;
			break;
		case 'S':
			lopt.stats_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("keytui %s\n", KEYSH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "keytui: unexpected argument: `%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (sock && want != PFK_BACKEND_AUTO && want != PFK_BACKEND_KEYD) {
		fprintf(stderr, "keytui: --socket names a keyd socket, but --backend is %s\n",
			pfk_backend_name(want));
		return 2;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		fprintf(stderr, "keytui: out of memory\n");
		return 1;
	}
	tui_model_init(&t->m);
	t->follow = true;
	t->list[TUI_VIEW_SAD].sort_col = 2;	/* SPI, then address */
	t->list[TUI_VIEW_SPD].sort_col = 5;	/* id */
	ret = tui_backend_open(&t->be, want, sock, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "keytui: %s\n", err);
		free(t);
		return 3;
	}
	scr = newterm(NULL, stdout, stdin);
	if (!scr)
		scr = newterm("xterm", stdout, stdin);
	if (!scr) {
		fprintf(stderr, "keytui: cannot initialise the terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "");
		tui_backend_close(&t->be);
		free(t);
		return 1;
	}
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		  | BUTTON5_PRESSED
#endif
		  , NULL);
	mouseinterval(0);
	tui_attr_init(t);
	getmaxyx(stdscr, t->rows, t->cols);

	ret = tui_loop_run(t, &lopt);

	endwin();
	delscreen(scr);
	if (t->be.gone) {
		/* Quit without reconnecting: what it showed is gone. */
		fprintf(stderr, "keytui: keyd on %s went away\n", t->be.path);
		ret = 3;
	}
	tui_form_free(t->form);
	tui_backend_close(&t->be);
	tui_model_free(&t->m);
	for (c = 0; c < TUI_VIEW_N; c++) {
		free(t->list[c].idx.ix);
		free(t->list[c].idx.base);
	}
	explicit_bzero(t, sizeof(*t));
	free(t);
	return ret == 3 ? 3 : ret ? 1 : 0;
}
