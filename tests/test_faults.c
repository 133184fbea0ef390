/*
 * test_faults.c - every fault kind reaches the point it names and does
 * what it says, on the live Redis and SQLite; a Redis crash without
 * persistence is a violation; a failing run replays exactly.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "runner.h"
#include "tracedb.h"

struct outcome_run {
	struct sim_result result;
	char replay[4096];
	char *timeline;
	size_t size;
};

/* Runs the sale of config on a runner of its own (its own redis-server,
 * with that persistence), with the whole timeline. */
static void run_config(struct outcome_run *run, const struct sim_config *config,
		       enum redis_persistence persistence)
{
	struct runner_options options = { .program = "flashsim",
					  .persistence = persistence,
					  .timeline_all = true };
	struct runner runner;
	char error[512];
	int64_t run_id;
	FILE *out = open_memstream(&run->timeline, &run->size);
	assert_non_null(out);
	options.timeline = out;
	if (runner_open(&runner, &options, error, sizeof(error)) != 0)
		fail_msg("runner: %s", error);
	if (runner_run(&runner, config, "run", &run->result, &run_id,
		       run->replay, sizeof(run->replay), error, sizeof(error)))
		fail_msg("run: %s", error);
	runner_close(&runner);
	fclose(out);
}

/* Runs a sale of `users` users and `stock` units with the given faults on
 * a runner of its own (its own redis-server, with that persistence). */
static void run_with(struct outcome_run *run, int users, int64_t stock,
		     enum redis_persistence persistence, const char *faults[],
		     int fault_count)
{
	struct sim_config config;
	char error[512];
	sim_config_defaults(&config);
	config.users = users;
	config.stock = stock;
	config.coordinators = 2;
	for (int i = 0; i < fault_count; i++)
		if (fault_plan_add(&config.plan, faults[i], error, sizeof(error)))
			fail_msg("%s", error);
	run_config(run, &config, persistence);
}

static void run_one(struct outcome_run *run, const char *fault)
{
	const char *faults[] = { fault };
	run_with(run, 3, 2, REDIS_PERSISTENCE_AOF, faults, 1);
}

static bool has_line(const struct outcome_run *run, const char *a,
		     const char *b)
{
	const char *line = run->timeline;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t length = end ? (size_t)(end - line) : strlen(line);
		char text[700];
		snprintf(text, sizeof(text), "%.*s", (int)length, line);
		if (strstr(text, a) && (!b || strstr(text, b)))
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

/* The fault fired where it was asked, and only there. */
static void assert_fired(const struct outcome_run *run, const char *fault)
{
	char text[96];
	assert_int_equal(run->result.fired.count, 1);
	fault_format(&run->result.fired.faults[0], text, sizeof(text));
	assert_string_equal(text, fault);
	assert_true(has_line(run, "[fault ", fault));
	if (run->result.verdict != VERDICT_OK)
		fprintf(stderr, "%s: %s\n", fault, run->result.problem);
	assert_int_equal(run->result.verdict, VERDICT_OK);
}

static void test_crash_crashes_the_actor(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "coord/submit/before@1:crash");
	assert_fired(&run, "coord/submit/before@1:crash");
	assert_int_equal(run.result.crashes, 1);
	assert_true(has_line(&run, "coord-", "CRASH"));
	assert_true(has_line(&run, "coord-", "RESTART"));
	free(run.timeline);
}

static void test_crash_before_commit_rolls_back(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "order/create/before_commit@1:crash");
	assert_fired(&run, "order/create/before_commit@1:crash");
	assert_true(has_line(&run, "order-1", "rolled back by the crash"));
	assert_true(has_line(&run, "order-1", "CRASH"));
	/* The order comes later, from the coordinator's next delivery. */
	assert_int_equal(run.result.orders, 2);
	free(run.timeline);
}

static void test_pause_stalls_past_the_backcheck(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "app/deduct/before@1:pause");
	assert_fired(&run, "app/deduct/before@1:pause");
	/* The coordinator backchecked the stalled transaction meanwhile. */
	assert_true(has_line(&run, "coord/backcheck", "FAILURE"));
	free(run.timeline);
}

static void test_drop_request_loses_it(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "net/prepare/request@1:drop-request");
	assert_fired(&run, "net/prepare/request@1:drop-request");
	assert_true(has_line(&run, "prepare request lost on the network", NULL));
	assert_true(has_line(&run, "app/prepare", "<- timeout"));
	free(run.timeline);
}

static void test_drop_reply_loses_it_after_the_work(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "net/createOrder/reply@1:drop-reply");
	assert_fired(&run, "net/createOrder/reply@1:drop-reply");
	assert_true(has_line(&run, "createOrder reply lost on the network", NULL));
	/* Delivered again by the cron loop; the barrier keeps one order. */
	assert_true(has_line(&run, "coord/deliver", "<- OK/OK"));
	assert_int_equal(run.result.orders, 2);
	free(run.timeline);
}

static void test_duplicate_delivers_twice(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "net/createOrder/request@1:duplicate");
	assert_fired(&run, "net/createOrder/request@1:duplicate");
	assert_true(has_line(&run, "caller no longer waits", NULL));
	/* the second delivery found the barrier row: the trace says so */
	assert_true(has_line(&run, "order/create", "= OK (delivered before:"
			     " no order inserted)"));
	assert_int_equal(run.result.orders, 2);
	free(run.timeline);
}

static void test_delay_arrives_after_the_timeout(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "net/submit/reply@1:delay");
	assert_fired(&run, "net/submit/reply@1:delay");
	assert_true(has_line(&run, "app/submit", "<- timeout"));
	assert_true(has_line(&run, "submit reply: caller no longer waits", NULL));
	free(run.timeline);
}

static void test_delayed_redis_command_arrives_late(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "app/deduct/before@1:delay");
	assert_fired(&run, "app/deduct/before@1:delay");
	assert_true(has_line(&run, "app/query", "FAILURE"));
	assert_true(has_line(&run, "app/deduct", "arrived late"));
	/* The rollback marker turns the late deduction into DUPLICATE. */
	assert_true(has_line(&run, "DUPLICATE (arrived late", NULL));
	free(run.timeline);
}

static void test_redis_request_lost_never_runs(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "coord/save/before@1:redis-request-lost");
	assert_fired(&run, "coord/save/before@1:redis-request-lost");
	/* The save never ran: the coordinator's Redis client gave up and
	 * answered UNKNOWN; the app told its user "unknown" and never
	 * deducted; no transaction exists for it. */
	assert_true(has_line(&run, "coord/save", "the client gives up"));
	assert_true(has_line(&run, "app/prepare", "<- UNKNOWN"));
	assert_int_equal(run.result.txns[TXN_NONE], 1);
	assert_true(run.result.told[TOLD_UNKNOWN] >= 1);
	free(run.timeline);
}

static void test_redis_reply_lost_after_running(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "app/deduct/after@1:redis-reply-lost");
	assert_fired(&run, "app/deduct/after@1:redis-reply-lost");
	/* The deduction ran; the app did not hear it and asked itself. */
	assert_true(has_line(&run, "app/deduct", "= OK"));
	assert_true(has_line(&run, "app/query", "SUCCESS"));
	free(run.timeline);
}

static void test_redis_crash_with_aof_keeps_the_state(void **state)
{
	struct outcome_run run;
	(void)state;
	run_one(&run, "app/deduct/after@1:redis-crash");
	assert_fired(&run, "app/deduct/after@1:redis-crash");
	assert_int_equal(run.result.redis_crashes, 1);
	assert_true(has_line(&run, "redis", "RESTART: redis-server is back"));
	assert_int_equal(run.result.orders, 2);
	free(run.timeline);
}

/* Without persistence the restarted Redis has forgotten the stock, the
 * barriers and the transactions, while the orders stay: a violation the
 * checker must report. */
static void test_redis_crash_without_persistence_is_a_violation(void **state)
{
	struct outcome_run run;
	const char *faults[] = { "app/deduct/after@2:redis-crash" };
	(void)state;
	run_with(&run, 3, 2, REDIS_PERSISTENCE_NONE, faults, 1);
	assert_int_equal(run.result.redis_crashes, 1);
	assert_int_equal(run.result.verdict, VERDICT_VIOLATION);
	assert_non_null(strstr(run.result.problem, "conservation"));
	assert_non_null(strstr(run.replay, "--redis-persistence none"));
	free(run.timeline);
}

/* A failing run, replayed from its printed command's faults, gives the
 * same trace, byte for byte. */
static void test_failing_run_replays_exactly(void **state)
{
	struct outcome_run first, second;
	const char *faults[] = { "app/deduct/after@1:redis-crash",
				 "net/buy/reply@2:drop-reply" };
	(void)state;
	run_with(&first, 4, 2, REDIS_PERSISTENCE_NONE, faults, 2);
	run_with(&second, 4, 2, REDIS_PERSISTENCE_NONE, faults, 2);
	assert_int_equal(first.result.verdict, VERDICT_VIOLATION);
	assert_int_equal(first.result.digest, second.result.digest);
	assert_string_equal(first.replay, second.replay);
	assert_int_equal(first.size, second.size);
	assert_memory_equal(first.timeline, second.timeline, first.size);
	free(first.timeline);
	free(second.timeline);
}

static int64_t count_rows(struct runner *runner, const char *sql)
{
	sqlite3_stmt *stmt;
	int64_t count = -1;
	if (sqlite3_prepare_v2(tracedb_sqlite(runner->db), sql, -1, &stmt,
			       NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(tracedb_sqlite(runner->db)));
	if (sqlite3_step(stmt) == SQLITE_ROW)
		count = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return count;
}

/* A run not kept (no run id: the explorer's) is checked like any other
 * and has the same digest, but leaves nothing in the trace database; the
 * checker still works for the runs after it. */
/* A sale whose random faults would fill the record of fired faults
 * before the plan's fault is due (300 users, seed 67: 32 random faults
 * by then): the plan's fault fires all the same, is in the record and in
 * the replay, and nothing is left unfired. */
static void test_random_faults_leave_room_for_the_plan(void **state)
{
	struct outcome_run run;
	struct sim_config config;
	char error[512], text[96];
	bool recorded = false;
	(void)state;
	sim_config_defaults(&config);
	config.users = 300;
	config.stock = 50;
	config.seed = 67;
	config.random_faults = true;
	if (fault_plan_add(&config.plan, "order/create/after@30:crash", error,
			   sizeof(error)))
		fail_msg("%s", error);
	run_config(&run, &config, REDIS_PERSISTENCE_AOF);
	assert_int_equal(run.result.not_fired.count, 0);
	assert_true(run.result.fired.count <= PLAN_FAULTS_MAX);
	for (int i = 0; i < run.result.fired.count; i++) {
		fault_format(&run.result.fired.faults[i], text, sizeof(text));
		recorded |= strcmp(text, "order/create/after@30:crash") == 0;
	}
	assert_true(recorded);
	assert_non_null(strstr(run.replay,
			       "--fault order/create/after@30:crash"));
	assert_true(has_line(&run, "[fault order/create/after@30:crash]",
			     NULL));
	free(run.timeline);
}

static void test_a_run_not_kept_leaves_nothing(void **state)
{
	struct runner_options options = {
		.program = "flashsim", .persistence = REDIS_PERSISTENCE_NONE };
	struct runner runner;
	struct sim_config failing, passing;
	struct sim_result unkept, kept, after;
	char replay[4096], error[512];
	int64_t run_id;
	(void)state;
	sim_config_defaults(&failing);
	failing.users = 3;
	failing.stock = 2;
	if (fault_plan_add(&failing.plan, "app/deduct/after@2:redis-crash",
			   error, sizeof(error)))
		fail_msg("%s", error);
	passing = failing;
	passing.plan.count = 0;
	if (runner_open(&runner, &options, error, sizeof(error)) != 0)
		fail_msg("runner: %s", error);
	for (int i = 0; i < 2; i++)
		if (runner_run(&runner, &failing, "explore", &unkept, NULL,
			       replay, sizeof(replay), error, sizeof(error)))
			fail_msg("run: %s", error);
	assert_int_equal(unkept.verdict, VERDICT_VIOLATION);
	assert_int_equal(count_rows(&runner, "SELECT count(*) FROM runs"), 0);
	assert_int_equal(count_rows(&runner, "SELECT count(*) FROM events"), 0);
	assert_int_equal(count_rows(&runner,
				    "SELECT count(*) FROM violations"), 0);
	if (runner_run(&runner, &failing, "explore", &kept, &run_id, replay,
		       sizeof(replay), error, sizeof(error)))
		fail_msg("run: %s", error);
	assert_int_equal(kept.verdict, VERDICT_VIOLATION);
	assert_int_equal(kept.digest, unkept.digest);
	assert_int_equal(count_rows(&runner, "SELECT count(*) FROM runs"), 1);
	assert_true(count_rows(&runner, "SELECT count(*) FROM events") > 0);
	assert_true(count_rows(&runner,
			       "SELECT count(*) FROM violations") > 0);
	if (runner_run(&runner, &passing, "explore", &after, NULL, replay,
		       sizeof(replay), error, sizeof(error)))
		fail_msg("run: %s", error);
	assert_int_equal(after.verdict, VERDICT_OK);
	assert_int_equal(count_rows(&runner, "SELECT count(*) FROM runs"), 1);
	runner_close(&runner);
}

/* A private redis-server that dies on its own (here of SIGSEGV, as from
 * a bug of its own) is named as the cause of the internal error, with the
 * line of its crash report that says what killed it: the lost connection
 * alone ("Connection reset by peer") said nothing of why. */
static void test_a_dead_server_is_named_with_its_log(void **state)
{
	struct runner_options options = {
		.program = "flashsim", .persistence = REDIS_PERSISTENCE_AOF };
	struct runner runner;
	struct sim_config config;
	struct sim_result result;
	char replay[4096], error[1024], dir[sizeof(runner.server.dir)];
	(void)state;
	sim_config_defaults(&config);
	config.users = 2;
	config.stock = 1;
	if (runner_open(&runner, &options, error, sizeof(error)) != 0)
		fail_msg("runner: %s", error);
	if (runner_run(&runner, &config, "run", &result, NULL, replay,
		       sizeof(replay), error, sizeof(error)))
		fail_msg("run: %s", error);
	assert_int_equal(result.verdict, VERDICT_OK);
	assert_true(runner.server.pid > 0);
	assert_int_equal(kill(runner.server.pid, SIGSEGV), 0);
	assert_int_equal(runner_run(&runner, &config, "run", &result, NULL,
				    replay, sizeof(replay), error,
				    sizeof(error)), EXIT_INTERNAL);
	if (!strstr(error, "redis-server died during the run (signal 11") ||
	    !strstr(error, "crashed by signal: 11"))
		fail_msg("error: %s", error);
	assert_int_equal(runner.server.pid, 0); /* reaped */
	snprintf(dir, sizeof(dir), "%s", runner.server.dir);
	assert_true(dir[0] != '\0');
	runner_close(&runner);
	/* stopped all the same: its directory is gone (it was left, and the
	 * server left tracked, with a pointer to the runner, for exit) */
	assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_crashes_the_actor),
		cmocka_unit_test(test_crash_before_commit_rolls_back),
		cmocka_unit_test(test_pause_stalls_past_the_backcheck),
		cmocka_unit_test(test_drop_request_loses_it),
		cmocka_unit_test(test_drop_reply_loses_it_after_the_work),
		cmocka_unit_test(test_duplicate_delivers_twice),
		cmocka_unit_test(test_delay_arrives_after_the_timeout),
		cmocka_unit_test(test_delayed_redis_command_arrives_late),
		cmocka_unit_test(test_redis_request_lost_never_runs),
		cmocka_unit_test(test_redis_reply_lost_after_running),
		cmocka_unit_test(test_redis_crash_with_aof_keeps_the_state),
		cmocka_unit_test(test_redis_crash_without_persistence_is_a_violation),
		cmocka_unit_test(test_failing_run_replays_exactly),
		cmocka_unit_test(test_random_faults_leave_room_for_the_plan),
		cmocka_unit_test(test_a_run_not_kept_leaves_nothing),
		cmocka_unit_test(test_a_dead_server_is_named_with_its_log),
	};
	return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
