#!/usr/bin/python3
"""audit_store.py: read a jitgate store's audit trail (docs/audit.md) the way an auditor would,
without jitgate: the tests must not trust the code they check. Never writes to the store.

  audit_store.py chain STORE          every instance's hash chain from seq 1 to its head
  audit_store.py values STORE TABLE [refuse]
                                      the v of every allowed "INSERT INTO audit_t.TABLE VALUES (v)"
                                      command record, one per line; with "refuse": "v CODE" of
                                      every refused one (CODE: the ERR the client got)
  audit_store.py kind STORE KIND      the records of one kind, one JSON line each:
                                      {"seq", "time", "session", "body"} (body parsed)

chain checks, per instance: seq runs 1, 2, 3 ... without a hole; prev of seq 1 is 32 zero bytes
and of every other record the hash of the one before; hash is SHA-256 of prev || instance NUL
seq NUL time NUL kind NUL session NUL body (numbers in decimal ASCII); every body is one JSON
object; a checkpoint names the record before it (its seq and hash) and, when python3-cryptography
is there, its signature verifies under the key of the instance's start records. It prints
"chain holds: ..." and exits 0, or "chain broken: ..." and exits 1.

The store may be in use by a running gateway, or left by a killed one (SQLite replays the WAL
when it opens the file, which needs the -shm to be writable: it is, for the test's user).
"""
import hashlib
import json
import re
import sqlite3
import sys


def connect(path):
    # mode=ro: no statement of ours can write; the WAL is still read (and recovered after a kill).
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)


def record_hash(prev, instance, seq, time_us, kind, session, body):
    h = hashlib.sha256()
    h.update(prev)
    h.update(instance.encode() + b"\0")
    h.update(b"%d\0%d\0" % (seq, time_us))
    h.update(kind.encode() + b"\0")
    h.update(b"%d\0" % session)
    h.update(body)
    return h.digest()


def signature_checker():
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    except ImportError:
        return None

    def check(key_hex, instance, seq, hash_hex, sig_hex):
        pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes.fromhex(key_hex))
        digest = hashlib.sha256(instance.encode() + b"\0" + str(seq).encode() + b"\0" +
                                hash_hex.encode()).digest()
        try:
            pub.verify(bytes.fromhex(sig_hex), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
            return True
        except InvalidSignature:
            return False
    return check


def chain(path):
    db = connect(path)
    check_sig = signature_checker()
    instances = [r[0] for r in db.execute("SELECT DISTINCT instance FROM audit ORDER BY 1")]
    if not instances:
        print("chain broken: the store holds no audit record")
        return 1
    total = checkpoints = 0
    kinds = {}
    for inst in instances:
        prev = bytes(32)
        want = 1
        key = None
        rows = db.execute("SELECT seq, time, kind, session, CAST(body AS BLOB), prev, hash "
                          "FROM audit WHERE instance = ? ORDER BY seq", (inst,))
        for seq, t, kind, session, body, rprev, rhash in rows:
            where = "instance %s seq %d (%s)" % (inst, seq, kind)
            if seq != want:
                print("chain broken: instance %s: seq %d follows %d" % (inst, seq, want - 1))
                return 1
            if bytes(rprev) != prev:
                print("chain broken: %s: prev is not the hash of the record before" % where)
                return 1
            if record_hash(prev, inst, seq, t, kind, session, bytes(body)) != bytes(rhash):
                print("chain broken: %s: hash does not match the record" % where)
                return 1
            try:
                b = json.loads(bytes(body))
            except ValueError:
                print("chain broken: %s: body is not JSON" % where)
                return 1
            if not isinstance(b, dict):
                print("chain broken: %s: body is not a JSON object" % where)
                return 1
            if kind == "start":
                key = b.get("key")
            if kind == "checkpoint":
                if b.get("seq") != seq - 1 or b.get("hash") != prev.hex():
                    print("chain broken: %s: the checkpoint does not name the record before it"
                          % where)
                    return 1
                if b.get("key") != key:
                    print("chain broken: %s: signed with another key than the start record's"
                          % where)
                    return 1
                if check_sig and not check_sig(key, inst, seq - 1, prev.hex(), b.get("sig", "")):
                    print("chain broken: %s: the signature does not verify" % where)
                    return 1
                checkpoints += 1
            kinds[kind] = kinds.get(kind, 0) + 1
            prev = bytes(rhash)
            want += 1
            total += 1
    print("chain holds: %d records, %d instance(s), %d checkpoints%s; %s" % (
        total, len(instances), checkpoints, "" if check_sig else " (signatures not checked)",
        " ".join("%s=%d" % kv for kv in sorted(kinds.items()))))
    return 0


def values(path, table, decision):
    pat = re.compile(r"INSERT INTO audit_t\.%s VALUES \((\d+)\)\Z" % re.escape(table))
    db = connect(path)
    seen = set()
    for (body,) in db.execute("SELECT body FROM audit WHERE kind = 'command'"):
        b = json.loads(body)
        m = pat.match(b.get("sql", "")) if isinstance(b.get("sql"), str) else None
        if m and b.get("com") == "COM_QUERY" and b.get("decision") == decision:
            v = int(m.group(1))
            seen.add((v, b.get("error", {}).get("code")) if decision == "refuse" else (v,))
    for r in sorted(seen):
        print(" ".join(str(x) for x in r))
    return 0


def kind(path, k):
    db = connect(path)
    for seq, t, session, body in db.execute(
            "SELECT seq, time, session, body FROM audit WHERE kind = ? ORDER BY instance, seq",
            (k,)):
        print(json.dumps({"seq": seq, "time": t, "session": session, "body": json.loads(body)}))
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "chain":
        return chain(a[1])
    if len(a) == 3 and a[0] == "values":
        return values(a[1], a[2], "allow")
    if len(a) == 4 and a[0] == "values" and a[3] == "refuse":
        return values(a[1], a[2], "refuse")
    if len(a) == 3 and a[0] == "kind":
        return kind(a[1], a[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
