/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * backend.h: keytui's connections to the PF_KEY engine (the kernel's PF_KEY,
 * the in-process engine on XFRM netlink, or keyd: libpfkey chooses). Two long-lived sockets are polled by the loop and
 * never waited on: `evt` receives the broadcasts (ADD/DELETE/... to all,
 * REGISTER/EXPIRE/ACQUIRE because it registers for ah, esp and ipcomp) and
 * `ctl` carries the asynchronous DUMP/SPDDUMP used to refresh the model.
 * Statements (add, delete, the wizard's script) run through keysh's
 * executor on a fresh short-lived connection (tui_backend_exec), so their
 * replies never mix with the dump or the event stream.
 */
#ifndef TUI_BACKEND_H
#define TUI_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "pfk.h"
#include "model.h"

enum tui_dump_phase { TUI_DUMP_IDLE = 0, TUI_DUMP_SAD, TUI_DUMP_SPD };

struct tui_backend {
	enum pfk_backend kind;		/* resolved: PFKEY, XFRM or KEYD */
	char path[108];			/* keyd socket */
	bool gone;			/* the keyd in use went away */
	char desc[160];			/* status bar text */
	struct pfk_conn ctl, evt;
	bool ctl_open, evt_open;
	enum tui_dump_phase phase;
	struct tui_model pending;	/* tables being filled by the dump */
	/* Deleted while the dump runs but not yet dumped: the dump socket may
	 * still deliver them after the DELETE arrived on the event socket, so
	 * they are skipped. A FLUSH meanwhile makes the dump run again. */
	struct tui_model tomb;
	bool redump;
	/* Broadcasts the event socket lost: the socket's ENOBUFS count plus
	 * what keyd could not queue to it. A lost broadcast leaves the model
	 * wrong for good, so a loss newer than the last dump's start
	 * (lost > lost_synced) asks for a re-dump (tui_backend_resync_due). */
	uint64_t lost, lost_synced;
	/* keyd only: PATH.ctl "stats PID" gives the broadcasts keyd dropped for
	 * this process's full queues (a Unix socket cannot tell the receiver).
	 * It sums every live connection of the pid; the dump socket and a
	 * statement's connection drop broadcasts harmlessly, so only an answer
	 * counting one socket (evt alone) is taken. */
	int statfd;			/* -1 when not available */
	uint64_t keyd_drops;		/* evt's drops, monotonic */
	uint8_t *buf;			/* PFKM_MSG_MAX receive buffer */
	struct pfk_msg *msg;		/* parse scratch (wiped after use) */
};

/* Open per --backend / --socket (pfk_backend_resolve). err gets one line
 * for the user on failure (pfk_conn_explain). */
int tui_backend_open(struct tui_backend *be, enum pfk_backend want, const char *sock,
		     char *err, size_t errcap);
/* err from a socket: if it means the keyd in use went away, set be->lost,
 * put the line for the user in msg and return true. */
bool tui_backend_lost(struct tui_backend *be, int err, char *msg, size_t cap);
/* Close both sockets and open them again on the same backend (after a keyd
 * came back); 0 or -errno. */
int tui_backend_reconnect(struct tui_backend *be);
void tui_backend_close(struct tui_backend *be);
/* Start a DUMP + SPDDUMP; results arrive through tui_backend_ctl_ready. */
int tui_backend_refresh(struct tui_backend *be);
/* Drain up to budget messages from ctl; when the dump completes the model's
 * tables are replaced. Returns >0 when the model changed, 0, or -errno. */
int tui_backend_ctl_ready(struct tui_backend *be, struct tui_model *m, unsigned int budget);
/* Drain up to budget broadcasts from evt into the Events ring and apply them
 * to the model. Returns the number of messages taken, or -errno. */
int tui_backend_evt_ready(struct tui_backend *be, struct tui_model *m, unsigned int budget);
/* Once a second: ask keyd for our drop count (non-blocking). */
void tui_backend_stats_poll(struct tui_backend *be);
/* Whether broadcasts were lost since the last dump started and no dump is
 * running: the caller should tui_backend_refresh (the model is stale). */
bool tui_backend_resync_due(const struct tui_backend *be);
/* Open a fresh connection of the same kind for one statement run. */
int tui_backend_conn(struct tui_backend *be, struct pfk_conn *c);

#endif /* TUI_BACKEND_H */
