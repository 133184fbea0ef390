/*
 * junit.c - JUnit XML for CI (see junit.h).
 */
#include "junit.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "explore.h"
#include "options.h"
#include "report.h"
#include "tracedb.h"
#include "whole_file.h"

/* Length of the valid UTF-8 sequence at s that XML 1.0 allows, or 0. */
static size_t utf8_length(const unsigned char *s)
{
	uint32_t code;
	size_t length;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		length = 2;
		code = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		length = 3;
		code = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		length = 4;
		code = s[0] & 0x07u;
	} else {
		return 0;
	}
	for (size_t i = 1; i < length; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		code = (code << 6) | (s[i] & 0x3fu);
	}
	if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
	    code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ||
	    code == 0xfffe || code == 0xffff)
		return 0;
	return length;
}

/* In an attribute, a newline or tab is kept as a character reference
 * (a parser would turn the raw ones into spaces). */
static void escape(FILE *out, const char *text, bool attribute)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	while (*s) {
		size_t length = utf8_length(s);
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs(attribute ? "&quot;" : "\"", out); break;
		case '\'': fputs(attribute ? "&apos;" : "'", out); break;
		case '\n': fputs(attribute ? "&#10;" : "\n", out); break;
		case '\t': fputs(attribute ? "&#9;" : "\t", out); break;
		case '\r': fputs("&#13;", out); break;
		default:
			if (*s < 0x20 || length == 0) {
				fputc('?', out); /* not allowed in XML 1.0 */
				length = 1;
			} else {
				fwrite(s, 1, length, out);
			}
			s += length;
			continue;
		}
		s++;
	}
}

void junit_escape(FILE *out, const char *text)
{
	escape(out, text, false);
}

static void print_case(FILE *out, const struct junit_case *item)
{
	fputs("    <testcase name=\"", out);
	escape(out, item->name, true);
	fputs("\" classname=\"", out);
	escape(out, item->classname, true);
	fprintf(out, "\" time=\"%.3f\"", item->seconds);
	if (!item->failure_message && !item->output) {
		fputs("/>\n", out);
		return;
	}
	fputs(">\n", out);
	if (item->failure_message) {
		const char *element = item->error ? "error" : "failure";
		fprintf(out, "      <%s message=\"", element);
		escape(out, item->failure_message, true);
		fputs("\" type=\"", out);
		escape(out, item->failure_type ? item->failure_type : element,
		       true);
		fputs("\">", out);
		escape(out, item->failure_text, false);
		fprintf(out, "</%s>\n", element);
	}
	if (item->output) {
		fputs("      <system-out>", out);
		escape(out, item->output, false);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

/* The cases that failed (errors false) or ended in an error (true). */
static int suite_tally(const struct junit_suite *suite, bool errors)
{
	int count = 0;
	for (int i = 0; i < suite->count; i++)
		count += suite->cases[i].failure_message != NULL &&
			 suite->cases[i].error == errors;
	return count;
}

void junit_print(FILE *out, const char *name,
		 const struct junit_suite *suites, int suite_count)
{
	int tests = 0, failures = 0, errors = 0;
	double seconds = 0;
	assert(suite_count >= 0);
	for (int s = 0; s < suite_count; s++) {
		tests += suites[s].count;
		failures += suite_tally(&suites[s], false);
		errors += suite_tally(&suites[s], true);
		seconds += suites[s].seconds;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", out);
	escape(out, name, true);
	fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\""
		" time=\"%.3f\">\n", tests, failures, errors, seconds);
	for (int s = 0; s < suite_count; s++) {
		const struct junit_suite *suite = &suites[s];
		assert(suite->count >= 0);
		fputs("  <testsuite name=\"", out);
		escape(out, suite->name, true);
		fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\""
			" skipped=\"0\" time=\"%.3f\">\n", suite->count,
			suite_tally(suite, false), suite_tally(suite, true),
			suite->seconds);
		for (int i = 0; i < suite->count; i++)
			print_case(out, &suite->cases[i]);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
}

int junit_write(const char *path, const char *name,
		const struct junit_suite *suites, int suite_count,
		char *error, size_t error_size)
{
	struct whole_file file;
	if (whole_file_open(&file, path, error, error_size) != 0)
		return -1;
	junit_print(file.out, name, suites, suite_count);
	return whole_file_close(&file, true, error, error_size) != 0 ? -1 : 0;
}

/* ---- the commands' --junit FILE ------------------------------------------ */

#define JUNIT_CASES_MAX (EXPLORE_FAILURES_MAX + 2)

/* "the scenario's name", or its file's name, or fallback. */
static const char *subject(const struct cli_options *options,
			   const char *fallback)
{
	const char *slash;
	if (options->scenario_name[0])
		return options->scenario_name;
	if (!options->scenario)
		return fallback;
	slash = strrchr(options->scenario, '/');
	return slash ? slash + 1 : options->scenario;
}

/* The scenario file's name without directory and ".ini", or fallback:
 * a classname without spaces. */
static void file_stem(const struct cli_options *options, const char *fallback,
		      char *out, size_t size)
{
	const char *name = options->scenario ? options->scenario : fallback;
	const char *slash = strrchr(name, '/');
	size_t length;
	name = slash ? slash + 1 : name;
	length = strlen(name);
	if (length > 4 && strcmp(name + length - 4, ".ini") == 0)
		length -= 4;
	snprintf(out, size, "%.*s", (int)length, name);
}

static int write_file(const struct cli_options *options, const char *command,
		      const struct junit_suite *suite)
{
	char error[PATH_MAX + 512]; /* a path, and why */
	char name[64];
	snprintf(name, sizeof(name), "flashsim %s", command);
	if (junit_write(options->junit_path, name, suite, 1, error,
			sizeof(error)) == 0)
		return 0;
	fprintf(stderr, "flashsim: cannot write %s\n", error);
	return EXIT_INTERNAL;
}

/* The invariants run_id violated, "a, b" or "", into out. */
static void violated_names(struct tracedb *db, int64_t run_id, char *out,
			   size_t size)
{
	sqlite3_stmt *stmt = NULL;
	out[0] = '\0';
	if (!db || sqlite3_prepare_v2(tracedb_sqlite(db),
				      "SELECT group_concat(invariant, ', ') FROM"
				      " (SELECT DISTINCT invariant FROM violations"
				      " WHERE run_id = ?1 ORDER BY invariant)",
				      -1, &stmt, NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, run_id);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
out_finalize:
	sqlite3_finalize(stmt);
}

int junit_run_file(const struct cli_options *options, struct tracedb *db,
		   int64_t run_id, const struct sim_result *result,
		   const char *replay, const char *error, int rc,
		   double seconds)
{
	char why[1024], violated[1024], text[8192], suite_name[512];
	char stem[128], classname[160];
	struct junit_case item = { subject(options, "run"), classname, seconds,
				   NULL, NULL, text, NULL, false };
	struct junit_suite suite = { suite_name, seconds, &item, 1 };
	if (!options->junit_path)
		return 0;
	file_stem(options, "", stem, sizeof(stem));
	snprintf(classname, sizeof(classname), "flashsim.run%s%s",
		 stem[0] ? "." : "", stem);
	snprintf(suite_name, sizeof(suite_name), "flashsim run%s%s",
		 options->scenario ? " " : "",
		 options->scenario ? options->scenario : "");
	if (!result) {
		bool usage = rc == EXIT_USAGE;
		item.failure_message = error;
		item.failure_type = usage ? "bad-input" : "internal-error";
		item.error = true;
		snprintf(text, sizeof(text), "%s, no verdict: %s\n", usage ?
			 "bad input" : "internal error", error);
		return write_file(options, "run", &suite);
	}
	violated_names(db, run_id, violated, sizeof(violated));
	snprintf(text, sizeof(text), "verdict: %s\nproblem: %s\nviolated: %s\n"
		 "replay: %s\n", verdict_name(result->verdict),
		 result->problem[0] ? result->problem : "none",
		 violated[0] ? violated : "none", replay);
	for (int i = 0; i < result->not_fired.count; i++) {
		size_t used = strlen(text);
		char line[256];
		report_not_fired(result, i, line, sizeof(line));
		snprintf(text + used, sizeof(text) - used, "NOT FIRED: %s\n",
			 line);
	}
	if (expect_checked_by(&options->expect, false)) {
		if (!expect_judge_run(&options->expect, result, violated, why,
				      sizeof(why))) {
			item.failure_message = why;
			item.failure_type = "expectation";
		}
	} else if (result->verdict != VERDICT_OK) {
		item.failure_message = result->problem;
		item.failure_type = verdict_name(result->verdict);
	}
	if (!item.failure_message)
		item.output = text;
	return write_file(options, "run", &suite);
}

/* The faults of plan, space-separated, or "no fault", into out. */
static void plan_words(const struct fault_plan *plan, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int f = 0; f < plan->count && used < size; f++) {
		char fault[96];
		int n;
		fault_format(&plan->faults[f], fault, sizeof(fault));
		n = snprintf(out + used, size - used, "%s%s", f ? " " : "",
			     fault);
		if (n > 0)
			used += (size_t)n;
	}
	if (!out[0])
		snprintf(out, size, "no fault");
}

/* A distinct failure: its shrunk plan and replay command, then the
 * checker's report; or, not shrunk, the run that found it. Owned by the
 * caller (free). */
static char *failure_text(const struct cli_options *options,
			  const struct explore_stats *stats,
			  const struct explore_failure *failure,
			  char *message, size_t message_size)
{
	const struct sim_config *shrunk = &failure->shrunk;
	char plan[1024], found[64], replay[4096], check[256];
	char *text = NULL;
	size_t size = 0;
	FILE *out;
	if (!report_failure_shrunk(failure)) {
		const struct sim_config *first = &failure->first;
		plan_words(&failure->first_fired, plan, sizeof(plan));
		report_failure_found(stats, failure, found, sizeof(found));
		report_failure_found_replay(options, failure, replay,
					    sizeof(replay));
		snprintf(message, message_size, "%s: %s (found in %s: %d user%s,"
			 " stock %" PRId64 "; %s); replay: %s", failure->key,
			 plan, found, first->users, first->users == 1 ? "" : "s",
			 first->stock, REPORT_NOT_SHRUNK, replay);
		out = open_memstream(&text, &size);
		if (!out)
			return NULL;
		fprintf(out, "%" PRIu64 " run%s failed this way\nproblem: %s\n"
			"%s\nfound:   %s: %s\nreplay:  %s\n         (the run"
			" as found: not shrunk, not replayed)\n", failure->count,
			failure->count == 1 ? "" : "s", failure->problem,
			REPORT_NOT_SHRUNK, found, plan, replay);
		fclose(out);
		return text;
	}
	plan_words(&shrunk->plan, plan, sizeof(plan));
	snprintf(message, message_size, "%s: %s (shrunk to %d user%s, stock %"
		 PRId64 "); replay: %s", failure->key, plan,
		 shrunk->users, shrunk->users == 1 ? "" : "s", shrunk->stock,
		 failure->replay);
	out = open_memstream(&text, &size);
	if (!out)
		return NULL;
	report_replay_check(failure, check, sizeof(check));
	fprintf(out, "%" PRIu64 " run%s failed this way\nproblem: %s\n"
		"shrunk:  %s\nreplay:  %s\n         (%s)\n\n%s", failure->count,
		failure->count == 1 ? "" : "s", failure->problem, plan,
		failure->replay, check, failure->report ? failure->report : "");
	fclose(out);
	return text;
}

/* The exploration's counts in one line, for the suite's output: "683 runs
 * of 683 planned: 683 ok, 0 violation, 0 liveness", with the shard's
 * share and what cut it short. */
static void explore_summary(const struct cli_options *options,
			    const struct explore_stats *stats, char *text,
			    size_t size)
{
	char share[640] = "", cut[256], passes[512], sold[256];
	if (options->shard_count > 1 && explore_whole_known(options)) {
		snprintf(share, sizeof(share), " (this shard's share of the"
			 " exploration's %" PRIu64 ")", stats->planned_all);
	} else if (options->shard_count > 1) {
		/* recovery mode: the second pass is the shard's own */
		report_shard_share(options, stats, passes, sizeof(passes));
		snprintf(share, sizeof(share), " (this shard's: %s)", passes);
	}
	size_t used;
	report_cut(options, stats, cut, sizeof(cut));
	snprintf(text, size, "%" PRIu64 " run%s of %" PRIu64 " planned%s: %"
		 PRIu64 " ok, %" PRIu64 " violation, %" PRIu64 " liveness%s%s\n",
		 stats->done, stats->done == 1 ? "" : "s", stats->planned, share,
		 stats->verdicts[VERDICT_OK], stats->verdicts[VERDICT_VIOLATION],
		 stats->verdicts[VERDICT_LIVENESS], cut[0] ? "; " : "", cut);
	used = strlen(text);
	/* only the warning: the suite's output stays short */
	if (report_dry_sale(options, stats, sold, sizeof(sold)) &&
	    used + 1 < size)
		snprintf(text + used, size - used, "%s\n", sold);
	used = strlen(text);
	if (stats->runs_not_fired && used + 1 < size) {
		snprintf(text + used, size - used, "NOT FIRED: ");
		used = strlen(text);
		report_runs_not_fired(options, stats, text + used, size - used);
		used = strlen(text);
		snprintf(text + used, size - used, "\n");
	}
}

int junit_explore_file(const struct cli_options *options,
		       const struct explore_stats *stats, int rc,
		       const char *error)
{
	struct junit_case cases[JUNIT_CASES_MAX];
	char *texts[EXPLORE_FAILURES_MAX] = { NULL };
	char (*messages)[8192] = calloc(EXPLORE_FAILURES_MAX, sizeof(*messages));
	char classname[256], stem[128], shard[32] = "", name[64];
	char suite_name[512], why[1024];
	/* the counts' line, the dry sale's warning, what did not fire */
	char summary[1024 + 256 + REPORT_RUNS_NOT_FIRED_MAX];
	bool expected = expect_checked_by(&options->expect, true);
	bool no_verdict = rc != 0;
	/* The suite has the whole wall time; each failure's case the time
	 * of its shrinking and replays, and the exploration's case (or the
	 * expectation's, or the error's) the rest: no time counts twice. */
	struct junit_suite suite = { suite_name, stats->seconds +
				     stats->shrink_seconds, cases, 0 };
	double rest = suite.seconds;
	int written;
	if (!options->junit_path) {
		free(messages);
		return 0;
	}
	explore_summary(options, stats, summary, sizeof(summary));
	for (int i = 0; i < stats->failure_count; i++)
		rest -= stats->failures[i].shrink_seconds;
	if (rest < 0)
		rest = 0;
	if (!messages) {
		fprintf(stderr, "flashsim explore: junit: out of memory\n");
		return EXIT_INTERNAL;
	}
	if (options->shard_count > 1)
		snprintf(shard, sizeof(shard), "shard %d/%d",
			 options->shard_index + 1, options->shard_count);
	file_stem(options, "sale", stem, sizeof(stem));
	snprintf(classname, sizeof(classname), "flashsim.explore.%s", stem);
	snprintf(name, sizeof(name), "exploration%s%s%s", shard[0] ? " (" : "",
		 shard, shard[0] ? ")" : "");
	snprintf(suite_name, sizeof(suite_name), "flashsim explore %s%s%s",
		 subject(options, "sale"), shard[0] ? ", " : "", shard);
	if (no_verdict && rc == EXIT_USAGE) /* before any run */
		snprintf(why, sizeof(why), "bad input, no verdict: %s", error);
	else if (no_verdict)
		report_no_verdict(stats, error, why, sizeof(why));
	if (no_verdict) {
		cases[suite.count++] = (struct junit_case){
			name, classname, rest, error,
			rc == EXIT_USAGE ? "bad-input" : "internal-error", why,
			summary, true };
	}
	for (int i = 0; i < stats->failure_count; i++) {
		const struct explore_failure *failure = &stats->failures[i];
		struct junit_case *item = &cases[suite.count++];
		texts[i] = failure_text(options, stats, failure, messages[i],
					sizeof(messages[i]));
		*item = (struct junit_case){
			failure->key, classname, failure->shrink_seconds,
			messages[i],
			strcmp(failure->key, "liveness") ? "violation" : "liveness",
			texts[i], NULL, false };
		if (expected) { /* an expected failure: the case passes */
			item->failure_message = NULL;
			item->output = texts[i];
		}
	}
	if (expected && !no_verdict) /* without a verdict, nothing to judge */
		cases[suite.count++] = (struct junit_case){
			"expectation", classname, rest,
			expect_judge_explore(&options->expect, stats, why,
					     sizeof(why)) ? NULL : why,
			"expectation", why, summary, false };
	else if (suite.count == 0)
		cases[suite.count++] = (struct junit_case){
			name, classname, rest, NULL, NULL, NULL,
			summary, false };
	written = write_file(options, "explore", &suite);
	for (int i = 0; i < stats->failure_count; i++)
		free(texts[i]);
	free(messages);
	return written;
}
