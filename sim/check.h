/*
 * check.h - the checker: the real final state, and invariants in SQL.
 *
 * After a run, the checker reads the final state back from the real stores
 * (the stock key, every user's barrier key and transaction and its
 * place in the due set, from Redis; the orders and barrier rows from
 * SQLite) into the trace database, with what each user was told. Then it
 * runs every invariant: an SQL query that returns the rows violating it.
 * The built-in invariants are the .sql files of sim/invariants (compiled
 * in); users add their own with --invariants DIR. The queries see these
 * views of the run being checked (docs/TRACE.md): sale, users, txns,
 * barriers, orders, order_barriers.
 *
 * check.c takes the snapshot and runs the invariants, invariants.c loads
 * the set, check_report.c prints a run's violations.
 */
#ifndef FLASHSIM_CHECK_H
#define FLASHSIM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "order.h"
#include "redis.h"
#include "sim.h"
#include "tracedb.h"

struct sqlite3;
struct sqlite3_stmt;

#define INVARIANT_NAME_MAX 64
/* invariants in one set: one bit each in sim_result.violated_set */
#define INVARIANT_SET_MAX 64

struct invariant {
	char name[INVARIANT_NAME_MAX]; /* file name without .sql */
	char *sql;                     /* owned */
	char *points_sql;              /* owned: the second SELECT of a
					  user's file, the events its rows
					  point at (seq, why); NULL: none */
	char source[256];              /* "built-in" or the file's path */
	struct sqlite3_stmt *stmt;     /* prepared on the set's trace.db,
					  kept between runs; finalized with
					  the set's other statements */
};

/* Statements the checker prepares on one database once and keeps: an
 * exploration checks thousands of runs with the same statements. */
#define CHECK_STATEMENTS_MAX 24
struct check_statements {
	struct sqlite3 *db;            /* the database they were prepared on */
	struct sqlite3_stmt *stmt[CHECK_STATEMENTS_MAX];
};

struct invariant_set {
	struct invariant *items;       /* owned */
	int count;
	/* The checker's own statements on the trace database and on the
	 * order database, finalized by invariants_free: close those
	 * databases after it, or with sqlite3_close_v2. */
	struct check_statements trace;
	struct check_statements orders;
	bool views_ready;              /* the temp views exist on trace.db */
};

/* Formats the message into error (cut to error_size) and returns -1:
 * the checker's and the invariant loader's way to fail. */
int check_fail(char *error, size_t error_size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Whether a file of a --invariants directory named name ("x.sql", not
 * ".x.sql") is loaded as an invariant. */
bool invariant_file_name(const char *name);

/* Whether name ("conservation") is a built-in invariant's. */
bool invariant_is_built_in(const char *name);

/* The built-in invariants, then every *.sql of user_dir (NULL: none) in
 * name order; a user file replaces the built-in of the same name. Each
 * query is prepared once against an empty trace database, so a broken
 * query is reported here with its file and SQLite's message. Returns 0, or
 * -1 with error. */
int invariants_load(struct invariant_set *set, const char *user_dir,
		    char *error, size_t error_size);
void invariants_free(struct invariant_set *set);

/* What the invariant name of set checks, in the words of the comment its
 * query opens with (its leading "--" lines, joined into one paragraph),
 * into text: the query the runs used (a user's file that replaced a
 * built-in is that file's). "" when it has none or set has no such
 * invariant. */
void invariant_explanation(const struct invariant_set *set, const char *name,
			   char *text, size_t size);

/* The checker's statements kept in set (on its trace and order
 * databases), finalized; invariants_free calls it. */
void check_statements_free(struct invariant_set *set);
/* The views an invariant sees (docs/TRACE.md) on db, unless they are
 * there. Returns 0, or -1 with error. */
int check_views_create(struct sqlite3 *db, char *error, size_t error_size);

/* Rows recorded per invariant and run; a report says when there were
 * more. */
#define CHECK_ROWS_RECORDED_MAX 1000

/* A user's query is stopped after so many of SQLite's virtual machine
 * instructions: INVARIANT_EMPTY_STEPS_MAX on the empty state at load,
 * and on a run's final state INVARIANT_RUN_STEPS_BASE and
 * INVARIANT_RUN_STEPS_PER_PAIR for each pair of the sale's users (a few
 * seconds for a small sale; a query that joins every order with every
 * other still ends within it on a sale of thousands): a query that never
 * ends is said, not waited for; so is the second statement of a user's
 * file, the events its rows point at (blame_record). The built-in
 * queries have no budget. */
#define INVARIANT_EMPTY_STEPS_MAX 100000000LL
#define INVARIANT_RUN_STEPS_BASE 300000000LL
#define INVARIANT_RUN_STEPS_PER_PAIR 100LL

/* Installs a budget of steps on db (until invariant_budget_end): the
 * read-only query it runs then fails with SQLITE_INTERRUPT once it has
 * taken them. left is the caller's, and stays in use until then;
 * invariant_budget_resume installs it again with what is left of it. */
void invariant_budget_start(struct sqlite3 *db, long long *left,
			    long long steps);
void invariant_budget_resume(struct sqlite3 *db, long long *left);
void invariant_budget_end(struct sqlite3 *db);
/* What a user's statement that spent steps of its budget on a run's
 * final state is told, after its name: "did not end on this run's final
 * state within ... steps ...: a recursive query without its end, ...?" */
void invariant_budget_said(long long steps, char *out, size_t size);

/* The invariants run_id violated, in the order they were found: at most
 * max names into names. Returns how many, or -1 when the trace database
 * could not be read. */
int check_violated_invariants(struct tracedb *trace, int64_t run_id,
			      char names[][INVARIANT_NAME_MAX], int max);
/* Creates the checker's views on db now, outside any transaction; without
 * it they are created at the first check, inside that run's transaction,
 * and a run rolled back (runner_run without a run id) would take them
 * with it. Returns 0, or -1 with error. */
int invariants_attach(struct invariant_set *set, struct tracedb *db,
		      char *error, size_t error_size);

struct check_input {
	const struct sim_config *config;
	struct redis_conn *redis;
	struct order_db *orders;
	const uint8_t *answers;        /* by user index (user id - 1): bit
					  1 << told of each answer the user
					  got; 0: none (TOLD_NOTHING) */
};

/* What a user with several requests was told, all answers together, for
 * the report: a success counts over anything, then an unknown, then a
 * rejection; TOLD_NOTHING without answers. The invariants check every
 * answer on its own. */
enum told told_best(uint8_t answers);

/* Snapshots the final state of run_id, runs every invariant and records
 * the violating rows. Fills result: stock_left and stock_missing, orders,
 * txns[], txns_open, due, told[] (txns_lost: -1, check_txns_lost knows
 * more); and, unless it is already
 * VERDICT_LIVENESS, verdict and problem (the first violated invariant and
 * its first row, "<name>: col=value, ..."). Checking a run again replaces
 * its snapshot. All of it is one SAVEPOINT, inside the run's transaction
 * or alone. Returns 0, or -1 with error when a store or a query failed:
 * no verdict then, and nothing of the check is kept. */
int check_run(struct tracedb *db, int64_t run_id,
	      const struct check_input *input,
	      struct invariant_set *invariants,
	      struct sim_result *result, char *error, size_t error_size);

/* Of the users of run_id with no transaction in Redis at the end, those
 * whose transaction a coordinator had saved (coord/save answered OK): the
 * Redis lost it. Reads the run's events, so only a run whose events are
 * kept can tell (a kept run of `flashsim run`, not an exploration's
 * others). Returns 0 with *lost, or -1 when the trace database cannot be
 * read. */
int check_txns_lost(struct tracedb *db, int64_t run_id, int64_t *lost);

/* Prints the violations of run_id: each invariant, its rows, and the
 * events of the gids those rows name. Prints nothing when there are none. */
void check_report_violations(FILE *out, struct tracedb *db, int64_t run_id);
/* An event a violation points at (blame.h, violation_events); the texts
 * belong to the reader and are never NULL. */
struct check_point {
	int64_t seq;
	int64_t time_ms;
	const char *actor;
	const char *step;
	const char *gid;
	const char *detail;
	const char *invariant;
	const char *why;
};
/* Calls fn with each event the violations of run_id point at, in the
 * order of the run (an event pointed at by several invariants once for
 * each), those of invariant only unless it is NULL; fn returns nonzero
 * to stop. Returns 0, or -1 when the trace database could not be read. */
int check_points(struct tracedb *trace, int64_t run_id, const char *invariant,
		 int (*fn)(void *context, const struct check_point *point),
		 void *context);

/* The same as JSON: ,"violations":[{"invariant", "rows" (how many),
 * "rows_all_recorded", "first_rows" (the first 10, as the text has them),
 * "points_at" (the events it points at: time_ms, actor, step, gid,
 * detail, why)}, ...], [] when there are none. Returns 0, or -1 when the
 * trace database could not be read (what was read is written, the array
 * closed). */
int check_report_json(FILE *out, struct tracedb *db, int64_t run_id);

#endif
