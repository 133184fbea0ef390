/*
 * world.h - the simulator's internal state, shared by sim.c (phases, the
 * run) and driver.c (tasks, effects, messages, failure points). Not part
 * of the simulator's API: see sim.h.
 */
#ifndef FLASHSIM_WORLD_H
#define FLASHSIM_WORLD_H

#include "coord.h"
#include "flash.h"
#include "inject.h"
#include "queue.h"
#include "rng.h"
#include "sim.h"

enum actor_kind {
	ACTOR_USER,
	ACTOR_APP,
	ACTOR_COORD,
	ACTOR_ORDER,
};

struct actor {
	enum actor_kind kind;
	bool up;
	char name[24];
};

enum task_kind {
	TASK_USER,
	TASK_FLASH,
	TASK_BACKCHECK,
	TASK_COORD_CALL,
	TASK_CRON,
	TASK_ORDER,
};

/* A user, as a step machine: send the request, record the answer. */
struct user_machine {
	bool sent;
	uint64_t user;
	enum told told;
	struct effect effect;
};

struct task {
	bool used;
	bool orphaned;      /* its actor crashed while an effect was executing */
	bool executing;     /* an EXECUTE event is queued for it */
	bool awaiting;      /* waits for the reply to call number `call` */
	bool after_seen;    /* the "after" point of its effect was evaluated */
	uint32_t generation;
	uint32_t call;
	enum task_kind kind;
	int actor;
	bool has_reply_to;
	struct address reply_to;
	const struct effect *effect; /* the effect in flight */
	struct outcome outcome;      /* its outcome, for the RESUME event */
	int64_t answer_latency_ms;   /* the Redis answer's way back, drawn
					with the way there when the round
					trip decided the client's timeout;
					-1: drawn when it leaves Redis */
	union {
		struct user_machine user;
		struct flash_request flash;
		struct flash_backcheck backcheck;
		struct coord_call coord_call;
		struct coord_cron cron;
		struct order_handler order;
	} machine;
};

/* A Redis command not answered before its client's timeout (delayed by a
 * fault, or slower than the timeout): it executes later, whatever became
 * of the task that sent it. A run holds LATE_COMMANDS_MAX of them in
 * flight, and two more per task when a round trip to Redis can take longer
 * than the timeout (sim_redis_can_time_out). */
#define LATE_COMMANDS_MAX 256
struct late_command {
	bool used;
	int actor;
	enum step_id step;
	char gid[GID_MAX];
	struct redis_call call;
};

enum phase {
	PHASE_WORKLOAD,
	PHASE_RECOVERY,
	PHASE_DONE,
};

struct world {
	const struct sim_config *config;
	const struct sim_env *env;
	const struct variant *variant;
	struct sim_result *result;
	struct injector injector;
	struct rng rng;
	struct queue queue;
	int64_t now_ms;
	uint64_t sequence;
	enum phase phase;
	int64_t heal_ms;

	struct actor *actors;    /* users, then apps, coordinators, order */
	int actor_count;
	int first_app;
	int first_coord;
	int first_order;

	struct task *tasks;
	uint32_t task_capacity;
	uint32_t task_top;      /* slots below it have been taken at least
				   once; the others were never touched */
	uint32_t *free_tasks;   /* slots below task_top, free again */
	uint32_t free_count;

	struct late_command *late; /* late_allocated slots, grown on demand
				      up to late_capacity */
	uint32_t late_allocated;
	uint32_t late_capacity;
	uint32_t late_top;      /* slots below it have been taken at least
				   once; the others were never touched */
	uint32_t *free_late;    /* slots below late_top, free again */
	uint32_t free_late_count;

	uint8_t *answers;        /* by user index (user id - 1): bit
				    1 << told of each answer the user got */
	int requests_done;       /* of users * requests_per_user */
	uint64_t busy;           /* non-cron tasks + messages in flight */

	bool failed;
	char *error;
	size_t error_size;
};

/* driver.c */
void world_on_event(struct world *world, const struct event *event);
void world_schedule_arrival(struct world *world, int user, int64_t delay_ms);
void world_actor_start(struct world *world, int actor);
/* Adds a line to the trace; actor is a name ("sim", "app-1"). */
void world_note(struct world *world, bool highlight, const char *actor,
		const char *format, ...) __attribute__((format(printf, 4, 5)));
const char *world_actor_name(const struct world *world, int actor);

/* sim.c */
/* Whether a Redis command's round trip (each way at most
 * redis_latency_ms_max) can take longer than its client waits. */
bool sim_redis_can_time_out(const struct sim_config *config);
/* Doubles the late commands' table, up to late_capacity: 0, -1 when it
 * is full, -2 out of memory. */
int sim_late_grow(struct world *world);

/* Marks the run as failed with an internal error; returns -1. */
int world_fail(struct world *world, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

#endif
