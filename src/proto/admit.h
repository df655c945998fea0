/*
 * admit.h: the admission stages of the product (stage.h), in their slots:
 *   JG_ADMIT_COMMANDS  jg_admit_commands: refuses the commands jitgate never carries
 *                      (COM_CHANGE_USER, replication, COM_SHUTDOWN, ...) and bytes that are no
 *                      command at all (ERR 1047, as the server itself answers them)
 *   JG_ADMIT_POLICY    jg_admit_policy: with a [policy] file, the policy's decision on every
 *                      COM_QUERY and COM_STMT_PREPARE text (the strictest over its statements)
 * Both answer at once (they never wait); both log what they refuse.
 */
#ifndef JG_PROTO_ADMIT_H
#define JG_PROTO_ADMIT_H

#include "proto/stage.h"

extern const struct jg_admit_stage jg_admit_commands;
extern const struct jg_admit_stage jg_admit_policy;

#endif
