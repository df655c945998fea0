# shellcheck shell=bash
#
# mask_cases.sh: inline masking (docs/masking.md), sourced by run.sh. A gateway runs
# policies/mask.policy with just-in-time users and a [masking] key_file; shop.cards holds card
# numbers, emails, PINs, balances, account numbers and dates, and every case checks the exact
# values a client decodes (the keyed hash is recomputed here from the same key).

MASK_KEY="jitgate-integration-mask-key-0123456789abcdef"

# The cases, in run.sh's order (name:function).
MASK_CASES=(
	mask-cli:case_mask_cli
	mask-pymysql:case_mask_pymysql
	mask-mysql2-query-execute:case_mask_mysql2
	mask-select-shapes:case_mask_shapes
	mask-error-messages:case_mask_error_message
	mask-roles-and-clear-columns:case_mask_roles_and_clear_columns
	mask-column-definitions:case_mask_definitions
	mask-20mib-row:case_mask_20mib_row
	mask-views:case_mask_views
	mask-probing-refused-when-set:case_mask_probing
	mask-cursor-fetch-connector-c:case_mask_cursor_fetch
	mask-call-several-result-sets:case_mask_call
	mask-metadata-never-skipped:case_mask_metadata_not_skipped
	mask-start-refusals:case_mask_start_refusals
)

# start_mask_gw: sets MASK_PORT, MASK_TOKEN and MASK_POLICY; (re)creates shop.cards.
start_mask_gw() {
	[[ -n "${MASK_PORT:-}" ]] && return 0
	cli_direct -e "DROP VIEW IF EXISTS shop.card_view; DROP TABLE IF EXISTS shop.cards;
		CREATE TABLE shop.cards (id INT PRIMARY KEY, holder VARCHAR(50) NOT NULL,
			card_number VARCHAR(25) UNIQUE, email VARCHAR(100) NOT NULL, pin INT NOT NULL,
			balance DECIMAL(10,2) NOT NULL, acct BIGINT NOT NULL, opened DATE NOT NULL, note TEXT);
		INSERT INTO shop.cards VALUES
			(1, 'Ann Lee', '4111111111111111', 'ann.lee@example.com', 1234, 1520.75, 12345678901,
			 '2021-03-04', 'call me'),
			(2, 'Bo Chan', '5500 0000 0000 0004', 'bo@mail.example.org', 9876, 20.00, 98765432,
			 '2022-11-30', 'card 4012888888881881 on file'),
			(3, 'Cy Diaz', NULL, 'cy@example.net', 5555, 0.00, 7, '2023-01-01', NULL);
		CREATE VIEW shop.card_view AS SELECT id, card_number AS cn FROM shop.cards;
		DROP PROCEDURE IF EXISTS shop.card_report;
		DELIMITER //
		CREATE PROCEDURE shop.card_report() BEGIN
			SELECT card_number FROM shop.cards WHERE id = 1;
			SELECT id, CONCAT('to ', email) AS mail FROM shop.cards WHERE id = 2;
		END //
		DELIMITER ;" || return 1
	(umask 077 && printf '%s\n' "$MASK_KEY" >"$WORK/mask.key")
	GW2_PORT=$(jg_free_port)
	MASK_POLICY="$WORK/mask.policy"
	cp "$IT/policies/mask.policy" "$MASK_POLICY"
	jit_config "$WORK/gw-mask.ini" "$GW2_PORT" itmask "$MASK_POLICY"
	printf '\n[masking]\nkey_file = %s\ncatalog_refresh = 1\n\n[limits]\nrow = 67108864\n' "$WORK/mask.key" >>"$WORK/gw-mask.ini"
	start_gw mask "$WORK/gw-mask.ini" || return 1
	MASK_PORT=$GW2_PORT
	MASK_PID=$GW2_PID
	MASK_TOKEN=$(tokfile mask "$(mint)")
}

# mask_hash_int VALUE MAX: the number `with hash` gives an integer column: the HMAC-SHA-256 of
# the value's text under the key, its first 8 bytes big-endian, modulo MAX + 1.
mask_hash_int() {
	"$PY" -c 'import hmac, hashlib, sys
k, v, m = sys.argv[1].encode(), sys.argv[2].encode(), int(sys.argv[3])
print(int.from_bytes(hmac.new(k, v, hashlib.sha256).digest()[:8], "big") % (m + 1))' \
		"$MASK_KEY" "$1" "$2"
}
mask_hash_str() {   # mask_hash_str VALUE: 32 hex digits
	"$PY" -c 'import hmac, hashlib, sys
print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest()[:32])' \
		"$MASK_KEY" "$1"
}

cli_mask() {    # cli_mask USER [mariadb args]
	local user=$1; shift
	timeout "$T" mariadb --no-defaults -h127.0.0.1 -P"$MASK_PORT" -u"$user" -p"$(cat "$MASK_TOKEN")" \
		--ssl --ssl-ca="$KEYS/ca.pem" --ssl-verify-server-cert "$@" 2>&1 || true
}
py_mask() {     # py_mask USER [pymysql_client args]
	local user=$1; shift
	timeout "$T" "$PY" "$IT/clients/pymysql_client.py" --port "$MASK_PORT" --user "$user" \
		--password-file "$MASK_TOKEN" --ssl-ca "$KEYS/ca.pem" "$@" 2>&1 || true
}
m2_mask() {     # m2_mask USER [mysql2_client args]
	local user=$1; shift
	timeout "$T" node "$IT/clients/mysql2_client.js" --port "$MASK_PORT" --user "$user" \
		--password-file "$MASK_TOKEN" --ssl-ca "$KEYS/ca.pem" "$@" 2>&1 || true
}

MASK_SELECT="SELECT id, holder, card_number, email, pin, balance, acct, opened, note FROM shop.cards ORDER BY id"

# The rows agent must see of MASK_SELECT, as JSON lines of pymysql_client.py / mysql2_client.js.
mask_expected_json() {
	local h1 h2 h3
	h1=$(mask_hash_int 1234 2147483647) && h2=$(mask_hash_int 9876 2147483647) &&
		h3=$(mask_hash_int 5555 2147483647) || return 1
	printf '{"columns":["id","holder","card_number","email","pin","balance","acct","opened","note"],"rows":[[1,null,"****1111","****@example.com",%s,"0.00",8901,null,"call me"],[2,null,"****0004","****@mail.example.org",%s,"0.00",5432,null,"card 4012888888881881 on file"],[3,null,null,"****@example.net",%s,"0.00",0,null,null]]}\n' \
		"$h1" "$h2" "$h3"
}

# mariadb CLI (text protocol): every masked column as agent, the exact values.
case_mask_cli() {
	local out want
	start_mask_gw || return 1
	out=$(cli_mask agent -B -N -e "$MASK_SELECT"); echo "$out"
	want="1	NULL	****1111	****@example.com	$(mask_hash_int 1234 2147483647)	0.00	8901	NULL	call me
2	NULL	****0004	****@mail.example.org	$(mask_hash_int 9876 2147483647)	0.00	5432	NULL	card 4012888888881881 on file
3	NULL	NULL	****@example.net	$(mask_hash_int 5555 2147483647)	0.00	0	NULL	NULL"
	[[ "$out" == "$want" ]] || { echo "masked rows differ from: $want"; return 1; }
}

# PyMySQL (text protocol) decodes the masked values with their types.
case_mask_pymysql() {
	local out want
	start_mask_gw || return 1
	out=$(py_mask agent "$MASK_SELECT"); echo "$out"
	want=$(mask_expected_json) || return 1
	[[ "$out" == "$want" ]] || { echo "expected $want"; return 1; }
}

# mysql2 query (text) and execute (binary rows: INT, BIGINT, DECIMAL and DATE rewritten in
# their binary layouts) decode the same values.
case_mask_mysql2() {
	local out want mode
	start_mask_gw || return 1
	want=$(mask_expected_json) || return 1
	for mode in --query --execute; do
		out=$(m2_mask agent "$mode" "$MASK_SELECT"); echo "$mode: $out"
		[[ "$out" == "$want" ]] || { echo "mysql2 $mode: expected $want"; return 1; }
	done
}

# mask_leaks OUTPUT: a clear card number or email of shop.cards in OUTPUT, or nothing.
mask_leaks() {
	grep -Eo '4111111111111111|5500 0000 0000 0004|5500000000000004|ann\.lee@|bo@mail|cy@example' <<<"$1" | head -n 1
}

# The card column escapes by no shape of SELECT: an alias, CONCAT, UNION, a scalar subquery, a
# derived table, a CTE, GROUP_CONCAT, JSON, a prepared text; each comes back masked.
case_mask_shapes() {
	local q out leak n=0
	start_mask_gw || return 1
	while IFS= read -r q; do
		[[ -z "$q" ]] && continue
		out=$(cli_mask agent -B -N -e "$q"); echo "$q => $(tr '\n' '|' <<<"$out")"
		leak=$(mask_leaks "$out")
		[[ -z "$leak" ]] || { echo "clear value '$leak' through: $q"; return 1; }
		grep -q '^ERROR' <<<"$out" && { echo "refused: $q"; return 1; }
		grep -q '\*\*\*\*' <<<"$out" || { echo "nothing masked in: $q"; return 1; }
		n=$((n + 1))
	done <<'SQL'
SELECT card_number AS c FROM shop.cards WHERE id = 1
SELECT c FROM (SELECT card_number AS c FROM shop.cards WHERE id = 1) AS x
SELECT c FROM (SELECT card_number AS c FROM shop.cards WHERE id = 1 LIMIT 1) AS x
WITH w AS (SELECT card_number AS c FROM shop.cards WHERE id = 1) SELECT c FROM w
SELECT CONCAT('card: ', card_number) FROM shop.cards WHERE id = 1
SELECT UPPER(email) FROM shop.cards WHERE id = 1
SELECT card_number FROM shop.cards WHERE id = 1 UNION SELECT 'x'
SELECT 'x' UNION ALL SELECT card_number FROM shop.cards WHERE id = 1
SELECT (SELECT card_number FROM shop.cards WHERE id = 1) AS s
SELECT GROUP_CONCAT(card_number) FROM shop.cards
SELECT JSON_OBJECT('c', card_number) FROM shop.cards WHERE id = 1
SELECT REPLACE(card_number, ' ', '') FROM shop.cards WHERE id = 2
SELECT * FROM (SELECT * FROM shop.cards) t WHERE id = 1
SELECT '4111111111111111' AS typed_in
SELECT CONCAT(note) FROM shop.cards WHERE id = 2
SQL
	echo "$n shapes, all masked"
}

# A duplicate-key error echoes the value: the message carries no card number.
case_mask_error_message() {
	local out leak
	start_mask_gw || return 1
	out=$(cli_mask agent -B -e "INSERT INTO shop.cards VALUES (9, 'Dup', '4111111111111111', 'd@example.com', 1, 1, 1, '2024-01-01', NULL)" | grep '^ERROR'); echo "$out"
	grep -q '^ERROR 1062 (23000)' <<<"$out" || { echo "no ERR 1062"; return 1; }
	leak=$(mask_leaks "$out")
	[[ -z "$leak" ]] || { echo "the error message shows '$leak'"; return 1; }
	grep -q "Duplicate entry '\*\*\*\*' for key" <<<"$out" || { echo "the value is not redacted in the message"; return 1; }
	# the same through INSERT IGNORE: a warning, read back with SHOW WARNINGS
	out=$(cli_mask agent -B -N -e "INSERT IGNORE INTO shop.cards VALUES (9, 'Dup', '4111111111111111', 'd@example.com', 1, 1, 1, '2024-01-01', NULL); SHOW WARNINGS"); echo "$out"
	grep -q 'Duplicate entry' <<<"$out" || { echo "SHOW WARNINGS did not show the duplicate"; return 1; }
	leak=$(mask_leaks "$out")
	[[ -z "$leak" ]] || { echo "SHOW WARNINGS shows '$leak'"; return 1; }
}

# The role exemption: holders are masked for agent only; auditor reads them (and the rest
# masked); a result without masked columns is the same as direct.
case_mask_roles_and_clear_columns() {
	local out want direct
	start_mask_gw || return 1
	out=$(cli_mask auditor -B -N -e "SELECT holder, card_number FROM shop.cards WHERE id = 1"); echo "auditor: $out"
	[[ "$out" == "Ann Lee	****1111" ]] || { echo "auditor should read holders, cards masked"; return 1; }
	out=$(cli_mask agent -B -N -e "SELECT holder FROM shop.cards WHERE id = 1"); echo "agent: $out"
	[[ "$out" == "NULL" ]] || { echo "agent should get NULL holders"; return 1; }
	direct=$(cli_direct -B -e "SELECT * FROM shop.orders ORDER BY id; SELECT id, LENGTH(note) FROM shop.cards ORDER BY id")
	out=$(cli_mask agent -B -e "SELECT * FROM shop.orders ORDER BY id; SELECT id, LENGTH(note) FROM shop.cards ORDER BY id")
	[[ "$out" == "$direct" ]] || { echo "columns without a mask differ from direct"; return 1; }
}

# NOT NULL is cleared in the definitions of columns masking may turn NULL (holder, opened);
# a masked string column's length leaves room for the mask.
case_mask_definitions() {
	local out
	start_mask_gw || return 1
	out=$(cli_mask agent --column-type-info -t -e "SELECT holder, opened, email, id FROM shop.cards WHERE id = 1"); echo "$out"
	"$PY" - "$out" <<'PYEOF' || return 1
import re, sys
flags, lengths, cur = {}, {}, None
for line in sys.argv[1].splitlines():
    m = re.match(r"Field +\d+: +`(\w+)`", line)
    if m:
        cur = m.group(1)
    elif cur and line.startswith("Flags:"):
        flags[cur] = line.split()[1:]
    elif cur and line.startswith("Length:"):
        lengths[cur] = int(line.split()[1])
bad = [c for c in ("holder", "opened") if "NOT_NULL" in flags.get(c, ["?"])]
if bad or "NOT_NULL" not in flags.get("email", []) or "NOT_NULL" not in flags.get("id", []):
    sys.exit("NOT NULL flags wrong: %r" % flags)
if lengths.get("email", 0) < 160:
    sys.exit("email's length %r leaves no room for its mask" % lengths.get("email"))
print("flags ok:", flags)
PYEOF
}

# A 20 MiB row with a masked column and an unmasked one: the mask applies, the 20 MiB value
# arrives whole (PyMySQL text, mysql2 binary), with packets split and sized right.
case_mask_20mib_row() {
	local want got mode
	start_mask_gw || return 1
	timeout 60 "$PY" - "$DB_PORT" "$DB/admin-password" <<'PYEOF' || { echo "inserting the 20 MiB row failed"; return 1; }
import os, sys, pymysql
pw = open(sys.argv[2]).readline().strip()
c = pymysql.connect(host="127.0.0.1", port=int(sys.argv[1]), user="jg_admin", password=pw,
                    autocommit=True, max_allowed_packet=64 << 20)
cur = c.cursor()
cur.execute("CREATE TABLE IF NOT EXISTS shop.bigcards (id INT PRIMARY KEY, card_number VARCHAR(25), data LONGBLOB)")
cur.execute("REPLACE INTO shop.bigcards VALUES (1, '4111111111111111', %s)", (os.urandom(20 * 1024 * 1024 + 7),))
PYEOF
	want=$(T=60 py_direct "SELECT SHA2(data, 256), LENGTH(data) FROM shop.bigcards WHERE id = 1" |
		"$PY" -c 'import json,sys; r=json.loads(sys.stdin.readline())["rows"][0]; print("****1111", r[0], r[1])')
	for mode in pymysql mysql2; do
		if [[ $mode == pymysql ]]; then
			got=$(T=90 py_mask agent --hash-bytes "SELECT card_number, data FROM shop.bigcards WHERE id = 1")
		else
			got=$(T=90 m2_mask agent --execute --hash-bytes "SELECT card_number, data FROM shop.bigcards WHERE id = 1")
		fi
		got=$("$PY" -c 'import json,sys; r=json.loads(sys.stdin.readline())["rows"][0]; print(r[0], r[1]["sha256"], r[1]["len"])' <<<"$got" 2>&1) ||
			{ echo "$mode: $got"; return 1; }
		echo "$mode: $got"
		[[ "$got" == "$want" ]] || { echo "$mode: '$got' != '$want'"; return 1; }
	done
}

# Views: a view's column comes back masked by the masks of the columns behind it, through a
# view of a view, a view made during the session (before and after the catalog is read again),
# and expressions over a view's columns; a view's unmasked column stays clear.
case_mask_views() {
	local out leak q
	start_mask_gw || return 1
	cli_direct -e "CREATE OR REPLACE VIEW shop.card_view2 AS SELECT cn AS c2, id FROM shop.card_view;
		CREATE OR REPLACE VIEW shop.card_union AS SELECT id, email AS e FROM shop.cards UNION ALL SELECT 0, 'x'" || return 1
	sleep 1.5      # the catalog is read again after the DDL (refresh period 1 s in this gateway)
	while IFS='|' read -r q want; do
		[[ -z "$q" ]] && continue
		out=$(cli_mask agent -B -N -e "$q"); echo "$q => $(tr '\n' '|' <<<"$out")"
		leak=$(mask_leaks "$out")
		[[ -z "$leak" ]] || { echo "clear value '$leak' through: $q"; return 1; }
		[[ "$(tr '\n' '|' <<<"$out")" == "$want|" ]] || { echo "expected '$want' from: $q"; return 1; }
	done <<'SQL'
SELECT id, cn FROM shop.card_view WHERE id = 1|1	****1111|
SELECT c2 FROM shop.card_view2 WHERE id = 1|****1111|
SELECT LOWER(cn) FROM shop.card_view WHERE id = 1|****1111|
SELECT e FROM shop.card_union ORDER BY id DESC LIMIT 1|****@example.net|
SQL
	# a view made by the session itself is masked at once (unknown to the catalog: fail closed)
	out=$(cli_mask agent -B -N -e "CREATE SQL SECURITY INVOKER VIEW shop.agent_view AS SELECT card_number AS k FROM shop.cards WHERE id = 1; SELECT k FROM shop.agent_view"); echo "new view: $out"
	[[ "$out" == "****1111" ]] || { echo "a view made in the session showed '$out'"; return 1; }
	sleep 1.5
	out=$(cli_mask agent -B -N -e "SELECT k FROM shop.agent_view"); echo "after the catalog read: $out"
	[[ "$out" == "****1111" ]] || { echo "the view showed '$out' once known"; return 1; }
	cli_direct -e "DROP VIEW shop.agent_view, shop.card_view2, shop.card_union"
}

# Probing: with `probing refuse` on the cards mask (a policy reload), WHERE card_number LIKE '4%'
# is refused before it runs (ERR 1142 naming the mask); without it, it runs and its result is
# masked. Reading the column plainly stays allowed either way.
case_mask_probing() {
	local out q="SELECT id FROM shop.cards WHERE card_number LIKE '4%'"
	start_mask_gw || return 1
	out=$(cli_mask agent -B -N -e "$q"); echo "probing allowed: $out"
	[[ "$out" == 1 ]] || { echo "without probing refuse the query should run and find id 1"; return 1; }
	sed -i 's/mask "cards"   { columns "shop.\*.card_number"  detect luhn  with last4 }/mask "cards" { columns "shop.*.card_number"  detect luhn  with last4  probing refuse }/' "$MASK_POLICY"
	grep -q 'probing refuse' "$MASK_POLICY" || { echo "could not edit the policy"; return 1; }
	kill -HUP "$MASK_PID"
	sleep 1.5
	out=$(cli_mask agent -B -N -e "$q"); echo "probing refused: $out"
	grep -Eq '^ERROR 1142 \(42000\).*card_number is masked.*jitgate mask "cards"' <<<"$out" ||
		{ echo "the probing query was not refused naming the mask"; cp "$IT/policies/mask.policy" "$MASK_POLICY"; kill -HUP "$MASK_PID"; return 1; }
	out=$(cli_mask agent -B -N -e "SELECT id, card_number FROM shop.cards WHERE id = 1"); echo "plain read: $out"
	cp "$IT/policies/mask.policy" "$MASK_POLICY"
	kill -HUP "$MASK_PID"
	sleep 1.5
	[[ "$out" == "1	****1111" ]] || { echo "a plain read of the masked column was refused or not masked"; return 1; }
}

# A server-side cursor (MariaDB Connector/C, CURSOR_TYPE_READ_ONLY, one row per COM_STMT_FETCH):
# the fetched binary rows are masked with the plan of the execute that opened the cursor, and
# the database really answered COM_STMT_FETCH (its Com_stmt_fetch counter moves).
case_mask_cursor_fetch() {
	local out before after h
	start_mask_gw || return 1
	cc -std=c11 -O1 -o "$WORK/cursor_fetch" "$IT/clients/cursor_fetch.c" \
		$(pkg-config --cflags --libs libmariadb) || { echo "cursor_fetch.c did not build"; return 1; }
	before=$(cli_direct -N -e "SHOW GLOBAL STATUS LIKE 'Com_stmt_fetch'" | cut -f2)
	out=$(timeout "$T" "$WORK/cursor_fetch" 127.0.0.1 "$MASK_PORT" agent "$MASK_TOKEN" "$KEYS/ca.pem" \
		"SELECT id, card_number, pin, balance, acct FROM shop.cards WHERE id > ? ORDER BY id" 0 2>&1); echo "$out"
	after=$(cli_direct -N -e "SHOW GLOBAL STATUS LIKE 'Com_stmt_fetch'" | cut -f2)
	echo "Com_stmt_fetch: $before -> $after"
	(( after >= before + 3 )) || { echo "the client did not fetch through a cursor"; return 1; }
	h="$(mask_hash_int 1234 2147483647)"
	[[ "$(head -n 1 <<<"$out")" == "1	****1111	$h	0.00	8901" ]] ||
		{ echo "first fetched row: '$(head -n 1 <<<"$out")', expected '1	****1111	$h	0.00	8901'"; return 1; }
	[[ "$(sed -n 3p <<<"$out")" == "3	NULL	$(mask_hash_int 5555 2147483647)	0.00	0" ]] ||
		{ echo "third fetched row is wrong"; return 1; }
	[[ -z "$(mask_leaks "$out")" ]] || { echo "a clear card number in the fetched rows"; return 1; }
}

# Metadata is never skipped: the gateway's greeting offers neither MySQL's
# CLIENT_OPTIONAL_RESULTSET_METADATA (bit 25) nor any MariaDB extended capability
# (MARIADB_CLIENT_CACHE_METADATA among them), while the database's own greeting does offer some.
case_mask_metadata_not_skipped() {
	local gw db _v caps ext
	start_mask_gw || return 1
	db=$(greeting "$DB_PORT") || { echo "$db"; return 1; }
	gw=$(greeting "$MASK_PORT") || { echo "$gw"; return 1; }
	echo "database: $db; jitgate: $gw"
	read -r _v caps ext <<<"$db"
	(( ext != 0 )) || { echo "the database offers no extended capability: the check would prove nothing"; return 1; }
	read -r _v caps ext <<<"$gw"
	(( ext == 0 )) || { echo "jitgate offers MariaDB extended capabilities"; return 1; }
	(( (caps & 0x02000000) == 0 )) || { echo "jitgate offers CLIENT_OPTIONAL_RESULTSET_METADATA"; return 1; }
}

# A policy with masks is not served without what enforcing it needs: `with hash` without
# [masking] key_file, or a catalog that cannot be read (the database is not there).
case_mask_start_refusals() {
	local out port
	start_mask_gw || return 1
	port=$(jg_free_port)
	jit_config "$WORK/gw-nokey.ini" "$port" itnokey "$MASK_POLICY"
	out=$(timeout 30 "$JITGATE" serve -c "$WORK/gw-nokey.ini" 2>&1); echo "no key: $out" | tail -n 2
	grep -q 'masks with hash, which needs a secret: set \[masking\] key_file' <<<"$out" ||
		{ echo "a policy with hash and no key was not refused at start"; return 1; }
	write_config "$WORK/gw-nocat.ini" "$port" "$(jg_free_port)"
	printf '\n[policy]\nfile = %s\n\n[masking]\nkey_file = %s\n' "$MASK_POLICY" "$WORK/mask.key" >>"$WORK/gw-nocat.ini"
	out=$(timeout 30 "$JITGATE" serve -c "$WORK/gw-nocat.ini" 2>&1); echo "no catalog: $out" | tail -n 2
	grep -q 'cannot read the catalog of tables and views: jitgate cannot log in to the database' <<<"$out" ||
		{ echo "a policy with masks was served without a catalog"; return 1; }
	! ss -Hltn "sport = :$port" | grep -q . || { echo "something listens on $port"; return 1; }
}

# A stored procedure's result sets (a multi-result response), through PyMySQL and mysql2
# execute: base columns by their origin (the catalog knows them: card_number masked, id clear);
# the origin-less column fails closed: after CALL every mask counts as read, and the first one
# (cards, last4) masks the whole value.
case_mask_call() {
	local out want='{"columns":["card_number"],"rows":[["****1111"]]}
{"columns":["id","mail"],"rows":[[2,"****.org"]]}'
	start_mask_gw || return 1
	out=$(py_mask agent "CALL shop.card_report()"); echo "pymysql: $out"
	[[ "$(grep columns <<<"$out")" == "$want" ]] || { echo "pymysql: expected $want"; return 1; }
	out=$(m2_mask agent --execute "CALL shop.card_report()"); echo "mysql2: $out"
	[[ "$(grep columns <<<"$out")" == "$want" ]] || { echo "mysql2 execute: expected $want"; return 1; }
}
