/*
 * invariants.c - the set of invariants: the built-in queries, a user's
 * directory of *.sql files, each query checked before any run, and what
 * each checks, from the comment it opens with (see check.h).
 */
#include "check.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "blame.h"

/* Generated from the .sql files of sim/invariants/ in name order by
 * core/embed.sh; the names are file names ("all_terminal.sql"). */
extern const char *const flashsim_invariant_sources[];
extern const char *const flashsim_invariant_names[];
extern const int flashsim_invariant_count;

#define INVARIANT_FILE_MAX 65536        /* bytes of one .sql file */

void invariants_free(struct invariant_set *set)
{
	check_statements_free(set);
	for (int i = 0; i < set->count; i++) {
		free(set->items[i].sql);
		free(set->items[i].points_sql);
	}
	free(set->items);
	set->items = NULL;
	set->count = 0;
}

/* Adds the invariant of file_name ("x.sql"), or replaces the one of the
 * same name; sql is copied. */
static int invariant_set_put(struct invariant_set *set, const char *file_name,
			     const char *sql, const char *source, char *error,
			     size_t error_size)
{
	size_t length = strlen(file_name) - strlen(".sql");
	struct invariant *item = NULL;
	char *copy;
	assert(strlen(file_name) > strlen(".sql"));
	if (length >= INVARIANT_NAME_MAX || strlen(source) >= sizeof(item->source))
		return check_fail(error, error_size, "invariant %s: name or"
				  " path too long", file_name);
	for (int i = 0; i < set->count && !item; i++)
		if (strncmp(set->items[i].name, file_name, length) == 0 &&
		    set->items[i].name[length] == '\0')
			item = &set->items[i];
	if (!item) {
		struct invariant *grown;
		if (set->count == INVARIANT_SET_MAX)
			return check_fail(error, error_size, "more than %d"
					  " invariants, the built-in ones"
					  " included", INVARIANT_SET_MAX);
		grown = realloc(set->items, (size_t)(set->count + 1) * sizeof(*grown));
		if (!grown)
			return check_fail(error, error_size, "out of memory");
		set->items = grown;
		item = &set->items[set->count++];
		memset(item, 0, sizeof(*item));
		memcpy(item->name, file_name, length);
	}
	copy = strdup(sql);
	if (!copy)
		return check_fail(error, error_size, "out of memory");
	free(item->sql);
	item->sql = copy;
	free(item->points_sql); /* invariant_check_query finds it */
	item->points_sql = NULL;
	snprintf(item->source, sizeof(item->source), "%s", source);
	return 0;
}

bool invariant_file_name(const char *name)
{
	size_t length = strlen(name);
	return name[0] != '.' && length > strlen(".sql") &&
	       strcmp(name + length - strlen(".sql"), ".sql") == 0;
}

static int invariant_name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void invariant_names_free(char **names, int count)
{
	for (int i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* The *.sql file names of dir, sorted; free with invariant_names_free. */
static int invariant_list_dir(const char *dir, char ***names_out, int *count_out,
			      char *error, size_t error_size)
{
	DIR *handle = opendir(dir);
	struct dirent *entry;
	char **names = NULL;
	int count = 0, rc = -1;
	if (!handle)
		return check_fail(error, error_size, "invariants directory %s: %s",
				  dir, strerror(errno));
	while ((entry = readdir(handle)) != NULL) {
		char **grown;
		if (!invariant_file_name(entry->d_name))
			continue;
		if (count == INVARIANT_SET_MAX) {
			check_fail(error, error_size, "invariants directory %s:"
				   " more than %d files", dir, INVARIANT_SET_MAX);
			goto out_close;
		}
		grown = realloc(names, (size_t)(count + 1) * sizeof(*names));
		if (!grown) {
			check_fail(error, error_size, "out of memory");
			goto out_close;
		}
		names = grown;
		names[count] = strdup(entry->d_name);
		if (!names[count]) {
			check_fail(error, error_size, "out of memory");
			goto out_close;
		}
		count++;
	}
	if (count == 0) {
		/* A wrong directory would add no check without a word. */
		check_fail(error, error_size, "invariants directory %s: no"
			   " *.sql file in it", dir);
		goto out_close;
	}
	qsort(names, (size_t)count, sizeof(*names), invariant_name_compare);
	*names_out = names;
	*count_out = count;
	names = NULL;
	rc = 0;
out_close:
	closedir(handle);
	if (rc != 0)
		invariant_names_free(names, count);
	return rc;
}

/* "invariant PATH: a NUL byte at line L, column C": the first NUL of
 * text, a file's length bytes. */
static void invariant_nul_error(const char *path, const char *text,
				size_t length, char *error, size_t error_size)
{
	const char *nul = memchr(text, '\0', length), *line_start = text;
	int line = 1;
	assert(nul);
	for (const char *at = text; at < nul; at++)
		if (*at == '\n') {
			line++;
			line_start = at + 1;
		}
	check_fail(error, error_size, "invariant %s: a NUL byte at line %d,"
		   " column %zu (an invariant is SQL text)", path, line,
		   (size_t)(nul - line_start) + 1);
}

/* Reads a whole file into *text (malloc'd, NUL-terminated); a file that
 * holds a NUL byte is refused. */
static int invariant_read_file(const char *path, char **text_out, char *error,
			       size_t error_size)
{
	FILE *file = fopen(path, "rb");
	char *text = NULL;
	size_t length;
	int rc = -1;
	if (!file)
		return check_fail(error, error_size, "invariant %s: %s", path,
				  strerror(errno));
	text = malloc(INVARIANT_FILE_MAX + 1);
	if (!text) {
		check_fail(error, error_size, "out of memory");
		goto out_close;
	}
	length = fread(text, 1, INVARIANT_FILE_MAX + 1, file);
	if (ferror(file)) {
		check_fail(error, error_size, "invariant %s: %s", path,
			   strerror(errno));
		goto out_close;
	}
	if (length > INVARIANT_FILE_MAX) {
		check_fail(error, error_size, "invariant %s: larger than %d bytes",
			   path, INVARIANT_FILE_MAX);
		goto out_close;
	}
	if (memchr(text, '\0', length)) {
		/* SQLite would stop at it and run the query before it alone */
		invariant_nul_error(path, text, length, error, error_size);
		goto out_close;
	}
	text[length] = '\0';
	*text_out = text;
	text = NULL;
	rc = 0;
out_close:
	free(text);
	fclose(file);
	return rc;
}

static int invariants_load_dir(struct invariant_set *set, const char *dir,
			       char *error, size_t error_size)
{
	char **names = NULL;
	int count = 0, rc = 0;
	if (invariant_list_dir(dir, &names, &count, error, error_size) != 0)
		return -1;
	for (int i = 0; i < count && rc == 0; i++) {
		char path[sizeof(set->items[0].source)];
		char *sql = NULL;
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path)) {
			rc = check_fail(error, error_size, "invariant %s/%s: path"
					" too long", dir, names[i]);
			break;
		}
		rc = invariant_read_file(path, &sql, error, error_size);
		if (rc == 0)
			rc = invariant_set_put(set, names[i], sql, path, error,
					       error_size);
		free(sql);
	}
	invariant_names_free(names, count);
	return rc;
}

/* Whether a statement being prepared reads the trace's events (through
 * run_events or not): sqlite3_set_authorizer's callback. */
static int invariant_reads_events(void *data, int action, const char *table,
				  const char *column, const char *schema,
				  const char *view)
{
	(void)column;
	(void)view;
	/* A table read for no column (count(*), EXISTS) comes without
	 * its schema when its name was not qualified. */
	if (action == SQLITE_READ && table && strcmp(table, "events") == 0 &&
	    (!schema || strcmp(schema, "main") == 0))
		*(bool *)data = true;
	return SQLITE_OK;
}

/* The text of a statement from start to end (the start of what follows
 * it), without the blanks, semicolons and comments before it (SQLite
 * skips them; inside the statement that records its events they are an
 * error) and its trailing blanks and semicolons; malloc'd. */
static char *invariant_statement_text(const char *start, const char *end)
{
	size_t length;
	for (;;) {
		start += strspn(start, " \t\r\n;");
		if (strncmp(start, "--", 2) == 0) {
			const char *line_end = strchr(start, '\n');
			start = line_end && line_end < end ? line_end + 1 : end;
		} else if (strncmp(start, "/*", 2) == 0) {
			const char *comment_end = strstr(start + 2, "*/");
			start = comment_end && comment_end < end ?
				comment_end + 2 : end;
		} else {
			break;
		}
		if (start >= end)
			break;
	}
	length = start < end ? (size_t)(end - start) : 0;
	while (length > 0 && strchr(" \t\r\n;", start[length - 1]))
		length--;
	return strndup(start, length);
}

/* The second statement of a user's file, the events its invariant's rows
 * point at: one read-only SELECT of two columns, an event's seq and why.
 * Returns 0, or -1 with what is wrong in problem. */
static int invariant_check_points(sqlite3_stmt *stmt, char *problem,
				  size_t problem_size)
{
	static const char what[] = "its second statement, the events the"
				   " rows point at,";
	if (!sqlite3_stmt_readonly(stmt) || sqlite3_column_count(stmt) == 0)
		snprintf(problem, problem_size, "%s is not a SELECT", what);
	else if (sqlite3_column_count(stmt) != 2)
		snprintf(problem, problem_size, "%s returns %d column%s: it"
			 " must return two, an event's seq and why", what,
			 sqlite3_column_count(stmt),
			 sqlite3_column_count(stmt) == 1 ? "" : "s");
	else
		return 0;
	return -1;
}

/* The statement that records the events of points (blame_sql), prepared
 * on db, a trace database, as it will run: named(gid) is its CTE there,
 * and a statement that is no SELECT (a PRAGMA) does not fit in it.
 * Returns 0, or -1 with what is wrong in problem. */
static int invariant_check_recording(sqlite3 *db, const char *points,
				     char *problem, size_t problem_size)
{
	sqlite3_stmt *stmt = NULL;
	char *sql = blame_sql(points);
	int rc = -1;
	if (!sql)
		snprintf(problem, problem_size, "out of memory");
	else if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		snprintf(problem, problem_size, "its second statement, the"
			 " events the rows point at, cannot run as one: %s",
			 sqlite3_errmsg(db));
	else
		rc = 0;
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
	return rc;
}

/* INVARIANT_EMPTY_STEPS_MAX (check.h) is about a second: a query of the
 * final state's views takes a few hundred steps on the empty state; a
 * fixed series of a million numbers, about ten million. */
#define INVARIANT_PROGRESS_EVERY 10000

/* sqlite3_progress_handler's callback: counts the instructions run, and
 * interrupts the query once it has taken its budget. */
static int invariant_progress(void *data)
{
	long long *left = data;
	*left -= INVARIANT_PROGRESS_EVERY;
	return *left <= 0;
}

void invariant_budget_start(sqlite3 *db, long long *left, long long steps)
{
	*left = steps;
	invariant_budget_resume(db, left);
}

void invariant_budget_resume(sqlite3 *db, long long *left)
{
	sqlite3_progress_handler(db, INVARIANT_PROGRESS_EVERY,
				 invariant_progress, left);
}

void invariant_budget_end(sqlite3 *db)
{
	sqlite3_progress_handler(db, 0, NULL, NULL);
}

void invariant_budget_said(long long steps, char *out, size_t size)
{
	snprintf(out, size, "did not end on this run's final state within"
		 " %lld of SQLite's steps (%lld, and %lld for each pair of"
		 " users): a recursive query without its end, or one too slow"
		 " to check every run with?", steps, INVARIANT_RUN_STEPS_BASE,
		 INVARIANT_RUN_STEPS_PER_PAIR);
}

/* Steps stmt through as many rows as a check reads of it (rows_max; 0:
 * all of them) within the budget; SQLite's last result code
 * (SQLITE_INTERRUPT when the budget ran out). */
static int invariant_step_bounded(sqlite3 *db, sqlite3_stmt *stmt,
				  int rows_max)
{
	long long left;
	int step, rows = 0;
	invariant_budget_start(db, &left, INVARIANT_EMPTY_STEPS_MAX);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW &&
	       (rows_max == 0 || ++rows < rows_max))
		;
	invariant_budget_end(db);
	return step;
}

/* What a statement that failed its first step on the empty state is
 * told, in problem: what, "it" or the second statement, then SQLite's
 * message, or that it did not end. */
static const char *invariant_run_problem(sqlite3 *db, int step,
					 const char *what, char *problem,
					 size_t problem_size)
{
	if (step == SQLITE_INTERRUPT)
		snprintf(problem, problem_size, "%s did not end on an empty"
			 " state within %lld of SQLite's steps: a recursive"
			 " query without its end?", what,
			 INVARIANT_EMPTY_STEPS_MAX);
	else
		snprintf(problem, problem_size, "%s fails when run: %s", what,
			 sqlite3_errmsg(db));
	return problem;
}

/* Runs the invariant's query through the rows a check records of it,
 * and the statement of the events its rows point at when it has one
 * through all of its rows, on the empty database:
 * what fails whatever the data (load_extension, which the checker's
 * database does not allow; json('x'); a blob too big; a recursion that
 * never ends) fails here, before any run, instead of in the check of
 * every run. Returns NULL, or what went wrong in problem. */
static const char *invariant_check_run(sqlite3 *db, sqlite3_stmt *stmt,
				       sqlite3 *points_db,
				       sqlite3_stmt *points, char *problem,
				       size_t problem_size)
{
	int step = invariant_step_bounded(db, stmt, CHECK_ROWS_RECORDED_MAX);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return invariant_run_problem(db, step, "it", problem,
					     problem_size);
	if (!points)
		return NULL;
	step = invariant_step_bounded(points_db, points, 0);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return invariant_run_problem(points_db, step, "its second"
					     " statement, the events the rows"
					     " point at,", problem,
					     problem_size);
	return NULL;
}

/* An invariant is one read-only statement that returns columns and reads
 * the final state only; a user's file may add a second, the events its
 * rows point at (invariant_check_points), which item keeps. db has the
 * checker's views; points_db also named(gid), the gids of the rows, which
 * the second statement may read (blame.h). */
static int invariant_check_query(sqlite3 *db, sqlite3 *points_db,
				 struct invariant *item, char *error,
				 size_t error_size)
{
	sqlite3_stmt *stmt = NULL, *points = NULL, *extra = NULL;
	const char *tail = NULL, *points_tail = NULL;
	const char *problem = NULL;
	char points_problem[512];
	bool reads_events = false;
	int rc = -1;
	sqlite3_set_authorizer(db, invariant_reads_events, &reads_events);
	if (sqlite3_prepare_v2(db, item->sql, -1, &stmt, &tail) != SQLITE_OK)
		problem = sqlite3_errmsg(db);
	sqlite3_set_authorizer(db, NULL, NULL);
	if (problem)
		;
	else if (!stmt)
		problem = "no query";
	else if (!sqlite3_stmt_readonly(stmt) || sqlite3_column_count(stmt) == 0)
		problem = "not a query that returns rows (one SELECT)";
	else if (reads_events)
		/* The runs an exploration does not report keep no events:
		 * such an invariant would judge them on nothing. */
		problem = "it reads the run's events: an invariant judges the"
			  " final state only (an exploration keeps the events"
			  " of the runs it reports, not of every run); read them"
			  " in a second statement, the events its rows point at";
	else if (strcmp(item->source, "built-in") == 0) {
		if (sqlite3_prepare_v2(db, tail, -1, &extra, NULL) != SQLITE_OK)
			problem = sqlite3_errmsg(db);
		else if (extra)
			problem = "more than one statement (one SELECT)";
	} else if (sqlite3_prepare_v2(points_db, tail, -1, &points,
				      &points_tail) != SQLITE_OK) {
		snprintf(points_problem, sizeof(points_problem), "its second"
			 " statement, the events the rows point at: %s",
			 sqlite3_errmsg(points_db));
		problem = points_problem;
	} else if (!points)
		; /* the invariant alone */
	else if (invariant_check_points(points, points_problem,
					sizeof(points_problem)) != 0)
		problem = points_problem;
	else if (sqlite3_prepare_v2(points_db, points_tail, -1, &extra,
				    NULL) != SQLITE_OK) {
		snprintf(points_problem, sizeof(points_problem), "after its"
			 " second statement: %s", sqlite3_errmsg(points_db));
		problem = points_problem;
	} else if (extra)
		problem = "more than two statements (the invariant's SELECT,"
			  " and one for the events its rows point at)";
	else {
		free(item->points_sql);
		item->points_sql = invariant_statement_text(tail, points_tail);
		if (!item->points_sql)
			problem = "out of memory";
		else if (invariant_check_recording(db, item->points_sql,
						   points_problem,
						   sizeof(points_problem)) != 0)
			problem = points_problem;
	}
	if (!problem)
		problem = invariant_check_run(db, stmt, points_db, points,
					      points_problem,
					      sizeof(points_problem));
	if (problem)
		check_fail(error, error_size, "invariant %s (%s): %s", item->name,
			   item->source, problem);
	else
		rc = 0;
	sqlite3_finalize(extra);
	sqlite3_finalize(points);
	sqlite3_finalize(stmt);
	return rc;
}

/* Prepares every query of the set against an empty trace database. */
static int invariants_check_queries(struct invariant_set *set,
				    char *error, size_t error_size)
{
	struct tracedb *db = NULL, *points_db = NULL;
	int rc = -1;
	if (tracedb_open(&db, NULL, error, error_size) != 0 ||
	    tracedb_open(&points_db, NULL, error, error_size) != 0)
		goto out_close;
	if (check_views_create(tracedb_sqlite(db), error, error_size) != 0 ||
	    check_views_create(tracedb_sqlite(points_db), error,
			       error_size) != 0)
		goto out_close;
	if (sqlite3_exec(tracedb_sqlite(points_db), "CREATE TEMP VIEW"
			 " named(gid) AS SELECT NULL WHERE 0", NULL, NULL,
			 NULL) != SQLITE_OK) {
		check_fail(error, error_size, "trace database: %s",
			   sqlite3_errmsg(tracedb_sqlite(points_db)));
		goto out_close;
	}
	for (int i = 0; i < set->count; i++)
		if (invariant_check_query(tracedb_sqlite(db),
					  tracedb_sqlite(points_db),
					  &set->items[i], error,
					  error_size) != 0)
			goto out_close;
	rc = 0;
out_close:
	tracedb_close(points_db);
	tracedb_close(db);
	return rc;
}

/* The leading "--" lines of sql, each without its "--" and the spaces
 * after it, joined with single spaces, into text. */
static void leading_comment(const char *sql, char *text, size_t size)
{
	size_t used = 0;
	text[0] = '\0';
	while (sql && used + 1 < size) {
		const char *line = sql + strspn(sql, " \t\r\n");
		const char *end;
		if (strncmp(line, "--", 2) != 0)
			break;
		line += 2 + strspn(line + 2, "-"); /* "----" rules too */
		line += strspn(line, " \t");
		end = strchr(line, '\n');
		size_t length = end ? (size_t)(end - line) : strlen(line);
		while (length > 0 && (line[length - 1] == ' ' ||
				      line[length - 1] == '\r'))
			length--;
		if (length > 0)
			used += (size_t)snprintf(text + used, size - used,
						 "%s%.*s", used ? " " : "",
						 (int)length, line);
		sql = end ? end + 1 : NULL;
	}
}

void invariant_explanation(const struct invariant_set *set, const char *name,
			   char *text, size_t size)
{
	if (size == 0)
		return;
	text[0] = '\0';
	for (int i = 0; set && i < set->count; i++)
		if (strcmp(set->items[i].name, name) == 0)
			leading_comment(set->items[i].sql, text, size);
}

bool invariant_is_built_in(const char *name)
{
	size_t length = strlen(name);
	for (int i = 0; i < flashsim_invariant_count; i++)
		if (strncmp(flashsim_invariant_names[i], name, length) == 0 &&
		    strcmp(flashsim_invariant_names[i] + length, ".sql") == 0)
			return true;
	return false;
}

int invariants_load(struct invariant_set *set, const char *user_dir,
		    char *error, size_t error_size)
{
	memset(set, 0, sizeof(*set));
	for (int i = 0; i < flashsim_invariant_count; i++)
		if (invariant_set_put(set, flashsim_invariant_names[i],
				      flashsim_invariant_sources[i], "built-in",
				      error, error_size) != 0)
			goto out_free;
	if (user_dir && invariants_load_dir(set, user_dir, error, error_size) != 0)
		goto out_free;
	if (invariants_check_queries(set, error, error_size) != 0)
		goto out_free;
	return 0;
out_free:
	invariants_free(set);
	return -1;
}
