# shellcheck shell=bash
#
# jit_cases.sh: just-in-time database users (docs/credentials.md), sourced by run.sh. Every
# case checks the database itself (mysql.user, SHOW GRANTS, the processlist) and the ledger,
# not only what jitgate says.

# start_jit_gw: a gateway with just-in-time users (instance itjit, policies/jit.policy) and the
# existing account jg_reader for the role that names it. Sets JIT_PORT, JIT_PID, JIT_INI.
start_jit_gw() {
	[[ -n "${JIT_PORT:-}" ]] && return 0
	make_reader_account || return 1
	GW2_PORT=$(jg_free_port)
	JIT_INI="$WORK/gw-jit.ini"
	jit_ini "$JIT_INI" "$GW2_PORT" itjit
	start_gw jit "$JIT_INI" || return 1
	JIT_PORT=$GW2_PORT
	JIT_PID=$GW2_PID
	JIT_TOKEN=$(tokfile jit "$(mint)")
}

jit_ini() {   # jit_ini FILE PORT INSTANCE
	jit_config "$1" "$2" "$3" "$IT/policies/jit.policy"
	printf '\n[accounts]\njg_reader = %s\n' "$WORK/jg_reader.pw" >>"$1"
}

make_reader_account() {
	[[ -s "$WORK/jg_reader.pw" ]] && return 0
	(umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$WORK/jg_reader.pw")
	cli_direct -e "CREATE USER 'jg_reader'@'127.0.0.1' IDENTIFIED BY '$(cat "$WORK/jg_reader.pw")';
		GRANT SELECT ON shop.customers TO 'jg_reader'@'127.0.0.1'"
}

# hold [hold_session.py args]: a session through the JIT gateway (stdin decides when it ends).
hold() {
	"$PY" "$IT/clients/hold_session.py" --port "${HOLD_PORT:-$JIT_PORT}" --user "${HOLD_USER:-agent}" \
		--password-file "${HOLD_TOKEN:-$JIT_TOKEN}" --ssl-ca "$KEYS/ca.pem" "$@"
}

# wait_line FILE REGEX SECONDS: true once FILE has a line matching REGEX.
wait_line() {
	local n=$(($3 * 10))
	while (( n-- > 0 )); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

db_users() {   # db_users PATTERN: user@host of mysql.user rows whose name matches the LIKE pattern
	cli_direct -N -e "SELECT CONCAT(user, '@', host) FROM mysql.user WHERE user LIKE '$1' ORDER BY 1"
}

user_exists() { [[ "$(cli_direct -N -e "SELECT COUNT(*) FROM mysql.user WHERE user = '$1'")" != 0 ]]; }

# wait_gone NAME SECONDS: true once the database has no user NAME.
wait_gone() {
	local n=$(($2 * 5))
	while (( n-- > 0 )); do
		user_exists "$1" || return 0
		sleep 0.2
	done
	return 1
}

ledger() {    # ledger INSTANCE SQL
	sqlite3 "$WORK/store-$1/jitgate.db" "$2"
}

# While a session is open its user exists with exactly the role's grants; after it quits the
# user is gone and the ledger says so.
case_jit_grants() {
	local out user name host role grants want
	start_jit_gw || return 1
	rm -f "$WORK/hold.in"
	mkfifo "$WORK/hold.in"
	hold --hold 60 <"$WORK/hold.in" >"$WORK/hold.out" 2>&1 &
	local hp=$!
	exec 7>"$WORK/hold.in"
	wait_line "$WORK/hold.out" '^user ' 20 || { exec 7>&-; echo "no login: $(cat "$WORK/hold.out")"; return 1; }
	user=$(sed -n 's/^user //p' "$WORK/hold.out")
	name=${user%@*}
	host=${user#*@}
	echo "session user: $user"
	[[ "$name" =~ ^jg_itjit_[0-9a-f]{16}$ ]] || { exec 7>&-; echo "user name $name is not jg_itjit_<16 hex>"; return 1; }
	grants=$(cli_direct -N -e "SHOW GRANTS FOR '$name'@'$host'" | sed -E "s/PASSWORD '\\*[0-9A-F]{40}'/PASSWORD '*HASH'/")
	echo "$grants"
	role=$(grep -Eo '^GRANT `jgr_itjit_agent_[0-9a-f]{8}`' <<<"$grants" | sed 's/^GRANT //; s/`//g')
	[[ -n "$role" ]] || { exec 7>&-; echo "the user was not given the role's database role"; return 1; }
	want="GRANT \`$role\` TO \`$name\`@\`$host\`
GRANT USAGE ON *.* TO \`$name\`@\`$host\` IDENTIFIED BY PASSWORD '*HASH' WITH MAX_USER_CONNECTIONS 1
SET DEFAULT ROLE \`$role\` FOR \`$name\`@\`$host\`"
	[[ "$(sort <<<"$grants")" == "$(sort <<<"$want")" ]] ||
		{ exec 7>&-; echo "user grants differ from: $want"; return 1; }
	grants=$(cli_direct -N -e "SHOW GRANTS FOR '$role'" | sed -E 's/\(`name`, `id`\)/(`id`, `name`)/')
	echo "$grants"
	want="GRANT USAGE ON *.* TO \`$role\`
GRANT SELECT ON \`shop\`.\`orders\` TO \`$role\`
GRANT SELECT (\`id\`, \`name\`) ON \`shop\`.\`customers\` TO \`$role\`"
	[[ "$(sort <<<"$grants")" == "$(sort <<<"$want")" ]] ||
		{ exec 7>&-; echo "role grants are not exactly the policy's: want $want"; return 1; }
	[[ "$(ledger itjit "SELECT state || ' ' || sub FROM jit_users WHERE name = '$name'")" == "active agent@example.com" ]] ||
		{ exec 7>&-; echo "the ledger does not hold $name as active for agent@example.com"; return 1; }
	exec 7>&-          # the client quits
	wait "$hp"
	wait_gone "$name" 10 || { echo "$name still exists after the client quit"; return 1; }
	out=$(ledger itjit "SELECT state || ' ' || reason FROM jit_users WHERE name = '$name'")
	echo "ledger: $out"
	[[ "$out" == "dropped session ended" ]] || { echo "the ledger does not record the drop"; return 1; }
}

# The policy allows every statement of role agent; what the role's grants leave out is refused by
# the database itself, under the session's own user.
case_jit_server_refuses() {
	local out sql
	start_jit_gw || return 1
	out=$(hold --hold 0 --then "SELECT COUNT(*) FROM shop.orders" </dev/null 2>&1)
	echo "$out"
	grep -qx 'then: ((50,),)' <<<"$out" || { echo "a granted SELECT did not run"; return 1; }
	for sql in "SELECT email FROM shop.customers LIMIT 1" "SELECT COUNT(*) FROM shop.blobs" \
		"INSERT INTO shop.orders VALUES (999, 1, 1.00, 'paid', NOW())" "DROP TABLE shop.orders"; do
		out=$(hold --hold 0 --then "$sql" </dev/null 2>&1)
		echo "$sql -> $out"
		grep -Eq "^then-error: 114[23] .*command denied to user 'jg_itjit_[0-9a-f]{16}'" <<<"$out" ||
			{ echo "the database did not refuse it for the session's user: $sql"; return 1; }
	done
	orders_exist || { echo "shop.orders changed"; return 1; }
}

# Token claims are inputs an attacker shapes: quotes and backticks give a working session with a
# safe user name (and are kept exactly in the ledger); NUL gives a clean refusal; a role name
# with a backtick is no role. No statement jitgate wrote failed to parse.
case_jit_claims() {
	local out tf sub name
	start_jit_gw || return 1
	sub="o'brien\`; DROP USER x; -- \"q\\"
	tf=$(tokfile jit-quotes "$(mint --claims-json "$(jq_sub "$sub")" )")
	out=$(HOLD_TOKEN=$tf hold --hold 0 --then "SELECT 7" </dev/null 2>&1)
	echo "$out"
	grep -Eq '^user jg_itjit_[0-9a-f]{16}@' <<<"$out" || { echo "no safe user for a quoted subject"; return 1; }
	grep -qx 'then: ((7,),)' <<<"$out" || { echo "the session did not work"; return 1; }
	name=$(sed -n 's/^user \(jg_itjit_[0-9a-f]*\)@.*/\1/p' <<<"$out")
	[[ "$(ledger itjit "SELECT sub FROM jit_users WHERE name = '$name'")" == "$sub" ]] ||
		{ echo "the ledger does not hold the subject exactly"; return 1; }
	tf=$(tokfile jit-groups "$(mint --claims-json '{"groups": ["analysts", "a'"'"'b`c\"d"]}')")
	out=$(HOLD_TOKEN=$tf hold --hold 0 --then "SELECT 8" </dev/null 2>&1)
	echo "$out"
	grep -qx 'then: ((8,),)' <<<"$out" || { echo "quoted groups broke the session"; return 1; }
	local now; now=$(date +%s)
	tf=$(tokfile jit-nul "$("$PY" "$IT/clients/craft_token.py" "$KEYS/signing-key-rsa.pem" dev-rs256 \
		'{"iss":"https://issuer.test","aud":"jitgate","sub":"a\u0000b","groups":["analysts"],"iat":'"$now"',"exp":'"$((now + 600))"'}')")
	out=$(HOLD_TOKEN=$tf hold --hold 0 </dev/null 2>&1) || true
	echo "$out"
	grep -Eq "^login-error: 1045 Access denied for user 'agent': token " <<<"$out" || { echo "NUL in sub was not refused cleanly"; return 1; }
	out=$(HOLD_USER='ag`ent' hold --hold 0 </dev/null 2>&1) || true
	echo "$out"
	grep -Eq '^login-error: 1045 ' <<<"$out" || { echo "a role name with a backtick was not refused"; return 1; }
	if grep -Eq 'error 1064|syntax' "$WORK/jitgate-jit.log"; then
		echo "a statement jitgate wrote did not parse: $(grep -E 'error 1064|syntax' "$WORK/jitgate-jit.log" | head -n 2)"
		return 1
	fi
}
jq_sub() {   # jq_sub STRING: {"sub": STRING} as JSON
	"$PY" -c 'import json, sys; print(json.dumps({"sub": sys.argv[1]}))' "$1"
}

# A short-lived token: at expiry (grace 0) the user is dropped at once, and the idle client's
# next statement gets an ERR that says why.
case_jit_expiry() {
	local out tf name
	start_jit_gw || return 1
	tf=$(tokfile jit-short "$(TK_TTL=3 mint)")
	{ sleep 12 | HOLD_TOKEN=$tf hold --hold 7 --then "SELECT 1" >"$WORK/expiry.out" 2>&1; } &
	local hp=$!
	wait_line "$WORK/expiry.out" '^user ' 10 || { echo "no login: $(cat "$WORK/expiry.out")"; return 1; }
	name=$(sed -n 's/^user \(jg_itjit_[0-9a-f]*\)@.*/\1/p' "$WORK/expiry.out")
	echo "session user $name"
	user_exists "$name" || { echo "$name does not exist while the session is open"; return 1; }
	wait_gone "$name" 8 || { echo "$name still exists after the token expired"; return 1; }
	echo "dropped at expiry"
	wait "$hp" || true
	out=$(cat "$WORK/expiry.out")
	echo "$out"
	grep -Eq '^then-error: 1927 jitgate: your token expired at .*database user was dropped' <<<"$out" ||
		{ echo "the client did not get an ERR saying the token expired"; return 1; }
	[[ "$(ledger itjit "SELECT reason FROM jit_users WHERE name = '$name'")" == "token expired" ]] ||
		{ echo "the ledger does not say why it was dropped"; return 1; }
}

# kill -9 with sessions open: `jitgate reap` drops the orphans and names them; after another
# kill -9, a restarted gateway's reaper drops them by itself; a clean stop drops its own.
case_jit_kill9_reap() {
	local ini="$WORK/gw-k9.ini" out before n hp1 hp2
	make_reader_account || return 1
	GW2_PORT=$(jg_free_port)
	jit_ini "$ini" "$GW2_PORT" itk9
	start_gw k9 "$ini" || return 1
	{ sleep 30 | HOLD_PORT=$GW2_PORT hold --hold 25 >"$WORK/k9a.out" 2>&1; } &
	hp1=$!
	{ sleep 30 | HOLD_PORT=$GW2_PORT hold --hold 25 --then "SELECT SLEEP(20)" >"$WORK/k9b.out" 2>&1; } &
	hp2=$!
	wait_line "$WORK/k9a.out" '^user ' 15 && wait_line "$WORK/k9b.out" '^user ' 15 ||
		{ echo "sessions did not start"; return 1; }
	kill -9 "$GW2_PID"
	wait "$GW2_PID" 2>/dev/null || true
	before=$(db_users 'jg\_itk9\_%')
	echo "left after kill -9: $before"
	n=$(wc -l <<<"$before")
	(( n >= 2 )) || { echo "expected the two sessions' users to be left"; return 1; }
	out=$(timeout "$T" "$JITGATE" reap -c "$ini" 2>>"$WORK/reap.log")
	echo "$out"
	[[ "$(grep -c '^dropped jg_itk9_' <<<"$out")" == "$n" ]] || { echo "jitgate reap did not report the $n orphans"; return 1; }
	grep -qx "reap: $n dropped, 0 in use by a live gateway (instance itk9)" <<<"$out" || { echo "no summary line"; return 1; }
	[[ -z "$(db_users 'jg\_itk9\_%')" ]] || { echo "orphans left after jitgate reap"; return 1; }
	[[ "$(cli_direct -N -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE user LIKE 'jg\\_itk9\\_%'")" == 0 ]] ||
		{ echo "an orphan's connection was left running"; return 1; }
	kill "$hp1" "$hp2" 2>/dev/null; wait "$hp1" "$hp2" 2>/dev/null

	# Again, and this time the restarted gateway reaps by itself.
	start_gw k9b "$ini" || return 1
	{ sleep 30 | HOLD_PORT=$GW2_PORT hold --hold 25 >"$WORK/k9c.out" 2>&1; } &
	hp1=$!
	wait_line "$WORK/k9c.out" '^user ' 15 || { echo "session did not start"; return 1; }
	kill -9 "$GW2_PID"
	wait "$GW2_PID" 2>/dev/null || true
	before=$(db_users 'jg\_itk9\_%')
	echo "left after the second kill -9: $before"
	start_gw k9c "$ini" || return 1
	local u gone=0 tries=25
	while (( tries-- > 0 && !gone )); do
		gone=1
		for u in $before; do
			user_exists "${u%@*}" && gone=0
		done
		sleep 0.2
	done
	(( gone )) || { echo "the restarted gateway did not reap $before within its period"; return 1; }
	grep -c 'reaper: dropped' "$WORK/jitgate-k9c.log"
	[[ "$(grep -c 'reaper: dropped jg_itk9_' "$WORK/jitgate-k9c.log")" -ge "$(wc -l <<<"$before")" ]] ||
		{ echo "the restarted gateway's log does not name what it reaped"; return 1; }
	kill "$hp1" 2>/dev/null; wait "$hp1" 2>/dev/null
	stop_gw
	out=$(db_users 'jg\_itk9\_%')
	[[ -z "$out" ]] || { echo "a clean stop left users: $out"; return 1; }
	[[ "$(ledger itk9 "SELECT COUNT(*) FROM jit_users WHERE state <> 'dropped'")" == 0 ]] ||
		{ echo "the ledger still lists users"; return 1; }
}

# A one-shot user has exactly what one statement needs: DROP of one table works; DROP of two
# tables, where only the first is granted, is refused by the database; the user is gone after.
case_jit_oneshot() {
	local out
	start_jit_gw || return 1
	cli_direct -e "CREATE TABLE shop.scratch1 (id INT); CREATE TABLE shop.scratch2 (id INT)" || return 1
	out=$(timeout "$T" "$JITGATE" cred oneshot -c "$JIT_INI" --db shop "DROP TABLE scratch1" 2>>"$WORK/oneshot.log")
	echo "$out"
	grep -Eq '^one-shot user jg_itjit_[0-9a-f]{16}@' <<<"$out" || { echo "no one-shot user"; return 1; }
	grep -q '^ran: ' <<<"$out" || { echo "the statement did not run"; return 1; }
	grep -Eq '^dropped jg_itjit_' <<<"$out" || { echo "the one-shot user was not dropped"; return 1; }
	[[ "$(cli_direct -N -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE table_schema = 'shop' AND table_name = 'scratch1'")" == 0 ]] ||
		{ echo "scratch1 still exists"; return 1; }
	out=$(timeout "$T" "$JITGATE" cred oneshot -c "$JIT_INI" "DROP TABLE shop.scratch2, shop.orders" 2>>"$WORK/oneshot.log") &&
		{ echo "a statement beyond the one-shot grants succeeded: $out"; return 1; }
	echo "$out"
	grep -Eq '^refused by the database: DROP command denied' <<<"$out" || { echo "not refused by the database"; return 1; }
	orders_exist || { echo "shop.orders was dropped"; return 1; }
	[[ -z "$(db_users 'jg\_itjit\_%' | grep -F -f <(sed -n 's/^one-shot user \(.*\)@.*/\1/p' <<<"$out"))" ]] ||
		{ echo "the refused one-shot user was left behind"; return 1; }
	[[ "$(ledger itjit "SELECT COUNT(*) FROM jit_users WHERE kind = 'oneshot' AND state = 'dropped'")" == 2 ]] ||
		{ echo "the ledger does not hold both one-shot users as dropped"; return 1; }
	cli_direct -e "DROP TABLE shop.scratch2"
}

# A role on an existing account logs in as that account, which outlives the session.
case_jit_account() {
	local out
	start_jit_gw || return 1
	out=$(HOLD_USER=reader hold --hold 0 --then "SELECT COUNT(*) FROM shop.customers" </dev/null 2>&1)
	echo "$out"
	grep -qx 'user jg_reader@127.0.0.1' <<<"$out" || { echo "the session did not use account jg_reader"; return 1; }
	grep -qx 'then: ((20,),)' <<<"$out" || { echo "the account's own grants did not apply"; return 1; }
	user_exists jg_reader || { echo "the existing account was dropped"; return 1; }
	[[ "$(ledger itjit "SELECT COUNT(*) FROM jit_users WHERE name = 'jg_reader'")" == 0 ]] ||
		{ echo "the existing account is in the ledger of users to drop"; return 1; }
}

# A role's max_connections bounds the sessions one token subject holds in it at once: the
# fourth is refused with 1203, and a slot frees when a session ends.
case_jit_max_connections() {
	local i out
	start_jit_gw || return 1
	rm -f "$WORK"/maxc.in*
	for i in 1 2 3; do
		mkfifo "$WORK/maxc.in$i"
		# each writer end is the shell's alone, so that closing it ends that session
		hold --hold 60 <"$WORK/maxc.in$i" >"$WORK/maxc.out$i" 2>&1 7>&- 8>&- 9>&- &
		eval "exec $((i + 6))>\"\$WORK/maxc.in$i\""
		wait_line "$WORK/maxc.out$i" '^user ' 20 || { echo "session $i did not start"; exec 7>&- 8>&- 9>&-; return 1; }
	done
	out=$(hold --hold 0 </dev/null 2>&1) || true
	echo "fourth: $out"
	exec 7>&-
	grep -Eq "^login-error: 1203 agent@example.com already has 3 sessions in role agent" <<<"$out" ||
		{ exec 8>&- 9>&-; echo "the fourth session was not refused with 1203"; return 1; }
	wait_gone "$(sed -n 's/^user \(.*\)@.*/\1/p' "$WORK/maxc.out1")" 10 ||
		{ exec 8>&- 9>&-; echo "the first session's user was not dropped"; return 1; }
	out=$(hold --hold 0 --then "SELECT 5" </dev/null 2>&1) || true
	exec 8>&- 9>&-
	echo "after one ended: $out"
	grep -qx 'then: ((5,),)' <<<"$out" || { echo "a slot did not free when a session ended"; return 1; }
}

# The database is down: jitgate still starts, and a login is refused with an ERR that says a
# database user could not be made, rather than hanging or crashing.
case_jit_database_down() {
	local ini="$WORK/gw-down.ini" out
	make_reader_account || return 1
	GW2_PORT=$(jg_free_port)
	jit_ini "$ini" "$GW2_PORT" itdown
	sed -i "s|^address = 127.0.0.1:$DB_PORT\$|address = 127.0.0.1:$(jg_free_port)|" "$ini"
	start_gw down "$ini" || return 1
	out=$(HOLD_PORT=$GW2_PORT HOLD_TOKEN=$(tokfile down "$(mint)") hold --hold 0 </dev/null 2>&1) || true
	stop_gw
	echo "$out"
	grep -Eq '^login-error: 1105 jitgate could not make a database user for role agent: jitgate cannot log in to the database' <<<"$out" ||
		{ echo "no clear refusal while the database is down"; return 1; }
}
