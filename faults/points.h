/*
 * points.h - the failure points (faults/points.def) and the fault kinds.
 */
#ifndef FLASHSIM_POINTS_H
#define FLASHSIM_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "effect.h"

enum position {
	POSITION_BEFORE,        /* step: its effect is about to be performed */
	POSITION_AFTER,         /* step: its outcome came back, unseen */
	POSITION_BEFORE_COMMIT, /* order/create: inside the SQL transaction */
	POSITION_REQUEST,       /* network: a request is sent */
	POSITION_REPLY,         /* network: a reply is sent */
};

enum fault_kind {
	FAULT_NONE,
	FAULT_CRASH,              /* the actor crashes: volatile state lost */
	FAULT_DROP_REQUEST,       /* the request never arrives */
	FAULT_DROP_REPLY,         /* the reply never arrives: done, unknown */
	FAULT_DUPLICATE,          /* the message arrives twice */
	FAULT_DELAY,              /* the message (or Redis command) arrives after
	                             the caller gave up */
	FAULT_REDIS_REQUEST_LOST, /* the command never reaches Redis */
	FAULT_REDIS_REPLY_LOST,   /* Redis ran it, the answer is lost */
	FAULT_REDIS_CRASH,        /* the Redis server is killed and restarted */
	FAULT_PAUSE,              /* the step stalls past timeout-to-fail */
	FAULT_KIND_COUNT
};

#define KIND_BIT(kind) (1u << (kind))
#define KINDS_ACTOR (KIND_BIT(FAULT_CRASH) | KIND_BIT(FAULT_PAUSE))
#define KINDS_REDIS_BEFORE (KINDS_ACTOR | \
			    KIND_BIT(FAULT_REDIS_REQUEST_LOST) | \
			    KIND_BIT(FAULT_DELAY) | \
			    KIND_BIT(FAULT_REDIS_CRASH))
#define KINDS_REDIS_AFTER (KINDS_ACTOR | \
			   KIND_BIT(FAULT_REDIS_REPLY_LOST) | \
			   KIND_BIT(FAULT_REDIS_CRASH))
#define KINDS_NET_REQUEST (KIND_BIT(FAULT_DROP_REQUEST) | \
			   KIND_BIT(FAULT_DUPLICATE) | KIND_BIT(FAULT_DELAY))
#define KINDS_NET_REPLY (KIND_BIT(FAULT_DROP_REPLY) | \
			 KIND_BIT(FAULT_DUPLICATE) | KIND_BIT(FAULT_DELAY))

enum point_id {
#define POINT(id, name, where, position, kinds, description) id,
#include "points.def"
#undef POINT
	POINT_COUNT
};

struct point {
	const char *name;
	int where;              /* enum step_id, or enum method for network */
	enum position position;
	unsigned kinds;         /* KIND_BIT()s */
	const char *description;
};

const struct point *point_get(enum point_id point);
const char *point_name(enum point_id point);
/* The point of a step boundary (BEFORE, AFTER, BEFORE_COMMIT). */
enum point_id point_of_step(enum step_id step, enum position position);
/* The point of a message (REQUEST or REPLY). */
enum point_id point_of_message(enum method method, enum position position);
/* By name; false when there is no such point. */
bool point_find(const char *name, size_t length, enum point_id *point);
bool point_allows(enum point_id point, enum fault_kind kind);

const char *fault_kind_name(enum fault_kind kind);
/* By name; FAULT_NONE when unknown. */
enum fault_kind fault_kind_parse(const char *name);
/* The applicable kinds of a point as "crash, redis-reply-lost, ...". */
void point_kinds_text(enum point_id point, char *out, size_t size);

#endif
