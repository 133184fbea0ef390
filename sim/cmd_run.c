/*
 * cmd_run.c - `flashsim run`: one simulated flash sale, checked.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "check.h"
#include "commands.h"
#include "junit.h"
#include "options.h"
#include "report.h"
#include "report_html.h"
#include "runner.h"
#include "values.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Everything after a run that reached a verdict: the report (text or
 * JSON, and the checker's), the exit code (with the scenario's
 * expectation), then the report files. Returns the exit code. */
static int report_run(const struct cli_options *options,
		      struct runner *runner, struct sim_result *result,
		      int64_t run_id, const char *replay, double seconds)
{
	FILE *notes = options->json ? stderr : stdout;
	struct expect_outcome expect; /* the scenario's [expect] */
	bool files_failed;
	int rc;
	/* Known only from the run's events, which a run keeps. */
	if (check_txns_lost(runner->db, run_id, &result->txns_lost) != 0)
		result->txns_lost = -1;
	expect_outcome_run(&options->expect, result, runner->db, run_id,
			   &expect);
	if (options->json) {
		report_json(stdout, &options->config, result, replay,
			    runner->db, run_id, &expect);
	} else {
		report_text(stdout, &options->config, result, replay,
			    &runner->invariants);
		check_report_violations(stdout, runner->db, run_id);
	}
	rc = result->verdict == VERDICT_OK ? EXIT_VERDICT_OK :
	     result->verdict == VERDICT_VIOLATION ? EXIT_VIOLATION :
						    EXIT_LIVENESS;
	if (expect.judged)
		rc = expect_outcome_print(notes, &expect, "run", rc);
	/* A file written for explore: one run is not its test. */
	if (options->mode_in_file)
		fprintf(notes, "note: %s is an exploration (mode = %s): run"
			" made one run of its sale, with its own faults only;"
			" flashsim explore %s explores it\n", options->scenario,
			value_mode_name(options->mode), options->scenario);
	/* The files come after the verdict; each names itself on stderr
	 * when it cannot be written. */
	files_failed = report_run_files(options, runner->db, run_id, result,
					replay, &runner->invariants,
					&expect) != 0;
	if (junit_run_file(options, runner->db, run_id, result, replay, NULL, 0,
			   seconds) != 0)
		files_failed = true;
	if (files_failed) {
		fprintf(stderr, "flashsim: the verdict printed above stands, but"
			" a report file named above was not written: exit 3\n");
		rc = EXIT_INTERNAL;
	}
	return rc;
}

/* --json when the run reached no verdict (its Redis refused or gone, an
 * internal error): the object says so, as explore's does, so that a job
 * that reads the standard output gets JSON and the reason. */
static void report_json_error(const struct cli_options *options,
			      const char *error, int rc)
{
	if (!options->json)
		return;
	printf("{\"verdict\":null,\"error\":");
	report_json_string(stdout, error);
	printf(",\"exit_code\":%d,\"seed\":%llu,\"users\":%d,\"apps\":%d,"
	       "\"coordinators\":%d}\n", rc,
	       (unsigned long long)options->config.seed, options->config.users,
	       options->config.apps, options->config.coordinators);
}

int command_run(int argc, char **argv, const char *program)
{
	struct cli_options options;
	struct runner runner;
	struct sim_result result;
	char error[512], replay[4096], header[512];
	int64_t run_id = 0;
	double started, seconds;
	int rc = cli_parse(argc, argv, program, false, &options);
	if (rc != 0)
		return rc;
	options.runner.scenario = options.scenario;
	options.runner.timeline = options.json ? NULL : stdout;
	if (!options.quiet && isatty(STDERR_FILENO))
		options.runner.progress = stderr;
	/* Without --trace, a temporary file that SQLite removes at close: a
	 * run keeps every event (about 2.6 KB a user), which in memory made a
	 * run of a million users take 2.7 GB; SQLite keeps up to 64 MiB of it
	 * in memory and the rest on disk (TMPDIR, else /var/tmp or /tmp). */
	if (!options.runner.trace_path)
		options.runner.trace_path = "";
	rc = runner_open(&runner, &options.runner, error, sizeof(error));
	if (rc != 0) {
		fprintf(stderr, "flashsim: %s\n", error);
		report_json_error(&options, error, rc);
		runner_close(&runner);
		/* a CI job reads the JUnit file: it says why there is no run,
		 * and so do the pages, where an earlier run's would stay */
		junit_run_file(&options, NULL, 0, NULL, NULL, error, rc, 0);
		report_no_verdict_files(&options, "run", error);
		return rc;
	}
	/* printed once the Redis is ready: a refused one prints no header */
	snprintf(header, sizeof(header), "flashsim run: seed %llu, %d user%s,"
		 " stock %lld, apps %d, coordinators %d\ntimeline (virtual ms;"
		 " %s):\n", (unsigned long long)options.config.seed,
		 options.config.users, options.config.users == 1 ? "" : "s",
		 (long long)options.config.stock, options.config.apps,
		 options.config.coordinators, options.runner.timeline_all ?
		 "every step" : "highlights, --timeline for every step");
	runner.options.timeline_header = header;
	started = now_seconds();
	rc = runner_run(&runner, &options.config, "run", &result, &run_id,
			replay, sizeof(replay), error, sizeof(error));
	seconds = now_seconds() - started; /* the JUnit case's time */
	if (rc != 0) {
		fflush(stdout);
		fprintf(stderr, "flashsim: %s%s\n",
			rc == EXIT_INTERNAL ? "internal error, no verdict: " : "",
			error);
		report_json_error(&options, error, rc);
		junit_run_file(&options, NULL, 0, NULL, NULL, error, rc,
			       seconds);
		report_no_verdict_files(&options, "run", error);
	} else {
		rc = report_run(&options, &runner, &result, run_id, replay,
				seconds);
	}
	fflush(stdout);
	runner_close(&runner);
	return rc;
}
