/*
 * compare.c - the rows of a comparison and its text report (see
 * compare.h).
 */
#include "compare.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>


#include "check.h"
#include "report.h"
#include "variants.h"

const char *const compare_row_names[COMPARE_ROWS] = {
	"design", "verdict", "stock", "orders", "transactions", "users told",
	"faults fired", "not fired", "crashes", "digest",
};

const char *compare_design_name(enum variant_id variant)
{
	return variant == VARIANT_NONE ? "the protocol" :
					 variant_get(variant)->name;
}

/* Invariants a verdict row names; more are counted, not named. */
#define VERDICT_NAMES_MAX 32

/* "ok", "violation: conservation, txn_order_agreement" (every invariant
 * the run broke, the first VERDICT_NAMES_MAX by name), or "liveness: ..."
 * (the hang). */
static void verdict_text(const struct compare_design *design, char *out,
			 size_t size)
{
	char (*names)[INVARIANT_NAME_MAX];
	int count;
	size_t used;
	if (design->result.verdict != VERDICT_VIOLATION) {
		snprintf(out, size, "%s%s%s", verdict_name(design->result.verdict),
			 design->result.verdict == VERDICT_OK ? "" : ": ",
			 design->result.verdict == VERDICT_OK ? "" :
			 report_problem_text(&design->result));
		return;
	}
	/* as many as a set holds, to count them all */
	names = calloc(INVARIANT_SET_MAX, sizeof(*names));
	count = names ? check_violated_invariants(design->db, design->run_id,
						  names, INVARIANT_SET_MAX) :
			-1;
	used = (size_t)snprintf(out, size, "violation:");
	for (int i = 0; i < count && i < VERDICT_NAMES_MAX && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s %s",
					 i ? "," : "", names[i]);
	if (count > VERDICT_NAMES_MAX && used < size)
		snprintf(out + used, size - used, " and %d more",
			 count - VERDICT_NAMES_MAX);
	if (count <= 0) /* the trace could not be read: the first one */
		snprintf(out, size, "violation: %s", design->result.problem);
	free(names);
}

static void not_fired_text(const struct compare_design *design, char *out,
			   size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < design->result.not_fired.count && used < size; i++) {
		char line[256];
		report_not_fired(&design->result, i, line, sizeof(line));
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 i ? "; " : "", line);
	}
	if (!out[0])
		snprintf(out, size, "none");
}

static void row_values(const struct compare_design *design,
		       char values[COMPARE_ROWS][COMPARE_VALUE_MAX])
{
	const struct sim_result *r = &design->result;
	char crashes[128];
	_Static_assert(COMPARE_VALUE_MAX >= PLAN_FORMAT_MAX &&
		       COMPARE_VALUE_MAX >= PLAN_FAULTS_MAX * (256 + 2) &&
		       COMPARE_VALUE_MAX >= 16 + VERDICT_NAMES_MAX *
					    (INVARIANT_NAME_MAX + 2) + 32,
		       "a value holds the longest list");
	snprintf(values[0], COMPARE_VALUE_MAX, "%s: %s",
		 variant_get(design->config.variant)->name,
		 variant_get(design->config.variant)->description);
	verdict_text(design, values[COMPARE_VERDICT], COMPARE_VALUE_MAX);
	report_stock_text(r, values[2], COMPARE_VALUE_MAX);
	snprintf(values[3], COMPARE_VALUE_MAX, "%" PRId64, r->orders);
	report_txns_text(&design->config, r, values[4], COMPARE_VALUE_MAX);
	snprintf(values[5], COMPARE_VALUE_MAX, "%" PRId64 " success, %" PRId64
		 " rejected, %" PRId64 " unknown", r->told[TOLD_SUCCESS],
		 r->told[TOLD_REJECTED], r->told[TOLD_UNKNOWN]);
	fault_plan_list(&r->fired, values[6], COMPARE_VALUE_MAX);
	not_fired_text(design, values[7], COMPARE_VALUE_MAX);
	report_crashes_text(r, crashes, sizeof(crashes));
	snprintf(values[8], COMPARE_VALUE_MAX, "%s; %" PRIu64 " transaction%s"
		 " resolved by the coordinator's cron loop", crashes,
		 r->recovered, r->recovered == 1 ? "" : "s");
	snprintf(values[9], COMPARE_VALUE_MAX, "%016" PRIx64, r->digest);
}

struct compare_values *compare_values_make(const struct compare_design
					   designs[2])
{
	struct compare_values *values = calloc(1, sizeof(*values));
	for (int d = 0; values && d < 2; d++)
		row_values(&designs[d], values->value[d]);
	return values;
}

/* What one design's run came to, from its verdict row: "broke
 * conservation", "kept every invariant", "did not quiesce". */
struct first_point {
	char *out;
	size_t size;
};

/* " (617 ms, app-2 app/deduct: a unit taken here that no order
 * matches)", and stop: only the first is wanted. */
static int first_point_text(void *context, const struct check_point *point)
{
	struct first_point *first = context;
	snprintf(first->out, first->size, " (%lld ms, %s%s%s: %s)",
		 (long long)point->time_ms, point->actor,
		 point->step[0] ? " " : "", point->step, point->why);
	return 1;
}

/* Where the violations of design first point (check_points), or "" when
 * they point nowhere or the trace cannot be read. */
static void first_point(const struct compare_design *design, char *out,
			size_t size)
{
	struct first_point first = { out, size };
	out[0] = '\0';
	if (check_points(design->db, design->run_id, NULL, first_point_text,
			 &first) != 0)
		out[0] = '\0';
}

static void outcome_text(const struct compare_design *design,
			 const char *verdict, char *out, size_t size)
{
	const char *colon = strchr(verdict, ':');
	char where[512];
	switch (design->result.verdict) {
	case VERDICT_OK:
		snprintf(out, size, "kept every invariant");
		return;
	case VERDICT_VIOLATION:
		first_point(design, where, sizeof(where));
		snprintf(out, size, "broke%s%s",
			 colon ? colon + 1 : " an invariant", where);
		return;
	case VERDICT_LIVENESS:
		snprintf(out, size, "did not quiesce (liveness)");
		return;
	}
}

static bool same_plan(const struct fault_plan *a, const struct fault_plan *b)
{
	if (a->count != b->count)
		return false;
	for (int i = 0; i < a->count; i++)
		if (!fault_same(&a->faults[i], &b->faults[i]))
			return false;
	return true;
}

/* Both kept every invariant: whether that says anything of the designs,
 * and what to try. */
static void both_kept(const struct compare_design designs[2], char *out,
		      size_t size)
{
	/* the design that is not the protocol, to explore */
	int other = designs[0].config.variant == VARIANT_NONE;
	const char *variant = variant_get(designs[other].config.variant)->name;
	bool missed_a = designs[0].result.not_fired.count > 0;
	bool missed_b = designs[1].result.not_fired.count > 0;
	if (!designs[0].config.plan.count)
		snprintf(out, size, "with no fault injected, both kept every"
			 " invariant: give faults with --fault (flashsim points"
			 " lists them), or let flashsim explore --variant %s try"
			 " every single fault", variant);
	else if (missed_a || missed_b)
		snprintf(out, size, "both kept every invariant, but %s: the"
			 " designs were not compared under the faults asked"
			 " for (not fired, above); flashsim explore --variant %s"
			 " tries every single fault", missed_a && missed_b ?
			 "some faults fired in neither design" : missed_a ?
			 "a fault did not fire in A" : "a fault did not fire in B",
			 variant);
	else
		snprintf(out, size, "under the same faults, both kept every"
			 " invariant: these faults do not tell the two designs"
			 " apart; flashsim explore --variant %s tries every"
			 " single fault", variant);
}

void compare_summary(const struct compare_design designs[2],
		     const struct compare_values *values, char *out,
		     size_t size)
{
	char a[COMPARE_VALUE_MAX / 2], b[COMPARE_VALUE_MAX / 2];
	const char *under;
	size_t used;
	if (designs[0].result.verdict == VERDICT_OK &&
	    designs[1].result.verdict == VERDICT_OK) {
		both_kept(designs, out, size);
	} else {
		outcome_text(&designs[0], values->value[0][COMPARE_VERDICT], a,
			     sizeof(a));
		outcome_text(&designs[1], values->value[1][COMPARE_VERDICT], b,
			     sizeof(b));
		under = !designs[0].config.plan.count ?
			"with no fault injected" :
			same_plan(&designs[0].result.fired,
				  &designs[1].result.fired) ?
			"under the same faults" :
			"under the faults each design reached (they differ:"
			" faults fired, above)";
		snprintf(out, size, "%s, %s %s; %s %s", under, designs[0].title,
			 a, designs[1].title, b);
	}
	used = strlen(out);
	if (designs[0].result.digest == designs[1].result.digest && used < size)
		snprintf(out + used, size - used, " (the two runs are the same:"
			 " one digest; nothing these options exercise differs"
			 " between the designs)");
}

/* The table's columns: the row's name, then A's and B's values. */
enum { NAME_WIDTH = 13, VALUE_WIDTH = 32 };

/* The next piece of *text that fits in VALUE_WIDTH, cut at its last
 * space, else after its last ',' or '/' (a fault's name stays whole when
 * it can), else at the width; *text moves past it and the spaces after
 * it. */
static int next_piece(const char **text, const char **piece)
{
	const char *start = *text;
	size_t length = strlen(start), cut = length;
	if (length > VALUE_WIDTH) {
		cut = VALUE_WIDTH;
		while (cut > 0 && start[cut] != ' ')
			cut--;
		for (size_t at = VALUE_WIDTH; cut == 0 && at > 1; at--)
			if (start[at - 1] == ',' || start[at - 1] == '/')
				cut = at;
		if (cut == 0)
			cut = VALUE_WIDTH;
	}
	*piece = start;
	*text = start + cut;
	while (**text == ' ')
		(*text)++;
	return (int)cut;
}

static void print_row(FILE *out, const char *name, const char *a,
		      const char *b)
{
	bool first = true;
	while (first || *a || *b) {
		const char *piece_a = "", *piece_b = "";
		int length_a = *a ? next_piece(&a, &piece_a) : 0;
		int length_b = *b ? next_piece(&b, &piece_b) : 0;
		if (length_b)
			fprintf(out, "%-*s %-*.*s  %.*s\n", NAME_WIDTH,
				first ? name : "", VALUE_WIDTH, length_a,
				piece_a, length_b, piece_b);
		else
			fprintf(out, "%-*s %.*s\n", NAME_WIDTH,
				first ? name : "", length_a, piece_a);
		first = false;
	}
}

int compare_print_text(FILE *out, const struct compare_design designs[2])
{
	struct compare_values *values = compare_values_make(designs);
	char summary[COMPARE_VALUE_MAX * 2];
	if (!values)
		return -1;
	fprintf(out, "\nside by side (read back from Redis and SQLite):\n");
	print_row(out, "", designs[0].title, designs[1].title);
	/* the designs were described above the timelines */
	for (int i = 1; i < COMPARE_ROWS; i++)
		print_row(out, compare_row_names[i], values->value[0][i],
			  values->value[1][i]);
	for (int d = 0; d < 2; d++) {
		if (designs[d].result.verdict == VERDICT_OK)
			continue;
		fprintf(out, "\n%s:\n", designs[d].title);
		if (designs[d].result.verdict == VERDICT_LIVENESS)
			fprintf(out, "%s\n", designs[d].result.problem);
		check_report_violations(out, designs[d].db, designs[d].run_id);
	}
	fprintf(out, "\n");
	for (int d = 0; d < 2; d++)
		fprintf(out, "replay %c: %s\n", designs[d].title[0],
			designs[d].replay);
	compare_summary(designs, values, summary, sizeof(summary));
	fprintf(out, "in short: %s\n", summary);
	free(values);
	return 0;
}
