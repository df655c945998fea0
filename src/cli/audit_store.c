/* audit_store.c: the store the audit commands read: where it is, opened read-only, bodies parsed;
 * see audit_cli.h. */
#include "cli/audit_cli.h"
#include "gw/config.h"
#include "jg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int jg_auditcli_where_arg(struct jg_auditcli_where *w, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char **slot;

	if (strcmp(a, "--store") == 0)
		slot = &w->store;
	else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
		slot = &w->config;
	else
		return 0;
	if (*i + 1 >= argc || w->store || w->config)
		return -1;
	*slot = argv[++*i];
	return 1;
}

/* store_path: the path w names; NULL with the message printed when the configuration fails. */
static const char *store_path(const struct jg_auditcli_where *w, const char *cmd)
{
	static struct jg_config cfg;   /* 80 KiB: not on the stack */
	static char path[sizeof(cfg.store_path)];
	char err[1024];
	int rc;

	if (w->store)
		return w->store;
	rc = jg_config_load(&cfg, w->config, err, sizeof(err));
	/* Only the path is wanted here: the secrets the configuration read go at once. */
	snprintf(path, sizeof(path), "%s", cfg.store_path);
	explicit_bzero(&cfg, sizeof(cfg));
	if (rc != JG_OK) {
		fprintf(stderr, "jitgate %s: %s\n", cmd, err);
		return NULL;
	}
	return path;
}

/* live: a gateway holds the instance's writer lock (audit.c's PATH-audit-INSTANCE.lock). */
static int live(const char *path, const char *instance)
{
	char p[4200];
	int fd, held;

	snprintf(p, sizeof(p), "%s-audit-%s.lock", path, instance);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	held = flock(fd, LOCK_SH | LOCK_NB) != 0;
	close(fd);                      /* releases a shared lock taken just now */
	return held;
}

int jg_auditcli_journals(const char *path, void (*fn)(const char *instance, long long bytes,
                                                       int live, void *arg), void *arg)
{
	char dir[4096], inst[64];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t blen = strlen(base);
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + 1, path);
	else
		snprintf(dir, sizeof(dir), "./");
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d))) {
		const char *name = e->d_name, *i = name + blen + 7;
		size_t len = strlen(name), ilen;
		long long bytes;
		struct stat sb;
		char full[8300];

		if (len <= blen + 7 + 8 || strncmp(name, base, blen) != 0 ||
		    strncmp(name + blen, "-audit-", 7) != 0 || strcmp(name + len - 8, ".journal") != 0)
			continue;
		ilen = (size_t)(name + len - 8 - i);
		snprintf(inst, sizeof(inst), "%.*s", (int)JG_MIN(ilen, sizeof(inst) - 1), i);
		snprintf(full, sizeof(full), "%s%s", dir, name);
		bytes = stat(full, &sb) == 0 ? (long long)sb.st_size : 0;
		snprintf(full, sizeof(full), "%s%s2", dir, name);      /* the second file */
		bytes += stat(full, &sb) == 0 ? (long long)sb.st_size : 0;
		if (!bytes)
			continue;
		fn(inst, bytes, live(path, inst), arg);
		n++;
	}
	closedir(d);
	return n;
}

static void warn_journal(const char *instance, long long bytes, int is_live, void *arg)
{
	const char *cmd = arg;

	if (is_live)
		return;
	fprintf(stderr, "jitgate %s: the journal of instance %s holds %lld bytes of records the "
	        "store may lack (its gateway stopped without committing them): run `jitgate audit "
	        "recover` with the same store, or start the gateway, to move them in\n", cmd,
	        instance, bytes);
}

sqlite3 *jg_auditcli_open(const struct jg_auditcli_where *w, const char *cmd, const char **pathp)
{
	const char *path = store_path(w, cmd);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int rc;

	if (!path)
		return NULL;
	if (pathp)
		*pathp = path;
	/* SQLite's own message for a missing file is "unable to open database file". */
	if (stat(path, &sb) != 0) {
		fprintf(stderr, "jitgate %s: cannot open the store %s: %s\n", cmd, path,
		        strerror(errno));
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "jitgate %s: cannot open the store %s: %s\n", cmd, path,
		        db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	/* A gateway may be committing: wait for its write lock rather than fail. */
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
	                       "name = 'audit'", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "jitgate %s: cannot read the store %s: %s\n", cmd, path,
		        sqlite3_errmsg(db));
		goto fail;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		fprintf(stderr, "jitgate %s: the store %s has no audit table (no gateway has recorded "
		        "there: docs/audit.md)\n", cmd, path);
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		fprintf(stderr, "jitgate %s: cannot read the store %s: %s\n", cmd, path,
		        sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(st);
	if (strcmp(cmd, "audit recover") != 0)
		jg_auditcli_journals(path, warn_journal, (void *)cmd);
	return db;
fail:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

json_t *jg_auditcli_body(sqlite3_stmt *st, int col)
{
	const char *text = (const char *)sqlite3_column_text(st, col);
	json_error_t e;
	json_t *j;

	if (!text)
		return NULL;
	/* The recorder escapes a NUL in a value as \u0000, which jansson refuses without the flag. */
	j = json_loadb(text, (size_t)sqlite3_column_bytes(st, col), JSON_ALLOW_NUL, &e);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

const char *jg_auditcli_str(const json_t *body, const char *key)
{
	const json_t *v = body ? json_object_get(body, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t jg_auditcli_int(const json_t *body, const char *key, int64_t dflt)
{
	const json_t *v = body ? json_object_get(body, key) : NULL;

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}
