/*
 * test_tracedb.c - the trace database's promise about rows with verdict
 * NULL (docs/TRACE.md): one without any event is a run whose flashsim
 * died mid-run, never one that merely could not start its transaction;
 * and a file it cannot open is refused with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "support.h"
#include "tracedb.h"

/* Another writer of the same file, which holds the write lock from the
 * moment the run's BEGIN IMMEDIATE starts until the next statement of
 * the trace database's connection: that BEGIN fails as SQLITE_BUSY (no
 * busy timeout), as it does when another flashsim writes the file at that
 * moment, and the lock is free again for what follows. */
struct other_writer {
	sqlite3 *db;
	bool holding;
	bool held;
};

static int on_statement(unsigned type, void *context, void *statement,
			void *unused)
{
	struct other_writer *other = context;
	const char *sql = sqlite3_sql(statement);
	(void)type;
	(void)unused;
	if (other->holding) {
		assert_int_equal(sqlite3_exec(other->db, "COMMIT", NULL, NULL,
					      NULL), SQLITE_OK);
		other->holding = false;
	} else if (!other->held && sql && strcmp(sql, "BEGIN IMMEDIATE") == 0) {
		assert_int_equal(sqlite3_exec(other->db, "BEGIN IMMEDIATE",
					      NULL, NULL, NULL), SQLITE_OK);
		other->holding = true;
		other->held = true;
	}
	return 0;
}

static int count_runs(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	int count = -1;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM runs",
					    -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		count = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return count;
}

/* A run whose transaction cannot begin leaves no row: its row, committed
 * before the BEGIN, used to stay with verdict NULL and no event. */
static void test_a_run_that_cannot_begin_leaves_no_row(void **state)
{
	struct tracedb_run run = { "run", "", 1, "", 1, 1, 1, 1, 1, "a", "" };
	struct other_writer other = { NULL, false, false };
	struct tracedb *db;
	char dir[256], path[300], error[512];
	int64_t run_id = 0;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "begin"), 0);
	snprintf(path, sizeof(path), "%s/t.db", dir);
	assert_int_equal(tracedb_open(&db, path, error, sizeof(error)), 0);
	assert_int_equal(sqlite3_open(path, &other.db), SQLITE_OK);
	sqlite3_trace_v2(tracedb_sqlite(db), SQLITE_TRACE_STMT, on_statement,
			 &other);
	assert_int_equal(tracedb_begin_run(db, &run, &run_id), -1);
	assert_true(other.held);
	assert_false(other.holding);
	assert_non_null(strstr(tracedb_error(db), "BEGIN"));
	assert_non_null(strstr(tracedb_error(db), "another process is writing"));
	assert_null(strstr(tracedb_error(db), "left with verdict NULL"));
	sqlite3_trace_v2(tracedb_sqlite(db), 0, NULL, NULL);
	assert_int_equal(count_runs(other.db), 0);
	/* and the next run begins as usual */
	assert_int_equal(tracedb_begin_run(db, &run, &run_id), 0);
	assert_true(run_id > 0);
	tracedb_close(db);
	assert_int_equal(count_runs(other.db), 1);
	sqlite3_close(other.db);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A file that cannot be opened is refused with the system's reason, not
 * SQLite's "unable to open database file" alone, which says neither what
 * is wrong nor what to do. */
static void test_a_file_that_cannot_be_opened_says_why(void **state)
{
	struct tracedb *db;
	char dir[256], path[300], error[512];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "open"), 0);
	assert_int_equal(tracedb_open(&db, dir, error, sizeof(error)), -1);
	if (!strstr(error, "(Is a directory)"))
		fail_msg("a directory: %s", error);
	snprintf(path, sizeof(path), "%s/missing/t.db", dir);
	assert_int_equal(tracedb_open(&db, path, error, sizeof(error)), -1);
	if (!strstr(error, "(No such file or directory)"))
		fail_msg("a missing directory: %s", error);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* Finding why a file cannot be opened makes nothing: the file may be
 * another process's to make at that moment, and one made and removed
 * here could be that one. A path longer than SQLite takes (512 bytes)
 * is refused by SQLite alone, in a directory where the file could be
 * made: the directory must not change (its time set in the past shows
 * any entry made and removed in it). */
static void test_finding_the_reason_makes_no_file(void **state)
{
	static const struct timespec past[2] = { { 1000000000, 0 },
						 { 1000000000, 0 } };
	struct tracedb *db;
	struct stat st;
	char dir[256], deep[1024], path[1100], error[2048];
	size_t length;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "reason"), 0);
	length = (size_t)snprintf(deep, sizeof(deep), "%s", dir);
	for (int i = 0; i < 12; i++) {
		length += (size_t)snprintf(deep + length, sizeof(deep) - length,
					   "/%s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		assert_int_equal(mkdir(deep, 0700), 0);
	}
	snprintf(path, sizeof(path), "%s/t.db", deep);
	assert_true(strlen(path) > 512);
	assert_int_equal(utimensat(AT_FDCWD, deep, past, 0), 0);
	assert_int_equal(tracedb_open(&db, path, error, sizeof(error)), -1);
	assert_int_equal(stat(deep, &st), 0);
	if (st.st_mtim.tv_sec != past[1].tv_sec)
		fail_msg("an entry was made and removed in the file's"
			 " directory: %s", error);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A link refused as a trace, dangling into a missing directory or one
 * of a loop, is the user's: it stays (a refused open removed what it
 * took for a file of its own making, and took a dangling link for
 * nothing there). */
static void test_a_refused_link_stays(void **state)
{
	struct tracedb *db;
	struct stat st;
	char dir[256], path[300], error[512];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "link"), 0);
	assert_int_equal(support_shell("cd '%s' && ln -s no/such/t.db dangling"
				       " && ln -s b a && ln -s a b", dir), 0);
	snprintf(path, sizeof(path), "%s/dangling", dir);
	assert_int_equal(tracedb_open(&db, path, error, sizeof(error)), -1);
	assert_int_equal(lstat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(tracedb_open(&db, path, error, sizeof(error)), -1);
	assert_non_null(strstr(error, "Too many levels of symbolic links"));
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* --trace names a file: ":memory:" and "file:..." too, which SQLite
 * would otherwise take for no file at all and for a URI (the run kept
 * nothing, or wrote elsewhere, and exited 0). */
static void test_a_trace_name_is_a_file_name(void **state)
{
	struct tracedb *db;
	char dir[256], here[4096], error[512];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "names"), 0);
	assert_non_null(getcwd(here, sizeof(here)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(tracedb_open(&db, ":memory:", error, sizeof(error)),
			 0);
	tracedb_close(db);
	assert_int_equal(access(":memory:", F_OK), 0);
	assert_int_equal(tracedb_open(&db, "file:t.db?mode=memory", error,
				      sizeof(error)), 0);
	tracedb_close(db);
	assert_int_equal(access("file:t.db?mode=memory", F_OK), 0);
	assert_int_equal(chdir(here), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_run_that_cannot_begin_leaves_no_row),
		cmocka_unit_test(test_a_file_that_cannot_be_opened_says_why),
		cmocka_unit_test(test_finding_the_reason_makes_no_file),
		cmocka_unit_test(test_a_refused_link_stays),
		cmocka_unit_test(test_a_trace_name_is_a_file_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
