/*
 * session-t.h: the types of a session (prototypes are in session.h). A session is one client
 * connection and its backend connection, from the greeting to the end, in phases:
 *
 *   GREETING   greeting sent; reading SSLRequest / HandshakeResponse41         client.c
 *   AUTH       TLS up; obtaining the token (clear password or caching_sha2)    client.c
 *   CRED       token valid; waiting for the session's database user            session.c
 *   BACKEND    logging in to the backend as that user                          backend.c
 *   SQLMODE    with a policy: reading the session's starting sql_mode          backend.c
 *   COMMAND    commands and their responses                                    command.c, result.c
 *   EXPIRED    the token expired: the next command gets an ERR saying so       session.c
 *   KILL       a killer session sends KILL CONNECTION                          backend.c
 *   DRAIN      our ERR is flushed, input drained briefly, then the end         session.c
 *
 * Each part owns its fields below (the comment of each group names it); the parts read each
 * other's results (who the client is, what the backend agreed to) but call only the session
 * core (core.c) and the pump (pump.h), never each other.
 *
 * Ownership: session.c allocates a session and frees it (through the worker's task list) after
 * it reached DEAD. Direction buffers are lent by the worker's pool while bytes are in flight;
 * staging buffers by the thread's pool while a stage holds something. The token never leaves the
 * function that verifies it; buffers that held it are wiped.
 */
#ifndef JG_PROTO_SESSION_T_H
#define JG_PROTO_SESSION_T_H

#include "auth/auth.h"
#include "net/conn.h"
#include "net/loop.h"
#include "proto/handshake.h"
#include "proto/pump.h"
#include "proto/resp.h"
#include "proto/stage.h"
#include "sql/sql.h"

enum jg_phase { JG_PH_GREETING, JG_PH_AUTH, JG_PH_CRED, JG_PH_BACKEND, JG_PH_SQLMODE,
                JG_PH_COMMAND, JG_PH_EXPIRED, JG_PH_KILL, JG_PH_DRAIN, JG_PH_DEAD };

struct jg_gateway;
struct jg_lease;
struct jg_mask_sess;
struct jg_rec_sess;

/* Per-session counters of the metrics result stage (metrics.c). */
struct jg_metrics {
	uint64_t commands, refused, results, rows, affected, warnings, errors;
};

struct jg_session {
	struct jg_task task;             /* on the worker's list: ticks, shutdown, free */
	struct jg_gateway *gw;
	struct jg_worker *wk;            /* NULL in tests that drive the stages without sockets */
	enum jg_phase phase;
	uint32_t id;                     /* connection id given to the client */
	int64_t deadline_ms;             /* handshake, idle or drain deadline; 0 = none */
	const char *end_reason;          /* for the ledger when the user is dropped */

	/* The legs and the pump (core.c, pump.c). */
	struct jg_conn cl, be;
	struct jg_ev cl_ev, be_ev;
	uint32_t be_events;              /* readiness last seen on the backend leg */
	uint8_t be_connecting;
	uint8_t cl_seq;                  /* sequence id of the gateway's next packet to the client */
	struct jg_out cout, bout;
	struct jg_dir c2b, b2c;

	/* Login with the client (client.c): who the client is. */
	struct {
		struct jg_hs hs;
		uint8_t auth_step;           /* what the next authentication packet is */
		uint8_t tls_up;
		uint8_t scramble[JG_SCRAMBLE_LEN];
	} lc;
	struct jg_hs_response hello;     /* the client's HandshakeResponse41 (auth fields cleared) */
	struct jg_identity who;

	/* Credentials (session.c): the database user the session logs in as. */
	struct jg_lease *lease;          /* the just-in-time user (NULL in shared mode) */
	const char *be_user, *be_pass;   /* what the backend login uses (lease or config) */
	int64_t expires_ms;              /* token expiry plus grace, or the role's ttl (monotonic) */
	int64_t expires_at;              /* the same in seconds since the epoch; 0 = none */
	uint8_t cred_asked;              /* the lease was asked for */
	int64_t key_gone_ms;             /* when the token's signing key was seen removed; 0 = not */

	/* Login to the backend (backend.c): what the backend agreed to. */
	struct {
		struct jg_hs hs;
		uint8_t started;             /* the connect was started */
		uint8_t seq;                 /* next sequence id on the backend leg */
		uint16_t status;             /* server status of the login OK */
		uint32_t caps;               /* capabilities of the backend leg */
		uint32_t kill_id;            /* killer session: the backend thread to kill */
		uint64_t max_packet;         /* the backend's max_allowed_packet, 0 = unknown */
		uint8_t probes;              /* login queries still to answer (SQLMODE phase) */
		struct jg_greeting greet;
	} lb;

	/* The server's session as the classifier must read it (backend.c sets, command.c follows). */
	struct jg_sql_session sql;
	unsigned sql_mode0;              /* the sql_mode the session started with */
	uint8_t charset0;                /* and its character_set_client (enum jg_sql_charset) */

	/* The response machine (spec/response.rl): where the conversation is. */
	struct jg_resp resp;

	/* The command stage (command.c). */
	struct {
		uint8_t quitting;            /* COM_QUIT forwarded: end once it is written */
		uint8_t parked;              /* an admission stage said WAIT */
		uint8_t resumed;             /* ... and jg_session_resume was called since */
		uint8_t slot;                /* the admission slot to run next */
		uint8_t staging;             /* the command is being assembled whole in stmt */
		uint8_t held;                /* the staged command is whole, waiting for admission */
		uint8_t seq;                 /* its first sequence id */
		uint32_t stmt_id;            /* the statement the command in flight names, or 0 */
		struct jg_stagebuf stmt;     /* a command held whole (out of place), then its packets */
	} cmd;
	const struct jg_admit_stage *admit[JG_ADMIT_SLOTS];

	/* The result stage (result.c). */
	struct {
		uint8_t began;               /* the stages were asked what they want of the response */
		uint8_t copy;                /* the response takes the copy path */
		uint8_t drop;                /* the rest of the response is dropped */
		uint8_t open;                /* a packet is being assembled in pkt */
		uint8_t seq;                 /* next sequence id toward the client (copy path) */
		unsigned want;               /* what the stages want of this response (JG_RS_*) */
		unsigned wants[JG_RESULT_SLOTS];
		unsigned rows;               /* bit i: stage i wants the rows of this result set */
		unsigned col;                /* definition index in the current result set */
		struct jg_stagebuf pkt;      /* the packet being assembled (payload only) */
		struct jg_stagebuf alt;      /* where a stage writes a rewritten packet */
		struct jg_stagebuf out;      /* packets ready for the client (the direction's side) */
		struct jg_result_summary sum;
	} res;
	const struct jg_result_stage *rstage[JG_RESULT_SLOTS];

	struct jg_metrics metrics;
	struct jg_mask_sess *mask;       /* masking's state (mask.c); NULL while nothing is masked */
	struct jg_rec_sess *rec;         /* recording's state (record.c); NULL while not recording */
};

#endif
