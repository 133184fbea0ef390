/*
 * trace.h - the run's trace: one line per step event, and its digest.
 *
 * Every line (virtual time, actor, what happened) is folded into a 64-bit
 * FNV-1a digest; the same scenario, seed and fault plan give the same lines
 * and so the same digest. Lines carry no wall-clock time, process id or
 * path. Lines may also be printed: all of them (a full timeline) or only
 * the highlights (crashes, restarts, phases, the coordinator's recovery).
 */
#ifndef FLASHSIM_TRACE_H
#define FLASHSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct trace {
	uint64_t digest;
	uint64_t lines;
	FILE *out;       /* NULL: print nothing */
	bool print_all;  /* every line, not only highlights */
};

void trace_init(struct trace *trace, FILE *out, bool print_all);

/* Adds one line; printed when print_all, or when highlight and out. */
void trace_line(struct trace *trace, bool highlight, int64_t time_ms,
		const char *actor, const char *format, ...)
	__attribute__((format(printf, 5, 6)));

/* Folds text into the digest without printing it (the final state). */
void trace_digest_text(struct trace *trace, const char *text);

#endif
