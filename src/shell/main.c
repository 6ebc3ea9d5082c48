// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c: keysh's command line. Flags keep setkey's meanings (-c -f -n -v
 * -D -DP -P -F -FP -a -l -x -xx -H) with long forms and keysh's additions;
 * the remaining arguments are one-shot statements ("keysh dump esp").
 * Then one of: interactive (stdin a tty, nothing else to do), a script
 * (-f, -c, stdin, arguments), a dump/flush, or the monitor.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "ksh.h"

enum {
	OPT_SCRIPT = 256, OPT_ATOMIC, OPT_BACKEND, OPT_SOCKET, OPT_PROMISC, OPT_TYPE,
	OPT_SATYPE, OPT_SPI, OPT_ADDR, OPT_COUNT, OPT_COMPLETE, OPT_UNDO,
	OPT_PEER,
};

static const struct option longopts[] = {
	{ "stdin", no_argument, NULL, 'c' },
	{ "file", required_argument, NULL, 'f' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "dump", no_argument, NULL, 'D' },
	{ "policy", no_argument, NULL, 'P' },
	{ "flush", no_argument, NULL, 'F' },
	{ "all", no_argument, NULL, 'a' },
	{ "loop", no_argument, NULL, 'l' },
	{ "ports", no_argument, NULL, 'p' },
	{ "monitor", no_argument, NULL, 'x' },
	{ "hex", no_argument, NULL, 'H' },
	{ "json", no_argument, NULL, 'j' },
	{ "show-keys", no_argument, NULL, 'K' },
	{ "script", no_argument, NULL, OPT_SCRIPT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "peer", no_argument, NULL, OPT_PEER },
	{ "atomic", no_argument, NULL, OPT_ATOMIC },
	{ "undo", no_argument, NULL, OPT_UNDO },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "promisc", no_argument, NULL, OPT_PROMISC },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "satype", required_argument, NULL, OPT_SATYPE },
	{ "spi", required_argument, NULL, OPT_SPI },
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "complete", required_argument, NULL, OPT_COMPLETE },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "keysh: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(try keysh --help)\n");
	return KSH_EXIT_USAGE;
}

static void print_word(void *ctx, const char *w)
{
	(void)ctx;
	printf("%s\n", w);
}

static int value_err(const char *opt, const struct pfk_err *e)
{
	fprintf(stderr, "keysh: %s: %s\n", opt, e->msg);
	return KSH_EXIT_USAGE;
}

/* -f may be repeated: the files run as one script (run.c). */
#define MAX_FILES 256

/* -K into a regular file that group or others can read (umask 022 and a
 * shell redirection): the keys are readable by them. Said, not refused. */
static void warn_keys_readable(void)
{
	struct stat sb;

	if (fstat(1, &sb) || !S_ISREG(sb.st_mode) || !(sb.st_mode & (S_IRGRP | S_IROTH)))
		return;
	fprintf(stderr, "keysh: warning: -K writes keys to a file others can read (mode %04o); "
		"chmod 600 it first, or use save FILE\n", (unsigned int)(sb.st_mode & 07777));
}

int main(int argc, char **argv)
{
	const char *files[MAX_FILES];
	size_t nfiles = 0;
	struct ksh k;
	struct pfk_err e;
	const char *file = NULL, *complete = NULL;
	bool use_stdin = false, dump = false, policy = false, flush = false, loop = false;
	int monitor = 0, c, ret;

	/* Keys pass through memory: no core dump, no same-uid ptrace (man page). */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });

	memset(&k, 0, sizeof(k));
	k.backend = PFK_BACKEND_AUTO;
	/* Dumps of 100k SAs write tens of MB: 64 KiB writes, not st_blksize
	 * ones. A tty stays line-buffered; the monitor switches to lines. */
	if (!isatty(1))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	while ((c = getopt_long(argc, argv, "+cf:nvqDPFalpxHjKVh", longopts, NULL)) != -1) {
		memset(&e, 0, sizeof(e));
		switch (c) {
		case 'c': use_stdin = true; break;
		case 'f':
			if (nfiles == MAX_FILES)
				return usage_err("-f: more than %s files", "256");
			files[nfiles++] = optarg;
			file = optarg;
			break;
		case 'n': k.dry_run = true; break;
		case 'v': k.verbose = true; break;
		case 'q': k.quiet = true; break;
		case OPT_PEER: k.peer = true; break;
		case 'D': dump = true; break;
		case 'P': policy = true; break;
		case 'F': flush = true; break;
		case 'a': k.all = true; break;
		case 'l': loop = true; break;
		case 'p': k.ports = true; break;
		case 'x': monitor++; break;
		case 'H': k.mon.hex = true; break;
		case 'j': k.out = KSH_OUT_JSON; break;
		case 'K': k.show_keys = true; break;
		case OPT_SCRIPT: k.out = KSH_OUT_SCRIPT; break;
		case OPT_ATOMIC: k.atomic = true; break;
		case OPT_UNDO: k.undo = true; break;
		case OPT_BACKEND:
			if (pfk_backend_parse(optarg, &k.backend))
				return usage_err("--backend: '%s' is not auto, pfkey, xfrm or keyd", optarg);
			break;
		case OPT_SOCKET: k.socket = optarg; break;
		case OPT_PROMISC: k.mon.promisc = true; break;
		case OPT_TYPE:
			if (ksh_monitor_filter_type(optarg, &k.mon.type))
				return usage_err("--type: unknown message type '%s'", optarg);
			break;
		case OPT_SATYPE: {
			uint32_t o = 0;

			if (pfk_stmt_proto(optarg, &k.mon.satype, &o, &e))
				return value_err("--satype", &e);
			break;
		}
		case OPT_SPI:
			if (pfk_stmt_spi(optarg, PFK_SATYPE_UNKNOWN, &k.mon.spi, &e))
				return value_err("--spi", &e);
			k.mon.has_spi = true;
			break;
		case OPT_ADDR:
			if (pfk_stmt_addr(optarg, true, 0, &k.mon.addr, &e))
				return value_err("--addr", &e);
			k.mon.has_addr = true;
			break;
		case OPT_COUNT: {
			char *end;

			k.mon.count = strtol(optarg, &end, 10);
			if (*end || k.mon.count < 0 || !*optarg)
				return usage_err("--count: invalid number '%s'", optarg);
			break;
		}
		case OPT_COMPLETE: complete = optarg; break;
		case 'V':
			printf("keysh %s\n", KEYSH_VERSION);
			return KSH_EXIT_OK;
		case 'h':
			if (monitor) {
				/* setkey -x -h: the monitor's hex dump (-H) */
				k.mon.hex = true;
				break;
			}
			fputs(ksh_usage_text, stdout);
			return KSH_EXIT_OK;
		default:
			fprintf(stderr, "(try keysh --help)\n");
			return KSH_EXIT_USAGE;
		}
	}
	if (k.show_keys)
		warn_keys_readable();
	/* --socket names keyd's socket: with auto it means keyd
	 * (pfk_backend_resolve); with another backend it is a mistake. */
	if (k.socket && k.backend != PFK_BACKEND_AUTO && k.backend != PFK_BACKEND_KEYD)
		return usage_err("--socket: names a keyd socket, but --backend is %s",
				 pfk_backend_name(k.backend));
	k.mon.ts = monitor >= 2 ? 2 : 1;

	if (complete) {
		/* Hidden: shell completion scripts ask for candidates here. */
		ksh_complete(&k, complete, print_word, NULL);
		ksh_backend_close(&k);
		return KSH_EXIT_OK;
	}
	if ((file != NULL) + use_stdin + (dump || (policy && !flush)) + flush + (monitor > 0) +
	    (optind < argc) > 1)
		return usage_err("%s", "choose one of -f, -c, -D, -F, -x or statements");
	if (loop && !dump)
		return usage_err("%s", "-l needs -D");
	if (k.undo && (dump || flush || monitor || policy))
		return usage_err("%s", "--undo applies to a script (-f, -c or statements)");
	if (k.peer && (dump || flush || monitor || policy ||
		       (!file && !use_stdin && optind >= argc && isatty(0))))
		return usage_err("%s", "--peer needs a script: -f FILE, -c or statements");

	if (dump || flush || monitor) {
		ret = ksh_backend_connect(&k);
		if (ret)
			return ret;
		if (monitor) {
			ret = ksh_monitor(&k) ? KSH_EXIT_FAILED : KSH_EXIT_OK;
		} else if (flush) {
			struct pfk_stmt st;

			memset(&st, 0, sizeof(st));
			st.cmd = policy ? PFK_CMD_SPDFLUSH : PFK_CMD_FLUSH;
			st.satype = PFK_SATYPE_UNSPEC;
			st.line = 0;
			k.file = "keysh";
			ret = ksh_run_stmt(&k, &st) ? KSH_EXIT_FAILED : KSH_EXIT_OK;
		} else if (loop) {
			ret = ksh_dump_loop(&k, PFK_SATYPE_UNSPEC) ? KSH_EXIT_FAILED : KSH_EXIT_OK;
		} else {
			ret = ksh_dump(&k, policy, PFK_SATYPE_UNSPEC);
			if (ret && !ksh_backend_lost(&k, ret))
				fprintf(stderr, "keysh: dump: %s (%s)\n", strerror(-ret),
					strerrorname_np(-ret));
			ret = ret ? KSH_EXIT_FAILED : KSH_EXIT_OK;
		}
		if (k.lost)
			ret = KSH_EXIT_BACKEND;
		ksh_backend_close(&k);
		return ret;
	}
	if (policy) {
		ret = ksh_backend_connect(&k);
		if (ret)
			return ret;
		ret = ksh_dump(&k, true, PFK_SATYPE_UNSPEC);
		if (ret && !ksh_backend_lost(&k, ret))
			fprintf(stderr, "keysh: dump: %s (%s)\n", strerror(-ret),
				strerrorname_np(-ret));
		ret = k.lost ? KSH_EXIT_BACKEND : ret ? KSH_EXIT_FAILED : KSH_EXIT_OK;
		ksh_backend_close(&k);
		return ret;
	}

	if (optind < argc) {
		/* One-shot: the arguments are one statement; ';' optional. */
		size_t len = 0, o = 0;
		char *text;
		int i;

		for (i = optind; i < argc; i++)
			len += strlen(argv[i]) + 1;
		text = malloc(len + 2);
		if (!text)
			return KSH_EXIT_FAILED;
		for (i = optind; i < argc; i++) {
			size_t n = strlen(argv[i]);

			memcpy(text + o, argv[i], n);
			o += n;
			text[o++] = ' ';
		}
		text[o] = '\0';
		if (!pfk_lex_complete(text))
			text[o++] = ';';
		text[o] = '\0';
		ret = k.peer ? ksh_peer_text(&k, "<args>", text, o) :
			       ksh_run_text(&k, "<args>", text, o);
		explicit_bzero(text, o);
		free(text);
	} else if (nfiles > 1) {
		ret = ksh_run_files(&k, files, nfiles);
	} else if (file || use_stdin || !isatty(0)) {
		char *text;
		size_t len;
		const char *name = file && strcmp(file, "-") ? file : "<stdin>";

		ret = ksh_read_file(file ? file : "-", &text, &len);
		if (ret) {
			fprintf(stderr, "keysh: %s: %s\n", file, strerror(-ret));
			return KSH_EXIT_USAGE;
		}
		if (!file && !use_stdin && strspn(text, " \t\n") == len)
			/* keysh (make run) with stdin not a terminal and empty */
			fprintf(stderr, "keysh: standard input is not a terminal and holds no "
				"statements: nothing to do (run keysh in a terminal for the shell)\n");
		ret = k.peer ? ksh_peer_text(&k, name, text, len) :
			       ksh_run_text(&k, name, text, len);
		explicit_bzero(text, len);
		free(text);
	} else {
		if (k.undo) {
			ksh_backend_close(&k);
			return usage_err("%s", "--undo applies to a script (-f, -c or statements)");
		}
		ret = ksh_interactive(&k);
	}
	ksh_backend_close(&k);
	return ret;
}
