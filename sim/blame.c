/*
 * blame.c - the events a run's violations point at (see blame.h).
 *
 * One rule per built-in invariant: a query on the checker's views (the
 * final state of the run) and on the run's events that returns the
 * events to point at, (seq, why). The events are read in the trace's own
 * words (docs/TRACE.md, events): a deduction that took a unit is an
 * app/deduct answered "= OK", in time or late; an order created is the
 * first order/create of its gid answered "= OK" (a later one found it
 * there); a transaction that succeeded, the coordinator's "= OK
 * (succeeded)"; what a user was told, "told <answer>".
 */
#include "blame.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

/* ?1 is the run, ?2 the invariant. */
#define DEDUCTED "e.step = 'app/deduct' AND e.detail LIKE '= OK%'"
#define ORDERED "e.step = 'order/create' AND e.detail LIKE '= OK%'"
#define SUCCEEDED "e.detail = '= OK (succeeded)'"
/* The event of the run that created the order of gid. */
#define ORDER_EVENT(gid) \
	"(SELECT min(e.seq) FROM main.events e WHERE e.run_id = ?1" \
	" AND e.gid = " gid " AND " ORDERED ")"
/* The last event of the run that took a unit for gid. */
#define DEDUCT_EVENT(gid) \
	"(SELECT max(e.seq) FROM main.events e WHERE e.run_id = ?1" \
	" AND e.gid = " gid " AND " DEDUCTED ")"
/* The event of the run at which gid succeeded. */
#define SUCCESS_EVENT(gid) \
	"(SELECT max(e.seq) FROM main.events e WHERE e.run_id = ?1" \
	" AND e.gid = " gid " AND " SUCCEEDED ")"
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
	 * ordered; orders no unit was taken for, and the Redis crashes that
	 * put units back or lost the key, when fewer (or none: the key is
	 * gone). */
	{ "conservation",
	  "WITH s AS (SELECT stock_left,"
	  "  stock_initial - stock_left AS taken,"
	  "  (SELECT count(*) FROM orders o"
	  "    WHERE o.activity_id = sale.activity_id) AS made FROM sale),"
	  " d AS (SELECT e.seq, e.gid FROM main.events e"
	  "  WHERE e.run_id = ?1 AND " DEDUCTED "),"
	  " o AS (SELECT e.gid, min(e.seq) AS seq FROM main.events e"
	  "  WHERE e.run_id = ?1 AND " ORDERED " GROUP BY e.gid)"
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
	  " SELECT e.seq, CASE WHEN s.stock_left IS NULL"
	  "   THEN 'Redis came back here without the stock key'"
	  "   ELSE 'Redis came back here without units taken before' END"
	  "   FROM main.events e, s"
	  "  WHERE e.run_id = ?1 AND e.actor = 'redis'"
	  "    AND e.detail LIKE 'RESTART%'"
	  "    AND (s.stock_left IS NULL OR s.taken < s.made)" },
	/* An "op" barrier of a transaction that did not succeed: the
	 * deduction that wrote it; a transaction that succeeded without
	 * one: where it succeeded. */
	{ "barrier_agreement",
	  "SELECT " DEDUCT_EVENT("b.gid") ","
	  "       'a unit taken here (barrier op) for a transaction that '"
	  "       || " ENDED("t.status")
	  "  FROM barriers b LEFT JOIN txns t ON t.gid = b.gid"
	  " WHERE " NAMED("b.gid") " AND b.value = 'op'"
	  "   AND t.status IS NOT 'succeeded'"
	  " UNION ALL"
	  " SELECT " SUCCESS_EVENT("t.gid") ","
	  "       'the transaction succeeded here, its barrier '"
	  "       || coalesce('is ' || b.value, 'missing')"
	  "  FROM txns t LEFT JOIN barriers b ON b.gid = t.gid"
	  " WHERE " NAMED("t.gid") " AND t.status = 'succeeded'"
	  "   AND b.value IS NOT 'op'" },
	/* Where a transaction succeeded without exactly one order; the
	 * order created for a transaction that did not succeed. */
	{ "txn_order_agreement",
	  "SELECT " SUCCESS_EVENT("t.gid") ","
	  "       'the transaction succeeded here, with '"
	  "       || (SELECT count(*) FROM orders o WHERE o.gid = t.gid)"
	  "       || ' orders'"
	  "  FROM txns t"
	  " WHERE " NAMED("t.gid") " AND t.status = 'succeeded'"
	  "   AND (SELECT count(*) FROM orders o WHERE o.gid = t.gid) <> 1"
	  " UNION ALL"
	  " SELECT " ORDER_EVENT("o.gid") ","
	  "       'an order created here for a transaction that '"
	  "       || " ENDED("t.status")
	  "  FROM orders o LEFT JOIN txns t ON t.gid = o.gid"
	  " WHERE " NAMED("o.gid") " AND t.status IS NOT 'succeeded'" },
	/* The answer "rejected", and the order of that user. */
	{ "rejected_has_no_order",
	  "WITH r AS (SELECT u.user_id, u.gid FROM users u"
	  "  WHERE u.told = 'rejected' AND EXISTS (SELECT 1 FROM orders o"
	  "   WHERE o.user_id = u.user_id"
	  "     AND o.activity_id = (SELECT activity_id FROM sale)))"
	  " SELECT e.seq, 'told rejected, yet this user has an order'"
	  "   FROM r JOIN main.events e ON e.run_id = ?1 AND e.gid = r.gid"
	  "  WHERE e.detail = 'told rejected'"
	  " UNION ALL"
	  " SELECT " ORDER_EVENT("o.gid") ","
	  "       'an order created here for a user told rejected'"
	  "   FROM orders o"
	  "  WHERE o.user_id IN (SELECT user_id FROM r)"
	  "    AND o.activity_id = (SELECT activity_id FROM sale)" },
	/* The answer "success" that no order stands behind. */
	{ "success_has_order",
	  "SELECT e.seq, 'told success here, and no order exists'"
	  "  FROM users u JOIN main.events e ON e.run_id = ?1"
	  "   AND e.gid = u.gid AND e.detail = 'told success'"
	  " WHERE u.told = 'success' AND NOT EXISTS (SELECT 1 FROM orders o"
	  "   WHERE o.user_id = u.user_id"
	  "     AND o.activity_id = (SELECT activity_id FROM sale))" },
	/* Every order of a user (or of a transaction) with more than one. */
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
	  " SELECT e.seq, 'an order created here; its transaction has '"
	  "       || g.n || ' orders'"
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
	/* The last thing that happened to a transaction left open. */
	{ "all_terminal",
	  "SELECT (SELECT max(e.seq) FROM main.events e"
	  "         WHERE e.run_id = ?1 AND e.gid = t.gid),"
	  "       'the last event of a transaction left ' || t.status"
	  "  FROM txns t"
	  " WHERE " NAMED("t.gid")
	  "   AND t.status IN ('prepared', 'submitted')" },
};
#define BLAME_RULE_COUNT ((int)(sizeof(blame_rules) / sizeof(blame_rules[0])))

/* Events recorded per invariant and run, like its rows. */
#define BLAME_EVENTS_MAX 1000

static const struct blame_rule *blame_rule(const char *name)
{
	for (int i = 0; i < BLAME_RULE_COUNT; i++)
		if (strcmp(blame_rules[i].invariant, name) == 0)
			return &blame_rules[i];
	return NULL;
}

bool blame_knows(const char *name)
{
	return blame_rule(name) != NULL;
}

int blame_record(sqlite3 *db, int64_t run_id, const char *name,
		 char *error, size_t error_size)
{
	const struct blame_rule *rule = blame_rule(name);
	sqlite3_stmt *stmt = NULL;
	char *sql;
	int rc = -1;
	if (!rule)
		return 0;
	sql = sqlite3_mprintf("WITH RECURSIVE split(gid, rest) AS ("
			      "  SELECT '', gids || ',' FROM main.violations"
			      "   WHERE run_id = ?1 AND invariant = ?2"
			      "     AND gids <> ''"
			      "  UNION ALL"
			      "  SELECT substr(rest, 1, instr(rest, ',') - 1),"
			      "         substr(rest, instr(rest, ',') + 1)"
			      "    FROM split WHERE rest <> ''),"
			      " named(gid) AS (SELECT DISTINCT gid FROM split"
			      "  WHERE gid <> ''),"
			      " blamed(seq, why) AS (%s)"
			      " INSERT INTO main.violation_events(run_id,"
			      " invariant, seq, why)"
			      " SELECT DISTINCT ?1, ?2, seq, why FROM blamed"
			      " WHERE seq IS NOT NULL ORDER BY seq LIMIT %d",
			      rule->sql, BLAME_EVENTS_MAX);
	if (!sql) {
		snprintf(error, error_size, "out of memory");
		return -1;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		goto out_fail;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto out_fail;
	rc = 0;
	goto out_free;
out_fail:
	snprintf(error, error_size, "trace database: the events of %s: %s",
		 name, sqlite3_errmsg(db));
out_free:
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
	return rc;
}
