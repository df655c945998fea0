/* admit.c: the product's admission stages; see admit.h and stage.h. */
#include "proto/admit.h"

#include "gw/gateway.h"
#include "policy/policy.h"
#include "proto/command.h"
#include "proto/session.h"

#include <stdio.h>

/* ---- commands ---- */

static const char *never_carried(uint8_t com)
{
	switch (com) {
	case JG_COM_CHANGE_USER: return "COM_CHANGE_USER";
	case JG_COM_SHUTDOWN: return "COM_SHUTDOWN";
	case JG_COM_REGISTER_SLAVE: return "COM_REGISTER_SLAVE";
	case JG_COM_BINLOG_DUMP:
	case JG_COM_BINLOG_DUMP_GTID:
	case JG_COM_TABLE_DUMP:
	case JG_COM_CONNECT_OUT:
	case JG_COM_DAEMON:
		return "replication commands";
	case JG_COM_SLEEP: case JG_COM_CONNECT: case JG_COM_TIME: case JG_COM_DELAYED_INSERT:
		return "commands only the server itself uses";
	case JG_COM_DEBUG:
		return "COM_DEBUG";
	default:
		return NULL;
	}
}

/* multi_statements_on: COM_SET_OPTION MYSQL_OPTION_MULTI_STATEMENTS_ON (option 0, 2 bytes) from
 * a session whose role is one statement per query: it would turn multi-statements on in the
 * database for this connection, which the backend login went without. */
static int multi_statements_on(struct jg_session *s, const struct jg_cmd *cmd,
                               struct jg_refusal *ref)
{
	char role[64];

	if (cmd->com != JG_COM_SET_OPTION || cmd->head_len < 3 || cmd->head[1] != 0 ||
	    cmd->head[2] != 0 || jg_session_multi_statements(s))
		return 0;
	ref->er = JG_ER_POLICY;
	snprintf(ref->msg, sizeof(ref->msg), "role %s runs one statement per query "
	         "(multi_statements off in jitgate's policy): multi-statements cannot be turned on; "
	         "send the statements one at a time", jg_printable(s->hello.user, role, sizeof(role)));
	jg_log(JG_LOG_INFO, "session %u: refused COM_SET_OPTION MULTI_STATEMENTS_ON (role %s has "
	       "multi_statements off)", s->id, role);
	return 1;
}

static int commands_admit(struct jg_session *s, const struct jg_cmd *cmd, struct jg_refusal *ref)
{
	const char *what = never_carried(cmd->com);

	if (multi_statements_on(s, cmd, ref))
		return JG_STAGE_REFUSE;

	if (what) {
		ref->er = JG_ER_NOT_SUPPORTED;
		snprintf(ref->msg, sizeof(ref->msg), "%s", cmd->com == JG_COM_CHANGE_USER ?
		         "COM_CHANGE_USER is not supported through jitgate; open a new connection with "
		         "the token of the identity you need" :
		         "This command is not supported through jitgate");
		jg_log(JG_LOG_INFO, "session %u: refused %s", s->id, what);
		return JG_STAGE_REFUSE;
	}
	if (cmd->com > JG_COM_RESET_CONNECTION) {
		ref->er = JG_ER_UNKNOWN_COMMAND;
		snprintf(ref->msg, sizeof(ref->msg), "Unknown command 0x%02x: jitgate forwards only "
		         "the commands of the MySQL protocol", cmd->com);
		jg_log(JG_LOG_INFO, "session %u: refused unknown command byte 0x%02x", s->id, cmd->com);
		return JG_STAGE_REFUSE;
	}
	return JG_STAGE_GO;
}

const struct jg_admit_stage jg_admit_commands = {
	.name = "commands",
	.admit = commands_admit,
};

/* ---- policy ---- */

static int judged(uint8_t com)
{
	return jg_command_judged(com);
}

static int policy_text(const struct jg_session *s, uint8_t com)
{
	return judged(com) && atomic_load(&s->gw->policy) != NULL;
}

/* decision_message: what the client reads, naming the rule and the statement. */
static void decision_message(const struct jg_policy_decision *dec, unsigned which, char *msg,
                             size_t cap)
{
	if (dec->action == JG_POLICY_REVIEW)
		snprintf(msg, cap, "Statement %u needs review by %s (jitgate rule \"%s\"); held "
		         "statements are not available yet, so nothing of this query ran",
		         which + 1, dec->approvers, dec->rule_name);
	else if (dec->rule >= 0)
		snprintf(msg, cap, "%s (jitgate rule \"%s\"; statement %u; nothing of this query ran)",
		         dec->message, dec->rule_name, which + 1);
	else if (dec->rule == JG_POLICY_BY_MASK)
		snprintf(msg, cap, "%s (jitgate mask \"%s\"; statement %u; nothing of this query ran)",
		         dec->message, dec->rule_name, which + 1);
	else
		snprintf(msg, cap, "%s (jitgate policy %s; statement %u; nothing of this query ran)",
		         dec->message, dec->rule == JG_POLICY_BY_ROLE ? "role check" :
		         dec->rule == JG_POLICY_BY_UNKNOWN ? "for unknown statements" :
		         dec->rule == JG_POLICY_BY_READING ? "reading" : "default",
		         which + 1);
}

static int policy_admit(struct jg_session *s, const struct jg_cmd *cmd, struct jg_refusal *ref)
{
	const struct jg_policy *pol = atomic_load(&s->gw->policy);
	struct jg_policy_ctx ctx = { s->hello.user, s->who.groups, s->who.sub, s->who.iss,
	                             s->hello.tags };
	struct jg_policy_decision dec;
	unsigned which;

	if (!pol || !judged(cmd->com))
		return JG_STAGE_GO;
	ref->er = JG_ER_POLICY;
	if (!cmd->sql) {        /* a policy came in force after the command began: read it again */
		snprintf(ref->msg, sizeof(ref->msg), "jitgate's policy changed while this statement "
		         "arrived; nothing of it ran: send it again");
		return JG_STAGE_REFUSE;
	}
	jg_policy_judge_classified(pol, &ctx, cmd->sql, cmd->sql_len, cmd->cls, &dec, &which);
	if (dec.action == JG_POLICY_ALLOW)
		return JG_STAGE_GO;
	decision_message(&dec, which, ref->msg, sizeof(ref->msg));
	ref->rule = dec.rule_name;
	ref->decision = jg_policy_action_name(dec.action);
	ref->stmt = which + 1;
	jg_log(JG_LOG_INFO, "session %u: %s statement %u of %u by %s: %.*s", s->id,
	       jg_policy_action_name(dec.action), which + 1, cmd->cls ? cmd->cls->nstmts : 0,
	       dec.rule_name[0] ? dec.rule_name : "policy", JG_SQL_FP_MAX,
	       cmd->cls && cmd->cls->nstmts ? cmd->cls->stmts[which].fingerprint : "");
	return JG_STAGE_REFUSE;
}

const struct jg_admit_stage jg_admit_policy = {
	.name = "policy",
	.text = policy_text,
	.admit = policy_admit,
};
