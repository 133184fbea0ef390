/*
 * driver.c - the simulator's driver: tasks, their effects, messages, and
 * the failure points.
 *
 * This is the one place where the machines' effects are performed, so it
 * is the one place where failure points are evaluated: before every effect
 * and after every outcome (step points), inside the order service's SQL
 * transaction (before_commit), and at every message sent (network points).
 * No boundary of any machine can be missed.
 */
#include "world.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Steps a task may take in one instant (REPLY effects continue at once). */
#define TASK_STEPS_PER_INSTANT 8

static void task_run(struct world *world, uint32_t slot,
		     const struct outcome *last);

/* ---- trace ------------------------------------------------------------- */

static void note_event(struct world *world, bool highlight, const char *actor,
		       const char *step, const char *gid, const char *fault,
		       const char *format, va_list args)
{
	char detail[400];
	struct trace_event event;
	vsnprintf(detail, sizeof(detail), format, args);
	event.time_ms = world->now_ms;
	event.actor = actor;
	event.step = step ? step : "";
	event.gid = gid ? gid : "";
	event.detail = detail;
	event.fault = fault ? fault : "";
	event.highlight = highlight;
	trace_event(world->env->trace, &event);
}

/* A step event: step and gid in their own columns. */
static void note_step(struct world *world, bool highlight, const char *actor,
		      const char *step, const char *gid, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

static void note_step(struct world *world, bool highlight, const char *actor,
		      const char *step, const char *gid, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	note_event(world, highlight, actor, step, gid, NULL, format, args);
	va_end(args);
}

void world_note(struct world *world, bool highlight, const char *actor,
		const char *format, ...)
{
	va_list args;
	va_start(args, format);
	note_event(world, highlight, actor, NULL, NULL, NULL, format, args);
	va_end(args);
}

const char *world_actor_name(const struct world *world, int actor)
{
	return world->actors[actor].name;
}

/* ---- events ------------------------------------------------------------ */

static void schedule(struct world *world, struct event *event, int64_t delay_ms)
{
	assert(delay_ms >= 0);
	event->time_ms = world->now_ms + delay_ms;
	event->tie_break = rng_next(&world->rng);
	event->sequence = world->sequence++;
	if (queue_push(&world->queue, event) != 0)
		world_fail(world, "event queue full (%zu events)",
			   world->queue.capacity);
}

static struct address task_address(const struct world *world, uint32_t slot)
{
	const struct task *task = &world->tasks[slot];
	struct address address = { slot, task->generation, task->call,
				   task->actor };
	return address;
}

static void schedule_task(struct world *world, enum event_kind kind,
			  uint32_t slot, int64_t delay_ms)
{
	struct event event;
	memset(&event, 0, sizeof(event));
	event.kind = kind;
	event.target = task_address(world, slot);
	schedule(world, &event, delay_ms);
}

void world_schedule_arrival(struct world *world, int user, int64_t delay_ms)
{
	struct event event;
	memset(&event, 0, sizeof(event));
	event.kind = EVENT_ARRIVE;
	event.actor = user;
	schedule(world, &event, delay_ms);
}

/* The task an event is for, or NULL when it is gone. */
static struct task *event_task(struct world *world, const struct address *a)
{
	struct task *task;
	if (a->task >= world->task_top)
		return NULL;
	task = &world->tasks[a->task];
	if (!task->used || task->generation != a->generation)
		return NULL;
	return task;
}

/* ---- tasks ------------------------------------------------------------- */

static const char *task_gid(const struct task *task)
{
	switch (task->kind) {
	case TASK_USER: return task->machine.user.effect.call.message.gid;
	case TASK_FLASH: return task->machine.flash.gid;
	case TASK_BACKCHECK: return task->machine.backcheck.request.gid;
	case TASK_COORD_CALL: return task->machine.coord_call.request.gid;
	case TASK_CRON:
		/* Between transactions the loop works on none. */
		return task->machine.cron.state == COORD_CRON_LOCKING ||
		       task->machine.cron.state == COORD_CRON_IDLE ?
		       "" : task->machine.cron.txn.gid;
	case TASK_ORDER: return task->machine.order.request.gid;
	}
	return "";
}

static int task_new(struct world *world, enum task_kind kind, int actor,
		    uint32_t *slot)
{
	struct task *task;
	uint32_t generation;
	if (world->free_count > 0) {
		*slot = world->free_tasks[--world->free_count];
	} else if (world->task_top < world->task_capacity) {
		/* A slot never taken: the table is not cleared up front (a
		 * big sale's table is hundreds of megabytes, and touching it
		 * all cost a page fault per page before the first event). */
		*slot = world->task_top++;
		world->tasks[*slot].used = false;
		world->tasks[*slot].generation = 0;
	} else {
		return world_fail(world, "task table full (%" PRIu32 " tasks)",
				  world->task_capacity);
	}
	task = &world->tasks[*slot];
	assert(!task->used);
	generation = task->generation;
	memset(task, 0, sizeof(*task));
	task->generation = generation;
	task->used = true;
	task->kind = kind;
	task->actor = actor;
	if (kind != TASK_CRON)
		world->busy++;
	return 0;
}

static void task_free(struct world *world, uint32_t slot)
{
	struct task *task = &world->tasks[slot];
	assert(task->used);
	if (task->kind != TASK_CRON) {
		assert(world->busy > 0);
		world->busy--;
	}
	task->used = false;
	task->generation++;
	world->free_tasks[world->free_count++] = slot;
}

static const struct effect *user_step(struct world *world, struct task *task,
				      const struct outcome *last)
{
	struct user_machine *user = &task->machine.user;
	struct effect *effect = &user->effect;
	if (!user->sent) {
		char gid[GID_MAX];
		user->sent = true;
		sale_gid(&world->config->sale, user->user, gid);
		return effect_call_init(effect, STEP_USER_BUY, SERVICE_APP,
					METHOD_BUY,
					world->config->sale.activity,
					user->user, gid);
	}
	user->told = last->result == RESULT_OK ? TOLD_SUCCESS :
		     last->result == RESULT_FAILED ? TOLD_REJECTED :
						     TOLD_UNKNOWN;
	/* Every answer is kept: each must be true, so a buyer's second
	 * request told "rejected" is a violation (check.h, told_best). */
	world->answers[user->user - 1] |= (uint8_t)(1u << user->told);
	world->requests_done++;
	note_step(world, user->told == TOLD_UNKNOWN, world_actor_name(world, task->actor),
		  "", effect->call.message.gid, "told %s", told_name(user->told));
	effect->kind = EFFECT_DONE;
	return effect;
}

static const struct effect *task_step(struct world *world, struct task *task,
				      const struct outcome *last)
{
	switch (task->kind) {
	case TASK_USER:
		return user_step(world, task, last);
	case TASK_FLASH:
		return world->variant->request_step ?
		       world->variant->request_step(&task->machine.flash, last) :
		       flash_request_step(&task->machine.flash, last);
	case TASK_BACKCHECK:
		return world->variant->backcheck_step ?
		       world->variant->backcheck_step(&task->machine.backcheck,
						      last) :
		       flash_backcheck_step(&task->machine.backcheck, last);
	case TASK_COORD_CALL:
		return coord_call_step(&task->machine.coord_call, last,
				       world->now_ms);
	case TASK_CRON:
		return coord_cron_step(&task->machine.cron, last, world->now_ms);
	case TASK_ORDER:
		return order_handler_step(&task->machine.order, last,
					  world->now_ms);
	}
	assert(!"invalid task kind");
	return NULL;
}

/* ---- crashes ----------------------------------------------------------- */

static void actor_crash(struct world *world, int actor)
{
	struct event restart;
	assert(world->actors[actor].kind != ACTOR_USER);
	assert(world->actors[actor].up);
	world->actors[actor].up = false;
	world->result->crashes++;
	for (uint32_t slot = 0; slot < world->task_top; slot++) {
		struct task *task = &world->tasks[slot];
		if (!task->used || task->actor != actor || task->orphaned)
			continue;
		if (task->executing)
			task->orphaned = true; /* freed when the effect lands */
		else
			task_free(world, slot);
	}
	world_note(world, true, world_actor_name(world, actor),
		   "CRASH: volatile state, calls and timers lost");
	memset(&restart, 0, sizeof(restart));
	restart.kind = EVENT_RESTART;
	restart.actor = actor;
	schedule(world, &restart, world->config->restart_delay_ms);
}

static int redis_crash(struct world *world)
{
	char error[256];
	const struct sim_env *env = world->env;
	if (!env->redis_restart)
		return world_fail(world, "the redis-crash fault needs a Redis"
				  " that flashsim started (not --redis)");
	world_note(world, true, "redis", "CRASH: redis-server killed (SIGKILL),"
		   " %s", env->redis_restart_keeps ? env->redis_restart_keeps :
		   "restarting");
	if (env->redis_restart(env->redis_restart_context, error,
			       sizeof(error)) != 0)
		return world_fail(world, "restarting Redis: %s", error);
	world->result->redis_crashes++;
	world_note(world, true, "redis", "RESTART: redis-server is back");
	return 0;
}

static void note_fault(struct world *world, const char *actor,
		       enum point_id point, const char *gid, const char *fault,
		       enum fault_kind kind)
{
	char detail[64];
	struct trace_event event;
	snprintf(detail, sizeof(detail), "FAULT %s", fault_kind_name(kind));
	event.time_ms = world->now_ms;
	event.actor = actor;
	event.step = point_name(point);
	event.gid = gid;
	event.detail = detail;
	event.fault = fault;
	event.highlight = true;
	trace_event(world->env->trace, &event);
}

/* The driver reached a failure point: returns the fault to inject, after
 * tracing it. */
static enum fault_kind reach(struct world *world, enum point_id point,
			     const char *actor, const char *gid)
{
	enum fault_kind kind;
	char fault[96];
	if (point >= POINT_COUNT)
		return FAULT_NONE; /* a user's step: users do not fail */
	kind = injector_at(&world->injector, point);
	if (kind == FAULT_NONE)
		return kind;
	fault_format(&world->injector.fired.faults[world->injector.fired.count - 1],
		     fault, sizeof(fault));
	note_fault(world, actor, point, gid, fault, kind);
	return kind;
}

/* ---- messages ---------------------------------------------------------- */

static int pick_instance(struct world *world, enum service service)
{
	int first, count, up = 0, chosen;
	switch (service) {
	case SERVICE_APP:
		first = world->first_app;
		count = world->config->apps;
		break;
	case SERVICE_COORD:
		first = world->first_coord;
		count = world->config->coordinators;
		break;
	default:
		first = world->first_order;
		count = 1;
		break;
	}
	for (int i = 0; i < count; i++)
		up += world->actors[first + i].up;
	if (up == 0)
		return -1;
	chosen = (int)rng_below(&world->rng, (uint64_t)up);
	for (int i = 0; i < count; i++)
		if (world->actors[first + i].up && chosen-- == 0)
			return first + i;
	return -1;
}

static int64_t network_latency(struct world *world)
{
	return rng_range(&world->rng, world->config->latency_ms_min,
			 world->config->latency_ms_max);
}

/* Puts a message on the network, through its failure point: dropped,
 * delivered twice, or delayed past every timeout. */
static void transmit(struct world *world, struct event *event,
		     enum fault_kind kind, const char *sender)
{
	int64_t late_ms = world->config->user_timeout_ms +
			  world->config->call_timeout_ms;
	int copies = kind == FAULT_DUPLICATE ? 2 : 1;
	if (kind == FAULT_DROP_REQUEST || kind == FAULT_DROP_REPLY) {
		note_step(world, false, sender, "", event->message.gid,
			  "%s %s lost on the network",
			  method_name(event->message.method),
			  event->is_reply ? "reply" : "request");
		return;
	}
	for (int i = 0; i < copies; i++) {
		struct event copy = *event;
		world->busy++;
		schedule(world, &copy, network_latency(world) +
				       (kind == FAULT_DELAY ? late_ms : 0));
	}
}

static void send_request(struct world *world, uint32_t slot,
			 const struct effect *effect)
{
	struct task *task = &world->tasks[slot];
	const char *sender = world_actor_name(world, task->actor);
	const struct message *message = &effect->call.message;
	struct event event;
	enum fault_kind kind;
	int target;
	int64_t timeout = effect->step == STEP_USER_BUY ?
			  world->config->user_timeout_ms :
			  world->config->call_timeout_ms;
	task->call++;
	task->awaiting = true;
	schedule_task(world, EVENT_TIMEOUT, slot, timeout);
	kind = reach(world, point_of_message(message->method, POSITION_REQUEST),
		     sender, message->gid);
	target = pick_instance(world, effect->call.to);
	if (target < 0) {
		note_step(world, false, sender, step_name(effect->step),
			  message->gid, "no instance up, request lost");
		return;
	}
	note_step(world, false, sender, step_name(effect->step), message->gid,
		  "-> %s %s", world_actor_name(world, target),
		  method_name(message->method));
	memset(&event, 0, sizeof(event));
	event.kind = EVENT_DELIVER;
	event.actor = target;
	event.reply_to = task_address(world, slot);
	event.message = *message;
	transmit(world, &event, kind, sender);
}

static void send_reply(struct world *world, struct task *task,
		       const struct effect *effect)
{
	const char *sender = world_actor_name(world, task->actor);
	struct event event;
	enum fault_kind kind;
	kind = reach(world, point_of_message(effect->reply.method, POSITION_REPLY),
		     sender, effect->reply.gid);
	note_step(world, false, sender, step_name(effect->step),
		  effect->reply.gid, "-> %s %s/%s",
		  world_actor_name(world, task->reply_to.actor),
		  result_name(effect->reply.result),
		  code_name(effect->reply.code));
	memset(&event, 0, sizeof(event));
	event.kind = EVENT_DELIVER;
	event.is_reply = true;
	event.actor = task->reply_to.actor;
	event.target = task->reply_to;
	event.message = effect->reply;
	transmit(world, &event, kind, sender);
}

/* ---- the driver -------------------------------------------------------- */

/* One way to Redis or SQLite, drawn from the seed. */
static int64_t redis_latency(struct world *world)
{
	return rng_range(&world->rng, world->config->redis_latency_ms_min,
			 world->config->redis_latency_ms_max);
}

/* A Redis command that is not answered before its client's timeout: the
 * command still reaches Redis, after arrive_ms, and runs there, whatever
 * became of the task that sent it; nobody reads its answer. */
static int send_late(struct world *world, uint32_t slot, int64_t arrive_ms)
{
	struct task *task = &world->tasks[slot];
	struct event event;
	uint32_t free_slot;
	int grown = 0;
	if (world->free_late_count > 0) {
		free_slot = world->free_late[--world->free_late_count];
	} else if (world->late_top < world->late_allocated ||
		   (grown = sim_late_grow(world)) == 0) {
		free_slot = world->late_top++;
	} else if (grown == -2) {
		return world_fail(world, "out of memory for the Redis commands"
				  " in flight past their client's timeout");
	} else {
		return world_fail(world, "more than %" PRIu32 " Redis commands"
				  " in flight past their client's timeout",
				  world->late_capacity);
	}
	world->late[free_slot] = (struct late_command){
		true, task->actor, task->effect->step, "", task->effect->redis };
	snprintf(world->late[free_slot].gid, GID_MAX, "%s", task_gid(task));
	memset(&event, 0, sizeof(event));
	event.kind = EVENT_LATE_COMMAND;
	event.actor = (int)free_slot;
	world->busy++;
	schedule(world, &event, arrive_ms);
	return 0;
}

static void on_late_command(struct world *world, const struct event *event)
{
	struct late_command *late = &world->late[event->actor];
	struct outcome outcome;
	assert((uint32_t)event->actor < world->late_top);
	assert(late->used);
	assert(world->busy > 0);
	world->busy--;
	late->used = false;
	world->free_late[world->free_late_count++] = (uint32_t)event->actor;
	if (redis_run(world->env->redis, &late->call, &outcome) != 0) {
		world_fail(world, "%s", world->env->redis->error);
		return;
	}
	note_step(world, true, world_actor_name(world, late->actor),
		  step_name(late->step), late->gid,
		  "= %s (arrived late; nobody reads the answer)",
		  code_name(outcome.code));
}

/* The client gets no answer in time: it gives up after its timeout and
 * goes on with UNKNOWN. slow_ms > 0: the round trip it would have taken,
 * for the trace. */
static void give_up(struct world *world, uint32_t slot, int64_t slow_ms)
{
	struct task *task = &world->tasks[slot];
	char why[64] = "";
	if (slow_ms > 0)
		snprintf(why, sizeof(why), " (the round trip takes %" PRId64
			 " ms)", slow_ms);
	note_step(world, false, world_actor_name(world, task->actor),
		  step_name(task->effect->step), task_gid(task),
		  "no answer: the client gives up after %" PRId64 " ms%s",
		  world->config->redis_timeout_ms, why);
	task->outcome = outcome_unknown();
	schedule_task(world, EVENT_RESUME, slot,
		      world->config->redis_timeout_ms);
}

/* A Redis or SQL effect leaves for its server, unless the failure point
 * before it says otherwise. A Redis command whose round trip is longer
 * than the client's timeout takes the path of the delay fault: the client
 * gives up, the command runs when it arrives. An SQL transaction has no
 * timeout of its own (SQLite runs in the order service's process). */
static void perform(struct world *world, uint32_t slot, enum fault_kind kind)
{
	struct task *task = &world->tasks[slot];
	const struct sim_config *config = world->config;
	int64_t there_ms, back_ms = -1;
	if (kind == FAULT_REDIS_CRASH && redis_crash(world) != 0)
		return;
	if (kind == FAULT_DELAY) {
		/* Just after the client's timeout and whatever it does at
		 * once then: the "slow local transaction" race. */
		if (send_late(world, slot, config->redis_timeout_ms +
					   2 * config->redis_latency_ms_max +
					   1) == 0)
			give_up(world, slot, 0);
		return;
	}
	if (kind == FAULT_REDIS_REQUEST_LOST || kind == FAULT_REDIS_CRASH) {
		give_up(world, slot, 0);
		return;
	}
	/* The way back is drawn with the way there only when the round trip
	 * can decide the timeout; otherwise when the answer leaves Redis, so
	 * the default timing, which never times out, draws what it always
	 * drew. */
	there_ms = redis_latency(world);
	if (task->effect->kind == EFFECT_REDIS &&
	    sim_redis_can_time_out(config)) {
		back_ms = redis_latency(world);
		if (there_ms + back_ms > config->redis_timeout_ms) {
			if (send_late(world, slot, there_ms) == 0)
				give_up(world, slot, there_ms + back_ms);
			return;
		}
	}
	task->answer_latency_ms = back_ms;
	task->executing = true;
	schedule_task(world, EVENT_EXECUTE, slot, there_ms);
}

/* A pause lasts long enough for the coordinator to give up on the
 * transaction and backcheck it: the "slow local transaction" case. */
static int64_t pause_ms(const struct world *world)
{
	const struct sale *sale = &world->config->sale;
	return sale->timeout_to_fail_ms + sale->retry_interval_ms_max +
	       2 * sale->cron_interval_ms;
}

/* Performs the task's effect (kind: the fault of its "before" point).
 * Returns true when the machine steps again at once (after a REPLY). */
static bool dispatch(struct world *world, uint32_t slot, enum fault_kind kind)
{
	struct task *task = &world->tasks[slot];
	const struct effect *effect = task->effect;
	switch (effect->kind) {
	case EFFECT_REDIS:
	case EFFECT_SQL:
		perform(world, slot, kind);
		return false;
	case EFFECT_CALL:
		send_request(world, slot, effect);
		return false;
	case EFFECT_WAIT:
		task->outcome = outcome_make(RESULT_OK, CODE_NONE);
		schedule_task(world, EVENT_RESUME, slot, effect->wait_ms);
		return false;
	case EFFECT_REPLY:
		if (task->has_reply_to)
			send_reply(world, task, effect);
		kind = reach(world, point_of_step(effect->step, POSITION_AFTER),
			     world_actor_name(world, task->actor), task_gid(task));
		if (kind == FAULT_CRASH) {
			actor_crash(world, task->actor);
			return false;
		}
		if (kind == FAULT_PAUSE) {
			task->outcome = outcome_make(RESULT_OK, CODE_NONE);
			task->after_seen = true;
			schedule_task(world, EVENT_RESUME, slot, pause_ms(world));
			return false;
		}
		return true;
	case EFFECT_DONE:
		break;
	}
	return false;
}

/* Steps a task until it waits for something; last is the outcome of its
 * previous effect (NULL for a new task). */
static void task_run(struct world *world, uint32_t slot,
		     const struct outcome *last)
{
	struct outcome sent = outcome_make(RESULT_OK, CODE_NONE);
	for (int i = 0; i < TASK_STEPS_PER_INSTANT; i++) {
		struct task *task = &world->tasks[slot];
		const struct effect *effect = task_step(world, task, last);
		enum fault_kind kind;
		world->result->steps++;
		if (effect->kind == EFFECT_DONE) {
			task_free(world, slot);
			return;
		}
		kind = reach(world, point_of_step(effect->step, POSITION_BEFORE),
			     world_actor_name(world, task->actor), task_gid(task));
		if (kind == FAULT_CRASH) {
			actor_crash(world, task->actor);
			return;
		}
		task->effect = effect;
		task->after_seen = false;
		if (kind == FAULT_PAUSE) {
			schedule_task(world, EVENT_CONTINUE, slot, pause_ms(world));
			return;
		}
		if (!dispatch(world, slot, kind))
			return;
		last = &sent;
	}
	world_fail(world, "task of %s took more than %d steps in one instant",
		   world_actor_name(world, world->tasks[slot].actor),
		   TASK_STEPS_PER_INSTANT);
}

/* A paused task performs its effect at last. */
static void task_continue(struct world *world, uint32_t slot)
{
	struct outcome sent = outcome_make(RESULT_OK, CODE_NONE);
	if (dispatch(world, slot, FAULT_NONE))
		task_run(world, slot, &sent);
}

/* An outcome has come back to a live task: the "after" point, then the
 * machine's next step. A reply lost there reaches the machine as UNKNOWN
 * once the client's timeout has passed. */
static void task_resume(struct world *world, uint32_t slot)
{
	struct task *task = &world->tasks[slot];
	if (!task->after_seen) {
		enum fault_kind kind = reach(
			world, point_of_step(task->effect->step, POSITION_AFTER),
			world_actor_name(world, task->actor), task_gid(task));
		task->after_seen = true;
		if (kind == FAULT_CRASH) {
			actor_crash(world, task->actor);
			return;
		}
		if (kind == FAULT_REDIS_CRASH && redis_crash(world) != 0)
			return;
		if (kind == FAULT_REDIS_REPLY_LOST || kind == FAULT_REDIS_CRASH) {
			note_step(world, false, world_actor_name(world, task->actor),
				  step_name(task->effect->step), task_gid(task),
				  "answer lost: the client gives up after %" PRId64
				  " ms", world->config->redis_timeout_ms);
			task->outcome = outcome_unknown();
			schedule_task(world, EVENT_RESUME, slot,
				      world->config->redis_timeout_ms);
			return;
		}
		if (kind == FAULT_PAUSE) {
			schedule_task(world, EVENT_RESUME, slot, pause_ms(world));
			return;
		}
	}
	task_run(world, slot, &task->outcome);
}

/* The coordinator's recovery is what a reader wants to see: every cron
 * step that works on a transaction is a highlight. */
static bool highlighted(const struct task *task, const struct outcome *outcome)
{
	return task->kind == TASK_CRON &&
	       (task->effect->step != STEP_COORD_LOCK ||
		outcome->code == CODE_LOCKED);
}

static void trace_execute(struct world *world, const struct task *task)
{
	const struct effect *effect = task->effect;
	const struct outcome *outcome = &task->outcome;
	const char *actor = world_actor_name(world, task->actor);
	bool highlight = highlighted(task, outcome);
	if (outcome->code == CODE_LOCKED) {
		note_step(world, highlight, actor, step_name(effect->step),
			  outcome->txn.gid, "= LOCKED (%s, attempt %d)",
			  txn_status_name(outcome->txn.status),
			  outcome->txn.attempts + 1);
		return;
	}
	/* What the answer says besides its code: the status it is about, or
	 * a barrier at work, shown among the highlights: the backcheck's
	 * marker (a late deduction will find it), a redelivery that found
	 * its order. */
	const char *aside = outcome->rollback_marked ? "rollback marker set" :
			    outcome->delivered_before ?
			    "delivered before: no order inserted" :
			    outcome->status ? txn_status_name(outcome->status) :
			    NULL;
	note_step(world, highlight || outcome->rollback_marked ||
		  outcome->delivered_before, actor, step_name(effect->step),
		  effect->kind == EFFECT_SQL ? effect->sql.gid : task_gid(task),
		  "= %s%s%s%s", code_name(outcome->code), aside ? " (" : "",
		  aside ? aside : "", aside ? ")" : "");
	if (task->kind == TASK_CRON && outcome->code == CODE_OK &&
	    (outcome->status == TXN_SUCCEEDED || outcome->status == TXN_FAILED))
		world->result->recovered++;
}

/* The order service's SQL transaction, with the failure point inside it:
 * a crash there runs the inserts, then rolls them back with the process.
 * Returns false when the order service crashed. */
static bool execute_sql(struct world *world, uint32_t slot)
{
	struct task *task = &world->tasks[slot];
	const struct sql_call *call = &task->effect->sql;
	const char *actor = world_actor_name(world, task->actor);
	enum fault_kind kind = reach(world, FP_ORDER_CREATE_BEFORE_COMMIT,
				     actor, call->gid);
	bool commit = kind != FAULT_CRASH;
	create_order_fn create_order = world->variant->create_order ?
				       world->variant->create_order :
				       order_db_create_order_ex;
	if (create_order(world->env->orders, call, commit, &task->outcome) != 0) {
		world_fail(world, "order database %s: %s",
			   order_db_file(world->env->orders),
			   world->env->orders->error);
		return false;
	}
	if (!commit) {
		note_step(world, true, actor, step_name(task->effect->step),
			  call->gid, "inserted, then rolled back by the crash");
		actor_crash(world, task->actor);
		return false;
	}
	return true;
}

static void on_execute(struct world *world, const struct event *event)
{
	struct task *task = event_task(world, &event->target);
	const struct effect *effect;
	assert(task);
	assert(task->executing);
	task->executing = false;
	effect = task->effect;
	if (effect->kind == EFFECT_SQL && task->orphaned) {
		note_step(world, false, world_actor_name(world, task->actor),
			  step_name(effect->step), effect->sql.gid,
			  "process gone, transaction never ran");
		task_free(world, event->target.task);
		return;
	}
	if (effect->kind == EFFECT_SQL) {
		if (!execute_sql(world, event->target.task))
			return;
	} else if (redis_run(world->env->redis, &effect->redis,
			     &task->outcome) != 0) {
		world_fail(world, "%s", world->env->redis->error);
		return;
	}
	trace_execute(world, task);
	if (task->orphaned) {
		task_free(world, event->target.task);
		return;
	}
	schedule_task(world, EVENT_RESUME, event->target.task,
		      task->answer_latency_ms >= 0 ? task->answer_latency_ms :
						     redis_latency(world));
}

static void start_handler(struct world *world, const struct event *event)
{
	const struct message *message = &event->message;
	const struct sale *sale = &world->config->sale;
	enum task_kind kind;
	uint32_t slot;
	struct task *task;
	switch (message->method) {
	case METHOD_BUY: kind = TASK_FLASH; break;
	case METHOD_BACKCHECK: kind = TASK_BACKCHECK; break;
	case METHOD_CREATE_ORDER: kind = TASK_ORDER; break;
	default: kind = TASK_COORD_CALL; break;
	}
	if (task_new(world, kind, event->actor, &slot) != 0)
		return;
	task = &world->tasks[slot];
	task->has_reply_to = true;
	task->reply_to = event->reply_to;
	switch (kind) {
	case TASK_FLASH:
		flash_request_init(&task->machine.flash, sale, message->user);
		break;
	case TASK_BACKCHECK:
		flash_backcheck_init(&task->machine.backcheck, sale, message);
		break;
	case TASK_ORDER:
		order_handler_init(&task->machine.order, message);
		break;
	default:
		coord_call_init(&task->machine.coord_call, sale, message);
		break;
	}
	task_run(world, slot, NULL);
}

static void on_deliver(struct world *world, const struct event *event)
{
	const char *receiver = world_actor_name(world, event->actor);
	struct task *task;
	assert(world->busy > 0);
	world->busy--;
	if (!world->actors[event->actor].up) {
		note_step(world, false, receiver, "", event->message.gid,
			  "%s %s: actor down, message lost",
			  method_name(event->message.method),
			  event->is_reply ? "reply" : "request");
		return;
	}
	if (!event->is_reply) {
		start_handler(world, event);
		return;
	}
	task = event_task(world, &event->target);
	if (!task || task->orphaned || !task->awaiting ||
	    task->call != event->target.call) {
		note_step(world, false, receiver, "", event->message.gid,
			  "%s reply: caller no longer waits, dropped",
			  method_name(event->message.method));
		return;
	}
	task->awaiting = false;
	task->outcome = outcome_make(event->message.result, event->message.code);
	note_step(world, highlighted(task, &task->outcome), receiver,
		  step_name(task->effect->step), event->message.gid,
		  "<- %s/%s", result_name(task->outcome.result),
		  code_name(task->outcome.code));
	task_resume(world, event->target.task);
}

static void on_timeout(struct world *world, const struct event *event)
{
	struct task *task = event_task(world, &event->target);
	if (!task || task->orphaned || !task->awaiting ||
	    task->call != event->target.call)
		return;
	task->awaiting = false;
	task->outcome = outcome_unknown();
	note_step(world, highlighted(task, &task->outcome),
		  world_actor_name(world, task->actor),
		  step_name(task->effect->step), task_gid(task), "<- timeout");
	task_resume(world, event->target.task);
}

void world_actor_start(struct world *world, int actor)
{
	uint32_t slot = 0; /* task_new sets it when it returns 0 */
	world->actors[actor].up = true;
	if (world->actors[actor].kind != ACTOR_COORD)
		return;
	if (task_new(world, TASK_CRON, actor, &slot) != 0)
		return;
	coord_cron_init(&world->tasks[slot].machine.cron, &world->config->sale);
	task_run(world, slot, NULL);
}

static void on_restart(struct world *world, const struct event *event)
{
	if (world->actors[event->actor].up)
		return; /* already restarted at heal */
	world_note(world, true, world_actor_name(world, event->actor), "RESTART");
	world_actor_start(world, event->actor);
}

static void on_arrive(struct world *world, const struct event *event)
{
	uint32_t slot;
	if (task_new(world, TASK_USER, event->actor, &slot) != 0)
		return;
	world->tasks[slot].machine.user.user = (uint64_t)event->actor + 1;
	task_run(world, slot, NULL);
}

void world_on_event(struct world *world, const struct event *event)
{
	struct task *task;
	switch (event->kind) {
	case EVENT_ARRIVE:
		on_arrive(world, event);
		return;
	case EVENT_EXECUTE:
		on_execute(world, event);
		return;
	case EVENT_RESUME:
		task = event_task(world, &event->target);
		if (task && !task->orphaned)
			task_resume(world, event->target.task);
		return;
	case EVENT_DELIVER:
		on_deliver(world, event);
		return;
	case EVENT_TIMEOUT:
		on_timeout(world, event);
		return;
	case EVENT_RESTART:
		on_restart(world, event);
		return;
	case EVENT_LATE_COMMAND:
		on_late_command(world, event);
		return;
	case EVENT_CONTINUE:
		task = event_task(world, &event->target);
		if (task && !task->orphaned)
			task_continue(world, event->target.task);
		return;
	}
}
