/*
 * Unit test runner: runs every registered test (or those whose name contains argv[1]) and ends
 * with "N passed, N failed". `unit proto DIR` runs the protocol case files instead (proto_cases.c),
 * `unit datapath DIR` the datapath case files (dp_cases.c).
 */
#include "unit.h"

#include "policy/policy.h"

#include <stdlib.h>

int jg_unit_failures;
static struct jg_unit_test *tests;

unsigned char *jg_unit_policy(const char *src, struct jg_policy *p)
{
	struct jg_policy_error perr;
	uint8_t *bytes = NULL;
	size_t len;
	char why[256];

	if (jg_policy_compile(src, strlen(src), "t.policy", &bytes, &len, &perr) != JG_OK) {
		fprintf(stderr, "policy does not compile: %s\n", perr.text);
		jg_unit_failures++;
		return NULL;
	}
	if (jg_policy_load(bytes, len, p, why, sizeof(why)) != JG_OK) {
		fprintf(stderr, "policy does not load: %s\n", why);
		jg_unit_failures++;
		free(bytes);
		return NULL;
	}
	return bytes;
}

void jg_unit_register(struct jg_unit_test *t)
{
	t->next = tests;
	tests = t;
}

int jg_proto_run_cases(const char *dir, int *passed, int *failed);
int jg_datapath_run_cases(const char *dir, int *passed, int *failed);

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	struct jg_unit_test *t, *rev = NULL;

	if (argc == 3 && strcmp(argv[1], "proto") == 0) {
		jg_proto_run_cases(argv[2], &passed, &failed);
		printf("proto: %d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	if (argc == 3 && strcmp(argv[1], "datapath") == 0) {
		jg_datapath_run_cases(argv[2], &passed, &failed);
		printf("datapath: %d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	while (tests) {            /* registration order is reverse; run in file order */
		t = tests;
		tests = t->next;
		t->next = rev;
		rev = t;
	}
	for (t = rev; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		jg_unit_failures = 0;
		t->fn();
		if (jg_unit_failures) {
			printf("FAIL %s\n", t->name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
