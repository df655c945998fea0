/*
 * stage.h: the two contracts by which features join the data path (docs/architecture.md).
 *
 *   client --> [command stage: framing, ADMISSION stages, session state] --> database
 *   client <-- [result stage: RESULT stages over definitions, rows, ends] <-- database
 *
 * A feature is a stage with a slot of its own in one of two fixed orders written below, never
 * a branch in the session glue. A session fills its slots when it starts (a NULL slot is a
 * feature that is off); the order never changes at run time. Everything here runs on the
 * session's worker thread.
 *
 * ---- Admission: one complete client command -------------------------------------------------
 * Every command byte goes through admission before any byte of it reaches the database; the
 * stages run in slot order and each answers, as HAProxy's filters do, "negative on refusal,
 * 0 to wait, positive to go on":
 *   JG_STAGE_GO      the next stage runs; after the last one the command is forwarded.
 *   JG_STAGE_WAIT    the command is held (nothing of it is forwarded, the client's next
 *                    commands wait behind it): the stage arranges a jg_post to the session's
 *                    worker whose function calls jg_session_resume(); admission then resumes
 *                    at this same stage, which is asked again (stages before it are not).
 *   JG_STAGE_REFUSE  the command is dropped whole (every physical packet of it, including
 *                    those not received yet); *ref becomes the client's ERR and, with
 *                    recording, the audit record of the refusal. Later stages do not run.
 * A stage that needs a statement's text says so with `text`: the command stage then holds the
 * whole command (in place, or assembled in a staging buffer up to [limits] statement bytes),
 * classifies it (src/sql) under the session's sql_mode and database, and hands both in
 * struct jg_cmd. Commands no stage needs whole stream through with only their first bytes seen.
 * Ownership: struct jg_cmd and everything it points to are borrowed for the call.
 *
 * ---- Results: what the database answers -----------------------------------------------------
 * At the start of each response every result stage says what it wants of it (`begin`):
 *   JG_RS_DEFS  each column definition of each result set (`column`), and when a result set's
 *               definitions are all seen, whether it wants that result set's rows (`defs_done`
 *               returns JG_RS_ROWS or 0)
 *   JG_RS_ROWS  each row of every result set, text or binary, whole (`row`)
 *   JG_RS_ERRS  the ERR that ends the response, whole (`error`)
 *   JG_RS_END   a summary at the end of the response (`end`)
 * Packets no stage wants stay on the zero-copy path: their bytes are forwarded from the
 * direction buffer as they come (ends are read in place). A packet a stage wants takes the copy
 * path: it is moved into the result stage's staging buffer, whole, handed to the stages in slot
 * order, and sent from there. The path is chosen per packet (a result set whose definitions were
 * inspected but whose rows no stage wants streams its rows in place), and the client gets every
 * byte in order with sequence ids renumbered, so that a rewritten packet may change size. A stage rewrites a definition or a row by
 * writing the new payload into `out` (caller-owned, cap bytes) and setting *outlen (0: kept as
 * it is); the next stage sees the rewritten bytes. A row is held whole however large, up to
 * [limits] row bytes: a larger one ends the result with ERR 1153 (an ERR legally ends a result
 * set), and the rest of that response is read from the database and dropped. A stage that can
 * do without a row (recording: it keeps only so many bytes) says how large a row it wants with
 * `row_max`: a larger row that no other stage needs whole streams in place, and its `row` is
 * called with p NULL and len the row's size (at least JG_FRAME_MAX when it spans packets).
 * Ownership: packet bytes are borrowed for the call; `out` belongs to the caller.
 */
#ifndef JG_PROTO_STAGE_H
#define JG_PROTO_STAGE_H

#include "jg.h"
#include "proto/pkt.h"

struct jg_session;
struct jg_sql_result;
struct jg_sql_session;

enum { JG_STAGE_REFUSE = -1, JG_STAGE_WAIT = 0, JG_STAGE_GO = 1 };

/* One complete client command, as admission sees it. */
struct jg_cmd {
	uint8_t com;                        /* the command byte (enum jg_com, or one that is none) */
	uint8_t seq;
	uint32_t len;                       /* payload bytes of the whole command */
	const uint8_t *head;                /* its first head_len payload bytes */
	size_t head_len;
	const char *sql;                    /* COM_QUERY / COM_STMT_PREPARE text, when whole */
	size_t sql_len;
	uint32_t stmt_id;                   /* COM_STMT_EXECUTE, _FETCH, _CLOSE, _RESET, _SEND_LONG_DATA */
	const struct jg_sql_result *cls;    /* sql classified (NULL without sql, or on cls_err) */
	int cls_err;                        /* JG_ERR_TOOBIG: more statements than it reads */
	const struct jg_sql_session *state; /* the sql_mode and database it was read under */
};

/* A refusal: the client's ERR, and the audit record of it. */
struct jg_refusal {
	enum jg_er er;                      /* code and SQLSTATE (pkt.h's table) */
	const char *decision;               /* "deny" or "review" (the policy), else "refuse" */
	const char *stage;                  /* the stage that refused */
	const char *rule;                   /* the deciding rule, "" when none */
	unsigned stmt;                      /* 1-based statement of the text; 0: the command */
	char msg[512];                      /* what the client reads */
};

struct jg_admit_stage {
	const char *name;
	/* text: non-zero when this stage must see com's statement text whole (may be NULL) */
	int (*text)(const struct jg_session *s, uint8_t com);
	int (*admit)(struct jg_session *s, const struct jg_cmd *cmd, struct jg_refusal *ref);
	/* refused: told of every command refused, by any stage or by the command stage itself
	 * (a statement over the limit: cmd then has only com, seq and len), after the stage that
	 * refused; for the record (may be NULL) */
	void (*refused)(struct jg_session *s, const struct jg_cmd *cmd,
	                const struct jg_refusal *ref);
	/* session events, for a stage that keeps per-session state (each may be NULL): logged_in
	 * (both legs are logged in; the client's OK goes next), login_refused (a refusal before
	 * the command phase: er and msg are what the client is told), ended (the session closes;
	 * the stage lets go of what it holds) */
	void (*logged_in)(struct jg_session *s);
	void (*login_refused)(struct jg_session *s, enum jg_er er, const char *msg);
	void (*ended)(struct jg_session *s);
};

/* The admission order. */
enum jg_admit_slot {
	JG_ADMIT_COMMANDS,                  /* commands jitgate never carries, unknown bytes */
	JG_ADMIT_POLICY,                    /* the policy's decision on statement texts */
	JG_ADMIT_MASK,                      /* what masking must know of a statement (mask.c) */
	JG_ADMIT_REVIEW,                    /* held statements wait for approval (to come) */
	JG_ADMIT_RECORD,                    /* the command's record; strict: durable first */
	JG_ADMIT_SLOTS
};

enum { JG_RS_DEFS = 1u << 0, JG_RS_ROWS = 1u << 1, JG_RS_END = 1u << 2, JG_RS_ERRS = 1u << 3 };

#define JG_TRACK_MAX 1024               /* bytes of session-state changes kept for a summary */

/* What a response amounted to, for JG_RS_END. */
struct jg_result_summary {
	uint8_t com;                        /* the command answered */
	uint32_t stmt_id;                   /* the statement a COM_STMT_PREPARE made, or the one
	                                     * a COM_STMT_EXECUTE/FETCH/RESET named; else 0 */
	uint16_t params;                    /* COM_STMT_PREPARE: the statement's parameters */
	uint32_t results;                   /* result sets and OKs */
	uint64_t rows;                      /* rows of every result set */
	uint64_t affected_rows;             /* summed over the OKs */
	uint64_t last_insert_id;            /* of the last OK that set one */
	uint32_t warnings;                  /* summed over OKs and EOFs */
	uint16_t status;                    /* server status of the last OK/EOF */
	uint16_t error;                     /* the ERR's code that ended it, 0 when none */
	char sqlstate[6];
	const uint8_t *error_msg;           /* borrowed for the call */
	size_t error_msg_len;
	uint8_t by_gateway;                 /* the ERR came from jitgate (a row over the limit) */
	size_t track_len;
	uint8_t track_truncated;            /* more than JG_TRACK_MAX bytes: some were not kept */
	/* session-state-change blocks of the OKs, one after the other (CLIENT_SESSION_TRACK);
	 * last, so that a new summary clears the fields above only */
	uint8_t track[JG_TRACK_MAX];
};

struct jg_result_stage {
	const char *name;
	unsigned (*begin)(struct jg_session *s, uint8_t com);
	int (*column)(struct jg_session *s, unsigned idx, const uint8_t *p, size_t len,
	              uint8_t *out, size_t cap, size_t *outlen);
	unsigned (*defs_done)(struct jg_session *s, unsigned ncols);
	int (*row)(struct jg_session *s, int binary, const uint8_t *p, size_t len,
	           uint8_t *out, size_t cap, size_t *outlen);
	int (*error)(struct jg_session *s, const uint8_t *p, size_t len,
	             uint8_t *out, size_t cap, size_t *outlen);
	void (*end)(struct jg_session *s, const struct jg_result_summary *sum);
	/* row_max: the largest row this stage wants whole now (NULL: every row, whatever size) */
	size_t (*row_max)(struct jg_session *s);
};

/* The result order: masking first (what the later stages see is what the client sees). */
enum jg_result_slot {
	JG_RESULT_MASK,                     /* inline masking (mask.c) */
	JG_RESULT_RECORD,                   /* session recording (to come) */
	JG_RESULT_METRICS,                  /* per-session counters (metrics.c) */
	JG_RESULT_SLOTS
};

#endif
