/*
 * tls_engine.h: the per-leg BearSSL engine behind struct jg_conn. Private to src/tls/tls.c and
 * src/net/conn.c; nothing else includes it.
 *
 * Ownership: jg_tls_new_server / jg_tls_new_client allocate one block holding the engine, the
 * X.509 context and the record buffer (no allocation after that); jg_tls_free releases it. The
 * shared jg_tls_server / jg_tls_client it was made from must outlive it: the engine points into
 * their chain, key and trust anchors.
 */
#ifndef JG_TLS_ENGINE_H
#define JG_TLS_ENGINE_H

#include <bearssl.h>

#include "tls/tls.h"

/*
 * "No anchor" X.509 class for JG_TLS_NOVERIFY: decodes only the end-entity certificate to get
 * its public key (RSA or EC) and accepts any chain. br_x509_decoder keeps the key bytes inside
 * its own context, so get_pkey points into this struct, which lives as long as the engine.
 */
struct jg_x509_noanchor {
	const br_x509_class *vtable;    /* first: BearSSL passes &vtable as the context */
	br_x509_decoder_context dec;
	unsigned ncert;                 /* certificates seen in the current chain */
};

struct jg_tls {
	union {
		br_ssl_server_context srv;
		br_ssl_client_context cli;
	} ctx;
	br_ssl_engine_context *eng;     /* &ctx.srv.eng or &ctx.cli.eng */
	br_x509_minimal_context xmin;   /* client leg, JG_TLS_VERIFY */
	struct jg_x509_noanchor noanchor;       /* client leg, JG_TLS_NOVERIFY */
	int err;                /* sticky enum jg_err once the leg is dead; JG_OK while alive */
	int established;        /* handshake reached application data at least once */
	int unflushed;          /* plaintext accepted by jg_conn_write, not yet in a record */
	int want_write;         /* jg_conn_write last said JG_WAIT: jg_conn_events asks EPOLLOUT */
	char errmsg[128];       /* what jg_conn_tls_error answers */
	/*
	 * Read-ahead: the engine asks for a record header (5 bytes) and then its body, so conn.c
	 * reads whatever the socket has into a per-thread scratch buffer in one call and keeps here
	 * what the engine could not take yet (malloc'd only then; freed when drained).
	 */
	unsigned char *ra;
	size_t ra_off, ra_len;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/*
 * jg_tls_new_server / jg_tls_new_client: a fresh engine, reset and ready for the first record.
 * NULL means out of memory; otherwise check ->err (JG_ERR_TLS with ->errmsg set when BearSSL
 * refused to start, e.g. BR_ERR_NO_RANDOM). server_name may be NULL only with JG_TLS_NOVERIFY.
 */
struct jg_tls *jg_tls_new_server(const struct jg_tls_server *srv);
struct jg_tls *jg_tls_new_client(const struct jg_tls_client *cli, const char *server_name);
void jg_tls_free(struct jg_tls *t);

/*
 * jg_tls_fail: marks the leg dead with err (the first failure wins and stays) and returns the
 * sticky value. why == NULL names the engine's BearSSL error instead.
 */
int jg_tls_fail(struct jg_tls *t, int err, const char *why);

/* jg_tls_br_error_name: a readable name for a br_err code (BearSSL's BR_ERR_* values). */
const char *jg_tls_br_error_name(int br_err, char *buf, size_t len);

#endif
