/*
 * sim.h - the deterministic world in which the protocol runs.
 *
 * Actors: N users, K app instances, M coordinator instances and one order
 * service. Each actor runs step machines (tasks): the core's machines for
 * the app, the coordinator and the order service, and a small one for each
 * user. The simulator is their driver: it performs each Redis or SQL effect
 * against the live server, delivers each message after a latency, and
 * decides every choice (arrival, latency, instance, order of events at the
 * same instant) from one seeded PRNG on a virtual clock in milliseconds.
 *
 * A run goes through its phases:
 *   workload  users arrive and are answered (or time out); faults are active.
 *             It lasts at least fault_window_ms, long enough by default for
 *             the coordinator's first recovery work (backchecks, deliveries)
 *             to happen under faults too
 *   heal      every crashed actor is started again, faults are off
 *   recovery  the world runs until quiescent: no task but the coordinators'
 *             cron loops, no message in flight, no open transaction in the
 *             coordinator store; a bound on virtual time makes a hang a
 *             liveness failure
 *   check     the final state is read back from Redis and SQLite
 *
 * Crashes: an actor that crashes loses its tasks, their calls and timers;
 * Redis commands it already sent still execute (Redis is another process),
 * its SQL transactions do not (SQLite is in the order service's process).
 * It restarts after restart_delay_ms, or at heal.
 */
#ifndef FLASHSIM_SIM_H
#define FLASHSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "effect.h"
#include "order.h"
#include "plan.h"
#include "redis.h"
#include "sale.h"
#include "trace.h"
#include "variants.h"

struct tracedb;
struct invariant_set;

/* Exit codes of the flashsim command (docs/USAGE.md). */
enum exit_code {
	EXIT_VERDICT_OK = 0,
	EXIT_VIOLATION = 1,
	EXIT_LIVENESS = 2,
	EXIT_INTERNAL = 3,
	EXIT_USAGE = 64,
};

struct sim_config {
	struct sale sale;
	uint64_t seed;
	int users;
	int requests_per_user;         /* each arrives on its own */
	int apps;
	int coordinators;
	int64_t stock;
	int64_t arrival_ms;            /* users arrive uniformly in [0, arrival_ms] */
	int64_t latency_ms_min;        /* one network hop */
	int64_t latency_ms_max;
	int64_t redis_latency_ms_min;  /* one way to Redis or SQLite */
	int64_t redis_latency_ms_max;
	int64_t call_timeout_ms;       /* app and coordinator calls */
	int64_t redis_timeout_ms;      /* a client's wait for a Redis answer:
	                                  a longer round trip times out */
	int64_t user_timeout_ms;       /* a user's wait for its answer */
	int64_t restart_delay_ms;
	int64_t recovery_bound_ms;
	int64_t fault_window_ms;       /* 0: arrival + timeout-to-fail + retry cap
	                                  + 2 cron intervals */
	struct fault_plan plan;        /* explicit faults */
	bool random_faults;            /* also draw faults from the seed */
	unsigned random_kinds;         /* KIND_BIT()s random faults may use */
	enum variant_id variant;       /* a teaching variant, or VARIANT_NONE */
};

void sim_config_defaults(struct sim_config *config);
/* Whether runs of this configuration can reach the point at all (the
 * sold-out fast path's points are reached only when it is on). */
bool sim_point_in_use(const struct sim_config *config, enum point_id point);
/* Why point is not in use in config (sim_point_in_use): "on a step
 * that only --variant naive takes (...)"; NULL when it is. */
const char *sim_point_unused_why(const struct sim_config *config,
				 enum point_id point);
/* Purchase requests of the run: users x requests per user. */
int sim_requests(const struct sim_config *config);
/* The fault window in force: fault_window_ms, or its derived default. */
int64_t sim_fault_window_ms(const struct sim_config *config);
/* The option that sets scenario key: redis_latency_ms_min,
 * --redis-latency-ms-min. */
void sim_option_name(const char *key, char *out, size_t size);
/* Names the setting of a scenario key (redis_latency_ms_min) into out,
 * as the user gave it. */
typedef void (*sim_setting_namer)(const void *context, const char *key,
				  char *out, size_t size);
/* Returns 0, or -1 with a message naming the bad settings (by namer, or
 * as options, --redis-latency-ms-min, when it is NULL) and their values,
 * and their scenario keys in keys (two at most, NULL after the last), for
 * a caller that knows the lines of a file. */
int sim_config_check(const struct sim_config *config, sim_setting_namer namer,
		     const void *context, const char *keys[2], char *error,
		     size_t error_size);

enum verdict {
	VERDICT_OK,
	VERDICT_VIOLATION,
	VERDICT_LIVENESS,
};
const char *verdict_name(enum verdict verdict);

struct sim_result {
	enum verdict verdict;
	bool invariant_failed;         /* no verdict: one of the user's
	                                  invariants failed when run on this
	                                  run's state (bad input, not an
	                                  internal error) */
	bool stock_refused;            /* no verdict: Redis answered the
	                                  sale's first write, its stock, with
	                                  an error (an ACL, an OOM) */
	int64_t stock_initial;
	int64_t stock_left;            /* 0 when the key is missing */
	bool stock_missing;            /* the stock key is missing from Redis
	                                  (a Redis that lost it) */
	int64_t orders;
	int64_t txns[TXN_FAILED + 1];  /* users by status of their transaction;
	                                  TXN_NONE: none in Redis at the end */
	int64_t txns_lost;             /* of txns[TXN_NONE], those a
	                                  coordinator had saved: Redis lost
	                                  them. -1: not known; only a run whose
	                                  events are kept can tell
	                                  (check_txns_lost) */
	int64_t txns_open;             /* prepared + submitted */
	int64_t due;                   /* members left in the due set */
	int64_t told[TOLD_UNKNOWN + 1];
	int64_t workload_end_ms;
	int64_t end_ms;
	uint32_t hits[POINT_COUNT];        /* failure points reached */
	uint32_t active_hits[POINT_COUNT]; /* ... while faults could fire */
	struct fault_plan fired;           /* the faults injected, in order */
	struct fault_plan not_fired;       /* faults of the plan that never
	                                      fired: their hit never came */
	uint64_t steps;
	uint64_t crashes;              /* of actors (apps, coordinators, ...) */
	uint64_t redis_crashes;        /* of the redis-server (redis-crash) */
	uint64_t recovered;            /* transactions the cron loop resolved */
	uint64_t digest;
	char problem[512];             /* the first violation, or the hang */
	uint64_t violated_set;         /* bit i: the invariant set's item i
					  returned rows (the first 64) */
};

/* What a run works on; the caller owns all of it. */
struct sim_env {
	struct redis_conn *redis;
	struct order_db *orders;
	struct trace *trace;                   /* lines, digest, trace db */
	struct invariant_set *invariants;       /* keeps prepared queries */
	/* Kills and restarts the Redis server from its own files, then
	 * reconnects *redis; NULL when flashsim does not own the server (the
	 * redis-crash fault is then refused). */
	int (*redis_restart)(void *context, char *error, size_t error_size);
	void *redis_restart_context;
	/* What a restart keeps, for the trace ("from its append-only file",
	 * "empty: it persists nothing"); with redis_restart. */
	const char *redis_restart_keeps;
};

/* Runs one sale. Redis must hold no keys of the sale (the caller flushes
 * or checks), and orders must be an empty order database. The run is
 * recorded in env->trace's trace database. Returns 0 when the run reached
 * a verdict, or -1 with error set when the run itself failed (Redis or
 * SQLite broke, a table overflowed): no verdict then. */
int sim_run(const struct sim_config *config, const struct sim_env *env,
	    struct sim_result *result, char *error, size_t error_size);

#endif
