/*
 * cmd_compare.c - `flashsim compare`: one sale, with the same seed and the
 * same faults, under two designs, side by side.
 *
 * Design A is the sale as the file and the options give it; design B the
 * same sale with another variant (--with). Both runs are the real core in
 * the simulated world, each checked as `flashsim run` checks it; their
 * replay commands run each again alone.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "compare.h"
#include "options.h"
#include "report.h"
#include "report_html.h"
#include "runner.h"
#include "values.h"
#include "variants.h"

/* Design B: --with, else the protocol when A is a variant and naive when
 * A is the protocol (the design it replaces). */
static enum variant_id design_b(const struct cli_options *options)
{
	if (options->compare_with_set)
		return options->compare_with;
	return options->config.variant == VARIANT_NONE ? VARIANT_NAIVE :
							 VARIANT_NONE;
}

/* What B's redis-server keeps across a restart: nothing for a variant
 * that runs Redis without persistence; else A's, unless A's variant is
 * what made A's nothing (B then keeps the append-only file, the
 * default). */
static enum redis_persistence persistence_b(const struct cli_options *o,
					    enum variant_id b)
{
	if (variant_get(b)->redis_no_persistence)
		return REDIS_PERSISTENCE_NONE;
	if (variant_get(o->config.variant)->redis_no_persistence)
		return REDIS_PERSISTENCE_AOF;
	return o->runner.persistence;
}

/* Returns 0 or EXIT_USAGE, having said why. */
static int check_designs(const struct cli_options *o, enum variant_id b)
{
	if (b == o->config.variant) {
		fprintf(stderr, "flashsim: compare: --with %s is design A's own"
			" (%s): nothing to compare; name another design\n"
			"(see --help)\n", variant_get(b)->name,
			o->variant_set_by == SET_BY_FILE ? "the file's variant" :
			o->variant_set_by == SET_BY_OPTION ? "--variant" :
			"the protocol, by default; --variant names another");
		return EXIT_USAGE;
	}
	if (o->config.random_faults) {
		/* drawn at each hit a design reaches, and two designs reach
		 * different hits: each would have faults of its own */
		fprintf(stderr, "flashsim: compare gives both designs the same"
			" faults, and random faults (%s) are drawn at each hit a"
			" design reaches: give the faults with --fault (the"
			" replay line of a run with random faults lists those"
			" that fired)\n(see --help)\n",
			o->scenario ? "random = true, or --random-faults" :
			"--random-faults");
		return EXIT_USAGE;
	}
	if (!o->runner.redis_address)
		return 0;
	if (variant_get(b)->redis_no_persistence) {
		fprintf(stderr, "flashsim: compare: --with %s runs a Redis"
			" without persistence, which flashsim starts: not one"
			" given with --redis\n(see --help)\n",
			variant_get(b)->name);
		return EXIT_USAGE;
	}
	if (!o->runner.flush) {
		/* B's run would find A's keys and be refused after A ran */
		fprintf(stderr, "flashsim: compare makes two runs of the same"
			" sale: on a Redis given with --redis, the second needs"
			" --flush (FLUSHDB before each run), or drop --redis to"
			" use a private redis-server\n(see --help)\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* The runners: one for both designs, or one each when their Redis keeps
 * different things across a restart. */
struct runners {
	struct runner runner[2];
	int open;
};

static int open_runners(struct runners *runners,
			const struct cli_options *options,
			enum redis_persistence b_persistence, char *error,
			size_t error_size)
{
	struct runner_options b_options = options->runner;
	int rc = runner_open(&runners->runner[0], &options->runner, error,
			     error_size);
	runners->open = 1;
	if (rc != 0 || b_persistence == options->runner.persistence)
		return rc;
	b_options.persistence = b_persistence;
	runners->open = 2;
	return runner_open(&runners->runner[1], &b_options, error, error_size);
}

static void close_runners(struct runners *runners)
{
	for (int i = 0; i < runners->open; i++)
		runner_close(&runners->runner[i]);
}

static struct runner *runner_of(struct runners *runners, int design)
{
	return design == 1 && runners->open == 2 ? &runners->runner[1] :
						   &runners->runner[0];
}

static void json_design(FILE *out, const struct compare_design *design,
			const struct expect_outcome *expect)
{
	char *text = NULL;
	size_t size = 0;
	FILE *memory = open_memstream(&text, &size);
	fprintf(out, "{\"design\":");
	report_json_string(out, variant_get(design->config.variant)->name);
	fprintf(out, ",\"run\":");
	if (memory) {
		report_json(memory, &design->config, &design->result,
			    design->replay, design->db, design->run_id, expect);
		fclose(memory);
	}
	/* report_json's object, without its line end */
	if (text && size && text[size - 1] == '\n')
		text[size - 1] = '\0';
	fputs(text && text[0] ? text : "null", out);
	fputc('}', out);
	free(text);
}

/* expect: the file's expectation, judged on design A. in_short is the
 * text report's last sentence. */
static void print_json(FILE *out, const struct compare_design designs[2],
		       const struct expect_outcome *expect)
{
	struct compare_values *values = compare_values_make(designs);
	char summary[COMPARE_VALUE_MAX * 2];
	fprintf(out, "{\"command\":\"compare\",\"a\":");
	json_design(out, &designs[0], expect);
	fprintf(out, ",\"b\":");
	json_design(out, &designs[1], NULL);
	fprintf(out, ",\"in_short\":");
	if (values) {
		compare_summary(designs, values, summary, sizeof(summary));
		report_json_string(out, summary);
	} else {
		fputs("null", out);
	}
	fprintf(out, "}\n");
	free(values);
}

/* --json when the comparison reached no end (a Redis refused or gone, an
 * internal error, a user's invariant failing on a run): the object says
 * why, with A's run when A was made before B failed, so that a job that
 * reads the standard output gets JSON and the reason. done: how many
 * designs were run. */
static void print_json_error(FILE *out, const struct compare_design
			     designs[2], int done, const char *error, int rc)
{
	fprintf(out, "{\"command\":\"compare\",\"error\":");
	report_json_string(out, error);
	fprintf(out, ",\"exit_code\":%d", rc);
	for (int d = 0; d < 2; d++) {
		fprintf(out, ",\"%c\":", 'a' + d);
		if (d < done)
			json_design(out, &designs[d], NULL);
		else
			fputs("null", out);
	}
	fprintf(out, ",\"in_short\":null}\n");
}

static void print_header(const struct cli_options *o,
			 const struct compare_design designs[2])
{
	char plan[PLAN_FORMAT_MAX];
	fault_plan_list(&o->config.plan, plan, sizeof(plan));
	/* no random faults: check_designs refused them */
	printf("flashsim compare: seed %" PRIu64 ", %d user%s, stock %" PRId64
	       ", apps %d, coordinators %d; faults: %s\n",
	       o->config.seed, o->config.users,
	       o->config.users == 1 ? "" : "s", o->config.stock,
	       o->config.apps, o->config.coordinators, plan);
	printf("the same sale, seed and faults under two designs:\n");
	for (int d = 0; d < 2; d++)
		printf("  %s (%s)\n", designs[d].title,
		       variant_get(designs[d].config.variant)->description);
}

/* Runs design d; prints its timeline under its title. Returns 0 or an
 * exit code, having printed the error to stderr (and, when it is B's, A's
 * verdict first: A's run stands) and written it in error. */
static int run_design(const struct cli_options *options,
		      struct runner *runner, struct compare_design *design,
		      const struct compare_design *before, char *error,
		      size_t error_size)
{
	int rc;
	if (!options->json)
		printf("\n%s, timeline (virtual ms; %s):\n", design->title,
		       options->runner.timeline_all ? "every step" :
		       "highlights, --timeline for every step");
	rc = runner_run(runner, &design->config, "compare", &design->result,
			&design->run_id, design->replay, sizeof(design->replay),
			error, error_size);
	if (rc != 0) {
		if (before && !options->json)
			printf("\n%s: verdict: %s%s%s\nreplay %c: %s\n",
			       before->title, verdict_name(before->result.verdict),
			       before->result.verdict == VERDICT_OK ? "" : ": ",
			       before->result.verdict == VERDICT_OK ? "" :
			       before->result.problem, before->title[0],
			       before->replay);
		fflush(stdout);
		fprintf(stderr, "flashsim: %s: %s%s\n", design->title,
			rc == EXIT_INTERNAL ? "internal error, no verdict: " :
			"", error);
		return rc;
	}
	design->db = runner->db;
	design->invariants = &runner->invariants;
	design->users = &options->diagram_users;
	if (check_txns_lost(runner->db, design->run_id,
			    &design->result.txns_lost) != 0)
		design->result.txns_lost = -1;
	return 0;
}

/* After both runs: the report, A's expectation, the page. */
static int report_designs(const struct cli_options *options,
			  const struct compare_design designs[2])
{
	FILE *notes = options->json ? stderr : stdout;
	struct expect_outcome expect; /* the file's, for A */
	int rc = EXIT_VERDICT_OK;
	expect_outcome_run(&options->expect, &designs[0].result, designs[0].db,
			   designs[0].run_id, &expect);
	if (options->json) {
		print_json(stdout, designs, &expect);
	} else if (compare_print_text(stdout, designs) != 0) {
		fprintf(stderr, "flashsim: compare: out of memory\n");
		return EXIT_INTERNAL;
	}
	if (expect.judged) {
		fprintf(notes, "design A: ");
		rc = expect_outcome_print(notes, &expect, "compare", rc);
	}
	/* A file written for explore: two runs are not its test. */
	if (options->mode_in_file)
		fprintf(notes, "note: %s is an exploration (mode = %s): compare"
			" made one run of its sale under each design, with its"
			" own faults only; flashsim explore %s explores it\n",
			options->scenario, value_mode_name(options->mode),
			options->scenario);
	fflush(stdout);
	if (report_compare_file(options, designs, &expect) != 0) {
		fprintf(stderr, "flashsim: the comparison printed above"
			" stands, but the page named above was not written:"
			" exit 3\n");
		rc = EXIT_INTERNAL;
	}
	return rc;
}

int command_compare(int argc, char **argv, const char *program)
{
	struct compare_design designs[2];
	struct cli_options options;
	struct runners runners = { .open = 0 };
	enum variant_id b;
	char error[1024];
	int rc = cli_parse_command(argc, argv, program, CLI_COMPARE, &options);
	if (rc != 0)
		return rc;
	b = design_b(&options);
	if ((rc = check_designs(&options, b)) != 0)
		return rc;
	options.runner.scenario = options.scenario;
	options.runner.timeline = options.json ? NULL : stdout;
	if (!options.quiet && isatty(STDERR_FILENO))
		options.runner.progress = stderr;
	if (!options.runner.trace_path) /* as run: a temporary file */
		options.runner.trace_path = "";
	memset(designs, 0, sizeof(designs));
	for (int d = 0; d < 2; d++) {
		designs[d].config = options.config;
		designs[d].config.variant = d == 0 ? options.config.variant : b;
		snprintf(designs[d].title, sizeof(designs[d].title), "%c: %s",
			 'A' + d, compare_design_name(designs[d].config.variant));
	}
	rc = open_runners(&runners, &options, persistence_b(&options, b),
			  error, sizeof(error));
	if (rc != 0) {
		fprintf(stderr, "flashsim: %s\n", error);
		if (options.json)
			print_json_error(stdout, designs, 0, error, rc);
		report_no_verdict_files(&options, "compare", error);
		goto out_close;
	}
	if (!options.json)
		print_header(&options, designs);
	for (int d = 0; d < 2 && rc == 0; d++) {
		rc = run_design(&options, runner_of(&runners, d), &designs[d],
				d ? &designs[0] : NULL, error, sizeof(error));
		if (rc != 0) {
			char why[sizeof(error) + 80];
			snprintf(why, sizeof(why), "%.63s: %.1023s", designs[d].title,
				 error);
			if (options.json)
				print_json_error(stdout, designs, d, why, rc);
			report_no_verdict_files(&options, "compare", why);
		}
	}
	if (rc == 0)
		rc = report_designs(&options, designs);
	fflush(stdout);
out_close:
	close_runners(&runners);
	return rc;
}
