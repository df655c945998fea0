/*
 * mask.h: inline masking (docs/masking.md), a feature in two slots of the data path (stage.h):
 *
 *   JG_ADMIT_MASK   jg_admit_mask: never refuses. It notes what masking must know of the
 *                   command before it runs: which masks' tables the statement reads (scope)
 *                   and which masked column names its text mentions (named); for a prepared
 *                   statement these are kept with its id, for its executes and fetches.
 *   JG_RESULT_MASK  jg_mask_stage: every column definition of every result set is read for its
 *                   origin (schema, original table, original name); a result set in which some
 *                   column is masked, or scanned by a detector, has every row rewritten (text
 *                   rows, binary rows of COM_STMT_EXECUTE, cursor rows of COM_STMT_FETCH with
 *                   the plan of the execute that opened the cursor); the others stream on the
 *                   zero-copy path. ERR messages are scanned by the detectors, and a value they
 *                   echo (duplicate keys, bad values) is redacted when the statement read a
 *                   table of a mask; so is SHOW WARNINGS' after such a statement.
 *
 * Which columns a mask covers, and with which function, is src/mask/plan.h's; how a value
 * becomes its masked form in either protocol, src/mask/value.h's.
 *
 * Memory: the state (struct jg_mask_sess) is allocated at the first command of a session whose
 * role has masks, and freed by jg_mask_free at the session's end. Runs on the session's worker.
 */
#ifndef JG_PROTO_MASK_H
#define JG_PROTO_MASK_H

#include "proto/stage.h"

extern const struct jg_admit_stage jg_admit_mask;
extern const struct jg_result_stage jg_mask_stage;

/* jg_mask_free: the session's masking state, if any. */
void jg_mask_free(struct jg_session *s);

#endif
