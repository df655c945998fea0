# shellcheck shell=bash
#
# audit_fail_cases.sh: the audit trail when its store fails (docs/audit.md, src/audit/audit.h),
# sourced by run.sh. Each case starts a gateway of its own (shared mode, a store of its own under
# $WORK) and stops it. The store is made to fail as a full disk does: the gateway ignores
# SIGXFSZ, so a file size limit (RLIMIT_FSIZE, set on the running gateway with prlimit) makes
# SQLite's writes fail with EFBIG. Every case checks the database itself (which values are in the
# table) against the store itself (clients/audit_store.py reads and checks the hash chain without
# jitgate's code), not only what the gateway answered.

AUDIT_FAIL_CASES=(
	audit-strict-disk-full-refuses:case_audit_strict_disk_full
	audit-batched-loss-window:case_audit_batched_loss_window
	audit-kill9-strict-nothing-unrecorded:case_audit_kill9_strict
	audit-store-locked-strict-refuses:case_audit_store_locked
	audit-login-refusal-recorded-without-token:case_audit_login_refused
	audit-refused-login-flood-is-counted:case_audit_refused_flood
	audit-start-under-file-size-limit-says-why:case_audit_start_under_limit
)

# Room left in the store's files when the limit is set. The WAL grows by a few frames per commit
# (a page of 32 KiB and 24 bytes each: the audit table's last leaf, its indexes' leaves, the
# pages above them), about 100 to 200 KiB, so 1 MiB lasts several commits: enough to show that
# the store worked under the limit before it failed, and far below the 1000 pages (32 MiB) at
# which SQLite checkpoints the WAL and starts it over (the limit would then be reached in the
# main file, much later).
AUDIT_ROOM=$((1 << 20))

# audit_gw NAME MODE [KEY=VALUE ...]: a gateway recording MODE (strict|batched) to
# $WORK/store-audit-NAME/jitgate.db, with the extra [store] keys given. Sets GW2_PORT, GW2_PID,
# AUDIT_INI, AUDIT_STORE, AUDIT_LOG, AUDIT_TOKEN (a token file).
audit_gw() {
	local name=$1 mode=$2 kv; shift 2
	GW2_PORT=$(jg_free_port)
	AUDIT_INI="$WORK/gw-audit-$name.ini"
	AUDIT_STORE="$WORK/store-audit-$name/jitgate.db"
	AUDIT_LOG="$WORK/jitgate-audit-$name.log"
	rm -rf "$(dirname "$AUDIT_STORE")"
	write_config "$AUDIT_INI" "$GW2_PORT" "$DB_PORT"
	printf '\n[store]\npath = %s\naudit = %s\n' "$AUDIT_STORE" "$mode" >>"$AUDIT_INI"
	for kv in "$@"; do
		printf '%s = %s\n' "${kv%%=*}" "${kv#*=}" >>"$AUDIT_INI"
	done
	start_gw "audit-$name" "$AUDIT_INI" || return 1
	AUDIT_UP=1
	AUDIT_TOKEN=$(tokfile "audit-$name" "$(mint)")
}

# audit_stop: stops the case's gateway with SIGTERM and waits for it, at most 15 s (then KILL,
# and a failure: a gateway must stop cleanly whatever its store did).
audit_stop() {
	local n=75
	[[ "${AUDIT_UP:-0}" == 1 ]] || return 0
	AUDIT_UP=0
	kill -TERM "$GW2_PID" 2>/dev/null
	while (( n-- > 0 )) && kill -0 "$GW2_PID" 2>/dev/null; do
		# a killed child stays a zombie until waited for; kill -0 still succeeds on one
		[[ "$(ps -o stat= -p "$GW2_PID" 2>/dev/null)" == Z* ]] && break
		sleep 0.2
	done
	if kill -0 "$GW2_PID" 2>/dev/null && [[ "$(ps -o stat= -p "$GW2_PID" 2>/dev/null)" != Z* ]]; then
		kill -KILL "$GW2_PID" 2>/dev/null
		wait "$GW2_PID" 2>/dev/null
		echo "the gateway did not stop within 15 s of SIGTERM"
		return 1
	fi
	wait "$GW2_PID" 2>/dev/null
	return 0
}

# audit_case FUNCTION: runs a case's body and stops its gateway whatever happened.
audit_case() {
	local rc=0
	AUDIT_UP=0
	"$1" || rc=$?
	audit_stop || rc=1
	return "$rc"
}

# audit_table NAME: audit_t.NAME, empty (made directly on MariaDB).
audit_table() {
	cli_direct -e "CREATE DATABASE IF NOT EXISTS audit_t; DROP TABLE IF EXISTS audit_t.$1;
		CREATE TABLE audit_t.$1 (v INT PRIMARY KEY)"
}
audit_present() { cli_direct -N -e "SELECT v FROM audit_t.$1 ORDER BY v"; }   # audit_present NAME

af_store() { timeout "$T" "$PY" "$IT/clients/audit_store.py" "$@"; }
audit_client() {   # audit_client TABLE SCENARIO [options]: through the case's gateway
	local table=$1; shift
	timeout "$T" "$PY" "$IT/clients/audit_client.py" --port "$GW2_PORT" \
		--password-file "$AUDIT_TOKEN" --ssl-ca "$KEYS/ca.pem" --table "$table" "$@"
}

# audit_unrecorded TABLE: the values in audit_t.TABLE that have no allowed command record in the
# store (none, when nothing ran unrecorded).
audit_unrecorded() {
	comm -23 <(audit_present "$1" | sort) <(af_store values "$AUDIT_STORE" "$1" | sort)
}

# audit_limit: sets the running gateway's file size limit to the largest of its store's files
# (and its log) plus AUDIT_ROOM; prints the numbers.
audit_limit() {
	local f size max=0
	for f in "$AUDIT_STORE" "$AUDIT_STORE-wal" "$AUDIT_LOG"; do
		size=$(stat -c %s "$f" 2>/dev/null || echo 0)
		echo "size of $(basename "$f"): $size"
		(( size > max )) && max=$size
	done
	# the soft limit only ("N:"): raising it again needs no privilege, as a hard limit would
	prlimit --pid "$GW2_PID" --fsize=$((max + AUDIT_ROOM)): || { echo "prlimit failed"; return 1; }
	echo "file size limit: $((max + AUDIT_ROOM)) ($(prlimit --pid "$GW2_PID" --fsize -o SOFT,HARD --noheadings))"
}

# ---- strict: a full disk refuses the command, and nothing of it runs ---------------------------

# Under a file size limit, INSERTs through a strict gateway work until the store cannot take a
# command's record; that INSERT is answered ERR 1105 HY000 and is not in the table, and every
# value that is in the table has its command record. With the limit lifted the next INSERT runs,
# and the commit that carries its record starts with a gap record counting what was lost (the
# refused command's record, and the records queued with it). The chain holds after a stop.
audit_strict_disk_full() {
	local out refused next unrec
	audit_table runs_strict || return 1
	audit_gw strict strict || return 1
	audit_limit || return 1
	out=$(audit_client runs_strict until-refused --gw-pid "$GW2_PID" 2>&1); echo "$out"
	refused=$(sed -n 's/^refused \([0-9]*\) .*/\1/p' <<<"$out")
	[[ -n "$refused" ]] || { echo "no INSERT was refused under the file size limit"; return 1; }
	grep -Eq '^refused [0-9]+ 1105 HY000: .*cannot record' <<<"$out" ||
		{ echo "the refusal is not ERR 1105 HY000 saying jitgate cannot record"; return 1; }
	(( refused > 1 )) || { echo "the first INSERT was already refused: the limit left no room"; return 1; }
	grep -q 'audit: cannot write the store' "$AUDIT_LOG" || { echo "the log does not say the store failed"; return 1; }
	if audit_present runs_strict | grep -qx "$refused"; then
		echo "the refused INSERT of $refused ran"; return 1
	fi
	next=$((refused + 1))
	grep -qx "after $next ok" <<<"$out" || { echo "with the limit lifted, INSERT $next did not run"; return 1; }
	audit_present runs_strict | grep -qx "$next" || { echo "INSERT $next answered OK but is not in the table"; return 1; }
	unrec=$(audit_unrecorded runs_strict)
	[[ -z "$unrec" ]] || { echo "values in the table without a command record: $(tr '\n' ' ' <<<"$unrec")"; return 1; }
	af_store kind "$AUDIT_STORE" gap >"$WORK/audit-strict.gaps"
	af_store kind "$AUDIT_STORE" command >"$WORK/audit-strict.commands"
	"$PY" - "$WORK/audit-strict.gaps" "$WORK/audit-strict.commands" "$refused" "$next" <<'PY' || return 1
import json, sys
gaps = [json.loads(l) for l in open(sys.argv[1])]
cmds = [json.loads(l) for l in open(sys.argv[2])]
refused, nxt = sys.argv[3], sys.argv[4]
for g in gaps:
    print("gap:", json.dumps(g))
if not gaps:
    sys.exit("no gap record after the store could be written again")
if not all(g["body"]["lost"] >= 1 and g["body"]["from"] <= g["body"]["to"] and g["body"]["why"]
           for g in gaps):
    sys.exit("a gap record without lost >= 1, from <= to and a why")
def sql(c):
    return c["body"].get("sql", "")
ran = [c for c in cmds if sql(c).endswith("VALUES (%s)" % nxt) and c["body"]["decision"] == "allow"]
if not ran or not any(g["seq"] < ran[0]["seq"] for g in gaps):
    sys.exit("no gap record was committed before (or with) the record of INSERT %s" % nxt)
allowed = [c for c in cmds if sql(c).endswith("VALUES (%s)" % refused) and
           c["body"]["decision"] == "allow"]
if allowed:
    sys.exit("INSERT %s was refused, yet its allow record is in the store" % refused)
print("the gap at seq %s; INSERT %s at seq %d" % (
    ",".join(str(g["seq"]) for g in gaps), nxt, ran[0]["seq"]))
PY
	# every refusal is also an audit record, with the ERR the client got
	af_store values "$AUDIT_STORE" runs_strict refuse | grep -qx "$refused 1105" ||
		{ echo "the refusal of INSERT $refused has no record (decision refuse, error 1105)"; return 1; }
	audit_stop || return 1
	out=$(af_store chain "$AUDIT_STORE"); echo "$out"
	grep -q '^chain holds' <<<"$out" || return 1
	[[ "$(af_store kind "$AUDIT_STORE" stop | wc -l)" == 1 ]] || { echo "no stop record"; return 1; }
}
case_audit_strict_disk_full() { audit_case audit_strict_disk_full; }

# ---- batched: the loss window -----------------------------------------------------------------

# The loss window of `audit = batched` (audit.h): a record waits up to audit_batch_ms for its
# commit, so a crash loses at most the records of the last audit_batch_ms (the kill -9 case below
# shows strict mode loses none of a command that ran); and while the store cannot be written (or
# more than audit_queue MiB wait) records are dropped, the statements still run, and the first
# commit that works afterwards begins with a gap record: how many records were lost, from when to
# when (the lost records' own times), and why. Here: INSERTs go on while the store fails, none
# gets an ERR; some of them ran without a record; a gap record counts at least as many records as
# there are such statements and its from..to covers the time each of them was sent and answered.
audit_batched_loss_window() {
	local out n
	audit_table runs_batched || return 1
	audit_gw batched batched audit_batch_ms=200 || return 1
	audit_limit || return 1
	out=$(audit_client runs_batched batched --gw-pid "$GW2_PID" --gw-log "$AUDIT_LOG" \
		--times "$WORK/audit-batched.times" 2>&1); echo "$out"
	grep -q '^error ' <<<"$out" && { echo "a statement got an ERR in batched mode"; return 1; }
	grep -q '^store failing from ' <<<"$out" || { echo "the store did not fail under the limit"; return 1; }
	grep -q '^limit lifted at ' <<<"$out" || { echo "the client did not lift the limit"; return 1; }
	# the first commit after the limit went: at most audit_batch_ms after the next record
	n=25
	while (( n-- > 0 )) && [[ -z "$(af_store kind "$AUDIT_STORE" gap)" ]]; do sleep 0.2; done
	[[ -n "$(af_store kind "$AUDIT_STORE" gap)" ]] ||
		{ echo "no gap record within 5 s of the limit's lifting"; return 1; }
	# The last statements' records may still wait for their batch: a stop commits them (and
	# what is still missing then was lost, not late).
	audit_stop || return 1
	audit_present runs_batched >"$WORK/audit-batched.present"
	audit_unrecorded runs_batched >"$WORK/audit-batched.unrecorded"
	af_store kind "$AUDIT_STORE" gap >"$WORK/audit-batched.gaps"
	"$PY" - "$WORK"/audit-batched.{times,present,unrecorded,gaps} <<'PY' || return 1
import json, sys
times = {int(v): (int(t0), int(t1)) for v, t0, t1 in (l.split() for l in open(sys.argv[1]))}
present = [int(l) for l in open(sys.argv[2])]
unrec = [int(l) for l in open(sys.argv[3])]
gaps = [json.loads(l)["body"] for l in open(sys.argv[4])]
print("statements answered OK: %d, in the table: %d, without a command record: %d%s" % (
    len(times), len(present), len(unrec),
    " (%d..%d)" % (min(unrec), max(unrec)) if unrec else ""))
for g in gaps:
    print("gap: lost %d from %d to %d (%.3f s): %s" % (
        g["lost"], g["from"], g["to"], (g["to"] - g["from"]) / 1e6, g["why"]))
if sorted(times) != present:
    sys.exit("the table does not hold exactly the statements answered OK")
if not unrec:
    sys.exit("every statement has its record: the store never lost one (no loss window shown)")
if not gaps:
    sys.exit("statements ran unrecorded and no gap record says so")
if sum(g["lost"] for g in gaps) < len(unrec):
    sys.exit("the gap records count fewer lost records than statements that ran unrecorded")
out = [v for v in unrec
       if not any(g["from"] <= times[v][1] and g["to"] >= times[v][0] for g in gaps)]
if out:
    sys.exit("statements ran unrecorded outside every gap's from..to: %s" % out[:10])
PY
	out=$(af_store chain "$AUDIT_STORE"); echo "$out"
	grep -q '^chain holds' <<<"$out"
}
case_audit_batched_loss_window() { audit_case audit_batched_loss_window; }

# ---- strict: kill -9 in the middle of a run ----------------------------------------------------

# A client INSERTs as fast as it can through a strict gateway, which is killed with SIGKILL after
# 1.5 s. Strict mode appends a command's record to the journal before the command goes to the
# database; the records the store had not committed yet are in the journal, which `audit verify`
# warns about and `audit recover` moves into the store (as the gateway does when it starts
# again: tests/unit/test_audit.c). Then every value in the table has its record in the store,
# and the chain holds.
audit_kill9_strict() {
	local out cp unrec n
	audit_table runs_kill9 || return 1
	audit_gw kill9 strict || return 1
	audit_client runs_kill9 loop --max 1000000 >"$WORK/audit-kill9.out" 2>&1 &
	cp=$!
	sleep 1.5
	kill -KILL "$GW2_PID"
	wait "$GW2_PID" 2>/dev/null
	AUDIT_UP=0
	wait "$cp"
	out=$(tail -n 2 "$WORK/audit-kill9.out"); echo "$out"
	n=$(audit_present runs_kill9 | wc -l)
	echo "values in the table: $n"
	(( n > 0 )) || { echo "nothing ran before the kill"; return 1; }
	grep -q '^stopped at ' <<<"$out" || { echo "the client did not see the gateway go"; return 1; }
	echo "journal after the kill: $(stat -c %s "$AUDIT_STORE"-audit-*.journal 2>&1) bytes"
	n=$(audit_unrecorded runs_kill9 | wc -l)
	echo "values without a record in the store before recover: $n"
	if (( n > 0 )); then
		out=$("$JITGATE" audit verify --store "$AUDIT_STORE" 2>&1); echo "$out"
		grep -q 'the journal of instance .* holds [0-9]* bytes of records the store may lack' <<<"$out" ||
			{ echo "audit verify did not warn of the journal"; return 1; }
	fi
	out=$("$JITGATE" audit recover --store "$AUDIT_STORE" 2>&1); echo "$out"
	if (( n > 0 )); then
		[[ "$out" =~ records?\ from\ the\ journal ]] || { echo "audit recover moved nothing"; return 1; }
	fi
	unrec=$(audit_unrecorded runs_kill9)
	[[ -z "$unrec" ]] || { echo "values in the table without a command record: $(tr '\n' ' ' <<<"$unrec")"; return 1; }
	[[ "$(stat -c %s "$AUDIT_STORE"-audit-*.journal)" == 0 ]] || { echo "the journal was not emptied"; return 1; }
	out=$(af_store chain "$AUDIT_STORE"); echo "$out"
	grep -q '^chain holds' <<<"$out"
}
case_audit_kill9_strict() { audit_case audit_kill9_strict; }

# ---- strict: a store locked by another process -------------------------------------------------

# Another process holds the store's write lock longer than SQLite's busy timeout (5 s). Strict
# commands go on while their records are in the journal; once a commit has failed, a command
# waits for a commit of its own, and is refused with ERR 1105 when that fails too (it did not
# run). With the lock released the next command runs, the journal's records reach the store (so
# every value in the table has its command record), and a gap record says what was lost and why.
audit_store_locked() {
	local out refused released n
	audit_table runs_locked || return 1
	audit_gw locked strict || return 1
	out=$(audit_client runs_locked locked --store "$AUDIT_STORE" 2>&1); echo "$out"
	grep -q '^ok 1 after' <<<"$out" || { echo "the first INSERT under the lock did not run (its record is in the journal)"; return 1; }
	refused=$(sed -n 's/^refused \([0-9]*\) after .*: 1105 HY000: .*cannot record.*/\1/p' <<<"$out")
	[[ -n "$refused" ]] || { echo "no INSERT under the lock was refused with ERR 1105 HY000"; return 1; }
	released=$(sed -n 's/^released \([0-9]*\) after [0-9.]* s: ok$/\1/p' <<<"$out")
	[[ "$released" == $((refused + 1)) ]] || { echo "the INSERT after the lock was released did not run"; return 1; }
	[[ "$(audit_present runs_locked | tr '\n' ' ')" == "$(seq -s ' ' 1 $((refused - 1))) $released " ]] ||
		{ echo "the table holds '$(audit_present runs_locked | tr '\n' ' ')', not 1..$((refused - 1)) and $released"; return 1; }
	n=25
	while (( n-- > 0 )) && [[ -n "$(audit_unrecorded runs_locked)" ]]; do sleep 0.2; done
	[[ -z "$(audit_unrecorded runs_locked)" ]] ||
		{ echo "values without a command record: $(audit_unrecorded runs_locked | tr '\n' ' ')"; return 1; }
	af_store values "$AUDIT_STORE" runs_locked refuse | grep -qx "$refused 1105" ||
		{ echo "the refusal of INSERT $refused has no record (decision refuse, error 1105)"; return 1; }
	out=$(af_store kind "$AUDIT_STORE" gap); echo "gaps: $out"
	grep -q '"why": "database is locked"' <<<"$out" || { echo "no gap record saying the store was locked"; return 1; }
	audit_stop || return 1
	out=$(af_store chain "$AUDIT_STORE"); echo "$out"
	grep -q '^chain holds' <<<"$out"
}
case_audit_store_locked() { audit_case audit_store_locked; }

# ---- a refused login is recorded, and no token is ------------------------------------------------

# An expired token's login is refused (ERR 1045) and recorded as login-refused with the error;
# a valid token's login is recorded as login. Neither token's payload or signature is anywhere in
# the store's files (the main file and the WAL while the gateway runs; the main file after it
# stopped and folded the WAL in).
audit_login_refused() {
	local out bad good n part f
	audit_gw login strict || return 1
	bad=$(TK_TTL=-120 mint) || return 1
	good=$(cat "$AUDIT_TOKEN")
	out=$(timeout 15 mariadb --no-defaults -h127.0.0.1 -P"$GW2_PORT" -uagent -p"$bad" \
		"${TLS_OPTS[@]}" -N -e 'SELECT 1' 2>&1); echo "expired: $out"
	grep -q '^ERROR 1045 (28000).*expired' <<<"$out" || { echo "the expired token was not refused"; return 1; }
	out=$(timeout 15 mariadb --no-defaults -h127.0.0.1 -P"$GW2_PORT" -uagent -p"$good" \
		"${TLS_OPTS[@]}" -N -e 'SELECT 1' 2>&1); echo "valid: $out"
	[[ "$out" == 1 ]] || { echo "the valid token did not log in"; return 1; }
	n=25   # records without a waiter are committed within audit_batch_ms
	while (( n-- > 0 )) && [[ -z "$(af_store kind "$AUDIT_STORE" end)" ]]; do sleep 0.2; done
	out=$(af_store kind "$AUDIT_STORE" login-refused); echo "$out"
	[[ "$(grep -c . <<<"$out")" == 1 ]] || { echo "not exactly one login-refused record"; return 1; }
	if ! grep -q '"user": "agent"' <<<"$out" || ! grep -q '"code": 1045' <<<"$out" ||
		! grep -q '"message": "[^"]*expired' <<<"$out"; then
		echo "the login-refused record lacks the user, code 1045 or the reason"; return 1
	fi
	[[ "$(af_store kind "$AUDIT_STORE" login | grep -c '"sub": "agent@example.com"')" == 1 ]] ||
		{ echo "no login record for the valid token"; return 1; }
	for f in "$AUDIT_STORE" "$AUDIT_STORE-wal" STOP "$AUDIT_STORE"; do
		if [[ "$f" == STOP ]]; then audit_stop || return 1; continue; fi
		[[ -s "$f" ]] || continue
		for part in "$(cut -d. -f2 <<<"$bad")" "$(cut -d. -f3 <<<"$bad")" \
			"$(cut -d. -f2 <<<"$good")" "$(cut -d. -f3 <<<"$good")"; do
			[[ ${#part} -ge 40 ]] || { echo "a token part is too short to look for"; return 1; }
			if grep -qaF "$part" "$f"; then
				echo "a token's text is in $(basename "$f")"; return 1
			fi
		done
		echo "no token text in $(basename "$f") ($(stat -c %s "$f") bytes)"
	done
	out=$(af_store chain "$AUDIT_STORE"); echo "$out"
	grep -q '^chain holds' <<<"$out"
}
case_audit_login_refused() { audit_case audit_login_refused; }

# A client refused 80 times in a row from one address (expired token), with
# [store] audit_refused_per_minute = 10: every login gets ERR 1045; 10 of them (or one more, should
# the allowance come back during the run) are login-refused records, and refusals records count
# the rest, so that login-refused records plus counts are 80. The last count is written when the
# gateway stops.
audit_refused_flood() {
	local out bad
	audit_gw flood batched audit_refused_per_minute=10 || return 1
	bad=$(TK_TTL=-120 mint) || return 1
	out=$(timeout 120 "$PY" - "$GW2_PORT" "$KEYS/ca.pem" "$bad" <<'PYEOF'
import ssl, sys, pymysql
port, ca, tok = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
codes = {}
for _ in range(80):
    try:
        pymysql.connect(host="127.0.0.1", port=port, user="agent", password=tok, ssl=ctx,
                        connect_timeout=10).close()
        codes["logged in"] = codes.get("logged in", 0) + 1
    except pymysql.err.OperationalError as e:
        codes[e.args[0]] = codes.get(e.args[0], 0) + 1
print(" ".join("%s:%d" % kv for kv in sorted(codes.items(), key=str)))
PYEOF
) || { echo "the client failed: $out"; return 1; }
	echo "logins: $out"
	[[ "$out" == "1045:80" ]] || { echo "not every login was refused with ERR 1045"; return 1; }
	audit_stop || return 1
	out=$("$PY" - "$AUDIT_STORE" <<'PYEOF'
import json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
one = db.execute("SELECT count(*) FROM audit WHERE kind = 'login-refused'").fetchone()[0]
counts = [json.loads(b) for (b,) in db.execute("SELECT body FROM audit WHERE kind = 'refusals'")]
print(one, sum(c["count"] for c in counts), len(counts), ",".join(sorted({c["client"] for c in counts})))
PYEOF
) || return 1
	local recorded counted records clients
	read -r recorded counted records clients <<<"$out"
	echo "login-refused records: $recorded; counted: $counted in $records refusals records, clients $clients"
	(( recorded >= 10 && recorded <= 11 )) || { echo "want 10 (or 11) login-refused records"; return 1; }
	(( recorded + counted == 80 )) || { echo "recorded and counted are not 80"; return 1; }
	(( records >= 1 )) && [[ "$clients" == 127.0.0.1 ]] || { echo "want counts for 127.0.0.1 alone"; return 1; }
	# jitgate sessions shows the counts as lines of their own, and the JSON their sum
	out=$("$JITGATE" sessions --store "$AUDIT_STORE" 2>&1) || { echo "sessions failed: $out"; return 1; }
	grep -Eq '^- +[a-z0-9]+ .* 127\.0\.0\.1 +0 +0 +login refused [0-9]+ times in [^ ]+: counted, not one by one$' <<<"$out" ||
		{ echo "$out"; echo "sessions shows no counted refusals"; return 1; }
	out=$("$JITGATE" sessions --store "$AUDIT_STORE" --json 2>&1) || return 1
	[[ "$(grep -o '"status":"counted".*"count":[0-9]*' <<<"$out" | grep -o '[0-9]*$' | awk '{s += $1} END {print s + 0}')" == "$counted" ]] ||
		{ echo "$out"; echo "sessions --json does not count $counted"; return 1; }
	out=$(af_store chain "$AUDIT_STORE"); echo "$out"
	grep -q '^chain holds' <<<"$out"
}
case_audit_refused_flood() { audit_case audit_refused_flood; }

# ---- a store that cannot be written at start ---------------------------------------------------

# Started under a file size limit its store's first writes cross, the gateway does not start
# (strict or batched: it cannot record even its start), says why, and exits 1; it is not killed
# by SIGXFSZ on the way (exit 153), which would leave no word of the reason.
audit_start_under_limit() {
	local ini="$WORK/gw-audit-nostart.ini" store="$WORK/store-audit-nostart/jitgate.db" rc=0
	write_config "$ini" "$(jg_free_port)" "$DB_PORT"
	printf '\n[store]\npath = %s\naudit = batched\n' "$store" >>"$ini"
	# 20000 bytes: the key file and the empty main file fit, the WAL's first commit (8 pages) not
	timeout 20 prlimit --fsize=20000: "$JITGATE" serve -c "$ini" >"$WORK/jitgate-audit-nostart.log" 2>&1 3>&- 4>&- || rc=$?
	echo "exit status $rc: $(tail -n 1 "$WORK/jitgate-audit-nostart.log")"
	(( rc == 1 )) || { echo "expected exit status 1, not $rc"; return 1; }
	grep -q "jitgate: .*store $store.*: disk I/O error" "$WORK/jitgate-audit-nostart.log" ||
		{ echo "the gateway does not say that its store cannot be written"; return 1; }
}
case_audit_start_under_limit() { audit_case audit_start_under_limit; }
