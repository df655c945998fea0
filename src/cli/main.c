/* main.c: `jitgate COMMAND ...`; each command lives in its own file under src/cli. */
#include "cli/cli.h"
#include "jg.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: jitgate COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  serve -c FILE        run the gateway (see docs/configuration.md)\n"
	      "  dev-keys DIR         write development signing keys, a JWKS, a CA and TLS certificates\n"
	      "  token --key PEM --kid K --iss I --aud A --sub S [--groups g1,g2] [--ttl SECONDS]\n"
	      "                       print a signed JWT for tests and development\n"
	      "  sql classify [--sql-mode MODES] [--db NAME] [--spans] \"SQL\" | --file PATH\n"
	      "                       print how the gateway classifies each statement (JSON lines)\n"
	      "  policy check FILE    check a policy (docs/policy-language.md)\n"
	      "  policy compile FILE -o OUT\n"
	      "                       write the compiled form that serve loads\n"
	      "  policy test FILE.test\n"
	      "                       run a policy's test file; non-zero exit on a failure\n"
	      "  policy explain -p FILE --role R --groups G \"SQL\"\n"
	      "                       the decision for a statement and the rule that made it\n"
	      "  reap -c FILE         drop the just-in-time users that ended runs left behind\n"
	      "  cred oneshot -c FILE [--db DB] \"SQL\"\n"
	      "                       run one statement as a one-shot user with just the\n"
	      "                       privileges it needs, then drop the user\n"
	      "  sessions (--store PATH | -c FILE) [--user SUB] [--role ROLE] [--since T]\n"
	      "           [--decision allow|deny|refuse|review] [--json]\n"
	      "                       the recorded sessions, one a line (docs/audit.md)\n"
	      "  replay (--store PATH | -c FILE) SESSION [--instance I] [--speed N]\n"
	      "                       a recorded session as it happened: statements, decisions,\n"
	      "                       results\n"
	      "  audit export (--store PATH | -c FILE) [--format jsonl] [--since T] [--instance I]\n"
	      "                       every audit record as one JSON object a line\n"
	      "  audit verify (--store PATH | -c FILE) [--anchor LINE]\n"
	      "                       check the audit trail's hash chains and checkpoints\n"
	      "  audit recover (--store PATH | -c FILE)\n"
	      "                       move into the store what a crashed gateway left in its journal\n"
	      "  version              print the version\n", f);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "serve", jg_cmd_serve },
		{ "dev-keys", jg_cmd_dev_keys },
		{ "token", jg_cmd_token },
		{ "sql", jg_cmd_sql },
		{ "policy", jg_cmd_policy },
		{ "reap", jg_cmd_reap },
		{ "cred", jg_cmd_cred },
		{ "sessions", jg_cmd_sessions },
		{ "replay", jg_cmd_replay },
		{ "audit", jg_cmd_audit },
	};

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		puts("jitgate " JG_VERSION);
		return 0;
	}
	/* SQLite's allocation statistics take a global mutex on every malloc and free, and nothing
	 * here reads them (the audit writer makes several allocations per record) */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	for (size_t i = 0; i < JG_ARRAY_LEN(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "jitgate: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
