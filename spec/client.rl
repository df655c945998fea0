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

%%{
	machine jg_client_login;
	alphtype unsigned char;

	action ssl      { jg_client_on_ssl_request(s, pkt, len, seq); }
	action response { jg_client_on_response(s, pkt, len, seq); }
	action authdata { jg_client_on_auth_data(s, pkt, len, seq); }

	main := ( 's' @ssl )? 'h' @response ( any @authdata )*;
}%%

%% write data nofinal noentry;

void jg_client_machine_init(struct jg_hs *h)
{
	int cs;

	%% write init;
	h->cs = cs;
}

int jg_client_machine_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym,
                           const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	const uint8_t *p = &sym, *pe = p + 1;
	int cs = h->cs;

	%% write exec;
	h->cs = cs;
	return cs == jg_client_login_error ? JG_ERR_PROTO : JG_OK;
}
