/*
 * blame.h - the events a run's violations point at.
 *
 * The rows of an invariant say what is wrong with the final state; the
 * reports also show where in the run it went wrong. For each built-in
 * invariant a run broke, blame_record finds the events that made its rows
 * (the deduction whose unit no order matches, the order created for a
 * user told "rejected", the answer "success" with no order behind it...)
 * and records them in the trace database's violation_events, each with a
 * sentence that says why (docs/TRACE.md). The diagram marks those events,
 * the checker's report points at them.
 *
 * The events are found from the final state and the trace, a reading of
 * the run that the invariant's rows are the proof of. An invariant of
 * --invariants DIR may bring its own rule, the second statement of its
 * file; one without, also one that replaces a built-in, points at no
 * event.
 */
#ifndef FLASHSIM_BLAME_H
#define FLASHSIM_BLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3;

/* The rule of the built-in invariant name, or NULL when it has none: a
 * query that returns (seq, why), the events of the run to point at and
 * why. Besides the checker's views, a rule reads the CTE named(gid), the
 * gids the invariant's rows named (their column gid), and ?1, the run. */
const char *blame_rule(const char *name);

/* The query of rule's events (sqlite3_free it): ?1 the run, ?2 the
 * invariant; it returns (seq, why), only events of the run, each once,
 * with why as text, in order, as many as are recorded. */
char *blame_sql(const char *rule);

/* Records in violation_events the events of run_id that rule (as
 * blame_rule's) finds for the violation of invariant name. db is the
 * trace database with the checker's views showing run_id (check.c).
 * source: the file of a user's rule, for the message, or NULL. steps:
 * the budget of SQLite's steps for reading the events (check.h; 0: no
 * budget); they are all read before any is written, so that a rule
 * stopped by its budget leaves the run's record whole. Returns 0, or
 * SQLite's (extended) error code with error when SQLite failed
 * (SQLITE_INTERRUPT: the budget ran out). */
int blame_record(struct sqlite3 *db, int64_t run_id, const char *name,
		 const char *rule, const char *source, long long steps,
		 char *error, size_t error_size);

#endif
