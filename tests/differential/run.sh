#!/bin/bash
# run.sh: the differential test (tests/differential/README.md). Starts a private MariaDB with
# performance_schema's statement history on (tests/integration/mariadb.sh, loopback, a temp dir),
# runs diff.py against it and the classifier in $JITGATE, stops the server and removes the temp
# dir on every exit path. The last line is diff.py's "differential: N passed, M failed".
#
#   bash tests/differential/run.sh --packets 1200 --seed 1     (make differential)
#   bash tests/differential/run.sh --seconds 600 --seed 7      (make fuzz-differential SECONDS=600)
#
# Environment: JITGATE (binary, default build/jitgate), JG_DIFF_KEEP=1 keeps the temp dir,
# JG_DIFF_OUT (where the shrunk cases go; default build/differential-found.cases).
# Arguments go to diff.py.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
JITGATE=${JITGATE:-$ROOT/build/jitgate}
OUT=${JG_DIFF_OUT:-$ROOT/build/differential-found.cases}
PY=/usr/bin/python3          # Debian's interpreter: it has python3-pymysql

# shellcheck source=../integration/mariadb.sh
source "$ROOT/tests/integration/mariadb.sh"

WORK=$(mktemp -d /tmp/jg-diff.XXXXXX)
DB="$WORK/db"
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	jg_mariadb_stop "$DB" >/dev/null 2>&1 || true
	if [[ "${JG_DIFF_KEEP:-0}" == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

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
	echo "differential: 0 passed, 1 failed (MariaDB did not start)"
	exit 1
fi
mkdir -p "$(dirname "$OUT")"
"$PY" "$ROOT/tests/differential/diff.py" --port "$PORT" --password-file "$DB/admin-password" \
	--jitgate "$JITGATE" --out "$OUT" "$@"
