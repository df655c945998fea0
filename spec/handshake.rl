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

%%{
	machine jg_hs_client;
	alphtype unsigned char;

	action ssl      { jg_hs_on_ssl_request(s); }
	action response { jg_hs_on_response(s); }
	action authdata { jg_hs_on_auth_data(s); }

	main := ( 's' @ssl )? 'h' @response ( any @authdata )*;
}%%

%% write data nofinal noentry;

void jg_hs_client_init(struct jg_hs *h)
{
	int cs;

	%% write init;
	h->cs = cs;
}

int jg_hs_client_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym)
{
	const uint8_t *p = &sym, *pe = p + 1;
	int cs = h->cs;

	%% write exec;
	h->cs = cs;
	return cs == jg_hs_client_error ? JG_ERR_PROTO : JG_OK;
}

/*
 * Backend leg (jitgate is the client). Classes from the first byte:
 *   'g' 0x0A HandshakeV10   'o' 0x00 OK   'e' 0xFF ERR   'w' 0xFE AuthSwitchRequest
 *   'm' 0x01 AuthMoreData   'x' anything else (no transition: protocol error)
 */
%%{
	machine jg_hs_backend;
	alphtype unsigned char;

	action greeting { jg_hs_on_greeting(s); }
	action switch   { jg_hs_on_auth_switch(s); }
	action more     { jg_hs_on_more_data(s); }
	action ok       { jg_hs_on_login_ok(s); }
	action refused  { jg_hs_on_login_err(s); }

	main := 'g' @greeting ( 'w' @switch | 'm' @more )* ( 'o' @ok | 'e' @refused ) | 'e' @refused;
}%%

%% write data nofinal noentry;

void jg_hs_backend_init(struct jg_hs *h)
{
	int cs;

	%% write init;
	h->cs = cs;
}

int jg_hs_backend_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym)
{
	const uint8_t *p = &sym, *pe = p + 1;
	int cs = h->cs;

	%% write exec;
	h->cs = cs;
	return cs == jg_hs_backend_error ? JG_ERR_PROTO : JG_OK;
}
