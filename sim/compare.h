/*
 * compare.h - `flashsim compare`: one sale under two designs, reported
 * side by side, as text here and as HTML in report_html.h.
 */
#ifndef FLASHSIM_COMPARE_H
#define FLASHSIM_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "report_svg.h"
#include "sim.h"
#include "tracedb.h"

/* One of the two runs: the design, and what its run came to. db and
 * invariants are the runner's that made the run, borrowed: valid until
 * that runner is closed. */
struct compare_design {
	char title[64];                 /* "A: naive", "B: the protocol" */
	struct tracedb *db;             /* its run's trace database */
	int64_t run_id;
	struct sim_config config;
	struct sim_result result;
	char replay[4096];
	const struct invariant_set *invariants;
	const struct diagram_users *users; /* drawn first (--diagram-users) */
};

/* The rows both reports show, in order: "design", "verdict", "stock",
 * ..., one value for each design; a value holds the longest there is (32
 * faults of the plan, each with why it did not fire), and a list longer
 * than it shows says how many more there are. */
enum { COMPARE_ROWS = 10, COMPARE_VALUE_MAX = 12288, COMPARE_VERDICT = 1 };
extern const char *const compare_row_names[COMPARE_ROWS];
struct compare_values {
	char value[2][COMPARE_ROWS][COMPARE_VALUE_MAX]; /* [design][row] */
};
/* Both designs' values, allocated (the caller frees them); NULL when out
 * of memory. */
struct compare_values *compare_values_make(const struct compare_design
					   designs[2]);

/* One sentence of what the comparison shows: "under the same faults, A:
 * naive broke conservation (617 ms, app-2 app/deduct: a unit taken here
 * that no order matches); B: the protocol kept every invariant", a broken
 * design with the first event its violations point at (blame.h); "with
 * no fault injected, ..."; or, when both kept every invariant, whether
 * the faults fired in both and what to try instead; and that the two
 * runs are the same when their digests are. */
void compare_summary(const struct compare_design designs[2],
		     const struct compare_values *values, char *out,
		     size_t size);

/* "the protocol", or the variant's name. */
const char *compare_design_name(enum variant_id variant);

/* The rows as a table of three columns that fits in 80 characters, each
 * value wrapped at its column's width; then, for each design that broke
 * an invariant, the checker's report of its violations; then both
 * replay commands. Returns 0, or -1 when out of memory (nothing
 * printed). */
int compare_print_text(FILE *out, const struct compare_design designs[2]);

#endif
