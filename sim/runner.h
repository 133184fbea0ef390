/*
 * runner.h - what it takes to run sales one after another: the Redis
 * (started and owned, or given), the order database, the trace database
 * and the invariants. `flashsim run` makes one run, `flashsim explore`
 * thousands, through the same runner.
 */
#ifndef FLASHSIM_RUNNER_H
#define FLASHSIM_RUNNER_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "check.h"
#include "redis_server.h"
#include "sim.h"
#include "tracedb.h"

struct runner_options {
	const char *program;          /* argv[0], for replay commands */
	const char *scenario;         /* the scenario file, for the trace's
	                                 runs.scenario; NULL: none */
	const char *redis_address;    /* NULL: start and own a redis-server */
	int redis_db;                 /* of redis_address: its database */
	bool flush;                   /* FLUSHDB a given Redis before each run */
	enum redis_persistence persistence; /* of an owned server */
	const char *orders_db;        /* NULL: in a private directory */
	const char *trace_path;       /* NULL: the trace database is in
	                                 memory; "": a temporary file */
	const char *invariants_dir;   /* NULL: the built-in invariants only */
	FILE *timeline;               /* where trace lines go, or NULL */
	const char *timeline_header;  /* printed to timeline once Redis is
					 ready for the run (a refused Redis
					 prints none), or NULL */
	FILE *progress;               /* a terminal for a progress line
					 during a long run, or NULL */
	bool timeline_all;            /* every line, not only highlights */
};

/* redis-crash restarts after which the server starts once more from
 * nothing, between two runs (runner.c says why). */
#define RUNNER_RESTARTS_BEFORE_RESET 8

/* A claim token: "<host> <pid> <nonce> <pid namespace>" (runner.c):
 * a host name of up to 255 bytes fits. */
#define RUNNER_CLAIM_MAX 400

struct runner {
	struct runner_options options;
	struct redis_server server;   /* pid 0 when not owned */
	struct redis_server dir_only; /* with --redis: the private
					 directory alone, no server */
	char workdir[PATH_MAX];       /* private directory, "" when none */
	char orders_path[PATH_MAX + 16];
	struct redis_conn redis;
	struct order_db orders;
	int orders_lock;              /* --orders-db: its file, locked */
	struct tracedb *db;
	struct invariant_set invariants;
	int runs;
	enum variant_id scripts_of;   /* whose scripts Redis runs now */
	int64_t commands_offset;      /* added to the server's own count:
					 what the servers a redis-crash
					 killed had processed, less what the
					 new one replayed from its files */
	uint64_t server_starts;       /* restarts and resets, in all */
	double server_start_seconds;  /* the time they took */
	int restarts;                 /* redis-crash restarts since the
					 server last started empty */
	char claim[RUNNER_CLAIM_MAX]; /* with --redis: this run's token in
					 the sale's claim key ("": none) */
	char claim_key[KEY_MAX];
	uint64_t commands_seen;       /* runner_commands at the end of the
					 last run counted (0: not read) */
};

/* On a Redis of the user's that may evict keys (redis_evicts), a warning
 * on stderr naming its settings: the protocol needs noeviction, and a
 * violation on such a server may be Redis dropping keys. */
void runner_warn_eviction(struct redis_conn *conn);

/* Sets everything up. Returns 0, or an exit code (EXIT_USAGE for bad
 * input, an unreachable --redis; EXIT_INTERNAL otherwise) with error set;
 * runner_close is safe either way. */
int runner_open(struct runner *runner, const struct runner_options *options,
		char *error, size_t error_size);
void runner_close(struct runner *runner);

/* One run on a clean Redis and empty order database, recorded in the trace
 * database, its id in *run_id; run_id NULL: the run is checked on its trace
 * as any other, then its trace is dropped (the explorer keeps only
 * failures). replay gets the command that replays it. Returns 0 with a
 * verdict in result, or an exit code with error set: EXIT_USAGE (an
 * earlier sale's keys on a given Redis) or EXIT_INTERNAL (no verdict). After
 * an internal error a kept run stays, verdict NULL, with the events it
 * stored; a run with no event stored (one not kept never stores any) is
 * dropped, since its row would read as a flashsim that died mid-run
 * (docs/TRACE.md). */
int runner_run(struct runner *runner, const struct sim_config *config,
	       const char *command, struct sim_result *result,
	       int64_t *run_id, char *replay, size_t replay_size, char *error,
	       size_t error_size);

/* After an internal error on the private server: the connection's error
 * ("Connection reset by peer") says nothing of why it was lost. When the
 * server has died, what it died of and what its log says are added to
 * error. */
void runner_explain_dead_server(struct runner *runner, char *error,
				size_t error_size);

/* Redis's count of commands processed so far (INFO stats), including
 * those of the servers a redis-crash killed. Returns 0 or -1 with error. */
int runner_commands(struct runner *runner, uint64_t *commands, char *error,
		    size_t error_size);
/* The seconds `count` PINGs take, one after another, on the runner's
 * connection; -1 on error. */
double runner_ping_seconds(struct runner *runner, int count);

/* The command that replays a finished run exactly: its options with the
 * faults that fired as explicit --fault options (random ones included). */
void runner_replay(const struct runner *runner,
		   const struct sim_config *config,
		   const struct sim_result *result, char *replay,
		   size_t replay_size);

#endif
