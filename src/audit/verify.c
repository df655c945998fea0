/*
 * verify.c: PLACEHOLDER, on branch auditcli only. The real jg_audit_verify (audit.h) is being
 * written on another branch and replaces this whole file at merge; until then `jitgate audit
 * verify` links and says plainly that verification is not there yet. Do not build on this file.
 */
#include "audit/audit.h"

#include <stdio.h>
#include <string.h>

/* see audit.h */
int jg_audit_verify(const char *path, const char *anchor, struct jg_audit_report *r, char *err,
                    size_t errlen)
{
	memset(r, 0, sizeof(*r));
	snprintf(err, errlen, "not built yet");
	return JG_ERR_UNSUPPORTED;
}
