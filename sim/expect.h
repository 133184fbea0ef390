/*
 * expect.h - the [expect] section of a scenario file: what a run or an
 * exploration should come to, compared with what it came to.
 *
 * Every key is optional; an expectation is the keys that were given
 * (expect_given). Which keys apply depends on the command:
 *
 *   key         run                       explore
 *   verdict     the run's verdict         violation if any run broke an
 *                                         invariant, else liveness if any
 *                                         hung, else ok
 *   invariant   violated in the run       a distinct failure of that name
 *   orders      orders of the activity    -
 *   stock_left  the stock key at the end  -
 *   failures    -                         number of distinct failures
 *   caught      -                         true: at least one failure,
 *                                         false: none
 *
 * A key that does not apply to the command is not checked, and the line
 * printed says so. With an expectation the command's exit code says
 * whether it was met (0) or not (1), instead of the verdict's code.
 */
#ifndef FLASHSIM_EXPECT_H
#define FLASHSIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim.h"

struct explore_stats;
struct tracedb;

#define EXPECT_INVARIANT_MAX 64

/* The keys given, as bits of expectation.given. */
enum expect_key {
	EXPECT_VERDICT = 1u << 0,
	EXPECT_INVARIANT = 1u << 1,
	EXPECT_ORDERS = 1u << 2,
	EXPECT_STOCK_LEFT = 1u << 3,
	EXPECT_FAILURES = 1u << 4,
	EXPECT_CAUGHT = 1u << 5,
};

struct expectation {
	unsigned given;                /* enum expect_key bits */
	enum verdict verdict;
	char invariant[EXPECT_INVARIANT_MAX];
	int64_t orders;
	int64_t stock_left;
	int64_t failures;
	bool caught;
};

/* The scenario key of one enum expect_key bit: "caught". */
const char *expect_key_name(unsigned key);
/* The value expect gives that key, as the file writes it ("violation",
 * "true", "3"), into value. */
void expect_key_value(const struct expectation *expect, unsigned key,
		      char *value, size_t value_size);
/* The keys given, as the file writes them, in the order of enum
 * expect_key: "verdict = violation, invariant = conservation". */
void expect_describe(const struct expectation *expect, char *out,
		     size_t size);

/* Whether any key was given. */
bool expect_given(const struct expectation *expect);
/* Whether any key given is one that run (explore false) or explore
 * checks: without one, the verdict decides as if none was given. */
bool expect_checked_by(const struct expectation *expect, bool explore);

/* Parses a verdict name: ok, violation, liveness. Returns 0, or -1 with
 * what was expected in error. */
int expect_verdict_parse(const char *text, enum verdict *verdict,
			 char *error, size_t error_size);

/* Compares a finished run with the expectation. violated: the names of
 * the invariants the run violated, comma-separated ("" when none); every
 * fault of the run's plan must have fired (result->not_fired empty).
 * Returns whether it was met; writes the differences ("verdict ok,
 * expected violation; ...") or "" into why. */
bool expect_judge_run(const struct expectation *expect,
		      const struct sim_result *result, const char *violated,
		      char *why, size_t why_size);
/* The same for an exploration's stats. */
bool expect_judge_explore(const struct expectation *expect,
			  const struct explore_stats *stats, char *why,
			  size_t why_size);

/* An expectation judged. */
struct expect_outcome {
	bool judged;                   /* an expectation was given, and
					  judged */
	bool met;
	char why[4096];                /* what differed, "" when met */
	unsigned not_checked;          /* the keys given that the command
					  ignores (enum expect_key bits) */
	bool checked_nothing;          /* it ignores every key given: met
					  is false, and the verdict decides */
};

/* Judges run_id of db (its result and the invariants it violated, from
 * the trace database) into outcome; not judged without an expectation. */
void expect_outcome_run(const struct expectation *expect,
			const struct sim_result *result, struct tracedb *db,
			int64_t run_id, struct expect_outcome *outcome);
/* The same for an exploration. */
void expect_outcome_explore(const struct expectation *expect,
			    const struct explore_stats *stats,
			    struct expect_outcome *outcome);
/* The outcome's line, without its line end, into line: "expectation:
 * met" or "expectation NOT met: <what differed>", naming the keys command
 * does not check; "expectation: not checked: ..." when it checks none of
 * the keys given. The outcome must be judged. line_size: at least
 * EXPECT_LINE_MAX, not to cut it. */
#define EXPECT_LINE_MAX 4400 /* the longest line, its end included */
void expect_outcome_line(const struct expect_outcome *outcome,
			 const char *command, char *line, size_t line_size);
/* Prints the outcome's line to out and returns the exit code:
 * EXIT_VERDICT_OK when met, EXIT_VIOLATION when not, and verdict_code,
 * the verdict's, when the command checks none of the keys given. The
 * outcome must be judged. */
int expect_outcome_print(FILE *out, const struct expect_outcome *outcome,
			 const char *command, int verdict_code);
/* ,"expectation":null when outcome is NULL or not judged, else
 * ,"expectation":{"met":...,"differences":...,"not_checked":[...]}, met
 * being null when nothing was checked. */
void expect_outcome_json(FILE *out, const struct expect_outcome *outcome);

#endif
