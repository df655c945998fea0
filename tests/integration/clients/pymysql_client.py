#!/usr/bin/python3
"""pymysql_client.py: run SQL with PyMySQL and print every result as one JSON line.

Run with /usr/bin/python3 (Debian's python3-pymysql). The output is meant to be compared: the
same statements sent directly to MariaDB and through jitgate must print the same lines.
mysql2_client.js prints the same format.

  pymysql_client.py --port P --user U (--password PW | --password-file F)
                    [--host 127.0.0.1] [--database DB] [--ssl | --ssl-ca FILE [--ssl-verify off]]
                    [--multi] [--hash-bytes] [--connect-timeout S] [--read-timeout S]
                    [STATEMENT ...]

Statements come from the arguments, or else from stdin, one per non-empty line (lines starting
with "--" are skipped). With --multi the MULTI_STATEMENTS capability is requested, so one
statement may be "SELECT 1; SELECT 2"; every result set of every statement is printed (nextset).

Each result is one line:
  {"columns": ["id", "name"], "rows": [[1, "Alice"], ...]}     a result set
  {"ok": {"affected_rows": 1, "insert_id": 0}}                 a statement without result set
Values: NULL -> null; numbers as numbers; DECIMAL, dates, times -> strings as the server writes
them; bytes -> {"hex": "..."} or, with --hash-bytes, {"sha256": "...", "len": N} (so that a
20 MiB value can be compared without printing it).

On a MySQL error: "ERROR <code> (<sqlstate>): <message>" on stdout and exit status 1. Errors
raised by the client itself (cannot connect, connection lost, TLS failure) have no SQLSTATE from
a server and print HY000, as libmariadb does. Usage errors exit with 2.
"""

import argparse
import datetime
import decimal
import hashlib
import json
import ssl
import sys

import pymysql
import pymysql.err
from pymysql.constants import CLIENT

# PyMySQL reads the SQLSTATE of an ERR packet but drops it; the tests assert it (1045 must come
# with 28000), so keep it from the raw packet: 0xff, code (2), '#', sqlstate (5), message.
_last_sqlstate = {"value": None}
_orig_raise = pymysql.err.raise_mysql_exception


def _raise_keeping_sqlstate(data):
    if data[3:4] == b"#":
        _last_sqlstate["value"] = data[4:9].decode("ascii", "replace")
    else:
        _last_sqlstate["value"] = None
    _orig_raise(data)


pymysql.err.raise_mysql_exception = _raise_keeping_sqlstate


def fmt_timedelta(td):
    # MySQL TIME, which PyMySQL returns as timedelta: [-]HH:MM:SS[.ffffff] as the server prints it.
    sign = "-" if td < datetime.timedelta(0) else ""
    td = abs(td)
    total = td.days * 86400 + td.seconds
    text = "%s%02d:%02d:%02d" % (sign, total // 3600, total % 3600 // 60, total % 60)
    if td.microseconds:
        text += ".%06d" % td.microseconds
    return text


def to_json(value, hash_bytes):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        if hash_bytes:
            return {"sha256": hashlib.sha256(value).hexdigest(), "len": len(value)}
        return {"hex": bytes(value).hex()}
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return fmt_timedelta(value)
    if isinstance(value, (set, frozenset)):
        return ",".join(sorted(value))
    return str(value)


def print_result(cur, hash_bytes):
    if cur.description is None:
        line = {"ok": {"affected_rows": cur.rowcount, "insert_id": cur.lastrowid or 0}}
    else:
        line = {
            "columns": [d[0] for d in cur.description],
            "rows": [[to_json(v, hash_bytes) for v in row] for row in cur.fetchall()],
        }
    # Compact separators: the same bytes as JSON.stringify in mysql2_client.js.
    print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), flush=True)


def read_statements(args):
    if args.statements:
        return args.statements
    return [ln.strip() for ln in sys.stdin.read().splitlines()
            if ln.strip() and not ln.strip().startswith("--")]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password")
    p.add_argument("--password-file", help="first line of the file is the password (or token)")
    p.add_argument("--database")
    p.add_argument("--ssl", action="store_true", help="TLS without a CA (no verification)")
    p.add_argument("--ssl-ca", help="TLS, verifying the server against this CA")
    p.add_argument("--ssl-verify", choices=["on", "off"], default="on",
                   help="with --ssl-ca: check the certificate and the host name (default on)")
    p.add_argument("--multi", action="store_true", help="request MULTI_STATEMENTS")
    p.add_argument("--hash-bytes", action="store_true", help="print sha256 of byte values")
    p.add_argument("--connect-timeout", type=float, default=10)
    p.add_argument("--read-timeout", type=float, default=None)
    p.add_argument("statements", nargs="*")
    args = p.parse_args()

    if args.password_file:
        with open(args.password_file, encoding="utf-8") as f:
            password = f.readline().rstrip("\r\n")
    elif args.password is not None:
        password = args.password
    else:
        p.error("one of --password or --password-file is required")

    ctx = None
    if args.ssl_ca:
        ctx = ssl.create_default_context(cafile=args.ssl_ca)
        if args.ssl_verify == "off":
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    elif args.ssl:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE

    statements = read_statements(args)
    flags = CLIENT.MULTI_STATEMENTS if args.multi else 0
    try:
        # autocommit=True: the server default, so PyMySQL sends no SET AUTOCOMMIT of its own and
        # what reaches the server is only what the test wrote.
        conn = pymysql.connect(host=args.host, port=args.port, user=args.user,
                               password=password, database=args.database, charset="utf8mb4",
                               ssl=ctx, ssl_disabled=ctx is None, client_flag=flags,
                               autocommit=True, connect_timeout=args.connect_timeout,
                               read_timeout=args.read_timeout)
        try:
            cur = conn.cursor()
            for stmt in statements:
                cur.execute(stmt)
                print_result(cur, args.hash_bytes)
                while cur.nextset():
                    print_result(cur, args.hash_bytes)
        finally:
            try:
                conn.close()
            except pymysql.err.Error:
                pass
    except pymysql.err.MySQLError as e:
        code = e.args[0] if e.args and isinstance(e.args[0], int) else 2000
        msg = e.args[1] if len(e.args) > 1 else str(e)
        # A client-side error (code 2000-2999) never carries a server SQLSTATE.
        state = _last_sqlstate["value"] if code < 2000 and _last_sqlstate["value"] else "HY000"
        print("ERROR %d (%s): %s" % (code, state, msg), flush=True)
        return 1
    except (ssl.SSLError, OSError) as e:
        print("ERROR 2026 (HY000): TLS or socket error: %s" % e, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
