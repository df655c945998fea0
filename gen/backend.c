/* generated from spec/backend.rl by Ragel State Machine Compiler version 6.10 March 2017; do not edit: make gen */

#line 1 "spec/backend.rl"
/*
 * backend.rl: the connection phase on the backend leg, where jitgate is the client (MySQL
 * Client/Server Protocol, "Connection Phase": Protocol::HandshakeV10, AuthSwitchRequest,
 * AuthMoreData, OK, ERR).
 *
 * Classes from the first byte (src/proto/backend.c):
 *   'g' 0x0A HandshakeV10   'o' 0x00 OK   'e' 0xFF ERR   'w' 0xFE AuthSwitchRequest
 *   'm' 0x01 AuthMoreData   'x' anything else (no transition: protocol error)
 * Actions are one-line calls into src/proto/backend.c, handed the packet they are about.
 */
#include "proto/backend.h"


#line 24 "spec/backend.rl"



#line 16 "gen/backend.c"
static const int jg_backend_login_start = 1;
static const int jg_backend_login_error = 0;


#line 27 "spec/backend.rl"

void jg_backend_machine_init(struct jg_hs *h)
{
	int cs;

	
#line 24 "gen/backend.c"
	{
	cs = jg_backend_login_start;
	}

#line 33 "spec/backend.rl"
	h->cs = cs;
}

int jg_backend_machine_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym,
                            const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	const uint8_t *p = &sym, *pe = p + 1;
	int cs = h->cs;

	
#line 36 "gen/backend.c"
	{
	if ( p == pe )
		goto _test_eof;
	switch ( cs )
	{
case 1:
	switch( (*p) ) {
		case 101u: goto tr0;
		case 103u: goto tr2;
	}
	goto st0;
st0:
cs = 0;
	goto _out;
tr0:
#line 21 "spec/backend.rl"
	{ jg_backend_on_login_err(s, pkt, len, seq); }
	goto st3;
tr4:
#line 20 "spec/backend.rl"
	{ jg_backend_on_login_ok(s, pkt, len, seq); }
	goto st3;
st3:
	if ( ++p == pe )
		goto _test_eof3;
case 3:
#line 60 "gen/backend.c"
	goto st0;
tr2:
#line 17 "spec/backend.rl"
	{ jg_backend_on_greeting(s, pkt, len, seq); }
	goto st2;
tr3:
#line 19 "spec/backend.rl"
	{ jg_backend_on_more_data(s, pkt, len, seq); }
	goto st2;
tr5:
#line 18 "spec/backend.rl"
	{ jg_backend_on_auth_switch(s, pkt, len, seq); }
	goto st2;
st2:
	if ( ++p == pe )
		goto _test_eof2;
case 2:
#line 74 "gen/backend.c"
	switch( (*p) ) {
		case 101u: goto tr0;
		case 109u: goto tr3;
		case 111u: goto tr4;
		case 119u: goto tr5;
	}
	goto st0;
	}
	_test_eof3: cs = 3; goto _test_eof; 
	_test_eof2: cs = 2; goto _test_eof; 

	_test_eof: {}
	_out: {}
	}

#line 43 "spec/backend.rl"
	h->cs = cs;
	return cs == jg_backend_login_error ? JG_ERR_PROTO : JG_OK;
}
