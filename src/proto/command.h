/*
 * command.h: the command stage, client to server (phase COMMAND). It frames the client's
 * commands out of s->c2b, runs every command through the admission stages (stage.h), forwards
 * or drops its bytes, and follows the session state the classifier reads statements under.
 *
 * A new command starts only when the previous one is answered to the end and every byte of
 * that answer (and any ERR of the gateway's) has reached the client, so answers keep the order
 * of the commands. Commands stream through with only their first bytes seen, unless an
 * admission stage asks for the text: then the whole command is held, in place when it fits the
 * direction buffer, else assembled in s->cmd.stmt (up to jg_session_statement_limit bytes) and
 * sent from there once admitted.
 *
 * It takes no socket: it parses what the pump read into s->c2b and says what may go (the
 * session's conductor and the datapath tests move the bytes). Runs on the session's worker.
 */
#ifndef JG_PROTO_COMMAND_H
#define JG_PROTO_COMMAND_H

#include "proto/session.h"

/*
 * jg_command_parse: as far as the bytes in s->c2b go. JG_WAIT when it needs more bytes, the
 * current response, a flush, or a stage that waits (*progress set when something was parsed);
 * JG_ERR_PROTO when the client broke the framing (the session was refused).
 */
int jg_command_parse(struct jg_session *s, int *progress);

/* jg_command_waiting: the start of the client's next command is read and waits: reading more
 * from the client meanwhile would only fill the buffer. */
int jg_command_waiting(const struct jg_session *s);

/* jg_command_resume: the admission stage that waited may be asked again. */
void jg_command_resume(struct jg_session *s);

/*
 * jg_command_judged: com carries a statement, or amounts to one, that admission judges with
 * the statement's text: COM_QUERY and COM_STMT_PREPARE, and the commands that do what a
 * statement does (COM_FIELD_LIST is SHOW COLUMNS FROM its table, COM_INIT_DB is USE,
 * COM_CREATE_DB and COM_DROP_DB, COM_REFRESH is FLUSH, COM_PROCESS_INFO is SHOW PROCESSLIST,
 * COM_PROCESS_KILL is KILL): the command stage hands those in as that statement's text.
 */
int jg_command_judged(uint8_t com);

#endif
