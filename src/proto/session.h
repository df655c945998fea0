/*
 * session.h: what the parts of a session call (the session core, core.c) and how a session
 * starts (session.c). Types are in session-t.h; the parts are:
 *
 *   client.c   login with the client: greeting, TLS, auth plugins, the token
 *   backend.c  login to the backend: connect, TLS, auth plugins, sql_mode, killer sessions
 *   command.c  the command stage: client commands, admission, session state
 *   result.c   the result stage: responses, result stages
 *   session.c  the conductor: events, phases, deadlines, expiry, credentials
 *
 * The parts use the core and the pump (pump.h); none calls another; the conductor calls the
 * parts, and the command and result stages reach features only through stage.h.
 */
#ifndef JG_PROTO_SESSION_H
#define JG_PROTO_SESSION_H

#include "proto/session-t.h"

/* ---- the core (core.c) ---- */

/* jg_session_init: a zeroed session on worker wk (NULL in tests) with a fresh connection id. */
void jg_session_init(struct jg_session *s, struct jg_gateway *gw, struct jg_worker *wk);

/*
 * jg_session_refuse: an ERR to the client, then DRAIN: the ERR is flushed, input drained
 * briefly, and the session ends. During the connection phase the ERR takes the next sequence id
 * of the handshake (cl_seq); in the command phase it answers the current command. A session
 * without a client (a killer) simply ends. The session's database user is released.
 */
void jg_session_refuse(struct jg_session *s, enum jg_er e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* jg_session_logged_in: both legs are logged in: the admission stages hear of it (logged_in). */
void jg_session_logged_in(struct jg_session *s);

/* jg_session_fail: the session cannot go on and nobody can be told: log why and end. */
void jg_session_fail(struct jg_session *s, const char *why);

/* jg_session_close: ends the session at once: legs closed, user released, buffers returned. */
void jg_session_close(struct jg_session *s);

/* jg_session_release_cred: the database user is no longer needed (dropped in the background). */
void jg_session_release_cred(struct jg_session *s, const char *reason);

/* jg_session_statement_limit: the bytes of one command the command stage holds whole to judge
 * it: [limits] statement, or the backend's max_allowed_packet (16 MiB while unknown), at most
 * JG_LIMIT_MAX. */
size_t jg_session_statement_limit(const struct jg_session *s);

/* jg_session_multi_statements: 0 when the policy in force gives the session's role
 * `multi_statements off` (one statement per query); 1 otherwise. */
int jg_session_multi_statements(const struct jg_session *s);

/* jg_printable: s with non-printable bytes and quotes as '?', for messages and logs. */
const char *jg_printable(const char *s, char *out, size_t cap);

/* ---- the conductor (session.c) ---- */

/* jg_session_accept: a new client connection on fd (non-blocking); sends the greeting.
 * Signature of struct jg_loop_conf's accept: arg is the struct jg_gateway. */
void jg_session_accept(void *gw, struct jg_worker *wk, int fd);

/* jg_session_stages: the product's stages in their slots (stage.h), for a new session. */
void jg_session_stages(struct jg_session *s);

/* jg_session_killer: a backend-only session that kills backend thread id. */
struct jg_session *jg_session_killer(struct jg_gateway *gw, struct jg_worker *wk, uint32_t id);

/* jg_session_resume: an admission stage that said WAIT is ready to be asked again (on the
 * session's worker, from the post the stage arranged). */
void jg_session_resume(struct jg_session *s);

#endif
