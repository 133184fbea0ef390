/*
 * test_options.c - the command line of run and explore (and the options
 * of selftest and bench they share): a bad option is refused with exit 64
 * and a message that names it, whatever follows it; an empty path, a
 * number too large or a second fault at one hit are refused before
 * anything runs; Redis's persistence is blamed on what set it; --kinds is
 * read whole; each command's help lists its own options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"
#include "support.h"

#define ARGS_MAX 16

static char flashsim[4096];   /* the binary of the same build */

/* cli_parse of the arguments (a NULL-terminated list, the subcommand
 * first); its standard error into *err (the caller frees it). */
static int parse(bool explore, struct cli_options *o, char **err, ...)
{
	struct support_capture capture;
	char *argv[ARGS_MAX + 1];
	int argc = 0, rc;
	va_list args;
	va_start(args, err);
	while (argc < ARGS_MAX && (argv[argc] = va_arg(args, char *)) != NULL)
		argc++;
	va_end(args);
	argv[argc] = NULL;
	support_stderr_capture(&capture);
	rc = cli_parse(argc, argv, "flashsim", explore, o);
	*err = support_stderr_captured(&capture);
	return rc;
}

/* Refused with exit 64, the message holding expected. */
static void assert_refused(const char *err, int rc, const char *expected)
{
	if (rc != EXIT_USAGE || !strstr(err, expected))
		fail_msg("exit %d, got:\n%sexpected: %s", rc, err, expected);
}

/* flashsim cannot crash a Redis given with --redis: a redis-crash in the
 * plan is refused, while random faults beside a plan of other faults
 * only leave that kind out (they were refused for it). */
static void test_a_given_redis_leaves_out_redis_crash(void **state)
{
	struct cli_options o;
	char *err;
	int rc;
	(void)state;
	rc = parse(false, &o, &err, "run", "--redis", "127.0.0.1:1", "--fault",
		   "app/deduct/after@1:crash", "--random-faults", NULL);
	assert_int_equal(rc, 0);
	assert_int_equal(o.config.random_kinds & KIND_BIT(FAULT_REDIS_CRASH), 0);
	assert_true(o.config.random_kinds & KIND_BIT(FAULT_CRASH));
	free(err);
	rc = parse(false, &o, &err, "run", "--redis", "127.0.0.1:1", "--fault",
		   "app/deduct/after@1:redis-crash", NULL);
	assert_refused(err, rc, "the fault app/deduct/after@1:redis-crash"
		       " (--fault, or fault in the scenario) needs a Redis that"
		       " flashsim starts: drop --redis");
	free(err);
	/* explore's sale too (it was an internal error at its first run) */
	rc = parse(true, &o, &err, "explore", "--redis", "127.0.0.1:1",
		   "--flush", "--fault", "app/deduct/after@1:redis-crash", NULL);
	assert_refused(err, rc, "the fault app/deduct/after@1:redis-crash"
		       " (--fault, or fault in the scenario) needs a Redis that"
		       " flashsim starts: drop --redis");
	free(err);
}

/* A mistyped option followed by its value: the option is named, not the
 * value taken for a scenario file or a second one. */
static void test_an_unknown_option_is_named(void **state)
{
	struct cli_options o;
	char *err;
	int rc;
	(void)state;
	rc = parse(false, &o, &err, "run", "--seeds", "3", NULL);
	assert_refused(err, rc, "unknown option '--seeds'");
	assert_null(strstr(err, "scenario file"));
	free(err);
	rc = parse(false, &o, &err, "run", "--users", "2", "--stok", "1", NULL);
	assert_refused(err, rc, "unknown option '--stok'");
	free(err);
	rc = parse(false, &o, &err, "run", "a1.ini", "--sed", "5", NULL);
	assert_refused(err, rc, "unknown option '--sed'");
	assert_null(strstr(err, "unexpected argument"));
	free(err);
	rc = parse(true, &o, &err, "explore", "--mdoe", "pairs", NULL);
	assert_refused(err, rc, "unknown option '--mdoe'");
	free(err);
	rc = parse(false, &o, &err, "run", "--stock", "2", "--users", NULL);
	assert_refused(err, rc, "option '--users' needs a value");
	free(err);
	/* a flag given a value is a known option: not "unknown option" */
	rc = parse(false, &o, &err, "run", "--flush=yes", NULL);
	assert_refused(err, rc, "option '--flush' takes no value, got"
		       " '--flush=yes'");
	free(err);
	rc = parse(false, &o, &err, "run", "--nosuch=1", NULL);
	assert_refused(err, rc, "unknown option '--nosuch=1'");
	free(err);
	/* a value echoed in a message is shown visible: an escape sequence
	 * given with an option does not reach the terminal */
	rc = parse(false, &o, &err, "run", "--tag", "a\x1b[2J", NULL);
	assert_refused(err, rc, "got 'a\\x1b[2J'");
	assert_null(strchr(err, '\x1b'));
	free(err);
	/* the value forgotten before another option: not "3: cannot open
	 * the scenario file" */
	rc = parse(false, &o, &err, "run", "--users", "--seed", "3", NULL);
	assert_refused(err, rc, "option '--users' needs a value, got the"
		       " option '--seed'");
	free(err);
}

/* An empty path would pass the writability check made at start and fail
 * after the whole sale, or, for a database, keep nothing (SQLite takes ""
 * for a temporary one): it is refused before anything runs. */
static void test_an_empty_path_is_refused(void **state)
{
	static const char *const options[] = {
		"--svg", "--html", "--junit", "--trace", "--orders-db",
		"--invariants",
	};
	static const char *const commands[] = {
		"selftest --quick --junit ''",
		"selftest --quick --trace ''",
		"bench --workload reject --users 100 --no-reference --out ''",
		"bench --workload reject --users 100 --no-reference --json ''",
	};
	struct cli_options o;
	char expected[64], *err, dir[256];
	int rc;
	(void)state;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		snprintf(expected, sizeof(expected), "%s: expected a path, got"
			 " an empty one", options[i]);
		rc = parse(false, &o, &err, "run", options[i], "", NULL);
		assert_refused(err, rc, expected);
		free(err);
	}
	rc = parse(true, &o, &err, "explore", "--html", "", NULL);
	assert_refused(err, rc, "--html: expected a path, got an empty one");
	free(err);
	rc = parse(false, &o, &err, "run", "", NULL);
	assert_refused(err, rc, "expected the path of a scenario file");
	free(err);
	assert_int_equal(support_tempdir(dir, sizeof(dir), "options"), 0);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char *out, path[300];
		rc = support_shell("%s %s >'%s/out' 2>'%s/err'", flashsim,
				   commands[i], dir, dir);
		snprintf(path, sizeof(path), "%s/out", dir);
		out = support_read_file(path);
		snprintf(path, sizeof(path), "%s/err", dir);
		err = support_read_file(path);
		if (rc != EXIT_USAGE || strcmp(out, "") != 0 ||
		    !strstr(err, "expected a path, got"))
			fail_msg("%s: exit %d, stderr %s", commands[i], rc, err);
		free(out);
		free(err);
	}
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A number too large for an int is refused, not taken modulo 2^32, and
 * the message has the option, the range, the value and the pointer to
 * --help, as every other option error. */
static void test_large_numbers_are_refused_not_wrapped(void **state)
{
	struct cli_options o;
	char dir[256], path[300], *err;
	int rc;
	(void)state;
	rc = parse(true, &o, &err, "explore", "--shard", "4294967297/5", NULL);
	assert_refused(err, rc, "--shard: expected I/N with 1 <= I <= N <="
		       " 1000, got '4294967297/5'\n(see --help)");
	free(err);
	rc = parse(true, &o, &err, "explore", "--shard", "1/4294967297", NULL);
	assert_refused(err, rc, "got '1/4294967297'");
	free(err);
	rc = parse(true, &o, &err, "explore", "--jobs", "4294967297", NULL);
	assert_refused(err, rc, "--jobs: expected a whole number in 1..64,"
		       " got '4294967297'\n(see --help)");
	free(err);
	rc = parse(false, &o, &err, "run", "--users", "0", NULL);
	assert_refused(err, rc, "--users: expected a whole number in"
		       " 1..10000000, got '0'\n(see --help)");
	free(err);
	/* digits only: no sign, no blank before them */
	rc = parse(false, &o, &err, "run", "--users", "+3", NULL);
	assert_refused(err, rc, "got '+3'");
	free(err);
	rc = parse(true, &o, &err, "explore", "--shard", " 1/2", NULL);
	assert_refused(err, rc, "got ' 1/2'");
	free(err);
	assert_int_equal(support_tempdir(dir, sizeof(dir), "options"), 0);
	rc = support_shell("%s selftest --quick --jobs 4294967297 >/dev/null"
			   " 2>'%s/err'", flashsim, dir);
	snprintf(path, sizeof(path), "%s/err", dir);
	err = support_read_file(path);
	assert_refused(err, rc, "--jobs: expected a whole number in 1..64,"
		       " got '4294967297'\n(see --help)");
	free(err);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* Two --fault at the same hit of a point: only the first could fire; the
 * second is refused, naming the first. */
static void test_a_second_fault_at_a_hit_is_refused(void **state)
{
	struct cli_options o;
	char *err;
	int rc;
	(void)state;
	rc = parse(false, &o, &err, "run", "--fault", "app/deduct/after@1:crash",
		   "--fault", "app/deduct/after@1:pause", NULL);
	assert_refused(err, rc, "fault 'app/deduct/after@1:pause': hit 1 of"
		       " app/deduct/after already has the fault"
		       " app/deduct/after@1:crash");
	free(err);
}

/* The variant redis-no-persistence sets Redis's persistence: with --redis
 * the message names the variant, not an option never given; and an
 * explicit other persistence contradicts it and is refused, where it used
 * to be overridden without a word. none agrees with it. */
static void test_the_persistence_is_blamed_on_what_set_it(void **state)
{
	struct cli_options o;
	char *err;
	int rc;
	(void)state;
	rc = parse(false, &o, &err, "run", "--variant", "redis-no-persistence",
		   "--redis", "127.0.0.1:1", NULL);
	assert_refused(err, rc, "--variant redis-no-persistence applies to a"
		       " Redis that flashsim starts, not to --redis"
		       " 127.0.0.1:1");
	assert_null(strstr(err, "--redis-persistence"));
	free(err);
	rc = parse(false, &o, &err, "run", "--variant", "redis-no-persistence",
		   "--redis-persistence", "aof", NULL);
	assert_refused(err, rc, "--redis-persistence aof contradicts --variant"
		       " redis-no-persistence");
	free(err);
	rc = parse(false, &o, &err, "run", "--redis-persistence", "none",
		   "--variant", "redis-no-persistence", NULL);
	assert_int_equal(rc, 0);
	free(err);
	assert_int_equal(o.runner.persistence, REDIS_PERSISTENCE_NONE);
	rc = parse(false, &o, &err, "run", "--variant", "redis-no-persistence",
		   NULL);
	assert_int_equal(rc, 0);
	free(err);
	assert_int_equal(o.runner.persistence, REDIS_PERSISTENCE_NONE);
}

/* --kinds is read whole, however long: a kind past the 255th character
 * counts, and a bad one there is named whole. */
static void test_a_long_kinds_list_is_read_whole(void **state)
{
	char list[400] = "", bad[sizeof(list) + 8];
	struct cli_options o;
	char *err;
	int rc;
	(void)state;
	for (int i = 0; i < 50; i++)
		strcat(list, "crash, ");
	snprintf(bad, sizeof(bad), "%sexplode", list);
	strcat(list, "delay");
	rc = parse(true, &o, &err, "explore", "--kinds", list, NULL);
	if (rc != 0)
		fail_msg("refused: %s", err);
	free(err);
	assert_int_equal(o.kinds, KIND_BIT(FAULT_CRASH) | KIND_BIT(FAULT_DELAY));
	rc = parse(true, &o, &err, "explore", "--kinds", bad, NULL);
	assert_refused(err, rc, "--kinds: unknown fault kind 'explode'");
	free(err);
	/* "-all" leaves every kind out, those after it come in again */
	rc = parse(true, &o, &err, "explore", "--kinds=-crash,-all", NULL);
	assert_refused(err, rc, "that leaves none");
	free(err);
	rc = parse(true, &o, &err, "explore", "--kinds=-all,delay", NULL);
	assert_int_equal(rc, 0);
	assert_int_equal(o.kinds, KIND_BIT(FAULT_DELAY));
	free(err);
}

/* How often needle occurs in text. */
static int count_of(const char *text, const char *needle)
{
	int count = 0;
	for (const char *at = strstr(text, needle); at;
	     at = strstr(at + 1, needle))
		count++;
	return count;
}

/* Each command's help lists the options it takes, each once: explore's
 * does not offer --svg or --orders-db, which it refuses. Both say that
 * --variant none is the protocol, as does the error of a bad variant. */
static void test_the_help_lists_each_commands_own_options(void **state)
{
	struct cli_options o;
	char command[4200], *run, *explore, *err;
	FILE *in;
	int rc;
	(void)state;
	snprintf(command, sizeof(command), "%s run --help", flashsim);
	in = popen(command, "r");
	run = support_read_stream(in);
	assert_int_equal(pclose(in), 0);
	snprintf(command, sizeof(command), "%s explore --help", flashsim);
	in = popen(command, "r");
	explore = support_read_stream(in);
	assert_int_equal(pclose(in), 0);
	assert_int_equal(count_of(explore, "--html"), 1);
	assert_int_equal(count_of(explore, "--svg"), 0);
	assert_int_equal(count_of(explore, "--orders-db"), 0);
	assert_int_equal(count_of(run, "--svg"), 1);
	assert_int_equal(count_of(run, "--orders-db"), 1);
	assert_int_equal(count_of(run, "--html"), 1);
	assert_int_equal(count_of(run, "--mode"), 0);
	assert_non_null(strstr(run, "--variant NAME         none (default)"));
	assert_non_null(strstr(explore, "--variant NAME         none (default)"));
	free(run);
	free(explore);
	rc = parse(false, &o, &err, "run", "--variant", "clever", NULL);
	assert_refused(err, rc, "unknown variant 'clever' (expected none, the"
		       " protocol, or one of: naive,");
	free(err);
	rc = parse(false, &o, &err, "run", "--variant", "none", NULL);
	assert_int_equal(rc, 0);
	free(err);
}

/* Every [timing] key of a scenario is an option too (--call-timeout-ms),
 * and the replay line carries each one that differs from its default: a
 * run of a scenario with a short call timeout and a slow Redis printed a
 * replay line without them, which gave another run (docs/SCENARIOS.md
 * told to replay with the file instead). */
static void test_the_replay_of_a_scenario_carries_its_timing(void **state)
{
	char dir[256];
	struct cli_options o;
	char *err;
	int rc;
	(void)state;
	for (int i = 0; i < cli_timing_option_count; i++) {
		char option[64];
		snprintf(option, sizeof(option), "--%s",
			 cli_timing_options[i].name);
		rc = parse(false, &o, &err, "run", option, "86400001", NULL);
		assert_refused(err, rc, "expected a whole number in");
		free(err);
		/* taken (a cap below the first retry is then refused by the
		 * check of the whole sale, as from a file) */
		rc = parse(false, &o, &err, "run", option, "1", NULL);
		if (rc != 0 && !strstr(err, "--retry-interval-ms is 1000, above"
					       " --retry-interval-ms-max, 1"))
			fail_msg("%s 1: exit %d: %s", option, rc, err);
		free(err);
	}
	/* a start of two names is said to be one, not an unknown option */
	rc = parse(false, &o, &err, "run", "--user", "3", NULL);
	assert_refused(err, rc, "ambiguous option '--user': it starts"
		       " --users, --user-timeout-ms; write it out");
	free(err);
	rc = parse(false, &o, &err, "run", "--fa=app/deduct/after@1:crash",
		   NULL);
	assert_refused(err, rc, "ambiguous option '--fa': it starts --fault,"
		       " --fault-window-ms");
	free(err);
	assert_int_equal(support_tempdir(dir, sizeof(dir), "timing"), 0);
	rc = support_shell(
		"printf '[workload]\\nusers = 2\\n[sale]\\nstock = 1\\n"
		"[timing]\\ncall_timeout_ms = 50\\nredis_latency_ms_max ="
		" 300\\nrestart_delay_ms = 700\\n' >'%s/t.ini' &&"
		" %s run '%s/t.ini' >'%s/first'; test $? = 2 &&"
		" grep -q -- '--redis-latency-ms-max 300 --call-timeout-ms 50"
		" --restart-delay-ms 700' '%s/first' &&"
		" $(sed -n 's/^replay: *//p' '%s/first') >'%s/again';"
		" test $? = 2 && test \"$(grep '^digest' '%s/first')\" ="
		" \"$(grep '^digest' '%s/again')\"", dir, flashsim, dir, dir,
		dir, dir, dir, dir, dir);
	assert_int_equal(rc, 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* run on a file written for explore (its mode set) makes one run and
 * says so: its expectation can be met by that one run ("not checked by
 * run: failures"), which read as the exploration passing. */
static void test_run_of_an_exploration_says_so(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s run scenarios/explore-small-sale.ini | grep -q '^note:"
		" scenarios/explore-small-sale.ini is an exploration (mode ="
		" exhaustive): run made one run of its sale' &&"
		" ! %s run scenarios/success.ini | grep -q '^note:'",
		flashsim, flashsim), 0);
}

/* An expectation whose every key the command ignores (a file meant for
 * explore, its mode forgotten) was "met" by any run: it says that it
 * checked nothing, the verdict gives the exit code, and the scenario
 * runner counts it as no pass. */
static void test_an_expectation_checked_by_nothing_says_so(void **state)
{
	char dir[256];
	int rc;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "expect"), 0);
	rc = support_shell(
		"printf '[workload]\\nusers = 1\\n[expect]\\ncaught = true\\n"
		"failures = 1\\n' > %s/f.ini && %s run %s/f.ini > %s/out;"
		" test $? = 0 && grep -qx 'expectation: not checked: run checks"
		" none of its keys (failures, caught); the verdict gives the"
		" exit code' %s/out && ! grep -q 'expectation: met' %s/out &&"
		" %s run --json %s/f.ini 2>/dev/null | grep -q"
		" '\"expectation\":{\"met\":null,' &&"
		" ! sh tests/scenarios.sh %s %s/f.ini > /dev/null",
		dir, flashsim, dir, dir, dir, dir, flashsim, dir, flashsim, dir);
	assert_int_equal(rc, 0);
	/* a violation decides, in the exit code and the JUnit file */
	rc = support_shell(
		"printf '[scenario]\\nvariant = naive\\n[workload]\\nusers = 1"
		"\\n[faults]\\nfault = app/deduct/after@1:crash\\n[expect]"
		"\\ncaught = true\\n' > %s/g.ini && %s run %s/g.ini --junit"
		" %s/g.xml > /dev/null; test $? = 1 && grep -q 'type=\"violation\"'"
		" %s/g.xml", dir, flashsim, dir, dir, dir);
	assert_int_equal(rc, 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* --trace adds runs to a trace, and to nothing else: an order database
 * or a shop's file given by mistake was filled with a trace's tables. */
static void test_a_trace_is_added_to_a_trace_only(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "trace"), 0);
	assert_int_equal(support_shell(
		"%s run --users 2 --stock 1 --orders-db %s/o.db >/dev/null &&"
		" %s run --users 2 --stock 1 --trace %s/o.db >/dev/null"
		" 2>%s/err; test $? = 64 && grep -q \"o.db: it holds a table"
		" 'barrier' besides the tables of a trace\" %s/err && test"
		" \"$(sqlite3 %s/o.db .tables | tr -s ' ')\" = 'barrier orders '",
		flashsim, dir, flashsim, dir, dir, dir, dir), 0);
	/* every table of a trace, a run's and an exploration's, is a trace's */
	assert_int_equal(support_shell(
		"%s run --users 2 --stock 1 --trace %s/t.db >/dev/null &&"
		" %s explore --users 1 --stock 1 --kinds delay --quiet --trace"
		" %s/t.db >/dev/null && %s run --users 2 --stock 1 --trace"
		" %s/t.db >/dev/null", flashsim, dir, flashsim, dir, flashsim,
		dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* A TMPDIR too long for the server's socket is not used; a CI job that
 * looks there for leftovers is told where the directory went. */
static void test_a_long_tmpdir_is_named(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "tmpdir"), 0);
	assert_int_equal(support_shell(
		"long='%s/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaa' && mkdir \"$long\" && TMPDIR=\"$long\" %s run"
		" --users 1 --stock 1 2>&1 >/dev/null | grep -q '^flashsim: note:"
		" TMPDIR is [0-9]* bytes long, too long for the socket of a"
		" private redis-server (60 at most)' && test -z \"$(ls"
		" \"$long\")\"", dir, flashsim), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* --diagram-users: run's and compare's; each a user of the sale, once,
 * six at most. */
static void test_diagram_users_are_checked(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s run --users 4 --diagram-users 5 2>&1 >/dev/null | grep -q"
		" \"user 5 is not one of the sale's (1 to 4)\" && %s run"
		" --diagram-users 2,2 2>&1 | grep -q 'user 2 is given twice' &&"
		" %s run --users 9 --diagram-users 1,2,3,4,5,6,7 2>&1 | grep -q"
		" 'at most 6 users' && %s explore --diagram-users 1 2>&1 | grep"
		" -q 'is an option of .flashsim run.' && %s compare --users 2"
		" --diagram-users 2 >/dev/null", flashsim, flashsim, flashsim,
		flashsim, flashsim), 0);
}

/* A Redis always slower than its clients' timeout is accepted, and said:
 * every run of it is a liveness failure. */
static void test_a_redis_always_too_slow_is_said(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s run --users 1 --stock 1 --redis-latency-ms-min 60"
		" --redis-latency-ms-max 60 2>&1 >/dev/null | grep -q '^flashsim:"
		" warning: every round trip to Redis (at least 2 x 60 ms) is"
		" longer than the client.s timeout (100 ms)' && test -z"
		" \"$(%s run --users 1 --stock 1 --redis-latency-ms-min 40"
		" --redis-latency-ms-max 70 2>&1 >/dev/null | grep warning)\"",
		flashsim, flashsim), 0);
}

/* The same for the network between the actors: a round trip always as
 * long as the caller's timeout or longer sells nothing (a reply due at
 * the timeout comes after it); from a scenario file's [timing] as from
 * an option. */
static void test_a_network_always_too_slow_is_said(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s run --users 1 --stock 1 --latency-ms-min 300"
		" --latency-ms-max 310 2>&1 >/dev/null | grep -q '^flashsim:"
		" warning: every call between actors (at least 2 x 300 ms there"
		" and back) takes as long as the caller.s timeout (500 ms) or"
		" longer' && %s run --users 1 --stock 1 --latency-ms-min 250"
		" --latency-ms-max 250 2>&1 >/dev/null | grep -q 'at least 2 x"
		" 250 ms' &&"
		" d=$(mktemp -d) && printf '[workload]\\nusers = 1\\n[sale]\\nstock = 1\\n"
		"[timing]\\nlatency_ms_min = 200\\nlatency_ms_max = 200\\n"
		"call_timeout_ms = 300\\n' > $d/slow.ini && %s run $d/slow.ini"
		" 2>&1 >/dev/null | grep -q 'at least 2 x 200 ms there and back)"
		" takes as long as the caller.s timeout (300 ms)'; r=$?; rm -r $d;"
		" test $r = 0 && test -z \"$(%s run --users 1 --stock 1"
		" --latency-ms-min 240 --latency-ms-max 300 2>&1 >/dev/null |"
		" grep warning)\"", flashsim, flashsim, flashsim, flashsim), 0);
}

/* --diagram-users without a diagram to draw changes nothing: said, not
 * taken in silence; with one, nothing is said. */
static void test_diagram_users_without_a_diagram_is_said(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s run --users 4 --stock 1 --diagram-users 3 2>&1 >/dev/null |"
		" grep -q '^flashsim: warning: --diagram-users orders the users"
		" of the diagrams that --svg and --html write, and neither is"
		" given' && d=$(mktemp -d) && test -z \"$(%s run --users 4"
		" --stock 1 --diagram-users 3 --svg $d/x.svg 2>&1 >/dev/null)\";"
		" r=$?; rm -r $d; exit $r", flashsim, flashsim), 0);
}

/* A fault at a point of a step this design never takes can never fire:
 * said before the run (the run's NOT FIRED line said only that the point
 * was reached 0 times); nothing said when the design takes it. */
static void test_a_fault_that_can_never_fire_is_said(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"%s run --users 1 --stock 1 --fault"
		" app/create_order/before@1:crash 2>&1 >/dev/null | grep -qx"
		" 'flashsim: warning: the fault app/create_order/before@1:crash"
		" can never fire here: app/create_order/before is on a step"
		" that only --variant naive takes (its app calls the order"
		" service itself)' && %s run --users 1 --stock 1 --fault"
		" app/check_stock/after@1:crash 2>&1 >/dev/null | grep -q"
		" 'only the sold-out fast path takes' && test -z \"$(%s run"
		" --users 1 --stock 1 --variant naive --fault"
		" app/create_order/before@1:crash 2>&1 >/dev/null)\"",
		flashsim, flashsim, flashsim), 0);
}

/* A database given as where flashsim prints (--trace /dev/stdout with
 * the output sent to a file): the text overwrote the database's header,
 * exit 0 and a file that is no database. Refused, as is '-'. */
static void test_a_database_where_flashsim_prints_is_refused(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && { %s run --users 3 --stock 1 --trace"
		" /dev/stdout >$d/out.db 2>$d/err; test $? = 64; } && grep -q"
		" -- '--trace /dev/stdout is where flashsim prints' $d/err && {"
		" %s run --users 3 --stock 1 --orders-db /dev/stderr"
		" 2>$d/err2; test $? = 64; } && { %s run --users 3 --stock 1"
		" --trace - 2>$d/err3; test $? = 64; } && grep -q 'a database"
		" needs a file of its own' $d/err3 &&"
		/* selftest, which parses its own options, too (it wrote a
		 * file named '-', and broke the database at /dev/stdout) */
		" { %s selftest --quick --trace /dev/stdout >$d/s.db"
		" 2>/dev/null; test $? = 64; } && { %s selftest --quick --trace"
		" - 2>/dev/null; test $? = 64; } && test ! -e ./- &&"
		" { %s run --users 2 --orders-db /dev/null 2>$d/err4;"
		" test $? = 64; } && grep -q 'not a regular file' $d/err4 &&"
		" { %s run --users 2 --trace /dev/null 2>$d/err5; test $? = 64;"
		" } && grep -q -- '--trace /dev/null: not a regular file'"
		" $d/err5; r=$?; rm -r $d; exit $r",
		flashsim, flashsim, flashsim, flashsim, flashsim, flashsim,
		flashsim), 0);
}

/* A scenario file given as where flashsim prints: /dev/stdout into a
 * pipe was read for ever, flashsim waiting on its own output, and into
 * a file it read the file it had just emptied. Refused; /dev/stdin
 * still reads the standard input. */
static void test_a_scenario_where_flashsim_prints_is_refused(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"d=$(mktemp -d) && { timeout 60 %s run /dev/stdout 2>$d/err;"
		" echo $? >$d/rc; } | cat >/dev/null && test \"$(cat $d/rc)\" ="
		" 64 && grep -q"
		" \"/dev/stdout is where flashsim's output goes\""
		" $d/err && { %s run /dev/stdout >$d/out 2>$d/err; test $? ="
		" 64; } && test ! -s $d/out && { %s run /dev/stderr 2>$d/err;"
		" test $? = 64; } && printf '[sale]\\nstock = 1\\n' | %s run"
		" /dev/stdin --users 1 | grep -q '^verdict: ok'; r=$?; rm -r $d;"
		" exit $r", flashsim, flashsim, flashsim, flashsim), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_unknown_option_is_named),
		cmocka_unit_test(test_diagram_users_without_a_diagram_is_said),
		cmocka_unit_test(test_a_fault_that_can_never_fire_is_said),
		cmocka_unit_test(test_a_database_where_flashsim_prints_is_refused),
		cmocka_unit_test(test_a_scenario_where_flashsim_prints_is_refused),
		cmocka_unit_test(test_a_given_redis_leaves_out_redis_crash),
		cmocka_unit_test(test_an_empty_path_is_refused),
		cmocka_unit_test(test_large_numbers_are_refused_not_wrapped),
		cmocka_unit_test(test_a_second_fault_at_a_hit_is_refused),
		cmocka_unit_test(test_the_persistence_is_blamed_on_what_set_it),
		cmocka_unit_test(test_a_long_kinds_list_is_read_whole),
		cmocka_unit_test(test_the_help_lists_each_commands_own_options),
		cmocka_unit_test(test_the_replay_of_a_scenario_carries_its_timing),
		cmocka_unit_test(test_run_of_an_exploration_says_so),
		cmocka_unit_test(test_an_expectation_checked_by_nothing_says_so),
		cmocka_unit_test(test_a_trace_is_added_to_a_trace_only),
		cmocka_unit_test(test_a_long_tmpdir_is_named),
		cmocka_unit_test(test_diagram_users_are_checked),
		cmocka_unit_test(test_a_redis_always_too_slow_is_said),
		cmocka_unit_test(test_a_network_always_too_slow_is_said),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
