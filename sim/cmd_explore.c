/*
 * cmd_explore.c - `flashsim explore`: the explorer's command line and its
 * summary: faults tried by kind, verdicts, coverage of the failure points,
 * and each distinct failure with its shrunk plan and replay command; as
 * text, or as one JSON object (--json). An exploration that ended in an
 * internal error has no verdict: the summary says so, with the figures
 * of the runs it made and its failures as found, not shrunk.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "explore.h"
#include "junit.h"
#include "report.h"
#include "report_html.h"
#include "tracedb.h"
#include "values.h"

/* What share of the exploration a shard (--shard I/N) made: its counts
 * and coverage are its own, and a shard past the number of runs has none. */
static void print_shard(FILE *out, const struct cli_options *options,
			const struct explore_stats *stats)
{
	char share[512];
	report_shard_share(options, stats, share, sizeof(share));
	fprintf(out, "shard %d of %d: %s%s\n", options->shard_index + 1,
		options->shard_count, share, stats->planned == 0 ?
		": nothing to do" :
		"; the counts and the coverage are this shard's");
}

/* error: the internal error that ended the exploration, or NULL. */
static void print_kinds(FILE *out, const struct cli_options *options,
			const struct explore_stats *stats, const char *error)
{
	char cut[256], broken[2048], sold[256];
	fprintf(out, "\nfaults injected, by kind (runs are counted once per fault):\n");
	fprintf(out, "  %-20s %8s %8s %10s %9s\n", "kind", "faults", "ok",
		"violation", "liveness");
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++) {
		const uint64_t *v = stats->by_kind[k];
		uint64_t total = v[VERDICT_OK] + v[VERDICT_VIOLATION] +
				 v[VERDICT_LIVENESS];
		if (!total && !(options->kinds & KIND_BIT(k)))
			continue; /* a kind left out (--kinds), and unused */
		fprintf(out, "  %-20s %8" PRIu64 " %8" PRIu64 " %10" PRIu64
			" %9" PRIu64 "\n", fault_kind_name(k), total,
			v[VERDICT_OK], v[VERDICT_VIOLATION], v[VERDICT_LIVENESS]);
	}
	fprintf(out, "\nverdicts: %" PRIu64 " run%s: %" PRIu64 " ok, %" PRIu64
		" violation, %" PRIu64 " liveness\n", stats->done,
		stats->done == 1 ? "" : "s",
		stats->verdicts[VERDICT_OK], stats->verdicts[VERDICT_VIOLATION],
		stats->verdicts[VERDICT_LIVENESS]);
	report_invariants_broken(stats, broken, sizeof(broken));
	if (broken[0])
		fprintf(out, "invariants broken (runs, first or not): %s\n",
			broken);
	report_dry_sale(options, stats, sold, sizeof(sold));
	if (sold[0])
		fprintf(out, "%s\n", sold);
	if (error) {
		char line[1400];
		report_no_verdict(stats, error, line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
	if (options->shard_count > 1 && !stats->fault_free_failed)
		print_shard(out, options, stats);
	else if (options->shard_count > 1)
		fprintf(out, "shard %d of %d: the sale fails before any fault"
			" is tried, so every shard reports this one failure\n",
			options->shard_index + 1, options->shard_count);
	report_cut(options, stats, cut, sizeof(cut));
	if (cut[0])
		fprintf(out, "%s\n", cut);
	if (stats->fault_free_failed && options->config.plan.count)
		fprintf(out, "the sale fails with only its own faults (--fault):"
			" no other fault was tried (the failure below is that"
			" run)\n");
	else if (stats->fault_free_failed)
		fprintf(out, "the sale fails without any fault: no fault was"
			" tried (the failure below is the fault-free run)\n");
	for (int i = 0; i < stats->not_fired.count; i++) {
		char line[256];
		explore_not_fired(stats, i, line, sizeof(line));
		fprintf(out, "NOT FIRED: %s (in the run without explored"
			" faults)\n", line);
	}
	if (stats->runs_not_fired) {
		char line[REPORT_RUNS_NOT_FIRED_MAX];
		report_runs_not_fired(options, stats, line, sizeof(line));
		fprintf(out, "NOT FIRED: %s\n", line);
	}
}

/* Every point with the number of times the runs reached it, two to a
 * line; "NEVER" marks a point no run reached. */
static void print_coverage(FILE *out, const struct cli_options *options,
			   const struct explore_stats *stats)
{
	int hit = explore_points_reached(stats);
	int faulted = explore_points_faulted(stats), listed = 0;
	fprintf(out, "\ncoverage: %d of the %d failure points in use reached%s;"
		" faults injected at %d\n", hit, stats->points_in_use,
		hit == stats->points_in_use ? " (all)" : "", faulted);
	for (int p = 0; p < POINT_COUNT; p++) {
		if (!stats->in_use[p] || !stats->hits[p] ||
		    explore_point_faulted(stats, p))
			continue;
		fprintf(out, "%s%s", listed++ ? ", " : "  reached, never"
			" faulted: ", point_name(p));
	}
	if (listed)
		fprintf(out, "\n%s", options->mode == EXPLORE_RANDOM ? "" :
			"  (a single fault goes where the run without the"
			" explored faults goes; steps only a\n  recovery"
			" reaches get faults in --mode recovery, in --mode"
			" random, or after a\n  --fault that starts one)\n");
	for (int p = 0; p < POINT_COUNT; p++) {
		char count[24];
		if (stats->hits[p])
			snprintf(count, sizeof(count), "%" PRIu64, stats->hits[p]);
		else if (!stats->in_use[p])
			snprintf(count, sizeof(count), "not in use");
		else
			snprintf(count, sizeof(count), "NEVER");
		fprintf(out, "  %-28s %9s%s", point_name(p), count,
			p % 2 == 1 || p == POINT_COUNT - 1 ? "\n" : "   ");
	}
}

/* "  shrunk:  1 user, stock 2, 1 fault" (after prefix), then the faults,
 * one to a line. */
static void print_sale(FILE *out, const char *label, const char *prefix,
		       const struct sim_config *sale,
		       const struct fault_plan *plan)
{
	fprintf(out, "  %-8s %s%d user%s, stock %" PRId64 ", %d fault%s\n",
		label, prefix, sale->users, sale->users == 1 ? "" : "s",
		sale->stock, plan->count, plan->count == 1 ? "" : "s");
	for (int f = 0; f < plan->count; f++) {
		char text[96];
		fault_format(&plan->faults[f], text, sizeof(text));
		fprintf(out, "           %s\n", text);
	}
}

/* A failure as the exploration found it, when it ended in an internal
 * error before shrinking it: the first failing run and its faults. */
static void print_found(FILE *out, const struct cli_options *options,
			const struct explore_stats *stats,
			const struct explore_failure *failure)
{
	char found[64], prefix[80], replay[4096];
	report_failure_found(stats, failure, found, sizeof(found));
	report_failure_found_replay(options, failure, replay, sizeof(replay));
	fprintf(out, "  %s\n", REPORT_NOT_SHRUNK);
	snprintf(prefix, sizeof(prefix), "%s, ", found);
	print_sale(out, "found:", prefix, &failure->first,
		   &failure->first_fired);
	fprintf(out, "  replay:  %s\n", replay);
	fprintf(out, "           (the run as found: not shrunk, not replayed)\n");
}

static void print_shrunk(FILE *out, const struct explore_failure *failure,
			 bool timeline)
{
	char check[256];
	print_sale(out, "shrunk:", "", &failure->shrunk,
		   &failure->shrunk.plan);
	report_replay_check(failure, check, sizeof(check));
	fprintf(out, "  replay:  %s\n", failure->replay);
	fprintf(out, "           (%s)\n", check);
	if (failure->report)
		fprintf(out, "%s", failure->report);
	if (timeline && failure->timeline)
		fprintf(out, "timeline of the shrunk run:\n%s",
			failure->timeline);
}

static void print_failures(FILE *out, const struct cli_options *options,
			   const struct explore_stats *stats)
{
	if (stats->failure_count == 0) {
		fprintf(out, "\nfailures: none\n");
		return;
	}
	for (int i = 0; i < stats->failure_count; i++) {
		const struct explore_failure *failure = &stats->failures[i];
		fprintf(out, "\nFAILURE %d: %s (%" PRIu64 " run%s)\n", i + 1,
			failure->key, failure->count, failure->count == 1 ? "" : "s");
		fprintf(out, "  problem: %s\n", failure->problem);
		if (report_failure_shrunk(failure))
			print_shrunk(out, failure, options->runner.timeline_all);
		else
			print_found(out, options, stats, failure);
	}
	if (stats->failures_dropped)
		fprintf(out, "\n(%" PRIu64 " more runs failed in ways past the"
			" first %d)\n", stats->failures_dropped,
			EXPLORE_FAILURES_MAX);
}

static void print_summary(FILE *out, const struct cli_options *options,
			  const struct explore_stats *stats, const char *error)
{
	print_kinds(out, options, stats, error);
	char spent[256];
	report_explore_time(options, stats, spent, sizeof(spent));
	fprintf(out, "time: %s\n", spent);
	if (stats->seconds > 0 && stats->ping_per_second > 0 &&
	    !stats->fault_free_failed) {
		double per_second = (double)stats->commands / stats->seconds;
		fprintf(out, "redis: %" PRIu64 " commands, %.0f/s = %.2fx the"
			" PING round trips of one connection (%.0f/s, timed"
			" between the runs)\n",
			stats->commands, per_second,
			per_second / stats->ping_per_second,
			stats->ping_per_second);
	}
	if (stats->server_starts > 0)
		fprintf(out, "redis-server restarted %" PRIu64 " times: after each"
			" redis-crash fault, from its files, and after every %d"
			" of those, from nothing (its files had grown with every"
			" run); %.1f s in all, %.0f ms each\n",
			stats->server_starts, RUNNER_RESTARTS_BEFORE_RESET,
			stats->server_start_seconds,
			1000.0 * stats->server_start_seconds /
			(double)stats->server_starts);
	print_coverage(out, options, stats);
	print_failures(out, options, stats);
}

/* One failure of the JSON summary: the shrunk run, or the first failing
 * run when the failure was not shrunk. */
static void print_json_failure(FILE *out, const struct cli_options *options,
			       const struct explore_stats *stats,
			       const struct explore_failure *failure)
{
	bool shrunk = report_failure_shrunk(failure);
	const struct sim_config *config = shrunk ? &failure->shrunk :
					  &failure->first;
	const struct fault_plan *plan = shrunk ? &failure->shrunk.plan :
					&failure->first_fired;
	char replay[4096];
	if (shrunk)
		snprintf(replay, sizeof(replay), "%s", failure->replay);
	else
		report_failure_found_replay(options, failure, replay,
					    sizeof(replay));
	fprintf(out, "{\"invariant\":");
	report_json_string(out, failure->key);
	fprintf(out, ",\"runs\":%" PRIu64 ",\"problem\":", failure->count);
	report_json_string(out, failure->problem);
	fprintf(out, ",\"shrunk\":%s,\"first_run\":", shrunk ? "true" : "false");
	if (stats->fault_free_failed)
		fprintf(out, "null");
	else
		fprintf(out, "%" PRIu64, failure->first_index);
	fprintf(out, ",\"users\":%d,\"stock\":%" PRId64 ",\"faults\":[",
		config->users, config->stock);
	for (int f = 0; f < plan->count; f++) {
		char text[96];
		fault_format(&plan->faults[f], text, sizeof(text));
		fprintf(out, "%s", f ? "," : "");
		report_json_string(out, text);
	}
	fprintf(out, "],\"replay\":");
	report_json_string(out, replay);
	fprintf(out, ",\"replay_verified\":%s,\"replays\":%u,"
		"\"reproduced\":%u,\"digest\":", failure->replay_verified ?
		"true" : "false", failure->replays, failure->reproduced);
	if (shrunk)
		fprintf(out, "\"%016" PRIx64 "\"", failure->digest);
	else
		fprintf(out, "null");
	/* the kept replay's violations and where they point */
	fputs(failure->violations_json ? failure->violations_json :
	      ",\"violations\":null", out);
	fputc('}', out);
}

/* ,"faulted":[...]: the faults the second pass injected on top of their
 * openers, "POINT@N:KIND" in point order: the shards of one exploration
 * together fault what the whole does, which a job can check by merging
 * these lists. */
static void print_json_second_faulted(FILE *out,
				      const struct explore_stats *stats)
{
	bool first = true;
	fprintf(out, ",\"faulted\":[");
	for (int p = 0; p < POINT_COUNT; p++)
		for (int n = 0; n < EXPLORE_RECOVERY_HITS; n++)
			for (int k = 0; k < FAULT_KIND_COUNT; k++) {
				if (!(stats->second_faulted[p][k] >> n & 1))
					continue;
				fprintf(out, "%s\"%s@%d:%s\"", first ? "" : ",",
					point_name(p), n + 1,
					fault_kind_name(k));
				first = false;
			}
	fputc(']', out);
}

/* ,"passes":{...}: recovery mode's two passes, as this shard planned
 * them (null in the other modes, and when the sale failed without any
 * fault: no pass was run). */
static void print_json_passes(FILE *out, const struct cli_options *options,
			      const struct explore_stats *stats)
{
	fprintf(out, ",\"passes\":");
	if (options->mode != EXPLORE_RECOVERY || stats->fault_free_failed) {
		fprintf(out, "null");
		return;
	}
	fprintf(out, "{\"first\":{\"planned\":%" PRIu64 ",\"planned_all\":%"
		PRIu64 "},\"second\":", stats->first_planned,
		stats->first_planned_all);
	if (stats->second_pass) {
		fprintf(out, "{\"planned\":%" PRIu64 ",\"uncut\":%" PRIu64,
			stats->second_planned, stats->second_runs);
		print_json_second_faulted(out, stats);
		fputc('}', out);
	} else {
		fprintf(out, "null");
	}
	fputc('}', out);
}

/* ,"runs_not_fired":N,"faults_not_fired":N,"first_not_fired":{...} or
 * null: the runs in which a fault of their own plan never fired, and the
 * first of them. */
static void print_json_runs_not_fired(FILE *out,
				      const struct explore_stats *stats)
{
	char text[96];
	fprintf(out, ",\"runs_not_fired\":%" PRIu64 ",\"faults_not_fired\":%"
		PRIu64 ",\"first_not_fired\":", stats->runs_not_fired,
		stats->faults_not_fired);
	if (!stats->not_fired_first) {
		fprintf(out, "null");
		return;
	}
	fault_format(&stats->not_fired_first_fault, text, sizeof(text));
	fprintf(out, "{\"run\":%" PRIu64 ",\"seed\":%" PRIu64 ",\"fault\":",
		stats->not_fired_first - 1, stats->not_fired_first_seed);
	report_json_string(out, text);
	fprintf(out, ",\"faults\":[");
	for (int i = 0; i < stats->not_fired_first_plan.count; i++) {
		fault_format(&stats->not_fired_first_plan.faults[i], text,
			     sizeof(text));
		fprintf(out, "%s", i ? "," : "");
		report_json_string(out, text);
	}
	fprintf(out, "]}");
}

/* ,"kinds":{...}: the faults injected of each kind, with their verdicts. */
static void print_json_kinds(FILE *out, const struct explore_stats *stats)
{
	fprintf(out, ",\"kinds\":{");
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++) {
		const uint64_t *v = stats->by_kind[k];
		fprintf(out, "%s\"%s\":{\"faults\":%" PRIu64 ",\"ok\":%" PRIu64
			",\"violation\":%" PRIu64 ",\"liveness\":%" PRIu64 "}",
			k == FAULT_CRASH ? "" : ",", fault_kind_name(k),
			v[VERDICT_OK] + v[VERDICT_VIOLATION] + v[VERDICT_LIVENESS],
			v[VERDICT_OK], v[VERDICT_VIOLATION], v[VERDICT_LIVENESS]);
	}
	fprintf(out, "}");
}

/* The points in use that no run reached (reached false), or that runs
 * reached but no fault was injected at (reached true), as a JSON list. */
static void print_json_points(FILE *out, const struct explore_stats *stats,
			      bool reached)
{
	const char *separator = "";
	fputc('[', out);
	for (int p = 0; p < POINT_COUNT; p++) {
		bool listed = reached ?
			      stats->hits[p] && !explore_point_faulted(stats, p) :
			      !stats->hits[p];
		if (!stats->in_use[p] || !listed)
			continue;
		fprintf(out, "%s", separator);
		report_json_string(out, point_name(p));
		separator = ",";
	}
	fputc(']', out);
}

/* ,"coverage":{...} */
static void print_json_coverage(FILE *out, const struct explore_stats *stats)
{
	fprintf(out, ",\"coverage\":{\"in_use\":%d,\"reached\":%d,"
		"\"faulted\":%d,\"never_reached\":", stats->points_in_use,
		explore_points_reached(stats), explore_points_faulted(stats));
	print_json_points(out, stats, false);
	fprintf(out, ",\"never_faulted\":");
	print_json_points(out, stats, true);
	fprintf(out, "}");
}

/* The summary as one JSON object on one line (--json; docs/USAGE.md).
 * error: the error that ended the exploration (verdict null), or NULL;
 * error_code, its exit code. */
static void print_json(FILE *out, const struct cli_options *options,
		       const struct explore_stats *stats, const char *error,
		       int error_code, const struct expect_outcome *expect)
{
	char cut[256], sold[256];
	fprintf(out, "{\"mode\":");
	report_json_string(out, value_mode_name(options->mode));
	fprintf(out, ",\"verdict\":");
	if (error)
		fprintf(out, "null");
	else
		report_json_string(out, verdict_name(explore_verdict(stats)));
	fprintf(out, ",\"error\":");
	if (error) {
		report_json_string(out, error);
		/* as run's object without a verdict has it */
		fprintf(out, ",\"exit_code\":%d", error_code);
	} else
		fprintf(out, "null");
	fprintf(out, ",\"seed\":%" PRIu64 ",\"users\":%d,\"stock\":%" PRId64
		",\"apps\":%d,\"coordinators\":%d", options->config.seed,
		options->config.users, options->config.stock,
		options->config.apps, options->config.coordinators);
	if (options->shard_count > 1)
		fprintf(out, ",\"shard\":\"%d/%d\"", options->shard_index + 1,
			options->shard_count);
	fprintf(out, ",\"planned\":%" PRIu64 ",\"planned_all\":",
		stats->planned);
	/* a shard of a recovery exploration knows its own second pass only */
	if (explore_whole_known(options))
		fprintf(out, "%" PRIu64, stats->planned_all);
	else
		fprintf(out, "null");
	fprintf(out, ",\"runs\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"violation\":%" PRIu64 ",\"liveness\":%" PRIu64
		",\"stopped_by_budget\":%s,\"fault_free_failed\":%s,"
		"\"faults_fired\":%" PRIu64, stats->done,
		stats->verdicts[VERDICT_OK],
		stats->verdicts[VERDICT_VIOLATION],
		stats->verdicts[VERDICT_LIVENESS],
		stats->stopped_by_budget ? "true" : "false",
		stats->fault_free_failed ? "true" : "false",
		stats->faults_fired);
	fprintf(out, ",\"fault_free_run\":");
	if (stats->dry_ran)
		fprintf(out, "{\"stock\":%" PRId64 ",\"stock_left\":%" PRId64
			",\"orders\":%" PRId64 ",\"sold_nothing\":%s}",
			stats->dry_stock_initial, stats->dry_stock_left,
			stats->dry_orders, report_dry_sale(options, stats, sold,
							    sizeof(sold)) ?
			"true" : "false");
	else
		fprintf(out, "null");
	fprintf(out, ",\"invariants_broken\":{");
	for (int i = 0, listed = 0; i < stats->invariant_count; i++) {
		if (!stats->invariant_runs[i])
			continue;
		fprintf(out, "%s", listed++ ? "," : "");
		report_json_string(out, stats->invariant_names[i]);
		fprintf(out, ":%" PRIu64, stats->invariant_runs[i]);
	}
	fprintf(out, "}");
	/* what the mode makes uncut, and what cut it short of that */
	report_cut(options, stats, cut, sizeof(cut));
	fprintf(out, ",\"singles\":%" PRIu64 ",\"mode_runs\":", stats->singles);
	if (options->mode == EXPLORE_RANDOM || !explore_whole_known(options))
		fprintf(out, "null");
	else
		fprintf(out, "%" PRIu64, stats->mode_runs);
	fprintf(out, ",\"cut\":");
	if (cut[0])
		report_json_string(out, cut);
	else
		fprintf(out, "null");
	print_json_passes(out, options, stats);
	report_json_not_fired(out, &stats->not_fired, stats->dry_hits);
	print_json_runs_not_fired(out, stats);
	print_json_kinds(out, stats);
	print_json_coverage(out, stats);
	fprintf(out, ",\"seconds\":%.3f,\"jobs\":%d,\"shrinking_runs\":%"
		PRIu64 ",\"shrink_seconds\":%.3f,\"peak_memory_kb\":%zu,"
		"\"own_peak_memory_kb\":%zu,"
		"\"redis_commands\":%" PRIu64 ",\"server_restarts\":%" PRIu64,
		stats->seconds, options->jobs, stats->shrink_runs,
		stats->shrink_seconds,
		stats->peak_rss_kb, stats->own_peak_rss_kb, stats->commands,
		stats->server_starts);
	/* timed between the runs: none without a run */
	if (stats->ping_count)
		fprintf(out, ",\"ping_per_second\":%.0f,\"pings\":%" PRIu64,
			stats->ping_per_second, stats->ping_count);
	else
		fprintf(out, ",\"ping_per_second\":null,\"pings\":0");
	fprintf(out, ",\"failures\":[");
	for (int i = 0; i < stats->failure_count; i++) {
		fprintf(out, "%s", i ? "," : "");
		print_json_failure(out, options, stats, &stats->failures[i]);
	}
	fprintf(out, "],\"failures_dropped\":%" PRIu64, stats->failures_dropped);
	expect_outcome_json(out, expect);
	fprintf(out, "}\n");
	fflush(out);
}

/* ---- the exploration's row in the trace file (--trace) ---------------- */

struct explore_trace {
	struct tracedb *db;
	int64_t id;
};

/* Opens the trace file and records the exploration's start, before
 * anything is printed or run: a path that cannot be written is refused at
 * once, and the file is there (with this exploration and no run) when
 * nothing failed. */
static int trace_begin(struct explore_trace *trace, const char *path,
		       int argc, char **argv, const char *program,
		       char *error, size_t error_size)
{
	char command[4096] = "";
	report_shell_word(command, sizeof(command), program);
	for (int i = 0; i < argc; i++)
		report_shell_word(command, sizeof(command), argv[i]);
	if (tracedb_open(&trace->db, path, error, error_size) != 0)
		return -1;
	if (tracedb_begin_exploration(trace->db, command, &trace->id) != 0) {
		snprintf(error, error_size, "%s", tracedb_error(trace->db));
		tracedb_close(trace->db);
		trace->db = NULL;
		return -1;
	}
	return 0;
}

/* Records the exploration's end and its counts (verdict NULL when it
 * ended without one) and closes the file. */
static int trace_end(struct explore_trace *trace,
		     const struct explore_stats *stats, bool verdict_known)
{
	struct tracedb_exploration end = {
		.verdict = verdict_known ?
			   verdict_name(explore_verdict(stats)) : NULL,
		.planned = (int64_t)stats->planned,
		.runs = (int64_t)stats->done,
		.ok = (int64_t)stats->verdicts[VERDICT_OK],
		.violation = (int64_t)stats->verdicts[VERDICT_VIOLATION],
		.liveness = (int64_t)stats->verdicts[VERDICT_LIVENESS],
		.failures = stats->failure_count,
		.stopped_by_budget = stats->stopped_by_budget,
	};
	int rc = tracedb_end_exploration(trace->db, trace->id, &end);
	if (rc != 0)
		fprintf(stderr, "flashsim explore: %s\n",
			tracedb_error(trace->db));
	tracedb_close(trace->db);
	trace->db = NULL;
	return rc;
}

/* The sale's own faults leave no room for the exploration's: error, after
 * the scenario file and the last line of it that gave a fault, as the
 * sale's other errors name them, when the file gave any. */
static void print_no_room(const struct cli_options *options,
			  const char *error)
{
	const struct fault_plan *plan = &options->config.plan;
	int line = 0;
	bool by_option = false;
	for (int i = 0; i < plan->count; i++) {
		line = options->fault_lines[i] > line ? options->fault_lines[i] :
							line;
		by_option |= options->fault_lines[i] == 0;
	}
	fprintf(stderr, "flashsim explore: ");
	if (options->scenario && line) {
		report_visible(stderr, options->scenario);
		fprintf(stderr, ":%d%s: ", line, by_option ?
			" with the options given" : "");
	}
	fprintf(stderr, "%s\n", error);
}

/* The options that only make sense together, checked (or mended, with a
 * word on stderr) before anything runs. Returns 0 or EXIT_USAGE. */
static int check_explore_options(struct cli_options *options)
{
	char error[1024];
	if (options->runner.redis_address && (!options->runner.flush ||
					      options->jobs > 1)) {
		char jobs[64] = "";
		if (options->jobs > 1)
			snprintf(jobs, sizeof(jobs), ", not %d", options->jobs);
		fprintf(stderr, "flashsim explore: with --redis, give --flush"
			" and run one job%s: each job needs a Redis of its own"
			" (without --redis each job starts one)\n", jobs);
		return EXIT_USAGE;
	}
	if (options->runner.redis_address &&
	    (options->kinds & KIND_BIT(FAULT_REDIS_CRASH))) {
		/* Only a server flashsim started can be killed and restarted. */
		bool asked = options->kinds != ~0u;
		options->kinds &= ~KIND_BIT(FAULT_REDIS_CRASH);
		if (asked && options->kinds == 0) {
			fprintf(stderr, "flashsim explore: the kind redis-crash"
				" (--kinds, or kinds in the scenario) needs a"
				" redis-server that flashsim starts (no --redis);"
				" no other kind is left to explore\n");
			return EXIT_USAGE;
		}
		if (asked)
			fprintf(stderr, "flashsim explore: redis-crash left out:"
				" it needs a redis-server that flashsim starts"
				" (no --redis)\n");
	}
	if (options->config.random_faults && options->mode != EXPLORE_RANDOM) {
		/* Each run tries its chosen faults alone: random faults on top
		 * would hide which fault a failure needs. */
		options->config.random_faults = false;
		fprintf(stderr, "flashsim explore: random faults (--random-faults,"
			" random = true) left out: %s tries each chosen fault"
			" alone; --mode random draws faults from the seed\n",
			value_mode_name(options->mode));
	}
	if (explore_check_room(options, error, sizeof(error)) != 0) {
		print_no_room(options, error);
		return EXIT_USAGE;
	}
	return 0;
}

/* The first line of the text report: what is explored. */
static void print_header(const struct cli_options *options)
{
	char shard[48] = "";
	if (options->shard_count > 1)
		snprintf(shard, sizeof(shard), ", shard %d of %d",
			 options->shard_index + 1, options->shard_count);
	printf("flashsim explore: %s%s; %d user%s, stock %" PRId64 ", apps %d,"
	       " coordinators %d, seed %" PRIu64 "\n",
	       value_mode_name(options->mode), shard, options->config.users,
	       options->config.users == 1 ? "" : "s",
	       options->config.stock, options->config.apps,
	       options->config.coordinators, options->config.seed);
	fflush(stdout);
}

/* Everything after the runs: the summary, the exit code (with the
 * scenario's expectation), then the report files and the trace. rc is
 * explore's; error its internal error. Returns the exit code. */
static int report_exploration(const struct cli_options *options,
			      struct explore_stats *stats,
			      struct explore_trace *trace, int rc,
			      const char *error)
{
	/* An exploration that ended in an error has no verdict: its reports
	 * say so, and show the failures it found as it found them. */
	bool verdict_known = rc == 0, files_failed = false;
	const char *no_verdict = verdict_known ? NULL : error;
	struct expect_outcome expect; /* the scenario's [expect] */
	memset(&expect, 0, sizeof(expect));
	if (verdict_known)
		expect_outcome_explore(&options->expect, stats, &expect);
	/* a job that reads the JSON gets an object whatever happened: with
	 * no verdict and the error when the exploration stopped before its
	 * first run (the run without explored faults failed to run) */
	if (options->json)
		print_json(stdout, options, stats, no_verdict, rc, &expect);
	else if (rc == 0 || stats->done > 0)
		print_summary(stdout, options, stats, no_verdict);
	if (rc != 0) {
		fprintf(stderr, "flashsim explore: %s%s\n",
			rc == EXIT_INTERNAL ? "internal error: " : "", error);
	} else if (stats->verdicts[VERDICT_VIOLATION]) {
		rc = EXIT_VIOLATION;
	} else if (stats->verdicts[VERDICT_LIVENESS]) {
		rc = EXIT_LIVENESS;
	}
	if (expect.judged)
		rc = expect_outcome_print(options->json ? stderr : stdout,
					  &expect, "explore", rc);
	/* The files come after the verdict; each names itself on stderr
	 * when it cannot be written. */
	if (junit_explore_file(options, stats, verdict_known ? 0 : rc, error))
		files_failed = true;
	/* with no run made, the page says why there is no verdict, where an
	 * earlier exploration's would stay */
	if (report_explore_file(options, stats, no_verdict, &expect))
		files_failed = true;
	if (trace->db && trace_end(trace, stats, verdict_known) != 0)
		files_failed = true;
	if (files_failed && verdict_known)
		fprintf(stderr, "flashsim explore: the verdict printed above"
			" stands, but a report file named above was not"
			" written: exit 3\n");
	/* with no verdict, the error that ended it stays the exit code, as
	 * the JUnit file and the JSON have it */
	return files_failed && verdict_known ? EXIT_INTERNAL : rc;
}

int command_explore(int argc, char **argv, const char *program)
{
	struct cli_options options;
	struct explore_stats *stats;
	struct explore_trace trace = { NULL, 0 };
	char error[1024];
	int rc = cli_parse(argc, argv, program, true, &options);
	if (rc != 0)
		return rc;
	options.runner.scenario = options.scenario;
	rc = check_explore_options(&options);
	if (rc != 0)
		return rc;
	/* before the trace is opened: nothing to close when it fails */
	stats = calloc(1, sizeof(*stats));
	if (!stats) {
		fprintf(stderr, "flashsim explore: out of memory\n");
		return EXIT_INTERNAL;
	}
	/* a trace that cannot be opened (another flashsim's lock): no run,
	 * no verdict; the reports say so, as after an error in the runs */
	if (options.runner.trace_path &&
	    trace_begin(&trace, options.runner.trace_path, argc, argv, program,
			error, sizeof(error)) != 0) {
		rc = EXIT_USAGE;
		stats->stopped_by_input = true;
	} else {
		if (!options.json)
			print_header(&options);
		rc = explore(&options, !options.quiet &&
			     isatty(STDERR_FILENO) ? stderr : NULL, stats,
			     error, sizeof(error));
	}
	rc = report_exploration(&options, stats, &trace, rc, error);
	explore_stats_free(stats);
	free(stats);
	return rc;
}
