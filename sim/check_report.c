/*
 * check_report.c - the checker's report of a run's violations, read back
 * from the trace database's violations and events (see check.h).
 */
#include "check.h"

#include <stdbool.h>
#include <stdio.h>

#include <sqlite3.h>

#include "report.h"

#define CHECK_REPORT_ROWS_MAX 10        /* rows printed per invariant */
#define CHECK_REPORT_EVENTS_MAX 60      /* events printed per invariant */

/* The invariants a run violated, in the order they were found, with how
 * many rows each recorded. */
static const char check_invariants_sql[] =
	"SELECT invariant, count(*) FROM violations WHERE run_id = ?1"
	" GROUP BY invariant ORDER BY min(rowid)";
/* The first ?3 rows of invariant ?2. */
static const char check_rows_sql[] =
	"SELECT row FROM violations WHERE run_id = ?1 AND invariant = ?2"
	" ORDER BY row_number LIMIT ?3";

static void check_report_rows(FILE *out, sqlite3 *db, int64_t run_id,
			      const char *invariant, int rows)
{
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(db, check_rows_sql, -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(out, "  (cannot read the rows: %s)\n", sqlite3_errmsg(db));
		goto out_finalize;
	}
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, invariant, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, CHECK_REPORT_ROWS_MAX);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		/* a row of a user's invariant may hold any text */
		fputs("  ", out);
		report_visible(out, (const char *)sqlite3_column_text(stmt, 0));
		fputc('\n', out);
	}
	if (rows > CHECK_REPORT_ROWS_MAX)
		fprintf(out, "  ... and %d more rows%s\n",
			rows - CHECK_REPORT_ROWS_MAX,
			rows >= CHECK_ROWS_RECORDED_MAX ? " recorded" : "");
out_finalize:
	sqlite3_finalize(stmt);
}

/* The events of the gids named by the rows printed for invariant, and
 * those its violation points at (blame.c, violation_events) with the
 * gids of the first of them; each with why it is pointed at, or NULL,
 * and how many the violation points at. */
static const char check_events_sql[] =
	"WITH RECURSIVE split(gid, rest) AS ("
	"  SELECT '', gids || ',' FROM violations"
	"   WHERE run_id = ?1 AND invariant = ?2 AND row_number <= ?3"
	"  UNION ALL"
	"  SELECT substr(rest, 1, instr(rest, ',') - 1),"
	"         substr(rest, instr(rest, ',') + 1)"
	"    FROM split WHERE rest <> ''),"
	" blamed AS (SELECT seq, why FROM violation_events"
	"  WHERE run_id = ?1 AND invariant = ?2),"
	" involved AS (SELECT gid FROM split WHERE gid <> ''"
	"  UNION SELECT gid FROM (SELECT e.gid FROM events e"
	"   JOIN blamed b ON e.run_id = ?1 AND e.seq = b.seq"
	"   WHERE e.gid <> '' ORDER BY e.seq LIMIT ?3))"
	" SELECT time_ms, actor, step, gid, detail, fault,"
	"  (SELECT group_concat(why, '; ') FROM blamed b WHERE b.seq = e.seq),"
	"  (SELECT count(*) FROM blamed)"
	"  FROM events e"
	"  WHERE run_id = ?1 AND (gid IN (SELECT gid FROM involved)"
	"   OR seq IN (SELECT seq FROM blamed))"
	"  ORDER BY seq";

static void check_report_event(FILE *out, sqlite3_stmt *stmt)
{
	const char *actor = (const char *)sqlite3_column_text(stmt, 1);
	const char *why = (const char *)sqlite3_column_text(stmt, 6);
	fprintf(out, "  %s%8lld  %-9s", why ? ">>" : "  ",
		(long long)sqlite3_column_int64(stmt, 0), actor ? actor : "");
	for (int c = 2; c <= 4; c++) {
		const char *text = (const char *)sqlite3_column_text(stmt, c);
		if (text && text[0])
			fprintf(out, " %s", text);
	}
	if (sqlite3_column_bytes(stmt, 5) > 0)
		fprintf(out, "  [fault %s]", (const char *)sqlite3_column_text(stmt, 5));
	fputc('\n', out);
	if (!why)
		return;
	/* a user's rule writes its own words */
	fputs(why[0] ? "              ^ " : "              ^", out);
	report_visible(out, why);
	fputc('\n', out);
}

/* The events, the first CHECK_REPORT_EVENTS_MAX of them and, past those,
 * up to CHECK_REPORT_ROWS_MAX more that the violation points at, each
 * after a line that counts the events left out before it. */
static void check_report_events(FILE *out, sqlite3 *db, int64_t run_id,
				const char *invariant)
{
	sqlite3_stmt *stmt = NULL;
	int events = 0, skipped = 0, late = 0, step;
	if (sqlite3_prepare_v2(db, check_events_sql, -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(out, "  (cannot read the events: %s)\n", sqlite3_errmsg(db));
		goto out_finalize;
	}
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, invariant, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, CHECK_REPORT_ROWS_MAX);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		bool why = sqlite3_column_type(stmt, 6) != SQLITE_NULL;
		if (events++ == 0)
			fprintf(out, "  events of the transactions involved%s:\n",
				sqlite3_column_int(stmt, 7) > 0 ?
				" (>> where the rows point)" : "");
		if (events > CHECK_REPORT_EVENTS_MAX &&
		    !(why && late++ < CHECK_REPORT_ROWS_MAX)) {
			skipped++;
			continue;
		}
		if (skipped > 0)
			fprintf(out, "    ... %d more event%s\n", skipped,
				skipped == 1 ? "" : "s");
		skipped = 0;
		check_report_event(out, stmt);
	}
	if (skipped > 0)
		fprintf(out, "    ... and %d more event%s\n", skipped,
			skipped == 1 ? "" : "s");
	if (step != SQLITE_DONE)
		fprintf(out, "  (cannot read the events: %s)\n", sqlite3_errmsg(db));
out_finalize:
	sqlite3_finalize(stmt);
}

void check_report_violations(FILE *out, struct tracedb *trace, int64_t run_id)
{
	sqlite3 *db = tracedb_sqlite(trace);
	sqlite3_stmt *stmt = NULL;
	int step;
	if (sqlite3_prepare_v2(db, check_invariants_sql, -1, &stmt,
			       NULL) != SQLITE_OK) {
		fprintf(out, "(cannot read the violations: %s)\n", sqlite3_errmsg(db));
		goto out_finalize;
	}
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *invariant = (const char *)sqlite3_column_text(stmt, 0);
		int rows = sqlite3_column_int(stmt, 1);
		/* The rows past the recorded ones were never counted. */
		if (rows >= CHECK_ROWS_RECORDED_MAX)
			fprintf(out, "violated: %s (at least %d rows: only the"
				" first %d are recorded)\n", invariant, rows,
				CHECK_ROWS_RECORDED_MAX);
		else
			fprintf(out, "violated: %s (%d row%s)\n", invariant,
				rows, rows == 1 ? "" : "s");
		check_report_rows(out, db, run_id, invariant, rows);
		check_report_events(out, db, run_id, invariant);
	}
	if (step != SQLITE_DONE)
		fprintf(out, "(cannot read the violations: %s)\n", sqlite3_errmsg(db));
out_finalize:
	sqlite3_finalize(stmt);
}

int check_violated_invariants(struct tracedb *trace, int64_t run_id,
			      char names[][INVARIANT_NAME_MAX], int max)
{
	sqlite3 *db = tracedb_sqlite(trace);
	sqlite3_stmt *stmt = NULL;
	int count = 0, step = SQLITE_ERROR;
	if (sqlite3_prepare_v2(db, check_invariants_sql, -1, &stmt,
			       NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW && count < max)
		snprintf(names[count++], INVARIANT_NAME_MAX, "%s",
			 (const char *)sqlite3_column_text(stmt, 0));
out_finalize:
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE || step == SQLITE_ROW ? count : -1;
}

/* The first CHECK_REPORT_ROWS_MAX rows of invariant, as JSON strings. */
static int check_json_rows(FILE *out, sqlite3 *db, int64_t run_id,
			   const char *invariant)
{
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_ERROR, count = 0;
	fputs(",\"first_rows\":[", out);
	if (sqlite3_prepare_v2(db, check_rows_sql, -1, &stmt, NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, invariant, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, CHECK_REPORT_ROWS_MAX);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		fputs(count++ ? "," : "", out);
		report_json_string(out, (const char *)sqlite3_column_text(stmt, 0));
	}
out_finalize:
	fputc(']', out);
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? 0 : -1;
}

int check_points(struct tracedb *trace, int64_t run_id, const char *invariant,
		 int (*fn)(void *context, const struct check_point *point),
		 void *context)
{
	sqlite3 *db = tracedb_sqlite(trace);
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_ERROR;
	if (sqlite3_prepare_v2(db, "SELECT v.seq, e.time_ms, e.actor, e.step,"
			       " e.gid, e.detail, v.invariant, v.why"
			       " FROM violation_events v JOIN events e"
			       " ON e.run_id = v.run_id AND e.seq = v.seq"
			       " WHERE v.run_id = ?1"
			       " AND (?2 IS NULL OR v.invariant = ?2)"
			       " ORDER BY v.seq, v.rowid", -1, &stmt,
			       NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, run_id);
	if (invariant)
		sqlite3_bind_text(stmt, 2, invariant, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct check_point point = {
			.seq = sqlite3_column_int64(stmt, 0),
			.time_ms = sqlite3_column_int64(stmt, 1),
		};
		const char **texts[] = { &point.actor, &point.step, &point.gid,
					 &point.detail, &point.invariant,
					 &point.why };
		for (int c = 0; c < 6; c++) {
			const char *text = (const char *)
				sqlite3_column_text(stmt, c + 2);
			*texts[c] = text ? text : "";
		}
		if (fn(context, &point) != 0) {
			step = SQLITE_DONE;
			break;
		}
	}
out_finalize:
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? 0 : -1;
}

struct check_json_points {
	FILE *out;
	int count;
};

/* One event a violation points at, as a JSON object. */
static int check_json_point(void *context, const struct check_point *point)
{
	struct check_json_points *json = context;
	const char *keys[] = { "actor", "step", "gid", "detail", "why" };
	const char *values[] = { point->actor, point->step, point->gid,
				 point->detail, point->why };
	fprintf(json->out, "%s{\"time_ms\":%lld", json->count++ ? "," : "",
		(long long)point->time_ms);
	for (int i = 0; i < 5; i++) {
		fprintf(json->out, ",\"%s\":", keys[i]);
		report_json_string(json->out, values[i]);
	}
	fputc('}', json->out);
	return 0;
}

int check_report_json(FILE *out, struct tracedb *trace, int64_t run_id)
{
	sqlite3 *db = tracedb_sqlite(trace);
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_ERROR, count = 0, rc = 0;
	fputs(",\"violations\":[", out);
	if (sqlite3_prepare_v2(db, check_invariants_sql, -1, &stmt,
			       NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *invariant = (const char *)sqlite3_column_text(stmt, 0);
		struct check_json_points json = { out, 0 };
		fprintf(out, "%s{\"invariant\":", count++ ? "," : "");
		report_json_string(out, invariant);
		fprintf(out, ",\"rows\":%d,\"rows_all_recorded\":%s",
			sqlite3_column_int(stmt, 1),
			sqlite3_column_int(stmt, 1) < CHECK_ROWS_RECORDED_MAX ?
			"true" : "false");
		rc |= check_json_rows(out, db, run_id, invariant);
		fputs(",\"points_at\":[", out);
		rc |= check_points(trace, run_id, invariant, check_json_point,
				   &json);
		fputs("]}", out);
	}
out_finalize:
	fputc(']', out);
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE && rc == 0 ? 0 : -1;
}
