/* generated from spec/handshake.rl by Ragel State Machine Compiler version 6.10 March 2017; do not edit: make gen */

#line 1 "spec/handshake.rl"
/*
 * handshake.rl: the connection phase on both legs, as machines over packet classes (MySQL
 * Client/Server Protocol, "Connection Phase": Protocol::HandshakeV10, SSLRequest,
 * HandshakeResponse41, AuthSwitchRequest, AuthMoreData, OK, ERR).
 *
 * Client leg (jitgate is the server). Classes from src/proto/handshake.c:
 *   's'  a 32-byte payload: SSLRequest        'h'  a longer payload: HandshakeResponse41
 * Every packet after the response belongs to the authentication exchange whatever its class.
 */
#include "proto/handshake.h"


#line 21 "spec/handshake.rl"



#line 15 "gen/handshake.c"
static const int jg_hs_client_start = 1;
static const int jg_hs_client_error = 0;


#line 24 "spec/handshake.rl"

void jg_hs_client_init(struct jg_hs *h)
{
	int cs;

	
#line 23 "gen/handshake.c"
	{
	cs = jg_hs_client_start;
	}

#line 30 "spec/handshake.rl"
	h->cs = cs;
}

int jg_hs_client_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym)
{
	const uint8_t *p = &sym, *pe = p + 1;
	int cs = h->cs;

	
#line 34 "gen/handshake.c"
	{
	if ( p == pe )
		goto _test_eof;
	switch ( cs )
	{
case 1:
	switch( (*p) ) {
		case 104u: goto tr0;
		case 115u: goto tr2;
	}
	goto st0;
st0:
cs = 0;
	goto _out;
tr0:
#line 17 "spec/handshake.rl"
	{ jg_hs_on_response(s); }
	goto st3;
tr3:
#line 18 "spec/handshake.rl"
	{ jg_hs_on_auth_data(s); }
	goto st3;
st3:
	if ( ++p == pe )
		goto _test_eof3;
case 3:
#line 58 "gen/handshake.c"
	goto tr3;
tr2:
#line 16 "spec/handshake.rl"
	{ jg_hs_on_ssl_request(s); }
	goto st2;
st2:
	if ( ++p == pe )
		goto _test_eof2;
case 2:
#line 66 "gen/handshake.c"
	if ( (*p) == 104u )
		goto tr0;
	goto st0;
	}
	_test_eof3: cs = 3; goto _test_eof; 
	_test_eof2: cs = 2; goto _test_eof; 

	_test_eof: {}
	_out: {}
	}

#line 39 "spec/handshake.rl"
	h->cs = cs;
	return cs == jg_hs_client_error ? JG_ERR_PROTO : JG_OK;
}

/*
 * Backend leg (jitgate is the client). Classes from the first byte:
 *   'g' 0x0A HandshakeV10   'o' 0x00 OK   'e' 0xFF ERR   'w' 0xFE AuthSwitchRequest
 *   'm' 0x01 AuthMoreData   'x' anything else (no transition: protocol error)
 */

#line 59 "spec/handshake.rl"



#line 87 "gen/handshake.c"
static const int jg_hs_backend_start = 1;
static const int jg_hs_backend_error = 0;


#line 62 "spec/handshake.rl"

void jg_hs_backend_init(struct jg_hs *h)
{
	int cs;

	
#line 95 "gen/handshake.c"
	{
	cs = jg_hs_backend_start;
	}

#line 68 "spec/handshake.rl"
	h->cs = cs;
}

int jg_hs_backend_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym)
{
	const uint8_t *p = &sym, *pe = p + 1;
	int cs = h->cs;

	
#line 106 "gen/handshake.c"
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
#line 56 "spec/handshake.rl"
	{ jg_hs_on_login_err(s); }
	goto st3;
tr4:
#line 55 "spec/handshake.rl"
	{ jg_hs_on_login_ok(s); }
	goto st3;
st3:
	if ( ++p == pe )
		goto _test_eof3;
case 3:
#line 130 "gen/handshake.c"
	goto st0;
tr2:
#line 52 "spec/handshake.rl"
	{ jg_hs_on_greeting(s); }
	goto st2;
tr3:
#line 54 "spec/handshake.rl"
	{ jg_hs_on_more_data(s); }
	goto st2;
tr5:
#line 53 "spec/handshake.rl"
	{ jg_hs_on_auth_switch(s); }
	goto st2;
st2:
	if ( ++p == pe )
		goto _test_eof2;
case 2:
#line 144 "gen/handshake.c"
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

#line 77 "spec/handshake.rl"
	h->cs = cs;
	return cs == jg_hs_backend_error ? JG_ERR_PROTO : JG_OK;
}
