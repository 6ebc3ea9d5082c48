/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * selftest.h: in-core self-tests of the SADB and SPD indexes (case tables
 * plus a randomized comparison against a naive reference). Each returns 0
 * when every check passed, else -ENOTRECOVERABLE after logging the first
 * failure through os_log. Compiled into their units (sadb.c and spd.c
 * #include selftest/<unit>.c), run by the unit tests and by module init.
 */
#ifndef PFKM_SELFTEST_H
#define PFKM_SELFTEST_H

int pfkm_selftest_sadb(void);
int pfkm_selftest_spd(void);

#endif /* PFKM_SELFTEST_H */
