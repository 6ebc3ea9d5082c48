/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * unit.h: the minimal unit-test runner. Each test file defines cases with
 * TEST(name) { ... }; they register themselves at load time and main.c runs
 * them all (or those whose name contains argv[1]) and prints the summary
 * line "N passed, N failed". CHECK records a failure and continues;
 * REQUIRE returns from the case.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <stdbool.h>

struct unit_case {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct unit_case *next;
};

void unit_register(struct unit_case *c);
void unit_fail(const char *file, int line, const char *expr);
void unit_failf(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST(n)								\
	static void test_##n(void);					\
	static struct unit_case unit_case_##n = { #n, __FILE__, test_##n, NULL }; \
	__attribute__((constructor)) static void unit_reg_##n(void)	\
	{ unit_register(&unit_case_##n); }				\
	static void test_##n(void)

#define CHECK(e) do { if (!(e)) unit_fail(__FILE__, __LINE__, #e); } while (0)
#define REQUIRE(e) do { if (!(e)) { unit_fail(__FILE__, __LINE__, #e); return; } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) unit_failf(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, _a, _b); } while (0)
#define REQUIRE_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { unit_failf(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, _a, _b); return; } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); \
	if (!_a || !_b || strcmp(_a, _b)) unit_failf(__FILE__, __LINE__, "%s == %s (\"%s\" != \"%s\")", #a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); } while (0)
#define CHECK_MEM(a, b, n) do { if (memcmp((a), (b), (n))) unit_failf(__FILE__, __LINE__, "memcmp(%s, %s, %s) != 0", #a, #b, #n); } while (0)

#endif
