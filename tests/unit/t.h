/* A tiny unit-test harness: each TEST is a function; CHECK records a failure and goes on.
 * Output is one line per test, "ok - NAME" or "not ok - NAME: file:line: expr", which
 * tests/run.sh counts. Build: host gcc with ASan+UBSan (see tests/run.sh). */
#ifndef NR_TESTS_T_H
#define NR_TESTS_T_H
#include <stdio.h>
#include <string.h>

static int t_failed_now, t_any_failed;
static const char *t_name;

#define CHECK(expr) do { if (!(expr)) { \
	if (!t_failed_now) printf("not ok - %s: %s:%d: %s\n", t_name, __FILE__, __LINE__, #expr); \
	t_failed_now = 1; } } while (0)
#define CHECK_STR(a, b) do { const char *t_a = (a), *t_b = (b); \
	if (!t_a || !t_b || strcmp(t_a, t_b)) { \
	if (!t_failed_now) printf("not ok - %s: %s:%d: \"%s\" != \"%s\"\n", t_name, __FILE__, __LINE__, \
		t_a ? t_a : "(null)", t_b ? t_b : "(null)"); t_failed_now = 1; } } while (0)
#define CHECK_INT(a, b) do { long long t_a = (long long)(a), t_b = (long long)(b); \
	if (t_a != t_b) { if (!t_failed_now) printf("not ok - %s: %s:%d: %s == %lld, want %lld\n", \
		t_name, __FILE__, __LINE__, #a, t_a, t_b); t_failed_now = 1; } } while (0)

#define RUN(fn) do { t_name = #fn; t_failed_now = 0; fn(); \
	if (!t_failed_now) printf("ok - %s\n", t_name); else t_any_failed = 1; fflush(stdout); } while (0)
#define T_EXIT() (t_any_failed ? 1 : 0)

#endif
