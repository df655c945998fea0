/*
 * client.h: login with the client (phases GREETING and AUTH): the greeting, TLS, the
 * authentication plugins and the token. It ends in phase CRED with the client's identity in
 * s->who and its HandshakeResponse41 in s->hello, or in a refusal. Runs on the session's worker.
 */
#ifndef JG_PROTO_CLIENT_H
#define JG_PROTO_CLIENT_H

#include "proto/session.h"

/* jg_client_greet: the greeting queued for a new session (phase GREETING). JG_OK or an error. */
int jg_client_greet(struct jg_session *s);

/* jg_client_step: one packet of the client's login, if one is there. JG_OK (*progress set when
 * something was done), or JG_WAIT. */
int jg_client_step(struct jg_session *s, int *progress);

/* The machine (gen/client.c from spec/client.rl) and its actions. */
void jg_client_machine_init(struct jg_hs *h);
int jg_client_machine_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym,
                           const uint8_t *pkt, uint32_t len, uint8_t seq);
void jg_client_on_ssl_request(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq);
void jg_client_on_response(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq);
void jg_client_on_auth_data(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq);

#endif
