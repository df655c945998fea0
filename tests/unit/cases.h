/*
 * cases.h: the reader of readable case files (tests/proto, tests/proto/datapath). A file holds
 * cases; a case starts with a "## title" line and is a list of directives, one a line: a
 * keyword and the rest of the line ('#' starts a comment outside "quotes"). The runner of each
 * kind of case gives the directives their meaning.
 */
#ifndef JG_TESTS_CASES_H
#define JG_TESTS_CASES_H

#include <stddef.h>
#include <stdint.h>

struct jg_cases {
	const char *dir;                /* the directory being run */
	const char *file;               /* the file being read */
	int line;
	char title[160];                /* of the current case */
	int failed;                     /* the current case failed */
	int passed_total, failed_total;
	/* start: a case begins (title set); directive: one line of it; finish: it ended, before
	 * its verdict is counted (may be NULL). */
	void (*start)(struct jg_cases *c);
	void (*directive)(struct jg_cases *c, char *kw, char *rest);
	void (*finish)(struct jg_cases *c);
};

/* jg_cases_run: every *.case file of dir, in name order. -1 when there is none. */
int jg_cases_run(struct jg_cases *c, const char *dir);

/* jg_cases_fail: the current case fails, with "file:line: [title] message" on stderr. */
void jg_cases_fail(struct jg_cases *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* jg_cases_bytes: HEX bytes ("fe 00 02") and "quoted strings" into out; the count or -1. */
int jg_cases_bytes(const char *s, uint8_t *out, size_t cap);

#endif
