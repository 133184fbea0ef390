/*
 * test_barrier.c - the Redis barrier scripts on a live server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>

#include "barrier.h"
#include "flash.h"
#include "support.h"

static struct redis_conn *redis;
static struct sale sale;

static int setup(void **state)
{
	(void)state;
	redis = support_redis();
	support_redis_flush(redis);
	support_sale(&sale);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	support_redis_close(redis);
	return 0;
}

static void set_stock(long long stock)
{
	char key[KEY_MAX];
	sale_stock_key(&sale, key);
	support_integer(redis, "SET %s %lld", key, stock);
}

static long long stock_left(void)
{
	char key[KEY_MAX], value[32];
	sale_stock_key(&sale, key);
	support_get_string(redis, value, sizeof(value), "GET %s", key);
	return atoll(value);
}

static struct outcome run(enum script_id script, uint64_t user)
{
	struct redis_call call;
	struct outcome outcome;
	char gid[GID_MAX];
	sale_gid(&sale, user, gid);
	if (script == SCRIPT_DEDUCT)
		barrier_deduct(&call, &sale, gid);
	else
		barrier_query_prepared(&call, &sale, gid);
	assert_int_equal(redis_run(redis, &call, &outcome), 0);
	assert_int_equal(outcome.result, RESULT_OK);
	return outcome;
}

static void barrier_value(uint64_t user, char *out, size_t size)
{
	char gid[GID_MAX], key[KEY_MAX];
	sale_gid(&sale, user, gid);
	sale_barrier_key(gid, key);
	support_get_string(redis, out, size, "GET %s", key);
}

static void test_deduct_takes_one_unit_and_sets_the_barrier(void **state)
{
	char value[32];
	(void)state;
	set_stock(2);
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_OK);
	assert_int_equal(stock_left(), 1);
	barrier_value(1, value, sizeof(value));
	assert_string_equal(value, "op");
}

static void test_deduct_twice_is_duplicate(void **state)
{
	(void)state;
	set_stock(5);
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_OK);
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_DUPLICATE);
	assert_int_equal(stock_left(), 4);
}

static void test_sold_out_changes_nothing(void **state)
{
	char value[32];
	(void)state;
	set_stock(0);
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_SOLD_OUT);
	assert_int_equal(stock_left(), 0);
	barrier_value(1, value, sizeof(value));
	assert_string_equal(value, "");
}

static void test_missing_stock_is_sold_out(void **state)
{
	(void)state;
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_SOLD_OUT);
}

/* The barrier is checked before the stock: the same user's second request
 * after the last unit went to its first request is DUPLICATE, not
 * SOLD_OUT, so it never aborts a transaction whose deduction happened. */
static void test_duplicate_wins_over_sold_out(void **state)
{
	(void)state;
	set_stock(1);
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_OK);
	assert_int_equal(stock_left(), 0);
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_DUPLICATE);
	assert_int_equal(run(SCRIPT_DEDUCT, 2).code, CODE_SOLD_OUT);
}

static void test_backcheck_after_deduct_is_success(void **state)
{
	char value[32];
	(void)state;
	set_stock(1);
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_OK);
	assert_int_equal(run(SCRIPT_QUERY_PREPARED, 1).code, CODE_SUCCESS);
	barrier_value(1, value, sizeof(value));
	assert_string_equal(value, "op");
}

/* The rollback marker: a backcheck that finds no deduction answers FAILURE
 * and leaves the marker, so a late deduction is DUPLICATE and takes nothing,
 * and the backcheck keeps answering FAILURE. */
static void test_rollback_marker_blocks_a_late_deduction(void **state)
{
	char value[32];
	struct outcome first, again;
	(void)state;
	set_stock(3);
	first = run(SCRIPT_QUERY_PREPARED, 1);
	assert_int_equal(first.code, CODE_FAILURE);
	assert_true(first.rollback_marked); /* the answer says it set it */
	barrier_value(1, value, sizeof(value));
	assert_string_equal(value, "rollback");
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_DUPLICATE);
	assert_int_equal(stock_left(), 3);
	again = run(SCRIPT_QUERY_PREPARED, 1);
	assert_int_equal(again.code, CODE_FAILURE);
	assert_false(again.rollback_marked); /* found it there */
}

static void test_barrier_has_a_ttl(void **state)
{
	char gid[GID_MAX], key[KEY_MAX];
	long long ttl;
	(void)state;
	set_stock(1);
	run(SCRIPT_DEDUCT, 1);
	sale_gid(&sale, 1, gid);
	sale_barrier_key(gid, key);
	ttl = support_integer(redis, "TTL %s", key);
	assert_true(ttl > 0);
	assert_true(ttl <= sale.barrier_ttl_s);
	/* The barrier must outlive every backcheck of its transaction: one
	 * expired before the coordinator asks reads as "never deducted", the
	 * backcheck answers FAILURE, and the unit is lost. No run can show
	 * it (Redis expires keys on its own clock, and a run lasts
	 * milliseconds of it), so the TTL is held here above the longest a
	 * transaction can stay open in a sale flashsim accepts: the longest
	 * timeout-to-fail and the longest recovery bound, a day each. */
	assert_true(ttl * 1000 > 2 * 86400000LL);
}

/* The sold-out fast path's stock check, as the app's machine builds it. */
static enum code stock_check(uint64_t user)
{
	struct sale fast = sale;
	struct flash_request request;
	const struct effect *effect;
	struct outcome outcome;
	fast.sold_out_fast_path = true;
	flash_request_init(&request, &fast, user);
	effect = flash_request_step(&request, NULL);
	assert_int_equal(effect->kind, EFFECT_REDIS);
	assert_int_equal(effect->step, STEP_APP_CHECK_STOCK);
	assert_int_equal(redis_run(redis, &effect->redis, &outcome), 0);
	assert_int_equal(outcome.result, RESULT_OK);
	return outcome.code;
}

/* No stock: SOLD_OUT, unless this purchase was seen before (its barrier
 * exists): a duplicate of a request that took the last unit must not be
 * told "rejected", so it goes the full way. */
static void test_stock_check_lets_a_seen_purchase_through(void **state)
{
	(void)state;
	set_stock(1);
	assert_int_equal(stock_check(1), CODE_OK);
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_OK);
	assert_int_equal(stock_check(2), CODE_SOLD_OUT);
	assert_int_equal(stock_check(1), CODE_OK); /* its own unit */
	/* A rolled-back purchase goes the full way too, and is refused there. */
	assert_int_equal(run(SCRIPT_QUERY_PREPARED, 3).code, CODE_FAILURE);
	assert_int_equal(stock_check(3), CODE_OK);
	assert_int_equal(stock_left(), 0);
}

/* Whether the server has a function of that name. */
static bool server_has_function(const char *name)
{
	redisReply *reply = redisCommand(redis->context, "FCALL %s 0", name);
	bool has;
	assert_non_null(reply);
	has = !(reply->type == REDIS_REPLY_ERROR &&
		strcmp(reply->str, "ERR Function not found") == 0);
	freeReplyObject(reply);
	return has;
}

/* The scripts run as Redis functions. After FUNCTION DELETE (as after a
 * restart without persistence) FCALL answers that the function is not
 * found; the executor loads the library again and the call still runs
 * once. */
static void test_lost_functions_are_loaded_again(void **state)
{
	const char *name = redis_function_name(SCRIPT_QUERY_PREPARED);
	(void)state;
	assert_true(redis->functions);
	assert_non_null(strstr(redis_function_name(SCRIPT_DEDUCT), "_deduct"));
	set_stock(2);
	support_forget_scripts(redis);
	assert_false(server_has_function(name));
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_OK);
	assert_int_equal(stock_left(), 1);
	assert_true(server_has_function(name)); /* the whole library */
}

/* Whether the server has a script of that SHA (SCRIPT EXISTS). */
static bool server_has_script(const char *sha)
{
	redisReply *reply = redisCommand(redis->context, "SCRIPT EXISTS %s",
					 sha);
	bool has;
	assert_non_null(reply);
	assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
	has = reply->element[0]->integer == 1;
	freeReplyObject(reply);
	return has;
}

/* A connection to a server with functions loads the library and no
 * script: the functions run them all. */
static void test_a_connection_with_functions_loads_no_script(void **state)
{
	struct redis_conn other;
	char sha[41];
	(void)state;
	assert_int_equal(redis_script_sha(redis, SCRIPT_DEDUCT, sha), 0);
	assert_true(server_has_script(sha));
	support_integer(redis, "SCRIPT FLUSH");
	if (redis_conn_open(&other, redis->address, 2000) != 0)
		fail_msg("%s", other.error);
	assert_true(other.functions);
	redis_conn_close(&other);
	assert_false(server_has_script(sha));
}

/* A connection that may not load functions (here the ACL forbids them;
 * a server before Redis 7 has none) calls every script by EVALSHA. */
static void test_without_functions_scripts_go_by_evalsha(void **state)
{
	struct redis_conn *plain = redis;
	struct redis_conn other;
	int rc;
	(void)state;
	set_stock(2);
	support_forget_scripts(redis);
	support_integer(redis, "ACL SETUSER default -@scripting +eval +evalsha"
			       " +script");
	rc = redis_conn_open(&other, plain->address, 2000);
	support_integer(redis, "ACL SETUSER default +@all");
	if (rc != 0)
		fail_msg("%s", other.error);
	assert_false(other.functions);
	redis = &other;
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_OK);
	redis = plain;
	redis_conn_close(&other);
	assert_int_equal(stock_left(), 1);
	assert_false(server_has_function(
		redis_function_name(SCRIPT_DEDUCT))); /* it never loaded them */
}

/* A server without functions is asked its version at connect, and one
 * before Redis 6.2 (no SET ... GET, which the abort uses) is refused. No
 * such server is at hand here, so this reads the version from INFO server
 * texts as those servers give them, and from the live server's own. The
 * EVALSHA path itself runs on a real server without functions in the
 * second pass of tests/run.sh. */
static void test_version_is_read_from_info_server(void **state)
{
	char info[8192];
	(void)state;
	assert_int_equal(redis_version_number("# Server\r\n"
					      "redis_version:6.0.16\r\n"
					      "redis_git_sha1:00000000\r\n"),
			 REDIS_VERSION(6, 0, 16));
	assert_true(redis_version_number("redis_version:6.0.16\r\n") <
		    REDIS_VERSION(6, 2, 0));
	assert_int_equal(redis_version_number("redis_version:6.2.0\r\n"),
			 REDIS_VERSION(6, 2, 0));
	assert_true(redis_version_number("redis_version:6.10.1\r\n") >
		    redis_version_number("redis_version:6.2.14\r\n"));
	assert_int_equal(redis_version_number("redis_version:7.2\r\n"),
			 REDIS_VERSION(7, 2, 0));
	assert_int_equal(redis_version_number("redis_version:7.0.15"),
			 REDIS_VERSION(7, 0, 15));
	assert_int_equal(redis_version_number("redis_mode:standalone\r\n"), -1);
	assert_int_equal(redis_version_number("redis_version:seven\r\n"), -1);
	assert_int_equal(redis_version_number("redis_version:7.0.15x\r\n"), -1);
	assert_int_equal(redis_version_number(NULL), -1);
	support_get_string(redis, info, sizeof(info), "INFO server");
	assert_true(redis_version_number(info) >= REDIS_VERSION(6, 2, 0));
}

/* A server that may evict keys is told apart (flashsim warns on a
 * --redis like that): a memory limit with an evicting policy, and not
 * either alone. The test server's settings are put back after. */
static void test_an_evicting_server_is_told_apart(void **state)
{
	char detail[256] = "";
	(void)state;
	assert_false(redis_evicts(redis, detail, sizeof(detail)));
	support_integer(redis, "CONFIG SET maxmemory-policy allkeys-lru");
	assert_false(redis_evicts(redis, detail, sizeof(detail)));
	support_integer(redis, "CONFIG SET maxmemory 1gb");
	assert_true(redis_evicts(redis, detail, sizeof(detail)));
	assert_string_equal(detail,
			    "maxmemory 1073741824, maxmemory-policy allkeys-lru");
	support_integer(redis, "CONFIG SET maxmemory-policy noeviction");
	assert_false(redis_evicts(redis, detail, sizeof(detail)));
	support_integer(redis, "CONFIG SET maxmemory 0");
}

/* A script replaced on a connection (a teaching variant) runs by EVALSHA;
 * after SCRIPT FLUSH the server answers NOSCRIPT, and the executor loads
 * that script again: the call still runs once. */
static void test_noscript_fallback(void **state)
{
	(void)state;
	set_stock(2);
	assert_int_equal(redis_conn_use_script(redis, SCRIPT_DEDUCT,
			 redis_script_source(SCRIPT_DEDUCT)), 0);
	support_integer(redis, "SCRIPT FLUSH");
	assert_int_equal(run(SCRIPT_DEDUCT, 1).code, CODE_OK);
	assert_int_equal(redis_conn_use_script(redis, SCRIPT_DEDUCT, NULL), 0);
	assert_int_equal(stock_left(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deduct_takes_one_unit_and_sets_the_barrier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deduct_twice_is_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sold_out_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_stock_is_sold_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_wins_over_sold_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backcheck_after_deduct_is_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_marker_blocks_a_late_deduction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_barrier_has_a_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_functions_are_loaded_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_connection_with_functions_loads_no_script, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_functions_scripts_go_by_evalsha, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_is_read_from_info_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_evicting_server_is_told_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noscript_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stock_check_lets_a_seen_purchase_through, setup, teardown),
	};
	return cmocka_run_group_tests_name("barrier", tests, NULL, NULL);
}
