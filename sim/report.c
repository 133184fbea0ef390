/*
 * report.c - text and JSON reports of a run (see report.h).
 */
#include "report.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "check.h"
#include "expect.h"
#include "explore.h"
#include "options.h"
#include "values.h"
#include "variants.h"

void report_fault_not_fired(const struct fault *fault, uint32_t reached,
			    char *out, size_t size)
{
	char text[96];
	fault_format(fault, text, sizeof(text));
	snprintf(out, size, "%s never fired: %s was reached %" PRIu32 " time%s"
		 " while faults could fire", text, point_name(fault->point),
		 reached, reached == 1 ? "" : "s");
}

void report_not_fired(const struct sim_result *result, int i, char *out,
		      size_t size)
{
	const struct fault *fault = &result->not_fired.faults[i];
	report_fault_not_fired(fault, result->active_hits[fault->point], out,
			       size);
}

void report_stock_text(const struct sim_result *result, char *out,
		       size_t size)
{
	if (result->stock_missing)
		snprintf(out, size, "%" PRId64 " initial, left unknown: the"
			 " stock key is missing from Redis (lost)",
			 result->stock_initial);
	else
		snprintf(out, size, "%" PRId64 " initial, %" PRId64 " left, %"
			 PRId64 " deducted", result->stock_initial,
			 result->stock_left,
			 result->stock_initial - result->stock_left);
}

void report_txns_text(const struct sim_config *config,
		      const struct sim_result *result, char *out, size_t size)
{
	int64_t missing = result->txns[TXN_NONE];
	if (variant_get(config->variant)->no_transactions) {
		snprintf(out, size, "none: the %s design has no 2-phase"
			 " message", variant_get(config->variant)->name);
		return;
	}
	int used = snprintf(out, size, "%" PRId64 " succeeded, %" PRId64
			    " failed, %" PRId64 " prepared, %" PRId64
			    " submitted, ", result->txns[TXN_SUCCEEDED],
			    result->txns[TXN_FAILED], result->txns[TXN_PREPARED],
			    result->txns[TXN_SUBMITTED]);
	if (used < 0 || (size_t)used >= size)
		return;
	if (result->txns_lost < 0)
		snprintf(out + used, size - (size_t)used, "%" PRId64
			 " missing from Redis (never created, or lost)",
			 missing);
	else if (result->txns_lost == 0)
		snprintf(out + used, size - (size_t)used, "%" PRId64
			 " never created", missing);
	else
		snprintf(out + used, size - (size_t)used, "%" PRId64
			 " never created, %" PRId64 " lost (saved, then missing"
			 " from Redis)", missing - result->txns_lost,
			 result->txns_lost);
}

void report_crashes_text(const struct sim_result *result, char *out,
			 size_t size)
{
	snprintf(out, size, "%" PRIu64 " crash%s, %" PRIu64 " Redis crash%s",
		 result->crashes, result->crashes == 1 ? "" : "es",
		 result->redis_crashes, result->redis_crashes == 1 ? "" : "es");
}

void report_ok_text(const struct sim_config *config,
		    const struct invariant_set *invariants, char *out,
		    size_t size)
{
	const struct variant *variant = variant_get(config->variant);
	char replaced[REPORT_OK_TEXT_MAX] = "", more[96] = "";
	size_t used = 0;
	int added = 0, replacing = 0;
	for (int i = 0; invariants && i < invariants->count; i++) {
		const struct invariant *item = &invariants->items[i];
		/* one the variant does not check held nothing */
		if (strcmp(item->source, "built-in") == 0 ||
		    !variant_checks(variant, item->name))
			continue;
		if (!invariant_is_built_in(item->name))
			added++;
		else if (used < sizeof(replaced)) {
			snprintf(replaced + used, sizeof(replaced) - used,
				 "%s%s is %s's", used ? ", " : "", item->name,
				 item->source);
			used += strlen(replaced + used);
			replacing++;
		}
	}
	if (added)
		snprintf(more, sizeof(more), "; and %s of --invariants",
			 added == 1 ? "the invariant" : "the invariants");
	if (replaced[0])
		/* the built-in's words may no longer be true */
		snprintf(out, size, "(every invariant holds: %s, in place of"
			 " the built-in%s%s)", replaced, replacing == 1 ? "" :
			 " ones", more);
	else
		snprintf(out, size, "(stock deducted == orders created,"
			 " nothing oversold, every transaction terminal, every"
			 " user's answer matches the orders%s)", more);
}

void report_text(FILE *out, const struct sim_config *config,
		 const struct sim_result *result, const char *replay,
		 const struct invariant_set *invariants)
{
	char line[256];
	fprintf(out, "\nfinal state (read back from Redis and SQLite):\n");
	report_stock_text(result, line, sizeof(line));
	fprintf(out, "  stock         %s\n", line);
	fprintf(out, "  orders        %" PRId64 "\n", result->orders);
	report_txns_text(config, result, line, sizeof(line));
	fprintf(out, "  transactions  %s\n", line);
	fprintf(out, "  users told    %" PRId64 " success, %" PRId64
		" rejected, %" PRId64 " unknown\n", result->told[TOLD_SUCCESS],
		result->told[TOLD_REJECTED], result->told[TOLD_UNKNOWN]);
	report_crashes_text(result, line, sizeof(line));
	fprintf(out, "  run           %" PRIu64 " steps, %s, %" PRIu64
		" transaction%s resolved by the coordinator's cron loop,"
		" %" PRId64 " ms virtual\n", result->steps, line,
		result->recovered, result->recovered == 1 ? "" : "s",
		result->end_ms);
	for (int i = 0; i < result->not_fired.count; i++) {
		report_not_fired(result, i, line, sizeof(line));
		fprintf(out, "  NOT FIRED     %s\n", line);
	}
	if (result->verdict == VERDICT_OK) {
		char held[REPORT_OK_TEXT_MAX + 256];
		report_ok_text(config, invariants, held, sizeof(held));
		fprintf(out, "\nverdict: ok %s\n", held);
	} else
		fprintf(out, "\nverdict: %s: %s\n", verdict_name(result->verdict),
			report_problem_text(result));
	fprintf(out, "digest:  %016" PRIx64 "\n", result->digest);
	fprintf(out, "replay:  %s\n", replay);
}

const char *report_problem_text(const struct sim_result *result)
{
	static const char liveness[] = "liveness: ";
	/* A liveness problem already starts with "liveness: ". */
	if (result->verdict == VERDICT_LIVENESS &&
	    strncmp(result->problem, liveness, sizeof(liveness) - 1) == 0)
		return result->problem + sizeof(liveness) - 1;
	return result->problem;
}

long report_utf8_decode(const unsigned char *text, int *length)
{
	int more = text[0] > 0xf4 ? -1 : text[0] >= 0xf0 ? 3 :
		   text[0] >= 0xe0 ? 2 : text[0] >= 0xc2 ? 1 : -1;
	long code = more == 3 ? text[0] & 0x07 : more == 2 ? text[0] & 0x0f :
		    text[0] & 0x1f;
	long lowest = more == 3 ? 0x10000 : more == 2 ? 0x800 : 0x80;
	*length = 1;
	if (text[0] < 0x80)
		return text[0];
	if (more < 0)
		return -1;
	for (int i = 1; i <= more; i++) {
		if ((text[i] & 0xc0) != 0x80)
			return -1;
		code = code << 6 | (text[i] & 0x3f);
	}
	if (code < lowest || code > 0x10ffff || (code >= 0xd800 &&
						 code <= 0xdfff))
		return -1;
	*length = more + 1;
	return code;
}

/* Characters a terminal shows as nothing, or as a plain space, or that
 * reorder the text around them: C1 controls, the no-break and other
 * spaces, zero-width and direction marks, the byte order mark. */
static bool invisible(long code)
{
	return (code >= 0x80 && code <= 0xa0) || code == 0xad ||
	       code == 0x34f || code == 0x61c || code == 0x180e ||
	       (code >= 0x2000 && code <= 0x200f) ||
	       (code >= 0x2028 && code <= 0x202f) ||
	       (code >= 0x205f && code <= 0x206f) || code == 0x3000 ||
	       code == 0xfeff || (code >= 0xfff9 && code <= 0xfffb);
}

void report_visible(FILE *out, const char *text)
{
	const unsigned char *c = (const unsigned char *)text;
	while (*c) {
		int length;
		long code = report_utf8_decode(c, &length);
		if (code < 0 || code < 0x20 || code == 0x7f)
			fprintf(out, "\\x%02x", *c);
		else if (invisible(code))
			fprintf(out, "\\u%04lx", code);
		else
			fwrite(c, 1, (size_t)length, out);
		c += length;
	}
}

/* JSON is UTF-8: a byte that starts no valid sequence (a user's text in
 * another encoding, or one cut in the middle of a character to fit a
 * buffer) becomes U+FFFD, so that every JSON reader takes the object. */
void report_json_string(FILE *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	fputc('"', out);
	while (*p) {
		int length;
		long code = report_utf8_decode(p, &length);
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else if (code < 0)
			fputs("\\ufffd", out);
		else
			fwrite(p, 1, (size_t)length, out);
		p += length;
	}
	fputc('"', out);
}

void report_json_not_fired(FILE *out, const struct fault_plan *missing,
			   const uint32_t reached[POINT_COUNT])
{
	fprintf(out, ",\"not_fired\":[");
	for (int i = 0; i < missing->count; i++) {
		const struct fault *fault = &missing->faults[i];
		char line[256];
		report_fault_not_fired(fault, reached[fault->point], line,
				       sizeof(line));
		fprintf(out, "%s", i ? "," : "");
		report_json_string(out, line);
	}
	fprintf(out, "]");
}

void report_json(FILE *out, const struct sim_config *config,
		 const struct sim_result *result, const char *replay,
		 struct tracedb *trace, int64_t run_id,
		 const struct expect_outcome *expect)
{
	fprintf(out, "{\"verdict\":");
	report_json_string(out, verdict_name(result->verdict));
	fprintf(out, ",\"problem\":");
	if (result->verdict == VERDICT_OK)
		fprintf(out, "null");
	else
		report_json_string(out, result->problem);
	fprintf(out, ",\"seed\":%" PRIu64 ",\"users\":%d,\"apps\":%d,"
		"\"coordinators\":%d", config->seed, config->users, config->apps,
		config->coordinators);
	fprintf(out, ",\"stock_initial\":%" PRId64 ",\"stock_left\":",
		result->stock_initial);
	if (result->stock_missing)
		fprintf(out, "null");
	else
		fprintf(out, "%" PRId64, result->stock_left);
	fprintf(out, ",\"orders\":%" PRId64 ",\"txns_open\":%" PRId64,
		result->orders, result->txns_open);
	fprintf(out, ",\"txns\":{\"prepared\":%" PRId64 ",\"submitted\":%"
		PRId64 ",\"succeeded\":%" PRId64 ",\"failed\":%" PRId64
		",\"none\":%" PRId64 ",\"lost\":", result->txns[TXN_PREPARED],
		result->txns[TXN_SUBMITTED], result->txns[TXN_SUCCEEDED],
		result->txns[TXN_FAILED], result->txns[TXN_NONE]);
	if (result->txns_lost < 0)
		fprintf(out, "null}");
	else
		fprintf(out, "%" PRId64 "}", result->txns_lost);
	fprintf(out, ",\"told\":{\"success\":%" PRId64 ",\"rejected\":%" PRId64
		",\"unknown\":%" PRId64 "}", result->told[TOLD_SUCCESS],
		result->told[TOLD_REJECTED], result->told[TOLD_UNKNOWN]);
	fprintf(out, ",\"steps\":%" PRIu64 ",\"crashes\":%" PRIu64
		",\"redis_crashes\":%" PRIu64 ",\"recovered\":%" PRIu64
		",\"virtual_ms\":%" PRId64, result->steps, result->crashes,
		result->redis_crashes, result->recovered, result->end_ms);
	report_json_not_fired(out, &result->not_fired, result->active_hits);
	if (trace)
		check_report_json(out, trace, run_id);
	fprintf(out, ",\"digest\":\"%016" PRIx64 "\",\"replay\":",
		result->digest);
	report_json_string(out, replay);
	expect_outcome_json(out, expect);
	fprintf(out, "}\n");
}

static size_t append(char *out, size_t size, size_t used, const char *format,
		     ...) __attribute__((format(printf, 4, 5)));

static size_t append(char *out, size_t size, size_t used, const char *format, ...)
{
	va_list args;
	int n;
	if (used >= size)
		return used;
	va_start(args, format);
	n = vsnprintf(out + used, size - used, format, args);
	va_end(args);
	return n < 0 ? used : used + (size_t)n;
}

void report_shell_word(char *out, size_t size, const char *word)
{
	size_t used = strlen(out);
	bool plain = *word != '\0';
	for (const char *c = word; *c; c++)
		plain = plain && (isalnum((unsigned char)*c) ||
				  strchr("_./:@=,+%-", *c));
	if (used)
		used = append(out, size, used, " ");
	if (plain) {
		append(out, size, used, "%s", word);
		return;
	}
	used = append(out, size, used, "'");
	for (const char *c = word; *c; c++)
		used = *c == '\'' ? append(out, size, used, "'\\''") :
				    append(out, size, used, "%c", *c);
	append(out, size, used, "'");
}

void report_replay_command(const char *program, const struct sim_config *config,
			   char *out, size_t size)
{
	struct sim_config defaults;
	char plan[PLAN_FORMAT_MAX];
	size_t used;
	sim_config_defaults(&defaults);
	out[0] = '\0';
	report_shell_word(out, size, program);
	used = append(out, size, strlen(out), " run --users %d --stock %" PRId64
		      " --seed %" PRIu64, config->users, config->stock,
		      config->seed);
	if (config->apps != defaults.apps)
		used = append(out, size, used, " --apps %d", config->apps);
	if (config->coordinators != defaults.coordinators)
		used = append(out, size, used, " --coordinators %d",
			      config->coordinators);
	if (config->sale.activity != defaults.sale.activity)
		used = append(out, size, used, " --activity %" PRIu64,
			      config->sale.activity);
	if (strcmp(config->sale.tag, defaults.sale.tag) != 0) {
		used = append(out, size, used, " --tag");
		report_shell_word(out, size, config->sale.tag);
		used = strlen(out);
	}
	if (config->requests_per_user != defaults.requests_per_user)
		used = append(out, size, used, " --requests-per-user %d",
			      config->requests_per_user);
	if (config->sale.sold_out_fast_path)
		used = append(out, size, used, " --sold-out-fast-path");
	if (config->variant != VARIANT_NONE)
		used = append(out, size, used, " --variant %s",
			      variant_get(config->variant)->name);
	if (config->arrival_ms != defaults.arrival_ms)
		used = append(out, size, used, " --arrival-ms %" PRId64,
			      config->arrival_ms);
	if (config->sale.timeout_to_fail_ms != defaults.sale.timeout_to_fail_ms)
		used = append(out, size, used, " --timeout-to-fail-ms %" PRId64,
			      config->sale.timeout_to_fail_ms);
	if (config->sale.cron_interval_ms != defaults.sale.cron_interval_ms)
		used = append(out, size, used, " --cron-interval-ms %" PRId64,
			      config->sale.cron_interval_ms);
	/* every other timing a scenario's [timing] section can set */
	for (int i = 0; i < cli_timing_option_count; i++) {
		const struct timing_option *t = &cli_timing_options[i];
		int64_t value, normal;
		memcpy(&value, (const char *)config + t->offset, sizeof(value));
		memcpy(&normal, (const char *)&defaults + t->offset,
		       sizeof(normal));
		if (value != normal)
			used = append(out, size, used, " --%s %" PRId64,
				      t->name, value);
	}
	int fits = fault_plan_format(&config->plan, plan, sizeof(plan));
	assert(fits == 0); /* PLAN_FORMAT_MAX always fits */
	(void)fits;
	if (plan[0])
		used = append(out, size, used, " %s", plan);
}

bool report_failure_shrunk(const struct explore_failure *failure)
{
	/* explore() writes the replay last, once the failure is shrunk and
	 * replayed. */
	return failure->replay[0] != '\0';
}

void report_failure_found(const struct explore_stats *stats,
			  const struct explore_failure *failure, char *out,
			  size_t size)
{
	if (stats->fault_free_failed)
		snprintf(out, size, "the run without explored faults");
	else
		snprintf(out, size, "run %" PRIu64, failure->first_index);
}

void report_failure_found_replay(const struct cli_options *options,
				 const struct explore_failure *failure,
				 char *out, size_t size)
{
	report_replay_run(&options->runner, &failure->first,
			  &failure->first_fired, out, size);
}

void report_replay_run(const struct runner_options *runner,
		       const struct sim_config *config,
		       const struct fault_plan *fired, char *out, size_t size)
{
	struct sim_config exact = *config;
	exact.plan = *fired;
	exact.random_faults = false;
	report_replay_command(runner->program, &exact, out, size);
	if (runner->invariants_dir) {
		append(out, size, strlen(out), " --invariants");
		report_shell_word(out, size, runner->invariants_dir);
	}
	if (runner->persistence != REDIS_PERSISTENCE_AOF)
		append(out, size, strlen(out), " --redis-persistence %s",
		       value_persistence_name(runner->persistence));
}

void report_no_verdict(const struct explore_stats *stats, const char *error,
		       char *out, size_t size)
{
	snprintf(out, size, "%s%s; no verdict: the exploration stopped there,"
		 " and the figures are those of the %" PRIu64 " run%s it made",
		 stats->stopped_by_input ? "" : "internal error: ", error,
		 stats->done, stats->done == 1 ? "" : "s");
}

void report_replay_check(const struct explore_failure *failure, char *text,
			 size_t size)
{
	if (failure->replay_verified)
		snprintf(text, size, "replayed twice: same failure, same"
			 " digest %016" PRIx64, failure->digest);
	else if (!failure->shown_fails)
		snprintf(text, size, "WARNING: not reproducible: %u of %u"
			 " replays failed this way, and the run shown, the"
			 " last, did not (digest %016" PRIx64 ")",
			 failure->reproduced, failure->replays,
			 failure->digest);
	else if (failure->reproduced == failure->replays)
		snprintf(text, size, "WARNING: not deterministic: all %u"
			 " replays failed this way, but with different"
			 " digests (the run shown: %016" PRIx64 ")",
			 failure->replays, failure->digest);
	else
		snprintf(text, size, "WARNING: not reproducible: %u of %u"
			 " replays failed this way; the run shown is one that"
			 " did (digest %016" PRIx64 ")", failure->reproduced,
			 failure->replays, failure->digest);
}

/* report_cut for a shard of a recovery exploration, whose second pass
 * is its own: planned from its share of the first, cut to its share of
 * what --runs leaves after the first. */
static void cut_recovery_shard(const struct cli_options *options,
			       const struct explore_stats *stats, char *text,
			       size_t size)
{
	bool first_cut = stats->first_planned_all < stats->singles;
	bool second_cut = stats->second_pass &&
			  stats->second_planned < stats->second_runs;
	uint64_t left = (uint64_t)options->runs > stats->singles ?
			(uint64_t)options->runs - stats->singles : 0;
	if (stats->stopped_by_budget) {
		char sample[160] = "";
		if (first_cut)
			snprintf(sample, sizeof(sample), " (themselves cut by"
				 " --runs %ld from %" PRIu64 ")", options->runs,
				 stats->singles);
		else if (second_cut)
			snprintf(sample, sizeof(sample), " (this shard's second"
				 " pass itself cut by --runs %ld to %" PRIu64
				 " of its %" PRIu64 " runs)", options->runs,
				 stats->second_planned, stats->second_runs);
		snprintf(text, size, "stopped by --seconds %ld after %" PRIu64
			 " of the %" PRIu64 " planned runs%s: not every fault"
			 " was tried", options->seconds, stats->done,
			 stats->planned, sample);
	} else if (first_cut) {
		snprintf(text, size, "cut by --runs %ld: %" PRIu64 " of the %"
			 PRIu64 " single faults, and no recovery pass: not"
			 " every fault was tried", options->runs,
			 stats->first_planned_all, stats->singles);
	} else if (second_cut && left == 0) {
		snprintf(text, size, "cut by --runs %ld: the %" PRIu64 " single"
			 " faults and none of the %" PRIu64 " runs of this"
			 " shard's second pass: not every fault was tried",
			 options->runs, stats->singles, stats->second_runs);
	} else if (second_cut) {
		snprintf(text, size, "cut by --runs %ld: %" PRIu64 " of the %"
			 PRIu64 " runs of this shard's second pass (its share"
			 " of the %" PRIu64 " run%s left after the %" PRIu64
			 " single faults): not every fault was tried",
			 options->runs, stats->second_planned,
			 stats->second_runs, left, left == 1 ? "" : "s",
			 stats->singles);
	}
}

void report_cut(const struct cli_options *options,
		const struct explore_stats *stats, char *text, size_t size)
{
	const bool recovery = options->mode == EXPLORE_RECOVERY;
	text[0] = '\0';
	if (stats->fault_free_failed)
		return;
	if (!explore_whole_known(options)) {
		cut_recovery_shard(options, stats, text, size);
		return;
	}
	if (stats->stopped_by_budget) {
		char sample[128] = "";
		if (options->mode == EXPLORE_PAIRS &&
		    stats->planned_all < stats->mode_runs)
			snprintf(sample, sizeof(sample), " (themselves a sample"
				 " of the %" PRIu64 " pairs)", stats->mode_runs);
		else if (options->mode != EXPLORE_RANDOM &&
			 stats->planned_all < stats->mode_runs)
			snprintf(sample, sizeof(sample), " (themselves cut by"
				 " --runs %ld from %" PRIu64 ")", options->runs,
				 stats->mode_runs);
		snprintf(text, size, "stopped by --seconds %ld after %" PRIu64
			 " of the %" PRIu64 " planned runs%s%s", options->seconds,
			 stats->done, stats->planned, sample,
			 options->mode == EXPLORE_RANDOM ? "" :
			 ": not every fault was tried");
		return;
	}
	if (options->mode == EXPLORE_RANDOM ||
	    stats->planned_all >= stats->mode_runs)
		return;
	if (options->mode == EXPLORE_PAIRS)
		snprintf(text, size, "a sample: %" PRIu64 " of the %" PRIu64
			 " pairs of the %" PRIu64 " single faults"
			 " (--runs%s): not every pair was tried",
			 stats->planned_all, stats->mode_runs, stats->singles,
			 options->runs ? "" : ", by default 2000");
	else if (recovery && stats->planned_all < stats->singles)
		snprintf(text, size, "cut by --runs %ld: %" PRIu64 " of the %"
			 PRIu64 " single faults, and no recovery pass: not"
			 " every fault was tried", options->runs,
			 stats->planned_all, stats->singles);
	else
		snprintf(text, size, "cut by --runs %ld: %" PRIu64 " of the %"
			 PRIu64 " runs%s: not every fault was tried",
			 options->runs, stats->planned_all, stats->mode_runs,
			 recovery ? " of both passes" : " (one per single fault)");
}

void report_runs_not_fired(const struct cli_options *options,
			   const struct explore_stats *stats, char *text,
			   size_t size)
{
	char fault[96], run[PLAN_FORMAT_MAX + 32];
	text[0] = '\0';
	if (!stats->runs_not_fired)
		return;
	fault_format(&stats->not_fired_first_fault, fault, sizeof(fault));
	if (options->mode == EXPLORE_RANDOM) {
		snprintf(run, sizeof(run), "seed %" PRIu64,
			 stats->not_fired_first_seed);
	} else {
		fault_plan_list(&stats->not_fired_first_plan, run, sizeof(run));
	}
	snprintf(text, size, "in %" PRIu64 " of the %" PRIu64 " runs, a fault"
		 " of the run's own plan never fired (%" PRIu64 " fault%s): an"
		 " earlier fault took the run away from its hit; the first: %s,"
		 " in the run of %s", stats->runs_not_fired, stats->done,
		 stats->faults_not_fired, stats->faults_not_fired == 1 ? "" : "s",
		 fault, run);
}

bool report_dry_sale(const struct cli_options *options,
		     const struct explore_stats *stats, char *text,
		     size_t size)
{
	const char *run = options->config.plan.count ?
			  "the run with only the sale's own faults (--fault)" :
			  "the run without the explored faults";
	int64_t sold = stats->dry_stock_initial - stats->dry_stock_left;
	/* A sale's own faults may stop every sale on purpose (a crash
	 * before the deduction): the warning is for a sale with no fault of
	 * its own. */
	bool nothing = stats->dry_orders == 0 && stats->dry_stock_initial > 0 &&
		       !options->config.plan.count;
	if (!stats->dry_ran || stats->fault_free_failed) {
		/* no such run, or it failed: its failure is the report */
		snprintf(text, size, "%s", "");
		return false;
	}
	if (stats->dry_stock_initial == 0)
		snprintf(text, size, "%s had no unit to sell", run);
	else if (nothing)
		snprintf(text, size, "WARNING: %s sold none of its %" PRId64
			 " unit%s: its invariants held for want of a sale, as"
			 " may those of the runs built on it (a protocol that"
			 " never sells passes them all)", run, stats->dry_stock_initial,
			 stats->dry_stock_initial == 1 ? "" : "s");
	else
		snprintf(text, size, "%s sold %" PRId64 " of its %" PRId64
			 " unit%s (%" PRId64 " order%s)", run, sold,
			 stats->dry_stock_initial,
			 stats->dry_stock_initial == 1 ? "" : "s",
			 stats->dry_orders, stats->dry_orders == 1 ? "" : "s");
	return nothing;
}

void report_explore_time(const struct cli_options *options,
			 const struct explore_stats *stats, char *text,
			 size_t size)
{
	char shrinking[128] = "";
	if (stats->shrink_runs) /* nothing failed: nothing to say */
		snprintf(shrinking, sizeof(shrinking), "%.1f s shrinking and"
			 " replaying (%" PRIu64 " run%s); %.1f s in all; ",
			 stats->shrink_seconds, stats->shrink_runs,
			 stats->shrink_runs == 1 ? "" : "s",
			 stats->seconds + stats->shrink_seconds);
	snprintf(text, size, "%.1f s exploring, %.1f runs/s with %d job%s; %s"
		 "peak memory %.1f MB (flashsim's own processes %.1f MB)",
		 stats->seconds, stats->seconds > 0 ?
		 (double)stats->done / stats->seconds : 0.0, options->jobs,
		 options->jobs == 1 ? "" : "s", shrinking,
		 (double)stats->peak_rss_kb / 1024.0,
		 (double)stats->own_peak_rss_kb / 1024.0);
}

void report_shard_share(const struct cli_options *options,
			const struct explore_stats *stats, char *text,
			size_t size)
{
	char second[160];
	const char *them = stats->first_planned == 1 ? "it" : "them";
	if (stats->fault_free_failed) {
		snprintf(text, size, "none: the sale fails without any fault,"
			 " so no fault was explored");
		return;
	}
	if (explore_whole_known(options)) {
		if (stats->planned == 0)
			snprintf(text, size, "none of the exploration's %" PRIu64
				 " run%s (more shards than runs)",
				 stats->planned_all,
				 stats->planned_all == 1 ? "" : "s");
		else
			snprintf(text, size, "%" PRIu64 " of the exploration's %"
				 PRIu64 " runs", stats->planned,
				 stats->planned_all);
		return;
	}
	/* recovery mode: the first pass is shared out, the second is the
	 * shard's own */
	if (stats->first_planned == 0) {
		snprintf(text, size, "none of the first pass's %" PRIu64 " run%s"
			 " (more shards than runs), and so no second pass",
			 stats->first_planned_all,
			 stats->first_planned_all == 1 ? "" : "s");
		return;
	}
	if (!stats->second_pass)
		snprintf(second, sizeof(second), "no second pass (the first was"
			 " cut short)");
	else if (stats->second_runs == 0)
		snprintf(second, sizeof(second), "no run of a second pass planned"
			 " from %s (%s no step the run without faults"
			 " missed)", them,
			 stats->first_planned == 1 ? "it opens" : "they open");
	else if (stats->second_planned == stats->second_runs)
		snprintf(second, sizeof(second), "the %" PRIu64 " run%s of the"
			 " second pass planned from %s", stats->second_runs,
			 stats->second_runs == 1 ? "" : "s", them);
	else
		snprintf(second, sizeof(second), "%" PRIu64 " of the %" PRIu64
			 " run%s of the second pass planned from %s",
			 stats->second_planned, stats->second_runs,
			 stats->second_runs == 1 ? "" : "s", them);
	snprintf(text, size, "%" PRIu64 " of the first pass's %" PRIu64
		 " run%s, and %s", stats->first_planned,
		 stats->first_planned_all, stats->first_planned_all == 1 ?
		 "" : "s", second);
}

void report_invariants_broken(const struct explore_stats *stats, char *text,
			      size_t size)
{
	size_t used = 0;
	text[0] = '\0';
	for (int i = 0; i < stats->invariant_count && used < size; i++)
		if (stats->invariant_runs[i])
			used += (size_t)snprintf(text + used, size - used,
						 "%s%s %" PRIu64, used ? ", " : "",
						 stats->invariant_names[i],
						 stats->invariant_runs[i]);
}
