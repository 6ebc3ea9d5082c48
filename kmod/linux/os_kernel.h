/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * os_kernel.h: kernel types behind os.h for pfkeyv2.ko. Only os.h includes
 * this file; the glue in kmod/linux includes it through os.h as well.
 */
#ifndef PFKM_OS_KERNEL_H
#define PFKM_OS_KERNEL_H

#include <linux/types.h>
#include <linux/limits.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/socket.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/lockdep.h>
#include <linux/workqueue.h>
#include <asm/byteorder.h>
#include <asm/page.h>

#define OS_PAGE_SIZE ((size_t)PAGE_SIZE)

/* <stdint.h> limits the core may use (the kernel spells them U32_MAX...). */
#ifndef UINT8_MAX
#define UINT8_MAX U8_MAX
#endif
#ifndef UINT16_MAX
#define UINT16_MAX U16_MAX
#endif
#ifndef UINT32_MAX
#define UINT32_MAX U32_MAX
#endif
#ifndef UINT64_MAX
#define UINT64_MAX U64_MAX
#endif
#ifndef INT32_MAX
#define INT32_MAX S32_MAX
#endif

#define os_htons(x) htons(x)
#define os_ntohs(x) ntohs(x)
#define os_htonl(x) htonl(x)
#define os_ntohl(x) ntohl(x)

/* Network byte order integers (SPIs, ports) of the core: __be16/__be32,
 * so sparse checks every conversion.
 */
typedef __be16 os_be16;
typedef __be32 os_be32;

struct os_mutex {
	struct mutex m;		/* the core's lock (a pfkm_net's, its store's) */
};

#define os_assert_held(om) lockdep_assert_held(&(om)->m)

/*
 * A one-shot timer is a delayed work item on the module's own workqueue, so
 * callbacks may sleep and take an os_mutex, and module unload can flush every
 * callback (os_kernel_exit) after the last net is gone.
 */
struct os_timer {
	struct delayed_work dw;
	void (*fn)(struct os_timer *t);
};

/* Module lifetime of the OS layer (main.c): the timer workqueue. */
int os_kernel_init(void);
void os_kernel_exit(void);

#endif /* PFKM_OS_KERNEL_H */
