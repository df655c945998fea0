/*
 * record-t.h: recording's per-session state and the helpers its files share (record.c: the
 * admission stage and the session events; record_result.c: the result stage; record_state.c:
 * the state and the hand-over to the audit writer). Private to those three files.
 */
#ifndef JG_PROTO_RECORD_T_H
#define JG_PROTO_RECORD_T_H

#include "audit/audit.h"
#include "audit/jw.h"
#include "proto/session.h"

#define STMTS_MAX 4096                  /* prepared statements remembered per session */
#define TEXT_MAX (64u << 10)            /* bytes of a prepared text remembered */

/* A prepared statement: its text, its parameters' types, its result's columns. */
struct pstmt {
	uint32_t id;
	char *text;
	size_t len;
	uint16_t nparams;
	int have_types;
	uint8_t *ptypes;                    /* 2 * nparams: type, flags (0x80 unsigned) */
	uint64_t long_data;                 /* bit i: parameter i came by COM_STMT_SEND_LONG_DATA */
	unsigned ncols;
	uint8_t *ctypes;                    /* for COM_STMT_FETCH, whose rows come without them */
	uint16_t *cflags;
};

/* strict mode's answer for a command's record, on the session's worker. It outlives the
 * session when the session ends while a commit runs (owner is then NULL and it frees itself). */
struct rwait {
	struct jg_audit_waiter w;           /* first: the writer's view of it */
	struct jg_post post;
	struct jg_session *owner;
	struct jg_worker *wk;
	int pending, ok;
};

enum { V_NONE, V_ASKED, V_DONE, V_FAILED };

struct jg_rec_sess {
	uint64_t session;
	uint32_t n;                         /* commands recorded */
	uint8_t verdict;                    /* strict: V_* of the command in admission */
	struct rwait *wait;
	/* batched mode: the command's record waits in cmd for its result, to be one record */
	uint8_t held;
	uint32_t held_n;                    /* its number */
	int64_t held_time;                  /* when the command came (wall clock, us) */
	/* the command in flight */
	uint32_t cur;                       /* its number; 0: none recorded */
	int64_t t0;                         /* when it went (monotonic, us) */
	char *prep;                         /* a COM_STMT_PREPARE's text until its answer */
	size_t prep_len;
	/* the result being recorded */
	struct jg_jw res;
	uint32_t res_n;                     /* the number of the command it answers */
	uint8_t set_open, rows_on, truncated;
	unsigned ncols, cap;
	uint8_t *types;
	uint16_t *flags;
	uint64_t set_rows, kept;
	size_t bytes, session_bytes;
	/* prepared statements */
	struct pstmt *st;
	unsigned nst;
	struct jg_jw cmd;                   /* command bodies (reused) */
};

/* jg_rec_now_us: the monotonic clock in microseconds (durations). */
int64_t jg_rec_now_us(void);

/* jg_rec_put: the body jw holds to the audit writer as a record of kind (w: strict mode's
 * waiter, or NULL) that happened at time_us (0: now); audit.h's jg_audit_put's result. */
int jg_rec_put(struct jg_session *s, const char *kind, uint64_t session, struct jg_jw *jw,
               struct jg_audit_waiter *w, int64_t time_us);

/* jg_rec_unhold: a command record held for its result (batched mode) goes alone. */
void jg_rec_unhold(struct jg_session *s);

/* jg_rec_error: an "error" member: code, SQLSTATE and message. */
void jg_rec_error(struct jg_jw *w, uint16_t code, const char *sqlstate, const void *msg,
                  size_t len);

/* Prepared statements: the one the database numbered id (NULL: not known), forgetting one,
 * and remembering one that a COM_STMT_PREPARE made (its text is r->prep, taken). */
struct pstmt *jg_rec_find(struct jg_rec_sess *r, uint32_t id);
void jg_rec_forget(struct jg_rec_sess *r, struct pstmt *p);
void jg_rec_remember(struct jg_rec_sess *r, uint32_t id, uint16_t nparams);

/* jg_rec_free: everything recording holds for the session; s->rec becomes NULL. */
void jg_rec_free(struct jg_session *s);

#endif
