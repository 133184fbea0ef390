/*
 * test_bench.c - the load benchmark's driver on tiny workloads, against the
 * live redis-server and real SQLite: the machines run to the end, the
 * final state is what the protocol promises, and the check catches a state
 * that is not. Speed is never asserted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench.h"
#include "support.h"

static struct redis_conn *redis;
static char flashsim[4096];   /* the binary of the same build */

static int setup(void **state)
{
	(void)state;
	redis = support_redis();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	support_redis_close(redis);
	return 0;
}

static void config_small(struct bench_config *config, int users,
			 int64_t stock, int inflight)
{
	bench_config_defaults(config);
	support_sale(&config->sale);
	config->users = users;
	config->stock = stock;
	config->inflight = inflight;
}

/* Runs the workload on a flushed Redis and a fresh order database; the run
 * itself must not fail. stray_order_user > 0 plants an order for that user
 * first, under a gid of its own; flush_scripts makes the server forget its
 * functions and scripts, as a restart without persistence would. */
static void run_bench_full(const struct bench_config *config,
			   struct bench_result *result,
			   uint64_t stray_order_user, bool flush_scripts)
{
	struct order_db orders;
	char path[512], error[512];
	int rc;
	support_redis_flush(redis);
	if (flush_scripts)
		support_forget_scripts(redis);
	support_orders_path(path, sizeof(path));
	assert_int_equal(order_db_open(&orders, path, true), 0);
	if (stray_order_user) {
		struct sql_call call = { .activity = config->sale.activity,
					 .user = stray_order_user, .now_ms = 0 };
		struct outcome outcome;
		snprintf(call.gid, GID_MAX, "stray");
		assert_int_equal(order_db_create_order(&orders, &call, &outcome), 0);
	}
	rc = bench_run(config, redis, &orders, result, error, sizeof(error));
	order_db_close(&orders);
	if (rc != 0)
		fprintf(stderr, "bench_run failed: %s\n", error);
	assert_int_equal(rc, 0);
}

static void run_bench_with(const struct bench_config *config,
			   struct bench_result *result,
			   uint64_t stray_order_user)
{
	run_bench_full(config, result, stray_order_user, false);
}

static void assert_ok(const struct bench_result *result)
{
	if (!result->ok)
		fprintf(stderr, "check failed: %s\n", result->problem);
	assert_true(result->ok);
	assert_int_equal(result->due, 0);
	assert_int_equal(result->told[TOLD_UNKNOWN], 0);
	assert_int_equal(result->stock_initial - result->stock_left,
			 result->orders);
}

/* 200 users for 20 units, 50 at a time: 20 orders through the coordinator
 * and the order service, 180 rejections. With no fault a buyer costs four
 * script calls (prepare, deduct, submit, branch_done) and one SQL
 * transaction, a rejected user three (prepare, deduct, abort). */
static void test_twenty_of_two_hundred_buy(void **state)
{
	struct bench_config config;
	struct bench_result result;
	(void)state;
	config_small(&config, 200, 20, 50);
	run_bench_with(&config, &result, 0);
	assert_ok(&result);
	assert_int_equal(result.orders, 20);
	assert_int_equal(result.stock_left, 0);
	assert_int_equal(result.told[TOLD_SUCCESS], 20);
	assert_int_equal(result.told[TOLD_REJECTED], 180);
	assert_int_equal(result.redis_commands, 20 * 4 + 180 * 3);
	assert_int_equal(result.sql_transactions, 20);
	assert_true(result.wire_max <= 50 * 2);
	assert_true(result.latency_ms_p50 <= result.latency_ms_p99);
	assert_true(result.latency_ms_p99 <= result.latency_ms_max);
	assert_true(result.wall_s > 0);
	assert_true(result.orders_wall_s > 0);
	assert_true(result.orders_wall_s <= result.wall_s);
}

/* More in flight than users, and stock left over: every user buys. */
static void test_all_buy_when_stock_is_plenty(void **state)
{
	struct bench_config config;
	struct bench_result result;
	(void)state;
	config_small(&config, 30, 100, 1000);
	run_bench_with(&config, &result, 0);
	assert_ok(&result);
	assert_int_equal(result.orders, 30);
	assert_int_equal(result.stock_left, 70);
	assert_int_equal(result.told[TOLD_SUCCESS], 30);
}

/* One request at a time: the loop still finishes every task. */
static void test_one_in_flight(void **state)
{
	struct bench_config config;
	struct bench_result result;
	(void)state;
	config_small(&config, 5, 2, 1);
	run_bench_with(&config, &result, 0);
	assert_ok(&result);
	assert_int_equal(result.orders, 2);
	assert_int_equal(result.told[TOLD_REJECTED], 3);
	assert_true(result.wire_max <= 2); /* a request, and the last one's branch_done */
}

/* A server that lost its functions (and scripts) answers the first
 * pipelined calls that the function is not found; each runs again once
 * every call on the wire is answered, and the sale ends as it would
 * have. */
static void test_calls_that_meet_noscript_run_again(void **state)
{
	struct bench_config config;
	struct bench_result result;
	(void)state;
	config_small(&config, 30, 10, 50);
	run_bench_full(&config, &result, 0, true);
	assert_ok(&result);
	assert_int_equal(result.orders, 10);
	assert_int_equal(result.told[TOLD_SUCCESS], 10);
	assert_int_equal(result.told[TOLD_REJECTED], 20);
	assert_true(result.rerun >= 30); /* every user's prepare */
}

/* The design's benchmark: stock 0, everyone rejected, nothing ordered. */
static void test_sold_out_rejects_everyone(void **state)
{
	struct bench_config config;
	struct bench_result result;
	(void)state;
	config_small(&config, 100, 0, 16);
	run_bench_with(&config, &result, 0);
	assert_ok(&result);
	assert_int_equal(result.orders, 0);
	assert_int_equal(result.told[TOLD_REJECTED], 100);
	assert_int_equal(result.redis_commands, 100 * 3);
	assert_int_equal(result.sql_transactions, 0);
	assert_true(result.orders_wall_s == 0);
}

/* The check reads the real state: an order planted for a buyer under
 * another gid makes that buyer's own order fail (UNIQUE(activity_id,
 * user_id)), so its transaction stays submitted in the due set. */
static void test_a_stray_order_of_a_buyer_fails_the_check(void **state)
{
	struct bench_config config;
	struct bench_result result;
	(void)state;
	config_small(&config, 1, 1, 1);
	run_bench_with(&config, &result, 1);
	assert_false(result.ok);
	assert_int_equal(result.due, 1);
	assert_non_null(strstr(result.problem, "open"));
}

/* ... and an order planted for a user who did not buy breaks
 * conservation. */
static void test_a_stray_order_of_another_user_fails_the_check(void **state)
{
	struct bench_config config;
	struct bench_result result;
	(void)state;
	config_small(&config, 3, 1, 4);
	run_bench_with(&config, &result, 1000);
	assert_false(result.ok);
	assert_int_equal(result.orders, 2);
	assert_non_null(strstr(result.problem, "stock deducted != orders"));
}

/* Each check of bench_judge, on counts that break only that one. */
static void test_judge_names_the_broken_check(void **state)
{
	struct bench_result good, bad;
	(void)state;
	memset(&good, 0, sizeof(good));
	good.users = 10;
	good.stock_initial = 4;
	good.orders = 4;
	good.told[TOLD_SUCCESS] = 4;
	good.told[TOLD_REJECTED] = 6;
	bench_judge(&good);
	assert_true(good.ok);
	assert_string_equal(good.problem, "");

	bad = good;
	bad.stock_left = -1;
	bad.orders = 5;
	bench_judge(&bad);
	assert_false(bad.ok);
	assert_non_null(strstr(bad.problem, "oversold"));

	bad = good;
	bad.told[TOLD_SUCCESS] = 3;
	bad.told[TOLD_UNKNOWN] = 1;
	bench_judge(&bad);
	assert_non_null(strstr(bad.problem, "told success != orders"));

	bad = good;
	bad.told[TOLD_REJECTED] = 5;
	bad.told[TOLD_UNKNOWN] = 1;
	bench_judge(&bad);
	assert_non_null(strstr(bad.problem, "unknown"));

	bad = good;
	bad.stock_left = 1;
	bad.orders = 3;
	bad.told[TOLD_SUCCESS] = 3;
	bench_judge(&bad);
	assert_non_null(strstr(bad.problem, "min(stock, users)"));
}

/* ---- the reject target, judged on alternating rounds ------------------ */

static void reference_at(struct bench_reference *ref, double rate)
{
	memset(ref, 0, sizeof(*ref));
	ref->measured = rate > 0;
	ref->requests_per_s = rate;
}

/* A table of rounds reject rounds: references[0..rounds] are the EVALSHA
 * runs around them, rejects[] the rounds' rates (users per second). */
static void rounds_table(struct bench_table *table, int rounds,
			 const double *references, const double *rejects)
{
	memset(table, 0, sizeof(*table));
	table->reference = true;
	table->rounds = rounds;
	for (int r = 0; r <= rounds; r++)
		reference_at(&table->beside_reject[r], references[r]);
	for (int r = 0; r < rounds; r++) {
		table->reject_rounds[r].name = "reject";
		table->reject_rounds[r].result.users = 300000;
		table->reject_rounds[r].result.redis_commands = 3 * 300000;
		table->reject_rounds[r].result.wall_s = 300000 / rejects[r];
		table->reject_rounds[r].result.ok = true;
	}
	table->rows[0] = table->reject_rounds[bench_median_round(table)];
	table->row_count = 1;
}

/* Checks that the table as printed contains each of the texts wanted. */
static void assert_printed(const struct bench_table *table,
			   const char *const *wanted, size_t count)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	bench_table_print(out, table);
	assert_int_equal(fclose(out), 0);
	for (size_t i = 0; i < count; i++)
		if (!strstr(text, wanted[i]))
			fail_msg("the table lacks \"%s\":\n%s", wanted[i], text);
	free(text);
}

/* Builds the table of three rounds, checks which round is the median and
 * what the table says. */
static void assert_three_rounds(const double references[4],
				const double rejects[3], int median,
				const char *const *wanted, size_t count)
{
	static struct bench_table table;
	rounds_table(&table, 3, references, rejects);
	assert_int_equal(bench_median_round(&table), median);
	assert_printed(&table, wanted, count);
}

/* Each round counts against the higher of the two references next to it,
 * and the verdict is the median round's: here 0.92x, 0.94x and 1.03x, so
 * the median is 0.94x (round 2), whatever the highest reference. */
static void test_reject_target_is_the_median_round(void **state)
{
	static const double references[] = { 60000, 50000, 70000, 65000 };
	static const double rejects[] = { 55000, 66000, 72000 };
	static const char *const wanted[] = {
		"full protocol: NOT met\n(0.94x the references beside it,"
		" median round; 0.94x the highest",
		"median: round 2, 0.94x",
	};
	(void)state;
	assert_three_rounds(references, rejects, 1, wanted, 2);
}

/* A slow moment for the reference in one round does not decide alone:
 * 1.10x, 1.02x and 0.80x give 1.02x. */
static void test_one_noisy_round_does_not_decide(void **state)
{
	static const double references[] = { 50000, 50000, 60000, 75000 };
	static const double rejects[] = { 55000, 61000, 60000 };
	static const char *const wanted[] = { "full protocol: met\n(1.02x" };
	(void)state;
	assert_three_rounds(references, rejects, 1, wanted, 1);
}

/* A ratio that two digits would round onto the goal it misses is printed
 * with three: "NOT met (1.00x)" read as a contradiction (0.997x). */
static void test_a_near_miss_is_not_rounded_onto_the_goal(void **state)
{
	static const double references[] = { 56625, 62775, 46030, 56705 };
	static const double rejects[] = { 62594, 47746, 58312 };
	static const char *const wanted[] = {
		"full protocol: NOT met\n(0.997x the references beside it,"
		" median round; 0.997x the highest",
	};
	(void)state;
	assert_three_rounds(references, rejects, 0, wanted, 1);
}

/* A miss within half a thousandth of the goal is cut, not rounded onto
 * it: 0.9996x is "0.999x", never "1.000x". */
static void test_a_miss_is_cut_not_rounded(void **state)
{
	static const double references[] = { 100000, 100000, 100000, 100000 };
	static const double rejects[] = { 99960, 99000, 99990 };
	static const char *const wanted[] = {
		"full protocol: NOT met\n(0.999x the references beside it",
	};
	(void)state;
	assert_three_rounds(references, rejects, 0, wanted, 1);
}

/* When redis-benchmark could not measure the references beside the
 * rounds, the target is not judged rather than failed at 0.00x. */
static void test_rounds_without_their_references_are_not_judged(void **state)
{
	static const double references[] = { 0, 0, 0, 0 };
	static const double rejects[] = { 55000, 61000, 60000 };
	static const char *const wanted[] = {
		"full protocol: not judged (the references\nbeside the rounds"
		" were not measured; 0.92x the highest",
	};
	static struct bench_table table;
	(void)state;
	rounds_table(&table, 3, references, rejects);
	reference_at(&table.refs[BENCH_REF_EVALSHA], 66000);
	assert_printed(&table, wanted, 1);
}

/* A round whose check failed is named in the table even when another
 * round is the median (the bench then exits 1). */
static void test_a_failed_round_is_named(void **state)
{
	static const double references[] = { 60000, 50000, 70000, 65000 };
	static const double rejects[] = { 55000, 66000, 72000 };
	static const char *const wanted[] = {
		"reject, round 3 of 3: check FAILED: oversold",
	};
	static struct bench_table table;
	(void)state;
	rounds_table(&table, 3, references, rejects);
	table.reject_rounds[2].result.ok = false;
	snprintf(table.reject_rounds[2].result.problem,
		 sizeof(table.reject_rounds[2].result.problem), "oversold");
	assert_printed(&table, wanted, 1);
}

/* How far the target is within reach: three calls a request at the
 * pipelined deduction's rate (-P 16), against the references beside the
 * median round (here round 2, beside 50,000 and 70,000/s): 160,000 / 3
 * / 70,000 is 0.76x, 450,000 / 3 / 70,000 is 2.14x. Not said when the
 * pipelined reference was not measured. */
static void test_the_target_says_whether_three_calls_can_reach_it(void **state)
{
	static const double references[] = { 60000, 50000, 70000, 65000 };
	static const double rejects[] = { 55000, 66000, 72000 };
	static const char *const out_of_reach[] = {
		"(on this server, 3.00 script calls a request, each as cheap for"
		" Redis as the\nbare deduction pipelined (-P 16), would make"
		" about 0.76x: the target is out of reach)",
	};
	static const char *const within_reach[] = {
		"would make about 2.14x)",
	};
	static struct bench_table table;
	char *text = NULL;
	size_t size = 0;
	FILE *out;
	(void)state;
	rounds_table(&table, 3, references, rejects);
	reference_at(&table.refs[BENCH_REF_EVALSHA_P16], 160000);
	assert_printed(&table, out_of_reach, 1);
	reference_at(&table.refs_after[BENCH_REF_EVALSHA_P16], 450000);
	assert_printed(&table, within_reach, 1);
	reference_at(&table.refs[BENCH_REF_EVALSHA_P16], 0);
	reference_at(&table.refs_after[BENCH_REF_EVALSHA_P16], 0);
	out = open_memstream(&text, &size);
	assert_non_null(out);
	bench_table_print(out, &table);
	assert_int_equal(fclose(out), 0);
	assert_null(strstr(text, "script calls a request"));
	free(text);
}

/* With an even count the lower of the two middle rounds decides. */
static void test_even_rounds_take_the_lower_middle(void **state)
{
	static const double references[] = { 50000, 50000, 50000 };
	static const double rejects[] = { 52000, 48000 };
	static struct bench_table table;
	(void)state;
	rounds_table(&table, 2, references, rejects);
	assert_int_equal(bench_median_round(&table), 1);
}

/* --json: the same figures and verdict as the table, as one JSON object
 * that a JSON parser takes; here the table of three rounds above (the
 * median round 2 at 0.94x: not met), and a whole bench of the command
 * without references, whose targets are not judged (null). */
static void test_json_has_the_tables_figures(void **state)
{
	static const double references[] = { 60000, 50000, 70000, 65000 };
	static const double rejects[] = { 55000, 66000, 72000 };
	static struct bench_table table;
	char dir[256], path[300];
	FILE *out;
	(void)state;
	rounds_table(&table, 3, references, rejects);
	assert_int_equal(support_tempdir(dir, sizeof(dir), "bench-json"), 0);
	snprintf(path, sizeof(path), "%s/rounds.json", dir);
	out = fopen(path, "w");
	assert_non_null(out);
	bench_table_json(out, &table);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(support_shell(
		"python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		" t=d[\"targets\"][\"full_protocol\"];"
		" r=d[\"reject_rounds\"];"
		" sys.exit(not (t[\"ratio\"]==0.943 and t[\"met\"] is False"
		" and [x[\"median\"] for x in r]==[False,True,False] and"
		" r[1][\"reference_after\"]==70000 and t[\"reach\"] is None and"
		" d[\"workloads\"][0][\"requests_per_s\"]==66000 and"
		" d[\"checks_ok\"]))' %s", path), 0);
	assert_int_equal(support_shell(
		"%s bench --workload reject --workload buy --users 300"
		" --no-reference --out %s/t.txt --json %s/b.json >/dev/null"
		" 2>&1 && python3 -c 'import json,sys;"
		" d=json.load(open(sys.argv[1])); w=d[\"workloads\"];"
		" sys.exit(not ([x[\"name\"] for x in w]==[\"reject\",\"buy\"]"
		" and w[1][\"orders\"]==300 and w[0][\"calls_per_request\"]==3"
		" and all(x[\"check\"] for x in w) and d[\"checks_ok\"] and"
		" d[\"references\"] is None and"
		" d[\"targets\"][\"full_protocol\"] is None))' %s/b.json",
		flashsim, dir, dir, dir), 0);
	assert_int_equal(support_tempdir_remove(dir), 0);
}

/* tools/redis_call_costs.py (make bench-calls) runs on a server of its
 * own, prints its table and its floor (tests/call_costs_table.py checks
 * that the figures add up and the verdict is theirs), writes the same to
 * --out, and leaves no server and no server directory behind. A server
 * that cannot start or has no functions, a program that is not one, a
 * TMPDIR that is not there and an --out it cannot write are said before
 * anything is measured. Its figures are not judged here: a
 * benchmark, not a test. */
static void test_call_costs_tool_says_its_floor(void **state)
{
	static const struct {
		const char *env, *out, *said;
		int exit_code;
	} refused[] = {
		{ "FLASHSIM_REDIS_SERVER=/bin/false", "", "redis-server exited"
		  " at start (exit status 1)", 1 },
		{ "FLASHSIM_REDIS_SERVER=tests/redis-without-functions.sh", "",
		  "this redis-server has no functions", 1 },
		{ "FLASHSIM_REDIS_SERVER=/nonexistent", "", "FLASHSIM_REDIS_SERVER"
		  "=/nonexistent is not an executable file", 1 },
		{ "FLASHSIM_REDIS_BENCHMARK=tests", "", "FLASHSIM_REDIS_BENCHMARK"
		  "=tests is not an executable file", 1 },
		{ "", " --out /nonexistent/cc.txt", "cannot write"
		  " /nonexistent/cc.txt", 2 },
		{ "", " --out tests", "not a regular file", 2 },
		{ "TMPDIR=/nonexistent", "", "cannot make a directory in"
		  " /nonexistent", 1 },
	};
	char dir[256];
	(void)state;
	assert_int_equal(support_tempdir(dir, sizeof(dir), "call-costs"), 0);
	assert_int_equal(support_shell(
		"TMPDIR=%s python3 tools/redis_call_costs.py --rounds 1"
		" --calls 20000 --out %s/cc.txt 2>/dev/null >%s/stdout.txt &&"
		" cmp -s %s/cc.txt %s/stdout.txt &&"
		" python3 tests/call_costs_table.py %s/cc.txt &&"
		" test -z \"$(ls -d %s/flashsim-call-costs-* 2>/dev/null)\" &&"
		" ! pgrep -f '[u]nixsocket:%s/'", dir, dir, dir, dir, dir, dir,
		dir, dir), 0);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (support_shell(
			"TMPDIR=%s %s python3 tools/redis_call_costs.py --rounds 1"
			" --calls 20000%s 2>%s/err.txt >/dev/null; test $? -eq %d"
			" && grep -qF '%s' %s/err.txt && test -z \"$(ls -d"
			" %s/flashsim-call-costs-* 2>/dev/null)\" && ! pgrep -f"
			" '[u]nixsocket:%s/'", dir, refused[i].env,
			refused[i].out, dir, refused[i].exit_code,
			refused[i].said, dir, dir, dir) != 0)
			fail_msg("%s%s: not refused with '%s'", refused[i].env,
				 refused[i].out, refused[i].said);
	}
	assert_int_equal(support_tempdir_remove(dir), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_twenty_of_two_hundred_buy),
		cmocka_unit_test(test_all_buy_when_stock_is_plenty),
		cmocka_unit_test(test_one_in_flight),
		cmocka_unit_test(test_calls_that_meet_noscript_run_again),
		cmocka_unit_test(test_sold_out_rejects_everyone),
		cmocka_unit_test(test_a_stray_order_of_a_buyer_fails_the_check),
		cmocka_unit_test(test_a_stray_order_of_another_user_fails_the_check),
		cmocka_unit_test(test_judge_names_the_broken_check),
		cmocka_unit_test(test_reject_target_is_the_median_round),
		cmocka_unit_test(test_one_noisy_round_does_not_decide),
		cmocka_unit_test(test_a_near_miss_is_not_rounded_onto_the_goal),
		cmocka_unit_test(test_a_miss_is_cut_not_rounded),
		cmocka_unit_test(test_the_target_says_whether_three_calls_can_reach_it),
		cmocka_unit_test(test_even_rounds_take_the_lower_middle),
		cmocka_unit_test(test_rounds_without_their_references_are_not_judged),
		cmocka_unit_test(test_a_failed_round_is_named),
		cmocka_unit_test(test_json_has_the_tables_figures),
		cmocka_unit_test(test_call_costs_tool_says_its_floor),
	};
	(void)argc;
	support_flashsim(argv[0], flashsim, sizeof(flashsim));
	return cmocka_run_group_tests_name("bench", tests, setup, teardown);
}
