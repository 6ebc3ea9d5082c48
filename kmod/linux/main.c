// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * main.c: module init/exit of pfkeyv2.ko. Order: OS layer (timer
 * workqueue), the core's self-tests when built with PFKEYV2_DEBUG=1 (a
 * failing test fails the load), then the PF_KEY family. Exit in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>
#include <linux/net.h>
#include "os.h"
#include "af_pfkey.h"

#ifdef PFKM_SELFTESTS
/* Kbuild lists kmod/core/selftest/<unit>.c as X(unit) X(unit) ...; each
 * file defines int pfkm_selftest_<unit>(void), 0 when every case passed.
 */
#define X(unit) int pfkm_selftest_##unit(void);
PFKM_SELFTESTS
#undef X

static const struct {
	const char *name;
	int (*run)(void);
} selftests[] = {
#define X(unit) { #unit, pfkm_selftest_##unit },
	PFKM_SELFTESTS
#undef X
};

static int run_selftests(void)
{
	unsigned int i, failed = 0;

	if (!ARRAY_SIZE(selftests))
		pr_info("no self-tests in kmod/core/selftest\n");
	for (i = 0; i < ARRAY_SIZE(selftests); i++) {
		if (selftests[i].run()) {
			pr_err("%s self-tests: FAIL\n", selftests[i].name);
			failed++;
		} else {
			pr_info("%s self-tests: pass\n", selftests[i].name);
		}
	}
	return failed ? -ENOTRECOVERABLE : 0;
}
#else
static int run_selftests(void)
{
	return 0;
}
#endif

static int __init pfkm_mod_init(void)
{
	int ret;

	ret = os_kernel_init();
	if (ret)
		goto err_os;
	ret = run_selftests();
	if (ret)
		goto err_selftest;
	ret = pfkm_af_init();
	if (ret)
		goto err_af;
	pr_info("PF_KEY v2 (RFC 2367) loaded, version " PFKM_VERSION "\n");
	return 0;

err_af:
err_selftest:
	os_kernel_exit();
err_os:
	return ret;
}

static void __exit pfkm_mod_exit(void)
{
	pfkm_af_exit();
	os_kernel_exit();
	pr_info("unloaded\n");
}

module_init(pfkm_mod_init);
module_exit(pfkm_mod_exit);
MODULE_LICENSE("Dual BSD/GPL");
MODULE_AUTHOR("keysh developers");
MODULE_DESCRIPTION("PF_KEY v2 key management sockets (RFC 2367)");
MODULE_VERSION(PFKM_VERSION);
/* "net-pf-15": socket(PF_KEY) with no PF_KEY family registered asks modprobe
 * for it. Linux af_key carries the same alias; kmod/pfkeyv2.conf
 * (/etc/modprobe.d) blacklists af_key so that only this module answers.
 */
MODULE_ALIAS_NETPROTO(PF_KEY);
