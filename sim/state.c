/*
 * state.c - reading the final state back and judging it.
 *
 * The verdict comes from the real state: the stock key and the
 * transactions in Redis, the orders in SQLite, and what each user was told.
 * It holds when
 *   1. stock left >= 0                              (no oversell)
 *   2. initial stock - stock left == orders         (conservation)
 *   3. no transaction is prepared or submitted      (all terminal)
 *   4. every user told "success" has an order
 *   5. no user told "rejected" has an order
 *   6. every order belongs to a succeeded transaction
 * One order per (activity, user) is the orders table's UNIQUE constraint.
 */
#include "world.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <sqlite3.h>

/* Users per pipelined batch of HGETs. */
#define STATUS_BATCH 512

/* Reads the status of every user's transaction into statuses[]. */
static int read_statuses(struct world *world, enum txn_status *statuses)
{
	redisContext *context = world->redis->context;
	const struct sale *sale = &world->config->sale;
	int users = world->config->users;
	for (int first = 0; first < users; first += STATUS_BATCH) {
		int last = first + STATUS_BATCH < users ? first + STATUS_BATCH :
							  users;
		for (int u = first; u < last; u++) {
			char gid[GID_MAX], key[KEY_MAX];
			sale_gid(sale, (uint64_t)u + 1, gid);
			sale_txn_key(gid, key);
			redisAppendCommand(context, "HGET %s status", key);
		}
		for (int u = first; u < last; u++) {
			void *raw = NULL;
			redisReply *reply;
			if (redisGetReply(context, &raw) != REDIS_OK || !raw)
				return world_fail(world, "redis %s: reading statuses: %s",
						  world->redis->address,
						  context->errstr);
			reply = raw;
			statuses[u] = reply->type == REDIS_REPLY_STRING ?
				      txn_status_parse(reply->str) : TXN_NONE;
			freeReplyObject(reply);
		}
	}
	return 0;
}

/* Marks has_order[u] for every user with an order of this activity. */
static int read_orders(struct world *world, bool *has_order)
{
	sqlite3 *db = world->orders->db;
	sqlite3_stmt *stmt;
	int rc;
	if (sqlite3_prepare_v2(db, "SELECT user_id FROM orders WHERE activity_id = ?1",
			       -1, &stmt, NULL) != SQLITE_OK)
		return world_fail(world, "orders: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)world->config->sale.activity);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		sqlite3_int64 user = sqlite3_column_int64(stmt, 0);
		if (user >= 1 && user <= world->config->users)
			has_order[user - 1] = true;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return world_fail(world, "orders: %s", sqlite3_errmsg(db));
	return 0;
}

static void violation(struct sim_result *result, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static void violation(struct sim_result *result, const char *format, ...)
{
	va_list args;
	if (result->verdict != VERDICT_OK)
		return; /* keep the first */
	result->verdict = VERDICT_VIOLATION;
	va_start(args, format);
	vsnprintf(result->problem, sizeof(result->problem), format, args);
	va_end(args);
}

static void judge_users(struct world *world, const enum txn_status *statuses,
			const bool *has_order)
{
	struct sim_result *result = world->result;
	char gid[GID_MAX];
	for (int u = 0; u < world->config->users; u++) {
		sale_gid(&world->config->sale, (uint64_t)u + 1, gid);
		if (world->told[u] == TOLD_SUCCESS && !has_order[u])
			violation(result, "user %d was told success but has no"
				  " order (%s)", u + 1, gid);
		if (world->told[u] == TOLD_REJECTED && has_order[u])
			violation(result, "user %d was told rejected but has an"
				  " order (%s)", u + 1, gid);
		if (has_order[u] && statuses[u] != TXN_SUCCEEDED)
			violation(result, "user %d has an order but transaction"
				  " %s is %s", u + 1, gid,
				  txn_status_name(statuses[u]));
	}
}

static void judge(struct world *world, const enum txn_status *statuses,
		  const bool *has_order)
{
	struct sim_result *result = world->result;
	int64_t deducted = result->stock_initial - result->stock_left;
	if (result->verdict == VERDICT_LIVENESS)
		return;
	if (result->stock_left < 0)
		violation(result, "oversold: stock left is %" PRId64,
			  result->stock_left);
	if (deducted != result->orders)
		violation(result, "stock deducted (%" PRId64 ") != orders"
			  " created (%" PRId64 ")", deducted, result->orders);
	if (result->txns_open != 0)
		violation(result, "%" PRId64 " transactions still open after"
			  " recovery", result->txns_open);
	judge_users(world, statuses, has_order);
}

static void digest_state(struct world *world)
{
	const struct sim_result *result = world->result;
	char text[256];
	snprintf(text, sizeof(text),
		 "final stock=%" PRId64 " orders=%" PRId64 " prepared=%" PRId64
		 " submitted=%" PRId64 " succeeded=%" PRId64 " failed=%" PRId64
		 " none=%" PRId64 "\n", result->stock_left, result->orders,
		 result->txns[TXN_PREPARED], result->txns[TXN_SUBMITTED],
		 result->txns[TXN_SUCCEEDED], result->txns[TXN_FAILED],
		 result->txns[TXN_NONE]);
	trace_digest_text(world->trace, text);
	for (int u = 0; u < world->config->users; u++) {
		snprintf(text, sizeof(text), "user %d %s\n", u + 1,
			 told_name(world->told[u]));
		trace_digest_text(world->trace, text);
	}
}

int world_check_final_state(struct world *world)
{
	struct sim_result *result = world->result;
	int users = world->config->users;
	enum txn_status *statuses = calloc((size_t)users, sizeof(*statuses));
	bool *has_order = calloc((size_t)users, sizeof(*has_order));
	char key[KEY_MAX];
	int found, rc = -1;

	if (!statuses || !has_order) {
		world_fail(world, "out of memory reading the final state");
		goto out_free;
	}
	sale_stock_key(&world->config->sale, key);
	if (redis_get_integer(world->redis, key, &result->stock_left, &found) != 0) {
		world_fail(world, "%s", world->redis->error);
		goto out_free;
	}
	sale_due_key(&world->config->sale, key);
	if (redis_command_integer(world->redis, &result->due, "ZCARD %s", key) != 0) {
		world_fail(world, "%s", world->redis->error);
		goto out_free;
	}
	result->orders = order_db_count(world->orders, world->config->sale.activity);
	if (result->orders < 0) {
		world_fail(world, "%s", world->orders->error);
		goto out_free;
	}
	if (read_statuses(world, statuses) != 0 || read_orders(world, has_order) != 0)
		goto out_free;
	for (int u = 0; u < users; u++) {
		result->txns[statuses[u]]++;
		result->told[world->told[u]]++;
	}
	result->txns_open = result->txns[TXN_PREPARED] + result->txns[TXN_SUBMITTED];
	judge(world, statuses, has_order);
	digest_state(world);
	rc = 0;
out_free:
	free(statuses);
	free(has_order);
	return rc;
}
