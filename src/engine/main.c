// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c: keyd's command line. Server mode (default) runs the PF_KEY core
 * behind a Unix socket (server.c); client mode (`inject`, `stats`) talks to
 * a running keyd's control socket (inject.c). See man/keyd.8.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "keyd.h"

#ifndef KEYSH_VERSION
#define KEYSH_VERSION "unknown"
#endif

static const char usage_text[] =
"usage: keyd [--socket PATH] [--foreground | --daemon] [--pidfile FILE]\n"
"            [--store memory|xfrm] [--socket-group GROUP [--socket-mode MODE]]\n"
"            [--state FILE] [--save-delay MS] [--syslog] [--verbose]\n"
"            [--datapath tun[=NAME] [--datapath-threads N]]\n"
"       keyd [--socket PATH] inject out|in|fwd SRC DST PROTO SPORT DPORT BYTES\n"
"       keyd [--socket PATH] stats [datapath]\n"
"       keyd --version | --help\n"
"\n"
"  -s, --socket PATH    listen on PATH (default /run/keyd.sock as root,\n"
"                       else $XDG_RUNTIME_DIR/keyd.sock)\n"
"      --store S        memory (default: a private engine that keys no packet)\n"
"                       or xfrm (the kernel's IPsec over XFRM netlink;\n"
"                       needs CAP_NET_ADMIN)\n"
"      --socket-group G let group G use the sockets too (mode 0660)\n"
"      --socket-mode M  the sockets' mode with --socket-group (0600..0770)\n"
"  -f, --foreground     stay in the foreground (default)\n"
"  -d, --daemon         detach; implies --syslog\n"
"  -p, --pidfile FILE   write the server's pid to FILE\n"
"  -S, --state FILE     keep SADB and SPD in FILE across restarts; a change is\n"
"                       acknowledged once journaled and fsynced (FILE.jN)\n"
"      --save-delay MS  compact MS milliseconds after an expiry or injected\n"
"                       flow changed state (default 250)\n"
"      --datapath tun[=NAME]  protect packets: a TUN device, routes for the\n"
"                       out policies (transport mode: fwmark 0x6b657964 on\n"
"                       keyd's sockets, a rule, table 1801812324), ESP/AH on\n"
"                       raw sockets, ESP in UDP on port 4500\n"
"      --datapath-threads N  crypto threads of the data path, 1..64 (default:\n"
"                       online CPUs, at most 8; 1: all on the poll thread);\n"
"                       one SA's packets stay on one thread, in order\n"
"  -l, --syslog         log to syslog instead of stderr\n"
"  -v, --verbose        log connections and debug messages\n"
"  -V, --version        print the version\n"
"  -h, --help           print this help\n"
"Exit status: 0 ok, 1 failure, 2 usage, 3 state file unusable.\n";

enum { OPT_SAVE_DELAY = 256, OPT_STORE, OPT_SOCKET_GROUP, OPT_SOCKET_MODE, OPT_DATAPATH,
       OPT_DATAPATH_THREADS };

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "daemon", no_argument, NULL, 'd' },
	{ "pidfile", required_argument, NULL, 'p' },
	{ "state", required_argument, NULL, 'S' },
	{ "save-delay", required_argument, NULL, OPT_SAVE_DELAY },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "datapath", required_argument, NULL, OPT_DATAPATH },
	{ "datapath-threads", required_argument, NULL, OPT_DATAPATH_THREADS },
	{ "syslog", no_argument, NULL, 'l' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * No core dumps and no ptrace/proc-mem access by other processes of our uid
 * while keys may be in memory: PR_SET_DUMPABLE 0 (also makes /proc/PID/mem
 * root-only) and RLIMIT_CORE 0. Best effort: failures change nothing else.
 */
static void keyd_secrets_protect(void)
{
	struct rlimit rl = { 0, 0 };

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &rl);
}

/* The daemon changes to /: keep relative paths meaning what they said. */
static char *absolute(const char *p)
{
	char cwd[PATH_MAX], *out;

	if (!p || p[0] == '/')
		return p ? strdup(p) : NULL;
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (asprintf(&out, "%s/%s", cwd, p) < 0)
		return NULL;
	return out;
}

/*
 * The state file's directory must exist: say so on stderr before anything
 * else (a daemon would otherwise fail after detaching). Returns 0 or -1.
 */
static int state_dir_check(const char *file)
{
	char *dup = strdup(file), *slash;
	const char *dir;
	struct stat st;
	int ret = 0;

	if (!dup)
		return -1;
	slash = strrchr(dup, '/');
	dir = !slash ? "." : slash == dup ? "/" : (*slash = '\0', dup);
	if (stat(dir, &st) < 0) {
		int err = errno;

		fprintf(stderr, "keyd: --state %s: directory %s: %s%s\n", file, dir,
			strerror(err), err == ENOENT ?
			" (create it, mode 0700; keyd.service gets it from StateDirectory=keyd)" :
			"");
		ret = -1;
	} else if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "keyd: --state %s: %s is not a directory\n", file, dir);
		ret = -1;
	}
	free(dup);
	return ret;
}

/*
 * Fork; the parent exits 0 once the child reports it listens (a byte on the
 * pipe), or with the child's status if it exits first. Returns in the child
 * with *ready_fd set.
 */
static void daemonise(int *ready_fd)
{
	int p[2], st, fd;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0) {
		keyd_log(KEYD_LOG_ERR, "pipe: %s", strerror(errno));
		exit(KEYD_EXIT_FAIL);
	}
	pid = fork();
	if (pid < 0) {
		keyd_log(KEYD_LOG_ERR, "fork: %s", strerror(errno));
		exit(KEYD_EXIT_FAIL);
	}
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			_exit(KEYD_EXIT_OK);
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
			_exit(WEXITSTATUS(st));
		_exit(KEYD_EXIT_FAIL);
	}
	close(p[0]);
	setsid();
	if (chdir("/") < 0)
		keyd_log(KEYD_LOG_WARN, "chdir /: %s", strerror(errno));
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		/* stderr stays until keyd serves (keyd_ready): start-up
		 * errors reach the terminal. */
		dup2(fd, 0);
		dup2(fd, 1);
		if (fd > 2)
			close(fd);
	}
	*ready_fd = p[1];
}

int main(int argc, char **argv)
{
	struct keyd_opts o = { .save_delay_ms = 250 };
	char defpath[108], *sock = NULL, *state = NULL, *pidfile = NULL;
	bool daemon_mode = false, use_syslog = false, verbose = false, mode_set = false;
	int c, ready_fd = -1, status;

	keyd_secrets_protect();	/* before any key can be in memory */

	while ((c = getopt_long(argc, argv, "+s:fdp:S:lvVh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'f':
			daemon_mode = false;
			break;
		case 'd':
			daemon_mode = true;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'S':
			state = optarg;
			break;
		case OPT_SAVE_DELAY: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !*optarg || v > 60000) {
				fprintf(stderr, "keyd: invalid --save-delay `%s' (0..60000)\n", optarg);
				return KEYD_EXIT_USAGE;
			}
			o.save_delay_ms = (unsigned int)v;
			break;
		}
		case OPT_STORE:
			if (keyd_store_parse(optarg, &o.store)) {
				fprintf(stderr, "keyd: invalid --store `%s' (memory or xfrm)\n", optarg);
				return KEYD_EXIT_USAGE;
			}
			break;
		case OPT_SOCKET_GROUP:
			if (keyd_access_parse_group(optarg, &o.socket_gid)) {
				fprintf(stderr, "keyd: --socket-group: no group `%s'\n", optarg);
				return KEYD_EXIT_USAGE;
			}
			o.socket_group_set = true;
			break;
		case OPT_SOCKET_MODE:
			if (keyd_access_parse_mode(optarg, &o.socket_mode)) {
				fprintf(stderr, "keyd: invalid --socket-mode `%s' (octal, rw for the owner, "
					"nothing for others: 0600..0770)\n", optarg);
				return KEYD_EXIT_USAGE;
			}
			mode_set = true;
			break;
		case OPT_DATAPATH:
			if (strcmp(optarg, "tun") && (strncmp(optarg, "tun=", 4) || !optarg[4] ||
						      strlen(optarg + 4) >= 16)) {
				fprintf(stderr, "keyd: invalid --datapath `%s' (tun or tun=NAME)\n",
					optarg);
				return KEYD_EXIT_USAGE;
			}
			o.datapath = optarg;
			break;
		case OPT_DATAPATH_THREADS: {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || !n ||
			    n > KEYD_DP_THREADS_MAX) {
				fprintf(stderr, "keyd: invalid --datapath-threads `%s' (1..%u)\n",
					optarg, KEYD_DP_THREADS_MAX);
				return KEYD_EXIT_USAGE;
			}
			o.datapath_threads = (unsigned int)n;
			break;
		}
		case 'l':
			use_syslog = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("keyd %s\n", KEYSH_VERSION);
			return KEYD_EXIT_OK;
		case 'h':
			fputs(usage_text, stdout);
			return KEYD_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return KEYD_EXIT_USAGE;
		}
	}
	if (!sock) {
		int ret = keyd_path_default(defpath, sizeof(defpath));

		if (ret == -EDESTADDRREQ) {
			fprintf(stderr, "keyd: XDG_RUNTIME_DIR is not set, so there is no default "
				"socket for uid %u: give --socket PATH\n", (unsigned int)geteuid());
			return KEYD_EXIT_USAGE;
		}
		if (ret) {
			fprintf(stderr, "keyd: default socket path too long; use --socket\n");
			return KEYD_EXIT_USAGE;
		}
		sock = defpath;
	}
	if (o.datapath_threads && !o.datapath) {
		fprintf(stderr, "keyd: --datapath-threads needs --datapath\n");
		return KEYD_EXIT_USAGE;
	}
	if (mode_set && !o.socket_group_set) {
		fprintf(stderr, "keyd: --socket-mode needs --socket-group (alone, the sockets "
			"are 0600)\n");
		return KEYD_EXIT_USAGE;
	}
	if (o.socket_group_set && !mode_set)
		o.socket_mode = 0660;
	if (o.store == KEYD_STORE_XFRM && state) {
		fprintf(stderr, "keyd: --state with --store xfrm: the kernel keeps the SAs and "
			"policies, there is nothing to save\n");
		return KEYD_EXIT_USAGE;
	}

	if (optind < argc) {
		const char *cmd = argv[optind];

		if (!strcmp(cmd, "inject") && argc - optind == 8)
			return keyd_inject_run(sock, argc - optind, argv + optind);
		if (!strcmp(cmd, "stats") && argc - optind == 1)
			return keyd_inject_run(sock, 1, argv + optind);
		if (!strcmp(cmd, "stats") && argc - optind == 2 && !strcmp(argv[optind + 1], "datapath"))
			return keyd_inject_run(sock, 2, argv + optind);
		fprintf(stderr, "keyd: unknown command or wrong arguments: `%s'\n", cmd);
		fputs(usage_text, stderr);
		return KEYD_EXIT_USAGE;
	}

	if (state && state_dir_check(state))
		return KEYD_EXIT_STATE;
	if (daemon_mode) {
		use_syslog = true;
		o.socket_path = absolute(sock);
		o.state_file = absolute(state);
		pidfile = absolute(pidfile);
		if (!o.socket_path || (state && !o.state_file)) {
			fprintf(stderr, "keyd: cannot resolve paths: %s\n", strerror(errno));
			return KEYD_EXIT_FAIL;
		}
	} else {
		o.socket_path = sock;
		o.state_file = state;
	}
	keyd_log_open(use_syslog, verbose);
	if (daemon_mode)
		daemonise(&ready_fd);
	o.pidfile = pidfile;	/* written by the server once it holds the lock and listens */
	status = keyd_server_run(&o, ready_fd);
	return status;
}
