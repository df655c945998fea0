/* test_audit.c: the audit trail without a gateway: the JSON writer, the chain the writer
 * thread builds, strict waiters, batched gap records, and what verify says of a store that was
 * edited, cut, reordered or extended by hand. */
#include "audit/audit.h"
#include "audit/jw.h"
#include "unit.h"

#include <bearssl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

JG_TEST(audit_jw_strings)
{
	struct jg_jw w;
	const char *s;
	size_t n;

	jg_jw_init(&w);
	jg_jw_obj(&w, NULL);
	jg_jw_str(&w, "a", "q\"b\\n\n\t\x01\x7f é ✓");
	jg_jw_strn(&w, "b", "\xe9t\xe9", 3);              /* latin1: not UTF-8 */
	jg_jw_strn(&w, "c", "\xed\xa0\x80", 3);           /* a surrogate */
	jg_jw_strn(&w, "d", "\xc0\xaf", 2);               /* overlong */
	jg_jw_strn(&w, "e", "ab\0c", 4);                  /* NUL is a control character */
	jg_jw_strn(&w, "g", "abc\xe9", 4);               /* latin1 after plain ASCII: all of it */
	jg_jw_strn(&w, "h", NULL, 0);
	jg_jw_arr(&w, "f");
	jg_jw_int(&w, NULL, -5);
	jg_jw_uint(&w, NULL, UINT64_MAX);
	jg_jw_null(&w, NULL);
	jg_jw_bool(&w, NULL, 1);
	jg_jw_end(&w, ']');
	jg_jw_end(&w, '}');
	s = jg_jw_done(&w, &n);
	CHECK_EQ_STR(s, "{\"a\":\"q\\\"b\\\\n\\n\\t\\u0001\\u007f é ✓\",\"b\":{\"base64\":\"6XTp\"},"
	             "\"c\":{\"base64\":\"7aCA\"},\"d\":{\"base64\":\"wK8=\"},\"e\":\"ab\\u0000c\","
	             "\"g\":{\"base64\":\"YWJj6Q==\"},\"h\":\"\","
	             "\"f\":[-5,18446744073709551615,null,true]}");
	CHECK_EQ_INT(n, strlen(s));
	{
		char b[24];

		CHECK_EQ_INT(jg_jw_dec(b, INT64_MIN), 20);
		CHECK(memcmp(b, "-9223372036854775808", 20) == 0);
		CHECK(jg_jw_dec(b, 0) == 1 && b[0] == '0');
		CHECK(jg_jw_dec(b, 1000) == 4 && memcmp(b, "1000", 4) == 0);
		CHECK(jg_jw_udec(b, UINT64_MAX) == 20 && memcmp(b, "18446744073709551615", 20) == 0);
	}
	CHECK(jg_jw_utf8_ok((const uint8_t *)"\xf4\x8f\xbf\xbf", 4));
	CHECK(!jg_jw_utf8_ok((const uint8_t *)"\xf4\x90\x80\x80", 4));   /* above U+10FFFF */
	CHECK(!jg_jw_utf8_ok((const uint8_t *)"\xe2\x9c", 2));           /* cut short */
	jg_jw_free(&w);
}

/* The chain's hash (libcrypto) is SHA-256 of the documented concatenation: a known answer
 * (Python's hashlib) and BearSSL's digest of the same bytes, for bodies of 0 to 1200 bytes. */
JG_TEST(audit_chain_hash_is_sha256)
{
	static const uint8_t zero[JG_AUDIT_HASH];
	uint8_t h[JG_AUDIT_HASH], ref[JG_AUDIT_HASH], prev[JG_AUDIT_HASH] = { 0 };
	char body[1200], hx[2 * JG_AUDIT_HASH + 1];

	jg_audit_hash(zero, "gw1", 1, 2, "command", 3, "{\"n\":1}", 7, h);
	for (int i = 0; i < JG_AUDIT_HASH; i++)
		snprintf(hx + 2 * i, 3, "%02x", h[i]);
	CHECK_EQ_STR(hx, "647d29675080ab19598607c03434a466b68753d159b70ad3ab548f36a2491427");
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof(body); n += n < 130 ? 1 : 37) {
		br_sha256_context c;
		char num[64];
		int k = snprintf(num, sizeof(num), "%zu%c%lld%c", n, 0, -(long long)n * 1000, 0);

		jg_audit_hash(prev, "i", (int64_t)n, -(int64_t)n * 1000, "result", 9, body, n, h);
		br_sha256_init(&c);
		br_sha256_update(&c, prev, sizeof(prev));
		br_sha256_update(&c, "i", 2);
		br_sha256_update(&c, num, (size_t)k);
		br_sha256_update(&c, "result\0" "9", 9);     /* and the literal's NUL */
		br_sha256_update(&c, body, n);
		br_sha256_out(&c, ref);
		CHECK(memcmp(h, ref, sizeof(h)) == 0);
		memcpy(prev, h, sizeof(prev));
	}
}

/* ---- a store in a temporary folder ---- */

struct store {
	char dir[64], path[96], key[96];
	struct jg_audit *a;
};

static int ut_sync_full;               /* strict mode commits each waiter's record (no journal) */
static unsigned ut_batch_ms = 20;
static size_t ut_journal_switch;       /* 0: the gateway's 4 MiB */

static int store_open(struct store *st, enum jg_audit_mode mode)
{
	struct jg_audit_conf c = { .instance = "ut", .mode = mode, .batch_ms = ut_batch_ms,
	                           .checkpoint_s = 3600, .sync_full = ut_sync_full,
	                           .journal_switch = ut_journal_switch };
	char err[512];

	c.path = st->path;
	c.key_path = st->key;
	if (jg_audit_open(&c, "{\"version\":\"test\"}", &st->a, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "audit open: %s\n", err);
		return -1;
	}
	return 0;
}

static int store_new(struct store *st, enum jg_audit_mode mode)
{
	strcpy(st->dir, "/tmp/jg-audit-ut.XXXXXX");
	if (!mkdtemp(st->dir))
		return -1;
	snprintf(st->path, sizeof(st->path), "%s/s.db", st->dir);
	snprintf(st->key, sizeof(st->key), "%s/audit.key", st->dir);
	return store_open(st, mode);
}

static void store_rm(struct store *st)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", st->dir);
	CHECK(system(cmd) == 0);
}

static void put(struct store *st, int i)
{
	char body[64];

	snprintf(body, sizeof(body), "{\"n\":%d,\"sql\":\"SELECT %d\"}", i, i);
	CHECK_EQ_INT(jg_audit_put(st->a, JG_AUDIT_K_COMMAND, 1, 1000 + i, body, strlen(body), NULL),
	             JG_OK);
}

static void sql(const struct store *st, const char *q)
{
	sqlite3 *db;

	CHECK_EQ_INT(sqlite3_open(st->path, &db), SQLITE_OK);
	CHECK_EQ_INT(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* count_kind: how many records of kind the store holds. */
static int count_kind(const struct store *st, const char *kind)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int n = -1;

	if (sqlite3_open(st->path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM audit WHERE kind = ?", -1, &q, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	return n;
}

/* command_order: the store's command records' "n" are 1, 2, 3 ... in seq order (how many). */
static int command_order(const struct store *st)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int n = 0;

	if (sqlite3_open(st->path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT json_extract(body, '$.n') FROM audit "
	                       "WHERE kind = 'command' AND session = 7 ORDER BY seq", -1, &q, NULL) ==
	    SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW)
			if (sqlite3_column_int(q, 0) != 2 * n++ + 1)
				n = -1000000;
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	return n;
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static void verify(const struct store *st, const char *anchor, struct jg_audit_report *r)
{
	char err[512];

	CHECK_EQ_INT(jg_audit_verify(st->path, anchor, r, err, sizeof(err)), JG_OK);
}

/* copy: the store's file as it is now, to tamper with one copy per case. */
static void copy(const struct store *st, const char *name, struct store *to)
{
	char cmd[512];

	*to = *st;
	snprintf(to->path, sizeof(to->path), "%s/%s.db", st->dir, name);
	snprintf(cmd, sizeof(cmd), "sqlite3 %s \"VACUUM INTO '%s'\"", st->path, to->path);
	CHECK(system(cmd) == 0);
}

/* A chain of 1 start + 20 commands + stop + checkpoint; then each way of tampering is named. */
JG_TEST(audit_chain_and_tampering)
{
	struct store st, t;
	struct jg_audit_report r;
	int level = jg_log_level;

	jg_log_level = -1;
	if (store_new(&st, JG_AUDIT_BATCHED) != 0) {
		CHECK(0);
		return;
	}
	for (int i = 1; i <= 20; i++)
		put(&st, i);
	CHECK_EQ_INT(jg_audit_flush(st.a), JG_OK);
	jg_audit_close(st.a);
	verify(&st, NULL, &r);
	CHECK_EQ_INT(r.broken, 0);
	CHECK_EQ_INT(r.records, 23);            /* start, 20 commands, stop, checkpoint */
	CHECK_EQ_INT(r.checkpoints, 1);

	copy(&st, "edit", &t);                  /* a body edited */
	sql(&t, "UPDATE audit SET body = replace(body, 'SELECT 7', 'SELECT 8') WHERE seq = 8");
	verify(&t, NULL, &r);
	CHECK(r.broken && r.seq == 8 && r.id > 0 && strstr(r.why, "edited"));

	copy(&st, "time", &t);                  /* a time moved */
	sql(&t, "UPDATE audit SET time = time + 1 WHERE seq = 5");
	verify(&t, NULL, &r);
	CHECK(r.broken && r.seq == 5);

	copy(&st, "delete", &t);                /* a record removed */
	sql(&t, "DELETE FROM audit WHERE seq = 11");
	verify(&t, NULL, &r);
	CHECK(r.broken && r.seq == 11 && r.id == 0 && strstr(r.why, "missing"));

	copy(&st, "reorder", &t);               /* two records swapped */
	sql(&t, "UPDATE audit SET seq = -1 WHERE seq = 6; UPDATE audit SET seq = 6 WHERE seq = 7; "
	        "UPDATE audit SET seq = 7 WHERE seq = -1");
	verify(&t, NULL, &r);
	CHECK(r.broken && r.seq == 6);

	copy(&st, "rehash", &t);                /* edited and its hash recomputed: the next breaks */
	sql(&t, "UPDATE audit SET hash = zeroblob(32) WHERE seq = 3");
	verify(&t, NULL, &r);
	CHECK(r.broken && r.seq == 3);
	sql(&t, "UPDATE audit SET hash = (SELECT prev FROM audit WHERE seq = 5) WHERE seq = 3");
	verify(&t, NULL, &r);
	CHECK(r.broken && (r.seq == 3 || r.seq == 4));

	copy(&st, "head", &t);                  /* the first record removed, no prune record */
	sql(&t, "DELETE FROM audit WHERE seq = 1");
	verify(&t, NULL, &r);
	CHECK(r.broken && r.seq == 1 && strstr(r.why, "missing"));

	copy(&st, "sig", &t);                   /* a checkpoint's signature changed */
	sql(&t, "UPDATE audit SET body = replace(body, '\"sig\":\"30', '\"sig\":\"31') "
	        "WHERE kind = 'checkpoint'");
	verify(&t, NULL, &r);
	CHECK(r.broken && r.seq == 23);
	store_rm(&st);
	jg_log_level = level;
}

/* The end of the chain cut off: only a checkpoint kept outside (the log line) tells. */
JG_TEST(audit_anchor_catches_a_cut_tail)
{
	struct store st, t;
	struct jg_audit_report r;
	sqlite3 *db;
	sqlite3_stmt *q;
	char line[700] = "", err[256];
	int level = jg_log_level;

	jg_log_level = -1;
	if (store_new(&st, JG_AUDIT_STRICT) != 0) {
		CHECK(0);
		return;
	}
	for (int i = 1; i <= 5; i++)
		put(&st, i);
	jg_audit_close(st.a);
	/* the checkpoint line as the log has it, made from the checkpoint record */
	CHECK_EQ_INT(sqlite3_open(st.path, &db), SQLITE_OK);
	CHECK_EQ_INT(sqlite3_prepare_v2(db, "SELECT json_extract(body, '$.seq'), "
	                                "json_extract(body, '$.hash'), json_extract(body, '$.sig'), "
	                                "json_extract(body, '$.key') FROM audit WHERE kind = "
	                                "'checkpoint'", -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		snprintf(line, sizeof(line), "... info: audit checkpoint instance=ut seq=%lld hash=%s "
		         "sig=%s key=%s", (long long)sqlite3_column_int64(q, 0),
		         sqlite3_column_text(q, 1), sqlite3_column_text(q, 2), sqlite3_column_text(q, 3));
	sqlite3_finalize(q);
	sqlite3_close(db);
	verify(&st, line, &r);
	CHECK_EQ_INT(r.broken, 0);
	CHECK_EQ_INT(r.checkpoints, 2);         /* the record's and the anchor's */

	copy(&st, "cut", &t);                   /* the last three records (stop, checkpoint, ...) */
	sql(&t, "DELETE FROM audit WHERE seq >= 6");
	verify(&t, NULL, &r);
	CHECK_EQ_INT(r.broken, 0);              /* the chain alone cannot tell ... */
	verify(&t, line, &r);
	CHECK(r.broken && r.seq == 7 && strstr(r.why, "removed"));   /* ... the anchor can */

	line[strlen(line) - 3] ^= 1;            /* a forged anchor is refused */
	CHECK_EQ_INT(jg_audit_verify(t.path, line, &r, err, sizeof(err)), JG_ERR_CONFIG);
	store_rm(&st);
	jg_log_level = level;
}

/* Retention: the oldest records go, a prune record says which and where the chain resumes. */
JG_TEST(audit_retention_keeps_the_chain_verifiable)
{
	struct store st, t;
	struct jg_audit_report r;
	struct jg_audit_conf c = { .instance = "ut", .mode = JG_AUDIT_BATCHED, .retain_bytes = 600 };
	char err[512];
	int level = jg_log_level;

	jg_log_level = -1;
	if (store_new(&st, JG_AUDIT_BATCHED) != 0) {
		CHECK(0);
		return;
	}
	for (int i = 1; i <= 40; i++)
		put(&st, i);
	jg_audit_close(st.a);
	c.path = st.path;
	c.key_path = st.key;
	CHECK_EQ_INT(jg_audit_open(&c, NULL, &st.a, err, sizeof(err)), JG_OK);   /* prunes */
	CHECK_EQ_INT(jg_audit_flush(st.a), JG_OK);
	jg_audit_close(st.a);
	verify(&st, NULL, &r);
	CHECK_EQ_INT(r.broken, 0);
	CHECK(r.records > 3 && r.records < 30);
	copy(&st, "noprune", &t);               /* the prune record removed: the start is missing */
	sql(&t, "DELETE FROM audit WHERE kind = 'prune'");
	verify(&t, NULL, &r);
	CHECK(r.broken && strstr(r.why, "missing"));
	store_rm(&st);
	jg_log_level = level;
}

/* Retention by age removes only the records before the first one young enough: a batched
 * command's record carries the time it came, so a long statement's record can be old and yet
 * follow young ones; it and everything after the first young record stay. */
JG_TEST(audit_retention_by_age_keeps_what_follows_a_young_record)
{
	struct store st;
	struct jg_audit_report r;
	struct jg_audit_conf c = { .instance = "ut", .mode = JG_AUDIT_BATCHED, .retain_days = 1 };
	int64_t now = jg_audit_now_us(), old = now - 10 * 86400000000LL;
	char err[512];
	int level = jg_log_level;

	jg_log_level = -1;
	if (store_new(&st, JG_AUDIT_BATCHED) != 0) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < 5; i++)
		jg_audit_put(st.a, JG_AUDIT_K_COMMAND, 1, old, "{\"n\":1}", 7, NULL);
	jg_audit_put(st.a, JG_AUDIT_K_COMMAND, 2, now, "{\"n\":2}", 7, NULL);
	jg_audit_put(st.a, JG_AUDIT_K_COMMAND, 3, old, "{\"late\":1}", 10, NULL);
	jg_audit_put(st.a, JG_AUDIT_K_COMMAND, 2, now, "{\"n\":3}", 7, NULL);
	jg_audit_close(st.a);
	/* the start record (seq 1) is young too; make it old, as a store from long ago */
	sql(&st, "UPDATE audit SET time = 0 WHERE seq = 1");
	c.path = st.path;
	c.key_path = st.key;
	CHECK_EQ_INT(jg_audit_open(&c, NULL, &st.a, err, sizeof(err)), JG_OK);   /* prunes */
	CHECK_EQ_INT(jg_audit_flush(st.a), JG_OK);
	jg_audit_close(st.a);
	CHECK_EQ_INT(count_kind(&st, "prune"), 1);
	CHECK_EQ_INT(count_kind(&st, "start"), 1);      /* the second run's */
	CHECK_EQ_INT(count_kind(&st, "command"), 3);    /* n 2, the late one, n 3 */
	verify(&st, NULL, &r);
	/* seq 1 was edited: the chain breaks there, unless the prune removed it (it did) */
	CHECK_EQ_INT(r.broken, 0);
	store_rm(&st);
	jg_log_level = level;
}

/* A waiter is told once, on the writer thread, after its record committed. */
struct told {
	struct jg_audit_waiter w;
	pthread_mutex_t mu;
	int calls, ok;
};

static void told_fn(struct jg_audit_waiter *w, int ok)
{
	struct told *t = (struct told *)w;

	pthread_mutex_lock(&t->mu);
	t->calls++;
	t->ok = ok;
	pthread_mutex_unlock(&t->mu);
}

JG_TEST(audit_strict_waiter_and_reopen)
{
	struct store st;
	struct told t = { { told_fn }, PTHREAD_MUTEX_INITIALIZER, 0, -1 };
	struct jg_audit_report r;
	int level = jg_log_level, calls = 0;
	uint64_t s1, s2;

	jg_log_level = -1;
	ut_sync_full = 1;               /* no journal: the waiter hears after the commit */
	if (store_new(&st, JG_AUDIT_STRICT) != 0) {
		ut_sync_full = 0;
		CHECK(0);
		return;
	}
	ut_sync_full = 0;
	s1 = jg_audit_session(st.a);
	CHECK_EQ_INT(jg_audit_put(st.a, JG_AUDIT_K_COMMAND, s1, 5, "{}", 2, &t.w), JG_WAIT);
	for (int i = 0; i < 500 && !calls; i++) {
		usleep(2000);
		pthread_mutex_lock(&t.mu);
		calls = t.calls;
		pthread_mutex_unlock(&t.mu);
	}
	CHECK_EQ_INT(t.calls, 1);
	CHECK_EQ_INT(t.ok, 1);
	jg_audit_close(st.a);
	/* a second run goes on with the same chain and new session numbers */
	if (store_open(&st, JG_AUDIT_STRICT) != 0) {
		CHECK(0);
		return;
	}
	s2 = jg_audit_session(st.a);
	CHECK(s2 > s1);
	put(&st, 1);
	jg_audit_close(st.a);
	verify(&st, NULL, &r);
	CHECK_EQ_INT(r.broken, 0);
	CHECK_EQ_INT(r.records, 8);     /* start, command, stop, checkpoint; twice */
	store_rm(&st);
	jg_log_level = level;
}

/* Two writers of one instance's chain in one store would both extend the same head. */
JG_TEST(audit_one_writer_per_chain)
{
	struct store st, second;
	struct jg_audit_conf c = { .instance = "ut", .mode = JG_AUDIT_BATCHED };
	char err[512];
	int level = jg_log_level;

	jg_log_level = -1;
	if (store_new(&st, JG_AUDIT_BATCHED) != 0) {
		CHECK(0);
		return;
	}
	second = st;
	c.path = st.path;
	c.key_path = st.key;
	CHECK_EQ_INT(jg_audit_open(&c, NULL, &second.a, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "another jitgate records instance ut") != NULL);
	jg_audit_close(st.a);
	store_rm(&st);
	jg_log_level = level;
}

/* recovered: the strict store opened again (which moves the journal in), closed and verified. */
static int recovered(struct store *st, struct jg_audit_report *r)
{
	if (store_open(st, JG_AUDIT_STRICT) != 0)
		return -1;
	jg_audit_close(st->a);
	verify(st, NULL, r);
	return 0;
}

/*
 * crashed_writer: a child process opens the strict store, hands over 50 records (commands with a
 * waiter, results without: these go into the journal with the next waited record) on a writer
 * that never commits on its own, and is killed with SIGKILL. 1 when it died so.
 */
static int crashed_writer(struct store *st, struct told *t)
{
	int status = -1;
	pid_t pid;

	ut_batch_ms = 600000;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		char body[64];

		if (store_open(st, JG_AUDIT_STRICT) != 0)
			_exit(2);
		for (int i = 1; i <= 50; i++) {
			snprintf(body, sizeof(body), "{\"n\":%d}", i);
			if (jg_audit_put(st->a, i % 2 ? JG_AUDIT_K_COMMAND : JG_AUDIT_K_RESULT, 7, i, body,
			                 strlen(body), i % 2 ? &t->w : NULL) != JG_OK)
				_exit(3);
		}
		kill(getpid(), SIGKILL);
		_exit(4);
	}
	ut_batch_ms = 20;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	       WTERMSIG(status) == SIGKILL;
}

/* Strict mode with sync normal: a waited record is in the journal when jg_audit_put returns
 * (JG_OK, the waiter is never told). A process that dies before the writer commits loses
 * nothing: the next open moves the journal into the store, and a cut-off last frame (an append
 * that never returned) is dropped. */
JG_TEST(audit_strict_journal_survives_a_crash)
{
	struct store st;
	struct told t = { { told_fn }, PTHREAD_MUTEX_INITIALIZER, 0, -1 };
	struct jg_audit_report r;
	char jpath[160];
	int level = jg_log_level;
	FILE *f;

	jg_log_level = -1;
	if (store_new(&st, JG_AUDIT_STRICT) != 0) {
		CHECK(0);
		return;
	}
	CHECK_EQ_INT(jg_audit_put(st.a, JG_AUDIT_K_COMMAND, 1, 5, "{}", 2, &t.w), JG_OK);
	jg_audit_close(st.a);
	CHECK_EQ_INT(t.calls, 0);
	snprintf(jpath, sizeof(jpath), "%s-audit-ut.journal", st.path);
	CHECK(crashed_writer(&st, &t));
	if ((f = fopen(jpath, "a"))) {      /* a torn append after the last whole frame */
		fwrite("JGJ1\x40\0\0\0abc", 1, 11, f);
		fclose(f);
	}
	if (recovered(&st, &r) != 0) {
		CHECK(0);
		return;
	}
	CHECK_EQ_INT(r.broken, 0);
	/* start, command, stop, checkpoint; start (the child's); 49 of the 50 (the last result
	 * had no waited record after it); start, stop, checkpoint */
	CHECK_EQ_INT(r.records, 4 + 1 + 49 + 3);
	CHECK_EQ_INT(count_kind(&st, "command"), 1 + 25);
	CHECK_EQ_INT(count_kind(&st, "result"), 24);
	store_rm(&st);
	jg_log_level = level;
}

/*
 * The journal's two files take turns (a switch at 600 bytes here, about 9 frames): under a
 * steady flow of strict records neither file grows past the switch and one batch of appends, and
 * both are used; after a crash with records in both (no commit since the switch), the older
 * file's go into the store first.
 */
JG_TEST(audit_strict_journal_takes_turns)
{
	struct store st;
	struct told t = { { told_fn }, PTHREAD_MUTEX_INITIALIZER, 0, -1 };
	struct jg_audit_report r;
	char j1[160], j2[160], body[64];
	int level = jg_log_level;
	off_t max1 = 0, max2 = 0;

	jg_log_level = -1;
	ut_journal_switch = 600;
	if (store_new(&st, JG_AUDIT_STRICT) != 0) {
		CHECK(0);
		return;
	}
	snprintf(j1, sizeof(j1), "%s-audit-ut.journal", st.path);
	snprintf(j2, sizeof(j2), "%s-audit-ut.journal2", st.path);
	for (int i = 1; i <= 400; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		CHECK_EQ_INT(jg_audit_put(st.a, JG_AUDIT_K_COMMAND, 3, i, body, strlen(body), &t.w),
		             JG_OK);
		max1 = JG_MAX(max1, file_size(j1));
		max2 = JG_MAX(max2, file_size(j2));
		if (i % 20 == 0)
			usleep(30000);          /* the writer commits (batch_ms 20) */
	}
	CHECK(max1 > 0 && max2 > 0);
	CHECK(max1 < 600 + 20 * 70 && max2 < 600 + 20 * 70);
	jg_audit_close(st.a);
	CHECK_EQ_INT(file_size(j1) + file_size(j2), 0);
	CHECK(crashed_writer(&st, &t));
	ut_journal_switch = 0;
	CHECK(file_size(j1) > 0 && file_size(j2) > 0);
	if (recovered(&st, &r) != 0) {
		CHECK(0);
		return;
	}
	CHECK_EQ_INT(r.broken, 0);
	CHECK_EQ_INT(command_order(&st), 25);
	CHECK_EQ_INT(count_kind(&st, "result"), 24);
	CHECK_EQ_INT(file_size(j1) + file_size(j2), 0);
	store_rm(&st);
	jg_log_level = level;
}
