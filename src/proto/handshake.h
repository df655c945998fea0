/*
 * handshake.h: the packets of the connection phase on both legs (the machines are
 * spec/client.rl and spec/backend.rl): greeting, HandshakeResponse41, SSLRequest, and the
 * client side of the mysql_native_password and caching_sha2_password scrambles. OK, ERR and
 * other packets of any phase are pkt.h's.
 *
 * All builders write into caller-owned buffers and return the bytes written (header included),
 * or 0 when the buffer is too small. Nothing here allocates.
 */
#ifndef JG_PROTO_HANDSHAKE_H
#define JG_PROTO_HANDSHAKE_H

#include "jg.h"
#include "proto/pkt.h"      /* capability flags, jg_rd / jg_wr, the generic builders */

/*
 * What the gateway can inspect and so offers to clients (and asks of the backend). Not offered:
 * COMPRESS (hides statements), LOCAL_FILES (lets the server read client files), SESSION_TRACK
 * (OK packets the gateway would have to rewrite), query attributes and optional metadata.
 */
#define JG_CAPS_OFFERED (JG_CLIENT_LONG_PASSWORD | JG_CLIENT_FOUND_ROWS | JG_CLIENT_LONG_FLAG | \
	JG_CLIENT_CONNECT_WITH_DB | JG_CLIENT_ODBC | JG_CLIENT_IGNORE_SPACE | JG_CLIENT_PROTOCOL_41 | \
	JG_CLIENT_INTERACTIVE | JG_CLIENT_TRANSACTIONS | JG_CLIENT_SECURE_CONNECTION | \
	JG_CLIENT_MULTI_STATEMENTS | JG_CLIENT_MULTI_RESULTS | JG_CLIENT_PS_MULTI_RESULTS | \
	JG_CLIENT_PLUGIN_AUTH | JG_CLIENT_CONNECT_ATTRS | JG_CLIENT_PLUGIN_AUTH_LENENC_DATA | \
	JG_CLIENT_DEPRECATE_EOF)

/* Capabilities that change the command phase: client and backend must agree on them. */
#define JG_CAPS_MUST_MATCH (JG_CLIENT_DEPRECATE_EOF | JG_CLIENT_MULTI_RESULTS | \
	JG_CLIENT_PS_MULTI_RESULTS | JG_CLIENT_PROTOCOL_41)

#define JG_SCRAMBLE_LEN 20
#define JG_NAME_MAX 128          /* user, database and plugin names we accept */

/* Machine state of one leg's connection phase (spec/client.rl, spec/backend.rl). */
struct jg_hs {
	int cs;
};

/* The server greeting (Protocol::HandshakeV10) as parsed on the backend leg. */
struct jg_greeting {
	char version[96];
	uint32_t thread_id;
	uint8_t scramble[JG_SCRAMBLE_LEN];
	uint32_t caps;
	uint8_t charset;
	uint16_t status;
	char plugin[64];
};

/* A HandshakeResponse41 as parsed on the client leg. Pointers borrow the packet buffer. */
struct jg_hs_response {
	uint32_t caps;
	uint32_t max_packet;
	uint8_t charset;
	char user[JG_NAME_MAX];
	const uint8_t *auth;
	size_t auth_len;
	char db[JG_NAME_MAX];
	char plugin[64];
	/* Connection attributes named "jitgate.NAME" as policy tags "NAME=VALUE ..." (untrusted:
	 * tags only narrow what identity grants). Others are not kept. */
	char tags[512];
	/* Every connection attribute (lenenc key, lenenc value), as many whole pairs as fit, for the
	 * session's audit record; attributes are the client's word, never trusted. */
	uint8_t attrs[1024];
	uint16_t attrs_len;
};

/* Parsers: JG_OK, JG_ERR_PROTO when malformed, JG_ERR_TOOBIG when a name is over its bound. */
int jg_hs_parse_greeting(const uint8_t *p, size_t len, struct jg_greeting *g);
int jg_hs_parse_response(const uint8_t *p, size_t len, struct jg_hs_response *r);

/* Builders: bytes written including the 4-byte header, 0 if cap is too small. */
size_t jg_hs_build_greeting(uint8_t *out, size_t cap, const char *version, uint32_t thread_id,
                            const uint8_t scramble[JG_SCRAMBLE_LEN], uint32_t caps,
                            uint8_t charset, uint16_t status);
size_t jg_hs_build_ssl_request(uint8_t *out, size_t cap, uint8_t seq, uint32_t caps,
                               uint32_t max_packet, uint8_t charset);
size_t jg_hs_build_response(uint8_t *out, size_t cap, uint8_t seq, uint32_t caps,
                            uint32_t max_packet, uint8_t charset, const char *user,
                            const uint8_t *auth, size_t auth_len, const char *db,
                            const char *plugin);

/*
 * jg_hs_scramble: the auth response for plugin ("mysql_native_password": 20 bytes,
 * "caching_sha2_password": 32 bytes) from password and the server's scramble. Returns the length,
 * 0 for an empty password (the protocol sends nothing), -1 for an unknown plugin.
 */
int jg_hs_scramble(const char *plugin, const char *password, const uint8_t *scramble,
                   size_t scramble_len, uint8_t out[32]);

#endif
