/*
 * auth.c: JWT validation; see auth.h for the API and the order of checks.
 *
 * The signature is checked with BearSSL against the key chosen by kid, for the algorithm pinned
 * from the header (RSASSA-PKCS1-v1_5 or ECDSA with r||s, RFC 7518 section 3). libjwt 1.10 is not
 * used here: it trusts the header (an HS256 header makes it use a public-key PEM as an HMAC
 * secret), checks none of the claims, and re-parses the key's PEM on every call, which cost more
 * than the rest of a login put together (docs/performance.md). libjwt still signs tokens
 * (`jitgate token`).
 *
 * Stack: about 13 KiB for the decoded payload and signature (no per-call heap use besides
 * jansson's).
 */
#include "auth/auth.h"

#include "auth/der.h"
#include "auth/jwks.h"
#include "jg.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>             /* isfinite */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#define HEADER_MAX 4096           /* decoded header bytes; real JOSE headers are ~100 */
#define SHOW_MAX 48               /* characters of an untrusted value quoted in a reason */
#define TIME_MAX 253402300799LL   /* 9999-12-31T23:59:59Z: keeps leeway arithmetic in range */
#define JG_ALG_ALL (JG_ALG_RS256 | JG_ALG_RS384 | JG_ALG_RS512 | JG_ALG_ES256 | JG_ALG_ES384 | \
                    JG_ALG_ES512)

/*
 * Verified-token cache: clients reconnect with the same token (pools, agents' tool calls), and the
 * signature check is the costliest step of a login (ES256 about 1 ms with BearSSL). An entry maps
 * SHA-256 of the whole token to the identity it proved (with the serial of the key that verified
 * it); a hit still checks the expiry. Entries of a key that a re-read removed are dropped with
 * it. The token itself is not kept.
 */
#define CACHE_SLOTS 256

struct cache_slot {
	uint8_t hash[32];
	uint8_t used;
	struct jg_identity id;
};

/* What tells that the JWKS file changed: another file (inode), size or modification time. */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int ok;                   /* stat() succeeded */
};

struct jg_auth {
	struct jg_idcfg cfg;
	pthread_mutex_t load_mu;  /* one re-read at a time; guards seen */
	pthread_mutex_t mu;       /* guards keys, every set's refs, last_load, next_serial, cache */
	struct jg_jwks *keys;     /* current set; holds one reference */
	int64_t last_load;        /* when an unknown kid last made us read the file (epoch seconds) */
	uint64_t next_serial;     /* the last serial given to a key */
	_Atomic uint64_t epoch;   /* moves on when a re-read removes a key (changed under mu) */
	struct file_id seen;      /* the file as it was when last read */
	struct cache_slot cache[CACHE_SLOTS];
};

int jg_auth_parse_algs(const char *list, unsigned *algs, char *err, size_t errlen)
{
	const char *p = list, *end;
	char name[16];
	unsigned bits = 0, b;
	size_t n;

	while (p && *p) {
		p += strspn(p, " \t,");
		if (!*p)
			break;
		end = p + strcspn(p, " \t,");
		n = (size_t)(end - p);
		if (n >= sizeof(name)) {
			snprintf(err, errlen, "unknown JWT algorithm \"%.16s...\"", p);
			return JG_ERR_CONFIG;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (!(b = jg_jwks_alg_bit(name))) {
			if (strncasecmp(name, "HS", 2) == 0 || strcasecmp(name, "none") == 0)
				snprintf(err, errlen, "JWT algorithm %s is refused: only asymmetric algorithms "
				         "(RS256, RS384, RS512, ES256, ES384, ES512) can be pinned", name);
			else
				snprintf(err, errlen, "unknown JWT algorithm \"%s\" (known: RS256, RS384, "
				         "RS512, ES256, ES384, ES512)", name);
			return JG_ERR_CONFIG;
		}
		bits |= b;
		p = end;
	}
	if (!bits) {
		snprintf(err, errlen, "empty JWT algorithm list (e.g. \"RS256,ES256\")");
		return JG_ERR_CONFIG;
	}
	*algs = bits;
	return JG_OK;
}

static void file_stat(const char *path, struct file_id *f)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	if (stat(path, &st) != 0)
		return;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	f->ok = 1;
}

static int file_same(const struct file_id *x, const struct file_id *y)
{
	return x->ok == y->ok && x->dev == y->dev && x->ino == y->ino && x->size == y->size &&
	       x->mtime.tv_sec == y->mtime.tv_sec && x->mtime.tv_nsec == y->mtime.tv_nsec;
}

static int cfg_str_ok(const char *s, size_t cap, const char *what, int required, char *err,
                      size_t errlen)
{
	if (!memchr(s, '\0', cap)) {
		snprintf(err, errlen, "identity: %s is not NUL-terminated", what);
		return 0;
	}
	if (required && !*s) {
		snprintf(err, errlen, "identity: %s is not set", what);
		return 0;
	}
	return 1;
}

int jg_auth_new(struct jg_auth **out, const struct jg_idcfg *cfg, char *err, size_t errlen)
{
	struct jg_auth *a = NULL;
	size_t i;
	unsigned usable = 0;
	int rc = JG_ERR_CONFIG;

	*out = NULL;
	if (!cfg_str_ok(cfg->issuer, sizeof(cfg->issuer), "issuer", 1, err, errlen) ||
	    !cfg_str_ok(cfg->audience, sizeof(cfg->audience), "audience", 1, err, errlen) ||
	    !cfg_str_ok(cfg->jwks_file, sizeof(cfg->jwks_file), "JWKS file", 1, err, errlen) ||
	    !cfg_str_ok(cfg->groups_claim, sizeof(cfg->groups_claim), "groups claim", 0, err, errlen))
		goto fail;
	if (cfg->leeway < 0 || cfg->leeway > 3600) {
		snprintf(err, errlen, "identity: leeway %d is outside 0..3600 seconds", cfg->leeway);
		goto fail;
	}
	if (cfg->algs & ~(unsigned)JG_ALG_ALL) {
		snprintf(err, errlen, "identity: unknown algorithm bits 0x%x", cfg->algs);
		goto fail;
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		rc = JG_ERR_NOMEM;
		snprintf(err, errlen, "identity: out of memory");
		goto fail;
	}
	a->cfg = *cfg;
	if (!a->cfg.groups_claim[0])
		strcpy(a->cfg.groups_claim, "groups");
	if (!a->cfg.algs)
		a->cfg.algs = JG_ALG_RS256 | JG_ALG_ES256;
	file_stat(cfg->jwks_file, &a->seen);
	if ((rc = jg_jwks_load(cfg->jwks_file, &a->keys, err, errlen)) != JG_OK)
		goto fail;
	a->last_load = (int64_t)time(NULL);
	for (i = 0; i < a->keys->n; i++) {
		a->keys->keys[i].serial = ++a->next_serial;
		usable |= a->keys->keys[i].algs;
	}
	if (!(usable & a->cfg.algs))
		jg_log(JG_LOG_WARN, "JWKS %s: no key fits the accepted algorithms; every token will be "
		       "refused until the file changes", cfg->jwks_file);
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->load_mu, NULL);
	*out = a;
	return JG_OK;
fail:
	if (a)
		jg_jwks_free(a->keys);
	free(a);
	return rc;
}

void jg_auth_free(struct jg_auth *a)
{
	if (!a)
		return;
	jg_jwks_free(a->keys);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->load_mu);
	free(a);
}

/* Key sets are shared by reference: a verifying thread keeps its set alive while a reload swaps
 * in the next one, and nobody holds the lock while libjwt works. */
static struct jg_jwks *keys_get(struct jg_auth *a)
{
	struct jg_jwks *ks;

	pthread_mutex_lock(&a->mu);
	ks = a->keys;
	ks->refs++;
	pthread_mutex_unlock(&a->mu);
	return ks;
}

static void keys_put(struct jg_auth *a, struct jg_jwks *ks)
{
	unsigned left;

	pthread_mutex_lock(&a->mu);
	left = --ks->refs;
	pthread_mutex_unlock(&a->mu);
	if (!left)
		jg_jwks_free(ks);
}

static int key_in(const struct jg_jwks *ks, uint64_t serial)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (ks->keys[i].serial == serial)
			return 1;
	return 0;
}

/* keys_swap: puts ks in force (its keys get their serials here: a key that was in the old set
 * with the same kid and bytes keeps its own). Keys of the old set that are gone are removed:
 * their cache entries are dropped and the epoch moves on. Returns how many were removed and
 * their kids in gone. */
static size_t keys_swap(struct jg_auth *a, struct jg_jwks *ks, char *gone, size_t cap)
{
	struct jg_jwks *old;
	size_t i, j, removed = 0, o = 0;

	gone[0] = '\0';
	pthread_mutex_lock(&a->mu);
	old = a->keys;
	for (i = 0; i < ks->n; i++) {
		for (j = 0; j < old->n && !jg_jwks_same(&ks->keys[i], &old->keys[j]); j++)
			;
		ks->keys[i].serial = j < old->n ? old->keys[j].serial : ++a->next_serial;
	}
	for (j = 0; j < old->n; j++) {
		if (key_in(ks, old->keys[j].serial))
			continue;
		removed++;
		if (o < cap)
			o += (size_t)snprintf(gone + o, cap - o, "%s\"%s\"", o ? ", " : "",
			                      old->keys[j].kid);
	}
	if (removed) {
		for (i = 0; i < CACHE_SLOTS; i++)
			if (a->cache[i].used && !key_in(ks, a->cache[i].id.key_serial))
				memset(&a->cache[i], 0, sizeof(a->cache[i]));
		atomic_fetch_add(&a->epoch, 1);
	}
	a->keys = ks;
	pthread_mutex_unlock(&a->mu);
	keys_put(a, old);
	return removed;
}

/* keys_load: reads the JWKS file and puts it in force, unless (without force) it is the same
 * file as when last read. 1 when a new set is in force. */
static int keys_load(struct jg_auth *a, int force, const char *why)
{
	struct jg_jwks *ks;
	struct file_id now;
	char err[256], gone[256];
	size_t removed;
	int rc = 0;

	pthread_mutex_lock(&a->load_mu);
	file_stat(a->cfg.jwks_file, &now);
	if (!force && file_same(&now, &a->seen))
		goto out;
	/* Taken before the read: a change while we read is seen at the next look. */
	a->seen = now;
	if (jg_jwks_load(a->cfg.jwks_file, &ks, err, sizeof(err)) != JG_OK) {
		jg_log(JG_LOG_WARN, "%s; keeping the keys loaded before", err);
		goto out;
	}
	removed = keys_swap(a, ks, gone, sizeof(gone));
	if (removed)
		jg_log(JG_LOG_INFO, "JWKS %s: re-read (%s), %zu keys; removed: %s; tokens they signed "
		       "are refused and their sessions end", a->cfg.jwks_file, why, ks->n, gone);
	else
		jg_log(JG_LOG_INFO, "JWKS %s: re-read (%s), %zu keys; none removed", a->cfg.jwks_file,
		       why, ks->n);
	rc = 1;
out:
	pthread_mutex_unlock(&a->load_mu);
	return rc;
}

/* keys_reload: an unknown kid: re-reads the JWKS unless it was read for an unknown kid less
 * than JG_JWKS_RELOAD_MIN seconds before now, so that tokens with made-up kids cannot make us
 * read the file in a loop. A clock that went backwards allows one reload. */
static int keys_reload(struct jg_auth *a, int64_t now)
{
	pthread_mutex_lock(&a->mu);
	if (now >= a->last_load && now - a->last_load < JG_JWKS_RELOAD_MIN) {
		pthread_mutex_unlock(&a->mu);
		return 0;
	}
	a->last_load = now;
	pthread_mutex_unlock(&a->mu);
	return keys_load(a, 1, "unknown key id");
}

int jg_auth_refresh(struct jg_auth *a, int force, const char *why)
{
	return keys_load(a, force, why ? why : "changed");
}

uint64_t jg_auth_epoch(struct jg_auth *a)
{
	return atomic_load(&a->epoch);
}

int jg_auth_key_live(struct jg_auth *a, uint64_t key_serial)
{
	int live;

	pthread_mutex_lock(&a->mu);
	live = key_in(a->keys, key_serial);
	pthread_mutex_unlock(&a->mu);
	return live;
}

static void token_hash(const char *token, size_t len, uint8_t out[32])
{
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, token, len);
	br_sha256_out(&c, out);
}

/* cache_get: JG_OK and *id when this token was verified by a key still in force and has not
 * expired (with leeway) at now. */
static int cache_get(struct jg_auth *a, const uint8_t hash[32], int64_t now, struct jg_identity *id)
{
	struct cache_slot *e = &a->cache[(hash[0] | hash[1] << 8) % CACHE_SLOTS];
	int rc = JG_ERR_AUTH;

	pthread_mutex_lock(&a->mu);
	if (e->used && memcmp(e->hash, hash, 32) == 0 && now < e->id.exp + a->cfg.leeway) {
		*id = e->id;
		id->keys_epoch = atomic_load(&a->epoch);
		rc = JG_OK;
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* cache_put: the token verified with id->key_serial: remembered, and the epoch noted, unless a
 * re-read removed that key meanwhile (JG_ERR_AUTH: the token is refused like any of that key). */
static int cache_put(struct jg_auth *a, const uint8_t hash[32], struct jg_identity *id)
{
	struct cache_slot *e = &a->cache[(hash[0] | hash[1] << 8) % CACHE_SLOTS];
	int rc = JG_ERR_AUTH;

	pthread_mutex_lock(&a->mu);
	if (key_in(a->keys, id->key_serial)) {
		id->keys_epoch = atomic_load(&a->epoch);
		memcpy(e->hash, hash, 32);
		e->used = 1;
		e->id = *id;
		rc = JG_OK;
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

__attribute__((format(printf, 3, 4)))
static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return JG_ERR_AUTH;
}

/* quote: "s" for a reason, non-printable bytes as \xHH, cut with ... after SHOW_MAX characters so
 * that a reason stays short whatever the token holds. Returns buf. */
static const char *quote(char *buf, size_t cap, const char *s, size_t n)
{
	size_t i, o = 0;
	unsigned char c;

	buf[o++] = '"';
	for (i = 0; i < n && o + 8 < cap && o < SHOW_MAX; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (i < n)
		o += (size_t)snprintf(buf + o, cap - o, "...");
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
#define QBUF (SHOW_MAX + 16)

static const char *iso8601(char *buf, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "%lld", (long long)t);
	return buf;
}

static void accepted_list(char *buf, size_t cap, unsigned algs)
{
	unsigned b;
	size_t o = 0;

	buf[0] = '\0';
	for (b = 1; b <= JG_ALG_ES512 && o < cap; b <<= 1)
		if (algs & b)
			o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? ", " : "", jg_jwks_alg_name(b));
}

/* str_claim: copies a string member into buf (cap bytes with the NUL). Absent: "" and JG_OK
 * unless required. Refused when not a string, over-long (never cut), or holding control
 * characters, since these values reach logs, audit records and SQL user names. */
static int str_claim(json_t *obj, const char *name, char *buf, size_t cap, int required,
                     const char *where, char *why, size_t whylen)
{
	json_t *v = json_object_get(obj, name);
	const char *s;
	size_t n, i;

	buf[0] = '\0';
	if (!v) {
		if (required)
			return refuse(why, whylen, "token has no \"%s\" %s", name, where);
		return JG_OK;
	}
	if (!json_is_string(v))
		return refuse(why, whylen, "token %s \"%s\" is not a string", where, name);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n >= cap)
		return refuse(why, whylen, "token %s \"%s\" is longer than %zu bytes", where, name,
		              cap - 1);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return refuse(why, whylen, "token %s \"%s\" contains non-printable characters",
			              where, name);
	memcpy(buf, s, n + 1);
	return JG_OK;
}

/* time_claim: a NumericDate (RFC 7519 section 2): integer or fractional seconds. */
static int time_claim(json_t *obj, const char *name, int64_t *t, int *present, char *why,
                      size_t whylen)
{
	json_t *v = json_object_get(obj, name);
	double d;

	*present = v != NULL;
	*t = 0;
	if (!v)
		return JG_OK;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > TIME_MAX)
			goto range;
		*t = (int64_t)json_integer_value(v);
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		if (!isfinite(d) || d < 0 || d > (double)TIME_MAX)
			goto range;
		*t = (int64_t)d;          /* d >= 0: truncation is floor */
	} else {
		return refuse(why, whylen, "token claim \"%s\" is not a number of seconds", name);
	}
	return JG_OK;
range:
	return refuse(why, whylen, "token claim \"%s\" is out of range", name);
}

/* group_add: appends one group to id->groups, refusing what would make the comma-separated list
 * ambiguous or unreadable. */
static int group_add(struct jg_identity *id, size_t *len, const char *g, size_t n, char *why,
                     size_t whylen)
{
	char q[QBUF];
	size_t i;
	unsigned char c;

	if (n == 0)
		return JG_OK;
	for (i = 0; i < n; i++) {
		c = (unsigned char)g[i];
		if (c == ',')
			return refuse(why, whylen, "token group %s contains a comma",
			              quote(q, sizeof(q), g, n));
		/* C0, DEL and C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F) control characters. */
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < n && (unsigned char)g[i + 1] >= 0x80 &&
		     (unsigned char)g[i + 1] <= 0x9f))
			return refuse(why, whylen, "token group %s contains non-printable characters",
			              quote(q, sizeof(q), g, n));
	}
	if (*len + (*len ? 1 : 0) + n >= sizeof(id->groups))
		return refuse(why, whylen, "token groups are longer than %zu bytes in all",
		              sizeof(id->groups) - 1);
	if (*len)
		id->groups[(*len)++] = ',';
	memcpy(id->groups + *len, g, n);
	*len += n;
	id->groups[*len] = '\0';
	return JG_OK;
}

static int groups_claim(const struct jg_auth *a, json_t *payload, struct jg_identity *id,
                        char *why, size_t whylen)
{
	json_t *v = json_object_get(payload, a->cfg.groups_claim), *g;
	const char *s;
	size_t i, n, len = 0, tok;
	int rc;

	id->groups[0] = '\0';
	if (!v)
		return JG_OK;
	if (json_is_array(v)) {
		json_array_foreach(v, i, g) {
			if (!json_is_string(g))
				return refuse(why, whylen, "token claim \"%.64s\" holds a non-string group",
				              a->cfg.groups_claim);
			rc = group_add(id, &len, json_string_value(g), json_string_length(g), why, whylen);
			if (rc != JG_OK)
				return rc;
		}
		return JG_OK;
	}
	if (!json_is_string(v))
		return refuse(why, whylen, "token claim \"%.64s\" is neither a string nor an array",
		              a->cfg.groups_claim);
	/* "a b,c": separated by spaces or commas, as some issuers put scopes and roles. */
	s = json_string_value(v);
	n = json_string_length(v);
	for (i = 0; i < n; i += tok + 1) {
		tok = strcspn(s + i, " ,");
		if (i + tok > n)             /* an embedded NUL: strcspn stopped early, or past n */
			tok = n - i;
		if (memchr(s + i, '\0', tok))
			return refuse(why, whylen, "token group list contains non-printable characters");
		if ((rc = group_add(id, &len, s + i, tok, why, whylen)) != JG_OK)
			return rc;
	}
	return JG_OK;
}

static int check_audience(const struct jg_auth *a, json_t *aud, char *why, size_t whylen)
{
	char q1[QBUF], q2[QBUF];
	json_t *v;
	size_t i;
	const char *want = a->cfg.audience;

	if (json_is_string(aud)) {
		if (json_string_length(aud) == strlen(want) && strcmp(json_string_value(aud), want) == 0)
			return JG_OK;
		return refuse(why, whylen, "token audience %s is not %s",
		              quote(q1, sizeof(q1), json_string_value(aud), json_string_length(aud)),
		              quote(q2, sizeof(q2), want, strlen(want)));
	}
	if (json_is_array(aud) && json_array_size(aud) > 0) {
		json_array_foreach(aud, i, v)
			if (json_is_string(v) && json_string_length(v) == strlen(want) &&
			    strcmp(json_string_value(v), want) == 0)
				return JG_OK;
		return refuse(why, whylen, "token audiences (%zu) do not include %s", json_array_size(aud),
		              quote(q2, sizeof(q2), want, strlen(want)));
	}
	if (!aud)
		return refuse(why, whylen, "token has no audience (\"aud\"); expected %s",
		              quote(q2, sizeof(q2), want, strlen(want)));
	return refuse(why, whylen, "token claim \"aud\" is neither a string nor an array of strings");
}

/* check_claims: payload is the verified payload. */
static int check_claims(const struct jg_auth *a, json_t *payload, int64_t now,
                        struct jg_identity *id, char *why, size_t whylen)
{
	char q1[QBUF], q2[QBUF], ts[32];
	int64_t iat, leeway = a->cfg.leeway;
	json_t *v;
	int has_exp, has_nbf, has_iat, rc;

	/* Compared before it is copied, so that a wrong issuer is reported as such, escaped. */
	v = json_object_get(payload, "iss");
	if (json_is_string(v) && (json_string_length(v) != strlen(a->cfg.issuer) ||
	                          strcmp(json_string_value(v), a->cfg.issuer) != 0))
		return refuse(why, whylen, "token issuer %s is not %s",
		              quote(q1, sizeof(q1), json_string_value(v), json_string_length(v)),
		              quote(q2, sizeof(q2), a->cfg.issuer, strlen(a->cfg.issuer)));
	if ((rc = str_claim(payload, "iss", id->iss, sizeof(id->iss), 1, "claim", why, whylen)))
		return rc;
	if ((rc = check_audience(a, json_object_get(payload, "aud"), why, whylen)))
		return rc;
	if ((rc = time_claim(payload, "exp", &id->exp, &has_exp, why, whylen)) ||
	    (rc = time_claim(payload, "nbf", &id->nbf, &has_nbf, why, whylen)) ||
	    (rc = time_claim(payload, "iat", &iat, &has_iat, why, whylen)))
		return rc;
	if (!has_exp)
		return refuse(why, whylen, "token has no expiry (\"exp\"); the issuer must set one");
	if (now >= id->exp + leeway)
		return refuse(why, whylen, "token expired at %s; get a new token",
		              iso8601(ts, sizeof(ts), id->exp));
	if (has_nbf && now + leeway < id->nbf)
		return refuse(why, whylen, "token is not valid before %s; wait or check this host's clock",
		              iso8601(ts, sizeof(ts), id->nbf));
	if (has_iat && iat > now + leeway)
		return refuse(why, whylen, "token issued in the future (%s); check the clocks",
		              iso8601(ts, sizeof(ts), iat));
	if ((rc = str_claim(payload, "sub", id->sub, sizeof(id->sub), 1, "claim", why, whylen)) ||
	    (rc = str_claim(payload, "jti", id->jti, sizeof(id->jti), 0, "claim", why, whylen)))
		return rc;
	if (!id->sub[0])
		return refuse(why, whylen, "token subject (\"sub\") is empty");
	return groups_claim(a, payload, id, why, whylen);
}

/* decode_json: base64url segment -> JSON object, in buf. NULL when it is not one. Duplicate
 * members are refused: two "alg" or two "sub" must not mean different things to us and libjwt. */
static json_t *decode_json(const char *seg, size_t n, uint8_t *buf, size_t cap)
{
	json_t *j;
	size_t len;

	if (jg_der_b64url_decode(buf, cap, &len, seg, n) != JG_OK)
		return NULL;
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/*
 * signature_ok: the JWS signature over "header.payload" with key, for the pinned algorithm bit.
 * JOSE ECDSA signatures are r||s of twice the coordinate size; RSA ones are as long as n.
 */
static int signature_ok(const struct jg_jwk *key, unsigned bit, const char *input, size_t inlen,
                        const uint8_t *sig, size_t siglen)
{
	const br_hash_class *h;
	const unsigned char *oid;
	br_hash_compat_context hc;
	unsigned char hash[64], out[64];
	size_t hlen;

	if (bit & (JG_ALG_RS256 | JG_ALG_ES256)) {
		h = &br_sha256_vtable;
		oid = BR_HASH_OID_SHA256;
	} else if (bit & (JG_ALG_RS384 | JG_ALG_ES384)) {
		h = &br_sha384_vtable;
		oid = BR_HASH_OID_SHA384;
	} else {
		h = &br_sha512_vtable;
		oid = BR_HASH_OID_SHA512;
	}
	hlen = (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
	h->init(&hc.vtable);
	h->update(&hc.vtable, input, inlen);
	h->out(&hc.vtable, hash);
	if (key->is_rsa) {
		if (siglen != key->rsa.nlen)
			return 0;
		if (!br_rsa_pkcs1_vrfy_get_default()(sig, siglen, oid, hlen, &key->rsa, out))
			return 0;
		return memcmp(out, hash, hlen) == 0;
	}
	if (siglen != key->ec.qlen - 1)          /* q is 0x04 || x || y */
		return 0;
	return br_ecdsa_vrfy_raw_get_default()(br_ec_get_default(), hash, hlen, &key->ec, sig,
	                                       siglen) == 1;
}

/* select_key: takes a reference to the current key set in *ks and picks the key for kid (NULL
 * when the token has none), re-reading the JWKS once on an unknown kid. */
static int select_key(struct jg_auth *a, const char *kid, size_t kidlen, int64_t now,
                      struct jg_jwks **ks, const struct jg_jwk **key, char *why, size_t whylen)
{
	char q[QBUF];

	*ks = keys_get(a);
	if (!kid && (*ks)->n > 1)
		return refuse(why, whylen, "token has no key id (\"kid\") and the JWKS holds %zu keys",
		              (*ks)->n);
	if ((*key = jg_jwks_find(*ks, kid)))
		return JG_OK;
	if (keys_reload(a, now)) {
		keys_put(a, *ks);
		*ks = keys_get(a);
		if ((*key = jg_jwks_find(*ks, kid)))
			return JG_OK;
	}
	return refuse(why, whylen, "token signed with unknown key id %s",
	              kid ? quote(q, sizeof(q), kid, kidlen) : "(none)");
}

/* split_token: the three base64url parts of a JWT; JG_OK, or a refusal: nothing else may hide
 * in a password. An empty signature is left to the alg check, so that "alg": "none" gets its
 * own reason. */
static int split_token(const char *token, size_t len, const char *seg[3], size_t seglen[3],
                       char *why, size_t whylen)
{
	const char *dot;
	size_t i;

	for (i = 0, seg[0] = token; i < 3; i++) {
		dot = memchr(seg[i], '.', len - (size_t)(seg[i] - token));
		seglen[i] = (dot ? (size_t)(dot - seg[i]) : len - (size_t)(seg[i] - token));
		if ((i < 2) != (dot != NULL))
			break;
		if (i < 2)
			seg[i + 1] = dot + 1;
	}
	if (i < 3 || !seglen[0] || !seglen[1] || memchr(token, '\0', len))
		return refuse(why, whylen, "token is not a JWT (expected three base64url parts joined "
		              "by dots)");
	return JG_OK;
}

/* check_header: alg (before anything trusts the header), crit, typ and kid. *alg and *kid
 * point into header. */
static int check_header(struct jg_auth *a, json_t *header, const char **alg, unsigned *bit,
                        const char **kid, size_t *kidlen, char *why, size_t whylen)
{
	char q[QBUF], list[64];
	json_t *v = json_object_get(header, "alg");

	if (!json_is_string(v))
		return refuse(why, whylen, "token header has no \"alg\"");
	*alg = json_string_value(v);
	*bit = jg_jwks_alg_bit(*alg);
	if (!(*bit & a->cfg.algs) || strlen(*alg) != json_string_length(v)) {
		accepted_list(list, sizeof(list), a->cfg.algs);
		return refuse(why, whylen, "token algorithm %s is not accepted (accepted: %s)",
		              quote(q, sizeof(q), *alg, json_string_length(v)), list);
	}
	/* RFC 7515 4.1.11: extensions we do not understand must not be ignored. */
	if (json_object_get(header, "crit"))
		return refuse(why, whylen, "token header has \"crit\" extensions, which are not "
		              "supported");
	/* Only "typ": "JWT" (RFC 7519); an access token profile such as RFC 9068's "at+jwt" is
	 * refused by name. */
	v = json_object_get(header, "typ");
	if (v && (!json_is_string(v) || strcasecmp(json_string_value(v), "JWT") != 0))
		return refuse(why, whylen, "token type %s is not supported (only \"JWT\")",
		              json_is_string(v) ? quote(q, sizeof(q), json_string_value(v),
		                                        json_string_length(v)) : "(not a string)");
	*kid = NULL;
	*kidlen = 0;
	if ((v = json_object_get(header, "kid"))) {
		if (!json_is_string(v) || json_string_length(v) >= sizeof(((struct jg_identity *)0)->kid))
			return refuse(why, whylen, "token key id (\"kid\") is not a string under %zu bytes",
			              sizeof(((struct jg_identity *)0)->kid));
		*kid = json_string_value(v);
		*kidlen = json_string_length(v);
		if (strlen(*kid) != *kidlen)
			return refuse(why, whylen, "token key id (\"kid\") contains a NUL");
	}
	return JG_OK;
}

int jg_auth_verify(struct jg_auth *a, const char *token, size_t len, int64_t now,
                   struct jg_identity *id, char *why, size_t whylen)
{
	char q[QBUF], list[64];
	uint8_t buf[JG_DER_B64URL_DECODED_MAX(JG_TOKEN_MAX)], sig[1024];
	const char *seg[3], *alg = NULL, *kid = NULL;
	size_t seglen[3], kidlen = 0;
	json_t *header = NULL, *payload = NULL;
	struct jg_jwks *ks = NULL;
	const struct jg_jwk *key;
	uint8_t hash[32];
	size_t siglen;
	unsigned bit = 0;
	int rc = JG_ERR_AUTH;

	memset(id, 0, sizeof(*id));
	if (len > JG_TOKEN_MAX) {
		refuse(why, whylen, "token is longer than %d bytes", JG_TOKEN_MAX);
		goto fail;
	}
	token_hash(token, len, hash);
	if (cache_get(a, hash, now, id) == JG_OK) {
		if (whylen)
			why[0] = '\0';
		return JG_OK;
	}
	if (split_token(token, len, seg, seglen, why, whylen) != JG_OK)
		goto fail;
	if (seglen[0] > HEADER_MAX || !(header = decode_json(seg[0], seglen[0], buf, HEADER_MAX))) {
		refuse(why, whylen, "token is not a JWT (its header is not a base64url JSON object)");
		goto fail;
	}
	if (check_header(a, header, &alg, &bit, &kid, &kidlen, why, whylen) != JG_OK)
		goto fail;
	if ((rc = select_key(a, kid, kidlen, now, &ks, &key, why, whylen)) != JG_OK)
		goto fail;
	rc = JG_ERR_AUTH;
	if (!(key->algs & bit)) {
		accepted_list(list, sizeof(list), key->algs);
		refuse(why, whylen, "token algorithm %s does not fit key %s (%s)", alg,
		       quote(q, sizeof(q), key->kid, strlen(key->kid)), list);
		goto fail;
	}
	/* Signature over the first two parts as they were sent. */
	if (jg_der_b64url_decode(sig, sizeof(sig), &siglen, seg[2], seglen[2]) != JG_OK ||
	    !signature_ok(key, bit, token, seglen[0] + 1 + seglen[1], sig, siglen)) {
		refuse(why, whylen, "token signature does not verify");
		goto fail;
	}
	/* Claims: the payload the signature covers. */
	if (!(payload = decode_json(seg[1], seglen[1], buf, sizeof(buf)))) {
		refuse(why, whylen, "token is not a JWT (its payload is not a base64url JSON object)");
		goto fail;
	}
	if ((rc = check_claims(a, payload, now, id, why, whylen)) != JG_OK)
		goto fail;
	memcpy(id->kid, key->kid, sizeof(id->kid));
	snprintf(id->alg, sizeof(id->alg), "%s", alg);
	id->key_serial = key->serial;
	if (cache_put(a, hash, id) != JG_OK) {
		rc = refuse(why, whylen, "token signed with key id %s, which was just removed from "
		            "the JWKS", quote(q, sizeof(q), key->kid, strlen(key->kid)));
		goto fail;
	}
	if (whylen)
		why[0] = '\0';
	rc = JG_OK;
fail:
	if (rc != JG_OK) {
		/* A refused token leaves nothing behind that a caller could mistake for an identity. */
		memset(id, 0, sizeof(*id));
	}
	json_decref(payload);
	json_decref(header);
	if (ks)
		keys_put(a, ks);
	return rc;
}
