/* audit.c: the audit trail's writer thread, queue and chain; see audit.h. */
#include "audit/audit.h"

#include "audit/jw.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A record handed over, waiting for the writer. */
struct rec {
	struct rec *next;
	struct jg_audit_waiter *w;
	uint64_t jseq;                   /* its place among the records handed over */
	int64_t session, time_us;
	char kind[16];
	size_t len;
	char body[];
};

struct jg_audit {
	char path[4096], instance[16], key_path[4096];
	enum jg_audit_mode mode;
	unsigned batch_ms, checkpoint_s, retain_days, prune_s;
	uint64_t retain_bytes;
	int64_t next_prune_ms;
	size_t queue_bytes;
	size_t journal_switch;

	pthread_t thread;
	int started;
	int lock_fd;                     /* flock on PATH-audit-INSTANCE.lock: one writer per chain */
	pthread_mutex_t mu;              /* guards the fields down to `lost_why` */
	pthread_cond_t work;             /* the writer has something to do */
	pthread_cond_t idle;             /* a commit ended (jg_audit_flush) */
	struct rec *head, **tail;
	size_t bytes;                    /* body bytes queued */
	int64_t first_ms;                /* when the oldest queued record came (monotonic) */
	int strict_waiting;              /* a queued record has a waiter: commit at once */
	int stopping;
	uint64_t handed, settled;        /* records handed over, and committed or lost */
	int last_ok;                     /* the last commit worked */
	uint64_t lost;                   /* records dropped since the last gap record */
	int64_t lost_from, lost_to;
	char lost_why[160];

	/* The journal (strict mode with sync normal): see audit.h. Guarded by mu. Two files take
	 * turns: appends go to jfd until it holds J_SWITCH bytes and the other one (jfd2) is empty,
	 * then the two swap; a file is emptied once the store holds all of it. */
	int jfd, jfd2;                   /* -1: no journal */
	char jpath[4200], jpath2[4200];
	uint64_t jseq;                   /* the last jseq given to a record */
	uint64_t jlast, jlast2;          /* the last jseq written to each file */
	uint64_t jdone;                  /* the last jseq committed to the store */
	off_t jsize, jsize2;             /* each file's length */
	int jbroken;                     /* a failed append to jfd could not be cut off: jfd is
	                                    unused until it is empty */
	struct rec *jfirst;              /* the first queued record not in the journal (NULL: none) */
	uint8_t *jbuf;                   /* frames being appended (reused) */
	size_t jcap;
	int failing;                     /* the last commit failed: waiters wait for the next one */
	uint64_t recovered;              /* records the journal gave the store at open */
	size_t held;                     /* body bytes the writer holds for a retry */

	atomic_uint_fast64_t next_session;
	atomic_int kick;                 /* a record with a waiter came since the last kick */

	/* The writer thread's own. */
	sqlite3 *db;
	sqlite3_stmt *ins;
	sqlite3_stmt *jdone_st;          /* records audit_journal.done */
	char err[160];                   /* why the last commit failed */
	int64_t seq;                     /* the head: its seq and hash */
	uint8_t hash[JG_AUDIT_HASH];
	int64_t signed_seq;              /* the head the last checkpoint signed */
	int64_t next_checkpoint_ms;
	br_ec_private_key sk;
	uint8_t skbuf[32];
	uint8_t pub[65];
	char pub_hex[131];
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS audit ("
	"  id INTEGER PRIMARY KEY, instance TEXT NOT NULL, seq INTEGER NOT NULL,"
	"  time INTEGER NOT NULL, kind TEXT NOT NULL, session INTEGER NOT NULL,"
	"  body TEXT NOT NULL, prev BLOB NOT NULL, hash BLOB NOT NULL,"
	"  UNIQUE (instance, seq));"
	/* where each session starts and ends, for replay; only those records, so that a commit
	 * touches the table's last page and the (instance, seq) index's last page, not a page per
	 * session of an index of every record */
	"CREATE INDEX IF NOT EXISTS audit_bounds ON audit (instance, session, seq) "
	"  WHERE " JG_AUDIT_BOUNDS ";"
	/* the last journal record each instance committed (audit.h, "Durability") */
	"CREATE TABLE IF NOT EXISTS audit_journal ("
	"  instance TEXT PRIMARY KEY, done INTEGER NOT NULL);";

int64_t jg_audit_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * sha256: SHA-256 of the n parts, concatenated. The chain hashes every record, so this is
 * OpenSSL's libcrypto (in the process already, for libcurl, libjwt and libmariadb): it uses the
 * CPU's SHA instructions where there are, about 0.4 us for a 500-byte record against BearSSL's
 * 1.9 (docs/performance.md, "Recording"). The digest is the same; should libcrypto fail (no
 * memory, no provider), BearSSL computes it.
 */
struct part {
	const void *p;
	size_t n;
};

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static void sha256(const struct part *v, size_t n, uint8_t out[JG_AUDIT_HASH])
{
	EVP_MD_CTX *c = NULL;
	unsigned len = 0;
	int ok = 0;

	pthread_once(&sha256_once, sha256_fetch);
	if (sha256_md && (c = EVP_MD_CTX_new())) {
		ok = EVP_DigestInit_ex2(c, sha256_md, NULL);
		for (size_t i = 0; ok && i < n; i++)
			ok = EVP_DigestUpdate(c, v[i].p, v[i].n);
		ok = ok && EVP_DigestFinal_ex(c, out, &len) && len == JG_AUDIT_HASH;
		EVP_MD_CTX_free(c);
	}
	if (!ok) {
		br_sha256_context h;

		br_sha256_init(&h);
		for (size_t i = 0; i < n; i++)
			br_sha256_update(&h, v[i].p, v[i].n);
		br_sha256_out(&h, out);
	}
}

void jg_audit_hash(const uint8_t prev[JG_AUDIT_HASH], const char *instance, int64_t seq,
                   int64_t time_us, const char *kind, int64_t session, const char *body,
                   size_t body_len, uint8_t out[JG_AUDIT_HASH])
{
	char num[72], ses[24];
	size_t n, m;

	n = jg_jw_dec(num, seq);
	num[n++] = '\0';
	n += jg_jw_dec(num + n, time_us);
	num[n++] = '\0';
	m = jg_jw_dec(ses, session);
	ses[m++] = '\0';
	sha256((const struct part[]){ { prev, JG_AUDIT_HASH }, { instance, strlen(instance) + 1 },
	                              { num, n }, { kind, strlen(kind) + 1 }, { ses, m },
	                              { body, body_len } }, 6, out);
}

/* ---- the checkpoint key: the P-256 private scalar, 64 hex digits on the file's first line ---- */

static int unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int key_load(struct jg_audit *a, char *err, size_t errlen)
{
	const br_ec_impl *ec = br_ec_get_default();
	br_ec_public_key pk;
	char line[80] = "";
	FILE *f = fopen(a->key_path, "r");

	if (!f && errno == ENOENT) {
		br_hmac_drbg_context rng;
		br_prng_seeder seeder = br_prng_seeder_system(NULL);
		int fd;

		br_hmac_drbg_init(&rng, &br_sha256_vtable, NULL, 0);
		if (!seeder || !seeder(&rng.vtable) ||
		    !br_ec_keygen(&rng.vtable, ec, &a->sk, a->skbuf, BR_EC_secp256r1)) {
			snprintf(err, errlen, "cannot make the audit key: no system randomness");
			return JG_ERR_INTERNAL;
		}
		hex(a->skbuf, 32, line);
		strcat(line, "\n");
		fd = open(a->key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, line, 65) != 65 || fsync(fd) != 0) {
			snprintf(err, errlen, "cannot write the audit key %s: %s", a->key_path,
			         strerror(errno));
			if (fd >= 0)
				close(fd);
			return JG_ERR_IO;
		}
		close(fd);
		jg_log(JG_LOG_INFO, "audit: made the checkpoint key %s", a->key_path);
	} else if (!f || !fgets(line, sizeof(line), f) || strspn(line, "0123456789abcdef") != 64 ||
	           unhex(line, a->skbuf, 32) != 0) {
		snprintf(err, errlen, "cannot read the audit key %s: %s", a->key_path,
		         f ? "its first line must be 64 lower-case hex digits (a P-256 private key)" :
		         strerror(errno));
		if (f)
			fclose(f);
		return JG_ERR_CONFIG;
	} else {
		fclose(f);
		a->sk = (br_ec_private_key){ BR_EC_secp256r1, a->skbuf, 32 };
	}
	explicit_bzero(line, sizeof(line));
	if (br_ec_compute_pub(ec, &pk, a->pub, &a->sk) != 65) {
		snprintf(err, errlen, "the audit key %s is not a P-256 private key", a->key_path);
		return JG_ERR_CONFIG;
	}
	hex(a->pub, 65, a->pub_hex);
	return JG_OK;
}

void jg_audit_head_digest(const char *instance, int64_t seq, const char *hash_hex,
                          uint8_t out[JG_AUDIT_HASH])
{
	char num[24];
	size_t n = jg_jw_dec(num, seq);

	num[n++] = '\0';
	sha256((const struct part[]){ { instance, strlen(instance) + 1 }, { num, n },
	                              { hash_hex, 2 * JG_AUDIT_HASH } }, 3, out);
}

/* sign_head: the signature (ASN.1 DER, as hex) of the instance's head seq and hash. */
static void sign_head(struct jg_audit *a, int64_t seq, const char *hash_hex, char *sig_hex)
{
	uint8_t d[JG_AUDIT_HASH], sig[80];
	size_t n;

	jg_audit_head_digest(a->instance, seq, hash_hex, d);
	n = br_ecdsa_sign_asn1_get_default()(br_ec_get_default(), &br_sha256_vtable, d, &a->sk, sig);
	hex(sig, n, sig_hex);
}

/* ---- the writer ---- */

/* insert: one record at the head of the chain (inside the writer's transaction). */
static int insert(struct jg_audit *a, const char *kind, int64_t session, int64_t time_us,
                  const char *body, size_t len)
{
	uint8_t h[JG_AUDIT_HASH];
	int rc;

	jg_audit_hash(a->hash, a->instance, a->seq + 1, time_us, kind, session, body, len, h);
	sqlite3_bind_text(a->ins, 1, a->instance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(a->ins, 2, a->seq + 1);
	sqlite3_bind_int64(a->ins, 3, time_us);
	sqlite3_bind_text(a->ins, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(a->ins, 5, session);
	sqlite3_bind_text(a->ins, 6, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(a->ins, 7, a->hash, JG_AUDIT_HASH, SQLITE_STATIC);
	sqlite3_bind_blob(a->ins, 8, h, JG_AUDIT_HASH, SQLITE_STATIC);
	rc = sqlite3_step(a->ins);
	sqlite3_reset(a->ins);
	if (rc != SQLITE_DONE)
		return JG_ERR_IO;
	a->seq++;
	memcpy(a->hash, h, JG_AUDIT_HASH);
	return JG_OK;
}

/* ---- the journal: strict mode's records, durable before they are committed ---- */

/*
 * A frame: magic "JGJ1", its whole length, jseq, time, session, kind (16 bytes, NUL-padded),
 * the body, and FNV-1a 64 of everything before it; numbers little-endian. A frame that is cut
 * off or does not check ends the journal (a crash during an append: that append never returned,
 * so its command did not run).
 */
#define J_MAGIC 0x314a474au          /* "JGJ1" read as little-endian */
#define J_HEAD 48
#define J_FRAME(len) (J_HEAD + (len) + 8)
#define J_SWITCH (a->journal_switch)    /* a file's bytes before appends go to the other */

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3u;
	return h;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void frame(uint8_t *p, const struct rec *r)
{
	size_t n = J_FRAME(r->len);

	put_le(p, J_MAGIC, 4);
	put_le(p + 4, n, 4);
	put_le(p + 8, r->jseq, 8);
	put_le(p + 16, (uint64_t)r->time_us, 8);
	put_le(p + 24, (uint64_t)r->session, 8);
	memset(p + 32, 0, 16);
	memcpy(p + 32, r->kind, strlen(r->kind));
	memcpy(p + J_HEAD, r->body, r->len);
	put_le(p + J_HEAD + r->len, fnv(p, J_HEAD + r->len), 8);
}

/*
 * journal_append: the queued records from a->jfirst on, in one write (a->mu held). JG_OK when
 * they are all in the journal; otherwise the journal is as before (or marked broken). A record
 * with a waiter is left out: its command runs only if its commit works, so only the store may
 * hold it (recovery must never bring back the record of a command that was refused).
 */
static int journal_append(struct jg_audit *a)
{
	size_t n = 0, off = 0;
	struct rec *r;

	if (!a->jfirst)
		return JG_OK;
	if ((size_t)a->jsize >= J_SWITCH && a->jsize2 == 0 && !a->jbroken) {   /* the files swap */
		char path[sizeof(a->jpath)];
		int fd = a->jfd;

		a->jfd = a->jfd2;
		a->jfd2 = fd;
		a->jsize2 = a->jsize;
		a->jsize = 0;
		a->jlast2 = a->jlast;
		memcpy(path, a->jpath, sizeof(path));
		memcpy(a->jpath, a->jpath2, sizeof(path));
		memcpy(a->jpath2, path, sizeof(path));
	}
	for (r = a->jfirst; r; r = r->next)
		n += r->w ? 0 : J_FRAME(r->len);
	if (n > a->jcap) {
		uint8_t *b = realloc(a->jbuf, n + 4096);

		if (!b)
			return JG_ERR_NOMEM;
		a->jbuf = b;
		a->jcap = n + 4096;
	}
	for (r = a->jfirst; r; r = r->next) {
		if (r->w)
			continue;
		frame(a->jbuf + off, r);
		off += J_FRAME(r->len);
	}
	for (off = 0; off < n;) {
		ssize_t w = write(a->jfd, a->jbuf + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* cut off what was written, so that the next append follows a whole frame */
			if (off > 0 || w < 0)
				a->jbroken = ftruncate(a->jfd, a->jsize) != 0;
			return JG_ERR_IO;
		}
		off += (size_t)w;
	}
	a->jsize += (off_t)n;
	a->jlast = a->jseq;
	a->jfirst = NULL;
	return JG_OK;
}

/* journal_done: after a commit of records up to jseq done: a journal file that holds nothing
 * the store lacks is emptied. */
static void journal_done(struct jg_audit *a, uint64_t done)
{
	pthread_mutex_lock(&a->mu);
	if (done > a->jdone)
		a->jdone = done;
	if (a->jfd2 >= 0 && a->jsize2 > 0 && a->jlast2 <= a->jdone && ftruncate(a->jfd2, 0) == 0)
		a->jsize2 = 0;
	if (a->jfd >= 0 && a->jsize > 0 && a->jlast <= a->jdone && ftruncate(a->jfd, 0) == 0) {
		a->jsize = 0;
		a->jbroken = 0;
	}
	pthread_mutex_unlock(&a->mu);
}

/* set_done: the jseq the store holds records up to (inside the writer's transaction). */
static int set_done(struct jg_audit *a, uint64_t done)
{
	int rc;

	sqlite3_bind_text(a->jdone_st, 1, a->instance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(a->jdone_st, 2, (int64_t)done);
	rc = sqlite3_step(a->jdone_st);
	sqlite3_reset(a->jdone_st);
	return rc == SQLITE_DONE ? JG_OK : JG_ERR_IO;
}

/* read_done: audit_journal.done of the instance (0 when it has none). */
static int64_t read_done(struct jg_audit *a)
{
	sqlite3_stmt *st;
	int64_t done = 0;

	if (sqlite3_prepare_v2(a->db, "SELECT done FROM audit_journal WHERE instance = ?", -1, &st,
	                       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, a->instance, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		done = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return done;
}

/* import: the journal's frames after done, committed to the store in one transaction. */
static int import(struct jg_audit *a, const uint8_t *p, size_t n, uint64_t done,
                  uint64_t *imported, size_t *torn)
{
	size_t off = 0;
	int rc = JG_OK;

	*imported = 0;
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return JG_ERR_IO;
	while (rc == JG_OK && n - off >= J_FRAME(0)) {
		const uint8_t *f = p + off;
		size_t len = (size_t)get_le(f + 4, 4);
		uint64_t jseq = get_le(f + 8, 8);
		char kind[17];

		if (get_le(f, 4) != J_MAGIC || len < J_FRAME(0) || len > n - off ||
		    get_le(f + len - 8, 8) != fnv(f, len - 8))
			break;
		memcpy(kind, f + 32, 16);
		kind[16] = '\0';
		if (jseq > a->jseq)
			a->jseq = jseq;
		if (jseq > done) {
			rc = insert(a, kind, (int64_t)get_le(f + 24, 8), (int64_t)get_le(f + 16, 8),
			            (const char *)f + J_HEAD, len - J_FRAME(0));
			++*imported;
		}
		off += len;
	}
	*torn = n - off;
	if (rc == JG_OK && *imported)
		rc = set_done(a, a->jseq);
	if (rc == JG_OK && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return JG_OK;
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	return JG_ERR_IO;
}

/* journal_read: the journal file at path, opened (created when keep) and read whole. JG_OK
 * with *fd -1 when there is none and keep is 0. */
static int journal_read(const char *path, int keep, int *fd, uint8_t **buf, size_t *len,
                        char *err, size_t errlen)
{
	struct stat st;

	*buf = NULL;
	*len = 0;
	*fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | (keep ? O_CREAT : 0), 0600);
	if (*fd < 0 && (keep || errno != ENOENT)) {
		snprintf(err, errlen, "cannot open the audit journal %s: %s", path, strerror(errno));
		return JG_ERR_IO;
	}
	if (*fd < 0)
		return JG_OK;
	if (fstat(*fd, &st) != 0 || (st.st_size > 0 && !(*buf = malloc((size_t)st.st_size)))) {
		snprintf(err, errlen, "cannot read the audit journal %s", path);
		return JG_ERR_IO;
	}
	while (*len < (size_t)st.st_size) {
		ssize_t r = pread(*fd, *buf + *len, (size_t)st.st_size - *len, (off_t)*len);

		if (r <= 0)
			break;
		*len += (size_t)r;
	}
	return JG_OK;
}

/* first_jseq: the jseq of a journal's first frame (UINT64_MAX when it has none). */
static uint64_t first_jseq(const uint8_t *p, size_t n)
{
	return n >= J_FRAME(0) && get_le(p, 4) == J_MAGIC ? get_le(p + 8, 8) : UINT64_MAX;
}

/*
 * recover: at start, the records a crash left in the instance's journal files (and only there)
 * go to the store before anything else, the older file's first; the files are then emptied,
 * and kept open when `keep` (strict mode with sync normal).
 */
static int recover(struct jg_audit *a, int keep, char *err, size_t errlen)
{
	int64_t done = read_done(a);
	uint8_t *buf[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 }, torn = 0;
	int fd[2] = { -1, -1 }, rc = JG_OK;

	snprintf(a->jpath, sizeof(a->jpath), "%s-audit-%s.journal", a->path, a->instance);
	snprintf(a->jpath2, sizeof(a->jpath2), "%s-audit-%s.journal2", a->path, a->instance);
	if (done < 0) {
		snprintf(err, errlen, "cannot read the store %s: %s", a->path, sqlite3_errmsg(a->db));
		return JG_ERR_IO;
	}
	a->jseq = a->jdone = a->jlast = a->jlast2 = (uint64_t)done;
	if (journal_read(a->jpath, keep, &fd[0], &buf[0], &len[0], err, errlen) != JG_OK ||
	    journal_read(a->jpath2, keep, &fd[1], &buf[1], &len[1], err, errlen) != JG_OK) {
		rc = JG_ERR_IO;
		goto out;
	}
	for (int k = 0; k < 2; k++) {
		int i = (first_jseq(buf[0], len[0]) < first_jseq(buf[1], len[1])) == (k == 0) ? 0 : 1;
		uint64_t imported = 0;
		size_t cut = 0;

		if (!len[i])
			continue;
		if (import(a, buf[i], len[i], (uint64_t)done, &imported, &cut) != JG_OK) {
			snprintf(err, errlen, "cannot move the audit journal %s into the store: %s",
			         i ? a->jpath2 : a->jpath, sqlite3_errmsg(a->db));
			rc = JG_ERR_IO;
			goto out;
		}
		a->recovered += imported;
		torn += cut;
	}
	if (a->recovered || torn)
		jg_log(a->recovered ? JG_LOG_WARN : JG_LOG_INFO, "audit: %llu record%s from the journal "
		       "%s went into the store (the gateway had stopped without committing them)%s",
		       (unsigned long long)a->recovered, a->recovered == 1 ? "" : "s", a->jpath,
		       torn ? "; a cut-off last frame was dropped (its append never returned)" : "");
	a->jdone = a->jlast = a->jlast2 = a->jseq;
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0 && ftruncate(fd[i], 0) != 0) {
			snprintf(err, errlen, "cannot empty the audit journal %s: %s",
			         i ? a->jpath2 : a->jpath, strerror(errno));
			rc = JG_ERR_IO;
		}
out:
	for (int i = 0; i < 2; i++) {
		free(buf[i]);
		if (fd[i] >= 0 && (!keep || rc != JG_OK))
			close(fd[i]);
	}
	if (keep && rc == JG_OK) {
		a->jfd = fd[0];
		a->jfd2 = fd[1];
	}
	return rc;
}

/* checkpoint: a record signing the head, and the same line in the log once committed. */
static int checkpoint(struct jg_audit *a, char *line, size_t cap)
{
	char hash_hex[2 * JG_AUDIT_HASH + 1], sig_hex[2 * 80 + 1];
	struct jg_jw w;
	const char *body;
	size_t len;
	int rc = JG_ERR_NOMEM;

	hex(a->hash, JG_AUDIT_HASH, hash_hex);
	sign_head(a, a->seq, hash_hex, sig_hex);
	jg_jw_init(&w);
	jg_jw_obj(&w, NULL);
	jg_jw_int(&w, "seq", a->seq);
	jg_jw_str(&w, "hash", hash_hex);
	jg_jw_str(&w, "sig", sig_hex);
	jg_jw_str(&w, "key", a->pub_hex);
	jg_jw_end(&w, '}');
	snprintf(line, cap, "audit checkpoint instance=%s seq=%lld hash=%s sig=%s key=%s",
	         a->instance, (long long)a->seq, hash_hex, sig_hex, a->pub_hex);
	if ((body = jg_jw_done(&w, &len)))
		rc = insert(a, JG_AUDIT_K_CHECKPOINT, 0, jg_audit_now_us(), body, len);
	jg_jw_free(&w);
	return rc;
}

/* gap: the record of records batched mode lost. */
static int gap(struct jg_audit *a, uint64_t lost, int64_t from, int64_t to, const char *why)
{
	struct jg_jw w;
	const char *body;
	size_t len;
	int rc = JG_ERR_NOMEM;

	jg_jw_init(&w);
	jg_jw_obj(&w, NULL);
	jg_jw_uint(&w, "lost", lost);
	jg_jw_int(&w, "from", from);
	jg_jw_int(&w, "to", to);
	jg_jw_str(&w, "why", why);
	jg_jw_end(&w, '}');
	if ((body = jg_jw_done(&w, &len)))
		rc = insert(a, JG_AUDIT_K_GAP, 0, jg_audit_now_us(), body, len);
	jg_jw_free(&w);
	return rc;
}

/*
 * commit: the records of list, after a gap record for what was lost before, and a checkpoint
 * when one is due (or `final`), in one transaction. On failure the head is as before.
 */
static int commit(struct jg_audit *a, struct rec *list, uint64_t lost, int64_t lost_from,
                  int64_t lost_to, const char *lost_why, int final, char *cp_line, size_t cp_cap)
{
	int64_t seq0 = a->seq, signed0 = a->signed_seq;
	uint8_t hash0[JG_AUDIT_HASH];
	int rc = JG_OK;

	memcpy(hash0, a->hash, JG_AUDIT_HASH);
	cp_line[0] = '\0';
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(a->err, sizeof(a->err), "%s", sqlite3_errmsg(a->db));
		return JG_ERR_IO;
	}
	if (lost)
		rc = gap(a, lost, lost_from, lost_to, lost_why);
	for (struct rec *r = list; r && rc == JG_OK; r = r->next) {
		rc = insert(a, r->kind, r->session, r->time_us, r->body, r->len);
		if (rc == JG_OK && a->jfd >= 0 && !r->next)
			rc = set_done(a, r->jseq);
	}
	if (rc == JG_OK && a->seq != a->signed_seq && (final || mono_ms() >= a->next_checkpoint_ms)) {
		int64_t head = a->seq;

		rc = checkpoint(a, cp_line, cp_cap);
		if (rc == JG_OK)
			a->signed_seq = head;
	}
	if (rc == JG_OK && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return JG_OK;
	/* the reason first: a COMMIT that failed to write has rolled back already, and a ROLLBACK
	 * then fails with a message of its own */
	snprintf(a->err, sizeof(a->err), "%s", sqlite3_errmsg(a->db));
	if (!sqlite3_get_autocommit(a->db))
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	a->seq = seq0;
	a->signed_seq = signed0;
	memcpy(a->hash, hash0, JG_AUDIT_HASH);
	cp_line[0] = '\0';
	return JG_ERR_IO;
}

/* prune_to: the last seq retention removes (0: none): older than retain_days, or beyond
 * retain_bytes of bodies counted from the newest. */
static int64_t prune_to(struct jg_audit *a)
{
	sqlite3_stmt *st;
	int64_t cut = 0, c;

	/* the records before the first one young enough: times are not in seq order (a batched
	 * command's record has the time it came and is handed over when its result ends) */
	if (a->retain_days &&
	    sqlite3_prepare_v2(a->db, "SELECT coalesce((SELECT min(seq) FROM audit WHERE "
	                       "instance = ?1 AND time >= ?2), ?3 + 1) - 1", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, a->instance, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, jg_audit_now_us() - (int64_t)a->retain_days * 86400000000);
		sqlite3_bind_int64(st, 3, a->seq);
		if (sqlite3_step(st) == SQLITE_ROW)
			cut = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (a->retain_bytes &&
	    sqlite3_prepare_v2(a->db, "SELECT max(seq) FROM (SELECT seq, sum(length(body)) OVER "
	                       "(ORDER BY seq DESC) AS total FROM audit WHERE instance = ?) "
	                       "WHERE total > ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, a->instance, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)a->retain_bytes);
		if (sqlite3_step(st) == SQLITE_ROW && (c = sqlite3_column_int64(st, 0)) > cut)
			cut = c;
		sqlite3_finalize(st);
	}
	return JG_MIN(cut, a->seq - 1);
}

/*
 * prune: retention, in one transaction: the prune record at the head (what goes, and the hash
 * of the last record that goes), then the records themselves. On failure nothing changed.
 */
static void prune(struct jg_audit *a)
{
	int64_t cut = prune_to(a), first = 0, seq0 = a->seq;
	uint8_t hash0[JG_AUDIT_HASH];
	char hash_hex[2 * JG_AUDIT_HASH + 1] = "";
	sqlite3_stmt *st;
	struct jg_jw w;
	const char *body;
	size_t len;
	int ok = 0;

	if (cut <= 0 || sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return;
	memcpy(hash0, a->hash, JG_AUDIT_HASH);
	if (sqlite3_prepare_v2(a->db, "SELECT min(seq), (SELECT hash FROM audit WHERE instance = ?1 "
	                       "AND seq = ?2) FROM audit WHERE instance = ?1 AND seq <= ?2", -1, &st,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, a->instance, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, cut);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == JG_AUDIT_HASH) {
			first = sqlite3_column_int64(st, 0);
			hex(sqlite3_column_blob(st, 1), JG_AUDIT_HASH, hash_hex);
		}
		sqlite3_finalize(st);
	}
	jg_jw_init(&w);
	jg_jw_obj(&w, NULL);
	jg_jw_int(&w, "from", first);
	jg_jw_int(&w, "through", cut);
	jg_jw_str(&w, "hash", hash_hex);
	jg_jw_int(&w, "days", a->retain_days);
	jg_jw_uint(&w, "max_bytes", a->retain_bytes);
	jg_jw_end(&w, '}');
	if (first > 0 && (body = jg_jw_done(&w, &len)) &&
	    insert(a, JG_AUDIT_K_PRUNE, 0, jg_audit_now_us(), body, len) == JG_OK &&
	    sqlite3_prepare_v2(a->db, "DELETE FROM audit WHERE instance = ? AND seq <= ?", -1, &st,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, a->instance, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, cut);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	jg_jw_free(&w);
	if (ok && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
		jg_log(JG_LOG_INFO, "audit: retention removed records %lld to %lld of instance %s",
		       (long long)first, (long long)cut, a->instance);
		return;
	}
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	a->seq = seq0;
	memcpy(a->hash, hash0, JG_AUDIT_HASH);
	jg_log(JG_LOG_ERR, "audit: retention could not prune the store: %s", sqlite3_errmsg(a->db));
}

/* wait_ms: the writer sleeps on `work` for at most ms (a->mu held). */
static void wait_ms(struct jg_audit *a, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&a->work, &a->mu, &ts);
}

/*
 * take: waits for work; the list to commit (NULL when stopping with nothing queued, or to write
 * only a gap record). Records without a waiter do not wake the writer: they go with the next
 * strict record's commit or at most batch_ms after they came, so that batched mode costs one
 * wake-up per batch rather than one per record. Lost records alone are retried once per
 * batch_ms (a store that cannot be written is not hammered).
 */
static struct rec *take(struct jg_audit *a, int held, uint64_t *lost, int64_t *from,
                        int64_t *to, char *why, size_t whylen)
{
	struct rec *list;
	int idle = 0;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		int64_t now = mono_ms(), due = a->first_ms + a->batch_ms;

		if (a->stopping || a->strict_waiting || (a->head && now >= due) ||
		    a->bytes >= a->queue_bytes / 2 || (!a->head && (a->lost || held) && idle))
			break;
		idle = !a->head;
		wait_ms(a, a->head ? due - now : a->batch_ms);
	}
	/* a record the journal holds must not come before one that is nowhere yet (a crash before
	 * this commit would keep the later record and lose the earlier one) */
	if (a->jfd >= 0 && !a->jbroken && journal_append(a) != JG_OK)
		a->jbroken = 1;
	list = a->head;
	a->head = NULL;
	a->tail = &a->head;
	a->bytes = 0;
	a->jfirst = NULL;
	a->strict_waiting = 0;
	*lost = a->lost;
	*from = a->lost_from;
	*to = a->lost_to;
	snprintf(why, whylen, "%s", a->lost_why);
	a->lost = 0;
	pthread_mutex_unlock(&a->mu);
	return list;
}

/* lose: n records (from..to) could not be written: counted for the next gap record. */
static void lose(struct jg_audit *a, uint64_t n, int64_t from, int64_t to, const char *why)
{
	if (!n)
		return;
	if (!a->lost || from < a->lost_from)
		a->lost_from = from;
	if (!a->lost || to > a->lost_to)
		a->lost_to = to;
	a->lost += n;
	snprintf(a->lost_why, sizeof(a->lost_why), "%s", why);
}

/*
 * settle: after a commit of list (ok or not): waiters are told, records are freed; when the
 * commit failed, the records that are not a waiter's are kept for the next commit if the
 * journal may hold them (they must not be lost: their commands ran), and are lost otherwise.
 * Returns the records kept.
 */
static struct rec *settle(struct jg_audit *a, struct rec *list, int ok, int stopping,
                          uint64_t *n, int64_t *first, int64_t *last, size_t *kept_bytes)
{
	struct rec *r, *next, *kept = NULL, **kt = &kept;

	*kept_bytes = 0;
	for (r = list; r; r = next) {
		next = r->next;
		if (!ok && !r->w && a->jfd >= 0 && !stopping) {
			r->next = NULL;
			*kt = r;
			kt = &r->next;
			*kept_bytes += r->len;
			continue;
		}
		if (!(*n)++)
			*first = r->time_us;
		*last = r->time_us;
		if (r->w && !stopping)
			r->w->told(r->w, ok);
		free(r);
	}
	return kept;
}

static void *writer(void *arg)
{
	struct jg_audit *a = arg;
	struct rec *held = NULL;
	uint64_t nheld = 0;             /* records in held (already counted as settled) */
	char why[160], cp_line[600];
	struct sched_param sp = { 0 };

	/* without waiters (batched mode, or strict with the journal) a batch thread: its deadline
	 * is batch_ms, so it need not preempt the workers or the database when it wakes
	 * (SCHED_BATCH keeps its share of the CPU); with sync full, commands wait on it */
	if (a->mode == JG_AUDIT_BATCHED || a->jfd >= 0)
		pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);

	for (;;) {
		uint64_t lost, n = 0, count = 0, done = 0;
		int64_t from, to, first = 0, last = 0;
		struct rec *list = take(a, held != NULL, &lost, &from, &to, why, sizeof(why)), *r;
		size_t kept_bytes;
		int stopping, ok;

		pthread_mutex_lock(&a->mu);
		stopping = a->stopping && !a->head;
		pthread_mutex_unlock(&a->mu);
		if (held) {             /* the records a failed commit kept go first */
			for (r = held; r->next; r = r->next)
				;
			r->next = list;
			list = held;
			held = NULL;
		}
		if (!list && !lost && !stopping)
			continue;
		for (r = list; r; r = r->next) {
			count++;
			done = r->jseq;
		}
		ok = commit(a, list, lost, from, to, why, stopping, cp_line, sizeof(cp_line)) == JG_OK;
		if (!ok)
			jg_log(JG_LOG_ERR, "audit: cannot write the store %s: %s", a->path, a->err);
		else if (cp_line[0])
			jg_log(JG_LOG_INFO, "%s", cp_line);
		if (ok)
			a->next_checkpoint_ms = cp_line[0] ? mono_ms() + (int64_t)a->checkpoint_s * 1000 :
			                        a->next_checkpoint_ms;
		held = settle(a, list, ok, stopping, &n, &first, &last, &kept_bytes);
		if (ok && a->jfd >= 0)
			journal_done(a, done);
		pthread_mutex_lock(&a->mu);
		if (!ok) {
			snprintf(why, sizeof(why), "%s", a->err);
			lose(a, lost + n, lost ? from : first, last ? last : to, why);
		}
		a->last_ok = ok;
		a->failing = !ok;
		a->held = kept_bytes;
		a->settled += count - nheld;
		for (nheld = 0, r = held; r; r = r->next)
			nheld++;
		pthread_cond_broadcast(&a->idle);
		pthread_mutex_unlock(&a->mu);
		if (stopping) {
			if (!ok && a->jfd >= 0 && a->jsize + a->jsize2 > 0)
				jg_log(JG_LOG_ERR, "audit: the journal %s keeps the records the store lacks; "
				       "they go into the store when the gateway starts again", a->jpath);
			break;
		}
		if ((a->retain_days || a->retain_bytes) && mono_ms() >= a->next_prune_ms) {
			a->next_prune_ms = mono_ms() + (int64_t)a->prune_s * 1000;
			prune(a);
		}
	}
	return NULL;
}

/* ---- the workers' side ---- */

int jg_audit_put(struct jg_audit *a, const char *kind, uint64_t session, int64_t time_us,
                 const char *body, size_t len, struct jg_audit_waiter *w)
{
	struct rec *r = malloc(sizeof(*r) + len + 1);

	if (!r)
		return JG_ERR_NOMEM;
	r->next = NULL;
	r->w = NULL;
	r->session = (int64_t)session;
	r->time_us = time_us;
	memset(r->kind, 0, sizeof(r->kind));
	memcpy(r->kind, kind, strnlen(kind, sizeof(r->kind) - 1));
	r->len = len;
	memcpy(r->body, body, len);
	r->body[len] = '\0';
	pthread_mutex_lock(&a->mu);
	if (!w && a->bytes + a->held + len > a->queue_bytes) {
		lose(a, 1, time_us, time_us, "more records waited than [store] audit_queue holds");
		a->handed++;
		a->settled++;
		pthread_mutex_unlock(&a->mu);
		free(r);
		return JG_ERR_IO;
	}
	r->jseq = ++a->jseq;
	if (!a->head)
		a->first_ms = mono_ms();
	*a->tail = r;
	a->tail = &r->next;
	a->bytes += len;
	a->handed++;
	if (!a->jfirst)
		a->jfirst = r;
	/* strict mode with a journal: the record is durable once appended, and the command goes on
	 * at once; while the store fails (or the journal does), it waits for a commit instead */
	if (w && a->jfd >= 0 && !a->failing && !a->jbroken &&
	    a->bytes + a->held <= a->queue_bytes && journal_append(a) == JG_OK) {
		pthread_mutex_unlock(&a->mu);
		return JG_OK;
	}
	if (w) {
		r->w = w;
		a->strict_waiting = 1;
	}
	if (a->bytes >= a->queue_bytes / 2)
		pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->mu);
	if (w)
		atomic_store(&a->kick, 1);
	return w ? JG_WAIT : JG_OK;
}

void jg_audit_kick(struct jg_audit *a)
{
	if (!atomic_load_explicit(&a->kick, memory_order_relaxed) || !atomic_exchange(&a->kick, 0))
		return;
	pthread_mutex_lock(&a->mu);
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->mu);
}

int jg_audit_flush(struct jg_audit *a)
{
	uint64_t target;
	int ok;

	pthread_mutex_lock(&a->mu);
	target = a->handed;
	a->strict_waiting = 1;          /* commit now rather than after batch_ms */
	pthread_cond_signal(&a->work);
	while (a->settled < target)
		pthread_cond_wait(&a->idle, &a->mu);
	ok = a->last_ok && !a->lost;
	pthread_mutex_unlock(&a->mu);
	return ok ? JG_OK : JG_ERR_IO;
}

enum jg_audit_mode jg_audit_mode(const struct jg_audit *a)
{
	return a->mode;
}

uint64_t jg_audit_session(struct jg_audit *a)
{
	return atomic_fetch_add(&a->next_session, 1);
}

/* ---- open and close ---- */

/* head: the instance's last seq and hash, and the largest session number, from the store. */
static int head(struct jg_audit *a)
{
	sqlite3_stmt *st;
	int rc = JG_ERR_IO;
	int64_t sessions = 0;

	if (sqlite3_prepare_v2(a->db, "SELECT seq, hash FROM audit WHERE instance = ? "
	                       "ORDER BY seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return JG_ERR_IO;
	sqlite3_bind_text(st, 1, a->instance, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		if (sqlite3_column_bytes(st, 1) != JG_AUDIT_HASH)
			break;
		a->seq = sqlite3_column_int64(st, 0);
		memcpy(a->hash, sqlite3_column_blob(st, 1), JG_AUDIT_HASH);
		rc = JG_OK;
		break;
	case SQLITE_DONE:
		rc = JG_OK;
		break;
	}
	sqlite3_finalize(st);
	/* sessions begin with a login record, which the bounds index holds; the last records
	 * cover a session whose login a batched gap lost (the whole table would cost a second per
	 * GiB at every start) */
	if (rc != JG_OK || sqlite3_prepare_v2(a->db, "SELECT max(coalesce((SELECT max(session) FROM "
	                                      "audit WHERE instance = ?1 AND " JG_AUDIT_BOUNDS "), "
	                                      "0), coalesce((SELECT max(session) FROM audit WHERE "
	                                      "instance = ?1 AND seq > ?2), 0))", -1, &st,
	                                      NULL) != SQLITE_OK)
		return JG_ERR_IO;
	sqlite3_bind_text(st, 1, a->instance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->seq - 100000);
	if (sqlite3_step(st) == SQLITE_ROW)
		sessions = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	atomic_store(&a->next_session, (uint64_t)sessions + 1);
	a->signed_seq = a->seq;
	return JG_OK;
}

/* bounds_index: a store made before JG_AUDIT_BOUNDS had the index on `kind IN (...)`, which
 * costs every insert a temporary table: it is made again (once, a scan of the table). */
static int bounds_index(struct jg_audit *a)
{
	sqlite3_stmt *st;
	int old = 0;

	if (sqlite3_prepare_v2(a->db, "SELECT sql FROM sqlite_master WHERE type = 'index' AND "
	                       "name = 'audit_bounds'", -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		old = strstr((const char *)sqlite3_column_text(st, 0), JG_AUDIT_BOUNDS) == NULL;
	sqlite3_finalize(st);
	if (!old)
		return SQLITE_OK;
	jg_log(JG_LOG_INFO, "audit: making the index audit_bounds of %s again (a cheaper condition)",
	       a->path);
	return sqlite3_exec(a->db, "BEGIN IMMEDIATE; DROP INDEX audit_bounds; CREATE INDEX "
	                    "audit_bounds ON audit (instance, session, seq) WHERE " JG_AUDIT_BOUNDS
	                    "; COMMIT;", NULL, NULL, NULL);
}

static int open_db(struct jg_audit *a, int sync_full, char *err, size_t errlen)
{
	char pragmas[160];
	char *msg = NULL;

	if (sqlite3_open_v2(a->path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open the store %s: %s", a->path,
		         a->db ? sqlite3_errmsg(a->db) : "out of memory");
		return JG_ERR_IO;
	}
	sqlite3_busy_timeout(a->db, 5000);
	/* 32 KiB pages (when the store is new): commits hold the records of up to batch_ms (strict
	 * mode's records are made durable by the journal, not by a commit each), and larger pages
	 * mean fewer WAL frames, system calls and B-tree splits per record (the writer's CPU per
	 * record: 3.3 us with 8 KiB pages, 2.8 with 32 KiB; docs/performance.md). A 16 MiB page
	 * cache holds such a commit (200 ms at 20,000 queries a second is about 3 MiB), where the
	 * default 2 MiB made SQLite spill pages to the WAL in the middle of it. */
	snprintf(pragmas, sizeof(pragmas), "PRAGMA page_size=32768; PRAGMA journal_mode=WAL; "
	         "PRAGMA synchronous=%s; PRAGMA cache_size=-16384;",
	         sync_full ? "FULL" : "NORMAL");
	if (sqlite3_exec(a->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(a->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    bounds_index(a) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db, "INSERT INTO audit (instance, seq, time, kind, session, body, "
	                       "prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &a->ins,
	                       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db, "INSERT OR REPLACE INTO audit_journal (instance, done) "
	                       "VALUES (?, ?)", -1, &a->jdone_st, NULL) != SQLITE_OK ||
	    head(a) != JG_OK) {
		snprintf(err, errlen, "cannot use the store %s for the audit trail: %s", a->path,
		         msg ? msg : sqlite3_errmsg(a->db));
		sqlite3_free(msg);
		return JG_ERR_IO;
	}
	return JG_OK;
}

/* lock: this process is the only one that writes the instance's chain in this store (two
 * writers would both extend the same head). */
static int lock(struct jg_audit *a, char *err, size_t errlen)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s-audit-%s.lock", a->path, a->instance);
	a->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (a->lock_fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", p, strerror(errno));
		return JG_ERR_IO;
	}
	if (flock(a->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "another jitgate records instance %s in the store %s; give each "
		         "gateway its own [credentials] instance or [store] path", a->instance, a->path);
		return JG_ERR_CONFIG;
	}
	return JG_OK;
}

static void destroy(struct jg_audit *a)
{
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	if (a->jfd >= 0)
		close(a->jfd);
	if (a->jfd2 >= 0)
		close(a->jfd2);
	free(a->jbuf);
	sqlite3_finalize(a->ins);
	sqlite3_finalize(a->jdone_st);
	sqlite3_close(a->db);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->work);
	pthread_cond_destroy(&a->idle);
	explicit_bzero(a->skbuf, sizeof(a->skbuf));
	free(a);
}

int jg_audit_open(const struct jg_audit_conf *c, const char *start_body, struct jg_audit **out,
                  char *err, size_t errlen)
{
	struct jg_audit *a = calloc(1, sizeof(*a));
	char body[320];
	int rc;

	*out = NULL;
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return JG_ERR_NOMEM;
	}
	snprintf(a->path, sizeof(a->path), "%s", c->path);
	snprintf(a->instance, sizeof(a->instance), "%s", c->instance);
	snprintf(a->key_path, sizeof(a->key_path), "%s", c->key_path);
	a->mode = c->mode;
	a->batch_ms = c->batch_ms ? c->batch_ms : 200;
	a->queue_bytes = c->queue_bytes ? c->queue_bytes : 64u << 20;
	a->checkpoint_s = c->checkpoint_s ? c->checkpoint_s : 60;
	a->retain_days = c->retain_days;
	a->retain_bytes = c->retain_bytes;
	a->prune_s = c->prune_s ? c->prune_s : 3600;
	a->tail = &a->head;
	a->last_ok = 1;
	a->lock_fd = -1;
	a->jfd = a->jfd2 = -1;
	a->journal_switch = c->journal_switch ? c->journal_switch : 4u << 20;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->idle, NULL);
	if ((rc = lock(a, err, errlen)) != JG_OK || (rc = key_load(a, err, errlen)) != JG_OK ||
	    (rc = open_db(a, c->sync_full, err, errlen)) != JG_OK ||
	    (rc = recover(a, c->mode == JG_AUDIT_STRICT && !c->sync_full, err, errlen)) != JG_OK)
		goto fail;
	a->next_checkpoint_ms = mono_ms() + (int64_t)a->checkpoint_s * 1000;
	if (pthread_create(&a->thread, NULL, writer, a) != 0) {
		snprintf(err, errlen, "cannot start the audit writer thread");
		rc = JG_ERR_INTERNAL;
		goto fail;
	}
	a->started = 1;
	pthread_setname_np(a->thread, "jg-audit");
	/* the start record carries the key, so that a verifier knows whose signatures follow */
	if (!start_body)
		start_body = "{}";
	snprintf(body, sizeof(body), "%.*s%s\"key\":\"%s\"}", (int)strlen(start_body) - 1,
	         start_body, strcmp(start_body, "{}") ? "," : "", a->pub_hex);
	if (jg_audit_put(a, JG_AUDIT_K_START, 0, jg_audit_now_us(), body, strlen(body), NULL) !=
	    JG_OK || jg_audit_flush(a) != JG_OK) {
		snprintf(err, errlen, "cannot write to the store %s: %s", a->path,
		         a->lost_why[0] ? a->lost_why : "out of memory");
		jg_audit_close(a);
		return JG_ERR_IO;
	}
	jg_log(JG_LOG_INFO, "audit: recording to %s (%s, instance %s, head at seq %lld)", a->path,
	       a->mode == JG_AUDIT_STRICT ? "strict" : "batched", a->instance, (long long)a->seq);
	*out = a;
	return JG_OK;
fail:
	destroy(a);
	return rc;
}

int jg_audit_recover(const char *path, const char *instance, uint64_t *imported, char *err,
                     size_t errlen)
{
	struct jg_audit *a = calloc(1, sizeof(*a));
	int rc;

	*imported = 0;
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return JG_ERR_NOMEM;
	}
	snprintf(a->path, sizeof(a->path), "%s", path);
	snprintf(a->instance, sizeof(a->instance), "%s", instance);
	a->tail = &a->head;
	a->lock_fd = a->jfd = a->jfd2 = -1;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->idle, NULL);
	if ((rc = lock(a, err, errlen)) == JG_OK && (rc = open_db(a, 0, err, errlen)) == JG_OK &&
	    (rc = recover(a, 0, err, errlen)) == JG_OK)
		*imported = a->recovered;
	destroy(a);
	return rc;
}

void jg_audit_close(struct jg_audit *a)
{
	if (!a)
		return;
	if (a->started) {
		static const char body[] = "{\"reason\":\"stopped\"}";

		jg_audit_put(a, JG_AUDIT_K_STOP, 0, jg_audit_now_us(), body, sizeof(body) - 1, NULL);
		pthread_mutex_lock(&a->mu);
		a->stopping = 1;
		pthread_cond_signal(&a->work);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->thread, NULL);
	}
	destroy(a);
}
