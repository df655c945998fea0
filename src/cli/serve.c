/* serve.c: `jitgate serve -c FILE`: load everything, learn the backend, run the workers. */
#include "audit/audit.h"
#include "audit/refusals.h"
#include "auth/auth.h"
#include "cli/cli.h"
#include "gw/config.h"
#include "cred/cred.h"
#include "jg.h"
#include "gw/gateway.h"
#include "net/conn.h"
#include "net/loop.h"
#include "policy/policy.h"
#include "mask/catalog.h"
#include "mask/plan.h"
#include "proto/frame.h"
#include "proto/handshake.h"
#include "proto/pump.h"
#include "proto/session.h"
#include "tls/tls.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

static struct jg_gateway *the_gw;

static void on_signal(int sig)
{
	if (!the_gw)
		return;
	if (sig == SIGHUP)
		the_gw->reload = 1;
	else
		the_gw->stop = 1;
}

/* Every policy loaded since start: the one in force is the first; see loop.h on why older ones
 * are kept until exit. */
struct loaded_policy {
	struct jg_policy p;
	uint8_t *bytes;
	struct loaded_policy *next;
};
static struct loaded_policy *policies;

/* load_policy: compiles or loads [policy] file and puts it in force; JG_OK or an error in err. */
static int load_policy(struct jg_gateway *gw, char *err, size_t errlen)
{
	struct loaded_policy *lp = calloc(1, sizeof(*lp));
	const char *why;
	int rc;

	if (!lp) {
		snprintf(err, errlen, "out of memory");
		return JG_ERR_NOMEM;
	}
	rc = jg_policy_load_file(gw->cfg->policy_file, &lp->bytes, &lp->p, err, errlen);
	if (rc != JG_OK) {
		free(lp);
		return rc;
	}
	if ((why = jg_mask_policy_check(&lp->p, gw->cfg->mask_key_len))) {
		snprintf(err, errlen, "jitgate: %s: %s\n", gw->cfg->policy_file, why);
		free(lp->bytes);
		free(lp);
		return JG_ERR_CONFIG;
	}
	/* Roles first: a policy whose roles cannot be given to the database is refused whole. */
	if (gw->cred && (rc = jg_cred_set_policy(gw->cred, &lp->p, err, errlen)) != JG_OK) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "\n");
		free(lp->bytes);
		free(lp);
		return rc;
	}
	/* masks follow views to their tables through the catalog: read before the policy is in
	 * force at start (an error stops the start), in the background after a reload */
	if (lp->p.nmasks && jg_mask_catalog_start(gw->cfg, (unsigned)gw->cfg->mask_catalog_refresh,
	                                          !atomic_load(&gw->policy), err, errlen) != JG_OK) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "\n");
		free(lp->bytes);
		free(lp);
		return JG_ERR_BACKEND;
	}
	lp->next = policies;
	policies = lp;
	atomic_store(&gw->policy, &lp->p);
	jg_log(JG_LOG_INFO, "policy %s in force: %u roles, %u rules, %u masks",
	       gw->cfg->policy_file, lp->p.nroles, lp->p.nrules, lp->p.nmasks);
	return JG_OK;
}

/* reload_policy: SIGHUP. A policy that does not compile is refused and the old one stays. */
static void reload_policy(struct jg_gateway *gw)
{
	char err[2560];

	if (!gw->cfg->policy_file[0]) {
		jg_log(JG_LOG_INFO, "SIGHUP: no [policy] file to reload");
		return;
	}
	if (load_policy(gw, err, sizeof(err)) != JG_OK) {
		err[strcspn(err, "\n")] = '\0';       /* the first line names file:line:col */
		jg_log(JG_LOG_ERR, "policy reload refused, the policy in force stays: %s", err);
	}
}

static int resolve(const char *addr, struct sockaddr_storage *ss, socklen_t *len, char *host,
                   size_t hostlen, int passive)
{
	char port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0 };
	struct addrinfo *res, *ai;
	int rc;

	if (jg_config_split_address(addr, host, hostlen, port, sizeof(port)) != JG_OK)
		return -1;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		jg_log(JG_LOG_ERR, "cannot resolve %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	/* "localhost" often resolves to ::1 first while databases listen on 127.0.0.1 only. */
	for (ai = res; ai && ai->ai_family != AF_INET; ai = ai->ai_next)
		;
	if (!ai)
		ai = res;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* raise_fd_limit: each session holds two sockets; take the hard limit rather than 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			jg_log(JG_LOG_WARN, "cannot raise the open file limit: %s", strerror(errno));
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		jg_log(JG_LOG_INFO, "open file limit %llu (about %llu sessions)",
		       (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_cur / 2);
}

/*
 * probe_backend: reads the backend's greeting once (blocking, bounded) so that the first
 * client's greeting can carry the backend's version and capabilities. Sessions refresh these
 * from every greeting they see.
 */
static void probe_backend(struct jg_gateway *gw)
{
	uint8_t buf[1024];
	struct jg_greeting g;
	const char *why;
	size_t len;

	if (jg_net_read_packet_blocking((const struct sockaddr *)&gw->backend_addr,
	                                gw->backend_addrlen, 3000, buf, sizeof(buf), &len,
	                                &why) != JG_OK) {
		jg_log(JG_LOG_WARN, "backend %s is not reachable now (%s); clients will get an error "
		       "until it is", gw->cfg->backend_address, why);
		return;
	}
	if (jg_hs_parse_greeting(buf + JG_FRAME_HDR, len - JG_FRAME_HDR, &g) == JG_OK) {
		jg_gateway_set_backend(gw, g.version, g.caps, g.charset);
		jg_log(JG_LOG_INFO, "backend %s: %s", gw->cfg->backend_address, g.version);
	} else {
		jg_log(JG_LOG_WARN, "backend %s sent no greeting", gw->cfg->backend_address);
	}
}

/* How often worker 0 looks at the JWKS file for a change (one stat() each time). */
#define JWKS_LOOK_MS 1000
/* How often worker 0 records the counts of refused logins that got no record of their own. */
#define REFUSALS_FLUSH_MS 10000

/*
 * round: after each batch of events (at least every JG_TICK_MS). Worker 0 puts a new policy in
 * force and re-reads the JWKS after SIGHUP, and re-reads the JWKS when the file changed; sessions
 * whose signing key was removed notice it at their next tick (session.c).
 */
static void round_hook(void *arg, struct jg_worker *w)
{
	static int64_t next_look, next_refusals;
	struct jg_gateway *gw = arg;
	int64_t now;

	if (gw->audit)
		jg_audit_kick(gw->audit);       /* this batch's strict records share a commit */
	if (jg_worker_index(w) != 0)
		return;
	if (gw->reload) {
		gw->reload = 0;
		if (gw->reload_policy)
			gw->reload_policy(gw);
		jg_auth_refresh(gw->auth, 1, "SIGHUP");
	}
	now = jg_now_ms();
	if (now >= next_look) {
		next_look = now + JWKS_LOOK_MS;
		jg_auth_refresh(gw->auth, 0, "the file changed");
	}
	if (gw->refusals && now >= next_refusals) {
		next_refusals = now + REFUSALS_FLUSH_MS;
		jg_refusals_flush(gw->refusals, gw->audit);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: jitgate serve -c FILE\n");
}

/*
 * open_audit: the audit trail in the store ([store] audit, docs/audit.md), the store's folder
 * made (0700) when missing, the checkpoint key beside the store unless [store] audit_key says.
 */
static int open_audit(struct jg_gateway *gw, char *err, size_t errlen)
{
	const struct jg_config *c = gw->cfg;
	char dir[4096], key[4200], host[256] = "", start[600];
	char *slash;
	struct jg_audit_conf ac = {
		.path = c->store_path, .instance = c->cred_instance, .mode = c->store_audit,
		.sync_full = c->store_sync_full, .batch_ms = (unsigned)c->store_audit_batch_ms,
		.queue_bytes = (size_t)c->store_audit_queue << 20,
		.checkpoint_s = (unsigned)c->store_audit_checkpoint, .key_path = c->store_audit_key,
		.retain_days = (unsigned)c->store_audit_days,
		.retain_bytes = (uint64_t)c->store_audit_max_mb << 20,
	};

	if (c->store_audit == JG_AUDIT_OFF) {
		jg_log(JG_LOG_WARN, "[store] audit = off: sessions are not recorded");
		return JG_OK;
	}
	snprintf(dir, sizeof(dir), "%s", c->store_path);
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	else
		strcpy(dir, ".");
	if (slash != dir && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "[store] path: cannot make %s: %s", dir, strerror(errno));
		return JG_ERR_IO;
	}
	if (!ac.key_path[0]) {
		snprintf(key, sizeof(key), "%s/audit.key", slash == dir ? "" : dir);
		ac.key_path = key;
	}
	gethostname(host, sizeof(host) - 1);
	snprintf(start, sizeof(start), "{\"version\":\"%s\",\"host\":\"%s\",\"pid\":%ld,"
	         "\"mode\":\"%s\"}", JG_VERSION, host, (long)getpid(),
	         c->store_audit == JG_AUDIT_STRICT ? "strict" : "batched");
	if (c->store_audit_refused && !(gw->refusals = jg_refusals_new((unsigned)c->store_audit_refused))) {
		snprintf(err, errlen, "out of memory");
		return JG_ERR_NOMEM;
	}
	return jg_audit_open(&ac, start, &gw->audit, err, errlen);
}

/* stopped: the workers ended: the audit trail takes its last records and stops (before the
 * workers' memory goes, since the writer may still post to them until it stops). */
static void stopped(void *arg)
{
	struct jg_gateway *gw = arg;

	if (gw->refusals)
		jg_refusals_flush(gw->refusals, gw->audit);
	jg_audit_close(gw->audit);
	gw->audit = NULL;
}

/* signals: SIGINT and SIGTERM stop, SIGHUP reloads, a closed peer fails the write (rather than
 * end the process). */
static void signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int jg_cmd_serve(int argc, char **argv)
{
	static struct jg_config cfg;
	static struct jg_gateway gw;
	const char *path = NULL;
	char err[1024];
	long ncpu;
	int workers, rc = 1;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[++i];
		else {
			usage();
			return 2;
		}
	}
	if (getenv("JITGATE_DEBUG"))
		jg_log_level = JG_LOG_DEBUG;
	if (!path) {
		usage();
		return 2;
	}
	if (jg_config_load(&cfg, path, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate: %s\n", err);
		return 1;
	}
	gw.cfg = &cfg;
	signal(SIGXFSZ, SIG_IGN);   /* before the store is written: past a size limit a write fails */
	pthread_mutex_init(&gw.ver_mu, NULL);
	/* Until the backend answers, offer a plain MySQL 4.1+ set; sessions learn the rest. */
	strcpy(gw.backend_version, "5.5.5-unknown");
	gw.backend_caps = JG_CAPS_OFFERED;
	gw.backend_charset = 45;            /* utf8mb4_general_ci */
	if (jg_tls_server_load(&gw.tls, cfg.tls_cert, cfg.tls_key, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate: %s: %s\n", path, err);
		goto out;
	}
	if (cfg.backend_tls != JG_BE_TLS_OFF &&
	    jg_tls_client_load(&gw.backend_tls, cfg.backend_tls == JG_BE_TLS_VERIFY ? JG_TLS_VERIFY :
	                       JG_TLS_NOVERIFY, cfg.backend_tls_ca[0] ? cfg.backend_tls_ca : NULL,
	                       err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate: %s: %s\n", path, err);
		goto out;
	}
	if (jg_auth_new(&gw.auth, &cfg.identity, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate: %s: %s\n", path, err);
		goto out;
	}
	/* the audit trail first: a new store gets the audit's page size (audit.c) */
	if (open_audit(&gw, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate: %s: %s\n", path, err);
		goto out;
	}
	if (cfg.cred_mode == JG_CRED_JIT &&
	    jg_cred_start(&gw.cred, &cfg, JG_CRED_SERVE, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate: %s: %s\n", path, err);
		goto out;
	}
	if (cfg.cred_mode == JG_CRED_SHARED)
		jg_log(JG_LOG_WARN, "[credentials] mode = shared: every session logs in to the "
		       "database as %s; use it for tests and benchmarks only", cfg.backend_user);
	if (cfg.policy_file[0]) {
		char perr[2560];

		if (load_policy(&gw, perr, sizeof(perr)) != JG_OK) {
			fputs(perr, stderr);
			goto out;
		}
	}
	gw.reload_policy = reload_policy;
	if (resolve(cfg.backend_address, &gw.backend_addr, &gw.backend_addrlen, gw.backend_host,
	            sizeof(gw.backend_host), 0) < 0 ||
	    resolve(cfg.listen_address, &gw.listen_addr, &gw.listen_addrlen, err, sizeof(err), 1) < 0) {
		fprintf(stderr, "jitgate: %s: cannot resolve an address\n", path);
		goto out;
	}
	signals();
	the_gw = &gw;
	raise_fd_limit();
	probe_backend(&gw);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	workers = cfg.workers > 0 ? cfg.workers : (ncpu > 0 ? (int)ncpu : 1);
	struct jg_loop_conf lc = {
		.listen_addr = (const struct sockaddr *)&gw.listen_addr,
		.listen_addrlen = gw.listen_addrlen,
		.listen_name = cfg.listen_address,
		.workers = workers,
		.stop = &gw.stop,
		.buf_size = JG_DIR_BUF,
		.accept = jg_session_accept,
		.round = round_hook,
		.stopped = stopped,
		.arg = &gw,
	};
	rc = jg_loop_run(&lc) == JG_OK ? 0 : 1;
	jg_log(JG_LOG_INFO, "stopped");
out:
	jg_audit_close(gw.audit);
	jg_refusals_free(gw.refusals);
	jg_mask_catalog_stop();
	if (gw.cred)
		jg_cred_stop(gw.cred);
	if (gw.auth)
		jg_auth_free(gw.auth);
	if (gw.tls)
		jg_tls_server_free(gw.tls);
	if (gw.backend_tls)
		jg_tls_client_free(gw.backend_tls);
	explicit_bzero(cfg.backend_password, sizeof(cfg.backend_password));
	while (policies) {
		struct loaded_policy *next = policies->next;

		free(policies->bytes);
		free(policies);
		policies = next;
	}
	return rc;
}
