/*
 * dp.h: drives a session's data path without sockets, for the datapath cases (tests/proto/datapath)
 * and the datapath fuzz target (fuzz/datapath). A session in phase COMMAND gets the product's
 * stages (jg_session_stages), or test stages in their slots; bytes from "the client" and "the
 * database" go into its direction buffers as the pump would put them, the command and result
 * stages run, and whatever they let through lands in two sinks: what reached the database and
 * what reached the client. Nothing here is used by the gateway itself.
 */
#ifndef JG_TESTS_DP_H
#define JG_TESTS_DP_H

#include "gw/gateway.h"
#include "policy/policy.h"
#include "proto/session.h"

/* A byte queue: input waiting to enter a direction buffer, or a sink with a read position. */
struct dp_bytes {
	uint8_t *p;
	size_t len, off;
};

struct dp {
	struct jg_config cfg;
	struct jg_gateway gw;
	struct jg_policy pol;
	uint8_t *polbytes;
	struct jg_session s;
	struct dp_bytes from_client, from_server;   /* not yet in the direction buffers */
	struct dp_bytes to_server, to_client;       /* what went through */
	unsigned steps;                             /* rounds of dp_run, for the fuzzer's bound */
};

enum {
	DP_DEPRECATE_EOF = 1u << 0,     /* CLIENT_DEPRECATE_EOF negotiated */
	DP_REWRITE = 1u << 1,           /* a test result stage that upper-cases text rows and
	                                 * column names (slot JG_RESULT_MASK) */
	DP_WAIT = 1u << 2,              /* a test admission stage that holds every COM_QUERY until
	                                 * dp_resume (slot JG_ADMIT_REVIEW) */
	DP_OBSERVE = 1u << 3,           /* a test result stage that reads every row, rewriting none */
	DP_TRACK = 1u << 4,             /* the backend leg negotiated CLIENT_SESSION_TRACK (state.h) */
	DP_RECORD = 1u << 5,            /* the session is recorded (strict, with the journal) into
	                                 * a store of the process's, shared by every dp session of
	                                 * the mode (dp_recorded) */
	DP_BATCHED = 1u << 6,           /* with DP_RECORD: recorded in batched mode instead */
};

/* dp_init: a session in phase COMMAND; policy_text (NULL: none) compiled and put in force.
 * JG_OK, or an error with the reason on stderr. */
int dp_init(struct dp *dp, const char *policy_text, unsigned flags);
void dp_free(struct dp *dp);

/* dp_client / dp_server: bytes sent by the client / the database (framed already). */
void dp_client(struct dp *dp, const uint8_t *p, size_t n);
void dp_server(struct dp *dp, const uint8_t *p, size_t n);

/* dp_client_packet: a whole logical packet of len payload bytes (split at 16 MiB), seq on. */
void dp_client_packet(struct dp *dp, uint8_t seq, const uint8_t *payload, size_t len);
void dp_server_packet(struct dp *dp, uint8_t seq, const uint8_t *payload, size_t len);

/* dp_run: moves bytes until nothing moves. JG_OK, or the error a stage ended with (the session
 * then stops: dp_dead). */
int dp_run(struct dp *dp);

/* dp_recorded: the body of the newest record of kind (audit.h's JG_AUDIT_K_*) in the shared
 * store, once everything handed over is committed, into out; 0, or -1 when there is none. */
int dp_recorded(const char *kind, char *out, size_t cap);

/* dp_resume: the waiting test stage lets the held command go (then runs). */
void dp_resume(struct dp *dp);

/* dp_dead: the session ended (refused with an ERR, or failed). */
int dp_dead(const struct dp *dp);

/*
 * dp_next: the next logical packet in a sink (reassembled from 16 MiB pieces): its payload
 * copied into a malloc'd *payload (the caller frees), its length and first sequence id. 1 when
 * one was there, 0 when the sink is read to its end, -1 when what is there is not a whole
 * packet.
 */
int dp_next(struct dp_bytes *sink, uint8_t **payload, size_t *len, uint8_t *seq);

/* The test stages' counters, for the cases. */
extern unsigned dp_rows_seen, dp_waits;

#endif
