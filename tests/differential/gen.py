"""gen.py: the differential test's generator (tests/differential/README.md).

A packet is a list of pieces (bytes); the packet's text is their concatenation. The shrinker
removes and cuts pieces, so a piece is the smallest unit that means something on its own: a
keyword, a literal, a comment, a separator. Everything is drawn from one random.Random(seed), so a
seed gives the same packets on every machine.

What is generated is the dangerous part of SQL's surface: every kind of quote (with backslashes
and doubled quotes inside), every kind of comment (-- before space, tab, newline, a control byte,
0xA0 or nothing; #; /* */; executable comments /*! */, /*!NNNNN */ below and above the server's
version and in MariaDB's ignored MySQL range 50700-99999, /*M! */, /*m! */, /*M!NNNNNN */),
multi-byte UTF-8, latin1 high bytes, semicolons inside and outside all of these, ODBC escapes,
introducers, and SET sql_mode / SET NAMES earlier in the same packet, inside SELECT, UPDATE,
DELETE, INSERT, REPLACE, DROP, SET and USE statements over the schema in SCHEMA_SQL. Many packets
are syntax errors on purpose: the server then stops at the failing statement, which is part of
what is compared.
"""

import random

DB = "dt"
TABLES = ("t1", "t2", "t3")
# Each statement that drops or alters something makes the harness load this again.
SCHEMA_SQL = (
    "DROP DATABASE IF EXISTS dt; CREATE DATABASE dt; "
    + " ".join(f"CREATE TABLE dt.{t} (a INT PRIMARY KEY AUTO_INCREMENT, b TEXT, c INT); "
               f"INSERT INTO dt.{t} (b, c) VALUES ('x', 1), ('y', 2);" for t in TABLES)
)

# Session states a packet may start in (the harness sets them, then reads them back).
START_MODES = ("DEFAULT", "ANSI_QUOTES", "NO_BACKSLASH_ESCAPES",
               "ANSI_QUOTES,NO_BACKSLASH_ESCAPES", "ANSI")
START_CHARSETS = ("utf8mb4", "utf8mb4", "latin1")

# Versions for /*!NNNNN and /*M!NNNNNN: the server is 10.11.x (101100 and up); 50700-99999 is the
# MySQL range MariaDB skips in /*! but not in /*M!.
VERSIONS5 = (b"32302", b"40000", b"50000", b"50699", b"50700", b"50701", b"80000", b"99999")
VERSIONS6 = (b"100000", b"100100", b"101100", b"101119", b"101200", b"110000", b"999999")

# Atoms of text inside strings and comments: what could end them early or look like code.
TEXT_ATOMS = (
    b"x", b"a b", b";", b"; DROP TABLE t1; ", b"'", b'"', b"`", b"\\", b"\\'", b'\\"', b"\\\\",
    b"''", b'""', b"--", b"-- ", b"#", b"/*", b"*/", b"/*!", b"*/;", b"\n", b"\t",
    "\u00e9".encode(), "\u20ac".encode(), "\U0001f600".encode(), "\u00a0".encode(), b"\xa0",
    b"\xe9", b"\x5c", b"%", b"_", b"{", b"}", b"?", b"\x01", b"\x00",
)
SAFE_ATOMS = (b"x", b"a b", b"1", "\u00e9".encode(), b";", b"\n")


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.state = {"sql_mode": "DEFAULT", "charset": "utf8mb4"}

    def likely(self, what):
        """Pieces that are a syntax error in most sessions are drawn more often where they are
        not (double quotes as identifiers under ANSI_QUOTES, 0xA0 as a space in latin1), so that
        packets get past them to their later statements."""
        if what == "ansi":
            return 0.5 if "ANSI" in self.state["sql_mode"] else 0.05
        return 0.5 if self.state["charset"] == "latin1" else 0.1

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def chance(self, p):
        return self.r.random() < p

    # ---- text ---------------------------------------------------------------------------------
    def text(self, atoms=TEXT_ATOMS, most=4):
        return b"".join(self.pick(atoms) for _ in range(self.r.randrange(most + 1)))

    def comment(self, at_end=False):
        """An ordinary comment, with what follows it when it needs a newline."""
        k = self.r.randrange(12)
        body = self.text().replace(b"\n", b" ")
        if k <= 5:                      # -- followed by one of its edge characters
            after = self.pick((b" ", b"\t", b"\n", b"\x01", b"\x0b", b"\r", b"\xa0",
                               "\u00a0".encode(), b"", b"-", b"x"))
            return [b"--" + after + body + (b"" if at_end and self.chance(0.5) else b"\n")]
        if k <= 7:
            return [b"#" + body + (b"" if at_end and self.chance(0.5) else b"\n")]
        if k == 8:                      # an optimizer hint: MariaDB reads it as a comment
            return [b"/*+ " + self.text().replace(b"*/", b"") + b"*/"]
        return [b"/*" + self.text().replace(b"*/", b"") + b"*/"]

    def exec_open(self):
        k = self.r.randrange(9)
        if k == 0:
            return b"/*!"
        if k <= 3:
            return b"/*!" + self.pick(VERSIONS5) + self.pick((b" ", b"", b"\n"))
        if k == 4:
            return b"/*!" + self.pick(VERSIONS6) + b" "
        if k == 5:
            return b"/*M!" + self.pick((b"", b" "))
        if k == 6:
            return b"/*m!" + self.pick((b"", b" "))
        if k == 7:
            return b"/*M!" + self.pick(VERSIONS6 + VERSIONS5) + b" "
        return b"/*!" + self.pick((b"1", b"123", b"1234", b"5000", b"00000", b"000000", b"0")) + b" "

    def gap(self):
        """Between two tokens: usually a space, sometimes whitespace or a comment."""
        if not self.chance(0.2):
            return [b" "]
        k = self.r.randrange(10)
        if k <= 2:
            if self.chance(self.likely("latin1")):
                return [self.pick((b"\xa0", "\u00a0".encode(), b" \xa0 "))]
            return [self.pick((b"\t", b"\n", b"  ", b"\r\n", b"\x0b", b"\x0c"))]
        if k <= 7:
            return [b" "] + self.comment() + [b" "]
        return [b" ", self.exec_open(), self.pick((b"", b" ", b"", b"x")), b"*/", b" "]

    # ---- literals and names -------------------------------------------------------------------
    def quoted(self, q):
        return q + self.text() + q

    def literal(self):
        k = self.r.randrange(16)
        if k <= 3:
            return self.quoted(b"'")
        if k <= 5:
            return self.quoted(b'"')
        if k == 6:
            return b"N" + self.quoted(b"'")
        if k == 7:
            return self.pick((b"X'0F'", b"x'4142'", b"X'F'", b"0x41", b"0x", b"X''"))
        if k == 8:
            return self.pick((b"B'0101'", b"b'1'", b"0b1", b"B'2'"))
        if k == 9:
            return self.pick((b"_latin1", b"_utf8mb4", b"_binary", b"_utf8", b"_ascii")) + \
                self.pick((b"", b" ")) + self.quoted(self.pick((b"'", b'"')))
        if k == 10:
            return b"@" + self.quoted(self.pick((b"'", b'"', b"`")))
        if k == 11:
            return self.pick((b"{d '2024-01-02'}", b"{ t '12:00:00' }", b"{ts '2024-01-02 03:04:05'}",
                              b"{ fn CONCAT('a', 'b') }", b"{d ';'}", b"{ x 'a' }"))
        if k == 12:
            return self.pick((b"1", b"-1", b"1e3", b".5", b"0", b"18446744073709551616"))
        if k == 13:
            return b"'" + self.text(SAFE_ATOMS) + b"'"
        if k == 14:
            return b"CONCAT(" + self.quoted(b"'") + b", " + self.quoted(b'"') + b")"
        return b"@v"

    def table(self):
        t = self.pick(TABLES).encode()
        k = self.r.randrange(8)
        if k <= 3:
            return t
        if k == 4:
            return b"`" + t + b"`"
        if k == 5 and self.chance(self.likely("ansi")):
            return b'"' + t + b'"'          # an identifier under ANSI_QUOTES only
        if k <= 6:
            return b"dt." + t
        return b"`dt`.`" + t + b"`"

    def column(self):
        if self.chance(self.likely("ansi") / 3):
            return b'"b"'
        return self.pick((b"a", b"b", b"c", b"`b`", b"t1.b"))

    # ---- statements ---------------------------------------------------------------------------
    def join(self, toks):
        """Tokens with a gap between each two."""
        out = []
        for i, t in enumerate(toks):
            if i:
                out += self.gap()
            out += self.join(t) if isinstance(t, list) else [t]
        return out

    def select(self):
        exprs = [self.literal()]
        while self.chance(0.3):
            exprs += [b",", self.literal()]
        toks = [self.pick((b"SELECT", b"select", b"Select"))] + exprs
        if self.chance(0.6):
            tbl = self.table()
            if self.chance(0.1):
                tbl = [b"{", b"OJ", tbl, b"LEFT", b"JOIN", self.table(), b"ON", b"1", b"}"]
            toks += [b",", self.column(), b"FROM", tbl]
            if self.chance(0.5):
                toks += [b"WHERE", self.column(), self.pick((b"=", b"LIKE", b"<>")), self.literal()]
        if self.chance(0.2):
            toks += [b"LIMIT", b"1"]
        return toks

    def update(self):
        toks = [b"UPDATE", self.table(), b"SET", b"b", b"=", self.literal()]
        if self.chance(0.7):
            toks += [b"WHERE", b"a", b"=", self.pick((b"0", b"-1", self.literal()))]
        return toks

    def delete(self):
        return [b"DELETE", b"FROM", self.table(), b"WHERE", b"a", b"=",
                self.pick((b"0", b"-1", self.literal()))]

    def insert(self):
        toks = [self.pick((b"INSERT", b"INSERT", b"REPLACE")), self.pick((b"INTO", b"")) or b"INTO",
                self.table(), b"(b)", b"VALUES", b"(", self.literal(), b")"]
        if self.chance(0.3):
            toks += [b",", b"(", self.literal(), b")"]
        return toks

    def drop(self):
        if self.chance(0.1):
            return [b"DROP", b"TABLE", b"t3"]       # succeeds: the harness reloads the schema
        return [b"DROP", b"TABLE", b"IF", b"EXISTS", self.pick((b"nosuch", b"`no;such`", b'"nosuch"'))]

    def set_stmt(self):
        k = self.r.randrange(10)
        if k <= 2:
            mode = self.pick((b"ANSI_QUOTES", b"NO_BACKSLASH_ESCAPES", b"", b"ANSI",
                              b"ANSI_QUOTES,NO_BACKSLASH_ESCAPES", b"TRADITIONAL"))
            q = self.pick((b"'", b'"'))
            return [b"SET", self.pick((b"sql_mode", b"SESSION sql_mode", b"@@sql_mode",
                                       b"@@session.sql_mode", b"LOCAL sql_mode")),
                    b"=", q + mode + q]
        if k == 3:
            return [b"SET", b"sql_mode", b"=", self.pick((b"DEFAULT", b"CONCAT(@@sql_mode, ',ANSI_QUOTES')",
                                                        b"''", b"@m"))]
        if k <= 5:
            return [b"SET", b"NAMES", self.pick((b"latin1", b"utf8mb4", b"'latin1'", b"utf8",
                                                 b"binary", b"latin1 COLLATE latin1_bin"))]
        if k == 6:
            return [b"SET", self.pick((b"character_set_client", b"@@character_set_client")), b"=",
                    self.pick((b"latin1", b"utf8mb4"))]
        return [b"SET", self.pick((b"@v", b"@'v'", b'@"v"', b"@`v`")), self.pick((b"=", b":=")),
                self.literal()]

    def use(self):
        if self.chance(self.likely("ansi") / 2):
            return [b"USE", b'"dt"']
        return [b"USE", self.pick((b"dt", b"`dt`", b"shop"))]

    def statement(self):
        k = self.r.randrange(20)
        if k <= 6:
            toks = self.select()
        elif k <= 8:
            toks = self.update()
        elif k <= 9:
            toks = self.delete()
        elif k <= 11:
            toks = self.insert()
        elif k <= 12:
            toks = self.drop()
        elif k <= 17:
            toks = self.set_stmt()
        else:
            toks = self.use()
        out = self.join(toks)
        w = self.r.randrange(14)
        if w == 0:      # the whole statement in an executable comment
            out = [self.exec_open()] + out + [b" */"]
        elif w == 1:    # a second statement hidden after the first, inside one
            out += [b" ", self.exec_open(), b"; "] + self.join(self.pick(
                (self.drop, self.select, self.delete))()) + [b" */"]
        elif w == 2:    # a comment that ends the statement
            out += [b" "] + self.comment()
        return out

    def packet(self):
        """(initial session state, pieces, number of statements generated)."""
        state = {"sql_mode": self.pick(START_MODES), "charset": self.pick(START_CHARSETS)}
        self.state = state
        pieces = []
        n = 1 + self.r.randrange(4)
        if self.chance(0.3):
            pieces += self.join(self.set_stmt()) + [b";", b" "]
            n += 1
        for i in range(n):
            if i:
                pieces += [self.pick((b";", b";", b";", b" ;", b";\n"))] + self.gap()
            pieces += self.statement()
        tail = self.r.randrange(8)
        if tail == 1:
            pieces += [b";"]
        elif tail == 2:
            pieces += [b"; "]
        elif tail == 3:
            pieces += [b";"] + self.comment(at_end=True)
        elif tail == 4:
            pieces += [b" "] + self.comment(at_end=True)
        return state, [p for p in pieces if p], n
