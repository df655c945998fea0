/*
 * resp.h: tracks the server's response to each command (spec/response.rl) so that the gateway
 * always knows where it is in the conversation: which packet is a column definition, a row, the
 * end of a result set or of the whole response. Later stages hook rows and column definitions.
 *
 * struct jg_resp is embedded in the session; it does not allocate. The packet bytes given to
 * jg_resp_packet are borrowed for the duration of the call.
 */
#ifndef JG_PROTO_RESP_H
#define JG_PROTO_RESP_H

#include "jg.h"
#include "proto/pkt.h"      /* JG_COM_*, JG_SERVER_*, the OK / EOF readers */

enum jg_resp_state {
	JG_RESP_IDLE, JG_RESP_QUERY, JG_RESP_DEFS, JG_RESP_DEFS_EOF, JG_RESP_EXEC_DEFS_EOF,
	JG_RESP_ROWS, JG_RESP_PREPARE, JG_RESP_SIMPLE, JG_RESP_STRING, JG_RESP_FIELDS,
};

/* What the last packet fed to the machine was, for the result stage. */
enum jg_resp_kind {
	JG_RK_OTHER,              /* a string, a COM_FIELD_LIST definition, or an error */
	JG_RK_OK,                 /* an OK that ends a result (0x00) */
	JG_RK_ERR,                /* an ERR that ends the response */
	JG_RK_EOF,                /* an EOF or 0xFE OK that ends rows */
	JG_RK_DEFS_EOF,           /* the EOF after definitions (without CLIENT_DEPRECATE_EOF) */
	JG_RK_COUNT,              /* a result set's column count */
	JG_RK_COLDEF,             /* a column definition */
	JG_RK_PARAMDEF,           /* a parameter definition (COM_STMT_PREPARE) */
	JG_RK_PREPARE_OK,         /* COM_STMT_PREPARE_OK */
	JG_RK_ROW,                /* a row, text or binary */
};

/* Which counted list of definitions is being read. */
enum jg_resp_list { JG_LIST_COLUMNS, JG_LIST_PARAMS, JG_LIST_PREPARED_COLUMNS };

struct jg_resp {
	int cs;                   /* machine state (gen/response.c) */
	int err;                  /* sticky: first error (enum jg_err), 0 while fine */
	uint8_t deprecate_eof;    /* CLIENT_DEPRECATE_EOF was negotiated */
	uint8_t busy;             /* a response is outstanding */
	uint8_t list;             /* enum jg_resp_list */
	uint8_t command;          /* the command being answered */
	uint64_t left;            /* definitions still to come in the current list */
	uint32_t prep_columns;    /* PREPARE_OK: column definitions after the parameters */
	uint16_t status;          /* server status of the last OK/EOF */
	uint8_t sym;              /* class of the packet being fed */
	uint8_t kind;             /* enum jg_resp_kind of the last packet fed */
	uint64_t rows;            /* rows seen in this response (all result sets) */
	uint32_t results;         /* results (OK or result set) seen in this response */
	/* The packet being classified: borrowed for one jg_resp_packet call. */
	const uint8_t *pkt;
	size_t pkt_len;           /* bytes available at pkt (may be less than the packet) */
	uint32_t pkt_total;       /* payload length of the first physical packet */
};

/*
 * jg_resp_expect: a command was forwarded: set up for its response. Returns 1 when the command
 * has a response to track, 0 when it has none (COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT).
 */
int jg_resp_expect(struct jg_resp *r, uint8_t command);

/*
 * jg_resp_packet: one logical packet from the server. payload holds at least the first
 * min(total, JG_RESP_PEEK) bytes, or the whole packet when it is short (see jg_resp_need).
 * Returns JG_OK, or the sticky error (JG_ERR_PROTO, JG_ERR_UNSUPPORTED for LOCAL INFILE).
 */
int jg_resp_packet(struct jg_resp *r, const uint8_t *payload, size_t avail, uint32_t total);

/* jg_resp_need: how many payload bytes jg_resp_packet needs to classify a packet of total bytes. */
#define JG_RESP_PEEK 64u
static inline size_t jg_resp_need(uint32_t total) { return total < JG_RESP_PEEK ? total : JG_RESP_PEEK; }

/* jg_resp_done: no response is outstanding. */
static inline int jg_resp_done(const struct jg_resp *r) { return !r->busy; }

/* jg_resp_symbol: the packet class of spec/response.rl for a payload (exposed for tests). */
uint8_t jg_resp_symbol(const uint8_t *payload, size_t avail, uint32_t total, uint16_t *status);

/* Machine glue (gen/response.c) and its actions (src/proto/resp.c). */
int jg_resp_entry(enum jg_resp_state st);
void jg_resp_exec(struct jg_resp *r, uint8_t sym);
int jg_resp_on_end(struct jg_resp *r);
int jg_resp_on_more_results(struct jg_resp *r);
int jg_resp_on_column_count(struct jg_resp *r);
int jg_resp_on_definition(struct jg_resp *r, int stay);
int jg_resp_on_definitions_eof(struct jg_resp *r);
void jg_resp_on_row(struct jg_resp *r);
int jg_resp_on_local_infile(struct jg_resp *r);
int jg_resp_on_prepare_ok(struct jg_resp *r);
int jg_resp_on_unexpected(struct jg_resp *r);

#endif
