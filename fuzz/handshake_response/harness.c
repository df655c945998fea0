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
#include "fuzz.h"
#include "proto/handshake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
