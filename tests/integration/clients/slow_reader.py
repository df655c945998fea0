#!/usr/bin/python3
"""slow_reader.py PORT TOKENFILE CA PID: reads a ~40 MB result through jitgate with an unbuffered
cursor, pauses after 100 rows, reports the gateway's resident size (VmRSS of PID) during the pause,
then reads the rest and reports the row count."""
import sys
import time

import pymysql
import pymysql.cursors

port, token_file, ca, pid = sys.argv[1:]
conn = pymysql.connect(host="127.0.0.1", port=int(port), user="agent",
                       password=open(token_file).read().strip(), ssl={"ca": ca},
                       cursorclass=pymysql.cursors.SSCursor)
cur = conn.cursor()
cur.execute("SELECT REPEAT('x', 1000) FROM shop.orders a, shop.orders b, shop.orders c, "
            "shop.orders d LIMIT 40000")
for _ in range(100):
    cur.fetchone()
time.sleep(2)
with open("/proc/%s/status" % pid) as f:
    rss = [line.split()[1] for line in f if line.startswith("VmRSS")][0]
rows = 100 + sum(1 for _ in cur)
print("rss_paused_kb", rss)
print("rows", rows)
