/* resp.c: classification and actions of the response machine; see resp.h and spec/response.rl. */
#include "proto/resp.h"

#include "proto/frame.h"

#include <string.h>

/*
 * ok_status: the status of an OK packet (also the 0xFE one that ends rows with DEPRECATE_EOF),
 * from its head: the tracker may be handed only the first bytes of a long packet, and the
 * status is all it needs; info and session state are for stages that read the whole packet.
 */
static int ok_status(const uint8_t *p, size_t avail, uint16_t *status)
{
	return jg_pkt_ok_status(p, avail, status) == JG_OK;
}

uint8_t jg_resp_symbol(const uint8_t *p, size_t avail, uint32_t total, uint16_t *status)
{
	struct jg_pkt_eof eof;
	uint16_t st = 0;

	*status = 0;
	if (total == 0 || avail == 0)
		return 'd';
	switch (p[0]) {
	case 0x00:
		if (ok_status(p, avail, &st) && (st & JG_SERVER_MORE_RESULTS_EXISTS)) {
			*status = st;
			return 'O';
		}
		*status = st;
		return 'o';
	case 0xff:
		return 'e';
	case 0xfb:
		return 'l';
	case 0xfe:
		if (total >= JG_FRAME_MAX)
			return 'd';        /* a row whose first value is 16 MiB or more */
		if (total < 9) {
			/* EOF_Packet, or the short OK that DEPRECATE_EOF sends instead: either way the
			 * end of something, as no row of under 9 bytes starts with 0xFE. */
			if (jg_pkt_parse_eof(p, JG_MIN(avail, total), &eof) == JG_OK)
				st = eof.status;
			else
				ok_status(p, avail, &st);
		} else if (!ok_status(p, avail, &st)) {
			return 'd';
		}
		*status = st;
		if (st & JG_SERVER_MORE_RESULTS_EXISTS)
			return 'T';        /* more results win over a cursor flag (spec/response.rl) */
		return (st & JG_SERVER_STATUS_CURSOR_EXISTS) ? 'c' : 't';
	default:
		return 'd';
	}
}

int jg_resp_expect(struct jg_resp *r, uint8_t command)
{
	enum jg_resp_state st;

	r->err = 0;
	r->command = command;
	r->rows = 0;
	r->results = 0;
	r->left = 0;
	switch (command) {
	case JG_COM_QUERY:
	case JG_COM_STMT_EXECUTE:
	case JG_COM_PROCESS_INFO:
		st = JG_RESP_QUERY;
		break;
	case JG_COM_STMT_FETCH:
		st = JG_RESP_ROWS;
		break;
	case JG_COM_STMT_PREPARE:
		st = JG_RESP_PREPARE;
		break;
	case JG_COM_FIELD_LIST:
		st = JG_RESP_FIELDS;
		break;
	case JG_COM_STATISTICS:
		st = JG_RESP_STRING;
		break;
	case JG_COM_QUIT:
	case JG_COM_STMT_CLOSE:
	case JG_COM_STMT_SEND_LONG_DATA:
		r->busy = 0;
		r->cs = jg_resp_entry(JG_RESP_IDLE);
		return 0;
	default:
		st = JG_RESP_SIMPLE;
		break;
	}
	r->busy = 1;
	r->cs = jg_resp_entry(st);
	return 1;
}

int jg_resp_packet(struct jg_resp *r, const uint8_t *payload, size_t avail, uint32_t total)
{
	if (r->err)
		return r->err;
	r->pkt = payload;
	r->pkt_len = avail;
	r->pkt_total = total;
	r->sym = jg_resp_symbol(payload, avail, total, &r->status);
	r->kind = JG_RK_OTHER;
	jg_resp_exec(r, r->sym);
	if (jg_log_level >= JG_LOG_DEBUG)
		jg_log(JG_LOG_DEBUG, "resp: packet %c (%u bytes) -> state %d err %d", r->sym, total,
		       r->cs, r->err);
	r->pkt = NULL;
	return r->err;
}

/* end_kind: what the packet that ends a result or a response was. */
static uint8_t end_kind(uint8_t sym)
{
	switch (sym) {
	case 'o': case 'O': return JG_RK_OK;
	case 'e': return JG_RK_ERR;
	case 't': case 'T': case 'c': return JG_RK_EOF;
	default: return JG_RK_OTHER;    /* COM_STATISTICS's string */
	}
}

int jg_resp_on_end(struct jg_resp *r)
{
	if (r->kind == JG_RK_OTHER)     /* the last definition of a list may end a response */
		r->kind = end_kind(r->sym);
	if (r->sym == 'o' && r->command != JG_COM_STMT_PREPARE)
		r->results++;          /* an OK result (rows end with 't', not 'o') */
	r->busy = 0;
	return jg_resp_entry(JG_RESP_IDLE);
}

int jg_resp_on_more_results(struct jg_resp *r)
{
	r->kind = end_kind(r->sym);
	if (r->sym == 'O')
		r->results++;          /* an OK result; a result set was counted at its column count */
	return jg_resp_entry(JG_RESP_QUERY);
}

int jg_resp_on_column_count(struct jg_resp *r)
{
	uint64_t n = 0;

	if (jg_pkt_lenenc(r->pkt, r->pkt_len, &n) == 0 || n == 0 || n > 4096) {
		r->err = JG_ERR_PROTO;      /* MySQL allows at most 4096 columns per table */
		return jg_resp_entry(JG_RESP_IDLE);
	}
	r->results++;
	r->kind = JG_RK_COUNT;
	r->list = JG_LIST_COLUMNS;
	r->left = n;
	return jg_resp_entry(JG_RESP_DEFS);
}

/* after_list: the state after the last definition of a list (and its EOF, if any). */
static int after_list(struct jg_resp *r)
{
	switch (r->list) {
	case JG_LIST_COLUMNS:
		return jg_resp_entry(JG_RESP_ROWS);
	case JG_LIST_PARAMS:
		if (r->prep_columns) {
			r->list = JG_LIST_PREPARED_COLUMNS;
			r->left = r->prep_columns;
			return jg_resp_entry(JG_RESP_DEFS);
		}
		break;
	default:
		break;
	}
	return jg_resp_on_end(r);
}

int jg_resp_on_definition(struct jg_resp *r, int stay)
{
	r->kind = r->list == JG_LIST_PARAMS ? JG_RK_PARAMDEF : JG_RK_COLDEF;
	if (--r->left > 0)
		return stay;
	if (r->deprecate_eof)
		return after_list(r);
	/* Only COM_STMT_EXECUTE opens a cursor whose EOF ends the response (spec/response.rl). */
	if (r->command == JG_COM_STMT_EXECUTE && r->list == JG_LIST_COLUMNS)
		return jg_resp_entry(JG_RESP_EXEC_DEFS_EOF);
	return jg_resp_entry(JG_RESP_DEFS_EOF);
}

int jg_resp_on_definitions_eof(struct jg_resp *r)
{
	r->kind = JG_RK_DEFS_EOF;
	return after_list(r);
}

void jg_resp_on_row(struct jg_resp *r)
{
	r->rows++;
	r->kind = JG_RK_ROW;
}

int jg_resp_on_local_infile(struct jg_resp *r)
{
	/* CLIENT_LOCAL_FILES is never offered to the server, so this is a server fault. */
	r->err = JG_ERR_UNSUPPORTED;
	return jg_resp_entry(JG_RESP_IDLE);
}

int jg_resp_on_prepare_ok(struct jg_resp *r)
{
	/* COM_STMT_PREPARE_OK: 0x00, statement_id<4>, num_columns<2>, num_params<2>, ... */
	if (r->pkt_len < 9) {
		r->err = JG_ERR_PROTO;
		return jg_resp_entry(JG_RESP_IDLE);
	}
	r->kind = JG_RK_PREPARE_OK;
	r->prep_columns = jg_le16(r->pkt + 5);
	r->left = jg_le16(r->pkt + 7);
	r->list = JG_LIST_PARAMS;
	if (r->left)
		return jg_resp_entry(JG_RESP_DEFS);
	return after_list(r);
}

int jg_resp_on_unexpected(struct jg_resp *r)
{
	r->err = JG_ERR_PROTO;
	return jg_resp_entry(JG_RESP_IDLE);
}
