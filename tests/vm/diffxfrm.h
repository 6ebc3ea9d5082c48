/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * diffxfrm.h: diffclient's PF_KEY sockets on keysh's xfrm backend. Built
 * into /bin/diffxfrm (tests/vm/nl-run.sh: diffclient.c with -DDIFF_XFRM,
 * tests/vm/diffxfrm.c, libpfkey, libcore and libxfrmnl): every
 * socket(PF_KEY, SOCK_RAW, PF_KEY_V2) is a connection of the in-process
 * PF_KEY engine on the XFRM netlink store (pfk_conn_open with
 * PFK_BACKEND_XFRM), exactly what keysh --backend xfrm talks to; send() is
 * pfk_conn_send (the engine answers before it returns, as af_key does),
 * recv() reads the connection's queue and lets a paused dump go on, as a
 * PF_KEY socket's recvmsg() does. socket() with other arguments goes to the
 * kernel: the backend has no socket layer of its own.
 */
#ifndef DIFFXFRM_H
#define DIFFXFRM_H

#include <stddef.h>
#include <sys/types.h>

int dx_socket(int domain, int type, int protocol);
ssize_t dx_send(int fd, const void *buf, size_t len, int flags);
ssize_t dx_recv(int fd, void *buf, size_t len, int flags);
int dx_close(int fd);

#ifndef DIFFXFRM_IMPL	/* diffxfrm.c calls the real ones */
#define socket(d, t, p) dx_socket(d, t, p)
#define send(f, b, l, fl) dx_send(f, b, l, fl)
#define recv(f, b, l, fl) dx_recv(f, b, l, fl)
#define close(f) dx_close(f)
#endif

#endif /* DIFFXFRM_H */
