/*
 * report_html.h - self-contained HTML reports (inline CSS and SVG, no
 * external resource): one for a run, one for an exploration. And the
 * files that --svg FILE and --html FILE ask for. docs/REPORTS.md.
 *
 * The report functions write to out and return 0, or -1 when the trace
 * database could not be read (the page is still complete, saying so).
 */
#ifndef FLASHSIM_REPORT_HTML_H
#define FLASHSIM_REPORT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "expect.h"
#include "explore.h"
#include "options.h"
#include "sim.h"
#include "tracedb.h"

/* One view of a run, as text the caller frees; NULL when the trace
 * database could not be read. title: the diagram's (REPORT_SVG only). */
enum report_view {
	REPORT_VIOLATIONS, /* check_report_violations */
	REPORT_TIMELINE,   /* report_timeline */
	REPORT_SVG,        /* report_svg */
	REPORT_VIOLATIONS_JSON, /* check_report_json: ,"violations":[...] */
};
char *report_capture(enum report_view view, struct tracedb *db,
		     int64_t run_id, const char *title);
/* The diagram, with the purchases of users drawn first (NULL: none). */
char *report_capture_svg(struct tracedb *db, int64_t run_id,
			 const char *title, const struct diagram_users *users);

/* The scenario file a command ran, which its page names in its title
 * and heading, with the file's [scenario] name and description, and its
 * [expect] judged as the text output judges it. A page given NULL, or
 * no file, is as without a scenario file; one without an outcome judged
 * shows no expectation. */
struct html_scenario {
	const char *file;              /* as given on the command line */
	const char *name;              /* its [scenario] name, or "" */
	const char *description;       /* its [scenario] description, or "" */
	const struct expectation *expect;     /* its [expect] */
	const struct expect_outcome *outcome; /* judged, or NULL: none */
};

/* One run: the sale, the verdict, the final state, the violations (the
 * checker's report, and what each violated invariant checks, from the
 * comment its query in invariants opens with),
 * the replay command, the diagram and the timeline. */
int report_html_run(FILE *out, struct tracedb *db, int64_t run_id,
		    const struct sim_config *config,
		    const struct sim_result *result, const char *replay,
		    const struct invariant_set *invariants,
		    const struct diagram_users *users,
		    const struct html_scenario *scenario);

/* An exploration: summary, verdicts by kind, the matrix of failure points
 * x fault kinds with the verdicts, the coverage of the points, and each
 * distinct failure with its shrunk plan, replay command, the checker's
 * report, its diagram and its timeline. error: the internal error that
 * ended the exploration, or NULL: the page says there is no verdict, and
 * shows the failures not shrunk as they were found. */
int report_html_explore(FILE *out, const struct cli_options *options,
			const struct explore_stats *stats, const char *error,
			const struct html_scenario *scenario);

/* flashsim compare: the sale, a table of what each design came to, then
 * for each its verdict, violations, replay command, diagram and
 * timeline, in two columns. */
struct compare_design;
/* designs: the two, A then B; the scenario's expectation is A's. */
int report_html_compare(FILE *out, const struct compare_design *designs,
			const struct html_scenario *scenario);

/* The report files below name options->scenario, if any, and show
 * expect, its [expect] as the command judged it (not judged, or NULL:
 * none). */

/* flashsim run: writes options->svg_path (report_svg) and
 * options->html_path (report_html_run) when given. Returns 0, or
 * EXIT_INTERNAL after printing which file could not be written. */
int report_run_files(const struct cli_options *options, struct tracedb *db,
		     int64_t run_id, const struct sim_result *result,
		     const char *replay, const struct invariant_set *invariants,
		     const struct expect_outcome *expect);

/* A command that reached no verdict (its Redis refused or gone, a user's
 * invariant failing on its data, an internal error): writes
 * options->svg_path and options->html_path, when given, as a page that
 * says so and why, so that a report of an earlier run is not left in
 * their place. A file that cannot be written is named on stderr; the
 * exit code stays the error's. */
void report_no_verdict_files(const struct cli_options *options,
			     const char *command, const char *error);

/* flashsim explore: writes options->html_path when given (error as for
 * report_html_explore). Returns 0, or EXIT_INTERNAL after printing which
 * file could not be written. */
int report_explore_file(const struct cli_options *options,
			const struct explore_stats *stats, const char *error,
			const struct expect_outcome *expect);

/* flashsim compare: writes options->html_path when given
 * (report_html_compare; expect is design A's). Returns 0, or
 * EXIT_INTERNAL after printing why it could not be written. */
int report_compare_file(const struct cli_options *options,
			const struct compare_design *designs,
			const struct expect_outcome *expect);

#endif
