/*
 * bench.h - the load benchmark: the protocol's step machines driven back to
 * back against the live Redis and SQLite, in real time.
 *
 * The same machines the simulator drives (flash_request, coord_call,
 * order_handler, flash_backcheck), with no simulated world around them: no
 * network, no latency, no faults. A reply goes straight back to the task
 * that called. Many user requests are in flight at once, and the driver
 * keeps Redis busy with a stream of pipelined calls on one connection. Each
 * turn of its loop:
 *
 *   1. steps every runnable task until it asks for a Redis script or an SQL
 *      transaction, or finishes; every script call is queued (redis_send)
 *      as it appears, and the queue is written to the socket every
 *      BENCH_FLUSH_COMMANDS calls, so Redis works while the driver steps;
 *      a reply to a call makes the caller runnable in the same phase;
 *   2. writes the rest, then runs the SQL transactions asked for while
 *      Redis works through the calls on the wire;
 *   3. takes the answers that have arrived, in the order the calls were
 *      sent (redis_receive), waiting only when no task could run otherwise,
 *      and hands each to its task, runnable again in the next turn.
 *
 * Calls are sent while earlier ones are still being answered: Redis is
 * not left idle while the driver reads a batch of answers and steps its
 * tasks. That is the only change from the simulator. Time (now_ms) is the
 * real monotonic clock in milliseconds, read once per turn.
 *
 * No coordinator cron loop runs: with no fault, every transaction finishes
 * on the request path, so a transaction still open at the end is a failure
 * of the run, reported by the check, not something to recover.
 *
 * A call the server refuses with NOSCRIPT (it lost its scripts: a restart,
 * a SCRIPT FLUSH on a given server) is set aside; no new call is sent until
 * every call on the wire is answered, then each set-aside call runs again
 * with redis_run, which loads the script.
 *
 * The check reads the final state back:
 *   1. stock left >= 0                           (no oversell)
 *   2. initial stock - stock left == orders       (conservation)
 *   3. the due set is empty                       (no transaction open)
 *   4. users told success == orders
 *   5. no user told unknown                       (no fault was injected)
 *   6. orders == min(stock, users)                (every unit that could
 *                                                  sell, sold)
 *
 * Files: bench.c the driver, bench_check.c the settings and the check,
 * bench_reference.c redis-benchmark, bench_table.c the table, cmd_bench.c
 * the command. docs/PERFORMANCE.md has the figures.
 */
#ifndef FLASHSIM_BENCH_H
#define FLASHSIM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "effect.h"
#include "order.h"
#include "redis.h"
#include "sale.h"

#define BENCH_USERS_MAX 10000000
#define BENCH_INFLIGHT_MAX 100000
/* Requests in flight by default: on the 2-core machine of
 * docs/PERFORMANCE.md, requests/s is within a few percent from 250 to 4000
 * in flight (Redis is the bottleneck) while the latency grows with the
 * number in flight; 500 was the best of 250, 500 and 1000. */
#define BENCH_INFLIGHT_DEFAULT 500
/* Queued script calls written to the socket at a time within a turn
 * (about 8 KB): small enough that Redis starts on a turn's first calls
 * while the driver is still stepping the rest. */
#define BENCH_FLUSH_COMMANDS 32

struct bench_config {
	struct sale sale;
	int users;      /* distinct users 1..users, one request each */
	int64_t stock;  /* initial stock */
	int inflight;   /* user requests in flight at once */
};

struct bench_result {
	int users;
	int64_t stock_initial;
	int64_t stock_left;
	int64_t orders;
	int64_t due;                    /* transactions left in the due set */
	int64_t told[TOLD_UNKNOWN + 1];
	uint64_t redis_commands;        /* script calls sent (FCALL, EVALSHA) */
	uint64_t rerun;                 /* of them, sent again after NOSCRIPT */
	uint64_t sql_transactions;
	uint64_t steps;
	uint64_t turns;                 /* of the driver's loop */
	uint32_t wire_max;              /* most script calls sent and not
					 * yet answered at once */
	uint32_t tasks_max;             /* most tasks alive at once */
	double wall_s;                  /* first step to the last task's end */
	double orders_wall_s;           /* first step to the last order's commit */
	double latency_ms_p50;          /* a request's first step to its reply */
	double latency_ms_p99;
	double latency_ms_max;
	bool ok;                        /* every check held */
	char problem[256];              /* the first check that failed */
};

/* Stock 0, one user, BENCH_INFLIGHT_DEFAULT in flight, sale_defaults. */
void bench_config_defaults(struct bench_config *config);
/* Returns 0, or -1 with a message naming the bad setting. */
int bench_config_check(const struct bench_config *config, char *error,
		       size_t error_size);

/* Runs one workload and checks its final state. Redis must hold no keys of
 * the sale (the caller flushes), and orders must be an empty order
 * database. Returns 0 when the run completed (result->ok tells whether the
 * checks held), or -1 with error set when the run itself failed: Redis or
 * SQLite broke, a table overflowed, a machine stalled. */
int bench_run(const struct bench_config *config, struct redis_conn *redis,
	      struct order_db *orders, struct bench_result *result,
	      char *error, size_t error_size);

/* Reads the final state of the sale back into result (stock_left, orders,
 * due) and judges it (bench_judge). Returns 0, or -1 with error set when
 * Redis or SQLite failed. bench_run calls it after the workload. */
int bench_check(const struct bench_config *config, struct redis_conn *redis,
		struct order_db *orders, struct bench_result *result,
		char *error, size_t error_size);

/* Applies the checks above to the counts in result: sets ok, and problem
 * to the first check that failed. */
void bench_judge(struct bench_result *result);

/* Sorts the count latencies (microseconds) in place and sets the result's
 * p50, p99 and max from them. count > 0. */
void bench_latency_percentiles(uint32_t *latency_us, size_t count,
			       struct bench_result *result);

/* The reference: redis-benchmark on the same server (bench_reference.c). */
enum bench_reference_id {
	BENCH_REF_EVALSHA,     /* bare deduction on a sold-out key, 20 clients */
	BENCH_REF_EVALSHA_P16, /* the same, pipelined 16 deep */
	BENCH_REF_PING,        /* PING, 20 clients */
	BENCH_REF_PING_ONE,    /* PING, one client: one connection's round trips */
	BENCH_REF_COUNT
};

struct bench_reference {
	bool measured;
	double requests_per_s;
	double latency_ms_p50;
	char error[160];       /* why it was not measured */
};

/* A short description of a reference ("EVALSHA deduct, 20 clients"). */
const char *bench_reference_name(enum bench_reference_id id);

/* Runs redis-benchmark (PATH, /usr/bin, or FLASHSIM_REDIS_BENCHMARK) for
 * every reference against the server of redis, which must be one this
 * process may write to (it sets a sold-out stock key of its own tag).
 * requests: of each unpipelined run; the pipelined one runs five times as
 * many. A reference that could not be measured says why in its error;
 * returns -1 only when Redis itself failed (redis->error). */
int bench_reference_run(struct redis_conn *redis, int requests,
			struct bench_reference refs[BENCH_REF_COUNT]);
/* The same for one reference only. */
int bench_reference_run_one(struct redis_conn *redis, int requests,
			    enum bench_reference_id id,
			    struct bench_reference *ref);

/* The table of one `flashsim bench` (bench_table.c). */
#define BENCH_ROWS_MAX 8
#define BENCH_ROUNDS_MAX 9
#define BENCH_ROUNDS_DEFAULT 3

struct bench_row {
	const char *name;           /* the workload */
	struct bench_result result;
	bool redis_cpu_known;
	double redis_cpu_s;         /* Redis's main thread, during the workload */
	double client_cpu_s;        /* this process, during the workload */
};

struct bench_table {
	char machine[256];          /* CPUs and model */
	char redis_version[32];
	char address[REDIS_ADDRESS_MAX];
	int inflight;
	bool functions;             /* the calls went by FCALL, not EVALSHA */
	bool reference;             /* the references were run */
	struct bench_reference refs[BENCH_REF_COUNT];       /* before the rows */
	struct bench_reference refs_after[BENCH_REF_COUNT]; /* after them */
	/* The reject workload runs `rounds` times, alternating with the
	 * unpipelined EVALSHA reference (beside_reject[r] right before round
	 * r, beside_reject[r + 1] right after it): the shared machine's load
	 * changes within a minute, so each round is compared with the
	 * reference measured next to it. rows[] holds the median round. */
	int rounds;
	struct bench_reference beside_reject[BENCH_ROUNDS_MAX + 1];
	struct bench_row reject_rounds[BENCH_ROUNDS_MAX];
	int row_count;
	struct bench_row rows[BENCH_ROWS_MAX];
};

/* The round of the reject workload whose ratio to its neighbouring
 * references is the median (the lower of the two middle ones when the
 * count is even); 0 when there is only one. */
int bench_median_round(const struct bench_table *table);

/* Prints the references, each row's rates, latencies and CPU time per
 * request, the ratios to the references and the reject target. A
 * reference's rate is the higher of its two runs (before and after the
 * workloads): on a noisy machine the ratios err against the bench. */
void bench_table_print(FILE *out, const struct bench_table *table);

/* The same figures as one JSON object on one line (docs/PERFORMANCE.md
 * lists its keys), for a CI job that keeps them from run to run. */
void bench_table_json(FILE *out, const struct bench_table *table);

#endif
