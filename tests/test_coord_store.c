/*
 * test_coord_store.c - the coordinator-store scripts on a live server.
 *
 * Time is a script argument (virtual ms), so every test picks its own
 * numbers. With the defaults: timeout-to-fail 3000 ms, retry 1000 ms
 * doubling to 8000 ms, open TTL 7 days, terminal TTL 1 day.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "coord_store.h"
#include "support.h"

#define FIELD_MAX REDIS_ARG_MAX

static struct redis_conn *redis;
static struct sale sale;

static int setup(void **state)
{
	(void)state;
	redis = support_redis();
	support_redis_flush(redis);
	support_sale(&sale);
	/* Not the default activity, so a parsed branch payload that ignored
	 * the stored activity would show. */
	sale.activity = 7;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	support_redis_close(redis);
	return 0;
}

/* Runs one script call; a broken connection or an error reply fails. */
static struct outcome run(const struct redis_call *call)
{
	struct outcome outcome;
	assert_int_equal(redis_run(redis, call, &outcome), 0);
	assert_int_equal(outcome.result, RESULT_OK);
	return outcome;
}

static struct outcome save(uint64_t user, int64_t now_ms)
{
	struct redis_call call;
	char gid[GID_MAX];
	sale_gid(&sale, user, gid);
	coord_store_save(&call, &sale, gid, user, now_ms, SALE_BACKCHECK_ADDRESS);
	return run(&call);
}

static struct outcome cas(uint64_t user, enum txn_status expected,
			  enum txn_status next, int64_t now_ms)
{
	struct redis_call call;
	char gid[GID_MAX];
	sale_gid(&sale, user, gid);
	coord_store_cas(&call, &sale, gid, expected, next, now_ms);
	return run(&call);
}

static struct outcome lock_due_on(struct redis_conn *conn, int64_t now_ms)
{
	struct redis_call call;
	struct outcome outcome;
	coord_store_lock_due(&call, &sale, now_ms);
	assert_int_equal(redis_run(conn, &call, &outcome), 0);
	assert_int_equal(outcome.result, RESULT_OK);
	return outcome;
}

static struct outcome lock_due(int64_t now_ms)
{
	return lock_due_on(redis, now_ms);
}

static struct outcome branch_done(uint64_t user)
{
	struct redis_call call;
	char gid[GID_MAX];
	sale_gid(&sale, user, gid);
	coord_store_branch_done(&call, &sale, gid);
	return run(&call);
}

/* GET txn:<gid>, the transaction as stored; "" when it does not exist. */
static void stored(uint64_t user, char *out)
{
	char gid[GID_MAX], key[KEY_MAX];
	sale_gid(&sale, user, gid);
	sale_txn_key(gid, key);
	support_get_string(redis, out, FIELD_MAX, "GET %s", key);
}

/* One field of the stored transaction, by its name in coord_store.h; ""
 * when the transaction does not exist. */
static void field(uint64_t user, const char *name, char *out)
{
	static const char *const names[TXN_FIELDS] = {
		"status", "created_ms", "attempts", "backcheck", "branch_00",
		"branch_00_status",
	};
	struct txn_record record;
	char value[FIELD_MAX];
	stored(user, value);
	out[0] = '\0';
	if (!value[0])
		return;
	assert_int_equal(coord_store_parse(value, strlen(value), &record), 0);
	for (int i = 0; i < TXN_FIELDS; i++)
		if (strcmp(names[i], name) == 0) {
			snprintf(out, FIELD_MAX, "%s", record.field[i] ?
				 record.field[i] : "(none)");
			return;
		}
	fail_msg("no field %s in a transaction", name);
}

static void assert_field(uint64_t user, const char *name, const char *want)
{
	char value[FIELD_MAX];
	field(user, name, value);
	assert_string_equal(value, want);
}

/* The score of the user's transaction in the due set (its member is the
 * txn key), or -1 when it is not there. */
static long long due_score(uint64_t user)
{
	char gid[GID_MAX], txn[KEY_MAX], key[KEY_MAX], value[FIELD_MAX];
	sale_gid(&sale, user, gid);
	sale_txn_key(gid, txn);
	sale_due_key(&sale, key);
	support_get_string(redis, value, sizeof(value), "ZSCORE %s %s", key, txn);
	return value[0] ? atoll(value) : -1;
}

static long long due_count(void)
{
	char key[KEY_MAX];
	sale_due_key(&sale, key);
	return support_integer(redis, "ZCARD %s", key);
}

static long long txn_ttl(uint64_t user)
{
	char gid[GID_MAX], key[KEY_MAX];
	sale_gid(&sale, user, gid);
	sale_txn_key(gid, key);
	return support_integer(redis, "TTL %s", key);
}

/* Checks the whole stored string of a saved, untouched transaction. */
static void assert_saved(uint64_t user, const char *created_ms)
{
	char payload[REDIS_ARG_MAX], want[2 * FIELD_MAX], value[FIELD_MAX];
	sale_branch_payload(sale.activity, user, payload);
	snprintf(want, sizeof(want), "prepared %s 0 %s %s prepared",
		 created_ms, SALE_BACKCHECK_ADDRESS, payload);
	stored(user, value);
	assert_string_equal(value, want);
}

/* ---- save ---------------------------------------------------------- */

static void test_save_stores_a_prepared_txn_due_at_timeout(void **state)
{
	struct outcome outcome;
	long long ttl;
	(void)state;
	outcome = save(1, 10000);
	assert_int_equal(outcome.code, CODE_OK);
	assert_int_equal(outcome.status, TXN_PREPARED);
	assert_saved(1, "10000");
	assert_field(1, "branch_00", "create_order:7:1");
	/* First check when a prepared txn is old enough to be backchecked. */
	assert_int_equal(due_score(1), 10000 + sale.timeout_to_fail_ms);
	/* An open transaction has no TTL: it must outlive any outage of the
	 * coordinators (an expired one would orphan its deduction). */
	ttl = txn_ttl(1);
	assert_int_equal(ttl, -1);
}

/* A second prepare of the same gid (an app retrying) must neither reset
 * created_ms nor move its check time: the first save wins. */
static void test_save_again_is_exists_and_changes_nothing(void **state)
{
	struct outcome outcome;
	(void)state;
	save(1, 10000);
	outcome = save(1, 50000);
	assert_int_equal(outcome.code, CODE_EXISTS);
	assert_int_equal(outcome.status, TXN_PREPARED);
	assert_saved(1, "10000");
	assert_int_equal(due_score(1), 13000);
	assert_int_equal(due_count(), 1);
}

/* A late prepare after the txn was failed must not bring it back. */
static void test_save_after_failed_is_exists_failed(void **state)
{
	struct outcome outcome;
	(void)state;
	save(1, 10000);
	assert_int_equal(cas(1, TXN_PREPARED, TXN_FAILED, 14000).code, CODE_OK);
	outcome = save(1, 15000);
	assert_int_equal(outcome.code, CODE_EXISTS);
	assert_int_equal(outcome.status, TXN_FAILED);
	assert_field(1, "status", "failed");
	assert_int_equal(due_score(1), -1);
}

/* ---- cas ----------------------------------------------------------- */

/* Submitting resets the backoff: attempts made while prepared do not delay
 * the delivery of the branch. */
static void test_cas_submit_makes_it_due_at_retry_with_attempts_reset(void **state)
{
	struct outcome outcome;
	(void)state;
	save(1, 0);
	assert_int_equal(lock_due(3000).code, CODE_LOCKED);
	assert_int_equal(lock_due(4000).code, CODE_LOCKED);
	assert_field(1, "attempts", "2");
	outcome = cas(1, TXN_PREPARED, TXN_SUBMITTED, 5000);
	assert_int_equal(outcome.code, CODE_OK);
	assert_int_equal(outcome.status, TXN_SUBMITTED);
	assert_field(1, "status", "submitted");
	assert_field(1, "attempts", "0");
	assert_int_equal(due_score(1), 5000 + sale.retry_interval_ms);
}

static void test_cas_with_wrong_expected_status_is_conflict(void **state)
{
	struct outcome outcome;
	(void)state;
	save(1, 10000);
	outcome = cas(1, TXN_SUBMITTED, TXN_SUCCEEDED, 11000);
	assert_int_equal(outcome.code, CODE_CONFLICT);
	assert_int_equal(outcome.status, TXN_PREPARED);
	assert_saved(1, "10000");
	assert_int_equal(due_score(1), 13000);
	assert_int_equal(txn_ttl(1), -1); /* still open: no TTL */
}

/* A CAS never creates a transaction out of nothing. */
static void test_cas_of_missing_gid_is_missing(void **state)
{
	struct outcome outcome;
	char gid[GID_MAX], key[KEY_MAX];
	(void)state;
	outcome = cas(1, TXN_PREPARED, TXN_SUBMITTED, 1000);
	assert_int_equal(outcome.code, CODE_MISSING);
	sale_gid(&sale, 1, gid);
	sale_txn_key(gid, key);
	assert_int_equal(support_integer(redis, "EXISTS %s", key), 0);
	assert_int_equal(due_count(), 0);
}

static void test_cas_to_failed_leaves_due_set_and_gets_a_ttl(void **state)
{
	char value[FIELD_MAX];
	long long ttl;
	(void)state;
	save(1, 10000);
	assert_int_equal(cas(1, TXN_PREPARED, TXN_FAILED, 14000).code, CODE_OK);
	stored(1, value);
	assert_string_equal(value, "failed"); /* finished: the one word */
	assert_int_equal(due_score(1), -1);
	ttl = txn_ttl(1);
	assert_true(ttl > 0);
	assert_true(ttl <= sale.terminal_ttl_s);
}

static void test_cas_to_succeeded_leaves_due_set_and_gets_a_ttl(void **state)
{
	long long ttl;
	(void)state;
	save(1, 10000);
	assert_int_equal(cas(1, TXN_PREPARED, TXN_SUBMITTED, 11000).code, CODE_OK);
	assert_int_equal(cas(1, TXN_SUBMITTED, TXN_SUCCEEDED, 11500).code, CODE_OK);
	assert_field(1, "status", "succeeded");
	assert_int_equal(due_score(1), -1);
	ttl = txn_ttl(1);
	assert_true(ttl > 0);
	assert_true(ttl <= sale.terminal_ttl_s);
}

/* A terminal status is written first (txn_cas.lua); when the transaction
 * is missing, the key that write created must be gone again. */
static void test_cas_to_failed_of_missing_gid_is_missing(void **state)
{
	char gid[GID_MAX], key[KEY_MAX];
	(void)state;
	assert_int_equal(cas(1, TXN_PREPARED, TXN_FAILED, 1000).code,
			 CODE_MISSING);
	sale_gid(&sale, 1, gid);
	sale_txn_key(gid, key);
	assert_int_equal(support_integer(redis, "EXISTS %s", key), 0);
	assert_int_equal(due_count(), 0);
}

/* A second abort of a finished transaction is refused; the word written
 * first is put back as it was, still finished, still with a TTL. */
static void test_cas_to_failed_of_a_finished_txn_is_conflict(void **state)
{
	struct outcome outcome;
	char value[FIELD_MAX];
	long long ttl;
	(void)state;
	save(1, 0);
	cas(1, TXN_PREPARED, TXN_SUBMITTED, 100);
	assert_int_equal(branch_done(1).code, CODE_OK);
	outcome = cas(1, TXN_PREPARED, TXN_FAILED, 200);
	assert_int_equal(outcome.code, CODE_CONFLICT);
	assert_int_equal(outcome.status, TXN_SUCCEEDED);
	stored(1, value);
	assert_string_equal(value, "succeeded");
	ttl = txn_ttl(1);
	assert_true(ttl > 0);
	assert_true(ttl <= sale.terminal_ttl_s);
	assert_int_equal(due_count(), 0);
}

/* Whatever the value a terminal CAS finds, a refused guard puts it back
 * byte for byte, with no TTL when it had none: here a value with no
 * status at all, which must not stop the script between its two writes. */
static void test_cas_to_failed_of_an_odd_value_puts_it_back(void **state)
{
	struct outcome outcome;
	char gid[GID_MAX], key[KEY_MAX], value[FIELD_MAX];
	(void)state;
	sale_gid(&sale, 1, gid);
	sale_txn_key(gid, key);
	support_integer(redis, "SET %s %s", key, " odd");
	outcome = cas(1, TXN_PREPARED, TXN_FAILED, 200);
	assert_int_equal(outcome.code, CODE_CONFLICT);
	stored(1, value);
	assert_string_equal(value, " odd");
	assert_int_equal(txn_ttl(1), -1);
}

/* The same for the branch: a late delivery to a failed transaction. */
static void test_branch_done_on_failed_is_conflict_and_keeps_it(void **state)
{
	struct outcome outcome;
	char value[FIELD_MAX];
	(void)state;
	save(1, 0);
	assert_int_equal(cas(1, TXN_PREPARED, TXN_FAILED, 100).code, CODE_OK);
	outcome = branch_done(1);
	assert_int_equal(outcome.code, CODE_CONFLICT);
	assert_int_equal(outcome.status, TXN_FAILED);
	stored(1, value);
	assert_string_equal(value, "failed");
	assert_true(txn_ttl(1) > 0);
}

/* ---- lock_due ------------------------------------------------------ */

static void test_lock_due_with_nothing_due_is_empty(void **state)
{
	(void)state;
	assert_int_equal(lock_due(1000).code, CODE_EMPTY);
	save(1, 1000);
	/* Saved but not yet due (due at 4000). */
	assert_int_equal(lock_due(3999).code, CODE_EMPTY);
	assert_int_equal(due_score(1), 4000);
}

/* A prepared txn may be in the due set early (here forced with ZADD); it is
 * not backchecked before timeout-to-fail, only moved to when it will be. */
static void test_lock_due_skips_a_young_prepared_txn(void **state)
{
	char gid[GID_MAX], txn[KEY_MAX], key[KEY_MAX];
	(void)state;
	save(1, 10000);
	sale_gid(&sale, 1, gid);
	sale_txn_key(gid, txn);
	sale_due_key(&sale, key);
	support_integer(redis, "ZADD %s 0 %s", key, txn);
	assert_int_equal(lock_due(11000).code, CODE_EMPTY);
	assert_int_equal(due_score(1), 10000 + sale.timeout_to_fail_ms);
	assert_field(1, "attempts", "0"); /* not an attempt */
}

static void test_lock_due_returns_an_old_prepared_txn(void **state)
{
	struct outcome outcome;
	char gid[GID_MAX];
	(void)state;
	save(42, 10000);
	outcome = lock_due(13500);
	assert_int_equal(outcome.code, CODE_LOCKED);
	assert_int_equal(outcome.status, TXN_PREPARED);
	sale_gid(&sale, 42, gid);
	assert_string_equal(outcome.txn.gid, gid);
	assert_int_equal(outcome.txn.status, TXN_PREPARED);
	assert_int_equal(outcome.txn.created_ms, 10000);
	assert_int_equal(outcome.txn.attempts, 0);
	assert_string_equal(outcome.txn.backcheck, SALE_BACKCHECK_ADDRESS);
	assert_int_equal(outcome.txn.activity, 7);
	assert_int_equal(outcome.txn.user, 42);
	assert_int_equal(outcome.txn.branch_status, TXN_PREPARED);
	/* The lock is the lease: pushed by the first backoff, attempt counted. */
	assert_int_equal(due_score(42), 13500 + sale.retry_interval_ms);
	assert_field(42, "attempts", "1");
}

/* Two coordinators share the due set. Once A holds the lease on a gid, B
 * asking at the same time must not get it (or it would run the backcheck
 * or the delivery twice at once); B gets it when the lease has run out. */
static void test_lock_due_leases_a_txn_to_one_coordinator(void **state)
{
	struct redis_conn *other = support_redis();
	struct outcome a, b;
	char gid1[GID_MAX], gid2[GID_MAX];
	(void)state;
	sale_gid(&sale, 1, gid1);
	sale_gid(&sale, 2, gid2);
	save(1, 0);  /* due at 3000 */
	save(2, 10); /* due at 3010 */

	a = lock_due_on(redis, 3000);
	assert_int_equal(a.code, CODE_LOCKED);
	assert_string_equal(a.txn.gid, gid1);
	b = lock_due_on(other, 3000);
	assert_int_equal(b.code, CODE_EMPTY);

	/* At 3010 B gets the other gid, never A's. */
	b = lock_due_on(other, 3010);
	assert_int_equal(b.code, CODE_LOCKED);
	assert_string_equal(b.txn.gid, gid2);
	b = lock_due_on(other, 3999);
	assert_int_equal(b.code, CODE_EMPTY);

	/* A's lease (1000 ms) has passed: B may take gid1 over. */
	b = lock_due_on(other, 4000);
	assert_int_equal(b.code, CODE_LOCKED);
	assert_string_equal(b.txn.gid, gid1);
	assert_int_equal(b.txn.attempts, 1);
	/* And now A is the one that has to wait. */
	a = lock_due_on(redis, 4000);
	assert_int_equal(a.code, CODE_EMPTY);
	support_redis_close(other);
}

/* A txn that keeps failing is retried at 1, 2, 4, 8, 8 s: exponential, capped
 * at retry_interval_ms_max, and the attempts count as returned goes up. */
static void test_lock_due_backs_off_exponentially_up_to_the_cap(void **state)
{
	static const long long delays[] = { 1000, 2000, 4000, 8000, 8000, 8000 };
	long long now = 3000;
	(void)state;
	save(1, 0);
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		struct outcome outcome = lock_due(now);
		assert_int_equal(outcome.code, CODE_LOCKED);
		assert_int_equal(outcome.txn.attempts, (int)i);
		assert_int_equal(due_score(1), now + delays[i]);
		/* Leased until then. */
		assert_int_equal(lock_due(now + delays[i] - 1).code, CODE_EMPTY);
		now += delays[i];
	}
}

/* The txn expired (TTL) but its key is still in the due set: the
 * member is dropped and the next due txn is returned instead. */
static void test_lock_due_drops_members_whose_txn_expired(void **state)
{
	struct outcome outcome;
	char gid[GID_MAX], key[KEY_MAX];
	(void)state;
	save(1, 0);   /* due at 3000 */
	save(2, 100); /* due at 3100 */
	sale_gid(&sale, 1, gid);
	sale_txn_key(gid, key);
	support_integer(redis, "DEL %s", key);

	outcome = lock_due(5000);
	assert_int_equal(outcome.code, CODE_LOCKED);
	sale_gid(&sale, 2, gid);
	assert_string_equal(outcome.txn.gid, gid);
	assert_int_equal(due_score(1), -1);
	assert_int_equal(due_count(), 1);
	/* The removed member did not come back as a half-written txn. */
	sale_gid(&sale, 1, gid);
	sale_txn_key(gid, key);
	assert_int_equal(support_integer(redis, "EXISTS %s", key), 0);
}

static void test_lock_due_of_only_an_expired_member_is_empty(void **state)
{
	char gid[GID_MAX], key[KEY_MAX];
	(void)state;
	save(1, 0);
	sale_gid(&sale, 1, gid);
	sale_txn_key(gid, key);
	support_integer(redis, "DEL %s", key);
	assert_int_equal(lock_due(5000).code, CODE_EMPTY);
	assert_int_equal(due_count(), 0);
}

/* A submitted txn is returned for delivery as soon as it is due, even when
 * it is younger than timeout-to-fail (that rule is only for prepared). */
static void test_lock_due_returns_a_submitted_txn_for_delivery(void **state)
{
	struct outcome outcome;
	(void)state;
	save(1, 0);
	assert_int_equal(cas(1, TXN_PREPARED, TXN_SUBMITTED, 100).code, CODE_OK);
	assert_int_equal(lock_due(1099).code, CODE_EMPTY);
	outcome = lock_due(1100);
	assert_int_equal(outcome.code, CODE_LOCKED);
	assert_int_equal(outcome.txn.status, TXN_SUBMITTED);
	assert_int_equal(outcome.txn.branch_status, TXN_PREPARED);
	assert_int_equal(outcome.txn.attempts, 0);
	assert_int_equal(outcome.txn.user, 1);
	assert_int_equal(due_score(1), 1100 + sale.retry_interval_ms);
}

/* A key in the due set's name space that does not hold a transaction is
 * an error that stops the run (no verdict), never a member silently
 * dropped (that would orphan a deduction if the store's format ever
 * changed under it). */
static void test_lock_due_of_a_value_that_is_not_a_txn_is_an_error(void **state)
{
	struct redis_call call;
	struct outcome outcome;
	char gid[GID_MAX], key[KEY_MAX];
	(void)state;
	save(1, 0);
	sale_gid(&sale, 1, gid);
	sale_txn_key(gid, key);
	support_integer(redis, "SET %s %s", key, "prepared 0 0");
	coord_store_lock_due(&call, &sale, 5000);
	/* the script's error reply: no outcome, the server's words */
	assert_int_equal(redis_run(redis, &call, &outcome), -1);
	assert_non_null(strstr(redis->error, "is not a transaction: prepared"
			       " 0 0"));
	assert_int_equal(due_score(1), 3000); /* left as it was */
}

/* ---- the stored form ----------------------------------------------- */

static void test_parse_splits_the_six_fields(void **state)
{
	static const char text[] = "submitted 1000 2 app create_order:7:1 prepared";
	struct txn_record record;
	(void)state;
	assert_int_equal(coord_store_parse(text, strlen(text), &record), 0);
	assert_string_equal(record.field[TXN_FIELD_STATUS], "submitted");
	assert_string_equal(record.field[TXN_FIELD_CREATED_MS], "1000");
	assert_string_equal(record.field[TXN_FIELD_ATTEMPTS], "2");
	assert_string_equal(record.field[TXN_FIELD_BACKCHECK], "app");
	assert_string_equal(record.field[TXN_FIELD_BRANCH], "create_order:7:1");
	assert_string_equal(record.field[TXN_FIELD_BRANCH_STATUS], "prepared");
}

/* A finished transaction is its status alone. */
static void test_parse_takes_a_finished_txn_as_its_status(void **state)
{
	static const char *const words[] = { "succeeded", "failed" };
	struct txn_record record;
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(coord_store_parse(words[i], strlen(words[i]),
						   &record), 0);
		assert_string_equal(record.field[TXN_FIELD_STATUS], words[i]);
		for (int f = TXN_FIELD_CREATED_MS; f < TXN_FIELDS; f++)
			assert_null(record.field[f]);
	}
}

static void test_parse_refuses_what_is_not_a_txn(void **state)
{
	static const char *const bad[] = {
		"",
		"prepared",                                        /* open, alone */
		"submitted",
		"bogus",
		"prepared 1000 0 app create_order:7:1",           /* five */
		"prepared 1000 0 app create_order:7:1 prepared x", /* seven */
		"prepared  1000 0 app create_order:7:1 prepared",  /* empty field */
		"prepared 1000 0 app create_order:7:1 prepared ",  /* trailing */
		" prepared 1000 0 app create_order:7:1 prepared",  /* leading */
	};
	struct txn_record record;
	char big[2 * REDIS_ARG_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(coord_store_parse(bad[i], strlen(bad[i]),
						   &record), -1);
	memset(big, 'x', sizeof(big));
	assert_int_equal(coord_store_parse(big, sizeof(big), &record), -1);
	/* An embedded NUL would hide the rest of the value. */
	assert_int_equal(coord_store_parse("a\0b c d e f", 12, &record), -1);
}

/* ---- branch_done --------------------------------------------------- */

static void test_branch_done_on_submitted_succeeds_the_txn(void **state)
{
	struct outcome outcome;
	char value[FIELD_MAX];
	long long ttl;
	(void)state;
	save(1, 0);
	cas(1, TXN_PREPARED, TXN_SUBMITTED, 100);
	outcome = branch_done(1);
	assert_int_equal(outcome.code, CODE_OK);
	assert_int_equal(outcome.status, TXN_SUCCEEDED);
	/* Finished: the one word, and nothing else. */
	stored(1, value);
	assert_string_equal(value, "succeeded");
	assert_int_equal(due_score(1), -1);
	ttl = txn_ttl(1);
	assert_true(ttl > 0);
	assert_true(ttl <= sale.terminal_ttl_s);
	/* Done once: nothing is left for the cron loop. */
	assert_int_equal(lock_due(1000000).code, CODE_EMPTY);
}

/* The branch of a txn that was never submitted must not succeed: the app's
 * deduction may not have happened. */
static void test_branch_done_on_prepared_is_conflict(void **state)
{
	struct outcome outcome;
	(void)state;
	save(1, 10000);
	outcome = branch_done(1);
	assert_int_equal(outcome.code, CODE_CONFLICT);
	assert_int_equal(outcome.status, TXN_PREPARED);
	assert_saved(1, "10000");
	assert_int_equal(due_score(1), 13000);
}

/* A late delivery after the txn succeeded is a conflict, not a success
 * counted twice. */
static void test_branch_done_twice_is_conflict_succeeded(void **state)
{
	struct outcome outcome;
	(void)state;
	save(1, 0);
	cas(1, TXN_PREPARED, TXN_SUBMITTED, 100);
	assert_int_equal(branch_done(1).code, CODE_OK);
	outcome = branch_done(1);
	assert_int_equal(outcome.code, CODE_CONFLICT);
	assert_int_equal(outcome.status, TXN_SUCCEEDED);
}

static void test_branch_done_on_missing_is_missing(void **state)
{
	char gid[GID_MAX], key[KEY_MAX];
	(void)state;
	assert_int_equal(branch_done(1).code, CODE_MISSING);
	sale_gid(&sale, 1, gid);
	sale_txn_key(gid, key);
	assert_int_equal(support_integer(redis, "EXISTS %s", key), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_save_stores_a_prepared_txn_due_at_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_again_is_exists_and_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_after_failed_is_exists_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_submit_makes_it_due_at_retry_with_attempts_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_with_wrong_expected_status_is_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_of_missing_gid_is_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_to_failed_leaves_due_set_and_gets_a_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_to_succeeded_leaves_due_set_and_gets_a_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_to_failed_of_missing_gid_is_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_to_failed_of_a_finished_txn_is_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_to_failed_of_an_odd_value_puts_it_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_branch_done_on_failed_is_conflict_and_keeps_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_due_with_nothing_due_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_due_skips_a_young_prepared_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_due_returns_an_old_prepared_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_due_leases_a_txn_to_one_coordinator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_due_backs_off_exponentially_up_to_the_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_due_drops_members_whose_txn_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_due_of_only_an_expired_member_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_due_returns_a_submitted_txn_for_delivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_due_of_a_value_that_is_not_a_txn_is_an_error, setup, teardown),
		cmocka_unit_test(test_parse_splits_the_six_fields),
		cmocka_unit_test(test_parse_takes_a_finished_txn_as_its_status),
		cmocka_unit_test(test_parse_refuses_what_is_not_a_txn),
		cmocka_unit_test_setup_teardown(test_branch_done_on_submitted_succeeds_the_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_branch_done_on_prepared_is_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_branch_done_twice_is_conflict_succeeded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_branch_done_on_missing_is_missing, setup, teardown),
	};
	return cmocka_run_group_tests_name("coord_store", tests, NULL, NULL);
}
