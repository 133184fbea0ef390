/*
 * test_invariants.c - the checker (sim/check.c, sim/invariants.c,
 * sim/check_report.c) and the trace database
 * (sim/tracedb.c) on real final states, built with the protocol's own
 * scripts on the live redis-server and orders in real SQLite: each
 * built-in invariant holds on a state that keeps it and fires, naming the
 * offending gid, on one that breaks it; the verdict; user invariants; the
 * trace database's runs, drops and files; a deterministic snapshot; the
 * violation report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <sqlite3.h>
#include <unistd.h>

#include "barrier.h"
#include "check.h"
#include "coord_store.h"
#include "report_svg.h"
#include "support.h"
#include "tracedb.h"

#define USERS 5

extern const int flashsim_invariant_count;

static struct redis_conn *redis;
static struct order_db orders;
static struct order_db *orders_in_use; /* what check_run reads */
static struct tracedb *trace;
static struct invariant_set invariants;
static struct sim_config config;
static enum told told[USERS];
static uint8_t answers[USERS]; /* 0: the one answer in told[] */
static char orders_path[512];

static int setup(void **state)
{
	char error[512];
	(void)state;
	redis = support_redis();
	support_redis_flush(redis);
	sim_config_defaults(&config);
	snprintf(config.sale.tag, sizeof(config.sale.tag), "t");
	config.users = USERS;
	config.stock = 2;
	for (int u = 0; u < USERS; u++) {
		told[u] = TOLD_NOTHING;
		answers[u] = 0;
	}
	support_orders_path(orders_path, sizeof(orders_path));
	if (order_db_open(&orders, orders_path, true) != 0) {
		fprintf(stderr, "test set-up: %s\n", orders.error);
		return -1;
	}
	orders_in_use = &orders;
	if (tracedb_open(&trace, NULL, error, sizeof(error)) != 0 ||
	    invariants_load(&invariants, NULL, error, sizeof(error)) != 0) {
		fprintf(stderr, "test set-up: %s\n", error);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	invariants_free(&invariants);
	tracedb_close(trace);
	order_db_close(&orders);
	support_redis_close(redis);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Building final states with the protocol's scripts                  */

static void gid_of(uint64_t user, char gid[GID_MAX])
{
	sale_gid(&config.sale, user, gid);
}

static void script(const struct redis_call *call, enum code expected)
{
	struct outcome outcome;
	assert_int_equal(redis_run(redis, call, &outcome), 0);
	assert_int_equal(outcome.result, RESULT_OK);
	assert_int_equal(outcome.code, expected);
}

static void set_stock(long long stock)
{
	char key[KEY_MAX];
	sale_stock_key(&config.sale, key);
	support_integer(redis, "SET %s %lld", key, stock);
}

static void txn_save(uint64_t user)
{
	struct redis_call call;
	char gid[GID_MAX];
	gid_of(user, gid);
	coord_store_save(&call, &config.sale, gid, user, 0, SALE_BACKCHECK_ADDRESS);
	script(&call, CODE_OK);
}

static void txn_cas(uint64_t user, enum txn_status from, enum txn_status to)
{
	struct redis_call call;
	char gid[GID_MAX];
	gid_of(user, gid);
	coord_store_cas(&call, &config.sale, gid, from, to, 10);
	script(&call, CODE_OK);
}

static void txn_branch_done(uint64_t user)
{
	struct redis_call call;
	char gid[GID_MAX];
	gid_of(user, gid);
	coord_store_branch_done(&call, &config.sale, gid);
	script(&call, CODE_OK);
}

static void deduct(uint64_t user, enum code expected)
{
	struct redis_call call;
	char gid[GID_MAX];
	gid_of(user, gid);
	barrier_deduct(&call, &config.sale, gid);
	script(&call, expected);
}

static void backcheck(uint64_t user, enum code expected)
{
	struct redis_call call;
	char gid[GID_MAX];
	gid_of(user, gid);
	barrier_query_prepared(&call, &config.sale, gid);
	script(&call, expected);
}

static void create_order(uint64_t activity, uint64_t user, const char *gid)
{
	struct sql_call call = { .activity = activity, .user = user, .now_ms = 20 };
	struct outcome outcome;
	snprintf(call.gid, sizeof(call.gid), "%s", gid);
	assert_int_equal(order_db_create_order(&orders, &call, &outcome), 0);
	assert_int_equal(outcome.result, RESULT_OK);
}

static void create_own_order(uint64_t user)
{
	char gid[GID_MAX];
	gid_of(user, gid);
	create_order(config.sale.activity, user, gid);
}

/* A purchase that went through: deducted, submitted, delivered. */
static void buy(uint64_t user)
{
	txn_save(user);
	deduct(user, CODE_OK);
	txn_cas(user, TXN_PREPARED, TXN_SUBMITTED);
	create_own_order(user);
	txn_branch_done(user);
	told[user - 1] = TOLD_SUCCESS;
}

/* Sold out: no barrier, the app aborted, the user was told rejected. */
static void sold_out(uint64_t user)
{
	txn_save(user);
	deduct(user, CODE_SOLD_OUT);
	txn_cas(user, TXN_PREPARED, TXN_FAILED);
	told[user - 1] = TOLD_REJECTED;
}

/* The app lost track before deducting; the coordinator's backcheck left
 * the rollback marker and failed the transaction. */
static void backchecked_away(uint64_t user)
{
	txn_save(user);
	backcheck(user, CODE_FAILURE);
	txn_cas(user, TXN_PREPARED, TXN_FAILED);
	told[user - 1] = TOLD_UNKNOWN;
}

/* Users 1 and 2 bought, 4 was backchecked away; stock config.stock >= 2. */
static void two_sales(void)
{
	assert_true(config.stock >= 2);
	set_stock(config.stock);
	buy(1);
	buy(2);
	backchecked_away(4);
}

/* Stock 2 for 5 users: 1 and 2 bought, 3 was sold out, 4 was
 * backchecked away, 5 never came. Every invariant holds. */
static void consistent_sale(void)
{
	assert_int_equal(config.stock, 2);
	two_sales();
	sold_out(3);
}

/* ------------------------------------------------------------------ */
/* Checking, and reading the trace database                           */

static int64_t begin(void)
{
	struct tracedb_run run = { "run", "", 1, "", config.users, config.stock,
				   2, 1, config.sale.activity, config.sale.tag, "" };
	int64_t run_id = 0;
	assert_int_equal(tracedb_begin_run(trace, &run, &run_id), 0);
	assert_true(run_id > 0);
	return run_id;
}

static void check_in(int64_t run_id, struct sim_result *result)
{
	uint8_t given[USERS];
	struct check_input input = { &config, redis, orders_in_use, given };
	char error[512];
	for (int u = 0; u < USERS; u++)
		given[u] = answers[u] ? answers[u] :
			   told[u] == TOLD_NOTHING ? 0 : (uint8_t)(1u << told[u]);
	int rc = check_run(trace, run_id, &input, &invariants, result, error,
			   sizeof(error));
	if (rc != 0)
		fprintf(stderr, "check_run: %s\n", error);
	assert_int_equal(rc, 0);
}

/* A whole run: begin, check, end. */
static int64_t check(struct sim_result *result)
{
	int64_t run_id = begin();
	check_in(run_id, result);
	assert_int_equal(tracedb_end_run(trace, run_id, result, "replay"), 0);
	return run_id;
}

static long long query_integer(const char *format, ...)
{
	sqlite3 *db = tracedb_sqlite(trace);
	sqlite3_stmt *stmt;
	long long value;
	va_list args;
	char *sql;
	va_start(args, format);
	sql = sqlite3_vmprintf(format, args);
	va_end(args);
	assert_non_null(sql);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_free(sql);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

static void assert_known_invariant(const char *name)
{
	int found = 0;
	for (int i = 0; i < invariants.count; i++)
		found += strcmp(invariants.items[i].name, name) == 0;
	assert_int_equal(found, 1);
}

static void assert_holds(int64_t run_id, const char *name)
{
	assert_known_invariant(name);
	assert_int_equal(query_integer("SELECT count(*) FROM violations WHERE"
				       " run_id = %lld AND invariant = %Q",
				       (long long)run_id, name), 0);
}

/* The invariant fired; with user > 0, on a row naming that user's gid. */
static void assert_violated(int64_t run_id, const char *name, uint64_t user)
{
	char gid[GID_MAX] = "";
	long long rows;
	assert_known_invariant(name);
	if (user > 0)
		gid_of(user, gid);
	rows = query_integer("SELECT count(*) FROM violations WHERE run_id = %lld"
			     " AND invariant = %Q AND (%Q = '' OR instr(',' ||"
			     " gids || ',', ',' || %Q || ',') > 0)",
			     (long long)run_id, name, gid, gid);
	if (rows == 0)
		fprintf(stderr, "%s did not fire on %s\n", name, gid);
	assert_true(rows > 0);
}

static void assert_verdict(const struct sim_result *result, enum verdict verdict)
{
	if (result->verdict != verdict)
		fprintf(stderr, "verdict %s: %s\n", verdict_name(result->verdict),
			result->problem);
	assert_int_equal(result->verdict, verdict);
}

/* ------------------------------------------------------------------ */
/* The verdict on a consistent sale                                   */

static void test_consistent_sale_is_ok(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	run_id = check(&result);
	assert_verdict(&result, VERDICT_OK);
	assert_string_equal(result.problem, "");
	assert_int_equal(invariants.count, flashsim_invariant_count);
	assert_int_equal(invariants.count, 8);
	for (int i = 0; i < invariants.count; i++)
		assert_holds(run_id, invariants.items[i].name);
	assert_int_equal(result.stock_left, 0);
	assert_int_equal(result.orders, 2);
	assert_int_equal(result.txns[TXN_SUCCEEDED], 2);
	assert_int_equal(result.txns[TXN_FAILED], 2);
	assert_int_equal(result.txns[TXN_NONE], 1);
	assert_int_equal(result.txns_open, 0);
	assert_int_equal(result.due, 0);
	assert_int_equal(result.told[TOLD_SUCCESS], 2);
	assert_int_equal(result.told[TOLD_REJECTED], 1);
	assert_int_equal(result.told[TOLD_UNKNOWN], 1);
	assert_int_equal(result.told[TOLD_NOTHING], 1);
	assert_int_equal(query_integer("SELECT count(*) FROM runs WHERE run_id ="
				       " %lld AND verdict = 'ok'",
				       (long long)run_id), 1);
}

/* ------------------------------------------------------------------ */
/* Each built-in invariant: holds, and is violated                    */

/* A user who never came has no transaction at all: nothing to finish. */
static void test_all_terminal_holds(void **state)
{
	struct sim_result result = { 0 };
	(void)state;
	consistent_sale();
	assert_holds(check(&result), "all_terminal");
}

static void test_all_terminal_violated_by_a_prepared_txn(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	txn_save(5);
	told[4] = TOLD_UNKNOWN;
	run_id = check(&result);
	assert_violated(run_id, "all_terminal", 5);
	assert_verdict(&result, VERDICT_VIOLATION);
	assert_int_equal(result.txns_open, 1);
	assert_int_equal(result.due, 1);
	assert_non_null(strstr(result.problem, "all_terminal: gid={t}flash-sale-1-5"));
}

static void test_conservation_holds_with_stock_left(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	config.stock = 4;
	two_sales();
	run_id = check(&result);
	assert_holds(run_id, "conservation");
	assert_int_equal(result.stock_left, 2);
	assert_verdict(&result, VERDICT_OK);
}

/* A unit taken from the stock that never became an order. */
static void test_conservation_violated_by_a_lost_unit(void **state)
{
	struct sim_result result = { 0 };
	char key[KEY_MAX];
	int64_t run_id;
	(void)state;
	config.stock = 4;
	two_sales();
	sale_stock_key(&config.sale, key);
	support_integer(redis, "DECR %s", key);
	run_id = check(&result);
	assert_violated(run_id, "conservation", 0);
	assert_holds(run_id, "no_oversell");
	assert_verdict(&result, VERDICT_VIOLATION);
	assert_string_equal(result.problem, "conservation: stock_key=stock:{t}:1,"
			    " stock_initial=4, stock_left=1, orders=2");
}

static void test_conservation_violated_by_a_missing_stock_key(void **state)
{
	struct sim_result result = { 0 };
	char key[KEY_MAX];
	int64_t run_id;
	(void)state;
	consistent_sale();
	sale_stock_key(&config.sale, key);
	support_integer(redis, "DEL %s", key);
	run_id = check(&result);
	assert_violated(run_id, "conservation", 0);
	assert_int_equal(query_integer("SELECT count(*) FROM final_sale WHERE"
				       " run_id = %lld AND stock_left IS NULL",
				       (long long)run_id), 1);
	/* The reports say the key is missing, not "0 left". */
	assert_true(result.stock_missing);
	assert_int_equal(result.stock_left, 0);
}

/* Sold out exactly: no unit left, as many orders as units. */
static void test_no_oversell_holds_when_sold_out_exactly(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	run_id = check(&result);
	assert_holds(run_id, "no_oversell");
	assert_int_equal(result.stock_left, 0);
	assert_int_equal(result.orders, config.stock);
}

static void test_no_oversell_violated_by_negative_stock(void **state)
{
	struct sim_result result = { 0 };
	(void)state;
	consistent_sale();
	set_stock(-1);
	assert_violated(check(&result), "no_oversell", 0);
	assert_int_equal(result.stock_left, -1);
}

/* More orders than the sale had units, though the stock key says 0. */
static void test_no_oversell_violated_by_more_orders_than_stock(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	config.stock = 1;
	run_id = check(&result);
	assert_violated(run_id, "no_oversell", 0);
	assert_violated(run_id, "conservation", 0);
}

/* One order per user *per activity*: the same user may buy in another. */
static void test_one_order_per_user_holds_across_activities(void **state)
{
	struct sim_result result = { 0 };
	(void)state;
	consistent_sale();
	create_order(2, 1, "{t}flash-sale-2-1");
	assert_holds(check(&result), "one_order_per_user");
}

/* An order service without UNIQUE(activity_id, user_id) that lets a
 * second order of user 1 in. */
static void test_one_order_per_user_violated_by_a_second_order(void **state)
{
	struct sim_result result = { 0 };
	struct order_db loose = { 0 };
	char path[600], gid[GID_MAX];
	char *sql;
	int64_t run_id;
	(void)state;
	consistent_sale();
	snprintf(path, sizeof(path), "%s.loose", orders_path);
	assert_int_equal(sqlite3_open(path, &loose.db), SQLITE_OK);
	gid_of(1, gid);
	sql = sqlite3_mprintf(
		"CREATE TABLE orders(id INTEGER PRIMARY KEY, activity_id INTEGER,"
		" user_id INTEGER, gid TEXT, created_at INTEGER);"
		"CREATE TABLE barrier(gid TEXT, branch_id TEXT, op TEXT,"
		" barrier_id TEXT, reason TEXT, created_at INTEGER);"
		"INSERT INTO orders(activity_id, user_id, gid, created_at)"
		" VALUES(1, 1, %Q, 20), (1, 1, %Q, 30);", gid, "{t}other-gid");
	assert_int_equal(sqlite3_exec(loose.db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
	orders_in_use = &loose;
	run_id = check(&result);
	sqlite3_close_v2(loose.db); /* the checker still holds statements on it */
	assert_violated(run_id, "one_order_per_user", 1);
	assert_verdict(&result, VERDICT_VIOLATION);
}

/* A second order under user 2's gid, for user 5, written behind the
 * order service's back. */
static void second_order_of_user_2(void)
{
	char gid[GID_MAX];
	char *sql;
	gid_of(2, gid);
	sql = sqlite3_mprintf("INSERT INTO orders(activity_id, user_id, gid,"
			      " created_at) VALUES(1, 5, %Q, 40)", gid);
	assert_int_equal(sqlite3_exec(orders.db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
}

/* Two orders under one gid: a delivery that slipped past the barrier. */
static void test_one_order_per_user_violated_by_two_orders_of_a_gid(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	second_order_of_user_2();
	run_id = check(&result);
	assert_violated(run_id, "one_order_per_user", 2);
	assert_holds(run_id, "success_has_order");
}

static void test_txn_order_agreement_holds(void **state)
{
	struct sim_result result = { 0 };
	(void)state;
	consistent_sale();
	assert_holds(check(&result), "txn_order_agreement");
}

/* Succeeded, but the delivery never happened. */
static void test_txn_order_agreement_violated_by_a_missing_order(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	config.stock = 3;
	two_sales();
	txn_save(5);
	deduct(5, CODE_OK);
	txn_cas(5, TXN_PREPARED, TXN_SUBMITTED);
	txn_branch_done(5);
	told[4] = TOLD_UNKNOWN;
	sold_out(3);
	run_id = check(&result);
	assert_violated(run_id, "txn_order_agreement", 5);
	assert_holds(run_id, "barrier_agreement");
	assert_holds(run_id, "all_terminal");
}

/* An order whose transaction failed. */
static void test_txn_order_agreement_violated_by_a_stray_order(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	told[3] = TOLD_NOTHING;
	create_own_order(4);
	run_id = check(&result);
	assert_violated(run_id, "txn_order_agreement", 4);
	assert_verdict(&result, VERDICT_VIOLATION);
}

/* Told "unknown" and it did go through: fine, unknown promises nothing. */
static void test_success_has_order_holds(void **state)
{
	struct sim_result result = { 0 };
	(void)state;
	consistent_sale();
	told[1] = TOLD_UNKNOWN;
	assert_holds(check(&result), "success_has_order");
	assert_verdict(&result, VERDICT_OK);
}

static void test_success_has_order_violated(void **state)
{
	struct sim_result result = { 0 };
	(void)state;
	consistent_sale();
	told[2] = TOLD_SUCCESS; /* user 3 was sold out */
	assert_violated(check(&result), "success_has_order", 3);
	assert_verdict(&result, VERDICT_VIOLATION);
}

/* Told "rejected" while the user's order exists in another activity only. */
static void test_rejected_has_no_order_holds(void **state)
{
	struct sim_result result = { 0 };
	(void)state;
	consistent_sale();
	create_order(2, 3, "{t}flash-sale-2-3");
	assert_holds(check(&result), "rejected_has_no_order");
}

static void test_rejected_has_no_order_violated(void **state)
{
	struct sim_result result = { 0 };
	(void)state;
	consistent_sale();
	told[0] = TOLD_REJECTED; /* user 1 bought */
	assert_violated(check(&result), "rejected_has_no_order", 1);
	assert_verdict(&result, VERDICT_VIOLATION);
}

/* A user with two requests: every answer is checked, not only the best
 * one. A buyer whose second request was told "rejected" is a violation
 * even though the report counts the user as told "success". */
static void test_every_answer_of_a_user_is_checked(void **state)
{
	struct sim_result result = { 0 };
	(void)state;
	consistent_sale();
	answers[2] = 1u << TOLD_REJECTED | 1u << TOLD_UNKNOWN; /* sold out */
	assert_holds(check(&result), "rejected_has_no_order");
	answers[0] = 1u << TOLD_SUCCESS | 1u << TOLD_REJECTED; /* bought */
	assert_violated(check(&result), "rejected_has_no_order", 1);
	assert_int_equal(result.told[TOLD_SUCCESS], 2); /* by the best answer */
}

/* Both kinds of failed transaction: sold out (no barrier) and
 * backchecked away (rollback marker). */
static void test_barrier_agreement_holds(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	run_id = check(&result);
	assert_holds(run_id, "barrier_agreement");
	assert_int_equal(query_integer("SELECT count(*) FROM final_barriers WHERE"
				       " run_id = %lld AND value = 'rollback'",
				       (long long)run_id), 1);
	assert_int_equal(query_integer("SELECT count(*) FROM final_barriers WHERE"
				       " run_id = %lld AND value IS NULL",
				       (long long)run_id), 2);
}

static void test_barrier_agreement_violated_by_a_lost_barrier(void **state)
{
	struct sim_result result = { 0 };
	char gid[GID_MAX], key[KEY_MAX];
	(void)state;
	consistent_sale();
	gid_of(2, gid);
	sale_barrier_key(gid, key);
	support_integer(redis, "DEL %s", key);
	assert_violated(check(&result), "barrier_agreement", 2);
}

/* The transaction failed, yet the barrier says the unit was deducted. */
static void test_barrier_agreement_violated_by_an_op_on_failure(void **state)
{
	struct sim_result result = { 0 };
	char gid[GID_MAX], key[KEY_MAX];
	(void)state;
	consistent_sale();
	gid_of(4, gid);
	sale_barrier_key(gid, key);
	support_integer(redis, "SET %s op", key);
	assert_violated(check(&result), "barrier_agreement", 4);
}

/* ------------------------------------------------------------------ */
/* Verdicts and re-checks                                             */

static void test_liveness_verdict_is_kept(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	txn_save(5);
	result.verdict = VERDICT_LIVENESS;
	snprintf(result.problem, sizeof(result.problem), "no quiescence");
	run_id = check(&result);
	assert_int_equal(result.verdict, VERDICT_LIVENESS);
	assert_string_equal(result.problem, "no quiescence");
	assert_violated(run_id, "all_terminal", 5);
	assert_int_equal(result.txns_open, 1);
	assert_int_equal(query_integer("SELECT count(*) FROM runs WHERE run_id ="
				       " %lld AND verdict = 'liveness'",
				       (long long)run_id), 1);
}

/* Checking a run again replaces its snapshot and violations. */
static void test_check_twice_replaces_the_snapshot(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	told[0] = TOLD_REJECTED;
	run_id = begin();
	check_in(run_id, &result);
	assert_verdict(&result, VERDICT_VIOLATION);
	told[0] = TOLD_SUCCESS;
	check_in(run_id, &result);
	assert_verdict(&result, VERDICT_OK);
	assert_string_equal(result.problem, "");
	assert_int_equal(query_integer("SELECT count(*) FROM violations WHERE"
				       " run_id = %lld", (long long)run_id), 0);
	assert_int_equal(query_integer("SELECT count(*) FROM final_txns WHERE"
				       " run_id = %lld", (long long)run_id), USERS);
	assert_int_equal(tracedb_end_run(trace, run_id, &result, ""), 0);
}

/* ------------------------------------------------------------------ */
/* User invariants                                                    */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *file;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

static void make_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/flashsim-invariants-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
	DIR *handle = opendir(dir);
	struct dirent *entry;
	char path[512];
	assert_non_null(handle);
	while ((entry = readdir(handle)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		unlink(path);
	}
	closedir(handle);
	rmdir(dir);
}

static const struct invariant *find_invariant(const char *name)
{
	for (int i = 0; i < invariants.count; i++)
		if (strcmp(invariants.items[i].name, name) == 0)
			return &invariants.items[i];
	return NULL;
}

static void load_user_dir(const char *dir)
{
	char error[512];
	invariants_free(&invariants);
	if (invariants_load(&invariants, dir, error, sizeof(error)) != 0)
		fprintf(stderr, "invariants_load: %s\n", error);
	assert_int_equal(invariants.count > 0, 1);
}

static void test_user_invariant_fires(void **state)
{
	struct sim_result result = { 0 };
	char dir[64];
	int64_t run_id;
	(void)state;
	make_dir(dir, sizeof(dir));
	write_file(dir, "zz_told_unknown.sql",
		   "-- Nobody is told unknown (a strict house rule).\n"
		   "SELECT gid, user_id FROM users WHERE told = 'unknown';\n");
	write_file(dir, "notes.txt", "not an invariant");
	load_user_dir(dir);
	remove_dir(dir);
	assert_int_equal(invariants.count, flashsim_invariant_count + 1);
	assert_string_equal(invariants.items[invariants.count - 1].name,
			    "zz_told_unknown");
	consistent_sale();
	run_id = check(&result);
	assert_violated(run_id, "zz_told_unknown", 4);
	assert_verdict(&result, VERDICT_VIOLATION);
	assert_string_equal(result.problem, "zz_told_unknown: gid={t}flash-sale-1-4,"
			    " user_id=4");
}

static void test_user_file_replaces_a_builtin(void **state)
{
	struct sim_result result = { 0 };
	char dir[64];
	const struct invariant *replaced;
	(void)state;
	make_dir(dir, sizeof(dir));
	write_file(dir, "conservation.sql", "SELECT 'always' AS why;");
	load_user_dir(dir);
	remove_dir(dir);
	assert_int_equal(invariants.count, flashsim_invariant_count);
	replaced = find_invariant("conservation");
	assert_non_null(replaced);
	assert_non_null(strstr(replaced->source, "/conservation.sql"));
	consistent_sale();
	assert_violated(check(&result), "conservation", 0);
	assert_string_equal(result.problem, "conservation: why=always");
}

/* What an invariant checks is the comment its query opens with, joined
 * into one paragraph, from the query the set holds: a user file's for the
 * built-in it replaces, the built-in's otherwise; nothing for a query
 * with no comment or a name the set lacks. */
static void test_explanation_is_the_opening_comment(void **state)
{
	char dir[64], text[512];
	(void)state;
	make_dir(dir, sizeof(dir));
	write_file(dir, "conservation.sql",
		   "\n-- Mine:  units in\n--   equal orders out.\n"
		   "SELECT 1 WHERE 0; -- not this\n-- nor this\n");
	write_file(dir, "bare.sql", "SELECT 1 WHERE 0;\n");
	load_user_dir(dir);
	remove_dir(dir);
	/* read from the set, not the files, which are gone */
	invariant_explanation(&invariants, "conservation", text, sizeof(text));
	assert_string_equal(text, "Mine:  units in equal orders out.");
	invariant_explanation(&invariants, "bare", text, sizeof(text));
	assert_string_equal(text, "");
	invariant_explanation(&invariants, "no_oversell", text, sizeof(text));
	assert_true(strncmp(text, "No oversell: the stock never goes below"
			    " zero", 44) == 0);
	invariant_explanation(&invariants, "no_such_invariant", text,
			      sizeof(text));
	assert_string_equal(text, "");
	load_user_dir(NULL);
	invariant_explanation(&invariants, "conservation", text, sizeof(text));
	assert_true(strncmp(text, "Conservation: every unit taken from the"
			    " stock became exactly one order", 69) == 0);
	invariant_explanation(&invariants, "conservation", text, 12);
	assert_string_equal(text, "Conservatio");
}

static void assert_load_fails(const char *file, const char *text,
			      const char *expected)
{
	char dir[64], error[512] = "";
	make_dir(dir, sizeof(dir));
	write_file(dir, "a_fine.sql", "SELECT gid FROM txns WHERE 0;");
	write_file(dir, file, text);
	invariants_free(&invariants);
	assert_int_equal(invariants_load(&invariants, dir, error, sizeof(error)), -1);
	remove_dir(dir);
	if (!strstr(error, file) || !strstr(error, expected))
		fprintf(stderr, "error: %s\n", error);
	assert_non_null(strstr(error, dir));
	assert_non_null(strstr(error, file));
	assert_non_null(strstr(error, expected));
	assert_int_equal(invariants.count, 0);
	assert_null(invariants.items);
}

/* Each invariant of a set has its bit in a run's violated_set: a set
 * larger than it holds is refused, not checked in part (those past the
 * 64th were counted in the verdict, but never said where they point). */
static void test_a_set_holds_64_invariants(void **state)
{
	char dir[64], name[32], error[512] = "";
	int built_in;
	(void)state;
	invariants_free(&invariants);
	assert_int_equal(invariants_load(&invariants, NULL, error,
					 sizeof(error)), 0);
	built_in = invariants.count;
	make_dir(dir, sizeof(dir));
	for (int i = built_in; i < INVARIANT_SET_MAX; i++) {
		snprintf(name, sizeof(name), "u%02d.sql", i);
		write_file(dir, name, "SELECT 1 AS why WHERE 0;");
	}
	load_user_dir(dir);
	assert_int_equal(invariants.count, INVARIANT_SET_MAX);
	write_file(dir, "u99.sql", "SELECT 1 AS why WHERE 0;");
	invariants_free(&invariants);
	assert_int_equal(invariants_load(&invariants, dir, error,
					 sizeof(error)), -1);
	assert_non_null(strstr(error, "more than 64 invariants, the built-in"
			       " ones included"));
	remove_dir(dir);
	load_user_dir(NULL);
}

static void test_broken_user_invariant_names_the_file(void **state)
{
	(void)state;
	assert_load_fails("broken.sql", "SELECT gid FROM nowhere;",
			  "no such table: nowhere");
	assert_load_fails("typo.sql", "SELEC gid FROM txns;", "syntax error");
	assert_load_fails("two.sql", "SELECT 1; SELECT 2;",
			  "its second statement, the events the rows point"
			  " at, returns 1 column");
	assert_load_fails("writes.sql", "DELETE FROM final_orders;",
			  "not a query");
	assert_load_fails("empty.sql", "-- nothing here\n", "no query");
	/* prepared, but failing whatever the data: refused at load, not
	 * an internal error in the check of every run */
	assert_load_fails("json.sql", "SELECT json('x');",
			  "it fails when run: malformed JSON");
	assert_load_fails("extension.sql", "SELECT load_extension('x');",
			  "it fails when run: not authorized");
	assert_load_fails("points.sql", "SELECT gid FROM txns WHERE 0;\n"
			  "SELECT 1, load_extension('x');",
			  "its second statement, the events the rows point at,"
			  " fails when run: not authorized");
	/* a recursion without its end would hold up the first run for
	 * ever: refused at load, after its budget of steps */
	assert_load_fails("endless.sql", "WITH RECURSIVE r(x) AS (SELECT 1"
			  " UNION ALL SELECT x + 1 FROM r)"
			  " SELECT x FROM r WHERE x < 0;",
			  "it did not end on an empty state within");
	/* ... also after a first row: the check reads on */
	assert_load_fails("endless_after_a_row.sql", "WITH RECURSIVE r(x) AS"
			  " (SELECT 1 UNION ALL SELECT x + 1 FROM r)"
			  " SELECT x FROM r WHERE x = 1 OR x < 0;",
			  "it did not end on an empty state within");
	assert_load_fails("endless_points.sql", "SELECT gid FROM txns;\n"
			  "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL"
			  " SELECT x + 1 FROM r) SELECT x, 'y' FROM r"
			  " WHERE x < 0;",
			  "its second statement, the events the rows point at,"
			  " did not end on an empty state within");
}

/* A NUL byte in a .sql file is refused with its place: SQLite would
 * stop at it, and the query before it would run alone, what follows it
 * never read. */
static void test_nul_byte_in_user_invariant_is_refused(void **state)
{
	static const char text[] = "SELECT 1 WHERE 0;\n-- x\0 DELETE";
	char dir[64], path[128], error[512] = "";
	FILE *file;
	(void)state;
	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/nul.sql", dir);
	file = fopen(path, "w");
	assert_non_null(file);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, file),
			 sizeof(text) - 1);
	fclose(file);
	invariants_free(&invariants);
	assert_int_equal(invariants_load(&invariants, dir, error,
					 sizeof(error)), -1);
	remove_dir(dir);
	assert_non_null(strstr(error, "nul.sql: a NUL byte at line 2,"
			       " column 5 (an invariant is SQL text)"));
	assert_int_equal(invariants.count, 0);
	load_user_dir(NULL);
}

static void test_missing_user_dir_is_named(void **state)
{
	char error[512] = "";
	(void)state;
	invariants_free(&invariants);
	assert_int_equal(invariants_load(&invariants, "/nonexistent/flashsim-dir",
					 error, sizeof(error)), -1);
	assert_non_null(strstr(error, "/nonexistent/flashsim-dir"));
	assert_non_null(strstr(error, "No such file"));
}

/* A directory without a *.sql file (a wrong --invariants) is refused,
 * not taken as no check at all. */
static void test_empty_user_dir_is_refused(void **state)
{
	char dir[64], error[512] = "";
	(void)state;
	make_dir(dir, sizeof(dir));
	write_file(dir, "notes.txt", "not an invariant");
	invariants_free(&invariants);
	assert_int_equal(invariants_load(&invariants, dir, error, sizeof(error)),
			 -1);
	remove_dir(dir);
	assert_non_null(strstr(error, dir));
	assert_non_null(strstr(error, "no *.sql file"));
}

/* ------------------------------------------------------------------ */
/* The trace database                                                 */

static void add_event(int64_t run_id, int64_t sequence, int64_t time_ms,
		      const char *actor, const char *gid, const char *detail)
{
	struct trace_event event = { time_ms, actor, "app/deduct", gid, detail,
				     "", true };
	assert_int_equal(tracedb_event(trace, run_id, sequence, &event), 0);
}

static const char *const run_tables[] = {
	"runs", "events", "told", "final_sale", "final_txns", "final_barriers",
	"final_orders", "final_order_barriers", "violations",
	"violation_events",
};
#define RUN_TABLE_COUNT ((int)(sizeof(run_tables) / sizeof(run_tables[0])))

static long long rows_of_run(const char *table, int64_t run_id)
{
	return query_integer("SELECT count(*) FROM %s WHERE run_id = %lld", table,
			     (long long)run_id);
}

static void test_drop_run_leaves_no_rows(void **state)
{
	struct sim_result result = { 0 };
	char gid[GID_MAX];
	int64_t dropped, kept, open_run;
	(void)state;
	consistent_sale();
	told[0] = TOLD_REJECTED; /* a violation row too */
	gid_of(1, gid);
	dropped = begin();
	add_event(dropped, 1, 5, "app-1", gid, "= OK");
	add_event(dropped, 2, 6, "user-1", gid, "told rejected");
	check_in(dropped, &result);
	assert_int_equal(tracedb_end_run(trace, dropped, &result, "r"), 0);
	for (int t = 0; t < RUN_TABLE_COUNT; t++)
		assert_true(rows_of_run(run_tables[t], dropped) > 0);
	kept = begin();
	add_event(kept, 1, 5, "app-1", gid, "= OK");
	add_event(kept, 2, 6, "user-1", gid, "told rejected");
	check_in(kept, &result);
	assert_int_equal(tracedb_end_run(trace, kept, &result, "r"), 0);
	assert_int_equal(tracedb_drop_run(trace, dropped), 0);
	for (int t = 0; t < RUN_TABLE_COUNT; t++) {
		assert_int_equal(rows_of_run(run_tables[t], dropped), 0);
		assert_true(rows_of_run(run_tables[t], kept) > 0);
	}
	/* An open run can be dropped too, and the next run still begins. */
	open_run = begin();
	add_event(open_run, 1, 5, "app-1", gid, "= OK");
	add_event(open_run, 2, 6, "user-1", gid, "told rejected");
	check_in(open_run, &result);
	assert_int_equal(tracedb_drop_run(trace, open_run), 0);
	for (int t = 0; t < RUN_TABLE_COUNT; t++)
		assert_int_equal(rows_of_run(run_tables[t], open_run), 0);
	assert_true(begin() > kept);
}

/* An exploration's in-memory trace: thousands of runs begun, filled and
 * dropped take no more pages than the first few. */
static void test_drop_keeps_memory_flat(void **state)
{
	struct sim_result result = { 0 };
	long long pages_early = 0;
	(void)state;
	for (int run = 0; run < 2000; run++) {
		int64_t run_id = begin();
		for (int e = 0; e < 50; e++)
			add_event(run_id, e, e * 10, "coord-1", "{t}flash-sale-1-1",
				  "= OK (submitted)");
		assert_int_equal(tracedb_end_run(trace, run_id, &result, "r"), 0);
		assert_int_equal(tracedb_drop_run(trace, run_id), 0);
		if (run == 100)
			pages_early = query_integer("PRAGMA page_count");
	}
	assert_true(query_integer("PRAGMA page_count") <= pages_early);
	assert_int_equal(query_integer("SELECT count(*) FROM events"), 0);
}

static void test_file_trace_keeps_runs(void **state)
{
	struct sim_result result = { 0 };
	char path[600], error[512];
	int64_t ended, unfinished, third;
	(void)state;
	snprintf(path, sizeof(path), "%s.trace", orders_path);
	tracedb_close(trace);
	assert_int_equal(tracedb_open(&trace, path, error, sizeof(error)), 0);
	ended = begin();
	add_event(ended, 1, 5, "app-1", "{t}flash-sale-1-1", "= OK");
	result.digest = 0x1234;
	assert_int_equal(tracedb_end_run(trace, ended, &result, "flashsim run"), 0);
	unfinished = begin();
	add_event(unfinished, 1, 7, "app-2", "{t}flash-sale-1-2", "CRASH");
	tracedb_close(trace);

	assert_int_equal(tracedb_open(&trace, path, error, sizeof(error)), 0);
	assert_int_equal(query_integer("SELECT count(*) FROM runs"), 2);
	assert_int_equal(query_integer("SELECT count(*) FROM runs WHERE run_id ="
				       " %lld AND verdict = 'ok' AND digest ="
				       " '0000000000001234' AND replay ="
				       " 'flashsim run'", (long long)ended), 1);
	assert_int_equal(query_integer("SELECT count(*) FROM runs WHERE run_id ="
				       " %lld AND verdict IS NULL",
				       (long long)unfinished), 1);
	assert_int_equal(rows_of_run("events", unfinished), 1);
	assert_int_equal(query_integer("SELECT count(*) FROM pragma_journal_mode"
				       " WHERE journal_mode = 'wal'"), 1);
	third = begin();
	assert_true(third > unfinished);
	assert_int_equal(tracedb_end_run(trace, third, &result, ""), 0);
}

/* A run whose driver failed before its verdict is kept, verdict NULL,
 * when the next run begins. */
static void test_a_run_left_open_keeps_verdict_null(void **state)
{
	struct sim_result result = { 0 };
	int64_t failed, next;
	(void)state;
	failed = begin();
	add_event(failed, 1, 5, "app-1", "{t}flash-sale-1-1", "= OK");
	next = begin();
	assert_true(next > failed);
	assert_int_equal(query_integer("SELECT count(*) FROM runs WHERE run_id ="
				       " %lld AND verdict IS NULL",
				       (long long)failed), 1);
	assert_int_equal(rows_of_run("events", failed), 1);
	assert_int_equal(tracedb_event(trace, failed, 2, &(struct trace_event){
		0, "sim", "", "", "late", "", false }), -1);
	assert_non_null(strstr(tracedb_error(trace), "not open"));
	assert_int_equal(tracedb_end_run(trace, next, &result, ""), 0);
}

/* ------------------------------------------------------------------ */
/* Determinism of the snapshot                                        */

/* A transaction as the store would leave it, and its due entry. */
static void plant_txn(uint64_t user, const char *status, long long due_at)
{
	char gid[GID_MAX], key[KEY_MAX], due[KEY_MAX], txn[REDIS_ARG_MAX];
	gid_of(user, gid);
	sale_txn_key(gid, key);
	sale_due_key(&config.sale, due);
	if (strcmp(status, "succeeded") == 0 || strcmp(status, "failed") == 0)
		snprintf(txn, sizeof(txn), "%s", status); /* finished */
	else
		snprintf(txn, sizeof(txn), "%s 0 %d app create_order:1:%d"
			 " prepared", status, (int)user, (int)user);
	support_integer(redis, "SET %s %s", key, txn);
	if (due_at >= 0)
		support_integer(redis, "ZADD %s %lld %s", due, due_at, key);
}

static void plant_barrier(uint64_t user, const char *value)
{
	char gid[GID_MAX], key[KEY_MAX];
	gid_of(user, gid);
	sale_barrier_key(gid, key);
	support_integer(redis, "SET %s %s", key, value);
}

/* The same Redis state, written in user order or in reverse, with other
 * keys around it to shuffle the server's hash table. */
static void plant_state(bool reverse)
{
	static const char *const statuses[USERS] = {
		"succeeded", "prepared", "submitted", "failed", NULL };
	static const long long due[USERS] = { -1, 4003, 5000, -1, -1 };
	set_stock(1);
	for (int i = 0; i < USERS; i++) {
		int u = reverse ? USERS - 1 - i : i;
		if (statuses[u])
			plant_txn((uint64_t)u + 1, statuses[u], due[u]);
		if (u == 0 || u == 2)
			plant_barrier((uint64_t)u + 1, "op");
		if (u == 3)
			plant_barrier((uint64_t)u + 1, "rollback");
	}
	for (int n = 0; reverse && n < 300; n++)
		support_integer(redis, "SET noise:%d %d", n, n);
}

/* Every row of table for run_id, without the run_id, in rowid order. */
static char *table_text(const char *table, int64_t run_id)
{
	sqlite3 *db = tracedb_sqlite(trace);
	sqlite3_str *text = sqlite3_str_new(db);
	sqlite3_stmt *stmt;
	char *sql = sqlite3_mprintf("SELECT * FROM %s WHERE run_id = %lld"
				    " ORDER BY rowid", table, (long long)run_id);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	sqlite3_free(sql);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(stmt); c++) {
			if (strcmp(sqlite3_column_name(stmt, c), "run_id") == 0)
				continue;
			sqlite3_str_appendf(text, "%d:%s|",
					    sqlite3_column_type(stmt, c),
					    (const char *)sqlite3_column_text(stmt, c));
		}
		sqlite3_str_appendchar(text, 1, '\n');
	}
	sqlite3_finalize(stmt);
	return sqlite3_str_finish(text);
}

static void assert_same_snapshot(int64_t a, int64_t b)
{
	for (int t = 2; t < RUN_TABLE_COUNT - 1; t++) {
		char *text_a = table_text(run_tables[t], a);
		char *text_b = table_text(run_tables[t], b);
		assert_non_null(text_a);
		assert_non_null(text_b);
		assert_string_equal(text_a, text_b);
		sqlite3_free(text_a);
		sqlite3_free(text_b);
	}
}

static void test_snapshot_is_deterministic(void **state)
{
	struct sim_result result = { 0 };
	int64_t first, second, reversed;
	(void)state;
	plant_state(false);
	create_own_order(1);
	told[0] = TOLD_SUCCESS;
	told[3] = TOLD_REJECTED;
	first = check(&result);
	second = check(&result);
	assert_same_snapshot(first, second);
	support_redis_flush(redis);
	plant_state(true);
	reversed = check(&result);
	assert_same_snapshot(first, reversed);
	assert_int_equal(query_integer("SELECT due_at FROM final_txns WHERE"
				       " run_id = %lld AND user_id = 2"
				       " AND typeof(due_at) = 'integer'",
				       (long long)first), 4003);
	assert_int_equal(query_integer("SELECT count(*) FROM final_txns WHERE"
				       " run_id = %lld AND status IS NULL AND"
				       " user_id = 5", (long long)first), 1);
	assert_int_equal(result.txns_open, 2);
	assert_int_equal(result.due, 2);
}

/* ------------------------------------------------------------------ */
/* The report                                                         */

static char *report(int64_t run_id)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	check_report_violations(out, trace, run_id);
	fclose(out);
	return text;
}

static void test_report_names_rows_and_events(void **state)
{
	struct sim_result result = { 0 };
	char gid1[GID_MAX], gid2[GID_MAX];
	int64_t run_id;
	char *text;
	(void)state;
	consistent_sale();
	told[0] = TOLD_REJECTED;
	gid_of(1, gid1);
	gid_of(2, gid2);
	run_id = begin();
	add_event(run_id, 1, 40, "app-1", gid1, "= OK (deducted one)");
	add_event(run_id, 2, 41, "app-2", gid2, "= OK (deducted two)");
	add_event(run_id, 3, 90, "coord-1", gid1, "= OK (succeeded one)");
	check_in(run_id, &result);
	assert_int_equal(tracedb_end_run(trace, run_id, &result, ""), 0);
	text = report(run_id);
	assert_non_null(strstr(text, "violated: rejected_has_no_order (1 row)"));
	assert_non_null(strstr(text, "user_id=1, gid={t}flash-sale-1-1, told=rejected"));
	assert_non_null(strstr(text, "deducted one"));
	assert_non_null(strstr(text, "succeeded one"));
	assert_true(strstr(text, "deducted one") < strstr(text, "succeeded one"));
	assert_null(strstr(text, "deducted two"));
	/* nothing pointed at (no answer, no order creation in these
	 * events): no promise of >> marks */
	assert_non_null(strstr(text, "  events of the transactions involved:\n"));
	free(text);
}

/* The report of a consistent sale checked with an invariant "many" whose
 * query answers rows 1 .. rows. */
static char *report_of_many(int rows)
{
	struct sim_result result = { 0 };
	char dir[64], sql[160];
	make_dir(dir, sizeof(dir));
	snprintf(sql, sizeof(sql), "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
		 " SELECT i + 1 FROM n WHERE i < %d) SELECT i FROM n;", rows);
	write_file(dir, "many.sql", sql);
	load_user_dir(dir);
	remove_dir(dir);
	consistent_sale();
	return report(check(&result));
}

static void test_report_caps_rows(void **state)
{
	char *text;
	(void)state;
	text = report_of_many(15);
	assert_non_null(strstr(text, "violated: many (15 rows)"));
	assert_non_null(strstr(text, "i=10\n"));
	assert_null(strstr(text, "i=11\n"));
	assert_non_null(strstr(text, "... and 5 more rows"));
	free(text);
}

/* An invariant with more rows than are recorded: the report does not
 * give the recorded count as the query's, which it never counted. */
static void test_report_says_rows_past_the_recorded_were_not_counted(void **state)
{
	char *text;
	(void)state;
	text = report_of_many(1500);
	assert_non_null(strstr(text, "violated: many (at least 1000 rows: only"
			       " the first 1000 are recorded)\n"));
	assert_null(strstr(text, "(1000 rows)"));
	assert_non_null(strstr(text, "... and 990 more rows recorded\n"));
	free(text);
}

static void test_report_is_empty_without_violations(void **state)
{
	struct sim_result result = { 0 };
	char *text;
	(void)state;
	consistent_sale();
	text = report(check(&result));
	assert_string_equal(text, "");
	free(text);
}

/* ------------------------------------------------------------------ */
/* The events a violation points at (sim/blame.c)                     */

static void add_step(int64_t run_id, int64_t sequence, const char *actor,
		     const char *step, uint64_t user, const char *detail)
{
	char gid[GID_MAX] = "";
	struct trace_event event = { 10 * sequence, actor, step, gid, detail,
				     "", true };
	if (user > 0)
		gid_of(user, gid);
	assert_int_equal(tracedb_event(trace, run_id, sequence, &event), 0);
}

/* The events invariant points at in run_id, "seq seq ...". */
static void assert_pointed_with_empty(int64_t run_id, const char *invariant,
				      const char *expected)
{
	char *sql = sqlite3_mprintf(
		"SELECT coalesce(group_concat(seq, ' '), '') FROM (SELECT seq"
		" FROM violation_events WHERE run_id = %lld AND invariant = %Q"
		" ORDER BY seq)", (long long)run_id, invariant);
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db = tracedb_sqlite(trace);
	assert_non_null(sql);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(stmt, 0), expected) != 0)
		fail_msg("%s points at [%s], expected [%s]", invariant,
			 (const char *)sqlite3_column_text(stmt, 0), expected);
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
}

/* The same, and every one has words saying why. */
static void assert_pointed(int64_t run_id, const char *invariant,
			   const char *expected)
{
	assert_pointed_with_empty(run_id, invariant, expected);
	assert_int_equal(query_integer("SELECT count(*) FROM violation_events"
				       " WHERE run_id = %lld AND why = ''",
				       (long long)run_id), 0);
}

/* A whole run with the events the test added between begin and this. */
static void finish(int64_t run_id, struct sim_result *result)
{
	check_in(run_id, result);
	assert_int_equal(tracedb_end_run(trace, run_id, result, "replay"), 0);
}

/* Three units taken, two orders: the deduction of user 3, and only it. */
static void test_conservation_points_at_the_unit_without_order(void **state)
{
	struct sim_result result = { 0 };
	char key[KEY_MAX];
	int64_t run_id;
	(void)state;
	config.stock = 4;
	two_sales();
	sale_stock_key(&config.sale, key);
	support_integer(redis, "DECR %s", key);
	run_id = begin();
	add_step(run_id, 1, "app-1", "app/deduct", 1, "= OK");
	add_step(run_id, 2, "app-1", "app/deduct", 3, "= SOLD_OUT");
	add_step(run_id, 3, "app-2", "app/deduct", 2, "= OK");
	add_step(run_id, 4, "app-2", "app/deduct", 3,
		 "= OK (arrived late; nobody reads the answer)");
	add_step(run_id, 5, "order-1", "order/create", 1, "= OK");
	finish(run_id, &result);
	assert_violated(run_id, "conservation", 0);
	assert_pointed(run_id, "conservation", "4");
}

/* The stock key is gone: the first Redis restart, which came back
 * without it. */
static void test_conservation_points_at_the_redis_restart(void **state)
{
	struct sim_result result = { 0 };
	char key[KEY_MAX];
	int64_t run_id;
	(void)state;
	consistent_sale();
	sale_stock_key(&config.sale, key);
	support_integer(redis, "DEL %s", key);
	run_id = begin();
	add_step(run_id, 1, "redis", "", 0,
		 "CRASH: redis-server killed (SIGKILL), restarting");
	add_step(run_id, 2, "redis", "", 0, "RESTART: redis-server is back");
	add_step(run_id, 3, "redis", "", 0, "RESTART: redis-server is back");
	finish(run_id, &result);
	/* the first restart lost the key, not the second */
	assert_pointed(run_id, "conservation", "2");
}

static void test_success_has_order_points_at_the_answer(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	told[2] = TOLD_SUCCESS; /* user 3 was sold out */
	run_id = begin();
	add_step(run_id, 1, "user-1", "", 1, "told success");
	add_step(run_id, 2, "user-3", "", 3, "told success");
	finish(run_id, &result);
	assert_pointed(run_id, "success_has_order", "2");
}

/* The answer "rejected" and the order of that user, whichever request
 * created it. */
static void test_rejected_has_no_order_points_at_answer_and_order(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	told[0] = TOLD_REJECTED; /* user 1 bought */
	run_id = begin();
	add_step(run_id, 1, "order-1", "order/create", 1, "= OK");
	add_step(run_id, 2, "order-1", "order/create", 1, "= OK");
	add_step(run_id, 3, "user-1", "", 1, "told rejected");
	add_step(run_id, 4, "user-3", "", 3, "told rejected");
	finish(run_id, &result);
	assert_pointed(run_id, "rejected_has_no_order", "1 3");
}

/* Two orders under user 2's gid: both creations. */
static void test_one_order_per_user_points_at_each_order(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	second_order_of_user_2();
	run_id = begin();
	add_step(run_id, 1, "order-1", "order/create", 1, "= OK");
	add_step(run_id, 2, "order-1", "order/create", 2, "= OK");
	add_step(run_id, 3, "order-1", "order/create", 2, "= CONFLICT");
	add_step(run_id, 4, "order-1", "order/create", 2, "= OK");
	/* a redelivery that found the order: created nothing */
	add_step(run_id, 5, "order-1", "order/create", 2,
		 "= OK (delivered before: no order inserted)");
	finish(run_id, &result);
	assert_pointed(run_id, "one_order_per_user", "2 4");
}

/* Stock 1, two orders: the second unit taken and the second order. */
static void test_no_oversell_points_past_the_stock(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	config.stock = 1;
	run_id = begin();
	add_step(run_id, 1, "app-1", "app/deduct", 1, "= OK");
	add_step(run_id, 2, "app-2", "app/deduct", 2, "= OK");
	add_step(run_id, 3, "order-1", "order/create", 2, "= OK");
	add_step(run_id, 4, "order-1", "order/create", 1, "= OK");
	finish(run_id, &result);
	assert_violated(run_id, "no_oversell", 0);
	assert_pointed(run_id, "no_oversell", "2 4");
}

/* A transaction left prepared: where it became prepared, and its last
 * event; left submitted with failing deliveries: where it became
 * submitted and the first delivery that failed. */
static void test_all_terminal_points_at_where_it_stopped(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	txn_save(5);
	told[4] = TOLD_UNKNOWN;
	run_id = begin();
	add_step(run_id, 1, "coord-1", "coord/save", 5, "= OK (prepared)");
	add_step(run_id, 2, "app-1", "app/deduct", 5, "no answer");
	add_step(run_id, 3, "app-1", "app/deduct", 1, "= OK");
	finish(run_id, &result);
	assert_pointed(run_id, "all_terminal", "1 2");
	assert_int_equal(query_integer(
		"SELECT count(*) FROM violation_events WHERE run_id = %lld"
		" AND seq = 2 AND why = 'the last event of a transaction left"
		" prepared'", (long long)run_id), 1);

	txn_cas(5, TXN_PREPARED, TXN_SUBMITTED);
	run_id = begin();
	add_step(run_id, 1, "coord-1", "coord/save", 5, "= OK (prepared)");
	add_step(run_id, 2, "coord-1", "coord/submit", 5, "= OK (submitted)");
	add_step(run_id, 3, "coord-2", "coord/deliver", 5, "<- FAILED/CONFLICT");
	add_step(run_id, 4, "coord-2", "coord/deliver", 5, "<- FAILED/CONFLICT");
	add_step(run_id, 5, "coord-2", "coord/deliver", 5, "<- FAILED/CONFLICT");
	finish(run_id, &result);
	assert_pointed(run_id, "all_terminal", "2 3");
	assert_int_equal(query_integer(
		"SELECT count(*) FROM violation_events WHERE run_id = %lld"
		" AND seq = 3 AND why = 'the first call of its recovery that"
		" failed, and 2 more after it'", (long long)run_id), 1);
}

/* An order whose transaction had succeeded, then was lost with a Redis
 * that came back without it: the restart, not the order's creation. */
static void test_txn_order_agreement_points_at_the_redis_that_lost_it(void **state)
{
	struct sim_result result = { 0 };
	char gid[GID_MAX], key[KEY_MAX];
	int64_t run_id;
	(void)state;
	consistent_sale();
	gid_of(1, gid);
	sale_txn_key(gid, key);
	support_integer(redis, "DEL %s", key);
	run_id = begin();
	add_step(run_id, 1, "order-1", "order/create", 1, "= OK");
	add_step(run_id, 2, "coord-1", "coord/branch_done", 1,
		 "= OK (arrived late; nobody reads the answer)");
	add_step(run_id, 3, "redis", "", 0, "RESTART: redis-server is back");
	add_step(run_id, 4, "redis", "", 0, "RESTART: redis-server is back");
	finish(run_id, &result);
	assert_violated(run_id, "txn_order_agreement", 1);
	assert_pointed(run_id, "txn_order_agreement", "3");
	assert_int_equal(query_integer(
		"SELECT count(*) FROM violation_events WHERE run_id = %lld"
		" AND why = 'Redis came back here without the transaction that"
		" succeeded at 20 ms with its order; it is gone'",
		(long long)run_id), 1);
}

/* A failed transaction whose barrier says "op": the deduction that wrote
 * it; a succeeded one without its barrier: where it succeeded. */
static void test_barrier_agreement_points_at_deduction_or_success(void **state)
{
	struct sim_result result = { 0 };
	char gid[GID_MAX], key[KEY_MAX];
	int64_t run_id;
	(void)state;
	consistent_sale();
	gid_of(4, gid);
	sale_barrier_key(gid, key);
	support_integer(redis, "SET %s op", key);
	gid_of(2, gid);
	sale_barrier_key(gid, key);
	support_integer(redis, "DEL %s", key);
	run_id = begin();
	add_step(run_id, 1, "app-2", "app/deduct", 2, "= OK");
	add_step(run_id, 2, "app-1", "app/deduct", 4, "= OK");
	add_step(run_id, 3, "coord-1", "coord/branch_done", 2,
		 "= OK (succeeded)");
	add_step(run_id, 4, "coord-1", "coord/fail", 4, "= OK (failed)");
	finish(run_id, &result);
	assert_pointed(run_id, "barrier_agreement", "2 3");
	assert_int_equal(query_integer(
		"SELECT count(*) FROM violation_events WHERE run_id = %lld"
		" AND seq = 2 AND why LIKE '%%transaction that failed'",
		(long long)run_id), 1);
}

/* An order whose transaction failed: the order's creation. */
static void test_txn_order_agreement_points_at_the_stray_order(void **state)
{
	struct sim_result result = { 0 };
	int64_t run_id;
	(void)state;
	consistent_sale();
	told[3] = TOLD_NOTHING;
	create_own_order(4);
	run_id = begin();
	add_step(run_id, 1, "order-1", "order/create", 4, "= OK");
	add_step(run_id, 2, "order-1", "order/create", 4, "= OK");
	finish(run_id, &result);
	assert_pointed(run_id, "txn_order_agreement", "1");
}

/* An event a violation points at, past the diagram's cap of events:
 * drawn all the same, and the header says so. */
static void test_the_diagram_draws_a_pointed_event_past_its_cap(void **state)
{
	struct sim_result result = { 0 };
	char *svg = NULL;
	size_t size = 0;
	FILE *out;
	int64_t run_id;
	int outlines = 0;
	(void)state;
	consistent_sale();
	told[2] = TOLD_SUCCESS; /* user 3 was sold out */
	run_id = begin();
	for (int i = 1; i <= REPORT_SVG_EVENTS_MAX + 20; i++)
		add_step(run_id, i, "coord-1", "coord/lock", 3,
			 "= LOCKED (failed, attempt 1)");
	add_step(run_id, REPORT_SVG_EVENTS_MAX + 21, "user-3", "", 3,
		 "told success");
	finish(run_id, &result);
	assert_pointed(run_id, "success_has_order", "321");
	out = open_memstream(&svg, &size);
	assert_non_null(out);
	assert_int_equal(report_svg(out, trace, run_id, "cap", NULL), 0);
	fclose(out);
	for (const char *at = strstr(svg, "class=\"fs-pointed\""); at;
	     at = strstr(at + 1, "class=\"fs-pointed\""))
		outlines++;
	assert_int_equal(outlines, 2); /* the row, and the key's sample */
	assert_non_null(strstr(svg, ">success_has_order: told success here,"
			       " and no order exists</text>"));
	assert_non_null(strstr(svg, "only the first 300 of these 321 events"
			       " are drawn (the cap), and 1 past them that a"
			       " violation points at"));
	free(svg);
}

/* A user's file that replaced a built-in is not read as the built-in:
 * it points at nothing. */
static void test_a_replaced_builtin_points_at_nothing(void **state)
{
	struct sim_result result = { 0 };
	char dir[64];
	int64_t run_id;
	(void)state;
	make_dir(dir, sizeof(dir));
	write_file(dir, "conservation.sql", "SELECT 'always' AS why;");
	load_user_dir(dir);
	remove_dir(dir);
	config.stock = 4;
	two_sales();
	run_id = begin();
	add_step(run_id, 1, "app-1", "app/deduct", 3, "= OK");
	finish(run_id, &result);
	assert_violated(run_id, "conservation", 0);
	assert_pointed(run_id, "conservation", "");
}

/* A user's file may say where its rows point: its second SELECT, over
 * run_events and named(gid), the gids the rows named. A replaced
 * built-in with one uses it. */
static void test_a_user_invariant_points_where_its_file_says(void **state)
{
	struct sim_result result = { 0 };
	char dir[64], *text;
	int64_t run_id;
	(void)state;
	make_dir(dir, sizeof(dir));
	write_file(dir, "zz_told_unknown.sql",
		   "-- Nobody is told unknown.\n"
		   "SELECT gid, user_id, 'x' || char(27) || '[2J' AS note"
		   " FROM users WHERE told = 'unknown';\n"
		   "-- Points at: the answer.\n"
		   "WITH t AS (SELECT 'told unknown' AS words)\n"
		   "SELECT seq, 'told unknown' || char(9) || 'here'"
		   " FROM run_events, t\n"
		   " WHERE gid IN (SELECT gid FROM named) AND detail = words\n"
		   "-- a last comment; and nothing more\n");
	write_file(dir, "conservation.sql",
		   "SELECT 'always' AS why;\n"
		   "-- a comment, then a stray semicolon\n"
		   "; SELECT seq, 'mine: ' || detail FROM run_events"
		   " WHERE step = 'app/deduct'"
		   " UNION ALL SELECT 99, 'no such event'"
		   " UNION ALL SELECT seq, NULL FROM run_events"
		   " WHERE detail = 'told unknown' AND gid LIKE '%-3';");
	load_user_dir(dir);
	remove_dir(dir);
	assert_non_null(find_invariant("zz_told_unknown")->points_sql);
	assert_null(find_invariant("no_oversell")->points_sql);
	consistent_sale();
	run_id = begin();
	add_step(run_id, 1, "app-1", "app/deduct", 1, "= OK");
	add_step(run_id, 2, "user-4", "", 4, "told unknown");
	add_step(run_id, 3, "user-3", "", 3, "told unknown");
	finish(run_id, &result);
	assert_violated(run_id, "zz_told_unknown", 4);
	/* user 3 was told success in the final state: not a row, not named */
	assert_pointed_with_empty(run_id, "zz_told_unknown", "2");
	/* 99 is no event of the run: left out; a NULL why is "" */
	assert_pointed_with_empty(run_id, "conservation", "1 3");
	assert_int_equal(query_integer("SELECT count(*) FROM violation_events"
				       " WHERE run_id = %lld AND why = ''",
				       (long long)run_id), 1);
	/* the report: an empty why is a bare mark; a control character in
	 * one is shown, not sent to the terminal */
	text = report(run_id);
	assert_non_null(strstr(text, "told unknown\n              ^\n"));
	assert_non_null(strstr(text, "              ^ told unknown\\x09here\n"));
	/* and so is one in a row */
	assert_non_null(strstr(text, ", note=x\\x1b[2J\n"));
	free(text);
	assert_int_equal(query_integer("SELECT count(*) FROM violation_events"
				       " WHERE run_id = %lld AND why = "
				       "'mine: = OK'", (long long)run_id), 1);
}

/* The second statement is checked when the set loads; an invariant may
 * not read the events, which an exploration keeps only for the runs it
 * reports; a built-in has one statement. */
static void test_a_broken_points_query_names_the_file(void **state)
{
	(void)state;
	assert_load_fails("cols.sql", "SELECT 1 WHERE 0;\n"
			  "SELECT seq FROM run_events;",
			  "returns 1 column: it must return two");
	assert_load_fails("three.sql", "SELECT 1 WHERE 0;\n"
			  "SELECT seq, 1, 2 FROM run_events;",
			  "returns 3 columns");
	assert_load_fails("writes.sql", "SELECT 1 WHERE 0;\n"
			  "DELETE FROM final_orders;", "is not a SELECT");
	assert_load_fails("typo.sql", "SELECT 1 WHERE 0;\n"
			  "SELECT seq, why FROM run_events;",
			  "the events the rows point at: no such column: why");
	assert_load_fails("more.sql", "SELECT 1 WHERE 0;\n"
			  "SELECT seq, detail FROM run_events; SELECT 1;",
			  "more than two statements");
	assert_load_fails("events.sql", "SELECT seq FROM run_events;",
			  "it reads the run's events");
	assert_load_fails("table.sql", "SELECT count(*) FROM main.events"
			  " HAVING count(*) > 1;", "it reads the run's events");
	assert_load_fails("count.sql", "SELECT 'none' WHERE NOT EXISTS"
			  " (SELECT 1 FROM events);", "it reads the run's events");
	assert_load_fails("counted.sql", "SELECT count(*) FROM run_events"
			  " HAVING count(*) = 0;", "it reads the run's events");
	assert_load_fails("named.sql", "SELECT gid FROM named;",
			  "no such table: named");
	assert_load_fails("junk.sql", "SELECT 1 WHERE 0;\n"
			  "SELECT seq, detail FROM run_events;; junk here",
			  "after its second statement: near \"junk\"");
	/* as it will run: inside the statement that records the events */
	assert_load_fails("pragma.sql", "SELECT 1 WHERE 0;\n"
			  "PRAGMA collation_list;", "cannot run as one");
	assert_load_fails("temp.sql", "SELECT 1 WHERE 0;\n"
			  "SELECT seq, 'x' FROM run_events WHERE gid IN"
			  " (SELECT gid FROM temp.named);", "cannot run as one:"
			  " no such table: temp.named");
}

/* The report marks the events pointed at, says why under each, and
 * shows them even for an invariant whose rows name no gid. */
static void test_report_marks_the_events_pointed_at(void **state)
{
	struct sim_result result = { 0 };
	char key[KEY_MAX];
	int64_t run_id;
	char *text;
	(void)state;
	config.stock = 4;
	two_sales();
	sale_stock_key(&config.sale, key);
	support_integer(redis, "DECR %s", key);
	run_id = begin();
	add_step(run_id, 1, "app-1", "app/deduct", 1, "= OK");
	add_step(run_id, 2, "app-2", "app/deduct", 3, "= OK (the lost one)");
	add_step(run_id, 3, "user-3", "", 3, "told unknown");
	finish(run_id, &result);
	text = report(run_id);
	assert_non_null(strstr(text, "violated: conservation (1 row)"));
	assert_non_null(strstr(text, ">>      20  app-2     app/deduct"
			       " {t}flash-sale-1-3 = OK (the lost one)\n"
			       "              ^ a unit taken here that no order"
			       " matches\n"));
	assert_non_null(strstr(text, "told unknown"));
	assert_null(strstr(text, ">>      10"));
	free(text);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_consistent_sale_is_ok),
		TEST(test_all_terminal_holds),
		TEST(test_all_terminal_violated_by_a_prepared_txn),
		TEST(test_conservation_holds_with_stock_left),
		TEST(test_conservation_violated_by_a_lost_unit),
		TEST(test_conservation_violated_by_a_missing_stock_key),
		TEST(test_no_oversell_holds_when_sold_out_exactly),
		TEST(test_no_oversell_violated_by_negative_stock),
		TEST(test_no_oversell_violated_by_more_orders_than_stock),
		TEST(test_one_order_per_user_holds_across_activities),
		TEST(test_one_order_per_user_violated_by_a_second_order),
		TEST(test_one_order_per_user_violated_by_two_orders_of_a_gid),
		TEST(test_txn_order_agreement_holds),
		TEST(test_txn_order_agreement_violated_by_a_missing_order),
		TEST(test_txn_order_agreement_violated_by_a_stray_order),
		TEST(test_success_has_order_holds),
		TEST(test_success_has_order_violated),
		TEST(test_rejected_has_no_order_holds),
		TEST(test_rejected_has_no_order_violated),
		TEST(test_every_answer_of_a_user_is_checked),
		TEST(test_barrier_agreement_holds),
		TEST(test_barrier_agreement_violated_by_a_lost_barrier),
		TEST(test_barrier_agreement_violated_by_an_op_on_failure),
		TEST(test_liveness_verdict_is_kept),
		TEST(test_check_twice_replaces_the_snapshot),
		TEST(test_user_invariant_fires),
		TEST(test_user_file_replaces_a_builtin),
		TEST(test_explanation_is_the_opening_comment),
		TEST(test_a_set_holds_64_invariants),
		TEST(test_broken_user_invariant_names_the_file),
		TEST(test_nul_byte_in_user_invariant_is_refused),
		TEST(test_missing_user_dir_is_named),
		TEST(test_empty_user_dir_is_refused),
		TEST(test_drop_run_leaves_no_rows),
		TEST(test_drop_keeps_memory_flat),
		TEST(test_file_trace_keeps_runs),
		TEST(test_a_run_left_open_keeps_verdict_null),
		TEST(test_snapshot_is_deterministic),
		TEST(test_report_names_rows_and_events),
		TEST(test_report_caps_rows),
		TEST(test_report_says_rows_past_the_recorded_were_not_counted),
		TEST(test_report_is_empty_without_violations),
		TEST(test_conservation_points_at_the_unit_without_order),
		TEST(test_conservation_points_at_the_redis_restart),
		TEST(test_success_has_order_points_at_the_answer),
		TEST(test_rejected_has_no_order_points_at_answer_and_order),
		TEST(test_one_order_per_user_points_at_each_order),
		TEST(test_no_oversell_points_past_the_stock),
		TEST(test_all_terminal_points_at_where_it_stopped),
		TEST(test_txn_order_agreement_points_at_the_redis_that_lost_it),
		TEST(test_barrier_agreement_points_at_deduction_or_success),
		TEST(test_txn_order_agreement_points_at_the_stray_order),
		TEST(test_a_replaced_builtin_points_at_nothing),
		TEST(test_the_diagram_draws_a_pointed_event_past_its_cap),
		TEST(test_report_marks_the_events_pointed_at),
		TEST(test_a_user_invariant_points_where_its_file_says),
		TEST(test_a_broken_points_query_names_the_file),
	};
	return cmocka_run_group_tests_name("invariants", tests, NULL, NULL);
}
