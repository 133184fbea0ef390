/*
 * sim.c - the simulator's driver and the phases of a run (see sim.h).
 *
 * The driver is the one place where effects are performed. For every effect
 * of every task it evaluates the failure point before the effect and after
 * its outcome comes back (boundary()), so no step boundary can be missed.
 */
#include "world.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Steps a task may take in one instant (REPLY effects continue at once). */
#define TASK_STEPS_PER_INSTANT 8

void sim_config_defaults(struct sim_config *config)
{
	memset(config, 0, sizeof(*config));
	sale_defaults(&config->sale);
	config->seed = 1;
	config->users = 10;
	config->apps = 2;
	config->coordinators = 1;
	config->stock = 4;
	config->arrival_ms = 1000;
	config->latency_ms_min = 1;
	config->latency_ms_max = 5;
	config->redis_latency_ms_min = 0;
	config->redis_latency_ms_max = 1;
	config->call_timeout_ms = 500;
	config->user_timeout_ms = 3000;
	config->restart_delay_ms = 2000;
	config->recovery_bound_ms = 600000;
}

int sim_config_check(const struct sim_config *c, char *error, size_t size)
{
	const char *bad = NULL;
	if (c->users < 1 || c->users > 10000000)
		bad = "users must be between 1 and 10000000";
	else if (c->apps < 1 || c->apps > 64)
		bad = "apps must be between 1 and 64";
	else if (c->coordinators < 1 || c->coordinators > 64)
		bad = "coordinators must be between 1 and 64";
	else if (c->stock < 0)
		bad = "stock must be 0 or more";
	else if (c->arrival_ms < 0 || c->latency_ms_min < 0 ||
		 c->latency_ms_max < c->latency_ms_min ||
		 c->redis_latency_ms_min < 0 ||
		 c->redis_latency_ms_max < c->redis_latency_ms_min)
		bad = "latencies and arrival window must be 0 or more, min <= max";
	else if (c->call_timeout_ms < 1 || c->user_timeout_ms < 1 ||
		 c->restart_delay_ms < 0 || c->recovery_bound_ms < 1 ||
		 c->fault_window_ms < 0)
		bad = "timeouts and bounds must be positive";
	else if (c->sale.cron_interval_ms < 1 || c->sale.retry_interval_ms < 1 ||
		 c->sale.retry_interval_ms_max < c->sale.retry_interval_ms ||
		 c->sale.timeout_to_fail_ms < 1)
		bad = "cron interval, retry interval and timeout-to-fail must be positive,"
		      " retry cap >= retry interval";
	else if (!sale_tag_valid(c->sale.tag))
		bad = "tag must be 1-31 characters of letters, digits, '_', '-', '.'";
	if (bad)
		snprintf(error, size, "%s", bad);
	return bad ? -1 : 0;
}

int64_t sim_fault_window_ms(const struct sim_config *config)
{
	if (config->fault_window_ms > 0)
		return config->fault_window_ms;
	return config->arrival_ms + config->sale.timeout_to_fail_ms +
	       config->sale.retry_interval_ms_max +
	       2 * config->sale.cron_interval_ms;
}

const char *verdict_name(enum verdict verdict)
{
	switch (verdict) {
	case VERDICT_OK: return "ok";
	case VERDICT_VIOLATION: return "violation";
	case VERDICT_LIVENESS: return "liveness";
	}
	return "?";
}

int world_fail(struct world *world, const char *format, ...)
{
	va_list args;
	if (world->failed)
		return -1;
	world->failed = true;
	va_start(args, format);
	vsnprintf(world->error, world->error_size, format, args);
	va_end(args);
	return -1;
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

/* The task an event is for, or NULL when it is gone or no longer waits. */
static struct task *event_task(struct world *world, const struct address *a)
{
	struct task *task;
	if (a->task >= world->task_capacity)
		return NULL;
	task = &world->tasks[a->task];
	if (!task->used || task->generation != a->generation)
		return NULL;
	return task;
}

/* ---- tasks ------------------------------------------------------------- */

static const char *actor_name(const struct world *world, int actor)
{
	return world->actors[actor].name;
}

static const char *task_gid(const struct task *task)
{
	switch (task->kind) {
	case TASK_USER: return task->machine.user.effect.call.message.gid;
	case TASK_FLASH: return task->machine.flash.gid;
	case TASK_BACKCHECK: return task->machine.backcheck.request.gid;
	case TASK_COORD_CALL: return task->machine.coord_call.request.gid;
	case TASK_CRON: return task->machine.cron.txn.gid;
	case TASK_ORDER: return task->machine.order.request.gid;
	}
	return "";
}

static int task_new(struct world *world, enum task_kind kind, int actor,
		    uint32_t *slot)
{
	struct task *task;
	if (world->free_count == 0)
		return world_fail(world, "task table full (%" PRIu32 " tasks)",
				  world->task_capacity);
	*slot = world->free_tasks[--world->free_count];
	task = &world->tasks[*slot];
	assert(!task->used);
	uint32_t generation = task->generation;
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
		user->sent = true;
		memset(effect, 0, sizeof(*effect));
		effect->kind = EFFECT_CALL;
		effect->step = STEP_USER_BUY;
		effect->call.to = SERVICE_APP;
		effect->call.message.method = METHOD_BUY;
		effect->call.message.activity = world->config->sale.activity;
		effect->call.message.user = user->user;
		sale_gid(&world->config->sale, user->user,
			 effect->call.message.gid);
		return effect;
	}
	user->told = last->result == RESULT_OK ? TOLD_SUCCESS :
		     last->result == RESULT_FAILED ? TOLD_REJECTED :
						     TOLD_UNKNOWN;
	world->told[user->user - 1] = user->told;
	world->users_done++;
	trace_line(world->trace, user->told == TOLD_UNKNOWN, world->now_ms,
		   actor_name(world, task->actor), "told %s",
		   told_name(user->told));
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
		return flash_request_step(&task->machine.flash, last);
	case TASK_BACKCHECK:
		return flash_backcheck_step(&task->machine.backcheck, last);
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

/* ---- crash and restart ------------------------------------------------- */

static void actor_start(struct world *world, int actor);

static void actor_crash(struct world *world, int actor)
{
	struct event restart;
	assert(world->actors[actor].kind != ACTOR_USER);
	assert(world->actors[actor].up);
	world->actors[actor].up = false;
	world->result->crashes++;
	for (uint32_t slot = 0; slot < world->task_capacity; slot++) {
		struct task *task = &world->tasks[slot];
		if (!task->used || task->actor != actor || task->orphaned)
			continue;
		if (task->executing)
			task->orphaned = true; /* freed when the effect lands */
		else
			task_free(world, slot);
	}
	trace_line(world->trace, true, world->now_ms, actor_name(world, actor),
		   "CRASH: volatile state, calls and timers lost");
	memset(&restart, 0, sizeof(restart));
	restart.kind = EVENT_RESTART;
	restart.actor = actor;
	schedule(world, &restart, world->config->restart_delay_ms);
}

/* Evaluates the failure point of a step boundary; true when the actor
 * crashed there (the task is gone). */
static bool boundary(struct world *world, struct task *task, enum step_id step,
		     enum position position)
{
	uint32_t hit = ++world->result->hits[step][position];
	enum fault_kind fault = FAULT_NONE;
	if (world->phase == PHASE_WORKLOAD)
		fault = fault_plan_at(&world->config->plan, step, position, hit);
	if (fault != FAULT_CRASH || task->kind == TASK_USER)
		return false;
	trace_line(world->trace, true, world->now_ms,
		   actor_name(world, task->actor), "fault %s/%s@%" PRIu32
		   ":crash %s%s%s", step_name(step), position_name(position), hit,
		   task_gid(task),
		   position == POSITION_AFTER ? ", unseen outcome " : "",
		   position == POSITION_AFTER ? code_name(task->outcome.code) : "");
	actor_crash(world, task->actor);
	return true;
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

static void send_request(struct world *world, uint32_t slot,
			 const struct effect *effect)
{
	struct task *task = &world->tasks[slot];
	struct event event;
	int target = pick_instance(world, effect->call.to);
	int64_t timeout = effect->step == STEP_USER_BUY ?
			  world->config->user_timeout_ms :
			  world->config->call_timeout_ms;
	task->call++;
	task->awaiting = true;
	schedule_task(world, EVENT_TIMEOUT, slot, timeout);
	if (target < 0) {
		trace_line(world->trace, false, world->now_ms,
			   actor_name(world, task->actor),
			   "%s %s: no instance up, request lost",
			   step_name(effect->step), effect->call.message.gid);
		return;
	}
	trace_line(world->trace, false, world->now_ms,
		   actor_name(world, task->actor), "%s %s -> %s %s",
		   step_name(effect->step), effect->call.message.gid,
		   actor_name(world, target),
		   method_name(effect->call.message.method));
	memset(&event, 0, sizeof(event));
	event.kind = EVENT_DELIVER;
	event.actor = target;
	event.reply_to = task_address(world, slot);
	event.message = effect->call.message;
	world->busy++;
	schedule(world, &event, network_latency(world));
}

static void send_reply(struct world *world, struct task *task,
		       const struct effect *effect)
{
	struct event event;
	trace_line(world->trace, false, world->now_ms,
		   actor_name(world, task->actor), "%s %s -> %s %s/%s",
		   step_name(effect->step), effect->reply.gid,
		   actor_name(world, task->reply_to.actor),
		   result_name(effect->reply.result),
		   code_name(effect->reply.code));
	memset(&event, 0, sizeof(event));
	event.kind = EVENT_DELIVER;
	event.is_reply = true;
	event.actor = task->reply_to.actor;
	event.target = task->reply_to;
	event.message = effect->reply;
	world->busy++;
	schedule(world, &event, network_latency(world));
}

/* ---- the driver -------------------------------------------------------- */

/* Steps a task until it waits for something; last is the outcome of its
 * previous effect (NULL for a new task). */
static void task_run(struct world *world, uint32_t slot,
		     const struct outcome *last)
{
	struct outcome sent = outcome_make(RESULT_OK, CODE_NONE);
	for (int i = 0; i < TASK_STEPS_PER_INSTANT; i++) {
		struct task *task = &world->tasks[slot];
		const struct effect *effect = task_step(world, task, last);
		world->result->steps++;
		if (effect->kind == EFFECT_DONE) {
			task_free(world, slot);
			return;
		}
		if (boundary(world, task, effect->step, POSITION_BEFORE))
			return;
		task->effect = effect;
		switch (effect->kind) {
		case EFFECT_REDIS:
		case EFFECT_SQL:
			task->executing = true;
			schedule_task(world, EVENT_EXECUTE, slot,
				      rng_range(&world->rng,
						world->config->redis_latency_ms_min,
						world->config->redis_latency_ms_max));
			return;
		case EFFECT_CALL:
			send_request(world, slot, effect);
			return;
		case EFFECT_WAIT:
			task->outcome = outcome_make(RESULT_OK, CODE_NONE);
			schedule_task(world, EVENT_RESUME, slot, effect->wait_ms);
			return;
		case EFFECT_REPLY:
			if (task->has_reply_to)
				send_reply(world, task, effect);
			if (boundary(world, task, effect->step, POSITION_AFTER))
				return;
			last = &sent;
			continue;
		case EFFECT_DONE:
			break;
		}
	}
	world_fail(world, "task of %s took more than %d steps in one instant",
		   actor_name(world, world->tasks[slot].actor),
		   TASK_STEPS_PER_INSTANT);
}

/* An outcome has come back to a live task: the "after" boundary, then the
 * machine's next step. */
static void task_resume(struct world *world, uint32_t slot)
{
	struct task *task = &world->tasks[slot];
	if (boundary(world, task, task->effect->step, POSITION_AFTER))
		return;
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
	const char *actor = actor_name(world, task->actor);
	bool highlight = highlighted(task, outcome);
	if (outcome->code == CODE_LOCKED) {
		trace_line(world->trace, highlight, world->now_ms, actor,
			   "%s = LOCKED %s (%s, attempt %d)",
			   step_name(effect->step), outcome->txn.gid,
			   txn_status_name(outcome->txn.status),
			   outcome->txn.attempts + 1);
		return;
	}
	trace_line(world->trace, highlight, world->now_ms, actor,
		   "%s %s = %s%s%s%s", step_name(effect->step),
		   effect->kind == EFFECT_SQL ? effect->sql.gid :
						effect->redis.keys[0],
		   code_name(outcome->code), outcome->status ? " (" : "",
		   outcome->status ? txn_status_name(outcome->status) : "",
		   outcome->status ? ")" : "");
	if (task->kind == TASK_CRON && outcome->code == CODE_OK &&
	    (outcome->status == TXN_SUCCEEDED || outcome->status == TXN_FAILED))
		world->result->recovered++;
}

static void on_execute(struct world *world, const struct event *event)
{
	struct task *task = event_task(world, &event->target);
	const struct effect *effect;
	int rc;
	assert(task && task->executing);
	task->executing = false;
	effect = task->effect;
	if (effect->kind == EFFECT_SQL && task->orphaned) {
		trace_line(world->trace, false, world->now_ms,
			   actor_name(world, task->actor),
			   "%s %s: process gone, transaction rolled back",
			   step_name(effect->step), effect->sql.gid);
		task_free(world, event->target.task);
		return;
	}
	if (effect->kind == EFFECT_SQL) {
		rc = order_db_create_order(world->orders, &effect->sql,
					   &task->outcome);
		if (rc != 0) {
			world_fail(world, "%s", world->orders->error);
			return;
		}
	} else {
		rc = redis_run(world->redis, &effect->redis, &task->outcome);
		if (rc != 0) {
			world_fail(world, "%s", world->redis->error);
			return;
		}
	}
	trace_execute(world, task);
	if (task->orphaned) {
		task_free(world, event->target.task);
		return;
	}
	schedule_task(world, EVENT_RESUME, event->target.task,
		      rng_range(&world->rng, world->config->redis_latency_ms_min,
				world->config->redis_latency_ms_max));
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
	struct task *task;
	assert(world->busy > 0);
	world->busy--;
	if (!world->actors[event->actor].up) {
		trace_line(world->trace, false, world->now_ms,
			   actor_name(world, event->actor),
			   "%s %s %s: actor down, message lost",
			   method_name(event->message.method),
			   event->is_reply ? "reply" : "request",
			   event->message.gid);
		return;
	}
	if (!event->is_reply) {
		start_handler(world, event);
		return;
	}
	task = event_task(world, &event->target);
	if (!task || task->orphaned || !task->awaiting ||
	    task->call != event->target.call) {
		trace_line(world->trace, false, world->now_ms,
			   actor_name(world, event->actor),
			   "%s reply %s: caller no longer waits, dropped",
			   method_name(event->message.method),
			   event->message.gid);
		return;
	}
	task->awaiting = false;
	task->outcome = outcome_make(event->message.result, event->message.code);
	trace_line(world->trace, highlighted(task, &task->outcome), world->now_ms,
		   actor_name(world, task->actor), "%s %s <- %s/%s",
		   step_name(task->effect->step), event->message.gid,
		   result_name(task->outcome.result),
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
	trace_line(world->trace, highlighted(task, &task->outcome), world->now_ms,
		   actor_name(world, task->actor), "%s %s <- timeout",
		   step_name(task->effect->step), task_gid(task));
	task_resume(world, event->target.task);
}

static void actor_start(struct world *world, int actor)
{
	uint32_t slot;
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
	trace_line(world->trace, true, world->now_ms,
		   actor_name(world, event->actor), "RESTART");
	actor_start(world, event->actor);
}

static void on_arrive(struct world *world, const struct event *event)
{
	uint32_t slot;
	if (task_new(world, TASK_USER, event->actor, &slot) != 0)
		return;
	world->tasks[slot].machine.user.user = (uint64_t)event->actor + 1;
	task_run(world, slot, NULL);
}

static void on_event(struct world *world, const struct event *event)
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
	}
}

/* ---- phases ------------------------------------------------------------ */

static void heal(struct world *world)
{
	world->phase = PHASE_RECOVERY;
	world->heal_ms = world->now_ms;
	world->result->workload_end_ms = world->now_ms;
	trace_line(world->trace, true, world->now_ms, "sim",
		   "workload over: all %d users answered, fault window"
		   " passed; heal: faults off, all actors up",
		   world->config->users);
	for (int actor = world->first_app; actor < world->actor_count; actor++) {
		if (world->actors[actor].up)
			continue;
		trace_line(world->trace, true, world->now_ms,
			   actor_name(world, actor), "RESTART (heal)");
		actor_start(world, actor);
	}
}

/* Quiescent: nothing but cron loops runs, and the due set is empty. */
static bool quiescent(struct world *world)
{
	char key[KEY_MAX];
	int64_t due;
	if (world->busy != 0 || world->users_done != world->config->users)
		return false;
	sale_due_key(&world->config->sale, key);
	if (redis_command_integer(world->redis, &due, "ZCARD %s", key) != 0) {
		world_fail(world, "%s", world->redis->error);
		return false;
	}
	return due == 0;
}

static int world_loop(struct world *world)
{
	struct event event;
	while (!world->failed && queue_pop(&world->queue, &event)) {
		assert(event.time_ms >= world->now_ms);
		world->now_ms = event.time_ms;
		if (world->phase == PHASE_RECOVERY &&
		    world->now_ms > world->heal_ms + world->config->recovery_bound_ms) {
			world->result->verdict = VERDICT_LIVENESS;
			snprintf(world->result->problem,
				 sizeof(world->result->problem),
				 "not quiescent %" PRId64 " ms after heal: open"
				 " transactions or work in flight remain",
				 world->config->recovery_bound_ms);
			trace_line(world->trace, true, world->now_ms, "sim",
				   "LIVENESS: %s", world->result->problem);
			break;
		}
		on_event(world, &event);
		if (world->phase == PHASE_WORKLOAD &&
		    world->users_done == world->config->users &&
		    world->now_ms >= sim_fault_window_ms(world->config))
			heal(world);
		if (world->phase == PHASE_RECOVERY && quiescent(world)) {
			trace_line(world->trace, true, world->now_ms, "sim",
				   "quiescent: no open transaction, nothing in flight");
			world->phase = PHASE_DONE;
			break;
		}
	}
	world->result->end_ms = world->now_ms;
	if (world->failed)
		return -1;
	if (world->phase != PHASE_DONE && world->result->verdict == VERDICT_OK)
		return world_fail(world, "event queue ran dry before quiescence");
	return 0;
}

static int world_init(struct world *world, const struct sim_config *config)
{
	int users = config->users;
	int actors = users + config->apps + config->coordinators + 1;
	/* Live tasks: a user, its request and at most one coordinator call per
	 * user, plus handlers of late messages; events: a few per task. */
	uint32_t tasks = (uint32_t)users * 4 + 64u * (uint32_t)(actors - users);
	world->actors = calloc((size_t)actors, sizeof(*world->actors));
	world->tasks = calloc(tasks, sizeof(*world->tasks));
	world->free_tasks = calloc(tasks, sizeof(*world->free_tasks));
	world->told = calloc((size_t)users, sizeof(*world->told));
	if (!world->actors || !world->tasks || !world->free_tasks ||
	    !world->told || queue_init(&world->queue, (size_t)tasks * 4) != 0)
		return world_fail(world, "out of memory for %d users", users);
	world->task_capacity = tasks;
	for (uint32_t i = 0; i < tasks; i++)
		world->free_tasks[i] = tasks - 1 - i;
	world->free_count = tasks;
	world->actor_count = actors;
	world->first_app = users;
	world->first_coord = users + config->apps;
	world->first_order = users + config->apps + config->coordinators;
	for (int a = 0; a < actors; a++) {
		struct actor *actor = &world->actors[a];
		if (a < world->first_app) {
			actor->kind = ACTOR_USER;
			actor->up = true; /* users never crash */
			snprintf(actor->name, sizeof(actor->name), "user-%d", a + 1);
		} else if (a < world->first_coord) {
			actor->kind = ACTOR_APP;
			snprintf(actor->name, sizeof(actor->name), "app-%d",
				 a - world->first_app + 1);
		} else if (a < world->first_order) {
			actor->kind = ACTOR_COORD;
			snprintf(actor->name, sizeof(actor->name), "coord-%d",
				 a - world->first_coord + 1);
		} else {
			actor->kind = ACTOR_ORDER;
			snprintf(actor->name, sizeof(actor->name), "order-1");
		}
	}
	return 0;
}

static void world_free(struct world *world)
{
	queue_free(&world->queue);
	free(world->actors);
	free(world->tasks);
	free(world->free_tasks);
	free(world->told);
}

static int world_start(struct world *world)
{
	const struct sim_config *config = world->config;
	char key[KEY_MAX];
	int64_t ignored;
	sale_stock_key(&config->sale, key);
	if (redis_command_integer(world->redis, &ignored, "SET %s %lld", key,
				  (long long)config->stock) != 0)
		return world_fail(world, "%s", world->redis->error);
	trace_line(world->trace, true, 0, "sim",
		   "workload: %d users arrive within %" PRId64 " ms; stock %"
		   PRId64 "; apps %d, coordinators %d", config->users,
		   config->arrival_ms, config->stock, config->apps,
		   config->coordinators);
	for (int actor = world->first_app; actor < world->actor_count; actor++)
		actor_start(world, actor);
	for (int user = 0; user < config->users; user++) {
		struct event event;
		memset(&event, 0, sizeof(event));
		event.kind = EVENT_ARRIVE;
		event.actor = user;
		schedule(world, &event,
			 rng_range(&world->rng, 0, config->arrival_ms));
	}
	return world->failed ? -1 : 0;
}

int sim_run(const struct sim_config *config, struct redis_conn *redis,
	    struct order_db *orders, struct trace *trace,
	    struct sim_result *result, char *error, size_t error_size)
{
	struct world world;
	int rc;
	memset(result, 0, sizeof(*result));
	memset(&world, 0, sizeof(world));
	world.config = config;
	world.redis = redis;
	world.orders = orders;
	world.trace = trace;
	world.result = result;
	world.error = error;
	world.error_size = error_size;
	error[0] = '\0';
	result->stock_initial = config->stock;
	rng_seed(&world.rng, config->seed);

	rc = world_init(&world, config);
	if (rc == 0)
		rc = world_start(&world);
	if (rc == 0)
		rc = world_loop(&world);
	if (rc == 0)
		rc = world_check_final_state(&world);
	result->digest = trace->digest;
	world_free(&world);
	return rc;
}
