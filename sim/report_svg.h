/*
 * report_svg.h - a run read back from the trace database, drawn: the text
 * timeline (one line per event) and an SVG sequence diagram.
 *
 * The diagram has a lifeline (vertical) for the user, the app, the
 * coordinator, Redis and the order service; a kind with at most
 * REPORT_SVG_OWN_LANES_MAX instances in the drawing gets one lifeline per
 * instance, more share one and the instance is named on the labels.
 * Events run top to bottom in their order, with the virtual time on the
 * left: messages are horizontal arrows, a Redis script is an arrow to the
 * Redis lifeline and its answer back, an SQL transaction a box on the
 * order service; the injected fault is a red band with its POINT@N:KIND,
 * a crash a red X (the lifeline is dashed while the actor is down), a
 * lost message an arrow ending in an x, a restart a green mark.
 *
 * A run has many transactions; the diagram shows those that matter (a
 * fault was injected into them, an invariant names them, their user was
 * told "unknown"; when none does, the first two) and the events without a
 * transaction (crashes, restarts, phases), and says in its title which.
 * docs/REPORTS.md shows one.
 *
 * Both write to out and return 0, or -1 when the database could not be
 * read (what was written so far stays). Nothing is kept.
 */
#ifndef FLASHSIM_REPORT_SVG_H
#define FLASHSIM_REPORT_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "tracedb.h"

#define REPORT_SVG_EVENTS_MAX 300     /* events drawn, at most */
#define REPORT_SVG_POINTED_PAST 10    /* and, past those, events a
					 violation points at (blame.h) */
#define REPORT_SVG_GIDS_MAX 6         /* transactions drawn, at most */
#define REPORT_SVG_OWN_LANES_MAX 2    /* instances of a kind with own lifelines */
#define REPORT_TIMELINE_EVENTS_MAX 100000

/* The users whose purchases a diagram draws first, in this order
 * (--diagram-users); the others that matter fill the places left. */
struct diagram_users {
	int count;
	int64_t ids[REPORT_SVG_GIDS_MAX];
};

/* One self-contained SVG document (no XML declaration, so that it can be
 * put inline into HTML as it is; no external resource, no id). title NULL:
 * "flashsim run <run_id>"; users NULL: none chosen. */
int report_svg(FILE *out, struct tracedb *db, int64_t run_id,
	       const char *title, const struct diagram_users *users);

/* The text timeline: one line per event, "virtual ms, actor, step, gid,
 * outcome"; a line starting with '!' is an injected fault (its
 * POINT@N:KIND at the end), with 'X' a crash. */
int report_timeline(FILE *out, struct tracedb *db, int64_t run_id);

/* Writes text with & < > " ' escaped, and control characters (never
 * valid in XML) as '?'. For SVG, XML and HTML alike. */
void report_xml_escape(FILE *out, const char *text);

#endif
