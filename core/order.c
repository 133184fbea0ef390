/*
 * order.c - the order service on SQLite (see order.h).
 */
#include "order.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

static const char order_schema[] =
	"CREATE TABLE IF NOT EXISTS barrier("
	"  gid TEXT NOT NULL, branch_id TEXT NOT NULL, op TEXT NOT NULL,"
	"  barrier_id TEXT NOT NULL, reason TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE(gid, branch_id, op, barrier_id));"
	"CREATE TABLE IF NOT EXISTS orders("
	"  id INTEGER PRIMARY KEY, activity_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL, gid TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE(activity_id, user_id));";

static int db_fail(struct order_db *db, const char *what)
{
	snprintf(db->error, sizeof(db->error), "%s: %s", what,
		 db->db ? sqlite3_errmsg(db->db) : "out of memory");
	return -1;
}

static int prepare(struct order_db *db, const char *sql,
		   struct sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v2(db->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return db_fail(db, "not the tables flashsim keeps (docs/STATE.md)");
	return 0;
}

/* The tables, the statements and the emptying in one transaction: a file
 * whose tables of those names do not fit is refused as it was found, not
 * emptied first (a statement that names a column the table lacks fails to
 * prepare). */
static int set_up(struct order_db *db, bool reset)
{
	sqlite3_stmt *other = NULL;
	int found;
	/* Emptied at every run: a database that holds anything else (a
	 * trace, a shop's own tables) is not taken for one. */
	if (sqlite3_prepare_v2(db->db, "SELECT name FROM sqlite_schema"
			       " WHERE type = 'table' AND name NOT IN"
			       " ('orders', 'barrier')"
			       " AND name NOT LIKE 'sqlite_%' LIMIT 1", -1,
			       &other, NULL) != SQLITE_OK)
		return db_fail(db, "reading it");
	found = sqlite3_step(other);
	if (found == SQLITE_ROW)
		snprintf(db->error, sizeof(db->error), "it holds a table '%s'"
			 " besides the orders and barrier of flashsim's order"
			 " database (docs/STATE.md), which every run empties:"
			 " give a new path", sqlite3_column_text(other, 0));
	else if (found != SQLITE_DONE)
		db_fail(db, "reading it");
	sqlite3_finalize(other);
	if (found != SQLITE_DONE)
		return -1;
	if (sqlite3_exec(db->db, order_schema, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "creating its tables");
	if (prepare(db, "BEGIN IMMEDIATE", &db->begin) ||
	    prepare(db, "INSERT OR IGNORE INTO barrier(gid, branch_id, op,"
			" barrier_id, reason, created_at)"
			" VALUES(?1, '00', 'action', '01', 'action', ?2)",
		    &db->insert_barrier) ||
	    prepare(db, "INSERT INTO orders(activity_id, user_id, gid,"
			" created_at) VALUES(?1, ?2, ?3, ?4)",
		    &db->insert_order) ||
	    prepare(db, "COMMIT", &db->commit) ||
	    prepare(db, "ROLLBACK", &db->rollback) ||
	    prepare(db, "SELECT count(*) FROM orders WHERE activity_id = ?1",
		    &db->count_orders))
		return -1;
	if (reset && sqlite3_exec(db->db, "DELETE FROM orders;"
				  " DELETE FROM barrier;", NULL, NULL,
				  NULL) != SQLITE_OK)
		return db_fail(db, "emptying it");
	return 0;
}

int order_db_open(struct order_db *db, const char *path, bool reset)
{
	memset(db, 0, sizeof(*db));
	if (sqlite3_open(path, &db->db) != SQLITE_OK)
		return db_fail(db, "opening it");
	sqlite3_busy_timeout(db->db, 5000);
	if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "opening it");
	if (set_up(db, reset) != 0) {
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "opening it");
	/* WAL cannot be entered inside a transaction */
	if (sqlite3_exec(db->db, "PRAGMA journal_mode=WAL;"
			 " PRAGMA synchronous=NORMAL;", NULL, NULL,
			 NULL) != SQLITE_OK)
		return db_fail(db, "opening it");
	return 0;
}

const char *order_db_file(const struct order_db *db)
{
	const char *file = db->db ? sqlite3_db_filename(db->db, "main") : NULL;
	return file && *file ? file : "(in memory)";
}

void order_db_close(struct order_db *db)
{
	sqlite3_finalize(db->begin);
	sqlite3_finalize(db->insert_barrier);
	sqlite3_finalize(db->insert_order);
	sqlite3_finalize(db->commit);
	sqlite3_finalize(db->rollback);
	sqlite3_finalize(db->count_orders);
	/* _v2: statements others prepared on it (the checker's) may still
	 * be open; the connection closes when the last one is finalized. */
	sqlite3_close_v2(db->db);
	memset(db, 0, sizeof(*db));
}

/* Runs a prepared statement to completion; returns its last sqlite code. */
static int run(struct sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc;
}

int order_db_create_order(struct order_db *db, const struct sql_call *call,
			  struct outcome *outcome)
{
	return order_db_create_order_ex(db, call, true, outcome);
}

int order_db_create_order_ex(struct order_db *db, const struct sql_call *call,
			     bool commit, struct outcome *outcome)
{
	bool delivered_before = false;
	int rc;
	*outcome = outcome_make(RESULT_UNKNOWN, CODE_ERROR);
	if (run(db->begin) != SQLITE_DONE)
		return db_fail(db, "create order: begin");

	sqlite3_bind_text(db->insert_barrier, 1, call->gid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(db->insert_barrier, 2, call->now_ms);
	rc = run(db->insert_barrier);
	sqlite3_clear_bindings(db->insert_barrier);
	if (rc != SQLITE_DONE) {
		db_fail(db, "create order: barrier");
		goto out_rollback;
	}
	if (sqlite3_changes(db->db) == 0) {
		delivered_before = true; /* already done */
		goto out_commit;
	}

	sqlite3_bind_int64(db->insert_order, 1, (sqlite3_int64)call->activity);
	sqlite3_bind_int64(db->insert_order, 2, (sqlite3_int64)call->user);
	sqlite3_bind_text(db->insert_order, 3, call->gid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(db->insert_order, 4, call->now_ms);
	rc = run(db->insert_order);
	sqlite3_clear_bindings(db->insert_order);
	if (rc == SQLITE_CONSTRAINT) {
		run(db->rollback);
		*outcome = outcome_make(RESULT_FAILED, CODE_CONFLICT);
		return 0;
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, "create order: insert");
		goto out_rollback;
	}
out_commit:
	if (!commit) {
		/* The process died before COMMIT: nothing of it remains. */
		run(db->rollback);
		*outcome = outcome_unknown();
		return 0;
	}
	if (run(db->commit) != SQLITE_DONE) {
		db_fail(db, "create order: commit");
		goto out_rollback;
	}
	*outcome = outcome_make(RESULT_OK, CODE_OK);
	outcome->delivered_before = delivered_before;
	return 0;

out_rollback:
	run(db->rollback);
	return -1;
}

int order_db_reset(struct order_db *db)
{
	if (sqlite3_exec(db->db, "DELETE FROM orders; DELETE FROM barrier;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "emptying it");
	return 0;
}

int64_t order_db_count(struct order_db *db, uint64_t activity)
{
	int64_t count = -1;
	sqlite3_bind_int64(db->count_orders, 1, (sqlite3_int64)activity);
	if (sqlite3_step(db->count_orders) == SQLITE_ROW)
		count = sqlite3_column_int64(db->count_orders, 0);
	else
		db_fail(db, "count orders");
	sqlite3_reset(db->count_orders);
	sqlite3_clear_bindings(db->count_orders);
	return count;
}

void order_handler_init(struct order_handler *handler,
			const struct message *request)
{
	assert(request->method == METHOD_CREATE_ORDER);
	memset(handler, 0, sizeof(*handler));
	handler->state = ORDER_HANDLER_START;
	handler->request = *request;
}

const struct effect *order_handler_step(struct order_handler *handler,
					const struct outcome *last,
					int64_t now_ms)
{
	struct effect *effect = &handler->effect;
	switch (handler->state) {
	case ORDER_HANDLER_START:
		memset(effect, 0, sizeof(*effect));
		effect->kind = EFFECT_SQL;
		effect->step = STEP_ORDER_CREATE;
		effect->sql.activity = handler->request.activity;
		effect->sql.user = handler->request.user;
		effect->sql.now_ms = now_ms;
		snprintf(effect->sql.gid, GID_MAX, "%s", handler->request.gid);
		handler->state = ORDER_HANDLER_CREATING;
		return effect;
	case ORDER_HANDLER_CREATING:
		assert(last != NULL);
		memset(effect, 0, sizeof(*effect));
		effect->kind = EFFECT_REPLY;
		effect->step = STEP_ORDER_REPLY;
		effect->reply = handler->request;
		effect->reply.result = last->result;
		effect->reply.code = last->code;
		handler->state = ORDER_HANDLER_REPLYING;
		return effect;
	case ORDER_HANDLER_REPLYING:
	case ORDER_HANDLER_DONE:
		break;
	}
	handler->state = ORDER_HANDLER_DONE;
	effect->kind = EFFECT_DONE;
	return effect;
}
