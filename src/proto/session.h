/*
 * session.h: one client connection and its backend connection, from the greeting to the end.
 *
 *   GREETING   greeting sent; reading SSLRequest / HandshakeResponse41 (client leg machine)
 *   AUTH       TLS up; obtaining the token (clear password or caching_sha2 full authentication)
 *   CRED       token valid; waiting for the session's just-in-time database user (src/cred)
 *   BACKEND    logging in to the backend as that user (backend leg machine)
 *   SQLMODE    with a policy: reading the session's starting sql_mode, which decides how the
 *              classifier reads strings and identifiers
 *   COMMAND    forwarding commands and tracking each response (spec/response.rl)
 *   EXPIRED    the token expired: the database user is gone; the client's next command is
 *              answered with an ERR saying so, then the session ends
 *   DRAIN      refusing: our ERR is flushed, then input is drained briefly so it is not lost
 *              to a reset, then the session ends
 *
 * A "killer" session has no client leg: it logs in to the backend only to send KILL CONNECTION
 * for a query whose client went away.
 *
 * Ownership: sessions are allocated by jg_session_accept / jg_session_killer and freed by their
 * worker (jg_worker_release) after jg_session_run marks them DEAD. Direction buffers are lent by
 * the worker's pool while bytes are in flight and given back when empty, so an idle session
 * holds none. The token never leaves the
 * function that verifies it; buffers that held it are wiped.
 */
#ifndef JG_PROTO_SESSION_H
#define JG_PROTO_SESSION_H

#include "auth/auth.h"
#include "net/conn.h"
#include "proto/frame.h"
#include "proto/handshake.h"
#include "proto/resp.h"
#include "sql/sql.h"

#define JG_DIR_BUF (17 * 1024)  /* holds a JG_TOKEN_MAX password packet whole */
#define JG_OUT_BUF 1024         /* packets the gateway writes itself */

enum jg_phase { JG_PH_GREETING, JG_PH_AUTH, JG_PH_CRED, JG_PH_BACKEND, JG_PH_SQLMODE,
                JG_PH_COMMAND, JG_PH_EXPIRED, JG_PH_KILL, JG_PH_DRAIN, JG_PH_DEAD };
enum jg_leg { JG_LEG_CLIENT = 0, JG_LEG_BACKEND = 1, JG_LEG_LISTEN = 2 };

/*
 * One direction of the byte stream. Bytes in [w, r) are parsed and may be forwarded; bytes in
 * [r, end) are read but not yet parsed.
 */
struct jg_dir {
	size_t w, r, end;
	struct jg_frame f;
	uint8_t discard;        /* drop the current logical packet instead of forwarding it */
	uint8_t *buf;           /* JG_DIR_BUF bytes from the worker's pool; NULL while empty */
};

struct jg_out {
	size_t off, len;
	uint8_t buf[JG_OUT_BUF];
};

struct jg_gateway;
struct jg_worker;
struct jg_lease;

/* Epoll registration of one leg: the session and which leg (see loop.c). */
struct jg_ev {
	struct jg_session *s;
	int leg;
	uint32_t events;        /* currently registered */
};

struct jg_session {
	struct jg_gateway *gw;
	struct jg_worker *wk;
	struct jg_session *prev, *next;  /* the worker's list */
	enum jg_phase phase;
	uint32_t id;                     /* connection id given to the client */
	int64_t deadline_ms;             /* handshake, idle or drain deadline; 0 = none */

	struct jg_conn cl, be;
	struct jg_ev cl_ev, be_ev;
	uint32_t be_events;              /* last readiness seen on the backend leg */
	uint8_t be_connecting;
	uint8_t quitting;                /* COM_QUIT seen: end once it is forwarded */

	struct jg_hs hs_cl, hs_be;
	const uint8_t *pkt;              /* packet being handled by a machine action */
	uint32_t pkt_len;
	uint8_t pkt_seq;
	uint8_t cl_seq;                  /* next sequence id on the client leg (connection phase) */
	uint8_t be_seq;
	uint8_t auth_step;               /* client leg: what the next auth packet is */
	uint8_t tls_up;

	uint8_t scramble[JG_SCRAMBLE_LEN];
	struct jg_hs_response hello;     /* the client's HandshakeResponse41 (auth fields cleared) */
	struct jg_greeting be_greet;
	uint32_t be_caps;
	uint32_t kill_id;                /* killer session: backend thread to kill */
	struct jg_identity who;
	struct jg_lease *lease;          /* the just-in-time user (NULL in shared mode) */
	const char *be_user, *be_pass;   /* what the backend login uses (lease or config) */
	int64_t expires_ms;              /* token expiry plus grace (monotonic); 0 = none */
	int64_t expires_at;              /* the same in seconds since the epoch */
	const char *end_reason;          /* for the ledger when the user is dropped */

	struct jg_resp resp;
	struct jg_sql_session sql;       /* sql_mode and database, as the server sees them */
	unsigned sql_mode0;              /* the sql_mode the session started with (reset restores it) */
	uint16_t login_status;           /* server status of the backend's login OK */
	struct jg_out cout, bout;
	struct jg_dir c2b, b2c;
};

/* jg_session_accept: a new client connection on fd (non-blocking); sends the greeting. */
struct jg_session *jg_session_accept(struct jg_gateway *gw, struct jg_worker *wk, int fd);

/* jg_session_killer: a backend-only session that kills backend thread id. */
struct jg_session *jg_session_killer(struct jg_gateway *gw, struct jg_worker *wk, uint32_t id);

/* jg_session_event: readiness on one leg; runs the session as far as it can go. */
void jg_session_event(struct jg_session *s, int leg, uint32_t events);

/* jg_session_tick: called every JG_TICK_MS; enforces deadlines. */
void jg_session_tick(struct jg_session *s, int64_t now_ms);

/* jg_session_close: ends the session at once (used at shutdown). */
void jg_session_close(struct jg_session *s);

#endif
