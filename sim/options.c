/*
 * options.c - parsing the shared command-line options (see options.h).
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "points.h"
#include "report.h"
#include "scenario.h"
#include "values.h"
#include "variants.h"
#include "whole_file.h"

enum {
	OPT_USERS = 1000, OPT_STOCK, OPT_SEED, OPT_APPS, OPT_COORDINATORS,
	OPT_ACTIVITY, OPT_TAG, OPT_ORDERS_DB, OPT_REDIS, OPT_FLUSH, OPT_JSON,
	OPT_TIMELINE, OPT_FAULT, OPT_ARRIVAL, OPT_TIMEOUT_TO_FAIL, OPT_CRON,
	OPT_TRACE, OPT_INVARIANTS, OPT_PERSISTENCE, OPT_RANDOM_FAULTS,
	OPT_FAST_PATH, OPT_NO_RANDOM_FAULTS, OPT_NO_FAST_PATH,
	OPT_REQUESTS, OPT_VARIANT, OPT_SVG, OPT_HTML, OPT_JUNIT, OPT_SHARD,
	OPT_MODE, OPT_JOBS, OPT_RUNS, OPT_SECONDS, OPT_KINDS, OPT_QUIET,
	OPT_WITH, OPT_REDIS_DB, OPT_DIAGRAM_USERS,
};

static const struct option long_options[] = {
	{ "users", required_argument, NULL, OPT_USERS },
	{ "requests-per-user", required_argument, NULL, OPT_REQUESTS },
	{ "variant", required_argument, NULL, OPT_VARIANT },
	{ "stock", required_argument, NULL, OPT_STOCK },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "apps", required_argument, NULL, OPT_APPS },
	{ "coordinators", required_argument, NULL, OPT_COORDINATORS },
	{ "activity", required_argument, NULL, OPT_ACTIVITY },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "arrival-ms", required_argument, NULL, OPT_ARRIVAL },
	{ "timeout-to-fail-ms", required_argument, NULL, OPT_TIMEOUT_TO_FAIL },
	{ "cron-interval-ms", required_argument, NULL, OPT_CRON },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "random-faults", no_argument, NULL, OPT_RANDOM_FAULTS },
	{ "sold-out-fast-path", no_argument, NULL, OPT_FAST_PATH },
	{ "no-random-faults", no_argument, NULL, OPT_NO_RANDOM_FAULTS },
	{ "no-sold-out-fast-path", no_argument, NULL, OPT_NO_FAST_PATH },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "redis-db", required_argument, NULL, OPT_REDIS_DB },
	{ "flush", no_argument, NULL, OPT_FLUSH },
	{ "redis-persistence", required_argument, NULL, OPT_PERSISTENCE },
	{ "orders-db", required_argument, NULL, OPT_ORDERS_DB },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "invariants", required_argument, NULL, OPT_INVARIANTS },
	{ "timeline", no_argument, NULL, OPT_TIMELINE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "budget", required_argument, NULL, OPT_SECONDS },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "diagram-users", required_argument, NULL, OPT_DIAGRAM_USERS },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "kinds", required_argument, NULL, OPT_KINDS },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "with", required_argument, NULL, OPT_WITH },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define TIMING(name, field, low) \
	{ name, offsetof(struct sim_config, field), low, 86400000 }
const struct timing_option cli_timing_options[] = {
	TIMING("latency-ms-min", latency_ms_min, 0),
	TIMING("latency-ms-max", latency_ms_max, 0),
	TIMING("redis-latency-ms-min", redis_latency_ms_min, 0),
	TIMING("redis-latency-ms-max", redis_latency_ms_max, 0),
	TIMING("call-timeout-ms", call_timeout_ms, 1),
	TIMING("redis-timeout-ms", redis_timeout_ms, 1),
	TIMING("user-timeout-ms", user_timeout_ms, 1),
	TIMING("retry-interval-ms", sale.retry_interval_ms, 1),
	TIMING("retry-interval-ms-max", sale.retry_interval_ms_max, 1),
	TIMING("restart-delay-ms", restart_delay_ms, 0),
	TIMING("recovery-bound-ms", recovery_bound_ms, 1),
	TIMING("fault-window-ms", fault_window_ms, 0),
};
const int cli_timing_option_count =
	(int)(sizeof(cli_timing_options) / sizeof(cli_timing_options[0]));

/* The option ids of the timing options: OPT_TIMING + their index. */
#define OPT_TIMING 2000

/* long_options and the timing options, for getopt_long: built once. */
static const struct option *all_options(void)
{
	enum { BASE = sizeof(long_options) / sizeof(long_options[0]) - 1 };
	static struct option all[BASE + 16 + 1];
	_Static_assert(sizeof(cli_timing_options) /
		       sizeof(cli_timing_options[0]) <= 16,
		       "room for the timing options");
	if (all[0].name)
		return all;
	memcpy(all, long_options, BASE * sizeof(all[0]));
	for (int i = 0; i < cli_timing_option_count; i++)
		all[BASE + i] = (struct option){ cli_timing_options[i].name,
						 required_argument, NULL,
						 OPT_TIMING + i };
	return all;
}

/* Options that only explore takes, and those only run takes. */
static bool explore_only(int option)
{
	return (option >= OPT_MODE && option <= OPT_QUIET) ||
	       option == OPT_SHARD;
}

static bool run_only(int option)
{
	/* An exploration's runs each have an order database of their own. */
	return option == OPT_SVG || option == OPT_ORDERS_DB;
}

static const char *command_name(enum cli_command command)
{
	return command == CLI_EXPLORE ? "explore" :
	       command == CLI_COMPARE ? "compare" : "run";
}

/* Whether command takes option; when not, *owner: the command that does. */
static bool takes_option(enum cli_command command, int option,
			 enum cli_command *owner)
{
	bool explore = explore_only(option), run = run_only(option);
	/* --junit is explore's too; compare refuses it as run's */
	*owner = explore ? CLI_EXPLORE : option == OPT_WITH ? CLI_COMPARE :
		 CLI_RUN;
	switch (command) {
	case CLI_RUN: return !explore && option != OPT_WITH;
	case CLI_EXPLORE: /* its diagrams are of shrunk runs */
		return !run && option != OPT_WITH &&
		       option != OPT_DIAGRAM_USERS;
	case CLI_COMPARE:
		/* two runs: one diagram file, one order database or one
		 * JUnit case would hold only one of them */
		return !explore && !run && option != OPT_JUNIT;
	}
	return false;
}

/* The help's first part: what the command does (explore, compare: and
 * their own options). */
static void usage_command(FILE *out, enum cli_command command)
{
	if (command == CLI_COMPARE)
		fprintf(out,
"usage: flashsim compare [options] [FILE]\n\n"
"Runs one flash sale twice, the same sale with the same seed and the same\n"
"faults, under two designs: the one FILE and the options give (A), and\n"
"another (B). Prints what each came to side by side; --html writes both\n"
"sequence diagrams side by side on one page. A scenario's [expect] is\n"
"A's.\n\n"
"The comparison:\n"
"  --with NAME            design B: none (the protocol) or a teaching\n"
"                         variant (default: the protocol when A is a\n"
"                         variant, naive when A is the protocol)\n"
"Both designs get the faults of --fault and the file; random faults,\n"
"drawn at each hit a design reaches, are refused.\n\n");
	else if (command == CLI_EXPLORE)
		fprintf(out,
"usage: flashsim explore [options] [FILE]\n\n"
"Runs the sale below again and again, each time with other faults, checks\n"
"every run, and reports the failures with a shrunk plan and the command\n"
"that replays each.\n\n"
"The exploration:\n"
"  --mode MODE            exhaustive (default): a dry run counts the hits of\n"
"                         every failure point, then every (point, hit, kind)\n"
"                         is tried alone; pairs: pairs of those single\n"
"                         faults at two different hits, each pair once;\n"
"                         random: runs with faults drawn\n"
"                         from per-seed probabilities (seeds from --seed on);\n"
"                         recovery: exhaustive, then every fault of each\n"
"                         step only a recovery runs, after the single fault\n"
"                         that starts the recovery\n"
"  --kinds LIST           only these fault kinds (comma-separated; default\n"
"                         all; -KIND leaves one out: --kinds=-redis-crash)\n"
"  --runs N               at most N runs (pairs default 2000, random 1000)\n"
"  --seconds S, --budget S  stop starting runs after S seconds\n"
"  --shard I/N            do only the I-th of N equal shares of the runs\n"
"                         (I from 1), to split one exploration over CI jobs\n"
"                         (recovery: of the first pass; each shard makes the\n"
"                         second pass it plans from its share)\n"
"  --jobs N               N worker processes, each with its own Redis (default 1)\n"
"  --quiet                no progress line\n\n");
	else
		fprintf(out,
"usage: flashsim run [options] [FILE]\n\n"
"Runs a flash sale through the real protocol code against a live Redis and\n"
"SQLite, in a deterministic simulated world, then reads the final state\n"
"back and checks every invariant: stock deducted must equal orders created.\n\n");
}

/* The options of the sale and its faults, the same for both commands. */
static void usage_sale(FILE *out)
{
	fprintf(out,
"FILE: a scenario file (docs/SCENARIOS.md) with the sale, its faults and\n"
"what it should come to; the options given with it override the file.\n\n"
"The sale:\n"
"  --users N              users (default 10)\n"
"  --requests-per-user R  purchase requests of each user, each arriving on\n"
"                         its own (default 1; 2 = the same user buying twice)\n"
"  --stock S              initial stock (default 4)\n"
"  --activity ID          activity id (default 1)\n"
"  --tag TAG              Redis Cluster hash tag of the sale's keys (default a)\n"
"  --apps K               app instances (default 2)\n"
"  --coordinators M       coordinator instances (default 1)\n"
"  --seed X               seed of every choice the simulator makes (default 1)\n"
"  --arrival-ms MS        users arrive within this window (default 1000)\n"
"  --timeout-to-fail-ms MS  age at which a prepared transaction is\n"
"                         backchecked (default 3000)\n"
"  --cron-interval-ms MS  idle interval of the coordinator's loop (default 1000)\n"
"  --latency-ms-min MS, --call-timeout-ms MS, ... every other [timing] key of\n"
"                         a scenario file, as an option (docs/USAGE.md)\n"
"  --sold-out-fast-path   the app reads the stock first and rejects at once\n"
"                         when none is left (an optimisation; off by default;\n"
"                         --no-sold-out-fast-path turns a file's off)\n"
"  --variant NAME         none (default): the protocol; or a teaching variant\n"
"                         with a planted bug: naive, no-rollback-marker,\n"
"                         order-no-barrier, deduct-before-prepare,\n"
"                         redis-no-persistence, stock-before-barrier,\n"
"                         unclear-backcheck-fails\n\n"
"Faults:\n"
"  --fault POINT@N:KIND   inject KIND at the Nth hit of POINT (repeatable, one\n"
"                         per hit); `flashsim points` lists points and kinds\n"
"  --random-faults        also inject faults drawn from the seed\n"
"                         (--no-random-faults turns a file's off)\n"
"  --redis-persistence P  aof (default, appendfsync always), aof-everysec or\n"
"                         none: what a restarted Redis keeps\n\n");
}

/* State and output: the commands differ in a few options. */
static void usage_output(FILE *out, enum cli_command command)
{
	bool explore = command == CLI_EXPLORE;
	fprintf(out,
"State and output:\n"
"  --redis ADDRESS        use this Redis (HOST:PORT or unix:PATH) instead of\n"
"                         starting a private redis-server\n"
"  --redis-db N           its database N (default 0)\n"
"  --flush                FLUSHDB that Redis first (never done without it)\n");
	if (command == CLI_RUN)
		fprintf(out,
"  --orders-db FILE       keep the order database in FILE (its orders and\n"
"                         barrier tables are emptied at start)\n");
	fprintf(out,
"  --trace FILE           keep the trace database in FILE (docs/TRACE.md)\n"
"  --invariants DIR       add the *.sql invariants of DIR to the built-in ones\n");
	if (explore)
		fprintf(out,
"  --timeline             print the whole timeline of each shrunk failure\n"
"  --html FILE            write the exploration report as one HTML file\n");
	else if (command == CLI_COMPARE)
		fprintf(out,
"  --timeline             print every step of both runs, not only the\n"
"                         highlights\n"
"  --html FILE            write both runs side by side as one HTML file\n"
"  --diagram-users LIST   draw these users' purchases first in the diagrams,\n"
"                         e.g. 3,7 (at most 6)\n");
	else
		fprintf(out,
"  --timeline             print every step, not only the highlights\n"
"  --svg FILE             write the run's sequence diagram as SVG\n"
"  --html FILE            write the report (verdict, timeline, diagram) as\n"
"                         one HTML file\n"
"  --diagram-users LIST   draw these users' purchases first in the diagram,\n"
"                         e.g. 3,7 (at most 6)\n");
	if (command == CLI_COMPARE) {
		fprintf(out,
"  --json                 print one JSON object instead of the text report\n"
"  -h, --help             this help\n\n"
"Exit codes: 0 both runs reached a verdict, whatever it is; 3 internal\n"
"error (no verdict), 64 bad input. With a scenario's [expect]: 0 A met\n"
"it, 1 A did not.\n");
		return;
	}
	fprintf(out,
"  --junit FILE           write the verdicts as JUnit XML for CI\n"
"  --json                 print one JSON object instead of the text report\n"
"  -h, --help             this help\n\n"
"Exit codes: 0 ok, 1 invariant violation, 2 liveness failure (did not\n"
"quiesce), 3 internal error (no verdict), 64 bad input. With a scenario's\n"
"[expect]: 0 met, 1 not met.\n");
}

static void usage(FILE *out, enum cli_command command)
{
	usage_command(out, command);
	usage_sale(out);
	usage_output(out, command);
}

/* Says a problem of the input on stderr, then where to read more; its
 * text shown visible (report_visible): a path or a value given may hold
 * control characters, which would reach the terminal. Returns
 * EXIT_USAGE. */
static int said_visible(const char *see, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
static int said_visible(const char *see, const char *format, ...)
{
	char message[8192];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	fprintf(stderr, "flashsim: ");
	report_visible(stderr, message);
	fprintf(stderr, "\n(see %s)\n", see);
	return EXIT_USAGE;
}

static int bad_input(const char *format, const char *text)
	__attribute__((format(printf, 1, 0)));
static int bad_input(const char *format, const char *text)
{
	char message[8192];
	snprintf(message, sizeof(message), format, text);
	return said_visible("--help", "%s", message);
}

/* The report files are written at the end: a path that cannot be written
 * is refused before the sale, not after a long exploration; and two
 * outputs on one file, where one would destroy the other. */
/* The place of text, a value given with an option, on the command line
 * (the index of the argument it is in), or argc. */
static int argv_place(int argc, char **argv, const char *text)
{
	for (int i = 0; i < argc; i++)
		if (text >= argv[i] && text <= argv[i] + strlen(argv[i]))
			return i;
	return argc;
}

bool cli_database_problem(const char *option, const char *path,
			  char *problem, size_t size)
{
	struct stat st;
	if (strcmp(path, "-") == 0)
		snprintf(problem, size, "%s -: '-' is no name for the standard"
			 " output here; a database needs a file of its own:"
			 " give its name", option);
	/* a database file written into with the text */
	else if (whole_file_is_fd(path, STDOUT_FILENO) ||
		 whole_file_is_fd(path, STDERR_FILENO))
		snprintf(problem, size, "%s %s is where flashsim prints: the"
			 " database and the text would overwrite each other;"
			 " give it a file of its own", option, path);
	/* /dev/null, a FIFO: SQLite would say "disk I/O error" */
	else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
		 !S_ISDIR(st.st_mode))
		snprintf(problem, size, "%s %s: not a regular file (a database"
			 " is a file)", option, path);
	else
		return false;
	return true;
}

static int check_outputs(const struct cli_options *o, int argc, char **argv)
{
	const char *paths[] = { o->svg_path, o->html_path, o->junit_path,
				o->runner.trace_path, o->runner.orders_db };
	const char *names[] = { "--svg", "--html", "--junit", "--trace",
				"--orders-db" };
	char error[4400], message[4500];
	for (int i = 0; i < 5; i++) {
		const char *dir = o->runner.invariants_dir, *base;
		if (!paths[i] || !paths[i][0])
			continue;
		base = strrchr(paths[i], '/') ? strrchr(paths[i], '/') + 1 :
						paths[i];
		if (i >= 3) {
			if (cli_database_problem(names[i], paths[i], message,
						 sizeof(message)))
				return bad_input("%s", message);
		} else if (strcmp(paths[i], "-") == 0) {
			snprintf(message, sizeof(message), "%s -: '-' is no"
				 " name for the standard output here; give"
				 " /dev/stdout", names[i]);
			return bad_input("%s", message);
		}
		/* an output must not destroy what the run reads */
		if (o->scenario && whole_file_apart(names[i], paths[i],
						    "the scenario",
						    o->scenario, message,
						    sizeof(message)) != 0)
			return bad_input("%s", message);
		if (dir && invariant_file_name(base) &&
		    whole_file_in_dir(paths[i], dir)) {
			snprintf(message, sizeof(message), "%s %s is a file of"
				 " --invariants %s: it would replace or add an"
				 " invariant; write it elsewhere", names[i],
				 paths[i], dir);
			return bad_input("%s", message);
		}
		if (o->json && i < 3 &&
		    whole_file_is_fd(paths[i], STDOUT_FILENO)) {
			snprintf(message, sizeof(message), "%s %s is the"
				 " standard output, where --json prints: the"
				 " two would be mixed; give it a file", names[i],
				 paths[i]);
			return bad_input("%s", message);
		}
	}
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			if (paths[i] && paths[j] && paths[i][0] && paths[j][0]) {
				/* named in the order they were given */
				bool swap = argv_place(argc, argv, paths[j]) <
					    argv_place(argc, argv, paths[i]);
				int a = swap ? j : i, b = swap ? i : j;
				if (whole_file_apart(names[a], paths[a], names[b],
						     paths[b], message,
						     sizeof(message)) != 0)
					return bad_input("%s", message);
			}
	for (int i = 0; i < 3; i++) {
		if (!paths[i] || whole_file_check(paths[i], error,
						  sizeof(error)) == 0)
			continue;
		snprintf(message, sizeof(message), "%s: cannot write %s",
			 names[i], error);
		return bad_input("%s", message);
	}
	return 0;
}

static int parse_number(const char *option, const char *text, int64_t low,
			int64_t high, int64_t *value)
{
	char error[160], message[200];
	if (value_number(text, low, high, value, error, sizeof(error)) == 0)
		return 0;
	snprintf(message, sizeof(message), "--%s: %s", option, error);
	bad_input("%s", message);
	return -1;
}

static int parse_kinds(const char *text, unsigned *kinds)
{
	char error[512];
	if (value_kinds(text, kinds, error, sizeof(error)) == 0)
		return 0;
	bad_input("--kinds: %s", error);
	return -1;
}

/* A --fault refused: when the fault it clashes with, or the faults that
 * filled the plan, came from the scenario file, the message says where. */
static int fault_refused(const struct cli_options *o, const char *text,
			 const char *error)
{
	const struct fault_plan *plan = &o->config.plan;
	int first = fault_plan_clash(plan, text), from_file = 0;
	char given[96], message[1024];
	for (int i = 0; i < plan->count; i++)
		from_file += o->fault_lines[i] != 0;
	if (first >= 0 && o->fault_lines[first]) {
		fault_format(&plan->faults[first], given, sizeof(given));
		snprintf(message, sizeof(message), "--fault %s: that hit"
			 " already has the fault %s of %s:%d (one fault per hit"
			 " of a point)", text, given, o->scenario,
			 o->fault_lines[first]);
		return bad_input("%s", message);
	}
	if (first < 0 && plan->count == PLAN_FAULTS_MAX && from_file) {
		snprintf(message, sizeof(message), "%s, and %s gives %d of"
			 " them", error, o->scenario, from_file);
		return bad_input("%s", message);
	}
	return bad_input("%s", error);
}

/* A numeric option into its place. Returns 0 or EXIT_USAGE. */
static int parse_numeric(int option, const char *name, const char *text,
			 struct cli_options *o)
{
	struct sim_config *c = &o->config;
	int64_t v = 0;
	int rc = 0;
	switch (option) {
	case OPT_USERS: rc = parse_number(name, text, 1, 10000000, &v); c->users = (int)v; break;
	case OPT_REQUESTS: rc = parse_number(name, text, 1, 16, &v); c->requests_per_user = (int)v; break;
	case OPT_STOCK: rc = parse_number(name, text, 0, INT64_MAX / 2, &c->stock); break;
	case OPT_SEED: rc = parse_number(name, text, 0, INT64_MAX, &v); c->seed = (uint64_t)v; break;
	case OPT_APPS: rc = parse_number(name, text, 1, 64, &v); c->apps = (int)v; break;
	case OPT_COORDINATORS: rc = parse_number(name, text, 1, 64, &v); c->coordinators = (int)v; break;
	case OPT_ACTIVITY: rc = parse_number(name, text, 0, INT64_MAX, &v); c->sale.activity = (uint64_t)v; break;
	case OPT_ARRIVAL: rc = parse_number(name, text, 0, 86400000, &c->arrival_ms); break;
	case OPT_TIMEOUT_TO_FAIL: rc = parse_number(name, text, 1, 86400000, &c->sale.timeout_to_fail_ms); break;
	case OPT_CRON: rc = parse_number(name, text, 1, 86400000, &c->sale.cron_interval_ms); break;
	case OPT_JOBS: rc = parse_number(name, text, 1, 64, &v); o->jobs = (int)v; break;
	case OPT_REDIS_DB: rc = parse_number(name, text, 0, 1000000, &v); o->runner.redis_db = (int)v; o->redis_db_given = true; break;
	case OPT_RUNS: rc = parse_number(name, text, 1, 100000000, &v); o->runs = (long)v; break;
	case OPT_SECONDS: rc = parse_number(name, text, 1, 86400 * 7, &v); o->seconds = (long)v; break;
	default:
		if (option >= OPT_TIMING &&
		    option < OPT_TIMING + cli_timing_option_count) {
			const struct timing_option *t =
				&cli_timing_options[option - OPT_TIMING];
			rc = parse_number(name, text, t->low, t->high,
					  (int64_t *)((char *)c + t->offset));
		} else {
			rc = -1;
		}
		break;
	}
	return rc == 0 ? 0 : EXIT_USAGE;
}

static int parse_text(int option, const char *text, struct cli_options *o)
{
	char error[256];
	switch (option) {
	case OPT_TAG:
		if (value_tag(text, o->config.sale.tag, error, sizeof(error)))
			return bad_input("--tag: %s", error);
		return 0;
	case OPT_REDIS:
		if (redis_address_check(text) != 0)
			return bad_input("--redis: expected HOST:PORT or"
					 " unix:PATH, got '%s'", text);
		o->runner.redis_address = text;
		return 0;
	case OPT_PERSISTENCE:
		if (value_persistence(text, &o->runner.persistence, error,
				      sizeof(error)))
			return bad_input("--redis-persistence: %s", error);
		o->persistence_set_by = SET_BY_OPTION;
		return 0;
	case OPT_FAULT:
		if (fault_plan_add(&o->config.plan, text, error, sizeof(error)))
			return fault_refused(o, text, error);
		return 0;
	case OPT_MODE:
		if (value_mode(text, &o->mode, error, sizeof(error)))
			return bad_input("--mode: %s", error);
		return 0;
	case OPT_KINDS:
		return parse_kinds(text, &o->kinds) == 0 ? 0 : EXIT_USAGE;
	case OPT_VARIANT:
		if (value_variant(text, &o->config.variant, error, sizeof(error)))
			return bad_input("--variant: %s", error);
		o->variant_set_by = SET_BY_OPTION;
		return 0;
	case OPT_WITH:
		if (value_variant(text, &o->compare_with, error, sizeof(error)))
			return bad_input("--with: %s", error);
		o->compare_with_set = true;
		return 0;
	}
	return EXIT_USAGE;
}

static int parse_flag(int option, struct cli_options *o)
{
	switch (option) {
	case OPT_FLUSH: o->runner.flush = true; return 0;
	case OPT_JSON: o->json = true; return 0;
	case OPT_TIMELINE: o->runner.timeline_all = true; return 0;
	case OPT_RANDOM_FAULTS: o->config.random_faults = true; return 0;
	case OPT_FAST_PATH: o->config.sale.sold_out_fast_path = true; return 0;
	/* a scenario file's `random = true`, `sold_out_fast_path = true` */
	case OPT_NO_RANDOM_FAULTS: o->config.random_faults = false; return 0;
	case OPT_NO_FAST_PATH: o->config.sale.sold_out_fast_path = false; return 0;
	case OPT_QUIET: o->quiet = true; return 0;
	}
	return -1;
}

/* I/N, each a whole number checked in full: 4294967297/5 is no 1/5. */
static int parse_shard(const char *text, struct cli_options *o)
{
	const char *slash = strchr(text, '/');
	char index_text[32], error[160];
	int64_t index, count;
	if (slash && (size_t)(slash - text) < sizeof(index_text)) {
		snprintf(index_text, sizeof(index_text), "%.*s",
			 (int)(slash - text), text);
		if (value_number(index_text, 1, 1000, &index, error,
				 sizeof(error)) == 0 &&
		    value_number(slash + 1, 1, 1000, &count, error,
				 sizeof(error)) == 0 && index <= count) {
			o->shard_index = (int)index - 1;
			o->shard_count = (int)count;
			return 0;
		}
	}
	return bad_input("--shard: expected I/N with 1 <= I <= N <= 1000,"
			 " got '%s'", text);
}

/* --diagram-users 3,7: distinct user ids, at most REPORT_SVG_GIDS_MAX;
 * that each is one of the sale's is checked once the sale is known. */
static int parse_diagram_users(const char *text, struct cli_options *o)
{
	struct diagram_users *users = &o->diagram_users;
	char word[32], message[256];
	users->count = 0;
	for (const char *at = text;; at++) {
		size_t length = strcspn(at, ",");
		int64_t id;
		snprintf(word, sizeof(word), "%.*s", (int)(length < sizeof(word) ?
			 length : sizeof(word) - 1), at);
		if (length == 0 || length >= sizeof(word))
			return bad_input("--diagram-users: expected user ids"
					 " such as 3,7, got '%s'", text);
		if (parse_number("diagram-users", word, 1, 10000000, &id))
			return EXIT_USAGE;
		for (int i = 0; i < users->count; i++)
			if (users->ids[i] == id)
				return bad_input("--diagram-users: user %s is"
						 " given twice", word);
		if (users->count == REPORT_SVG_GIDS_MAX) {
			snprintf(message, sizeof(message), "--diagram-users:"
				 " at most %d users (a diagram draws %d"
				 " purchases), got '%s'", REPORT_SVG_GIDS_MAX,
				 REPORT_SVG_GIDS_MAX, text);
			return bad_input("%s", message);
		}
		users->ids[users->count++] = id;
		at += length;
		if (!*at)
			return 0;
	}
}

/* The options that name a file or a directory. */
static bool names_a_path(int option)
{
	return option == OPT_SVG || option == OPT_HTML || option == OPT_JUNIT ||
	       option == OPT_ORDERS_DB || option == OPT_TRACE ||
	       option == OPT_INVARIANTS;
}

static int parse_one(int option, const char *name, const char *text,
		     struct cli_options *o)
{
	/* "" would pass the checks made at start, then write nothing (SQLite
	 * takes it for a temporary database) or fail at the end. */
	if (names_a_path(option) && !text[0])
		return bad_input("--%s: expected a path, got an empty one",
				 name);
	switch (option) {
	case OPT_SHARD: return parse_shard(text, o);
	case OPT_DIAGRAM_USERS: return parse_diagram_users(text, o);
	case OPT_SVG: o->svg_path = text; return 0;
	case OPT_HTML: o->html_path = text; return 0;
	case OPT_JUNIT: o->junit_path = text; return 0;
	case OPT_ORDERS_DB: o->runner.orders_db = text; return 0;
	case OPT_TRACE: o->runner.trace_path = text; return 0;
	case OPT_INVARIANTS: o->runner.invariants_dir = text; return 0;
	}
	if (parse_flag(option, o) == 0)
		return 0;
	if (option == OPT_TAG || option == OPT_REDIS || option == OPT_PERSISTENCE ||
	    option == OPT_FAULT || option == OPT_MODE || option == OPT_KINDS ||
	    option == OPT_VARIANT || option == OPT_WITH)
		return parse_text(option, text, o);
	return parse_numeric(option, name, text, o);
}

/* An option getopt_long refused (returned '?' or ':'), as written. */
static const char *refused_option(char **argv)
{
	static char text[3];
	const char *last = argv[optind - 1];
	/* An unknown short option may stand inside a group ("-xh"). */
	if (optopt > 0 && optopt < 128 && strncmp(last, "--", 2) != 0) {
		snprintf(text, sizeof(text), "-%c", optopt);
		return text;
	}
	return last;
}

/* Why getopt refused the option before optind (it returned option, '?' or
 * ':'), into text: it needs a value, it is the start of more than one
 * option (getopt takes a unique start for the whole name: "--user" is
 * both --users and --user-timeout-ms), or it is unknown. */
static void describe_refused(char **argv, int option, char *text,
			     size_t size)
{
	const char *given = refused_option(argv), *equals;
	size_t length, used;
	int matches = 0;
	if (option == ':') {
		snprintf(text, size, "option '%s' needs a value", given);
		return;
	}
	snprintf(text, size, "unknown option '%s'", given);
	if (strncmp(given, "--", 2) != 0 || !given[2])
		return;
	equals = strchr(given, '=');
	length = equals ? (size_t)(equals - given - 2) : strlen(given + 2);
	for (const struct option *o = all_options(); o->name; o++)
		matches += strncmp(o->name, given + 2, length) == 0;
	/* --flush=yes: an option known, that takes no value */
	for (const struct option *o = all_options(); o->name && equals &&
	     matches == 1; o++)
		if (strncmp(o->name, given + 2, length) == 0 &&
		    o->has_arg == no_argument)
			snprintf(text, size, "option '--%s' takes no value,"
				 " got '%s'", o->name, given);
	if (matches < 2)
		return;
	used = (size_t)snprintf(text, size, "ambiguous option '%.*s': it"
				" starts", (int)length + 2, given);
	for (const struct option *o = all_options(); o->name && used < size;
	     o++)
		if (strncmp(o->name, given + 2, length) == 0)
			used += (size_t)snprintf(text + used, size - used,
						 " --%s%s", o->name,
						 --matches ? "," : "");
	if (used < size)
		snprintf(text + used, size - used, "; write it out");
}

/* The first pass over argv: --help, a bad option, and the one argument
 * that is not an option, the scenario file, loaded onto the defaults in
 * o. A bad option is reported before the file is looked for: the value
 * that follows a mistyped option is no scenario file. The options are
 * checked by the second pass. Returns 0 or EXIT_USAGE. */
static int load_scenario(int argc, char **argv, enum cli_command command,
			 struct cli_options *o)
{
	char error[1024], bad[256] = "";
	int option, index;
	optind = 0; /* GNU getopt: start afresh, argv is permuted */
	while ((option = getopt_long(argc, argv, ":h", all_options(),
				     &index)) != -1) {
		if (option == 'h') {
			usage(stdout, command);
			exit(0);
		}
		if (bad[0])
			continue; /* the first bad option is the one named */
		/* "--users --seed 3": getopt takes --seed for the value */
		if (option != '?' && option != ':' && optarg &&
		    strncmp(optarg, "--", 2) == 0 && optarg[2]) {
			snprintf(bad, sizeof(bad), "option '--%s' needs a value,"
				 " got the option '%.100s'",
				 all_options()[index].name, optarg);
			continue;
		}
		if (option != '?' && option != ':')
			continue;
		describe_refused(argv, option, bad, sizeof(bad));
	}
	if (bad[0])
		return bad_input("%s", bad);
	if (argc - optind > 1)
		return bad_input("unexpected argument '%s' (one scenario file"
				 " at most)", argv[optind + 1]);
	if (optind == argc)
		return 0;
	if (!argv[optind][0])
		return bad_input("%s", "expected the path of a scenario file,"
				 " got an empty one");
	o->scenario = argv[optind];
	/* /dev/stdout would read what flashsim writes: its pipe, for ever,
	 * or the file it has just emptied */
	if ((whole_file_is_fd(o->scenario, STDOUT_FILENO) ||
	     whole_file_is_fd(o->scenario, STDERR_FILENO)) &&
	    !whole_file_is_fd(o->scenario, STDIN_FILENO))
		return said_visible("docs/SCENARIOS.md", "%s is where flashsim's"
				    " output goes: flashsim would read what it"
				    " writes; send the output elsewhere, or give"
				    " the scenario file by its name",
				    o->scenario);
	if (scenario_load(o->scenario, o, error, sizeof(error)) != 0)
		return said_visible("docs/SCENARIOS.md", "%s", error);
	bool empty = true;
	for (int k = 0; k < CLI_SCENARIO_KEYS_MAX && empty; k++)
		empty = o->scenario_lines[k] == 0;
	if (empty) { /* an empty or truncated file: say so, and go on */
		fprintf(stderr, "flashsim: warning: ");
		report_visible(stderr, o->scenario);
		fprintf(stderr, " sets nothing (no KEY = VALUE line): the"
			" defaults and the options given make the sale\n");
	}
	return 0;
}

/* Names the setting of key as the user gave it: the scenario's key when
 * the value is the file's or a default the file could set, the option
 * when the command line gave it. */
static void setting_name(const void *context, const char *key, char *out,
			 size_t size)
{
	const struct cli_options *o = context;
	if (o->scenario && !scenario_key_by_option(o, key))
		snprintf(out, size, "%s", key);
	else
		sim_option_name(key, out, size);
}

/* The sale as a whole (sim_config_check), once the options have
 * overridden the file: a file's sale that the options make whole again
 * is not refused. Each setting at fault is named as it was given, and a
 * file's error names the last line of the file that gave one of them.
 * Returns 0 or EXIT_USAGE. */
static int check_sale(const struct cli_options *o)
{
	const char *keys[2] = { NULL, NULL };
	char error[512], at[16];
	int line = 0;
	bool options_given = false; /* an option set a setting at fault */
	if (sim_config_check(&o->config, setting_name, o, keys, error,
			     sizeof(error)) == 0)
		return 0;
	if (!o->scenario)
		return bad_input("%s", error);
	for (int k = 0; k < 2 && keys[k]; k++) {
		int given = scenario_line(o, keys[k]);
		line = given > line ? given : line;
		options_given |= scenario_key_by_option(o, keys[k]);
	}
	at[0] = '\0';
	if (line)
		snprintf(at, sizeof(at), ":%d", line);
	return said_visible(options_given ? "--help and docs/SCENARIOS.md" :
			    "docs/SCENARIOS.md", "%s%s%s: %s", o->scenario, at,
			    options_given ? " with the options given" : "",
			    error);
}

/* "caught = false": a key of [expect] as the file gave it, and, when
 * with_line, " (line 10)". */
static void expect_key_text(const struct cli_options *o, unsigned key,
			    bool with_line, char *out, size_t size)
{
	const char *name = expect_key_name(key);
	char value[EXPECT_INVARIANT_MAX], line[24] = "";
	expect_key_value(&o->expect, key, value, sizeof(value));
	if (with_line)
		snprintf(line, sizeof(line), " (line %d)",
			 scenario_line(o, name));
	snprintf(out, size, "%s = %s%s", name, value, line);
}

/* Two keys of [expect] that no run or exploration can meet together:
 * the first pair found, as bits, or 0. A failure asked for (invariant, a
 * verdict other than ok, caught = true, failures above 0) against none
 * (verdict = ok, caught = false, failures = 0). */
static unsigned expect_contradiction(const struct expectation *e,
				     unsigned *other)
{
	unsigned wants = 0, rules_out = 0;
	if (e->given & EXPECT_INVARIANT)
		wants |= EXPECT_INVARIANT;
	if ((e->given & EXPECT_VERDICT) && e->verdict != VERDICT_OK)
		wants |= EXPECT_VERDICT;
	if ((e->given & EXPECT_CAUGHT) && e->caught)
		wants |= EXPECT_CAUGHT;
	if ((e->given & EXPECT_FAILURES) && e->failures > 0)
		wants |= EXPECT_FAILURES;
	if ((e->given & EXPECT_VERDICT) && e->verdict == VERDICT_OK)
		rules_out |= EXPECT_VERDICT;
	if ((e->given & EXPECT_CAUGHT) && !e->caught)
		rules_out |= EXPECT_CAUGHT;
	if ((e->given & EXPECT_FAILURES) && e->failures == 0)
		rules_out |= EXPECT_FAILURES;
	if (!wants || !rules_out)
		return 0;
	*other = rules_out & -rules_out;
	return wants & -wants;
}

/* A scenario's [expect] whose keys contradict each other (caught = false
 * and failures = 2), or that names an invariant the run is not checked
 * against (or "liveness", a distinct failure of an exploration): without
 * this an expectation that can never be met only said "NOT met", and
 * under run, which checks neither caught nor failures, "met". Returns 0
 * or EXIT_USAGE. */
static int check_expect(const struct cli_options *o, bool explore)
{
	const struct expectation *e = &o->expect;
	struct invariant_set set;
	char error[512], names[1024] = "", first[96], second[96];
	bool known = explore && strcmp(e->invariant, "liveness") == 0;
	unsigned other, wants = expect_contradiction(e, &other);
	if (wants) {
		/* the message's line is the later one's; the other names its */
		int line = scenario_line(o, expect_key_name(wants)),
		    other_line = scenario_line(o, expect_key_name(other));
		expect_key_text(o, wants, line < other_line, first,
				sizeof(first));
		expect_key_text(o, other, other_line < line, second,
				sizeof(second));
		return said_visible("docs/SCENARIOS.md", "%s:%d: [expect] %s"
				    " asks for a failure, and %s for none: they"
				    " contradict each other", o->scenario,
				    line > other_line ? line : other_line,
				    first, second);
	}
	if (!(e->given & EXPECT_INVARIANT))
		return 0;
	if (known)
		return 0;
	if (invariants_load(&set, o->runner.invariants_dir, error,
			    sizeof(error)) != 0)
		return bad_input("%s", error);
	for (int i = 0; i < set.count && !known; i++)
		known = strcmp(set.items[i].name, e->invariant) == 0;
	for (int i = 0; i < set.count; i++) {
		size_t used = strlen(names);
		snprintf(names + used, sizeof(names) - used, "%s%s",
			 i ? ", " : "", set.items[i].name);
	}
	invariants_free(&set);
	if (known)
		return 0;
	if (strcmp(e->invariant, "liveness") == 0) {
		return said_visible("docs/SCENARIOS.md", "%s:%d: [expect]"
				    " invariant = liveness names a failure of"
				    " an exploration (a run that does not"
				    " settle); for one run, verdict = liveness"
				    " says it", o->scenario,
				    scenario_line(o, "invariant"));
	}
	return said_visible("docs/INVARIANTS.md", "%s:%d: [expect] invariant ="
			    " %s: no such invariant; expected one of %s%s%s",
			    o->scenario, scenario_line(o, "invariant"),
			    e->invariant, names, explore ? ", liveness" : "",
			    o->runner.invariants_dir ? "" :
			    " (--invariants DIR adds others)");
}

/* What set a setting, as the user wrote it: "--variant naive" or
 * "'variant = naive' in FILE". */
static void setting_text(const struct cli_options *o,
			 enum setting_source source, const char *name,
			 const char *value, char *out, size_t size)
{
	char option[64];
	if (source == SET_BY_FILE) {
		snprintf(out, size, "'%s = %s' (%s:%d)", name, value,
			 o->scenario, scenario_line(o, name));
		return;
	}
	sim_option_name(name, option, sizeof(option));
	snprintf(out, size, "%s %s", option, value);
}

/* The variant redis-no-persistence runs its Redis without persistence:
 * another persistence given with it contradicts it, and is refused. A
 * persistence other than aof is for a Redis that flashsim starts. The
 * messages name what set it: the variant, the option or the file.
 * Returns 0 or EXIT_USAGE. */
static int check_persistence(struct cli_options *o)
{
	char variant[640], persistence[640], message[1600];
	bool none = variant_get(o->config.variant)->redis_no_persistence;
	setting_text(o, o->variant_set_by, "variant",
		     variant_get(o->config.variant)->name, variant,
		     sizeof(variant));
	setting_text(o, o->persistence_set_by, "redis_persistence",
		     value_persistence_name(o->runner.persistence), persistence,
		     sizeof(persistence));
	if (none && o->persistence_set_by != SET_BY_DEFAULT &&
	    o->runner.persistence != REDIS_PERSISTENCE_NONE) {
		bool by_file = o->persistence_set_by == SET_BY_FILE;
		/* set by the file: said as its other mistakes are, by its
		 * name and line first */
		if (by_file)
			snprintf(persistence, sizeof(persistence), "%s:%d:"
				 " redis_persistence = %s", o->scenario,
				 scenario_line(o, "redis_persistence"),
				 value_persistence_name(o->runner.persistence));
		snprintf(message, sizeof(message), "%s contradicts %s, whose"
			 " Redis keeps nothing across a restart (give none, or"
			 " leave it out)", persistence, variant);
		if (!by_file)
			return bad_input("%s", message);
		return said_visible("docs/SCENARIOS.md", "%s", message);
	}
	if (none)
		o->runner.persistence = REDIS_PERSISTENCE_NONE;
	if (o->runner.redis_address &&
	    o->runner.persistence != REDIS_PERSISTENCE_AOF) {
		snprintf(message, sizeof(message), "%s applies to a Redis that"
			 " flashsim starts, not to --redis %s",
			 none ? variant : persistence, o->runner.redis_address);
		return bad_input("%s", message);
	}
	return 0;
}

/* A given Redis cannot be crashed by flashsim. A redis-crash in the plan
 * is refused (explore's too: it was an internal error at the first run
 * that reached it); run's and compare's random faults leave the kind
 * out. (explore leaves it out of its kinds, and says so.) Returns 0 or
 * EXIT_USAGE. */
static int check_redis_crash(struct cli_options *o, bool explore)
{
	if (!o->runner.redis_address)
		return 0;
	for (int i = 0; i < o->config.plan.count; i++)
		if (o->config.plan.faults[i].kind == FAULT_REDIS_CRASH) {
			char fault[96];
			fault_format(&o->config.plan.faults[i], fault,
				     sizeof(fault));
			return bad_input("the fault %s (--fault, or fault in the"
					 " scenario) needs a Redis that flashsim"
					 " starts: drop --redis", fault);
		}
	if (!explore)
		o->config.random_kinds &= ~KIND_BIT(FAULT_REDIS_CRASH);
	return 0;
}

int cli_parse(int argc, char **argv, const char *program, bool explore,
	      struct cli_options *o)
{
	return cli_parse_command(argc, argv, program, explore ? CLI_EXPLORE :
				 CLI_RUN, o);
}

int cli_parse_command(int argc, char **argv, const char *program,
		      enum cli_command command, struct cli_options *o)
{
	bool explore = command == CLI_EXPLORE;
	int option, index, rc;
	memset(o, 0, sizeof(*o));
	sim_config_defaults(&o->config);
	o->runner.program = program;
	o->runner.persistence = REDIS_PERSISTENCE_AOF;
	o->jobs = 1;
	o->kinds = ~0u;
	o->shard_count = 1;
	opterr = 0;
	if ((rc = load_scenario(argc, argv, command, o)) != 0)
		return rc;
	optind = 0; /* the second pass: the options override the file */
	while ((option = getopt_long(argc, argv, ":h", all_options(),
				     &index)) != -1) {
		const char *name;
		enum cli_command owner;
		if (option == 'h') {
			usage(stdout, command);
			exit(0);
		}
		if (option == '?' || option == ':') { /* the first pass said so */
			char why[256];
			describe_refused(argv, option, why, sizeof(why));
			return bad_input("%s", why);
		}
		name = all_options()[index].name;
		if (!takes_option(command, option, &owner)) {
			if (command == CLI_COMPARE && owner == CLI_RUN)
				fprintf(stderr, "flashsim: --%s is not an option"
					" of compare, which makes two runs"
					" (--html shows both)\n(see --help)\n",
					name);
			else
				fprintf(stderr, "flashsim: --%s is an option of"
					" `flashsim %s`, not of this command\n"
					"(see --help)\n", name,
					command_name(owner));
			return EXIT_USAGE;
		}
		rc = parse_one(option, name, optarg, o);
		if (rc != 0)
			return rc;
		scenario_overridden(o, name);
	}
	if ((rc = check_sale(o)) != 0)
		return rc;
	/* accepted (it shows what a Redis slower than its clients does), but
	 * said, before a whole exploration of liveness failures */
	if (2 * o->config.redis_latency_ms_min > o->config.redis_timeout_ms)
		fprintf(stderr, "flashsim: warning: every round trip to Redis"
			" (at least 2 x %" PRId64 " ms) is longer than the"
			" client's timeout (%" PRId64 " ms): no command is ever"
			" answered, and every run ends as a liveness failure\n",
			o->config.redis_latency_ms_min,
			o->config.redis_timeout_ms);
	/* A reply due at the very moment of the timeout comes after it
	 * (the timeout was set first, and the callee's step takes time):
	 * unlike Redis's client, equal is too slow here. */
	if (2 * o->config.latency_ms_min >= o->config.call_timeout_ms)
		fprintf(stderr, "flashsim: warning: every call between actors"
			" (at least 2 x %" PRId64 " ms there and back) takes as"
			" long as the caller's timeout (%" PRId64 " ms) or"
			" longer: no call is ever answered in time, so no run"
			" sells anything (most end as liveness failures)\n",
			o->config.latency_ms_min, o->config.call_timeout_ms);
	for (int i = 0; i < o->diagram_users.count; i++)
		if (o->diagram_users.ids[i] > o->config.users) {
			char message[160];
			snprintf(message, sizeof(message), "--diagram-users:"
				 " user %" PRId64 " is not one of the sale's"
				 " (1 to %d)", o->diagram_users.ids[i],
				 o->config.users);
			return bad_input("%s", message);
		}
	for (int i = 0; i < o->config.plan.count; i++) {
		const struct fault *fault = &o->config.plan.faults[i];
		const char *why = sim_point_unused_why(&o->config,
						       fault->point);
		char text[96];
		if (!why)
			continue;
		fault_format(fault, text, sizeof(text));
		fprintf(stderr, "flashsim: warning: the fault %s can never"
			" fire here: %s is %s\n", text,
			point_name(fault->point), why);
	}
	if (o->diagram_users.count && !o->svg_path && !o->html_path)
		fprintf(stderr, "flashsim: warning: --diagram-users orders the"
			" users of the diagrams that --svg and --html write,"
			" and neither is given: it changes nothing here\n");
	if ((rc = check_expect(o, explore)) != 0)
		return rc;
	if ((rc = check_outputs(o, argc, argv)) != 0)
		return rc;
	if ((rc = check_redis_crash(o, explore)) != 0)
		return rc;
	if (o->redis_db_given && !o->runner.redis_address)
		return bad_input("%s", "--redis-db is the database of a Redis"
				 " given with --redis; flashsim's own uses"
				 " database 0");
	return check_persistence(o);
}
