/* driver.c: main for every harness; see fuzz.h. */
#include "fuzz.h"

#include <string.h>
#include <unistd.h>          /* read(), used by __AFL_FUZZ_TESTCASE_LEN */

#ifdef __AFL_HAVE_MANUAL_CONTROL
__AFL_FUZZ_INIT();
#endif

__attribute__((weak)) void jg_fuzz_init(void)
{
}

uint8_t *jg_fuzz_copy(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (!q)
		abort();
	if (n)
		memcpy(q, p, n);
	return q;
}

/* run_copy: the input in a heap block of its exact size, so that ASan sees any over-read. */
static void run_copy(const uint8_t *data, size_t size)
{
	uint8_t *copy = jg_fuzz_copy(data, size);

	LLVMFuzzerTestOneInput(copy, size);
	free(copy);
}

static int replay(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	run_copy(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	jg_fuzz_init();
	for (int i = 1; i < argc; i++)
		rc |= replay(argv[i]);
	if (argc > 1)
		return rc;
#ifdef __AFL_HAVE_MANUAL_CONTROL
	__AFL_INIT();
	const uint8_t *buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000))
		run_copy(buf, __AFL_FUZZ_TESTCASE_LEN);
	return 0;
#else
	fprintf(stderr, "usage: %s FILE...\n", argv[0]);
	return 2;
#endif
}
