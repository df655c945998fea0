/*
 * audit.h: the audit trail: every session, command, decision and result, recorded in the store
 * ([store] path, SQLite in WAL mode) as a hash chain that `jitgate audit verify` checks
 * (docs/audit.md is the auditor's description; this header is the contract).
 *
 * ---- Records ----------------------------------------------------------------------------------
 * One table, append-only:
 *
 *   CREATE TABLE audit (id INTEGER PRIMARY KEY, instance TEXT, seq INTEGER, time INTEGER,
 *                       kind TEXT, session INTEGER, body TEXT, prev BLOB, hash BLOB,
 *                       UNIQUE (instance, seq))
 *
 *   instance  the gateway instance ([credentials] instance): each has a chain of its own
 *   seq       1, 2, 3 ... within the instance, without gaps
 *   time      microseconds since the epoch, when the event happened
 *   kind      what the record is (JG_AUDIT_K_* below)
 *   session   the session's number (unique within the instance; 0 for the gateway's own records)
 *   body      one JSON object, the record's fields (docs/audit.md lists them)
 *   prev      the hash of the instance's record seq - 1 (32 zero bytes before the first)
 *   hash      SHA-256 of prev || instance NUL seq NUL time NUL kind NUL session NUL body,
 *             numbers in decimal ASCII
 *
 * The writer thread gives records their seq, prev and hash as it commits them, in the order
 * they were handed over; so an edited, deleted, inserted or reordered record breaks the chain at
 * that record. A checkpoint record (kind "checkpoint") signs the head (seq and hash) with the
 * gateway's key (ECDSA P-256) and the same line goes to the log, so that a copy kept outside the
 * store also proves records at the end were not removed.
 *
 * Retention ([store] audit_days, audit_max_mb) removes the oldest records of the instance at
 * start and then hourly, in one transaction with a "prune" record at the head that says which
 * seqs went and the hash of the last one: verify starts the chain from that hash. The newest
 * record is never removed.
 *
 * ---- Durability ---------------------------------------------------------------------------------
 *   strict   a command's record is durable before the command is forwarded (jg_audit_put with
 *            a waiter). With sync normal it is appended to the instance's journal,
 *            PATH-audit-INSTANCE.journal, in one write() together with every record handed over
 *            before it that is not in the journal yet, and the command goes on at once: the
 *            write survives a crash of the gateway as a WAL commit with sync normal does. The
 *            writer commits records to the store as in batched mode, writes in the same
 *            transaction the last journal record committed (table audit_journal), and empties
 *            a journal file when the store holds all of it. Under steady load that never
 *            happens to the file being appended to, so there are two, .journal and .journal2:
 *            once the one appended to holds journal_switch bytes and the other is empty,
 *            appends go to the other. jg_audit_open moves into the store whatever a crash left
 *            in the journal files (the older one's first), before anything else; a cut-off
 *            last frame (an append that never returned, whose command never ran) is dropped.
 *            With sync full, or while the store fails (the last commit failed) or the journal
 *            cannot be appended to, the waiter instead hears, on the session's worker, whether
 *            a commit of its record worked; records handed over while a commit runs are
 *            committed together (group commit). When such a commit fails the waiters hear "no"
 *            (their commands do not run) and the other records are kept for the next commit
 *            (the journal holds them: their commands ran).
 *   batched  records are committed at most batch_ms after they are handed over; a crash loses
 *            at most those. When the store cannot be written, or more than queue_bytes wait,
 *            records are dropped and counted, and the next commit that works writes a "gap"
 *            record saying how many were lost, when and why.
 * Workers never touch SQLite: they hand records over (a mutex, a linked list) and go on.
 *
 * Thread safety: jg_audit_put and jg_audit_session may be called from any thread. Ownership:
 * jg_audit_put copies the body; a waiter stays the caller's, and is told exactly once.
 */
#ifndef JG_AUDIT_AUDIT_H
#define JG_AUDIT_AUDIT_H

#include "jg.h"

#include <stdint.h>

/* Record kinds (the `kind` column; stable, documented in docs/audit.md). */
#define JG_AUDIT_K_START "start"             /* the gateway started recording */
#define JG_AUDIT_K_STOP "stop"               /* the gateway stopped */
#define JG_AUDIT_K_LOGIN "login"             /* a session logged in: who, as what */
#define JG_AUDIT_K_REFUSED "login-refused"   /* a login was refused (never the token) */
#define JG_AUDIT_K_REFUSALS "refusals"       /* refused logins counted, not recorded one by one */
#define JG_AUDIT_K_COMMAND "command"         /* a client command and the decision on it */
#define JG_AUDIT_K_RESULT "result"           /* what the client got back (masked as sent) */
#define JG_AUDIT_K_END "end"                 /* a session ended, and why */
#define JG_AUDIT_K_GAP "gap"                 /* batched mode lost records */
#define JG_AUDIT_K_CHECKPOINT "checkpoint"   /* the signed head */
#define JG_AUDIT_K_PRUNE "prune"             /* retention removed records up to a seq */

/* The records that bound a session: the condition of the partial index audit_bounds (instance,
 * session, seq). A query uses the index only when its WHERE has this very expression. (Not
 * `kind IN (...)`: SQLite builds a temporary table for the list at every insert, 2 us.) */
#define JG_AUDIT_BOUNDS "(kind = 'login' OR kind = 'login-refused' OR kind = 'end')"

enum jg_audit_mode { JG_AUDIT_OFF = 0, JG_AUDIT_BATCHED = 1, JG_AUDIT_STRICT = 2 };

#define JG_AUDIT_HASH 32

struct jg_audit_conf {
	const char *path;           /* the store */
	const char *instance;       /* [a-z0-9]{1,10} */
	enum jg_audit_mode mode;
	int sync_full;              /* fsync at every commit (power loss), else the WAL's NORMAL
	                             * (and strict mode's journal) */
	unsigned batch_ms;          /* batched: the longest a record waits for its commit */
	size_t queue_bytes;         /* records waiting, at most (batched drops beyond it) */
	unsigned checkpoint_s;      /* seconds between checkpoints (when the head moved) */
	const char *key_path;       /* the checkpoint key (P-256, hex); made 0600 if missing */
	unsigned retain_days;       /* records older than this many days are pruned (0: kept) */
	uint64_t retain_bytes;      /* bodies beyond this many bytes, oldest first, are pruned
	                             * (0: no limit) */
	unsigned prune_s;           /* seconds between retention runs (0: 3600; tests and fuzzing) */
	size_t journal_switch;      /* bytes in a journal file before appends go to the other
	                             * (0: 4 MiB; tests) */
};

struct jg_audit;

/* A waiter: strict mode's answer for one record. `told` is called on the writer thread, once,
 * with ok 1 (committed) or 0 (not written: the command must not run); it must only hand the
 * answer to its own thread (jg_worker_post) and return. */
struct jg_audit_waiter {
	void (*told)(struct jg_audit_waiter *w, int ok);
};

/* jg_audit_open: opens or creates the audit tables in the store, reads the chain's head, loads
 * or makes the key, starts the writer thread and writes a "start" record whose body is
 * start_body (a JSON object; NULL: {}). JG_OK, or an error with a message in err. */
int jg_audit_open(const struct jg_audit_conf *c, const char *start_body, struct jg_audit **out,
                  char *err, size_t errlen);

/*
 * jg_audit_recover: what jg_audit_open does first, alone: the records the instance's journal
 * holds and the store lacks (its gateway stopped without committing them) go into the store.
 * *imported says how many. JG_ERR_CONFIG when a gateway records the instance (it does this
 * itself); otherwise JG_OK or an error, with a message in err.
 */
int jg_audit_recover(const char *path, const char *instance, uint64_t *imported, char *err,
                     size_t errlen);

/* jg_audit_close: writes a "stop" record and a checkpoint, commits everything queued, stops the
 * writer and closes the store. Waiters still queued are not told (their threads are gone). */
void jg_audit_close(struct jg_audit *a);

/* jg_audit_mode: strict or batched (never OFF: a gateway without recording has no jg_audit). */
enum jg_audit_mode jg_audit_mode(const struct jg_audit *a);

/* jg_audit_session: a new session number, unique within the instance (also across restarts). */
uint64_t jg_audit_session(struct jg_audit *a);

/*
 * jg_audit_put: hands a record over to the writer: kind (JG_AUDIT_K_*), session, time_us, and
 * body[0..len) (a JSON object, copied). With a waiter (strict mode): JG_OK when the record is
 * durable already (in the journal; w is never told), JG_WAIT when w->told will say whether it
 * committed. Without one: JG_OK when queued, JG_ERR_IO when dropped (more than queue_bytes
 * wait; counted for the gap record). JG_ERR_NOMEM when it cannot be queued (with a waiter, w is
 * not told: the caller refuses).
 */
int jg_audit_put(struct jg_audit *a, const char *kind, uint64_t session, int64_t time_us,
                 const char *body, size_t len, struct jg_audit_waiter *w);

/* jg_audit_kick: the records with a waiter handed over since the last kick are committed now.
 * A worker calls it once after each batch of events (the loop's round), so that the commands of
 * one batch share a commit; without a kick they wait at most batch_ms. Cheap when nothing waits. */
void jg_audit_kick(struct jg_audit *a);

/* jg_audit_flush: waits until every record handed over so far was committed or lost (tests,
 * shutdown); JG_OK when all committed. */
int jg_audit_flush(struct jg_audit *a);

/* jg_audit_now_us: the wall clock in microseconds since the epoch. */
int64_t jg_audit_now_us(void);

/* jg_audit_hash: a record's hash (the definition above); for verify and tests. */
void jg_audit_hash(const uint8_t prev[JG_AUDIT_HASH], const char *instance, int64_t seq,
                   int64_t time_us, const char *kind, int64_t session, const char *body,
                   size_t body_len, uint8_t out[JG_AUDIT_HASH]);

/* jg_audit_head_digest: what a checkpoint signs: SHA-256 of instance NUL seq NUL hash_hex (the
 * head's hash as 64 lower-case hex digits), seq in decimal ASCII. */
void jg_audit_head_digest(const char *instance, int64_t seq, const char *hash_hex,
                          uint8_t out[JG_AUDIT_HASH]);

/* ---- verification (verify.c) -------------------------------------------------------------- */

struct jg_audit_report {
	int64_t records;            /* records checked */
	int64_t checkpoints;        /* checkpoints whose signature and head were checked */
	int broken;                 /* 0: the chain holds */
	char instance[16];
	int64_t seq;                /* the first broken record (or the first missing one) */
	int64_t id;                 /* its row id, 0 when the record is missing */
	char why[512];              /* what is wrong there, in plain words */
};

/*
 * jg_audit_verify: checks the store at path, read-only: every instance's chain from its first
 * record (or the prune record that ended a removed part) to its head, every hash, every
 * checkpoint's signature and head; anchor (may be NULL) is a checkpoint line from the log
 * (`audit checkpoint instance=... seq=... hash=... sig=... key=...`) that the store must reach.
 * JG_OK with r filled (r->broken says the verdict), or an error with a message in err.
 */
int jg_audit_verify(const char *path, const char *anchor, struct jg_audit_report *r, char *err,
                    size_t errlen);

#endif
