/* jg.c: error names and logging; see jg.h. */
#include "jg.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

int jg_log_level = JG_LOG_INFO;

const char *jg_strerr(int err)
{
	static const char *const names[] = {
		[JG_OK] = "ok", [JG_WAIT] = "wait", [JG_ERR_NOMEM] = "out of memory",
		[JG_ERR_IO] = "i/o error", [JG_ERR_PROTO] = "protocol error",
		[JG_ERR_TOOBIG] = "length over bound", [JG_ERR_TLS] = "tls error",
		[JG_ERR_CONFIG] = "configuration error", [JG_ERR_AUTH] = "authentication refused",
		[JG_ERR_TIMEOUT] = "timeout", [JG_ERR_BACKEND] = "backend error",
		[JG_ERR_UNSUPPORTED] = "unsupported", [JG_ERR_CLOSED] = "closed",
		[JG_ERR_INTERNAL] = "internal error",
	};
	if (err < 0 || (size_t)err >= JG_ARRAY_LEN(names) || !names[err])
		return "unknown error";
	return names[err];
}

void jg_log(int level, const char *fmt, ...)
{
	static const char *const tag[] = { "error", "warn", "info", "debug" };
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (level > jg_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	flockfile(stderr);
	fprintf(stderr, "%s.%03ldZ jitgate %s: ", ts, now.tv_nsec / 1000000, tag[level & 3]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}
