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

%%{
	machine jg_backend_login;
	alphtype unsigned char;

	action greeting { jg_backend_on_greeting(s, pkt, len, seq); }
	action switch   { jg_backend_on_auth_switch(s, pkt, len, seq); }
	action more     { jg_backend_on_more_data(s, pkt, len, seq); }
	action ok       { jg_backend_on_login_ok(s, pkt, len, seq); }
	action refused  { jg_backend_on_login_err(s, pkt, len, seq); }

	main := 'g' @greeting ( 'w' @switch | 'm' @more )* ( 'o' @ok | 'e' @refused ) | 'e' @refused;
}%%

%% write data nofinal noentry;

void jg_backend_machine_init(struct jg_hs *h)
{
	int cs;

	%% write init;
	h->cs = cs;
}

int jg_backend_machine_exec(struct jg_hs *h, struct jg_session *s, uint8_t sym,
                            const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	const uint8_t *p = &sym, *pe = p + 1;
	int cs = h->cs;

	%% write exec;
	h->cs = cs;
	return cs == jg_backend_login_error ? JG_ERR_PROTO : JG_OK;
}
