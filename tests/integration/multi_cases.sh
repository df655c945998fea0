# shellcheck shell=bash
#
# multi_cases.sh: a role with `multi_statements off` (docs/policy-language.md), sourced by run.sh.
# The gateway runs policies/single.policy with just-in-time users: role agent has the
# restriction, role human does not; both may SELECT and DELETE in shop.

# start_single_gw: sets SINGLE_PORT and SINGLE_TOKEN; shop.single_t holds three rows.
start_single_gw() {
	[[ -n "${SINGLE_PORT:-}" ]] && return 0
	cli_direct -e "DROP TABLE IF EXISTS shop.single_t; CREATE TABLE shop.single_t (id INT PRIMARY KEY);
		INSERT INTO shop.single_t VALUES (1), (2), (3)" || return 1
	GW2_PORT=$(jg_free_port)
	SINGLE_POLICY="$WORK/single.policy"
	cp "$IT/policies/single.policy" "$SINGLE_POLICY"
	jit_config "$WORK/gw-single.ini" "$GW2_PORT" itsgl "$SINGLE_POLICY"
	start_gw single "$WORK/gw-single.ini" || return 1
	SINGLE_PORT=$GW2_PORT
	SINGLE_PID=$GW2_PID
	SINGLE_TOKEN=$(tokfile single "$(mint)")
}
single_rows() { cli_direct -N -e 'SELECT COUNT(*) FROM shop.single_t'; }
py_single() {   # py_single USER [pymysql_client args]
	local user=$1; shift
	timeout "$T" "$PY" "$IT/clients/pymysql_client.py" --port "$SINGLE_PORT" --user "$user" \
		--password-file "$SINGLE_TOKEN" --ssl-ca "$KEYS/ca.pem" "$@" 2>&1 || true
}

# PyMySQL with CLIENT_MULTI_STATEMENTS: "SELECT 1; DELETE ..." as agent is refused whole with
# ERR 1142 and nothing is deleted; one statement at a time works.
case_single_multi_refused() {
	local out
	start_single_gw || return 1
	out=$(py_single agent --multi "SELECT 1; DELETE FROM shop.single_t"); echo "agent: $out"
	grep -Eq '^ERROR 1142 \(42000\): this role runs one statement per query \(multi_statements off in the policy\).*statement 2; nothing of this query ran' <<<"$out" ||
		{ echo "the two-statement query was not refused with ERR 1142"; return 1; }
	[[ "$(single_rows)" == 3 ]] || { echo "rows of shop.single_t changed"; return 1; }
	out=$(py_single agent --multi "SELECT 1 /*!50000 ; DELETE FROM shop.single_t */"); echo "agent, comment: $out"
	grep -q '^ERROR 1142 .*one statement per query' <<<"$out" || { echo "a statement in an executable comment got through"; return 1; }
	[[ "$(single_rows)" == 3 ]] || { echo "rows of shop.single_t changed"; return 1; }
	out=$(py_single agent --multi "SELECT COUNT(*) FROM shop.single_t;" "DELETE FROM shop.single_t WHERE id = 3"); echo "agent, one at a time: $out"
	[[ "$out" == '{"columns":["COUNT(*)"],"rows":[[3]]}
{"ok":{"affected_rows":1,"insert_id":0}}' ]] || { echo "single statements did not run"; return 1; }
	[[ "$(single_rows)" == 2 ]] || { echo "the single DELETE did not delete one row"; return 1; }
	cli_direct -e "INSERT INTO shop.single_t VALUES (3)"
}

# COM_SET_OPTION MULTI_STATEMENTS_ON is refused for agent (and the session goes on); role human
# turns them on and runs two statements in one query.
case_single_set_option() {
	local out
	start_single_gw || return 1
	out=$(timeout "$T" "$PY" "$IT/clients/set_option.py" "$SINGLE_PORT" agent "$SINGLE_TOKEN" "$KEYS/ca.pem" 2>&1) || true
	echo "agent:"; echo "$out"
	grep -Eq '^on: ERROR 1142 role agent runs one statement per query .*multi-statements cannot be turned on' <<<"$out" ||
		{ echo "COM_SET_OPTION MULTI_STATEMENTS_ON was not refused for agent"; return 1; }
	grep -q '^multi: ERROR 1142 ' <<<"$out" || { echo "two statements ran for agent"; return 1; }
	grep -qx 'off: ok' <<<"$out" || { echo "MULTI_STATEMENTS_OFF did not go through"; return 1; }
	grep -qx 'after: \[\[3\]\]' <<<"$out" || { echo "the agent session did not go on"; return 1; }
	out=$(timeout "$T" "$PY" "$IT/clients/set_option.py" "$SINGLE_PORT" human "$SINGLE_TOKEN" "$KEYS/ca.pem" 2>&1) || true
	echo "human:"; echo "$out"
	grep -qx 'on: ok' <<<"$out" || { echo "COM_SET_OPTION MULTI_STATEMENTS_ON was refused for human"; return 1; }
	grep -qx 'multi: \[\[1\]\] \[\[2\]\]' <<<"$out" || { echo "human could not run two statements"; return 1; }
}

# A role without the restriction runs a multi-statement query (two result sets, and a DELETE in
# the same query takes effect).
case_single_other_role_multi() {
	local out
	start_single_gw || return 1
	out=$(py_single human --multi "SELECT 1; DELETE FROM shop.single_t WHERE id = 3"); echo "human: $out"
	[[ "$out" == '{"columns":["1"],"rows":[[1]]}
{"ok":{"affected_rows":1,"insert_id":0}}' ]] || { echo "the multi-statement query did not run for human"; return 1; }
	[[ "$(single_rows)" == 2 ]] || { echo "the DELETE of the multi-statement query did not run"; return 1; }
	cli_direct -e "INSERT INTO shop.single_t VALUES (3)"
}

# The backend leg itself goes without CLIENT_MULTI_STATEMENTS: an agent session opened under the
# restriction, after a SIGHUP that lifts it (so the policy stage lets two statements through),
# gets the database's own syntax error for "SELECT 1; SELECT 2"; a new agent session runs it.
case_single_backend_leg() {
	local out n
	start_single_gw || return 1
	rm -f "$WORK/single.in"
	mkfifo "$WORK/single.in"
	timeout "$T" "$PY" "$IT/clients/set_option.py" "$SINGLE_PORT" agent "$SINGLE_TOKEN" "$KEYS/ca.pem" --wait \
		<"$WORK/single.in" >"$WORK/single.out" 2>&1 &
	local hp=$!
	exec 7>"$WORK/single.in"
	wait_line "$WORK/single.out" '^ready$' 20 || { exec 7>&-; echo "no login: $(cat "$WORK/single.out")"; return 1; }
	n=$(grep -c 'policy .* in force' "$WORK/jitgate-single.log")
	sed -i 's/multi_statements off/multi_statements on/' "$SINGLE_POLICY"
	kill -HUP "$SINGLE_PID"
	for _ in 1 2 3 4 5 6 7 8 9 10; do      # until the new policy is in force (2 s at most)
		(( $(grep -c 'policy .* in force' "$WORK/jitgate-single.log") > n )) && break
		sleep 0.2
	done
	exec 7>&-
	wait "$hp" || true
	out=$(cat "$WORK/single.out"); echo "session opened under the restriction: $out"
	cp "$IT/policies/single.policy" "$SINGLE_POLICY"
	(( $(grep -c 'policy .* in force' "$WORK/jitgate-single.log") > n )) || { echo "the policy was not reloaded"; return 1; }
	grep -Eq '^multi: ERROR 1064 .*SELECT 2' <<<"$out" ||
		{ kill -HUP "$SINGLE_PID"; echo "the database ran or refused otherwise: its leg had multi-statements"; return 1; }
	out=$(py_single agent --multi "SELECT 1; SELECT 2"); echo "new agent session: $out"
	kill -HUP "$SINGLE_PID"
	[[ "$out" == '{"columns":["1"],"rows":[[1]]}
{"columns":["2"],"rows":[[2]]}' ]] || { echo "a session opened without the restriction could not run two statements"; return 1; }
	sleep 1
}
