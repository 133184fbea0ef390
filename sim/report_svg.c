/*
 * report_svg.c - the text timeline and the SVG sequence diagram of a run
 * (see report_svg.h).
 *
 * The diagram is made in four passes over bounded tables:
 *   1. pick the transactions to show (diagram_pick_gids)
 *   2. read their events, and those without a transaction (load_events)
 *   3. lifelines from the actors met (place_lanes), then one row per event
 *      worth drawing (build_rows): a reply received is already drawn as
 *      the reply's arrow, a message lost on the network becomes the end
 *      of its own arrow, a long quiet stretch becomes a gap row
 *   4. y of every row (layout), then the SVG (emit_*)
 *
 * The event formats read are those of sim/driver.c and sim/sim.c:
 * "-> <actor> <method>", "-> <actor> RESULT/CODE", "<- ...", "= CODE ...",
 * "FAULT <kind>", "CRASH: ...", "RESTART ...", "told <answer>", ...
 */
#include "report_svg.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define ACTOR_TEXT_MAX 32
#define STEP_TEXT_MAX 64
#define GID_TEXT_MAX 128
#define DETAIL_TEXT_MAX 420
#define FAULT_TEXT_MAX 128
#define LABEL_MAX 200
#define CANDIDATES_MAX 64
#define INSTANCES_MAX 64          /* distinct instances of a kind, counted */
#define LANES_MAX (REPORT_SVG_OWN_LANES_MAX * (LANE_KIND_COUNT - 1) + 1)
#define DOWN_MAX 8                /* down or paused stretches per lifeline */
#define MERGE_LOOKBACK 16         /* rows searched back for a message */
#define ROWS_MAX (REPORT_SVG_EVENTS_MAX * 2 + 2)

/* Geometry, in pixels. */
#define TIME_COLUMN 84.0
#define LANE_BOX_WIDTH 150.0
#define LANE_GAP 172.0
#define RIGHT_MARGIN 300.0
#define LANE_BOX_HEIGHT 40.0
#define CHAR_WIDTH 6.6            /* 11 px DejaVu Sans, a wide estimate */
#define GAP_MS 500                /* a quiet stretch longer: a gap row */

enum lane_kind { LANE_USER, LANE_APP, LANE_COORD, LANE_REDIS, LANE_ORDER,
		 LANE_KIND_COUNT };

static const char *const lane_kind_title[LANE_KIND_COUNT] = {
	"User", "App", "Coordinator", "Redis", "Order service",
};

struct lane {
	enum lane_kind kind;
	char instance[ACTOR_TEXT_MAX]; /* the one actor, "" when shared */
	char names[96];                /* shown under the title */
	bool shared;
	double x;
	double down_from[DOWN_MAX];    /* y where the actor crashed (a step
					  paused) ... */
	double down_to[DOWN_MAX];      /* ... and where it restarted (went on) */
	bool down_paused[DOWN_MAX];
	int down_count;
};

struct svg_event {
	int64_t time_ms;
	char actor[ACTOR_TEXT_MAX];
	char step[STEP_TEXT_MAX];
	char gid[GID_TEXT_MAX];
	char detail[DETAIL_TEXT_MAX];
	char fault[FAULT_TEXT_MAX];
};

enum row_kind { ROW_MESSAGE, ROW_REDIS, ROW_LOST_ANSWER, ROW_SQL, ROW_FAULT,
		ROW_CRASH, ROW_RESTART, ROW_NOTE, ROW_PHASE, ROW_GAP };

enum row_style { STYLE_NORMAL, STYLE_LOST, STYLE_LATE, STYLE_DUPLICATE,
		 STYLE_NO_ANSWER, STYLE_ANSWER_LATER };

enum tone { TONE_PLAIN, TONE_GOOD, TONE_WARN, TONE_BAD };

struct row {
	enum row_kind kind;
	enum row_style style;
	enum tone tone;
	int event;                  /* index in events; -1 for a gap */
	int from;                   /* lane */
	int to;                     /* lane (messages) */
	int color;                  /* index of the gid shown, -1 none */
	char label[LABEL_MAX];
	char answer[LABEL_MAX];     /* Redis: the answer's label */
	int64_t gap_ms;
	double y;                   /* the row's arrow or mark */
	double top;                 /* the row's band */
	double height;
};

/* Why a transaction is shown. */
enum { REASON_FAULT = 1, REASON_CRASH = 2, REASON_VIOLATION = 4,
       REASON_UNKNOWN = 8, REASON_FIRST = 16 };

struct picked {
	char gid[GID_TEXT_MAX];
	unsigned reasons;
	int64_t first_seq;
};

struct run_info {
	bool found;
	char seed[32];
	char plan[1024];
	char verdict[16];
	char problem[512];
	char faults[1024];          /* injected, "A, B", in order */
	int fault_count;
	int users;
	int64_t stock;
	int apps;
	int coordinators;
	int64_t events;
};

#define TITLE_LINES_MAX 3

struct instances {
	char names[INSTANCES_MAX][ACTOR_TEXT_MAX];
	int count;
	int more;
};

struct diagram {
	sqlite3 *db;
	int64_t run_id;
	struct run_info info;
	struct picked candidates[CANDIDATES_MAX];
	int candidate_count;
	int candidates_more;        /* past CANDIDATES_MAX */
	struct picked gids[REPORT_SVG_GIDS_MAX];
	int gid_count;
	int gids_hidden;            /* mattered, not shown */
	struct svg_event *events;   /* owned, REPORT_SVG_EVENTS_MAX */
	int event_count;
	int64_t events_matching;    /* would be drawn without the cap */
	struct lane lanes[LANES_MAX];
	int lane_count;
	struct instances *instances; /* owned, LANE_KIND_COUNT: actors met */
	struct row *rows;           /* owned, ROWS_MAX */
	int row_count;
	double width;
	double height;
	double header_height;
	double legend_height;       /* the key of the marks, at the bottom */
	char title[TITLE_LINES_MAX][LABEL_MAX]; /* the title, wrapped */
	int title_lines;
};

static const char *const gid_colors[REPORT_SVG_GIDS_MAX] = {
	"#1f5fa8", "#2b8a3e", "#7b3fa0", "#b35c00", "#00808a", "#8a3b5c",
};
#define NEUTRAL_COLOR "#555555"
#define FAULT_COLOR "#c92a2a"
#define GOOD_COLOR "#2b8a3e"
#define WARN_COLOR "#c77700"

/* ---- text ---------------------------------------------------------------- */

void report_xml_escape(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if (*p < 0x20 && *p != '\n' && *p != '\t')
				fputc('?', out);
			else
				fputc(*p, out);
		}
	}
}

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

static bool starts_with(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Text cut to fit width pixels, "..." marking the cut. */
static void fit_text(char *text, double width)
{
	size_t fits = width > 3 * CHAR_WIDTH ? (size_t)(width / CHAR_WIDTH) : 3;
	if (strlen(text) <= fits)
		return;
	if (fits >= LABEL_MAX)
		fits = LABEL_MAX - 1;
	memcpy(text + fits - 3, "...", 4);
}

/* ---- the text timeline --------------------------------------------------- */

int report_timeline(FILE *out, struct tracedb *trace, int64_t run_id)
{
	sqlite3 *db = tracedb_sqlite(trace);
	sqlite3_stmt *stmt = NULL;
	int64_t lines = 0;
	int step, rc = -1;
	if (sqlite3_prepare_v2(db, "SELECT time_ms, actor, step, gid, detail,"
			       " fault FROM events WHERE run_id = ?1 ORDER BY seq",
			       -1, &stmt, NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(stmt, 4);
		bool fault = sqlite3_column_bytes(stmt, 5) > 0;
		if (lines++ >= REPORT_TIMELINE_EVENTS_MAX)
			continue;
		fprintf(out, "%c %8lld  %-9s", fault ? '!' :
			starts_with(detail ? detail : "", "CRASH") ? 'X' : ' ',
			(long long)sqlite3_column_int64(stmt, 0),
			(const char *)sqlite3_column_text(stmt, 1));
		for (int c = 2; c <= 4; c++) {
			const char *text = (const char *)sqlite3_column_text(stmt, c);
			if (text && text[0])
				fprintf(out, " %s", text);
		}
		if (fault)
			fprintf(out, "  [fault %s]",
				(const char *)sqlite3_column_text(stmt, 5));
		fputc('\n', out);
	}
	if (lines > REPORT_TIMELINE_EVENTS_MAX)
		fprintf(out, "... and %" PRId64 " more events (query the trace"
			" database)\n", lines - REPORT_TIMELINE_EVENTS_MAX);
	if (step == SQLITE_DONE)
		rc = 0;
out_finalize:
	sqlite3_finalize(stmt);
	return rc;
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
	if (sqlite3_prepare_v2(d->db, "SELECT seed, plan, users, stock_initial,"
			       " apps, coordinators, coalesce(verdict, 'none'),"
			       " coalesce(problem, ''), (SELECT count(*) FROM"
			       " events WHERE run_id = ?1) FROM runs"
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

/* Faults first, then violations, then "unknown": the first
 * REPORT_SVG_GIDS_MAX of them, in the order the run met them. */
static int diagram_pick_gids(struct diagram *d)
{
	if (collect_gids(d, fault_gids_sql, REASON_FAULT) != 0 ||
	    collect_gids(d, violation_gids_sql, REASON_VIOLATION) != 0 ||
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

static int load_events(struct diagram *d)
{
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_ERROR;
	if (sqlite3_prepare_v2(d->db, "SELECT time_ms, actor, step, gid, detail,"
			       " fault FROM events WHERE run_id = ?1 ORDER BY seq",
			       -1, &stmt, NULL) != SQLITE_OK)
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
		if (!event_shown(d, &event))
			continue;
		d->events_matching++;
		if (d->event_count < REPORT_SVG_EVENTS_MAX)
			d->events[d->event_count++] = event;
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
		if (fold_into_earlier(d, e))
			continue;
		if (!lost_answer_row(d, e, &draft) && !classify(d, e, &draft))
			continue;
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

/* The key of the marks, under the drawing: a diagram copied into slides
 * or a document without docs/REPORTS.md next to it still says what its
 * marks mean. Each entry is a small sample of the mark and its words. */
enum legend_mark {
	LEGEND_REQUEST, LEGEND_SCRIPT, LEGEND_FAULT, LEGEND_CRASH,
	LEGEND_DOWN, LEGEND_RESTART, LEGEND_PAUSED, LEGEND_LOST,
	LEGEND_DELAYED, LEGEND_TWICE, LEGEND_COUNT
};

static const char *const legend_words[LEGEND_COUNT] = {
	[LEGEND_REQUEST] = "a request, or its reply",
	[LEGEND_SCRIPT] = "a script to Redis, its answer dashed back",
	[LEGEND_FAULT] = "the injected fault",
	[LEGEND_CRASH] = "a crash",
	[LEGEND_DOWN] = "down",
	[LEGEND_RESTART] = "restart",
	[LEGEND_PAUSED] = "paused",
	[LEGEND_LOST] = "lost on the way",
	[LEGEND_DELAYED] = "delayed",
	[LEGEND_TWICE] = "delivered twice",
};

#define LEGEND_SAMPLE 34.0      /* the width of a mark's sample */
#define LEGEND_LINE 22.0        /* the height of one line of the key */

/* Where entry i of the key goes (x from the left of the drawing, line 0
 * the first), the entries flowing left to right within width. Returns
 * the number of lines. */
static int legend_place(double width, double x[LEGEND_COUNT],
			int line[LEGEND_COUNT])
{
	double at = TIME_COLUMN;
	int current = 0;
	for (int i = 0; i < LEGEND_COUNT; i++) {
		double size = LEGEND_SAMPLE + 8 +
			      (double)strlen(legend_words[i]) * CHAR_WIDTH + 22;
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
		row->height = row_height(row);
		row->y = row->kind == ROW_REDIS ? y + 17 :
			 row->kind == ROW_MESSAGE || row->kind == ROW_LOST_ANSWER ?
			 y + 18 : y + row->height / 2;
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
				   legend_place(d->width, x, line);
	}
	d->height = y + LANE_BOX_HEIGHT + 40 + d->legend_height;
}

/* ---- 4. the SVG ----------------------------------------------------------------- */

static const char svg_style[] =
	"<style>"
	".fs-title{font-size:16px;font-weight:bold;fill:#111}"
	".fs-info{font-size:12px;fill:#333}"
	".fs-lbl{font-size:11px;paint-order:stroke;stroke:#fff;"
	"stroke-width:3px;stroke-linejoin:round}"
	".fs-bold{font-weight:bold}"
	".fs-time{font-size:11px;fill:#666;text-anchor:end}"
	".fs-lane{fill:#eef3fb;stroke:#4a6fa5;stroke-width:1.2}"
	".fs-lane-title{font-size:13px;font-weight:bold;text-anchor:middle;fill:#1b2a41}"
	".fs-lane-names{font-size:10px;text-anchor:middle;fill:#445}"
	".fs-life{stroke:#8a9bb5;stroke-width:1.5}"
	".fs-down{stroke:" FAULT_COLOR ";stroke-width:1.5;stroke-dasharray:3 4}"
	".fs-pause{stroke:" WARN_COLOR ";stroke-width:4;stroke-dasharray:2 3}"
	".fs-phase{fill:#eeeeee}"
	".fs-faultband{fill:#fdecea}"
	"</style>\n";

static void text_at(FILE *out, double x, double y, const char *anchor,
		    const char *class_names, const char *color,
		    const char *text)
{
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
	if (anchor)
		fprintf(out, " text-anchor=\"%s\"", anchor);
	if (class_names)
		fprintf(out, " class=\"%s\"", class_names);
	if (color)
		fprintf(out, " fill=\"%s\"", color);
	fputc('>', out);
	report_xml_escape(out, text);
	fputs("</text>\n", out);
}

static const char *row_color(const struct row *row)
{
	return row->color >= 0 ? gid_colors[row->color] : NEUTRAL_COLOR;
}

static const char *tone_color(enum tone tone)
{
	switch (tone) {
	case TONE_GOOD: return GOOD_COLOR;
	case TONE_WARN: return WARN_COLOR;
	case TONE_BAD: return FAULT_COLOR;
	case TONE_PLAIN: break;
	}
	return "#333333";
}

static void draw_head(FILE *out, double x, double y, double direction,
		      const char *color)
{
	fprintf(out, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\""
		" fill=\"%s\"/>\n", x, y, x - direction * 9, y - 4.5,
		x - direction * 9, y + 4.5, color);
}

static void draw_cross(FILE *out, double x, double y, double size,
		       const char *color, double width)
{
	fprintf(out, "<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\""
		" stroke=\"%s\" stroke-width=\"%.1f\"/>\n", x - size, y - size,
		x + size, y + size, x - size, y + size, x + size, y - size,
		color, width);
}

/* Where an arrow from x1 towards x2 that never got there ends: halfway
 * to the next lifeline, so that its x never sits on a lifeline. */
static double lost_end(double x1, double x2)
{
	return x1 + (x2 >= x1 ? 1 : -1) * LANE_GAP / 2;
}

/* An arrow from x1 to x2 at y; a lost one stops at an x (lost_end). */
static void draw_arrow(FILE *out, double x1, double x2, double y,
		       const char *color, bool dashed, bool lost)
{
	double direction = x2 >= x1 ? 1 : -1;
	double end = lost ? lost_end(x1, x2) : x2 - direction * 1.5;
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\""
		" stroke=\"%s\" stroke-width=\"1.6\"%s/>\n", x1, y, end, y, color,
		dashed ? " stroke-dasharray=\"6 4\"" : "");
	if (lost)
		draw_cross(out, end, y, 6, FAULT_COLOR, 2.2);
	else
		draw_head(out, end, y, direction, color);
}

/* A label centred over the span x1..x2, cut to fit it. */
static void span_label(FILE *out, double x1, double x2, double y,
		       const char *color, const char *text, bool bold)
{
	char fitted[LABEL_MAX];
	double width = x2 > x1 ? x2 - x1 : x1 - x2;
	snprintf(fitted, sizeof(fitted), "%s", text);
	fit_text(fitted, width + LANE_GAP - 20);
	text_at(out, (x1 + x2) / 2, y, "middle",
		bold ? "fs-lbl fs-bold" : "fs-lbl", color, fitted);
}

/* A note beside a lifeline: to the right, or to the left when it would
 * run off the drawing. */
static void side_label(const struct diagram *d, FILE *out, double x, double y,
		       const char *color, const char *text, bool bold)
{
	double width = (double)strlen(text) * CHAR_WIDTH;
	bool left = x + 12 + width > d->width - 8;
	text_at(out, left ? x - 12 : x + 12, y + 4, left ? "end" : "start",
		bold ? "fs-lbl fs-bold" : "fs-lbl", color, text);
}

static void emit_message(const struct diagram *d, FILE *out,
			 const struct row *row)
{
	double x1 = d->lanes[row->from].x, x2 = d->lanes[row->to].x;
	const char *color = row_color(row);
	char label[LABEL_MAX + 32];
	snprintf(label, sizeof(label), "%s%s", row->label,
		 row->style == STYLE_LOST ? ": lost" :
		 row->style == STYLE_LATE ? " (delayed)" :
		 row->style == STYLE_DUPLICATE ? " (delivered twice)" : "");
	if (row->from == row->to) {
		/* Within one shared lifeline: a small loop. */
		fprintf(out, "<path d=\"M%.1f %.1fh26v10h-24\" fill=\"none\""
			" stroke=\"%s\" stroke-width=\"1.6\"/>\n", x1, row->y - 6,
			color);
		draw_head(out, x1 + 2, row->y + 4, -1, color);
		side_label(d, out, x1 + 24, row->y - 4, color, label, false);
		return;
	}
	draw_arrow(out, x1, x2, row->y, row->style == STYLE_LOST ? FAULT_COLOR :
		   color, row->style == STYLE_LATE, row->style == STYLE_LOST);
	if (row->style == STYLE_DUPLICATE)
		draw_arrow(out, x1, x2, row->y + 4, color, false, false);
	span_label(out, x1, row->style == STYLE_LOST ? lost_end(x1, x2) : x2,
		   row->y - 5, row->style == STYLE_LOST ? FAULT_COLOR : color,
		   label, false);
}

/* The script to Redis and its answer back, just below. */
static void emit_redis(const struct diagram *d, FILE *out, const struct row *row)
{
	double x1 = d->lanes[row->from].x, x2 = d->lanes[row->to].x;
	double back = row->y + 13;
	const char *color = row_color(row);
	bool late = row->style == STYLE_LATE;
	bool request_lost = row->style == STYLE_NO_ANSWER;
	char label[LABEL_MAX + 16];
	snprintf(label, sizeof(label), "%s%s", row->label,
		 late ? " (delayed)" : "");
	draw_arrow(out, x1, x2, row->y, late ? FAULT_COLOR : color, late,
		   request_lost);
	if (request_lost) {
		/* over the part drawn, not over the lifelines it never
		 * reached */
		double to = lost_end(x1, x2);
		span_label(out, x1, to, row->y - 4, color, label, false);
		side_label(d, out, to, back, FAULT_COLOR, row->answer, false);
		return;
	}
	span_label(out, x1, x2, row->y - 4, late ? FAULT_COLOR : color, label,
		   false);
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"%.1f\""
		" fill=\"#fff4d6\" stroke=\"#b08a2e\"/>\n", x2 - 3.5, row->y - 2,
		back - row->y + 4);
	if (row->style == STYLE_ANSWER_LATER)
		return;  /* a ROW_LOST_ANSWER below draws it */
	/* A late answer does come back, to a caller that no longer reads
	 * it: no x, which means "never got there". */
	draw_arrow(out, x2, x1, back, late ? FAULT_COLOR : color, true, false);
	span_label(out, x1, x2, back + 12, late ? FAULT_COLOR : color,
		   row->answer, true);
}

static void emit_lost_answer(const struct diagram *d, FILE *out,
			     const struct row *row)
{
	double x1 = d->lanes[row->from].x, x2 = d->lanes[row->to].x;
	draw_arrow(out, x2, x1, row->y, FAULT_COLOR, true, true);
	span_label(out, x1, x2, row->y - 5, FAULT_COLOR, row->label, true);
}

static void emit_mark(const struct diagram *d, FILE *out, const struct row *row)
{
	double x = d->lanes[row->from].x;
	switch (row->kind) {
	case ROW_FAULT:
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
			" height=\"%.1f\" class=\"fs-faultband\"/>\n",
			TIME_COLUMN, row->top + 1, d->width - TIME_COLUMN - 8,
			row->height - 2);
		fprintf(out, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f"
			" %.1f,%.1f\" fill=\"%s\"/>\n", x, row->y - 7, x + 7,
			row->y, x, row->y + 7, x - 7, row->y, FAULT_COLOR);
		side_label(d, out, x, row->y, FAULT_COLOR, row->label, true);
		return;
	case ROW_CRASH:
		draw_cross(out, x, row->y, 9, FAULT_COLOR, 3.5);
		side_label(d, out, x + 4, row->y, FAULT_COLOR, row->label, true);
		return;
	case ROW_RESTART:
		fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\"/>\n",
			x, row->y, GOOD_COLOR);
		side_label(d, out, x, row->y, GOOD_COLOR, row->label, true);
		return;
	case ROW_SQL:
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"18\""
			" fill=\"#e6f4ea\" stroke=\"%s\"/>\n", x - 5, row->y - 9,
			row_color(row));
		side_label(d, out, x, row->y, row_color(row), row->label, false);
		return;
	default:
		fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
			x, row->y, tone_color(row->tone));
		side_label(d, out, x, row->y, tone_color(row->tone), row->label,
			   row->tone != TONE_PLAIN);
		return;
	}
}

static void emit_band(const struct diagram *d, FILE *out, const struct row *row)
{
	char text[LABEL_MAX];
	if (row->kind == ROW_GAP) {
		snprintf(text, sizeof(text), "+%" PRId64 " ms", row->gap_ms);
		text_at(out, TIME_COLUMN - 8, row->y + 4, "end", "fs-time", NULL, text);
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\""
			" stroke=\"#cccccc\" stroke-dasharray=\"2 5\"/>\n",
			TIME_COLUMN, row->y, d->width - 8, row->y);
		return;
	}
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
		" class=\"fs-phase\"/>\n", TIME_COLUMN, row->top + 2,
		d->width - TIME_COLUMN - 8, row->height - 4);
	snprintf(text, sizeof(text), "%s", row->label);
	fit_text(text, d->width - TIME_COLUMN - 30);
	text_at(out, TIME_COLUMN + 10, row->y + 4, NULL, "fs-lbl",
		tone_color(row->tone), text);
}

static void emit_rows(const struct diagram *d, FILE *out)
{
	int64_t shown_ms = -1;
	for (int i = 0; i < d->row_count; i++) {
		const struct row *row = &d->rows[i];
		if (row->event >= 0 && d->events[row->event].time_ms != shown_ms) {
			char time[32];
			shown_ms = d->events[row->event].time_ms;
			snprintf(time, sizeof(time), "%" PRId64, shown_ms);
			text_at(out, TIME_COLUMN - 8, row->y + 4, NULL, "fs-time",
				NULL, time);
		}
		switch (row->kind) {
		case ROW_MESSAGE: emit_message(d, out, row); break;
		case ROW_REDIS: emit_redis(d, out, row); break;
		case ROW_LOST_ANSWER: emit_lost_answer(d, out, row); break;
		case ROW_PHASE:
		case ROW_GAP: emit_band(d, out, row); break;
		default: emit_mark(d, out, row); break;
		}
	}
}

static void emit_lane_boxes(const struct diagram *d, FILE *out, double top)
{
	for (int i = 0; i < d->lane_count; i++) {
		const struct lane *lane = &d->lanes[i];
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
			" height=\"%.1f\" rx=\"5\" class=\"fs-lane\"/>\n",
			lane->x - LANE_BOX_WIDTH / 2, top, LANE_BOX_WIDTH,
			LANE_BOX_HEIGHT);
		text_at(out, lane->x, top + 17, NULL, "fs-lane-title", NULL,
			lane_kind_title[lane->kind]);
		text_at(out, lane->x, top + 32, NULL, "fs-lane-names", NULL,
			lane->names[0] ? lane->names : "(not involved)");
	}
}

/* Lifelines, dashed red where the actor is down, dotted orange where a
 * step of it is paused. */
static void emit_lifelines(const struct diagram *d, FILE *out)
{
	double top = d->header_height + LANE_BOX_HEIGHT;
	double bottom = d->height - d->legend_height - LANE_BOX_HEIGHT - 30;
	for (int i = 0; i < d->lane_count; i++) {
		const struct lane *lane = &d->lanes[i];
		double from = top;
		for (int k = 0; k < lane->down_count; k++) {
			fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\""
				" y2=\"%.1f\" class=\"fs-life\"/>\n", lane->x, from,
				lane->x, lane->down_from[k]);
			fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\""
				" y2=\"%.1f\" class=\"%s\"/>\n", lane->x,
				lane->down_from[k], lane->x, lane->down_to[k],
				lane->down_paused[k] ? "fs-pause" : "fs-down");
			from = lane->down_to[k];
		}
		if (from < bottom)
			fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\""
				" y2=\"%.1f\" class=\"fs-life\"/>\n", lane->x, from,
				lane->x, bottom);
	}
	emit_lane_boxes(d, out, d->header_height);
	emit_lane_boxes(d, out, bottom);
}

/* A sample of the mark of entry i of the key, in the box x..x+LEGEND_SAMPLE
 * around the height y. */
static void legend_sample(FILE *out, int i, double x, double y)
{
	double mid = x + LEGEND_SAMPLE / 2, end = x + LEGEND_SAMPLE;
	switch ((enum legend_mark)i) {
	case LEGEND_REQUEST:
		draw_arrow(out, x, end, y, NEUTRAL_COLOR, false, false);
		break;
	case LEGEND_SCRIPT:
		draw_arrow(out, x, end, y - 3, NEUTRAL_COLOR, false, false);
		draw_arrow(out, end, x, y + 4, NEUTRAL_COLOR, true, false);
		break;
	case LEGEND_FAULT:
		fprintf(out, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f"
			" %.1f,%.1f\" fill=\"%s\"/>\n", mid, y - 7, mid + 7, y,
			mid, y + 7, mid - 7, y, FAULT_COLOR);
		break;
	case LEGEND_CRASH:
		draw_cross(out, mid, y, 6, FAULT_COLOR, 3);
		break;
	case LEGEND_DOWN:
	case LEGEND_PAUSED:
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\""
			" y2=\"%.1f\" class=\"%s\"/>\n", mid, y - 9, mid, y + 9,
			i == LEGEND_DOWN ? "fs-down" : "fs-pause");
		break;
	case LEGEND_RESTART:
		fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\""
			" fill=\"%s\"/>\n", mid, y, GOOD_COLOR);
		break;
	case LEGEND_LOST:
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\""
			" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.6\"/>\n",
			x, y, end - 6, y, FAULT_COLOR);
		draw_cross(out, end - 6, y, 5, FAULT_COLOR, 2.2);
		break;
	case LEGEND_DELAYED:
		draw_arrow(out, x, end, y, NEUTRAL_COLOR, true, false);
		break;
	case LEGEND_TWICE:
		draw_arrow(out, x, end, y - 2, NEUTRAL_COLOR, false, false);
		draw_arrow(out, x, end, y + 2, NEUTRAL_COLOR, false, false);
		break;
	case LEGEND_COUNT:
		break;
	}
}

/* The key of the marks, under the bottom lane boxes. */
static void emit_legend(const struct diagram *d, FILE *out)
{
	double x[LEGEND_COUNT], top = d->height - d->legend_height;
	int line[LEGEND_COUNT];
	legend_place(d->width, x, line);
	for (int i = 0; i < LEGEND_COUNT; i++) {
		double y = top + LEGEND_LINE * line[i] + LEGEND_LINE / 2;
		legend_sample(out, i, x[i], y);
		text_at(out, x[i] + LEGEND_SAMPLE + 8, y + 4, NULL, "fs-info",
			NULL, legend_words[i]);
	}
}

static void reasons_text(unsigned reasons, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s%s%s",
		 reasons & REASON_CRASH ? ", crash" : "",
		 (reasons & REASON_FAULT) && !(reasons & REASON_CRASH) ? ", fault" : "",
		 reasons & REASON_VIOLATION ? ", violation" : "",
		 reasons & REASON_UNKNOWN ? ", told unknown" : "",
		 reasons & REASON_FIRST ? ", first of the run" : "");
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

static double emit_run_lines(const struct diagram *d, FILE *out, double y)
{
	const struct run_info *info = &d->info;
	char text[1600];
	snprintf(text, sizeof(text), "seed %s, %d users, stock %" PRId64
		 ", apps %d, coordinators %d; %d fault%s injected%s%s",
		 info->seed, info->users, info->stock, info->apps,
		 info->coordinators, info->fault_count,
		 info->fault_count == 1 ? "" : "s", info->fault_count ? ": " : "",
		 info->faults);
	fit_text(text, d->width - 32);
	text_at(out, 16, y, NULL, "fs-info", NULL, text);
	/* A liveness problem already starts with "liveness: ". */
	if (starts_with(info->problem, info->verdict) &&
	    info->problem[strlen(info->verdict)] == ':')
		snprintf(text, sizeof(text), "verdict: %s", info->problem);
	else
		snprintf(text, sizeof(text), "verdict: %s%s%s", info->verdict,
			 info->problem[0] ? ": " : "", info->problem);
	fit_text(text, d->width - 32);
	text_at(out, 16, y + 16, NULL, "fs-info fs-bold",
		strcmp(info->verdict, "ok") == 0 ? GOOD_COLOR :
		strcmp(info->verdict, "liveness") == 0 ? WARN_COLOR : FAULT_COLOR,
		text);
	if (d->gids_hidden)
		snprintf(text, sizeof(text), "transactions shown: %d; %d more that"
			 " matter are hidden (the text timeline has them):",
			 d->gid_count, d->gids_hidden);
	else
		snprintf(text, sizeof(text), "transactions shown: %d (and the"
			 " events of none: phases, crashes, restarts):",
			 d->gid_count);
	text_at(out, 16, y + 32, NULL, "fs-info", NULL, text);
	return y + 32;
}

static void emit_header(const struct diagram *d, FILE *out)
{
	char text[400];
	double y = 24;
	for (int i = 0; i < d->title_lines; i++, y += 19)
		text_at(out, 16, y, NULL, "fs-title", NULL, d->title[i]);
	y = emit_run_lines(d, out, y - 1);
	for (int i = 0; i < d->gid_count; i++) {
		char reasons[96];
		reasons_text(d->gids[i].reasons, reasons, sizeof(reasons));
		snprintf(text, sizeof(text), "%s (%s)", d->gids[i].gid,
			 reasons + 2);
		y += 16;
		fprintf(out, "<rect x=\"24\" y=\"%.1f\" width=\"18\" height=\"4\""
			" fill=\"%s\"/>\n", y - 5, gid_colors[i]);
		text_at(out, 48, y, NULL, "fs-info", gid_colors[i], text);
	}
	if (d->events_matching > d->event_count) {
		snprintf(text, sizeof(text), "only the first %d of these %" PRId64
			 " events are drawn (the cap); the text timeline has all",
			 d->event_count, d->events_matching);
		y += 16;
		text_at(out, 16, y, NULL, "fs-info fs-bold", FAULT_COLOR, text);
	}
}

static int diagram_read(struct diagram *d, const char *title)
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

int report_svg(FILE *out, struct tracedb *db, int64_t run_id,
	       const char *title)
{
	struct diagram *d = calloc(1, sizeof(*d));
	char default_title[64];
	int rc = -1;
	if (!d)
		return -1;
	d->db = tracedb_sqlite(db);
	d->run_id = run_id;
	d->events = calloc(REPORT_SVG_EVENTS_MAX, sizeof(*d->events));
	d->rows = calloc(ROWS_MAX, sizeof(*d->rows));
	d->instances = calloc(LANE_KIND_COUNT, sizeof(*d->instances));
	if (!title) {
		snprintf(default_title, sizeof(default_title), "flashsim run %"
			 PRId64, run_id);
		title = default_title;
	}
	if (!d->events || !d->rows || !d->instances || diagram_read(d, title) != 0)
		goto out_free;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\""
		" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu"
		" Sans, Liberation Sans, Arial, sans-serif\">\n", d->width,
		d->height, d->width, d->height);
	fputs("<title>", out);
	report_xml_escape(out, title);
	fputs("</title>\n", out);
	fputs(svg_style, out);
	fprintf(out, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
		d->width, d->height);
	emit_header(d, out);
	text_at(out, TIME_COLUMN - 8, d->header_height + LANE_BOX_HEIGHT / 2 + 4,
		NULL, "fs-time", NULL, "virtual ms");
	emit_lifelines(d, out);
	emit_rows(d, out);
	emit_legend(d, out);
	fputs("</svg>\n", out);
	rc = 0;
out_free:
	free(d->events);
	free(d->rows);
	free(d->instances);
	free(d);
	return rc;
}
