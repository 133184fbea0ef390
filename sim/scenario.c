/*
 * scenario.c - loading scenario files (see scenario.h).
 *
 * One table lists every key: its section, its name, where its value goes
 * in struct cli_options and how it is parsed. Error messages and their
 * lists of expected sections and keys come from it; docs/SCENARIOS.md
 * documents every key of it.
 *
 * libinih reads the file through read_line, which counts lines (so the
 * key handler knows its line), refuses NUL bytes, lines longer than
 * SCENARIO_LINE_MAX and files longer than SCENARIO_BYTES_MAX, strips
 * indentation (no continuation lines: every line stands alone) and a byte
 * order mark, and checks the lines libinih would reject without calling
 * the handler: section headers (and what follows them) and lines without
 * '=' before any comment.
 * Only the first error is kept, and reading stops there; libinih's own
 * line of the first error is used when something slipped past both.
 */
#include "scenario.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "explore.h"
#include "values.h"

#define DAY_MS 86400000

enum key_type {
	KEY_INT,     /* a whole number into an int ... */
	KEY_INT64,   /* ... an int64_t ... */
	KEY_UINT64,  /* ... a uint64_t ... */
	KEY_LONG,    /* ... a long, in [low, high] */
	KEY_TEXT,    /* text into a char array of high bytes */
	KEY_PARSED,  /* by the key's parse function */
};

typedef int (*parse_fn)(struct cli_options *options, const char *text,
			char *error, size_t error_size);

struct scenario_key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;       /* of the value in struct cli_options */
	int64_t low, high;
	parse_fn parse;      /* KEY_PARSED */
	unsigned expect;     /* the EXPECT_ bit it gives, or 0 */
	bool repeatable;
};

static int parse_variant(struct cli_options *o, const char *text, char *error,
			 size_t size)
{
	o->variant_set_by = SET_BY_FILE;
	return value_variant(text, &o->config.variant, error, size);
}

static int parse_tag(struct cli_options *o, const char *text, char *error,
		     size_t size)
{
	return value_tag(text, o->config.sale.tag, error, size);
}

static int parse_fault(struct cli_options *o, const char *text, char *error,
		       size_t size)
{
	return fault_plan_add(&o->config.plan, text, error, size);
}

static int parse_fast_path(struct cli_options *o, const char *text,
			   char *error, size_t size)
{
	return value_bool(text, &o->config.sale.sold_out_fast_path, error, size);
}

static int parse_random(struct cli_options *o, const char *text, char *error,
			size_t size)
{
	return value_bool(text, &o->config.random_faults, error, size);
}

static int parse_persistence(struct cli_options *o, const char *text,
			     char *error, size_t size)
{
	o->persistence_set_by = SET_BY_FILE;
	return value_persistence(text, &o->runner.persistence, error, size);
}

static int parse_mode(struct cli_options *o, const char *text, char *error,
		      size_t size)
{
	o->mode_in_file = true;
	return value_mode(text, &o->mode, error, size);
}

static int parse_kinds(struct cli_options *o, const char *text, char *error,
		       size_t size)
{
	return value_kinds(text, &o->kinds, error, size);
}

static int parse_verdict(struct cli_options *o, const char *text, char *error,
			 size_t size)
{
	return expect_verdict_parse(text, &o->expect.verdict, error, size);
}

static int parse_caught(struct cli_options *o, const char *text, char *error,
			size_t size)
{
	return value_bool(text, &o->expect.caught, error, size);
}

/* An invariant's name: the file name of its query, without .sql. */
static int parse_invariant(struct cli_options *o, const char *text,
			   char *error, size_t size)
{
	size_t length = strlen(text);
	bool ok = length > 0 && length < sizeof(o->expect.invariant);
	for (size_t i = 0; ok && i < length; i++)
		ok = islower((unsigned char)text[i]) ||
		     isdigit((unsigned char)text[i]) || text[i] == '_';
	if (!ok) {
		snprintf(error, size, "expected the name of an invariant, e.g."
			 " conservation (lowercase letters, digits, '_'), got"
			 " '%s'", text);
		return -1;
	}
	snprintf(o->expect.invariant, sizeof(o->expect.invariant), "%s", text);
	return 0;
}

#define AT(field) offsetof(struct cli_options, field)
#define NUMBER(section, name, type, field, low, high) \
	{ section, name, type, AT(field), low, high, NULL, 0, false }
#define TEXT(section, name, field) \
	{ section, name, KEY_TEXT, AT(field), 0, \
	  sizeof(((struct cli_options *)0)->field), NULL, 0, false }
#define PARSED(section, name, parse) \
	{ section, name, KEY_PARSED, 0, 0, 0, parse, 0, false }

static const struct scenario_key keys[] = {
	TEXT("scenario", "name", scenario_name),
	TEXT("scenario", "description", scenario_description),
	PARSED("scenario", "variant", parse_variant),

	NUMBER("sale", "activity", KEY_UINT64, config.sale.activity, 0, INT64_MAX),
	NUMBER("sale", "stock", KEY_INT64, config.stock, 0, INT64_MAX / 2),
	PARSED("sale", "tag", parse_tag),
	PARSED("sale", "sold_out_fast_path", parse_fast_path),

	NUMBER("actors", "apps", KEY_INT, config.apps, 1, 64),
	NUMBER("actors", "coordinators", KEY_INT, config.coordinators, 1, 64),

	NUMBER("workload", "users", KEY_INT, config.users, 1, 10000000),
	NUMBER("workload", "requests_per_user", KEY_INT, config.requests_per_user, 1, 16),
	NUMBER("workload", "arrival_ms", KEY_INT64, config.arrival_ms, 0, DAY_MS),
	NUMBER("workload", "seed", KEY_UINT64, config.seed, 0, INT64_MAX),

	NUMBER("timing", "latency_ms_min", KEY_INT64, config.latency_ms_min, 0, DAY_MS),
	NUMBER("timing", "latency_ms_max", KEY_INT64, config.latency_ms_max, 0, DAY_MS),
	NUMBER("timing", "redis_latency_ms_min", KEY_INT64, config.redis_latency_ms_min, 0, DAY_MS),
	NUMBER("timing", "redis_latency_ms_max", KEY_INT64, config.redis_latency_ms_max, 0, DAY_MS),
	NUMBER("timing", "call_timeout_ms", KEY_INT64, config.call_timeout_ms, 1, DAY_MS),
	NUMBER("timing", "redis_timeout_ms", KEY_INT64, config.redis_timeout_ms, 1, DAY_MS),
	NUMBER("timing", "user_timeout_ms", KEY_INT64, config.user_timeout_ms, 1, DAY_MS),
	NUMBER("timing", "timeout_to_fail_ms", KEY_INT64, config.sale.timeout_to_fail_ms, 1, DAY_MS),
	NUMBER("timing", "cron_interval_ms", KEY_INT64, config.sale.cron_interval_ms, 1, DAY_MS),
	NUMBER("timing", "retry_interval_ms", KEY_INT64, config.sale.retry_interval_ms, 1, DAY_MS),
	NUMBER("timing", "retry_interval_ms_max", KEY_INT64, config.sale.retry_interval_ms_max, 1, DAY_MS),
	NUMBER("timing", "restart_delay_ms", KEY_INT64, config.restart_delay_ms, 0, DAY_MS),
	NUMBER("timing", "recovery_bound_ms", KEY_INT64, config.recovery_bound_ms, 1, DAY_MS),
	NUMBER("timing", "fault_window_ms", KEY_INT64, config.fault_window_ms, 0, DAY_MS),

	{ "faults", "fault", KEY_PARSED, 0, 0, 0, parse_fault, 0, true },
	PARSED("faults", "random", parse_random),
	PARSED("faults", "redis_persistence", parse_persistence),
	PARSED("faults", "mode", parse_mode),
	NUMBER("faults", "runs", KEY_LONG, runs, 1, 100000000),
	NUMBER("faults", "seconds", KEY_LONG, seconds, 1, 86400 * 7),
	PARSED("faults", "kinds", parse_kinds),
	NUMBER("faults", "jobs", KEY_INT, jobs, 1, 64),

	{ "expect", "verdict", KEY_PARSED, 0, 0, 0, parse_verdict, EXPECT_VERDICT, false },
	{ "expect", "orders", KEY_INT64, AT(expect.orders), 0, INT64_MAX, NULL, EXPECT_ORDERS, false },
	{ "expect", "stock_left", KEY_INT64, AT(expect.stock_left), 0, INT64_MAX, NULL, EXPECT_STOCK_LEFT, false },
	{ "expect", "invariant", KEY_PARSED, 0, 0, 0, parse_invariant, EXPECT_INVARIANT, false },
	{ "expect", "failures", KEY_INT64, AT(expect.failures), 0, EXPLORE_FAILURES_MAX, NULL, EXPECT_FAILURES, false },
	{ "expect", "caught", KEY_PARSED, 0, 0, 0, parse_caught, EXPECT_CAUGHT, false },
};

#define KEY_COUNT ((int)(sizeof(keys) / sizeof(keys[0])))
_Static_assert(sizeof(keys) / sizeof(keys[0]) <= CLI_SCENARIO_KEYS_MAX,
	       "room for the line of every key in struct cli_options");

/* The longest line, its end (LF or CRLF) not counted, and the longest
 * file. libinih reads lines into a buffer of INI_MAX_LINE bytes. */
#define SCENARIO_LINE_MAX 199
#define SCENARIO_BYTES_MAX (1024 * 1024)
_Static_assert(INI_MAX_LINE > SCENARIO_LINE_MAX, "libinih's line buffer");

struct loader {
	const char *path;
	FILE *file;
	int read_errno;           /* of a failed read, 0: none */
	long bytes;               /* read so far */
	char raw[SCENARIO_LINE_MAX + 5]; /* a line, its CR and a BOM */
	struct cli_options *options;
	int line;                 /* the line being parsed, from 1 */
	int set_on[KEY_COUNT];    /* the line each key was given on, 0: not */
	int error_line;           /* of the first error, 0: none yet */
	char *error;
	size_t error_size;
};

/* Records the first error, "PATH:LINE: message". Returns 0 for libinih. */
static int fail(struct loader *l, const char *format, ...)
{
	size_t used;
	va_list args;
	if (l->error_line)
		return 0;
	l->error_line = l->line;
	used = (size_t)snprintf(l->error, l->error_size, "%s:%d: ", l->path,
				l->line);
	if (used >= l->error_size)
		return 0;
	va_start(args, format);
	vsnprintf(l->error + used, l->error_size - used, format, args);
	va_end(args);
	return 0;
}

static bool section_exists(const char *section)
{
	for (int k = 0; k < KEY_COUNT; k++)
		if (strcmp(keys[k].section, section) == 0)
			return true;
	return false;
}

/* "scenario, sale, ...": the sections, in table order. */
static void section_names(char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int k = 0; k < KEY_COUNT && used < size; k++) {
		if (k > 0 && strcmp(keys[k].section, keys[k - 1].section) == 0)
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 k ? ", " : "", keys[k].section);
	}
}

/* "activity, stock, tag": the keys of a section. */
static void key_names(const char *section, char *out, size_t size)
{
	size_t used = 0;
	/* the longest list fits, with room to spare */
	assert(size >= 400);
	out[0] = '\0';
	for (int k = 0; k < KEY_COUNT && used < size; k++)
		if (strcmp(keys[k].section, section) == 0)
			used += (size_t)snprintf(out + used, size - used, "%s%s",
						 used ? ", " : "", keys[k].name);
}

/* A section header "[name]" as libinih reads it: the text up to ']'.
 * libinih ignores what follows; only a comment may ("[sale] ; ..."). */
static void check_section(struct loader *l, const char *line)
{
	char names[160];
	const char *end = strchr(line, ']'), *rest;
	bool known = false;
	if (!end) {
		fail(l, "expected ']' at the end of the section name in '%s'",
		     line);
		return;
	}
	for (rest = end + 1; isspace((unsigned char)*rest); rest++)
		continue;
	if (*rest && !(*rest == ';' && rest > end + 1)) {
		fail(l, "unexpected '%s' after the section header '%.*s'"
		     " (expected the end of the line or a ' ;' comment)", end + 1,
		     (int)(end - line + 1), line);
		return;
	}
	for (int k = 0; k < KEY_COUNT; k++) {
		size_t length = strlen(keys[k].section);
		if ((size_t)(end - line - 1) == length &&
		    strncmp(line + 1, keys[k].section, length) == 0)
			known = true;
	}
	if (!known) {
		section_names(names, sizeof(names));
		fail(l, "unknown section [%.*s] (expected: %s)",
		     (int)(end - line - 1), line + 1, names);
	}
}

/* Where libinih ends the key of a line: at its first '=' or ':', or at
 * an inline comment (a ';' after a space), which leaves it no value. */
static const char *key_end(const char *line)
{
	bool after_space = false;
	for (; *line; line++) {
		if (*line == '=' || *line == ':' || (*line == ';' && after_space))
			break;
		after_space = isspace((unsigned char)*line);
	}
	return line;
}

/* Reads the next line of the file into l->raw, without its end (LF or
 * CRLF) and, on the first line, without a UTF-8 byte order mark. Returns
 * its length; -1 at the end of the file, on a read error (l->read_errno)
 * or on a line refused (fail): a NUL byte, a line too long, a file too
 * long. Each refusal stops at once, so an endless stream (/dev/zero) ends
 * too. */
static int read_raw_line(struct loader *l)
{
	enum { READ_OK, READ_NUL, READ_LINE_TOO_LONG, READ_FILE_TOO_LONG }
		refused = READ_OK;
	size_t length = 0, start = 0;
	int c = getc(l->file);
	if (c == EOF) {
		if (ferror(l->file))
			l->read_errno = errno ? errno : EIO;
		return -1;
	}
	l->line++;
	for (; c != EOF && c != '\n' && !refused; c = getc(l->file)) {
		if (++l->bytes > SCENARIO_BYTES_MAX)
			refused = READ_FILE_TOO_LONG;
		else if (c == '\0')
			refused = READ_NUL;
		else if (length == sizeof(l->raw) - 1)
			refused = READ_LINE_TOO_LONG;
		else
			l->raw[length++] = (char)c;
	}
	if (!refused && c == EOF && ferror(l->file)) {
		l->read_errno = errno ? errno : EIO;
		return -1;
	}
	/* the line's end counts too: a file of empty lines is not endless */
	if (!refused && c == '\n' && ++l->bytes > SCENARIO_BYTES_MAX)
		refused = READ_FILE_TOO_LONG;
	if (length > 0 && l->raw[length - 1] == '\r')
		length--;
	l->raw[length] = '\0';
	if (l->line == 1 && strncmp(l->raw, "\xEF\xBB\xBF", 3) == 0)
		start = 3;
	if (!refused && length - start > SCENARIO_LINE_MAX)
		refused = READ_LINE_TOO_LONG;
	if (!refused && memchr(l->raw, '\r', length)) {
		/* a file of CR-only line ends reads as one line */
		fail(l, "a carriage return at column %zu, inside the line:"
		     " lines end in LF or CRLF, not in CR alone",
		     (size_t)((char *)memchr(l->raw, '\r', length) - l->raw) +
		     1 - start);
		return -1;
	}
	if (!refused) {
		memmove(l->raw, l->raw + start, length - start + 1);
		return (int)(length - start);
	}
	if (refused == READ_NUL)
		fail(l, "a NUL byte at column %zu (a scenario file is text)",
		     length + 1);
	else if (refused == READ_LINE_TOO_LONG)
		fail(l, "line longer than %d bytes (UTF-8: a character outside"
		     " ASCII takes 2 to 4)", SCENARIO_LINE_MAX);
	else
		fail(l, "the file goes on past %d bytes (a scenario file is a"
		     " few lines of text)", SCENARIO_BYTES_MAX);
	return -1;
}

/* libinih's reader: one line, counted, unindented and checked. After the
 * first error it ends the file: only the first error is reported. */
static char *read_line(char *text, int size, void *stream)
{
	struct loader *l = stream;
	size_t length, start = 0;
	int read;
	/* libinih's buffer holds the longest line allowed: text is written
	 * below */
	if (size <= SCENARIO_LINE_MAX) {
		fprintf(stderr, "flashsim: internal error: libinih's line"
			" buffer (%d bytes) is shorter than a line (%d)\n",
			size, SCENARIO_LINE_MAX + 1);
		abort();
	}
	if (l->error_line || (read = read_raw_line(l)) < 0)
		return NULL;
	length = (size_t)read;
	while (l->raw[start] && isspace((unsigned char)l->raw[start]))
		start++;
	memcpy(text, l->raw + start, length - start + 1);
	length -= start;
	while (length > 0 && isspace((unsigned char)text[length - 1]))
		text[--length] = '\0';
	if (text[0] == '[')
		check_section(l, text);
	else if (text[0] && !strchr(";#", text[0]) && *key_end(text) != '=' &&
		 *key_end(text) != ':')
		fail(l, "expected KEY = VALUE, a [section] or a comment, got '%s'",
		     text);
	return text;
}

/* Stores a value in the place the key names. Returns 0, or -1 with error. */
static int apply(struct cli_options *o, const struct scenario_key *key,
		 const char *value, char *error, size_t size)
{
	void *field = (char *)o + key->offset;
	int64_t number;
	if (key->type == KEY_PARSED)
		return key->parse(o, value, error, size);
	if (key->type == KEY_TEXT) {
		if (strlen(value) >= (size_t)key->high) {
			snprintf(error, size, "expected at most %d bytes (UTF-8: a"
				 " character outside ASCII takes 2 to 4)",
				 (int)key->high - 1);
			return -1;
		}
		snprintf(field, (size_t)key->high, "%s", value);
		return 0;
	}
	if (value_number(value, key->low, key->high, &number, error, size))
		return -1;
	switch (key->type) {
	case KEY_INT: *(int *)field = (int)number; break;
	case KEY_INT64: *(int64_t *)field = number; break;
	case KEY_UINT64: *(uint64_t *)field = (uint64_t)number; break;
	case KEY_LONG: *(long *)field = (long)number; break;
	default: return -1;
	}
	return 0;
}

/* libinih's handler: one KEY = VALUE of a section. */
static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct loader *l = user;
	char message[512], names[512];
	int k;
	if (!section[0])
		return fail(l, "'%s' comes before any section (expected a"
			    " [section] line first)", name);
	if (!section_exists(section))
		return fail(l, "key '%s' in unknown section [%s]", name, section);
	for (k = 0; k < KEY_COUNT; k++)
		if (strcmp(keys[k].section, section) == 0 &&
		    strcmp(keys[k].name, name) == 0)
			break;
	if (k == KEY_COUNT) {
		for (k = 0; k < KEY_COUNT; k++)
			if (strcmp(keys[k].name, name) == 0)
				return fail(l, "'%s' is a key of [%s], not of"
					    " [%s]", name, keys[k].section,
					    section);
		key_names(section, names, sizeof(names));
		return fail(l, "unknown key '%s' in [%s] (expected: %s)", name,
			    section, names);
	}
	if (l->set_on[k] && !keys[k].repeatable)
		return fail(l, "'%s' in [%s] is given twice (first on line %d;"
			    " only fault may repeat)", name, section,
			    l->set_on[k]);
	l->set_on[k] = l->line;
	if (apply(l->options, &keys[k], value, message, sizeof(message))) {
		int first = keys[k].parse == parse_fault ?
			fault_plan_clash(&l->options->config.plan, value) : -1;
		if (first >= 0) /* a fault of the file: on its line */
			return fail(l, "[%s] %s: %s; that fault is on line %d",
				    section, name, message,
				    l->options->fault_lines[first]);
		return fail(l, "[%s] %s: %s", section, name, message);
	}
	if (keys[k].parse == parse_fault) /* added last */
		l->options->fault_lines[l->options->config.plan.count - 1] =
			l->line;
	l->options->expect.given |= keys[k].expect;
	return 1;
}

int scenario_load(const char *path, struct cli_options *options, char *error,
		  size_t error_size)
{
	struct loader l = { .path = path, .options = options, .error = error,
			    .error_size = error_size };
	int rc;
	error[0] = '\0';
	l.file = fopen(path, "r");
	if (!l.file) {
		snprintf(error, error_size, "%s: cannot open the scenario file:"
			 " %s%s", path, strerror(errno), strcmp(path, "-") == 0 ?
			 " ('-' is a file's name here; /dev/stdin reads the"
			 " standard input)" : "");
		return -1;
	}
	rc = ini_parse_stream(read_line, &l, on_key, &l);
	fclose(l.file);
	if (l.read_errno) {
		snprintf(error, error_size, "%s: cannot read the scenario file:"
			 " %s", path, strerror(l.read_errno));
		return -1;
	}
	if (rc > 0 && (!l.error_line || rc < l.error_line)) {
		snprintf(error, error_size, "%s:%d: expected KEY = VALUE, a"
			 " [section] or a comment", path, rc);
		return -1;
	}
	if (rc < 0 || l.error_line) {
		if (!l.error_line)
			snprintf(error, error_size, "%s: cannot parse the"
				 " scenario file", path);
		return -1;
	}
	memcpy(options->scenario_lines, l.set_on, sizeof(l.set_on));
	return 0;
}

/* The index of key in keys, or -1. */
static int key_index(const char *key)
{
	for (int k = 0; k < KEY_COUNT; k++)
		if (strcmp(keys[k].name, key) == 0)
			return k;
	return -1;
}

/* scenario_lines: the line of a key the file gave, 0 when it did not,
 * -1 when an option overrode it. */
int scenario_line(const struct cli_options *options, const char *key)
{
	int k = key_index(key);
	return options->scenario && k >= 0 && options->scenario_lines[k] > 0 ?
	       options->scenario_lines[k] : 0;
}

void scenario_overridden(struct cli_options *options, const char *option)
{
	char key[64];
	int k;
	snprintf(key, sizeof(key), "%s", option);
	for (char *c = key; *c; c++)
		*c = *c == '-' ? '_' : *c;
	k = key_index(key);
	if (k >= 0)
		options->scenario_lines[k] = -1;
}

bool scenario_key_by_option(const struct cli_options *options,
			    const char *key)
{
	int k = key_index(key);
	return k >= 0 && options->scenario_lines[k] < 0;
}
