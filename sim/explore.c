/*
 * explore.c - the explorer (see explore.h).
 */
#include "explore.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "report.h"
#include "report_html.h"
#include "runner.h"

#define JOBS_MAX 64
#define PAIRS_DEFAULT 2000
#define RANDOM_DEFAULT 1000
#define SHRINK_USER_STEPS 12

/* Recovery mode's second pass: a fault at a step only a recovery runs,
 * after the single fault (the opener) whose run started that recovery. */
struct recovery_run {
	uint64_t opener;             /* index of a single fault */
	struct fault fault;
};

/* Pairs mode's runs: every pair of single faults at two different
 * (point, hit), once (a fault is matched by its point and hit, so the
 * order of the two makes no difference, and a second fault at the same
 * hit could never fire).
 *
 * The s singles stand on a circle, in their order: pair {a, b} is the
 * slot a of the row d, for b = a + d (mod s), d = 1 .. s/2; the row s/2
 * of an even s has the slots a < s/2 only, so that each pair has one
 * slot. The singles of one hit are neighbours, at most `group` of them,
 * so the rows d >= group with 2d < s hold only pairs at two hits: these
 * are the full rows, s slots each. The other rows (d < group, and the
 * half row), at most `group` of them, keep only their pairs at two hits.
 *
 * The runs are dealt to the full rows and to the others in proportion to
 * their pairs (run i goes to the others when i x other / count steps up
 * at i), and the n-th run of either makes its pair n x step (mod its
 * pairs), a step coprime with them: the first runs, however many, are
 * distinct pairs spread over all of them. In the full rows, the slot
 * (n x step mod s) visits the singles in turn, so that a sample cut by
 * --runs pairs every single about as often as any other (2 x runs / s
 * times). */
struct pair_plan {
	uint64_t count;              /* the pairs: full + other */
	uint64_t full_first;         /* the first full row's d */
	uint64_t full;               /* the full rows' pairs: s x rows */
	uint64_t full_step;
	int other_rows;
	uint64_t other_distance[FAULT_KIND_COUNT]; /* each other row's d */
	uint64_t other_before[FAULT_KIND_COUNT];   /* pairs of the rows
						      before it */
	uint64_t other;              /* the other rows' pairs */
	uint64_t other_step;
};

/* The work of an exploration: run i is described by work_config(). */
struct work {
	const struct cli_options *options;
	struct fault *singles;       /* owned */
	uint64_t single_count;
	uint64_t first;              /* the first run of this pass */
	uint64_t planned;            /* runs first .. planned - 1 */
	uint64_t offset;             /* of them, this process makes first +
	                                offset, then every stride-th: the
	                                first pass is shared out by --shard,
	                                a second pass is the shard's own */
	uint64_t stride;
	struct pair_plan pairs;      /* pairs mode */
	double deadline;             /* monotonic seconds, 0: none */
	struct recovery_run *recovery; /* owned; run single_count + j */
	uint64_t recovery_count;
};

/* What a worker sends the explorer, one message to a write. A message
 * fits in PIPE_BUF, so each write is atomic and each read takes a whole
 * one. A worker says where its private directory is once its runner is
 * open, then sends a run message per run, and ends with done or error:
 * a pipe that closes without either is a worker that died. */
enum record_kind {
	RECORD_RUN,                  /* a run's result: the fields below */
	RECORD_DIRECTORY,            /* text: the worker's private directory */
	RECORD_PINGS,                /* pings PING round trips took
	                                ping_seconds, between runs */
	RECORD_DONE,                 /* the last: its share is made */
	RECORD_ERROR,                /* the last: text, the internal error
	                                that stopped it ("run 12: ...") */
};

#define RECORD_TEXT_MAX 2048

struct record {
	enum record_kind kind;
	uint64_t index;
	int code;                    /* RECORD_ERROR: the exit code */
	long peak_kb;                /* RECORD_DONE, RECORD_ERROR: the
	                                worker's own peak resident memory */
	uint32_t pings;              /* RECORD_PINGS */
	double ping_seconds;
	union {
		struct {
			enum verdict verdict;
			char key[EXPLORE_KEY_MAX];
			char problem[200];
			uint32_t hits[POINT_COUNT];
			/* while faults were on */
			uint32_t active_hits[POINT_COUNT];
			struct fault_plan fired;
			/* the invariants it broke (sim_result) */
			uint64_t violated_set;
			/* Redis commands the run made */
			uint64_t commands;
			/* redis-server restarts it needed */
			uint32_t server_starts;
			/* and their time */
			double server_start_seconds;
		};
		char text[RECORD_TEXT_MAX]; /* RECORD_DIRECTORY, RECORD_ERROR */
	};
};

_Static_assert(sizeof(struct record) <= 4096, "a record must fit in PIPE_BUF");
_Static_assert(RECORD_TEXT_MAX > REDIS_SERVER_PATH_MAX,
	       "a worker's directory must fit in a record");

/* The peak resident memory of this process alone, in KB: its VmHWM,
 * which belongs to its own image. (getrusage's ru_maxrss keeps the peak
 * of the image before its exec: a flashsim started by a large process
 * would report that process's memory as its own.) */
static long own_peak_kb(void)
{
	FILE *status = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0;
	struct rusage self;
	while (status && fgets(line, sizeof(line), status))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	if (status)
		fclose(status);
	if (kb <= 0 && getrusage(RUSAGE_SELF, &self) == 0)
		kb = self.ru_maxrss; /* no /proc: the best there is */
	return kb;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The failure's name: the invariant before the first ':' of the problem. */
static void failure_key(const struct sim_result *result, char *key, size_t size)
{
	const char *colon = strchr(result->problem, ':');
	size_t length = colon ? (size_t)(colon - result->problem) :
				strlen(result->problem);
	if (result->verdict == VERDICT_LIVENESS)
		snprintf(key, size, "liveness");
	else
		snprintf(key, size, "%.*s", (int)length, result->problem);
}

/* Whether singles a and b are at two different (point, hit). */
static bool singles_apart(const struct work *work, uint64_t a, uint64_t b)
{
	return work->singles[a].point != work->singles[b].point ||
	       work->singles[a].nth != work->singles[b].nth;
}

/* The slots of row d of the circle (struct pair_plan). */
static uint64_t row_slots(uint64_t s, uint64_t d)
{
	return 2 * d < s ? s : s / 2;
}

/* The pair of run index of pairs mode (struct pair_plan), as singles
 * first < second. */
static void pair_at(const struct work *work, uint64_t index, uint64_t *first,
		    uint64_t *second)
{
	const struct pair_plan *pairs = &work->pairs;
	uint64_t s = work->single_count, a = 0, d;
	uint64_t others_before = index * pairs->other / pairs->count;
	uint64_t others_after = (index + 1) * pairs->other / pairs->count;
	assert(index < pairs->count);
	if (others_after == others_before) {
		uint64_t slot = (index - others_before) * pairs->full_step %
				pairs->full;
		d = pairs->full_first + slot / s;
		a = slot % s;
	} else {
		uint64_t pair = others_before * pairs->other_step % pairs->other;
		int row = pairs->other_rows - 1;
		uint64_t skip;
		while (pairs->other_before[row] > pair)
			row--;
		d = pairs->other_distance[row];
		/* the pair - other_before[row]-th of the row's pairs at two
		 * hits; a row has at most s slots */
		skip = pair - pairs->other_before[row];
		for (;; a++) {
			assert(a < row_slots(s, d));
			if (singles_apart(work, a, (a + d) % s) && skip-- == 0)
				break;
		}
	}
	*first = a < (a + d) % s ? a : (a + d) % s;
	*second = a < (a + d) % s ? (a + d) % s : a;
	assert(singles_apart(work, *first, *second));
}

static void work_config(const struct work *work, uint64_t index,
			struct sim_config *config)
{
	const struct cli_options *options = work->options;
	*config = options->config;
	switch (options->mode) {
	case EXPLORE_RECOVERY:
		if (index >= work->single_count) {
			const struct recovery_run *run =
				&work->recovery[index - work->single_count];
			(void)fault_plan_push(&config->plan,
					      &work->singles[run->opener]);
			(void)fault_plan_push(&config->plan, &run->fault);
			return;
		}
		/* the first pass is exhaustive's */
		/* fall through */
	case EXPLORE_EXHAUSTIVE:
		/* explore_check_room made room for it */
		(void)fault_plan_push(&config->plan, &work->singles[index]);
		return;
	case EXPLORE_PAIRS: {
		uint64_t first, second;
		pair_at(work, index, &first, &second);
		/* explore_check_room made room for both */
		(void)fault_plan_push(&config->plan, &work->singles[first]);
		(void)fault_plan_push(&config->plan, &work->singles[second]);
		return;
	}
	case EXPLORE_RANDOM:
		/* Past the largest seed (2^63 - 1) the seeds start again
		 * from 0, so every replay's --seed is one run accepts. */
		config->seed = (options->config.seed + index) &
			       (uint64_t)INT64_MAX;
		config->random_faults = true;
		config->random_kinds = options->kinds;
		return;
	}
}

int explore_check_room(const struct cli_options *options, char *error,
		       size_t error_size)
{
	int adds = options->mode == EXPLORE_PAIRS ||
		   options->mode == EXPLORE_RECOVERY ? 2 : 1;
	int own = options->config.plan.count;
	if (own + adds <= PLAN_FAULTS_MAX)
		return 0;
	snprintf(error, error_size, "the sale has %d faults of its own (--fault,"
		 " [faults]), and each run of the exploration adds %s: a run"
		 " holds at most %d faults, so give at most %d of its own", own,
		 options->mode == EXPLORE_PAIRS ? "two (pairs mode)" :
		 options->mode == EXPLORE_RECOVERY ? "two (recovery mode)" :
		 options->mode == EXPLORE_RANDOM ? "the faults it draws" :
		 "one", PLAN_FAULTS_MAX, PLAN_FAULTS_MAX - adds);
	return -1;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Whether the sale's own plan (--fault, [faults]) has a fault at hit n
 * of point p: a fault the exploration adds there could never fire, as
 * fault_plan_at gives the plan's first fault of a hit. */
static bool own_fault_at(const struct cli_options *options, int p,
			 uint32_t n)
{
	return fault_plan_at(&options->config.plan, (enum point_id)p, n) !=
	       FAULT_NONE;
}

/* How many of kinds apply at point p. */
static uint64_t point_kind_count(int p, unsigned kinds)
{
	uint64_t count = 0;
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++)
		count += point_allows(p, k) && (kinds & KIND_BIT(k));
	return count;
}

/* A stride from 7919 on coprime with count: n x stride (mod count)
 * visits every n < count once. */
static uint64_t coprime_step(uint64_t count)
{
	uint64_t step = 7919;
	while (count >= 2 && gcd(step, count) != 1)
		step += 2;
	return step;
}

/* Pairs mode's rows (struct pair_plan) of the singles enumerated. */
static void plan_pairs(struct work *work)
{
	struct pair_plan *pairs = &work->pairs;
	uint64_t s = work->single_count, group = 1, run = 1;
	memset(pairs, 0, sizeof(*pairs));
	/* the most singles at one hit: they are neighbours */
	for (uint64_t i = 1; i < s; i++) {
		run = singles_apart(work, i - 1, i) ? 1 : run + 1;
		if (run > group)
			group = run;
	}
	assert(group < FAULT_KIND_COUNT);
	pairs->full_first = group;
	for (uint64_t d = 1; d <= s / 2; d++) {
		uint64_t row = 0;
		if (d >= group && 2 * d < s) {
			pairs->full += s;
			continue;
		}
		/* at most group - 1 short rows and the half row */
		assert(pairs->other_rows < FAULT_KIND_COUNT);
		for (uint64_t a = 0; a < row_slots(s, d); a++)
			row += singles_apart(work, a, (a + d) % s);
		if (row == 0)
			continue;
		pairs->other_distance[pairs->other_rows] = d;
		pairs->other_before[pairs->other_rows++] = pairs->other;
		pairs->other += row;
	}
	pairs->count = pairs->full + pairs->other;
	pairs->full_step = coprime_step(pairs->full);
	pairs->other_step = coprime_step(pairs->other);
}

/* Every (point, hit, kind) the dry run reached, in point order, but those
 * at a hit where the sale's own plan already has a fault; in pairs mode,
 * the rows of their pairs. */
static int enumerate(struct work *work, const struct explore_stats *stats,
		     unsigned kinds, char *error, size_t error_size)
{
	const struct cli_options *options = work->options;
	uint64_t count = 0, at = 0;
	for (int p = 0; p < POINT_COUNT; p++)
		for (uint32_t n = 1; n <= stats->dry_hits[p]; n++)
			if (!own_fault_at(options, p, n))
				count += point_kind_count(p, kinds);
	work->singles = calloc(count ? count : 1, sizeof(*work->singles));
	if (!work->singles) {
		snprintf(error, error_size, "out of memory for %" PRIu64 " faults",
			 count);
		return -1;
	}
	for (int p = 0; p < POINT_COUNT; p++)
		for (uint32_t n = 1; n <= stats->dry_hits[p]; n++)
			for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++)
				if (point_allows(p, k) && (kinds & KIND_BIT(k)) &&
				    !own_fault_at(options, p, n))
					work->singles[at++] = (struct fault){ p, n, k };
	assert(at == count);
	work->single_count = count;
	if (options->mode == EXPLORE_PAIRS)
		plan_pairs(work);
	return 0;
}

static void plan_work(struct work *work)
{
	const struct cli_options *options = work->options;
	uint64_t s = work->single_count;
	switch (options->mode) {
	case EXPLORE_RECOVERY:
	case EXPLORE_EXHAUSTIVE:
		work->planned = s;
		if (options->runs && (uint64_t)options->runs < s)
			work->planned = (uint64_t)options->runs;
		break;
	case EXPLORE_PAIRS:
		/* the first runs of struct pair_plan's order are spread
		 * over all the pairs */
		work->planned = work->pairs.count;
		if (work->planned > (uint64_t)(options->runs ? options->runs :
					       PAIRS_DEFAULT))
			work->planned = (uint64_t)(options->runs ? options->runs :
						   PAIRS_DEFAULT);
		break;
	case EXPLORE_RANDOM:
		work->planned = (uint64_t)(options->runs ? options->runs :
					   RANDOM_DEFAULT);
		break;
	}
	if (options->seconds)
		work->deadline = now_seconds() + (double)options->seconds;
}

/* The runs the mode makes when nothing cuts it (stats->mode_runs). */
static uint64_t mode_runs(const struct work *work)
{
	uint64_t s = work->single_count;
	switch (work->options->mode) {
	case EXPLORE_EXHAUSTIVE:
	case EXPLORE_RECOVERY:
		return s;
	case EXPLORE_PAIRS:
		return work->pairs.count;
	case EXPLORE_RANDOM:
		break;
	}
	return 0;
}

/* The shards of the options (--shard), 1 without it. */
static uint64_t shard_count(const struct cli_options *options)
{
	return (uint64_t)(options->shard_count > 0 ? options->shard_count : 1);
}

/* Share index of count things dealt out one by one to shares: index,
 * index + shares, ... below count. The shares sum to count. */
static uint64_t share_of(uint64_t count, uint64_t index, uint64_t shares)
{
	return count > index ? (count - index + shares - 1) / shares : 0;
}

/* Runs of this pass that this process makes. */
static uint64_t pass_size(const struct work *work)
{
	return share_of(work->planned - work->first, work->offset,
			work->stride);
}

/* ---- running ----------------------------------------------------------- */

static struct runner_options worker_runner_options(const struct cli_options *o)
{
	struct runner_options runner = o->runner;
	runner.trace_path = NULL;   /* runs are kept by the parent's runner */
	runner.orders_db = NULL;
	runner.timeline = NULL;
	return runner;
}

/* One run into record. A run that reached no verdict returns its exit
 * code, EXIT_INTERNAL, or EXIT_USAGE when one of the user's invariants
 * failed when run, with the message in error, and the record is not to
 * be sent. */
static int one_run(struct runner *runner, const struct sim_config *config,
		   uint64_t index, struct record *record, char *error,
		   size_t error_size)
{
	struct sim_result result;
	char replay[4096];
	uint64_t before = runner->commands_seen, after = 0;
	uint64_t starts = runner->server_starts;
	double start_seconds = runner->server_start_seconds;
	/* One INFO per run: the count at the end of the last run is this
	 * one's start (read once, and again after a run that failed). */
	int rc = before ? 0 : runner_commands(runner, &before, error,
					      error_size);
	runner->commands_seen = 0;
	if (rc == 0)
		rc = runner_run(runner, config, "explore", &result, NULL,
				replay, sizeof(replay), error, error_size);
	if (rc == 0)
		rc = runner_commands(runner, &after, error, error_size);
	memset(record, 0, sizeof(*record));
	record->kind = RECORD_RUN;
	record->index = index;
	/* Less the INFO that read `before`, which `after` counts. */
	record->commands = after > before ? after - before - 1 : 0;
	if (rc == 0)
		runner->commands_seen = after;
	record->server_starts = (uint32_t)(runner->server_starts - starts);
	record->server_start_seconds = runner->server_start_seconds -
				       start_seconds;
	if (rc != 0)
		return rc == EXIT_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
	record->verdict = result.verdict;
	record->violated_set = result.violated_set;
	failure_key(&result, record->key, sizeof(record->key));
	snprintf(record->problem, sizeof(record->problem), "%.199s", result.problem);
	memcpy(record->hits, result.hits, sizeof(record->hits));
	memcpy(record->active_hits, result.active_hits,
	       sizeof(record->active_hits));
	record->fired = result.fired;
	return 0;
}

typedef int (*record_sink)(void *context, const struct record *record);

/* run_share's code when the sink refused a record (a worker's pipe that
 * the explorer closed): the explorer knows why, and says it. */
#define SHARE_UNREAD (-2)

/* Times EXPLORE_PING_COUNT PINGs on the runner's connection, after a
 * run, and hands their time to sink. The next run reads Redis's count
 * of commands afresh: the PINGs are not its commands. */
static int time_pings(struct runner *runner, record_sink sink, void *context,
		      char *error, size_t error_size)
{
	struct record record;
	double seconds = runner_ping_seconds(runner, EXPLORE_PING_COUNT);
	runner->commands_seen = 0;
	if (seconds < 0) {
		snprintf(error, error_size, "redis %s: PING: %s",
			 runner->redis.address, runner->redis.context->errstr);
		runner_explain_dead_server(runner, error, error_size);
		return EXIT_INTERNAL;
	}
	memset(&record, 0, sizeof(record));
	record.kind = RECORD_PINGS;
	record.pings = EXPLORE_PING_COUNT;
	record.ping_seconds = seconds;
	if (sink(context, &record) != 0) {
		snprintf(error, error_size, "its PING times were not taken (the"
			 " explorer stopped reading)");
		return SHARE_UNREAD;
	}
	return 0;
}

/* Runs job's share of this process's runs of the pass (every jobs-th of
 * them) and hands each record to sink, after one that names the
 * runner's private directory. With offset O and stride N (shard O + 1
 * of N in the first pass), the pass's runs O, O + N, O + 2N, ... The
 * runner is closed (its server stopped, its directory removed) before
 * it returns. A run that fails ends the share: its error, "run 12:
 * ...", is in error. */
static int run_share(const struct work *work, int job, int jobs,
		     record_sink sink, void *context, char *error,
		     size_t error_size)
{
	struct runner_options runner_options =
		worker_runner_options(work->options);
	struct runner runner;
	struct record record;
	uint64_t first = work->first + work->offset +
			 (uint64_t)job * work->stride, made = 0;
	bool timed = false;
	int rc = runner_open(&runner, &runner_options, error, error_size);
	if (rc == 0) {
		memset(&record, 0, sizeof(record));
		record.kind = RECORD_DIRECTORY;
		snprintf(record.text, sizeof(record.text), "%.*s",
			 (int)sizeof(record.text) - 1, runner.workdir);
		if (sink(context, &record) != 0) {
			snprintf(error, error_size, "its directory was not"
				 " taken (the explorer stopped reading)");
			rc = SHARE_UNREAD;
		}
	}
	for (uint64_t i = first; rc == 0 && i < work->planned;
	     i += (uint64_t)jobs * work->stride, made++) {
		struct sim_config config;
		char run_error[1024];
		if (work->deadline && now_seconds() > work->deadline)
			break;
		if (made > 0 && made % EXPLORE_PING_EVERY == 0) {
			timed = true;
			rc = time_pings(&runner, sink, context, error,
					error_size);
			if (rc != 0)
				break;
		}
		work_config(work, i, &config);
		rc = one_run(&runner, &config, i, &record, run_error,
			     sizeof(run_error));
		if (rc != 0) {
			snprintf(error, error_size, "run %" PRIu64 ": %s", i,
				 run_error);
		} else if (sink(context, &record) != 0) {
			/* a worker's pipe: the explorer has stopped (an
			 * interrupt, or an error it reports itself) */
			snprintf(error, error_size, "run %" PRIu64 ": its record"
				 " was not taken (the explorer stopped reading)",
				 i);
			rc = SHARE_UNREAD;
		}
	}
	/* a share shorter than EXPLORE_PING_EVERY runs times them once, at
	 * its end (not before its first run: a server just started) */
	if (rc == 0 && made > 0 && !timed)
		rc = time_pings(&runner, sink, context, error, error_size);
	runner_close(&runner);
	return rc;
}

/* ---- aggregating ------------------------------------------------------- */

struct aggregate {
	struct explore_stats *stats;
	const struct work *work;
	FILE *progress;
	double started;
	double last_drawn;
	/* recovery mode: for each point the run without explored faults
	 * never reached, the first single fault whose run reached it (of
	 * this shard's runs), and how often that run did while faults were
	 * on */
	bool opened[POINT_COUNT];
	uint64_t opener[POINT_COUNT];
	uint32_t opener_hits[POINT_COUNT];
};

static struct explore_failure *failure_slot(struct explore_stats *stats,
					    const char *key)
{
	for (int i = 0; i < stats->failure_count; i++)
		if (strcmp(stats->failures[i].key, key) == 0)
			return &stats->failures[i];
	if (stats->failure_count == EXPLORE_FAILURES_MAX)
		return NULL;
	struct explore_failure *failure = &stats->failures[stats->failure_count++];
	memset(failure, 0, sizeof(*failure));
	snprintf(failure->key, sizeof(failure->key), "%s", key);
	return failure;
}

static void draw_progress(struct aggregate *aggregate, bool last)
{
	struct explore_stats *stats = aggregate->stats;
	double now = now_seconds(), elapsed = now - aggregate->started;
	if (!aggregate->progress || (!last && now - aggregate->last_drawn < 0.2))
		return;
	aggregate->last_drawn = now;
	fprintf(aggregate->progress,
		"\rexplore: %" PRIu64 "/%" PRIu64 " runs, %.1f runs/s, %" PRIu64
		" failing%s", stats->done, stats->planned,
		elapsed > 0 ? (double)stats->done / elapsed : 0.0,
		stats->verdicts[VERDICT_VIOLATION] +
		stats->verdicts[VERDICT_LIVENESS], last ? "\n" : "   ");
	fflush(aggregate->progress);
}

/* A run of recovery mode's second pass: its fault on top of the opener,
 * when it fired, into stats->second_faulted. */
static void note_second_fault(struct explore_stats *stats,
			      const struct work *work,
			      const struct record *record)
{
	const struct fault *fault =
		&work->recovery[record->index - work->single_count].fault;
	for (int i = 0; i < record->fired.count; i++) {
		const struct fault *fired = &record->fired.faults[i];
		if (fault_same(fired, fault) && fault->nth >= 1 &&
		    fault->nth <= EXPLORE_RECOVERY_HITS)
			stats->second_faulted[fault->point][fault->kind] |=
				(uint8_t)(1u << (fault->nth - 1));
	}
}

/* A run in which a fault of its own plan did not fire, other than those
 * the dry run did not fire either: counted (explore_stats.runs_not_fired),
 * and kept when it is the first in the exploration's order. */
static void note_not_fired(struct explore_stats *stats,
			   const struct work *work, const struct record *record)
{
	struct sim_config config;
	struct fault_plan missing;
	const struct fault *first = NULL;
	uint64_t faults = 0;
	work_config(work, record->index, &config);
	fault_plan_missing(&config.plan, &record->fired, &missing);
	for (int i = 0; i < missing.count; i++) {
		if (fault_plan_has(&stats->not_fired, &missing.faults[i]))
			continue;
		if (!first)
			first = &missing.faults[i];
		faults++;
	}
	if (!first)
		return;
	stats->runs_not_fired++;
	stats->faults_not_fired += faults;
	if (stats->not_fired_first == 0 ||
	    record->index + 1 < stats->not_fired_first) {
		stats->not_fired_first = record->index + 1;
		stats->not_fired_first_seed = config.seed;
		stats->not_fired_first_plan = config.plan;
		stats->not_fired_first_fault = *first;
	}
}

static int absorb(void *context, const struct record *record)
{
	struct aggregate *aggregate = context;
	struct explore_stats *stats = aggregate->stats;
	struct explore_failure *failure;
	if (record->kind == RECORD_PINGS) {
		stats->ping_count += record->pings;
		stats->ping_seconds += record->ping_seconds;
		return 0;
	}
	if (record->kind != RECORD_RUN)
		return 0; /* the workers' own messages (collect) */
	stats->done++;
	stats->verdicts[record->verdict]++;
	stats->commands += record->commands;
	stats->server_starts += record->server_starts;
	stats->server_start_seconds += record->server_start_seconds;
	for (int p = 0; p < POINT_COUNT; p++)
		stats->hits[p] += record->hits[p];
	for (int i = 0; i < EXPLORE_INVARIANTS_MAX; i++)
		stats->invariant_runs[i] += (record->violated_set >> i) & 1;
	if (aggregate->work->options->mode == EXPLORE_RECOVERY &&
	    record->index < aggregate->work->single_count)
		for (int p = 0; p < POINT_COUNT; p++)
			if (!stats->dry_hits[p] && record->active_hits[p] &&
			    (!aggregate->opened[p] ||
			     record->index < aggregate->opener[p])) {
				aggregate->opened[p] = true;
				aggregate->opener[p] = record->index;
				aggregate->opener_hits[p] = record->active_hits[p];
			}
	if (aggregate->work->options->mode == EXPLORE_RECOVERY &&
	    record->index >= aggregate->work->single_count)
		note_second_fault(stats, aggregate->work, record);
	note_not_fired(stats, aggregate->work, record);
	for (int i = 0; i < record->fired.count; i++) {
		const struct fault *fault = &record->fired.faults[i];
		uint64_t *first = &stats->cell_first[fault->point][fault->kind];
		stats->by_kind[fault->kind][record->verdict]++;
		stats->matrix[fault->point][fault->kind][record->verdict]++;
		stats->faults_fired++;
		if (record->verdict != VERDICT_OK &&
		    (*first == 0 || record->index + 1 < *first)) {
			*first = record->index + 1;
			snprintf(stats->cell_failure[fault->point][fault->kind],
				 EXPLORE_KEY_MAX, "%s", record->key);
		}
	}
	if (record->verdict != VERDICT_OK) {
		failure = failure_slot(stats, record->key);
		if (!failure) {
			stats->failures_dropped++;
		} else if (failure->count++ == 0 ||
			   record->index < failure->first_index) {
			/* The jobs finish in any order; the exploration's
			 * first run of the failure is the one shrunk, so that
			 * --jobs does not change the counterexample. */
			failure->first_index = record->index;
			work_config(aggregate->work, record->index, &failure->first);
			failure->first_fired = record->fired;
			snprintf(failure->problem, sizeof(failure->problem), "%s",
				 record->problem);
		}
	}
	draw_progress(aggregate, false);
	return 0;
}

static int write_record(void *context, const struct record *record)
{
	int fd = *(int *)context;
	ssize_t n;
	do {
		n = write(fd, record, sizeof(*record));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*record) ? 0 : -1;
}

/* ---- workers ----------------------------------------------------------- */

/* How long a stopped worker has to stop its server and remove its
 * directory (it takes milliseconds) before it is killed outright. */
#define WORKER_STOP_SECONDS 10.0

/* A worker as the explorer sees it. States: reading (fd open) -> ended
 * (its last message, done or error, came) -> closed (fd -1) -> reaped;
 * or reading -> closed without a last message: it died. */
struct worker_slot {
	pid_t pid;
	int fd;                      /* the pipe's read end; -1 once closed */
	bool ended;                  /* its last message came */
	bool reaped;
	int status;                  /* waitpid's, once reaped */
	uint64_t runs;               /* run messages taken from it */
	char dir[REDIS_SERVER_PATH_MAX]; /* its private directory, "" until
	                                    it says */
	int code;                    /* the exit code its error message
	                                gave, 0 until one came */
};

static void reap_worker(struct worker_slot *slot)
{
	pid_t reaped;
	if (slot->reaped)
		return;
	while ((reaped = waitpid(slot->pid, &slot->status, 0)) < 0 &&
	       errno == EINTR)
		;
	slot->reaped = true;
	if (reaped < 0)
		slot->status = -1; /* not ours to reap: unknown */
}

/* Reaps a worker that was told to stop, killing it when it has not
 * stopped by the deadline (monotonic seconds). */
static void reap_stopped_worker(struct worker_slot *slot, double deadline)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	while (!slot->reaped) {
		pid_t reaped = waitpid(slot->pid, &slot->status, WNOHANG);
		if (reaped == slot->pid || (reaped < 0 && errno != EINTR)) {
			slot->reaped = true;
			if (reaped < 0)
				slot->status = -1;
		} else if (now_seconds() > deadline) {
			kill(slot->pid, SIGKILL);
			reap_worker(slot);
		} else {
			nanosleep(&pause, NULL);
		}
	}
}

/* How a reaped worker ended: "died of signal 9 (Killed)", "exited with
 * status 3". */
static void worker_end(const struct worker_slot *slot, char *out, size_t size)
{
	if (slot->status == -1)
		snprintf(out, size, "ended (how, waitpid could not say)");
	else if (WIFSIGNALED(slot->status))
		snprintf(out, size, "died of signal %d (%s)",
			 WTERMSIG(slot->status), strsignal(WTERMSIG(slot->status)));
	else
		snprintf(out, size, "exited with status %d",
			 WEXITSTATUS(slot->status));
}

/* What became of a worker whose pipe closed with no last message. */
static void worker_death(const struct worker_slot *slot, int job, char *error,
			 size_t error_size)
{
	char how[96];
	worker_end(slot, how, sizeof(how));
	snprintf(error, error_size, "worker %d (pid %ld) %s after %" PRIu64
		 " run%s, with no error message", job + 1, (long)slot->pid, how,
		 slot->runs, slot->runs == 1 ? "" : "s");
}

/* A worker's own peak memory, from its last message. */
static void take_peak(struct explore_stats *stats, const struct record *last)
{
	if (last->peak_kb > 0 && (size_t)last->peak_kb > stats->own_peak_rss_kb)
		stats->own_peak_rss_kb = (size_t)last->peak_kb;
}

/* Takes one message from worker job's pipe. Returns 0, or -1 when the
 * worker failed (its error message, or its death, in error). */
static int take_message(struct aggregate *aggregate, struct worker_slot *slot,
			int job, char *error, size_t error_size)
{
	struct record record;
	ssize_t n = read(slot->fd, &record, sizeof(record));
	if (n < 0 && errno == EINTR)
		return 0;
	if (n == (ssize_t)sizeof(record) && !slot->ended) {
		switch (record.kind) {
		case RECORD_RUN:
			slot->runs++;
			return absorb(aggregate, &record);
		case RECORD_PINGS:
			return absorb(aggregate, &record);
		case RECORD_DIRECTORY:
			snprintf(slot->dir, sizeof(slot->dir), "%.*s",
				 (int)sizeof(slot->dir) - 1, record.text);
			return 0;
		case RECORD_DONE:
			slot->ended = true;
			take_peak(aggregate->stats, &record);
			return 0;
		case RECORD_ERROR:
			slot->ended = true;
			take_peak(aggregate->stats, &record);
			slot->code = record.code;
			record.text[sizeof(record.text) - 1] = '\0';
			snprintf(error, error_size, "worker %d: %s", job + 1,
				 record.text);
			return -1;
		}
	}
	/* The end of the pipe (or what cannot be a message): the worker has
	 * exited, or is exiting. */
	close(slot->fd);
	slot->fd = -1;
	if (slot->ended)
		return 0;
	reap_worker(slot);
	worker_death(slot, job, error, error_size);
	return -1;
}

/* Reads the workers' messages until every pipe is closed, or until the
 * first worker that fails. Returns 0, or with error EXIT_USAGE (its
 * error was a user's invariant that failed when run) or -1. */
static int collect(struct aggregate *aggregate, struct worker_slot *slots,
		   int jobs, char *error, size_t error_size)
{
	struct pollfd polls[JOBS_MAX];
	int open = jobs;
	while (open > 0) {
		for (int j = 0; j < jobs; j++)
			polls[j] = (struct pollfd){ slots[j].fd, POLLIN, 0 };
		if (poll(polls, (nfds_t)jobs, 200) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(error, error_size, "reading the workers: poll:"
				 " %s", strerror(errno));
			return -1;
		}
		draw_progress(aggregate, false);
		for (int j = 0; j < jobs; j++) {
			if (polls[j].fd < 0 ||
			    !(polls[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (take_message(aggregate, &slots[j], j, error,
					 error_size) != 0)
				return slots[j].code == EXIT_USAGE ?
				       EXIT_USAGE : -1;
			open -= slots[j].fd < 0;
		}
	}
	return 0;
}

/* After a failure: every worker still at work is told to stop (SIGTERM:
 * it stops its server and removes its directory, as on any SIGTERM).
 * The runs they sent before they stopped are taken, so that the figures
 * are those of every run made; then all are reaped (killed when one has
 * not stopped by WORKER_STOP_SECONDS), and the directory of one that did
 * not end on its own is removed here, in case it could not remove it. */
static void stop_workers(struct aggregate *aggregate,
			 struct worker_slot *slots, int jobs)
{
	double deadline = now_seconds() + WORKER_STOP_SECONDS;
	struct pollfd polls[JOBS_MAX];
	char ignored[RECORD_TEXT_MAX + 32];
	int open = 0;
	for (int j = 0; j < jobs; j++) {
		if (slots[j].fd >= 0 && !slots[j].ended)
			kill(slots[j].pid, SIGTERM);
		open += slots[j].fd >= 0;
	}
	while (open > 0 && now_seconds() < deadline) {
		for (int j = 0; j < jobs; j++)
			polls[j] = (struct pollfd){ slots[j].fd, POLLIN, 0 };
		if (poll(polls, (nfds_t)jobs, 100) < 0 && errno != EINTR)
			break;
		for (int j = 0; j < jobs; j++) {
			if (polls[j].fd < 0 ||
			    !(polls[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* a stopped worker's end, or a second failure: the
			 * first is the one reported */
			(void)take_message(aggregate, &slots[j], j, ignored,
					   sizeof(ignored));
			open -= slots[j].fd < 0;
		}
	}
	for (int j = 0; j < jobs; j++) {
		if (slots[j].fd >= 0)
			close(slots[j].fd);
		slots[j].fd = -1;
		reap_stopped_worker(&slots[j], deadline);
		if (slots[j].dir[0] && !slots[j].ended)
			redis_server_remove_dir(slots[j].dir);
	}
}

static void worker(const struct work *work, int job, int jobs, int fd)
{
	struct record last;
	char error[RECORD_TEXT_MAX];
	int rc;
	/* What the parent tracks (selftest's trace directory) stays the
	 * parent's: a worker stopped by SIGTERM removes only its own. */
	redis_server_forget_all();
	rc = run_share(work, job, jobs, write_record, &fd, error,
		       sizeof(error));
	memset(&last, 0, sizeof(last));
	last.kind = rc == 0 ? RECORD_DONE : RECORD_ERROR;
	last.peak_kb = own_peak_kb();
	last.code = rc == EXIT_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
	if (rc != 0)
		snprintf(last.text, sizeof(last.text), "%s", error);
	/* The explorer reports the error; when it cannot be told (it
	 * stopped reading), it knows why already. */
	if (rc != SHARE_UNREAD && write_record(&fd, &last) != 0 && rc != 0)
		fprintf(stderr, "flashsim explore: worker %d: %s\n", job + 1,
			error);
	/* _exit: the parent's exit handlers are not ours to run. */
	_exit(rc == 0 ? 0 : rc == EXIT_USAGE ? EXIT_USAGE : EXIT_INTERNAL);
}

/* Starts the workers, takes their runs, and reaps them. The first that
 * fails (an error it reports, or its death) stops the exploration: the
 * others are stopped at once, and error says what happened to it. */
static int run_workers(const struct work *work, struct aggregate *aggregate,
		       int jobs, char *error, size_t error_size)
{
	struct worker_slot slots[JOBS_MAX];
	int started = 0, rc = 0;
	assert(jobs <= JOBS_MAX);
	memset(slots, 0, sizeof(slots));
	fflush(NULL);
	for (; started < jobs; started++) {
		int pipe_fds[2];
		/* close-on-exec: a worker's redis-server must not hold the
		 * pipe open after the worker has died */
		if (pipe2(pipe_fds, O_CLOEXEC) != 0)
			break;
		slots[started].pid = fork();
		if (slots[started].pid < 0) {
			close(pipe_fds[0]);
			close(pipe_fds[1]);
			break;
		}
		if (slots[started].pid == 0) {
			for (int j = 0; j < started; j++)
				close(slots[j].fd);
			close(pipe_fds[0]);
			worker(work, started, jobs, pipe_fds[1]);
		}
		close(pipe_fds[1]);
		slots[started].fd = pipe_fds[0];
	}
	if (started < jobs) {
		snprintf(error, error_size, "cannot start worker %d: %s",
			 started + 1, strerror(errno));
		rc = EXIT_INTERNAL;
	} else if ((rc = collect(aggregate, slots, jobs, error,
				 error_size)) != 0) {
		/* EXIT_USAGE: a user's invariant failed when run */
		rc = rc == EXIT_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
	}
	if (rc != 0) {
		stop_workers(aggregate, slots, started);
		return rc;
	}
	for (int j = 0; j < jobs; j++) {
		char how[96];
		reap_worker(&slots[j]);
		if (slots[j].status != 0 && rc == 0) {
			worker_end(&slots[j], how, sizeof(how));
			snprintf(error, error_size, "worker %d (pid %ld) %s after"
				 " its last run", j + 1, (long)slots[j].pid, how);
			rc = EXIT_INTERNAL;
		}
	}
	return rc;
}

/* ---- shrinking --------------------------------------------------------- */

struct trial {
	bool same;                 /* failed the same way */
	struct fault_plan fired;
	uint64_t digest;
	int64_t run_id;
	char replay[4096];
	char problem[512];
};

/* Runs config and compares its failure with key; the run stays in the
 * trace database only when keep. */
static int try_run(struct runner *runner, const struct sim_config *config,
		   const char *key, bool keep, struct trial *trial,
		   struct explore_stats *stats, char *error, size_t error_size)
{
	struct sim_result result;
	char run_key[EXPLORE_KEY_MAX];
	int rc;
	trial->run_id = 0;
	rc = runner_run(runner, config, "explore", &result,
			keep ? &trial->run_id : NULL, trial->replay,
			sizeof(trial->replay), error, error_size);
	stats->shrink_runs++;
	if (rc != 0)
		return rc;
	failure_key(&result, run_key, sizeof(run_key));
	trial->same = result.verdict != VERDICT_OK && strcmp(run_key, key) == 0;
	trial->fired = result.fired;
	trial->digest = result.digest;
	snprintf(trial->problem, sizeof(trial->problem), "%s", result.problem);
	return 0;
}

/* Drops each fault in turn while the run still fails the same way. */
static int shrink_faults(struct runner *runner, struct explore_failure *failure,
			 struct explore_stats *stats, char *error,
			 size_t error_size)
{
	struct sim_config *best = &failure->shrunk;
	struct trial trial;
	for (int i = 0; i < best->plan.count && best->plan.count > 1;) {
		struct sim_config candidate = *best;
		int rc;
		memmove(&candidate.plan.faults[i], &candidate.plan.faults[i + 1],
			sizeof(struct fault) * (size_t)(candidate.plan.count - i - 1));
		candidate.plan.count--;
		rc = try_run(runner, &candidate, failure->key, false, &trial,
			     stats, error, error_size);
		if (rc != 0)
			return rc;
		if (trial.same) {
			*best = candidate;
			best->plan = trial.fired;
		} else {
			i++;
		}
	}
	return 0;
}

/* Tries fewer users, smallest first, keeping the first that still fails. */
static int shrink_users(struct runner *runner, struct explore_failure *failure,
			struct explore_stats *stats, char *error,
			size_t error_size)
{
	struct sim_config *best = &failure->shrunk;
	struct trial trial;
	int users = 1;
	for (int step = 0; step < SHRINK_USER_STEPS && users < best->users; step++) {
		struct sim_config candidate = *best;
		int rc;
		candidate.users = users;
		rc = try_run(runner, &candidate, failure->key, false, &trial,
			     stats, error, error_size);
		if (rc != 0)
			return rc;
		if (trial.same) {
			*best = candidate;
			best->plan = trial.fired;
			return 0;
		}
		users = users < 4 ? users + 1 : users * 2;
	}
	return 0;
}

/* Shrinks one failure (fewest faults, then fewest users, then faults
 * again), then runs the result twice: the second run is kept in the trace
 * database, and equal digests show that the replay reproduces it. */
/* Replays, kept, of a shrunk failure that did not reproduce, until one
 * fails the same way (shrink). */
#define SHRINK_EVIDENCE_REPLAYS 8

static int shrink(struct runner *runner, struct explore_failure *failure,
		  struct explore_stats *stats, char *error, size_t error_size)
{
	struct trial first, second;
	int rc;
	failure->shrunk = failure->first;
	failure->shrunk.plan = failure->first_fired;
	failure->shrunk.random_faults = false;
	rc = shrink_faults(runner, failure, stats, error, error_size);
	if (rc == 0)
		rc = shrink_users(runner, failure, stats, error, error_size);
	if (rc == 0)
		rc = shrink_faults(runner, failure, stats, error, error_size);
	if (rc == 0)
		rc = try_run(runner, &failure->shrunk, failure->key, false,
			     &first, stats, error, error_size);
	if (rc == 0)
		rc = try_run(runner, &failure->shrunk, failure->key, true,
			     &second, stats, error, error_size);
	if (rc != 0)
		return rc;
	failure->replays = 2;
	failure->reproduced = (uint32_t)first.same + (uint32_t)second.same;
	failure->replay_verified = first.same && second.same &&
				   first.digest == second.digest;
	/* A failure the replay does not reproduce (a nondeterminism: Redis's
	 * own timing under aof-everysec, say) would show a run that passed,
	 * and no trace of the one that failed: kept replays, each dropped in
	 * turn, until one fails the same way. */
	while (!second.same && failure->replays < 2 + SHRINK_EVIDENCE_REPLAYS) {
		if (tracedb_drop_run(runner->db, second.run_id) != 0) {
			snprintf(error, error_size, "%s",
				 tracedb_error(runner->db));
			return EXIT_INTERNAL;
		}
		rc = try_run(runner, &failure->shrunk, failure->key, true,
			     &second, stats, error, error_size);
		if (rc != 0)
			return rc;
		failure->replays++;
		failure->reproduced += (uint32_t)second.same;
	}
	failure->run_id = second.run_id;
	failure->digest = second.digest;
	failure->shown_fails = second.same;
	/* The checker's report, the timeline and the diagram, kept while the
	 * run is still in the trace database. */
	failure->report = report_capture(REPORT_VIOLATIONS, runner->db,
					 failure->run_id, NULL);
	failure->timeline = report_capture(REPORT_TIMELINE, runner->db,
					   failure->run_id, NULL);
	failure->svg = report_capture(REPORT_SVG, runner->db, failure->run_id,
				      second.replay);
	failure->violations_json = report_capture(REPORT_VIOLATIONS_JSON,
						  runner->db, failure->run_id,
						  NULL);
	snprintf(failure->replay, sizeof(failure->replay), "%s", second.replay);
	/* the problem of a run that failed: the exploration's own, unless a
	 * replay failed again */
	if (second.same)
		snprintf(failure->problem, sizeof(failure->problem), "%s",
			 second.problem);
	return 0;
}

/* ---- the exploration --------------------------------------------------- */

/* The dry run: the sale with none of the faults the exploration adds
 * (only the fixed ones of --fault, which every run has), which counts the
 * hits of every point while faults could fire. When it fails, it is the
 * exploration's one run and its one failure (shrunk and replayed like any
 * other), and no fault is tried: every run would fail the same way. */
static int dry_run(const struct cli_options *options,
		   struct explore_stats *stats, char *error, size_t error_size)
{
	struct runner_options runner_options = worker_runner_options(options);
	struct runner runner;
	struct sim_config config = options->config;
	struct sim_result result;
	struct explore_failure *failure;
	char replay[4096];
	int64_t run_id;
	int rc = runner_open(&runner, &runner_options, error, error_size);
	config.random_faults = false;
	if (rc == 0)
		rc = runner_run(&runner, &config, "explore", &result, &run_id,
				replay, sizeof(replay), error, error_size);
	if (rc == 0) {
		const struct invariant_set *set = &runner.invariants;
		stats->invariant_count = set->count < EXPLORE_INVARIANTS_MAX ?
					 set->count : EXPLORE_INVARIANTS_MAX;
		for (int i = 0; i < stats->invariant_count; i++) {
			snprintf(stats->invariant_names[i], EXPLORE_KEY_MAX,
				 "%s", set->items[i].name);
			invariant_explanation(set, set->items[i].name,
					      stats->invariant_texts[i],
					      sizeof(stats->invariant_texts[i]));
		}
		memcpy(stats->dry_hits, result.active_hits, sizeof(stats->dry_hits));
		stats->not_fired = result.not_fired;
		stats->dry_ran = true;
		stats->dry_stock_initial = result.stock_initial;
		stats->dry_stock_left = result.stock_left;
		stats->dry_orders = result.orders;
	}
	if (rc == 0 && result.verdict != VERDICT_OK) {
		stats->fault_free_failed = true;
		stats->planned = 1;
		stats->planned_all = 1; /* every shard makes the same one */
		stats->done = 1;
		stats->verdicts[result.verdict]++;
		for (int p = 0; p < POINT_COUNT; p++)
			stats->hits[p] += result.hits[p];
		for (int i = 0; i < EXPLORE_INVARIANTS_MAX; i++)
			stats->invariant_runs[i] += (result.violated_set >> i) & 1;
		failure = &stats->failures[stats->failure_count++];
		memset(failure, 0, sizeof(*failure));
		failure_key(&result, failure->key, sizeof(failure->key));
		failure->count = 1;
		failure->first = config;
		failure->first_fired = result.fired;
		snprintf(failure->problem, sizeof(failure->problem), "%s",
			 result.problem);
	}
	runner_close(&runner);
	return rc;
}

static int by_first_index(const void *a, const void *b)
{
	uint64_t x = ((const struct explore_failure *)a)->first_index;
	uint64_t y = ((const struct explore_failure *)b)->first_index;
	return x < y ? -1 : x > y;
}

static int shrink_all(const struct cli_options *options,
		      struct explore_stats *stats, char *error,
		      size_t error_size)
{
	struct runner runner;
	struct runner_options runner_options = options->runner;
	int rc;
	if (stats->failure_count == 0)
		return 0;
	/* The failures in the order of the exploration, not of arrival. */
	qsort(stats->failures, (size_t)stats->failure_count,
	      sizeof(stats->failures[0]), by_first_index);
	runner_options.timeline = NULL;
	rc = runner_open(&runner, &runner_options, error, error_size);
	/* Everything it opens was opened at the start (the trace, the
	 * Redis, the invariants): failing now is the middle of the work (a
	 * lock held too long, a Redis gone), not bad input. */
	if (rc == EXIT_USAGE)
		rc = EXIT_INTERNAL;
	for (int i = 0; rc == 0 && i < stats->failure_count; i++) {
		double started = now_seconds();
		rc = shrink(&runner, &stats->failures[i], stats, error, error_size);
		stats->failures[i].shrink_seconds = now_seconds() - started;
	}
	runner_close(&runner);
	return rc;
}

/* The largest of own, flashsim's own processes' peak, and the children
 * this process has reaped (the workers, the redis-servers). */
static size_t peak_rss_kb(size_t own)
{
	struct rusage children;
	if (getrusage(RUSAGE_CHILDREN, &children) != 0 || children.ru_maxrss < 0)
		children.ru_maxrss = 0;
	return own > (size_t)children.ru_maxrss ? own :
						  (size_t)children.ru_maxrss;
}

/* Recovery mode's second pass, in point order: for each step only a
 * recovery reaches, its first EXPLORE_RECOVERY_HITS hits in the run of
 * the fault that first opened it (the first of this shard's runs that
 * reached it), with every kind that applies there; but not at a hit
 * where the sale's own plan has a fault (it could never fire). */
_Static_assert(EXPLORE_RECOVERY_HITS <= 8,
	       "a hit of the second pass is a bit of second_faulted");
static int plan_recovery(struct work *work, const struct aggregate *aggregate,
			 unsigned kinds)
{
	work->recovery = calloc((size_t)POINT_COUNT * EXPLORE_RECOVERY_HITS *
				FAULT_KIND_COUNT, sizeof(*work->recovery));
	if (!work->recovery)
		return -1;
	for (int p = 0; p < POINT_COUNT; p++) {
		uint32_t hits = aggregate->opener_hits[p];
		if (hits > EXPLORE_RECOVERY_HITS)
			hits = EXPLORE_RECOVERY_HITS;
		for (uint32_t n = 1; aggregate->opened[p] && n <= hits; n++)
			for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++)
				if (point_allows(p, k) && (kinds & KIND_BIT(k)) &&
				    !own_fault_at(work->options, p, n))
					work->recovery[work->recovery_count++] =
						(struct recovery_run){
						aggregate->opener[p], { p, n, k } };
	}
	return 0;
}

/* Runs this process's runs of work.first .. work.planned - 1 (those of
 * work.offset and work.stride) with the options' jobs. */
static int run_pass(const struct work *work, struct aggregate *aggregate,
		    char *error, size_t error_size)
{
	if (work->options->jobs <= 1) {
		int rc = run_share(work, 0, 1, absorb, aggregate, error,
				   error_size);
		return rc == SHARE_UNREAD ? EXIT_INTERNAL : rc;
	}
	return run_workers(work, aggregate, work->options->jobs, error,
			   error_size);
}

/* A shard's second pass in the order it makes it: its share first (the
 * runs shard I of N would make of a plan dealt out as the first pass
 * is: I, I + N, ...), then the rest. The shards plan nearly the same
 * second pass, so when --runs cuts each to a part of it, their parts
 * are different runs and together they fault what a whole plan cut to
 * the same total does; uncut, each makes all of it. Returns 0 or -1. */
static int deal_second_pass(struct work *work, uint64_t index,
			    uint64_t shards)
{
	struct recovery_run *dealt;
	uint64_t at = 0;
	if (shards <= 1 || work->recovery_count < 2)
		return 0;
	dealt = calloc((size_t)work->recovery_count, sizeof(*dealt));
	if (!dealt)
		return -1;
	for (uint64_t j = index; j < work->recovery_count; j += shards)
		dealt[at++] = work->recovery[j];
	for (uint64_t j = 0; j < work->recovery_count; j++)
		if (j % shards != index)
			dealt[at++] = work->recovery[j];
	assert(at == work->recovery_count);
	free(work->recovery);
	work->recovery = dealt;
	return 0;
}

/* Recovery mode's second pass, planned from the runs of the first this
 * process made (a shard's, with --shard), and made by it whole: no other
 * shard knows its plan. --runs R leaves R - singles runs to the second
 * passes, shared out among the shards as the first pass is. */
static int second_pass(struct work *work, struct aggregate *aggregate,
		       char *error, size_t error_size)
{
	const struct cli_options *options = work->options;
	struct explore_stats *stats = aggregate->stats;
	uint64_t room;
	if (plan_recovery(work, aggregate, options->kinds) != 0 ||
	    deal_second_pass(work, (uint64_t)options->shard_index,
			     shard_count(options)) != 0) {
		snprintf(error, error_size, "out of memory");
		return EXIT_INTERNAL;
	}
	room = options->runs ?
	       share_of((uint64_t)options->runs - work->single_count,
			(uint64_t)options->shard_index, shard_count(options)) :
	       work->recovery_count;
	stats->second_pass = true;
	stats->second_runs = work->recovery_count;
	stats->second_planned = work->recovery_count < room ?
				work->recovery_count : room;
	stats->planned += stats->second_planned;
	if (explore_whole_known(options)) {
		stats->mode_runs += stats->second_runs;
		stats->planned_all = stats->planned;
	}
	work->first = work->single_count;
	work->planned = work->single_count + stats->second_planned;
	work->offset = 0;
	work->stride = 1;
	return run_pass(work, aggregate, error, error_size);
}

int explore(const struct cli_options *options, FILE *progress,
	    struct explore_stats *stats, char *error, size_t error_size)
{
	struct work work = { .options = options };
	struct aggregate aggregate = { .stats = stats, .work = &work,
				       .progress = progress,
				       .started = now_seconds() };
	long own;
	int rc;
	memset(stats, 0, sizeof(*stats));
	for (int p = 0; p < POINT_COUNT; p++) {
		stats->in_use[p] = sim_point_in_use(&options->config, p);
		stats->points_in_use += stats->in_use[p];
	}
	rc = dry_run(options, stats, error, error_size);
	if (rc == 0 && !stats->fault_free_failed &&
	    enumerate(&work, stats, options->kinds, error, error_size) != 0)
		rc = EXIT_INTERNAL;
	if (rc == 0 && !stats->fault_free_failed) {
		plan_work(&work);
		/* the first pass is shared out among the shards */
		work.offset = (uint64_t)options->shard_index;
		work.stride = shard_count(options);
		stats->singles = work.single_count;
		stats->mode_runs = mode_runs(&work);
		stats->planned_all = work.planned;
		stats->planned = pass_size(&work);
		if (options->mode == EXPLORE_RECOVERY) {
			stats->first_planned = stats->planned;
			stats->first_planned_all = stats->planned_all;
		}
		rc = run_pass(&work, &aggregate, error, error_size);
		/* The second pass of recovery mode, after a whole first one
		 * (this shard's share of it), within what --runs leaves. */
		if (rc == 0 && options->mode == EXPLORE_RECOVERY &&
		    stats->planned > 0 && stats->done == stats->planned &&
		    work.planned == work.single_count)
			rc = second_pass(&work, &aggregate, error, error_size);
		draw_progress(&aggregate, true);
		/* Without an error, only the budget stops runs early. */
		stats->stopped_by_budget = rc == 0 &&
					   stats->done < stats->planned;
	}
	stats->seconds = now_seconds() - aggregate.started;
	if (stats->ping_seconds > 0)
		stats->ping_per_second = (double)stats->ping_count /
					 stats->ping_seconds;
	if (rc == 0) {
		double shrink_started = now_seconds();
		rc = shrink_all(options, stats, error, error_size);
		stats->shrink_seconds = now_seconds() - shrink_started;
	}
	stats->stopped_by_input = rc == EXIT_USAGE;
	own = own_peak_kb(); /* the workers' came with their last records */
	if (own > 0 && (size_t)own > stats->own_peak_rss_kb)
		stats->own_peak_rss_kb = (size_t)own;
	stats->peak_rss_kb = peak_rss_kb(stats->own_peak_rss_kb);
	free(work.singles);
	free(work.recovery);
	return rc;
}

bool explore_whole_known(const struct cli_options *options)
{
	return options->mode != EXPLORE_RECOVERY || shard_count(options) == 1;
}

enum verdict explore_verdict(const struct explore_stats *stats)
{
	if (stats->verdicts[VERDICT_VIOLATION])
		return VERDICT_VIOLATION;
	if (stats->verdicts[VERDICT_LIVENESS])
		return VERDICT_LIVENESS;
	return VERDICT_OK;
}

int explore_points_reached(const struct explore_stats *stats)
{
	int reached = 0;
	for (int p = 0; p < POINT_COUNT; p++)
		reached += stats->in_use[p] && stats->hits[p] > 0;
	return reached;
}

bool explore_point_faulted(const struct explore_stats *stats, int p)
{
	for (int k = 0; k < FAULT_KIND_COUNT; k++)
		for (int v = 0; v <= VERDICT_LIVENESS; v++)
			if (stats->matrix[p][k][v])
				return true;
	return false;
}

int explore_points_faulted(const struct explore_stats *stats)
{
	int faulted = 0;
	for (int p = 0; p < POINT_COUNT; p++)
		faulted += stats->in_use[p] && explore_point_faulted(stats, p);
	return faulted;
}

void explore_not_fired(const struct explore_stats *stats, int i, char *out,
		       size_t size)
{
	const struct fault *fault = &stats->not_fired.faults[i];
	report_fault_not_fired(fault, stats->dry_hits[fault->point], out, size);
}

void explore_stats_free(struct explore_stats *stats)
{
	for (int i = 0; i < stats->failure_count; i++) {
		free(stats->failures[i].report);
		stats->failures[i].report = NULL;
		free(stats->failures[i].timeline);
		stats->failures[i].timeline = NULL;
		free(stats->failures[i].svg);
		stats->failures[i].svg = NULL;
		free(stats->failures[i].violations_json);
		stats->failures[i].violations_json = NULL;
	}
}
