/*
 * expect.c - comparing a run or an exploration with the [expect] section
 * of its scenario file (see expect.h).
 */
#include "expect.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <sqlite3.h>

#include "explore.h"
#include "report.h"
#include "tracedb.h"

/* The keys that only one of the two commands checks. */
#define EXPECT_RUN_ONLY (EXPECT_ORDERS | EXPECT_STOCK_LEFT)
#define EXPECT_EXPLORE_ONLY (EXPECT_FAILURES | EXPECT_CAUGHT)

bool expect_given(const struct expectation *expect)
{
	return expect->given != 0;
}

bool expect_checked_by(const struct expectation *expect, bool explore)
{
	return (expect->given & ~(explore ? EXPECT_RUN_ONLY :
					    EXPECT_EXPLORE_ONLY)) != 0;
}

int expect_verdict_parse(const char *text, enum verdict *verdict,
			 char *error, size_t error_size)
{
	for (int v = VERDICT_OK; v <= VERDICT_LIVENESS; v++) {
		if (strcmp(text, verdict_name(v)) == 0) {
			*verdict = v;
			return 0;
		}
	}
	snprintf(error, error_size, "expected ok, violation or liveness,"
		 " got '%s'", text);
	return -1;
}

/* Appends one difference to why, "; "-separated. */
static void differ(char *why, size_t why_size, const char *format, ...)
{
	size_t used = strlen(why);
	va_list args;
	if (used + 2 >= why_size)
		return;
	if (used)
		used += (size_t)snprintf(why + used, why_size - used, "; ");
	va_start(args, format);
	vsnprintf(why + used, why_size - used, format, args);
	va_end(args);
}

/* Whether name is one of the comma-separated names of list. */
static bool listed(const char *list, const char *name)
{
	size_t length = strlen(name);
	for (const char *p = list; (p = strstr(p, name)) != NULL; p += length) {
		bool starts = p == list || p[-1] == ' ' || p[-1] == ',';
		bool ends = p[length] == '\0' || p[length] == ',';
		if (starts && ends)
			return true;
	}
	return false;
}

bool expect_judge_run(const struct expectation *expect,
		      const struct sim_result *result, const char *violated,
		      char *why, size_t why_size)
{
	why[0] = '\0';
	/* A fault that never fired leaves the scenario untried, whatever
	 * the run came to. */
	for (int i = 0; i < result->not_fired.count; i++) {
		char line[256];
		report_not_fired(result, i, line, sizeof(line));
		differ(why, why_size, "fault %s", line);
	}
	if ((expect->given & EXPECT_VERDICT) && result->verdict != expect->verdict)
		differ(why, why_size, "verdict %s, expected %s",
		       verdict_name(result->verdict),
		       verdict_name(expect->verdict));
	if ((expect->given & EXPECT_INVARIANT) &&
	    !listed(violated, expect->invariant))
		differ(why, why_size, "invariant %s not violated (violated: %s)",
		       expect->invariant, violated[0] ? violated : "none");
	if ((expect->given & EXPECT_ORDERS) && result->orders != expect->orders)
		differ(why, why_size, "orders %" PRId64 ", expected %" PRId64,
		       result->orders, expect->orders);
	if ((expect->given & EXPECT_STOCK_LEFT) && result->stock_missing)
		differ(why, why_size, "the stock key is missing, expected %"
		       PRId64 " left", expect->stock_left);
	else if ((expect->given & EXPECT_STOCK_LEFT) &&
		 result->stock_left != expect->stock_left)
		differ(why, why_size, "stock left %" PRId64 ", expected %" PRId64,
		       result->stock_left, expect->stock_left);
	return why[0] == '\0';
}

/* "conservation, liveness" or "none": the distinct failures. */
static void failure_names(const struct explore_stats *stats, char *out,
			  size_t size)
{
	size_t used = 0;
	snprintf(out, size, "none");
	for (int i = 0; i < stats->failure_count && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "",
				 stats->failures[i].key);
		if (n > 0)
			used += (size_t)n;
	}
}

bool expect_judge_explore(const struct expectation *expect,
			  const struct explore_stats *stats, char *why,
			  size_t why_size)
{
	char names[EXPLORE_FAILURES_MAX * (EXPLORE_KEY_MAX + 2)];
	enum verdict verdict = explore_verdict(stats);
	int64_t failures = stats->failure_count;
	failure_names(stats, names, sizeof(names));
	why[0] = '\0';
	for (int i = 0; i < stats->not_fired.count; i++) {
		char line[256];
		explore_not_fired(stats, i, line, sizeof(line));
		differ(why, why_size, "fault %s", line);
	}
	if ((expect->given & EXPECT_VERDICT) && verdict != expect->verdict)
		differ(why, why_size, "verdict %s, expected %s",
		       verdict_name(verdict), verdict_name(expect->verdict));
	if ((expect->given & EXPECT_INVARIANT) &&
	    !listed(names, expect->invariant))
		differ(why, why_size, "no failure of invariant %s (failures: %s)",
		       expect->invariant, names);
	if ((expect->given & EXPECT_FAILURES) && failures != expect->failures)
		differ(why, why_size, "%" PRId64 " distinct failure%s (%s),"
		       " expected %" PRId64, failures, failures == 1 ? "" : "s",
		       names, expect->failures);
	if ((expect->given & EXPECT_CAUGHT) && (failures > 0) != expect->caught)
		differ(why, why_size, expect->caught ?
		       "no failure found, expected at least one" :
		       "failures found (%s), expected none", names);
	return why[0] == '\0';
}

/* The violated invariants of run_id, comma-separated, into out. */
static void violated_invariants(struct tracedb *db, int64_t run_id,
				char *out, size_t size)
{
	sqlite3_stmt *stmt = NULL;
	size_t used = 0;
	out[0] = '\0';
	if (sqlite3_prepare_v2(tracedb_sqlite(db),
			       "SELECT DISTINCT invariant FROM violations"
			       " WHERE run_id = ? ORDER BY invariant", -1,
			       &stmt, NULL) != SQLITE_OK)
		goto out_finalize;
	sqlite3_bind_int64(stmt, 1, run_id);
	while (sqlite3_step(stmt) == SQLITE_ROW && used < size) {
		int n = snprintf(out + used, size - used, "%s%s",
				 used ? ", " : "",
				 (const char *)sqlite3_column_text(stmt, 0));
		if (n > 0)
			used += (size_t)n;
	}
out_finalize:
	sqlite3_finalize(stmt);
}

static const char *const expect_key_names[] = {
	"verdict", "invariant", "orders", "stock_left", "failures", "caught",
};
#define EXPECT_KEY_COUNT \
	((unsigned)(sizeof(expect_key_names) / sizeof(expect_key_names[0])))

const char *expect_key_name(unsigned key)
{
	for (unsigned k = 0; k < EXPECT_KEY_COUNT; k++)
		if (key == 1u << k)
			return expect_key_names[k];
	return "?";
}

void expect_key_value(const struct expectation *expect, unsigned key,
		      char *value, size_t value_size)
{
	switch (key) {
	case EXPECT_VERDICT:
		snprintf(value, value_size, "%s",
			 verdict_name(expect->verdict));
		break;
	case EXPECT_INVARIANT:
		snprintf(value, value_size, "%s", expect->invariant);
		break;
	case EXPECT_ORDERS:
		snprintf(value, value_size, "%" PRId64, expect->orders);
		break;
	case EXPECT_STOCK_LEFT:
		snprintf(value, value_size, "%" PRId64, expect->stock_left);
		break;
	case EXPECT_FAILURES:
		snprintf(value, value_size, "%" PRId64, expect->failures);
		break;
	case EXPECT_CAUGHT:
		snprintf(value, value_size, "%s", expect->caught ? "true" :
			 "false");
		break;
	default:
		assert(!"not a key of [expect]");
	}
}

/* The keys in keys (enum expect_key bits), ", "-separated, into out;
 * each with its value in values ("orders = 0"), when values is given. */
static void keys_text(const struct expectation *values, unsigned keys,
		      char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (unsigned k = 0; k < EXPECT_KEY_COUNT && used < size; k++) {
		char value[EXPECT_INVARIANT_MAX] = "";
		int n;
		if (!(keys & (1u << k)))
			continue;
		if (values)
			expect_key_value(values, 1u << k, value, sizeof(value));
		n = snprintf(out + used, size - used, "%s%s%s%s",
			     used ? ", " : "", expect_key_names[k],
			     values ? " = " : "", value);
		if (n > 0)
			used += (size_t)n;
	}
}

void expect_describe(const struct expectation *expect, char *out,
		     size_t size)
{
	keys_text(expect, expect->given, out, size);
}

void expect_outcome_line(const struct expect_outcome *outcome,
			 const char *command, char *line, size_t line_size)
{
	char names[128], ignored[160] = "";
	assert(outcome->judged);
	keys_text(NULL, outcome->not_checked, names, sizeof(names));
	if (outcome->checked_nothing) {
		snprintf(line, line_size, "expectation: not checked: %s checks"
			 " none of its keys (%s); the verdict gives the exit"
			 " code", command, names);
		return;
	}
	if (outcome->not_checked)
		snprintf(ignored, sizeof(ignored), " (not checked by %s: %s)",
			 command, names);
	if (outcome->met)
		snprintf(line, line_size, "expectation: met%s", ignored);
	else
		snprintf(line, line_size, "expectation NOT met: %s%s",
			 outcome->why, ignored);
}

int expect_outcome_print(FILE *out, const struct expect_outcome *outcome,
			 const char *command, int verdict_code)
{
	char line[EXPECT_LINE_MAX];
	expect_outcome_line(outcome, command, line, sizeof(line));
	fprintf(out, "%s\n", line);
	fflush(out);
	if (outcome->checked_nothing)
		return verdict_code;
	return outcome->met ? EXIT_VERDICT_OK : EXIT_VIOLATION;
}

void expect_outcome_json(FILE *out, const struct expect_outcome *outcome)
{
	const char *separator = "";
	fprintf(out, ",\"expectation\":");
	if (!outcome || !outcome->judged) {
		fprintf(out, "null");
		return;
	}
	fprintf(out, "{\"met\":%s,\"differences\":",
		outcome->checked_nothing ? "null" :
		outcome->met ? "true" : "false");
	if (outcome->met)
		fprintf(out, "null");
	else
		report_json_string(out, outcome->why);
	fprintf(out, ",\"not_checked\":[");
	for (unsigned k = 0; k < EXPECT_KEY_COUNT; k++)
		if (outcome->not_checked & (1u << k)) {
			fprintf(out, "%s\"%s\"", separator, expect_key_names[k]);
			separator = ",";
		}
	fprintf(out, "]}");
}

void expect_outcome_run(const struct expectation *expect,
			const struct sim_result *result, struct tracedb *db,
			int64_t run_id, struct expect_outcome *outcome)
{
	char violated[1024];
	memset(outcome, 0, sizeof(*outcome));
	if (!expect_given(expect))
		return;
	violated_invariants(db, run_id, violated, sizeof(violated));
	outcome->judged = true;
	outcome->met = expect_judge_run(expect, result, violated, outcome->why,
					sizeof(outcome->why));
	outcome->not_checked = expect->given & EXPECT_EXPLORE_ONLY;
	outcome->checked_nothing = !expect_checked_by(expect, false);
	if (outcome->checked_nothing)
		outcome->met = false;
}

void expect_outcome_explore(const struct expectation *expect,
			    const struct explore_stats *stats,
			    struct expect_outcome *outcome)
{
	memset(outcome, 0, sizeof(*outcome));
	if (!expect_given(expect))
		return;
	outcome->judged = true;
	outcome->met = expect_judge_explore(expect, stats, outcome->why,
					    sizeof(outcome->why));
	outcome->not_checked = expect->given & EXPECT_RUN_ONLY;
	outcome->checked_nothing = !expect_checked_by(expect, true);
	if (outcome->checked_nothing)
		outcome->met = false;
}
