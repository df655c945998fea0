#!/usr/bin/python3
"""hold_session.py: log in through jitgate, print CURRENT_USER(), keep the session open.

  hold_session.py --port P --user U --password-file F --ssl-ca CA [--hold SECONDS]
                  [--then SQL]

Prints "user NAME@HOST" as soon as it is logged in, then waits up to SECONDS (default 30) or
until stdin closes, whichever comes first, then runs --then (if given) and prints its result as
"then: ROWS" or "then-error: CODE MESSAGE", and quits. Exit status 0 unless the login failed.
"""
import argparse
import select
import ssl
import sys
import time

import pymysql


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--ssl-ca", required=True)
    ap.add_argument("--hold", type=float, default=30)
    ap.add_argument("--then")
    a = ap.parse_args()
    pw = open(a.password_file).read().strip()
    ctx = ssl.create_default_context(cafile=a.ssl_ca)
    try:
        c = pymysql.connect(host="127.0.0.1", port=a.port, user=a.user, password=pw, ssl=ctx,
                            connect_timeout=20, read_timeout=30)
    except pymysql.err.MySQLError as e:
        print("login-error: %s %s" % (e.args[0], e.args[1] if len(e.args) > 1 else ""),
              flush=True)
        return 1
    cur = c.cursor()
    cur.execute("SELECT CURRENT_USER()")
    print("user %s" % cur.fetchone()[0], flush=True)
    end = time.time() + a.hold
    while time.time() < end:
        r, _, _ = select.select([sys.stdin], [], [], max(0.0, min(1.0, end - time.time())))
        if r and not sys.stdin.read(1):
            break
    if a.then:
        try:
            cur.execute(a.then)
            print("then: %s" % (cur.fetchall(),), flush=True)
        except pymysql.err.MySQLError as e:
            print("then-error: %s %s" % (e.args[0], e.args[1] if len(e.args) > 1 else ""),
                  flush=True)
    try:
        c.close()
    except Exception:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
