/*
 * trace.c - trace lines and their digest (see trace.h).
 */
#include "trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

void trace_init(struct trace *trace, FILE *out, bool print_all)
{
	trace->digest = FNV_OFFSET;
	trace->lines = 0;
	trace->out = out;
	trace->print_all = print_all;
}

void trace_digest_text(struct trace *trace, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		trace->digest ^= *p;
		trace->digest *= FNV_PRIME;
	}
}

void trace_line(struct trace *trace, bool highlight, int64_t time_ms,
		const char *actor, const char *format, ...)
{
	char line[512];
	int n;
	va_list args;
	n = snprintf(line, sizeof(line), "%8" PRId64 "  %-9s ", time_ms, actor);
	va_start(args, format);
	vsnprintf(line + n, sizeof(line) - (size_t)n, format, args);
	va_end(args);
	trace_digest_text(trace, line);
	trace_digest_text(trace, "\n");
	trace->lines++;
	if (trace->out && (trace->print_all || highlight))
		fprintf(trace->out, "%s\n", line);
}
