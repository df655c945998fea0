/*
 * tls.h: BearSSL credentials and trust shared by all sessions, and the per-leg engine behind
 * struct jg_conn (src/net/conn.h). TLS 1.2 (BearSSL's highest), ECDHE suites with AES-GCM or
 * ChaCha20-Poly1305 only.
 *
 * Ownership: jg_tls_server_load / jg_tls_client_load allocate; the caller frees with the matching
 * _free once no session uses them. They are read-only after load and may be shared across threads.
 */
#ifndef JG_TLS_H
#define JG_TLS_H

#include <stddef.h>
#include <stdint.h>

struct jg_tls_server;
struct jg_tls_client;

/*
 * jg_tls_server_load: certificate chain (PEM, leaf first) and private key (PEM: PKCS#8, or
 * traditional RSA / EC) for the client leg. RSA and EC keys are both accepted. On failure returns
 * JG_ERR_CONFIG and writes a message naming the file and the problem into err.
 */
int jg_tls_server_load(struct jg_tls_server **out, const char *cert_file, const char *key_file,
                       char *err, size_t errlen);
void jg_tls_server_free(struct jg_tls_server *s);

enum jg_tls_verify { JG_TLS_NOVERIFY = 0, JG_TLS_VERIFY = 1 };

/*
 * jg_tls_client_load: trust for the backend leg. With JG_TLS_VERIFY, ca_file (PEM, one or more
 * certificates) holds the trust anchors and the server's chain and name are checked; with
 * JG_TLS_NOVERIFY the link is encrypted but the server is not authenticated (ca_file may be NULL).
 */
int jg_tls_client_load(struct jg_tls_client **out, enum jg_tls_verify mode, const char *ca_file,
                       char *err, size_t errlen);
void jg_tls_client_free(struct jg_tls_client *c);

#endif
