/*
 * loop.h: the gateway's threads. One epoll worker per core (configurable); each worker owns a
 * SO_REUSEPORT listening socket, so the kernel spreads connections and a session stays on the
 * worker that accepted it. Timers are coarse: each worker sweeps its sessions' deadlines every
 * JG_TICK_MS.
 *
 * struct jg_gateway holds what all sessions share. It is built by `serve` before the workers
 * start and read-only afterwards, except the backend facts learned from greetings, under ver_mu.
 */
#ifndef JG_NET_LOOP_H
#define JG_NET_LOOP_H

#include "gw/config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>

#define JG_TICK_MS 250

struct jg_session;
struct jg_policy;
struct jg_tls_server;
struct jg_tls_client;
struct jg_auth;
struct jg_cred;

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
	volatile sig_atomic_t reload;       /* SIGHUP seen: a worker calls reload_policy */
	void (*reload_policy)(struct jg_gateway *gw);

	struct jg_cred *cred;               /* just-in-time users; NULL in shared mode */
};

struct jg_worker;

/* jg_worker_post: thread-safe; wakes the worker. */
void jg_worker_post(struct jg_worker *w, struct jg_post *p);

/* jg_gateway_run: starts the workers and returns when gw->stop is set and they have ended. */
int jg_gateway_run(struct jg_gateway *gw, int workers);

/* jg_gateway_set_backend: records what a backend greeting told (version, caps, charset). */
void jg_gateway_set_backend(struct jg_gateway *gw, const char *version, uint32_t caps,
                            uint8_t charset);

/* Used by sessions on their own worker's thread. */
int jg_worker_add(struct jg_worker *w, struct jg_session *s, int fd, int leg, uint32_t events);
int jg_worker_mod(struct jg_worker *w, struct jg_session *s, int fd, int leg, uint32_t events);
void jg_worker_release(struct jg_worker *w, struct jg_session *s);

/* Buffers of JG_DIR_BUF bytes lent to sessions; NULL when memory is out. */
uint8_t *jg_worker_buf_get(struct jg_worker *w);
void jg_worker_buf_put(struct jg_worker *w, uint8_t *buf);
int64_t jg_now_ms(void);

#endif
