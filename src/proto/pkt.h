/*
 * pkt.h: the contents of MySQL packets, read and written (MySQL Client/Server Protocol, "Basic
 * Data Types", "Generic Response Packets", "Text Resultset", "Binary Protocol Resultset").
 * Framing (the 4-byte header) is frame.h's; this module reads and writes what a payload holds.
 *
 * Bounds: every reader is given a payload as (p, len) and never reads outside [p, p + len).
 * A length read from the wire is compared with the bytes that are left before it is used, so a
 * lying length prefix is a JG_ERR_PROTO, never a read past the end.
 *
 * Ownership: nothing here allocates. Readers return pointers into the caller's payload (borrowed:
 * valid while the caller keeps those bytes; nothing is copied except into a caller's buffer
 * given with its capacity, jg_rd_cstr). Writers write into the caller's buffer and keep their
 * first error, so that a builder can call every step and look once at the end.
 *
 * Errors are enum jg_err: JG_OK, JG_ERR_PROTO for bytes that do not hold what they must,
 * JG_ERR_TOOBIG for something that does not fit a caller's buffer, JG_ERR_INTERNAL for a
 * caller's mistake (an integer width outside 1..8, finishing a writer that holds no packet).
 */
#ifndef JG_PROTO_PKT_H
#define JG_PROTO_PKT_H

#include "jg.h"

/* ---- constants --------------------------------------------------------------------------- */

/* Command bytes (MySQL Client/Server Protocol, "Text Protocol" and "Prepared Statements"). */
enum jg_com {
	JG_COM_SLEEP = 0x00, JG_COM_QUIT = 0x01, JG_COM_INIT_DB = 0x02, JG_COM_QUERY = 0x03,
	JG_COM_FIELD_LIST = 0x04, JG_COM_CREATE_DB = 0x05, JG_COM_DROP_DB = 0x06,
	JG_COM_REFRESH = 0x07, JG_COM_SHUTDOWN = 0x08, JG_COM_STATISTICS = 0x09,
	JG_COM_PROCESS_INFO = 0x0a, JG_COM_CONNECT = 0x0b, JG_COM_PROCESS_KILL = 0x0c,
	JG_COM_DEBUG = 0x0d, JG_COM_PING = 0x0e, JG_COM_TIME = 0x0f, JG_COM_DELAYED_INSERT = 0x10,
	JG_COM_CHANGE_USER = 0x11, JG_COM_BINLOG_DUMP = 0x12, JG_COM_TABLE_DUMP = 0x13,
	JG_COM_CONNECT_OUT = 0x14, JG_COM_REGISTER_SLAVE = 0x15, JG_COM_STMT_PREPARE = 0x16,
	JG_COM_STMT_EXECUTE = 0x17, JG_COM_STMT_SEND_LONG_DATA = 0x18, JG_COM_STMT_CLOSE = 0x19,
	JG_COM_STMT_RESET = 0x1a, JG_COM_SET_OPTION = 0x1b, JG_COM_STMT_FETCH = 0x1c,
	JG_COM_DAEMON = 0x1d, JG_COM_BINLOG_DUMP_GTID = 0x1e, JG_COM_RESET_CONNECTION = 0x1f,
};

/* jg_com_name: "COM_QUERY" and so on for a command byte; NULL for a byte that is no command.
 * The string is static. */
const char *jg_com_name(uint8_t com);

/* Capability flags (MySQL Client/Server Protocol, "Capabilities"): the negotiated set decides
 * the layout of OK and ERR packets, so the readers below take it. */
#define JG_CLIENT_LONG_PASSWORD 0x00000001u
#define JG_CLIENT_FOUND_ROWS 0x00000002u
#define JG_CLIENT_LONG_FLAG 0x00000004u
#define JG_CLIENT_CONNECT_WITH_DB 0x00000008u
#define JG_CLIENT_NO_SCHEMA 0x00000010u
#define JG_CLIENT_COMPRESS 0x00000020u
#define JG_CLIENT_ODBC 0x00000040u
#define JG_CLIENT_LOCAL_FILES 0x00000080u
#define JG_CLIENT_IGNORE_SPACE 0x00000100u
#define JG_CLIENT_PROTOCOL_41 0x00000200u
#define JG_CLIENT_INTERACTIVE 0x00000400u
#define JG_CLIENT_SSL 0x00000800u
#define JG_CLIENT_TRANSACTIONS 0x00002000u
#define JG_CLIENT_SECURE_CONNECTION 0x00008000u
#define JG_CLIENT_MULTI_STATEMENTS 0x00010000u
#define JG_CLIENT_MULTI_RESULTS 0x00020000u
#define JG_CLIENT_PS_MULTI_RESULTS 0x00040000u
#define JG_CLIENT_PLUGIN_AUTH 0x00080000u
#define JG_CLIENT_CONNECT_ATTRS 0x00100000u
#define JG_CLIENT_PLUGIN_AUTH_LENENC_DATA 0x00200000u
#define JG_CLIENT_SESSION_TRACK 0x00800000u
#define JG_CLIENT_DEPRECATE_EOF 0x01000000u

/* Server status flags (OK and EOF packets; "SERVER_STATUS_flags_enum"). */
#define JG_SERVER_STATUS_IN_TRANS 0x0001u
#define JG_SERVER_STATUS_AUTOCOMMIT 0x0002u
#define JG_SERVER_MORE_RESULTS_EXISTS 0x0008u
#define JG_SERVER_QUERY_NO_GOOD_INDEX_USED 0x0010u
#define JG_SERVER_QUERY_NO_INDEX_USED 0x0020u
#define JG_SERVER_STATUS_CURSOR_EXISTS 0x0040u
#define JG_SERVER_STATUS_LAST_ROW_SENT 0x0080u
#define JG_SERVER_STATUS_DB_DROPPED 0x0100u
#define JG_SERVER_STATUS_NO_BACKSLASH_ESCAPES 0x0200u
#define JG_SERVER_STATUS_METADATA_CHANGED 0x0400u
#define JG_SERVER_QUERY_WAS_SLOW 0x0800u
#define JG_SERVER_PS_OUT_PARAMS 0x1000u
#define JG_SERVER_STATUS_IN_TRANS_READONLY 0x2000u
#define JG_SERVER_SESSION_STATE_CHANGED 0x4000u
#define JG_SERVER_STATUS_ANSI_QUOTES 0x8000u          /* MariaDB: sql_mode has ANSI_QUOTES */

/* Column types (enum_field_types of MySQL and MariaDB). The ones marked internal are never sent
 * to a client; jg_pkt_bin_value refuses them. */
enum jg_type {
	JG_TYPE_DECIMAL = 0, JG_TYPE_TINY = 1, JG_TYPE_SHORT = 2, JG_TYPE_LONG = 3,
	JG_TYPE_FLOAT = 4, JG_TYPE_DOUBLE = 5, JG_TYPE_NULL = 6, JG_TYPE_TIMESTAMP = 7,
	JG_TYPE_LONGLONG = 8, JG_TYPE_INT24 = 9, JG_TYPE_DATE = 10, JG_TYPE_TIME = 11,
	JG_TYPE_DATETIME = 12, JG_TYPE_YEAR = 13,
	JG_TYPE_NEWDATE = 14,              /* internal */
	JG_TYPE_VARCHAR = 15, JG_TYPE_BIT = 16,
	JG_TYPE_TIMESTAMP2 = 17,           /* internal (replication, MySQL 5.6 tables) */
	JG_TYPE_DATETIME2 = 18,            /* internal */
	JG_TYPE_TIME2 = 19,                /* internal */
	JG_TYPE_TYPED_ARRAY = 20,          /* internal (MySQL replication) */
	JG_TYPE_BLOB_COMPRESSED = 140,     /* internal (MariaDB replication) */
	JG_TYPE_VARCHAR_COMPRESSED = 141,  /* internal (MariaDB replication) */
	JG_TYPE_VECTOR = 242,              /* MySQL 9 */
	JG_TYPE_INVALID = 243,             /* internal */
	JG_TYPE_BOOL = 244,                /* internal (a MySQL placeholder) */
	JG_TYPE_JSON = 245, JG_TYPE_NEWDECIMAL = 246, JG_TYPE_ENUM = 247, JG_TYPE_SET = 248,
	JG_TYPE_TINY_BLOB = 249, JG_TYPE_MEDIUM_BLOB = 250, JG_TYPE_LONG_BLOB = 251,
	JG_TYPE_BLOB = 252, JG_TYPE_VAR_STRING = 253, JG_TYPE_STRING = 254, JG_TYPE_GEOMETRY = 255,
};

/* Column flags (the 2-byte flags of a column definition). */
#define JG_FLAG_NOT_NULL 0x0001u
#define JG_FLAG_PRI_KEY 0x0002u
#define JG_FLAG_UNIQUE_KEY 0x0004u
#define JG_FLAG_MULTIPLE_KEY 0x0008u
#define JG_FLAG_BLOB 0x0010u
#define JG_FLAG_UNSIGNED 0x0020u
#define JG_FLAG_ZEROFILL 0x0040u
#define JG_FLAG_BINARY 0x0080u
#define JG_FLAG_ENUM 0x0100u
#define JG_FLAG_AUTO_INCREMENT 0x0200u
#define JG_FLAG_TIMESTAMP 0x0400u
#define JG_FLAG_SET 0x0800u
#define JG_FLAG_NO_DEFAULT_VALUE 0x1000u
#define JG_FLAG_ON_UPDATE_NOW 0x2000u
#define JG_FLAG_PART_KEY 0x4000u
#define JG_FLAG_NUM 0x8000u

/* ---- reader ------------------------------------------------------------------------------ */

/*
 * struct jg_rd: a cursor over one payload, caller-owned, with a sticky error (as BearSSL's
 * engines keep theirs): after the first failure err holds it and every later call fails at once
 * and returns 0 or NULL, so a parser may read a whole layout and check err once. p is borrowed:
 * what the reader returns points into it. Invariant: off <= len.
 */
struct jg_rd {
	const uint8_t *p;
	size_t len, off;
	int err;                   /* 0, or the first error (enum jg_err) */
};

/* jg_rd_init: a reader over [p, p + len), at offset 0, without error. */
void jg_rd_init(struct jg_rd *r, const uint8_t *p, size_t len);

/* jg_rd_left: bytes not yet read (0 after an error). */
size_t jg_rd_left(const struct jg_rd *r);

/*
 * jg_rd_take: the next n bytes, in place, and moves past them. Returns a pointer to them, or
 * NULL with err = JG_ERR_PROTO when fewer than n are left. (n = 0 returns the current position,
 * which is NULL only when p is.)
 */
const uint8_t *jg_rd_take(struct jg_rd *r, size_t n);

/* jg_rd_int: a little-endian integer of n bytes, n in 1..8 (int<n>). 0 on error: fewer than n
 * bytes left (JG_ERR_PROTO) or n outside 1..8 (JG_ERR_INTERNAL). */
uint64_t jg_rd_int(struct jg_rd *r, size_t n);

/* jg_rd_lenenc: a length-encoded integer (int<lenenc>). 0 on error: a first byte of 0xFB (the
 * NULL marker) or 0xFF (not an integer), or fewer bytes than the prefix announces. */
uint64_t jg_rd_lenenc(struct jg_rd *r);

/* jg_rd_lenenc_str: a length-encoded string (string<lenenc>): the bytes, in place, and their
 * count in *n. NULL with *n = 0 on error (as jg_rd_lenenc, or a length past the end). */
const uint8_t *jg_rd_lenenc_str(struct jg_rd *r, size_t *n);

/*
 * jg_rd_nulstr: a NUL-terminated string (string<NUL>), in place: returns its first byte and its
 * length without the NUL in *n, and moves past the NUL. A string that runs to the end of the
 * payload without one is accepted (clients and servers omit the last NUL). NULL with *n = 0 only
 * after an earlier error.
 */
const uint8_t *jg_rd_nulstr(struct jg_rd *r, size_t *n);

/*
 * jg_rd_cstr: jg_rd_nulstr copied into out as a C string (cap bytes including the NUL).
 * Returns JG_OK; JG_ERR_TOOBIG (and sets err) when it does not fit cap; the sticky error when
 * there was one. out is untouched on error.
 */
int jg_rd_cstr(struct jg_rd *r, char *out, size_t cap);

/* jg_pkt_lenenc: one length-encoded integer at p (avail bytes) into *v. Returns the bytes it
 * takes (1, 3, 4 or 9), or 0 when truncated or when the first byte is 0xFB or 0xFF. */
size_t jg_pkt_lenenc(const uint8_t *p, size_t avail, uint64_t *v);

/* jg_pkt_lenenc_size: the bytes the shortest encoding of v takes: 1, 3, 4 or 9. */
size_t jg_pkt_lenenc_size(uint64_t v);

/* ---- writer ------------------------------------------------------------------------------ */

/*
 * struct jg_wr: a cursor over a caller's output buffer with a sticky error: a step that does not
 * fit sets err = JG_ERR_TOOBIG and writes nothing, and every later step does nothing, so the
 * builder's result (jg_wr_finish) says whether the whole packet was written. p is borrowed.
 */
struct jg_wr {
	uint8_t *p;
	size_t cap, off;
	int err;                   /* 0, or the first error (enum jg_err) */
	uint8_t framed;            /* set by jg_wr_packet: p starts with a packet header */
};

/* jg_wr_init: a writer of raw bytes into [p, p + cap). */
void jg_wr_init(struct jg_wr *w, uint8_t *p, size_t cap);

/* jg_wr_packet: a writer of one packet into [out, out + cap): the first 4 bytes are kept for
 * the header that jg_wr_finish writes; the payload follows. cap < 4 is a sticky JG_ERR_TOOBIG. */
void jg_wr_packet(struct jg_wr *w, uint8_t *out, size_t cap);

/*
 * jg_wr_finish: writes the header of a jg_wr_packet writer with sequence id seq. Returns the
 * bytes of the packet including its header, or 0 when err is set, when the payload is 0xFFFFFF
 * bytes or more (it would need a continuation packet; err = JG_ERR_TOOBIG), or when the writer
 * was not made by jg_wr_packet (err = JG_ERR_INTERNAL).
 */
size_t jg_wr_finish(struct jg_wr *w, uint8_t seq);

/* jg_wr_bytes: n bytes from src (src may be NULL when n is 0). */
void jg_wr_bytes(struct jg_wr *w, const void *src, size_t n);

/* jg_wr_int: v as a little-endian integer of n bytes, n in 1..8 (else JG_ERR_INTERNAL). */
void jg_wr_int(struct jg_wr *w, uint64_t v, size_t n);

/* jg_wr_zero: n zero bytes. */
void jg_wr_zero(struct jg_wr *w, size_t n);

/* jg_wr_cstr: s and its NUL (string<NUL>); NULL is written as the empty string. */
void jg_wr_cstr(struct jg_wr *w, const char *s);

/* jg_wr_lenenc: v in its shortest length-encoded form (jg_pkt_lenenc_size(v) bytes). */
void jg_wr_lenenc(struct jg_wr *w, uint64_t v);

/* jg_wr_lenenc_str: n as jg_wr_lenenc, then the n bytes at s (string<lenenc>). */
void jg_wr_lenenc_str(struct jg_wr *w, const void *s, size_t n);

/* ---- OK, ERR, EOF ------------------------------------------------------------------------ */

/*
 * struct jg_pkt_ok: an OK_Packet. info and track point into the parsed payload (borrowed);
 * they are NULL with length 0 when absent.
 */
struct jg_pkt_ok {
	uint8_t header;            /* 0x00, or 0xFE for the OK that ends rows with DEPRECATE_EOF */
	uint64_t affected_rows, last_insert_id;
	uint16_t status, warnings;
	const uint8_t *info;       /* human-readable text ("Rows matched: 1 ...") */
	size_t info_len;
	const uint8_t *track;      /* the session-state-change block, when CLIENT_SESSION_TRACK
	                            * and SERVER_SESSION_STATE_CHANGED: walk it with
	                            * jg_pkt_track_next */
	size_t track_len;
};

/*
 * jg_pkt_parse_ok: the whole OK payload (p, len) into *ok (zeroed first). caps is the negotiated
 * capability set: with CLIENT_PROTOCOL_41 status and warnings follow the two integers (without
 * it, status alone with CLIENT_TRANSACTIONS); info is a length-encoded string when any byte is
 * left (MySQL and MariaDB both write it so, whatever the documentation's string<EOF> says); with
 * CLIENT_SESSION_TRACK and SERVER_SESSION_STATE_CHANGED in status, info and the track block are
 * both present. Returns JG_OK, or JG_ERR_PROTO for another header byte, truncation, or bytes
 * left over after the last field.
 */
int jg_pkt_parse_ok(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_ok *ok);

/*
 * jg_pkt_parse_ok_head: the fields before info (header, affected rows, last insert id, status,
 * warnings) from the first len bytes of an OK packet, for a tracker handed only the start of a
 * packet. Bytes after them are not looked at; info and track stay NULL. Returns JG_OK or
 * JG_ERR_PROTO.
 */
int jg_pkt_parse_ok_head(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_ok *ok);

/*
 * jg_pkt_ok_status: only the status flags of an OK packet's head (PROTOCOL_41), for the response
 * tracker, which reads one for every packet that starts with 0x00 (binary rows among them):
 * the same answer as jg_pkt_parse_ok_head's status, without filling a struct. JG_OK, or
 * JG_ERR_PROTO (*status untouched) when the first len bytes hold no OK head.
 */
int jg_pkt_ok_status(const uint8_t *p, size_t len, uint16_t *status);

/* struct jg_pkt_err: an ERR_Packet. msg points into the parsed payload (borrowed). */
struct jg_pkt_err {
	uint16_t code;
	char sqlstate[6];          /* 5 characters and a NUL; "HY000" when the packet has none */
	const uint8_t *msg;        /* not NUL-terminated */
	size_t msg_len;
};

/*
 * jg_pkt_parse_err: an ERR payload into *e. With CLIENT_PROTOCOL_41 a '#' after the code starts
 * a 5-character SQLSTATE; a message may also follow the code directly (servers do so before the
 * handshake is done, and without PROTOCOL_41). Returns JG_OK, or JG_ERR_PROTO when the header is
 * not 0xFF, the packet is truncated, the SQLSTATE holds other characters than digits and A-Z,
 * or the code is 0xFFFF (a MariaDB progress report, which is only sent to clients that ask for
 * it; the gateway never does).
 */
int jg_pkt_parse_err(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_err *e);

/* struct jg_pkt_eof: an EOF_Packet (PROTOCOL_41 layout). */
struct jg_pkt_eof {
	uint16_t warnings, status;
};

/*
 * jg_pkt_parse_eof: a 4.1 EOF payload (0xFE, warnings<2>, status<2>: exactly 5 bytes) into *e.
 * Returns JG_OK or JG_ERR_PROTO. A 0xFE packet of 6 to 8 bytes is not an EOF_Packet but the OK
 * that CLIENT_DEPRECATE_EOF sends in its place (jg_pkt_parse_ok); one of 9 bytes or more is a
 * row whose first value is long (a length-encoded integer starting 0xFE).
 */
int jg_pkt_parse_eof(const uint8_t *p, size_t len, struct jg_pkt_eof *e);

/* Session state change types (the track block of an OK packet). */
enum {
	JG_TRACK_SYSTEM_VARIABLES = 0, JG_TRACK_SCHEMA = 1, JG_TRACK_STATE_CHANGE = 2,
	JG_TRACK_GTIDS = 3, JG_TRACK_TRANSACTION_CHARACTERISTICS = 4,
	JG_TRACK_TRANSACTION_STATE = 5,
};

/* struct jg_pkt_track: one session state change; name and value point into the block. */
struct jg_pkt_track {
	uint8_t type;
	const uint8_t *name;       /* SYSTEM_VARIABLES only; NULL otherwise */
	size_t name_len;
	const uint8_t *value;
	size_t value_len;
};

/*
 * jg_pkt_track_next: the next change of a track block; it is a jg_rd the caller set up over
 * jg_pkt_ok.track / track_len. Each change is type<1> then its data as a length-encoded string;
 * SYSTEM_VARIABLES data is a name and a value (both string<lenenc>), SCHEMA data the schema
 * (string<lenenc>); the others are returned raw as value: STATE_CHANGE's data is the flag
 * itself ("1", as MySQL and MariaDB write it), GTIDS, TRANSACTION_* and types this module does
 * not know keep their own layouts. Returns JG_OK with *got = 1 and *t
 * filled, JG_OK with *got = 0 at the end of the block, or JG_ERR_PROTO (sticky in it) when a
 * change is truncated or its data holds more or less than its type says.
 */
int jg_pkt_track_next(struct jg_rd *it, struct jg_pkt_track *t, int *got);

/* ---- column definitions ------------------------------------------------------------------ */

/* struct jg_pkt_str: bytes borrowed from a payload (p may be NULL when n is 0). */
struct jg_pkt_str {
	const uint8_t *p;
	size_t n;
};

/* What follows a definition: nothing, or COM_FIELD_LIST's default value (a string or NULL). */
enum { JG_COLDEF_NO_DEFAULT = 0, JG_COLDEF_DEFAULT = 1, JG_COLDEF_DEFAULT_NULL = 2 };

/* struct jg_pkt_coldef: a Protocol::ColumnDefinition41; strings borrow the parsed payload, or
 * whatever a stage points them at before jg_wr_coldef. */
struct jg_pkt_coldef {
	struct jg_pkt_str catalog, schema, table, org_table, name, org_name;
	uint16_t charset;
	uint32_t length;
	uint8_t type;              /* enum jg_type */
	uint16_t flags;            /* JG_FLAG_* */
	uint8_t decimals;
	uint8_t default_kind;      /* JG_COLDEF_NO_DEFAULT, _DEFAULT or _DEFAULT_NULL */
	struct jg_pkt_str default_value;   /* with JG_COLDEF_DEFAULT */
};

/*
 * jg_pkt_parse_coldef: a column definition payload into *c. Six string<lenenc> (catalog, schema,
 * table, org_table, name, org_name), the length of the fixed fields (0x0C), charset<2>,
 * length<4>, type<1>, flags<2>, decimals<1>, two filler bytes, and after a COM_FIELD_LIST a
 * default value (string<lenenc> or 0xFB for NULL). Only the encoding servers write is accepted
 * (shortest length prefixes, 0x0C, zero filler), so that a parsed definition written back with
 * jg_wr_coldef gives the same bytes: a stage that rewrites one field changes nothing else.
 * Returns JG_OK or JG_ERR_PROTO (truncated, another encoding, bytes left over).
 */
int jg_pkt_parse_coldef(const uint8_t *p, size_t len, struct jg_pkt_coldef *c);

/* jg_wr_coldef: writes *c as a column definition payload (the inverse of jg_pkt_parse_coldef). */
void jg_wr_coldef(struct jg_wr *w, const struct jg_pkt_coldef *c);

/* ---- rows -------------------------------------------------------------------------------- */

/*
 * struct jg_pkt_value: one value of a row and its place in the row payload, so that a stage can
 * rewrite it: the value's bytes are [off, off + hdr + len) of the row, hdr of them its length
 * prefix (text rows and binary strings: a length-encoded integer, or the 0xFB of a text NULL;
 * binary temporal values: one length byte; binary fixed-width values: none) and len its data,
 * at p (borrowed from the row). A NULL has null = 1, len = 0 and p = NULL.
 */
struct jg_pkt_value {
	uint8_t null;
	size_t off;
	size_t hdr;
	size_t len;
	const uint8_t *p;
};

/* struct jg_text_row: a cursor over a text protocol row (ProtocolText::ResultsetRow) of ncols
 * values; caller-owned, borrows the row. */
struct jg_text_row {
	struct jg_rd r;
	unsigned ncols, i;         /* columns in the row, values read */
};

/* jg_text_row_init: a cursor over the row payload (p, len) of ncols columns. */
void jg_text_row_init(struct jg_text_row *t, const uint8_t *p, size_t len, unsigned ncols);

/* jg_text_row_next: the next value (0xFB for NULL, else string<lenenc>) into *v. Returns JG_OK,
 * or JG_ERR_PROTO (sticky) when the row is truncated or all ncols were read already. */
int jg_text_row_next(struct jg_text_row *t, struct jg_pkt_value *v);

/* jg_text_row_finish: JG_OK when all ncols values were read without error and no byte is
 * left; JG_ERR_PROTO otherwise. */
int jg_text_row_finish(const struct jg_text_row *t);

/* struct jg_bin_row: a cursor over a binary protocol row (ProtocolBinary::ResultsetRow) of
 * ncols values whose types[] (ncols bytes, enum jg_type) come from the column definitions;
 * caller-owned, borrows the row and types. */
struct jg_bin_row {
	struct jg_rd r;
	const uint8_t *types;
	unsigned ncols, i;
	const uint8_t *nulls;      /* the NULL bitmap: bit i + 2 for column i */
};

/* jg_bin_row_init: a cursor over the row payload (p, len): reads the 0x00 header and the NULL
 * bitmap ((ncols + 7 + 2) / 8 bytes); a row without them fails at the first next / finish. */
void jg_bin_row_init(struct jg_bin_row *b, const uint8_t *p, size_t len, const uint8_t *types,
                     unsigned ncols);

/* jg_bin_row_next: the next value into *v (NULL when its bit is set, else as
 * jg_pkt_bin_value). Returns JG_OK, or JG_ERR_PROTO (sticky) for a bad header, a truncated
 * value, a type without a binary layout, or a call after the last column. */
int jg_bin_row_next(struct jg_bin_row *b, struct jg_pkt_value *v);

/* jg_bin_row_finish: JG_OK when all ncols values were read without error and no byte is left. */
int jg_bin_row_finish(const struct jg_bin_row *b);

/*
 * jg_pkt_bin_value: where a non-NULL binary protocol value of type starts and ends in the avail
 * bytes at p: *hdr bytes of length prefix, then *len bytes of data. Fixed widths: TINY 1,
 * SHORT and YEAR 2, LONG, INT24 and FLOAT 4, LONGLONG and DOUBLE 8, NULL 0. DATE, DATETIME and
 * TIMESTAMP: a length byte of 0, 4, 7 or 11; TIME: 0, 8 or 12. Strings, decimals, BIT, ENUM,
 * SET, JSON, GEOMETRY, VECTOR and the BLOB types: string<lenenc>. Returns JG_OK, or JG_ERR_PROTO
 * when the value does not fit avail, a temporal length is another one, or the type is internal
 * or unknown.
 */
int jg_pkt_bin_value(uint8_t type, const uint8_t *p, size_t avail, size_t *hdr, size_t *len);

/* ---- builders ---------------------------------------------------------------------------- */

/* Each writes one whole packet (header included) into out and returns its size, or 0 when cap
 * is too small. */

/* jg_pkt_build: a packet holding the len bytes at payload. */
size_t jg_pkt_build(uint8_t *out, size_t cap, uint8_t seq, const void *payload, size_t len);

/* jg_pkt_build_ok: an OK (0 rows, no insert id, no warnings) with status. */
size_t jg_pkt_build_ok(uint8_t *out, size_t cap, uint8_t seq, uint16_t status);

/* jg_pkt_build_err: an ERR with code, '#', the 5 characters of sqlstate and msg. A message that
 * does not fit is cut at a UTF-8 character boundary rather than dropped. */
size_t jg_pkt_build_err(uint8_t *out, size_t cap, uint8_t seq, uint16_t code, const char *sqlstate,
                        const char *msg);

/* jg_pkt_build_eof: a 4.1 EOF packet. */
size_t jg_pkt_build_eof(uint8_t *out, size_t cap, uint8_t seq, uint16_t warnings, uint16_t status);

/* ---- the errors the gateway sends -------------------------------------------------------- */

/*
 * One table (src/proto/pkt_er.c) of every ERR the gateway itself sends to a client: code,
 * SQLSTATE, and when (one line, as docs/protocol.md lists it). Codes of 2000 and above are client-side codes in MySQL
 * clients (libmariadb reports a server ERR with one as a malformed packet), so none is used.
 */
enum jg_er {
	JG_ER_ACCESS_DENIED,       /* 1045 28000 */
	JG_ER_HANDSHAKE,           /* 1043 08S01 */
	JG_ER_NOT_SUPPORTED,       /* 1235 42000 */
	JG_ER_MALFORMED,           /* 1835 HY000 */
	JG_ER_POLICY,              /* 1142 42000 */
	JG_ER_BACKEND_DOWN,        /* 1105 08S01 */
	JG_ER_BACKEND_REFUSED,     /* 1105 08004 */
	JG_ER_TOO_MANY_CONNECTIONS, /* 1203 42000 */
	JG_ER_TOKEN_EXPIRED,       /* 1927 70100 */
	JG_ER_UNKNOWN_COMMAND,     /* 1047 08S01 */
	JG_ER_TOO_LARGE,           /* 1153 08S01 */
	JG_ER_NOT_RECORDED,        /* 1105 HY000 */
	JG_ER_COUNT
};

struct jg_er_def {
	uint16_t code;
	char sqlstate[6];
	const char *when;          /* one line for docs */
};

/* jg_er_def: the table entry of e (static), or NULL for a value outside the enum. */
const struct jg_er_def *jg_er_def(enum jg_er e);

/* jg_pkt_build_er: jg_pkt_build_err with e's code and SQLSTATE; msg NULL sends e's when line.
 * 0 for a value outside the enum. */
size_t jg_pkt_build_er(uint8_t *out, size_t cap, uint8_t seq, enum jg_er e, const char *msg);

#endif
