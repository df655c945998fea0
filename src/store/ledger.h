/*
 * ledger.h: the ledger of just-in-time MySQL users, in the store ([store] path, SQLite).
 *
 * Every user is written here before CREATE USER runs and marked when it is dropped, so that a
 * gateway that crashed leaves a list of what it made: the reaper (src/cred) drops every user of
 * a run that is no longer alive and every user whose expiry passed. Rows of dropped users stay
 * for `[store] ledger_days` as a record of who had which database identity when.
 *
 * Tables (docs/credentials.md): runs (one row per `jitgate serve` start: instance, host name,
 * pid, heartbeat) and jit_users (name, host, run, role, state, subject, session, times).
 * States: creating -> ready (pooled, no session yet) -> active (a session holds it) ->
 * dropping -> dropped; any state may go to dropping.
 *
 * Thread safety: one connection in SQLite's serialized mode; every function may be called from
 * any thread. Strings are bound as parameters, never put into SQL text.
 */
#ifndef JG_STORE_LEDGER_H
#define JG_STORE_LEDGER_H

#include "jg.h"

#include <stdint.h>

struct jg_ledger;

struct jg_ledger_user {
	char name[80], host[256], instance[16], run[40], role[80], db_role[80], kind[12],
	     state[12], sub[256];
	uint32_t session;
	int64_t created, claimed, expires;   /* seconds since the epoch; claimed 0 = never */
	/* the run that made it */
	char run_host[256];
	int64_t run_pid, run_heartbeat, run_stopped;
};

/* jg_ledger_open: opens or creates the store at path (sync_full: fsync every commit). */
int jg_ledger_open(const char *path, int sync_full, struct jg_ledger **out, char *err,
                   size_t errlen);
void jg_ledger_close(struct jg_ledger *l);

/* Runs. */
/* kind: "serve" or "tool" (`jitgate cred`). */
int jg_ledger_run_start(struct jg_ledger *l, const char *run, const char *instance,
                        const char *kind, const char *host, int64_t pid, int64_t now);
int jg_ledger_heartbeat(struct jg_ledger *l, const char *run, int64_t now);
int jg_ledger_run_stop(struct jg_ledger *l, const char *run, int64_t now);
/* jg_ledger_runs: calls cb for every `serve` run of instance not marked stopped (other than
 * except), with its host, pid and heartbeat. */
int jg_ledger_runs(struct jg_ledger *l, const char *instance, const char *except,
                   void (*cb)(void *arg, const char *run, const char *host, int64_t pid,
                              int64_t heartbeat),
                   void *arg);

/* Users. jg_ledger_add writes u in state "creating" (u->state is ignored). */
int jg_ledger_add(struct jg_ledger *l, const struct jg_ledger_user *u);
int jg_ledger_claim(struct jg_ledger *l, const char *name, const char *host, const char *sub,
                    uint32_t session, int64_t expires, int64_t now);
/* jg_ledger_state: a new state; "dropped" also records now and reason. */
int jg_ledger_state(struct jg_ledger *l, const char *name, const char *host, const char *state,
                    const char *reason, int64_t now);
/* jg_ledger_pending: calls cb for every user of instance not dropped, oldest first. */
int jg_ledger_pending(struct jg_ledger *l, const char *instance,
                      void (*cb)(void *arg, const struct jg_ledger_user *u), void *arg);
/* jg_ledger_prune: forgets dropped users dropped before `before`; the number forgotten. */
long jg_ledger_prune(struct jg_ledger *l, int64_t before);
/* jg_ledger_count: users of instance in state (NULL: not dropped). */
long jg_ledger_count(struct jg_ledger *l, const char *instance, const char *state);

#endif
