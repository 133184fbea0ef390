/*
 * bench.c - the load benchmark's driver (see bench.h).
 *
 * Tasks live in one table allocated up front. A user's request is a
 * flash_request task; each call it makes starts a child task (coord_call,
 * order_handler or flash_backcheck) that knows its parent, and the child's
 * reply becomes the parent's outcome at once. A task is in at most one
 * place at a time: the ready ring, the ring of script calls on the wire,
 * the SQL batch, the calls set aside after NOSCRIPT, or waiting for a
 * child's reply; so each of those holds at most task_capacity entries.
 */
#include "bench.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "coord.h"
#include "flash.h"

/* Steps a task may take before it must wait: a coordinator call replies,
 * then calls the order service; a request replies, then finishes. */
#define BENCH_STEPS_MAX 8
/* Tasks one request can hold at once: its flash_request, a coordinator
 * call, and the order handler that call starts. */
#define BENCH_TASKS_PER_REQUEST 3
/* write() calls allowed to put one batch on the socket. */
#define BENCH_WRITES_MAX 100000
#define BENCH_NO_PARENT UINT32_MAX

enum bench_task_kind {
	BENCH_TASK_FLASH,
	BENCH_TASK_COORD_CALL,
	BENCH_TASK_ORDER,
	BENCH_TASK_BACKCHECK,
};

struct bench_task {
	bool used;
	bool stepped;      /* has taken its first step */
	bool awaiting;     /* waits for the reply of a call */
	enum bench_task_kind kind;
	uint32_t parent;   /* the task whose call this one answers */
	int64_t start_ns;  /* a request's first step */
	const struct effect *effect; /* the effect in flight */
	struct outcome outcome;      /* its outcome: the next step's input */
	union {
		struct flash_request flash;
		struct coord_call coord_call;
		struct order_handler order;
		struct flash_backcheck backcheck;
	} machine;
};

struct bench {
	const struct bench_config *config;
	struct redis_conn *redis;
	struct order_db *orders;
	struct bench_result *result;
	struct bench_task *tasks;
	uint32_t task_capacity;
	uint32_t *free_slots;      /* a stack: the last freed is reused first */
	uint32_t free_count;
	uint32_t *ready;           /* a ring of runnable tasks */
	uint32_t ready_head;
	uint32_t ready_count;
	uint32_t *wire;            /* a ring: tasks whose script call was sent,
				    * in the order sent (and answered) */
	uint32_t wire_head;
	uint32_t wire_count;
	uint32_t redis_unflushed;  /* queued calls not yet on the socket */
	uint32_t *noscript;        /* calls refused with NOSCRIPT, to run again */
	uint32_t noscript_count;
	uint32_t *sql_batch;
	uint32_t sql_count;
	uint32_t *latency_us;      /* per user, first step to reply */
	int64_t start_ns;          /* the first step */
	int next_user;             /* the next user to admit, from 1 */
	int running;               /* requests admitted and not yet answered */
	int users_done;
	int64_t now_ms;
	bool failed;
	char *error;
	size_t error_size;
};

/* What a task sees after it replied: the reply was sent. */
static const struct outcome bench_sent = { .result = RESULT_OK,
					   .code = CODE_NONE };

static int64_t monotonic_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static int bench_fail(struct bench *bench, const char *format, ...)
{
	va_list args;
	if (bench->failed)
		return -1;
	bench->failed = true;
	va_start(args, format);
	vsnprintf(bench->error, bench->error_size, format, args);
	va_end(args);
	return -1;
}

/* ---- tasks ------------------------------------------------------------- */

static void ready_push(struct bench *bench, uint32_t slot)
{
	assert(bench->ready_count < bench->task_capacity);
	assert(bench->tasks[slot].used);
	bench->ready[(bench->ready_head + bench->ready_count) %
		     bench->task_capacity] = slot;
	bench->ready_count++;
}

static uint32_t ready_pop(struct bench *bench)
{
	uint32_t slot;
	assert(bench->ready_count > 0);
	slot = bench->ready[bench->ready_head];
	bench->ready_head = (bench->ready_head + 1) % bench->task_capacity;
	bench->ready_count--;
	return slot;
}

static uint32_t tasks_alive(const struct bench *bench)
{
	return bench->task_capacity - bench->free_count;
}

/* Takes a free slot; the machine is initialised by the caller (its init
 * function clears it), so only the task's own fields are set here. */
static int task_new(struct bench *bench, enum bench_task_kind kind,
		    uint32_t parent, uint32_t *slot)
{
	struct bench_task *task;
	if (bench->free_count == 0)
		return bench_fail(bench, "task table full (%" PRIu32 " tasks)",
				  bench->task_capacity);
	*slot = bench->free_slots[--bench->free_count];
	task = &bench->tasks[*slot];
	assert(!task->used);
	task->used = true;
	task->stepped = false;
	task->awaiting = false;
	task->kind = kind;
	task->parent = parent;
	task->start_ns = 0;
	task->effect = NULL;
	if (tasks_alive(bench) > bench->result->tasks_max)
		bench->result->tasks_max = tasks_alive(bench);
	return 0;
}

static void task_free(struct bench *bench, uint32_t slot)
{
	struct bench_task *task = &bench->tasks[slot];
	assert(task->used);
	assert(!task->awaiting);
	task->used = false;
	bench->free_slots[bench->free_count++] = slot;
}

/* Admits users while fewer than inflight requests run. Half the task
 * table stays free for the calls of the requests already running. */
static void bench_admit(struct bench *bench)
{
	const struct bench_config *config = bench->config;
	while (bench->running < config->inflight &&
	       bench->next_user <= config->users &&
	       bench->free_count > bench->task_capacity / 2) {
		uint32_t slot;
		if (task_new(bench, BENCH_TASK_FLASH, BENCH_NO_PARENT, &slot) != 0)
			return;
		flash_request_init(&bench->tasks[slot].machine.flash,
				   &config->sale, (uint64_t)bench->next_user);
		bench->next_user++;
		bench->running++;
		ready_push(bench, slot);
	}
}

static const struct effect *task_step(struct bench *bench,
				      struct bench_task *task,
				      const struct outcome *last)
{
	switch (task->kind) {
	case BENCH_TASK_FLASH:
		return flash_request_step(&task->machine.flash, last);
	case BENCH_TASK_COORD_CALL:
		return coord_call_step(&task->machine.coord_call, last,
				       bench->now_ms);
	case BENCH_TASK_ORDER:
		return order_handler_step(&task->machine.order, last,
					  bench->now_ms);
	case BENCH_TASK_BACKCHECK:
		return flash_backcheck_step(&task->machine.backcheck, last);
	}
	assert(!"invalid bench task kind");
	return NULL;
}

/* ---- effects ----------------------------------------------------------- */

/* Writes the queued script calls to the socket, so Redis starts on them
 * while the driver goes on. */
static int bench_flush(struct bench *bench)
{
	redisContext *context = bench->redis->context;
	int done = 0;
	bench->redis_unflushed = 0;
	for (int i = 0; i < BENCH_WRITES_MAX && !done; i++)
		if (redisBufferWrite(context, &done) != REDIS_OK)
			return bench_fail(bench, "redis %s: writing a batch: %s",
					  bench->redis->address, context->errstr);
	if (!done)
		return bench_fail(bench, "redis %s: a batch did not fit in %d"
				  " writes", bench->redis->address,
				  BENCH_WRITES_MAX);
	return 0;
}

static int bench_queue_redis(struct bench *bench, uint32_t slot,
			     const struct effect *effect)
{
	bench->tasks[slot].effect = effect;
	if (redis_send(bench->redis, &effect->redis) != 0)
		return bench_fail(bench, "%s", bench->redis->error);
	assert(bench->wire_count < bench->task_capacity);
	bench->wire[(bench->wire_head + bench->wire_count) %
		    bench->task_capacity] = slot;
	bench->wire_count++;
	if (bench->wire_count > bench->result->wire_max)
		bench->result->wire_max = bench->wire_count;
	bench->result->redis_commands++;
	if (++bench->redis_unflushed >= BENCH_FLUSH_COMMANDS)
		return bench_flush(bench);
	return 0;
}

static void bench_queue_sql(struct bench *bench, uint32_t slot,
			    const struct effect *effect)
{
	bench->tasks[slot].effect = effect;
	assert(bench->sql_count < bench->task_capacity);
	bench->sql_batch[bench->sql_count++] = slot;
}

/* A call starts the service's machine as a child task, runnable now. */
static int bench_call(struct bench *bench, uint32_t caller,
		      const struct effect *effect)
{
	const struct message *message = &effect->call.message;
	const struct sale *sale = &bench->config->sale;
	enum bench_task_kind kind;
	struct bench_task *child;
	uint32_t slot = 0; /* task_new sets it when it returns 0 */
	switch (effect->call.to) {
	case SERVICE_COORD: kind = BENCH_TASK_COORD_CALL; break;
	case SERVICE_ORDER: kind = BENCH_TASK_ORDER; break;
	case SERVICE_APP: kind = BENCH_TASK_BACKCHECK; break;
	default:
		return bench_fail(bench, "%s: no service to call",
				  step_name(effect->step));
	}
	if (task_new(bench, kind, caller, &slot) != 0)
		return -1;
	bench->tasks[caller].awaiting = true;
	bench->tasks[caller].effect = effect;
	child = &bench->tasks[slot];
	if (kind == BENCH_TASK_COORD_CALL)
		coord_call_init(&child->machine.coord_call, sale, message);
	else if (kind == BENCH_TASK_ORDER)
		order_handler_init(&child->machine.order, message);
	else
		flash_backcheck_init(&child->machine.backcheck, sale, message);
	ready_push(bench, slot);
	return 0;
}

/* A request's reply is what its user is told. */
static void bench_told(struct bench *bench, struct bench_task *task,
		       const struct message *reply)
{
	int64_t latency_us = (monotonic_ns() - task->start_ns) / 1000;
	uint64_t user = task->machine.flash.user;
	enum told told = reply->result == RESULT_OK ? TOLD_SUCCESS :
			 reply->result == RESULT_FAILED ? TOLD_REJECTED :
							  TOLD_UNKNOWN;
	assert(user >= 1);
	assert(user <= (uint64_t)bench->config->users);
	assert(bench->running > 0);
	bench->result->told[told]++;
	bench->latency_us[user - 1] = latency_us > (int64_t)UINT32_MAX ?
				      UINT32_MAX : (uint32_t)latency_us;
	bench->users_done++;
	bench->running--;
	bench_admit(bench);
}

/* A reply goes straight back to the caller, runnable now. */
static void bench_reply(struct bench *bench, uint32_t slot,
			const struct effect *effect)
{
	struct bench_task *task = &bench->tasks[slot];
	uint32_t parent_slot = task->parent;
	struct bench_task *parent;
	if (parent_slot == BENCH_NO_PARENT) {
		assert(task->kind == BENCH_TASK_FLASH);
		bench_told(bench, task, &effect->reply);
		return;
	}
	parent = &bench->tasks[parent_slot];
	assert(parent->used);
	assert(parent->awaiting);
	parent->awaiting = false;
	parent->outcome = outcome_make(effect->reply.result, effect->reply.code);
	/* One reply per call: a second one would fail the assertion above
	 * as a user's reply from a task that is not a request. */
	task->parent = BENCH_NO_PARENT;
	ready_push(bench, parent_slot);
}

/* Steps a runnable task until it waits for an effect or finishes. */
static int bench_task_run(struct bench *bench, uint32_t slot)
{
	struct bench_task *task = &bench->tasks[slot];
	const struct outcome *last = task->stepped ? &task->outcome : NULL;
	assert(task->used);
	assert(!task->awaiting);
	if (!task->stepped && task->kind == BENCH_TASK_FLASH)
		task->start_ns = monotonic_ns();
	task->stepped = true;
	for (int i = 0; i < BENCH_STEPS_MAX; i++) {
		const struct effect *effect = task_step(bench, task, last);
		bench->result->steps++;
		switch (effect->kind) {
		case EFFECT_REDIS:
			return bench_queue_redis(bench, slot, effect);
		case EFFECT_SQL:
			bench_queue_sql(bench, slot, effect);
			return 0;
		case EFFECT_CALL:
			return bench_call(bench, slot, effect);
		case EFFECT_REPLY:
			bench_reply(bench, slot, effect);
			last = &bench_sent;
			continue;
		case EFFECT_WAIT:
			return bench_fail(bench, "%s: the bench has no timers",
					  step_name(effect->step));
		case EFFECT_DONE:
			task_free(bench, slot);
			return 0;
		}
	}
	return bench_fail(bench, "a task took more than %d steps without an"
			  " effect", BENCH_STEPS_MAX);
}

/* ---- the loop ----------------------------------------------------------- */

/* Steps every runnable task. A task is pushed again only by an outcome,
 * and every outcome of this phase comes from a reply, which a child gives
 * once: the bound is generous. */
static int bench_step_ready(struct bench *bench)
{
	uint64_t bound = 4 * (uint64_t)bench->task_capacity + 16;
	for (uint64_t i = 0; bench->ready_count > 0; i++) {
		if (i >= bound)
			return bench_fail(bench, "more than %" PRIu64 " task runs"
					  " in one turn", bound);
		if (bench_task_run(bench, ready_pop(bench)) != 0)
			return -1;
	}
	return 0;
}

/* The SQL transactions asked for since the last turn, while Redis works
 * through the calls on the wire. */
static int bench_run_sql(struct bench *bench)
{
	for (uint32_t i = 0; i < bench->sql_count; i++) {
		uint32_t slot = bench->sql_batch[i];
		struct bench_task *task = &bench->tasks[slot];
		if (order_db_create_order(bench->orders, &task->effect->sql,
					  &task->outcome) != 0)
			return bench_fail(bench, "order database %s: %s",
					  order_db_file(bench->orders),
					  bench->orders->error);
		if (task->outcome.result == RESULT_OK)
			bench->result->orders_wall_s =
				(double)(monotonic_ns() - bench->start_ns) / 1e9;
		ready_push(bench, slot);
	}
	bench->result->sql_transactions += bench->sql_count;
	bench->sql_count = 0;
	return 0;
}

/* Takes the answer to the oldest call on the wire: waits for it, or only
 * looks whether it has been read already. Its task is runnable again, or
 * set aside when the server refused the call with NOSCRIPT. Returns 0,
 * REDIS_NOT_YET, or -1. */
static int bench_take(struct bench *bench, bool wait)
{
	uint32_t slot = bench->wire[bench->wire_head];
	struct bench_task *task = &bench->tasks[slot];
	int rc = wait ? redis_receive(bench->redis, &task->effect->redis,
				      &task->outcome) :
			redis_receive_arrived(bench->redis,
					      &task->effect->redis,
					      &task->outcome);
	if (rc < 0)
		return bench_fail(bench, "%s", bench->redis->error);
	if (rc == REDIS_NOT_YET)
		return rc;
	bench->wire_head = (bench->wire_head + 1) % bench->task_capacity;
	bench->wire_count--;
	if (rc == REDIS_NOSCRIPT)
		bench->noscript[bench->noscript_count++] = slot;
	else
		ready_push(bench, slot);
	return 0;
}

/* The answers that have arrived, in the order the calls were sent: waits
 * for the first one when no task could run meanwhile, then takes every one
 * the same read brought. Calls refused with NOSCRIPT (the server lost its
 * scripts) run again, script reloaded, once nothing else is on the wire;
 * until then no new call is sent (bench_turn). */
static int bench_receive(struct bench *bench)
{
	bool wait = bench->ready_count == 0 || bench->noscript_count > 0;
	while (bench->wire_count > 0) {
		int rc = bench_take(bench, wait);
		if (rc < 0)
			return -1;
		if (rc == REDIS_NOT_YET)
			break;
		wait = bench->noscript_count > 0;
	}
	if (bench->noscript_count == 0 || bench->wire_count > 0)
		return 0;
	for (uint32_t i = 0; i < bench->noscript_count; i++) {
		uint32_t slot = bench->noscript[i];
		struct bench_task *task = &bench->tasks[slot];
		if (redis_run(bench->redis, &task->effect->redis,
			      &task->outcome) != 0)
			return bench_fail(bench, "%s", bench->redis->error);
		ready_push(bench, slot);
	}
	bench->result->rerun += bench->noscript_count;
	bench->noscript_count = 0;
	return 0;
}

/* One turn: step what can run (its script calls go on the wire as they
 * appear), run the SQL transactions asked for, take the answers that have
 * arrived. Redis is never left without work while a request waits. */
static int bench_turn(struct bench *bench)
{
	bench->now_ms = monotonic_ns() / 1000000;
	if (bench->noscript_count == 0) {
		bench_admit(bench);
		if (bench_step_ready(bench) != 0)
			return -1;
		if (bench->redis_unflushed > 0 && bench_flush(bench) != 0)
			return -1;
	}
	if (bench_run_sql(bench) != 0)
		return -1;
	if (bench->wire_count == 0 && bench->ready_count == 0 &&
	    bench->noscript_count == 0) {
		if (bench->users_done == bench->config->users &&
		    tasks_alive(bench) == 0)
			return 0; /* the last tasks finished without an effect */
		return bench_fail(bench, "stalled: %" PRIu32 " tasks wait and no"
				  " effect is pending (%d of %d users answered)",
				  tasks_alive(bench), bench->users_done,
				  bench->config->users);
	}
	if (bench_receive(bench) != 0)
		return -1;
	bench->result->turns++;
	return 0;
}

/* Turns until every user is answered and every task has finished (the
 * last requests' orders are created after their users were told). */
static int bench_loop(struct bench *bench)
{
	uint64_t turns_max = 16 * (uint64_t)bench->config->users + 1024;
	while (bench->users_done < bench->config->users ||
	       tasks_alive(bench) > 0) {
		if (bench->result->turns >= turns_max)
			return bench_fail(bench, "not done after %" PRIu64
					  " turns", turns_max);
		if (bench_turn(bench) != 0)
			return -1;
	}
	assert(bench->running == 0);
	assert(bench->ready_count == 0);
	assert(bench->wire_count == 0);
	return 0;
}

/* ---- set-up ------------------------------------------------------------ */

static int bench_init(struct bench *bench)
{
	const struct bench_config *config = bench->config;
	uint32_t capacity = 2u * BENCH_TASKS_PER_REQUEST *
			    (uint32_t)config->inflight + 64u;
	bench->tasks = calloc(capacity, sizeof(*bench->tasks));
	bench->free_slots = calloc(capacity, sizeof(*bench->free_slots));
	bench->ready = calloc(capacity, sizeof(*bench->ready));
	bench->wire = calloc(capacity, sizeof(*bench->wire));
	bench->noscript = calloc(capacity, sizeof(*bench->noscript));
	bench->sql_batch = calloc(capacity, sizeof(*bench->sql_batch));
	bench->latency_us = calloc((size_t)config->users,
				   sizeof(*bench->latency_us));
	if (!bench->tasks || !bench->free_slots || !bench->ready ||
	    !bench->wire || !bench->noscript || !bench->sql_batch ||
	    !bench->latency_us)
		return bench_fail(bench, "out of memory for %" PRIu32 " tasks"
				  " and %d users", capacity, config->users);
	bench->task_capacity = capacity;
	for (uint32_t i = 0; i < capacity; i++)
		bench->free_slots[i] = capacity - 1 - i;
	bench->free_count = capacity;
	bench->next_user = 1;
	return 0;
}

static void bench_free(struct bench *bench)
{
	free(bench->tasks);
	free(bench->free_slots);
	free(bench->ready);
	free(bench->wire);
	free(bench->noscript);
	free(bench->sql_batch);
	free(bench->latency_us);
}

static int bench_start(struct bench *bench)
{
	char key[KEY_MAX];
	int64_t ignored;
	sale_stock_key(&bench->config->sale, key);
	if (redis_command_integer(bench->redis, &ignored, "SET %s %lld", key,
				  (long long)bench->config->stock) != 0)
		return bench_fail(bench, "%s", bench->redis->error);
	return 0;
}

int bench_run(const struct bench_config *config, struct redis_conn *redis,
	      struct order_db *orders, struct bench_result *result,
	      char *error, size_t error_size)
{
	struct bench bench;
	int rc;
	memset(result, 0, sizeof(*result));
	memset(&bench, 0, sizeof(bench));
	error[0] = '\0';
	if (bench_config_check(config, error, error_size) != 0)
		return -1;
	bench.config = config;
	bench.redis = redis;
	bench.orders = orders;
	bench.result = result;
	bench.error = error;
	bench.error_size = error_size;
	result->users = config->users;
	result->stock_initial = config->stock;

	rc = bench_init(&bench);
	if (rc == 0)
		rc = bench_start(&bench);
	if (rc != 0)
		goto out_free;
	bench.start_ns = monotonic_ns();
	rc = bench_loop(&bench);
	result->wall_s = (double)(monotonic_ns() - bench.start_ns) / 1e9;
	if (rc != 0)
		goto out_free;
	bench_latency_percentiles(bench.latency_us, (size_t)config->users,
				  result);
	rc = bench_check(config, redis, orders, result, error, error_size);
out_free:
	bench_free(&bench);
	return rc;
}
