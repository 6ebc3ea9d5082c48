// SPDX-License-Identifier: BSD-2-Clause
/*
 * store.c: where keyd's engine keeps SAs and policies (--store). memory:
 * the engine's own tables (store_mem.c), a private test engine that keys
 * no packet; xfrm: the kernel's xfrm through XFRM netlink (src/xfrm), so
 * keyd serves PF_KEY on its Unix socket over the kernel's real SAD and SPD,
 * for PF_KEY clients that cannot speak netlink and to delegate keying to a
 * group (access.c). With xfrm, changes made by others (ip xfrm, an IKE
 * daemon, the kernel's ACQUIRE and EXPIRE) arrive on the store's event
 * socket, which the poll loop of server.c reads through this file.
 */
#include <errno.h>
#include <string.h>

#include "keyd.h"
#include "store.h"
#include "../xfrm/store_nl.h"

static const char *const names[] = {
	[KEYD_STORE_MEMORY] = "memory",
	[KEYD_STORE_XFRM] = "xfrm",
};

/* The process's one store, when it has an event socket (xfrm). */
static struct pfkm_store *nl_store;

int keyd_store_parse(const char *s, enum keyd_store *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum keyd_store)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *keyd_store_name(enum keyd_store st)
{
	return (unsigned int)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

/* xfrm_store_nl_create, remembering the store for the event socket. */
static int make_nl(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out)
{
	int ret = xfrm_store_nl_create(cb, arg, out);

	if (!ret)
		nl_store = *out;
	return ret;
}

int keyd_store_net_create(enum keyd_store st, struct pfkm_net **out)
{
	switch (st) {
	case KEYD_STORE_MEMORY:
		return pfkm_net_create(out);
	case KEYD_STORE_XFRM:
		return pfkm_net_create_on(make_nl, NULL, out);
	}
	return -EINVAL;
}

int keyd_store_event_fd(void)
{
	return nl_store ? xfrm_store_nl_monitor_fd(nl_store) : -1;
}

void keyd_store_event_read(void)
{
	int ret;

	if (!nl_store)
		return;
	ret = xfrm_store_nl_monitor_read(nl_store);
	if (ret < 0 && ret != -EAGAIN)
		keyd_log(KEYD_LOG_WARN, "xfrm events: %s", strerror(-ret));
}
