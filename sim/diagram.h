/*
 * diagram.h - the sequence diagram of a run as a model, before it is
 * drawn: the transactions shown, their events, the lifelines and the
 * rows, laid out. diagram.c builds it from the trace database,
 * report_svg.c draws it (report_svg.h says what it shows). Internal to
 * those two files.
 */
#ifndef FLASHSIM_DIAGRAM_H
#define FLASHSIM_DIAGRAM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "report_svg.h"

#define ACTOR_TEXT_MAX 32
#define STEP_TEXT_MAX 64
#define GID_TEXT_MAX 128
#define DETAIL_TEXT_MAX 420
#define FAULT_TEXT_MAX 128
#define LABEL_MAX 200
#define WHY_TEXT_MAX 480          /* the whys of one event, all invariants */
#define CANDIDATES_MAX 64
#define INSTANCES_MAX 64          /* distinct instances of a kind, counted */
#define LANES_MAX (REPORT_SVG_OWN_LANES_MAX * (LANE_KIND_COUNT - 1) + 1)
#define DOWN_MAX 8                /* down or paused stretches per lifeline */
#define MERGE_LOOKBACK 16         /* rows searched back for a message */
#define EVENTS_MAX (REPORT_SVG_EVENTS_MAX + REPORT_SVG_POINTED_PAST)
#define ROWS_MAX (EVENTS_MAX * 2 + 2)

/* Geometry, in pixels. */
#define TIME_COLUMN 84.0
#define LANE_BOX_WIDTH 150.0
#define LANE_GAP 172.0
#define RIGHT_MARGIN 300.0
#define LANE_BOX_HEIGHT 40.0
#define CHAR_WIDTH 6.6            /* 11 px DejaVu Sans, a wide estimate */
#define GAP_MS 500                /* a quiet stretch longer: a gap row */
#define POINTED_LINE 16.0         /* under a row a violation points at */

enum lane_kind { LANE_USER, LANE_APP, LANE_COORD, LANE_REDIS, LANE_ORDER,
		 LANE_KIND_COUNT };

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
	char why[WHY_TEXT_MAX];     /* where a violation points: "<invariant>:
				       <why>", one line each (blame.h) */
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
	char why[WHY_TEXT_MAX];     /* a violation points here: its words,
				       one line per invariant, under the
				       row */
	int64_t gap_ms;
	double y;                   /* the row's arrow or mark */
	double top;                 /* the row's band */
	double height;
};

/* Why a transaction is shown. */
enum { REASON_FAULT = 1, REASON_CRASH = 2, REASON_VIOLATION = 4,
       REASON_UNKNOWN = 8, REASON_FIRST = 16, REASON_CHOSEN = 32 };

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
	bool no_transactions;       /* a variant without them (naive) */
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
	const struct diagram_users *users; /* drawn first, or NULL */
	struct run_info info;
	struct picked candidates[CANDIDATES_MAX];
	int candidate_count;
	int candidates_more;        /* past CANDIDATES_MAX */
	struct picked gids[REPORT_SVG_GIDS_MAX];
	int gid_count;
	int gids_hidden;            /* mattered, not shown */
	struct svg_event *events;   /* owned, EVENTS_MAX */
	int event_count;
	int64_t events_matching;    /* would be drawn without the cap */
	int pointed_past;           /* of event_count, drawn past the cap
				       because a violation points at them */
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

/* The key of the marks, under the drawing: a diagram copied into slides
 * or a document without docs/REPORTS.md next to it still says what its
 * marks mean. Each entry is a small sample of the mark and its words. */
enum legend_mark {
	LEGEND_REQUEST, LEGEND_SCRIPT, LEGEND_FAULT, LEGEND_CRASH,
	LEGEND_DOWN, LEGEND_RESTART, LEGEND_PAUSED, LEGEND_LOST,
	LEGEND_DELAYED, LEGEND_TWICE, LEGEND_POINTED, LEGEND_COUNT
};

/* The words of each entry of the key. */
extern const char *const diagram_legend_words[LEGEND_COUNT];

#define LEGEND_SAMPLE 34.0      /* the width of a mark's sample */
#define LEGEND_LINE 22.0        /* the height of one line of the key */

/* Where entry i of the key goes (x from the left of the drawing, line 0
 * the first), the entries flowing left to right within width. Returns
 * the number of lines. */
int diagram_legend_place(double width, double x[LEGEND_COUNT],
			 int line[LEGEND_COUNT]);

static inline bool starts_with(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Text cut to fit width pixels, "..." marking the cut. */
static inline void fit_text(char *text, double width)
{
	size_t fits = width > 3 * CHAR_WIDTH ? (size_t)(width / CHAR_WIDTH) : 3;
	if (strlen(text) <= fits)
		return;
	if (fits >= LABEL_MAX)
		fits = LABEL_MAX - 1;
	memcpy(text + fits - 3, "...", 4);
}

/* Every event of run ?1, in order: time_ms, actor, step, gid, detail,
 * fault, and where a violation points at it, "<invariant>: <why>" a line
 * each, or NULL (the diagram's and the text timeline's). */
extern const char diagram_events_sql[];

/* The lines of row->why. */
int diagram_pointed_lines(const struct row *row);

/* Reads the run d->run_id of d->db into d (its events, rows and
 * instances allocated by the caller), then lays it out: passes 1 to 4 of
 * diagram.c. Returns 0, or -1 when the database could not be read. */
int diagram_read(struct diagram *d, const char *title);

#endif
