#!/usr/bin/python3
"""tagged_delete.py PORT TOKENFILE CA MODE: a DELETE that matches no row, through jitgate, with the
ticket tag given as MODE says: "none", "comment" (/* jitgate: ticket=INC-7 */) or "attribute"
(connection attribute jitgate.ticket=INC-9). Prints "ok N" (rows deleted) or the error."""
import sys

import pymysql

port, token_file, ca, mode = sys.argv[1:]
conn = pymysql.connect(host="127.0.0.1", port=int(port), user="agent",
                       password=open(token_file).read().strip(), ssl={"ca": ca},
                       defer_connect=True)
if mode == "attribute":
    conn._connect_attrs["jitgate.ticket"] = "INC-9"
conn.connect()
sql = "DELETE FROM shop.orders WHERE id = -1"
if mode == "comment":
    sql = "/* jitgate: ticket=INC-7 */ " + sql
try:
    with conn.cursor() as cur:
        print("ok", cur.execute(sql))
except pymysql.err.MySQLError as e:
    print("ERROR %s: %s" % (e.args[0], e.args[1] if len(e.args) > 1 else ""))
