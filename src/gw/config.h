/*
 * config.h: the INI configuration of `jitgate serve` (libinih). Sections and keys are documented
 * in docs/configuration.md; unknown keys and bad values are errors reported as file:line.
 * struct jg_config is plain data, owned by the caller, read-only once serving starts.
 */
#ifndef JG_GW_CONFIG_H
#define JG_GW_CONFIG_H

#include "auth/auth.h"
#include "jg.h"

enum jg_be_tls { JG_BE_TLS_OFF = 0, JG_BE_TLS_ON = 1, JG_BE_TLS_VERIFY = 2 };
enum jg_cred_mode { JG_CRED_JIT = 0, JG_CRED_SHARED = 1 };

#define JG_ACCOUNTS_MAX 16
#define JG_LIMIT_MAX (1 << 30)      /* [limits]: at most 1 GiB */

/* [accounts] NAME = password file: existing MySQL accounts that roles may name (`account`). */
struct jg_account {
	char name[33];
	char password[512];         /* never logged */
};

struct jg_config {
	/* [listen] */
	char listen_address[256];
	char tls_cert[4096];
	char tls_key[4096];
	int workers;                /* 0: one per core */
	int handshake_timeout;      /* seconds */
	int idle_timeout;           /* seconds */
	/* [backend] */
	char backend_address[256];
	char backend_user[128];
	char backend_password[512]; /* from password_file or password_env; never logged */
	enum jg_be_tls backend_tls;
	char backend_tls_ca[4096];
	/* [identity] */
	struct jg_idcfg identity;
	/* [policy] */
	char policy_file[4096];     /* "" when statements are not judged */
	/* [credentials] */
	enum jg_cred_mode cred_mode;
	char cred_instance[16];     /* [a-z0-9]{1,10}; default from the host name */
	char cred_host[256];        /* host part of the users; "" = as the database sees us */
	int cred_pool;              /* ready users kept per role */
	int cred_admin_conns;       /* admin connections (one thread each) */
	int cred_reap_period;       /* seconds */
	int cred_grace;             /* seconds a session outlives its token */
	/* [store] */
	char store_path[4096];
	int store_sync_full;
	int store_ledger_days;
	int store_audit;            /* enum jg_audit_mode (audit/audit.h): 0 off, 1 batched, 2 strict */
	int store_audit_rows;       /* rows of one result recorded */
	int store_audit_result_bytes;   /* bytes of values of one result recorded */
	int store_audit_session_bytes;  /* bytes of values recorded in one session */
	int store_audit_batch_ms;   /* batched: the longest a record waits for its commit */
	int store_audit_queue;      /* MiB of records waiting for the writer, at most */
	int store_audit_checkpoint; /* seconds between signed checkpoints */
	char store_audit_key[4096]; /* the checkpoint key; "" = audit.key beside the store */
	int store_audit_days;       /* records kept this many days (0: all) */
	int store_audit_refused;    /* refused logins recorded a minute per address (0: all) */
	int store_audit_max_mb;     /* MiB of record bodies kept, newest first (0: no limit) */
	/* [limits] */
	int limit_statement;        /* bytes of a statement held whole to judge it; 0 = the
	                             * backend's max_allowed_packet (at most JG_LIMIT_MAX) */
	int limit_row;              /* bytes of a row a result stage holds whole */
	/* [masking] */
	char mask_key[256];         /* the keyed hash's secret (key_file's first line); never logged */
	size_t mask_key_len;        /* 0: none given (a policy that masks `with hash` cannot run) */
	int mask_catalog_refresh;   /* seconds between reads of the catalog (views, tables) */
	/* [accounts] */
	struct jg_account accounts[JG_ACCOUNTS_MAX];
	int naccounts;
};

/*
 * jg_config_load: defaults, then the file. On error returns JG_ERR_CONFIG with
 * "FILE:LINE: message" (or "FILE: message" for whole-file problems) in err.
 */
int jg_config_load(struct jg_config *cfg, const char *path, char *err, size_t errlen);

/* jg_config_split_address: "host:port" or "[v6]:port" into host and port; JG_ERR_CONFIG if bad. */
int jg_config_split_address(const char *addr, char *host, size_t hostlen, char *port, size_t portlen);

#endif
