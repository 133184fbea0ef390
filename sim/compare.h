/*
 * compare.h - `flashsim compare`: one sale under two designs, reported
 * side by side, as text here and as HTML in report_html.h.
 */
#ifndef FLASHSIM_COMPARE_H
#define FLASHSIM_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "sim.h"
#include "tracedb.h"

/* One of the two runs: the design, and what its run came to. */
struct compare_design {
	char title[64];                 /* "A: naive", "B: the protocol" */
	struct tracedb *db;             /* its run's trace database */
	int64_t run_id;
	struct sim_config config;
	struct sim_result result;
	char replay[4096];
	const struct invariant_set *invariants;
};

/* The rows both reports show, in order: "design", "verdict", "stock",
 * ..., one value for each design. */
enum { COMPARE_ROWS = 10, COMPARE_VALUE_MAX = 1024 };
extern const char *const compare_row_names[COMPARE_ROWS];
void compare_row_values(const struct compare_design *design,
			char values[COMPARE_ROWS][COMPARE_VALUE_MAX]);

/* One sentence of what the comparison shows, from the two verdict rows
 * (compare_row_values): "under the same faults, A: naive broke
 * conservation; B: the protocol kept every invariant", or that both kept
 * every invariant and these faults do not tell the designs apart. */
void compare_summary(const struct compare_design designs[2],
		     const char *verdict_a, const char *verdict_b, char *out,
		     size_t size);

/* "the protocol", or the variant's name. */
const char *compare_design_name(enum variant_id variant);

/* The rows as a table of three columns that fits in 80 characters, each
 * value wrapped at its column's width; then, for each design that broke
 * an invariant, the checker's report of its violations; then both
 * replay commands. */
void compare_print_text(FILE *out, const struct compare_design designs[2]);

#endif
