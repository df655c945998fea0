/* generated from spec/client.rl by Ragel State Machine Compiler version 6.10 March 2017; do not edit: make gen */

#line 1 "spec/client.rl"
/*
 * client.rl: the connection phase on the client leg, where jitgate is the server (MySQL
 * Client/Server Protocol, "Connection Phase": Protocol::HandshakeV10, SSLRequest,
 * HandshakeResponse41, AuthSwitchRequest, AuthMoreData).
 *
 * Classes from src/proto/client.c:
 *   's'  a 32-byte payload: SSLRequest        'h'  a longer payload: HandshakeResponse41
 * Every packet after the response belongs to the authentication exchange whatever its class.
 * Actions are one-line calls into src/proto/client.c, handed the packet they are about.
 */
#include "proto/client.h"


#line 22 "spec/client.rl"



#line 16 "gen/client.c"
static const int jg_client_login_start = 1;
static const int jg_client_login_error = 0;


#line 25 "spec/client.rl"

void jg_client_machine_init(struct jg_hs *h)
{
	int cs;

	
#line 24 "gen/client.c"
	{
	cs = jg_client_login_start;
	}

#line 31 "spec/client.rl"
	h->cs = cs;
}

int jg_client_machine_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym,
                           const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	const uint8_t *p = &sym, *pe = p + 1;
	int cs = h->cs;

	
#line 36 "gen/client.c"
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
#line 18 "spec/client.rl"
	{ jg_client_on_response(s, pkt, len, seq); }
	goto st3;
tr3:
#line 19 "spec/client.rl"
	{ jg_client_on_auth_data(s, pkt, len, seq); }
	goto st3;
st3:
	if ( ++p == pe )
		goto _test_eof3;
case 3:
#line 60 "gen/client.c"
	goto tr3;
tr2:
#line 17 "spec/client.rl"
	{ jg_client_on_ssl_request(s, pkt, len, seq); }
	goto st2;
st2:
	if ( ++p == pe )
		goto _test_eof2;
case 2:
#line 68 "gen/client.c"
	if ( (*p) == 104u )
		goto tr0;
	goto st0;
	}
	_test_eof3: cs = 3; goto _test_eof; 
	_test_eof2: cs = 2; goto _test_eof; 

	_test_eof: {}
	_out: {}
	}

#line 41 "spec/client.rl"
	h->cs = cs;
	return cs == jg_client_login_error ? JG_ERR_PROTO : JG_OK;
}
