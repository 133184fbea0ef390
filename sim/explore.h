/*
 * explore.h - the explorer: the same sale under many fault plans.
 *
 *   exhaustive  a dry run counts how often the workload reaches every
 *               failure point; then every (point, hit, applicable kind) is
 *               run alone and checked: SQLite's "fail the Nth operation,
 *               for every N", for every point; but not at a hit where
 *               the sale's own plan (--fault) has a fault, which would
 *               keep it from firing
 *   pairs       pairs of those single faults at two different (point,
 *               hit), each pair once (the order of a plan's faults
 *               makes no difference), up to a budget
 *   random      runs whose faults are drawn from per-seed probabilities
 *
 * Runs are spread over worker processes, each with its own Redis; the
 * first worker that fails (an internal error, or its death) stops the
 * others, and the exploration ends there without a verdict. Every
 * distinct failure (the invariant it breaks, or liveness) is shrunk to the
 * fewest faults and users that still break it, and replayed once to show
 * the replay reproduces it (same digest).
 */
#ifndef FLASHSIM_EXPLORE_H
#define FLASHSIM_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"
#include "points.h"
#include "sim.h"

#define EXPLORE_FAILURES_MAX 32
#define EXPLORE_KEY_MAX 64
/* Invariants whose violations are counted run by run (the set's first
 * ones: sim_result.violated_set). */
#define EXPLORE_INVARIANTS_MAX 64
/* Recovery mode's second pass faults the first this many hits of each
 * step only a recovery runs. */
#define EXPLORE_RECOVERY_HITS 3
/* Each worker times EXPLORE_PING_COUNT PINGs after every
 * EXPLORE_PING_EVERY runs, or once after its last when it makes fewer:
 * a few percent of its time. */
#define EXPLORE_PING_COUNT 100
#define EXPLORE_PING_EVERY 64

struct explore_failure {
	char key[EXPLORE_KEY_MAX];   /* the invariant broken, or "liveness" */
	uint64_t count;              /* runs that failed this way */
	struct sim_config first;     /* the first run that did (in the
	                                exploration's order, whatever the
	                                order the jobs finished in), as run */
	uint64_t first_index;        /* its index in the exploration */
	struct fault_plan first_fired;
	char problem[512];
	struct sim_config shrunk;    /* the smallest run found that does */
	char replay[4096];
	bool replay_verified;        /* the replay gave the same digest twice */
	uint32_t replays;            /* replays of the shrunk run made: 2,
	                                more when it did not reproduce */
	uint32_t reproduced;         /* of them, those that failed this way */
	bool shown_fails;            /* the kept replay (report, timeline,
	                                svg) is one that failed this way */
	int64_t run_id;              /* the shrunk run in the trace database */
	uint64_t digest;             /* the digest of that run (a replay
	                                gives it again) */
	double shrink_seconds;       /* the wall time its shrinking and
	                                replays took */
	char *report;                /* the checker's report of it; owned */
	char *timeline;              /* its text timeline; owned */
	char *svg;                   /* its sequence diagram; owned */
	char *violations_json;       /* its violations as JSON,
					",\"violations\":[...]"; owned */
};

struct explore_stats {
	uint64_t planned;            /* runs the mode asked for, of this
	                                shard (--shard); in recovery mode,
	                                of both passes */
	uint64_t planned_all;        /* of the whole exploration, every
	                                shard's; in recovery mode with
	                                --shard, of the first pass only (no
	                                shard knows the second pass of
	                                another: explore_whole_known) */
	uint64_t done;
	bool stopped_by_budget;      /* --seconds ran out before planned */
	bool stopped_by_input;       /* the error that stopped it is one of
	                                the input's (a user's invariant that
	                                failed when run): exit 64 */
	uint64_t singles;            /* the single faults the sale offers
	                                (none at a hit of its own faults) */
	uint64_t mode_runs;          /* the runs the mode makes uncut:
	                                exhaustive singles, pairs
	                                the pairs of singles at two
	                                different (point, hit), recovery
	                                singles + its second pass (when it
	                                was planned; with --shard, singles
	                                only), random 0 (no end) */
	/* Recovery mode: the first pass's runs, of this shard (planned
	 * less the second pass's) and of every shard (singles, or --runs
	 * when fewer); then whether this shard planned a second pass (only
	 * after a whole first pass), its runs uncut, and those --runs
	 * leaves it (with --shard, planned from this shard's first pass
	 * alone, and cut to its share of what --runs leaves). */
	uint64_t first_planned;
	uint64_t first_planned_all;
	bool second_pass;
	uint64_t second_runs;
	uint64_t second_planned;
	/* the (point, hit, kind) the second pass's runs faulted, whatever
	 * their opener: bit n - 1 of [point][kind] for hit n */
	uint8_t second_faulted[POINT_COUNT][FAULT_KIND_COUNT];
	uint64_t verdicts[VERDICT_LIVENESS + 1];
	/* every invariant of the set (the first EXPLORE_INVARIANTS_MAX), and
	 * the runs that broke it, first or not: a failure is named after
	 * the first invariant it breaks only */
	int invariant_count;
	char invariant_names[EXPLORE_INVARIANTS_MAX][EXPLORE_KEY_MAX];
	/* what each checks, for the reports (invariant_explanation) */
	char invariant_texts[EXPLORE_INVARIANTS_MAX][1024];
	uint64_t invariant_runs[EXPLORE_INVARIANTS_MAX];
	uint64_t by_kind[FAULT_KIND_COUNT][VERDICT_LIVENESS + 1];
	uint64_t matrix[POINT_COUNT][FAULT_KIND_COUNT][VERDICT_LIVENESS + 1];
	/* per cell of the matrix, the failure of the exploration's first
	 * failing run with that fault: its key, and that run's index + 1
	 * (0: none failed) */
	char cell_failure[POINT_COUNT][FAULT_KIND_COUNT][EXPLORE_KEY_MAX];
	uint64_t cell_first[POINT_COUNT][FAULT_KIND_COUNT];
	uint64_t hits[POINT_COUNT];  /* over every run, recovery included */
	bool in_use[POINT_COUNT];    /* reachable in this configuration */
	int points_in_use;
	uint32_t dry_hits[POINT_COUNT];
	/* What the run without the explored faults (the dry run: with the
	 * fixed ones, --fault) sold: its stock at the start and the end,
	 * its orders. One that sold nothing with stock to sell passed its
	 * invariants for want of a sale: said as a warning
	 * (report_dry_sale). */
	bool dry_ran;
	int64_t dry_stock_initial;
	int64_t dry_stock_left;
	int64_t dry_orders;
	bool fault_free_failed;      /* the sale fails without any fault of
	                                the exploration's (the run with only
	                                the fixed ones, --fault) */
	struct fault_plan not_fired; /* fixed faults (--fault) the dry run
	                                never fired */
	/* Runs in which a fault of their own plan (the sale's own faults
	 * and those the mode added) never fired: the run never reached its
	 * hit, an earlier fault having taken it elsewhere. The faults of
	 * not_fired are left aside (said once, above). Then the faults
	 * that did not fire, over those runs; and the first such run of the
	 * exploration's order (index + 1, 0: none), its seed, its plan and
	 * its first fault that did not fire. */
	uint64_t runs_not_fired;
	uint64_t faults_not_fired;
	uint64_t not_fired_first;
	uint64_t not_fired_first_seed;
	struct fault_plan not_fired_first_plan;
	struct fault not_fired_first_fault;
	uint64_t faults_fired;
	double seconds;              /* wall time exploring: the dry run and
	                                the runs */
	double shrink_seconds;       /* wall time shrinking and replaying the
	                                failures, after it (each failure's
	                                share in its shrink_seconds) */
	struct explore_failure failures[EXPLORE_FAILURES_MAX];
	int failure_count;
	uint64_t failures_dropped;   /* distinct failures past the table */
	uint64_t shrink_runs;
	uint64_t commands;           /* Redis commands of the runs */
	uint64_t server_starts;      /* redis-server restarts of the runs */
	double server_start_seconds; /* their time, summed over the jobs */
	/* PING round trips of one connection, timed by each worker on its
	 * own connection between its runs (EXPLORE_PING_COUNT every
	 * EXPLORE_PING_EVERY runs): the round trip
	 * the runs themselves see, the machine's load included */
	uint64_t ping_count;
	double ping_seconds;
	double ping_per_second;      /* ping_count / ping_seconds */
	size_t peak_rss_kb;          /* the largest of the explorer, its
	                                workers and their redis-servers */
	size_t own_peak_rss_kb;      /* the largest of the explorer and its
	                                workers alone: what would grow if
	                                flashsim kept something of every run */
};

/* Whether a run's plan has room for the faults the mode adds to the
 * sale's own (--fault, [faults]): one in exhaustive mode, two in pairs
 * and recovery modes (a fault of the second pass goes on top of its
 * opener), at least one drawn in random mode: random faults leave room
 * for the sale's faults still to come (faults/inject.h), so a sale of at
 * most PLAN_FAULTS_MAX - 1 faults leaves each run room to draw one.
 * Returns 0, or -1 with error set. */
int explore_check_room(const struct cli_options *options, char *error,
		       size_t error_size);
/* Explores options->config with the options' mode, budget and jobs.
 * progress: where to draw a progress line (a terminal), or NULL.
 * Returns 0 with stats filled, or an exit code with error set. */
int explore(const struct cli_options *options, FILE *progress,
	    struct explore_stats *stats, char *error, size_t error_size);
/* Whether stats->planned_all and stats->mode_runs are the whole
 * exploration's: not in recovery mode with --shard, where each shard
 * plans its own second pass from its own share of the first, and knows
 * the first pass's runs only. */
bool explore_whole_known(const struct cli_options *options);
/* The verdict of an exploration, as its exit code has it: violation if
 * any run broke an invariant, else liveness if any hung, else ok. */
enum verdict explore_verdict(const struct explore_stats *stats);
/* The failure points in use that some run reached. */
int explore_points_reached(const struct explore_stats *stats);
/* Whether some run injected a fault at point p; and how many points in
 * use had one. A single fault (exhaustive, pairs) goes where the run
 * without the explored faults goes: a step only a recovery reaches is
 * reached, not faulted, unless random mode or a fixed fault puts one
 * there. */
bool explore_point_faulted(const struct explore_stats *stats, int p);
int explore_points_faulted(const struct explore_stats *stats);
/* The i-th of stats->not_fired as "POINT@N:KIND never fired: ...". */
void explore_not_fired(const struct explore_stats *stats, int i, char *out,
		       size_t size);
/* Frees what explore() allocated inside stats. */
void explore_stats_free(struct explore_stats *stats);

#endif
