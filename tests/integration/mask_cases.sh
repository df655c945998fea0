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
		CREATE VIEW shop.card_view AS SELECT id, card_number AS cn FROM shop.cards" || return 1
	(umask 077 && printf '%s\n' "$MASK_KEY" >"$WORK/mask.key")
	GW2_PORT=$(jg_free_port)
	MASK_POLICY="$WORK/mask.policy"
	cp "$IT/policies/mask.policy" "$MASK_POLICY"
	jit_config "$WORK/gw-mask.ini" "$GW2_PORT" itmask "$MASK_POLICY"
	printf '\n[masking]\nkey_file = %s\n' "$WORK/mask.key" >>"$WORK/gw-mask.ini"
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
