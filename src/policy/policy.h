/*
 * policy.h: the policy language (policy-dsl/GRAMMAR.md, docs/policy-language.md): its compiler
 * and the runtime of the compiled form.
 *
 * jg_policy_compile reads policy text and writes the compiled form: one block of bytes with no
 * pointers inside (offsets into a string table only), so that `jitgate policy compile -o OUT`
 * can write it and `serve` can load it. The same text always gives the same bytes.
 *
 * Compiled layout (all integers 32-bit little-endian; docs/policy-language.md has the story):
 *   header   32 words: magic "JGP1", version, total length, FNV-1a checksum of bytes [16, total),
 *            policy name, default action (5 words), unknown action (5 words), then counts and
 *            offsets of the role, grant, rule and mask tables and of the string table.
 *   roles    8 words each: name, groups, ttl, max_connections, first grant, grant count,
 *            account ("" for just-in-time users; a role with an account has no grants), flags
 *            (bit 0: multi_statements off). Files written before `account` and the flags
 *            existed hold 0 in words 6 and 7, so they read the same.
 *   grants   4 words each: privilege bits, database, table ("*" for all), columns ("" for all).
 *   rules    18 words each: name, line, roles, groups, sub, iss, kinds (2 words), flags, conds,
 *            tables, touches, tags, action (5 words).
 *   masks    8 words each: name, column patterns (comma-joined "schema.table.column" globs,
 *            lower case), detector bits, function, flags (bit 0: probing refuse; bit 1: scan
 *            all), roles (comma-joined; "" for every role), the mask's line in the source, and
 *            a reserved 0. Version 1 files had 4 words (no flags, roles, line) and are refused on
 *            load: compile them again from their source.
 *   strings  NUL-terminated strings; offset 0 is "". Lists are comma-joined; tag conditions are
 *            "name=pattern" joined by newlines.
 *
 * Memory: jg_policy_compile returns a malloc'd block the caller frees. jg_policy_load borrows the
 * bytes for as long as the struct jg_policy is used; it checks every offset once, so that
 * jg_policy_decide can trust them. jg_policy_decide does not allocate: the strings it returns
 * point into the loaded bytes.
 */
#ifndef JG_POLICY_H
#define JG_POLICY_H

#include "jg.h"
#include "sql/sql.h"

#define JG_POLICY_MAGIC 0x3150474au  /* "JGP1" read little-endian */
#define JG_POLICY_VERSION 2u   /* 2: masks of 8 words (probing, scan, roles) */

enum jg_policy_action { JG_POLICY_ALLOW = 1, JG_POLICY_DENY = 2, JG_POLICY_REVIEW = 3 };

/* Privilege bits of a role's grant. */
enum {
	JG_PRIV_SELECT = 1u << 0, JG_PRIV_INSERT = 1u << 1, JG_PRIV_UPDATE = 1u << 2,
	JG_PRIV_DELETE = 1u << 3, JG_PRIV_EXECUTE = 1u << 4, JG_PRIV_CREATE = 1u << 5,
	JG_PRIV_ALTER = 1u << 6, JG_PRIV_DROP = 1u << 7, JG_PRIV_INDEX = 1u << 8,
	JG_PRIV_CREATE_VIEW = 1u << 9, JG_PRIV_SHOW_VIEW = 1u << 10, JG_PRIV_TRIGGER = 1u << 11,
	JG_PRIV_REFERENCES = 1u << 12, JG_PRIV_LOCK_TABLES = 1u << 13,
};

/* Content detectors and masking functions of mask declarations (enforced by src/mask). */
enum { JG_DETECT_LUHN = 1u << 0, JG_DETECT_EMAIL = 1u << 1, JG_DETECT_IBAN = 1u << 2,
       JG_DETECT_SSN = 1u << 3 };
enum jg_mask_fn { JG_MASK_REDACT = 1, JG_MASK_LAST4 = 2, JG_MASK_HASH = 3, JG_MASK_NULL = 4,
                  JG_MASK_EMAIL = 5 };

/* A compile error: position (1-based, columns count bytes) and the message; text is the whole
 * report "file:line:col: message\n<the line>\n<caret>\n". */
struct jg_policy_error {
	unsigned line, col;
	char msg[512];
	char text[2048];
};

/*
 * jg_policy_compile: compiles src[0..len). JG_OK with *out (malloc'd, caller frees) and *outlen;
 * JG_ERR_CONFIG with *err filled at the first error; JG_ERR_NOMEM. filename is used in messages
 * only. src is borrowed for the call.
 */
int jg_policy_compile(const char *src, size_t len, const char *filename, uint8_t **out,
                      size_t *outlen, struct jg_policy_error *err);

/* A loaded policy: borrows the compiled bytes. */
struct jg_policy {
	const uint8_t *data;
	size_t len;
	unsigned nroles, ngrants, nrules, nmasks;
};

/* jg_policy_load: checks magic, version, length, checksum and every offset. JG_OK, or
 * JG_ERR_CONFIG with a reason in why. */
int jg_policy_load(const uint8_t *data, size_t len, struct jg_policy *p, char *why, size_t whylen);

/*
 * jg_policy_load_file: a policy file, as text (compiled here) or in compiled form (magic JGP1),
 * loaded into *p. JG_OK with *bytes (malloc'd; free after the last use of *p); otherwise an error
 * and in err the whole report: "file:line:col: message", the line and a caret for a compile
 * error, "jitgate: file: reason" for the rest, ending with a newline.
 */
int jg_policy_load_file(const char *path, uint8_t **bytes, struct jg_policy *p, char *err,
                        size_t errlen);

/* Who is asking. All strings are borrowed for the call; NULL means empty. */
struct jg_policy_ctx {
	const char *role;    /* the MySQL user name the client sent */
	const char *groups;  /* the token's groups, comma-separated (struct jg_identity) */
	const char *sub;     /* token subject */
	const char *iss;     /* token issuer */
	const char *tags;    /* client tags "k=v" separated by spaces or commas: untrusted */
};

struct jg_policy_decision {
	enum jg_policy_action action;
	int rule;                   /* index of the deciding rule, or one of JG_POLICY_BY_* */
	unsigned line;              /* the rule's line in the policy source, 0 for the others */
	const char *rule_name;      /* "" when no rule decided */
	const char *message;        /* for DENY: what the client is told */
	const char *approvers;      /* for REVIEW: the approver group */
	unsigned quorum;            /* for REVIEW */
	unsigned timeout;           /* for REVIEW, seconds */
};

#define JG_POLICY_BY_DEFAULT (-1)   /* no rule matched: the policy's default */
#define JG_POLICY_BY_UNKNOWN (-2)   /* unknown/opaque statement no rule addressed: `unknown` */
#define JG_POLICY_BY_ROLE (-3)      /* the role does not exist or the groups may not assume it */
#define JG_POLICY_BY_READING (-4)   /* the text cannot be read as the server will read it */
#define JG_POLICY_BY_MASK (-5)      /* a mask with `probing refuse` (rule_name: the mask's name,
                                     * line: its line): the statement could recover masked
                                     * values (docs/policy-language.md, "Masks") */

/* jg_policy_role_refusal: NULL when groups (comma-separated) may assume the role role_name;
 * otherwise the reason, for the client. */
const char *jg_policy_role_refusal(const struct jg_policy *p, const char *role_name,
                                   const char *groups);

/* jg_policy_decide: the decision for one statement; never allocates, never fails. */
void jg_policy_decide(const struct jg_policy *p, const struct jg_policy_ctx *ctx,
                      const struct jg_sql_stmt *st, struct jg_policy_decision *d);

/*
 * jg_policy_judge: the decision for a whole query text (COM_QUERY, COM_STMT_PREPARE): every
 * statement is classified and decided, and the strictest decision wins (deny over review over
 * allow; the first statement of that strictness names the rule, its index in *which); for a role
 * with multi_statements off, a second statement is denied first (jg_policy_multi_statements). The tags
 * are ctx->tags plus those of a leading jitgate comment. *sess is updated (USE, SET sql_mode)
 * only when the decision is allow, since nothing of a refused text runs. scratch is the caller's
 * (large) classification buffer. Returns JG_OK, or JG_ERR_TOOBIG when the text has more
 * statements than the classifier takes (*out is then a deny naming no rule).
 */
int jg_policy_judge(const struct jg_policy *p, const struct jg_policy_ctx *ctx,
                    struct jg_sql_session *sess, const char *sql, size_t len,
                    struct jg_sql_result *scratch, struct jg_policy_decision *out,
                    unsigned *which);

/*
 * jg_policy_judge_classified: the same decision over a classification already made of sql
 * (cls; NULL when the text had more statements than the classifier takes: a deny naming no
 * rule, and JG_ERR_TOOBIG). A statement the rules allow or hold is still denied by a mask with
 * `probing refuse` that finds it probing (jg_policy_mask_probe). Whatever the policy says, a text the classifier cannot read the way
 * the server will (cls->refuse) and one that turns off the session tracking jitgate observes the
 * server through are denied (JG_POLICY_BY_READING). The session state is the caller's to update.
 */
int jg_policy_judge_classified(const struct jg_policy *p, const struct jg_policy_ctx *ctx,
                               const char *sql, size_t len, const struct jg_sql_result *cls,
                               struct jg_policy_decision *out, unsigned *which);

/* Roles, for the just-in-time user module. Strings point into the loaded bytes. */
struct jg_policy_role {
	const char *name, *groups;
	unsigned ttl, max_connections, ngrants;
	unsigned first_grant;
	const char *account;    /* an existing MySQL account used as is (no grants), or "" for
	                         * a just-in-time user per session */
	int multi_statements;   /* 0: `multi_statements off`, one statement per query */
};
struct jg_policy_grant {
	unsigned privs;
	const char *db, *table, *columns;
};
/* jg_policy_role: index of the role named name, or -1; fills *r when found. */
int jg_policy_role(const struct jg_policy *p, const char *name, struct jg_policy_role *r);
/*
 * jg_policy_multi_statements: 0 when role (the MySQL user name) is a role of the policy with
 * `multi_statements off`: its sessions' backend leg goes without CLIENT_MULTI_STATEMENTS, the
 * admission refuses COM_SET_OPTION turning it on, and jg_policy_judge* deny a query of more
 * than one (non-empty) statement (rule JG_POLICY_BY_ROLE). 1 otherwise.
 */
int jg_policy_multi_statements(const struct jg_policy *p, const char *role);
/* jg_policy_role_at: the i-th role (i < p->nroles). */
void jg_policy_role_at(const struct jg_policy *p, unsigned i, struct jg_policy_role *r);
/* jg_policy_grant: the i-th grant of the whole grant table (i < p->ngrants). */
void jg_policy_grant(const struct jg_policy *p, unsigned i, struct jg_policy_grant *g);
/* jg_policy_priv_name: "select", "show view", ... for one privilege bit. */
const char *jg_policy_priv_name(unsigned bit);

/*
 * Masks, for the masking stage (src/mask) and explain. Strings point into the loaded bytes and
 * live as long as they do.
 */
struct jg_policy_mask {
	const char *name, *columns, *roles;   /* columns and roles comma-joined; roles "" = every role */
	unsigned detect;                      /* JG_DETECT_* bits */
	enum jg_mask_fn fn;
	int probing_refused, scan_all;        /* `probing refuse`; `scan all` (else: unnamed) */
	unsigned line;                        /* the mask's line in the policy source */
};
/* jg_policy_mask_at: the i-th mask (i < p->nmasks). */
void jg_policy_mask_at(const struct jg_policy *p, unsigned i, struct jg_policy_mask *m);
/* jg_policy_mask_applies: 1 when the i-th mask applies to sessions in role (the MySQL user
 * name; NULL reads as ""): role is one of its roles, or it names none. 0 otherwise. */
int jg_policy_mask_applies(const struct jg_policy *p, unsigned i, const char *role);
/*
 * jg_policy_mask_probe: for one statement st of sql[0..len) (classified from that text), the
 * refusal of the first mask that applies to role, has `probing refuse`, and finds st able to
 * recover its values: 1 with *d a deny (rule JG_POLICY_BY_MASK, rule_name the mask's name, line
 * its line, message for the client: it lives in a buffer of the calling thread, valid until the
 * thread's next refusal by a mask). 0, *d untouched, when no mask refuses. No allocation;
 * costs nothing unless such a mask's tables are in the statement (or the statement's tables are
 * unknown). jg_policy_judge_classified calls it for every statement.
 */
int jg_policy_mask_probe(const struct jg_policy *p, const char *role, const char *sql, size_t len,
                         const struct jg_sql_stmt *st, struct jg_policy_decision *d);

/* jg_policy_action_name: "allow", "deny", "review". */
const char *jg_policy_action_name(enum jg_policy_action a);

/* jg_policy_tags_from_sql: copies the tags of a leading comment "/" "* jitgate: k=v k2=v2 *" "/"
 * into out as "k=v k2=v2" ("" when there is none). */
void jg_policy_tags_from_sql(const char *sql, size_t len, char *out, size_t cap);

/* jg_policy_glob: `*` any run of characters, `?` one character; exact otherwise. */
int jg_policy_glob(const char *pat, const char *s);

#endif
