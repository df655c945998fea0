/*
 * fuzz/greeting: jg_hs_parse_greeting on any bytes, as a backend (or whoever answers on its
 * address before TLS) can send them: the HandshakeV10 payload without the packet header.
 *
 * Invariants: one of the documented return values; on JG_OK the strings are NUL-terminated in
 * their fields, both capabilities the parser insists on are set, and building a greeting from
 * the parsed fields and parsing it again gives the same fields.
 *
 * Build and run: `make fuzz-replay`, `make fuzz` (docs/fuzzing.md).
 */
#include "proto/handshake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pkt[256];
	struct jg_greeting g, again;
	size_t n;
	int rc;

	rc = jg_hs_parse_greeting(data, size, &g);
	CHECK(rc == JG_OK || rc == JG_ERR_PROTO || rc == JG_ERR_TOOBIG);
	if (rc != JG_OK)
		return 0;
	CHECK(memchr(g.version, '\0', sizeof(g.version)));
	CHECK(memchr(g.plugin, '\0', sizeof(g.plugin)));
	CHECK(g.caps & JG_CLIENT_PROTOCOL_41);
	CHECK(g.caps & JG_CLIENT_SECURE_CONNECTION);
	if (!(g.caps & JG_CLIENT_PLUGIN_AUTH))
		CHECK(strcmp(g.plugin, "mysql_native_password") == 0);
	n = jg_hs_build_greeting(pkt, sizeof(pkt), g.version, g.thread_id, g.scramble, g.caps,
	                         g.charset, g.status);
	CHECK(n > 4);
	CHECK(jg_hs_parse_greeting(pkt + 4, n - 4, &again) == JG_OK);
	CHECK(strcmp(again.version, g.version) == 0 && again.thread_id == g.thread_id);
	CHECK(memcmp(again.scramble, g.scramble, sizeof(g.scramble)) == 0);
	CHECK(again.caps == g.caps && again.charset == g.charset && again.status == g.status);
	return 0;
}

/* ---- driver: AFL++ persistent mode without arguments, replay of the named files otherwise ---- */

#ifdef __AFL_HAVE_MANUAL_CONTROL
__AFL_FUZZ_INIT();
#endif

/* run_copy: the input in a heap block of its exact size, so that ASan sees any over-read. */
static void run_copy(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	memcpy(copy, data, size);
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
