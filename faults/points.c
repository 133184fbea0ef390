/*
 * points.c - the table of failure points and its lookups (see points.h).
 */
#include "points.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static const struct point points[POINT_COUNT] = {
#define POINT(id, name, where, position, kinds, description) \
	[id] = { name, where, position, kinds, description },
#include "points.def"
#undef POINT
};

static const char *const kind_names[FAULT_KIND_COUNT] = {
	[FAULT_NONE] = "none",
	[FAULT_CRASH] = "crash",
	[FAULT_DROP_REQUEST] = "drop-request",
	[FAULT_DROP_REPLY] = "drop-reply",
	[FAULT_DUPLICATE] = "duplicate",
	[FAULT_DELAY] = "delay",
	[FAULT_REDIS_REQUEST_LOST] = "redis-request-lost",
	[FAULT_REDIS_REPLY_LOST] = "redis-reply-lost",
	[FAULT_REDIS_CRASH] = "redis-crash",
	[FAULT_PAUSE] = "pause",
};

/* Lookups by step and by message, filled on first use. */
static enum point_id by_step[STEP_COUNT][POSITION_BEFORE_COMMIT + 1];
static enum point_id by_message[METHOD_COUNT][2];
static bool indexed;

static void index_points(void)
{
	if (indexed)
		return;
	for (int s = 0; s < STEP_COUNT; s++)
		for (int p = 0; p <= POSITION_BEFORE_COMMIT; p++)
			by_step[s][p] = POINT_COUNT;
	for (int m = 0; m < METHOD_COUNT; m++)
		by_message[m][0] = by_message[m][1] = POINT_COUNT;
	for (int i = 0; i < POINT_COUNT; i++) {
		const struct point *point = &points[i];
		if (point->position <= POSITION_BEFORE_COMMIT)
			by_step[point->where][point->position] = i;
		else
			by_message[point->where]
				  [point->position == POSITION_REPLY] = i;
	}
	indexed = true;
}

const struct point *point_get(enum point_id point)
{
	assert(point < POINT_COUNT);
	return &points[point];
}

const char *point_name(enum point_id point)
{
	return point_get(point)->name;
}

enum point_id point_of_step(enum step_id step, enum position position)
{
	assert(step < STEP_COUNT);
	assert(position <= POSITION_BEFORE_COMMIT);
	index_points();
	return by_step[step][position];
}

enum point_id point_of_message(enum method method, enum position position)
{
	assert(method < METHOD_COUNT);
	assert(position == POSITION_REQUEST || position == POSITION_REPLY);
	index_points();
	return by_message[method][position == POSITION_REPLY];
}

bool point_find(const char *name, size_t length, enum point_id *point)
{
	for (int i = 0; i < POINT_COUNT; i++) {
		if (strlen(points[i].name) == length &&
		    strncmp(points[i].name, name, length) == 0) {
			*point = i;
			return true;
		}
	}
	return false;
}

bool point_allows(enum point_id point, enum fault_kind kind)
{
	return kind != FAULT_NONE && kind < FAULT_KIND_COUNT &&
	       (point_get(point)->kinds & KIND_BIT(kind)) != 0;
}

const char *fault_kind_name(enum fault_kind kind)
{
	assert(kind < FAULT_KIND_COUNT);
	return kind_names[kind];
}

enum fault_kind fault_kind_parse(const char *name)
{
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return FAULT_NONE;
}

void point_kinds_text(enum point_id point, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT && used < size; k++) {
		int n;
		if (!point_allows(point, k))
			continue;
		n = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
			     kind_names[k]);
		if (n > 0)
			used += (size_t)n;
	}
}
