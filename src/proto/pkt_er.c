/* pkt_er.c: the errors the gateway sends, in one table; see pkt.h (enum jg_er). */
#include "proto/pkt.h"

static const struct jg_er_def er_table[JG_ER_COUNT] = {
	[JG_ER_ACCESS_DENIED] = { 1045, "28000", "token refused (the message says why: expired, "
		"not yet valid, wrong issuer or audience, unknown key id, bad signature, algorithm not "
		"accepted, malformed, too long) or TLS missing" },
	[JG_ER_HANDSHAKE] = { 1043, "08S01", "malformed handshake, or the client asks for "
		"compression" },
	[JG_ER_NOT_SUPPORTED] = { 1235, "42000", "a command jitgate does not carry (`COM_CHANGE_USER`, "
		"replication), or, with a policy, a statement longer than `[limits] statement`" },
	[JG_ER_MALFORMED] = { 1835, "HY000", "an empty command packet" },
	[JG_ER_POLICY] = { 1142, "42000", "the policy denies a statement, holds it for review, or "
		"cannot classify it: the message names the rule and the statement; nothing of that "
		"query ran" },
	[JG_ER_BACKEND_DOWN] = { 1105, "08S01", "the database cannot be reached or did not answer "
		"within the handshake timeout" },
	[JG_ER_BACKEND_REFUSED] = { 1105, "08004", "the database refused the gateway's own login, "
		"or no database user could be made for the session (the message says why)" },
	[JG_ER_TOO_MANY_CONNECTIONS] = { 1203, "42000", "the token's subject already holds its "
		"role's `max_connections` sessions" },
	[JG_ER_TOKEN_EXPIRED] = { 1927, "70100", "the token expired during the session (at `exp` "
		"plus `[credentials] grace`), or the key that signed it was removed from the JWKS: the "
		"session's database user was dropped; sent in answer to the client's next command" },
	[JG_ER_UNKNOWN_COMMAND] = { 1047, "08S01", "a command byte that is no command of the MySQL "
		"protocol" },
	[JG_ER_TOO_LARGE] = { 1153, "08S01", "a row longer than `[limits] row` in a result a result "
		"stage inspects: the result ends there" },
	[JG_ER_NOT_RECORDED] = { 1105, "HY000", "`[store] audit = strict` and the audit trail "
		"cannot be written (disk full, store unwritable): the command did not run" },
};

const struct jg_er_def *jg_er_def(enum jg_er e)
{
	return (unsigned)e < JG_ER_COUNT ? &er_table[e] : NULL;
}

size_t jg_pkt_build_er(uint8_t *out, size_t cap, uint8_t seq, enum jg_er e, const char *msg)
{
	const struct jg_er_def *d = jg_er_def(e);

	if (!d)
		return 0;
	return jg_pkt_build_err(out, cap, seq, d->code, d->sqlstate, msg ? msg : d->when);
}
