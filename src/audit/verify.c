/* verify.c: `jitgate audit verify`: the chain, record by record; see audit.h. */
#include "audit/audit.h"

#include <bearssl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* What the walk through one instance's chain knows. */
struct walk {
	const char *instance;
	int64_t expect;                   /* the seq the next record must have */
	uint8_t prev[JG_AUDIT_HASH];      /* the hash the next record must name */
	char key[131];                    /* the checkpoint key the last start record announced
	                                   * ("" before the first: retention may have removed it,
	                                   * and a checkpoint is then checked with its own key) */
	struct jg_audit_report *r;
};

static void hexs(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static int unhex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(s);

	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*n = len / 2;
	return 0;
}

static int broken(struct walk *w, int64_t seq, int64_t id, const char *fmt, const char *arg)
{
	struct jg_audit_report *r = w->r;

	r->broken = 1;
	snprintf(r->instance, sizeof(r->instance), "%s", w->instance);
	r->seq = seq;
	r->id = id;
	snprintf(r->why, sizeof(r->why), fmt, arg);
	return 1;
}

/* signed_ok: sig (hex) is key's (hex point) signature of instance's head seq/hash. */
static int signed_ok(const char *instance, int64_t seq, const char *hash_hex, const char *sig_hex,
                     const char *key_hex)
{
	uint8_t d[JG_AUDIT_HASH], sig[80], q[65];
	size_t siglen, qlen;
	br_ec_public_key pk;

	if (strlen(hash_hex) != 2 * JG_AUDIT_HASH || unhex(sig_hex, sig, sizeof(sig), &siglen) ||
	    unhex(key_hex, q, sizeof(q), &qlen) || qlen != 65)
		return 0;
	pk = (br_ec_public_key){ BR_EC_secp256r1, q, qlen };
	jg_audit_head_digest(instance, seq, hash_hex, d);
	return br_ecdsa_vrfy_asn1_get_default()(br_ec_get_default(), d, sizeof(d), &pk, sig,
	                                        siglen) == 1;
}

static const char *field(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* special: what start, checkpoint and prune records say beyond their place in the chain. */
static int special(struct walk *w, int64_t seq, int64_t id, const char *kind, const char *body)
{
	json_t *o;
	char prev_hex[2 * JG_AUDIT_HASH + 1];
	int bad = 0;

	if (strcmp(kind, JG_AUDIT_K_START) && strcmp(kind, JG_AUDIT_K_CHECKPOINT))
		return 0;
	if (!(o = json_loads(body, 0, NULL)))
		return broken(w, seq, id, "its body is not JSON%s", "");
	if (!strcmp(kind, JG_AUDIT_K_START)) {
		snprintf(w->key, sizeof(w->key), "%s", field(o, "key"));
	} else {
		hexs(w->prev, JG_AUDIT_HASH, prev_hex);
		if (json_integer_value(json_object_get(o, "seq")) != seq - 1 ||
		    strcmp(field(o, "hash"), prev_hex))
			bad = broken(w, seq, id, "this checkpoint does not sign the record before it%s",
			             "");
		else if (w->key[0] && strcmp(field(o, "key"), w->key))
			bad = broken(w, seq, id, "this checkpoint is signed by a key (%.16s...) that the "
			             "gateway's last start record did not announce", field(o, "key"));
		else if (!signed_ok(w->instance, seq - 1, prev_hex, field(o, "sig"), field(o, "key")))
			bad = broken(w, seq, id, "this checkpoint's signature does not verify%s", "");
		else
			w->r->checkpoints++;
	}
	json_decref(o);
	return bad;
}

/* first: where the chain of an instance starts: seq 1 after zeros, or after a prune record
 * that names the hash the part it removed ended at. */
static int first(sqlite3 *db, struct walk *w, int64_t seq, int64_t id)
{
	sqlite3_stmt *st;
	int found = 0;
	char num[24];

	memset(w->prev, 0, JG_AUDIT_HASH);
	w->expect = seq;
	if (seq == 1)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT body FROM audit WHERE instance = ? AND kind = 'prune' "
	                       "ORDER BY seq DESC", -1, &st, NULL) != SQLITE_OK)
		return broken(w, seq, id, "the store cannot be read: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, w->instance, -1, SQLITE_STATIC);
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		size_t n;

		if (o && json_integer_value(json_object_get(o, "through")) == seq - 1 &&
		    !unhex(field(o, "hash"), w->prev, JG_AUDIT_HASH, &n) && n == JG_AUDIT_HASH)
			found = 1;
		json_decref(o);
	}
	sqlite3_finalize(st);
	snprintf(num, sizeof(num), "%lld", (long long)seq);
	if (!found)
		return broken(w, 1, 0, "the records before this instance's first record (seq %s) are "
		              "missing, and no prune record says they were removed", num);
	return 0;
}

/* instance: one instance's chain, in seq order. */
static int instance(sqlite3 *db, struct walk *w)
{
	sqlite3_stmt *st;
	int rc, stop = 0;
	char num[48];

	if (sqlite3_prepare_v2(db, "SELECT id, seq, time, kind, session, body, prev, hash FROM audit "
	                       "WHERE instance = ? ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return broken(w, 0, 0, "the store cannot be read: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, w->instance, -1, SQLITE_STATIC);
	for (int n = 0; !stop && (rc = sqlite3_step(st)) == SQLITE_ROW; n++) {
		int64_t id = sqlite3_column_int64(st, 0), seq = sqlite3_column_int64(st, 1);
		const char *kind = (const char *)sqlite3_column_text(st, 3);
		const char *body = (const char *)sqlite3_column_text(st, 5);
		uint8_t h[JG_AUDIT_HASH];

		if (n == 0 && (stop = first(db, w, seq, id)))
			break;
		w->r->records++;
		snprintf(num, sizeof(num), "%lld", (long long)w->expect);
		if (seq != w->expect)
			stop = broken(w, w->expect, 0, "record %s is missing: the chain goes on at a "
			              "later seq (deleted, or renumbered)", num);
		else if (!kind || !body || sqlite3_column_bytes(st, 6) != JG_AUDIT_HASH ||
		         sqlite3_column_bytes(st, 7) != JG_AUDIT_HASH ||
		         sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
		         sqlite3_column_type(st, 4) != SQLITE_INTEGER)
			stop = broken(w, seq, id, "the record's columns were changed (a type or a "
			              "length is not what the gateway writes)%s", "");
		else if (memcmp(sqlite3_column_blob(st, 6), w->prev, JG_AUDIT_HASH))
			stop = broken(w, seq, id, "it does not follow the record before it (its prev is "
			              "not that record's hash): a record was inserted, replaced or "
			              "reordered here%s", "");
		if (stop)
			break;
		jg_audit_hash(w->prev, w->instance, seq, sqlite3_column_int64(st, 2), kind,
		              sqlite3_column_int64(st, 4), body, (size_t)sqlite3_column_bytes(st, 5), h);
		if (memcmp(sqlite3_column_blob(st, 7), h, JG_AUDIT_HASH)) {
			stop = broken(w, seq, id, "its content does not match its hash: the record was "
			              "edited%s", "");
			break;
		}
		if ((stop = special(w, seq, id, kind, body)))
			break;
		memcpy(w->prev, h, JG_AUDIT_HASH);
		w->expect = seq + 1;
	}
	sqlite3_finalize(st);
	return stop;
}

/* anchor: a checkpoint line from the log: its signature, and the store's record at its seq. */
static int anchored(sqlite3 *db, const char *line, struct jg_audit_report *r, char *err,
                    size_t errlen)
{
	char inst[16], hash[80], sig[200], key[140];
	long long seq;
	const char *p = strstr(line, "audit checkpoint ");
	sqlite3_stmt *st;
	struct walk w = { .instance = inst, .r = r };
	int found = 0;

	if (!p || sscanf(p, "audit checkpoint instance=%15s seq=%lld hash=%79s sig=%199s key=%139s",
	                 inst, &seq, hash, sig, key) != 5) {
		snprintf(err, errlen, "the anchor is not a checkpoint line of the log (\"audit "
		         "checkpoint instance=... seq=... hash=... sig=... key=...\")");
		return JG_ERR_CONFIG;
	}
	if (!signed_ok(inst, seq, hash, sig, key)) {
		snprintf(err, errlen, "the anchor's signature does not verify: it is not a checkpoint "
		         "line the gateway wrote");
		return JG_ERR_CONFIG;
	}
	if (r->broken)
		return JG_OK;
	if (sqlite3_prepare_v2(db, "SELECT hash FROM audit WHERE instance = ? AND seq = ?", -1, &st,
	                       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "the store cannot be read: %s", sqlite3_errmsg(db));
		return JG_ERR_IO;
	}
	sqlite3_bind_text(st, 1, inst, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == JG_AUDIT_HASH) {
		char h[2 * JG_AUDIT_HASH + 1];

		hexs(sqlite3_column_blob(st, 0), JG_AUDIT_HASH, h);
		found = strcmp(h, hash) == 0 ? 1 : -1;
	}
	sqlite3_finalize(st);
	snprintf(key, sizeof(key), "%lld", seq);
	if (found == 0)
		broken(&w, seq, 0, "record %s, which the anchor's checkpoint signed, is missing: "
		       "records at the end of the chain were removed", key);
	else if (found < 0)
		broken(&w, seq, 0, "record %s is not the one the anchor's checkpoint signed", key);
	else
		r->checkpoints++;
	return JG_OK;
}

int jg_audit_verify(const char *path, const char *anchor, struct jg_audit_report *r, char *err,
                    size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = JG_ERR_IO;

	memset(r, 0, sizeof(*r));
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT DISTINCT instance FROM audit ORDER BY instance", -1, &st,
	                       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read the audit trail in %s: %s", path,
		         db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	while (!r->broken && sqlite3_step(st) == SQLITE_ROW) {
		char inst[16];
		struct walk w = { .instance = inst, .r = r };

		snprintf(inst, sizeof(inst), "%s", (const char *)sqlite3_column_text(st, 0));
		instance(db, &w);
	}
	rc = anchor ? anchored(db, anchor, r, err, errlen) : JG_OK;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
