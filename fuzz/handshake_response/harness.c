/*
 * fuzz/handshake_response: jg_hs_parse_response on any bytes, as any client can send them before
 * it has authenticated (the HandshakeResponse41 payload, without the 4-byte packet header).
 *
 * Invariants: the parser returns one of its three documented values; on JG_OK every name is
 * NUL-terminated inside its field, auth points into the input, and when the packet uses a
 * length-prefixed auth response, building it again with jg_hs_build_response and parsing that
 * gives the same fields (what the gateway parsed is what it would send on).
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

static void check_names(const struct jg_hs_response *r)
{
	CHECK(memchr(r->user, '\0', sizeof(r->user)));
	CHECK(memchr(r->db, '\0', sizeof(r->db)));
	CHECK(memchr(r->plugin, '\0', sizeof(r->plugin)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[1 << 17];
	struct jg_hs_response r, again;
	size_t n;
	int rc;

	rc = jg_hs_parse_response(data, size, &r);
	CHECK(rc == JG_OK || rc == JG_ERR_PROTO || rc == JG_ERR_TOOBIG);
	if (rc != JG_OK)
		return 0;
	check_names(&r);
	CHECK(r.caps & JG_CLIENT_PROTOCOL_41);
	CHECK(r.auth_len <= size);
	CHECK(r.auth_len == 0 || (r.auth >= data && r.auth + r.auth_len <= data + size));
	if (!(r.caps & (JG_CLIENT_PLUGIN_AUTH_LENENC_DATA | JG_CLIENT_SECURE_CONNECTION)))
		return 0;                    /* old-style password: the builder does not write it */
	n = jg_hs_build_response(pkt, sizeof(pkt), 1, r.caps, r.max_packet, r.charset, r.user,
	                         r.auth, r.auth_len, r.db, r.plugin);
	CHECK(n > 4 && n <= sizeof(pkt));
	CHECK(jg_hs_parse_response(pkt + 4, n - 4, &again) == JG_OK);
	CHECK(again.caps == r.caps && again.max_packet == r.max_packet && again.charset == r.charset);
	CHECK(strcmp(again.user, r.user) == 0 && strcmp(again.db, r.db) == 0 &&
	      strcmp(again.plugin, r.plugin) == 0);
	CHECK(again.auth_len == r.auth_len &&
	      (r.auth_len == 0 || memcmp(again.auth, r.auth, r.auth_len) == 0));
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
