/*
 * record.h: session recording (docs/audit.md): the audit records of a session, handed to the
 * audit trail's writer (audit/audit.h). Two stages and three session events:
 *
 *   jg_admit_record    admission slot JG_ADMIT_RECORD (last): the record of a command that every
 *                      stage before it let through. In strict mode it says WAIT until the record
 *                      is committed, then GO; when the store cannot be written, REFUSE with
 *                      ERR 1105 (JG_ER_NOT_RECORDED): nothing runs unrecorded. Its `refused`
 *                      hook records the commands any stage refused, with the ERR the client got.
 *                      It asks for the whole text of the statements (and of COM_STMT_EXECUTE, to
 *                      record the bound values).
 *   jg_record_stage    result slot JG_RESULT_RECORD, after masking: the result as the client got
 *                      it (column names, rows up to [store] audit_rows and audit_result_bytes per
 *                      statement and audit_session_bytes per session, totals beyond them), its
 *                      duration, rows, affected rows, warnings and error.
 * and the admission stage's session events (stage.h): logged_in writes the login record (who,
 * as what, from where), login_refused a login's refusal, ended the session's end (and frees
 * what recording held for it).
 *
 * All run on the session's worker. A session records only when the gateway has an audit trail
 * (gw->audit); the state lives in s->rec (NULL before login and without recording), freed by
 * jg_record_end. Never recorded: the token, passwords (the handshake's auth data is never seen
 * here) and values before masking.
 */
#ifndef JG_PROTO_RECORD_H
#define JG_PROTO_RECORD_H

#include "proto/stage.h"

extern const struct jg_admit_stage jg_admit_record;
extern const struct jg_result_stage jg_record_stage;

/* jg_record_login: what logged_in does, for drivers that start a session in its command phase
 * (tests/dp). */
void jg_record_login(struct jg_session *s);

#endif
