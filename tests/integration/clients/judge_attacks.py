#!/usr/bin/python3
"""judge_attacks.py: issue 10's classes of reading differences, tried through jitgate as an
attacker would. Each attempt is a short conversation (raw COM_QUERY bytes with
CLIENT_MULTI_STATEMENTS, COM_INIT_DB, COM_FIELD_LIST, COM_STMT_PREPARE/EXECUTE, raw command
bytes) on its own connection. After every attempt the database is checked over a direct
connection: shop.orders must be exactly as before (no row changed, none gone) and no answer of
the gateway may hold the vault's secret.

  judge_attacks.py --gw-port P --token-file F --ca CA --db-port P --admin-password-file F
                   [--only REGEX] [--list]

Prints "ok NAME" or "BAD NAME: reason" per attempt, and exits 1 if any was bad. An attempt is
bad when the server ran what the policy forbids (rows changed, the secret came back), or when
the gateway did not answer as the attempt expects (a refusal with the given ERR code).
"""

import argparse
import hashlib
import re
import struct
import sys

import pymysql
from pymysql.constants import CLIENT, COMMAND

SECRET = b"TOPSECRET-7f3a"


def connect(args, charset="utf8mb4", multi=True, database="shop"):
    flags = CLIENT.MULTI_STATEMENTS | CLIENT.MULTI_RESULTS if multi else 0
    return pymysql.connect(host="127.0.0.1", port=args.gw_port, user="agent",
                           password=open(args.token_file).read().strip(),
                           ssl={"ca": args.ca}, database=database, charset=charset,
                           client_flag=flags, connect_timeout=10, read_timeout=20)


def direct(args):
    return pymysql.connect(host="127.0.0.1", port=args.db_port, user="jg_admin",
                           password=open(args.admin_password_file).read().strip(),
                           ssl={"ca": args.ca}, database="shop", autocommit=True)


def orders_digest(args):
    c = direct(args)
    try:
        cur = c.cursor()
        cur.execute("SELECT id, status FROM shop.orders ORDER BY id")
        return hashlib.sha256(repr(cur.fetchall()).encode()).hexdigest()
    finally:
        c.close()


class Answer:
    """What one step got back: rows (raw bytes of every value), or an error code."""

    def __init__(self):
        self.err = None
        self.msg = ""
        self.raw = b""

    def __repr__(self):
        return "ERR %s %s" % (self.err, self.msg) if self.err else "ok"


def read_all_results(conn, ans):
    """Every result of a multi-statement answer; the raw packets are kept for the secret check."""
    while True:
        for row in (conn._result.rows or []):
            for v in row:
                ans.raw += v if isinstance(v, bytes) else str(v).encode("utf-8", "replace")
        if not conn._result.has_next:
            return
        conn.next_result()


def step_query(conn, sql):
    ans = Answer()
    try:
        conn.query(sql)
        read_all_results(conn, ans)
    except pymysql.err.MySQLError as e:
        ans.err, ans.msg = e.args[0], (e.args[1] if len(e.args) > 1 else "")
    return ans


def raw_command(conn, com, payload):
    """A command the client library has no call for; every packet of the answer is kept raw."""
    ans = Answer()
    conn._execute_command(com, payload)
    while True:
        try:
            pkt = conn._read_packet()
        except pymysql.err.MySQLError as e:
            ans.err, ans.msg = e.args[0], (e.args[1] if len(e.args) > 1 else "")
            return ans
        data = pkt.get_all_data()
        ans.raw += data
        if pkt.is_eof_packet() or pkt.is_ok_packet():
            return ans


def prepare_execute(conn, sql):
    """COM_STMT_PREPARE then COM_STMT_EXECUTE of a statement without parameters."""
    ans = Answer()
    conn._execute_command(COMMAND.COM_STMT_PREPARE, sql)
    try:
        pkt = conn._read_packet()
    except pymysql.err.MySQLError as e:
        ans.err, ans.msg = e.args[0], (e.args[1] if len(e.args) > 1 else "")
        return ans
    data = pkt.get_all_data()
    stmt_id, ncols, nparams = struct.unpack("<IHH", data[1:9])
    for n in (nparams, ncols):
        if n:
            for _ in range(n):
                conn._read_packet()
            if not conn.server_capabilities & CLIENT.DEPRECATE_EOF:
                conn._read_packet()
    conn._execute_command(COMMAND.COM_STMT_EXECUTE,
                          struct.pack("<IBI", stmt_id, 0, 1))
    while True:
        try:
            pkt = conn._read_packet()
        except pymysql.err.MySQLError as e:
            ans.err, ans.msg = e.args[0], (e.args[1] if len(e.args) > 1 else "")
            return ans
        ans.raw += pkt.get_all_data()
        if pkt.is_ok_packet() or (pkt.is_eof_packet() and len(ans.raw) > 16):
            return ans


def init_db(conn, name):
    ans = Answer()
    try:
        conn.select_db(name)
    except pymysql.err.MySQLError as e:
        ans.err, ans.msg = e.args[0], (e.args[1] if len(e.args) > 1 else "")
    return ans


UPDATE_ALL = b"UPDATE shop.orders SET status = 'pwned'"
VAULT = b"SELECT secret FROM shop.vault"
POLICY = 1142          # ER_TABLEACCESS_DENIED: the policy's refusal
REFUSED = (1142, 1235)  # the policy, or a reading / charset refusal
ANY_ERR = "any"

# Each attempt: (name, class, [(step, argument, expected)]); step is query | init_db |
# field_list | prep | raw | connect_charset; expected is None (anything but a leak), an ERR code,
# a tuple of codes, or ANY_ERR.
ATTEMPTS = [
    # 1. executable comments the server skips: a quote inside them is text to the server
    ("exec-skipped-99999-hides-update", 1,
     [("query", b"SELECT 1 /*!99999 ' */ ; " + UPDATE_ALL + b"; -- '", POLICY)]),
    ("exec-skipped-mysql-only-hides-vault", 1,
     [("query", b"SELECT 1 /*!50700 ' */ ; " + VAULT + b"; -- '", POLICY)]),
    ("exec-lowercase-m-is-a-comment", 1,
     [("query", b"SELECT 1 /*m! ' */ ; " + VAULT + b"; -- '", POLICY)]),
    ("exec-skipped-where-is-no-where", 1,
     [("query", UPDATE_ALL + b" /*!99999 WHERE id = 1 */", POLICY)]),
    ("exec-future-mariadb-version-skipped", 1,
     [("query", b"SELECT 1 /*M!999999 ' */ ; " + VAULT + b"; -- '", POLICY)]),
    ("exec-nested-comment-in-skipped", 1,
     [("query", b"SELECT 1 /*!99999 /* x */ ' */ ; " + UPDATE_ALL + b"; -- '", POLICY)]),
    # 2. character sets whose multi-byte characters end in 0x5c
    ("charset-set-names-gbk-refused", 2, [("query", b"SET NAMES gbk", REFUSED)]),
    ("charset-set-client-sjis-refused", 2,
     [("query", b"SET character_set_client = 'sjis'", REFUSED)]),
    ("charset-set-charset-big5-refused", 2, [("query", b"SET CHARACTER SET big5", REFUSED)]),
    ("charset-variable-then-0x5c-trail", 2,
     [("query", b"SET @cs = 'gbk'", None),
      ("query", b"SET character_set_client = @cs", None),
      ("query", b"SELECT '\x95\\'; " + VAULT + b"; -- '", REFUSED)]),
    ("charset-expression-same-packet", 2,
     [("query", b"SET character_set_client = CONCAT('gb', 'k'); SELECT '\x95\\'; " + VAULT +
       b"; -- '", REFUSED)]),
    ("charset-handshake-gbk-refused", 2, [("connect_charset", "gbk", 1235)]),
    ("charset-handshake-cp932-refused", 2, [("connect_charset", "cp932", 1235)]),
    # 3. white space per character set: 0xa0 is a space in latin1
    ("latin1-a0-dash-comment", 3,
     [("query", b"SET NAMES latin1", None),
      ("query", b"SELECT 1 --\xa0'\n; " + VAULT + b"; -- '", POLICY)]),
    ("latin1-a0-dash-comment-same-packet", 3,
     [("query", b"SET NAMES latin1; SELECT 1 --\xa0'\n; " + UPDATE_ALL + b"; -- '", POLICY)]),
    ("latin1-a0-between-tables", 3,
     [("query", b"SET NAMES latin1", None),
      ("query", b"SELECT c.name FROM shop.customers c\xa0JOIN\xa0shop.vault v ON 1", POLICY)]),
    # 4. quoted forms under sql_mode
    ("nbe-user-variable-quote", 4,
     [("query", b"SET sql_mode = 'NO_BACKSLASH_ESCAPES'", None),
      ("query", b"SELECT @'a\\'; " + VAULT + b"; -- '", POLICY)]),
    ("nbe-introducer-quote", 4,
     [("query", b"SET sql_mode = 'NO_BACKSLASH_ESCAPES'; SELECT _latin1'a\\'; " + UPDATE_ALL +
       b"; -- '", POLICY)]),
    ("ansi-user-variable-dquote", 4,
     [("query", b"SET sql_mode = 'ANSI_QUOTES'", None),
      ("query", b'SELECT @"a\\"; ' + VAULT + b'; -- "', POLICY)]),
    ("nbe-national-string", 4,
     [("query", b"SET sql_mode = 'NO_BACKSLASH_ESCAPES'", None),
      ("query", b"SELECT N'a\\'; " + UPDATE_ALL + b"; -- '", POLICY)]),
    # 5. state observed, not predicted
    ("failed-use-keeps-database", 5,
     [("query", b"USE no_such_db", ANY_ERR),
      ("query", b"SELECT secret FROM vault", POLICY)]),
    ("failed-init-db-keeps-database", 5,
     [("init_db", "no_such_db", ANY_ERR),
      ("query", b"SELECT secret FROM vault", POLICY)]),
    ("failed-statement-before-set-mode", 5,
     [("query", b"SELECT * FROM shop.no_such_table; SET sql_mode = 'NO_BACKSLASH_ESCAPES'",
       ANY_ERR),
      ("query", b"SELECT 'a\\'; " + UPDATE_ALL + b"; -- '", None)]),
    ("prepared-set-mode-observed", 5,
     [("prep", b"SET sql_mode = 'NO_BACKSLASH_ESCAPES'", None),
      ("query", b"SELECT 'a\\'; " + VAULT + b"; -- '", POLICY)]),
    ("set-mode-expression-then-split", 5,
     [("query", b"SET sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES'); SELECT 'a\\'; " +
       UPDATE_ALL + b"; -- '", REFUSED)]),
    ("set-mode-expression-observed", 5,
     [("query", b"SET sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')", None),
      ("query", b"SELECT 'a\\'; " + VAULT + b"; -- '", POLICY)]),
    ("tracking-cannot-be-turned-off", 5,
     [("query", b"SET session_track_schema = OFF", 1142)]),
    # 6. syntax the table extractor does not know is unknown
    ("odbc-oj-hides-table", 6,
     [("query", b"SELECT * FROM { OJ shop.vault v LEFT JOIN shop.customers c ON 1 }", POLICY)]),
    ("odbc-oj-after-comma", 6,
     [("query", b"SELECT * FROM shop.customers c, { OJ shop.vault v LEFT JOIN shop.orders o "
       b"ON 1 }", POLICY)]),
    ("odbc-any-ident-hides-table", 6,
     [("query", b"SELECT * FROM{v shop.vault}", POLICY)]),
    # 7. commands that amount to statements are judged as them
    ("field-list-of-denied-table", 7, [("field_list", b"vault\x00", POLICY)]),
    ("field-list-of-allowed-table", 7, [("field_list", b"customers\x00", None)]),
    ("process-kill-judged", 7, [("raw", (COMMAND.COM_PROCESS_KILL, struct.pack("<I", 1)),
                                 POLICY)]),
    ("unknown-command-byte", 7, [("raw", (0x20, b""), 1047)]),
    ("debug-command-refused", 7, [("raw", (COMMAND.COM_DEBUG, b""), 1235)]),
]


def matches(ans, expected):
    if expected is None:
        return True
    if expected == ANY_ERR:
        return ans.err is not None
    if isinstance(expected, tuple):
        return ans.err in expected
    return ans.err == expected


def run_attempt(args, name, steps):
    conn = None
    try:
        for kind, arg, expected in steps:
            if kind == "connect_charset":
                ans = Answer()
                try:
                    connect(args, charset=arg).close()
                except pymysql.err.MySQLError as e:
                    ans.err, ans.msg = e.args[0], (e.args[1] if len(e.args) > 1 else "")
            else:
                if conn is None:
                    conn = connect(args)
                if kind == "query":
                    ans = step_query(conn, arg)
                elif kind == "init_db":
                    ans = init_db(conn, arg)
                elif kind == "field_list":
                    ans = raw_command(conn, COMMAND.COM_FIELD_LIST, arg)
                elif kind == "prep":
                    ans = prepare_execute(conn, arg)
                else:
                    ans = raw_command(conn, arg[0], arg[1])
            if SECRET in ans.raw or SECRET in ans.msg.encode("utf-8", "replace"):
                return "the vault's secret came back at step %r" % (arg,)
            if not matches(ans, expected):
                return "step %r: expected %s, got %r" % (arg, expected, ans)
    except (pymysql.err.MySQLError, OSError, struct.error) as e:
        return "connection failed: %r" % (e,)
    finally:
        if conn is not None:
            try:
                conn.close()
            except Exception:          # a connection the gateway closed
                pass
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gw-port", type=int, required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--db-port", type=int, required=True)
    p.add_argument("--admin-password-file", required=True)
    p.add_argument("--only")
    p.add_argument("--list", action="store_true")
    args = p.parse_args()
    bad = 0
    classes = set()
    for name, cls, steps in ATTEMPTS:
        if args.only and not re.search(args.only, name):
            continue
        if args.list:
            print(cls, name)
            continue
        before = orders_digest(args)
        why = run_attempt(args, name, steps)
        if not why and orders_digest(args) != before:
            why = "shop.orders changed"
        if why:
            bad += 1
            print("BAD %s: %s" % (name, why))
        else:
            classes.add(cls)
            print("ok %s" % name)
    if not args.list and not args.only and classes != set(range(1, 8)):
        print("BAD classes: not every class had a passing attempt: %s" % sorted(classes))
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
