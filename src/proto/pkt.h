/* pkt.h: INTERIM (replaced by the packet codec of branch pkt-codec): the gateway's error table. */
#ifndef JG_PROTO_PKT_H
#define JG_PROTO_PKT_H

#include "jg.h"

enum jg_er { JG_ER_ACCESS_DENIED, JG_ER_HANDSHAKE, JG_ER_NOT_SUPPORTED, JG_ER_MALFORMED,
             JG_ER_POLICY, JG_ER_BACKEND_DOWN, JG_ER_BACKEND_REFUSED, JG_ER_TOO_MANY_CONNECTIONS,
             JG_ER_TOKEN_EXPIRED, JG_ER_UNKNOWN_COMMAND, JG_ER_TOO_LARGE, JG_ER_COUNT };
struct jg_er_def { uint16_t code; char sqlstate[6]; const char *when; };
const struct jg_er_def *jg_er_def(enum jg_er e);
size_t jg_pkt_build_er(uint8_t *out, size_t cap, uint8_t seq, enum jg_er e, const char *msg);

/* INTERIM: OK/ERR/EOF readers (the codec's versions replace these). */
#ifndef JG_PKT_INTERIM_READERS
#define JG_PKT_INTERIM_READERS
struct jg_pkt_ok { uint8_t header; uint64_t affected_rows, last_insert_id; uint16_t status, warnings;
                   const uint8_t *info; size_t info_len; const uint8_t *track; size_t track_len; };
int jg_pkt_parse_ok(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_ok *ok);
struct jg_pkt_err { uint16_t code; char sqlstate[6]; const uint8_t *msg; size_t msg_len; };
int jg_pkt_parse_err(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_err *e);
struct jg_pkt_eof { uint16_t warnings, status; };
int jg_pkt_parse_eof(const uint8_t *p, size_t len, struct jg_pkt_eof *e);
#endif

#endif
