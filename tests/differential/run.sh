#!/bin/bash
# run.sh: the differential test (tests/differential/README.md). Starts a private MariaDB with
# performance_schema's statement history on (tests/integration/mariadb.sh, loopback, a temp dir)
# and, unless JG_DIFF_ROUTE=direct, a jitgate in front of it with a policy that allows everything;
# runs diff.py (packets through the gateway, the classifier's reading from $JITGATE sql classify);
# stops everything it started and removes the temp dir on every exit path. The last line is
# diff.py's "differential: N passed, M failed".
#
#   bash tests/differential/run.sh --packets 1200 --seed 1     (make differential)
#   bash tests/differential/run.sh --seconds 600 --seed 7      (make fuzz-differential SECONDS=600)
#
# Environment: JITGATE (binary, default build/jitgate), JG_DIFF_KEEP=1 keeps the temp dir,
# JG_DIFF_OUT (where the shrunk cases go; default build/differential-found.cases),
# JG_DIFF_ROUTE: gateway (default: every packet goes through `jitgate serve`, so the gateway's
# own session tracking carries the session) or direct (straight to MariaDB).
# Arguments go to diff.py.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
JITGATE=${JITGATE:-$ROOT/build/jitgate}
OUT=${JG_DIFF_OUT:-$ROOT/build/differential-found.cases}
ROUTE=${JG_DIFF_ROUTE:-gateway}
PY=/usr/bin/python3          # Debian's interpreter: it has python3-pymysql

# shellcheck source=../integration/mariadb.sh
source "$ROOT/tests/integration/mariadb.sh"

WORK=$(mktemp -d /tmp/jg-diff.XXXXXX)
DB="$WORK/db"
KEYS="$WORK/keys"
GW_PID=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n "$GW_PID" ]]; then
		kill -TERM "$GW_PID" 2>/dev/null
		wait "$GW_PID" 2>/dev/null
	fi
	jg_mariadb_stop "$DB" >/dev/null 2>&1 || true
	if [[ "${JG_DIFF_KEEP:-0}" == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

give_up() {
	echo "differential: $1" >&2
	echo "differential: 0 passed, 1 failed"
	exit 1
}

# The statement history is what the server says it ran: one row per statement of a
# multi-statement packet. It is filled only while events_statements_current is on too. The
# history is allocated for every possible thread up front (size x threads x text length), so the
# sizes stay small: 100 statements a thread (a packet has at most 64 the gateway accepts, and the
# harness reads after each packet), 4 KiB of text (a longer one is cut with '...', which diff.py
# reads as a prefix), few connections.
export JG_MARIADB_OPTS="--performance-schema=ON
	--performance-schema-consumer-events-statements-current=ON
	--performance-schema-consumer-events-statements-history=ON
	--performance-schema-events-statements-history-size=100
	--performance-schema-max-sql-text-length=4096
	--max-connections=20"
PORT=$(jg_free_port)
if ! jg_mariadb_start "$DB" "$PORT" >"$WORK/mariadb-start.log" 2>&1; then
	cat "$WORK/mariadb-start.log" >&2
	give_up "MariaDB did not start"
fi
CONNECT=(--port "$PORT" --password-file "$DB/admin-password")

# start_gateway: dev keys, a policy that allows everything (unknown too), shared mode (sessions
# log in as jg_admin, which may read performance_schema), one worker; sets GW_PORT and GW_PID.
start_gateway() {
	"$JITGATE" dev-keys "$KEYS" >"$WORK/dev-keys.log" 2>&1 || return 1
	printf '%s\n' 'policy "differential" {' '  default allow' '  unknown allow' '  role agent {' \
		'    groups "analysts"' '    grant select, insert, update, delete, drop on dt.*' '  }' '}' \
		>"$WORK/differential.policy"
	GW_PORT=$(jg_free_port)
	printf '%s\n' '[listen]' "address = 127.0.0.1:$GW_PORT" "tls_cert = $KEYS/tls-cert.pem" \
		"tls_key = $KEYS/tls-key.pem" 'workers = 1' 'idle_timeout = 3600' '' \
		'[backend]' "address = 127.0.0.1:$PORT" 'user = jg_admin' \
		"password_file = $DB/admin-password" 'tls = off' '' \
		'[identity]' 'issuer = https://issuer.test' 'audience = jitgate' \
		"jwks_file = $KEYS/jwks.json" 'groups_claim = groups' 'algorithms = ES256' '' \
		'[store]' "path = $WORK/store/jitgate.db" '' \
		'[credentials]' 'mode = shared' '' \
		'[policy]' "file = $WORK/differential.policy" >"$WORK/jitgate.ini"
	"$JITGATE" serve -c "$WORK/jitgate.ini" >"$WORK/jitgate.log" 2>&1 </dev/null &
	GW_PID=$!
	local n=100
	until ss -Hltn "sport = :$GW_PORT" 2>/dev/null | grep -q "127.0.0.1:$GW_PORT"; do
		kill -0 "$GW_PID" 2>/dev/null && (( n-- > 0 )) || return 1
		sleep 0.1
	done
	(umask 077 && "$JITGATE" token --key "$KEYS/signing-key.pem" --kid dev-es256 \
		--iss https://issuer.test --aud jitgate --sub differential@example.com --groups analysts \
		--ttl 86400 >"$WORK/token")
}

if [[ "$ROUTE" == gateway ]]; then
	start_gateway || { cat "$WORK"/dev-keys.log "$WORK"/jitgate.log >&2 2>/dev/null; give_up "the gateway did not start"; }
	CONNECT=(--port "$GW_PORT" --user agent --password-file "$WORK/token" --ssl-ca "$KEYS/ca.pem")
fi
mkdir -p "$(dirname "$OUT")"
rc=0
"$PY" "$ROOT/tests/differential/diff.py" "${CONNECT[@]}" --jitgate "$JITGATE" --out "$OUT" "$@" || rc=$?
if [[ -n "$GW_PID" ]] && ! kill -0 "$GW_PID" 2>/dev/null; then
	echo "differential: the gateway exited during the run; its log ends:" >&2
	tail -n 20 "$WORK/jitgate.log" >&2
	echo "differential: 0 passed, 1 failed"
	rc=1
fi
exit "$rc"
