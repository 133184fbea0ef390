/*
 * values.c - parsing the values of settings (see values.h).
 */
#include "values.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "points.h"
#include "sale.h"
#include "variants.h"

int value_number(const char *text, int64_t low, int64_t high, int64_t *value,
		 char *error, size_t error_size)
{
	char *end;
	long long number;
	/* digits, after a '-' at most: strtoll would also take blanks and a
	 * '+' before them */
	bool digits = isdigit((unsigned char)text[text[0] == '-']);
	errno = 0;
	number = strtoll(text, &end, 10);
	if (!digits || errno || end == text || *end || number < low ||
	    number > high) {
		snprintf(error, error_size, "expected a whole number in %" PRId64
			 "..%" PRId64 ", got '%s'", low, high, text);
		return -1;
	}
	*value = number;
	return 0;
}

int value_bool(const char *text, bool *value, char *error, size_t error_size)
{
	if (strcmp(text, "true") && strcmp(text, "false")) {
		snprintf(error, error_size, "expected true or false, got '%s'",
			 text);
		return -1;
	}
	*value = strcmp(text, "true") == 0;
	return 0;
}

/* "crash, drop-request, ..., pause": every kind, for messages. */
static void kind_names(char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT && used < size; k++) {
		int n = snprintf(out + used, size - used, "%s%s",
				 k == FAULT_CRASH ? "" : ", ", fault_kind_name(k));
		if (n > 0)
			used += (size_t)n;
	}
}

int value_kinds(const char *text, unsigned *kinds, char *error,
		size_t error_size)
{
	char name[32], names[256];
	unsigned bits = 0, all = 0;
	bool first = true;
	kind_names(names, sizeof(names));
	for (int k = FAULT_NONE + 1; k < FAULT_KIND_COUNT; k++)
		all |= KIND_BIT(k);
	/* "all" is every kind; "-KIND" takes one out, of "all" when it comes
	 * first ("-redis-crash": every kind but that one). The text is read
	 * in place, whatever its length: nothing of it is cut off. */
	for (const char *at = text + strspn(text, ", "); *at;
	     at += strspn(at, ", "), first = false) {
		size_t length = strcspn(at, ", ");
		const char *word = at;
		enum fault_kind kind = FAULT_NONE;
		bool out = word[0] == '-';
		at += length;
		if (length < sizeof(name)) { /* longer is no kind's name */
			snprintf(name, sizeof(name), "%.*s", (int)length, word);
			kind = fault_kind_parse(name + out);
		}
		if (length < sizeof(name) && strcmp(name, "all") == 0) {
			bits = all;
			continue;
		}
		if (out && length < sizeof(name) && strcmp(name, "-all") == 0) {
			bits = 0; /* every kind out; those after it come in */
			continue;
		}
		if (out && length == 1) {
			snprintf(error, error_size, "expected a fault kind after"
				 " '-' (-KIND leaves that kind out, e.g."
				 " -redis-crash)");
			return -1;
		}
		if (kind == FAULT_NONE) {
			snprintf(error, error_size, "unknown fault kind '%.*s'"
				 " (expected a comma-separated list of: %s; all;"
				 " -KIND to leave one out)", (int)(length - out),
				 word + out, names);
			return -1;
		}
		if (out && first)
			bits = all;
		if (out)
			bits &= ~KIND_BIT(kind);
		else
			bits |= KIND_BIT(kind);
	}
	if (!bits) {
		snprintf(error, error_size, "expected a comma-separated list of"
			 " fault kinds (%s), got '%s'%s", names, text,
			 first ? "" : ": that leaves none");
		return -1;
	}
	*kinds = bits;
	return 0;
}

int value_mode(const char *text, enum explore_mode *mode, char *error,
	       size_t error_size)
{
	if (strcmp(text, "exhaustive") == 0)
		*mode = EXPLORE_EXHAUSTIVE;
	else if (strcmp(text, "pairs") == 0)
		*mode = EXPLORE_PAIRS;
	else if (strcmp(text, "random") == 0)
		*mode = EXPLORE_RANDOM;
	else if (strcmp(text, "recovery") == 0)
		*mode = EXPLORE_RECOVERY;
	else {
		snprintf(error, error_size, "expected exhaustive, pairs, random"
			 " or recovery, got '%s'", text);
		return -1;
	}
	return 0;
}

const char *value_mode_name(enum explore_mode mode)
{
	switch (mode) {
	case EXPLORE_EXHAUSTIVE: return "exhaustive";
	case EXPLORE_PAIRS: return "pairs";
	case EXPLORE_RANDOM: return "random";
	case EXPLORE_RECOVERY: return "recovery";
	}
	return "?";
}

int value_persistence(const char *text, enum redis_persistence *persistence,
		      char *error, size_t error_size)
{
	if (strcmp(text, "aof") == 0)
		*persistence = REDIS_PERSISTENCE_AOF;
	else if (strcmp(text, "aof-everysec") == 0)
		*persistence = REDIS_PERSISTENCE_AOF_EVERYSEC;
	else if (strcmp(text, "none") == 0)
		*persistence = REDIS_PERSISTENCE_NONE;
	else {
		snprintf(error, error_size, "expected aof, aof-everysec or none, got '%s'",
			 text);
		return -1;
	}
	return 0;
}

const char *value_persistence_name(enum redis_persistence persistence)
{
	switch (persistence) {
	case REDIS_PERSISTENCE_AOF: return "aof";
	case REDIS_PERSISTENCE_AOF_EVERYSEC: return "aof-everysec";
	case REDIS_PERSISTENCE_NONE: return "none";
	}
	return "?";
}

int value_variant(const char *text, enum variant_id *variant, char *error,
		  size_t error_size)
{
	char names[256];
	if (variant_find(text, variant))
		return 0;
	variant_names(names, sizeof(names));
	snprintf(error, error_size, "unknown variant '%s' (expected none, the"
		 " protocol, or one of: %s)", text, names);
	return -1;
}

int value_tag(const char *text, char *tag, char *error, size_t error_size)
{
	if (!sale_tag_valid(text)) {
		snprintf(error, error_size, "expected 1-31 letters, digits, '_',"
			 " '-' or '.', got '%s'", text);
		return -1;
	}
	snprintf(tag, TAG_MAX, "%s", text);
	return 0;
}
