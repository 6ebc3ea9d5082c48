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
#include <sys/stat.h>
#include <sys/wait.h>

#include "keyd.h"

#ifndef KEYSH_VERSION
#define KEYSH_VERSION "unknown"
#endif

static const char usage_text[] =
"usage: keyd [--socket PATH] [--foreground | --daemon] [--pidfile FILE]\n"
"            [--state FILE] [--save-delay MS] [--syslog] [--verbose]\n"
"            [--datapath tun[=NAME]]\n"
"       keyd [--socket PATH] inject out|in|fwd SRC DST PROTO SPORT DPORT BYTES\n"
"       keyd [--socket PATH] stats [datapath]\n"
"       keyd --version | --help\n"
"\n"
"  -s, --socket PATH    listen on PATH (default $XDG_RUNTIME_DIR/keyd.sock,\n"
"                       /run/keyd.sock as root, else /tmp/keyd-$UID.sock)\n"
"  -f, --foreground     stay in the foreground (default)\n"
"  -d, --daemon         detach; implies --syslog\n"
"  -p, --pidfile FILE   write the server's pid to FILE\n"
"  -S, --state FILE     keep SADB and SPD in FILE across restarts\n"
"      --save-delay MS  debounce state saves by MS milliseconds (default 250)\n"
"      --datapath tun[=NAME]  protect packets: a TUN device, routes for the\n"
"                       tunnel-mode out policies, ESP/AH on raw sockets\n"
"  -l, --syslog         log to syslog instead of stderr\n"
"  -v, --verbose        log connections and debug messages\n"
"  -V, --version        print the version\n"
"  -h, --help           print this help\n"
"Exit status: 0 ok, 1 failure, 2 usage, 3 state file unusable.\n";

enum { OPT_SAVE_DELAY = 256, OPT_DATAPATH };

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "daemon", no_argument, NULL, 'd' },
	{ "pidfile", required_argument, NULL, 'p' },
	{ "state", required_argument, NULL, 'S' },
	{ "save-delay", required_argument, NULL, OPT_SAVE_DELAY },
	{ "datapath", required_argument, NULL, OPT_DATAPATH },
	{ "syslog", no_argument, NULL, 'l' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

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

static int pidfile_write(const char *file)
{
	char buf[32];
	int fd, n;

	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
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
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	*ready_fd = p[1];
}

int main(int argc, char **argv)
{
	struct keyd_opts o = { .save_delay_ms = 250 };
	char defpath[108], *sock = NULL, *state = NULL, *pidfile = NULL;
	bool daemon_mode = false, use_syslog = false, verbose = false;
	int c, ready_fd = -1, status;

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
		case OPT_DATAPATH:
			if (strcmp(optarg, "tun") && (strncmp(optarg, "tun=", 4) || !optarg[4] ||
						      strlen(optarg + 4) >= 16)) {
				fprintf(stderr, "keyd: invalid --datapath `%s' (tun or tun=NAME)\n",
					optarg);
				return KEYD_EXIT_USAGE;
			}
			o.datapath = optarg;
			break;
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
		if (keyd_path_default(defpath, sizeof(defpath))) {
			fprintf(stderr, "keyd: default socket path too long; use --socket\n");
			return KEYD_EXIT_USAGE;
		}
		sock = defpath;
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
	if (pidfile) {
		int ret = pidfile_write(pidfile);

		if (ret) {
			keyd_log(KEYD_LOG_ERR, "pidfile %s: %s", pidfile, strerror(-ret));
			return KEYD_EXIT_FAIL;
		}
	}
	status = keyd_server_run(&o, ready_fd);
	if (pidfile)
		unlink(pidfile);
	return status;
}
