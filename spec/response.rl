/*
 * response.rl: the server's response to each command in the command phase, as a machine over
 * packet classes. Encodes MySQL Client/Server Protocol, "Command Phase":
 * COM_QUERY_Response (OK, ERR, LOCAL INFILE request, text result set), Binary Protocol Resultset
 * (COM_STMT_EXECUTE), COM_STMT_PREPARE_OK with its parameter and column definitions,
 * COM_STMT_FETCH rows, multi-result responses (SERVER_MORE_RESULTS_EXISTS) and the EOF packets
 * that CLIENT_DEPRECATE_EOF removes.
 *
 * The alphabet: src/proto/resp.c turns each logical packet from the server into one symbol, from
 * its first byte and length only, so the machine below holds all of the context:
 *   'o'  first byte 0x00 (OK, PREPARE_OK, or a binary row)          'O'  ... and an OK with MORE_RESULTS
 *   't'  0xFE, shorter than 16 MiB (EOF, or the OK that ends rows)   'T'  ... with MORE_RESULTS
 *   'c'  ... with SERVER_STATUS_CURSOR_EXISTS and without MORE_RESULTS 'e'  0xFF, ERR
 *   'l'  0xFB (LOCAL INFILE request, or a text row whose first column is NULL)
 *   'd'  anything else (column count, column definition, text row)
 * Actions are one-line calls into src/proto/resp.c that return the next entry point: counted
 * lists (column and parameter definitions) and what follows them are decided there.
 *
 * SERVER_STATUS_CURSOR_EXISTS ends a response only at the EOF after COM_STMT_EXECUTE's column
 * definitions (exec_defs_eof): the statement opened a cursor and its rows come with
 * COM_STMT_FETCH. Anywhere else the flag is the status of a cursor that a stored program holds
 * (MariaDB keeps it set for the rest of the session's results, even after CLOSE), and 'c' is
 * read as 't'. SERVER_MORE_RESULTS_EXISTS wins over it: such a packet is 'T'. With
 * CLIENT_DEPRECATE_EOF there is no EOF after the definitions; the 0xFE OK that follows them at
 * once when a cursor was opened ends the response in rows, as any 't' does.
 */
#include "proto/resp.h"

%%{
	machine jg_resp;
	alphtype unsigned char;

	ok   = 'o' | 'O';
	term = 't' | 'T' | 'c';
	row  = ok | 'd' | 'l';          # text rows may start with 0x00 ('') or 0xFB (NULL)
	anyp = ok | term | 'e' | 'l' | 'd';

	action end     { fgoto *jg_resp_on_end(r); }
	action more    { fgoto *jg_resp_on_more_results(r); }
	action ncols   { fgoto *jg_resp_on_column_count(r); }
	action def     { fgoto *jg_resp_on_definition(r, fcurs); }
	action defseof { fgoto *jg_resp_on_definitions_eof(r); }
	action row     { jg_resp_on_row(r); }
	action local   { fgoto *jg_resp_on_local_infile(r); }
	action prepok  { fgoto *jg_resp_on_prepare_ok(r); }
	action unexp   { fgoto *jg_resp_on_unexpected(r); }

	# COM_QUERY, COM_STMT_EXECUTE, COM_PROCESS_INFO: OK, ERR, LOCAL INFILE or a result set.
	main := ( 'o' @end | 'O' @more | 'e' @end | 'l' @local | 'd' @ncols | term @unexp );

	# Column or parameter definitions: as many as counted; resp.c decides what follows.
	defs := ( anyp @def )*;

	# The EOF after definitions (absent with CLIENT_DEPRECATE_EOF).
	defs_eof := ( term @defseof | (ok | 'e' | 'l' | 'd') @unexp );

	# ... after COM_STMT_EXECUTE's column definitions: a cursor ends the response.
	exec_defs_eof := ( ('t' | 'T') @defseof | 'c' @end | (ok | 'e' | 'l' | 'd') @unexp );

	# Rows up to their terminator; another result set may follow.
	rows := ( row @row | ('t' | 'c' | 'e') @end | 'T' @more )*;

	# COM_STMT_PREPARE: PREPARE_OK then parameter definitions then column definitions.
	prepare := ( ok @prepok | 'e' @end | (term | 'l' | 'd') @unexp );

	# COM_PING, COM_INIT_DB, COM_STMT_RESET, COM_RESET_CONNECTION, COM_SET_OPTION (EOF), ...
	simple := ( (ok | term | 'e') @end | ('l' | 'd') @unexp );

	# COM_STATISTICS answers with one string packet.
	string := ( anyp @end );

	# COM_FIELD_LIST: column definitions up to EOF or ERR.
	fields := ( (ok | 'l' | 'd') | (term | 'e') @end )*;

	# No command outstanding: the server has nothing to say.
	idle := ( anyp @unexp );
}%%

%% write data nofinal;

int jg_resp_entry(enum jg_resp_state st)
{
	switch (st) {
	case JG_RESP_QUERY: return jg_resp_en_main;
	case JG_RESP_DEFS: return jg_resp_en_defs;
	case JG_RESP_DEFS_EOF: return jg_resp_en_defs_eof;
	case JG_RESP_EXEC_DEFS_EOF: return jg_resp_en_exec_defs_eof;
	case JG_RESP_ROWS: return jg_resp_en_rows;
	case JG_RESP_PREPARE: return jg_resp_en_prepare;
	case JG_RESP_SIMPLE: return jg_resp_en_simple;
	case JG_RESP_STRING: return jg_resp_en_string;
	case JG_RESP_FIELDS: return jg_resp_en_fields;
	case JG_RESP_IDLE: break;
	}
	return jg_resp_en_idle;
}

void jg_resp_exec(struct jg_resp *r, uint8_t sym)
{
	const uint8_t *p = &sym, *pe = p + 1;
	int cs = r->cs;

	%% write exec;
	r->cs = cs;
	if (cs == jg_resp_error && !r->err)
		r->err = JG_ERR_PROTO;
}
