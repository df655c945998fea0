/*
 * binval.h: binary protocol values as the audit record shows them: the text a client would have
 * seen for a value of a binary result row (text protocol form), and the parameters of a
 * COM_STMT_EXECUTE (MySQL Client/Server Protocol, "Binary Protocol Value", "COM_STMT_EXECUTE";
 * MariaDB's pages of the same names).
 *
 * Memory: nothing here allocates. Text goes into the caller's buffer; parameters point into
 * the caller's payload (borrowed: valid while the caller keeps those bytes).
 *
 * Errors are enum jg_err: JG_OK, JG_ERR_PROTO for bytes that do not hold what their type says,
 * JG_ERR_TOOBIG for text that does not fit the caller's buffer.
 */
#ifndef JG_AUDIT_BINVAL_H
#define JG_AUDIT_BINVAL_H

#include "jg.h"

/* The longest text jg_binval_text makes of a value that is not copied as is (a TIME of 2^32 - 1
 * days with microseconds, a double's 17 digits with sign and exponent), NUL included. */
#define JG_BINVAL_TEXT_MAX 64

/*
 * jg_binval_text: the text protocol form of one non-NULL binary protocol value of type (enum
 * jg_type): data is the value's len bytes without their length prefix, as jg_pkt_bin_value and
 * jg_bin_row_next give them (data may be NULL when len is 0).
 *
 * - TINY, SHORT, INT24 (4 bytes), LONG, LONGLONG: decimal, signed unless is_unsigned.
 *   YEAR: 4 digits, zero-padded, as MySQL shows it ("0000", "2024").
 * - FLOAT (4 bytes), DOUBLE (8): the fewest significant digits that read back as the same
 *   float or double (9 and 17 at most), laid out as MySQL's my_gcvt lays out a double: fixed
 *   notation unless the decimal point is more than 15 places from the digits, and exponents
 *   without '+' or leading zeros: 100, 0.00001, 200000000000000, 1e15, 1e300, -0. inf and nan
 *   (never in a column, possible in a parameter) are printed as C does.
 *   MySQL shows a FLOAT column with 6 significant digits at most (3.40282e38); this shows the
 *   digits that keep the value (3.4028235e38).
 * - DATE: "YYYY-MM-DD" (length 0: "0000-00-00"; a time part, lengths 7 and 11, is ignored as
 *   the server ignores it). DATETIME and TIMESTAMP: "YYYY-MM-DD hh:mm:ss", with ".ffffff" when
 *   the 11-byte form holds microseconds other than 0 (the column's decimals are not known
 *   here). TIME: "[-]hh:mm:ss[.ffffff]" with days * 24 added to the hours (lengths 0, 8, 12).
 *   Field values are printed as sent, not checked against the calendar.
 * - Any other type (strings, DECIMAL and NEWDECIMAL, which are text already, BLOBs, JSON,
 *   ENUM, SET, BIT, GEOMETRY, ...): the bytes as they are.
 *
 * Output: the text and a NUL into out (cap bytes, NUL included), its length without the NUL in
 * *outlen. Returns JG_OK; JG_ERR_TOOBIG when cap is too small (*outlen is then the length the
 * text needs, and out holds nothing useful); JG_ERR_PROTO (*outlen = 0) when len is not a
 * length of the type (integers and reals have one width; DATE, DATETIME and TIMESTAMP are 0, 4,
 * 7 or 11 bytes; TIME 0, 8 or 12).
 */
int jg_binval_text(uint8_t type, int is_unsigned, const uint8_t *data, size_t len, char *out,
                   size_t cap, size_t *outlen);

/* Parameter type flags (the second byte of a parameter's type in COM_STMT_EXECUTE). */
#define JG_BINVAL_PARAM_UNSIGNED 0x80u

/* The most parameters a statement can have: COM_STMT_PREPARE_OK counts them in 2 bytes. */
#define JG_BINVAL_PARAMS_MAX 0xFFFFu

/* struct jg_binval_param: one parameter of a COM_STMT_EXECUTE. p points into the payload
 * (borrowed) and is NULL with len 0 for a NULL or a long-data parameter. */
struct jg_binval_param {
	uint8_t null;              /* its bit is set in the NULL bitmap */
	uint8_t long_data;         /* sent before with COM_STMT_SEND_LONG_DATA: no value here */
	uint8_t type;              /* enum jg_type */
	uint8_t is_unsigned;
	const uint8_t *p;          /* the value's data, without its length prefix */
	size_t len;
};

/*
 * jg_binval_params: the nparams parameters of the COM_STMT_EXECUTE payload (payload, len), which
 * starts with the command byte 0x17: command<1> stmt_id<4> flags<1> iteration_count<4>, then,
 * when nparams > 0, the NULL bitmap ((nparams + 7) / 8 bytes, bit i for parameter i),
 * new_params_bound<1>, when that is 1 the parameter types (nparams times type<1> flags<1>), and
 * the values of the parameters that are neither NULL nor long data, each in its binary protocol
 * layout (jg_pkt_bin_value). The flags byte (cursor type) and the iteration count are not
 * looked at. MySQL 8's query attributes (CLIENT_QUERY_ATTRIBUTES) and MariaDB's bulk
 * indicators change this layout; they are not read here.
 *
 * types (2 * nparams bytes, caller-owned, kept per statement) and *have_types carry the types
 * from one execute to the next: when the packet binds new types they are copied into types and
 * *have_types is set to 1; when it binds none (new_params_bound = 0), types is used and must
 * have been set (*have_types = 1). long_data_mask, (nparams + 7) / 8 bytes or NULL for none,
 * has bit i set when parameter i was sent with COM_STMT_SEND_LONG_DATA: such a parameter has
 * long_data = 1 and no value in the packet, whatever its NULL bit says (as the server reads it).
 * The type of a NULL or long-data parameter is not checked.
 *
 * out (nparams entries) receives the parameters. Returns JG_OK, or JG_ERR_PROTO: another
 * command byte, nparams over JG_BINVAL_PARAMS_MAX, a truncated packet, new_params_bound other
 * than 0 or 1, no types known, a value's type without a binary layout, or bytes left over after
 * the last value. On error types and *have_types are untouched and out holds nothing useful.
 */
int jg_binval_params(const uint8_t *payload, size_t len, unsigned nparams, uint8_t *types,
                     int *have_types, const uint8_t *long_data_mask, struct jg_binval_param *out);

#endif
