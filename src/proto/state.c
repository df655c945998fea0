/* state.c: the session state as the server reports it; see state.h. */
#include "proto/state.h"

#include "proto/pkt.h"
#include "proto/session-t.h"
#include "sql/sql.h"

#include <string.h>
#include <strings.h>

/*
 * What the server is asked to report. The list keeps MariaDB's default variables (a client of
 * the server would get them), and adds sql_mode, which MySQL's status flags do not fully show.
 */
const char jg_state_track_query[] =
	"\x03SET SESSION session_track_schema = ON, session_track_system_variables = "
	"'autocommit,character_set_client,character_set_connection,character_set_results,"
	"time_zone,sql_mode'";

int jg_state_observed(const struct jg_session *s)
{
	return !!(s->lb.caps & JG_CLIENT_SESSION_TRACK);
}

/*
 * mode_bits: the quoting bits of a sql_mode value as the server reports it (names in upper case,
 * comma-separated). Names this gateway does not know are left out: only ANSI_QUOTES,
 * NO_BACKSLASH_ESCAPES and the combinations that imply ANSI_QUOTES change how text lexes.
 */
static unsigned mode_bits(const uint8_t *p, size_t n)
{
	static const char *const ansi[] = { "ANSI_QUOTES", "ANSI", "DB2", "MAXDB", "MSSQL",
	                                    "ORACLE", "POSTGRESQL" };
	unsigned m = 0;
	size_t i = 0;

	while (i < n) {
		size_t j = i, w;

		while (j < n && p[j] != ',')
			j++;
		w = j - i;
		if (w == 20 && strncasecmp((const char *)p + i, "NO_BACKSLASH_ESCAPES", w) == 0)
			m |= JG_SQL_MODE_NO_BACKSLASH_ESCAPES;
		for (size_t q = 0; q < JG_ARRAY_LEN(ansi); q++)
			if (strlen(ansi[q]) == w && strncasecmp((const char *)p + i, ansi[q], w) == 0)
				m |= JG_SQL_MODE_ANSI_QUOTES;
		i = j + 1;
	}
	return m;
}

static int name_is(const struct jg_pkt_track *t, const char *w)
{
	return t->name_len == strlen(w) && strncasecmp((const char *)t->name, w, t->name_len) == 0;
}

/* set_db: the schema the server reports, as the classifier compares names (lower case). */
static void set_db(struct jg_session *s, const uint8_t *v, size_t n)
{
	size_t i;

	if (n >= sizeof(s->sql.db))
		n = 0;
	for (i = 0; i < n; i++)
		s->sql.db[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
	s->sql.db[i] = '\0';
}

/* track: the changes of one state block; a block that does not parse changes nothing more. */
static void track(struct jg_session *s, const uint8_t *p, size_t n)
{
	struct jg_rd it;
	struct jg_pkt_track t;
	int got;

	jg_rd_init(&it, p, n);
	while (jg_pkt_track_next(&it, &t, &got) == JG_OK && got) {
		if (t.type == JG_TRACK_SCHEMA) {
			set_db(s, t.value, t.value_len);
		} else if (t.type == JG_TRACK_SYSTEM_VARIABLES) {
			if (name_is(&t, "sql_mode"))
				s->sql.sql_mode = mode_bits(t.value, t.value_len);
			else if (name_is(&t, "character_set_client"))
				s->sql.charset = (uint8_t)jg_sql_charset_of((const char *)t.value,
				                                            t.value_len);
		}
	}
}

/* status: the quoting bits every OK and EOF carries (MySQL has no ANSI_QUOTES flag: its
 * sql_mode comes from the state block). */
static void status(struct jg_session *s, uint16_t st)
{
	unsigned m = s->sql.sql_mode & ~(unsigned)JG_SQL_MODE_NO_BACKSLASH_ESCAPES;

	if (st & JG_SERVER_STATUS_NO_BACKSLASH_ESCAPES)
		m |= JG_SQL_MODE_NO_BACKSLASH_ESCAPES;
	if (!s->sql.mysql) {
		m &= ~(unsigned)JG_SQL_MODE_ANSI_QUOTES;
		if (st & JG_SERVER_STATUS_ANSI_QUOTES)
			m |= JG_SQL_MODE_ANSI_QUOTES;
	}
	s->sql.sql_mode = m;
}

size_t jg_state_end(struct jg_session *s, uint8_t *p, size_t len)
{
	struct jg_pkt_ok ok;
	struct jg_pkt_eof eof;
	size_t keep;

	if (len == 5 && p[0] == 0xFE && jg_pkt_parse_eof(p, len, &eof) == JG_OK) {
		status(s, eof.status);
		return len;
	}
	if (jg_pkt_parse_ok(p, len, s->lb.caps, &ok) != JG_OK)
		return len;
	status(s, ok.status);
	if (!ok.track)
		return len;
	track(s, ok.track, ok.track_len);
	s->sql.sql_mode &= JG_SQL_MODE_NO_BACKSLASH_ESCAPES | JG_SQL_MODE_ANSI_QUOTES;
	status(s, ok.status);           /* the flags have the last word where they exist */
	/* The client did not ask for the block: the packet as the server writes it without
	 * CLIENT_SESSION_TRACK: header, two integers, status, warnings, then the info only when
	 * there is some (jg_pkt_parse_ok checked this layout). */
	{
		struct jg_rd r;
		size_t at, info_at, n = 0;

		jg_rd_init(&r, p, len);
		jg_rd_take(&r, 1);
		jg_rd_lenenc(&r);
		jg_rd_lenenc(&r);
		at = r.off;
		jg_rd_take(&r, 4);
		info_at = r.off;
		jg_rd_lenenc_str(&r, &n);
		if (r.err)
			return len;
		keep = n ? r.off : info_at;
		ok.status &= (uint16_t)~JG_SERVER_SESSION_STATE_CHANGED;
		p[at] = (uint8_t)(ok.status & 0xFF);
		p[at + 1] = (uint8_t)(ok.status >> 8);
	}
	return keep;
}
