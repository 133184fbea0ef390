/*
 * diagram.c - the sequence diagram of a run, read from the trace database
 * and laid out (see diagram.h); report_svg.c draws it.
 *
 * The diagram is made in four passes over bounded tables:
 *   1. pick the transactions to show (diagram_pick_gids)
 *   2. read their events, and those without a transaction (load_events)
 *   3. lifelines from the actors met (place_lanes), then one row per event
 *      worth drawing (build_rows): a reply received is already drawn as
 *      the reply's arrow, a message lost on the network becomes the end
 *      of its own arrow, a long quiet stretch becomes a gap row
 *   4. y of every row (layout); report_svg.c then writes the SVG
 *
 * The event formats read are those of sim/driver.c and sim/sim.c:
 * "-> <actor> <method>", "-> <actor> RESULT/CODE", "<- ...", "= CODE ...",
 * "FAULT <kind>", "CRASH: ...", "RESTART ...", "told <answer>", ...
 */
#include "diagram.h"
#include "variants.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void copy_text(char *out, size_t size, const unsigned char *text)
{
	snprintf(out, size, "%s", text ? (const char *)text : "");
}

/* snprintf where cutting the text is intended: a label too long for the
 * drawing is cut anyway. */
static void set_text(char *out, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void set_text(char *out, size_t size, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(out, size, format, args);
	va_end(args);
}

/* ---- 1. the transactions shown -------------------------------------------- */

/* The faults injected (random ones too), from the events. */
static int read_faults(struct diagram *d)
{
	sqlite3_stmt *stmt = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(d->db, "SELECT count(*), coalesce(group_concat("
			       "fault, ', '), '') FROM (SELECT fault FROM events"
			       " WHERE run_id = ?1 AND fault <> '' ORDER BY seq)",
			       -1, &stmt, NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, d->run_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		d->info.fault_count = sqlite3_column_int(stmt, 0);
		copy_text(d->info.faults, sizeof(d->info.faults),
			  sqlite3_column_text(stmt, 1));
		rc = 0;
	}
out_finalize:
	sqlite3_finalize(stmt);
	return rc;
}

static int read_run_info(struct diagram *d)
{
	struct run_info *info = &d->info;
	sqlite3_stmt *stmt = NULL;
	int rc = -1;
	enum variant_id variant;
	if (sqlite3_prepare_v2(d->db, "SELECT seed, plan, users, stock_initial,"
			       " apps, coordinators, coalesce(verdict, 'none'),"
			       " coalesce(problem, ''), (SELECT count(*) FROM"
			       " events WHERE run_id = ?1), variant FROM runs"
			       " WHERE run_id = ?1", -1, &stmt, NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, d->run_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		info->found = true;
		copy_text(info->seed, sizeof(info->seed), sqlite3_column_text(stmt, 0));
		copy_text(info->plan, sizeof(info->plan), sqlite3_column_text(stmt, 1));
		info->users = sqlite3_column_int(stmt, 2);
		info->stock = sqlite3_column_int64(stmt, 3);
		info->apps = sqlite3_column_int(stmt, 4);
		info->coordinators = sqlite3_column_int(stmt, 5);
		copy_text(info->verdict, sizeof(info->verdict),
			  sqlite3_column_text(stmt, 6));
		copy_text(info->problem, sizeof(info->problem),
			  sqlite3_column_text(stmt, 7));
		info->events = sqlite3_column_int64(stmt, 8);
		/* a design without transactions: its gids name purchases */
		info->no_transactions = variant_find((const char *)
			sqlite3_column_text(stmt, 9), &variant) &&
			variant_get(variant)->no_transactions;
		rc = 0;
	}
out_finalize:
	sqlite3_finalize(stmt);
	return rc == 0 ? read_faults(d) : rc;
}

static void add_candidate(struct diagram *d, const char *gid, unsigned reason)
{
	if (!gid || !gid[0])
		return;
	for (int i = 0; i < d->candidate_count; i++)
		if (strcmp(d->candidates[i].gid, gid) == 0) {
			d->candidates[i].reasons |= reason;
			return;
		}
	if (d->candidate_count == CANDIDATES_MAX) {
		d->candidates_more++;
		return;
	}
	snprintf(d->candidates[d->candidate_count].gid, GID_TEXT_MAX, "%s", gid);
	d->candidates[d->candidate_count].reasons = reason;
	d->candidate_count++;
}

/* Adds the gids of query's rows (column 0; column 1, when there, is the
 * event's detail: a crash fault is told apart). */
static int collect_gids(struct diagram *d, const char *sql, unsigned reason)
{
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_ERROR;
	if (sqlite3_prepare_v2(d->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, d->run_id);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *gid = (const char *)sqlite3_column_text(stmt, 0);
		unsigned why = reason;
		if (sqlite3_column_count(stmt) > 1 &&
		    strcmp((const char *)sqlite3_column_text(stmt, 1),
			   "FAULT crash") == 0)
			why |= REASON_CRASH;
		add_candidate(d, gid, why);
	}
out_finalize:
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? 0 : -1;
}

static const char fault_gids_sql[] =
	"SELECT gid, detail FROM events WHERE run_id = ?1 AND fault <> ''"
	" AND gid <> '' ORDER BY seq";
/* The gids named by the violations, as check.c splits them. */
static const char violation_gids_sql[] =
	"WITH RECURSIVE split(gid, rest) AS ("
	"  SELECT '', gids || ',' FROM violations"
	"   WHERE run_id = ?1 AND gids <> ''"
	"  UNION ALL"
	"  SELECT substr(rest, 1, instr(rest, ',') - 1),"
	"         substr(rest, instr(rest, ',') + 1)"
	"    FROM split WHERE rest <> '')"
	" SELECT DISTINCT gid FROM split WHERE gid <> ''";
/* The gids of the events the violations point at (blame.c): a
 * conservation row names no gid, the deductions it points at do. */
static const char pointed_gids_sql[] =
	"SELECT e.gid FROM violation_events v JOIN events e"
	"  ON e.run_id = v.run_id AND e.seq = v.seq"
	" WHERE v.run_id = ?1 AND e.gid <> ''"
	" GROUP BY e.gid ORDER BY min(v.seq)";
static const char unknown_gids_sql[] =
	"SELECT gid FROM told WHERE run_id = ?1 AND told = 'unknown'"
	" ORDER BY user_id";
static const char first_gids_sql[] =
	"SELECT gid FROM events WHERE run_id = ?1 AND gid <> ''"
	" GROUP BY gid ORDER BY min(seq) LIMIT 2";

static int first_seq(struct diagram *d, struct picked *picked)
{
	sqlite3_stmt *stmt = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(d->db, "SELECT coalesce(min(seq), 0) FROM events"
			       " WHERE run_id = ?1 AND gid = ?2", -1, &stmt,
			       NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, d->run_id);
	sqlite3_bind_text(stmt, 2, picked->gid, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		picked->first_seq = sqlite3_column_int64(stmt, 0);
		rc = 0;
	}
out_finalize:
	sqlite3_finalize(stmt);
	return rc;
}

static int by_first_seq(const void *a, const void *b)
{
	const struct picked *x = a, *y = b;
	return (x->first_seq > y->first_seq) - (x->first_seq < y->first_seq);
}

/* The purchases of the users chosen (--diagram-users), in their order. */
static int collect_chosen(struct diagram *d)
{
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_DONE;
	if (!d->users || d->users->count == 0)
		return 0;
	if (sqlite3_prepare_v2(d->db, "SELECT gid FROM events WHERE run_id = ?1"
			       " AND actor = 'user-' || ?2 AND gid <> ''"
			       " GROUP BY gid ORDER BY min(seq)", -1, &stmt,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, d->run_id);
	for (int i = 0; i < d->users->count && step == SQLITE_DONE; i++) {
		sqlite3_bind_int64(stmt, 2, d->users->ids[i]);
		while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
			add_candidate(d, (const char *)sqlite3_column_text(stmt,
				      0), REASON_CHOSEN);
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? 0 : -1;
}

/* The users chosen first, then faults, then violations, then "unknown":
 * the first REPORT_SVG_GIDS_MAX of them, in the order the run met them. */
static int diagram_pick_gids(struct diagram *d)
{
	if (collect_chosen(d) != 0 ||
	    collect_gids(d, fault_gids_sql, REASON_FAULT) != 0 ||
	    collect_gids(d, violation_gids_sql, REASON_VIOLATION) != 0 ||
	    collect_gids(d, pointed_gids_sql, REASON_VIOLATION) != 0 ||
	    collect_gids(d, unknown_gids_sql, REASON_UNKNOWN) != 0)
		return -1;
	if (d->candidate_count == 0 &&
	    collect_gids(d, first_gids_sql, REASON_FIRST) != 0)
		return -1;
	for (int i = 0; i < d->candidate_count; i++) {
		if (d->gid_count == REPORT_SVG_GIDS_MAX) {
			d->gids_hidden++;
			continue;
		}
		d->gids[d->gid_count] = d->candidates[i];
		if (first_seq(d, &d->gids[d->gid_count]) != 0)
			return -1;
		d->gid_count++;
	}
	d->gids_hidden += d->candidates_more;
	qsort(d->gids, (size_t)d->gid_count, sizeof(d->gids[0]), by_first_seq);
	return 0;
}

/* ---- 2. the events --------------------------------------------------------- */

static int gid_index(const struct diagram *d, const char *gid)
{
	for (int i = 0; i < d->gid_count; i++)
		if (strcmp(d->gids[i].gid, gid) == 0)
			return i;
	return -1;
}

/* Events of the transactions shown, and those of none that tell the
 * story (phases, crashes, restarts, faults); not the idle cron loop. */
static bool event_shown(const struct diagram *d, const struct svg_event *e)
{
	if (e->gid[0])
		return gid_index(d, e->gid) >= 0;
	return e->fault[0] || strcmp(e->actor, "sim") == 0 ||
	       starts_with(e->detail, "CRASH") ||
	       starts_with(e->detail, "RESTART");
}

const char diagram_events_sql[] =
	"SELECT time_ms, actor, step, gid, detail, fault,"
	" (SELECT group_concat(v.invariant || ': ' || v.why, char(10))"
	"   FROM violation_events v"
	"  WHERE v.run_id = ?1 AND v.seq = events.seq)"
	" FROM events WHERE run_id = ?1 ORDER BY seq";

static int load_events(struct diagram *d)
{
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_ERROR;
	if (sqlite3_prepare_v2(d->db, diagram_events_sql, -1, &stmt,
			       NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, d->run_id);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct svg_event event;
		event.time_ms = sqlite3_column_int64(stmt, 0);
		copy_text(event.actor, sizeof(event.actor), sqlite3_column_text(stmt, 1));
		copy_text(event.step, sizeof(event.step), sqlite3_column_text(stmt, 2));
		copy_text(event.gid, sizeof(event.gid), sqlite3_column_text(stmt, 3));
		copy_text(event.detail, sizeof(event.detail), sqlite3_column_text(stmt, 4));
		copy_text(event.fault, sizeof(event.fault), sqlite3_column_text(stmt, 5));
		copy_text(event.why, sizeof(event.why), sqlite3_column_text(stmt, 6));
		if (!event_shown(d, &event))
			continue;
		d->events_matching++;
		if (d->event_count < REPORT_SVG_EVENTS_MAX)
			d->events[d->event_count++] = event;
		else if (event.why[0] && d->event_count < EVENTS_MAX) {
			d->events[d->event_count++] = event;
			d->pointed_past++;
		}
	}
out_finalize:
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? 0 : -1;
}

/* ---- 3. lifelines ----------------------------------------------------------- */

static bool actor_kind(const char *actor, enum lane_kind *kind)
{
	static const struct { const char *prefix; enum lane_kind kind; } kinds[] = {
		{ "user-", LANE_USER }, { "app-", LANE_APP },
		{ "coord-", LANE_COORD }, { "redis", LANE_REDIS },
		{ "order-", LANE_ORDER },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (starts_with(actor, kinds[i].prefix)) {
			*kind = kinds[i].kind;
			return true;
		}
	return false;
}

/* The actor a message goes to: "-> app-2 buy" gives "app-2", and returns
 * what follows it ("buy"); NULL when detail is no message. */
static const char *message_target(const char *detail, char *target,
				  size_t size)
{
	const char *name = detail + 3, *end;
	if (!starts_with(detail, "-> "))
		return NULL;
	end = strchr(name, ' ');
	if (!end)
		return NULL;
	snprintf(target, size, "%.*s", (int)(end - name), name);
	return end + 1;
}

/* "app-10" after "app-9". */
static int instance_compare(const void *a, const void *b)
{
	const char *x = a, *y = b;
	size_t lx = strlen(x), ly = strlen(y);
	return lx != ly ? (lx > ly) - (lx < ly) : strcmp(x, y);
}

static void instance_add(struct instances *set, const char *name)
{
	for (int i = 0; i < set->count; i++)
		if (strcmp(set->names[i], name) == 0)
			return;
	if (set->count == INSTANCES_MAX) {
		set->more++;
		return;
	}
	snprintf(set->names[set->count++], ACTOR_TEXT_MAX, "%s", name);
}

static void add_lanes_of_kind(struct diagram *d, enum lane_kind kind,
			      struct instances *set)
{
	qsort(set->names, (size_t)set->count, sizeof(set->names[0]),
	      instance_compare);
	if (set->count >= 1 && set->count <= REPORT_SVG_OWN_LANES_MAX &&
	    kind != LANE_REDIS) {
		for (int i = 0; i < set->count; i++) {
			struct lane *lane = &d->lanes[d->lane_count++];
			lane->kind = kind;
			snprintf(lane->instance, sizeof(lane->instance), "%s",
				 set->names[i]);
			snprintf(lane->names, sizeof(lane->names), "%s",
				 set->names[i]);
		}
		return;
	}
	struct lane *lane = &d->lanes[d->lane_count++];
	lane->kind = kind;
	lane->shared = set->count > 1;
	if (kind == LANE_REDIS)
		snprintf(lane->names, sizeof(lane->names), "redis-server");
	else if (set->count == 1)
		snprintf(lane->instance, sizeof(lane->instance), "%s", set->names[0]);
	if (set->count > 1)
		snprintf(lane->names, sizeof(lane->names), "%d instances: %s ... %s",
			 set->count + set->more, set->names[0],
			 set->names[set->count - 1]);
	else if (set->count == 1 && kind != LANE_REDIS)
		snprintf(lane->names, sizeof(lane->names), "%s", set->names[0]);
}

/* Every kind gets a lifeline, used or not: the diagrams of two runs read
 * the same. */
static void place_lanes(struct diagram *d)
{
	struct instances *sets = d->instances;
	for (int i = 0; i < d->event_count; i++) {
		const struct svg_event *e = &d->events[i];
		char target[ACTOR_TEXT_MAX];
		enum lane_kind kind;
		if (actor_kind(e->actor, &kind))
			instance_add(&sets[kind], e->actor);
		if (message_target(e->detail, target, sizeof(target)) &&
		    actor_kind(target, &kind))
			instance_add(&sets[kind], target);
	}
	d->lane_count = 0;
	for (int k = 0; k < LANE_KIND_COUNT; k++)
		add_lanes_of_kind(d, (enum lane_kind)k, &sets[k]);
	assert(d->lane_count <= LANES_MAX);
	for (int i = 0; i < d->lane_count; i++)
		d->lanes[i].x = TIME_COLUMN + 16 + LANE_BOX_WIDTH / 2 + i * LANE_GAP;
	d->width = d->lanes[d->lane_count - 1].x + LANE_BOX_WIDTH / 2 +
		   RIGHT_MARGIN;
}

static int lane_of(const struct diagram *d, const char *actor)
{
	enum lane_kind kind;
	int shared = -1;
	if (!actor_kind(actor, &kind))
		return -1;
	for (int i = 0; i < d->lane_count; i++) {
		if (d->lanes[i].kind != kind)
			continue;
		if (strcmp(d->lanes[i].instance, actor) == 0)
			return i;
		if (d->lanes[i].shared || kind == LANE_REDIS)
			shared = i;
	}
	return shared;
}

static int redis_lane(const struct diagram *d)
{
	for (int i = 0; i < d->lane_count; i++)
		if (d->lanes[i].kind == LANE_REDIS)
			return i;
	assert(!"no Redis lifeline");
	return 0;
}

/* ---- 3. rows ------------------------------------------------------------------ */

/* What a reply answers, from the step that sends it. */
static const char *reply_subject(const char *step)
{
	static const struct { const char *step, *subject; } subjects[] = {
		{ "coord/save_reply", "prepare" },
		{ "coord/submit_reply", "submit" },
		{ "coord/abort_reply", "abort" },
		{ "app/backcheck_reply", "backcheck" },
		{ "order/reply", "createOrder" },
		{ "app/reply", "buy" },
	};
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
		if (strcmp(step, subjects[i].step) == 0)
			return subjects[i].subject;
	return step;
}

/* What a Redis script does, from its step. */
static const char *script_label(const char *step)
{
	static const struct { const char *step, *label; } labels[] = {
		{ "app/deduct", "deduct" },
		{ "app/query", "query_prepared" },
		{ "app/backcheck", "query_prepared" },
		{ "coord/save", "save txn" },
		{ "coord/submit", "txn -> submitted" },
		{ "coord/resubmit", "txn -> submitted" },
		{ "coord/abort", "txn -> failed" },
		{ "coord/fail", "txn -> failed" },
		{ "coord/branch_done", "branch done" },
		{ "coord/deliver_done", "branch done" },
		{ "coord/lock", "lock due txn" },
	};
	const char *slash = strrchr(step, '/');
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(step, labels[i].step) == 0)
			return labels[i].label;
	return slash ? slash + 1 : step;
}

/* "OK/SUCCESS" -> "SUCCESS", "OK/-" -> "OK", "FAILED/CONFLICT" ->
 * "FAILED (CONFLICT)". */
static void answer_text(const char *answer, char *out, size_t size)
{
	const char *slash = strchr(answer, '/');
	int result_length = slash ? (int)(slash - answer) : (int)strlen(answer);
	const char *code = slash ? slash + 1 : "";
	bool plain = !code[0] || strcmp(code, "-") == 0 ||
		     strncmp(code, answer, (size_t)result_length) == 0;
	if (plain)
		snprintf(out, size, "%.*s", result_length, answer);
	else if (strncmp(answer, "OK", (size_t)result_length) == 0)
		snprintf(out, size, "%s", code);
	else
		snprintf(out, size, "%.*s (%s)", result_length, answer, code);
}

/* Names the instances of shared lifelines on a label. */
static void label_with_instances(const struct diagram *d, struct row *row,
				 const char *from, const char *to,
				 const char *text)
{
	bool from_shared = row->from >= 0 && d->lanes[row->from].shared;
	bool to_shared = to && row->to >= 0 && d->lanes[row->to].shared;
	set_text(row->label, sizeof(row->label), "%s%s%s%s%s%s",
		 from_shared ? from : "", from_shared ? ": " : "", text,
		 to_shared ? " (" : "", to_shared ? to : "",
		 to_shared ? ")" : "");
}

/* False when the message names no actor drawn. */
static bool row_message(const struct diagram *d, const struct svg_event *e,
			struct row *row)
{
	char target[ACTOR_TEXT_MAX], text[LABEL_MAX];
	const char *what = message_target(e->detail, target, sizeof(target));
	if (!what)
		return false;
	row->kind = ROW_MESSAGE;
	row->to = lane_of(d, target);
	if (strchr(what, '/')) {
		char answer[LABEL_MAX];
		answer_text(what, answer, sizeof(answer));
		set_text(text, sizeof(text), "%s -> %s",
			 reply_subject(e->step), answer);
	} else {
		snprintf(text, sizeof(text), "%s", what);
	}
	label_with_instances(d, row, e->actor, target, text);
	return row->to >= 0;
}

static void row_redis(const struct diagram *d, const struct svg_event *e,
		      struct row *row)
{
	const char *late = strstr(e->detail, " (arrived late");
	row->kind = ROW_REDIS;
	row->to = redis_lane(d);
	label_with_instances(d, row, e->actor, NULL, script_label(e->step));
	if (starts_with(e->detail, "no answer")) {
		row->style = STYLE_NO_ANSWER;
		set_text(row->answer, sizeof(row->answer), "%s", e->detail);
	} else if (late) {
		row->style = STYLE_LATE;
		set_text(row->answer, sizeof(row->answer),
			 "%.*s, arrived late: nobody reads it",
			 (int)(late - e->detail - 2), e->detail + 2);
	} else {
		set_text(row->answer, sizeof(row->answer), "%s", e->detail + 2);
	}
}

static void row_note(struct row *row, enum tone tone, const char *text)
{
	row->kind = ROW_NOTE;
	row->tone = tone;
	set_text(row->label, sizeof(row->label), "%s", text);
}

static void row_told(struct row *row, const char *detail)
{
	const char *answer = detail + strlen("told ");
	row_note(row, strcmp(answer, "success") == 0 ? TONE_GOOD :
		      strcmp(answer, "unknown") == 0 ? TONE_WARN : TONE_PLAIN,
		 detail);
}

/* One event's row; false when it draws nothing of its own. */
static bool classify(const struct diagram *d, const struct svg_event *e,
		     struct row *row)
{
	const char *detail = e->detail;
	row->from = lane_of(d, e->actor);
	row->to = -1;
	if (strcmp(e->actor, "sim") == 0) {
		row->kind = ROW_PHASE;
		row->tone = starts_with(detail, "LIVENESS") ? TONE_BAD : TONE_PLAIN;
		set_text(row->label, sizeof(row->label), "%s", detail);
		return true;
	}
	if (row->from < 0)
		return false;
	if (starts_with(detail, "FAULT ")) {
		row->kind = ROW_FAULT;
		set_text(row->label, sizeof(row->label), "FAULT %s",
			 e->fault[0] ? e->fault : detail + strlen("FAULT "));
	} else if (starts_with(detail, "CRASH")) {
		row->kind = ROW_CRASH;
		set_text(row->label, sizeof(row->label), "%s", detail);
	} else if (starts_with(detail, "RESTART")) {
		row->kind = ROW_RESTART;
		set_text(row->label, sizeof(row->label), "%s", detail);
	} else if (starts_with(detail, "-> ")) {
		if (!row_message(d, e, row))
			row_note(row, TONE_PLAIN, detail);
	} else if (strcmp(detail, "<- timeout") == 0) {
		row_note(row, TONE_WARN, "timeout: no answer came");
	} else if (starts_with(detail, "<- ")) {
		return false;   /* drawn as the reply's arrow */
	} else if (starts_with(detail, "told ")) {
		row_told(row, detail);
	} else if (starts_with(detail, "= ") && starts_with(e->step, "order/")) {
		row->kind = ROW_SQL;
		set_text(row->label, sizeof(row->label), "SQL: barrier + order %s",
			 detail);
	} else if (starts_with(detail, "= ") || starts_with(detail, "no answer")) {
		row_redis(d, e, row);
	} else if (strstr(detail, "rolled back") ||
		   strstr(detail, "message lost") ||
		   strstr(detail, "request lost") ||
		   starts_with(detail, "answer lost")) {
		row_note(row, TONE_BAD, detail);
	} else {
		row_note(row, TONE_PLAIN, detail);
	}
	return true;
}

/* A row of the same actor and transaction drawn just before, of kind. */
static struct row *recent_row(struct diagram *d, const struct svg_event *e,
			      enum row_kind kind)
{
	for (int i = d->row_count - 1;
	     i >= 0 && i >= d->row_count - MERGE_LOOKBACK; i--) {
		struct row *row = &d->rows[i];
		const struct svg_event *other;
		if (row->event < 0 || row->kind != kind)
			continue;
		other = &d->events[row->event];
		if (strcmp(other->actor, e->actor) == 0 &&
		    strcmp(other->gid, e->gid) == 0 &&
		    (kind != ROW_REDIS || strcmp(other->step, e->step) == 0))
			return row;
	}
	return NULL;
}

/* A lost message ends the arrow drawn for it: true when event was folded
 * into an earlier row. */
static bool fold_into_earlier(struct diagram *d, const struct svg_event *e)
{
	struct row *row = NULL;
	if (strstr(e->detail, "lost on the network")) {
		row = recent_row(d, e, ROW_MESSAGE);
		if (row)
			row->style = STYLE_LOST;
	}
	return row != NULL;
}

/* A lost Redis answer: the script's row keeps its request only, and the
 * answer is drawn here, lost, after the fault that lost it. */
static bool lost_answer_row(struct diagram *d, const struct svg_event *e,
			    struct row *draft)
{
	struct row *earlier;
	if (!starts_with(e->detail, "answer lost: "))
		return false;
	earlier = recent_row(d, e, ROW_REDIS);
	if (!earlier)
		return false;
	earlier->style = STYLE_ANSWER_LATER;
	draft->kind = ROW_LOST_ANSWER;
	draft->from = earlier->from;
	draft->to = earlier->to;
	set_text(draft->label, sizeof(draft->label), "%s: answer lost, %s",
		 earlier->answer, e->detail + strlen("answer lost: "));
	return true;
}

/* An event a violation points at that draws no row of its own (a reply
 * received, drawn as the reply's arrow; a lost message, folded into its
 * arrow): the mark goes to the last row of its transaction. */
static void point_at_earlier(struct diagram *d, const struct svg_event *e)
{
	if (!e->why[0])
		return;
	for (int i = d->row_count - 1; i >= 0; i--) {
		struct row *row = &d->rows[i];
		char joined[sizeof(row->why)];
		if (row->event < 0 || strcmp(d->events[row->event].gid, e->gid) != 0)
			continue;
		if (strstr(row->why, e->why))
			return;
		set_text(joined, sizeof(joined), "%s%s%s", row->why,
			 row->why[0] ? "\n" : "", e->why);
		memcpy(row->why, joined, sizeof(joined));
		return;
	}
}

static struct row *new_row(struct diagram *d)
{
	struct row *row;
	assert(d->row_count < ROWS_MAX);
	row = &d->rows[d->row_count++];
	memset(row, 0, sizeof(*row));
	row->from = -1;
	row->to = -1;
	row->color = -1;
	return row;
}

static void build_rows(struct diagram *d)
{
	int64_t last_ms = -1;
	enum row_style pending = STYLE_NORMAL;  /* a net fault for the next send */
	const struct svg_event *pending_event = NULL;
	for (int i = 0; i < d->event_count; i++) {
		const struct svg_event *e = &d->events[i];
		struct row draft, *row;
		memset(&draft, 0, sizeof(draft));
		draft.event = i;
		draft.color = e->gid[0] ? gid_index(d, e->gid) : -1;
		if (fold_into_earlier(d, e) ||
		    (!lost_answer_row(d, e, &draft) && !classify(d, e, &draft))) {
			point_at_earlier(d, e);
			continue;
		}
		set_text(draft.why, sizeof(draft.why), "%s", e->why);
		if (last_ms >= 0 && e->time_ms - last_ms > GAP_MS) {
			row = new_row(d);
			row->kind = ROW_GAP;
			row->event = -1;
			row->gap_ms = e->time_ms - last_ms;
		}
		last_ms = e->time_ms;
		row = new_row(d);
		*row = draft;
		if (row->kind == ROW_MESSAGE && pending_event &&
		    strcmp(pending_event->actor, e->actor) == 0 &&
		    strcmp(pending_event->gid, e->gid) == 0) {
			row->style = pending;
			pending_event = NULL;
		}
		if (row->kind == ROW_FAULT && starts_with(e->step, "net/") &&
		    (strcmp(e->detail, "FAULT duplicate") == 0 ||
		     strcmp(e->detail, "FAULT delay") == 0)) {
			pending = strcmp(e->detail, "FAULT delay") == 0 ?
				  STYLE_LATE : STYLE_DUPLICATE;
			pending_event = e;
		}
	}
}

/* ---- 4. layout ----------------------------------------------------------------- */

static double row_height(const struct row *row)
{
	switch (row->kind) {
	case ROW_MESSAGE: return 28;
	case ROW_LOST_ANSWER: return 28;
	case ROW_REDIS: return row->style == STYLE_ANSWER_LATER ? 30 : 48;
	case ROW_SQL: return 30;
	case ROW_CRASH: return 30;
	case ROW_GAP: return 24;
	default: return 24;
	}
}

/* Intervals are kept in order of their start; an overlapping one is
 * dropped. */
static void mark_down(struct lane *lane, double from, double to, bool paused)
{
	int at = lane->down_count;
	if (at == DOWN_MAX)
		return;
	while (at > 0 && lane->down_from[at - 1] > from)
		at--;
	if ((at > 0 && lane->down_to[at - 1] > from) ||
	    (at < lane->down_count && lane->down_from[at] < to))
		return;
	for (int k = lane->down_count; k > at; k--) {
		lane->down_from[k] = lane->down_from[k - 1];
		lane->down_to[k] = lane->down_to[k - 1];
		lane->down_paused[k] = lane->down_paused[k - 1];
	}
	lane->down_from[at] = from;
	lane->down_to[at] = to;
	lane->down_paused[at] = paused;
	lane->down_count++;
}

/* A paused step goes on at the next row of its actor and transaction. */
static void track_pause(struct diagram *d, const struct row *row,
			const struct row **paused)
{
	const struct row *fault = paused[row->from];
	const struct svg_event *e = &d->events[row->event];
	if (row->kind == ROW_FAULT && strcmp(e->detail, "FAULT pause") == 0) {
		if (!fault)
			paused[row->from] = row;
		return;
	}
	if (fault && strcmp(d->events[fault->event].gid, e->gid) == 0) {
		mark_down(&d->lanes[row->from], fault->y + 8, row->y - 8, true);
		paused[row->from] = NULL;
	}
}

const char *const diagram_legend_words[LEGEND_COUNT] = {
	[LEGEND_REQUEST] = "a request, or its reply",
	[LEGEND_SCRIPT] = "a script to Redis, its answer dashed back",
	[LEGEND_FAULT] = "the injected fault",
	[LEGEND_CRASH] = "a crash",
	[LEGEND_DOWN] = "down",
	[LEGEND_RESTART] = "restart",
	[LEGEND_PAUSED] = "paused",
	[LEGEND_LOST] = "lost on the way, or no answer in time",
	[LEGEND_DELAYED] = "delayed: arrives late",
	[LEGEND_TWICE] = "delivered twice",
	[LEGEND_POINTED] = "where a violation points",
};

int diagram_legend_place(double width, double x[LEGEND_COUNT],
			 int line[LEGEND_COUNT])
{
	double at = TIME_COLUMN;
	int current = 0;
	for (int i = 0; i < LEGEND_COUNT; i++) {
		double size = LEGEND_SAMPLE + 8 +
			      (double)strlen(diagram_legend_words[i]) *
			      CHAR_WIDTH + 22;
		if (at + size > width - 10 && at > TIME_COLUMN) {
			current++;
			at = TIME_COLUMN;
		}
		x[i] = at;
		line[i] = current;
		at += size;
	}
	return current + 1;
}

int diagram_pointed_lines(const struct row *row)
{
	int lines = row->why[0] ? 1 : 0;
	for (const char *at = row->why; *at; at++)
		lines += *at == '\n';
	return lines;
}

static void layout(struct diagram *d)
{
	double down_since[LANES_MAX];
	const struct row *paused[LANES_MAX];
	double y = d->header_height + LANE_BOX_HEIGHT + 14;
	for (int i = 0; i < d->lane_count; i++) {
		down_since[i] = -1;
		paused[i] = NULL;
	}
	for (int i = 0; i < d->row_count; i++) {
		struct row *row = &d->rows[i];
		row->top = y;
		row->height = row_height(row) +
			      POINTED_LINE * diagram_pointed_lines(row);
		row->y = row->kind == ROW_REDIS ? y + 17 :
			 row->kind == ROW_MESSAGE || row->kind == ROW_LOST_ANSWER ?
			 y + 18 : y + row_height(row) / 2;
		y += row->height;
		if (row->from < 0 || row->event < 0 || d->lanes[row->from].shared)
			continue;
		track_pause(d, row, paused);
		if (row->kind == ROW_CRASH && down_since[row->from] < 0)
			down_since[row->from] = row->y;
		if (row->kind == ROW_RESTART && down_since[row->from] >= 0) {
			mark_down(&d->lanes[row->from], down_since[row->from],
				  row->y, false);
			down_since[row->from] = -1;
		}
	}
	y += 12;
	for (int i = 0; i < d->lane_count; i++)
		if (down_since[i] >= 0)
			mark_down(&d->lanes[i], down_since[i], y, false);
	{
		double x[LEGEND_COUNT];
		int line[LEGEND_COUNT];
		d->legend_height = 10 + LEGEND_LINE *
				   diagram_legend_place(d->width, x, line);
	}
	d->height = y + LANE_BOX_HEIGHT + 40 + d->legend_height;
}

/* The title cut at spaces into lines that fit the drawing. */
static void wrap_title(struct diagram *d, const char *title)
{
	size_t per_line = (size_t)((d->width - 32) / 9.0);
	const char *at = title;
	if (per_line >= LABEL_MAX)
		per_line = LABEL_MAX - 1;
	d->title_lines = 0;
	while (*at && d->title_lines < TITLE_LINES_MAX) {
		size_t length = strlen(at);
		char *line = d->title[d->title_lines++];
		if (length > per_line) {
			size_t cut = per_line;
			while (cut > per_line / 2 && at[cut] != ' ')
				cut--;
			length = at[cut] == ' ' ? cut : per_line;
		}
		snprintf(line, LABEL_MAX, "%.*s", (int)length, at);
		at += length;
		while (*at == ' ')
			at++;
		if (*at && d->title_lines == TITLE_LINES_MAX)
			fit_text(line, (double)(strlen(line) - 1) * CHAR_WIDTH);
	}
}

int diagram_read(struct diagram *d, const char *title)
{
	int info_lines;
	if (read_run_info(d) != 0 || diagram_pick_gids(d) != 0 ||
	    load_events(d) != 0)
		return -1;
	place_lanes(d);
	build_rows(d);
	wrap_title(d, title);
	info_lines = 3 + d->gid_count + (d->events_matching > d->event_count);
	d->header_height = 5 + 19 * d->title_lines + 16 * info_lines + 18;
	layout(d);
	return 0;
}
