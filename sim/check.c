/*
 * check.c - the checker: the real final state, and invariants in SQL
 * (see check.h; the schema and the views are in docs/TRACE.md).
 *
 * check_run, in order:
 *   1. forget an earlier snapshot of the run (checking twice replaces it);
 *   2. snapshot the sale (stock key, due set size), then every user in
 *      user order, pipelined in batches: the barrier key, the transaction
 *      and its key's score in the due set; then every row of the
 *      order database's orders and barrier tables;
 *   3. (re)create the TEMP views of the run;
 *   4. run every invariant, record each returned row in violations;
 *   5. fill the result and, unless it is a liveness failure, the verdict.
 * All of it is one SAVEPOINT: a failure leaves nothing of the check.
 *
 * The snapshot never uses SCAN or KEYS: it reads the keys it can name, in
 * an order fixed by the sale, so two checks of the same state give the
 * same rows whatever the server's hash table order.
 *
 * The set of invariants is loaded by invariants.c; the report of a run's
 * violations is check_report.c's.
 */
#include "check.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <sqlite3.h>

#include "blame.h"
#include "coord_store.h"

#define CHECK_USERS_PER_BATCH 512       /* users per pipelined batch */

/* The views an invariant sees: each the rows of one table for one run. */
static const struct {
	const char *name;
	const char *columns;
	const char *table;
} check_views[] = {
	{ "sale", "activity_id, tag, stock_key, stock_initial, stock_left,"
		  " due_count", "final_sale" },
	{ "users", "user_id, gid, told", "told" },
	{ "txns", "user_id, gid, status, branch_status, attempts, due_at",
	  "final_txns" },
	{ "barriers", "user_id, gid, value", "final_barriers" },
	{ "orders", "order_id, activity_id, user_id, gid, created_at",
	  "final_orders" },
	{ "order_barriers", "gid, branch_id, op, barrier_id, reason,"
			    " created_at", "final_order_barriers" },
	/* For the second statement of a user's invariant, the events its
	 * rows point at: a run an exploration does not report keeps none,
	 * so an invariant itself may not read them (invariants.c). */
	{ "run_events", "seq, time_ms, actor, step, gid, detail, fault",
	  "events" },
};
#define CHECK_VIEW_COUNT ((int)(sizeof(check_views) / sizeof(check_views[0])))

/* The tables that hold what check_run writes for a run. */
static const char *const check_tables[] = {
	"told", "final_sale", "final_txns", "final_barriers", "final_orders",
	"final_order_barriers", "violations", "violation_events",
};
#define CHECK_TABLE_COUNT ((int)(sizeof(check_tables) / sizeof(check_tables[0])))

/* The checker's statements on the trace database (stmt[id] of
 * invariant_set.trace), and on the order database (of .orders). */
enum check_statement_id {
	CHECK_SAVEPOINT,
	CHECK_RELEASE,
	CHECK_ROLLBACK_TO,
	CHECK_CURRENT_RUN,
	CHECK_FINAL_SALE,
	CHECK_TOLD,
	CHECK_TXN,
	CHECK_BARRIER,
	CHECK_ORDERS_INSERT,
	CHECK_ORDER_BARRIERS_INSERT,
	CHECK_ORDERS_COUNT,
	CHECK_VIOLATION,
	CHECK_FORGET, /* then one per check_tables entry */
};

static const char *const check_statement_sql[] = {
	[CHECK_SAVEPOINT] = "SAVEPOINT check_run",
	[CHECK_RELEASE] = "RELEASE check_run",
	[CHECK_ROLLBACK_TO] = "ROLLBACK TO check_run",
	[CHECK_CURRENT_RUN] = "UPDATE temp.check_current SET run_id = ?1",
	[CHECK_FINAL_SALE] = "INSERT INTO final_sale(run_id, activity_id, tag,"
		" stock_key, stock_initial, stock_left, due_count)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[CHECK_TOLD] = "INSERT INTO told(run_id, user_id, gid, told)"
		" VALUES(?1, ?2, ?3, ?4)",
	[CHECK_TXN] = "INSERT INTO final_txns(run_id, user_id, gid, status,"
		" branch_status, attempts, due_at)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[CHECK_BARRIER] = "INSERT INTO final_barriers(run_id, user_id, gid,"
		" value) VALUES(?1, ?2, ?3, ?4)",
	[CHECK_ORDERS_INSERT] = "INSERT INTO final_orders(run_id, order_id,"
		" activity_id, user_id, gid, created_at)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[CHECK_ORDER_BARRIERS_INSERT] = "INSERT INTO final_order_barriers(run_id,"
		" gid, branch_id, op, barrier_id, reason, created_at)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[CHECK_ORDERS_COUNT] = "SELECT count(*) FROM final_orders"
		" WHERE run_id = ?1 AND activity_id = ?2",
	[CHECK_VIOLATION] = "INSERT INTO violations(run_id, invariant,"
		" row_number, row, gids) VALUES(?1, ?2, ?3, ?4, ?5)",
};
#define CHECK_STATEMENT_COUNT \
	((int)(sizeof(check_statement_sql) / sizeof(check_statement_sql[0])))

enum check_order_statement_id {
	CHECK_ORDERS_SELECT,
	CHECK_ORDER_BARRIERS_SELECT,
};

static const char *const check_order_statement_sql[] = {
	[CHECK_ORDERS_SELECT] = "SELECT id, activity_id, user_id, gid,"
		" created_at FROM orders ORDER BY id",
	[CHECK_ORDER_BARRIERS_SELECT] = "SELECT gid, branch_id, op, barrier_id,"
		" reason, created_at FROM barrier"
		" ORDER BY gid, branch_id, op, barrier_id",
};

/* One check_run in progress. */
struct check_context {
	sqlite3 *db;                   /* the trace database */
	struct invariant_set *set;     /* its kept statements */
	int64_t run_id;
	const struct check_input *input;
	struct sim_result *result;
	int violated;                  /* invariants that returned rows */
	char *error;
	size_t error_size;
};

/* The statements that store one user's snapshot. */
struct check_user_statements {
	sqlite3_stmt *told;
	sqlite3_stmt *txn;
	sqlite3_stmt *barrier;
};

int check_fail(char *error, size_t error_size, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(error, error_size, format, args);
	va_end(args);
	return -1;
}

static int check_fail_sql(struct check_context *ctx, sqlite3 *db,
			  const char *what)
{
	static const char *const prefixes[] = { "trace database",
						"order database" };
	const char *file = sqlite3_db_filename(db, "main");
	/* "trace database <file>: ...": which file is full or locked. */
	for (size_t i = 0; file && *file && i < 2; i++) {
		size_t length = strlen(prefixes[i]);
		if (strncmp(what, prefixes[i], length) == 0)
			return check_fail(ctx->error, ctx->error_size,
					  "%s %s%s: %s", prefixes[i], file,
					  what + length, sqlite3_errmsg(db));
	}
	return check_fail(ctx->error, ctx->error_size, "%s: %s", what,
			  sqlite3_errmsg(db));
}

/* ------------------------------------------------------------------ */
/* Views                                                              */

/* Runs stmt, which returns no row, and resets it. */
static int check_step_reset(struct check_context *ctx, sqlite3_stmt *stmt,
			    const char *what)
{
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return check_fail_sql(ctx, ctx->db, what);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Kept statements                                                    */

_Static_assert(INVARIANT_SET_MAX <= 64, "an invariant's bit in violated_set");
_Static_assert(CHECK_FORGET + CHECK_TABLE_COUNT <= CHECK_STATEMENTS_MAX,
	       "CHECK_STATEMENTS_MAX too small");

static void check_statements_clear(struct check_statements *cache)
{
	for (int i = 0; i < CHECK_STATEMENTS_MAX; i++)
		sqlite3_finalize(cache->stmt[i]);
	memset(cache, 0, sizeof(*cache));
}

/* The statements kept on the trace database: the checker's own and the
 * invariants' queries; the views go with them. */
static void check_trace_statements_clear(struct invariant_set *set)
{
	check_statements_clear(&set->trace);
	for (int i = 0; i < set->count; i++) {
		sqlite3_finalize(set->items[i].stmt);
		set->items[i].stmt = NULL;
	}
	set->views_ready = false;
}

/* The views show the run named in temp.check_current. They are created
 * once per connection and only that one row changes from run to run: a
 * schema change would make SQLite prepare every statement again. */
int check_views_create(struct sqlite3 *db, char *error, size_t error_size)
{
	for (int v = 0; v < CHECK_VIEW_COUNT; v++) {
		char *sql = sqlite3_mprintf(
			"CREATE TEMP TABLE IF NOT EXISTS check_current(run_id INTEGER);"
			"INSERT INTO temp.check_current SELECT 0"
			" WHERE NOT EXISTS (SELECT 1 FROM temp.check_current);"
			"CREATE TEMP VIEW IF NOT EXISTS %s AS SELECT %s FROM main.%s"
			" WHERE run_id = (SELECT run_id FROM temp.check_current);",
			check_views[v].name, check_views[v].columns,
			check_views[v].table);
		int rc = sql ? sqlite3_exec(db, sql, NULL, NULL, NULL) :
			       SQLITE_NOMEM;
		sqlite3_free(sql);
		if (rc != SQLITE_OK)
			return check_fail(error, error_size, "trace database:"
					  " view %s: %s", check_views[v].name,
					  sqlite3_errmsg(db));
	}
	return 0;
}

/* Makes db the trace database of the kept statements (those kept for
 * another one are dropped, and its views with them) and creates the views
 * on it unless they are there. */
static int check_trace_use(struct invariant_set *set, sqlite3 *db,
			   char *error, size_t error_size)
{
	if (set->trace.db != db) {
		check_trace_statements_clear(set);
		set->trace.db = db;
	}
	if (!set->views_ready) {
		if (check_views_create(db, error, error_size) != 0)
			return -1;
		set->views_ready = true;
	}
	return 0;
}

/* Makes the kept statements those of ctx's databases (check_trace_use);
 * before the check's SAVEPOINT, so that the views outlive a check that
 * fails. */
static int check_statements_use(struct check_context *ctx)
{
	struct invariant_set *set = ctx->set;
	if (set->orders.db != ctx->input->orders->db) {
		check_statements_clear(&set->orders);
		set->orders.db = ctx->input->orders->db;
	}
	return check_trace_use(set, ctx->db, ctx->error, ctx->error_size);
}

/* Statement id of cache, prepared from sql unless it already was; reset after use, never finalized but by
 * check_statements_clear. NULL with ctx's error set when it does not
 * prepare. */
static sqlite3_stmt *check_kept(struct check_context *ctx,
				struct check_statements *cache, int id,
				const char *sql, const char *what)
{
	assert(id >= 0);
	assert(id < CHECK_STATEMENTS_MAX);
	assert(cache->db != NULL);
	if (!cache->stmt[id] &&
	    sqlite3_prepare_v2(cache->db, sql, -1, &cache->stmt[id],
			       NULL) != SQLITE_OK) {
		check_fail(ctx->error, ctx->error_size, "%s: %s", what,
			   sqlite3_errmsg(cache->db));
		sqlite3_finalize(cache->stmt[id]);
		cache->stmt[id] = NULL;
	}
	return cache->stmt[id];
}

static sqlite3_stmt *check_statement(struct check_context *ctx,
				     enum check_statement_id id)
{
	assert(id < CHECK_STATEMENT_COUNT);
	return check_kept(ctx, &ctx->set->trace, (int)id,
			  check_statement_sql[id], "trace database");
}

static sqlite3_stmt *check_order_statement(struct check_context *ctx,
					   enum check_order_statement_id id)
{
	return check_kept(ctx, &ctx->set->orders, (int)id,
			  check_order_statement_sql[id], "order database");
}

/* Runs a kept statement that returns no row. */
static int check_exec(struct check_context *ctx, enum check_statement_id id)
{
	sqlite3_stmt *stmt = check_statement(ctx, id);
	return stmt ? check_step_reset(ctx, stmt, check_statement_sql[id]) : -1;
}

void check_statements_free(struct invariant_set *set)
{
	check_trace_statements_clear(set);
	check_statements_clear(&set->orders);
}

int invariants_attach(struct invariant_set *set, struct tracedb *db,
		      char *error, size_t error_size)
{
	return check_trace_use(set, tracedb_sqlite(db), error, error_size);
}

/* Points the views at ctx's run. */
static int check_views_show(struct check_context *ctx)
{
	sqlite3_stmt *current = check_statement(ctx, CHECK_CURRENT_RUN);
	if (!current)
		return -1;
	sqlite3_bind_int64(current, 1, ctx->run_id);
	return check_step_reset(ctx, current, "trace database: current run");
}

/* ------------------------------------------------------------------ */
/* The snapshot                                                       */

static int check_forget(struct check_context *ctx)
{
	for (int t = 0; t < CHECK_TABLE_COUNT; t++) {
		char sql[128] = "";
		sqlite3_stmt *stmt;
		if (!ctx->set->trace.stmt[CHECK_FORGET + t])
			snprintf(sql, sizeof(sql), "DELETE FROM main.%s"
				 " WHERE run_id = ?1", check_tables[t]);
		stmt = check_kept(ctx, &ctx->set->trace, CHECK_FORGET + t, sql,
				  "trace database");
		if (!stmt)
			return -1;
		sqlite3_bind_int64(stmt, 1, ctx->run_id);
		if (check_step_reset(ctx, stmt, "trace database") != 0)
			return -1;
	}
	return 0;
}

/* The stock key and the size of the due set, into final_sale. */
static int check_snapshot_sale(struct check_context *ctx)
{
	const struct sim_config *config = ctx->input->config;
	struct redis_conn *redis = ctx->input->redis;
	char stock_key[KEY_MAX], due_key[KEY_MAX];
	int64_t stock_left = 0, due = 0;
	int found = 0;
	sqlite3_stmt *stmt;
	sale_stock_key(&config->sale, stock_key);
	sale_due_key(&config->sale, due_key);
	if (redis_get_integer(redis, stock_key, &stock_left, &found) != 0 ||
	    redis_command_integer(redis, &due, "ZCARD %s", due_key) != 0)
		return check_fail(ctx->error, ctx->error_size, "%s", redis->error);
	stmt = check_statement(ctx, CHECK_FINAL_SALE);
	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, ctx->run_id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)config->sale.activity);
	sqlite3_bind_text(stmt, 3, config->sale.tag, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, stock_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 5, config->stock);
	if (found)
		sqlite3_bind_int64(stmt, 6, stock_left);
	else
		sqlite3_bind_null(stmt, 6);
	sqlite3_bind_int64(stmt, 7, due);
	if (check_step_reset(ctx, stmt, "trace database: final_sale") != 0)
		return -1;
	ctx->result->stock_left = found ? stock_left : 0;
	ctx->result->stock_missing = !found;
	ctx->result->due = due;
	return 0;
}

/* A string reply or nil, bound as text or NULL. */
static void check_bind_reply(sqlite3_stmt *stmt, int index,
			     const redisReply *reply)
{
	if (reply->type == REDIS_REPLY_STRING)
		sqlite3_bind_text(stmt, index, reply->str, (int)reply->len,
				  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, index);
}

/* The text of the first error reply among replies, or a generic one. */
static const char *check_reply_error(redisReply *const replies[3])
{
	for (int i = 0; i < 3; i++)
		if (replies[i]->type == REDIS_REPLY_ERROR)
			return replies[i]->str;
	return "unexpected reply";
}

static bool check_string_or_nil(const redisReply *reply)
{
	return reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_NIL;
}

/* replies: GET barrier, GET txn, ZSCORE due txn. Returns whether they
 * have the expected shapes. */
static bool check_user_replies_valid(redisReply *const replies[3])
{
	for (size_t i = 0; i < 3; i++)
		if (!check_string_or_nil(replies[i]))
			return false;
	return true;
}

static void check_bind_field(sqlite3_stmt *stmt, int index,
			     const struct txn_record *txn, enum txn_field field)
{
	if (txn && txn->field[field])
		sqlite3_bind_text(stmt, index, txn->field[field], -1,
				  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, index);
}

enum told told_best(uint8_t answers)
{
	static const enum told by_rank[] = { TOLD_SUCCESS, TOLD_UNKNOWN,
					     TOLD_REJECTED };
	for (size_t i = 0; i < sizeof(by_rank) / sizeof(by_rank[0]); i++)
		if (answers & (1u << by_rank[i]))
			return by_rank[i];
	return TOLD_NOTHING;
}

/* Stores user index u's told rows (one per distinct answer the user got,
 * or one "nothing"), txns and barriers rows, and counts them (each user
 * once, by the best answer). */
static int check_store_user(struct check_context *ctx,
			    const struct check_user_statements *statements,
			    int u, const char *gid, redisReply *const replies[3])
{
	struct txn_record record;
	const struct txn_record *txn = NULL;
	uint8_t answers = ctx->input->answers[u];
	enum txn_status status = TXN_NONE;
	if (!check_user_replies_valid(replies))
		return check_fail(ctx->error, ctx->error_size, "redis %s: the"
				  " keys of %s: %s", ctx->input->redis->address,
				  gid, check_reply_error(replies));
	if (replies[1]->type == REDIS_REPLY_STRING) {
		if (coord_store_parse(replies[1]->str, replies[1]->len,
				      &record) != 0)
			return check_fail(ctx->error, ctx->error_size, "redis"
					  " %s: txn:%s is not a transaction:"
					  " \"%.*s\"",
					  ctx->input->redis->address, gid,
					  (int)replies[1]->len,
					  replies[1]->str);
		txn = &record;
	}
	for (int t = TOLD_NOTHING; t <= TOLD_UNKNOWN; t++) {
		if (answers ? !(answers & (1u << t)) : t != TOLD_NOTHING)
			continue;
		sqlite3_bind_int64(statements->told, 1, ctx->run_id);
		sqlite3_bind_int(statements->told, 2, u + 1);
		sqlite3_bind_text(statements->told, 3, gid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(statements->told, 4, told_name((enum told)t),
				  -1, SQLITE_TRANSIENT);
		if (check_step_reset(ctx, statements->told,
				     "trace database: told") != 0)
			return -1;
	}
	sqlite3_bind_int64(statements->barrier, 1, ctx->run_id);
	sqlite3_bind_int(statements->barrier, 2, u + 1);
	sqlite3_bind_text(statements->barrier, 3, gid, -1, SQLITE_TRANSIENT);
	check_bind_reply(statements->barrier, 4, replies[0]);
	sqlite3_bind_int64(statements->txn, 1, ctx->run_id);
	sqlite3_bind_int(statements->txn, 2, u + 1);
	sqlite3_bind_text(statements->txn, 3, gid, -1, SQLITE_TRANSIENT);
	check_bind_field(statements->txn, 4, txn, TXN_FIELD_STATUS);
	check_bind_field(statements->txn, 5, txn, TXN_FIELD_BRANCH_STATUS);
	check_bind_field(statements->txn, 6, txn, TXN_FIELD_ATTEMPTS);
	/* Scores are virtual ms; INTEGER affinity stores "4003" as 4003. */
	check_bind_reply(statements->txn, 7, replies[2]);
	if (check_step_reset(ctx, statements->barrier,
			     "trace database: final_barriers") != 0 ||
	    check_step_reset(ctx, statements->txn,
			     "trace database: final_txns") != 0)
		return -1;
	if (txn)
		status = txn_status_parse(txn->field[TXN_FIELD_STATUS]);
	ctx->result->txns[status]++;
	ctx->result->told[told_best(answers)]++;
	return 0;
}

/* Reads the three replies of one user; on a broken connection frees
 * those it read and fails (the pipeline cannot be drained then). */
static int check_read_user_replies(struct check_context *ctx,
				   redisReply *replies[3])
{
	redisContext *context = ctx->input->redis->context;
	for (int i = 0; i < 3; i++) {
		void *raw = NULL;
		if (redisGetReply(context, &raw) != REDIS_OK || !raw) {
			for (int j = 0; j < i; j++)
				freeReplyObject(replies[j]);
			return check_fail(ctx->error, ctx->error_size, "redis %s:"
					  " reading the final state: %s",
					  ctx->input->redis->address,
					  context->errstr);
		}
		replies[i] = raw;
	}
	return 0;
}

/* Users [first, last): queue every command, then read every reply, so
 * the connection is left with nothing pending even when a reply is bad. */
static int check_snapshot_batch(struct check_context *ctx,
				const struct check_user_statements *statements,
				int first, int last)
{
	redisContext *context = ctx->input->redis->context;
	const struct sale *sale = &ctx->input->config->sale;
	char gid[GID_MAX], key[KEY_MAX], due_key[KEY_MAX];
	int rc = 0;
	sale_due_key(sale, due_key);
	for (int u = first; u < last; u++) {
		sale_gid(sale, (uint64_t)u + 1, gid);
		sale_barrier_key(gid, key);
		if (redisAppendCommand(context, "GET %s", key) != REDIS_OK)
			goto out_no_memory;
		sale_txn_key(gid, key);
		if (redisAppendCommand(context, "GET %s", key) != REDIS_OK ||
		    redisAppendCommand(context, "ZSCORE %s %s", due_key,
				       key) != REDIS_OK)
			goto out_no_memory;
	}
	for (int u = first; u < last; u++) {
		redisReply *replies[3] = { NULL, NULL, NULL };
		if (check_read_user_replies(ctx, replies) != 0)
			return -1;
		sale_gid(sale, (uint64_t)u + 1, gid);
		if (rc == 0)
			rc = check_store_user(ctx, statements, u, gid, replies);
		for (int i = 0; i < 3; i++)
			freeReplyObject(replies[i]);
	}
	return rc;
out_no_memory:
	/* The commands queued so far would go out with the next one, whose
	 * caller would read their replies as its own: the connection is
	 * marked failed instead (hiredis then refuses to write on it). */
	context->err = REDIS_ERR_OOM;
	snprintf(context->errstr, sizeof(context->errstr), "out of memory");
	return check_fail(ctx->error, ctx->error_size, "redis %s: out of memory"
			  " queueing commands", ctx->input->redis->address);
}

static int check_snapshot_users(struct check_context *ctx)
{
	struct check_user_statements statements = {
		check_statement(ctx, CHECK_TOLD),
		check_statement(ctx, CHECK_TXN),
		check_statement(ctx, CHECK_BARRIER),
	};
	int users = ctx->input->config->users;
	if (!statements.told || !statements.txn || !statements.barrier)
		return -1;
	for (int first = 0; first < users; first += CHECK_USERS_PER_BATCH) {
		int last = users - first > CHECK_USERS_PER_BATCH ?
			   first + CHECK_USERS_PER_BATCH : users;
		if (check_snapshot_batch(ctx, &statements, first, last) != 0)
			return -1;
	}
	ctx->result->txns_open = ctx->result->txns[TXN_PREPARED] +
				 ctx->result->txns[TXN_SUBMITTED];
	return 0;
}

/* Copies every row of a query of the order database into a table of the
 * trace database, whose ?1 is the run and ?2.. the selected columns. */
static int check_copy_rows(struct check_context *ctx,
			   enum check_order_statement_id select_id,
			   enum check_statement_id insert_id)
{
	sqlite3 *orders = ctx->input->orders->db;
	sqlite3_stmt *select = check_order_statement(ctx, select_id);
	sqlite3_stmt *insert = check_statement(ctx, insert_id);
	int columns, step, rc = -1;
	if (!select || !insert)
		return -1;
	columns = sqlite3_column_count(select);
	assert(sqlite3_bind_parameter_count(insert) == columns + 1);
	while ((step = sqlite3_step(select)) == SQLITE_ROW) {
		sqlite3_bind_int64(insert, 1, ctx->run_id);
		for (int c = 0; c < columns; c++)
			sqlite3_bind_value(insert, c + 2,
					   sqlite3_column_value(select, c));
		if (check_step_reset(ctx, insert, "trace database") != 0)
			goto out_reset;
	}
	if (step != SQLITE_DONE) {
		check_fail_sql(ctx, orders, "order database");
		goto out_reset;
	}
	rc = 0;
out_reset:
	sqlite3_reset(insert);
	sqlite3_reset(select);
	return rc;
}

static int check_snapshot_orders(struct check_context *ctx)
{
	sqlite3_stmt *count;
	int rc = -1;
	if (check_copy_rows(ctx, CHECK_ORDERS_SELECT, CHECK_ORDERS_INSERT) != 0 ||
	    check_copy_rows(ctx, CHECK_ORDER_BARRIERS_SELECT,
			    CHECK_ORDER_BARRIERS_INSERT) != 0)
		return -1;
	count = check_statement(ctx, CHECK_ORDERS_COUNT);
	if (!count)
		return -1;
	sqlite3_bind_int64(count, 1, ctx->run_id);
	sqlite3_bind_int64(count, 2,
			   (sqlite3_int64)ctx->input->config->sale.activity);
	if (sqlite3_step(count) != SQLITE_ROW) {
		check_fail_sql(ctx, ctx->db, "trace database");
		goto out_reset;
	}
	ctx->result->orders = sqlite3_column_int64(count, 0);
	rc = 0;
out_reset:
	sqlite3_reset(count);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Running the invariants                                             */

/* A result row as "col=value, col=value", and the values of its columns
 * named gid, comma-separated. Both sqlite3_malloc'd, or NULL when empty. */
static int check_format_row(sqlite3_stmt *stmt, char **row, char **gids)
{
	sqlite3_str *row_text = sqlite3_str_new(NULL);
	sqlite3_str *gid_text = sqlite3_str_new(NULL);
	int columns = sqlite3_column_count(stmt);
	int rc = 0;
	for (int c = 0; c < columns; c++) {
		const char *name = sqlite3_column_name(stmt, c);
		/* The type first: sqlite3_column_text may convert the value. */
		bool null = sqlite3_column_type(stmt, c) == SQLITE_NULL;
		const char *value = (const char *)sqlite3_column_text(stmt, c);
		name = name ? name : "?";
		sqlite3_str_appendf(row_text, "%s%s=%s", c ? ", " : "", name,
				    null || !value ? "NULL" : value);
		if (!null && value && value[0] && sqlite3_stricmp(name, "gid") == 0)
			sqlite3_str_appendf(gid_text, "%s%s",
					    sqlite3_str_length(gid_text) ? "," : "",
					    value);
	}
	if (sqlite3_str_errcode(row_text) != SQLITE_OK ||
	    sqlite3_str_errcode(gid_text) != SQLITE_OK)
		rc = -1;
	*row = sqlite3_str_finish(row_text);
	*gids = sqlite3_str_finish(gid_text);
	return rc;
}

/* Runs one invariant and records its rows; the first row of the first
 * violated invariant becomes the result's problem. */
/* The invariant's query, prepared once per trace database and kept: an
 * exploration runs the same queries thousands of times. */
static sqlite3_stmt *invariant_query(struct check_context *ctx,
				     struct invariant *item)
{
	if (item->stmt)
		return item->stmt;
	if (sqlite3_prepare_v2(ctx->db, item->sql, -1, &item->stmt, NULL) !=
	    SQLITE_OK) {
		check_fail(ctx->error, ctx->error_size, "invariant %s (%s): %s",
			   item->name, item->source, sqlite3_errmsg(ctx->db));
		sqlite3_finalize(item->stmt);
		item->stmt = NULL;
		return NULL;
	}
	return item->stmt;
}

/* The steps a user's query may take on this run's final state. */
static long long check_users_budget(const struct check_context *ctx)
{
	long long users = ctx->input->config->users;
	return INVARIANT_RUN_STEPS_BASE +
	       INVARIANT_RUN_STEPS_PER_PAIR * users * users;
}

/* Whether SQLite's code, of a user's query that failed on a run's final
 * state (the load ran it on an empty one), is the query's own mistake:
 * an SQL error, a value too big, a type or range error, or its budget
 * of steps spent. A full disk or a lost file under it is not. */
static bool check_users_mistake(int code)
{
	code &= 0xff;
	return code == SQLITE_ERROR || code == SQLITE_TOOBIG ||
	       code == SQLITE_MISMATCH || code == SQLITE_RANGE ||
	       code == SQLITE_AUTH || code == SQLITE_INTERRUPT;
}

static int check_run_invariant(struct check_context *ctx, sqlite3_stmt *insert,
			       struct invariant *item)
{
	sqlite3_stmt *query = invariant_query(ctx, item);
	char *row = NULL, *gids = NULL;
	bool users_query = strcmp(item->source, "built-in") != 0;
	long long left;
	int rows = 0, step = SQLITE_DONE, rc = -1;
	if (!query)
		goto out_reset;
	if (users_query)
		invariant_budget_start(ctx->db, &left, check_users_budget(ctx));
	while (rows < CHECK_ROWS_RECORDED_MAX &&
	       (step = sqlite3_step(query)) == SQLITE_ROW) {
		if (check_format_row(query, &row, &gids) != 0) {
			check_fail(ctx->error, ctx->error_size, "out of memory");
			goto out_reset;
		}
		rows++;
		if (rows == 1 && ctx->violated == 0)
			snprintf(ctx->result->problem, sizeof(ctx->result->problem),
				 "%s: %s", item->name, row ? row : "");
		sqlite3_bind_int64(insert, 1, ctx->run_id);
		sqlite3_bind_text(insert, 2, item->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(insert, 3, rows);
		sqlite3_bind_text(insert, 4, row ? row : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(insert, 5, gids ? gids : "", -1, SQLITE_TRANSIENT);
		/* the budget is the query's: never stop a write, whose
		 * interruption would roll back the run's transaction */
		if (users_query)
			invariant_budget_end(ctx->db);
		if (check_step_reset(ctx, insert, "trace database: violations") != 0)
			goto out_reset;
		if (users_query)
			invariant_budget_resume(ctx->db, &left);
		sqlite3_free(row);
		sqlite3_free(gids);
		row = gids = NULL;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		/* A user's query that fails on some data (the load ran each
		 * on an empty state), or does not end there: a mistake of the
		 * input, said as such. A full disk or a lost file under it
		 * stays an internal error. */
		int code = sqlite3_errcode(ctx->db) & 0xff;
		bool input = users_query && check_users_mistake(code);
		if (users_query && code == SQLITE_INTERRUPT) {
			char said[320];
			invariant_budget_said(check_users_budget(ctx), said,
					      sizeof(said));
			check_fail(ctx->error, ctx->error_size, "invariant %s"
				   " (%s) %s", item->name, item->source, said);
		} else
			check_fail(ctx->error, ctx->error_size, "invariant %s"
				   " (%s)%s: %s", item->name, item->source,
				   input ? " fails on this run's final state" :
				   "", sqlite3_errmsg(ctx->db));
		ctx->result->invariant_failed = input;
		goto out_reset;
	}
	if (rows > 0) {
		ptrdiff_t index = item - ctx->set->items;
		ctx->violated++;
		assert(index >= 0 && index < INVARIANT_SET_MAX);
		ctx->result->violated_set |= UINT64_C(1) << index;
	}
	rc = 0;
out_reset:
	if (users_query)
		invariant_budget_end(ctx->db);
	sqlite3_free(row);
	sqlite3_free(gids);
	if (query)
		sqlite3_reset(query);
	return rc;
}

/* The events the violations point at (blame.c): a built-in invariant's
 * rule, or the second statement of a user's file; a user's file without
 * one, also one that replaced a built-in, points at none. */
static int check_blame(struct check_context *ctx,
		       const struct invariant_set *invariants)
{
	for (int i = 0; i < invariants->count; i++) {
		const struct invariant *invariant = &invariants->items[i];
		const char *rule = invariant->points_sql;
		int code;
		if (!(ctx->result->violated_set & (UINT64_C(1) << i)))
			continue;
		if (!rule && strcmp(invariant->source, "built-in") == 0)
			rule = blame_rule(invariant->name);
		if (!rule)
			continue;
		/* a user's statement has the budget of a user's query */
		code = blame_record(ctx->db, ctx->run_id, invariant->name, rule,
				    invariant->points_sql ? invariant->source :
				    NULL, invariant->points_sql ?
				    check_users_budget(ctx) : 0, ctx->error,
				    ctx->error_size);
		if (code == 0)
			continue;
		/* a user's statement failing by its own mistake: as the
		 * invariant's own query */
		if (invariant->points_sql && check_users_mistake(code))
			ctx->result->invariant_failed = true;
		return -1;
	}
	return 0;
}

static int check_run_invariants(struct check_context *ctx,
				struct invariant_set *invariants)
{
	sqlite3_stmt *insert = check_statement(ctx, CHECK_VIOLATION);
	if (!insert)
		return -1;
	for (int i = 0; i < invariants->count; i++) {
		struct invariant *invariant = &invariants->items[i];
		if (!variant_checks(variant_get(ctx->input->config->variant),
				    invariant->name))
			continue; /* e.g. no transactions in the naive design */
		if (check_run_invariant(ctx, insert, invariant) != 0)
			return -1;
	}
	return check_blame(ctx, invariants);
}

/* Clears what check_run fills, but a liveness verdict and its problem. */
static void check_reset_result(struct sim_result *result)
{
	result->stock_left = 0;
	result->stock_missing = false;
	result->txns_lost = -1; /* check_txns_lost */
	result->orders = 0;
	result->txns_open = 0;
	result->due = 0;
	result->violated_set = 0;
	memset(result->txns, 0, sizeof(result->txns));
	memset(result->told, 0, sizeof(result->told));
}

int check_run(struct tracedb *db, int64_t run_id,
	      const struct check_input *input,
	      struct invariant_set *invariants,
	      struct sim_result *result, char *error, size_t error_size)
{
	struct check_context ctx = {
		.db = tracedb_sqlite(db), .set = invariants, .run_id = run_id,
		.input = input, .result = result, .error = error,
		.error_size = error_size,
	};
	char problem[sizeof(result->problem)];
	bool liveness = result->verdict == VERDICT_LIVENESS;
	int rc = -1;
	assert(input->config->users >= 0);
	assert(input->answers || input->config->users == 0);
	if (check_statements_use(&ctx) != 0 ||
	    check_exec(&ctx, CHECK_SAVEPOINT) != 0)
		return -1;
	snprintf(problem, sizeof(problem), "%s", result->problem);
	result->problem[0] = '\0';
	check_reset_result(result);
	if (check_forget(&ctx) != 0 || check_snapshot_sale(&ctx) != 0 ||
	    check_snapshot_users(&ctx) != 0 || check_snapshot_orders(&ctx) != 0 ||
	    check_views_show(&ctx) != 0 ||
	    check_run_invariants(&ctx, invariants) != 0)
		goto out_release;
	if (liveness)
		snprintf(result->problem, sizeof(result->problem), "%s", problem);
	else
		result->verdict = ctx.violated ? VERDICT_VIOLATION : VERDICT_OK;
	rc = 0;
out_release:
	if (rc != 0) {
		snprintf(result->problem, sizeof(result->problem), "%s", problem);
		char saved[512];
		snprintf(saved, sizeof(saved), "%s", error);
		check_exec(&ctx, CHECK_ROLLBACK_TO);
		check_exec(&ctx, CHECK_RELEASE);
		snprintf(error, error_size, "%s", saved);
		return rc;
	}
	return check_exec(&ctx, CHECK_RELEASE);
}

int check_txns_lost(struct tracedb *db, int64_t run_id, int64_t *lost)
{
	/* A save that answered OK, in time or late ("= OK (prepared)", "= OK
	 * (arrived late; ...)"), wrote the key; final_txns has status NULL
	 * for a key missing at the end. */
	static const char sql[] =
		"SELECT count(*) FROM final_txns f WHERE f.run_id = ?1"
		" AND f.status IS NULL AND EXISTS (SELECT 1 FROM events e"
		"  WHERE e.run_id = ?1 AND e.gid = f.gid AND e.step = ?2"
		"  AND e.detail LIKE ?3)";
	char saved[32];
	sqlite3 *handle = tracedb_sqlite(db);
	sqlite3_stmt *stmt = NULL;
	int rc = -1;
	snprintf(saved, sizeof(saved), "= %s %%", code_name(CODE_OK));
	if (sqlite3_prepare_v2(handle, sql, -1, &stmt, NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, step_name(STEP_COORD_SAVE), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, saved, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_ROW)
		goto out_finalize;
	*lost = sqlite3_column_int64(stmt, 0);
	rc = 0;
out_finalize:
	sqlite3_finalize(stmt);
	return rc;
}

