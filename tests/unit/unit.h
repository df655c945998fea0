/*
 * unit.h: the smallest test framework that does the job. A test is a function registered with
 * JG_TEST(name); checks are CHECK(cond) and CHECK_EQ_INT / CHECK_EQ_STR, which report file:line
 * and keep going. The runner (main.c) ends with the line "N passed, N failed".
 */
#ifndef JG_UNIT_H
#define JG_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jg_unit_test {
	const char *name;
	void (*fn)(void);
	struct jg_unit_test *next;
};

void jg_unit_register(struct jg_unit_test *t);
extern int jg_unit_failures; /* failed checks in the running test */

#define JG_TEST(name_)                                                                  \
	static void name_(void);                                                        \
	static struct jg_unit_test name_##_reg = { #name_, name_, NULL };               \
	__attribute__((constructor)) static void name_##_ctor(void) { jg_unit_register(&name_##_reg); } \
	static void name_(void)

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			jg_unit_failures++;                                             \
		}                                                                       \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                              \
	do {                                                                            \
		long long a_ = (long long)(a), b_ = (long long)(b);                     \
		if (a_ != b_) {                                                         \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
			        __LINE__, #a, a_, #b, b_);                              \
			jg_unit_failures++;                                             \
		}                                                                       \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                              \
	do {                                                                            \
		const char *a_ = (a), *b_ = (b);                                        \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, \
			        __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");  \
			jg_unit_failures++;                                             \
		}                                                                       \
	} while (0)

/* jg_unit_policy: policy text compiled and loaded into *p (which points into the returned
 * bytes: free them after). NULL, with the error printed and the test failed, when it does not
 * compile or load. */
struct jg_policy;
unsigned char *jg_unit_policy(const char *src, struct jg_policy *p);

/* jg_unit_hex: bytes written as hex pairs (spaces ignored) into out; returns the count. */
static inline size_t jg_unit_hex(uint8_t *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == ' ')
			continue;
		if (n >= cap || !s[1]) {
			fprintf(stderr, "hex: bad test data\n");
			abort();
		}
		char b[3] = { s[0], s[1], 0 };
		out[n++] = (uint8_t)strtoul(b, NULL, 16);
		s++;
	}
	return n;
}

/* jg_unit_exact: a heap copy of n bytes and no more (so that a read past them is caught). */
static inline uint8_t *jg_unit_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (!q)
		abort();
	if (n)
		memcpy(q, p, n);
	return q;
}

#endif
