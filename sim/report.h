/*
 * report.h - printing a run's result: a short text summary or one JSON
 * object. Only completed runs are reported; an internal error prints no
 * verdict.
 */
#ifndef FLASHSIM_REPORT_H
#define FLASHSIM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "sim.h"

struct tracedb;

/* invariants: the set the run was checked with, or NULL (the built-in
 * ones). */
struct invariant_set;
void report_text(FILE *out, const struct sim_config *config,
		 const struct sim_result *result, const char *replay,
		 const struct invariant_set *invariants);

/* What a verdict ok says held, after "verdict: ok": "(stock deducted ==
 * orders created, nothing oversold, ...)" with the built-in invariants
 * (invariants NULL, or none replaced), and whether a user's directory
 * added any; when a user's file replaced a built-in, that every
 * invariant held and which files replaced which, since the built-in's
 * words may no longer be true. A file config's variant does not check
 * (naive has no transactions) is left out: it held nothing. out: room
 * for REPORT_OK_TEXT_MAX and the words around it, not to be cut (the
 * eight built-ins replaced by files of long paths). */
#define REPORT_OK_TEXT_MAX 3072
void report_ok_text(const struct sim_config *config,
		    const struct invariant_set *invariants, char *out,
		    size_t size);
/* With trace, the JSON also has the run's violations
 * (check_report_json); NULL leaves them out. expect: the scenario's
 * expectation judged on the run, or NULL ("expectation":null). */
struct expect_outcome;
void report_json(FILE *out, const struct sim_config *config,
		 const struct sim_result *result, const char *replay,
		 struct tracedb *trace, int64_t run_id,
		 const struct expect_outcome *expect);

/* Pieces of the final state, as the text and HTML reports have them:
 * the stock ("2 initial, 0 left, 2 deducted", or that the key is
 * missing); the transactions by status, those missing from Redis split
 * into never created and lost when result->txns_lost is known; the
 * crashes of actors and of Redis. */
void report_stock_text(const struct sim_result *result, char *out,
		       size_t size);
void report_txns_text(const struct sim_config *config,
		      const struct sim_result *result, char *out, size_t size);
void report_crashes_text(const struct sim_result *result, char *out,
			 size_t size);
/* The problem without the verdict's own name: a liveness problem starts
 * with "liveness: ", which a report that prints the verdict first would
 * double. Points into result. */
const char *report_problem_text(const struct sim_result *result);

/* A fault of the plan (--fault) that never fired, its hit never reached,
 * as "POINT@N:KIND never fired: POINT was reached K times while faults
 * could fire"; report_not_fired: the i-th of result->not_fired. */
void report_fault_not_fired(const struct fault *fault, uint32_t reached,
			    char *out, size_t size);
void report_not_fired(const struct sim_result *result, int i, char *out,
		      size_t size);

/* Writes text with its control characters, and the bytes that are not
 * UTF-8, as \xNN, and the characters a terminal shows as nothing or as a
 * plain space (a no-break space, a byte order mark, a zero-width or
 * direction mark) as \uNNNN: text from a file or a user's query must not
 * move the terminal's cursor, hide part of a line, or look like what it
 * is not ('stock\u00a0' is not 'stock'). */
/* The code point of the UTF-8 sequence at text, and its length in
 * *length; -1 (length 1) for a byte that starts no valid sequence. */
long report_utf8_decode(const unsigned char *text, int *length);

void report_visible(FILE *out, const char *text);
/* Writes text as a JSON string, quoted and escaped. */
void report_json_string(FILE *out, const char *text);
/* ,"not_fired":[...]: each fault of missing as report_fault_not_fired has
 * it, reached[point] the hits of its point while faults could fire. */
void report_json_not_fired(FILE *out, const struct fault_plan *missing,
			   const uint32_t reached[POINT_COUNT]);

/* Appends word to the command line in out (after a space, unless out is
 * empty), in single quotes when the shell would take it apart. */
void report_shell_word(char *out, size_t size, const char *word);
/* Writes the command line that replays this run into out. */
void report_replay_command(const char *program, const struct sim_config *config,
			   char *out, size_t size);
struct runner_options;
/* The same for a run of a runner with those options whose faults were
 * fired (random ones written out): with the runner's --invariants and
 * --redis-persistence. */
void report_replay_run(const struct runner_options *runner,
		       const struct sim_config *config,
		       const struct fault_plan *fired, char *out, size_t size);

/* ---- an exploration's failures ------------------------------------------- */

struct cli_options;
struct explore_failure;
struct explore_stats;

/* Whether the exploration shrank the failure (and replayed it): one that
 * ended in an internal error first has only the run that found it. */
bool report_failure_shrunk(const struct explore_failure *failure);
/* The run that found the failure, for a report: "run 17" (the
 * exploration's index, as an internal error names a run), or "the run
 * with none of the explored faults" when that run failed. */
void report_failure_found(const struct explore_stats *stats,
			  const struct explore_failure *failure, char *out,
			  size_t size);
/* The command that runs that first failing run again, with the faults
 * that fired as --fault options (as runner_replay writes a replay):
 * neither shrunk nor replayed to check it. */
void report_failure_found_replay(const struct cli_options *options,
				 const struct explore_failure *failure,
				 char *out, size_t size);
/* "conservation 61, txn_order_agreement 75": each invariant some run
 * broke, with the runs that broke it (first or not); "" when none. */
void report_invariants_broken(const struct explore_stats *stats, char *text,
			      size_t size);

/* What cut the exploration short of what its mode makes, for every
 * report: "stopped by --seconds 3 after 244 of the 683 planned runs: not
 * every fault was tried", "cut by --runs 10: ...", "a sample: 2000 of the
 * 4753 pairs ..."; "" when nothing did (random mode has no end:
 * only --seconds cuts it). */
void report_cut(const struct cli_options *options,
		const struct explore_stats *stats, char *text, size_t size);

/* The runs of an exploration in which a fault of their own plan never
 * fired (explore_stats.runs_not_fired), for the text report: "in 3 of the
 * 4753 runs, a fault of the run's own plan never fired (3 faults): an
 * earlier fault took the run away from its hit; the first:
 * net/buy/reply@2:delay, in the run of app/deduct/after@1:crash,
 * net/buy/reply@2:delay" (in random mode, "in the run of seed 17");
 * "" when there were none. REPORT_RUNS_NOT_FIRED_MAX always fits. */
#define REPORT_RUNS_NOT_FIRED_MAX (PLAN_FORMAT_MAX + 512)
void report_runs_not_fired(const struct cli_options *options,
			   const struct explore_stats *stats, char *text,
			   size_t size);

/* What the run without the explored faults sold, for every report: "the
 * run without the explored faults sold 2 of its 2 units (2 orders)" ("the
 * run with only the sale's own faults (--fault)" when it has some); ""
 * when there was no such run, or when it failed (the failure says it).
 * Returns true when a sale without faults of
 * its own sold nothing with stock to sell: then its invariants held for
 * want of a sale, as may those of the runs built on it, and the text is a
 * warning that says so. */
bool report_dry_sale(const struct cli_options *options,
		     const struct explore_stats *stats, char *text,
		     size_t size);

/* What an exploration took: "2.3 s exploring, 1.7 runs/s with 1 job; 34.6
 * s shrinking and replaying (42 runs); 36.9 s in all; peak memory 12 MB
 * (flashsim's own processes 4.6 MB)", without the shrinking when nothing
 * was shrunk; the peak is the largest process, a redis-server included. */
void report_explore_time(const struct cli_options *options,
			 const struct explore_stats *stats, char *text,
			 size_t size);

/* Which share of the exploration a shard (--shard) made, for every
 * report: "171 of the exploration's 683 runs", or "none of the
 * exploration's 37 runs (more shards than runs)"; in recovery mode, whose
 * second pass each shard plans from its own share of the first, "228 of
 * the first pass's 683 runs, and the 40 runs of the second pass planned
 * from them" (or "5 of the 40 runs ..." when --runs cut it, "no second
 * pass (the first was cut short)"). */
void report_shard_share(const struct cli_options *options,
			const struct explore_stats *stats, char *text,
			size_t size);

/* What the replays of a shrunk failure showed, for every report:
 * "replayed twice: same failure, same digest", or a WARNING saying in how
 * many of its replays it failed again, and whether the run shown (its
 * report, diagram and timeline) is one of those. */
void report_replay_check(const struct explore_failure *failure, char *text,
			 size_t size);

/* What a report says about a failure it has not shrunk. */
#define REPORT_NOT_SHRUNK "not shrunk: the exploration ended in an internal" \
	" error first"
/* What a report says instead of a verdict when the exploration ended in
 * an internal error (error: its message). */
void report_no_verdict(const struct explore_stats *stats, const char *error,
		       char *out, size_t size);

#endif
