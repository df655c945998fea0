# shellcheck shell=bash
#
# mask_agent_cases.sh: masking as agents and Java applications meet it (sourced by run.sh after
# mask_cases.sh, whose gateway and helpers it uses).

MASK_AGENT_CASES=(
	mask-mcp-server-mysql-agent:case_mask_mcp_agent
	mask-connector-j-server-prepared-fetch-size:case_mask_connector_j
)

# ---- an MCP server for MySQL, run as an agent host runs it ---------------------------------
# @benborla29/mcp-server-mysql (pinned in package.json; mysql2 underneath) is what agent hosts
# are configured with: `npx @benborla29/mcp-server-mysql` and an "env" block of MYSQL_* settings.
# It runs every tool call as
#   SET SESSION TRANSACTION READ ONLY; START TRANSACTION; <sql>; ROLLBACK;
#   SET SESSION TRANSACTION READ WRITE
# on a pooled connection. Those are statements of kind `transaction`, which policies/mask.policy
# does not allow (its default denies them, so every tool call fails with "no rule allows this
# statement"); a policy for agents has to allow them. This gateway runs mask.policy plus exactly
# that rule, with the same masks, key and table as start_mask_gw's.
MCP_SERVER_BIN="$IT/node_modules/.bin/mcp-server-mysql"

start_mask_agent_gw() {   # sets MASK_AGENT_PORT
	[[ -n "${MASK_AGENT_PORT:-}" ]] && return 0
	start_mask_gw || return 1
	local pol="$WORK/mask-agent.policy"
	# The rule goes in before the policy block's closing brace (the file's last "}" line).
	awk -v n="$(grep -n '^}' "$IT/policies/mask.policy" | tail -n 1 | cut -d: -f1)" '
		NR == n { print "  rule \"agent-transactions\" { kind transaction  allow }" } { print }' \
		"$IT/policies/mask.policy" >"$pol"
	grep -q 'agent-transactions' "$pol" || { echo "could not add the transaction rule to $pol"; return 1; }
	"$JITGATE" policy check "$pol" || { echo "the agent policy does not check"; return 1; }
	GW2_PORT=$(jg_free_port)
	jit_config "$WORK/gw-mask-agent.ini" "$GW2_PORT" itmaskag "$pol"
	printf '\n[masking]\nkey_file = %s\n' "$WORK/mask.key" >>"$WORK/gw-mask-agent.ini"
	start_gw mask-agent "$WORK/gw-mask-agent.ini" || return 1
	MASK_AGENT_PORT=$GW2_PORT
}

# The agent asks for card numbers and emails; it must get the masked forms, every row, with the
# unmasked id right, and no clear value anywhere in what it sees (the tool result, the server's
# stderr).
case_mask_mcp_agent() {
	local out rc=0 clear masked
	[[ -x "$MCP_SERVER_BIN" ]] ||
		{ echo "$MCP_SERVER_BIN is missing: run npm ci in tests/integration (make deps runs it only when node_modules/mysql2 is missing)"; return 1; }
	start_mask_agent_gw || return 1
	mkdir -p "$WORK/mcp"   # its working directory: the server reads a .env file from there
	out=$(timeout 150 "$PY" "$IT/clients/mcp_agent.py" --timeout 60 --cwd "$WORK/mcp" \
		--env MYSQL_HOST=127.0.0.1 --env MYSQL_PORT="$MASK_AGENT_PORT" --env MYSQL_USER=agent \
		--secret-env MYSQL_PASS="$MASK_TOKEN" --env MYSQL_DB=shop \
		--env MYSQL_SSL=true --env MYSQL_SSL_CA="$KEYS/ca.pem" \
		--env MYSQL_SSL_REJECT_UNAUTHORIZED=true --env MYSQL_CONNECT_TIMEOUT=30000 \
		--env ENABLE_PII_REDACTION=false \
		--result-file "$WORK/mcp/result.json" \
		--sql "SELECT id, card_number, email FROM shop.cards ORDER BY id" \
		-- "$MCP_SERVER_BIN" 2>&1) || rc=$?
	echo "$out"
	(( rc == 0 )) || { echo "MCP agent: $(tail -n 1 <<<"$out")"; return 1; }
	for clear in 4111111111111111 '5500 0000 0000 0004' 5500000000000004 ann.lee@ ann.lee \
		bo@mail cy@example; do
		if grep -qF -- "$clear" <<<"$out"; then
			echo "the agent saw the clear value '$clear'"; return 1
		fi
	done
	for masked in '"****1111"' '"****0004"' '"****@example.com"' '"****@mail.example.org"' \
		'"****@example.net"'; do
		grep -qF -- "$masked" <<<"$out" || { echo "the agent did not see $masked"; return 1; }
	done
	# The exact rows: the first text item is the server's JSON of the result rows.
	"$PY" - "$WORK/mcp/result.json" <<'EOF' || return 1
import json, sys
res = json.load(open(sys.argv[1]))
rows = json.loads(res["content"][0]["text"])
want = [{"id": 1, "card_number": "****1111", "email": "****@example.com"},
        {"id": 2, "card_number": "****0004", "email": "****@mail.example.org"},
        {"id": 3, "card_number": None, "email": "****@example.net"}]
if rows != want:
    sys.exit("rows the agent got: %s; expected %s" % (json.dumps(rows), json.dumps(want)))
print("rows as expected: %s" % json.dumps(rows))
EOF
}

# ---- Connector/J: server-side prepared statements, a fetch size, re-execution -------------
# clients/ConnectorJMask.java with useServerPrepStmts=true, useCursorFetch=true and
# setFetchSize(1): binary rows (INT, DECIMAL rewritten in their binary layouts) decoded by a JDBC
# driver, through a statement executed twice. The database's Com_stmt_* counters show what the
# driver sent: Connector/J 2.7 prepares and executes but never fetches (no cursor; it streams the
# one result instead), so Com_stmt_fetch is printed, not required.
mask_stmt_counters() {
	cli_direct -N -e "SELECT GROUP_CONCAT(CONCAT(LOWER(VARIABLE_NAME), '=', VARIABLE_VALUE)
		ORDER BY VARIABLE_NAME SEPARATOR ' ') FROM information_schema.GLOBAL_STATUS
		WHERE VARIABLE_NAME IN ('COM_STMT_PREPARE', 'COM_STMT_EXECUTE', 'COM_STMT_FETCH')"
}
mask_counter() {   # mask_counter NAME "name=N ..."
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"
}
case_mask_connector_j() {
	local out before after d_prep d_exec d_fetch want p1 p2 p3
	[[ -r "$CONNJ_JAR" ]] || { echo "$CONNJ_JAR is missing: make deps installs libmariadb-java"; return 1; }
	start_mask_gw || return 1
	if [[ ! -f "$WORK/java/ConnectorJMask.class" ]]; then
		mkdir -p "$WORK/java"
		timeout 120 javac -d "$WORK/java" "$IT/clients/ConnectorJMask.java" || { echo "javac failed"; return 1; }
	fi
	if ! { p1=$(mask_hash_int 1234 2147483647) && p2=$(mask_hash_int 9876 2147483647) &&
		p3=$(mask_hash_int 5555 2147483647); }; then
		echo "mask_hash_int failed"; return 1
	fi
	before=$(mask_stmt_counters) || { echo "reading the database's counters failed"; return 1; }
	out=$(timeout 90 java -cp "$WORK/java:$CONNJ_JAR" ConnectorJMask "$MASK_PORT" "$MASK_TOKEN" \
		"$KEYS/ca.pem" 2>&1) || true
	after=$(mask_stmt_counters) || { echo "reading the database's counters failed"; return 1; }
	echo "$out"
	d_prep=$(( $(mask_counter com_stmt_prepare "$after") - $(mask_counter com_stmt_prepare "$before") ))
	d_exec=$(( $(mask_counter com_stmt_execute "$after") - $(mask_counter com_stmt_execute "$before") ))
	d_fetch=$(( $(mask_counter com_stmt_fetch "$after") - $(mask_counter com_stmt_fetch "$before") ))
	echo "the database received: COM_STMT_PREPARE $d_prep, COM_STMT_EXECUTE $d_exec, COM_STMT_FETCH $d_fetch"
	want="execute 0
row 1 ****1111 ****@example.com $p1 0.00
row 2 ****0004 ****@mail.example.org $p2 0.00
row 3 NULL ****@example.net $p3 0.00
execute 1
row 2 ****0004 ****@mail.example.org $p2 0.00
row 3 NULL ****@example.net $p3 0.00"
	grep -q '^driver ' <<<"$out" ||
		{ echo "Connector/J: $(grep -m1 '^ERROR' <<<"$out" || tail -n 1 <<<"$out")"; return 1; }
	[[ "$(grep -v '^driver ' <<<"$out")" == "$want" ]] ||
		{ echo "Connector/J rows differ from: $(tr '\n' '|' <<<"$want")"; return 1; }
	(( d_prep >= 1 && d_exec >= 2 )) ||
		{ echo "not the server-side prepared path: $d_prep prepares, $d_exec executes"; return 1; }
}
