/*
 * auth.h: OIDC token (JWT) validation for the client leg.
 *
 * The token is the MySQL password. It is checked here and then forgotten: callers must not log or
 * store it; only the identity below (subject, issuer, jti, groups, expiry) travels on.
 *
 * Order of checks (SECURITY-NOTES.md): size bound; structure; header `alg` against the pinned
 * asymmetric list (before libjwt sees the token, so `none` and HMAC-with-public-key never reach a
 * verifier); `kid` selects the key (unknown kid: the JWKS file is re-read, at most once per
 * JG_JWKS_RELOAD_MIN seconds); signature (libjwt, key as PEM made from the JWK); then `iss`, `aud`
 * (string or array), `exp`, `nbf` with leeway; groups from the configured claim.
 *
 * A token that verified is remembered (by SHA-256 of the token, never the token) with the identity
 * it proved, for as long as the key that verified it stays in the JWKS: a reconnect with the same
 * token skips the signature check but not the expiry check.
 *
 * Key removal: the JWKS file is re-read when it changes (jg_auth_refresh, which `serve` calls
 * about once a second and on SIGHUP). A key that is gone from the new file, or whose bytes
 * changed under the same kid, is removed: tokens it verified are forgotten, new ones are refused,
 * and jg_auth_epoch moves on so that live sessions can ask jg_auth_key_live about their own key.
 *
 * Thread safety: one struct jg_auth is shared by all workers; jg_auth_verify may run concurrently.
 */
#ifndef JG_AUTH_H
#define JG_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define JG_TOKEN_MAX 16384        /* bytes; a longer password is refused before any parsing */
#define JG_JWKS_RELOAD_MIN 30     /* seconds between re-reads of the JWKS on an unknown kid */

enum jg_alg { JG_ALG_RS256 = 1u << 0, JG_ALG_RS384 = 1u << 1, JG_ALG_RS512 = 1u << 2,
              JG_ALG_ES256 = 1u << 3, JG_ALG_ES384 = 1u << 4, JG_ALG_ES512 = 1u << 5 };

struct jg_idcfg {
	char issuer[512];
	char audience[512];
	char jwks_file[4096];
	char groups_claim[128];   /* default "groups" */
	int leeway;               /* seconds, default 60 */
	unsigned algs;            /* enum jg_alg bits; default RS256 | ES256 */
};

/* jg_auth_parse_algs: "RS256,ES256" -> bits; JG_ERR_CONFIG on an unknown or symmetric name. */
int jg_auth_parse_algs(const char *list, unsigned *algs, char *err, size_t errlen);

struct jg_auth;

/* jg_auth_new: loads the JWKS; JG_ERR_CONFIG with a message naming the file and key on failure. */
int jg_auth_new(struct jg_auth **out, const struct jg_idcfg *cfg, char *err, size_t errlen);
void jg_auth_free(struct jg_auth *a);

struct jg_identity {
	char sub[256];
	char iss[512];
	char jti[128];
	char kid[128];
	char alg[8];
	char groups[2048];        /* comma-separated, in token order */
	int64_t exp;              /* seconds since the epoch */
	int64_t nbf;              /* 0 when absent */
	uint64_t key_serial;      /* the JWKS key that verified the token (jg_auth_key_live) */
	uint64_t keys_epoch;      /* jg_auth_epoch when that key was known to be in the JWKS */
};

/*
 * jg_auth_verify: JG_OK and *id filled when the token is valid at time now (seconds since the
 * epoch). Otherwise JG_ERR_AUTH and a reason for the client in why: short, actionable, without the
 * token ("token expired at 2026-11-25T10:00:00Z; get a new token", "token audience \"x\" is not
 * \"jitgate\"", "token signed with unknown key id \"k9\"", "token algorithm HS256 is not accepted
 * (accepted: RS256, ES256)", "token signature does not verify", "token is not a JWT", "token is
 * longer than 16384 bytes"). Never allocates per call beyond what libjwt/jansson do internally.
 */
int jg_auth_verify(struct jg_auth *a, const char *token, size_t len, int64_t now,
                   struct jg_identity *id, char *why, size_t whylen);

/*
 * jg_auth_refresh: re-reads the JWKS file when it changed since it was last read (another inode,
 * size or modification time), or in any case with force (SIGHUP). One stat() when nothing
 * changed. A file that cannot be read or holds no usable key leaves the loaded keys in use.
 * Returns 1 when a new key set is in force. why names the cause in the log line. Any thread.
 */
int jg_auth_refresh(struct jg_auth *a, int force, const char *why);

/* jg_auth_epoch: a counter that moves on whenever a re-read removes a key. Lock-free: a session
 * compares it with its identity's keys_epoch on every tick. */
uint64_t jg_auth_epoch(struct jg_auth *a);

/* jg_auth_key_live: non-zero while the key with this serial (struct jg_identity) is in the key
 * set in force. */
int jg_auth_key_live(struct jg_auth *a, uint64_t key_serial);

#endif
