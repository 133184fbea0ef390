/*
 * trace.c - trace lines, their digest and their storage (see trace.h).
 */
#include "trace.h"

#include <inttypes.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

void trace_init(struct trace *trace, FILE *out, bool print_all)
{
	memset(trace, 0, sizeof(*trace));
	trace->digest = FNV_OFFSET;
	trace->out = out;
	trace->print_all = print_all;
}

void trace_attach(struct trace *trace, struct tracedb *db, int64_t run_id)
{
	trace->db = db;
	trace->run_id = run_id;
	trace->events_unstored = false;
}

void trace_attach_unstored(struct trace *trace, struct tracedb *db,
			   int64_t run_id)
{
	trace_attach(trace, db, run_id);
	trace->events_unstored = true;
}

void trace_digest_text(struct trace *trace, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		trace->digest ^= *p;
		trace->digest *= FNV_PRIME;
	}
}

void trace_event(struct trace *trace, const struct trace_event *event)
{
	char line[640];
	snprintf(line, sizeof(line), "%8" PRId64 "  %-9s %s%s%s%s%s%s%s%s",
		 event->time_ms, event->actor, event->step,
		 event->step[0] ? " " : "", event->gid,
		 event->gid[0] ? " " : "", event->detail,
		 event->fault[0] ? "  [fault " : "", event->fault,
		 event->fault[0] ? "]" : "");
	trace_digest_text(trace, line);
	trace_digest_text(trace, "\n");
	trace->lines++;
	if (trace->out && (trace->print_all || event->highlight))
		fprintf(trace->out, "%s\n", line);
	if (trace->db && !trace->events_unstored && !trace->db_failed &&
	    tracedb_event(trace->db, trace->run_id, (int64_t)trace->lines,
			  event) != 0)
		trace->db_failed = true;
}
