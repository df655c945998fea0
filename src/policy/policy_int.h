/*
 * policy_int.h: the compiled form's layout, shared by the compiler (compile.c) and the runtime
 * (policy.c) only. policy.h describes it for readers.
 */
#ifndef JG_POLICY_INT_H
#define JG_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

#define JG_PC_HDR_WORDS 32
#define JG_PC_ROLE_WORDS 8
#define JG_PC_GRANT_WORDS 4
#define JG_PC_RULE_WORDS 18
#define JG_PC_MASK_WORDS 8

/* Header word indexes. */
enum { H_MAGIC, H_VERSION, H_TOTAL, H_SUM, H_NAME, H_DEF, H_UNK = H_DEF + 5,
       H_NROLES = H_UNK + 5, H_ROLES, H_NGRANTS, H_GRANTS, H_NRULES, H_RULES, H_NMASKS, H_MASKS,
       H_STR, H_STRLEN };

/* Rule word indexes. */
enum { R_NAME, R_LINE, R_ROLES, R_GROUPS, R_SUB, R_ISS, R_KINDS_LO, R_KINDS_HI, R_FLAGS, R_CONDS,
       R_TABLES, R_TOUCHES, R_TAGS, R_ACT };

/* R_CONDS bits. */
#define JG_PC_WHERE     0x01u
#define JG_PC_NO_WHERE  0x02u
#define JG_PC_LIMIT     0x04u
#define JG_PC_NO_LIMIT  0x08u
#define JG_PC_UNKNOWN   0x10u  /* the rule names kind unknown or flags opaque/truncated */
#define JG_PC_KINDS     0x20u  /* the rule has a kind list */

/* Role word 7: flags (0 in files written before it was used). */
#define JG_PC_ROLE_SINGLE 0x01u  /* multi_statements off */
#define JG_PC_ROLE_FLAGS  0x01u  /* every flag a reader knows */

/* Mask word indexes. */
enum { M_NAME, M_COLUMNS, M_DETECT, M_FN, M_FLAGS, M_ROLES, M_LINE, M_RESERVED };

/* Mask word M_FLAGS. */
#define JG_PC_MASK_REFUSE   0x01u  /* probing refuse */
#define JG_PC_MASK_SCAN_ALL 0x02u  /* scan all */
#define JG_PC_MASK_FLAGS    0x03u  /* every flag a reader knows */

/* FNV-1a, 32 bits: detects a damaged file, not a forged one (the file is as trusted as config). */
uint32_t jg_policy_checksum(const uint8_t *p, size_t n);

#endif
