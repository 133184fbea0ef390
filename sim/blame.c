/*
 * blame.c - the events a run's violations point at (see blame.h).
 *
 * One rule per built-in invariant: a query on the checker's views (the
 * final state of the run) and on the run's events that returns the
 * events to point at, (seq, why). The events are read in the trace's own
 * words (docs/TRACE.md, events): a deduction that took a unit is an
 * app/deduct answered "= OK", in time or late; an order created is an
 * order/create answered "= OK" but not "= OK (delivered before: ...)",
 * which found the order there; a transaction that succeeded, the
 * coordinator's "= OK (succeeded)"; what a user was told, "told
 * <answer>".
 */
#include "blame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"

/* ?1 is the run, ?2 the invariant. */
#define DEDUCTED "e.step = 'app/deduct' AND e.detail LIKE '= OK%'"
#define ORDERED "e.step = 'order/create' AND e.detail LIKE '= OK%'" \
	" AND e.detail NOT LIKE '= OK (delivered before%'"
/* A transaction succeeded: the coordinator's answer says so, or a late
 * answer of the step that marks the branch (then the transaction)
 * succeeded. */
#define SUCCEEDED \
	"(e.detail = '= OK (succeeded)' OR (e.step IN ('coord/branch_done'," \
	" 'coord/deliver_done') AND e.detail LIKE '= OK (arrived late%'))"
#define RESTARTED "e.actor = 'redis' AND e.detail LIKE 'RESTART%'"
/* The event of the run that created the order of gid. */
#define ORDER_EVENT(gid) \
	"(SELECT min(e.seq) FROM main.events e WHERE e.run_id = ?1" \
	" AND e.gid = " gid " AND " ORDERED ")"
/* The last event of the run that took a unit for gid. */
#define DEDUCT_EVENT(gid) \
	"(SELECT max(e.seq) FROM main.events e WHERE e.run_id = ?1" \
	" AND e.gid = " gid " AND " DEDUCTED ")"
/* The last event of the run at which gid succeeded. */
#define SUCCESS_EVENT(gid) \
	"(SELECT max(e.seq) FROM main.events e WHERE e.run_id = ?1" \
	" AND e.gid = " gid " AND " SUCCEEDED ")"
/* The first Redis restart of the run after the event seq. */
#define RESTART_AFTER(seq) \
	"(SELECT min(e.seq) FROM main.events e WHERE e.run_id = ?1" \
	" AND e.seq > " seq " AND " RESTARTED ")"
/* The virtual time of the event seq. */
#define TIME_OF(seq) \
	"(SELECT e.time_ms FROM main.events e WHERE e.run_id = ?1" \
	" AND e.seq = " seq ")"
/* gid is named by a row of the invariant (violations.gids, split into
 * the CTE named by blame_record). */
#define NAMED(gid) gid " IN (SELECT gid FROM named)"
/* What became of a transaction that did not succeed. */
#define ENDED(status) \
	"CASE WHEN " status " IS NULL THEN 'was never stored, or was lost'" \
	" WHEN " status " = 'failed' THEN 'failed'" \
	" ELSE 'is still ' || " status " END"

struct blame_rule {
	const char *invariant;
	const char *sql;
};

static const struct blame_rule blame_rules[] = {
	/* Units taken that no order matches, when more were taken than
	 * ordered; when fewer: orders no unit was taken for, and the Redis
	 * restarts after a deduction (a restart can put units back); the
	 * stock key gone: the first restart, which lost it. */
	{ "conservation",
	  "WITH s AS (SELECT stock_left,"
	  "  stock_initial - stock_left AS taken,"
	  "  (SELECT count(*) FROM orders o"
	  "    WHERE o.activity_id = sale.activity_id) AS made FROM sale),"
	  " d AS (SELECT e.seq, e.gid FROM main.events e"
	  "  WHERE e.run_id = ?1 AND " DEDUCTED "),"
	  " o AS (SELECT e.gid, min(e.seq) AS seq FROM main.events e"
	  "  WHERE e.run_id = ?1 AND " ORDERED " GROUP BY e.gid),"
	  " r AS (SELECT e.seq FROM main.events e"
	  "  WHERE e.run_id = ?1 AND " RESTARTED ")"
	  " SELECT d.seq, 'a unit taken here that no order matches' FROM d, s"
	  "  WHERE s.taken > s.made"
	  "    AND NOT EXISTS (SELECT 1 FROM orders WHERE orders.gid = d.gid)"
	  " UNION ALL"
	  " SELECT o.seq, 'an order created here for which no unit was taken'"
	  "   FROM o, s"
	  "  WHERE (s.stock_left IS NULL OR s.taken < s.made)"
	  "    AND o.gid IN (SELECT gid FROM orders)"
	  "    AND NOT EXISTS (SELECT 1 FROM d WHERE d.gid = o.gid)"
	  " UNION ALL"
	  " SELECT min(r.seq), 'Redis came back here without the stock key'"
	  "   FROM r, s WHERE s.stock_left IS NULL"
	  " UNION ALL"
	  " SELECT r.seq, 'Redis came back here, perhaps without units"
	  " taken before'"
	  "   FROM r, s WHERE s.stock_left IS NOT NULL AND s.taken < s.made"
	  "    AND EXISTS (SELECT 1 FROM d WHERE d.seq < r.seq)" },
	/* An "op" barrier of a transaction that did not succeed: the
	 * deduction that wrote it, and the Redis restart that lost the
	 * transaction after a coordinator had saved it; a transaction that
	 * succeeded without one: where it succeeded. */
	{ "barrier_agreement",
	  "SELECT " DEDUCT_EVENT("b.gid") ","
	  "       'a unit taken here (barrier op) for a transaction that '"
	  "       || " ENDED("t.status")
	  "  FROM barriers b LEFT JOIN txns t ON t.gid = b.gid"
	  " WHERE " NAMED("b.gid") " AND b.value = 'op'"
	  "   AND t.status IS NOT 'succeeded'"
	  " UNION ALL"
	  " SELECT " RESTART_AFTER("x.saved") ","
	  "       'Redis came back here without the transaction saved at '"
	  "       || " TIME_OF("x.saved") " || ' ms'"
	  "  FROM (SELECT b.gid, (SELECT min(e.seq) FROM main.events e"
	  "         WHERE e.run_id = ?1 AND e.gid = b.gid"
	  "           AND e.step = 'coord/save' AND e.detail LIKE '= OK%')"
	  "         AS saved"
	  "          FROM barriers b LEFT JOIN txns t ON t.gid = b.gid"
	  "         WHERE " NAMED("b.gid") " AND b.value = 'op'"
	  "           AND t.status IS NULL) x"
	  " WHERE x.saved IS NOT NULL"
	  " UNION ALL"
	  " SELECT " SUCCESS_EVENT("t.gid") ","
	  "       'the transaction succeeded here, its barrier '"
	  "       || coalesce('is ' || b.value, 'missing')"
	  "  FROM txns t LEFT JOIN barriers b ON b.gid = t.gid"
	  " WHERE " NAMED("t.gid") " AND t.status = 'succeeded'"
	  "   AND b.value IS NOT 'op'" },
	/* Where a transaction succeeded without exactly one order; the
	 * order created for a transaction that did not succeed, or, when it
	 * had succeeded and a Redis restart lost it, that restart. */
	{ "txn_order_agreement",
	  "SELECT " SUCCESS_EVENT("t.gid") ","
	  "       'the transaction succeeded here, with '"
	  "       || (SELECT count(*) FROM orders o WHERE o.gid = t.gid)"
	  "       || ' orders'"
	  "  FROM txns t"
	  " WHERE " NAMED("t.gid") " AND t.status = 'succeeded'"
	  "   AND (SELECT count(*) FROM orders o WHERE o.gid = t.gid) <> 1"
	  " UNION ALL"
	  " SELECT CASE WHEN x.lost IS NULL THEN x.created ELSE x.lost END,"
	  "        CASE WHEN x.lost IS NULL"
	  "        THEN 'an order created here for a transaction that '"
	  "             || " ENDED("x.status")
	  "        ELSE 'Redis came back here without the transaction that"
	  " succeeded at ' || " TIME_OF("x.succeeded") " || ' ms with its"
	  " order; ' || CASE WHEN x.status IS NULL THEN 'it is gone'"
	  "        WHEN x.status = 'failed' THEN 'a later request prepared"
	  " it again, and it failed' ELSE 'it is now ' || x.status END END"
	  "   FROM (SELECT o.gid, t.status, " ORDER_EVENT("o.gid") " AS created,"
	  "          " SUCCESS_EVENT("o.gid") " AS succeeded,"
	  "          " RESTART_AFTER(SUCCESS_EVENT("o.gid")) " AS lost"
	  "          FROM orders o LEFT JOIN txns t ON t.gid = o.gid"
	  "         WHERE " NAMED("o.gid") " AND t.status IS NOT 'succeeded') x" },
	/* The answer "rejected", the order of that user, and a Redis
	 * restart between the two (it lost the purchase the order is of). */
	{ "rejected_has_no_order",
	  "WITH r AS (SELECT u.user_id, u.gid FROM users u"
	  "  WHERE u.told = 'rejected' AND EXISTS (SELECT 1 FROM orders o"
	  "   WHERE o.user_id = u.user_id"
	  "     AND o.activity_id = (SELECT activity_id FROM sale))),"
	  " answered AS (SELECT e.seq, e.gid FROM r JOIN main.events e"
	  "  ON e.run_id = ?1 AND e.gid = r.gid"
	  "  WHERE e.detail = 'told rejected'),"
	  " created AS (SELECT " ORDER_EVENT("o.gid") " AS seq, o.gid"
	  "  FROM orders o WHERE o.user_id IN (SELECT user_id FROM r)"
	  "   AND o.activity_id = (SELECT activity_id FROM sale))"
	  " SELECT seq, 'told rejected, yet this user has an order'"
	  "   FROM answered"
	  " UNION ALL"
	  " SELECT seq, 'the order of a user told rejected' FROM created"
	  " UNION ALL"
	  " SELECT " RESTART_AFTER("c.seq") ","
	  "        'Redis came back here without the purchase whose order"
	  " exists; the user was told rejected after'"
	  "   FROM created c WHERE EXISTS (SELECT 1 FROM answered a"
	  "    WHERE a.gid = c.gid AND a.seq > " RESTART_AFTER("c.seq") ")" },
	/* The answer "success" that no order stands behind. */
	{ "success_has_order",
	  "SELECT e.seq, 'told success here, and no order exists'"
	  "  FROM users u JOIN main.events e ON e.run_id = ?1"
	  "   AND e.gid = u.gid AND e.detail = 'told success'"
	  " WHERE u.told = 'success' AND NOT EXISTS (SELECT 1 FROM orders o"
	  "   WHERE o.user_id = u.user_id"
	  "     AND o.activity_id = (SELECT activity_id FROM sale))" },
	/* The creation of every order of a user with more than one; for a
	 * transaction with more than one, every create-order that created
	 * one (not a redelivery that found it there). */
	{ "one_order_per_user",
	  "SELECT " ORDER_EVENT("o.gid") ","
	  "       'one of the ' || (SELECT count(*) FROM orders x"
	  "        WHERE x.activity_id = o.activity_id"
	  "          AND x.user_id = o.user_id) || ' orders of user '"
	  "       || o.user_id"
	  "  FROM orders o"
	  " WHERE (SELECT count(*) FROM orders x"
	  "         WHERE x.activity_id = o.activity_id"
	  "           AND x.user_id = o.user_id) > 1"
	  " UNION ALL"
	  " SELECT e.seq, 'an order created here; its transaction"
	  " has ' || g.n || ' orders'"
	  "  FROM (SELECT gid, count(*) AS n FROM orders GROUP BY gid"
	  "        HAVING count(*) > 1) g"
	  "  JOIN main.events e ON e.run_id = ?1 AND e.gid = g.gid"
	  " WHERE " ORDERED },
	/* The units taken, and the orders created, past the stock. */
	{ "no_oversell",
	  "SELECT seq, 'a unit taken here, past the stock of '"
	  "       || (SELECT stock_initial FROM sale)"
	  "  FROM (SELECT e.seq, row_number() OVER (ORDER BY e.seq) AS n"
	  "          FROM main.events e WHERE e.run_id = ?1 AND " DEDUCTED ")"
	  " WHERE n > (SELECT stock_initial FROM sale)"
	  " UNION ALL"
	  " SELECT seq, 'an order created here, past the stock of '"
	  "       || (SELECT stock_initial FROM sale)"
	  "  FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n"
	  "          FROM (SELECT min(e.seq) AS seq FROM main.events e"
	  "                 WHERE e.run_id = ?1 AND " ORDERED
	  "                   AND e.gid IN (SELECT gid FROM orders)"
	  "                 GROUP BY e.gid))"
	  " WHERE n > (SELECT stock_initial FROM sale)" },
	/* A transaction left open: where it took the status it kept, and
	 * the first call of its recovery that failed after that (each
	 * retry after it failed too), or, when none did, its last event. */
	{ "all_terminal",
	  "WITH t AS (SELECT t.gid, t.status, (SELECT max(e.seq)"
	  "  FROM main.events e WHERE e.run_id = ?1 AND e.gid = t.gid"
	  "   AND e.detail LIKE '= OK (' || t.status || ')') AS became"
	  "  FROM txns t WHERE " NAMED("t.gid")
	  "   AND t.status IN ('prepared', 'submitted')),"
	  " f AS (SELECT t.gid, min(e.seq) AS seq, count(*) AS n FROM t"
	  "  JOIN main.events e ON e.run_id = ?1 AND e.gid = t.gid"
	  "   AND e.seq > coalesce(t.became, 0)"
	  "   AND (e.detail LIKE '<- FAILED%' OR e.detail = '<- timeout')"
	  "  GROUP BY t.gid)"
	  " SELECT became, 'the transaction became ' || status || ' here and"
	  " never finished' FROM t"
	  " UNION ALL"
	  " SELECT f.seq, 'the first call of its recovery that failed'"
	  "        || CASE WHEN f.n > 1 THEN ', and ' || (f.n - 1)"
	  "        || ' more after it' ELSE '' END"
	  "   FROM f"
	  " UNION ALL"
	  " SELECT (SELECT max(e.seq) FROM main.events e"
	  "          WHERE e.run_id = ?1 AND e.gid = t.gid),"
	  "        'the last event of a transaction left ' || t.status"
	  "   FROM t WHERE t.gid NOT IN (SELECT gid FROM f)" },
};
#define BLAME_RULE_COUNT ((int)(sizeof(blame_rules) / sizeof(blame_rules[0])))

/* Events recorded per invariant and run, like its rows. */
#define BLAME_EVENTS_MAX 1000

const char *blame_rule(const char *name)
{
	for (int i = 0; i < BLAME_RULE_COUNT; i++)
		if (strcmp(blame_rules[i].invariant, name) == 0)
			return blame_rules[i].sql;
	return NULL;
}

char *blame_sql(const char *rule)
{
	return sqlite3_mprintf("WITH RECURSIVE split(gid, rest) AS ("
			       "  SELECT '', gids || ',' FROM main.violations"
			       "   WHERE run_id = ?1 AND invariant = ?2"
			       "     AND gids <> ''"
			       "  UNION ALL"
			       "  SELECT substr(rest, 1, instr(rest, ',') - 1),"
			       "         substr(rest, instr(rest, ',') + 1)"
			       "    FROM split WHERE rest <> ''),"
			       " named(gid) AS (SELECT DISTINCT gid FROM split"
			       "  WHERE gid <> ''),"
			       " blamed(seq, why) AS (\n%s\n)"
			       " SELECT DISTINCT seq,"
			       "  coalesce(CAST(why AS TEXT), '') FROM blamed"
			       /* an event of the run: a user's rule may
				* return anything */
			       " WHERE seq IN (SELECT e.seq FROM main.events e"
			       "  WHERE e.run_id = ?1)"
			       " ORDER BY seq LIMIT %d", rule, BLAME_EVENTS_MAX);
}

/* The events a rule found, read before any is written: a write stopped
 * by the budget would roll back the run's whole record, and a user's
 * rule may read violation_events itself. */
struct blame_found {
	int count;
	int64_t seq[BLAME_EVENTS_MAX];
	char *why[BLAME_EVENTS_MAX];    /* its bytes, a NUL among them */
	int why_size[BLAME_EVENTS_MAX];
};

static void blame_found_free(struct blame_found *found)
{
	for (int i = 0; i < found->count; i++)
		sqlite3_free(found->why[i]);
	found->count = 0;
}

/* Reads stmt's rows (seq, why) into found, within steps of SQLite's
 * (0: no budget). Returns SQLITE_DONE, or SQLite's code of the failure
 * (SQLITE_INTERRUPT: the budget ran out; SQLITE_NOMEM). */
static int blame_read(sqlite3 *db, sqlite3_stmt *stmt, long long steps,
		      struct blame_found *found)
{
	long long left;
	int step = SQLITE_DONE;
	if (steps > 0)
		invariant_budget_start(db, &left, steps);
	while (found->count < BLAME_EVENTS_MAX &&
	       (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const void *text = sqlite3_column_blob(stmt, 1);
		int size = sqlite3_column_bytes(stmt, 1);
		char *why = sqlite3_malloc(size + 1);
		if (!why) {
			step = SQLITE_NOMEM;
			break;
		}
		if (size > 0)
			memcpy(why, text, (size_t)size);
		why[size] = '\0';
		found->seq[found->count] = sqlite3_column_int64(stmt, 0);
		found->why_size[found->count] = size;
		found->why[found->count++] = why;
	}
	if (found->count == BLAME_EVENTS_MAX)
		step = SQLITE_DONE; /* the statement's LIMIT */
	if (steps > 0)
		invariant_budget_end(db);
	return step;
}

/* Writes found's events for the violation of name in run_id. */
static int blame_write(sqlite3 *db, int64_t run_id, const char *name,
		       const struct blame_found *found)
{
	sqlite3_stmt *insert = NULL;
	int rc = sqlite3_prepare_v2(db, "INSERT INTO main.violation_events"
				    "(run_id, invariant, seq, why)"
				    " VALUES (?1, ?2, ?3, ?4)", -1, &insert,
				    NULL);
	for (int i = 0; rc == SQLITE_OK && i < found->count; i++) {
		sqlite3_bind_int64(insert, 1, run_id);
		sqlite3_bind_text(insert, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(insert, 3, found->seq[i]);
		sqlite3_bind_text(insert, 4, found->why[i], found->why_size[i],
				  SQLITE_STATIC);
		if (sqlite3_step(insert) != SQLITE_DONE)
			rc = SQLITE_ERROR;
		sqlite3_reset(insert);
	}
	sqlite3_finalize(insert);
	return rc;
}

int blame_record(sqlite3 *db, int64_t run_id, const char *name,
		 const char *rule, const char *source, long long steps,
		 char *error, size_t error_size)
{
	sqlite3_stmt *stmt = NULL;
	struct blame_found *found = NULL;
	char *sql = blame_sql(rule);
	int step = SQLITE_ERROR, rc = SQLITE_NOMEM;
	if (!sql || !(found = calloc(1, sizeof(*found)))) {
		snprintf(error, error_size, "out of memory");
		goto out_free;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		goto out_fail;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	step = blame_read(db, stmt, steps, found);
	if (step != SQLITE_DONE)
		goto out_fail;
	/* the reading is over: its statement holds no lock on the tables */
	sqlite3_reset(stmt);
	if (blame_write(db, run_id, name, found) != SQLITE_OK) {
		step = SQLITE_ERROR;
		source = NULL; /* the trace's failure, not the rule's */
		goto out_fail;
	}
	rc = 0;
	goto out_free;
out_fail:
	rc = step == SQLITE_INTERRUPT ? SQLITE_INTERRUPT :
	     sqlite3_extended_errcode(db);
	if (rc == SQLITE_OK)
		rc = SQLITE_ERROR;
	if (source && rc == SQLITE_INTERRUPT) {
		char said[320];
		invariant_budget_said(steps, said, sizeof(said));
		snprintf(error, error_size, "invariant %s (%s): its second"
			 " statement, the events the rows point at, %s", name,
			 source, said);
	} else if (source)
		snprintf(error, error_size, "invariant %s (%s): its second"
			 " statement, the events the rows point at: %s", name,
			 source, sqlite3_errmsg(db));
	else
		snprintf(error, error_size, "trace database: the events of %s:"
			 " %s", name, sqlite3_errmsg(db));
out_free:
	if (found)
		blame_found_free(found);
	free(found);
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
	return rc;
}
