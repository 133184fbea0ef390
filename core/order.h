/*
 * order.h - the order service: orders in SQLite, created idempotently.
 *
 * Schema (see docs/STATE.md):
 *   barrier(gid, branch_id, op, barrier_id, reason, created_at)
 *           UNIQUE(gid, branch_id, op, barrier_id)
 *   orders(id, activity_id, user_id, gid, created_at)
 *           UNIQUE(activity_id, user_id)
 *
 * Creating an order is one SQL transaction: insert the barrier row, and only
 * when it was new, insert the order. A second delivery of the same branch
 * finds the barrier row and answers OK without a second order; a crash
 * before COMMIT leaves nothing behind.
 *
 * order_handler: one create-order call, START -> CREATING -> REPLYING -> DONE.
 */
#ifndef FLASHSIM_ORDER_H
#define FLASHSIM_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "effect.h"

struct sqlite3;
struct sqlite3_stmt;

struct order_db {
	struct sqlite3 *db;
	struct sqlite3_stmt *begin;
	struct sqlite3_stmt *insert_barrier;
	struct sqlite3_stmt *insert_order;
	struct sqlite3_stmt *commit;
	struct sqlite3_stmt *rollback;
	struct sqlite3_stmt *count_orders;
	char error[256];
};

/* Opens (creating when needed) the order database at path. With reset, the
 * tables are emptied first: a run starts from no orders. Returns 0, or -1
 * with db->error set; order_db_close is safe either way. */
int order_db_open(struct order_db *db, const char *path, bool reset);
void order_db_close(struct order_db *db);

/* The file of the open database, for messages ("(in memory)" when it has
 * none or is not open). Owned by SQLite, valid until order_db_close. */
const char *order_db_file(const struct order_db *db);

/* Runs the create-order transaction. Returns 0 with outcome OK (created, or
 * already there) or FAILED (CONFLICT: another gid holds this user's order),
 * or -1 with db->error when SQLite itself failed (outcome UNKNOWN); the
 * transaction is rolled back in every case but OK. */
int order_db_create_order(struct order_db *db, const struct sql_call *call,
			  struct outcome *outcome);

/* The same, except that with commit false it stops where a crash before
 * COMMIT would: the inserts run, then roll back, and the outcome is
 * UNKNOWN. */
int order_db_create_order_ex(struct order_db *db, const struct sql_call *call,
			     bool commit, struct outcome *outcome);

/* Empties the orders and barrier tables. Returns 0 or -1 with db->error. */
int order_db_reset(struct order_db *db);

/* Orders of one activity, or -1 with db->error. */
int64_t order_db_count(struct order_db *db, uint64_t activity);

enum order_handler_state {
	ORDER_HANDLER_START,
	ORDER_HANDLER_CREATING,
	ORDER_HANDLER_REPLYING,
	ORDER_HANDLER_DONE,
};

struct order_handler {
	enum order_handler_state state;
	struct message request;
	struct effect effect;
};

void order_handler_init(struct order_handler *handler,
			const struct message *request);
/* now_ms stamps the order; last is NULL on the first step. */
const struct effect *order_handler_step(struct order_handler *handler,
					const struct outcome *last,
					int64_t now_ms);

#endif
