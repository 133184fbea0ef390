/*
 * tracedb.h - the trace database: one SQLite database (a file given with
 * --trace, or in memory) holding, per run, its parameters and verdict,
 * every step event, what each user was told, the final state read back
 * from Redis and SQLite, and the violations found. Schema: docs/TRACE.md.
 *
 * Ownership: tracedb_open allocates the handle; tracedb_close frees it.
 * Strings passed in are copied by SQLite; nothing is kept.
 */
#ifndef FLASHSIM_TRACEDB_H
#define FLASHSIM_TRACEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "effect.h"

struct sqlite3;
struct tracedb;
struct sim_result;

/* One step event; see trace.h. Fields are never NULL ("" when none). */
struct trace_event {
	int64_t time_ms;
	const char *actor;   /* "app-1", "coord-2", "user-7", "sim", "redis" */
	const char *step;    /* step or failure point name, "" */
	const char *gid;     /* the global transaction, "" */
	const char *detail;  /* what happened: "= OK (prepared)", "CRASH", ... */
	const char *fault;   /* the fault injected here, "POINT@N:KIND", "" */
	bool highlight;      /* shown in the short timeline */
};

/* The parameters of a run, as stored in the runs table. */
struct tracedb_run {
	const char *command;   /* "run" or "explore" */
	const char *scenario;  /* the scenario file, "" */
	uint64_t seed;
	const char *plan;      /* the fault plan as --fault options, "" */
	int users;
	int64_t stock;
	int apps;
	int coordinators;
	uint64_t activity;
	const char *tag;
	const char *variant;   /* the teaching variant's name, "" for none */
};

/* Removes a database file at path and SQLite's files beside it (-wal,
 * -shm, -journal). */
void tracedb_remove_files(const char *path);

/* path as a name SQLite opens as the file of that name: "file:x" and
 * ":memory:", which SQLite reads otherwise, get "./" before them (out,
 * size bytes); any other path is returned as it is. */
const char *tracedb_file_name(const char *path, char *out, size_t size);

/* path NULL: an in-memory database; "": a temporary file, removed at
 * close, of which SQLite keeps up to 64 MiB in memory. An existing file
 * keeps its earlier runs; new runs are appended; one whose tables of
 * these names are not a trace's is refused as it was, and a file this
 * call made and refused is removed. A file is put in WAL mode,
 * synchronous NORMAL. Returns 0, or -1 with error. tracedb_close commits
 * a run still open as it is (verdict NULL). */
int tracedb_open(struct tracedb **db, const char *path, char *error,
		 size_t error_size);
void tracedb_close(struct tracedb *db);

/* The last error of the database, for messages. */
const char *tracedb_error(const struct tracedb *db);
/* The underlying connection (for the checker and tests). */
struct sqlite3 *tracedb_sqlite(struct tracedb *db);

/* Starts a run: its row in runs is inserted and committed at once (verdict
 * NULL until the end), then an SQL transaction opens that holds the run's
 * events, final state and violations until tracedb_end_run. One run is
 * open at a time; a run still open (its driver failed before a verdict)
 * is committed as it is, verdict NULL, when the next one begins. Run ids
 * are never reused. When the transaction cannot begin, the row is
 * deleted (else it would read as a run whose flashsim died) and -1
 * returned. */
int tracedb_begin_run(struct tracedb *db, const struct tracedb_run *run,
		      int64_t *run_id);
/* Records one event of the open run (an error for any other run);
 * sequence orders the run's events. */
int tracedb_event(struct tracedb *db, int64_t run_id, int64_t sequence,
		  const struct trace_event *event);
/* Records the verdict, problem (NULL when empty), digest, replay command
 * and size of the run, and commits. A run that never reaches this keeps
 * verdict NULL: no verdict (if flashsim died, its events are lost too). */
int tracedb_end_run(struct tracedb *db, int64_t run_id,
		    const struct sim_result *result, const char *replay);
/* Deletes a run and everything of it, from every table (the explorer keeps
 * only failures); an open run is rolled back first. Freed pages are reused,
 * so an in-memory database stays the same size over thousands of runs. */
int tracedb_drop_run(struct tracedb *db, int64_t run_id);

/* An exploration's closing figures (tracedb_end_exploration). */
struct tracedb_exploration {
	const char *verdict;     /* ok, violation, liveness; NULL: no verdict */
	int64_t planned, runs, ok, violation, liveness, failures;
	int64_t stopped_by_budget;                 /* 0 or 1 */
};

/* Records the start of an exploration in the explorations table (its
 * command line, the time, the last run id so far: the runs it keeps come
 * after it), committed at once, so that one that never ends (flashsim
 * died) stays with finished and verdict NULL. */
int tracedb_begin_exploration(struct tracedb *db, const char *command,
			      int64_t *exploration_id);
/* Records its end: the time, the last run id (its kept runs are those
 * after after_run_id up to last_run_id), its counts and verdict. */
int tracedb_end_exploration(struct tracedb *db, int64_t exploration_id,
			    const struct tracedb_exploration *e);

#endif
