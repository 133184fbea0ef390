/*
 * test_shard.c - splitting an exploration over CI jobs: --shard I/N does
 * every Nth run, so the shards together do exactly the runs of the whole;
 * --budget S stops starting runs after S seconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "explore.h"
#include "support.h"

static char flashsim[4096];

static void small_sale(struct cli_options *options)
{
	memset(options, 0, sizeof(*options));
	sim_config_defaults(&options->config);
	options->config.users = 3;
	options->config.stock = 2;
	options->config.coordinators = 2;
	options->runner.program = "flashsim";
	options->runner.persistence = REDIS_PERSISTENCE_AOF;
	options->mode = EXPLORE_EXHAUSTIVE;
	options->jobs = 1;
	options->kinds = KIND_BIT(FAULT_CRASH) | KIND_BIT(FAULT_DROP_REPLY);
	options->shard_count = 1;
	options->quiet = true;
}

/* Three shards (one of them with two jobs) do the runs of the whole: the
 * same number, the same faults by kind and verdict, the same hits. */
static void test_three_shards_make_the_whole(void **state)
{
	struct cli_options options;
	struct explore_stats *whole, *shard;
	uint64_t planned = 0, done = 0, hits[POINT_COUNT] = { 0 };
	uint64_t by_kind[FAULT_KIND_COUNT][VERDICT_LIVENESS + 1] = { { 0 } };
	(void)state;
	small_sale(&options);
	whole = support_explore(&options);
	assert_true(whole->done > 30);
	assert_int_equal(whole->done, whole->planned);
	assert_int_equal(whole->planned_all, whole->planned);
	for (int i = 0; i < 3; i++) {
		options.shard_index = i;
		options.shard_count = 3;
		options.jobs = i == 1 ? 2 : 1;
		shard = support_explore(&options);
		assert_int_equal(shard->done, shard->planned);
		assert_int_equal(shard->planned_all, whole->planned);
		/* shard sizes differ by one run at most */
		assert_true(shard->done * 3 >= whole->done - 2);
		assert_true(shard->done * 3 <= whole->done + 2);
		planned += shard->planned;
		done += shard->done;
		for (int p = 0; p < POINT_COUNT; p++)
			hits[p] += shard->hits[p];
		for (int k = 0; k < FAULT_KIND_COUNT; k++)
			for (int v = 0; v <= VERDICT_LIVENESS; v++)
				by_kind[k][v] += shard->by_kind[k][v];
		support_explore_free(shard);
	}
	assert_int_equal(planned, whole->planned);
	assert_int_equal(done, whole->done);
	assert_memory_equal(by_kind, whole->by_kind, sizeof(by_kind));
	assert_memory_equal(hits, whole->hits, sizeof(hits));
	support_explore_free(whole);
}

/* More shards than runs: the extra shards do nothing, and still pass. */
static void test_more_shards_than_runs(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	(void)state;
	small_sale(&options);
	options.runs = 2;
	options.shard_count = 3;
	options.shard_index = 2;
	stats = support_explore(&options);
	assert_int_equal(stats->planned, 0);
	assert_int_equal(stats->planned_all, 2);
	assert_int_equal(stats->done, 0);
	support_explore_free(stats);
	options.shard_index = 1;
	stats = support_explore(&options);
	assert_int_equal(stats->done, 1);
	support_explore_free(stats);
}

/* A shard says which share of the exploration it made, in the text, the
 * JSON, the JUnit file and the HTML report; one past the runs says it had
 * none of them. */
static void test_shard_says_its_share(void **state)
{
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "shard"), 0);
	/* 2 users, stock 1, crashes alone: a handful of runs */
	assert_int_equal(support_shell(
		"n=$(%s explore --users 2 --stock 1 --kinds crash --json |"
		" python3 -c 'import json,sys; print(json.load(sys.stdin)"
		"[\"planned\"])') && test \"$n\" -gt 3 &&"
		" %s explore --users 2 --stock 1 --kinds crash --shard 2/3"
		" --junit %s/j.xml --html %s/r.html > %s/out &&"
		" grep -q '^flashsim explore: exhaustive, shard 2 of 3;' %s/out &&"
		" grep -q \"^shard 2 of 3: $(( (n + 1) / 3 )) of the"
		" exploration's $n runs\" %s/out &&"
		" grep -q \"share of the exploration's $n)\" %s/j.xml &&"
		" grep -q \"<td>shard</td><td>2 of 3: \" %s/r.html &&"
		" %s explore --users 2 --stock 1 --kinds crash --shard 2/3 --json"
		" | python3 -c 'import json,sys; d=json.load(sys.stdin);"
		" sys.exit(not (d[\"planned_all\"]=='$n' and"
		" d[\"shard\"]==\"2/3\"))' &&"
		" %s explore --users 2 --stock 1 --kinds crash --shard $n/$n"
		" > /dev/null && %s explore --users 2 --stock 1 --kinds crash"
		" --shard $((n + 1))/$((n + 1)) > %s/out &&"
		" grep -q \"none of the exploration's $n runs (more shards than"
		" runs)\" %s/out",
		flashsim, flashsim, dir, dir, dir, dir, dir, dir, dir, flashsim,
		flashsim, flashsim, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* --budget 1: a random exploration of 100000 runs stops starting runs
 * after a second, long before its plan. */
static void test_budget_stops_starting_runs(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	time_t started = time(NULL);
	(void)state;
	small_sale(&options);
	options.mode = EXPLORE_RANDOM;
	options.kinds = ~0u;
	options.runs = 100000;
	options.seconds = 1;
	stats = support_explore(&options);
	assert_int_equal(stats->planned, 100000);
	assert_true(stats->done > 0);
	assert_true(stats->done < 5000);
	assert_true(stats->seconds < 5);
	assert_true(time(NULL) - started < 30);
	support_explore_free(stats);
}

/* The options: --shard I/N (1-based on the command line) and --budget. */
static void test_options(void **state)
{
	struct cli_options options;
	char *good[] = { "explore", "--shard", "2/3", "--budget", "60", NULL };
	char *zero[] = { "explore", "--shard", "0/3", NULL };
	char *over[] = { "explore", "--shard", "4/3", NULL };
	char *run[] = { "run", "--shard", "1/2", NULL };
	(void)state;
	assert_int_equal(cli_parse(5, good, "flashsim", true, &options), 0);
	assert_int_equal(options.shard_index, 1);
	assert_int_equal(options.shard_count, 3);
	assert_int_equal(options.seconds, 60);
	assert_int_equal(cli_parse(3, zero, "flashsim", true, &options),
			 EXIT_USAGE);
	assert_int_equal(cli_parse(3, over, "flashsim", true, &options),
			 EXIT_USAGE);
	assert_int_equal(cli_parse(3, run, "flashsim", false, &options),
			 EXIT_USAGE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_three_shards_make_the_whole),
		cmocka_unit_test(test_more_shards_than_runs),
		cmocka_unit_test(test_budget_stops_starting_runs),
		cmocka_unit_test(test_shard_says_its_share),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
