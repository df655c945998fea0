/*
 * backend.h: login to the backend (phases BACKEND, SQLMODE, KILL): connect, TLS, the
 * authentication plugins, as the session's database user; with a policy, the session's starting
 * sql_mode and max_allowed_packet; and killer sessions, which log in only to send KILL
 * CONNECTION for a query whose client went away. A client session ends in phase COMMAND, with
 * the client's login OK queued, or in a refusal. Runs on the session's worker.
 */
#ifndef JG_PROTO_BACKEND_H
#define JG_PROTO_BACKEND_H

#include "proto/session.h"

/* jg_backend_step: connects when not yet started, then one packet of the login (or of the
 * sql_mode probe, or of the kill). JG_OK (*progress set when something was done) or JG_WAIT. */
int jg_backend_step(struct jg_session *s, int *progress);

/* The machine (gen/backend.c from spec/backend.rl) and its actions. */
void jg_backend_machine_init(struct jg_hs *h);
int jg_backend_machine_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym,
                            const uint8_t *pkt, uint32_t len, uint8_t seq);
void jg_backend_on_greeting(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq);
void jg_backend_on_auth_switch(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq);
void jg_backend_on_more_data(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq);
void jg_backend_on_login_ok(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq);
void jg_backend_on_login_err(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq);

#endif
