/*
 * test_scenario.c - scenario files: a good file lands in the options it
 * names; every kind of mistake is refused with the file, the line and what
 * was expected; options on the command line override the file, and the
 * sale is checked as a whole after them; fault keys add up. And the
 * [expect] section is judged as it says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "explore.h"
#include "options.h"
#include "report.h"
#include "report_svg.h"
#include "scenario.h"
#include "support.h"

#define PATH_SIZE 64

/* Writes the length bytes of text into a new temporary .ini file; its
 * name into path. */
static void write_bytes(const char *text, size_t length, char path[PATH_SIZE])
{
	FILE *file;
	int fd;
	snprintf(path, PATH_SIZE, "/tmp/flashsim-scenario-XXXXXX.ini");
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	file = fdopen(fd, "w");
	assert_non_null(file);
	assert_int_equal(fwrite(text, 1, length, file), length);
	assert_int_equal(fclose(file), 0);
}

static void write_scenario(const char *text, char path[PATH_SIZE])
{
	write_bytes(text, strlen(text), path);
}

/* The defaults, as cli_parse starts from them. */
static void defaults(struct cli_options *options)
{
	char *argv[] = { "run", NULL };
	assert_int_equal(cli_parse(1, argv, "flashsim", false, options), 0);
}

/* Loads text onto the defaults; returns scenario_load's result. */
static int load(const char *text, struct cli_options *options,
		char path[PATH_SIZE], char *error, size_t error_size)
{
	int rc;
	write_scenario(text, path);
	defaults(options);
	rc = scenario_load(path, options, error, error_size);
	unlink(path);
	return rc;
}

static const char good[] =
	"; a commented scenario\n"
	"[scenario]\n"
	"name = crash after deduct\n"
	"description = the coordinator recovers it ; an inline comment\n"
	"\n"
	"[sale]\n"
	"activity = 7\n"
	"stock = 5\n"
	"tag = b\n"
	"[actors]\n"
	"  apps = 3          ; indentation is allowed\n"
	"coordinators = 2\n"
	"[workload]\n"
	"users = 12\n"
	"requests_per_user = 2\n"
	"arrival_ms = 50\n"
	"seed = 3\n"
	"[timing]\n"
	"latency_ms_min = 2\n"
	"latency_ms_max = 9\n"
	"redis_latency_ms_min = 1\n"
	"redis_latency_ms_max = 2\n"
	"call_timeout_ms = 600\n"
	"redis_timeout_ms = 150\n"
	"user_timeout_ms = 4000\n"
	"timeout_to_fail_ms = 2500\n"
	"cron_interval_ms = 700\n"
	"retry_interval_ms = 300\n"
	"retry_interval_ms_max = 5000\n"
	"restart_delay_ms = 1500\n"
	"recovery_bound_ms = 300000\n"
	"fault_window_ms = 20000\n"
	"[faults]\n"
	"# both comment styles\n"
	"fault = app/deduct/after@2:crash\n"
	"random = true\n"
	"redis_persistence = none\n"
	"mode = pairs\n"
	"runs = 50\n"
	"seconds = 30\n"
	"kinds = crash,delay\n"
	"jobs = 2\n"
	"[expect]\n"
	"verdict = ok\n"
	"orders = 5\n"
	"stock_left = 0\n"
	"invariant = conservation\n"
	"failures = 0\n"
	"caught = false\n";

static void test_a_good_file_sets_every_key(void **state)
{
	struct cli_options o;
	char path[PATH_SIZE], error[512] = "";
	(void)state;
	if (load(good, &o, path, error, sizeof(error)) != 0)
		fail_msg("refused: %s", error);
	assert_string_equal(o.scenario_name, "crash after deduct");
	assert_string_equal(o.scenario_description, "the coordinator recovers it");
	assert_int_equal(o.config.sale.activity, 7);
	assert_int_equal(o.config.stock, 5);
	assert_string_equal(o.config.sale.tag, "b");
	assert_int_equal(o.config.apps, 3);
	assert_int_equal(o.config.coordinators, 2);
	assert_int_equal(o.config.users, 12);
	assert_int_equal(o.config.requests_per_user, 2);
	assert_int_equal(o.config.arrival_ms, 50);
	assert_int_equal(o.config.seed, 3);
	assert_int_equal(o.config.latency_ms_min, 2);
	assert_int_equal(o.config.latency_ms_max, 9);
	assert_int_equal(o.config.redis_latency_ms_min, 1);
	assert_int_equal(o.config.redis_latency_ms_max, 2);
	assert_int_equal(o.config.call_timeout_ms, 600);
	assert_int_equal(o.config.redis_timeout_ms, 150);
	assert_int_equal(o.config.user_timeout_ms, 4000);
	assert_int_equal(o.config.sale.timeout_to_fail_ms, 2500);
	assert_int_equal(o.config.sale.cron_interval_ms, 700);
	assert_int_equal(o.config.sale.retry_interval_ms, 300);
	assert_int_equal(o.config.sale.retry_interval_ms_max, 5000);
	assert_int_equal(o.config.restart_delay_ms, 1500);
	assert_int_equal(o.config.recovery_bound_ms, 300000);
	assert_int_equal(o.config.fault_window_ms, 20000);
	assert_int_equal(o.config.plan.count, 1);
	assert_int_equal(o.config.plan.faults[0].point,
			 point_of_step(STEP_APP_DEDUCT, POSITION_AFTER));
	assert_int_equal(o.config.plan.faults[0].nth, 2);
	assert_int_equal(o.config.plan.faults[0].kind, FAULT_CRASH);
	assert_true(o.config.random_faults);
	assert_int_equal(o.runner.persistence, REDIS_PERSISTENCE_NONE);
	assert_int_equal(o.mode, EXPLORE_PAIRS);
	assert_int_equal(o.runs, 50);
	assert_int_equal(o.seconds, 30);
	assert_int_equal(o.kinds, KIND_BIT(FAULT_CRASH) | KIND_BIT(FAULT_DELAY));
	assert_int_equal(o.jobs, 2);
	assert_int_equal(o.expect.given, EXPECT_VERDICT | EXPECT_ORDERS |
			 EXPECT_STOCK_LEFT | EXPECT_INVARIANT |
			 EXPECT_FAILURES | EXPECT_CAUGHT);
	assert_int_equal(o.expect.verdict, VERDICT_OK);
	assert_int_equal(o.expect.orders, 5);
	assert_int_equal(o.expect.stock_left, 0);
	assert_string_equal(o.expect.invariant, "conservation");
	assert_int_equal(o.expect.failures, 0);
	assert_false(o.expect.caught);
}

/* Keys the file does not give keep their defaults; no [expect], no
 * expectation; the variant is found by name. */
static void test_a_small_file_keeps_the_defaults(void **state)
{
	struct cli_options o, d;
	char path[PATH_SIZE], error[512] = "";
	(void)state;
	if (load("[sale]\nstock = 9\n[scenario]\nvariant = naive\n", &o, path,
		 error, sizeof(error)) != 0)
		fail_msg("refused: %s", error);
	defaults(&d);
	assert_int_equal(o.config.stock, 9);
	assert_int_equal(o.config.variant, VARIANT_NAIVE);
	assert_int_equal(o.config.users, d.config.users);
	assert_int_equal(o.config.sale.cron_interval_ms,
			 d.config.sale.cron_interval_ms);
	assert_int_equal(o.runner.persistence, REDIS_PERSISTENCE_AOF);
	assert_false(expect_given(&o.expect));
}

/* The file's text with the error message expected of it: the file's name,
 * a colon, the line, and what was expected. */
struct bad_case {
	const char *text;
	int line;
	const char *message;
};

static void assert_refused(const struct bad_case *c)
{
	struct cli_options o;
	char path[PATH_SIZE], error[512] = "", prefix[PATH_SIZE + 16];
	if (load(c->text, &o, path, error, sizeof(error)) == 0)
		fail_msg("accepted: %s", c->text);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, c->line);
	if (strncmp(error, prefix, strlen(prefix)) != 0 ||
	    !strstr(error, c->message))
		fail_msg("for\n%s\ngot:      %s\nexpected: %s...%s", c->text,
			 error, prefix, c->message);
}

static void test_an_unknown_section_is_named(void **state)
{
	static const struct bad_case c = {
		"[sale]\nstock = 3\n\n[sales]\nstock = 4\n", 4,
		"unknown section [sales] (expected: scenario, sale, actors,"
		" workload, timing, faults, expect)" };
	(void)state;
	assert_refused(&c);
}

static void test_an_unknown_key_lists_the_sections_keys(void **state)
{
	static const struct bad_case cases[] = {
		{ "[scenario]\nname = x\n[sale]\nstok = 3\n", 4,
		  "unknown key 'stok' in [sale] (expected: activity, stock,"
		  " tag, sold_out_fast_path)" },
		/* the longest list, whole (it was cut short) */
		{ "[timing]\narrivalms = 5\n", 2,
		  "unknown key 'arrivalms' in [timing] (expected:"
		  " latency_ms_min, latency_ms_max, redis_latency_ms_min,"
		  " redis_latency_ms_max, call_timeout_ms, redis_timeout_ms,"
		  " user_timeout_ms, timeout_to_fail_ms, cron_interval_ms,"
		  " retry_interval_ms, retry_interval_ms_max, restart_delay_ms,"
		  " recovery_bound_ms, fault_window_ms)" },
		/* a key of another section names that section */
		{ "[timing]\narrival_ms = 5\n", 2,
		  "'arrival_ms' is a key of [workload], not of [timing]" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(&cases[i]);
}

static void test_a_bad_number_gives_its_range(void **state)
{
	static const struct bad_case cases[] = {
		{ "[workload]\nusers = many\n", 2,
		  "[workload] users: expected a whole number in 1..10000000,"
		  " got 'many'" },
		{ "[actors]\napps = 3\ncoordinators = 65\n", 3,
		  "[actors] coordinators: expected a whole number in 1..64,"
		  " got '65'" },
		{ "[timing]\ncall_timeout_ms = 0\n", 2,
		  "[timing] call_timeout_ms: expected a whole number in"
		  " 1..86400000, got '0'" },
		{ "[sale]\nstock = 5 # five\n", 2,
		  "got '5 # five'" },
		{ "[expect]\norders =\n", 2,
		  "[expect] orders: expected a whole number" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(&cases[i]);
}

static void test_a_bad_word_lists_the_words(void **state)
{
	static const struct bad_case cases[] = {
		{ "[faults]\nmode = all\n", 2,
		  "[faults] mode: expected exhaustive, pairs, random or recovery,"
		  " got 'all'" },
		{ "[faults]\nredis_persistence = rdb\n", 2,
		  "expected aof, aof-everysec or none, got 'rdb'" },
		{ "[faults]\nrandom = yes\n", 2,
		  "[faults] random: expected true or false, got 'yes'" },
		{ "[faults]\nkinds = crash,explode\n", 2,
		  "unknown fault kind 'explode' (expected a comma-separated"
		  " list of: crash," },
		{ "[sale]\rstock = 5\r", 1,
		  "a carriage return at column 7, inside the line: lines end"
		  " in LF or CRLF, not in CR alone" },
		{ "[faults]\nkinds = crash, -\n", 2,
		  "[faults] kinds: expected a fault kind after '-'" },
		{ "[faults]\nkinds = crash, -crash\n", 2,
		  "got 'crash, -crash': that leaves none" },
		{ "[expect]\nverdict = fine\n", 2,
		  "[expect] verdict: expected ok, violation or liveness,"
		  " got 'fine'" },
		{ "[scenario]\nvariant = clever\n", 2,
		  "unknown variant 'clever' (expected none, the protocol, or one"
		  " of: naive," },
		{ "[sale]\ntag = {a}\n", 2,
		  "[sale] tag: expected 1-31 letters" },
		{ "[expect]\ninvariant = No Oversell\n", 2,
		  "expected the name of an invariant" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(&cases[i]);
}

static void test_a_bad_fault_says_what_was_expected(void **state)
{
	static const struct bad_case cases[] = {
		{ "[faults]\nfault = app/deduct/after@1:crash\n"
		  "fault = app/deduct/later@1:crash\n", 3,
		  "unknown failure point 'app/deduct/later'" },
		{ "[faults]\nfault = app/deduct/after@0:crash\n", 2,
		  "expected a hit number N from 1 to 4294967295" },
		{ "[faults]\nfault = net/submit/reply@1:crash\n", 2,
		  "inapplicable fault kind 'crash' (expected at"
		  " net/submit/reply: " },
		{ "[faults]\nfault = app/deduct/after@1:crash\n"
		  "fault = app/deduct/after@2:crash\n"
		  "fault = app/deduct/after@1:pause\n", 4,
		  "[faults] fault: fault 'app/deduct/after@1:pause': hit 1 of"
		  " app/deduct/after already has the fault"
		  " app/deduct/after@1:crash (one fault per hit of a point);"
		  " that fault is on line 2" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(&cases[i]);
}

static void test_a_malformed_line_is_refused(void **state)
{
	static const struct bad_case cases[] = {
		{ "[sale]\nstock 4\n", 2,
		  "expected KEY = VALUE, a [section] or a comment, got 'stock 4'" },
		{ "[sale\nstock = 4\n", 1, "expected ']'" },
		{ "stock = 4\n[sale]\n", 1,
		  "'stock' comes before any section" },
		{ "[sale]\nstock = 4\nstock = 5\n", 3,
		  "'stock' in [sale] is given twice (first on line 2;" },
		{ "[sale]\nstock ; = 1\n", 2,
		  "expected KEY = VALUE, a [section] or a comment, got"
		  " 'stock ; = 1'" },
		{ "[sale]junk\nstock = 1\n", 1,
		  "unexpected 'junk' after the section header '[sale]'" },
		{ "[actors]\napps = 2\n[sale]x]\nstock = 1\n", 3,
		  "unexpected 'x]' after the section header '[sale]'" },
		{ "[sale] # a comment\n", 1,
		  "unexpected ' # a comment' after the section header" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(&cases[i]);
}

/* Text with NUL bytes: written with its length, loaded onto the defaults;
 * refused at line, with message. */
static void assert_bytes_refused(const char *text, size_t length, int line,
				 const char *message)
{
	struct cli_options o;
	char path[PATH_SIZE], error[512] = "", prefix[PATH_SIZE + 16];
	write_bytes(text, length, path);
	defaults(&o);
	if (scenario_load(path, &o, error, sizeof(error)) == 0)
		fail_msg("accepted %zu bytes", length);
	unlink(path);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(error, prefix, strlen(prefix)) != 0 ||
	    !strstr(error, message))
		fail_msg("got:      %s\nexpected: %s...%s", error, prefix,
			 message);
}

/* A NUL byte is refused where it stands, at the start of a line (which
 * libinih's reading used to skip whole) or inside it (which used to be
 * called a line too long); /dev/zero ends with that error, not never. */
static void test_a_nul_byte_is_refused(void **state)
{
	static const char at_start[] = "[workload]\n\0users = 1\n";
	static const char inside[] = "[sale]\nstock = 1\nsto\0ck = 2\n";
	struct cli_options o;
	char error[512];
	(void)state;
	assert_bytes_refused(at_start, sizeof(at_start) - 1, 2,
			     "a NUL byte at column 1 (a scenario file is text)");
	assert_bytes_refused(inside, sizeof(inside) - 1, 3,
			     "a NUL byte at column 4");
	defaults(&o);
	alarm(10); /* the old reader never came back */
	assert_int_equal(scenario_load("/dev/zero", &o, error, sizeof(error)),
			 -1);
	alarm(0);
	assert_string_equal(error, "/dev/zero:1: a NUL byte at column 1 (a"
			    " scenario file is text)");
}

/* A line of 199 characters is read whole, whether it ends in LF or CRLF
 * (the limit used to be 198 and 197); one of 200 is refused. A
 * description of 180 characters fits on its line; 181 is refused. */
static void test_the_line_limit_is_one_for_every_line_end(void **state)
{
	struct cli_options o;
	char text[600], path[PATH_SIZE], error[512] = "";
	char description[182];
	(void)state;
	memset(description, 'd', 180);
	description[180] = '\0';
	for (int crlf = 0; crlf < 2; crlf++) {
		/* 14 + 180 + 5 = 199 characters */
		snprintf(text, sizeof(text), "[scenario]%s\ndescription = %s"
			 "     %s\n", crlf ? "\r" : "", description,
			 crlf ? "\r" : "");
		if (load(text, &o, path, error, sizeof(error)) != 0)
			fail_msg("refused: %s", error);
		assert_string_equal(o.scenario_description, description);
	}
	snprintf(text, sizeof(text), "[scenario]\ndescription = %s      \n",
		 description);
	assert_int_equal(load(text, &o, path, error, sizeof(error)), -1);
	assert_non_null(strstr(error, ":2: line longer than 199 bytes"));
	snprintf(text, sizeof(text), "[scenario]\ndescription = %sd\n",
		 description);
	assert_int_equal(load(text, &o, path, error, sizeof(error)), -1);
	assert_non_null(strstr(error, ":2: [scenario] description: expected"
			       " at most 180 bytes"));
}

/* An endless stream of good lines ends too: a file is read up to 1 MiB. */
static void test_a_file_past_a_mebibyte_is_refused(void **state)
{
	static const char line[] = "; a comment line of 32 bytes ..\n";
	size_t count = 1024 * 1024 / (sizeof(line) - 1) + 1;
	char *text = malloc(count * (sizeof(line) - 1) + 1);
	(void)state;
	assert_non_null(text);
	assert_int_equal(sizeof(line) - 1, 32);
	for (size_t i = 0; i < count; i++)
		memcpy(text + i * 32, line, 32);
	assert_bytes_refused(text, count * 32, (int)count,
			     "the file goes on past 1048576 bytes");
	free(text);
}

/* Empty lines count too: a stream of line ends (yes '') used to be read
 * for ever, its line count overflowing. */
static void test_a_mebibyte_of_empty_lines_is_refused(void **state)
{
	size_t count = 1024 * 1024 + 1;
	char *text = malloc(count + 1);
	(void)state;
	assert_non_null(text);
	memset(text, '\n', count);
	assert_bytes_refused(text, count, (int)count,
			     "the file goes on past 1048576 bytes");
	free(text);
}

/* A comment may follow a section header, after a space. */
static void test_a_comment_may_follow_a_section_header(void **state)
{
	struct cli_options o;
	char path[PATH_SIZE], error[512] = "";
	(void)state;
	if (load("[sale] ; the sale\nstock = 2\n[actors]\t; two\napps = 2\n",
		 &o, path, error, sizeof(error)) != 0)
		fail_msg("refused: %s", error);
	assert_int_equal(o.config.stock, 2);
}

/* The first mistake is the one reported, even when libinih's own syntax
 * error comes later. */
static void test_the_first_error_is_reported(void **state)
{
	static const struct bad_case c = {
		"[sale]\nstock = x\n[actors]\napps\n", 2, "[sale] stock:" };
	(void)state;
	assert_refused(&c);
}

static void test_a_missing_file_is_named(void **state)
{
	struct cli_options o;
	char error[512] = "";
	(void)state;
	defaults(&o);
	assert_int_equal(scenario_load("/nonexistent/sale.ini", &o, error,
				       sizeof(error)), -1);
	assert_string_equal(error, "/nonexistent/sale.ini: cannot open the"
			    " scenario file: No such file or directory");
	assert_int_equal(scenario_load("/tmp", &o, error, sizeof(error)), -1);
	assert_non_null(strstr(error, "/tmp: cannot read the scenario file"));
	/* '-' is no standard input: what is, said (when no file has that
	 * name in the current directory) */
	if (access("-", F_OK) != 0) {
		assert_int_equal(scenario_load("-", &o, error, sizeof(error)),
				 -1);
		assert_non_null(strstr(error, "/dev/stdin reads the standard"
				       " input"));
	}
}

/* cli_parse over argv with the scenario's path put in at path_index. */
static int parse(const char *text, char *args[], int count, int path_index,
		 bool explore, struct cli_options *o)
{
	char path[PATH_SIZE];
	char *argv[16];
	int rc;
	assert_true(count < 15);
	write_scenario(text, path);
	for (int i = 0; i < count; i++)
		argv[i] = i == path_index ? path : args[i];
	argv[count] = NULL;
	rc = cli_parse(count, argv, "flashsim", explore, o);
	unlink(path);
	return rc;
}

/* parse, with its standard error into *err (the caller frees it). */
static int parse_err(const char *text, char *args[], int count,
		     int path_index, bool explore, struct cli_options *o,
		     char **err)
{
	struct support_capture capture;
	int rc;
	support_stderr_capture(&capture);
	rc = parse(text, args, count, path_index, explore, o);
	*err = support_stderr_captured(&capture);
	return rc;
}

/* A file that sets nothing (empty, or cut short to its comments) runs
 * the default sale, with a warning: a truncated file must not pass
 * silently. */
static void test_a_file_that_sets_nothing_is_warned_of(void **state)
{
	char *alone[] = { "run", "FILE" };
	struct cli_options o;
	char *err;
	(void)state;
	assert_int_equal(parse_err("; only a comment\n[sale]\n", alone, 2, 1,
				   false, &o, &err), 0);
	assert_non_null(strstr(err, ".ini sets nothing (no KEY = VALUE line)"));
	free(err);
	assert_int_equal(parse_err("[sale]\nstock = 3\n", alone, 2, 1, false,
				   &o, &err), 0);
	assert_string_equal(err, "");
	free(err);
}

/* Each key is valid, the sale they make is not: sim_config_check says so,
 * naming the file (and the options, when some were given). */
static void test_the_whole_sale_is_checked(void **state)
{
	static const char text[] = "[timing]\nlatency_ms_min = 10\n";
	char *alone[] = { "run", "FILE" };
	char *with[] = { "run", "FILE", "--seed", "2" };
	struct cli_options o;
	char *err;
	(void)state;
	assert_int_equal(parse_err(text, alone, 2, 1, false, &o, &err),
			 EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:2: latency_ms_min is 10, above"
			       " latency_ms_max, 5: expected at most 5 (or"
			       " latency_ms_max raised)"));
	free(err);
	/* an option that sets none of the settings at fault is not blamed */
	assert_int_equal(parse_err(text, with, 4, 1, false, &o, &err),
			 EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:2: latency_ms_min is 10"));
	assert_null(strstr(err, "with the options given"));
	free(err);
	/* two keys: the line of the last one the file gave */
	assert_int_equal(parse_err("[workload]\nusers = 1000000\n\n"
				   "requests_per_user = 16\n", alone, 2, 1,
				   false, &o, &err), EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:4: users 1000000 x"
			       " requests_per_user 16 is 16000000 requests:"
			       " expected 10000000 at most"));
	free(err);
	/* an option that overrode the file's line: named as the option, and
	 * that line not blamed */
	assert_int_equal(parse_err("[timing]\nlatency_ms_max = 5\n",
				   (char *[]){ "run", "FILE", "--latency-ms-max",
				   "3", "--latency-ms-min", "4" }, 6, 1, false,
				   &o, &err), EXIT_USAGE);
	assert_non_null(strstr(err, ".ini with the options given:"
			       " --latency-ms-min is 4, above"
			       " --latency-ms-max, 3"));
	free(err);
	assert_int_equal(parse_err("[timing]\nretry_interval_ms_max = 5000\n",
				   (char *[]){ "run", "FILE",
				   "--retry-interval-ms", "6000" }, 4, 1, false,
				   &o, &err), EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:2 with the options given:"
			       " --retry-interval-ms is 6000, above"
			       " retry_interval_ms_max, 5000"));
	free(err);
	/* without a file, the options by their names */
	assert_int_equal(parse_err("", (char *[]){ "run", "--retry-interval-ms",
				   "9000" }, 3, -1, false, &o, &err),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "--retry-interval-ms is 9000, above"
			       " --retry-interval-ms-max, 8000"));
	free(err);
}

/* An [expect] invariant must be one the run is checked against, and the
 * other keys must not rule its failure out: both used to run the sale
 * and only say "NOT met". "liveness" names an exploration's failure. */
static void test_an_expected_invariant_must_be_possible(void **state)
{
	char *run[] = { "run", "FILE" }, *explore[] = { "explore", "FILE" };
	struct cli_options o;
	char *err;
	(void)state;
	assert_int_equal(parse_err("[expect]\ninvariant = bogus_invariant\n",
				   run, 2, 1, false, &o, &err), EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:2: [expect] invariant ="
			       " bogus_invariant: no such invariant; expected"
			       " one of all_terminal,"));
	assert_null(strstr(err, "liveness"));
	free(err);
	assert_int_equal(parse_err("[expect]\ninvariant = liveness\n", run, 2,
				   1, false, &o, &err), EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:2: [expect] invariant = liveness"
			       " names a failure of an exploration"));
	free(err);
	assert_int_equal(parse_err("[expect]\ninvariant = liveness\n",
				   explore, 2, 1, true, &o, &err), 0);
	free(err);
	assert_int_equal(parse_err("[expect]\nverdict = ok\ninvariant ="
				   " conservation\n", run, 2, 1, false, &o,
				   &err), EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:3: [expect] invariant = conservation"
			       " asks for a failure, and verdict = ok (line 2)"
			       " for none: they contradict each other"));
	free(err);
	assert_int_equal(parse_err("[expect]\ncaught = false\ninvariant ="
				   " conservation\n", explore, 2, 1, true, &o,
				   &err), EXIT_USAGE);
	free(err);
	/* the keys of an exploration's outcome, among themselves: refused
	 * under run too, where neither is checked */
	assert_int_equal(parse_err("[expect]\ncaught = false\nfailures = 2\n",
				   run, 2, 1, false, &o, &err), EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:3: [expect] failures = 2 asks for a"
			       " failure, and caught = false (line 2) for"
			       " none"));
	free(err);
	assert_int_equal(parse_err("[expect]\nfailures = 0\ncaught = true\n",
				   explore, 2, 1, true, &o, &err), EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:3: [expect] caught = true asks for a"
			       " failure, and failures = 0 (line 2) for none"));
	free(err);
	assert_int_equal(parse_err("[expect]\ncaught = true\nverdict = ok\n",
				   explore, 2, 1, true, &o, &err), EXIT_USAGE);
	assert_non_null(strstr(err, ".ini:3: [expect] caught = true (line 2)"
			       " asks for a failure, and verdict = ok for none"));
	free(err);
	assert_int_equal(parse_err("[expect]\ncaught = true\nfailures = 1\n"
				   "verdict = violation\n", explore, 2, 1, true,
				   &o, &err), 0);
	free(err);
	assert_int_equal(parse_err("[expect]\nverdict = violation\n"
				   "invariant = conservation\n", run, 2, 1,
				   false, &o, &err), 0);
	free(err);
}

/* The whole sale is the file's with the options' overrides: a file that
 * asks too much is run when the command line makes it small. */
static void test_the_whole_sale_is_checked_after_the_overrides(void **state)
{
	static const char text[] =
		"[workload]\nusers = 5000000\nrequests_per_user = 4\n";
	char *args[] = { "run", "FILE", "--users", "1" };
	struct cli_options o;
	char *err;
	(void)state;
	if (parse_err(text, args, 4, 1, false, &o, &err) != 0)
		fail_msg("refused: %s", err);
	free(err);
	assert_int_equal(o.config.users, 1);
	assert_int_equal(o.config.requests_per_user, 4);
}

static void test_the_command_line_overrides_the_file(void **state)
{
	static const char text[] =
		"[workload]\nusers = 20\nseed = 4\n[sale]\nstock = 6\n"
		"[faults]\nmode = random\nruns = 10\n";
	char *after[] = { "explore", "FILE", "--users", "3", "--runs", "7" };
	char *before[] = { "run", "--users", "3", "FILE", "--seed", "9" };
	char *alone[] = { "run", "FILE" };
	struct cli_options o;
	(void)state;
	assert_int_equal(parse(text, after, 6, 1, true, &o), 0);
	assert_int_equal(o.config.users, 3);
	assert_int_equal(o.config.stock, 6);
	assert_int_equal(o.config.seed, 4);
	assert_int_equal(o.mode, EXPLORE_RANDOM);
	assert_int_equal(o.runs, 7);
	assert_non_null(o.scenario);
	assert_int_equal(parse(text, before, 6, 3, false, &o), 0);
	assert_int_equal(o.config.users, 3);
	assert_int_equal(o.config.seed, 9);
	assert_int_equal(o.config.stock, 6);
	assert_int_equal(parse(text, alone, 2, 1, false, &o), 0);
	assert_int_equal(o.config.users, 20);
}

/* A file's switches can be turned off from the command line too. */
static void test_the_command_line_turns_off_the_files_switches(void **state)
{
	static const char text[] =
		"[sale]\nsold_out_fast_path = true\n[faults]\nrandom = true\n";
	char *alone[] = { "run", "FILE" };
	char *off[] = { "run", "FILE", "--no-sold-out-fast-path",
			"--no-random-faults" };
	struct cli_options o;
	(void)state;
	assert_int_equal(parse(text, alone, 2, 1, false, &o), 0);
	assert_true(o.config.sale.sold_out_fast_path);
	assert_true(o.config.random_faults);
	assert_int_equal(parse(text, off, 4, 1, false, &o), 0);
	assert_false(o.config.sale.sold_out_fast_path);
	assert_false(o.config.random_faults);
}

static void test_bad_files_and_extra_arguments_are_usage_errors(void **state)
{
	char *bad[] = { "run", "FILE" };
	char *two[] = { "run", "FILE", "other.ini" };
	struct cli_options o;
	(void)state;
	assert_int_equal(parse("[sale]\nstok = 1\n", bad, 2, 1, false, &o),
			 EXIT_USAGE);
	assert_int_equal(parse("[sale]\nstock = 1\n", two, 3, 1, false, &o),
			 EXIT_USAGE);
}

/* The message quotes the file's bytes, its control characters as \xNN:
 * they must not reach the terminal raw (a vertical tab, an escape). */
static void test_control_characters_in_a_message_are_shown(void **state)
{
	char path[PATH_SIZE], err[] = "/tmp/flashsim-scenario-err-XXXXXX";
	char *argv[] = { "run", path, NULL }, *text;
	struct cli_options o;
	int saved = dup(STDERR_FILENO), fd = mkstemp(err);
	(void)state;
	assert_true(saved >= 0 && fd >= 0);
	write_scenario("[sale]\nst\vock = 1\n\x1b[2J = 2\n", path);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	assert_int_equal(cli_parse(2, argv, "flashsim", false, &o), EXIT_USAGE);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	unlink(path);
	text = support_read_file(err);
	unlink(err);
	assert_non_null(strstr(text, ":2: unknown key 'st\\x0bock' in [sale]"));
	assert_null(strchr(text, '\v'));
	free(text);
}

/* Asserts what write makes of text. */
static void assert_written(void (*write)(FILE *, const char *),
			   const char *text, const char *expected)
{
	char *written = support_written(write, text);
	assert_string_equal(written, expected);
	free(written);
}

/* A byte order mark in the middle of a file, or a no-break space pasted
 * from a web page, looked like nothing in a message ("unknown key
 * 'stock'"): such characters are shown by their code, and bytes that are
 * not UTF-8 by theirs; the rest of UTF-8 is written as it is. */
static void test_invisible_characters_in_a_message_are_shown(void **state)
{
	(void)state;
	assert_written(report_visible, "\xef\xbb\xbfstock\xc2\xa0= caf\xc3\xa9"
		       " \xe2\x80\x8bx\xe2\x80\xae \xff\xc0\xaf \xed\xa0\x80"
		       " \xf0\x9f\x8d\x8e \xf5\x80\x80 \xc3",
		       "\\ufeffstock\\u00a0= caf\xc3\xa9"
		       " \\u200bx\\u202e \\xff\\xc0\\xaf"
		       " \\xed\\xa0\\x80 \xf0\x9f\x8d\x8e"
		       " \\xf5\\x80\\x80 \\xc3");
}

/* A JSON string is valid UTF-8 whatever it is given: a byte that starts
 * no valid sequence (text in another encoding, or a character cut in
 * two to fit a buffer) becomes U+FFFD; quotes, backslashes and controls
 * are escaped; valid UTF-8 is written as it is. */
static void test_a_json_string_is_valid_utf8(void **state)
{
	(void)state;
	assert_written(report_json_string, "caf\xc3\xa9 \"q\" a\\b\t"
		       " \xff\xc0\xaf \xed\xa0\x80 \xf0\x9f\x8d\x8e \xc3",
		       "\"caf\xc3\xa9 \\\"q\\\" a\\\\b\\u0009"
		       " \\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd"
		       " \xf0\x9f\x8d\x8e \\ufffd\"");
}

/* The text of an SVG or HTML page is escaped, and bytes that are not
 * UTF-8, and the two characters XML forbids (U+FFFE, U+FFFF), become
 * U+FFFD, so that an SVG parses whatever the scenario's name or a
 * user's why holds. */
static void test_xml_text_is_valid_utf8(void **state)
{
	(void)state;
	assert_written(report_xml_escape, "caf\xc3\xa9 <a href=\"x\">&'\x01"
		       " \xff \xf0\x9f\x8d\x8e \xef\xbf\xbe\xef\xbf\xbf \xc3",
		       "caf\xc3\xa9 &lt;a href=&quot;x&quot;&gt;&amp;&#39;?"
		       " &#xfffd; \xf0\x9f\x8d\x8e &#xfffd;&#xfffd; &#xfffd;");
}

/* kinds: "all" is every kind, "-KIND" leaves one out, of all when it
 * comes first (a long random exploration without redis-crash). */
static void test_kinds_take_all_and_leave_out(void **state)
{
	const unsigned all = KIND_BIT(FAULT_CRASH) | KIND_BIT(FAULT_DROP_REQUEST) |
			     KIND_BIT(FAULT_DROP_REPLY) | KIND_BIT(FAULT_DUPLICATE) |
			     KIND_BIT(FAULT_DELAY) |
			     KIND_BIT(FAULT_REDIS_REQUEST_LOST) |
			     KIND_BIT(FAULT_REDIS_REPLY_LOST) |
			     KIND_BIT(FAULT_REDIS_CRASH) | KIND_BIT(FAULT_PAUSE);
	char path[PATH_SIZE], error[512];
	struct cli_options o;
	(void)state;
	assert_int_equal(load("[faults]\nkinds = all\n", &o, path, error,
			      sizeof(error)), 0);
	assert_int_equal(o.kinds, all);
	assert_int_equal(load("[faults]\nkinds = -redis-crash\n", &o, path,
			      error, sizeof(error)), 0);
	assert_int_equal(o.kinds, all & ~KIND_BIT(FAULT_REDIS_CRASH));
	assert_int_equal(load("[faults]\nkinds = all, -pause, -delay\n", &o,
			      path, error, sizeof(error)), 0);
	assert_int_equal(o.kinds, all & ~KIND_BIT(FAULT_PAUSE) &
				  ~KIND_BIT(FAULT_DELAY));
	assert_int_equal(load("[faults]\nkinds = crash, delay, -crash\n", &o,
			      path, error, sizeof(error)), 0);
	assert_int_equal(o.kinds, KIND_BIT(FAULT_DELAY));
}

/* fault may repeat: the file's faults add up, and a --fault adds to them. */
static void test_fault_keys_add_up(void **state)
{
	static const char text[] =
		"[faults]\nfault = app/deduct/after@1:crash\n"
		"fault = net/submit/reply@1:drop-reply\n"
		"[sale]\n[faults]\nfault = coord/submit/before@2:crash\n";
	char *args[] = { "run", "FILE", "--fault", "order/create/before@1:crash" };
	struct cli_options o;
	char first[96], last[96];
	(void)state;
	assert_int_equal(parse(text, args, 4, 1, false, &o), 0);
	assert_int_equal(o.config.plan.count, 4);
	fault_format(&o.config.plan.faults[0], first, sizeof(first));
	fault_format(&o.config.plan.faults[3], last, sizeof(last));
	assert_string_equal(first, "app/deduct/after@1:crash");
	assert_string_equal(last, "order/create/before@1:crash");
}

/* A --fault at the hit of one of the file's faults is refused too: only
 * the first could fire. */
static void test_a_fault_option_at_a_hit_of_the_file_is_refused(void **state)
{
	static const char text[] = "[faults]\nfault = app/deduct/after@1:crash\n";
	char *args[] = { "run", "FILE", "--fault", "app/deduct/after@1:pause" };
	struct cli_options o;
	char *err;
	(void)state;
	assert_int_equal(parse_err(text, args, 4, 1, false, &o, &err),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "--fault app/deduct/after@1:pause: that"
			       " hit already has the fault"
			       " app/deduct/after@1:crash of "));
	assert_non_null(strstr(err, ".ini:2 (one fault per hit of a point)"));
	free(err);
}

/* A --fault past the plan's 32 says how many the file gave. */
static void test_a_fault_option_past_the_files_faults_says_so(void **state)
{
	char text[2048] = "[faults]\n";
	char *args[] = { "run", "FILE", "--fault", "app/prepare/after@1:crash" };
	struct cli_options o;
	char *err;
	(void)state;
	for (int i = 1; i <= PLAN_FAULTS_MAX; i++) {
		size_t used = strlen(text);
		snprintf(text + used, sizeof(text) - used,
			 "fault = app/deduct/after@%d:crash\n", i);
	}
	assert_int_equal(parse_err(text, args, 4, 1, false, &o, &err),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "at most 32 faults per plan, and "));
	assert_non_null(strstr(err, ".ini gives 32 of them"));
	free(err);
}

/* A file's redis_persistence or variant is named as the file's when it
 * cannot be: with --redis, or against the other. */
static void test_the_files_persistence_is_named_as_the_files(void **state)
{
	char *redis[] = { "run", "FILE", "--redis", "127.0.0.1:1" };
	char *aof[] = { "run", "FILE", "--redis-persistence", "aof" };
	struct cli_options o;
	char *err;
	(void)state;
	assert_int_equal(parse_err("[faults]\nredis_persistence = none\n",
				   redis, 4, 1, false, &o, &err), EXIT_USAGE);
	if (!strstr(err, "'redis_persistence = none' (/tmp/") ||
	    !strstr(err, ".ini:2) applies to a Redis that flashsim starts,"
			 " not to --redis 127.0.0.1:1"))
		fail_msg("%s", err);
	free(err);
	assert_int_equal(parse_err("[scenario]\nvariant = redis-no-persistence\n",
				   aof, 4, 1, false, &o, &err), EXIT_USAGE);
	if (!strstr(err, "--redis-persistence aof contradicts 'variant ="
			 " redis-no-persistence' (/tmp/"))
		fail_msg("%s", err);
	free(err);
	/* both in the file: its name and line first, as for its other
	 * mistakes */
	{
		char *plain[] = { "run", "FILE" };
		assert_int_equal(parse_err("[scenario]\nvariant ="
					   " redis-no-persistence\n[faults]\n"
					   "redis_persistence = aof\n", plain,
					   2, 1, false, &o, &err), EXIT_USAGE);
		if (!strstr(err, ".ini:4: redis_persistence = aof contradicts"
				 " 'variant = redis-no-persistence' (/tmp/") ||
		    !strstr(err, "(see docs/SCENARIOS.md)"))
			fail_msg("%s", err);
		free(err);
	}
}

static void test_a_run_is_judged_by_its_expectation(void **state)
{
	struct expectation e = { 0 };
	struct sim_result r = { 0 };
	char why[512];
	(void)state;
	e.given = EXPECT_VERDICT | EXPECT_INVARIANT | EXPECT_ORDERS;
	e.verdict = VERDICT_VIOLATION;
	snprintf(e.invariant, sizeof(e.invariant), "conservation");
	e.orders = 1;
	r.verdict = VERDICT_VIOLATION;
	r.orders = 1;
	assert_true(expect_judge_run(&e, &r, "all_terminal, conservation",
				     why, sizeof(why)));
	assert_string_equal(why, "");
	assert_false(expect_judge_run(&e, &r, "no_conservation", why,
				      sizeof(why)));
	assert_string_equal(why, "invariant conservation not violated"
			    " (violated: no_conservation)");
	r.verdict = VERDICT_OK;
	r.orders = 2;
	assert_false(expect_judge_run(&e, &r, "", why, sizeof(why)));
	assert_string_equal(why, "verdict ok, expected violation; invariant"
			    " conservation not violated (violated: none);"
			    " orders 2, expected 1");
}

/* A stock key Redis lost is no stock left of 0 (it used to meet
 * stock_left = 0). */
static void test_a_missing_stock_key_meets_no_stock_left(void **state)
{
	struct expectation e = { 0 };
	struct sim_result r = { 0 };
	char why[512];
	(void)state;
	e.given = EXPECT_STOCK_LEFT;
	e.stock_left = 0;
	assert_true(expect_judge_run(&e, &r, "", why, sizeof(why)));
	r.stock_missing = true;
	assert_false(expect_judge_run(&e, &r, "", why, sizeof(why)));
	assert_string_equal(why, "the stock key is missing, expected 0 left");
}

/* A planned fault that never fired fails the expectation, whatever the
 * run came to: the scenario was not tried as written. */
static void test_a_fault_that_never_fired_is_not_met(void **state)
{
	struct expectation e = { 0 };
	struct sim_result r = { 0 };
	char why[512], error[128];
	(void)state;
	e.given = EXPECT_VERDICT;
	e.verdict = VERDICT_OK;
	r.verdict = VERDICT_OK;
	assert_true(expect_judge_run(&e, &r, "", why, sizeof(why)));
	assert_int_equal(fault_plan_add(&r.not_fired, "app/deduct/after@9:crash",
					error, sizeof(error)), 0);
	r.active_hits[r.not_fired.faults[0].point] = 3;
	assert_false(expect_judge_run(&e, &r, "", why, sizeof(why)));
	assert_string_equal(why, "fault app/deduct/after@9:crash never fired:"
			    " app/deduct/after was reached 3 times while"
			    " faults could fire");
}

static void test_an_exploration_is_judged_by_its_expectation(void **state)
{
	struct expectation e = { 0 };
	struct explore_stats *s = calloc(1, sizeof(*s));
	char why[512];
	(void)state;
	assert_non_null(s);
	e.given = EXPECT_FAILURES;
	e.failures = 0;
	assert_true(expect_judge_explore(&e, s, why, sizeof(why)));
	s->failure_count = 1;
	s->verdicts[VERDICT_VIOLATION] = 3;
	snprintf(s->failures[0].key, EXPLORE_KEY_MAX, "barrier_agreement");
	assert_false(expect_judge_explore(&e, s, why, sizeof(why)));
	assert_string_equal(why, "1 distinct failure (barrier_agreement),"
			    " expected 0");
	e.given = EXPECT_CAUGHT | EXPECT_VERDICT | EXPECT_INVARIANT;
	e.caught = true;
	e.verdict = VERDICT_VIOLATION;
	snprintf(e.invariant, sizeof(e.invariant), "barrier_agreement");
	assert_true(expect_judge_explore(&e, s, why, sizeof(why)));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_good_file_sets_every_key),
		cmocka_unit_test(test_a_small_file_keeps_the_defaults),
		cmocka_unit_test(test_an_unknown_section_is_named),
		cmocka_unit_test(test_an_unknown_key_lists_the_sections_keys),
		cmocka_unit_test(test_a_bad_number_gives_its_range),
		cmocka_unit_test(test_a_bad_word_lists_the_words),
		cmocka_unit_test(test_a_bad_fault_says_what_was_expected),
		cmocka_unit_test(test_a_malformed_line_is_refused),
		cmocka_unit_test(test_a_nul_byte_is_refused),
		cmocka_unit_test(test_the_line_limit_is_one_for_every_line_end),
		cmocka_unit_test(test_a_file_past_a_mebibyte_is_refused),
		cmocka_unit_test(test_a_mebibyte_of_empty_lines_is_refused),
		cmocka_unit_test(test_a_comment_may_follow_a_section_header),
		cmocka_unit_test(test_the_first_error_is_reported),
		cmocka_unit_test(test_a_missing_file_is_named),
		cmocka_unit_test(test_a_file_that_sets_nothing_is_warned_of),
		cmocka_unit_test(test_the_whole_sale_is_checked),
		cmocka_unit_test(test_the_whole_sale_is_checked_after_the_overrides),
		cmocka_unit_test(test_an_expected_invariant_must_be_possible),
		cmocka_unit_test(test_the_command_line_overrides_the_file),
		cmocka_unit_test(test_the_command_line_turns_off_the_files_switches),
		cmocka_unit_test(test_bad_files_and_extra_arguments_are_usage_errors),
		cmocka_unit_test(test_control_characters_in_a_message_are_shown),
		cmocka_unit_test(test_invisible_characters_in_a_message_are_shown),
		cmocka_unit_test(test_a_json_string_is_valid_utf8),
		cmocka_unit_test(test_xml_text_is_valid_utf8),
		cmocka_unit_test(test_kinds_take_all_and_leave_out),
		cmocka_unit_test(test_fault_keys_add_up),
		cmocka_unit_test(test_a_fault_option_at_a_hit_of_the_file_is_refused),
		cmocka_unit_test(test_a_fault_option_past_the_files_faults_says_so),
		cmocka_unit_test(test_the_files_persistence_is_named_as_the_files),
		cmocka_unit_test(test_a_run_is_judged_by_its_expectation),
		cmocka_unit_test(test_a_fault_that_never_fired_is_not_met),
		cmocka_unit_test(test_a_missing_stock_key_meets_no_stock_left),
		cmocka_unit_test(test_an_exploration_is_judged_by_its_expectation),
	};
	return cmocka_run_group_tests_name("scenario", tests, NULL, NULL);
}
