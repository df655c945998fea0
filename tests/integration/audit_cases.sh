# shellcheck shell=bash
#
# audit_cases.sh: session recording and the audit trail (docs/audit.md), sourced by run.sh.
# A gateway with just-in-time users runs policies/audit.policy (DROP denied, card numbers and
# e-mails masked) and records in strict mode into its own store; real clients drive sessions,
# and `jitgate replay`, `sessions`, `audit export` and `audit verify` must tell what happened.

REC_CASES=(
	audit-replay-pymysql-session:case_rec_replay_pymysql
	audit-binary-parameters-mysql2:case_rec_mysql2_params
	audit-verify-names-tampered-records:case_rec_tamper
	audit-batched-command-and-result-in-one-record:case_rec_batched_merged
)

# start_rec_gw: sets REC_PORT, REC_INI, REC_STORE and REC_TOKEN (once).
start_rec_gw() {
	[[ -n "${REC_PORT:-}" ]] && return 0
	GW2_PORT=$(jg_free_port)
	REC_INI="$WORK/gw-audit.ini"
	jit_config "$REC_INI" "$GW2_PORT" itaudit "$IT/policies/audit.policy"
	REC_STORE="$WORK/store-itaudit/jitgate.db"
	start_gw audit "$REC_INI" || return 1
	REC_PORT=$GW2_PORT
	REC_PID=$GW2_PID
	REC_TOKEN=$(tokfile audit "$(mint)")
}

# rec_session_of TEXT: the number of the newest session one of whose commands' text holds TEXT.
# (the records of a strict command are in the journal before it runs, and in the store within
# [store] audit_batch_ms: it waits up to 5 s)
rec_session_of() {
	local n s
	for ((n = 0; n < 50; n++)); do
		s=$(sqlite3 "file:$REC_STORE?mode=ro" "SELECT session FROM audit WHERE kind = 'command'
			AND instr(body, '$1') > 0 ORDER BY seq DESC LIMIT 1")
		[[ -n "$s" ]] && { echo "$s"; return 0; }
		sleep 0.1
	done
}

# rec_settle: waits until a session's end record is in the store (sessions end on the
# gateway's side just after the client goes).
rec_settle() {
	local n
	for ((n = 0; n < 50; n++)); do
		[[ $(sqlite3 "file:$REC_STORE?mode=ro" "SELECT count(*) FROM audit WHERE kind = 'end'
			AND session = $1") == 1 ]] && return 0
		sleep 0.1
	done
	echo "session $1 has no end record"
	return 1
}

case_rec_replay_pymysql() {
	local out sess replay export
	start_rec_gw || return 1
	out=$(timeout "$T" "$PY" "$IT/clients/audit_session.py" --port "$REC_PORT" --user agent \
		--password-file "$REC_TOKEN" --ssl-ca "$KEYS/ca.pem" 2>&1) || { echo "client: $out"; return 1; }
	echo "$out"
	# The client saw the masks and the denial.
	grep -q '"\*\*\*\*1111"' <<<"$out" || { echo "the client did not get the masked card"; return 1; }
	# EXECUTE of a name: masking does not know its columns and masks them all (fail closed)
	grep -qF '["0", "****.net"]' <<<"$out" || { echo "EXECUTE's row: not as expected"; return 1; }
	grep -q '^ERROR 1142: DROP and TRUNCATE are not allowed here' <<<"$out" ||
		{ echo "DROP was not denied"; return 1; }
	sess=$(rec_session_of 'DROP TABLE shop.orders')
	[[ -n "$sess" ]] || { echo "no session recorded the DROP"; return 1; }
	rec_settle "$sess" || return 1

	replay=$("$JITGATE" replay -c "$REC_INI" "$sess" 2>&1) || { echo "replay: $replay"; return 1; }
	echo "$replay"
	local want
	for want in 'agent@example.com' 'WHERE id = 1' '| ****1111 ' \
		"PREPARE q FROM 'SELECT id, email FROM shop.customers WHERE id = ?'" 'EXECUTE q USING @id' \
		'| ****.net |' 'DROP TABLE shop.orders' 'ERROR 1142 (42000)' 'no-drop' \
		'SELECT COUNT(*) AS customers' '| customers |' '| orders |'; do
		grep -qF -- "$want" <<<"$replay" || { echo "replay lacks \"$want\""; return 1; }
	done
	# Each statement the client sent is a command record, in order, with its decision.
	export=$("$JITGATE" audit export -c "$REC_INI" --format jsonl 2>&1) || { echo "export: $export"; return 1; }
	printf '%s\n' "$export" >"$WORK/rec-export.jsonl"
	"$PY" - "$sess" "$WORK/rec-export.jsonl" <<'PY' || return 1
import json, sys
sess = int(sys.argv[1])
recs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
cmds = [r["body"] for r in recs if r["session"] == sess and r["kind"] == "command"]
sent = [c["sql"] for c in cmds if c["com"] == "COM_QUERY"]
want = ["SET AUTOCOMMIT = 0",  # PyMySQL's own, at connect
        "SELECT id, name, card_number FROM shop.customers WHERE id = 1",
        "PREPARE q FROM 'SELECT id, email FROM shop.customers WHERE id = ?'", "SET @id = 2",
        "EXECUTE q USING @id", "DROP TABLE shop.orders",
        "SELECT COUNT(*) AS customers FROM shop.customers; SELECT COUNT(*) AS orders FROM shop.orders",
        "/* jitgate: ticket=T-1 */ SELECT 1 AS tagged"]
if sent != want:
    sys.exit("recorded statements %r, expected %r" % (sent, want))
dec = {c["sql"]: c["decision"] for c in cmds if c["com"] == "COM_QUERY"}
if dec["DROP TABLE shop.orders"] != "deny" or dec["SET @id = 2"] != "allow":
    sys.exit("decisions %r" % dec)
drop = next(c for c in cmds if c.get("sql") == "DROP TABLE shop.orders")
if drop.get("rule") != "no-drop" or drop["error"]["code"] != 1142:
    sys.exit("the denial's record: %r" % drop)
res = [r["body"] for r in recs if r["session"] == sess and r["kind"] == "result"]
multi = [r for r in res if len(r["sets"]) == 2]
if not multi or [s["columns"] for s in multi[0]["sets"]] != [["customers"], ["orders"]]:
    sys.exit("the two result sets were not recorded: %r" % res[-1:])
n = next(c["n"] for c in cmds if c.get("sql", "").startswith("SELECT id, name, card_number"))
first = next(r for r in res if r["n"] == n)["sets"][0]["rows"]
if first != [["1", "Alice Martin", "****1111"]]:
    sys.exit("the first result as recorded: %r" % first)
tagged = [c for c in cmds if c.get("sql", "").endswith("AS tagged")]
if not tagged or tagged[0].get("tags") != "ticket=T-1":
    sys.exit("the tagged statement's record: %r" % tagged)
login = next(r["body"] for r in recs if r["session"] == sess and r["kind"] == "login")
if ["_client_name", "pymysql"] not in login.get("attrs", []) or login.get("sub") != "agent@example.com":
    sys.exit("the login record: %r" % login)
print("export: %d records of session %d, statements and decisions as sent" % (len(cmds) + len(res), sess))
PY
	# Never stored: the clear card number, the token.
	if grep -qa '4111111111111111' "$REC_STORE" "$REC_STORE-wal" 2>/dev/null; then
		echo "the store holds an unmasked card number"; return 1
	fi
	if grep -qaF "$(cut -d. -f3 "$REC_TOKEN")" "$REC_STORE" "$REC_STORE-wal" 2>/dev/null; then
		echo "the store holds the token"; return 1
	fi
	# sessions lists it, with its denial
	out=$("$JITGATE" sessions -c "$REC_INI" --decision deny --json 2>&1)
	grep -q "\"session\": *$sess\b" <<<"$out" || { echo "sessions --decision deny lacks $sess: $out"; return 1; }
}

# mysql2's execute(): COM_STMT_PREPARE + COM_STMT_EXECUTE with bound values (binary protocol).
case_rec_mysql2_params() {
	local out sess
	start_rec_gw || return 1
	out=$(JG_PORT=$REC_PORT JG_TOKEN_FILE=$REC_TOKEN JG_CA=$KEYS/ca.pem timeout "$T" node -e "
const path = require('path'), fs = require('fs');
const mysql = require(require.resolve('mysql2/promise', { paths: ['$IT'] }));
(async () => {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: +process.env.JG_PORT,
    user: 'agent', password: fs.readFileSync(process.env.JG_TOKEN_FILE, 'utf8').trim(),
    ssl: { ca: fs.readFileSync(process.env.JG_CA) } });
  const [rows] = await c.execute('SELECT id, card_number, name FROM shop.customers WHERE id = ? AND name <> ?', [3, 'x\\'y']);
  console.log(JSON.stringify(rows));
  await c.end();
})().catch(e => { console.log('ERROR ' + e.message); process.exit(1); });" 2>&1) || { echo "mysql2: $out"; return 1; }
	echo "$out"
	sess=$(rec_session_of 'AND name <> ?')
	[[ -n "$sess" ]] || { echo "no session recorded the prepared statement"; return 1; }
	rec_settle "$sess" || return 1
	out=$(sqlite3 "file:$REC_STORE?mode=ro" "SELECT json_extract(body, '\$.params') FROM audit
		WHERE session = $sess AND json_extract(body, '\$.com') = 'COM_STMT_EXECUTE'")
	[[ "$out" == '["3","x'"'"'y"]' ]] || { echo "recorded parameters: $out"; return 1; }
	out=$(sqlite3 "file:$REC_STORE?mode=ro" "SELECT json_extract(body, '\$.sets[0].rows') FROM audit
		WHERE session = $sess AND kind = 'result' AND json_extract(body, '\$.sets[0].rows') IS NOT NULL")
	grep -q '\*\*\*\*' <<<"$out" || { echo "recorded rows: $out"; return 1; }
	# replay quotes values as SQL does
	"$JITGATE" replay -c "$REC_INI" "$sess" | grep -qF "params: '3', 'x''y'" ||
		{ echo "replay lacks the parameters"; return 1; }
}

# Every way of changing the trail with the sqlite3 CLI is named by audit verify.
case_rec_tamper() {
	local out copy n
	start_rec_gw || return 1
	out=$("$JITGATE" audit verify --store "$REC_STORE" 2>&1) || { echo "verify of the live store: $out"; return 1; }
	echo "$out"
	n=$(sqlite3 "file:$REC_STORE?mode=ro" "SELECT max(seq) FROM audit")
	(( n > 8 )) || { echo "too few records to tamper with ($n)"; return 1; }
	copy="$WORK/audit-tampered.db"
	for what in edit delete reorder; do
		rm -f "$copy"
		sqlite3 "file:$REC_STORE?mode=ro" "VACUUM INTO '$copy'"
		case $what in
		edit) sqlite3 "$copy" "UPDATE audit SET body = body || ' ' WHERE seq = 3" ;;
		delete) sqlite3 "$copy" "DELETE FROM audit WHERE seq = 5" ;;
		reorder) sqlite3 "$copy" "UPDATE audit SET seq = -1 WHERE seq = 6; UPDATE audit SET seq = 6
			WHERE seq = 7; UPDATE audit SET seq = 7 WHERE seq = -1" ;;
		esac
		out=$("$JITGATE" audit verify --store "$copy" 2>&1) && { echo "$what: verify passed: $out"; return 1; }
		echo "$what: $out"
		case $what in
		edit) grep -q 'seq 3' <<<"$out" ;;
		delete) grep -q 'seq 5' <<<"$out" ;;
		reorder) grep -q 'seq 6' <<<"$out" ;;
		esac || { echo "$what: verify does not name the record"; return 1; }
	done
}

# Batched mode records a command and its result as one record (the result is the command
# record's "result" member; half the writer's inserts); replay shows it as strict mode's two.
rec_batched_merged() {
	local out sess n
	audit_gw merged batched || return 1
	out=$(timeout 15 mariadb --no-defaults -h127.0.0.1 -P"$GW2_PORT" -uagent -p"$(cat "$AUDIT_TOKEN")" \
		"${TLS_OPTS[@]}" -N -e "SELECT 'merged-one' AS a; SELECT 41 + 1 AS b" 2>&1); echo "$out"
	[[ "$out" == $'merged-one\n42' ]] || { echo "the client did not get its rows"; return 1; }
	n=25
	while (( n-- > 0 )) && [[ -z "$(af_store kind "$AUDIT_STORE" end)" ]]; do sleep 0.2; done
	out=$(af_store kind "$AUDIT_STORE" command); echo "$out"
	grep -q '"result": {"n": [0-9]*, "sets": \[{"columns": \["a"\], "rows": \[\["merged-one"\]\]' <<<"$out" ||
		{ echo "no command record holds the first SELECT's result"; return 1; }
	grep -q '"columns": \["b"\], "rows": \[\["42"\]\]' <<<"$out" ||
		{ echo "no command record holds the second SELECT's result"; return 1; }
	[[ -z "$(af_store kind "$AUDIT_STORE" result)" ]] || { echo "batched mode wrote result records"; return 1; }
	sess=$(sqlite3 "file:$AUDIT_STORE?mode=ro" "SELECT session FROM audit WHERE kind = 'login' LIMIT 1")
	out=$("$JITGATE" replay -c "$AUDIT_INI" "$sess" 2>&1); echo "$out"
	grep -qF '| merged-one |' <<<"$out" && grep -qF '| 42 |' <<<"$out" ||
		{ echo "replay does not show both results"; return 1; }
	out=$("$JITGATE" audit verify --store "$AUDIT_STORE" 2>&1); echo "$out"
	grep -q '^audit verify: OK' <<<"$out"
}
case_rec_batched_merged() { audit_case rec_batched_merged; }
