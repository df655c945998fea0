/*
 * result.h: the result stage, server to client (phase COMMAND). It frames the database's
 * packets out of s->b2c, feeds each to the response machine (spec/response.rl, resp.h) so that
 * the gateway always knows where the conversation is, and runs the result stages (stage.h) in
 * their fixed order: on the zero-copy path when no stage wants definitions or rows, on the copy
 * path otherwise (both are described in stage.h).
 *
 * It takes no socket: it parses what the pump read into s->b2c and says what may go. Runs on
 * the session's worker.
 */
#ifndef JG_PROTO_RESULT_H
#define JG_PROTO_RESULT_H

#include "proto/session.h"

/*
 * jg_result_parse: as far as the bytes in s->b2c go. JG_WAIT when it needs more bytes or the
 * client to read what is staged (*progress set when something was parsed); JG_ERR_PROTO when
 * the database broke the protocol, JG_ERR_UNSUPPORTED when it asked for a LOCAL INFILE,
 * JG_ERR_NOMEM.
 */
int jg_result_parse(struct jg_session *s, int *progress);

#endif
