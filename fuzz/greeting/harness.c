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
#include "fuzz.h"
#include "proto/handshake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
