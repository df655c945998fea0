/*
 * db.c: the admin connection: libmariadb as [backend] user, one connection per struct admin.
 * Runs on the thread that holds the struct admin: its admin thread (admin.c), or for
 * admins[0] the main thread while no admin thread runs (start, stop, `jitgate reap`,
 * `jitgate cred`). Blocking; never on a worker. See cred_int.h.
 */
#include "cred/cred_int.h"

#include <errmsg.h>
#include <stdio.h>

int jg_cred_run_sql(MYSQL *m, const char *sql, char *err, size_t errlen)
{
	int rc = mysql_real_query(m, sql, strlen(sql));
	MYSQL_RES *res;

	for (;;) {
		if (rc > 0 || (rc != 0 && rc != -1)) {
			snprintf(err, errlen, "%s (error %u)", mysql_error(m), mysql_errno(m));
			return JG_ERR_BACKEND;
		}
		if (rc == -1)
			return JG_OK;
		res = mysql_store_result(m);
		if (res)
			mysql_free_result(res);
		else if (mysql_field_count(m) != 0) {
			snprintf(err, errlen, "%s (error %u)", mysql_error(m), mysql_errno(m));
			return JG_ERR_BACKEND;
		}
		rc = mysql_next_result(m);
	}
}

int jg_cred_query_one(MYSQL *m, const char *sql, char *out, size_t cap, char *err,
                      size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	out[0] = '\0';
	if (mysql_query(m, sql) != 0 || !(res = mysql_store_result(m))) {
		snprintf(err, errlen, "%s (error %u)", mysql_error(m), mysql_errno(m));
		return JG_ERR_BACKEND;
	}
	if ((row = mysql_fetch_row(res)) && row[0])
		snprintf(out, cap, "%s", row[0]);
	mysql_free_result(res);
	return JG_OK;
}

/* The plugins the admin connection may use when the database's certificate is not verified. */
#define ADMIN_AUTH_UNVERIFIED "mysql_native_password,client_ed25519,parsec"

MYSQL *jg_cred_connect(const struct jg_config *cfg, const char *host, unsigned port, char *err,
                       size_t errlen)
{
	unsigned timeout = 5, rw_timeout = 30, proto = MYSQL_PROTOCOL_TCP;
	my_bool on = 1, off = 0;
	MYSQL *m = mysql_init(NULL);

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
	mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
	mysql_options(m, MYSQL_OPT_RECONNECT, &off);
	if (cfg->backend_tls != JG_BE_TLS_OFF) {
		mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
		if (cfg->backend_tls == JG_BE_TLS_VERIFY) {
			mysql_options(m, MYSQL_OPT_SSL_CA, cfg->backend_tls_ca);
			mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
		}
	}
	/* libmariadb sends the password as it is to a server that asks for mysql_clear_password or
	 * dialog (with or without TLS), and for caching_sha2_password's or sha256_password's full
	 * authentication (in clear over TLS, else RSA-encrypted to a key the server sends): unless
	 * the server's certificate is verified, only plugins that never reveal it may run. */
	if (cfg->backend_tls != JG_BE_TLS_VERIFY)
		mysql_options(m, MARIADB_OPT_RESTRICTED_AUTH, ADMIN_AUTH_UNVERIFIED);
	if (!mysql_real_connect(m, host, cfg->backend_user, cfg->backend_password, NULL, port, NULL, CLIENT_MULTI_STATEMENTS)) {
		if (mysql_errno(m) == CR_PLUGIN_NOT_ALLOWED)    /* libmariadb's message misnames it */
			snprintf(err, errlen, "jitgate cannot log in to the database at %s as %s: it "
			         "asked for an authentication plugin that reveals the password, which "
			         "jitgate allows only with [backend] tls = verify (otherwise: %s)",
			         cfg->backend_address, cfg->backend_user, ADMIN_AUTH_UNVERIFIED);
		else
			snprintf(err, errlen, "jitgate cannot log in to the database at %s as %s: %s",
			         cfg->backend_address, cfg->backend_user, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

static MYSQL *admin_connect(struct jg_cred *c, char *err, size_t errlen)
{
	return jg_cred_connect(c->cfg, c->be_host, c->be_port, err, errlen);
}

/* learn: the flavour, and the host the database sees us connect from (USER()'s host part),
 * once. Under mu. */
static int learn(struct jg_cred *c, MYSQL *m, char *err, size_t errlen)
{
	char host[256];

	if (c->learned)
		return JG_OK;
	c->mariadb = strstr(mysql_get_server_info(m), "MariaDB") != NULL;
	if (c->cfg->cred_host[0]) {
		snprintf(c->host, sizeof(c->host), "%s", c->cfg->cred_host);
	} else {
		if (jg_cred_query_one(m, "SELECT SUBSTRING_INDEX(USER(), '@', -1)", host, sizeof(host),
		                      err, errlen) != JG_OK)
			return JG_ERR_BACKEND;
		if (!host[0]) {
			snprintf(err, errlen, "the database did not say which host it sees jitgate at; "
			         "set [credentials] host");
			return JG_ERR_BACKEND;
		}
		snprintf(c->host, sizeof(c->host), "%s", host);
	}
	c->learned = 1;
	jg_log(JG_LOG_INFO, "credentials: %s users at host '%s' (instance %s, run %s)",
	       c->mariadb ? "MariaDB" : "MySQL", c->host, c->cfg->cred_instance, c->run);
	return JG_OK;
}

MYSQL *jg_cred_admin_ready(struct admin *a, char *err, size_t errlen)
{
	struct jg_cred *c = a->c;
	int rc;

	if (a->m && mysql_ping(a->m) != 0) {
		mysql_close(a->m);
		a->m = NULL;
	}
	if (!a->m && !(a->m = admin_connect(c, err, errlen)))
		return NULL;
	pthread_mutex_lock(&c->mu);
	rc = learn(c, a->m, err, errlen);
	pthread_mutex_unlock(&c->mu);
	if (rc != JG_OK) {
		mysql_close(a->m);
		a->m = NULL;
		return NULL;
	}
	return a->m;
}
