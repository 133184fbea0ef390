/*
 * options.h - the command-line options shared by `flashsim run` and
 * `flashsim explore`: the sale, its faults, and where state goes.
 */
#ifndef FLASHSIM_OPTIONS_H
#define FLASHSIM_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "expect.h"
#include "report_svg.h"
#include "runner.h"
#include "sim.h"

enum explore_mode {
	EXPLORE_EXHAUSTIVE,
	EXPLORE_PAIRS,
	EXPLORE_RANDOM,
	EXPLORE_RECOVERY, /* exhaustive, then each recovery step faulted
			     after the fault that starts the recovery */
};

/* Where a setting's value came from, for messages about it. */
enum setting_source {
	SET_BY_DEFAULT,
	SET_BY_FILE,            /* the scenario file */
	SET_BY_OPTION,          /* the command line */
};

/* The [timing] keys of a scenario that have no option of their own
 * (--arrival-ms, --timeout-to-fail-ms, --cron-interval-ms), each an option
 * named after its key with dashes (call_timeout_ms: --call-timeout-ms):
 * so that a replay line carries every timing a run had. */
struct timing_option {
	const char *name;      /* "call-timeout-ms" */
	size_t offset;         /* of its int64_t field in struct sim_config */
	int64_t low, high;     /* the values it takes, milliseconds */
};
extern const struct timing_option cli_timing_options[];
extern const int cli_timing_option_count;

#define CLI_SCENARIO_KEYS_MAX 64

struct cli_options {
	struct sim_config config;
	struct runner_options runner;
	bool json;
	const char *scenario;   /* the scenario file, or NULL */
	char scenario_name[64];        /* its [scenario] name, or "" */
	char scenario_description[181]; /* fits on a line of the file */
	struct expectation expect;     /* its [expect] section (expect.h) */
	/* the line of the file each key was given on, 0: not in it, by the
	   order of the keys in scenario.c: read with scenario_line */
	int scenario_lines[CLI_SCENARIO_KEYS_MAX];
	/* the line of the file each fault of config.plan was given on, 0:
	   given by --fault */
	int fault_lines[PLAN_FAULTS_MAX];
	enum setting_source variant_set_by;     /* of config.variant */
	enum setting_source persistence_set_by; /* of runner.persistence */
	const char *svg_path;   /* run: the sequence diagram, or NULL */
	/* run, compare: users whose purchases the diagrams draw first */
	struct diagram_users diagram_users;
	const char *html_path;  /* run, explore: the HTML report, or NULL */
	const char *junit_path; /* JUnit XML, or NULL */
	/* explore only */
	enum explore_mode mode;
	bool mode_in_file;      /* the scenario file set it: the file is an
				   exploration (run says so) */
	int jobs;
	long runs;              /* budget of runs, 0: the mode's default */
	long seconds;           /* budget of wall time (--budget), 0: none */
	int shard_index;        /* this shard, 0-based ... */
	int shard_count;        /* ... of this many (1: no sharding) */
	unsigned kinds;         /* KIND_BIT()s to try */
	bool quiet;
	/* compare only: the second design (--with), and whether it was
	   given (else compare chooses: docs/USAGE.md) */
	enum variant_id compare_with;
	bool compare_with_set;
	bool redis_db_given;    /* --redis-db, even 0 */
};

/* The commands that take these options; each takes a few of its own. */
enum cli_command {
	CLI_RUN,
	CLI_EXPLORE,
	CLI_COMPARE,            /* run's sale under two designs */
};

/* Parses argv (argv[0] is the subcommand) for command. Returns 0; prints
 * help and exits on --help; or prints a clear error and returns
 * EXIT_USAGE. */
int cli_parse_command(int argc, char **argv, const char *program,
		      enum cli_command command, struct cli_options *options);
/* The same for run (explore false) or explore. */
int cli_parse(int argc, char **argv, const char *program, bool explore,
	      struct cli_options *options);

/* What is wrong with path as the database of option (--trace,
 * --orders-db), into problem: '-', where flashsim prints its text
 * (/dev/stdout sent to a file), not a regular file. Returns whether
 * something is. */
bool cli_database_problem(const char *option, const char *path,
			  char *problem, size_t size);

#endif
