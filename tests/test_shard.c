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
	for (int i = 0; i < 3; i++) {
		options.shard_index = i;
		options.shard_count = 3;
		options.jobs = i == 1 ? 2 : 1;
		shard = support_explore(&options);
		assert_int_equal(shard->done, shard->planned);
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
	assert_int_equal(stats->done, 0);
	support_explore_free(stats);
	options.shard_index = 1;
	stats = support_explore(&options);
	assert_int_equal(stats->done, 1);
	support_explore_free(stats);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_three_shards_make_the_whole),
		cmocka_unit_test(test_more_shards_than_runs),
		cmocka_unit_test(test_budget_stops_starting_runs),
	};
	return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
