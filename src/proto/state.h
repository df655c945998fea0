/*
 * state.h: the session state that decides how the server reads a statement (sql_mode's quoting
 * bits, character_set_client, the current database), as the server reports it: observed, never
 * predicted (docs/sql-classifier.md, "Observed state").
 *
 * The backend leg negotiates CLIENT_SESSION_TRACK whenever the server offers it, and the login
 * asks the server to report sql_mode, character_set_client and the schema on every change. Every
 * OK and EOF that ends a result passes through jg_state_end on its way to the client:
 *   - the status flags NO_BACKSLASH_ESCAPES and (MariaDB) ANSI_QUOTES, which every OK and EOF
 *     carries, set the session's quoting bits;
 *   - the session-state block sets sql_mode (MySQL, whose status has no ANSI_QUOTES flag),
 *     character_set_client and the database;
 *   - the client, which never negotiates session tracking with jitgate, gets the packet without
 *     the block and without SERVER_SESSION_STATE_CHANGED, as the server would have sent it.
 * A statement that the server rejected, or that never ran, reports nothing and changes nothing.
 * Without session tracking on the backend leg (a server that does not offer it) nothing here
 * runs: the command stage falls back to the classifier's reading of the statements it let
 * through.
 *
 * Runs on the session's worker thread; the packet is the caller's and is rewritten in place.
 */
#ifndef JG_PROTO_STATE_H
#define JG_PROTO_STATE_H

#include "jg.h"

struct jg_session;

/* The probe's query that turns reporting on (sent at login when the server tracks state). */
extern const char jg_state_track_query[];

/*
 * jg_state_end: p[0..len) is a whole OK (0x00, or 0xFE under CLIENT_DEPRECATE_EOF) or EOF that
 * ends a result, from the backend. Updates s->sql from it and returns the payload length the
 * client gets (len, or less when the state block was taken out of p). A packet that does not
 * parse is returned unchanged and changes nothing.
 */
size_t jg_state_end(struct jg_session *s, uint8_t *p, size_t len);

/* jg_state_observed: the backend leg reports state changes (CLIENT_SESSION_TRACK). */
int jg_state_observed(const struct jg_session *s);

#endif
