/*
 * tracedb.c - the trace database on SQLite (see tracedb.h, docs/TRACE.md).
 *
 * Invariants:
 *   1. At most one run is open at a time: open_run_id != 0 exactly while
 *      its SQL transaction (BEGIN IMMEDIATE ... COMMIT) is open. Beginning
 *      a run while another is open commits that one as it is.
 *   2. The runs row of a run is committed before its transaction starts,
 *      so a flashsim that dies mid-run leaves that row with verdict NULL.
 *      A row whose transaction cannot start is deleted at once.
 *   3. Every statement kept in struct tracedb is reset after each use, so
 *      none is active between calls (DDL on the connection stays possible).
 *
 * States of a run:  (none) --begin_run--> open --end_run--> ended
 *                   open --drop_run--> (none),  ended --drop_run--> (none)
 *                   open --tracedb_close or the next begin_run-->
 *                          committed with verdict NULL
 */
#include "tracedb.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sim.h"
#include "whole_file.h"

/* Every table that holds rows of a run; runs last, so a run's row goes
 * once nothing refers to it. */
static const char *const tracedb_tables[] = {
	"events", "told", "final_sale", "final_txns", "final_barriers",
	"final_orders", "final_order_barriers", "violations",
	"violation_events", "runs",
};
#define TRACEDB_TABLE_COUNT \
	((int)(sizeof(tracedb_tables) / sizeof(tracedb_tables[0])))

static const char tracedb_schema[] =
	"CREATE TABLE IF NOT EXISTS runs("
	"  run_id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  command TEXT NOT NULL, scenario TEXT NOT NULL,"
	"  seed TEXT NOT NULL, plan TEXT NOT NULL,"
	"  users INTEGER NOT NULL, stock_initial INTEGER NOT NULL,"
	"  apps INTEGER NOT NULL, coordinators INTEGER NOT NULL,"
	"  activity_id INTEGER NOT NULL, tag TEXT NOT NULL,"
	"  verdict TEXT, problem TEXT, digest TEXT, replay TEXT,"
	"  virtual_ms INTEGER, steps INTEGER, crashes INTEGER,"
	"  variant TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS events("
	"  run_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
	"  time_ms INTEGER NOT NULL, actor TEXT NOT NULL, step TEXT NOT NULL,"
	"  gid TEXT NOT NULL, detail TEXT NOT NULL, fault TEXT NOT NULL,"
	"  highlight INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS events_gid ON events(run_id, gid, seq);"
	"CREATE TABLE IF NOT EXISTS told("
	"  run_id INTEGER NOT NULL, user_id INTEGER NOT NULL,"
	"  gid TEXT NOT NULL, told TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS told_user ON told(run_id, user_id);"
	"CREATE TABLE IF NOT EXISTS final_sale("
	"  run_id INTEGER NOT NULL, activity_id INTEGER NOT NULL,"
	"  tag TEXT NOT NULL, stock_key TEXT NOT NULL,"
	"  stock_initial INTEGER NOT NULL, stock_left INTEGER,"
	"  due_count INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS final_sale_run ON final_sale(run_id);"
	"CREATE TABLE IF NOT EXISTS final_txns("
	"  run_id INTEGER NOT NULL, user_id INTEGER NOT NULL,"
	"  gid TEXT NOT NULL, status TEXT, branch_status TEXT,"
	"  attempts INTEGER, due_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS final_txns_gid ON final_txns(run_id, gid);"
	"CREATE TABLE IF NOT EXISTS final_barriers("
	"  run_id INTEGER NOT NULL, user_id INTEGER NOT NULL,"
	"  gid TEXT NOT NULL, value TEXT);"
	"CREATE INDEX IF NOT EXISTS final_barriers_gid"
	"  ON final_barriers(run_id, gid);"
	"CREATE TABLE IF NOT EXISTS final_orders("
	"  run_id INTEGER NOT NULL, order_id INTEGER, activity_id INTEGER,"
	"  user_id INTEGER, gid TEXT, created_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS final_orders_gid ON final_orders(run_id, gid);"
	"CREATE INDEX IF NOT EXISTS final_orders_user"
	"  ON final_orders(run_id, user_id);"
	"CREATE TABLE IF NOT EXISTS final_order_barriers("
	"  run_id INTEGER NOT NULL, gid TEXT, branch_id TEXT, op TEXT,"
	"  barrier_id TEXT, reason TEXT, created_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS final_order_barriers_gid"
	"  ON final_order_barriers(run_id, gid);"
	"CREATE TABLE IF NOT EXISTS violations("
	"  run_id INTEGER NOT NULL, invariant TEXT NOT NULL,"
	"  row_number INTEGER NOT NULL, row TEXT NOT NULL, gids TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS violations_run"
	"  ON violations(run_id, invariant);"
	"CREATE TABLE IF NOT EXISTS violation_events("
	"  run_id INTEGER NOT NULL, invariant TEXT NOT NULL,"
	"  seq INTEGER NOT NULL, why TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS violation_events_run"
	"  ON violation_events(run_id, seq);"
	"CREATE TABLE IF NOT EXISTS explorations("
	"  exploration_id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  command TEXT NOT NULL, started TEXT NOT NULL, finished TEXT,"
	"  after_run_id INTEGER NOT NULL, last_run_id INTEGER,"
	"  planned INTEGER, runs INTEGER, ok INTEGER, violation INTEGER,"
	"  liveness INTEGER, failures INTEGER, stopped_by_budget INTEGER,"
	"  verdict TEXT);";

/* The last run id given out in this file (run ids are never reused, so
 * not max(run_id): a dropped run's id counts too). */
#define TRACEDB_LAST_RUN_ID \
	"(SELECT coalesce(max(seq), 0) FROM sqlite_sequence" \
	" WHERE name = 'runs')"

struct tracedb {
	sqlite3 *db;
	sqlite3_stmt *insert_run;
	sqlite3_stmt *insert_event;
	sqlite3_stmt *end_run;
	sqlite3_stmt *begin;
	sqlite3_stmt *commit;
	sqlite3_stmt *rollback;
	sqlite3_stmt *delete_run[TRACEDB_TABLE_COUNT];
	int64_t open_run_id; /* 0: no run open */
	char path[4096];     /* the file; "" for a temporary or in-memory one */
	char error[1024]; /* the file (200), what failed (256), SQLite's
			     message and the system's reason (160) */
};

static int tracedb_fail(struct tracedb *db, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Why path cannot be opened the way SQLite first tries it, read and
 * write, made if missing: the errno of opening the file when it is there,
 * else of writing in its directory; 0 when neither fails. Nothing is
 * made: another process may be making the file at that moment, and a
 * file made and removed here could be that one. */
static int open_errno(const char *path)
{
	char dir[sizeof(((struct tracedb *)0)->path)];
	int fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != ENOENT)
		return errno;
	whole_file_dir(path, dir, sizeof(dir));
	return access(dir, W_OK | X_OK) == 0 ? 0 : errno;
}

/* The system's reason when SQLite could not open, read or write the
 * file, into reason ("unable to open database file" says neither which
 * nor why), what a lock held too long means, or "". SQLite's own errno
 * is that of its last try (after a read-only file system refuses to
 * create the file, the read-only open that follows finds no file): a
 * file it cannot open is tried here as it is first tried (open_errno). */
static void system_reason(const struct tracedb *db, char *reason,
			  size_t size)
{
	int code = db->db ? sqlite3_errcode(db->db) : SQLITE_OK;
	int error = 0;
	reason[0] = '\0';
	if (code == SQLITE_CANTOPEN && db->path[0])
		error = open_errno(db->path);
	if (!error && (code == SQLITE_CANTOPEN || code == SQLITE_IOERR))
		error = sqlite3_system_errno(db->db);
	if (error)
		snprintf(reason, size, " (%s)", strerror(error));
	else if (code == SQLITE_BUSY)
		snprintf(reason, size, " (another process is writing the file,"
			 " as a flashsim run does from its start to its"
			 " verdict: give each its own file, docs/TRACE.md)");
}

/* Sets db->error to "trace database <file>: <what>: <SQLite's message>"
 * (no file for a temporary one): which file is full or locked. */
static int tracedb_fail(struct tracedb *db, const char *format, ...)
{
	char what[256], reason[160];
	va_list args;
	va_start(args, format);
	vsnprintf(what, sizeof(what), format, args);
	va_end(args);
	system_reason(db, reason, sizeof(reason));
	snprintf(db->error, sizeof(db->error), "trace database%s%.200s: %s: %s%s",
		 db->path[0] ? " " : "", db->path, what,
		 db->db ? sqlite3_errmsg(db->db) : "out of memory", reason);
	return -1;
}

/* Steps a statement that returns no row, then resets it. */
static int tracedb_exec(struct tracedb *db, sqlite3_stmt *stmt,
			const char *what)
{
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return tracedb_fail(db, "%s", what);
	return 0;
}

static int tracedb_prepare_all(struct tracedb *db)
{
	char sql[128];
	if (sqlite3_prepare_v2(db->db,
		"INSERT INTO runs(command, scenario, seed, plan, users,"
		" stock_initial, apps, coordinators, activity_id, tag,"
		" variant) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
		-1, &db->insert_run, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->db,
		"INSERT INTO events(run_id, seq, time_ms, actor, step, gid,"
		" detail, fault, highlight)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		-1, &db->insert_event, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->db,
		"UPDATE runs SET verdict = ?2, problem = ?3, digest = ?4,"
		" replay = ?5, virtual_ms = ?6, steps = ?7, crashes = ?8"
		" WHERE run_id = ?1", -1, &db->end_run, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->db, "BEGIN IMMEDIATE", -1, &db->begin,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->db, "COMMIT", -1, &db->commit,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->db, "ROLLBACK", -1, &db->rollback,
			       NULL) != SQLITE_OK)
		return tracedb_fail(db, "preparing statements");
	for (int t = 0; t < TRACEDB_TABLE_COUNT; t++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE run_id = ?1",
			 tracedb_tables[t]);
		if (sqlite3_prepare_v2(db->db, sql, -1, &db->delete_run[t],
				       NULL) != SQLITE_OK)
			return tracedb_fail(db, "preparing statements");
	}
	return 0;
}

/* A file written before runs had a variant column gets one, '' for its
 * earlier runs (which recorded the variant only in their replay). */
static int add_variant_column(struct tracedb *db)
{
	sqlite3_stmt *stmt;
	int has = 0;
	if (sqlite3_prepare_v2(db->db, "SELECT count(*) FROM"
			       " pragma_table_info('runs') WHERE name ="
			       " 'variant'", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		has = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (has)
		return 0;
	return sqlite3_exec(db->db, "ALTER TABLE runs ADD COLUMN variant TEXT"
			    " NOT NULL DEFAULT ''", NULL, NULL, NULL) ==
	       SQLITE_OK ? 0 : -1;
}

/* Whether the file holds a table that is not a trace's (an order
 * database, a shop's own tables): 1 with db->error saying which, 0, or -1
 * on an error. A trace is added to, so anything else in the file would be
 * written into. */
static int foreign_table(struct tracedb *db)
{
	sqlite3_stmt *stmt = NULL;
	/* the tables of runs, and the explorations' */
	char names[512] = "'explorations', ";
	int found;
	for (int t = 0; t < TRACEDB_TABLE_COUNT; t++) {
		size_t used = strlen(names);
		snprintf(names + used, sizeof(names) - used, "%s'%s'",
			 t ? ", " : "", tracedb_tables[t]);
	}
	char sql[800];
	snprintf(sql, sizeof(sql), "SELECT name FROM sqlite_schema WHERE type"
		 " = 'table' AND name NOT LIKE 'sqlite_%%' AND name NOT IN"
		 " (%s) LIMIT 1", names);
	if (sqlite3_prepare_v2(db->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return tracedb_fail(db, "reading it");
	found = sqlite3_step(stmt);
	if (found == SQLITE_ROW)
		snprintf(db->error, sizeof(db->error), "trace database%s%.200s:"
			 " it holds a table '%.100s' besides the tables of a"
			 " trace (docs/TRACE.md): give a new file, or a trace",
			 db->path[0] ? " " : "", db->path,
			 (const char *)sqlite3_column_text(stmt, 0));
	else if (found != SQLITE_DONE)
		tracedb_fail(db, "reading it");
	sqlite3_finalize(stmt);
	return found == SQLITE_ROW ? 1 : found == SQLITE_DONE ? 0 : -1;
}

/* Removes path after a refused open that found nothing there (not even
 * a link, which is the user's), when it is still an empty file that no
 * other process has begun to write (its journal or WAL is there): a
 * flashsim that made it meanwhile, and holds the lock that refused this
 * one, keeps its trace. */
static void remove_made(const char *path)
{
	static const char *const sides[] = { "-journal", "-wal" };
	struct stat now;
	char side[4200];
	if (lstat(path, &now) != 0 || !S_ISREG(now.st_mode) ||
	    now.st_size != 0)
		return;
	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, sides[i]);
		if (access(side, F_OK) == 0)
			return;
	}
	unlink(path);
}

const char *tracedb_file_name(const char *path, char *out, size_t size)
{
	/* SQLite takes "file:..." as a URI (Debian's is built so) and
	 * ":memory:" as no file at all */
	if (strncmp(path, "file:", 5) != 0 && strcmp(path, ":memory:") != 0)
		return path;
	snprintf(out, size, "./%s", path);
	return out;
}

int tracedb_open(struct tracedb **db_out, const char *path, char *error,
		 size_t error_size)
{
	struct tracedb *db = calloc(1, sizeof(*db));
	char plain[sizeof(db->path) + 4];
	const char *name = path ? tracedb_file_name(path, plain, sizeof(plain)) :
			   ":memory:";
	struct stat there;
	/* a file this open makes and then refuses is not left behind; one
	 * that was there (a link too, dangling or not), or that another
	 * flashsim made and writes, is never removed */
	bool made = path && *path && lstat(path, &there) != 0 &&
		    errno == ENOENT;
	*db_out = NULL;
	if (!db) {
		snprintf(error, error_size, "trace database: out of memory");
		return -1;
	}
	snprintf(db->path, sizeof(db->path), "%s", path ? path : "");
	if (sqlite3_open_v2(name, &db->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		tracedb_fail(db, "opening");
		goto out_close;
	}
	sqlite3_busy_timeout(db->db, 5000);
	/* A temporary file: up to 64 MiB of it in memory, so that a run of a
	 * few tens of thousands of users never writes it, and a larger one
	 * spills the rest to disk instead of growing without bound. */
	if (path && !*path && sqlite3_exec(db->db, "PRAGMA cache_size=-65536",
					   NULL, NULL, NULL) != SQLITE_OK) {
		tracedb_fail(db, "temporary file");
		goto out_close;
	}
	/* The tables and the statements in one transaction: a file whose
	 * tables of those names are not a trace's (a statement naming a
	 * column its table lacks fails to prepare) is refused as it was
	 * found, with no table added. */
	if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL,
			 NULL) != SQLITE_OK) {
		tracedb_fail(db, "opening");
		goto out_close;
	}
	if (foreign_table(db) != 0) {
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
		goto out_close;
	}
	if (sqlite3_exec(db->db, tracedb_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    add_variant_column(db) != 0) {
		tracedb_fail(db, "creating the schema");
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
		goto out_close;
	}
	if (tracedb_prepare_all(db) != 0) {
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
		goto out_close;
	}
	if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		tracedb_fail(db, "creating the schema");
		goto out_close;
	}
	/* WAL cannot be entered inside a transaction */
	if (path && *path && sqlite3_exec(db->db, "PRAGMA journal_mode=WAL;"
				 "PRAGMA synchronous=NORMAL;",
				 NULL, NULL, NULL) != SQLITE_OK) {
		tracedb_fail(db, "entering WAL mode");
		goto out_close;
	}
	*db_out = db;
	return 0;
out_close:
	snprintf(error, error_size, "%s", db->error);
	tracedb_close(db);
	if (made)
		remove_made(path);
	return -1;
}

void tracedb_remove_files(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char file[4200];
		snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
		unlink(file);
	}
}

void tracedb_close(struct tracedb *db)
{
	if (!db)
		return;
	/* An open run is kept as it is, with verdict NULL (tracedb.h). */
	if (db->open_run_id != 0 && db->commit)
		tracedb_exec(db, db->commit, "COMMIT");
	sqlite3_finalize(db->insert_run);
	sqlite3_finalize(db->insert_event);
	sqlite3_finalize(db->end_run);
	sqlite3_finalize(db->begin);
	sqlite3_finalize(db->commit);
	sqlite3_finalize(db->rollback);
	for (int t = 0; t < TRACEDB_TABLE_COUNT; t++)
		sqlite3_finalize(db->delete_run[t]);
	/* close_v2: a query the checker keeps prepared (struct invariant)
	 * may outlive the handle; the connection goes with the last one. */
	sqlite3_close_v2(db->db);
	free(db);
}

const char *tracedb_error(const struct tracedb *db)
{
	return db->error;
}

struct sqlite3 *tracedb_sqlite(struct tracedb *db)
{
	return db->db;
}

/* A run whose transaction could not begin: its row, committed, would read
 * as a flashsim that died mid-run (verdict NULL, no event), so it is
 * deleted. Keeps BEGIN's error, and adds when the row stays. Returns -1. */
static int tracedb_unbegin_run(struct tracedb *db, int64_t run_id)
{
	sqlite3_stmt *runs = db->delete_run[TRACEDB_TABLE_COUNT - 1];
	char begin_error[sizeof(db->error)];
	memcpy(begin_error, db->error, sizeof(begin_error));
	sqlite3_bind_int64(runs, 1, run_id);
	if (tracedb_exec(db, runs, "runs") == 0) {
		memcpy(db->error, begin_error, sizeof(db->error));
		return -1;
	}
	snprintf(db->error, sizeof(db->error), "%.300s; run %" PRId64 " is"
		 " left with verdict NULL and no event", begin_error, run_id);
	return -1;
}

int tracedb_begin_run(struct tracedb *db, const struct tracedb_run *run,
		      int64_t *run_id)
{
	sqlite3_stmt *stmt = db->insert_run;
	char seed[24];
	assert(run->command);
	assert(run->tag);
	/* A run left open (its driver failed before a verdict) is kept as it
	 * is, with verdict NULL. */
	if (db->open_run_id != 0) {
		db->open_run_id = 0;
		if (tracedb_exec(db, db->commit, "COMMIT") != 0)
			return -1;
	}
	snprintf(seed, sizeof(seed), "%" PRIu64, run->seed);
	sqlite3_bind_text(stmt, 1, run->command, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, run->scenario ? run->scenario : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, seed, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, run->plan ? run->plan : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, run->users);
	sqlite3_bind_int64(stmt, 6, run->stock);
	sqlite3_bind_int(stmt, 7, run->apps);
	sqlite3_bind_int(stmt, 8, run->coordinators);
	sqlite3_bind_int64(stmt, 9, (sqlite3_int64)run->activity);
	sqlite3_bind_text(stmt, 10, run->tag, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 11, run->variant ? run->variant : "", -1,
			  SQLITE_STATIC);
	/* Committed on its own (autocommit), before the run's transaction. */
	if (tracedb_exec(db, stmt, "inserting the run") != 0)
		return -1;
	sqlite3_clear_bindings(stmt);
	*run_id = sqlite3_last_insert_rowid(db->db);
	if (tracedb_exec(db, db->begin, "BEGIN") != 0)
		return tracedb_unbegin_run(db, *run_id);
	db->open_run_id = *run_id;
	return 0;
}

int tracedb_event(struct tracedb *db, int64_t run_id, int64_t sequence,
		  const struct trace_event *event)
{
	sqlite3_stmt *stmt = db->insert_event;
	if (run_id != db->open_run_id) {
		snprintf(db->error, sizeof(db->error),
			 "trace database: run %" PRId64 " is not open", run_id);
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, sequence);
	sqlite3_bind_int64(stmt, 3, event->time_ms);
	sqlite3_bind_text(stmt, 4, event->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, event->step, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, event->gid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, event->detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, event->fault, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 9, event->highlight ? 1 : 0);
	return tracedb_exec(db, stmt, "inserting an event");
}

int tracedb_end_run(struct tracedb *db, int64_t run_id,
		    const struct sim_result *result, const char *replay)
{
	sqlite3_stmt *stmt = db->end_run;
	char digest[24];
	int rc;
	snprintf(digest, sizeof(digest), "%016" PRIx64, result->digest);
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, verdict_name(result->verdict), -1,
			  SQLITE_STATIC);
	if (result->problem[0])
		sqlite3_bind_text(stmt, 3, result->problem, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 3);
	sqlite3_bind_text(stmt, 4, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, replay ? replay : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, result->end_ms);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)result->steps);
	sqlite3_bind_int64(stmt, 8, (sqlite3_int64)result->crashes);
	rc = tracedb_exec(db, stmt, "recording the verdict");
	sqlite3_clear_bindings(stmt);
	if (rc == 0 && sqlite3_changes(db->db) != 1) {
		snprintf(db->error, sizeof(db->error),
			 "trace database: no run %" PRId64, run_id);
		rc = -1;
	}
	if (rc != 0 || db->open_run_id != run_id)
		return rc;
	db->open_run_id = 0;
	return tracedb_exec(db, db->commit, "COMMIT");
}

int tracedb_drop_run(struct tracedb *db, int64_t run_id)
{
	int rc = 0;
	/* Nothing of an open run but its runs row is committed (invariant
	 * 2): undo the rest at once, then delete that row alone. */
	if (db->open_run_id == run_id) {
		sqlite3_stmt *runs = db->delete_run[TRACEDB_TABLE_COUNT - 1];
		db->open_run_id = 0;
		if (tracedb_exec(db, db->rollback, "ROLLBACK") != 0)
			return -1;
		sqlite3_bind_int64(runs, 1, run_id);
		return tracedb_exec(db, runs, "runs");
	}
	if (sqlite3_exec(db->db, "SAVEPOINT tracedb_drop", NULL, NULL,
			 NULL) != SQLITE_OK)
		return tracedb_fail(db, "dropping run %" PRId64, run_id);
	for (int t = 0; t < TRACEDB_TABLE_COUNT && rc == 0; t++) {
		sqlite3_bind_int64(db->delete_run[t], 1, run_id);
		rc = tracedb_exec(db, db->delete_run[t], tracedb_tables[t]);
	}
	if (rc != 0)
		sqlite3_exec(db->db, "ROLLBACK TO tracedb_drop", NULL, NULL, NULL);
	if (sqlite3_exec(db->db, "RELEASE tracedb_drop", NULL, NULL,
			 NULL) != SQLITE_OK && rc == 0)
		rc = tracedb_fail(db, "dropping run %" PRId64, run_id);
	return rc;
}

/* Runs one statement with its text parameter (?1; NULL stays NULL) and
 * integer parameters (?2, ?3, ...). */
static int tracedb_exec_with(struct tracedb *db, const char *sql,
			     const char *text, const int64_t *numbers,
			     int count, const char *what)
{
	sqlite3_stmt *stmt;
	int rc;
	if (sqlite3_prepare_v2(db->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return tracedb_fail(db, "%s", what);
	if (text)
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	for (int i = 0; i < count; i++)
		sqlite3_bind_int64(stmt, i + 2, numbers[i]);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : tracedb_fail(db, "%s", what);
}

int tracedb_begin_exploration(struct tracedb *db, const char *command,
			      int64_t *exploration_id)
{
	if (tracedb_exec_with(db,
		"INSERT INTO explorations(command, started, after_run_id)"
		" VALUES(?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), "
		TRACEDB_LAST_RUN_ID ")", command, NULL, 0,
		"recording the exploration") != 0)
		return -1;
	*exploration_id = sqlite3_last_insert_rowid(db->db);
	return 0;
}

int tracedb_end_exploration(struct tracedb *db, int64_t exploration_id,
			    const struct tracedb_exploration *e)
{
	const int64_t numbers[] = {
		exploration_id, e->planned, e->runs, e->ok, e->violation,
		e->liveness, e->failures, e->stopped_by_budget,
	};
	return tracedb_exec_with(db,
		"UPDATE explorations SET"
		" finished = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),"
		" last_run_id = " TRACEDB_LAST_RUN_ID ", planned = ?3,"
		" runs = ?4, ok = ?5, violation = ?6, liveness = ?7,"
		" failures = ?8, stopped_by_budget = ?9, verdict = ?1"
		" WHERE exploration_id = ?2", e->verdict,
		numbers, (int)(sizeof(numbers) / sizeof(numbers[0])),
		"recording the exploration's end");
}
