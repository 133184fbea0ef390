/*
 * junit.h - JUnit XML for CI: the verdicts of `flashsim run`, `explore`
 * and `selftest` in the format CI tools read (Jenkins, GitLab, GitHub
 * test reporters):
 *
 *   <testsuites name tests failures errors time>
 *     <testsuite name tests failures errors skipped time>
 *       <testcase name classname time>
 *         <failure message type>text</failure>     (only when it failed)
 *         <error message type>text</error>         (or: no verdict)
 *         <system-out>text</system-out>            (only when given)
 *       </testcase>
 *     </testsuite>
 *   </testsuites>
 *
 * Every text and attribute is XML-escaped; bytes that XML 1.0 cannot hold
 * (control characters, broken UTF-8) become '?'. The document is written
 * to a temporary file next to the target and renamed over it, so a crash
 * never leaves half a file: the target is the old file or the new one.
 *
 * Ownership: the caller owns every string and array passed in; nothing is
 * kept after junit_write returns.
 */
#ifndef FLASHSIM_JUNIT_H
#define FLASHSIM_JUNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct junit_case {
	const char *name;
	const char *classname;
	double seconds;
	const char *failure_message;  /* NULL: the case passed */
	const char *failure_type;     /* "violation", "liveness", ...; NULL:
	                                 "failure" (or "error") */
	const char *failure_text;     /* the failure's body, or NULL */
	const char *output;           /* <system-out>, or NULL: none */
	bool error;                   /* the failure is an error, no verdict
	                                 (an internal error): an <error>,
	                                 counted in errors, not failures */
};

struct junit_suite {
	const char *name;
	double seconds;
	const struct junit_case *cases;
	int count;
};

/* Writes one <testsuites> document holding the suites to path, atomically.
 * Returns 0, or -1 with error set (nothing written to path then). */
int junit_write(const char *path, const char *name,
		const struct junit_suite *suites, int suite_count,
		char *error, size_t error_size);

/* The document itself, to out (junit_write uses it; tests too). */
void junit_print(FILE *out, const char *name,
		 const struct junit_suite *suites, int suite_count);

/* text, XML-escaped for element content. */
void junit_escape(FILE *out, const char *text);

/* ---- the commands' --junit FILE ------------------------------------------ */

struct cli_options;
struct explore_stats;
struct sim_result;
struct tracedb;

/* flashsim run: one test case, the run (named after its scenario, or
 * "run"), that took seconds. It fails when the verdict is not ok or, when
 * the scenario has an [expect] section, when the expectation is not met.
 * result NULL: the run reached no verdict, error says why and rc is the
 * exit code (the case is an error: bad-input for EXIT_USAGE, else
 * internal-error). Writes options->junit_path when given; returns 0, or
 * EXIT_INTERNAL after printing why the file could not be written. */
int junit_run_file(const struct cli_options *options, struct tracedb *db,
		   int64_t run_id, const struct sim_result *result,
		   const char *replay, const char *error, int rc,
		   double seconds);

/* flashsim explore: one failing test case per distinct failure, its
 * shrunk plan and replay command in the message (a failure the
 * exploration did not get to shrink: its first failing run, marked not
 * shrunk); one passing case, the exploration, when nothing failed. With an
 * [expect] section the failures are expected: they pass, and a case
 * "expectation" says whether it was met. rc and error: explore()'s; an
 * exploration that ended in an error (rc not 0: no verdict) has an error
 * case, the exploration, and no expectation is judged. */
int junit_explore_file(const struct cli_options *options,
		       const struct explore_stats *stats, int rc,
		       const char *error);

#endif
