/*
 * start.c: jg_cred_start and jg_cred_stop. Both run on the main thread: start before the
 * workers and the admin threads it starts, stop after the workers have ended (it ends the
 * admin threads first, then uses admins[0] alone). See cred_int.h.
 */
#include "cred/cred_int.h"

#include "store/ledger.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct live_run {
	const struct jg_cred *c;
	int64_t pid;
};

static void check_run(void *arg, const char *run, const char *host, int64_t pid,
                      int64_t heartbeat)
{
	struct live_run *lr = arg;

	if (strcmp(host, lr->c->hostname) == 0 && pid != (int64_t)getpid() &&
	    jg_cred_pid_is_jitgate(pid))
		lr->pid = pid;
}

/* open_store: the ledger, making its folder (0700) when missing. */
static int open_store(struct jg_cred *c, char *err, size_t errlen)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", c->cfg->store_path);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "[store] path: cannot make %s: %s", dir, strerror(errno));
			return JG_ERR_IO;
		}
	}
	return jg_ledger_open(c->cfg->store_path, c->cfg->store_sync_full, &c->ledger, err,
	                      errlen);
}

/* new_cred: *out with its admins seeded and its run id; JG_OK, or an error with err. */
static int new_cred(struct jg_cred **out, const struct jg_config *cfg, enum jg_cred_use use,
                    char *err, size_t errlen)
{
	struct jg_cred *c = calloc(1, sizeof(*c));
	int nadmins = use != JG_CRED_SERVE ? 1 : cfg->cred_admin_conns;
	uint8_t runid[8];

	*out = NULL;
	if (!c || !(c->admins = calloc((size_t)nadmins, sizeof(*c->admins)))) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return JG_ERR_NOMEM;
	}
	c->cfg = cfg;
	c->use = use;
	c->reap_only = use != JG_CRED_SERVE;
	c->nadmins = nadmins;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	gethostname(c->hostname, sizeof(c->hostname) - 1);
	for (int i = 0; i < nadmins; i++) {
		br_prng_seeder seeder = br_prng_seeder_system(NULL);

		c->admins[i].c = c;
		c->admins[i].idx = i;
		br_hmac_drbg_init(&c->admins[i].rng, &br_sha256_vtable, NULL, 0);
		if (!seeder || !seeder(&c->admins[i].rng.vtable)) {
			snprintf(err, errlen, "no random seed from the kernel");
			jg_cred_stop(c);
			return JG_ERR_CONFIG;
		}
	}
	jg_cred_random(&c->admins[0], runid, sizeof(runid));
	for (int i = 0; i < 8; i++)
		snprintf(c->run + 2 * i, 3, "%02x", runid[i]);
	*out = c;
	return JG_OK;
}

/* begin_run: refuses a second live `serve` of this instance on this host, and records the run
 * (not for `reap`, which has no run of its own). */
static int begin_run(struct jg_cred *c, char *err, size_t errlen)
{
	const struct jg_config *cfg = c->cfg;

	if (c->use == JG_CRED_SERVE) {
		struct live_run lr = { .c = c };

		if (jg_ledger_runs(c->ledger, cfg->cred_instance, c->run, check_run, &lr) != JG_OK) {
			snprintf(err, errlen, "cannot read the store %s", cfg->store_path);
			return JG_ERR_CONFIG;
		}
		if (lr.pid) {
			snprintf(err, errlen, "instance %s already runs as pid %lld on this host; give "
			         "each gateway its own [credentials] instance", cfg->cred_instance,
			         (long long)lr.pid);
			return JG_ERR_CONFIG;
		}
	}
	if (c->use != JG_CRED_REAP &&
	    jg_ledger_run_start(c->ledger, c->run, cfg->cred_instance,
	                        c->use == JG_CRED_SERVE ? "serve" : "tool", c->hostname,
	                        (int64_t)getpid(), jg_cred_now_s()) != JG_OK) {
		snprintf(err, errlen, "cannot write to the store %s", cfg->store_path);
		c->run[0] = '\0';
		return JG_ERR_CONFIG;
	}
	return JG_OK;
}

int jg_cred_start(struct jg_cred **out, const struct jg_config *cfg, enum jg_cred_use use,
                  char *err, size_t errlen)
{
	struct jg_cred *c;
	char port[16], aerr[512];
	int rc;

	*out = NULL;
	if ((rc = new_cred(&c, cfg, use, err, errlen)) != JG_OK)
		return rc;
	if (jg_config_split_address(cfg->backend_address, c->be_host, sizeof(c->be_host), port,
	                            sizeof(port)) != JG_OK) {
		snprintf(err, errlen, "[backend] address is not HOST:PORT");
		goto fail;
	}
	c->be_port = (unsigned)atoi(port);
	if (open_store(c, err, errlen) != JG_OK || begin_run(c, err, errlen) != JG_OK)
		goto fail;
	if (!jg_cred_admin_ready(&c->admins[0], aerr, sizeof(aerr))) {
		if (use != JG_CRED_SERVE) {
			snprintf(err, errlen, "%s", aerr);
			goto fail;
		}
		jg_log(JG_LOG_WARN, "credentials: %s; sessions are refused until it answers", aerr);
	} else if (use == JG_CRED_SERVE) {
		/* What earlier runs left goes before the first client is served. */
		long n = jg_cred_reap_with(c, &c->admins[0], NULL, NULL);

		if (n > 0)
			jg_log(JG_LOG_INFO, "reaper: %ld users left by earlier runs dropped", n);
		if (n >= 0 && jg_cred_pending(c) == 0)
			jg_cred_drop_stale_roles(c, c->admins[0].m);
	}
	if (!c->reap_only) {
		c->next_reap = jg_cred_now_s() + cfg->cred_reap_period;
		for (int i = 0; i < c->nadmins; i++) {
			if (pthread_create(&c->admins[i].th, NULL, jg_cred_admin_main, &c->admins[i]) !=
			    0) {
				snprintf(err, errlen, "cannot start a credentials thread");
				jg_cred_stop(c);
				return JG_ERR_INTERNAL;
			}
			c->admins[i].started = 1;
		}
	}
	*out = c;
	return JG_OK;
fail:
	jg_cred_stop(c);
	return JG_ERR_CONFIG;
}

static void free_roles(struct jg_cred *c)
{
	while (c->roles) {
		struct jg_crole *r = c->roles;

		c->roles = r->next;
		while (r->pool) {
			struct pooled *p = r->pool;

			r->pool = p->next;
			explicit_bzero(p, sizeof(*p));
			free(p);
		}
		free(r->grants);
		pthread_mutex_destroy(&r->sync_mu);
		free(r);
	}
}

void jg_cred_stop(struct jg_cred *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < c->nadmins; i++)
		if (c->admins[i].started)
			pthread_join(c->admins[i].th, NULL);
	if (c->ledger && c->use != JG_CRED_REAP && c->run[0]) {
		jg_cred_drop_own(c);
		jg_ledger_run_stop(c->ledger, c->run, jg_cred_now_s());
	}
	for (int i = 0; i < c->nadmins; i++)
		if (c->admins[i].m)
			mysql_close(c->admins[i].m);
	free_roles(c);
	jg_ledger_close(c->ledger);
	free(c->admins);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
	mysql_library_end();
}
