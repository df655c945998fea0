/*
 * cli.h: the jitgate subcommands, called by main.c with argv[0] set to the subcommand's name.
 * Each returns the process exit status: 0 on success, 1 on a runtime failure, 2 on a usage error
 * (with the usage on stderr).
 */
#ifndef JG_CLI_H
#define JG_CLI_H

#include <stddef.h>
#include <stdint.h>

/* jitgate serve -c FILE: runs the gateway until SIGINT or SIGTERM (serve.c). */
int jg_cmd_serve(int argc, char **argv);

/* jitgate dev-keys DIR: development signing keys, JWKS, a CA and TLS certificates (devkeys.c). */
int jg_cmd_dev_keys(int argc, char **argv);

/* jitgate token --key PEM --kid K --iss I --aud A --sub S ...: prints a signed JWT (token.c). */
int jg_cmd_token(int argc, char **argv);

/* jitgate sql classify [--sql-mode MODES] [--db NAME] "SQL": one JSON object per statement
 * (sql_cmd.c, docs/sql-classifier.md). */
int jg_cmd_sql(int argc, char **argv);

/* jitgate policy check|compile|test|explain: the policy language's tools (policy_cmd.c,
 * docs/policy-language.md). */
int jg_cmd_policy(int argc, char **argv);

/* jitgate reap -c FILE, jitgate cred oneshot -c FILE [--db DB] "SQL": just-in-time users
 * (cred_cmd.c, docs/credentials.md). */
int jg_cmd_reap(int argc, char **argv);
int jg_cmd_cred(int argc, char **argv);

/* The audit trail's read side (audit_cmd.c, docs/audit.md); each takes --store PATH or -c FILE:
 * jitgate sessions [--user SUB] [--role R] [--since T] [--decision D] [--json]: one line per
 * session; jitgate replay SESSION [--instance I] [--speed N]: a session as it happened;
 * jitgate audit export [--format jsonl] [--since T] [--instance I] | verify [--anchor LINE]. */
int jg_cmd_sessions(int argc, char **argv);
int jg_cmd_replay(int argc, char **argv);
int jg_cmd_audit(int argc, char **argv);

/* jg_token_sign: what `jitgate token` does, for tests. Strings are borrowed; NULL iss/aud/sub are
 * left out. */
struct jg_token_req {
	const char *key_pem;      /* private key, PKCS#8 or raw, EC or RSA */
	size_t key_len;
	const char *alg;          /* "RS256", "ES256", ...; NULL: from the key type */
	const char *kid, *iss, *aud, *sub;
	const char *groups;       /* "g1,g2" -> "groups": ["g1", "g2"]; NULL: no groups claim */
	int64_t now;              /* iat */
	long ttl;                 /* exp = now + ttl; may be negative */
	int no_exp;               /* leave exp out (tests) */
	int has_nbf;
	long nbf_offset;          /* nbf = now + nbf_offset when has_nbf */
	const char *const *claims;/* "NAME=VALUE" string claims */
	size_t nclaims;
	const char *claims_json;  /* a JSON object merged last (overrides), e.g. an "aud" array */
};

/* jg_token_sign: JG_OK and *out (malloc'd, caller frees) the compact JWT; otherwise an error and a
 * message in err. */
int jg_token_sign(const struct jg_token_req *r, char **out, char *err, size_t errlen);

/* jg_cli_random: len bytes from the system seeder through HMAC-DRBG; JG_OK or JG_ERR_INTERNAL. */
int jg_cli_random(void *buf, size_t len);

#endif
