/* config.c: `serve` configuration from an INI file; see config.h and docs/configuration.md. */
#include "gw/config.h"
#include "cred/credtext.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The reader counts lines so that the handler can name the line it was called for. */
struct parse {
	struct jg_config *cfg;
	const char *path;
	FILE *f;
	int line;
	char *err;
	size_t errlen;
	int failed;
	char password_file[4096];
	char password_env[128];
};

static char *count_lines(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	char *r = fgets(str, num, ps->f);

	if (r)
		ps->line++;
	return r;
}

static int bad(struct parse *ps, const char *fmt, const char *a, const char *b)
{
	char msg[512];

	if (ps->failed)
		return 0;
	snprintf(msg, sizeof(msg), fmt, a, b);
	snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->path, ps->line, msg);
	ps->failed = 1;
	return 0;
}

static int set_str(struct parse *ps, char *dst, size_t cap, const char *name, const char *v)
{
	if (strlen(v) >= cap)
		return bad(ps, "value of %s is too long%s", name, "");
	if (!v[0])
		return bad(ps, "%s must not be empty%s", name, "");
	memcpy(dst, v, strlen(v) + 1);
	return 1;
}

static int set_int(struct parse *ps, int *dst, const char *name, const char *v, int lo, int hi)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		char range[64];

		snprintf(range, sizeof(range), "an integer from %d to %d", lo, hi);
		return bad(ps, "%s must be %s", name, range);
	}
	*dst = (int)n;
	return 1;
}

/* first_line: the first line of path (without its end) into buf; NULL, or why not. */
static const char *first_line(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	const char *why = NULL;

	if (!f)
		return strerror(errno);
	if (!fgets(buf, (int)cap, f))
		why = "empty";
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return why;
}

/* set_mask_key: [masking] key_file: its first line is the keyed hash's secret (32+ bytes). */
static int set_mask_key(struct parse *ps, const char *file)
{
	struct jg_config *c = ps->cfg;
	const char *why;

	if ((why = first_line(file, c->mask_key, sizeof(c->mask_key))))
		return bad(ps, "key_file %s: %s", file, why);
	c->mask_key_len = strlen(c->mask_key);
	if (c->mask_key_len < 32) {
		memset(c->mask_key, 0, sizeof(c->mask_key));
		c->mask_key_len = 0;
		return bad(ps, "key_file %s: the key must be at least 32 characters on its first line "
		           "(`openssl rand -hex 32` makes one)%s", file, "");
	}
	return 1;
}

/* add_account: NAME = password file (first line; the file must exist now). */
static int add_account(struct parse *ps, const char *name, const char *file)
{
	struct jg_config *c = ps->cfg;
	struct jg_account *a;
	size_t n = strlen(name);
	const char *why;

	if (c->naccounts >= JG_ACCOUNTS_MAX)
		return bad(ps, "more than %s accounts%s", "16", "");
	if (n == 0 || n > 32 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                               "0123456789_.-") != n)
		return bad(ps, "account name \"%s\" must be 1 to 32 letters, digits, '_', '.' or "
		           "'-'%s", name, "");
	for (int i = 0; i < c->naccounts; i++)
		if (strcmp(c->accounts[i].name, name) == 0)
			return bad(ps, "account %s is given twice%s", name, "");
	a = &c->accounts[c->naccounts];
	if ((why = first_line(file, a->password, sizeof(a->password))))
		return bad(ps, "password file of account %s: %s", name, why);
	memcpy(a->name, name, n + 1);
	c->naccounts++;
	return 1;
}

/* default_instance: the host name's first letters and digits, lowered; "gw" if none. */
static void default_instance(char *out, size_t cap)
{
	char host[256] = "";
	size_t n = 0;

	gethostname(host, sizeof(host) - 1);
	for (const char *p = host; *p && n + 1 < cap && n < JG_CRED_INSTANCE_MAX; p++) {
		char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			out[n++] = ch;
	}
	if (n == 0)
		out[n++] = 'g', out[n++] = 'w';
	out[n] = '\0';
}

/* store_key: a key of [store] (the ledger and the audit trail). */
static int store_key(struct parse *ps, struct jg_config *c, const char *name, const char *v)
{
#define KEY(key) (strcmp(name, key) == 0)
	if (KEY("path"))
		return set_str(ps, c->store_path, sizeof(c->store_path), name, v);
	if (KEY("sync")) {
		if (strcmp(v, "normal") == 0 || strcmp(v, "full") == 0)
			c->store_sync_full = strcmp(v, "full") == 0;
		else
			return bad(ps, "sync must be normal or full, not \"%s\"%s", v, "");
		return 1;
	}
	if (KEY("ledger_days"))
		return set_int(ps, &c->store_ledger_days, name, v, 1, 3650);
	if (KEY("audit")) {
		if (strcmp(v, "strict") && strcmp(v, "batched") && strcmp(v, "off"))
			return bad(ps, "audit must be strict, batched or off, not \"%s\"%s", v, "");
		c->store_audit = !strcmp(v, "strict") ? 2 : !strcmp(v, "batched");
		return 1;
	}
	if (KEY("audit_rows"))
		return set_int(ps, &c->store_audit_rows, name, v, 0, 1000000);
	if (KEY("audit_result_bytes"))
		return set_int(ps, &c->store_audit_result_bytes, name, v, 0, JG_LIMIT_MAX);
	if (KEY("audit_session_bytes"))
		return set_int(ps, &c->store_audit_session_bytes, name, v, 0, JG_LIMIT_MAX);
	if (KEY("audit_batch_ms"))
		return set_int(ps, &c->store_audit_batch_ms, name, v, 1, 60000);
	if (KEY("audit_queue"))
		return set_int(ps, &c->store_audit_queue, name, v, 1, 4096);
	if (KEY("audit_checkpoint"))
		return set_int(ps, &c->store_audit_checkpoint, name, v, 1, 86400);
	if (KEY("audit_days"))
		return set_int(ps, &c->store_audit_days, name, v, 0, 36500);
	if (KEY("audit_refused_per_minute"))
		return set_int(ps, &c->store_audit_refused, name, v, 0, 1000000);
	if (KEY("audit_max_mb"))
		return set_int(ps, &c->store_audit_max_mb, name, v, 0, 1 << 24);
	if (KEY("audit_key"))
		return set_str(ps, c->store_audit_key, sizeof(c->store_audit_key), name, v);
#undef KEY
	return bad(ps, "unknown key \"%s\" in section [%s]", name, "store");
}

static int handler(void *user, const char *section, const char *name, const char *v)
{
	struct parse *ps = user;
	struct jg_config *c = ps->cfg;
	char ebuf[256];

	if (ps->failed)
		return 0;
	if (!name)                               /* a section header alone */
		return 1;
#define IS(sec, key) (strcmp(section, sec) == 0 && strcmp(name, key) == 0)
	if (IS("listen", "address"))
		return set_str(ps, c->listen_address, sizeof(c->listen_address), name, v);
	if (IS("listen", "tls_cert"))
		return set_str(ps, c->tls_cert, sizeof(c->tls_cert), name, v);
	if (IS("listen", "tls_key"))
		return set_str(ps, c->tls_key, sizeof(c->tls_key), name, v);
	if (IS("listen", "workers"))
		return set_int(ps, &c->workers, name, v, 0, 256);
	if (IS("listen", "handshake_timeout"))
		return set_int(ps, &c->handshake_timeout, name, v, 1, 3600);
	if (IS("listen", "idle_timeout"))
		return set_int(ps, &c->idle_timeout, name, v, 0, 31 * 86400);
	if (IS("backend", "address"))
		return set_str(ps, c->backend_address, sizeof(c->backend_address), name, v);
	if (IS("backend", "user"))
		return set_str(ps, c->backend_user, sizeof(c->backend_user), name, v);
	if (IS("backend", "password_file"))
		return set_str(ps, ps->password_file, sizeof(ps->password_file), name, v);
	if (IS("backend", "password_env"))
		return set_str(ps, ps->password_env, sizeof(ps->password_env), name, v);
	if (IS("backend", "tls")) {
		if (strcmp(v, "off") == 0)
			c->backend_tls = JG_BE_TLS_OFF;
		else if (strcmp(v, "on") == 0)
			c->backend_tls = JG_BE_TLS_ON;
		else if (strcmp(v, "verify") == 0)
			c->backend_tls = JG_BE_TLS_VERIFY;
		else
			return bad(ps, "tls must be off, on or verify, not \"%s\"%s", v, "");
		return 1;
	}
	if (IS("backend", "tls_ca"))
		return set_str(ps, c->backend_tls_ca, sizeof(c->backend_tls_ca), name, v);
	if (IS("identity", "issuer"))
		return set_str(ps, c->identity.issuer, sizeof(c->identity.issuer), name, v);
	if (IS("identity", "audience"))
		return set_str(ps, c->identity.audience, sizeof(c->identity.audience), name, v);
	if (IS("identity", "jwks_file"))
		return set_str(ps, c->identity.jwks_file, sizeof(c->identity.jwks_file), name, v);
	if (IS("identity", "groups_claim"))
		return set_str(ps, c->identity.groups_claim, sizeof(c->identity.groups_claim), name, v);
	if (IS("identity", "leeway"))
		return set_int(ps, &c->identity.leeway, name, v, 0, 3600);
	if (IS("identity", "algorithms")) {
		if (jg_auth_parse_algs(v, &c->identity.algs, ebuf, sizeof(ebuf)) != JG_OK)
			return bad(ps, "%s%s", ebuf, "");
		return 1;
	}
	if (IS("policy", "file"))
		return set_str(ps, c->policy_file, sizeof(c->policy_file), name, v);
	if (IS("masking", "key_file"))
		return set_mask_key(ps, v);
	if (IS("masking", "catalog_refresh"))
		return set_int(ps, &c->mask_catalog_refresh, name, v, 1, 3600);
	if (IS("credentials", "mode")) {
		if (strcmp(v, "jit") == 0)
			c->cred_mode = JG_CRED_JIT;
		else if (strcmp(v, "shared") == 0)
			c->cred_mode = JG_CRED_SHARED;
		else
			return bad(ps, "mode must be jit or shared, not \"%s\"%s", v, "");
		return 1;
	}
	if (IS("credentials", "instance")) {
		if (!jg_cred_instance_ok(v, strlen(v)))
			return bad(ps, "instance \"%s\" must be 1 to 10 of a-z and 0-9%s", v, "");
		return set_str(ps, c->cred_instance, sizeof(c->cred_instance), name, v);
	}
	if (IS("credentials", "host"))
		return set_str(ps, c->cred_host, sizeof(c->cred_host), name, v);
	if (IS("credentials", "pool"))
		return set_int(ps, &c->cred_pool, name, v, 0, 64);
	if (IS("credentials", "admin_connections"))
		return set_int(ps, &c->cred_admin_conns, name, v, 1, 16);
	if (IS("credentials", "reap_period"))
		return set_int(ps, &c->cred_reap_period, name, v, 1, 3600);
	if (IS("credentials", "grace"))
		return set_int(ps, &c->cred_grace, name, v, 0, 86400);
	if (strcmp(section, "store") == 0)
		return store_key(ps, c, name, v);
	if (IS("limits", "statement"))
		return set_int(ps, &c->limit_statement, name, v, 0, JG_LIMIT_MAX);
	if (IS("limits", "row"))
		return set_int(ps, &c->limit_row, name, v, 1024, JG_LIMIT_MAX);
	if (strcmp(section, "accounts") == 0)
		return add_account(ps, name, v);
#undef IS
	return bad(ps, "unknown key \"%s\" in section [%s]", name, section);
}

/* read_password: the first line of a file, which must not be readable by others. */
static int read_password(struct parse *ps)
{
	struct jg_config *c = ps->cfg;
	const char *why;

	if (ps->password_file[0] && ps->password_env[0]) {
		snprintf(ps->err, ps->errlen, "%s: [backend] takes password_file or password_env, "
		         "not both", ps->path);
		return JG_ERR_CONFIG;
	}
	if (ps->password_env[0]) {
		const char *v = getenv(ps->password_env);

		if (!v || strlen(v) >= sizeof(c->backend_password)) {
			snprintf(ps->err, ps->errlen, "%s: [backend] password_env: environment variable "
			         "%s is %s", ps->path, ps->password_env, v ? "too long" : "not set");
			return JG_ERR_CONFIG;
		}
		strcpy(c->backend_password, v);
		return JG_OK;
	}
	if (!ps->password_file[0])
		return JG_OK;
	if ((why = first_line(ps->password_file, c->backend_password,
	                      sizeof(c->backend_password)))) {
		snprintf(ps->err, ps->errlen, "%s: [backend] password_file %s: %s", ps->path,
		         ps->password_file, why);
		return JG_ERR_CONFIG;
	}
	return JG_OK;
}

int jg_config_split_address(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon, *h = addr, *hend;

	if (addr[0] == '[') {
		hend = strchr(addr, ']');
		if (!hend || hend[1] != ':')
			return JG_ERR_CONFIG;
		h = addr + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return JG_ERR_CONFIG;
		hend = colon;
	}
	if ((size_t)(hend - h) >= hostlen || strlen(colon + 1) >= portlen || !colon[1] || hend == h)
		return JG_ERR_CONFIG;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	strcpy(port, colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return JG_ERR_CONFIG;
	return JG_OK;
}

int jg_config_load(struct jg_config *c, const char *path, char *err, size_t errlen)
{
	struct parse ps = { .cfg = c, .path = path, .err = err, .errlen = errlen };
	char host[256], port[16];
	int rc;

	memset(c, 0, sizeof(*c));
	strcpy(c->listen_address, "127.0.0.1:3307");
	c->handshake_timeout = 10;
	c->idle_timeout = 8 * 3600;
	strcpy(c->identity.groups_claim, "groups");
	c->identity.leeway = 60;
	c->identity.algs = JG_ALG_RS256 | JG_ALG_ES256;
	default_instance(c->cred_instance, sizeof(c->cred_instance));
	c->cred_pool = 4;
	c->cred_admin_conns = 2;
	c->cred_reap_period = 60;
	c->cred_grace = 30;
	strcpy(c->store_path, "/var/lib/jitgate/jitgate.db");
	c->store_ledger_days = 30;
	c->store_audit = 2;
	c->store_audit_rows = 100;
	c->store_audit_result_bytes = 64 << 10;
	c->store_audit_session_bytes = 16 << 20;
	c->store_audit_batch_ms = 200;
	c->store_audit_queue = 64;
	c->store_audit_checkpoint = 60;
	c->store_audit_refused = 60;
	c->limit_row = 16 << 20;
	c->mask_catalog_refresh = 10;

	ps.f = fopen(path, "r");
	if (!ps.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return JG_ERR_CONFIG;
	}
	rc = ini_parse_stream(count_lines, &ps, handler, &ps);
	fclose(ps.f);
	if (ps.failed)
		return JG_ERR_CONFIG;
	if (rc != 0) {
		snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)",
		         path, rc > 0 ? rc : ps.line);
		return JG_ERR_CONFIG;
	}
	if ((rc = read_password(&ps)) != JG_OK)
		return rc;
#define REQUIRE(cond, what)                                                          \
	if (!(cond)) {                                                               \
		snprintf(err, errlen, "%s: missing %s", path, what);                 \
		return JG_ERR_CONFIG;                                                \
	}
	REQUIRE(c->tls_cert[0], "[listen] tls_cert");
	REQUIRE(c->tls_key[0], "[listen] tls_key");
	REQUIRE(c->backend_address[0], "[backend] address");
	REQUIRE(c->backend_user[0], "[backend] user");
	REQUIRE(c->identity.issuer[0], "[identity] issuer");
	REQUIRE(c->identity.audience[0], "[identity] audience");
	REQUIRE(c->identity.jwks_file[0], "[identity] jwks_file");
	REQUIRE(c->backend_tls != JG_BE_TLS_VERIFY || c->backend_tls_ca[0],
	        "[backend] tls_ca (needed by tls = verify)");
	REQUIRE(c->cred_mode == JG_CRED_SHARED || c->policy_file[0],
	        "[policy] file: just-in-time users take their grants from the policy's roles "
	        "(or set [credentials] mode = shared to log every session in as [backend] user)");
#undef REQUIRE
	if (jg_config_split_address(c->listen_address, host, sizeof(host), port, sizeof(port)) ||
	    jg_config_split_address(c->backend_address, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "%s: addresses must be HOST:PORT or [IPv6]:PORT", path);
		return JG_ERR_CONFIG;
	}
	return JG_OK;
}
