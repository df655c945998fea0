# shellcheck shell=bash
#
# key_cases.sh: keys removed from the JWKS (docs/identity.md, "Key rotation and removal"),
# sourced by run.sh. Each case runs a gateway with just-in-time users and a JWKS file of its own
# holding both development keys (A: dev-es256, B: dev-rs256), then takes A out of it.

# start_key_gw NAME: a gateway (instance itkNAME, policies/jit.policy) reading $WORK/jwks-NAME.json.
# Sets KEY_JWKS, KEY_LOG, GW2_PORT, GW2_PID.
start_key_gw() {
	local ini="$WORK/gw-key$1.ini"
	make_reader_account || return 1
	KEY_JWKS="$WORK/jwks-$1.json"
	KEY_LOG="$WORK/jitgate-key$1.log"
	cp "$KEYS/jwks.json" "$KEY_JWKS"
	GW2_PORT=$(jg_free_port)
	jit_ini "$ini" "$GW2_PORT" "itk$1"
	sed -i "s|^jwks_file = .*|jwks_file = $KEY_JWKS|" "$ini"
	start_gw "key$1" "$ini"
}

# jwks_keep KID...: KEY_JWKS holds only these keys of dev-keys' jwks.json (written beside it and
# renamed into place, as a deployment would).
jwks_keep() {
	"$PY" - "$KEYS/jwks.json" "$KEY_JWKS" "$@" <<'EOF'
import json, os, sys
src, dst, kids = sys.argv[1], sys.argv[2], set(sys.argv[3:])
keys = [k for k in json.load(open(src))["keys"] if k.get("kid") in kids]
with open(dst + ".tmp", "w") as f:
    json.dump({"keys": keys}, f)
os.rename(dst + ".tmp", dst)
EOF
}

py_key() {   # py_key TOKENFILE SQL: through the key case's gateway
	timeout "$T" "$PY" "$IT/clients/pymysql_client.py" --port "$GW2_PORT" --user agent \
		--password-file "$1" --ssl-ca "$KEYS/ca.pem" "$2" 2>&1 || true
}

# A token signed with A works; once A is gone from the file, the same (remembered) token and a
# fresh A token are refused at login, and B tokens still work. No SIGHUP: the file's change is
# enough.
case_key_removed_refuses_logins() {
	local ta tb out
	start_key_gw a || return 1
	ta=$(tokfile keya "$(mint)")
	tb=$(tokfile keyb "$(mint_rsa)")
	out=$(py_key "$ta" "SELECT 1"); echo "A before: $out"
	[[ "$out" == '{"columns":["1"],"rows":[[1]]}' ]] || { echo "an A-signed token did not work"; stop_gw; return 1; }
	jwks_keep dev-rs256
	wait_line "$KEY_LOG" 'JWKS .*re-read \(the file changed\), 1 keys; removed: "dev-es256"' 5 ||
		{ echo "the gateway did not see the file change within 5 s"; stop_gw; return 1; }
	out=$(py_key "$ta" "SELECT 1"); echo "A after (remembered token): $out"
	grep -Eq "^ERROR 1045 \(28000\): Access denied for user 'agent': token signed with unknown key id \"dev-es256\"" <<<"$out" ||
		{ echo "the remembered A token was not refused"; stop_gw; return 1; }
	out=$(py_key "$(tokfile keya2 "$(mint)")" "SELECT 2"); echo "A after (new token): $out"
	grep -q '^ERROR 1045 .*unknown key id "dev-es256"' <<<"$out" || { echo "a new A token was not refused"; stop_gw; return 1; }
	out=$(py_key "$tb" "SELECT 3"); echo "B after: $out"
	[[ "$out" == '{"columns":["3"],"rows":[[3]]}' ]] || { echo "a B-signed token stopped working"; stop_gw; return 1; }
	stop_gw
}

# A session open with an A token ends within a bounded time after A is removed: its database
# user is dropped (the database shows it) and its next query gets ERR 1927 naming the key; a
# session signed with B goes on.
case_key_removed_ends_sessions() {
	local out name_a name_b ha hb
	start_key_gw b || return 1
	rm -f "$WORK/keyb-a.in" "$WORK/keyb-b.in"
	mkfifo "$WORK/keyb-a.in" "$WORK/keyb-b.in"
	HOLD_PORT=$GW2_PORT HOLD_TOKEN=$(tokfile keyb-a "$(mint)") hold --hold 60 --then "SELECT 1" \
		<"$WORK/keyb-a.in" >"$WORK/keyb-a.out" 2>&1 &
	ha=$!
	exec 7>"$WORK/keyb-a.in"
	HOLD_PORT=$GW2_PORT HOLD_TOKEN=$(tokfile keyb-b "$(mint_rsa)") hold --hold 60 --then "SELECT 2" \
		<"$WORK/keyb-b.in" >"$WORK/keyb-b.out" 2>&1 &
	hb=$!
	exec 8>"$WORK/keyb-b.in"
	if ! wait_line "$WORK/keyb-a.out" '^user ' 20 || ! wait_line "$WORK/keyb-b.out" '^user ' 20; then
		exec 7>&- 8>&-; stop_gw
		echo "no login: $(cat "$WORK/keyb-a.out" "$WORK/keyb-b.out")"; return 1
	fi
	name_a=$(sed -n 's/^user \(jg_itkb_[0-9a-f]*\)@.*/\1/p' "$WORK/keyb-a.out")
	name_b=$(sed -n 's/^user \(jg_itkb_[0-9a-f]*\)@.*/\1/p' "$WORK/keyb-b.out")
	echo "A session user $name_a, B session user $name_b"
	user_exists "$name_a" || { exec 7>&- 8>&-; stop_gw; echo "$name_a does not exist"; return 1; }
	jwks_keep dev-rs256
	if ! wait_line "$KEY_LOG" 'session [0-9]+: the key that signed its token \(kid "dev-es256"\) was removed from the JWKS' 5; then
		exec 7>&- 8>&-; stop_gw; echo "no log line for the A session within 5 s"; return 1
	fi
	if ! wait_gone "$name_a" 5; then
		exec 7>&- 8>&-; stop_gw; echo "$name_a still exists 5 s after its key was removed"; return 1
	fi
	[[ "$(cli_direct -N -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE user = '$name_a'")" == 0 ]] ||
		{ exec 7>&- 8>&-; stop_gw; echo "a connection of $name_a is still open"; return 1; }
	user_exists "$name_b" || { exec 7>&- 8>&-; stop_gw; echo "the B session's user was dropped too"; return 1; }
	exec 7>&- 8>&-     # both clients send their next query
	wait "$ha" "$hb" || true
	out=$(cat "$WORK/keyb-a.out" "$WORK/keyb-b.out"); echo "$out"
	stop_gw
	grep -Eq '^then-error: 1927 jitgate: the key that signed your token \(kid "dev-es256"\) was removed from the JWKS; this session has ended' <<<"$out" ||
		{ echo "the A session's next query did not get ERR 1927 naming the key"; return 1; }
	grep -qx 'then: ((2,),)' <<<"$out" || { echo "the B session did not go on"; return 1; }
	[[ "$(ledger itkb "SELECT reason FROM jit_users WHERE name = '$name_a'")" == "signing key removed" ]] ||
		{ echo "the ledger does not say why $name_a was dropped"; return 1; }
}

# SIGHUP re-reads the file even when nothing the gateway looks at changed: A is renamed in
# place (same size, modification time put back), which the once-a-second look cannot see; after
# SIGHUP, A tokens are refused.
case_key_sighup_rereads() {
	local ta out
	start_key_gw c || return 1
	ta=$(tokfile keyc "$(mint)")
	out=$(py_key "$ta" "SELECT 1"); echo "A before: $out"
	[[ "$out" == '{"columns":["1"],"rows":[[1]]}' ]] || { echo "an A-signed token did not work"; stop_gw; return 1; }
	"$PY" - "$KEY_JWKS" <<'EOF'
import os, sys
p = sys.argv[1]
st = os.stat(p)
text = open(p, "rb").read()
assert text.count(b'"dev-es256"') == 1
with open(p, "r+b") as f:
    f.write(text.replace(b'"dev-es256"', b'"dev-es25x"'))
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
EOF
	sleep 2.5
	out=$(py_key "$(tokfile keyc2 "$(mint)")" "SELECT 2"); echo "A before SIGHUP: $out"
	[[ "$out" == '{"columns":["2"],"rows":[[2]]}' ]] ||
		{ echo "the file was re-read without SIGHUP (the case cannot tell SIGHUP's part)"; stop_gw; return 1; }
	kill -HUP "$GW2_PID"
	wait_line "$KEY_LOG" 'JWKS .*re-read \(SIGHUP\), 2 keys; removed: "dev-es256"' 5 ||
		{ echo "no re-read on SIGHUP within 5 s"; stop_gw; return 1; }
	out=$(py_key "$ta" "SELECT 3"); echo "A after SIGHUP: $out"
	stop_gw
	grep -q '^ERROR 1045 .*unknown key id "dev-es256"' <<<"$out" || { echo "the A token was not refused after SIGHUP"; return 1; }
}
