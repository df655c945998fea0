#!/usr/bin/python3
"""mcp_agent.py: drive an MCP server over stdio as an agent host (Claude Desktop, an IDE) does.

    mcp_agent.py [--env NAME=VALUE]... [--secret-env NAME=FILE]... [--cwd DIR] [--timeout S]
                 [--tool NAME] [--result-file FILE] --sql SQL -- COMMAND [ARGS...]

COMMAND is started as a subprocess with the given environment (on top of PATH and HOME only, as
a host's "env" block is: nothing of the caller's environment leaks into the server's
configuration); --secret-env reads the value from a file so that a token is never on a command
line. The conversation is MCP's stdio transport, newline-delimited JSON-RPC 2.0:

    initialize -> notifications/initialized -> tools/list -> tools/call(TOOL, {<arg>: SQL})

TOOL is --tool, or else the one tool whose name says "query" (or the only tool); <arg> is the
first required string property of its input schema. Each reply must come within --timeout
seconds (default 60: a Node server on a loaded machine is slow to start). Prints what it did,
then the tool result's text items, then "isError: true|false"; --result-file also writes the
result object as JSON, for a caller that checks values rather than text. Exits 0 when the call
returned isError false; otherwise 1 with the reason on the last line. Anything the server wrote to
stderr is printed too, so that a check on the output covers everything the agent could see.
Standard library only (Debian's /usr/bin/python3).
"""
import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

PROTOCOL_VERSION = "2025-06-18"


class Failure(Exception):
    """The reason the conversation failed; main prints it last."""


def fail(msg):
    raise Failure(msg)


class Server:
    def __init__(self, argv, env, cwd, timeout):
        self.timeout = timeout
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=cwd,
                                     start_new_session=True)
        self.lines = queue.Queue()
        self.stderr = []
        self.next_id = 1
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self):
        for raw in self.proc.stdout:
            self.lines.put(raw)
        self.lines.put(None)

    def _read_stderr(self):
        for raw in self.proc.stderr:
            self.stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def send(self, msg):
        data = (json.dumps(msg) + "\n").encode()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            fail("the MCP server closed its stdin (exited with %s)" % self.proc.poll())

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                fail("no answer to %s within %ss" % (method, self.timeout))
            try:
                raw = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if raw is None:
                time.sleep(0.2)   # let the stderr reader catch the server's last words
                fail("the MCP server exited (status %s) before answering %s: %s" %
                     (self.proc.poll(), method, " | ".join(self.stderr[-3:])))
            try:
                msg = json.loads(raw)
            except ValueError:
                # The stdio transport allows nothing but JSON-RPC on stdout; a host would drop
                # the line, and so do we, but it is shown.
                print("non-JSON line on the server's stdout: %r" % raw[:200])
                continue
            if "method" in msg:
                if "id" in msg:   # a request from the server (roots/list, sampling): not offered
                    self.send({"jsonrpc": "2.0", "id": msg["id"],
                               "error": {"code": -32601, "message": "method not found"}})
                continue          # a notification (logging, list_changed)
            if msg.get("id") != rid:
                continue
            if "error" in msg:
                fail("%s answered with an error: %s" % (method, json.dumps(msg["error"])))
            return msg.get("result", {})

    def close(self):
        # A host ends a stdio server by closing its stdin, then SIGTERM, then SIGKILL. The
        # server runs in a process group of its own (start_new_session), so that a wrapper (npx,
        # a shell) goes with everything it started.
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.proc.pid, sig)
                except OSError:
                    pass
                try:
                    self.proc.wait(timeout=3)
                    break
                except subprocess.TimeoutExpired:
                    pass
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)   # anything the leader left in its group
        except OSError:
            pass


def pick_tool(tools, wanted):
    names = [t.get("name") for t in tools]
    if wanted:
        for t in tools:
            if t.get("name") == wanted:
                return t
        fail("no tool named %s among %s" % (wanted, names))
    query = [t for t in tools if "query" in (t.get("name") or "").lower()]
    if len(query) == 1:
        return query[0]
    if len(tools) == 1:
        return tools[0]
    fail("cannot tell which tool runs SQL among %s: pass --tool" % names)


def sql_argument(tool):
    schema = tool.get("inputSchema") or {}
    props = schema.get("properties") or {}
    for name in schema.get("required") or list(props):
        if (props.get(name) or {}).get("type") == "string":
            return name
    fail("tool %s has no string argument for the SQL: %s" % (tool.get("name"), json.dumps(schema)))


def on_term(signum, _frame):
    # `timeout` ends us with SIGTERM: stop the server too rather than leave it behind.
    raise Failure("stopped by signal %d" % signum)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--secret-env", action="append", default=[], metavar="NAME=FILE")
    ap.add_argument("--cwd")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--tool")
    ap.add_argument("--result-file")
    ap.add_argument("--sql", required=True)
    ap.add_argument("command", nargs="+")
    a = ap.parse_args()

    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    for kv in a.env:
        k, sep, v = kv.partition("=")
        if not sep:
            ap.error("--env wants NAME=VALUE, got %s" % kv)
        env[k] = v
    try:
        for kv in a.secret_env:
            k, sep, path = kv.partition("=")
            if not sep:
                fail("--secret-env wants NAME=FILE, got %s" % kv)
            with open(path, encoding="utf-8") as f:
                env[k] = f.readline().strip()
    except (Failure, OSError) as e:
        print(e, flush=True)
        sys.exit(1)

    print("starting: %s" % " ".join(a.command), flush=True)
    signal.signal(signal.SIGTERM, on_term)
    try:
        srv = Server(a.command, env, a.cwd, a.timeout)
    except OSError as e:
        print("cannot start the MCP server: %s" % e, flush=True)
        sys.exit(1)
    reason = None
    try:
        init = srv.request("initialize", {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "jitgate-integration-agent", "version": "1.0"},
        })
        info = init.get("serverInfo") or {}
        print("initialize: server %s %s, protocol %s" %
              (info.get("name"), info.get("version"), init.get("protocolVersion")), flush=True)
        srv.notify("notifications/initialized")
        tools = srv.request("tools/list", {}).get("tools") or []
        print("tools/list: %s" % ", ".join(t.get("name", "?") for t in tools), flush=True)
        tool = pick_tool(tools, a.tool)
        arg = sql_argument(tool)
        print("tools/call: %s {%s: %s}" % (tool["name"], arg, json.dumps(a.sql)), flush=True)
        res = srv.request("tools/call", {"name": tool["name"], "arguments": {arg: a.sql}})
        if a.result_file:
            with open(a.result_file, "w", encoding="utf-8") as f:
                json.dump(res, f)
        print("---- tool result ----")
        for item in res.get("content") or []:
            if item.get("type") == "text":
                print(item.get("text", ""))
            else:
                print("(%s item)" % item.get("type"))
        print("----")
        print("isError: %s" % ("true" if res.get("isError") else "false"), flush=True)
        if res.get("isError"):
            reason = "the tool call returned isError"
    except Failure as e:
        reason = str(e)
    finally:
        srv.close()
        time.sleep(0.1)
        if srv.stderr:
            print("---- the server's stderr ----")
            print("\n".join(srv.stderr[-40:]))
            print("----", flush=True)
    if reason:
        print(reason, flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
