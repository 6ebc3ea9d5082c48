// SPDX-License-Identifier: BSD-2-Clause
/*
 * backend.c: opening the backend libpfkey chooses (pfk_backend_resolve:
 * the kernel's PF_KEY, else the in-process engine on XFRM netlink; keyd only
 * when asked) and telling the user, in one line, why it cannot be reached
 * or that a keyd in use went away. keysh never starts a keyd: an empty one
 * would silently take the place of the SADB the user meant.
 */
#include <errno.h>
#include <string.h>

#include "ksh.h"

int ksh_backend_connect(struct ksh *k)
{
	char msg[512];
	int ret;

	if (k->connected && !k->lost)
		return KSH_EXIT_OK;
	ksh_backend_close(k);	/* the keyd that went away: connect anew */
	ret = pfk_conn_open(&k->conn, k->backend, k->socket);
	if (ret)
		goto err;
	ret = pfk_exec_init(&k->exec, &k->conn);
	if (ret) {
		pfk_conn_close(&k->conn);
		goto err;
	}
	k->connected = true;
	k->lost = false;
	if (k->verbose) {
		pfk_conn_describe(&k->conn, msg, sizeof(msg));
		fprintf(stderr, "keysh: backend %s\n", msg);
	}
	return KSH_EXIT_OK;

err:
	pfk_conn_explain(&k->conn, ret, msg, sizeof(msg));
	fprintf(stderr, "keysh: %s\n", msg);
	return KSH_EXIT_BACKEND;
}

bool ksh_backend_lost(struct ksh *k, int err)
{
	char msg[512];

	if (!k->connected || !pfk_conn_lost(&k->conn, err))
		return false;
	if (k->lost)
		return true;	/* said once: the rest fail for the same reason */
	k->lost = true;
	pfk_conn_explain(&k->conn, err, msg, sizeof(msg));
	fflush(stdout);
	fprintf(stderr, "keysh: %s\n", msg);
	if (k->interactive)
		fprintf(stderr, "keysh: the next statement connects to %s again "
			"(start keyd there first), or type exit\n", k->conn.path);
	return true;
}

void ksh_backend_close(struct ksh *k)
{
	if (!k->connected)
		return;
	pfk_exec_fini(&k->exec);
	pfk_conn_close(&k->conn);
	k->connected = false;
}
