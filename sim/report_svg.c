/*
 * report_svg.c - the text timeline and the SVG sequence diagram of a run
 * (see report_svg.h): diagram.c reads the run and lays the diagram out,
 * this file draws it (emit_*).
 */
#include "report_svg.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "diagram.h"
#include "report.h"

static const char *const lane_kind_title[LANE_KIND_COUNT] = {
	"User", "App", "Coordinator", "Redis", "Order service",
};

static const char *const gid_colors[REPORT_SVG_GIDS_MAX] = {
	"#1f5fa8", "#2b8a3e", "#7b3fa0", "#b35c00", "#00808a", "#8a3b5c",
};
#define NEUTRAL_COLOR "#555555"
#define FAULT_COLOR "#c92a2a"
#define GOOD_COLOR "#2b8a3e"
#define WARN_COLOR "#c77700"

/* ---- text ---------------------------------------------------------------- */

/* Whether code, a decoded UTF-8 character (-1: none), may stand in XML
 * 1.0 text: not U+FFFE or U+FFFF (the controls are handled apart). */
static bool xml_char(long code)
{
	return code >= 0 && code != 0xfffe && code != 0xffff;
}

void report_xml_escape(FILE *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		int length = 1;
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if (*p < 0x20 && *p != '\n' && *p != '\t')
				fputc('?', out); /* not allowed in XML 1.0 */
			else if (!xml_char(report_utf8_decode(p, &length)))
				fputs("&#xfffd;", out); /* an SVG must parse */
			else
				fwrite(p, 1, (size_t)length, out);
		}
		p += length;
	}
}

/* ---- the text timeline --------------------------------------------------- */

int report_timeline(FILE *out, struct tracedb *trace, int64_t run_id)
{
	sqlite3 *db = tracedb_sqlite(trace);
	sqlite3_stmt *stmt = NULL;
	int64_t lines = 0;
	int step, rc = -1;
	if (sqlite3_prepare_v2(db, diagram_events_sql, -1, &stmt,
			       NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(stmt, 4);
		const char *why = (const char *)sqlite3_column_text(stmt, 6);
		bool fault = sqlite3_column_bytes(stmt, 5) > 0;
		if (lines++ >= REPORT_TIMELINE_EVENTS_MAX)
			continue;
		fprintf(out, "%c %8lld  %-9s", fault ? '!' :
			starts_with(detail ? detail : "", "CRASH") ? 'X' :
			why ? '>' : ' ',
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
		while (why && *why) {
			size_t length = strcspn(why, "\n");
			fprintf(out, "             ^ %.*s\n", (int)length, why);
			why += length + (why[length] == '\n');
		}
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
	".fs-pointed{fill:none;stroke:" FAULT_COLOR ";stroke-width:1.5}"
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

/* The label of an arrow from the lifeline at from to the one at to. An
 * arrow to the next lifeline has it in the middle. A longer one has it
 * in the gap next to where the call starts, so that no label sits on a
 * lifeline the arrow only passes (an app's script to Redis crosses the
 * coordinator's); one too wide for that gap starts there and runs along
 * the arrow. Cut to fit. */
static void arrow_label(FILE *out, double from, double to, double y,
			const char *color, const char *text, bool bold)
{
	char fitted[LABEL_MAX];
	double span = to > from ? to - from : from - to;
	double direction = to >= from ? 1 : -1;
	const char *class = bold ? "fs-lbl fs-bold" : "fs-lbl";
	snprintf(fitted, sizeof(fitted), "%s", text);
	if (span <= LANE_GAP + 1) {
		fit_text(fitted, span + LANE_GAP - 20);
		text_at(out, (from + to) / 2, y, "middle", class, color, fitted);
		return;
	}
	fit_text(fitted, span - 24);
	if ((double)strlen(fitted) * CHAR_WIDTH <= LANE_GAP - 24) {
		text_at(out, from + direction * LANE_GAP / 2, y, "middle", class,
			color, fitted);
		return;
	}
	text_at(out, from + direction * 12, y, direction > 0 ? "start" : "end",
		class, color, fitted);
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
	/* a fault's doing in the fault's colour, as a late script's: lost,
	 * or delayed (dashed) */
	bool faulted = row->style == STYLE_LOST || row->style == STYLE_LATE;
	draw_arrow(out, x1, x2, row->y, faulted ? FAULT_COLOR : color,
		   row->style == STYLE_LATE, row->style == STYLE_LOST);
	if (row->style == STYLE_DUPLICATE)
		draw_arrow(out, x1, x2, row->y + 4, color, false, false);
	arrow_label(out, x1, row->style == STYLE_LOST ? lost_end(x1, x2) : x2,
		    row->y - 5, faulted ? FAULT_COLOR : color, label, false);
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
		arrow_label(out, x1, to, row->y - 4, color, label, false);
		side_label(d, out, to, back, FAULT_COLOR, row->answer, false);
		return;
	}
	arrow_label(out, x1, x2, row->y - 4, late ? FAULT_COLOR : color, label,
		    false);
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"%.1f\""
		" fill=\"#fff4d6\" stroke=\"#b08a2e\"/>\n", x2 - 3.5, row->y - 2,
		back - row->y + 4);
	if (row->style == STYLE_ANSWER_LATER)
		return;  /* a ROW_LOST_ANSWER below draws it */
	/* A late answer does come back, to a caller that no longer reads
	 * it: no x, which means "never got there". */
	draw_arrow(out, x2, x1, back, late ? FAULT_COLOR : color, true, false);
	/* beside its call's label: the caller's side */
	arrow_label(out, x1, x2, back + 12, late ? FAULT_COLOR : color,
		    row->answer, true);
}

static void emit_lost_answer(const struct diagram *d, FILE *out,
			     const struct row *row)
{
	double x1 = d->lanes[row->from].x, x2 = d->lanes[row->to].x;
	draw_arrow(out, x2, x1, row->y, FAULT_COLOR, true, true);
	arrow_label(out, x1, x2, row->y - 5, FAULT_COLOR, row->label, true);
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

/* A row a violation points at (blame.h): outlined in red, with each
 * invariant and why on a line of its own under the row. */
static void emit_pointed(const struct diagram *d, FILE *out,
			 const struct row *row)
{
	int lines = diagram_pointed_lines(row);
	double y = row->top + row->height - POINTED_LINE * lines + 11;
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		" height=\"%.1f\" rx=\"4\" class=\"fs-pointed\"/>\n",
		TIME_COLUMN + 2, row->top + 1, d->width - TIME_COLUMN - 12,
		row->height - 2);
	for (const char *at = row->why; *at; y += POINTED_LINE) {
		char text[LABEL_MAX];
		size_t length = strcspn(at, "\n");
		snprintf(text, sizeof(text), "%.*s",
			 (int)(length < LABEL_MAX - 1 ? length : LABEL_MAX - 1),
			 at);
		fit_text(text, d->width - TIME_COLUMN - 40);
		text_at(out, TIME_COLUMN + 12, y, "start", "fs-lbl fs-bold",
			FAULT_COLOR, text);
		at += length + (at[length] == '\n');
	}
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
		if (row->why[0])
			emit_pointed(d, out, row);
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
		draw_arrow(out, x, end, y, FAULT_COLOR, true, false);
		break;
	case LEGEND_TWICE:
		draw_arrow(out, x, end, y - 2, NEUTRAL_COLOR, false, false);
		draw_arrow(out, x, end, y + 2, NEUTRAL_COLOR, false, false);
		break;
	case LEGEND_POINTED:
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
			" height=\"16\" rx=\"4\" class=\"fs-pointed\"/>\n",
			x + 1, y - 8, LEGEND_SAMPLE - 2);
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
	diagram_legend_place(d->width, x, line);
	for (int i = 0; i < LEGEND_COUNT; i++) {
		double y = top + LEGEND_LINE * line[i] + LEGEND_LINE / 2;
		legend_sample(out, i, x[i], y);
		text_at(out, x[i] + LEGEND_SAMPLE + 8, y + 4, NULL, "fs-info",
			NULL, diagram_legend_words[i]);
	}
}

static void reasons_text(unsigned reasons, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s%s%s%s",
		 reasons & REASON_CHOSEN ? ", chosen" : "",
		 reasons & REASON_CRASH ? ", crash" : "",
		 (reasons & REASON_FAULT) && !(reasons & REASON_CRASH) ? ", fault" : "",
		 reasons & REASON_VIOLATION ? ", violation" : "",
		 reasons & REASON_UNKNOWN ? ", told unknown" : "",
		 reasons & REASON_FIRST ? ", first of the run" : "");
}

static double emit_run_lines(const struct diagram *d, FILE *out, double y)
{
	const struct run_info *info = &d->info;
	char text[1600];
	snprintf(text, sizeof(text), "seed %s, %d user%s, stock %" PRId64
		 ", apps %d, coordinators %d; %d fault%s injected%s%s",
		 info->seed, info->users, info->users == 1 ? "" : "s",
		 info->stock, info->apps,
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
	/* a design without transactions shows its purchases */
	const char *what = info->no_transactions ? "purchase" : "transaction";
	if (d->gids_hidden)
		snprintf(text, sizeof(text), "%ss shown: %d; %d more that"
			 " matter are hidden (the text timeline has them):",
			 what, d->gid_count, d->gids_hidden);
	else
		snprintf(text, sizeof(text), "%ss shown: %d (and the"
			 " events that belong to no %s: phases, crashes,"
			 " restarts):", what, d->gid_count, what);
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
		if (d->pointed_past)
			snprintf(text, sizeof(text), "only the first %d of these"
				 " %" PRId64 " events are drawn (the cap), and %d"
				 " past them that a violation points at; the"
				 " text timeline has all",
				 d->event_count - d->pointed_past,
				 d->events_matching, d->pointed_past);
		else
			snprintf(text, sizeof(text), "only the first %d of these"
				 " %" PRId64 " events are drawn (the cap); the"
				 " text timeline has all", d->event_count,
				 d->events_matching);
		y += 16;
		text_at(out, 16, y, NULL, "fs-info fs-bold", FAULT_COLOR, text);
	}
}

int report_svg(FILE *out, struct tracedb *db, int64_t run_id,
	       const char *title, const struct diagram_users *users)
{
	struct diagram *d = calloc(1, sizeof(*d));
	char default_title[64];
	int rc = -1;
	if (!d)
		return -1;
	d->db = tracedb_sqlite(db);
	d->run_id = run_id;
	d->users = users;
	d->events = calloc(EVENTS_MAX, sizeof(*d->events));
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
