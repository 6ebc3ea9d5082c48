// SPDX-License-Identifier: BSD-2-Clause
/*
 * help.c: the grammar, once. `help` prints all of it, `help CMD` one
 * command's part, and man/keysh.8's SYNOPSIS carries the same lines (a bats
 * test compares them), so the two cannot drift apart.
 */
#include <errno.h>
#include <string.h>

#include "ksh.h"

struct help_entry {
	const char *cmd;
	const char *text;
};

static const struct help_entry entries[] = {
	{ "add", "add [-46n] SRC DST PROTO SPI|auto [EXT...] ALGS ;\n" },
	{ "update", "update [-46n] SRC DST PROTO SPI|auto [EXT...] ALGS ;\n" },
	{ "get", "get [-46n] SRC DST PROTO SPI ;\n" },
	{ "delete", "delete [-46n] SRC DST PROTO SPI ;\n" },
	{ "deleteall", "deleteall [-46n] SRC DST PROTO ;\n" },
	{ "flush", "flush [PROTO] ;\n" },
	{ "dump", "dump [PROTO] ;\n" },
	{ "getspi", "getspi [-46n] SRC DST PROTO [SPI|MIN-MAX|auto] [-m MODE] [-u REQID] ;\n" },
	{ "spdadd", "spdadd [-46n] SRC_RANGE DST_RANGE UPPERSPEC [-ctx DOI ALG CTX] POLICY ;\n" },
	{ "spdupdate", "spdupdate [-46n] SRC_RANGE DST_RANGE UPPERSPEC [-ctx DOI ALG CTX] POLICY ;\n" },
	{ "spddelete", "spddelete [-46n] SRC_RANGE DST_RANGE UPPERSPEC -P in|out|fwd ;\n" },
	{ "spdflush", "spdflush ;\n" },
	{ "spddump", "spddump ;\n" },
	{ "register", "register [PROTO] ;\n" },
	{ "monitor", "monitor [--promisc] [--json] [--hex] [--type T] [--satype PROTO] [--spi SPI]\n"
		     "        [--addr ADDR[/PLEN]] [--count N] ;\n" },
	{ "save", "save FILE ;\n" },
	{ "load", "load FILE ;\n" },
	{ "help", "help [COMMAND] ;\n" },
	{ "set", "set show-keys on|off ;\n" },
	{ "exit", "exit ; | quit ; | bye ;\n" },
};

static const char terms[] =
	"SRC, DST     ADDR[[PORT]]      numeric IPv4 or IPv6 address (IPv6: ADDR%ZONE)\n"
	"SRC_RANGE    ADDR[/PLEN][[PORT|any]]\n"
	"PROTO        esp | ah | ipcomp | esp-udp\n"
	"SPI          decimal or 0xhex, 256..0xffffffff; auto: allocated by GETSPI\n"
	"EXT          -m transport|tunnel|any  -r WINDOW  -u REQID\n"
	"             -f zero-pad|random-pad|seq-pad|nocyclic-seq|esn\n"
	"             -lh SECS  -ls SECS  -bh BYTES  -bs BYTES  -ctx DOI ALG CTX\n"
	"ALGS         -E EALG KEY [-A AALG KEY] | -A AALG KEY | -C CALG [-R]\n"
	"KEY          \"string\" | 0xHEX | random | random:BITS\n"
	"UPPERSPEC    any | NAME | NUMBER | icmp6 [TYPE[,CODE]]\n"
	"POLICY       -P in|out|fwd [prio N|low|def|high [+|- N]] discard|none|ipsec REQ...\n"
	"REQ          esp|ah|ipcomp/transport|tunnel/[SRC-DST]/[default|use|require|unique[:N]]\n";

int ksh_help(FILE *f, const char *topic)
{
	size_t i;

	if (!topic) {
		for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
			fputs(entries[i].text, f);
		fputc('\n', f);
		fputs(terms, f);
		return 0;
	}
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		if (strcmp(entries[i].cmd, topic) == 0 ||
		    (!strcmp(entries[i].cmd, "exit") && (!strcmp(topic, "quit") || !strcmp(topic, "bye")))) {
			fputs(entries[i].text, f);
			return 0;
		}
	}
	return -ENOENT;
}

const char ksh_usage_text[] =
	"usage: keysh [options] [STATEMENT...]\n"
	"       keysh [options] -f FILE | -c\n"
	"       keysh [options] -D [-P] | -F [-P] | -x[x]\n"
	"  -c, --stdin           read statements from standard input\n"
	"  -f, --file FILE       read statements from FILE (- for stdin); repeat -f\n"
	"                        to run several files as one script\n"
	"  -n, --dry-run         parse and validate only\n"
	"  -v, --verbose         name the backend; print every PF_KEY message exchanged\n"
	"  -q, --quiet           no warnings, no result lines (errors still)\n"
	"  -D, --dump            dump the SADB (with -P: the SPD)\n"
	"  -P, --policy          -D/-F act on the SPD; alone: dump the SPD\n"
	"  -F, --flush           flush the SADB (with -P: the SPD)\n"
	"  -a, --all             include dead SAs in dumps\n"
	"  -l, --loop            with -D: short listing every second\n"
	"  -p, --ports           show ports in -D output\n"
	"  -x, --monitor         monitor PF_KEY events (-xx: unix timestamps)\n"
	"  -H, --hex             hex dump of each monitored message\n"
	"      --promisc         monitor in promiscuous mode (every message)\n"
	"      --type T --satype PROTO --spi SPI --addr ADDR[/PLEN] --count N\n"
	"                        monitor filters and event limit\n"
	"  -j, --json            JSON output (one object per line)\n"
	"      --script          dump as a restorable script\n"
	"      --peer            print the script the other end needs (runs nothing)\n"
	"  -K, --show-keys       show keys instead of (hidden)\n"
	"      --atomic          all statements or none (rollback on failure)\n"
	"      --undo            remove what the script installs (with -n: print\n"
	"                        the delete/spddelete statements)\n"
	"      --backend B       auto | pfkey | xfrm | keyd: auto is the kernel's PF_KEY\n"
	"                        when it has one, else XFRM netlink; keyd only when asked\n"
	"      --socket PATH     keyd socket (implies --backend keyd; default\n"
	"                        /run/keyd.sock as root, else $XDG_RUNTIME_DIR/keyd.sock)\n"
	"  -V, --version         print the version\n"
	"  -h, --help            this help; 'keysh help' prints the grammar\n"
	"exit status: 0 ok, 1 a statement failed, 2 usage or syntax error,\n"
	"  3 backend unavailable or lost (a keyd that went away)\n";
