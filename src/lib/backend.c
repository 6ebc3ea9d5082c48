// SPDX-License-Identifier: BSD-2-Clause
/*
 * backend.c: which PF_KEY engine keysh and keytui talk to, decided here and
 * nowhere else, and what to tell the user when it cannot be reached.
 *
 *   pfkey  the kernel's PF_KEY socket (Linux af_key or pfkeyv2.ko)
 *   xfrm   the PF_KEY engine in process, on the kernel's XFRM netlink
 *   keyd   a keyd on a Unix socket: only when asked for (--backend keyd or
 *          --socket), never as a fallback and never started for the user,
 *          since a keyd keys no packet and a fresh one holds nothing
 *   auto   pfkey when socket(PF_KEY) works, or fails for want of
 *          CAP_NET_ADMIN (that is the kernel's answer to give), else xfrm
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/pfkeyv2.h>
#include "pfk.h"
#include "stmt.h"

#ifndef PF_KEY
#define PF_KEY 15
#endif

static const char *const names[] = {
	[PFK_BACKEND_AUTO] = "auto",
	[PFK_BACKEND_PFKEY] = "pfkey",
	[PFK_BACKEND_XFRM] = "xfrm",
	[PFK_BACKEND_KEYD] = "keyd",
};

const char *pfk_backend_name(enum pfk_backend be)
{
	if ((unsigned int)be < sizeof(names) / sizeof(names[0]))
		return names[be];
	return "unknown";
}

int pfk_backend_parse(const char *s, enum pfk_backend *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum pfk_backend)i;
			return 0;
		}
	}
	/* keysh before the xfrm backend called the kernel's PF_KEY "kernel" */
	if (!strcmp(s, "kernel")) {
		*out = PFK_BACKEND_PFKEY;
		return 0;
	}
	return -EINVAL;
}

int pfk_keyd_default_path(char *buf, size_t cap)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, cap, "/run/keyd.sock");
	else if (rt && *rt)
		n = snprintf(buf, cap, "%s/keyd.sock", rt);
	else
		return -EDESTADDRREQ;
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

enum pfk_backend pfk_backend_resolve(enum pfk_backend want, const char *sock)
{
	int fd;

	if (want != PFK_BACKEND_AUTO)
		return want;
	if (sock)
		return PFK_BACKEND_KEYD;
	fd = socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC, PF_KEY_V2);
	if (fd >= 0) {
		close(fd);
		return PFK_BACKEND_PFKEY;
	}
	if (errno == EPERM || errno == EACCES)
		return PFK_BACKEND_PFKEY;
	return PFK_BACKEND_XFRM;
}

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "?";
}

static const char *pfkey_impl(void)
{
	struct stat st;

	return stat("/sys/module/pfkeyv2", &st) ? "af_key" : "pfkeyv2.ko";
}

void pfk_conn_describe(const struct pfk_conn *c, char *buf, size_t cap)
{
	switch (c->backend) {
	case PFK_BACKEND_PFKEY:
		snprintf(buf, cap, "pfkey (the kernel's PF_KEY: %s)", pfkey_impl());
		break;
	case PFK_BACKEND_XFRM:
		snprintf(buf, cap, "xfrm (PF_KEY engine in process on the kernel's XFRM netlink)");
		break;
	case PFK_BACKEND_KEYD:
		snprintf(buf, cap, "keyd on %s", c->path);
		break;
	default:
		snprintf(buf, cap, "%s", pfk_backend_name(c->backend));
		break;
	}
}

static const char cap_hint[] =
	"needs CAP_NET_ADMIN (run as root); for a private test engine use --backend keyd";

void pfk_conn_explain(const struct pfk_conn *c, int err, char *buf, size_t cap)
{
	int e = -err;

	switch (c->backend) {
	case PFK_BACKEND_PFKEY:
		if (e == EPERM || e == EACCES)
			snprintf(buf, cap, "the kernel's PF_KEY socket %s", cap_hint);
		else if (e == EAFNOSUPPORT || e == EPROTONOSUPPORT)
			snprintf(buf, cap, "this kernel has no PF_KEY (load af_key or pfkeyv2.ko, "
				 "or use --backend xfrm)");
		else
			snprintf(buf, cap, "cannot open a PF_KEY socket: %s (%s)", strerror(e),
				 errname(e));
		return;
	case PFK_BACKEND_XFRM:
		if (e == EPERM || e == EACCES)
			snprintf(buf, cap, "the kernel's XFRM netlink %s", cap_hint);
		else if (e == EPROTONOSUPPORT || e == EAFNOSUPPORT)
			snprintf(buf, cap, "this kernel has no XFRM netlink (CONFIG_XFRM_USER)");
		else
			snprintf(buf, cap, "cannot start the PF_KEY engine on XFRM netlink: %s (%s)",
				 strerror(e), errname(e));
		return;
	case PFK_BACKEND_KEYD:
		if (e == EDESTADDRREQ)
			snprintf(buf, cap, "XDG_RUNTIME_DIR is not set, so keyd's socket has no default "
				 "place for uid %u: give --socket PATH", (unsigned int)geteuid());
		else if (e == EACCES && c->peer_uid != (uint32_t)-1)
			snprintf(buf, cap, "refusing keyd socket %s: its server runs as uid %u, "
				 "not root or uid %u (you)", c->path, (unsigned int)c->peer_uid,
				 (unsigned int)geteuid());
		else if (e == ENOENT || e == ECONNREFUSED)
			snprintf(buf, cap, "no keyd listens on %s (%s); start one with: keyd --socket %s "
				 "--daemon", c->path, errname(e), c->path);
		else if (e == ECONNRESET || e == EPIPE || e == ENOTCONN)
			snprintf(buf, cap, "keyd on %s went away (%s): the SAs and policies it held are "
				 "gone unless it keeps --state", c->path, errname(e));
		else
			snprintf(buf, cap, "cannot connect to keyd on %s: %s (%s)", c->path,
				 strerror(e), errname(e));
		return;
	case PFK_BACKEND_AUTO:
		break;
	}
	snprintf(buf, cap, "%s (%s)", strerror(e), errname(e));
}

/* The kernel's pieces an SA of this protocol needs in xfrm. */
static const char *proto_support(enum pfk_satype t)
{
	switch (t) {
	case PFK_SATYPE_AH:
		return "AH (CONFIG_INET_AH, CONFIG_INET6_AH: modules ah4, ah6)";
	case PFK_SATYPE_IPCOMP:
		return "IPComp (CONFIG_INET_IPCOMP, CONFIG_INET6_IPCOMP: modules ipcomp, ipcomp6)";
	default:
		return "ESP (CONFIG_INET_ESP, CONFIG_INET6_ESP: modules esp4, esp6)";
	}
}

int pfk_conn_hint(const struct pfk_conn *c, const struct pfk_stmt *st, int err, char *buf,
		  size_t cap)
{
	const struct pfkm_alg *e, *a;

	/* af_key keys the kernel's xfrm too; pfkeyv2.ko has its own SADB */
	if (c->backend != PFK_BACKEND_XFRM &&
	    (c->backend != PFK_BACKEND_PFKEY || strcmp(pfkey_impl(), "af_key")))
		return 0;
	if (st->cmd != PFK_CMD_ADD && st->cmd != PFK_CMD_UPDATE)
		return 0;
	if (err == -EPROTONOSUPPORT) {
		snprintf(buf, cap, "the kernel's xfrm has no %s", proto_support(st->sa.satype));
		return 1;
	}
	if (err == -ENOSYS) {
		/* xfrm_user: "Requested ... algorithm not found" */
		e = st->sa.enc_alg ? pfkm_alg_by_id(st->sa.satype == PFK_SATYPE_IPCOMP ?
						    PFKM_ALG_COMP : PFKM_ALG_ENC, st->sa.enc_alg) : NULL;
		a = st->sa.auth_alg ? pfkm_alg_by_id(PFKM_ALG_AUTH, st->sa.auth_alg) : NULL;
		snprintf(buf, cap, "the kernel's crypto has no %s%s%s for xfrm (its module is "
			 "missing or not built)", e ? e->name : "", e && a ? " or " : "",
			 a ? a->name : e ? "" : "algorithm of this SA");
		return 1;
	}
	return 0;
}
