// SPDX-License-Identifier: BSD-2-Clause
/*
 * backend.c: opening the engine libpfkey chooses (pfk_backend_resolve; keyd
 * only when asked, never started for the user), the asynchronous dump that
 * refreshes the model, the event pump, and noticing that a keyd in use went
 * away. See backend.h for which socket carries what. Nothing here blocks:
 * receives use a zero timeout and are only attempted when poll() said the
 * socket is readable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "backend.h"

/* keyd: the socket given or resolved; NULL: the default (or not keyd). */
static const char *keyd_path(const struct tui_backend *be)
{
	return be->kind == PFK_BACKEND_KEYD && be->path[0] ? be->path : NULL;
}

static int open_pair(struct tui_backend *be)
{
	int ret, i;
	static const enum pfk_satype reg[] = {
		PFK_SATYPE_ESP, PFK_SATYPE_AH, PFK_SATYPE_IPCOMP,
	};

	ret = pfk_conn_open(&be->evt, be->kind, keyd_path(be));
	if (ret)
		goto err_evt;
	be->evt_open = true;
	/* room for bursts: broadcasts that do not fit are lost for us */
	{
		int sz = 8 << 20;

		if (setsockopt(be->evt.fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(be->evt.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	/* ctl is opened per refresh (tui_backend_refresh) and closed when the
	 * dump is complete: an idle one would only collect broadcasts */
	/* Registering makes EXPIRE, ACQUIRE and REGISTER reach the Events view. */
	for (i = 0; i < 3; i++) {
		struct pfk_buf b = { be->buf, PFKM_MSG_MAX, 0 };
		int len = pfk_build_register(&b, reg[i], ++be->evt.seq, be->evt.pid);

		if (len > 0)
			pfk_conn_send(&be->evt, be->buf, len);
	}
	return 0;

err_evt:
	return ret;
}

/* keyd's PATH.ctl (SOCK_STREAM, lines). Best effort: without it the drop
 * counter shows only what the socket reports. */
static void stats_open(struct tui_backend *be)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.ctl", be->path) >=
	    sizeof(sun.sun_path))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		return;
	}
	be->statfd = fd;
	tui_backend_stats_poll(be);
}

/* The last complete "ok sockets=N drops=D" line in buf, if any. */
static bool stats_parse(char *buf, unsigned long long *socks, unsigned long long *drops)
{
	char *p = NULL, *q = buf;

	while ((q = strstr(q, "ok sockets=")) != NULL) {
		if (strchr(q, '\n'))
			p = q;
		q++;
	}
	return p && sscanf(p, "ok sockets=%llu drops=%llu", socks, drops) == 2;
}

void tui_backend_stats_poll(struct tui_backend *be)
{
	char buf[512], req[32];
	unsigned long long socks, d;
	ssize_t n;
	int len;

	if (be->statfd < 0)
		return;
	/* the answer to the previous question, if it came */
	n = recv(be->statfd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n > 0) {
		buf[n] = 0;
		/* Only evt alive (no dump, no statement running): the count is
		 * evt's own. Other answers mix in harmless dump-socket drops. */
		if (stats_parse(buf, &socks, &d) && socks == 1 && d > be->keyd_drops)
			be->keyd_drops = d;
	} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
		close(be->statfd);
		be->statfd = -1;
		return;
	}
	len = snprintf(req, sizeof(req), "stats %d\n", (int)getpid());
	if (send(be->statfd, req, len, MSG_DONTWAIT | MSG_NOSIGNAL) != len) {
		close(be->statfd);
		be->statfd = -1;
	}
	be->lost = be->evt.lost + be->keyd_drops;
}

bool tui_backend_resync_due(const struct tui_backend *be)
{
	return be->phase == TUI_DUMP_IDLE && be->lost > be->lost_synced;
}

int tui_backend_open(struct tui_backend *be, enum pfk_backend want, const char *sock,
		     char *err, size_t errcap)
{
	int ret;

	memset(be, 0, sizeof(*be));
	be->statfd = -1;
	tui_model_init(&be->pending);
	tui_model_init(&be->tomb);
	be->buf = malloc(PFKM_MSG_MAX);
	be->msg = calloc(1, sizeof(*be->msg));
	if (!be->buf || !be->msg) {
		ret = -ENOMEM;
		snprintf(err, errcap, "out of memory");
		goto err_alloc;
	}
	be->kind = pfk_backend_resolve(want, sock);
	if (sock)
		snprintf(be->path, sizeof(be->path), "%s", sock);
	ret = open_pair(be);
	if (ret) {
		pfk_conn_explain(&be->evt, ret, err, errcap);
		goto err_open;
	}
	/* the path the connection resolved (the default socket, if none given) */
	snprintf(be->path, sizeof(be->path), "%s", be->evt.path);
	pfk_conn_describe(&be->evt, be->desc, sizeof(be->desc));
	if (be->kind == PFK_BACKEND_KEYD)
		stats_open(be);
	return 0;

err_open:
err_alloc:
	free(be->buf);
	free(be->msg);
	be->buf = NULL;
	be->msg = NULL;
	return ret;
}

bool tui_backend_lost(struct tui_backend *be, int err, char *msg, size_t cap)
{
	struct pfk_conn *c = be->evt_open ? &be->evt : &be->ctl;

	if (!pfk_conn_lost(c, err))
		return false;
	be->gone = true;
	/* pfk_conn_explain's line is too long for the status bar */
	snprintf(msg, cap, "keyd on %s went away (%s)", c->path,
		 strerrorname_np(-err) ? strerrorname_np(-err) : "?");
	return true;
}

int tui_backend_reconnect(struct tui_backend *be)
{
	int ret;

	if (be->evt_open)
		pfk_conn_close(&be->evt);
	if (be->ctl_open)
		pfk_conn_close(&be->ctl);
	be->evt_open = be->ctl_open = false;
	be->phase = TUI_DUMP_IDLE;
	if (be->statfd >= 0)
		close(be->statfd);
	be->statfd = -1;
	be->keyd_drops = 0;
	ret = open_pair(be);
	if (ret)
		return ret;
	be->gone = false;
	if (be->kind == PFK_BACKEND_KEYD)
		stats_open(be);
	return 0;
}

void tui_backend_close(struct tui_backend *be)
{
	if (be->evt_open)
		pfk_conn_close(&be->evt);
	if (be->ctl_open)
		pfk_conn_close(&be->ctl);
	be->evt_open = be->ctl_open = false;
	if (be->statfd >= 0)
		close(be->statfd);
	be->statfd = -1;
	tui_model_free(&be->pending);
	tui_model_free(&be->tomb);
	if (be->msg) {
		pfk_msg_wipe(be->msg);
		free(be->msg);
	}
	if (be->buf) {
		explicit_bzero(be->buf, PFKM_MSG_MAX);
		free(be->buf);
	}
	be->msg = NULL;
	be->buf = NULL;
}

int tui_backend_conn(struct tui_backend *be, struct pfk_conn *c)
{
	return pfk_conn_open(c, be->kind, keyd_path(be));
}

static int send_dump(struct tui_backend *be, bool spd)
{
	struct pfk_buf b = { be->buf, PFKM_MSG_MAX, 0 };
	int len;

	if (spd)
		len = pfk_build_spddump(&b, ++be->ctl.seq, be->ctl.pid);
	else
		len = pfk_build_dump(&b, PFK_SATYPE_UNSPEC, ++be->ctl.seq, be->ctl.pid);
	if (len < 0)
		return len;
	return pfk_conn_send(&be->ctl, be->buf, len) < 0 ? -EIO : 0;
}

int tui_backend_refresh(struct tui_backend *be)
{
	int ret;

	if (be->phase != TUI_DUMP_IDLE)
		return 0;	/* one already running: its result is as fresh */
	if (!be->ctl_open) {
		ret = pfk_conn_open(&be->ctl, be->kind, keyd_path(be));
		if (ret)
			return ret;
		be->ctl_open = true;
	}
	tui_model_free(&be->pending);
	tui_model_init(&be->pending);
	tui_model_free(&be->tomb);
	tui_model_init(&be->tomb);
	be->redump = false;
	/* the dump reflects every broadcast lost before it starts */
	be->lost_synced = be->lost;
	ret = send_dump(be, false);
	if (ret)
		return ret;
	be->phase = TUI_DUMP_SAD;
	return 0;
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

int tui_backend_ctl_ready(struct tui_backend *be, struct tui_model *m, unsigned int budget)
{
	struct pfk_msg *msg = be->msg;
	int changed = 0, n, ret;

	while (budget--) {
		n = pfk_conn_recv(&be->ctl, be->buf, PFKM_MSG_MAX, 0);
		if (n == -ETIMEDOUT || n == -EAGAIN)
			break;
		if (n <= 0)
			return n ? n : -EPIPE;
		ret = pfk_parse(be->buf, n, msg);
		explicit_bzero(be->buf, n);
		if (ret)
			continue;
		/* Broadcasts reach every socket; only our dump replies matter. */
		if (be->phase == TUI_DUMP_SAD && msg->type == PFK_T_DUMP) {
			if (!msg->errno_ && !tui_model_sa_has(&be->tomb, &msg->sa))
				tui_model_sa_upsert(&be->pending, &msg->sa, now_s());
			if (msg->errno_ || msg->seq == 0) {
				ret = send_dump(be, true);
				be->phase = ret ? TUI_DUMP_IDLE : TUI_DUMP_SPD;
			}
		} else if (be->phase == TUI_DUMP_SPD && msg->type == PFK_T_SPDDUMP) {
			if (!msg->errno_ && !tui_model_pol_has(&be->tomb, msg->pol.id))
				tui_model_pol_upsert(&be->pending, &msg->pol);
			if (msg->errno_ || msg->seq == 0) {
				tui_model_take_tables(m, &be->pending, true, true);
				be->phase = TUI_DUMP_IDLE;
				changed = 1;
				pfk_msg_wipe(msg);
				if (be->redump) {	/* a FLUSH raced the dump */
					tui_backend_refresh(be);
					break;
				}
				pfk_conn_close(&be->ctl);
				be->ctl_open = false;
				break;
			}
		}
		pfk_msg_wipe(msg);
	}
	be->lost = be->evt.lost + be->keyd_drops;
	return changed;
}

/* An event that arrives while a dump runs: apply it to the dump's tables
 * too, and remember every deletion: the dump may still deliver the entry
 * (composed before the deletion, read from ctl after it). That holds even
 * when the entry is in pending already, if an ADD broadcast put it there
 * rather than the dump. One the dump did deliver is never delivered again,
 * so its tombstone costs nothing. A later ADD/UPDATE lifts the tombstone. */
static void dump_race(struct tui_backend *be, const struct pfk_msg *msg, uint64_t now)
{
	bool gone = msg->type == PFK_T_DELETE ||
		    (msg->type == PFK_T_EXPIRE && (msg->sa.has & PFK_SA_HAS_HARD));

	if (msg->errno_)
		return;
	if (gone)
		tui_model_sa_upsert(&be->tomb, &msg->sa, now);
	else if (msg->type == PFK_T_ADD || msg->type == PFK_T_UPDATE)
		tui_model_sa_remove(&be->tomb, &msg->sa);
	if (msg->type == PFK_T_SPDDELETE || msg->type == PFK_T_SPDDELETE2 ||
	    msg->type == PFK_T_SPDEXPIRE)
		tui_model_pol_upsert(&be->tomb, &msg->pol);	/* ids are never reused */
	if (msg->type == PFK_T_FLUSH || msg->type == PFK_T_SPDFLUSH)
		be->redump = true;
	tui_model_apply(&be->pending, msg, now);
}

int tui_backend_evt_ready(struct tui_backend *be, struct tui_model *m, unsigned int budget)
{
	struct pfk_msg *msg = be->msg;
	int taken = 0, n, ret;
	struct timespec ts;

	while (budget--) {
		n = pfk_conn_recv(&be->evt, be->buf, PFKM_MSG_MAX, 0);
		if (n == -ETIMEDOUT || n == -EAGAIN)
			break;
		if (n <= 0) {
			be->lost = be->evt.lost + be->keyd_drops;
			return n ? n : -EPIPE;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ret = pfk_parse(be->buf, n, msg);
		tui_model_event_add(m, be->buf, n, ret ? NULL : msg,
				    (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
		if (!ret) {
			tui_model_apply(m, msg, (uint64_t)ts.tv_sec);
			/* keep the dump in flight consistent with what happened */
			if (be->phase != TUI_DUMP_IDLE)
				dump_race(be, msg, (uint64_t)ts.tv_sec);
			pfk_msg_wipe(msg);
		}
		explicit_bzero(be->buf, n);
		taken++;
	}
	be->lost = be->evt.lost + be->keyd_drops;
	return taken;
}
