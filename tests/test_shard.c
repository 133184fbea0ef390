/*
 * test_shard.c - splitting an exploration over CI jobs: --shard I/N does
 * every Nth run, so the shards together do exactly the runs of the whole;
 * in recovery mode each shard plans its second pass from its own share of
 * the first, and the shards together fault what the whole faults;
 * --budget S stops starting runs after S seconds.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "explore.h"
#include "report.h"
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

/* What shards did, added up, to be compared with the whole. */
struct shard_sum {
	uint64_t planned, done, not_fired, hits[POINT_COUNT];
	uint64_t by_kind[FAULT_KIND_COUNT][VERDICT_LIVENESS + 1];
};

/* Adds a shard that made all its runs, and frees it. */
static void shard_add(struct shard_sum *sum, struct explore_stats *shard,
		      const struct explore_stats *whole)
{
	assert_int_equal(shard->done, shard->planned);
	assert_int_equal(shard->planned_all, whole->planned);
	sum->planned += shard->planned;
	sum->done += shard->done;
	sum->not_fired += shard->runs_not_fired;
	for (int p = 0; p < POINT_COUNT; p++)
		sum->hits[p] += shard->hits[p];
	for (int k = 0; k < FAULT_KIND_COUNT; k++)
		for (int v = 0; v <= VERDICT_LIVENESS; v++)
			sum->by_kind[k][v] += shard->by_kind[k][v];
	support_explore_free(shard);
}

/* The shards made the runs of the whole: as many, the same faults by
 * kind and verdict, the same hits, the same runs whose plan did not fire
 * whole. */
static void assert_shards_make(const struct shard_sum *sum,
			       const struct explore_stats *whole)
{
	assert_int_equal(sum->planned, whole->planned);
	assert_int_equal(sum->done, whole->done);
	assert_int_equal(sum->not_fired, whole->runs_not_fired);
	assert_memory_equal(sum->by_kind, whole->by_kind,
			    sizeof(sum->by_kind));
	assert_memory_equal(sum->hits, whole->hits, sizeof(sum->hits));
}

/* Three shards (one of them with two jobs) do the runs of the whole: the
 * same number, the same faults by kind and verdict, the same hits. */
static void test_three_shards_make_the_whole(void **state)
{
	struct cli_options options;
	struct explore_stats *whole, *shard;
	struct shard_sum sum;
	(void)state;
	memset(&sum, 0, sizeof(sum));
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
		/* shard sizes differ by one run at most */
		assert_true(shard->done * 3 >= whole->done - 2);
		assert_true(shard->done * 3 <= whole->done + 2);
		shard_add(&sum, shard, whole);
	}
	assert_shards_make(&sum, whole);
	support_explore_free(whole);
}

/* Pairs mode's shards make the whole exploration's pairs, each once,
 * uncut and as a sample cut by --runs: the same runs, faults by kind and
 * verdict, hits, and runs whose plan did not fire whole. */
static void test_pairs_shards_make_the_whole(void **state)
{
	struct cli_options options;
	(void)state;
	small_sale(&options);
	options.config.users = 1;
	options.config.stock = 1;
	options.config.coordinators = 1;
	options.kinds = KIND_BIT(FAULT_DROP_REQUEST) |
			KIND_BIT(FAULT_DROP_REPLY) | KIND_BIT(FAULT_DUPLICATE);
	options.mode = EXPLORE_PAIRS;
	for (int cut = 0; cut < 2; cut++) {
		struct explore_stats *whole;
		struct shard_sum sum;
		memset(&sum, 0, sizeof(sum));
		options.runs = cut ? 40 : 100000;
		options.shard_index = 0;
		options.shard_count = 1;
		whole = support_explore(&options);
		assert_int_equal(whole->done, cut ? 40 : whole->mode_runs);
		for (int i = 0; i < 3; i++) {
			options.shard_index = i;
			options.shard_count = 3;
			shard_add(&sum, support_explore(&options), whole);
		}
		assert_shards_make(&sum, whole);
		support_explore_free(whole);
	}
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

/* The sale of the recovery-mode tests: one coordinator, 2 users, stock 1
 * (some hundred single faults, a second pass of some tens). */
static void recovery_sale(struct cli_options *options)
{
	small_sale(options);
	options->config.users = 2;
	options->config.stock = 1;
	options->config.coordinators = 1;
	options->mode = EXPLORE_RECOVERY;
}

/* The (point, hit, kind) a second pass faulted. */
static uint64_t second_faults(const struct explore_stats *stats)
{
	uint64_t faults = 0;
	for (int p = 0; p < POINT_COUNT; p++)
		for (int k = 0; k < FAULT_KIND_COUNT; k++)
			for (int n = 0; n < EXPLORE_RECOVERY_HITS; n++)
				faults += stats->second_faulted[p][k] >> n & 1;
	return faults;
}

/* The steps at which whole's second pass faulted some (hit, kind) that
 * no shard's second pass faulted, or not all in the same shard: a step's
 * plan is made whole by the shard that opens it, not shared out. */
static int second_steps_missing(const struct explore_stats *whole,
				uint8_t shards[][POINT_COUNT][FAULT_KIND_COUNT],
				int shard_count)
{
	int missing = 0;
	for (int p = 0; p < POINT_COUNT; p++) {
		bool covered = false;
		for (int s = 0; s < shard_count && !covered; s++) {
			covered = true;
			for (int k = 0; k < FAULT_KIND_COUNT; k++)
				if (whole->second_faulted[p][k] &
				    ~shards[s][p][k])
					covered = false;
		}
		if (!covered) {
			fprintf(stderr, "no shard faulted %s as the whole"
				" did\n", point_name(p));
			missing++;
		}
	}
	return missing;
}

/* Recovery mode in three shards (one of them with two jobs): each makes
 * its share of the first pass and the whole second pass it plans from it,
 * uncut, and the shards' second passes together fault every (point, hit,
 * kind) the whole exploration's second pass faults: each step's, all in
 * the shard whose run opened it. */
static void test_recovery_shards_fault_what_the_whole_faults(void **state)
{
	struct cli_options options;
	struct explore_stats *whole, *shard;
	uint8_t faulted[3][POINT_COUNT][FAULT_KIND_COUNT];
	uint64_t first = 0;
	char cut[256];
	(void)state;
	recovery_sale(&options);
	/* two kinds at every step: two runs of the plan at each */
	options.kinds = KIND_BIT(FAULT_CRASH) | KIND_BIT(FAULT_PAUSE);
	whole = support_explore(&options);
	assert_true(whole->second_pass);
	assert_true(whole->second_runs > 5);
	assert_int_equal(whole->done, whole->planned);
	assert_int_equal(whole->planned, whole->singles + whole->second_runs);
	/* every run of the second pass faulted a (point, hit, kind) of its
	 * own */
	assert_int_equal(second_faults(whole), whole->second_runs);
	for (int i = 0; i < 3; i++) {
		options.shard_index = i;
		options.shard_count = 3;
		options.jobs = i == 1 ? 2 : 1;
		shard = support_explore(&options);
		assert_int_equal(shard->done, shard->planned);
		assert_false(shard->stopped_by_budget);
		assert_true(shard->second_pass);
		assert_true(shard->second_runs > 0);
		assert_int_equal(shard->second_planned, shard->second_runs);
		assert_int_equal(shard->planned,
				 shard->first_planned + shard->second_planned);
		assert_int_equal(shard->first_planned_all, whole->singles);
		assert_int_equal(second_faults(shard), shard->second_runs);
		report_cut(&options, shard, cut, sizeof(cut));
		assert_string_equal(cut, "");
		first += shard->first_planned;
		memcpy(faulted[i], shard->second_faulted, sizeof(faulted[i]));
		support_explore_free(shard);
	}
	assert_int_equal(first, whole->singles);
	assert_int_equal(second_steps_missing(whole, faulted, 3), 0);
	support_explore_free(whole);
}

/* The JSON lists what each second pass faulted: the union of the
 * shards' lists is the whole exploration's list. */
static void test_recovery_shards_list_what_they_faulted(void **state)
{
	(void)state;
	assert_int_equal(support_shell(
		"f='%s' && a='explore --mode recovery --users 2 --stock 1"
		" --kinds crash,pause --json --quiet' &&"
		" { $f $a; for i in 1 2 3; do $f $a --shard $i/3; done; } |"
		" python3 -c 'import json,sys;"
		" l=[json.loads(x)[\"passes\"][\"second\"][\"faulted\"]"
		" for x in sys.stdin];"
		" u=set(l[1])|set(l[2])|set(l[3]);"
		" sys.exit(not (len(l[0])>5 and set(l[0])==u and"
		" all(\"@\" in x and \":\" in x for x in u)))'",
		flashsim), 0);
}

/* A failure only the second pass finds, found by a shard too: with an
 * invariant of our own, every order created within 5 s of the sale's
 * start. A single fault's recovery settles the purchase by about 4 s (the
 * backcheck comes after --timeout-to-fail-ms, 3 s); only a fault inside
 * that recovery puts an order later (the app crashes past its deduction,
 * then the coordinator at its resubmit). */
static void test_recovery_shards_find_what_the_second_pass_finds(void **state)
{
	struct cli_options options;
	struct explore_stats *whole, *shard;
	char dir[256], path[320];
	FILE *file;
	int found = 0;
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "late"), 0);
	snprintf(path, sizeof(path), "%s/late_order.sql", dir);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("-- Every order is created within 5 s of the sale's start.\n"
	      "SELECT gid, created_at FROM orders WHERE created_at > 5000;\n",
	      file);
	assert_int_equal(fclose(file), 0);
	recovery_sale(&options);
	options.runner.invariants_dir = dir;
	whole = support_explore(&options);
	assert_int_equal(whole->failure_count, 1);
	assert_string_equal(whole->failures[0].key, "late_order");
	assert_true(whole->failures[0].first_index >= whole->singles);
	assert_true(whole->failures[0].replay_verified);
	for (int i = 0; i < 2; i++) {
		options.shard_index = i;
		options.shard_count = 2;
		shard = support_explore(&options);
		for (int f = 0; f < shard->failure_count; f++) {
			assert_string_equal(shard->failures[f].key, "late_order");
			assert_true(shard->failures[f].first_index >=
				    shard->singles);
			found++;
		}
		support_explore_free(shard);
	}
	assert_true(found >= 1);
	support_explore_free(whole);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* --runs R cutting the shards' second passes: each shard makes its own
 * share of the plan first (runs I, I + N, ... of it), so that with the
 * room the whole second pass needs, shared out, the shards together
 * fault what the whole does (each making a prefix of its plan, they all
 * faulted the same first steps and none the last ones). */
static void test_recovery_shards_cut_by_runs_fault_different_parts(void **state)
{
	struct cli_options options;
	struct explore_stats *whole, *shard;
	uint8_t faulted[1][POINT_COUNT][FAULT_KIND_COUNT];
	uint64_t made = 0;
	(void)state;
	recovery_sale(&options);
	options.kinds = KIND_BIT(FAULT_CRASH) | KIND_BIT(FAULT_PAUSE);
	whole = support_explore(&options);
	assert_true(whole->second_runs > 5);
	options.runs = (long)(whole->singles + whole->second_runs);
	memset(faulted, 0, sizeof(faulted));
	for (int i = 0; i < 3; i++) {
		options.shard_index = i;
		options.shard_count = 3;
		shard = support_explore(&options);
		assert_true(shard->second_planned < shard->second_runs);
		assert_int_equal(shard->done, shard->planned);
		made += shard->second_planned;
		for (int p = 0; p < POINT_COUNT; p++)
			for (int k = 0; k < FAULT_KIND_COUNT; k++)
				faulted[0][p][k] |= shard->second_faulted[p][k];
		support_explore_free(shard);
	}
	assert_int_equal(made, whole->second_runs);
	assert_int_equal(second_steps_missing(whole, faulted, 1), 0);
	support_explore_free(whole);
}

/* --runs R in recovery mode with shards: the R - singles runs left after
 * the first pass are shared out as the first pass's runs are, each shard
 * cuts its second pass to its share, and every report says so. */
static void test_recovery_shards_share_what_runs_leaves(void **state)
{
	struct cli_options options;
	struct explore_stats *stats;
	uint64_t singles, planned = 0;
	char cut[256], share[512], expected[512], dir[256];
	(void)state;
	recovery_sale(&options);
	options.runs = 1;
	stats = support_explore(&options);
	singles = stats->singles;
	assert_true(singles > 20);
	assert_false(stats->second_pass);
	support_explore_free(stats);
	/* 5 runs left after the first pass: 3 for shard 1, 2 for shard 2 */
	options.runs = (long)singles + 5;
	options.shard_count = 2;
	for (int i = 0; i < 2; i++) {
		uint64_t left = i == 0 ? 3 : 2;
		options.shard_index = i;
		stats = support_explore(&options);
		assert_true(stats->second_pass);
		assert_true(stats->second_runs > left);
		assert_int_equal(stats->second_planned, left);
		assert_int_equal(stats->done, stats->planned);
		assert_int_equal(stats->planned,
				 stats->first_planned + stats->second_planned);
		assert_false(stats->stopped_by_budget);
		planned += stats->planned;
		report_cut(&options, stats, cut, sizeof(cut));
		snprintf(expected, sizeof(expected), "cut by --runs %ld: %" PRIu64
			 " of the %" PRIu64 " runs of this shard's second pass"
			 " (its share of the 5 runs left after the %" PRIu64
			 " single faults): not every fault was tried",
			 options.runs, left, stats->second_runs, singles);
		assert_string_equal(cut, expected);
		report_shard_share(&options, stats, share, sizeof(share));
		snprintf(expected, sizeof(expected), "%" PRIu64 " of the first"
			 " pass's %" PRIu64 " runs, and %" PRIu64 " of the %"
			 PRIu64 " runs of the second pass planned from them",
			 stats->first_planned, singles, left,
			 stats->second_runs);
		assert_string_equal(share, expected);
		support_explore_free(stats);
	}
	assert_int_equal(planned, (uint64_t)options.runs);
	/* --runs below the single faults: no second pass in any shard */
	options.runs = 7;
	stats = support_explore(&options);
	assert_false(stats->second_pass);
	assert_int_equal(stats->planned, 3);
	report_cut(&options, stats, cut, sizeof(cut));
	assert_non_null(strstr(cut, "cut by --runs 7: 7 of the"));
	assert_non_null(strstr(cut, "no recovery pass"));
	support_explore_free(stats);
	/* the text, the JSON, the JUnit file and the HTML report */
	assert_int_equal(support_tempdir(dir, sizeof(dir), "shard"), 0);
	assert_int_equal(support_shell(
		"f='%s' d='%s' n=%" PRIu64 " && r=$((n + 5)) &&"
		" $f explore --mode recovery --users 2 --stock 1 --kinds"
		" crash,drop-reply --runs $r --shard 2/2 --junit $d/j.xml"
		" --html $d/r.html > $d/out &&"
		" grep -q '^flashsim explore: recovery, shard 2 of 2;' $d/out &&"
		" grep -q \"^shard 2 of 2: [0-9]* of the first pass's $n runs,"
		" and 2 of the [0-9]* runs of the second pass planned from"
		" them; the counts and the coverage are this shard's$\" $d/out &&"
		" grep -q \"^cut by --runs $r: 2 of the [0-9]* runs of this"
		" shard's second pass (its share of the 5 runs left after the"
		" $n single faults)\" $d/out &&"
		" grep -q \"(this shard's: [0-9]* of the first pass's $n runs,"
		" and 2 of the\" $d/j.xml &&"
		" grep -q \"<td>shard</td><td>2 of 2: [0-9]* of the first"
		" pass[^ ]* $n runs, and 2 of the\" $d/r.html &&"
		" $f explore --mode recovery --users 2 --stock 1 --kinds"
		" crash,drop-reply --runs $r --shard 2/2 --json | python3 -c"
		" 'import json,sys; d=json.load(sys.stdin); p=d[\"passes\"];"
		" sys.exit(not (d[\"planned_all\"] is None and"
		" d[\"mode_runs\"] is None and d[\"singles\"]=='$n' and"
		" p[\"first\"][\"planned_all\"]=='$n' and"
		" p[\"second\"][\"planned\"]==2 and p[\"second\"][\"uncut\"]>2"
		" and d[\"planned\"]==p[\"first\"][\"planned\"]+2 and"
		" d[\"runs\"]==d[\"planned\"] and"
		" d[\"cut\"].startswith(\"cut by --runs '$r': 2 of the\")))'",
		flashsim, dir, singles), 0);
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
		cmocka_unit_test(test_pairs_shards_make_the_whole),
		cmocka_unit_test(test_more_shards_than_runs),
		cmocka_unit_test(test_budget_stops_starting_runs),
		cmocka_unit_test(test_shard_says_its_share),
		cmocka_unit_test(test_recovery_shards_fault_what_the_whole_faults),
		cmocka_unit_test(test_recovery_shards_find_what_the_second_pass_finds),
		cmocka_unit_test(test_recovery_shards_share_what_runs_leaves),
		cmocka_unit_test(test_recovery_shards_cut_by_runs_fault_different_parts),
		cmocka_unit_test(test_recovery_shards_list_what_they_faulted),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
