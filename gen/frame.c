/* generated from spec/frame.rl by Ragel State Machine Compiler version 6.10 March 2017; do not edit: make gen */

#line 1 "spec/frame.rl"
/*
 * frame.rl: the MySQL packet header (MySQL Client/Server Protocol, "MySQL Packets").
 *
 *   int<3> payload_length   little-endian
 *   int<1> sequence_id
 *
 * A payload of exactly 0xFFFFFF bytes means the logical packet continues in the next physical
 * packet; a logical packet ends with a physical packet shorter than that (possibly empty). The
 * machine reads one header; the payload itself is counted by src/proto/frame.c without touching
 * each byte, so that rows are forwarded without a per-byte cost.
 */
#include "proto/frame.h"


#line 25 "spec/frame.rl"



#line 17 "gen/frame.c"
static const int jg_frame_start = 1;


#line 28 "spec/frame.rl"

int jg_frame_parse_header(struct jg_frame *f, const uint8_t *p)
{
	const uint8_t *pe = p + JG_FRAME_HDR;
	int cs;

	
#line 25 "gen/frame.c"
	{
	cs = jg_frame_start;
	}

#line 35 "spec/frame.rl"
	
#line 28 "gen/frame.c"
	{
	if ( p == pe )
		goto _test_eof;
	switch ( cs )
	{
case 1:
	goto tr0;
tr0:
#line 18 "spec/frame.rl"
	{ jg_frame_len_byte(f, (*p), 0); }
	goto st2;
st2:
	if ( ++p == pe )
		goto _test_eof2;
case 2:
#line 42 "gen/frame.c"
	goto tr1;
tr1:
#line 19 "spec/frame.rl"
	{ jg_frame_len_byte(f, (*p), 8); }
	goto st3;
st3:
	if ( ++p == pe )
		goto _test_eof3;
case 3:
#line 50 "gen/frame.c"
	goto tr2;
tr2:
#line 20 "spec/frame.rl"
	{ jg_frame_len_byte(f, (*p), 16); }
	goto st4;
st4:
	if ( ++p == pe )
		goto _test_eof4;
case 4:
#line 58 "gen/frame.c"
	goto tr3;
tr3:
#line 21 "spec/frame.rl"
	{ jg_frame_seq(f, (*p)); }
	goto st5;
st5:
	if ( ++p == pe )
		goto _test_eof5;
case 5:
#line 66 "gen/frame.c"
	goto st0;
st0:
cs = 0;
	goto _out;
	}
	_test_eof2: cs = 2; goto _test_eof; 
	_test_eof3: cs = 3; goto _test_eof; 
	_test_eof4: cs = 4; goto _test_eof; 
	_test_eof5: cs = 5; goto _test_eof; 

	_test_eof: {}
	_out: {}
	}

#line 36 "spec/frame.rl"
	return cs >= 0 ? JG_OK : JG_ERR_PROTO;
}
