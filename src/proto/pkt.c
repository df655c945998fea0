/* pkt.c: INTERIM; see pkt.h. */
#include "proto/pkt.h"
#include "proto/handshake.h"

static const struct jg_er_def defs[JG_ER_COUNT] = {
	[JG_ER_ACCESS_DENIED] = { 1045, "28000", "" }, [JG_ER_HANDSHAKE] = { 1043, "08S01", "" },
	[JG_ER_NOT_SUPPORTED] = { 1235, "42000", "" }, [JG_ER_MALFORMED] = { 1835, "HY000", "" },
	[JG_ER_POLICY] = { 1142, "42000", "" }, [JG_ER_BACKEND_DOWN] = { 1105, "08S01", "" },
	[JG_ER_BACKEND_REFUSED] = { 1105, "08004", "" },
	[JG_ER_TOO_MANY_CONNECTIONS] = { 1203, "42000", "" },
	[JG_ER_TOKEN_EXPIRED] = { 1927, "70100", "" }, [JG_ER_UNKNOWN_COMMAND] = { 1047, "08S01", "" },
	[JG_ER_TOO_LARGE] = { 1153, "08S01", "" },
};

const struct jg_er_def *jg_er_def(enum jg_er e)
{
	return &defs[(unsigned)e < JG_ER_COUNT ? e : JG_ER_BACKEND_REFUSED];
}

size_t jg_pkt_build_er(uint8_t *out, size_t cap, uint8_t seq, enum jg_er e, const char *msg)
{
	const struct jg_er_def *d = jg_er_def(e);

	return jg_pkt_build_err(out, cap, seq, d->code, d->sqlstate, msg);
}

#include "proto/resp.h"
#include <string.h>

int jg_pkt_parse_ok(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_ok *ok)
{
	size_t off = 1, n;

	memset(ok, 0, sizeof(*ok));
	if (len < 7 || (p[0] != 0x00 && p[0] != 0xfe))
		return JG_ERR_PROTO;
	ok->header = p[0];
	if (!(n = jg_lenenc(p + off, len - off, &ok->affected_rows)))
		return JG_ERR_PROTO;
	off += n;
	if (!(n = jg_lenenc(p + off, len - off, &ok->last_insert_id)))
		return JG_ERR_PROTO;
	off += n;
	if (len < off + 4)
		return JG_ERR_PROTO;
	ok->status = (uint16_t)jg_le16(p + off);
	ok->warnings = (uint16_t)jg_le16(p + off + 2);
	ok->info = p + off + 4;
	ok->info_len = len - off - 4;
	(void)caps;
	return JG_OK;
}

int jg_pkt_parse_err(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_err *e)
{
	memset(e, 0, sizeof(*e));
	if (len < 3 || p[0] != 0xff)
		return JG_ERR_PROTO;
	e->code = (uint16_t)jg_le16(p + 1);
	if (len >= 9 && p[3] == '#') {
		memcpy(e->sqlstate, p + 4, 5);
		e->msg = p + 9;
		e->msg_len = len - 9;
	} else {
		memcpy(e->sqlstate, "HY000", 6);
		e->msg = p + 3;
		e->msg_len = len - 3;
	}
	(void)caps;
	return JG_OK;
}

int jg_pkt_parse_eof(const uint8_t *p, size_t len, struct jg_pkt_eof *e)
{
	memset(e, 0, sizeof(*e));
	if (len < 5 || len >= 9 || p[0] != 0xfe)
		return JG_ERR_PROTO;
	e->warnings = (uint16_t)jg_le16(p + 1);
	e->status = (uint16_t)jg_le16(p + 3);
	return JG_OK;
}
