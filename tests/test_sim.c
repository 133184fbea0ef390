/*
 * test_sim.c - whole sales in the simulator, end to end, on the live
 * redis-server and real SQLite: the design's timelines, crashes at every
 * step boundary, determinism, and the verdicts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <inttypes.h>
#include <sqlite3.h>

#include "check.h"
#include "inject.h"
#include "sim.h"
#include "support.h"
#include "trace.h"
#include "tracedb.h"

static struct redis_conn *redis;
static struct tracedb *db;
static struct invariant_set invariants;

static int setup(void **state)
{
	char error[256];
	(void)state;
	redis = support_redis();
	assert_int_equal(injector_setup(), 0);
	assert_int_equal(tracedb_open(&db, NULL, error, sizeof(error)), 0);
	assert_int_equal(invariants_load(&invariants, NULL, error, sizeof(error)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	invariants_free(&invariants);
	tracedb_close(db);
	support_redis_close(redis);
	return 0;
}

struct run {
	struct sim_config config;
	struct sim_result result;
	char orders_path[512];
	int64_t run_id;
	char *timeline; /* every trace line; free() it */
	size_t timeline_size;
};

static void config_small(struct sim_config *config, int users, int64_t stock)
{
	sim_config_defaults(config);
	snprintf(config->sale.tag, sizeof(config->sale.tag), "t");
	config->users = users;
	config->stock = stock;
}

/* Runs the sale on a flushed Redis and a fresh order database; the run
 * itself must not fail. stray_order_user > 0 plants an order for that user
 * before the run (to show the checker reads the real state). */
static void run_sale_with(struct run *run, uint64_t stray_order_user)
{
	struct order_db orders;
	struct trace trace;
	char error[512];
	FILE *out;
	int rc;
	support_redis_flush(redis);
	support_orders_path(run->orders_path, sizeof(run->orders_path));
	assert_int_equal(order_db_open(&orders, run->orders_path, true), 0);
	if (stray_order_user) {
		struct sql_call call = { .activity = run->config.sale.activity,
					 .user = stray_order_user, .now_ms = 0 };
		struct outcome outcome;
		snprintf(call.gid, GID_MAX, "stray");
		assert_int_equal(order_db_create_order(&orders, &call, &outcome), 0);
	}
	out = open_memstream(&run->timeline, &run->timeline_size);
	assert_non_null(out);
	trace_init(&trace, out, true);
	{
		struct tracedb_run record = { "run", "", run->config.seed, "",
					      run->config.users, run->config.stock,
					      run->config.apps,
					      run->config.coordinators,
					      run->config.sale.activity,
					      run->config.sale.tag, "" };
		struct sim_env env = { redis, &orders, &trace, &invariants,
				       NULL, NULL, NULL };
		assert_int_equal(tracedb_begin_run(db, &record, &run->run_id), 0);
		trace_attach(&trace, db, run->run_id);
		rc = sim_run(&run->config, &env, &run->result, error,
			     sizeof(error));
		if (rc == 0)
			assert_int_equal(tracedb_end_run(db, run->run_id,
							 &run->result, ""), 0);
	}
	fclose(out);
	order_db_close(&orders);
	if (rc != 0)
		fprintf(stderr, "sim_run failed: %s\n", error);
	assert_int_equal(rc, 0);
}

static void run_sale(struct run *run)
{
	run_sale_with(run, 0);
}

static void run_done(struct run *run)
{
	free(run->timeline);
	run->timeline = NULL;
}

/* The sale of first's configuration, run by first and by second. */
static void run_twice(struct run *first, struct run *second)
{
	second->config = first->config;
	run_sale(first);
	run_sale(second);
}

/* The two runs of one sale gave the same digest and the same timeline,
 * byte for byte; both are done with. */
static void assert_same_run(struct run *first, struct run *second)
{
	assert_int_equal(first->result.digest, second->result.digest);
	assert_int_equal(first->timeline_size, second->timeline_size);
	assert_memory_equal(first->timeline, second->timeline,
			    first->timeline_size);
	run_done(first);
	run_done(second);
}

/* The virtual time of the first timeline line containing every needle,
 * or -1. */
static long long first_time_of(const struct run *run, const char *needle,
			       const char *also)
{
	const char *line = run->timeline;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t length = end ? (size_t)(end - line) : strlen(line);
		char text[600];
		snprintf(text, sizeof(text), "%.*s", (int)length, line);
		if (strstr(text, needle) && (!also || strstr(text, also)))
			return atoll(text);
		line = end ? end + 1 : NULL;
	}
	return -1;
}

static void assert_conserved(const struct sim_result *result)
{
	if (result->verdict != VERDICT_OK)
		fprintf(stderr, "verdict %s: %s\n", verdict_name(result->verdict),
			result->problem);
	assert_int_equal(result->verdict, VERDICT_OK);
	assert_int_equal(result->stock_initial - result->stock_left,
			 result->orders);
	assert_int_equal(result->txns_open, 0);
	assert_int_equal(result->due, 0);
}

/* Timeline (a): sold out -> abort, no order. */
static void test_sold_out_aborts_without_order(void **state)
{
	struct run run;
	(void)state;
	config_small(&run.config, 1, 0);
	run_sale(&run);
	assert_conserved(&run.result);
	assert_int_equal(run.result.orders, 0);
	assert_int_equal(run.result.stock_left, 0);
	assert_int_equal(run.result.told[TOLD_REJECTED], 1);
	assert_int_equal(run.result.txns[TXN_FAILED], 1);
	assert_true(first_time_of(&run, "app/deduct", "SOLD_OUT") >= 0);
	assert_true(first_time_of(&run, "coord/abort", "OK (failed)") >= 0);
	assert_int_equal(first_time_of(&run, "order/create", NULL), -1);
	run_done(&run);
}

/* Timeline (b): success -> order created, transaction succeeded. */
static void test_success_creates_the_order(void **state)
{
	struct run run;
	(void)state;
	config_small(&run.config, 1, 1);
	run_sale(&run);
	assert_conserved(&run.result);
	assert_int_equal(run.result.orders, 1);
	assert_int_equal(run.result.stock_left, 0);
	assert_int_equal(run.result.told[TOLD_SUCCESS], 1);
	assert_int_equal(run.result.txns[TXN_SUCCEEDED], 1);
	assert_int_equal(run.result.recovered, 0);
	run_done(&run);
}

/* Timeline (c): the app crashes after deducting, before submitting. After
 * timeout-to-fail the coordinator backchecks, finds the deduction, submits,
 * and the order is created. */
static void test_crash_after_deduct_is_recovered_by_backcheck(void **state)
{
	struct run run;
	char error[256];
	long long deducted_at, backcheck_at, order_at;
	(void)state;
	config_small(&run.config, 1, 1);
	assert_int_equal(fault_plan_add(&run.config.plan,
					"app/deduct/after@1:crash", error,
					sizeof(error)), 0);
	run_sale(&run);
	assert_conserved(&run.result);
	assert_int_equal(run.result.crashes, 1);
	assert_int_equal(run.result.orders, 1);
	assert_int_equal(run.result.told[TOLD_UNKNOWN], 1);
	assert_int_equal(run.result.txns[TXN_SUCCEEDED], 1);
	assert_int_equal(run.result.recovered, 1);
	deducted_at = first_time_of(&run, "app/deduct", "= OK");
	backcheck_at = first_time_of(&run, "coord/backcheck", "SUCCESS");
	order_at = first_time_of(&run, "order/create", "= OK");
	assert_true(deducted_at >= 0);
	assert_true(first_time_of(&run, "CRASH", NULL) >= deducted_at);
	assert_int_equal(first_time_of(&run, "app/submit", NULL), -1);
	assert_true(backcheck_at >= deducted_at + run.config.sale.timeout_to_fail_ms);
	assert_true(order_at > backcheck_at);
	run_done(&run);
}

/* Stock 4, one request crashes after deducting, ten more come at once:
 * exactly 4 orders after recovery. */
static void test_batch_with_a_crash_gives_exactly_the_stock(void **state)
{
	struct run run;
	char error[256];
	(void)state;
	config_small(&run.config, 11, 4);
	run.config.arrival_ms = 5;
	assert_int_equal(fault_plan_add(&run.config.plan,
					"app/deduct/after@1:crash", error,
					sizeof(error)), 0);
	run_sale(&run);
	assert_conserved(&run.result);
	assert_int_equal(run.result.crashes, 1);
	assert_int_equal(run.result.orders, 4);
	assert_int_equal(run.result.stock_left, 0);
	assert_int_equal(run.result.txns[TXN_SUCCEEDED], 4);
	assert_int_equal(run.result.txns[TXN_FAILED], 7);
	run_done(&run);
}

static void test_same_seed_same_digest(void **state)
{
	struct run first, second;
	char error[256];
	(void)state;
	config_small(&first.config, 40, 10);
	first.config.seed = 42;
	first.config.coordinators = 2;
	assert_int_equal(fault_plan_add(&first.config.plan,
					"coord/submit/after@3:crash", error,
					sizeof(error)), 0);
	run_twice(&first, &second);
	assert_conserved(&first.result);
	assert_same_run(&first, &second);
}

/* Other seeds interleave differently, and the invariant holds for each. */
static void test_other_seeds_differ_and_hold(void **state)
{
	unsigned long long first_digest = 0;
	bool differed = false;
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct run run;
		char error[256];
		config_small(&run.config, 30, 7);
		run.config.seed = seed;
		run.config.coordinators = 2;
		run.config.apps = 3;
		assert_int_equal(fault_plan_add(&run.config.plan,
						"app/deduct/after@2:crash",
						error, sizeof(error)), 0);
		run_sale(&run);
		assert_conserved(&run.result);
		assert_int_equal(run.result.orders, 7);
		if (seed == 1)
			first_digest = run.result.digest;
		else if (run.result.digest != first_digest)
			differed = true;
		run_done(&run);
	}
	assert_true(differed);
}

/* A crash of the actor at the first hit of every step boundary that a
 * fault-free run reaches, one at a time: each crash happens, and the
 * invariant holds after recovery in every case. */
static void test_a_crash_at_every_boundary_is_recovered(void **state)
{
	struct run dry;
	int tried = 0;
	(void)state;
	config_small(&dry.config, 6, 3);
	dry.config.coordinators = 2;
	run_sale(&dry);
	assert_conserved(&dry.result);
	run_done(&dry);
	for (int point = 0; point < POINT_COUNT; point++) {
		struct run run;
		struct fault fault = { point, 1, FAULT_CRASH };
		if (!point_allows(point, FAULT_CRASH) ||
		    !dry.result.active_hits[point])
			continue;
		run.config = dry.config;
		run.config.plan.faults[0] = fault;
		run.config.plan.count = 1;
		run_sale(&run);
		if (run.result.verdict != VERDICT_OK)
			fprintf(stderr, "crash at %s: %s\n", point_name(point),
				run.result.problem);
		assert_conserved(&run.result);
		assert_int_equal(run.result.crashes, 1);
		assert_int_equal(run.result.orders, 3);
		tried++;
		run_done(&run);
	}
	/* A fault-free run reaches every step but the user's, the sold-out
	 * fast path's (off), the naive variant's order call, the app's own
	 * query, the backchecks and the cron loop's recovery steps (and the
	 * order service's point inside its transaction counts too). */
	assert_true(tried >= 2 * (STEP_COUNT - 3 - 8) + 1);
}

/* The checker reads the real state: an order that no deduction matches
 * is a violation, named. */
static void test_a_stray_order_is_a_violation(void **state)
{
	struct run run;
	(void)state;
	config_small(&run.config, 3, 0);
	run_sale_with(&run, 2);
	assert_int_equal(run.result.verdict, VERDICT_VIOLATION);
	assert_int_equal(run.result.orders, 1);
	assert_non_null(strstr(run.result.problem, "conservation"));
	run_done(&run);
}

/* A run that cannot finish recovery within its bound is a liveness
 * failure, not a verdict about the invariant: here an order planted for
 * the buyer under another gid makes every delivery of the real order fail
 * (UNIQUE(activity_id, user_id)), so the transaction stays submitted. */
static void test_no_quiescence_is_a_liveness_failure(void **state)
{
	struct run run;
	(void)state;
	config_small(&run.config, 1, 1);
	run.config.recovery_bound_ms = 60000;
	run_sale_with(&run, 1);
	assert_int_equal(run.result.verdict, VERDICT_LIVENESS);
	assert_non_null(strstr(run.result.problem, "not quiescent"));
	assert_int_equal(run.result.txns[TXN_SUBMITTED], 1);
	assert_true(first_time_of(&run, "order/create", "CONFLICT") >= 0);
	run_done(&run);
}

/* A Redis command whose round trip takes longer than the client's timeout
 * (100 ms): the client gives up at the timeout with UNKNOWN, and the
 * command still runs when it reaches Redis, with nobody reading its
 * answer. At 300 ms each way it reaches Redis after the client gave up; at
 * 60 ms it runs in time, and its answer is what comes too late. */
static void test_a_redis_command_slower_than_its_timeout_runs_late(void **state)
{
	static const int64_t one_way_ms[] = { 300, 60 };
	(void)state;
	for (size_t i = 0; i < sizeof(one_way_ms) / sizeof(one_way_ms[0]); i++) {
		struct run run;
		char gave_up[128];
		long long sent_at;
		config_small(&run.config, 1, 1);
		run.config.redis_latency_ms_min = one_way_ms[i];
		run.config.redis_latency_ms_max = one_way_ms[i];
		run.config.call_timeout_ms = 5000;
		run.config.user_timeout_ms = 20000;
		run.config.recovery_bound_ms = 20000;
		run_sale(&run);
		snprintf(gave_up, sizeof(gave_up), "no answer: the client gives"
			 " up after 100 ms (the round trip takes %" PRId64
			 " ms)", 2 * one_way_ms[i]);
		sent_at = first_time_of(&run, "coord/save", gave_up);
		assert_true(sent_at >= 0);
		assert_int_equal(first_time_of(&run, "coord/save",
					       "= OK (arrived late"),
				 sent_at + one_way_ms[i]);
		assert_int_equal(first_time_of(&run, "coord/save_reply",
					       "UNKNOWN"), sent_at + 100);
		assert_int_equal(first_time_of(&run, "coord/save", "= OK (prepared)"),
				 -1);
		assert_int_equal(run.result.told[TOLD_UNKNOWN], 1);
		/* Every command times out: nothing is ever finished, and the
		 * run says so, without breaking the protocol. */
		assert_int_equal(run.result.verdict, VERDICT_LIVENESS);
		assert_int_equal(run.result.orders, 0);
		assert_int_equal(run.result.stock_left, 1);
		run_done(&run);
	}
}

/* Redis slower than the client's timeout now and then (40-70 ms each
 * way, 100 ms timeout): some commands are answered in time, some are
 * given up on; the seed decides which, so the run replays byte for byte,
 * and the protocol holds. */
static void test_slow_redis_same_seed_same_digest(void **state)
{
	struct run first, second;
	(void)state;
	config_small(&first.config, 6, 3);
	first.config.seed = 6;
	first.config.redis_latency_ms_min = 40;
	first.config.redis_latency_ms_max = 70;
	run_twice(&first, &second);
	assert_true(first_time_of(&first, "no answer: the client gives up",
				  NULL) >= 0);
	assert_true(first_time_of(&first, "(arrived late", NULL) >= 0);
	assert_true(first_time_of(&first, "coord/save", "= OK (prepared)") >= 0);
	assert_conserved(&first.result);
	assert_same_run(&first, &second);
}

/* A trace line is the one snprintf would print with the timeline's
 * format, for every shape of event, cut where snprintf would cut it. */
static void test_trace_line_is_the_printf_line(void **state)
{
	static const int64_t times[] = { 0, 7, 12345678, 123456789, -42,
					  INT64_MIN };
	static const char *const actors[] = { "", "app-1", "coord-2",
					      "user-12345", "sim" };
	static const char *const fields[] = { "", "app/deduct/after",
					      "gid-1-7",
					      "= OK (prepared) and a long tail" };
	static const size_t sizes[] = { 640, 1, 9, 31, 40 };
	char expected[640], line[640];
	(void)state;
	for (size_t t = 0; t < sizeof(times) / sizeof(times[0]); t++)
	for (size_t a = 0; a < sizeof(actors) / sizeof(actors[0]); a++)
	for (size_t f = 0; f < 4 * 4 * 4; f++)
	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		struct trace_event event = {
			times[t], actors[a], fields[f % 4], fields[f / 4 % 4],
			fields[f / 16], f % 3 ? "" : "app/prepare/before@1:crash",
			false };
		int full = snprintf(expected, sizes[z],
			"%8" PRId64 "  %-9s %s%s%s%s%s%s%s%s", event.time_ms,
			event.actor, event.step, event.step[0] ? " " : "",
			event.gid, event.gid[0] ? " " : "", event.detail,
			event.fault[0] ? "  [fault " : "", event.fault,
			event.fault[0] ? "]" : "");
		size_t length = trace_format(&event, line, sizes[z]);
		assert_string_equal(line, expected);
		assert_int_equal(length, (size_t)full < sizes[z] ?
			(size_t)full : sizes[z] - 1);
	}
}

/* The progress line and the timeline share a terminal: the progress line
 * is erased before the next timeline line is written, and at the end, so
 * that no line of the timeline starts with a piece of it; with no
 * terminal nothing is drawn. The digest does not see it. */
static void test_progress_is_cleared_before_a_timeline_line(void **state)
{
	char *both = NULL;
	size_t size = 0;
	FILE *terminal = open_memstream(&both, &size);
	struct trace trace, quiet;
	struct trace_event event = { 5, "app-1", "app/deduct", "gid-1", "= OK",
				     "", true };
	(void)state;
	assert_non_null(terminal);
	trace_init(&trace, terminal, false);
	trace.progress = terminal;
	trace_init(&quiet, NULL, false);
	trace_progress(&trace, "run: 1 ms virtual");
	trace_progress(&trace, "run: 2 ms");
	trace_event(&trace, &event);
	trace_event(&quiet, &event);
	trace_progress(&trace, "run: 3 ms");
	trace_progress_clear(&trace);
	trace_progress_clear(&trace); /* nothing shown: nothing written */
	trace_progress(&quiet, "run: 4 ms");
	fclose(terminal);
	assert_string_equal(both,
		"\rrun: 1 ms virtual\033[K\rrun: 2 ms\033[K\r\033[K"
		"       5  app-1     app/deduct gid-1 = OK\n"
		"\rrun: 3 ms\033[K\r\033[K");
	assert_int_equal(trace.digest, quiet.digest);
	free(both);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sold_out_aborts_without_order),
		cmocka_unit_test(test_success_creates_the_order),
		cmocka_unit_test(test_crash_after_deduct_is_recovered_by_backcheck),
		cmocka_unit_test(test_batch_with_a_crash_gives_exactly_the_stock),
		cmocka_unit_test(test_same_seed_same_digest),
		cmocka_unit_test(test_other_seeds_differ_and_hold),
		cmocka_unit_test(test_a_crash_at_every_boundary_is_recovered),
		cmocka_unit_test(test_a_stray_order_is_a_violation),
		cmocka_unit_test(test_no_quiescence_is_a_liveness_failure),
		cmocka_unit_test(test_a_redis_command_slower_than_its_timeout_runs_late),
		cmocka_unit_test(test_slow_redis_same_seed_same_digest),
		cmocka_unit_test(test_trace_line_is_the_printf_line),
		cmocka_unit_test(test_progress_is_cleared_before_a_timeline_line),
	};
	return cmocka_run_group_tests_name("sim", tests, setup, teardown);
}
