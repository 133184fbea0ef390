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
 * the run that the invariant's rows are the proof of: an invariant of
 * --invariants DIR, or one that replaces a built-in, has no rule here,
 * and its rows point at no event.
 */
#ifndef FLASHSIM_BLAME_H
#define FLASHSIM_BLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3;

/* Whether the built-in invariant name has a rule. */
bool blame_knows(const char *name);

/* Records in violation_events the events of run_id that the built-in
 * invariant name's violation points at. db is the trace database with
 * the checker's views showing run_id (check.c). Returns 0 (also when
 * name has no rule), or -1 with error when SQLite failed. */
int blame_record(struct sqlite3 *db, int64_t run_id, const char *name,
		 char *error, size_t error_size);

#endif
