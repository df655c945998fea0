/*
 * conn.h: one leg of a session (client or backend): a non-blocking socket, optionally wrapped in
 * a BearSSL engine. The session code above sees plaintext only and never blocks.
 *
 * Return values (enum jg_err): JG_OK progress was made; JG_WAIT nothing can be done until the
 * socket is ready again (ask jg_conn_events() which readiness); JG_ERR_CLOSED the peer ended the
 * stream in order; JG_ERR_IO / JG_ERR_TLS the leg is dead.
 *
 * Ownership: struct jg_conn is embedded in the session that owns it; the TLS engine and its buffer
 * are allocated by jg_conn_start_tls_* and freed by jg_conn_close. The jg_tls_server and
 * jg_tls_client contexts (src/tls/tls.h) are shared by all sessions, read-only, and must outlive them.
 */
#ifndef JG_NET_CONN_H
#define JG_NET_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct jg_tls;          /* per-leg BearSSL engine, private to src/tls */
struct jg_tls_server;   /* shared server credentials: see src/tls/tls.h */
struct jg_tls_client;   /* shared client trust settings: see src/tls/tls.h */

struct jg_conn {
	int fd;                 /* -1 when closed */
	struct jg_tls *tls;     /* NULL on a plain leg */
	/*
	 * rd_ready: the socket may have bytes. Cleared when recv says EAGAIN, set again by the
	 * owner when epoll reports EPOLLIN: reads in between return JG_WAIT without a system call
	 * (level-triggered epoll reports bytes that arrive meanwhile).
	 */
	uint8_t rd_ready;
};

/* jg_conn_init: a plain leg over an already non-blocking fd. */
void jg_conn_init(struct jg_conn *c, int fd);

/*
 * jg_conn_connect: a plain leg to addr: a non-blocking TCP socket (TCP_NODELAY) whose connect
 * has started. JG_OK: wait for EPOLLOUT, then ask jg_conn_connected. JG_ERR_IO: no socket or an
 * immediate failure, with the kernel's reason in *why (a static string).
 */
int jg_conn_connect(struct jg_conn *c, const struct sockaddr *addr, socklen_t len,
                    const char **why);

/* jg_conn_connected: after EPOLLOUT (or an error) on a connecting leg: JG_OK, or JG_ERR_IO with
 * the kernel's reason in *why. */
int jg_conn_connected(struct jg_conn *c, const char **why);

/* jg_conn_shutdown_write: no more bytes will be sent (the peer reads end of stream). */
void jg_conn_shutdown_write(struct jg_conn *c);

/*
 * jg_net_read_packet_blocking: connects to addr, reads one MySQL packet (the server greeting)
 * with a timeout of ms per step, and closes. JG_OK with the whole packet, header included, in
 * buf[0..*len); JG_ERR_IO with *why, or JG_ERR_TOOBIG. Used once at start, before the workers run.
 */
int jg_net_read_packet_blocking(const struct sockaddr *addr, socklen_t alen, int ms, uint8_t *buf,
                                size_t cap, size_t *len, const char **why);

/*
 * jg_conn_read: up to cap bytes of plaintext into buf; *got is set when JG_OK is returned (> 0).
 * On a TLS leg it also drives the handshake and may need to write; keep calling until JG_WAIT.
 */
int jg_conn_read(struct jg_conn *c, uint8_t *buf, size_t cap, size_t *got);

/*
 * jg_conn_write: hands up to len bytes of plaintext to the leg; *put says how many were taken
 * (JG_OK with *put > 0, or JG_WAIT with *put == 0). On a TLS leg the bytes are in the engine but
 * may not be on the wire yet: call jg_conn_flush.
 */
int jg_conn_write(struct jg_conn *c, const uint8_t *buf, size_t len, size_t *put);

/* jg_conn_flush: pushes everything accepted so far to the kernel: JG_OK when nothing is pending. */
int jg_conn_flush(struct jg_conn *c);

/* jg_conn_pending: non-zero while plaintext or records wait in the TLS engine (read or write side). */
int jg_conn_pending(const struct jg_conn *c);

/* jg_conn_events: the EPOLLIN / EPOLLOUT bits this leg needs for its next step. */
uint32_t jg_conn_events(const struct jg_conn *c);

/*
 * jg_conn_start_tls_server: from now on the leg speaks TLS as server. pre/prelen are bytes
 * already read from the socket past the SSLRequest (the start of the ClientHello): they are fed
 * to the engine first. Returns JG_OK or JG_ERR_NOMEM / JG_ERR_TLS.
 */
int jg_conn_start_tls_server(struct jg_conn *c, const struct jg_tls_server *srv,
                             const uint8_t *pre, size_t prelen);

/* jg_conn_start_tls_client: the leg speaks TLS as client to server_name (SNI and name check). */
int jg_conn_start_tls_client(struct jg_conn *c, const struct jg_tls_client *cli,
                             const char *server_name);

/* jg_conn_tls_error: a human-readable reason after JG_ERR_TLS (BearSSL's error code named). */
const char *jg_conn_tls_error(const struct jg_conn *c);

/* jg_conn_close: best-effort close_notify, frees the engine, closes the fd; safe to call twice. */
void jg_conn_close(struct jg_conn *c);

#endif
