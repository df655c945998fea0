/*
 * gateway.h: what every session of a running gateway shares. Built by `serve` before the
 * workers start and read-only afterwards, except the backend facts learned from greetings
 * (under ver_mu) and the policy in force (published atomically).
 *
 * It lives below net/ and cli/: the sessions (src/proto) read it, `serve` (src/cli) builds it,
 * and the event loop (src/net) never sees it.
 */
#ifndef JG_GW_GATEWAY_H
#define JG_GW_GATEWAY_H

#include "gw/config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>

struct jg_policy;
struct jg_tls_server;
struct jg_tls_client;
struct jg_auth;
struct jg_cred;
struct jg_audit;
struct jg_refusals;

struct jg_gateway {
	const struct jg_config *cfg;
	struct jg_tls_server *tls;          /* client leg credentials */
	struct jg_tls_client *backend_tls;  /* NULL when [backend] tls = off */
	struct jg_auth *auth;
	struct sockaddr_storage backend_addr;
	socklen_t backend_addrlen;
	char backend_host[256];             /* for SNI and the certificate name check */
	struct sockaddr_storage listen_addr;
	socklen_t listen_addrlen;

	pthread_mutex_t ver_mu;             /* guards the three fields below */
	char backend_version[96];
	uint32_t backend_caps;
	uint8_t backend_charset;

	atomic_uint next_conn_id;
	volatile sig_atomic_t stop;

	/*
	 * The policy in force (NULL without a [policy] file). A reload publishes a new one; old ones
	 * stay allocated until exit, since a worker may be deciding with one (reloads are rare).
	 */
	_Atomic(const struct jg_policy *) policy;
	volatile sig_atomic_t reload;       /* SIGHUP seen: worker 0 calls reload_policy */
	void (*reload_policy)(struct jg_gateway *gw);

	struct jg_cred *cred;               /* just-in-time users; NULL in shared mode */
	struct jg_audit *audit;             /* the audit trail; NULL with [store] audit = off */
	struct jg_refusals *refusals;       /* which refused logins get a record (audit/refusals.h) */
};

/* jg_gateway_set_backend: records what a backend greeting told (version, caps, charset). */
void jg_gateway_set_backend(struct jg_gateway *gw, const char *version, uint32_t caps,
                            uint8_t charset);

/* jg_gateway_backend: copies them out, for a client's greeting. */
void jg_gateway_backend(struct jg_gateway *gw, char *version, size_t cap, uint32_t *caps,
                        uint8_t *charset);

#endif
