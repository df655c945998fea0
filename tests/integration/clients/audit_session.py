#!/usr/bin/python3
"""audit_session.py: one PyMySQL session for the recording cases (tests/integration/audit_cases.sh).

  audit_session.py --port P --user U --password-file F --ssl-ca CA

Runs, over TLS, in one session with MULTI_STATEMENTS:
  1. a statement with a parameter (PyMySQL binds it on the client side)
  2. a prepared statement: PREPARE ... FROM 'SELECT ... WHERE id = ?', SET @id, EXECUTE ... USING
  3. DROP TABLE shop.orders, which the policy denies (the session goes on)
  4. two statements in one query: two result sets
  5. a statement with a jitgate tag in its leading comment
and prints one line per statement: the statement, then what came back (rows as JSON, or the
error as "ERROR code: message"). Run with /usr/bin/python3 (Debian's python3-pymysql).
"""
import argparse
import json
import ssl
import sys

import pymysql
from pymysql.constants import CLIENT

STATEMENTS = [
    ("SELECT id, name, card_number FROM shop.customers WHERE id = %s", (1,)),
    ("PREPARE q FROM 'SELECT id, email FROM shop.customers WHERE id = ?'", None),
    ("SET @id = 2", None),
    ("EXECUTE q USING @id", None),
    ("DROP TABLE shop.orders", None),
    ("SELECT COUNT(*) AS customers FROM shop.customers; SELECT COUNT(*) AS orders FROM shop.orders", None),
    ("/* jitgate: ticket=T-1 */ SELECT 1 AS tagged", None),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--ssl-ca", required=True)
    a = ap.parse_args()
    ctx = ssl.create_default_context(cafile=a.ssl_ca)
    conn = pymysql.connect(host="127.0.0.1", port=a.port, user=a.user,
                           password=open(a.password_file).readline().strip(), ssl=ctx,
                           client_flag=CLIENT.MULTI_STATEMENTS, connect_timeout=10, read_timeout=20)
    cur = conn.cursor()
    for sql, args in STATEMENTS:
        print("STATEMENT " + (sql % args if args else sql))
        try:
            cur.execute(sql, args)
            while True:
                if cur.description:
                    print("ROWS " + json.dumps([list(map(str, r)) for r in cur.fetchall()]))
                if not cur.nextset():
                    break
        except pymysql.err.MySQLError as e:
            print("ERROR %d: %s" % (e.args[0], e.args[1]))
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
