#!/bin/bash
# demo.sh: what `make demo` runs. A private MariaDB with the shop schema on 127.0.0.1:3316,
# development keys, and jitgate on 127.0.0.1:3307 in front of it; prints a mariadb command line
# with a fresh token and stays in the foreground until Ctrl-C (SIGINT) or SIGTERM, then stops
# what it started. Everything lives in .demo/ of the checkout (git-ignored) and is rebuilt on
# every run, so a leftover .demo from an earlier or crashed run does no harm.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO="$ROOT/.demo"
JITGATE=${JITGATE:-$ROOT/build/jitgate}
DB_PORT=3316
GW_PORT=3307

# shellcheck source=integration/mariadb.sh
source "$ROOT/tests/integration/mariadb.sh"

GW_PID=""
TAIL_PID=""

# stop_leftover_gateway: a jitgate from an earlier run whose pid file is still there. The pid is
# only signalled if it still is a jitgate, since pid files outlive their process.
stop_leftover_gateway() {
	local pid
	[[ -f "$DEMO/jitgate.pid" ]] || return 0
	pid=$(cat "$DEMO/jitgate.pid")
	if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == jitgate ]]; then
		echo "demo: stopping jitgate $pid left from an earlier run"
		kill -TERM "$pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.3; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$DEMO/jitgate.pid"
}

# shellcheck disable=SC2317  # reached through the traps below
cleanup() {
	trap - EXIT INT TERM
	set +e
	echo
	echo "demo: stopping"
	[[ -n "$TAIL_PID" ]] && kill "$TAIL_PID" 2>/dev/null
	if [[ -n "$GW_PID" ]]; then
		kill -TERM "$GW_PID" 2>/dev/null
		wait "$GW_PID" 2>/dev/null
	fi
	rm -f "$DEMO/jitgate.pid"
	jg_mariadb_stop "$DEMO/db"
	echo "demo: stopped (logs in $DEMO)"
}

if [[ ! -x "$JITGATE" ]]; then
	echo "demo: $JITGATE is missing; run make first" >&2
	exit 1
fi

mkdir -p "$DEMO"
stop_leftover_gateway
jg_mariadb_stop "$DEMO/db" >/dev/null 2>&1 || true
for port in "$DB_PORT" "$GW_PORT"; do
	if ! jg_port_is_free "$port"; then
		echo "demo: 127.0.0.1:$port is in use by something else; stop it and run make demo again" >&2
		exit 1
	fi
done

trap cleanup EXIT
# Ctrl-C or a TERM is how a demo ends: a clean stop, not an error for make to report.
trap 'exit 0' INT TERM

rm -rf "$DEMO/keys"
"$JITGATE" dev-keys "$DEMO/keys" >"$DEMO/dev-keys.log"
echo "demo: starting MariaDB on 127.0.0.1:$DB_PORT (data in $DEMO/db)"
jg_mariadb_start "$DEMO/db" "$DB_PORT" "$DEMO/keys"

cat >"$DEMO/jitgate.ini" <<EOF
; written by tests/demo.sh
[listen]
address = 127.0.0.1:$GW_PORT
tls_cert = $DEMO/keys/tls-cert.pem
tls_key = $DEMO/keys/tls-key.pem
workers = 2
handshake_timeout = 10
idle_timeout = 3600

[backend]
address = 127.0.0.1:$DB_PORT
user = jg_admin
password_file = $DEMO/db/admin-password
tls = off

[identity]
issuer = https://issuer.test
audience = jitgate
jwks_file = $DEMO/keys/jwks.json
groups_claim = groups
leeway = 30
algorithms = RS256,ES256

[credentials]
instance = demo
grace = 30

[store]
path = $DEMO/store/jitgate.db

[policy]
file = $ROOT/policy-dsl/examples/demo.policy

[masking]
key_file = $DEMO/keys/mask.key
EOF
(umask 077 && openssl rand -hex 32 >"$DEMO/keys/mask.key")

: >"$DEMO/jitgate.log"
"$JITGATE" serve -c "$DEMO/jitgate.ini" >>"$DEMO/jitgate.log" 2>&1 </dev/null &
GW_PID=$!
echo "$GW_PID" >"$DEMO/jitgate.pid"
for ((n = 0; n < 100; n++)); do
	ss -Hltn "sport = :$GW_PORT" 2>/dev/null | grep -q "127.0.0.1:$GW_PORT" && break
	if ! kill -0 "$GW_PID" 2>/dev/null; then
		echo "demo: jitgate exited:" >&2; tail -n 20 "$DEMO/jitgate.log" >&2; exit 1
	fi
	sleep 0.2
done
if (( n == 100 )); then
	echo "demo: jitgate did not listen on 127.0.0.1:$GW_PORT within 20 s" >&2
	tail -n 20 "$DEMO/jitgate.log" >&2
	exit 1
fi

TOKEN_CMD=("$JITGATE" token --key "$DEMO/keys/signing-key.pem" --kid dev-es256
	--iss https://issuer.test --aud jitgate --sub demo@example.com --groups analysts --ttl 3600)
TOKEN=$("${TOKEN_CMD[@]}")

cat <<EOF

jitgate is listening on 127.0.0.1:$GW_PORT in front of a private MariaDB on 127.0.0.1:$DB_PORT.
Connect as demo@example.com (group analysts) with this command; the password is a signed
OIDC token (JWT) valid for one hour:

  mariadb -h127.0.0.1 -P$GW_PORT -u analyst --comments --ssl --ssl-ca=$DEMO/keys/ca.pem --ssl-verify-server-cert -p'$TOKEN' shop

jitgate checks the token's signature against $DEMO/keys/jwks.json, its issuer, audience and
expiry, and refuses any login that is not over TLS. Then it logs in to MariaDB as a database
user made for your session alone: a random name and password you never see, exactly the grants
of role analyst, one connection, dropped when you quit or when the token expires. Every
statement is classified and judged by policy-dsl/examples/demo.policy before it reaches MariaDB.
Try:
  SELECT CURRENT_USER(); SHOW GRANTS;                            -- your just-in-time user
  SELECT name, card_number, email FROM customers LIMIT 3;        -- allowed (rule "reads"); card
                                           numbers and e-mails masked, names as they are
  SELECT UPPER(email) FROM customers LIMIT 2;                    -- masked through expressions
  SELECT name FROM customers WHERE card_number LIKE '4%';        -- refused: comparing a masked
                                           column recovers it one question at a time
  DROP TABLE orders;                                             -- denied (rule "no-drop")
  SELECT 1 /*!50000 ; DROP TABLE orders */;                      -- refused too: a hidden second
                                           statement, and role analyst runs one statement per query
  UPDATE orders SET status = 'paid' /*!99999 WHERE id = 1 */;   -- held too: MariaDB skips that
                                           comment, so jitgate reads no WHERE either
  SET NAMES gbk;                                                 -- refused: jitgate reads only
                                           character sets where it knows where strings end
  CREATE VIEW v AS SELECT 1;                                     -- denied: runs with its creator's
                                           rights, and the creator is dropped when you quit
  UPDATE orders SET status = 'paid';                             -- held for review by a dba
  /* jitgate: ticket=INC-7 */ UPDATE orders SET status = 'paid' WHERE id = 3;  -- a ticket allows it
  /* jitgate: ticket=INC-7 */ UPDATE orders SET amount = 0 WHERE id = 3;  -- the policy allows it,
                                           the database refuses: the role may update status only
(--comments makes the mariadb CLI send comments, which it otherwise strips)
A statement far larger than the gateway's 17 KiB buffers is still judged whole (here a 200 KB
DROP hidden behind a comment; up to the database's max_allowed_packet, [limits] statement):
  /usr/bin/python3 -c "print('DROP TABLE orders /* ' + 'x' * 200000 + ' */;')" | mariadb -h127.0.0.1 -P$GW_PORT -u analyst --comments --ssl --ssl-ca=$DEMO/keys/ca.pem -p'$TOKEN' shop 2>&1 | tail -n 1
When you quit, the log says what your session did (commands, refusals, rows, errors), and the
audit trail has recorded all of it (strict mode: nothing ran unrecorded; docs/audit.md):
  $JITGATE sessions --store $DEMO/store/jitgate.db
  $JITGATE replay --store $DEMO/store/jitgate.db N          -- session N of that list, as it happened
  $JITGATE audit verify --store $DEMO/store/jitgate.db       -- the hash chain and its signatures
Every user jitgate made, for whom, and when and why it was dropped (the ledger):
  sqlite3 $DEMO/store/jitgate.db "SELECT name, state, sub, reason FROM jit_users"
A new token (with --ttl 20 the session ends by itself when it expires; with --ttl -60 the login
is refused):
  ${TOKEN_CMD[*]}
What the classifier sees in a statement, and what the policy decides:
  $JITGATE sql classify --db shop "SELECT 1 /*!50000 ; DROP TABLE customers */"
  $JITGATE sql classify --db shop "SELECT 1 /*!99999 ' */; DROP TABLE customers; -- '"
  $JITGATE policy explain -p $ROOT/policy-dsl/examples/demo.policy --role analyst --groups analysts "UPDATE shop.orders SET status = 'x'"
The gateway's log follows below. Press Ctrl-C to stop jitgate and MariaDB.

EOF

tail -n +1 -f --pid="$GW_PID" "$DEMO/jitgate.log" &
TAIL_PID=$!
# wait returns when a trapped signal arrives (the trap then cleans up) or when jitgate exits.
wait "$GW_PID" || true
GW_PID=""
echo "demo: jitgate exited on its own; see $DEMO/jitgate.log" >&2
exit 1
