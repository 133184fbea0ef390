/*
 * sim.c - the phases of a run (see sim.h); the driver is in driver.c.
 */
#include "world.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

void sim_config_defaults(struct sim_config *config)
{
	memset(config, 0, sizeof(*config));
	sale_defaults(&config->sale);
	config->seed = 1;
	config->users = 10;
	config->requests_per_user = 1;
	config->apps = 2;
	config->coordinators = 1;
	config->stock = 4;
	config->arrival_ms = 1000;
	config->latency_ms_min = 1;
	config->latency_ms_max = 5;
	config->redis_latency_ms_min = 0;
	config->redis_latency_ms_max = 1;
	config->call_timeout_ms = 500;
	config->redis_timeout_ms = 100;
	config->user_timeout_ms = 3000;
	config->restart_delay_ms = 2000;
	config->recovery_bound_ms = 600000;
	config->random_kinds = ~0u;
}

struct config_check {
	sim_setting_namer namer;
	const void *context;
	const char **keys;
	char *error;
	size_t size;
};

void sim_option_name(const char *key, char *out, size_t size)
{
	int n = snprintf(out, size, "--%s", key);
	for (int i = 2; i < n && (size_t)i < size; i++)
		if (out[i] == '_')
			out[i] = '-';
}

/* The name of the setting of scenario key, as c's namer gives it. */
static const char *setting_name(const struct config_check *c,
				const char *key, char *out, size_t size)
{
	if (c->namer)
		c->namer(c->context, key, out, size);
	else
		sim_option_name(key, out, size);
	return out;
}

/* key must hold value >= low. */
static bool check_low(struct config_check *c, const char *key, int64_t value,
		      int64_t low)
{
	char name[64];
	if (value >= low)
		return true;
	c->keys[0] = key;
	snprintf(c->error, c->size, "%s is %" PRId64 ": expected %" PRId64
		 " or more", setting_name(c, key, name, sizeof(name)),
		 value, low);
	return false;
}

/* key must hold a value in [low, high]. */
static bool check_range(struct config_check *c, const char *key,
			int64_t value, int64_t low, int64_t high)
{
	char name[64];
	if (value >= low && value <= high)
		return true;
	c->keys[0] = key;
	snprintf(c->error, c->size, "%s is %" PRId64 ": expected %" PRId64
		 " to %" PRId64, setting_name(c, key, name, sizeof(name)),
		 value, low, high);
	return false;
}

/* low_key's value must not exceed high_key's. */
static bool check_order(struct config_check *c, const char *low_key,
			int64_t low, const char *high_key, int64_t high)
{
	char low_name[64], high_name[64];
	if (low <= high)
		return true;
	c->keys[0] = low_key;
	c->keys[1] = high_key;
	snprintf(c->error, c->size, "%s is %" PRId64 ", above %s, %" PRId64
		 ": expected at most %" PRId64 " (or %s raised)",
		 setting_name(c, low_key, low_name, sizeof(low_name)),
		 low, setting_name(c, high_key, high_name,
				   sizeof(high_name)), high, high, high_name);
	return false;
}

int sim_config_check(const struct sim_config *config, sim_setting_namer namer,
		     const void *context, const char *keys[2], char *error,
		     size_t size)
{
	struct config_check c = { namer, context, keys, error, size };
	const struct sale *sale = &config->sale;
	int64_t requests = (int64_t)config->users * config->requests_per_user;
	char users[64], requests_name[64], tag[64];
	bool ok;
	keys[0] = keys[1] = NULL;
	ok = check_range(&c, "users", config->users, 1, 10000000) &&
	     check_range(&c, "requests_per_user", config->requests_per_user,
			 1, 16);
	if (ok && requests > 10000000) {
		keys[0] = "users";
		keys[1] = "requests_per_user";
		snprintf(error, size, "%s %d x %s %d is %" PRId64 " requests:"
			 " expected 10000000 at most",
			 setting_name(&c, "users", users, sizeof(users)),
			 config->users, setting_name(&c, "requests_per_user",
						     requests_name,
						     sizeof(requests_name)),
			 config->requests_per_user, requests);
		return -1;
	}
	ok = ok && check_range(&c, "apps", config->apps, 1, 64) &&
	     check_range(&c, "coordinators", config->coordinators, 1, 64) &&
	     check_low(&c, "stock", config->stock, 0) &&
	     check_low(&c, "arrival_ms", config->arrival_ms, 0) &&
	     check_low(&c, "latency_ms_min", config->latency_ms_min, 0) &&
	     check_order(&c, "latency_ms_min", config->latency_ms_min,
			 "latency_ms_max", config->latency_ms_max) &&
	     check_low(&c, "redis_latency_ms_min",
		       config->redis_latency_ms_min, 0) &&
	     check_order(&c, "redis_latency_ms_min",
			 config->redis_latency_ms_min, "redis_latency_ms_max",
			 config->redis_latency_ms_max) &&
	     check_low(&c, "call_timeout_ms", config->call_timeout_ms, 1) &&
	     check_low(&c, "user_timeout_ms", config->user_timeout_ms, 1) &&
	     check_low(&c, "redis_timeout_ms", config->redis_timeout_ms, 1) &&
	     check_low(&c, "restart_delay_ms", config->restart_delay_ms, 0) &&
	     check_low(&c, "recovery_bound_ms", config->recovery_bound_ms, 1) &&
	     check_low(&c, "fault_window_ms", config->fault_window_ms, 0) &&
	     check_low(&c, "cron_interval_ms", sale->cron_interval_ms, 1) &&
	     check_low(&c, "retry_interval_ms", sale->retry_interval_ms, 1) &&
	     check_order(&c, "retry_interval_ms", sale->retry_interval_ms,
			 "retry_interval_ms_max", sale->retry_interval_ms_max) &&
	     check_low(&c, "timeout_to_fail_ms", sale->timeout_to_fail_ms, 1);
	if (ok && !sale_tag_valid(sale->tag)) {
		keys[0] = "tag";
		snprintf(error, size, "%s must be 1-31 characters of letters,"
			 " digits, '_', '-', '.'",
			 setting_name(&c, "tag", tag, sizeof(tag)));
		ok = false;
	}
	return ok ? 0 : -1;
}

bool sim_point_in_use(const struct sim_config *config, enum point_id point)
{
	const struct point *info = point_get(point);
	bool step_point = info->position <= POSITION_BEFORE_COMMIT;
	if (step_point && info->where == STEP_APP_CHECK_STOCK)
		return config->sale.sold_out_fast_path;
	if (step_point && info->where == STEP_APP_CREATE_ORDER)
		return config->variant == VARIANT_NAIVE;
	return true;
}

const char *sim_point_unused_why(const struct sim_config *config,
				 enum point_id point)
{
	const struct point *info = point_get(point);
	if (sim_point_in_use(config, point))
		return NULL;
	if (info->where == STEP_APP_CHECK_STOCK)
		return "on a step that only the sold-out fast path takes"
		       " (--sold-out-fast-path)";
	if (info->where == STEP_APP_CREATE_ORDER)
		return "on a step that only --variant naive takes (its app"
		       " calls the order service itself)";
	return "on no path this design takes";
}

bool sim_redis_can_time_out(const struct sim_config *config)
{
	return 2 * config->redis_latency_ms_max > config->redis_timeout_ms;
}

int sim_late_grow(struct world *world)
{
	uint32_t size = world->late_allocated * 2;
	struct late_command *late;
	uint32_t *free_late;
	if (world->late_allocated >= world->late_capacity)
		return -1;
	if (size > world->late_capacity)
		size = world->late_capacity;
	late = realloc(world->late, size * sizeof(*late));
	if (!late)
		return -2;
	world->late = late;
	free_late = realloc(world->free_late, size * sizeof(*free_late));
	if (!free_late)
		return -2;
	world->free_late = free_late;
	world->late_allocated = size;
	return 0;
}

int sim_requests(const struct sim_config *config)
{
	return config->users * config->requests_per_user;
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

/* ---- phases ------------------------------------------------------------ */

static void heal(struct world *world)
{
	world->phase = PHASE_RECOVERY;
	world->injector.active = false;
	world->heal_ms = world->now_ms;
	world->result->workload_end_ms = world->now_ms;
	world_note(world, true, "sim",
		   "workload over: %s %d user%s answered, fault window"
		   " passed; heal: faults off, all actors up",
		   world->config->users == 1 ? "the" : "all",
		   world->config->users, world->config->users == 1 ? "" : "s");
	for (int actor = world->first_app; actor < world->actor_count; actor++) {
		if (world->actors[actor].up)
			continue;
		world_note(world, true, world_actor_name(world, actor),
			   "RESTART (heal)");
		world_actor_start(world, actor);
	}
}

/* Quiescent: nothing but cron loops runs, and the due set is empty. */
static bool quiescent(struct world *world)
{
	char key[KEY_MAX];
	int64_t due;
	if (world->busy != 0 || world->requests_done != sim_requests(world->config))
		return false;
	sale_due_key(&world->config->sale, key);
	if (redis_command_integer(world->env->redis, &due, "ZCARD %s", key) != 0) {
		world_fail(world, "%s", world->env->redis->error);
		return false;
	}
	return due == 0;
}

static void hang(struct world *world)
{
	world->result->verdict = VERDICT_LIVENESS;
	snprintf(world->result->problem, sizeof(world->result->problem),
		 "liveness: not quiescent %" PRId64 " ms after heal: open"
		 " transactions or work in flight remain",
		 world->config->recovery_bound_ms);
	world_note(world, true, "sim", "LIVENESS: %s", world->result->problem);
}

static double wall_seconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* A long run (hours of virtual time, a cron loop every millisecond) says
 * where it is, on a terminal: after 2 s of wall time, a line at most twice
 * a second. The wall clock decides only what is shown, never what runs. */
#define PROGRESS_WIDTH 79

static void show_progress(struct world *world, double started_s,
			  double *drawn_s)
{
	char text[200];
	double now_s = wall_seconds();
	if (now_s - started_s < 2.0 || now_s - *drawn_s < 0.5)
		return;
	*drawn_s = now_s;
	/* short enough for one line of an 80-column terminal: a wrapped
	 * line cannot be redrawn in place */
	if (world->phase == PHASE_WORKLOAD)
		snprintf(text, sizeof(text), "run: workload, %" PRId64 " of %"
			 PRId64 "+ ms, %d/%d answered, %.0f s", world->now_ms,
			 sim_fault_window_ms(world->config),
			 world->requests_done, sim_requests(world->config),
			 now_s - started_s);
	else
		snprintf(text, sizeof(text), "run: recovery, %" PRId64 " ms"
			 " (at most %" PRId64 "), %.0f s", world->now_ms,
			 world->heal_ms + world->config->recovery_bound_ms,
			 now_s - started_s);
	text[PROGRESS_WIDTH] = '\0';
	trace_progress(world->env->trace, text);
}

/* When every request of the workload must have been answered or have
 * timed out: each arrives within the arrival window and its user waits at
 * most the user's timeout. A user's timer always fires, so a request
 * still open past this (with a margin of another timeout and a second) is
 * a bug of the simulator's, reported rather than looped on: the cron
 * loops keep the event queue from ever running dry. */
static int64_t workload_bound_ms(const struct sim_config *config)
{
	return config->arrival_ms + 2 * config->user_timeout_ms + 1000;
}

static int world_loop(struct world *world)
{
	struct event event;
	double started_s = world->env->trace->progress ? wall_seconds() : 0;
	double drawn_s = 0;
	uint32_t events = 0;
	const int64_t bound_ms = workload_bound_ms(world->config);
	while (!world->failed && queue_pop(&world->queue, &event)) {
		if (started_s > 0 && ++events % 4096 == 0)
			show_progress(world, started_s, &drawn_s);
		assert(event.time_ms >= world->now_ms);
		world->now_ms = event.time_ms;
		/* (the phase itself ends at the first event past its end,
		 * which may come much later: only unanswered requests are
		 * a bug) */
		if (world->phase == PHASE_WORKLOAD && world->now_ms > bound_ms &&
		    world->requests_done < sim_requests(world->config)) {
			world_fail(world, "the workload did not end by %" PRId64
				   " ms: %d of %d requests answered or timed"
				   " out (a request whose timer never fired)",
				   bound_ms, world->requests_done,
				   sim_requests(world->config));
			break;
		}
		if (world->phase == PHASE_RECOVERY &&
		    world->now_ms > world->heal_ms + world->config->recovery_bound_ms) {
			hang(world);
			break;
		}
		world_on_event(world, &event);
		if (world->phase == PHASE_WORKLOAD &&
		    world->requests_done == sim_requests(world->config) &&
		    world->now_ms >= sim_fault_window_ms(world->config))
			heal(world);
		if (world->phase == PHASE_RECOVERY && quiescent(world)) {
			world_note(world, true, "sim",
				   "quiescent: no open transaction, nothing in flight");
			world->phase = PHASE_DONE;
			break;
		}
	}
	world->result->end_ms = world->now_ms;
	trace_progress_clear(world->env->trace);
	if (world->failed)
		return -1;
	if (world->phase != PHASE_DONE && world->result->verdict == VERDICT_OK)
		return world_fail(world, "event queue ran dry before quiescence");
	return 0;
}

static void name_actors(struct world *world)
{
	for (int a = 0; a < world->actor_count; a++) {
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
}

static int world_init(struct world *world, const struct sim_config *config)
{
	int users = config->users;
	int actors = users + config->apps + config->coordinators + 1;
	/* Live tasks: a user, its request and at most one coordinator call per
	 * user, plus handlers of late, duplicated and delayed messages; events:
	 * a few per task. */
	uint32_t tasks = (uint32_t)sim_requests(config) * 4 +
			 64u * (uint32_t)(actors - users);
	/* Late commands: those of the delay fault, and, when Redis can be
	 * slower than the client's timeout, a command or two per task. */
	uint32_t late = LATE_COMMANDS_MAX +
			(sim_redis_can_time_out(config) ? 2 * tasks : 0);
	/* The task table and the late commands are not cleared: a slot is
	 * cleared when it is first taken (task_top), and no slot above the
	 * ones taken is ever read. Clearing about a megabyte for every run
	 * was a fifth of a small exploration's time; touching every slot of
	 * a 30,000-user sale's table (200 MB) took most of a second. */
	world->actors = calloc((size_t)actors, sizeof(*world->actors));
	world->tasks = malloc(tasks * sizeof(*world->tasks));
	world->free_tasks = malloc(tasks * sizeof(*world->free_tasks));
	/* a slow Redis's table grows as commands time out: two per task is
	 * a bound, not what a run needs */
	world->late = malloc(LATE_COMMANDS_MAX * sizeof(*world->late));
	world->free_late = malloc(LATE_COMMANDS_MAX *
				  sizeof(*world->free_late));
	world->answers = calloc((size_t)users, sizeof(*world->answers));
	if (!world->actors || !world->tasks || !world->free_tasks ||
	    !world->late || !world->free_late || !world->answers ||
	    queue_init(&world->queue, (size_t)tasks * 4) != 0)
		return world_fail(world, "out of memory for %d users", users);
	world->task_capacity = tasks;
	world->task_top = 0;
	world->late_allocated = LATE_COMMANDS_MAX;
	world->late_capacity = late;
	world->late_top = 0;
	world->free_late_count = 0;
	world->free_count = 0;
	world->actor_count = actors;
	world->first_app = users;
	world->first_coord = users + config->apps;
	world->first_order = users + config->apps + config->coordinators;
	name_actors(world);
	return 0;
}

static void world_free(struct world *world)
{
	queue_free(&world->queue);
	free(world->actors);
	free(world->tasks);
	free(world->free_tasks);
	free(world->late);
	free(world->free_late);
	free(world->answers);
}

static int world_start(struct world *world)
{
	const struct sim_config *config = world->config;
	char key[KEY_MAX];
	int64_t ignored;
	sale_stock_key(&config->sale, key);
	if (redis_command_integer(world->env->redis, &ignored, "SET %s %lld",
				  key, (long long)config->stock) != 0) {
		world->result->stock_refused =
			redis_conn_working(world->env->redis);
		return world_fail(world, "%s", world->env->redis->error);
	}
	world_note(world, true, "sim",
		   "workload: %d user%s x %d request%s arrive within %" PRId64
		   " ms; stock %" PRId64 "; apps %d, coordinators %d",
		   config->users, config->users == 1 ? "" : "s",
		   config->requests_per_user,
		   config->requests_per_user == 1 ? "" : "s",
		   config->arrival_ms, config->stock, config->apps,
		   config->coordinators);
	world->injector.active = true;
	for (int actor = world->first_app; actor < world->actor_count; actor++)
		world_actor_start(world, actor);
	for (int request = 0; request < config->requests_per_user; request++)
		for (int user = 0; user < config->users; user++)
			world_schedule_arrival(world, user,
					       rng_range(&world->rng, 0,
							 config->arrival_ms));
	return world->failed ? -1 : 0;
}

/* The final state, read back by the checker, and the verdict. */
static int world_check(struct world *world)
{
	const struct sim_env *env = world->env;
	struct check_input input = { world->config, env->redis, env->orders,
				     world->answers };
	char text[600];
	struct sim_result *result = world->result;
	if (check_run(env->trace->db, env->trace->run_id, &input,
		      env->invariants, result, world->error,
		      world->error_size) != 0) {
		world->failed = true;
		return -1;
	}
	snprintf(text, sizeof(text),
		 "final stock=%" PRId64 " orders=%" PRId64 " prepared=%" PRId64
		 " submitted=%" PRId64 " succeeded=%" PRId64 " failed=%" PRId64
		 " none=%" PRId64 " verdict=%s\n", result->stock_left,
		 result->orders, result->txns[TXN_PREPARED],
		 result->txns[TXN_SUBMITTED], result->txns[TXN_SUCCEEDED],
		 result->txns[TXN_FAILED], result->txns[TXN_NONE],
		 verdict_name(result->verdict));
	trace_digest_text(env->trace, text);
	/* Which invariant broke, and on what: two variants can run the same
	 * trace to the same state and break different invariants (one
	 * applies to one variant and not the other). */
	if (result->verdict != VERDICT_OK) {
		snprintf(text, sizeof(text), "problem %s\n", result->problem);
		trace_digest_text(env->trace, text);
	}
	for (int u = 0; u < world->config->users; u++) {
		snprintf(text, sizeof(text), "user %d %s\n", u + 1,
			 told_name(told_best(world->answers[u])));
		trace_digest_text(env->trace, text);
	}
	return 0;
}

int sim_run(const struct sim_config *config, const struct sim_env *env,
	    struct sim_result *result, char *error, size_t error_size)
{
	struct world world;
	int rc;
	assert(env->trace->db != NULL);
	memset(result, 0, sizeof(*result));
	memset(&world, 0, sizeof(world));
	world.config = config;
	world.env = env;
	world.variant = variant_get(config->variant);
	world.result = result;
	world.error = error;
	world.error_size = error_size;
	error[0] = '\0';
	result->stock_initial = config->stock;
	rng_seed(&world.rng, config->seed);
	injector_init(&world.injector, &config->plan, config->random_faults,
		      config->seed, config->random_kinds);

	rc = world_init(&world, config);
	if (rc == 0)
		rc = world_start(&world);
	if (rc == 0)
		rc = world_loop(&world);
	if (rc == 0)
		rc = world_check(&world);
	if (rc == 0 && env->trace->db_failed)
		rc = world_fail(&world, "%s",
				tracedb_error(env->trace->db));
	memcpy(result->hits, world.injector.hits, sizeof(result->hits));
	memcpy(result->active_hits, world.injector.active_hits,
	       sizeof(result->active_hits));
	result->fired = world.injector.fired;
	fault_plan_missing(&config->plan, &result->fired, &result->not_fired);
	result->digest = env->trace->digest;
	world_free(&world);
	return rc;
}
