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

/* A line being written: what does not fit is cut, as snprintf cuts it. */
struct line {
	char *text;
	size_t size;   /* > 0 */
	size_t length; /* < size; text[length] == '\0' */
};

static void line_put(struct line *line, const char *text, size_t count)
{
	size_t room = line->size - 1 - line->length;
	if (count > room)
		count = room;
	memcpy(line->text + line->length, text, count);
	line->length += count;
	line->text[line->length] = '\0';
}

static void line_puts(struct line *line, const char *text)
{
	line_put(line, text, strlen(text));
}

static void line_pad(struct line *line, size_t used, size_t width)
{
	static const char spaces[] = "         ";
	while (used < width) {
		size_t count = width - used;
		if (count > sizeof(spaces) - 1)
			count = sizeof(spaces) - 1;
		line_put(line, spaces, count);
		used += count;
	}
}

size_t trace_format(const struct trace_event *event, char *text, size_t size)
{
	struct line line = { text, size, 0 };
	char digits[24], *number = digits + sizeof(digits);
	uint64_t magnitude = event->time_ms < 0 ? -(uint64_t)event->time_ms :
						  (uint64_t)event->time_ms;
	text[0] = '\0';
	do {
		*--number = (char)('0' + magnitude % 10);
		magnitude /= 10;
	} while (magnitude);
	if (event->time_ms < 0)
		*--number = '-';
	line_pad(&line, (size_t)(digits + sizeof(digits) - number), 8);
	line_put(&line, number, (size_t)(digits + sizeof(digits) - number));
	line_puts(&line, "  ");
	line_puts(&line, event->actor);
	line_pad(&line, strlen(event->actor), 9);
	line_puts(&line, " ");
	line_puts(&line, event->step);
	if (event->step[0])
		line_puts(&line, " ");
	line_puts(&line, event->gid);
	if (event->gid[0])
		line_puts(&line, " ");
	line_puts(&line, event->detail);
	if (event->fault[0]) {
		line_puts(&line, "  [fault ");
		line_puts(&line, event->fault);
		line_puts(&line, "]");
	}
	return line.length;
}

void trace_event(struct trace *trace, const struct trace_event *event)
{
	char line[640];
	trace_format(event, line, sizeof(line));
	trace_digest_text(trace, line);
	trace_digest_text(trace, "\n");
	trace->lines++;
	if (trace->out && (trace->print_all || event->highlight)) {
		trace_progress_clear(trace);
		fprintf(trace->out, "%s\n", line);
	}
	if (trace->db && !trace->events_unstored && !trace->db_failed &&
	    tracedb_event(trace->db, trace->run_id, (int64_t)trace->lines,
			  event) != 0)
		trace->db_failed = true;
}

void trace_progress(struct trace *trace, const char *text)
{
	if (!trace->progress)
		return;
	if (trace->out)
		fflush(trace->out);
	/* \033[K: the rest of the line, from a longer line before, erased */
	fprintf(trace->progress, "\r%s\033[K", text);
	fflush(trace->progress);
	trace->progress_shown = true;
}

void trace_progress_clear(struct trace *trace)
{
	if (!trace->progress_shown)
		return;
	fprintf(trace->progress, "\r\033[K");
	fflush(trace->progress);
	trace->progress_shown = false;
}
