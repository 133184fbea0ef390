/*
 * test_order.c - the order service on real SQLite: the schema, the
 * idempotent create-order transaction, and the handler's step machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "order.h"
#include "support.h"

static struct order_db db;
static char path[512];

static int setup(void **state)
{
	(void)state;
	support_orders_path(path, sizeof(path));
	if (order_db_open(&db, path, true) != 0) {
		fprintf(stderr, "test set-up: %s\n", db.error);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	order_db_close(&db);
	return 0;
}

static struct sql_call order_call(const char *gid, uint64_t activity,
				  uint64_t user)
{
	struct sql_call call;
	memset(&call, 0, sizeof(call));
	call.activity = activity;
	call.user = user;
	call.now_ms = 1234;
	snprintf(call.gid, sizeof(call.gid), "%s", gid);
	return call;
}

/* Creates an order and returns the outcome; SQLite itself must not fail. */
static struct outcome create(const char *gid, uint64_t activity, uint64_t user)
{
	struct sql_call call = order_call(gid, activity, user);
	struct outcome outcome;
	int rc = order_db_create_order(&db, &call, &outcome);
	if (rc != 0)
		fprintf(stderr, "create order: %s\n", db.error);
	assert_int_equal(rc, 0);
	return outcome;
}

/* One integer from a query on the open database. */
static long long query_integer(struct sqlite3 *handle, const char *sql)
{
	sqlite3_stmt *stmt;
	long long value;
	assert_int_equal(sqlite3_prepare_v2(handle, sql, -1, &stmt, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

static long long orders_rows(void)
{
	return query_integer(db.db, "SELECT count(*) FROM orders");
}

static long long barrier_rows(void)
{
	return query_integer(db.db, "SELECT count(*) FROM barrier");
}

static void test_open_creates_the_schema(void **state)
{
	(void)state;
	assert_int_equal(query_integer(db.db,
		"SELECT count(*) FROM sqlite_master"
		" WHERE type = 'table' AND name = 'orders'"), 1);
	assert_int_equal(query_integer(db.db,
		"SELECT count(*) FROM sqlite_master"
		" WHERE type = 'table' AND name = 'barrier'"), 1);
	assert_int_equal(orders_rows(), 0);
	assert_int_equal(barrier_rows(), 0);
}

/* One user gets one order per activity, whatever the code above does: the
 * database itself refuses a second row for the same (activity, user), and
 * only for the same pair. */
static void test_orders_table_is_unique_per_activity_and_user(void **state)
{
	char *error = NULL;
	int rc;
	(void)state;
	assert_int_equal(sqlite3_exec(db.db,
		"INSERT INTO orders(activity_id, user_id, gid, created_at)"
		" VALUES(1, 1, 'g1', 0)", NULL, NULL, NULL), SQLITE_OK);
	rc = sqlite3_exec(db.db,
		"INSERT INTO orders(activity_id, user_id, gid, created_at)"
		" VALUES(1, 1, 'g2', 0)", NULL, NULL, &error);
	sqlite3_free(error);
	assert_int_equal(rc, SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_extended_errcode(db.db),
			 SQLITE_CONSTRAINT_UNIQUE);
	assert_int_equal(sqlite3_exec(db.db,
		"INSERT INTO orders(activity_id, user_id, gid, created_at)"
		" VALUES(1, 2, 'g3', 0), (2, 1, 'g4', 0)", NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(orders_rows(), 3);
}

static void test_create_order_creates_exactly_one_order(void **state)
{
	struct outcome outcome;
	(void)state;
	outcome = create("{t}flash-sale-1-5", 1, 5);
	assert_int_equal(outcome.result, RESULT_OK);
	assert_int_equal(outcome.code, CODE_OK);
	assert_int_equal(orders_rows(), 1);
	assert_int_equal(barrier_rows(), 1);
	assert_int_equal(query_integer(db.db,
		"SELECT count(*) FROM orders WHERE activity_id = 1"
		" AND user_id = 5 AND gid = '{t}flash-sale-1-5'"
		" AND created_at = 1234"), 1);
	assert_int_equal(query_integer(db.db,
		"SELECT count(*) FROM barrier WHERE gid = '{t}flash-sale-1-5'"
		" AND branch_id = '00' AND op = 'action'"), 1);
}

/* The coordinator redelivers a branch whose reply it lost: the second
 * delivery must answer OK (so the txn can succeed) without a second order. */
static void test_duplicate_delivery_is_ok_and_creates_nothing(void **state)
{
	struct outcome outcome;
	(void)state;
	assert_int_equal(create("{t}flash-sale-1-5", 1, 5).code, CODE_OK);
	outcome = create("{t}flash-sale-1-5", 1, 5);
	assert_int_equal(outcome.result, RESULT_OK);
	assert_int_equal(outcome.code, CODE_OK);
	assert_int_equal(orders_rows(), 1);
	assert_int_equal(barrier_rows(), 1);
}

/* Another gid for a user who already has an order is a definite "no"; its
 * barrier row is rolled back with it, and the connection is left outside
 * any transaction (the next order still goes through). */
static void test_other_gid_same_user_is_conflict_and_rolled_back(void **state)
{
	struct outcome outcome;
	(void)state;
	assert_int_equal(create("gid-a", 1, 5).code, CODE_OK);
	outcome = create("gid-b", 1, 5);
	assert_int_equal(outcome.result, RESULT_FAILED);
	assert_int_equal(outcome.code, CODE_CONFLICT);
	assert_int_equal(orders_rows(), 1);
	assert_int_equal(barrier_rows(), 1);
	assert_int_equal(query_integer(db.db,
		"SELECT count(*) FROM barrier WHERE gid = 'gid-b'"), 0);
	assert_int_equal(query_integer(db.db,
		"SELECT count(*) FROM orders WHERE gid = 'gid-a'"), 1);
	assert_true(sqlite3_get_autocommit(db.db));
	/* gid-b's barrier was rolled back, so retrying it is a conflict again
	 * rather than a false OK from a leftover barrier row. */
	outcome = create("gid-b", 1, 5);
	assert_int_equal(outcome.result, RESULT_FAILED);
	assert_int_equal(outcome.code, CODE_CONFLICT);
	assert_int_equal(create("gid-c", 1, 6).code, CODE_OK);
	assert_int_equal(orders_rows(), 2);
}

static void test_count_is_per_activity(void **state)
{
	(void)state;
	create("a1-u1", 1, 1);
	create("a1-u2", 1, 2);
	create("a2-u1", 2, 1);
	assert_int_equal(order_db_count(&db, 1), 2);
	assert_int_equal(order_db_count(&db, 2), 1);
	assert_int_equal(order_db_count(&db, 3), 0);
	/* The statement is reusable: counting again gives the same. */
	assert_int_equal(order_db_count(&db, 1), 2);
}

/* A run starts from no orders (reset), but reopening without reset, as
 * after a crash of the order service, must keep what was committed. */
static void test_reopen_keeps_orders_and_reset_empties_them(void **state)
{
	(void)state;
	assert_int_equal(create("gid-a", 1, 5).code, CODE_OK);
	order_db_close(&db);

	assert_int_equal(order_db_open(&db, path, false), 0);
	assert_int_equal(order_db_count(&db, 1), 1);
	assert_int_equal(barrier_rows(), 1);
	/* The barrier survived too: the redelivery is still a no-op. */
	assert_int_equal(create("gid-a", 1, 5).code, CODE_OK);
	assert_int_equal(orders_rows(), 1);
	order_db_close(&db);

	assert_int_equal(order_db_open(&db, path, true), 0);
	assert_int_equal(orders_rows(), 0);
	assert_int_equal(barrier_rows(), 0);
}

/* A file whose orders table is another program's is refused as it was:
 * its rows kept, no table added (it used to be emptied first, then
 * refused). */
static void test_a_foreign_orders_table_is_left_as_it_was(void **state)
{
	char foreign[600];
	struct order_db other;
	sqlite3 *raw;
	(void)state;
	snprintf(foreign, sizeof(foreign), "%s.foreign", path);
	remove(foreign);
	assert_int_equal(sqlite3_open(foreign, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "CREATE TABLE orders(id INTEGER"
				      " PRIMARY KEY, customer TEXT); INSERT INTO"
				      " orders VALUES(1, 'alice')", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(order_db_open(&other, foreign, true), -1);
	assert_non_null(strstr(other.error, "no column named activity_id"));
	order_db_close(&other);
	assert_int_equal(support_shell("test \"$(sqlite3 '%s' 'select (select"
				       " group_concat(customer) from orders) ||"
				       " \",\" || (select count(*) from"
				       " sqlite_master)')\" = alice,1", foreign),
			 0);
	remove(foreign);
}

static struct message create_request(void)
{
	struct message request;
	memset(&request, 0, sizeof(request));
	request.method = METHOD_CREATE_ORDER;
	request.activity = 3;
	request.user = 77;
	snprintf(request.gid, sizeof(request.gid), "{t}flash-sale-3-77");
	return request;
}

/* A database that holds other tables (here a flashsim trace's runs) is
 * not an order database: refused as it was, with the table named, and
 * the path is not repeated in the message. */
static void test_a_database_with_other_tables_is_refused(void **state)
{
	struct order_db other;
	char foreign[600];
	sqlite3 *raw;
	(void)state;
	snprintf(foreign, sizeof(foreign), "%s.trace", path);
	remove(foreign);
	assert_int_equal(sqlite3_open(foreign, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "CREATE TABLE runs(run_id INTEGER)",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(order_db_open(&other, foreign, true), -1);
	assert_non_null(strstr(other.error, "it holds a table 'runs' besides"));
	assert_null(strstr(other.error, foreign));
	order_db_close(&other);
	assert_int_equal(support_shell("test \"$(sqlite3 '%s' 'select"
				       " group_concat(name) from sqlite_master')\""
				       " = runs", foreign), 0);
	remove(foreign);
}

static void test_handler_asks_for_sql_then_replies_then_is_done(void **state)
{
	struct order_handler handler;
	struct message request = create_request();
	struct outcome outcome = outcome_make(RESULT_FAILED, CODE_CONFLICT);
	const struct effect *effect;
	(void)state;
	order_handler_init(&handler, &request);

	effect = order_handler_step(&handler, NULL, 5000);
	assert_int_equal(effect->kind, EFFECT_SQL);
	assert_int_equal(effect->step, STEP_ORDER_CREATE);
	assert_string_equal(effect->sql.gid, "{t}flash-sale-3-77");
	assert_int_equal(effect->sql.activity, 3);
	assert_int_equal(effect->sql.user, 77);
	assert_int_equal(effect->sql.now_ms, 5000);

	/* The reply carries what the SQL step answered, for this request. */
	effect = order_handler_step(&handler, &outcome, 5001);
	assert_int_equal(effect->kind, EFFECT_REPLY);
	assert_int_equal(effect->step, STEP_ORDER_REPLY);
	assert_int_equal(effect->reply.result, RESULT_FAILED);
	assert_int_equal(effect->reply.code, CODE_CONFLICT);
	assert_int_equal(effect->reply.method, METHOD_CREATE_ORDER);
	assert_string_equal(effect->reply.gid, "{t}flash-sale-3-77");
	assert_int_equal(effect->reply.activity, 3);
	assert_int_equal(effect->reply.user, 77);

	effect = order_handler_step(&handler, NULL, 5002);
	assert_int_equal(effect->kind, EFFECT_DONE);
	assert_int_equal(handler.state, ORDER_HANDLER_DONE);
	/* Stepping a finished machine stays done. */
	effect = order_handler_step(&handler, NULL, 5003);
	assert_int_equal(effect->kind, EFFECT_DONE);
}

/* The handler's SQL effect, run as a driver would, creates the order and
 * the reply reports OK. */
static void test_handler_driven_against_the_database(void **state)
{
	struct order_handler handler;
	struct message request = create_request();
	struct outcome outcome;
	const struct effect *effect;
	(void)state;
	order_handler_init(&handler, &request);
	effect = order_handler_step(&handler, NULL, 9000);
	assert_int_equal(effect->kind, EFFECT_SQL);
	assert_int_equal(order_db_create_order(&db, &effect->sql, &outcome), 0);
	effect = order_handler_step(&handler, &outcome, 9001);
	assert_int_equal(effect->kind, EFFECT_REPLY);
	assert_int_equal(effect->reply.result, RESULT_OK);
	assert_int_equal(effect->reply.code, CODE_OK);
	assert_int_equal(order_db_count(&db, 3), 1);
	assert_int_equal(query_integer(db.db,
		"SELECT created_at FROM orders WHERE user_id = 77"), 9000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_the_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orders_table_is_unique_per_activity_and_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_order_creates_exactly_one_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_delivery_is_ok_and_creates_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_gid_same_user_is_conflict_and_rolled_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_is_per_activity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_orders_and_reset_empties_them, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_foreign_orders_table_is_left_as_it_was, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_database_with_other_tables_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_asks_for_sql_then_replies_then_is_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_driven_against_the_database, setup, teardown),
	};
	return cmocka_run_group_tests_name("order", tests, NULL, NULL);
}
