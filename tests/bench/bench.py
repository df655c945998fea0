#!/usr/bin/python3
"""bench.py: jitgate against a direct connection and HAProxy, on loopback, in one run.

    make bench          3 rounds, 7 s per sysbench run, 300 connects, 2,000 idle sessions
    make bench-quick    1 round, 2 s per run, 50 connects, 200 idle sessions (make check runs it)

One private MariaDB (tests/integration/mariadb.sh, with dev-keys' certificate so that it speaks
TLS), one HAProxy in TCP mode (Debian's package) and five jitgates, all on 127.0.0.1 on ports
the kernel hands out. Seven routes:

    direct    sysbench -> MariaDB                  TLS: MariaDB's own
    haproxy   sysbench -> HAProxy (tcp) -> MariaDB  TLS: passed through to MariaDB
    jitgate   sysbench -> jitgate -> MariaDB        TLS: terminated by jitgate (token as password);
              [credentials] mode = shared and no policy: every session is [backend] user
    jit       sysbench -> jitgate -> MariaDB        as jitgate, but [credentials] mode = jit with
              tests/bench/bench.policy: every session is its own just-in-time MySQL user
    jit-mask  sysbench -> jitgate -> MariaDB        as jit, with tests/bench/bench-mask.policy:
              bench.policy plus a mask on sysbench's c column (with last4)
    jit-batched, jit-strict                         as jit, recording every session
              (docs/audit.md) with [store] audit = batched / strict; point_select t=8 only

"jit" is what the default configuration gives users; it runs point_select t=1 and t=8 (tls),
range100 and the connect benchmark, and stays out of the chart. "jitgate" keeps earlier figures
comparable. "jit-mask" runs range100 only: every row of its results has a masked value, so the
gateway takes the copy path (assemble, rewrite, re-frame each row) where "jit" forwards the rows
untouched; the table gives the ratio jit-mask/jit of throughput and of gateway CPU per query.
After the runs, one SELECT c through jit-mask with the mariadb CLI (text protocol; sysbench's
prepared statements read binary rows) must return a value that starts with "****": the masked
route really masks. The other jitgate routes run with [store] audit = off; once the recording
gateways stop, their stores must hold the point selects (strict: a command record for every
query sysbench counted), and the table gives jit-strict/jit-batched and jit-batched/jit.

The routes of a test run one after the other, in an order that rotates, and the rounds repeat
the whole set, so that drift on a noisy machine touches every route alike; each figure is the
median over the rounds. Around every run the CPU time of the jitgates ("jitgate", "jitgate-jit"
and "jitgate-jit-mask"), HAProxy and mariadbd is read from /proc/PID/stat. Then connection
set-up (build/bench/connect_bench) and the resident memory of idle sessions
(build/bench/idle_sessions). docs/performance.md explains the method.

Output: a table on stdout, OUT/latest.json, OUT/latest.txt (the table) and OUT/latest.png
(gnuplot); OUT is tests/bench/results for `make bench`, build/bench for --quick. The last line is
"bench: N passed, N failed" (or "bench-quick: ..."), counting route x test pairs whose every run
completed, plus connect routes (jit included), the idle-session case and the masking check; the
exit status is non-zero on any failure. Timings are reported against the goals but never fail
the run.

Options: --quick, --rounds N, --time S, --connects N, --idle N, --out DIR, --keep (keep the temp
dir with logs). Python stdlib only; run with /usr/bin/python3.

    bench.py --ab BASE_BINARY [--base-label TEXT]      make bench-ab BASE=<git revision>

A/B mode: two builds of jitgate, each on the jit route (TLS, tests/bench/bench.policy,
just-in-time users), against the same private MariaDB in one run: "jit" is --jitgate (this
tree's build), "jit-base" is BASE_BINARY. Both gateways run side by side for the whole run (their
own instance and ledger) and are measured one at a time, in the order that rotates as above,
with --settle S (1 s) between runs for the just-in-time users of the last run to be dropped and
the pools refilled. Tests: point_select t=8 and t=1 over TLS, and the connection set-up
(--connects per build per round); default 5 rounds x 7 s. Per test: median of each build, min-max
over rounds, the ratio new/base (and its range over the rounds, each round's pair measured back
to back) and whether it is within the 5 % target. Writes OUT/ab-latest.json and ab-latest.txt;
the last line is "bench-ab: N passed, N failed" (build x test pairs whose every run completed,
plus each build's connects); like the targets, the 5 % line is reported, never failed on.
"""
import argparse
import datetime
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, "tests", "bench")
MARIADB_SH = os.path.join(ROOT, "tests", "integration", "mariadb.sh")
HZ = os.sysconf("SC_CLK_TCK")

MODES = {
    # budget: seconds for the whole run, after which it stops itself and fails.
    "quick": dict(rounds=1, time=2, connects=50, idle=200, budget=170,
                  out=os.path.join(ROOT, "build", "bench")),
    "full": dict(rounds=3, time=7, connects=300, idle=2000, budget=840,
                 out=os.path.join(BENCH, "results")),
    # --ab: connects per build and round; no idle sessions.
    "ab": dict(rounds=5, time=7, connects=200, idle=0, budget=600,
               out=os.path.join(BENCH, "results")),
    "ab-quick": dict(rounds=1, time=2, connects=30, idle=0, budget=170,
                     out=os.path.join(ROOT, "build", "bench")),
}

TABLES, TABLE_SIZE = 4, 10000
ROUTES = ("direct", "haproxy", "jitgate")    # every test's routes; the chart's and its ratios
JIT_ROUTES = ROUTES + ("jit",)               # point_select t=1/t=8 tls, connect set-up
MASK_ROUTES = JIT_ROUTES + ("jit-mask",)     # range100: the result-heavy case, masked and not
# point_select t=8: the jit route recording in each mode ("jit" itself records nothing).
REC_ROUTES = ("jit-batched", "jit-strict")
WARM_ROUTES = MASK_ROUTES + REC_ROUTES
# The gateway process of a route, under the name cpu_ticks() reads it by.
ROUTE_PROC = {"haproxy": "haproxy", "jitgate": "jitgate", "jit": "jitgate-jit",
              "jit-mask": "jitgate-jit-mask", "jit-base": "jitgate-jit-base",
              "jit-batched": "jitgate-jit-batched", "jit-strict": "jitgate-jit-strict"}
# The masked route's check: a value of c through jit-mask (text protocol) starts with this.
MASK_QUERY, MASK_PREFIX = "SELECT c FROM sbtest1 WHERE id=1", "****"
# Range selects of 100 rows and nothing else, one per transaction: the result-heavy case.
RANGE100 = ["--simple-ranges=1", "--range-size=100", "--point-selects=0", "--sum-ranges=0",
            "--order-ranges=0", "--distinct-ranges=0", "--skip-trx=on"]
# name, sysbench script, threads, TLS on the client's connection, extra options, routes
TESTS = [
    ("point_select t=1 tls", "oltp_point_select", 1, True, [], JIT_ROUTES),
    ("point_select t=8 tls", "oltp_point_select", 8, True, [], JIT_ROUTES + REC_ROUTES),
    ("read_only t=1 tls", "oltp_read_only", 1, True, [], ROUTES),
    ("read_only t=8 tls", "oltp_read_only", 8, True, [], ROUTES),
    ("range100 t=8 tls", "oltp_read_only", 8, True, RANGE100, MASK_ROUTES),
    ("point_select t=1 plain", "oltp_point_select", 1, False, [], ("direct", "haproxy")),
    ("point_select t=8 plain", "oltp_point_select", 8, False, [], ("direct", "haproxy")),
]
GOALS = dict(ps8_vs_haproxy=1.0, ps8_vs_haproxy_aim=1.2, connect_p50_ms=5.0,
             connect_p99_ms=15.0, idle_kib=64.0, strict_vs_batched=0.8, batched_vs_none=0.95)
# --ab: this tree's build ("jit") against another ("jit-base"), both on the jit route.
AB_ROUTES = ("jit", "jit-base")
AB_TESTS = [
    ("point_select t=8 tls", "oltp_point_select", 8, True, [], AB_ROUTES),
    ("point_select t=1 tls", "oltp_point_select", 1, True, [], AB_ROUTES),
]
AB_CONNECT = "connect"            # the connection set-up, rotated with the tests
AB_MARGIN = 0.05                  # the data-path refactor's target: within 5 % of the base
AB_TARGET_TEST = "point_select t=8 tls"


class Abort(Exception):
    """A signal or the global budget: stop, clean up, fail."""


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def log(msg):
    print(msg, flush=True)


class Bench:
    def __init__(self, args):
        self.a = args
        self.work = tempfile.mkdtemp(prefix="jg-bench.", dir="/tmp")
        self.keys = os.path.join(self.work, "keys")
        self.db = os.path.join(self.work, "db")
        self.procs = []          # (name, Popen) of everything we started, for cleanup
        self.watch = []          # (name, Popen) of the gateways and proxy: CPU read, must stay up
        self.connect_runs = []   # --ab: one dict per connect_bench run
        self.db_started = False
        self.runs = []           # one dict per sysbench run
        self.connect = {}        # route -> connect_bench figures
        self.idle = None
        self.mask_check = None   # the masked route's SELECT c: {"ok", "value", ...}
        self.record_check = {}   # per recording mode: {"ok", "commands", "queries"}
        self.problems = []       # what looked wrong, with the client's own lines
        self.passed = self.failed = 0
        self.load_start = self.load_end = loadavg()

    # ---- processes -------------------------------------------------------------------------
    def call(self, cmd, timeout, cwd=None, check=True, env=None):
        """Runs a client to completion under a timeout; returns (rc, combined output)."""
        try:
            p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=timeout, text=True, errors="replace")
            rc, out = p.returncode, p.stdout
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            rc, out = 124, out + "\n(timed out after %ss)" % timeout
        if check and rc != 0:
            raise RuntimeError("%s failed (rc %d): %s" % (os.path.basename(cmd[0]), rc,
                                                         out.strip()[-600:]))
        return rc, out

    def start(self, name, cmd):
        logf = open(os.path.join(self.work, name + ".log"), "w")
        # Own session: a Ctrl-C meant for the run reaches this driver only, which then stops
        # its children in order.
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                             start_new_session=True)
        logf.close()
        self.procs.append((name, p))
        return p

    def wait_listen(self, port, proc, seconds):
        """True once something listens on 127.0.0.1:port (ss: no probe connection is made)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            out = subprocess.run(["ss", "-Hltn", "sport = :%d" % port], stdout=subprocess.PIPE,
                                 text=True, timeout=10).stdout
            if "127.0.0.1:%d" % port in out:
                return True
            if proc.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def mariadb(self, fn, *args, timeout=120):
        return self.call(["/bin/bash", "-c", 'source "$0"; "$@"', MARIADB_SH, fn] + list(args),
                         timeout=timeout)

    def free_port(self):
        return int(self.mariadb("jg_free_port", timeout=10)[1].strip())

    def cleanup(self):
        for _, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for _, p in reversed(self.procs):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        if self.db_started:
            try:
                self.mariadb("jg_mariadb_stop", self.db, timeout=60)
            except Exception as e:     # cleanup goes on; the reason is worth a line
                log("cleanup: stopping MariaDB: %s" % e)
        if self.a.keep:
            log("logs kept in %s" % self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---- setup -------------------------------------------------------------------------------
    def setup(self):
        self.setup_common(("sysbench", "haproxy", "gnuplot", "ss", "mariadb"),
                          (self.a.jitgate, self.tool("connect_bench"), self.tool("idle_sessions")))
        self.gw_port, self.gw = self.start_jitgate("jitgate", "mode = shared\n")
        # The jit route: its own ledger, and a pool of 4 ready users so that sysbench's 8
        # threads and connect_bench's sequential logins mostly find one waiting.
        store = os.path.join(self.work, "store-jit")
        os.mkdir(store, 0o700)
        self.jit_port, self.jit = self.start_jitgate("jitgate-jit", JIT_INI.format(
            instance="bench", store=store, policy=os.path.join(BENCH, "bench.policy")))
        # The masked route: the same, with a mask on c. Its own instance (two gateways of one
        # instance refuse to share a host) and ledger.
        store = os.path.join(self.work, "store-jit-mask")
        os.mkdir(store, 0o700)
        self.mask_port, self.jit_mask = self.start_jitgate("jitgate-jit-mask", JIT_INI.format(
            instance="benchmask", store=store, policy=os.path.join(BENCH, "bench-mask.policy")))
        # The jit route recording every session (docs/audit.md) in batched and in strict mode.
        rec = {}
        for mode in ("batched", "strict"):
            store = os.path.join(self.work, "store-jit-" + mode)
            os.mkdir(store, 0o700)
            rec[mode] = self.start_jitgate("jitgate-jit-" + mode, JIT_INI.format(
                instance="benchrec" + mode[0], store=store, policy=os.path.join(BENCH, "bench.policy")),
                audit=mode)
        self.rec_stores = {m: os.path.join(self.work, "store-jit-" + m, "jitgate.db") for m in rec}

        self.hap_port = self.free_port()
        cfg = os.path.join(self.work, "haproxy.cfg")
        with open(os.path.join(BENCH, "haproxy.cfg.in")) as f:
            tpl = f.read()
        with open(cfg, "w") as f:
            f.write(tpl.replace("@PORT@", str(self.hap_port)).replace("@BACKEND@", "127.0.0.1:%d" % self.db_port)
                    .replace("@MAXCONN@", str(self.a.idle + 1000)))
        self.hap = self.start("haproxy", ["haproxy", "-db", "-f", cfg])
        if not self.wait_listen(self.hap_port, self.hap, 20):
            raise RuntimeError("haproxy did not listen: " + self.tail("haproxy"))
        self.watch = [("jitgate", self.gw), ("jitgate-jit", self.jit), ("jitgate-jit-mask", self.jit_mask),
                      ("jitgate-jit-batched", rec["batched"][1]), ("jitgate-jit-strict", rec["strict"][1]),
                      ("haproxy", self.hap)]

        self.route = {
            "direct": dict(port=self.db_port, user="jg_admin", pw=self.admin_pw, pwfile=self.admin_file),
            "haproxy": dict(port=self.hap_port, user="jg_admin", pw=self.admin_pw, pwfile=self.admin_file),
            "jitgate": dict(port=self.gw_port, user="bench", pw=self.token, pwfile=self.token_file),
            # The user name is the policy's role.
            "jit": dict(port=self.jit_port, user="bench", pw=self.token, pwfile=self.token_file),
            "jit-mask": dict(port=self.mask_port, user="bench", pw=self.token, pwfile=self.token_file),
            "jit-batched": dict(port=rec["batched"][0], user="bench", pw=self.token, pwfile=self.token_file),
            "jit-strict": dict(port=rec["strict"][0], user="bench", pw=self.token, pwfile=self.token_file),
        }

    def setup_ab(self):
        """--ab: the jit route twice, this build ("jit") and the base ("jit-base"). Two gateways
        of one [credentials] instance refuse to share a host, and each reaps its instance's
        users at start: each has its own instance name and ledger."""
        self.setup_common(("sysbench", "ss"), (self.a.jitgate, self.a.ab, self.tool("connect_bench")),
                          "make bench-ab")
        self.route = {}
        for route, instance, binary in (("jit", "bench", self.a.jitgate), ("jit-base", "benchbase", self.a.ab)):
            name = ROUTE_PROC[route]
            store = os.path.join(self.work, "store-" + route)
            os.mkdir(store, 0o700)
            port, p = self.start_jitgate(name, JIT_INI.format(
                instance=instance, store=store, policy=os.path.join(BENCH, "bench.policy")), binary)
            self.watch.append((name, p))
            self.route[route] = dict(port=port, user="bench", pw=self.token, pwfile=self.token_file)

    def setup_common(self, commands, binaries, maker="make bench-quick"):
        """Keys, the private MariaDB with sysbench's tables, the token: what every route uses."""
        for tool in commands:
            if not shutil.which(tool):
                raise RuntimeError("%s is missing: run make deps" % tool)
        for tool in binaries:
            if not os.access(tool, os.X_OK):
                raise RuntimeError("%s is missing: run %s (it builds it)" % (tool, maker))
        # 2,000 sessions are 2,000 client sockets here, 4,000 in jitgate and 2,000 in mariadbd:
        # every child inherits this limit.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = 65536
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

        self.call([self.a.jitgate, "dev-keys", self.keys], timeout=60)
        for attempt in range(3):
            self.db_port = self.free_port()
            self.db_started = True
            try:
                self.mariadb("jg_mariadb_start", self.db, str(self.db_port), self.keys, timeout=120)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        self.admin_pw = open(os.path.join(self.db, "admin-password")).readline().strip()
        self.db_pid = int(open(os.path.join(self.db, "mysqld.pid")).read().strip())
        # Each jitgate session has its own backend connection.
        self.mariadb("jg_mariadb_root", self.db, "-e",
                     "SET GLOBAL max_connections = %d; CREATE DATABASE sbtest"
                     % (self.a.idle + 300), timeout=30)
        _, out = self.mariadb("jg_mariadb_root", self.db, "-N", "-B", "-e",
                              "SELECT @@open_files_limit, @@max_connections, VERSION()", timeout=30)
        ofl, mc, self.mariadb_version = out.split("\t")
        self.mariadb_version = self.mariadb_version.strip()
        if int(ofl) < self.a.idle + 300:
            raise RuntimeError("mariadbd's open_files_limit is %s, too low for %d sessions"
                               % (ofl, self.a.idle))
        self.call(["sysbench", "oltp_read_only", "--db-driver=mysql", "--mysql-host=127.0.0.1",
                   "--mysql-port=%d" % self.db_port, "--mysql-user=jg_admin",
                   "--mysql-password=" + self.admin_pw, "--mysql-db=sbtest",
                   "--tables=%d" % TABLES, "--table-size=%d" % TABLE_SIZE,
                   "--threads=%d" % TABLES, "prepare"], timeout=120)

        _, tok = self.call([self.a.jitgate, "token", "--key", os.path.join(self.keys, "signing-key.pem"),
                            "--kid", "dev-es256", "--iss", "https://issuer.test", "--aud", "jitgate",
                            "--sub", "bench@example.com", "--groups", "analysts",
                            "--ttl", str(self.a.budget + 600)], timeout=30)
        self.token = tok.strip()
        self.token_file = self.secret("token", self.token)
        self.admin_file = os.path.join(self.db, "admin-password")

    def start_jitgate(self, name, credentials, binary=None, audit="off"):
        """Starts a jitgate (NAME.ini, NAME.log) whose [credentials] section is CREDENTIALS;
        BINARY, when given, instead of --jitgate."""
        port = self.free_port()
        ini = os.path.join(self.work, name + ".ini")
        with open(ini, "w") as f:
            f.write(JITGATE_INI.format(port=port, keys=self.keys, db_port=self.db_port,
                                       pwfile=self.admin_file))
            # Recording is measured by routes of its own; these measure the data path without
            # it (a base build of --ab may predate the key).
            f.write("[store]\npath = %s/store-%s/jitgate.db\n%s\n[credentials]\n%s" % (
                self.work, name, "" if binary else "audit = %s\n" % audit, credentials))
        p = self.start(name, [binary or self.a.jitgate, "serve", "-c", ini])
        if not self.wait_listen(port, p, 20):
            raise RuntimeError("%s did not listen: %s" % (name, self.tail(name)))
        return port, p

    def tool(self, name):
        return os.path.join(self.a.tools, name)

    def secret(self, name, value):
        path = os.path.join(self.work, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
        return path

    def tail(self, name, n=5):
        try:
            with open(os.path.join(self.work, name + ".log"), errors="replace") as f:
                return " | ".join(f.read().strip().splitlines()[-n:])
        except OSError:
            return "(no log)"

    # ---- measurements ------------------------------------------------------------------------
    def cpu_ticks(self):
        t = {}
        for name, pid in [(n, p.pid) for n, p in self.watch] + [("mariadbd", self.db_pid)]:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                t[name] = int(fields[11]) + int(fields[12])   # utime + stime
            except OSError:
                t[name] = None
        return t

    def alive(self):
        for name, p in self.watch:
            if p.poll() is not None:
                raise RuntimeError("%s exited (rc %s): %s" % (name, p.returncode, self.tail(name)))

    def sysbench(self, test, route, rnd, seconds=None, record=True):
        name, script, threads, tls, extra, _ = test
        r = self.route[route]
        seconds = seconds or self.a.time
        cmd = ["sysbench", script, "--db-driver=mysql", "--mysql-host=127.0.0.1",
               "--mysql-port=%d" % r["port"], "--mysql-user=" + r["user"],
               "--mysql-password=" + r["pw"], "--mysql-db=sbtest",
               "--mysql-ssl=" + ("on" if tls else "off"),
               "--tables=%d" % TABLES, "--table-size=%d" % TABLE_SIZE,
               "--threads=%d" % threads, "--time=%d" % seconds, "--report-interval=1"] + extra + ["run"]
        c0, t0 = self.cpu_ticks(), time.monotonic()
        # sysbench's --mysql-ssl=on reads client-key.pem, client-cert.pem and cacert.pem from
        # its working directory: dev-keys wrote them there.
        rc, out = self.call(cmd, timeout=seconds + 60, cwd=self.keys, check=False)
        wall = time.monotonic() - t0
        c1 = self.cpu_ticks()
        res = parse_sysbench(out)
        res.update(test=name, route=route, round=rnd, rc=rc, wall_s=round(wall, 2), load1=loadavg()[0])
        res["cpu_s"] = {k: (c1[k] - c0[k]) / HZ if c0[k] is not None and c1[k] is not None else None
                        for k in c0}
        why = []
        if rc != 0:
            why.append("sysbench exited with %d" % rc)
        if not res.get("queries"):
            why.append("no queries")
        if res.get("errors"):
            why.append("%d ignored errors" % res["errors"])
        if res.get("reconnects"):
            why.append("%d reconnects" % res["reconnects"])
        res["ok"] = not why
        if why:
            lines = [l for l in out.splitlines()
                     if re.search(r"FATAL|ALERT|error|Error|reconn/s: [1-9]|err/s: [1-9]", l)]
            self.problems.append("%s / %s round %d: %s\n    %s" % (
                name, route, rnd, ", ".join(why), "\n    ".join(lines[:8] or out.strip().splitlines()[-5:])))
        if res.get("stall"):
            self.problems.append("%s / %s round %d: stall, an interval at %.0f qps against a median of %.0f:\n    %s" % (
                name, route, rnd, res["interval_qps_min"], res["interval_qps_median"],
                "\n    ".join(res["stall_lines"][:4])))
        res.pop("stall_lines", None)
        if record:
            self.runs.append(res)
        return res

    def run_rounds(self):
        for rnd in range(1, self.a.rounds + 1):
            log("round %d/%d" % (rnd, self.a.rounds))
            for ti, test in enumerate(TESTS):
                routes = list(test[5])
                k = (rnd - 1 + ti) % len(routes)     # rotate which route goes first
                for route in routes[k:] + routes[:k]:
                    self.alive()
                    res = self.sysbench(test, route, rnd)
                    log("  %-24s %-8s %9.0f qps  avg %7.3f ms  p95 %7.3f ms%s" % (
                        test[0], route, res.get("qps") or 0, res.get("lat_avg_ms") or 0,
                        res.get("lat_p95_ms") or 0, "" if res["ok"] else "  FAILED"))

    def run_connect(self):
        for route in JIT_ROUTES:
            self.connect[route] = self.connect_bench(route, self.a.connects)

    def connect_bench(self, route, count, what="connect"):
        """connect_bench's figures for COUNT connects through ROUTE, with "ok"."""
        r = self.route[route]
        rc, out = self.call([self.tool("connect_bench"), "--port", str(r["port"]),
                             "--user", r["user"], "--password-file", r["pwfile"],
                             "--ca", os.path.join(self.keys, "ca.pem"),
                             "--count", str(count), "--timeout", "10"],
                            timeout=60 + count, check=False)
        kv = parse_kv(out)
        kv["ok"] = rc == 0 and kv.get("count") == count
        if not kv["ok"]:
            self.problems.append("%s %s: rc %d\n    %s" % (what, route, rc, out.strip().replace("\n", "\n    ")))
        log("  %s %-8s p50 %s us  p99 %s us%s" % (what, route, kv.get("p50_us"), kv.get("p99_us"),
                                                 "" if kv["ok"] else "  FAILED"))
        return kv

    def run_idle(self):
        r = self.route["jitgate"]
        rc, out = self.call([self.tool("idle_sessions"), "--port", str(r["port"]),
                             "--user", r["user"], "--password-file", r["pwfile"],
                             "--ca", os.path.join(self.keys, "ca.pem"), "--rss-pid", str(self.gw.pid),
                             "--count", str(self.a.idle), "--timeout", "10", "--deadline",
                             str(max(30, self.a.idle // 10)), "--settle-ms", "1000"],
                            timeout=max(30, self.a.idle // 10) + 60, check=False)
        kv = parse_kv(out)
        kv["ok"] = rc == 0 and kv.get("sessions") == self.a.idle
        if not kv["ok"]:
            self.problems.append("idle sessions: rc %d\n    %s" % (rc, out.strip().replace("\n", "\n    ")))
        self.idle = kv
        log("  idle %d sessions: %s KiB/session (RSS %s -> %s KiB, %s KiB after closing)%s" % (
            self.a.idle, kv.get("per_session_kib"), kv.get("rss_before_kib"), kv.get("rss_after_kib"),
            kv.get("rss_closed_kib"), "" if kv["ok"] else "  FAILED"))

    def run_mask_check(self):
        """One query through the masked route with the mariadb CLI (text rows): the value of c
        must come back masked. sysbench cannot tell: it never looks at the values."""
        r = self.route["jit-mask"]
        env = dict(os.environ, MYSQL_PWD=r["pw"])     # the token stays out of the process list
        rc, out = self.call(["mariadb", "--no-defaults", "-h127.0.0.1", "-P%d" % r["port"],
                             "-u" + r["user"], "--ssl", "--ssl-ca=" + os.path.join(self.keys, "ca.pem"),
                             "--ssl-verify-server-cert", "-N", "-B", "sbtest", "-e", MASK_QUERY],
                            timeout=30, check=False, env=env)
        value = out.strip()
        ok = rc == 0 and value.startswith(MASK_PREFIX) and len(value.splitlines()) == 1
        self.mask_check = dict(ok=ok, rc=rc, query=MASK_QUERY, value=value[:200])
        if not ok:
            self.problems.append("masking check: %s through jit-mask: rc %d, expected one value starting "
                                 "with %r, got:\n    %s" % (MASK_QUERY, rc, MASK_PREFIX,
                                                           value[-600:].replace("\n", "\n    ")))
        log("  jit-mask %s -> %r%s" % (MASK_QUERY, value[:60], "" if ok else "  FAILED"))

    def run_record_check(self):
        """The recording routes really record: once their gateways stopped (a batched record
        may still wait for its commit), each store holds point_select's statements, the
        strict one at least one per query sysbench counted through it."""
        self.record_check = {}
        want = {m: sum(r["queries"] or 0 for r in self.runs if r["route"] == "jit-" + m) for m in ("batched", "strict")}
        stop = ("jitgate-jit-batched", "jitgate-jit-strict")
        for name, p in self.procs:
            if name in stop:
                p.terminate()
                p.wait(timeout=30)
        self.watch = [(n, p) for n, p in self.watch if n not in stop]
        for mode, path in self.rec_stores.items():
            db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
            n = db.execute("SELECT count(*) FROM audit WHERE kind = 'command' AND "
                           "body LIKE '%SELECT c FROM sbtest%'").fetchone()[0]
            db.close()
            ok = n >= want[mode] > 0 if mode == "strict" else n > 0
            self.record_check[mode] = dict(ok=ok, commands=n, queries=want[mode])
            if not ok:
                self.problems.append("recording check: jit-%s's store holds %d point_select records for "
                                     "%d queries" % (mode, n, want[mode]))
            log("  jit-%s: %d point_select records (%d queries measured)%s" % (
                mode, n, want[mode], "" if ok else "  FAILED"))

    def run(self):
        t0 = time.monotonic()
        log("setup: dev-keys, MariaDB, sysbench prepare (%d x %d rows), jitgate (shared, jit, jit-mask), haproxy"
            % (TABLES, TABLE_SIZE))
        self.setup()
        log("setup done in %.0f s; warm-up" % (time.monotonic() - t0))
        for route in WARM_ROUTES:    # first connections, buffer pool, TLS session state, JIT pool
            self.sysbench(TESTS[1], route, 0, seconds=1, record=False)
        self.run_rounds()
        log("masking check: %s through jit-mask (mariadb CLI)" % MASK_QUERY)
        self.run_mask_check()
        log("recording check: the stores of jit-batched and jit-strict")
        self.run_record_check()
        log("connection set-up (%d connects per route)" % self.a.connects)
        self.run_connect()
        log("idle sessions (%d through jitgate)" % self.a.idle)
        self.run_idle()
        self.alive()
        self.gateway_log()
        self.load_end = loadavg()

    def run_ab(self):
        """--ab: both builds on the jit route; each round runs every test (and the connects)
        once per build, in an order that rotates as run_rounds's does."""
        t0 = time.monotonic()
        log("setup: dev-keys, MariaDB, sysbench prepare (%d x %d rows), jitgate jit (this build) and "
            "jit-base (%s)" % (TABLES, TABLE_SIZE, self.a.base_label))
        self.setup_ab()
        log("setup done in %.0f s; warm-up" % (time.monotonic() - t0))
        for route in AB_ROUTES:      # first connections, buffer pool, TLS state, JIT pool
            self.sysbench(AB_TESTS[0], route, 0, seconds=1, record=False)
            self.connect_bench(route, 20, "connect warm-up")
        items = AB_TESTS + [AB_CONNECT]
        for rnd in range(1, self.a.rounds + 1):
            log("round %d/%d" % (rnd, self.a.rounds))
            for ti, test in enumerate(items):
                routes = list(AB_ROUTES)
                k = (rnd - 1 + ti) % len(routes)     # rotate which build goes first
                for route in routes[k:] + routes[:k]:
                    self.alive()
                    # The users of the last run's sessions are dropped and the pools refilled
                    # (within 100 ms) before the next run: that work lands on neither build.
                    time.sleep(self.a.settle)
                    if test == AB_CONNECT:
                        c0 = self.cpu_ticks()
                        kv = self.connect_bench(route, self.a.connects)
                        c1 = self.cpu_ticks()
                        kv.update(route=route, round=rnd, cpu_s={
                            k2: (c1[k2] - c0[k2]) / HZ if c0[k2] is not None and c1[k2] is not None
                            else None for k2 in c0})
                        self.connect_runs.append(kv)
                        continue
                    res = self.sysbench(test, route, rnd)
                    log("  %-24s %-8s %9.0f qps  avg %7.3f ms  p95 %7.3f ms%s" % (
                        test[0], route, res.get("qps") or 0, res.get("lat_avg_ms") or 0,
                        res.get("lat_p95_ms") or 0, "" if res["ok"] else "  FAILED"))
        self.alive()
        self.gateway_log()
        self.load_end = loadavg()

    def gateway_log(self):
        """Anything either jitgate logged above info level is worth a look, but for the warning
        that shared mode is meant for benchmarks, which the jitgate route asks for."""
        for name in [n for n, _ in self.watch if n.startswith("jitgate")]:
            try:
                with open(os.path.join(self.work, name + ".log"), errors="replace") as f:
                    odd = [l.rstrip() for l in f if " info: " not in l
                           and not (name == "jitgate" and " warn: [credentials] mode = shared" in l)
                           and " warn: [store] audit = off" not in l]
            except OSError:
                continue
            if odd:
                self.problems.append("%s logged %d lines above info level, first ones:\n    %s"
                                     % (name, len(odd), "\n    ".join(odd[:8])))


JITGATE_INI = """; written by tests/bench/bench.py
[listen]
address = 127.0.0.1:{port}
tls_cert = {keys}/tls-cert.pem
tls_key = {keys}/tls-key.pem
workers = 0
handshake_timeout = 10
idle_timeout = 3600

[backend]
address = 127.0.0.1:{db_port}
user = jg_admin
password_file = {pwfile}
tls = off

[identity]
issuer = https://issuer.test
audience = jitgate
jwks_file = {keys}/jwks.json
groups_claim = groups
leeway = 60
algorithms = RS256,ES256

"""
# The rest of [credentials] for the jit route, then its ledger and policy.
JIT_INI = """mode = jit
instance = {instance}
pool = 4

[store]
path = {store}/jitgate.db

[policy]
file = {policy}
"""


def parse_kv(out):
    kv = {}
    for line in out.splitlines():
        m = re.match(r"^(\w+) (-?[\d.]+)$", line.strip())
        if m:
            v = m.group(2)
            kv[m.group(1)] = float(v) if "." in v else int(v)
    return kv


def parse_sysbench(out):
    def num(rx, cast=float, group=1):
        m = re.search(rx, out, re.M)
        return cast(m.group(group)) if m else None
    r = dict(
        transactions=num(r"^\s*transactions:\s+(\d+)", int),
        tps=num(r"^\s*transactions:\s+\d+\s+\(([\d.]+) per sec"),
        queries=num(r"^\s*queries:\s+(\d+)", int),
        qps=num(r"^\s*queries:\s+\d+\s+\(([\d.]+) per sec"),
        errors=num(r"^\s*ignored errors:\s+(\d+)", int),
        reconnects=num(r"^\s*reconnects:\s+(\d+)", int),
        total_time_s=num(r"^\s*total time:\s+([\d.]+)s"),
        lat_avg_ms=num(r"^\s*avg:\s+([\d.]+)"),
        events=num(r"^\s*total number of events:\s+(\d+)", int),
        lat_sum_ms=num(r"^\s*sum:\s+([\d.]+)"),
        lat_p95_ms=num(r"^\s*95th percentile:\s+([\d.]+)"),
        lat_max_ms=num(r"^\s*max:\s+([\d.]+)"),
    )
    # sysbench prints the average to 10 us; the sum over all events gives the microseconds that
    # "added latency per query" at one thread needs.
    if r["events"] and r["lat_sum_ms"]:
        r["lat_avg_ms"] = r["lat_sum_ms"] / r["events"]
    # Per-second lines: an interval far below the others is a stall worth reporting.
    iv = re.findall(r"^(\[ *\d+s \].*qps: ([\d.]+).*)$", out, re.M)
    if len(iv) >= 3:
        q = [float(x[1]) for x in iv]
        med = statistics.median(q)
        r["interval_qps_min"], r["interval_qps_median"] = min(q), med
        slow = [x[0] for x in iv if float(x[1]) < 0.1 * med]
        r["stall"] = bool(slow)
        r["stall_lines"] = slow
    return r


# ---- report ------------------------------------------------------------------------------------

def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def summarize(b):
    """Medians per test and route, ratios, added latency, CPU per 100k queries."""
    rows = []
    for name, script, threads, tls, extra, routes in TESTS:
        per = {}
        for route in routes:
            rr = [r for r in b.runs if r["test"] == name and r["route"] == route]
            ok = [r for r in rr if r["ok"]]
            s = dict(test=name, route=route, runs=len(rr), ok=bool(rr) and len(ok) == len(rr))
            s["qps"] = med(r["qps"] for r in ok)
            s["tps"] = med(r["tps"] for r in ok)
            s["lat_avg_ms"] = med(r["lat_avg_ms"] for r in ok)
            s["lat_p95_ms"] = med(r["lat_p95_ms"] for r in ok)
            s["queries_per_txn"] = med(r["queries"] / r["transactions"] for r in ok if r["transactions"])
            s["cpu_s_per_100k"] = {}
            for p in (ROUTE_PROC.get(route), "mariadbd"):
                if p is None:
                    continue
                s["cpu_s_per_100k"][p] = med(r["cpu_s"][p] / r["queries"] * 1e5 for r in ok
                                             if r["cpu_s"].get(p) is not None and r["queries"])
            per[route] = s
        for route, s in per.items():
            d, h = per.get("direct"), per.get("haproxy")
            s["vs_direct"] = ratio(s["qps"], d and d["qps"])
            s["vs_haproxy"] = ratio(s["qps"], h and h["qps"])
            if threads == 1 and d and s["lat_avg_ms"] is not None and d["lat_avg_ms"] is not None \
                    and s["queries_per_txn"]:
                s["added_us_per_query"] = (s["lat_avg_ms"] - d["lat_avg_ms"]) * 1000 / s["queries_per_txn"]
            rows.append(s)
    return rows


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


def machine():
    model = "?"
    mem = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = "%.0f GiB" % (int(line.split()[1]) / 1024 / 1024)
    return dict(nproc=os.cpu_count(), cpu=model, kernel=os.uname().release, memory=mem)


def versions(b):
    def first(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  timeout=10).stdout.strip().splitlines()[0]
        except Exception:
            return "?"
    commit = first(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = first(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "gen", "spec"])
    return dict(jitgate=commit + ("+uncommitted src changes" if dirty not in ("", "?") else ""),
                mariadb=b.mariadb_version, haproxy=first(["haproxy", "-v"]),
                sysbench=first(["sysbench", "--version"]))


def table(b, rows):
    L = []
    L.append("%-26s %-9s %10s %11s %11s %10s %11s %11s" % (
        "test", "route", "qps", "lat avg ms", "lat p95 ms", "vs direct", "vs haproxy", "added us/q"))
    last = None
    for s in rows:
        if last and last != s["test"]:
            L.append("")
        last = s["test"]
        L.append("%-26s %-9s %10s %11s %11s %10s %11s %11s%s" % (
            s["test"], s["route"], fmt(s["qps"], ".0f"), fmt(s["lat_avg_ms"], ".3f"),
            fmt(s["lat_p95_ms"], ".3f"), fmt(s["vs_direct"], ".2f") if s["route"] != "direct" else "",
            fmt(s["vs_haproxy"], ".2f") if s["route"] in ("jitgate", "jit", "jit-mask") else "",
            fmt(s.get("added_us_per_query"), "+.0f") if s["route"] != "direct" and "added_us_per_query" in s else "",
            "" if s["ok"] else "  FAILED"))
    L.append("")
    c = b.connect
    L.append("%-26s %-9s %s" % ("connect p50/p99 ms", "route", "(TLS, login, close; %d connects)" % b.a.connects))
    for route in JIT_ROUTES:
        k = c.get(route, {})
        L.append("%-26s %-9s %6s / %-6s%s" % ("", route, fmt(k.get("p50_us") and k["p50_us"] / 1000, ".2f"),
                                              fmt(k.get("p99_us") and k["p99_us"] / 1000, ".2f"),
                                              "" if k.get("ok") else "  FAILED"))
    i = b.idle or {}
    L.append("%-26s %-9s %s KiB/session (%d sessions; RSS %s -> %s MiB)%s" % (
        "idle session memory", "jitgate", fmt(i.get("per_session_kib"), ".1f"), b.a.idle,
        fmt(i.get("rss_before_kib") and i["rss_before_kib"] / 1024, ".1f"),
        fmt(i.get("rss_after_kib") and i["rss_after_kib"] / 1024, ".1f"), "" if i.get("ok") else "  FAILED"))
    first = True
    for s in rows:
        if s["route"] not in ("jitgate", "jit", "jit-mask"):
            continue
        h = next((x for x in rows if x["test"] == s["test"] and x["route"] == "haproxy"), None)
        jc = s["cpu_s_per_100k"].get(ROUTE_PROC[s["route"]])
        hc = h and h["cpu_s_per_100k"].get("haproxy")
        L.append("%-26s %-9s %s" % ("cpu s per 100k queries" if first else "", "",
                                    "%-22s %-8s %s / haproxy %s  (%s x)" % (
                                        s["test"], s["route"], fmt(jc, ".2f"), fmt(hc, ".2f"),
                                        fmt(ratio(jc, hc), ".1f"))))
        first = False
    mk = masking(rows)
    L.append("%-26s %-9s %s" % ("masking (copy path)", "", "%s: jit-mask / jit  qps %s, gateway cpu per query %s" % (
        mk["test"], fmt(mk["qps_ratio"], ".2f"), fmt(mk["cpu_ratio"], ".2f"))))
    m = b.mask_check or {}
    L.append("%-26s %-9s %s -> %s%s" % ("", "jit-mask", MASK_QUERY, m.get("value", "-")[:40],
                                          "" if m.get("ok") else "  FAILED"))
    rc = recording(rows)
    L.append("%-26s %-9s %s" % ("recording", "", "%s: qps jit-strict / jit-batched %s, jit-batched / jit %s" % (
        rc["test"], fmt(rc["strict_vs_batched"], ".2f"), fmt(rc["batched_vs_none"], ".2f"))))
    for mode in ("batched", "strict"):
        k = b.record_check.get(mode, {})
        L.append("%-26s %-9s %s command records for %s queries%s" % (
            "", "jit-" + mode, k.get("commands", "-"), k.get("queries", "-"), "" if k.get("ok") else "  FAILED"))
    return L


def recording(rows):
    """point_select t=8 through the jit route recording in strict and in batched mode, and not
    recording at all ("jit"): the ratios of throughput (docs/audit.md, "Cost")."""
    test = "point_select t=8 tls"

    def qps(route):
        return next((x for x in rows if x["test"] == test and x["route"] == route), {}).get("qps")
    return dict(test=test, strict_vs_batched=ratio(qps("jit-strict"), qps("jit-batched")),
                batched_vs_none=ratio(qps("jit-batched"), qps("jit")))


def masking(rows):
    """range100 through jit-mask (c masked in every row) against jit (rows forwarded untouched):
    the ratio of throughput and of the gateway's own CPU seconds per query."""
    test = "range100 t=8 tls"

    def get(route):
        return next((x for x in rows if x["test"] == test and x["route"] == route), {})
    j, m = get("jit"), get("jit-mask")
    jc = (j.get("cpu_s_per_100k") or {}).get(ROUTE_PROC["jit"])
    mc = (m.get("cpu_s_per_100k") or {}).get(ROUTE_PROC["jit-mask"])
    return dict(test=test, qps_ratio=ratio(m.get("qps"), j.get("qps")), cpu_ratio=ratio(mc, jc),
                jit_cpu_s_per_100k=jc, jit_mask_cpu_s_per_100k=mc)


def targets(b, rows):
    def get(test, route, key):
        s = next((x for x in rows if x["test"] == test and x["route"] == route), {})
        return s.get(key)
    t = []
    r = get("point_select t=8 tls", "jitgate", "vs_haproxy")
    t.append(("point_select t=8 tls, jitgate/haproxy throughput", fmt(r, ".2f"),
              ">= %.1f (aim %.1f)" % (GOALS["ps8_vs_haproxy"], GOALS["ps8_vs_haproxy_aim"]),
              r is not None and r >= GOALS["ps8_vs_haproxy"]))
    aj = get("point_select t=1 tls", "jitgate", "added_us_per_query")
    ah = get("point_select t=1 tls", "haproxy", "added_us_per_query")
    t.append(("added latency per query, t=1 (jitgate, haproxy)",
              "%s us, %s us" % (fmt(aj, "+.0f"), fmt(ah, "+.0f")), "jitgate <= haproxy",
              aj is not None and ah is not None and aj <= ah))
    # Judged on the jit route: a just-in-time user per login is what users get.
    cj = b.connect.get("jit", {})
    p50, p99 = cj.get("p50_us"), cj.get("p99_us")
    t.append(("connection set-up, jit users, p50", fmt(p50 and p50 / 1000, ".2f") + " ms",
              "< %.0f ms" % GOALS["connect_p50_ms"], p50 is not None and p50 / 1000 < GOALS["connect_p50_ms"]))
    t.append(("connection set-up, jit users, p99", fmt(p99 and p99 / 1000, ".2f") + " ms",
              "< %.0f ms" % GOALS["connect_p99_ms"], p99 is not None and p99 / 1000 < GOALS["connect_p99_ms"]))
    cs = b.connect.get("jitgate", {})
    t.append(("connection set-up, jitgate shared, p50 / p99",
              "%s / %s ms" % (fmt(cs.get("p50_us") and cs["p50_us"] / 1000, ".2f"),
                              fmt(cs.get("p99_us") and cs["p99_us"] / 1000, ".2f")), "none (information)", None))
    r = ratio(get("point_select t=8 tls", "jit", "qps"), get("point_select t=8 tls", "jitgate", "qps"))
    t.append(("policy + just-in-time users, point_select t=8 vs jitgate shared", fmt(r, ".2f"),
              "none (ratio only)", None))
    mk = masking(rows)
    t.append(("masking, range100 t=8: jit-mask / jit, qps and cpu per query",
              "%s, %s" % (fmt(mk["qps_ratio"], ".2f"), fmt(mk["cpu_ratio"], ".2f")), "none (ratio only)", None))
    rc = recording(rows)
    t.append(("recording, point_select t=8: jit-strict / jit-batched throughput",
              fmt(rc["strict_vs_batched"], ".2f"), ">= %.2f" % GOALS["strict_vs_batched"],
              rc["strict_vs_batched"] is not None and rc["strict_vs_batched"] >= GOALS["strict_vs_batched"]))
    t.append(("recording, point_select t=8: jit-batched / jit (none) throughput",
              fmt(rc["batched_vs_none"], ".2f"), ">= %.2f" % GOALS["batched_vs_none"],
              rc["batched_vs_none"] is not None and rc["batched_vs_none"] >= GOALS["batched_vs_none"]))
    kib = (b.idle or {}).get("per_session_kib")
    t.append(("resident memory per idle session", fmt(kib, ".1f") + " KiB", "<= %.0f KiB" % GOALS["idle_kib"],
              kib is not None and kib <= GOALS["idle_kib"]))
    return t


def chart(b, rows, out_png):
    """Throughput and latency per test and route: two clustered bar charts (gnuplot)."""
    dat = os.path.join(b.work, "chart.dat")
    with open(dat, "w") as f:
        f.write("# test qps: direct haproxy jitgate; avg latency ms: direct haproxy jitgate\n")
        for name, *_ in TESTS:
            q, l = [], []
            for route in ROUTES:
                s = next((x for x in rows if x["test"] == name and x["route"] == route), None)
                q.append(fmt(s and s["qps"], ".1f"))
                l.append(fmt(s and s["lat_avg_ms"], ".4f"))
            f.write('"%s" %s %s\n' % (name.replace(" tls", "\\ntls").replace(" plain", "\\nplain"),
                                      " ".join(q), " ".join(l)))
    title = "jitgate bench %s, %s, %d cores, %d x %d s per route and test" % (
        b.date[:10], machine()["cpu"], os.cpu_count(), b.a.rounds, b.a.time)
    gp = os.path.join(BENCH, "chart.gp")
    b.call(["gnuplot", "-e", "datafile='%s'; outfile='%s'; charttitle='%s'" % (dat, out_png, title), gp],
           timeout=60)


# ---- A/B report ---------------------------------------------------------------------------------

def ab_side(vals):
    """Median, min, max and spread ((max - min) / median) of one build's figures."""
    vals = [v for v in vals if v is not None]
    if not vals:
        return dict(median=None, min=None, max=None, spread=None, rounds=[])
    m = statistics.median(vals)
    return dict(median=m, min=min(vals), max=max(vals), spread=(max(vals) - min(vals)) / m if m else None,
                rounds=vals)


def ab_compare(per, key, higher_is_better):
    """The ratio new/base of the medians, each round's ratio (the two runs of a round ran back
    to back), and whether the ratio is within AB_MARGIN on the side that matters."""
    new, base = per["jit"], per["jit-base"]
    r = ratio(new[key]["median"], base[key]["median"])
    by_round = {}
    for side, route in ((0, "jit"), (1, "jit-base")):
        for rnd, v in per[route]["by_round"]:
            by_round.setdefault(rnd, [None, None])[side] = v
    paired = [ratio(n, b) for _, (n, b) in sorted(by_round.items()) if n is not None and b]
    within = None if r is None else (r >= 1 - AB_MARGIN if higher_is_better else r <= 1 + AB_MARGIN)
    # Rounds that disagree on the sign of a 5 % change: this run cannot resolve the margin.
    unresolved = bool(paired) and min(paired) < 1 - AB_MARGIN and max(paired) > 1 + AB_MARGIN
    return dict(ratio=r, round_ratios=paired, round_ratio_median=med(paired), within=within,
                higher_is_better=higher_is_better, unresolved=unresolved)


def summarize_ab(b):
    """Per test, each build's median, min-max and spread over the rounds, and the ratio."""
    out = []
    for name, script, threads, tls, extra, routes in AB_TESTS:
        per = {}
        for route in routes:
            other = ROUTE_PROC[[x for x in routes if x != route][0]]
            rr = [r for r in b.runs if r["test"] == name and r["route"] == route]
            ok = [r for r in rr if r["ok"]]
            per[route] = dict(
                runs=len(rr), ok=bool(rr) and len(ok) == len(rr), proc=ROUTE_PROC[route],
                qps=ab_side(r["qps"] for r in ok), by_round=[(r["round"], r["qps"]) for r in ok],
                lat_avg_ms=med(r["lat_avg_ms"] for r in ok), lat_p95_ms=med(r["lat_p95_ms"] for r in ok),
                cpu_s_per_100k=med(r["cpu_s"][ROUTE_PROC[route]] / r["queries"] * 1e5 for r in ok
                                   if r["cpu_s"].get(ROUTE_PROC[route]) is not None and r["queries"]),
                # The other gateway, idle meanwhile: what running both at once costs.
                idle_other_cpu_s=med(r["cpu_s"].get(other) for r in ok))
        s = dict(test=name, threads=threads, metric="qps", target=name == AB_TARGET_TEST, **per)
        s.update(ab_compare(per, "qps", True))
        s["cpu_ratio"] = ratio(per["jit"]["cpu_s_per_100k"], per["jit-base"]["cpu_s_per_100k"])
        out.append(s)
    per = {}
    for route in AB_ROUTES:
        other = ROUTE_PROC[[x for x in AB_ROUTES if x != route][0]]
        rr = [c for c in b.connect_runs if c["route"] == route]
        ok = [c for c in rr if c["ok"]]
        per[route] = dict(runs=len(rr), ok=bool(rr) and len(ok) == len(rr), proc=ROUTE_PROC[route],
                          p50_us=ab_side(c.get("p50_us") for c in ok),
                          p99_us=ab_side(c.get("p99_us") for c in ok),
                          by_round=[(c["round"], c.get("p50_us")) for c in ok],
                          idle_other_cpu_s=med(c["cpu_s"].get(other) for c in ok))
    s = dict(test="connect", metric="p50_us", target=False, **per)
    s.update(ab_compare(per, "p50_us", False))
    out.append(s)
    return out


def table_ab(b, rows):
    def rng(side, spec, scale=1.0):
        if side["min"] is None:
            return "-"
        return "%s - %s" % (format(side["min"] / scale, spec), format(side["max"] / scale, spec))

    def pct(v):
        return fmt(v and v * 100, ".1f") + " %"

    def verdict(s):
        if s["within"] is None:
            return "within %d %%: unknown (a build has no figure)" % (AB_MARGIN * 100)
        bound = ("new/base >= %.2f" % (1 - AB_MARGIN)) if s["higher_is_better"] else \
            ("new/base <= %.2f, lower is better" % (1 + AB_MARGIN))
        return "within %d %%: %s (%s; %s)" % (
            AB_MARGIN * 100, "yes" if s["within"] else "NO", bound,
            "the data-path refactor's target" if s["target"] else "information")

    L = ["%-22s %-16s %13s %19s %8s %11s %13s" % (
        "test", "build", "median", "min - max", "spread", "lat avg ms", "cpu s/100k q")]
    for s in rows:
        L.append("")
        conn = s["test"] == "connect"
        for i, route in enumerate(AB_ROUTES):
            side = s[route]
            label = "%-4s (%s)" % ("new" if route == "jit" else "base", route)
            if conn:
                L.append("%-22s %-16s %10s ms %19s %8s %11s %13s%s" % (
                    "connect p50 (set-up)" if i == 0 else "", label,
                    fmt(side["p50_us"]["median"] and side["p50_us"]["median"] / 1000, ".2f"),
                    rng(side["p50_us"], ".2f", 1000), pct(side["p50_us"]["spread"]), "", "",
                    "" if side["ok"] else "  FAILED"))
            else:
                L.append("%-22s %-16s %9s qps %19s %8s %11s %13s%s" % (
                    s["test"] if i == 0 else "", label, fmt(side["qps"]["median"], ".0f"),
                    rng(side["qps"], ".0f"), pct(side["qps"]["spread"]), fmt(side["lat_avg_ms"], ".3f"),
                    fmt(side["cpu_s_per_100k"], ".2f"), "" if side["ok"] else "  FAILED"))
        if conn:
            L.append("%-22s %-16s %10s ms %19s" % (
                "connect p99", "new / base", "%s / %s" % tuple(
                    fmt(s[r]["p99_us"]["median"] and s[r]["p99_us"]["median"] / 1000, ".2f") for r in AB_ROUTES),
                ""))
        rr = s["round_ratios"]
        L.append("%-22s %-16s %13s   per round %s%s" % (
            "", "new/base", fmt(s["ratio"], ".3f"),
            "%.3f - %.3f, median %.3f (%d rounds)" % (min(rr), max(rr), s["round_ratio_median"], len(rr))
            if rr else "-", "; cpu per query %s" % fmt(s["cpu_ratio"], ".3f") if "cpu_ratio" in s else ""))
        L.append("%-22s %s" % ("", verdict(s)))
        if s["unresolved"]:
            L.append("%-22s %s" % ("", "noise: rounds range from below %.2f to above %.2f, so this run cannot "
                                       "resolve %d %%" % (1 - AB_MARGIN, 1 + AB_MARGIN, AB_MARGIN * 100)))
    L.append("")
    idle = [(s["test"], r, s[r]["idle_other_cpu_s"]) for s in rows for r in AB_ROUTES]
    worst = max((x for x in idle if x[2] is not None), key=lambda x: x[2], default=None)
    if worst:
        L.append("the gateway not measured used at most %.3f s of CPU (median) during the other's runs "
                 "(%s, while %s ran)" % (worst[2], worst[0], worst[1]))
    return L


def report_ab(b, rows, label):
    os.makedirs(b.a.out, exist_ok=True)
    m = machine()
    v = versions(b)
    L = ["", "jitgate %s, %s: %s, %d cores (%s), kernel %s, %s" % (
        label, b.date, m["cpu"], m["nproc"], m["memory"], m["kernel"],
        "%d round(s) x %d s per build and test, %d connects per build and round, medians"
        % (b.a.rounds, b.a.time, b.a.connects)),
        "new:  jitgate %s (%s)" % (v["jitgate"], os.path.relpath(os.path.abspath(b.a.jitgate), ROOT)),
        "base: jitgate %s (%s)" % (b.a.base_label, os.path.relpath(os.path.abspath(b.a.ab), ROOT)),
        "both on the jit route (TLS, tests/bench/bench.policy, just-in-time users), both up for the whole "
        "run, measured one at a time", "in rotating order, %.1f s apart" % b.a.settle,
        "load average (1 min) %.1f at start, %.1f at end%s" % (
            b.load_start[0], b.load_end[0],
            ": the machine was busy with other work; the ratio of alternating runs holds up better "
            "than either figure" if max(b.load_start[0], b.load_end[0]) > 0.5 * m["nproc"] else ""), ""]
    L += table_ab(b, rows)
    L += ["", "spread: (max - min) / median over the rounds; new/base: ratio of the medians (what the",
          "5 % line judges); per round: the ratios of the two runs of each round, which ran back to back;",
          "cpu per query: ratio of the gateways' own CPU seconds per 100k queries. When rounds disagree",
          "beyond the margin the run cannot resolve it: repeat, or add rounds (BENCH_AB_ARGS=--rounds 15)."]
    text = "\n".join(L) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(b.a.out, "ab-latest.txt"), "w") as f:
        f.write(text.lstrip("\n"))
    doc = dict(
        date=b.date, machine=m, versions=dict(v, jitgate_base=b.a.base_label),
        binaries=dict(new=os.path.abspath(b.a.jitgate), base=os.path.abspath(b.a.ab)),
        load_average=dict(start=b.load_start, end=b.load_end),
        config=dict(mode=label, rounds=b.a.rounds, seconds_per_run=b.a.time, tables=TABLES,
                    table_size=TABLE_SIZE, connects_per_round=b.a.connects, settle_s=b.a.settle,
                    routes=dict(jit="this build", **{"jit-base": "the base build"}),
                    credentials="jit, pool 4, tests/bench/bench.policy; instances bench and benchbase",
                    gateways="both running for the whole run, one measured at a time, order rotating",
                    jitgate_workers="one per core", backend_tls="off",
                    sysbench="prepared statements (sysbench default), --mysql-ssl=on",
                    margin=AB_MARGIN, target_test=AB_TARGET_TEST),
        summary=rows, runs=b.runs, connect_runs=b.connect_runs, problems=b.problems)
    with open(os.path.join(b.a.out, "ab-latest.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    log("wrote %s/ab-latest.json, ab-latest.txt" % os.path.relpath(b.a.out, ROOT))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--time", type=int)
    ap.add_argument("--connects", type=int)
    ap.add_argument("--idle", type=int)
    ap.add_argument("--out")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--jitgate", default=os.environ.get("JITGATE", os.path.join(ROOT, "build", "jitgate")))
    ap.add_argument("--tools", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--ab", metavar="BASE_BINARY",
                    help="A/B mode: the jit route of --jitgate against this jitgate binary's")
    ap.add_argument("--base-label", help="--ab: what the base binary is (e.g. its git revision)")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="--ab: seconds between runs (users dropped, pools refilled)")
    a = ap.parse_args()
    mode = MODES[("ab-quick" if a.quick else "ab") if a.ab else ("quick" if a.quick else "full")]
    for k in ("rounds", "time", "connects", "idle", "out"):
        if getattr(a, k) is None:
            setattr(a, k, mode[k])
    a.budget = mode["budget"]
    label = ("bench-ab" if a.ab else "bench") + ("-quick" if a.quick else "")
    if a.ab:
        a.base_label = a.base_label or a.ab

    def on_signal(signum, frame):
        raise Abort("interrupted (signal %d)" % signum)

    def on_alarm(signum, frame):
        raise Abort("global budget of %d s exceeded" % a.budget)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(a.budget)

    b = Bench(a)
    b.date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    fatal = None
    rows = []
    t_start = time.monotonic()
    try:
        b.run_ab() if a.ab else b.run()
    except Exception as e:      # Abort (signal, budget), a setup step, a gateway that died
        fatal = "%s: %s" % (type(e).__name__, e)
    signal.alarm(0)
    try:
        rows = summarize_ab(b) if a.ab else summarize(b)
        if not fatal:
            (report_ab if a.ab else report)(b, rows, label)
    except Exception as e:      # a report that fails is a failed run, not a crash
        fatal = "report: %s: %s" % (type(e).__name__, e)
    # A second Ctrl-C must not cut the cleanup short and leave servers behind.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    b.cleanup()

    if a.ab:
        # Build x test pairs, the connects counted as a test: every round completed.
        for s in rows:
            for route in AB_ROUTES:
                side = s.get(route, {})
                if side.get("ok") and side.get("runs") == a.rounds:
                    b.passed += 1
                else:
                    b.failed += 1
        if not rows:
            b.failed += 1
    else:
        count(b, rows)
    if b.problems:
        log("\nwhat looked wrong:")
        for p in b.problems:
            log("  " + p)
    if fatal:
        log("\n%s: stopped: %s" % (label, fatal))
        b.failed = max(b.failed, 1)
    log("%s took %.0f s" % (label, time.monotonic() - t_start))
    log("%s: %d passed, %d failed" % (label, b.passed, b.failed))
    sys.exit(1 if b.failed else 0)


def count(b, rows):
    """Counts route x test pairs (every round completed), connect routes and the idle case."""
    for s in rows:
        if s["ok"] and s["runs"] == b.a.rounds:
            b.passed += 1
        else:
            b.failed += 1
    for route in JIT_ROUTES:
        if b.connect.get(route, {}).get("ok"):
            b.passed += 1
        else:
            b.failed += 1
    if b.idle and b.idle.get("ok"):
        b.passed += 1
    else:
        b.failed += 1
    if b.mask_check and b.mask_check.get("ok"):
        b.passed += 1
    else:
        b.failed += 1
    for mode in ("batched", "strict"):
        if b.record_check.get(mode, {}).get("ok"):
            b.passed += 1
        else:
            b.failed += 1


def report(b, rows, label):
    os.makedirs(b.a.out, exist_ok=True)
    m = machine()
    L = ["", "jitgate %s, %s: %s, %d cores (%s), kernel %s, %s" % (
        label, b.date, m["cpu"], m["nproc"], m["memory"], m["kernel"],
        "%d round(s) x %d s per route and test, medians" % (b.a.rounds, b.a.time)),
        "load average (1 min) %.1f at start, %.1f at end%s" % (
            b.load_start[0], b.load_end[0],
            ": the machine was busy with other work, absolute figures are noisy; ratios of alternating"
            " runs hold up better" if max(b.load_start[0], b.load_end[0]) > 0.5 * m["nproc"] else ""), ""]
    L += table(b, rows)
    L += ["", "qps: queries/s; latency per sysbench transaction (point_select and range100: 1 query,",
          "read_only: 14 queries + BEGIN/COMMIT); vs: qps ratio; added us/q: (avg latency - direct's) / queries",
          "per transaction, same TLS setting.", "",
          "targets (goals, not assertions)"]
    tg = targets(b, rows)
    for what, val, goal, met in tg:
        L.append("  %-64s %-18s goal %-20s %s" % (what, val, goal, "" if met is None else "met" if met else "missed"))
    text = "\n".join(L) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(b.a.out, "latest.txt"), "w") as f:
        f.write(text.lstrip("\n"))
    doc = dict(
        date=b.date, machine=m, versions=versions(b),
        load_average=dict(start=b.load_start, end=b.load_end),
        config=dict(mode=label, rounds=b.a.rounds, seconds_per_run=b.a.time, tables=TABLES,
                    table_size=TABLE_SIZE, connects=b.a.connects, idle_sessions=b.a.idle,
                    jitgate_workers="one per core", backend_tls="off",
                    jitgate_credentials="shared, no policy",
                    jit_credentials="jit, pool 4, tests/bench/bench.policy",
                    jit_mask_credentials="jit, pool 4, tests/bench/bench-mask.policy (c masked with last4)",
                    sysbench="prepared statements (sysbench default), --mysql-ssl=on for tls tests"),
        summary=rows, connect=b.connect, idle=b.idle, masking=dict(masking(rows), check=b.mask_check),
        recording=dict(recording(rows), check=b.record_check),
        targets=[dict(what=w, value=v, goal=g, met=mt) for w, v, g, mt in tg],
        runs=b.runs, problems=b.problems)
    with open(os.path.join(b.a.out, "latest.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    chart(b, rows, os.path.join(b.a.out, "latest.png"))
    log("wrote %s/latest.json, latest.txt, latest.png" % os.path.relpath(b.a.out, ROOT))


if __name__ == "__main__":
    main()
