/* generated from spec/response.rl by Ragel State Machine Compiler version 6.10 March 2017; do not edit: make gen */

#line 1 "spec/response.rl"
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


#line 77 "spec/response.rl"



#line 32 "gen/response.c"
static const int jg_resp_start = 1;
static const int jg_resp_error = 0;

static const int jg_resp_en_main = 1;
static const int jg_resp_en_defs = 9;
static const int jg_resp_en_defs_eof = 2;
static const int jg_resp_en_exec_defs_eof = 3;
static const int jg_resp_en_rows = 12;
static const int jg_resp_en_prepare = 4;
static const int jg_resp_en_simple = 5;
static const int jg_resp_en_string = 6;
static const int jg_resp_en_fields = 16;
static const int jg_resp_en_idle = 7;


#line 80 "spec/response.rl"

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

	
#line 69 "gen/response.c"
	{
	int _ps = 0;
	if ( p == pe )
		goto _test_eof;
	goto _resume;

_again:
	switch ( cs ) {
		case 1: goto st1;
		case 0: goto st0;
		case 8: goto st8;
		case 2: goto st2;
		case 10: goto st10;
		case 3: goto st3;
		case 11: goto st11;
		case 4: goto st4;
		case 13: goto st13;
		case 5: goto st5;
		case 14: goto st14;
		case 6: goto st6;
		case 15: goto st15;
		case 7: goto st7;
		case 17: goto st17;
		case 9: goto st9;
		case 12: goto st12;
		case 16: goto st16;
	default: break;
	}

	if ( ++p == pe )
		goto _test_eof;
_resume:
	switch ( cs )
	{
st1:
	if ( ++p == pe )
		goto _test_eof1;
case 1:
	switch( (*p) ) {
		case 79u: goto tr0;
		case 84u: goto tr2;
		case 99u: goto tr2;
		case 100u: goto tr3;
		case 101u: goto tr4;
		case 108u: goto tr5;
		case 111u: goto tr4;
		case 116u: goto tr2;
	}
	goto st0;
st0:
cs = 0;
	goto _out;
tr0:
#line 39 "spec/response.rl"
	{ {cs = (jg_resp_on_more_results(r));goto _again;} }
	goto st8;
tr2:
#line 46 "spec/response.rl"
	{ {cs = (jg_resp_on_unexpected(r));goto _again;} }
	goto st8;
tr3:
#line 40 "spec/response.rl"
	{ {cs = (jg_resp_on_column_count(r));goto _again;} }
	goto st8;
tr4:
#line 38 "spec/response.rl"
	{ {cs = (jg_resp_on_end(r));goto _again;} }
	goto st8;
tr5:
#line 44 "spec/response.rl"
	{ {cs = (jg_resp_on_local_infile(r));goto _again;} }
	goto st8;
st8:
	if ( ++p == pe )
		goto _test_eof8;
case 8:
#line 140 "gen/response.c"
	goto st0;
st2:
	if ( ++p == pe )
		goto _test_eof2;
case 2:
	switch( (*p) ) {
		case 79u: goto tr6;
		case 84u: goto tr7;
		case 99u: goto tr7;
		case 108u: goto tr6;
		case 111u: goto tr6;
		case 116u: goto tr7;
	}
	if ( 100u <= (*p) && (*p) <= 101u )
		goto tr6;
	goto st0;
tr6:
#line 46 "spec/response.rl"
	{ {cs = (jg_resp_on_unexpected(r));goto _again;} }
	goto st10;
tr7:
#line 42 "spec/response.rl"
	{ {cs = (jg_resp_on_definitions_eof(r));goto _again;} }
	goto st10;
st10:
	if ( ++p == pe )
		goto _test_eof10;
case 10:
#line 166 "gen/response.c"
	goto st0;
st3:
	if ( ++p == pe )
		goto _test_eof3;
case 3:
	switch( (*p) ) {
		case 79u: goto tr8;
		case 84u: goto tr9;
		case 99u: goto tr10;
		case 108u: goto tr8;
		case 111u: goto tr8;
		case 116u: goto tr9;
	}
	if ( 100u <= (*p) && (*p) <= 101u )
		goto tr8;
	goto st0;
tr8:
#line 46 "spec/response.rl"
	{ {cs = (jg_resp_on_unexpected(r));goto _again;} }
	goto st11;
tr10:
#line 38 "spec/response.rl"
	{ {cs = (jg_resp_on_end(r));goto _again;} }
	goto st11;
tr9:
#line 42 "spec/response.rl"
	{ {cs = (jg_resp_on_definitions_eof(r));goto _again;} }
	goto st11;
st11:
	if ( ++p == pe )
		goto _test_eof11;
case 11:
#line 195 "gen/response.c"
	goto st0;
st4:
	if ( ++p == pe )
		goto _test_eof4;
case 4:
	switch( (*p) ) {
		case 79u: goto tr11;
		case 84u: goto tr12;
		case 101u: goto tr13;
		case 108u: goto tr12;
		case 111u: goto tr11;
		case 116u: goto tr12;
	}
	if ( 99u <= (*p) && (*p) <= 100u )
		goto tr12;
	goto st0;
tr12:
#line 46 "spec/response.rl"
	{ {cs = (jg_resp_on_unexpected(r));goto _again;} }
	goto st13;
tr13:
#line 38 "spec/response.rl"
	{ {cs = (jg_resp_on_end(r));goto _again;} }
	goto st13;
tr11:
#line 45 "spec/response.rl"
	{ {cs = (jg_resp_on_prepare_ok(r));goto _again;} }
	goto st13;
st13:
	if ( ++p == pe )
		goto _test_eof13;
case 13:
#line 224 "gen/response.c"
	goto st0;
st5:
	if ( ++p == pe )
		goto _test_eof5;
case 5:
	switch( (*p) ) {
		case 79u: goto tr14;
		case 84u: goto tr14;
		case 100u: goto tr15;
		case 108u: goto tr15;
		case 111u: goto tr14;
		case 116u: goto tr14;
	}
	if ( 99u <= (*p) && (*p) <= 101u )
		goto tr14;
	goto st0;
tr15:
#line 46 "spec/response.rl"
	{ {cs = (jg_resp_on_unexpected(r));goto _again;} }
	goto st14;
tr14:
#line 38 "spec/response.rl"
	{ {cs = (jg_resp_on_end(r));goto _again;} }
	goto st14;
st14:
	if ( ++p == pe )
		goto _test_eof14;
case 14:
#line 250 "gen/response.c"
	goto st0;
st6:
	if ( ++p == pe )
		goto _test_eof6;
case 6:
	switch( (*p) ) {
		case 79u: goto tr16;
		case 84u: goto tr16;
		case 108u: goto tr16;
		case 111u: goto tr16;
		case 116u: goto tr16;
	}
	if ( 99u <= (*p) && (*p) <= 101u )
		goto tr16;
	goto st0;
tr16:
#line 38 "spec/response.rl"
	{ {cs = (jg_resp_on_end(r));goto _again;} }
	goto st15;
st15:
	if ( ++p == pe )
		goto _test_eof15;
case 15:
#line 272 "gen/response.c"
	goto st0;
st7:
	if ( ++p == pe )
		goto _test_eof7;
case 7:
	switch( (*p) ) {
		case 79u: goto tr17;
		case 84u: goto tr17;
		case 108u: goto tr17;
		case 111u: goto tr17;
		case 116u: goto tr17;
	}
	if ( 99u <= (*p) && (*p) <= 101u )
		goto tr17;
	goto st0;
tr17:
#line 46 "spec/response.rl"
	{ {cs = (jg_resp_on_unexpected(r));goto _again;} }
	goto st17;
st17:
	if ( ++p == pe )
		goto _test_eof17;
case 17:
#line 294 "gen/response.c"
	goto st0;
tr18:
#line 41 "spec/response.rl"
	{ {cs = (jg_resp_on_definition(r, (_ps)));goto _again;} }
	goto st9;
st9:
	if ( ++p == pe )
		goto _test_eof9;
case 9:
#line 302 "gen/response.c"
	_ps = 9;
	switch( (*p) ) {
		case 79u: goto tr18;
		case 84u: goto tr18;
		case 108u: goto tr18;
		case 111u: goto tr18;
		case 116u: goto tr18;
	}
	if ( 99u <= (*p) && (*p) <= 101u )
		goto tr18;
	goto st0;
tr20:
#line 39 "spec/response.rl"
	{ {cs = (jg_resp_on_more_results(r));goto _again;} }
	goto st12;
tr21:
#line 38 "spec/response.rl"
	{ {cs = (jg_resp_on_end(r));goto _again;} }
	goto st12;
tr19:
#line 43 "spec/response.rl"
	{ jg_resp_on_row(r); }
	goto st12;
st12:
	if ( ++p == pe )
		goto _test_eof12;
case 12:
#line 326 "gen/response.c"
	switch( (*p) ) {
		case 79u: goto tr19;
		case 84u: goto tr20;
		case 100u: goto tr19;
		case 108u: goto tr19;
		case 111u: goto tr19;
		case 116u: goto tr21;
	}
	if ( 99u <= (*p) && (*p) <= 101u )
		goto tr21;
	goto st0;
tr23:
#line 38 "spec/response.rl"
	{ {cs = (jg_resp_on_end(r));goto _again;} }
	goto st16;
st16:
	if ( ++p == pe )
		goto _test_eof16;
case 16:
#line 344 "gen/response.c"
	switch( (*p) ) {
		case 79u: goto st16;
		case 84u: goto tr23;
		case 100u: goto st16;
		case 108u: goto st16;
		case 111u: goto st16;
		case 116u: goto tr23;
	}
	if ( 99u <= (*p) && (*p) <= 101u )
		goto tr23;
	goto st0;
	}
	_test_eof1: cs = 1; goto _test_eof; 
	_test_eof8: cs = 8; goto _test_eof; 
	_test_eof2: cs = 2; goto _test_eof; 
	_test_eof10: cs = 10; goto _test_eof; 
	_test_eof3: cs = 3; goto _test_eof; 
	_test_eof11: cs = 11; goto _test_eof; 
	_test_eof4: cs = 4; goto _test_eof; 
	_test_eof13: cs = 13; goto _test_eof; 
	_test_eof5: cs = 5; goto _test_eof; 
	_test_eof14: cs = 14; goto _test_eof; 
	_test_eof6: cs = 6; goto _test_eof; 
	_test_eof15: cs = 15; goto _test_eof; 
	_test_eof7: cs = 7; goto _test_eof; 
	_test_eof17: cs = 17; goto _test_eof; 
	_test_eof9: cs = 9; goto _test_eof; 
	_test_eof12: cs = 12; goto _test_eof; 
	_test_eof16: cs = 16; goto _test_eof; 

	_test_eof: {}
	_out: {}
	}

#line 104 "spec/response.rl"
	r->cs = cs;
	if (cs == jg_resp_error && !r->err)
		r->err = JG_ERR_PROTO;
}
