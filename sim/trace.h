/*
 * trace.h - the run's trace: one event per step, its digest, and where
 * it goes.
 *
 * Every event (virtual time, actor, step, gid, what happened, the fault
 * injected) becomes one line of text; every line is folded into a 64-bit
 * FNV-1a digest, so the same scenario, seed and fault plan give the same
 * digest. No wall-clock time, process id or path ever enters a line.
 * Lines may be printed (all, or only the highlights: crashes, restarts,
 * faults, phases, the coordinator's recovery), and events are stored in
 * the trace database when one is attached.
 */
#ifndef FLASHSIM_TRACE_H
#define FLASHSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tracedb.h"

struct trace {
	uint64_t digest;
	uint64_t lines;
	FILE *out;             /* NULL: print nothing */
	bool print_all;        /* every line, not only highlights */
	struct tracedb *db;    /* NULL: store nothing */
	int64_t run_id;
	bool events_unstored;  /* the run's events are not stored in db (a
				  run not kept: only the checker's rows) */
	bool db_failed;        /* an insert failed: the run has no verdict */
	FILE *progress;        /* a terminal for a progress line, or NULL */
	bool progress_shown;   /* a progress line is on it, to be cleared */
};

void trace_init(struct trace *trace, FILE *out, bool print_all);
/* Stores the following events as run run_id of db. */
void trace_attach(struct trace *trace, struct tracedb *db, int64_t run_id);
/* The run is run_id of db, for the checker, but its events are not stored:
 * they are only folded into the digest (and printed). */
void trace_attach_unstored(struct trace *trace, struct tracedb *db,
			   int64_t run_id);

void trace_event(struct trace *trace, const struct trace_event *event);

/* A progress line on trace->progress (nothing when NULL), drawn over the
 * last one; cleared before the next timeline line, so that the two share
 * a terminal, and by trace_progress_clear at the end. */
void trace_progress(struct trace *trace, const char *text);
void trace_progress_clear(struct trace *trace);
/* The event's line, as the timeline prints it and the digest reads it:
 * the time right-aligned in 8 columns, two spaces, the actor left-aligned
 * in 9, a space, the step and the gid each followed by a space when not
 * empty, the detail, and "  [fault F]" when a fault was injected; cut to
 * size - 1 bytes as snprintf would cut it. Written by hand: snprintf was
 * a seventh of the explorer's instructions. Returns the length. */
size_t trace_format(const struct trace_event *event, char *text, size_t size);

/* Folds text into the digest without printing it (the final state). */
void trace_digest_text(struct trace *trace, const char *text);

#endif
