/*
 * report_html.c - the HTML reports and the report files (see
 * report_html.h). The pages are well-formed XML as well as HTML, so that
 * a test can check them with an XML parser.
 */
#include "report_html.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare.h"
#include "expect.h"
#include "report.h"
#include "report_svg.h"
#include "whole_file.h"

static const char html_style[] =
	"body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px;color:#222;"
	"font-size:14px}"
	"h1{font-size:22px;margin:0 0 12px}"
	"h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}"
	"h3{font-size:16px;margin:22px 0 6px}"
	"table{border-collapse:collapse}"
	"table.kv td{padding:2px 14px 2px 0;vertical-align:top}"
	"table.kv td:first-child{color:#555}"
	"table.grid th,table.grid td{border:1px solid #d0d0d0;padding:3px 6px;"
	"font-size:12px}"
	"table.grid th{background:#f3f5f8}"
	"table.grid td.num{text-align:right}"
	"table.matrix td{text-align:center;min-width:3.5em}"
	"table.matrix td.point{text-align:left;font-family:monospace;min-width:0}"
	"table.matrix th.kind{max-width:6em;font-weight:normal}"
	"td.na{background:#f4f4f4}"
	"td.untried{color:#999}"
	"td.ok{background:#e3f3e7}"
	"td.violation{background:#f6c9c4;font-weight:bold}"
	"td.liveness{background:#ffe1ad;font-weight:bold}"
	".verdict{padding:8px 12px;margin:10px 0;border-left:6px solid}"
	"p.why{margin:6px 0;padding:4px 10px;max-width:60em;background:#f6f7f9}"
	".verdict-ok{background:#e3f3e7;border-color:#2b8a3e}"
	".verdict-violation{background:#fbe3e0;border-color:#c92a2a}"
	".verdict-liveness{background:#fff1d6;border-color:#c77700}"
	".verdict-error{background:#eceff3;border-color:#495057}"
	/* the scenario's [expect]: met is the scenario doing what it was
	 * written to show, whatever the verdict's colour below */
	"p.scenario{margin:0 0 10px}"
	".expect{padding:8px 12px;margin:10px 0;border:2px solid}"
	".expect-met{background:#e3f3e7;border-color:#2b8a3e}"
	".expect-not-met{background:#fbe3e0;border-color:#c92a2a}"
	".expect-unchecked{background:#eceff3;border-color:#495057}"
	"pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:8px;"
	"overflow-x:auto;font-size:12px;line-height:1.35}"
	".diagram{overflow-x:auto;border:1px solid #ddd;margin:8px 0}"
	".diagram svg{display:block;max-width:100%;height:auto}"
	"pre .marked{color:#c92a2a;font-weight:bold}"
	"ul.coverage{columns:3;font-size:12px;font-family:monospace;padding-left:18px}"
	".never{color:#c92a2a;font-weight:bold}"
	".failure{border-top:3px solid #c92a2a;margin-top:26px}"
	".note{color:#555}"
	".legend span{display:inline-block;padding:1px 8px;margin-right:6px;"
	"border:1px solid #d0d0d0;font-size:12px}"
	".sides{display:grid;grid-template-columns:1fr 1fr;gap:20px}"
	".sides>div{min-width:0}"
	/* side by side, each diagram at its own size, its column scrolling:
	 * scaled into half the page, its words were 5 px high */
	".sides .diagram svg{max-width:none}"
	"table.compare td{max-width:34em;vertical-align:top}";

/* ---- pieces ------------------------------------------------------------ */

static bool has_file(const struct html_scenario *scenario)
{
	return scenario && scenario->file;
}

/* "flashsim run", then the scenario file when there is one, then suffix
 * (": naive and the protocol", or ""), escaped. */
static void page_name(FILE *out, const char *command,
		      const struct html_scenario *scenario, const char *suffix)
{
	fputs("flashsim ", out);
	report_xml_escape(out, command);
	if (has_file(scenario)) {
		fputc(' ', out);
		report_xml_escape(out, scenario->file);
	}
	report_xml_escape(out, suffix);
}

/* The file's [scenario] name and description, under the heading. */
static void scenario_line(FILE *out, const struct html_scenario *scenario)
{
	fputs("<p class=\"scenario\">Scenario file <code>", out);
	report_xml_escape(out, scenario->file);
	fputs("</code>", out);
	if (scenario->name && scenario->name[0]) {
		fputs(": <b>", out);
		report_xml_escape(out, scenario->name);
		fputs("</b>", out);
	}
	if (scenario->description && scenario->description[0]) {
		fputs("<br/>", out);
		report_xml_escape(out, scenario->description);
	}
	fputs("</p>\n", out);
}

/* The page's head and its heading, which name the scenario file when
 * the command ran one: a page passed on is known by it. */
static void html_begin(FILE *out, const char *command,
		       const struct html_scenario *scenario,
		       const char *suffix)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n<title>", out);
	page_name(out, command, scenario, suffix);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>",
		html_style);
	page_name(out, command, scenario, suffix);
	fputs("</h1>\n", out);
	if (has_file(scenario))
		scenario_line(out, scenario);
}

/* The scenario's [expect] as the text output judges it (its line, with
 * "design A: " for compare), what the file asked for, and, when it was
 * met by a run or an exploration that failed, that the failure is what
 * the scenario shows: a red verdict under a met expectation is the
 * scenario working, not flashsim failing. Nothing without [expect].
 * what: "The run", "The exploration", "Design A's run"; failed: whether
 * the page's verdict is not ok. */
static void expect_block(FILE *out, const struct html_scenario *scenario,
			 const char *command, const char *what, bool failed)
{
	const struct expect_outcome *outcome = scenario ? scenario->outcome :
							  NULL;
	char line[EXPECT_LINE_MAX], asked[512];
	if (!outcome || !outcome->judged)
		return;
	expect_outcome_line(outcome, command, line, sizeof(line));
	expect_describe(scenario->expect, asked, sizeof(asked));
	fprintf(out, "<div class=\"expect %s\"><b>%s",
		outcome->checked_nothing ? "expect-unchecked" :
		outcome->met ? "expect-met" : "expect-not-met",
		strcmp(command, "compare") == 0 ? "design A: " : "");
	report_xml_escape(out, line);
	fputs("</b><br/>", out);
	report_xml_escape(out, "The scenario's [expect]: ");
	report_xml_escape(out, asked);
	fputs(".", out);
	if (outcome->checked_nothing) {
		fputs("</div>\n", out);
		return;
	}
	fputc(' ', out);
	report_xml_escape(out, what);
	if (!outcome->met)
		fputs(" did not come to that: the scenario did not show what it"
		      " was written to show", out);
	else if (failed)
		fputs(" came to that: the failure this page shows is what the"
		      " scenario was written to show, not a failure of"
		      " flashsim", out);
	else
		fputs(" came to that", out);
	fputs(".</div>\n", out);
}

static void html_end(FILE *out)
{
	fputs("<p class=\"note\">Written by flashsim; docs/REPORTS.md explains"
	      " this page.</p>\n</body>\n</html>\n", out);
}

static void html_pre(FILE *out, const char *text)
{
	fputs("<pre>", out);
	report_xml_escape(out, text);
	fputs("</pre>\n", out);
}

/* One row of a key-value table; value is formatted, then escaped. */
static void kv(FILE *out, const char *key, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void kv(FILE *out, const char *key, const char *format, ...)
{
	char value[PLAN_FORMAT_MAX + 64];
	va_list args;
	va_start(args, format);
	vsnprintf(value, sizeof(value), format, args);
	va_end(args);
	fputs("<tr><td>", out);
	report_xml_escape(out, key);
	fputs("</td><td>", out);
	report_xml_escape(out, value);
	fputs("</td></tr>\n", out);
}

/* The sale's rows; with_variant: and its design. */
static void sale_rows(FILE *out, const struct sim_config *config,
		      bool with_variant)
{
	char plan[PLAN_FORMAT_MAX];
	fault_plan_list(&config->plan, plan, sizeof(plan));
	kv(out, "seed", "%" PRIu64, config->seed);
	kv(out, "users", "%d (%d request%s each)", config->users,
	   config->requests_per_user, config->requests_per_user == 1 ? "" : "s");
	kv(out, "stock", "%" PRId64, config->stock);
	kv(out, "apps, coordinators", "%d, %d", config->apps,
	   config->coordinators);
	if (with_variant)
		kv(out, "variant", "%s", config->variant == VARIANT_NONE ?
		   "none: the correct protocol" :
		   variant_get(config->variant)->name);
	kv(out, "fault plan", "%s%s", plan,
	   config->random_faults ? " (and random faults)" : "");
}

static char *capture(enum report_view view, struct tracedb *db,
		     int64_t run_id, const char *title,
		     const struct diagram_users *users)
{
	char *text = NULL;
	size_t size = 0;
	FILE *memory = open_memstream(&text, &size);
	int rc = 0;
	if (!memory)
		return NULL;
	switch (view) {
	case REPORT_VIOLATIONS:
		check_report_violations(memory, db, run_id);
		break;
	case REPORT_TIMELINE:
		rc = report_timeline(memory, db, run_id);
		break;
	case REPORT_SVG:
		rc = report_svg(memory, db, run_id, title, users);
		break;
	case REPORT_VIOLATIONS_JSON:
		rc = check_report_json(memory, db, run_id);
		break;
	}
	fclose(memory);
	if (rc != 0) {
		free(text);
		return NULL;
	}
	return text;
}

char *report_capture(enum report_view view, struct tracedb *db,
		     int64_t run_id, const char *title)
{
	return capture(view, db, run_id, title, NULL);
}

char *report_capture_svg(struct tracedb *db, int64_t run_id,
			 const char *title, const struct diagram_users *users)
{
	return capture(REPORT_SVG, db, run_id, title, users);
}

/* The diagram, inline; svg is our own well-formed markup. */
static void diagram_block(FILE *out, const char *svg)
{
	if (!svg) {
		fputs("<p class=\"note\">(no diagram: the trace database could"
		      " not be read)</p>\n", out);
		return;
	}
	fputs("<div class=\"diagram\">\n", out);
	fputs(svg, out);
	fputs("</div>\n", out);
}

/* The timeline, its fault and crash lines in red. */
static void timeline_block(FILE *out, const char *timeline, bool open)
{
	fprintf(out, "<details%s><summary>Timeline: every event, in order"
		" (! an injected fault, X a crash)</summary>\n",
		open ? " open=\"open\"" : "");
	if (!timeline) {
		html_pre(out, "(no timeline: the trace database could not be read)");
		fputs("</details>\n", out);
		return;
	}
	fputs("<pre>", out);
	for (const char *line = timeline; *line;) {
		const char *end = strchr(line, '\n');
		size_t length = end ? (size_t)(end - line) : strlen(line);
		char *text = strndup(line, length);
		bool marked = line[0] == '!' || line[0] == 'X';
		if (marked)
			fputs("<span class=\"marked\">", out);
		report_xml_escape(out, text ? text : "");
		fputs(marked ? "</span>\n" : "\n", out);
		free(text);
		line += length + (end ? 1 : 0);
	}
	fputs("</pre>\n</details>\n", out);
}

static const char *verdict_class(enum verdict verdict)
{
	return verdict == VERDICT_OK ? "verdict verdict-ok" :
	       verdict == VERDICT_VIOLATION ? "verdict verdict-violation" :
					      "verdict verdict-liveness";
}

/* ---- a run ---------------------------------------------------------------- */

static void final_state(FILE *out, const struct sim_config *config,
			const struct sim_result *result)
{
	char line[256];
	fputs("<h2>Final state, read back from Redis and SQLite</h2>\n"
	      "<table class=\"kv\">\n", out);
	report_stock_text(result, line, sizeof(line));
	kv(out, "stock", "%s", line);
	kv(out, "orders", "%" PRId64, result->orders);
	report_txns_text(config, result, line, sizeof(line));
	kv(out, "transactions", "%s", line);
	kv(out, "users told", "%" PRId64 " success, %" PRId64 " rejected, %"
	   PRId64 " unknown", result->told[TOLD_SUCCESS],
	   result->told[TOLD_REJECTED], result->told[TOLD_UNKNOWN]);
	report_crashes_text(result, line, sizeof(line));
	kv(out, "run", "%" PRIu64 " steps, %s, %" PRIu64 " transactions"
	   " resolved by the coordinator's cron loop, %" PRId64 " ms virtual",
	   result->steps, line, result->recovered, result->end_ms);
	kv(out, "digest", "%016" PRIx64, result->digest);
	fputs("</table>\n", out);
}

/* What an invariant checks (text, its query's own words), as a paragraph
 * under its name; nothing when its query has no opening comment. */
static void explain_invariant(FILE *out, const char *name, const char *text)
{
	if (!text[0])
		return;
	fputs("<p class=\"why\"><b>", out);
	report_xml_escape(out, name);
	fputs("</b><br/>", out);
	report_xml_escape(out, text);
	fputs("</p>\n", out);
}

/* What each invariant run_id violated checks. */
static void explain_violations(FILE *out, struct tracedb *db, int64_t run_id,
			       const struct invariant_set *invariants)
{
	char names[16][INVARIANT_NAME_MAX], text[2048];
	int count = check_violated_invariants(db, run_id, names, 16);
	for (int i = 0; i < count; i++) {
		invariant_explanation(invariants, names[i], text, sizeof(text));
		explain_invariant(out, names[i], text);
	}
}

/* What the invariant an exploration's failure is named after checks. */
static void explain_failure(FILE *out, const struct explore_stats *stats,
			    const char *key)
{
	for (int i = 0; i < stats->invariant_count; i++)
		if (strcmp(stats->invariant_names[i], key) == 0)
			explain_invariant(out, key, stats->invariant_texts[i]);
}

int report_html_run(FILE *out, struct tracedb *db, int64_t run_id,
		    const struct sim_config *config,
		    const struct sim_result *result, const char *replay,
		    const struct invariant_set *invariants,
		    const struct diagram_users *users,
		    const struct html_scenario *scenario)
{
	char *svg = report_capture_svg(db, run_id, replay, users);
	char *timeline = report_capture(REPORT_TIMELINE, db, run_id, NULL);
	char *violations = report_capture(REPORT_VIOLATIONS, db, run_id, NULL);
	char fired[PLAN_FORMAT_MAX];
	html_begin(out, "run", scenario, "");
	expect_block(out, scenario, "run", "The run",
		     result->verdict != VERDICT_OK);
	fprintf(out, "<div class=\"%s\"><b>verdict: %s</b> ",
		verdict_class(result->verdict), verdict_name(result->verdict));
	if (result->verdict == VERDICT_OK) {
		char held[REPORT_OK_TEXT_MAX + 256];
		report_ok_text(config, invariants, held, sizeof(held));
		report_xml_escape(out, held);
	} else
		report_xml_escape(out, report_problem_text(result));
	fputs("</div>\n<h2>The sale</h2>\n<table class=\"kv\">\n", out);
	sale_rows(out, config, true);
	fault_plan_list(&result->fired, fired, sizeof(fired));
	kv(out, "faults injected", "%s", fired);
	for (int i = 0; i < result->not_fired.count; i++) {
		char line[256];
		report_not_fired(result, i, line, sizeof(line));
		kv(out, "NOT FIRED", "%s", line);
	}
	fputs("</table>\n<h2>Replay</h2>\n", out);
	html_pre(out, replay);
	fputs("<h2>Violations</h2>\n", out);
	if (violations && violations[0]) {
		explain_violations(out, db, run_id, invariants);
		html_pre(out, violations);
	} else
		fputs("<p>none: every invariant holds.</p>\n", out);
	final_state(out, config, result);
	fputs("<h2>Sequence diagram</h2>\n", out);
	diagram_block(out, svg);
	fputs("<h2>Timeline</h2>\n", out);
	timeline_block(out, timeline, true);
	html_end(out);
	free(svg);
	free(timeline);
	free(violations);
	return svg && timeline && violations ? 0 : -1;
}

/* ---- a comparison --------------------------------------------------------- */

static const char *verdict_cell(enum verdict verdict)
{
	return verdict == VERDICT_OK ? "ok" :
	       verdict == VERDICT_VIOLATION ? "violation" : "liveness";
}

/* What each design came to, a row per line of the text report. */
static void compare_table(FILE *out, const struct compare_values *values,
			  const struct compare_design *designs)
{
	fputs("<h2>Side by side</h2>\n<table class=\"grid compare\">\n"
	      "<tr><th></th>", out);
	for (int d = 0; d < 2; d++) {
		fputs("<th>", out);
		report_xml_escape(out, designs[d].title);
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (int i = 0; i < COMPARE_ROWS; i++) {
		fputs("<tr><th>", out);
		report_xml_escape(out, compare_row_names[i]);
		fputs("</th>", out);
		for (int d = 0; d < 2; d++) {
			/* the verdict row in the verdict's colour */
			if (i == COMPARE_VERDICT)
				fprintf(out, "<td class=\"%s\">",
					verdict_cell(designs[d].result.verdict));
			else
				fputs("<td>", out);
			report_xml_escape(out, values->value[d][i]);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* A comparison's two columns, in rows that keep them level: the titles
 * and verdicts, the diagrams, the violations, then the replay commands
 * and the timelines. */
enum compare_part { PART_VERDICT, PART_DIAGRAM, PART_VIOLATIONS,
		    PART_REPLAY };

static void compare_verdict(FILE *out, const struct compare_design *design)
{
	const struct sim_result *result = &design->result;
	fputs("<h2>", out);
	report_xml_escape(out, design->title);
	fprintf(out, "</h2>\n<div class=\"%s\"><b>verdict: %s</b> ",
		verdict_class(result->verdict), verdict_name(result->verdict));
	report_xml_escape(out, result->verdict == VERDICT_OK ?
			  "(every invariant holds)" :
			  report_problem_text(result));
	fputs("</div>\n", out);
}

/* One part of one design's column. Returns 0, or -1 when
 * the design's trace could not be read. */
static int compare_part(FILE *out, const struct compare_design *design,
			enum compare_part part)
{
	char *text = NULL;
	switch (part) {
	case PART_VERDICT:
		compare_verdict(out, design);
		return 0;
	case PART_DIAGRAM:
		text = report_capture_svg(design->db, design->run_id,
					  design->replay, design->users);
		fputs("<h3>Sequence diagram</h3>\n", out);
		diagram_block(out, text);
		break;
	case PART_VIOLATIONS:
		text = report_capture(REPORT_VIOLATIONS, design->db,
				      design->run_id, NULL);
		fputs("<h3>Violations</h3>\n", out);
		if (text && text[0]) {
			explain_violations(out, design->db, design->run_id,
					   design->invariants);
			html_pre(out, text);
		} else if (text)
			fputs("<p>none: every invariant holds.</p>\n", out);
		break;
	case PART_REPLAY:
		text = report_capture(REPORT_TIMELINE, design->db,
				      design->run_id, NULL);
		fputs("<h3>Replay</h3>\n", out);
		html_pre(out, design->replay);
		timeline_block(out, text, false);
		break;
	}
	free(text);
	return text ? 0 : -1;
}

/* One part of both columns. Returns 0, or -1 when a trace could not be
 * read. */
static int compare_row(FILE *out, const struct compare_design *designs,
		       enum compare_part part)
{
	int rc = 0;
	fputs("<div class=\"sides\">\n", out);
	for (int d = 0; d < 2; d++) {
		fputs("<div>\n", out);
		rc |= compare_part(out, &designs[d], part);
		fputs("</div>\n", out);
	}
	fputs("</div>\n", out);
	return rc;
}

int report_html_compare(FILE *out, const struct compare_design *designs,
			const struct html_scenario *scenario)
{
	char designed[160], summary[COMPARE_VALUE_MAX * 2];
	struct compare_values *values = compare_values_make(designs);
	int rc = 0;
	snprintf(designed, sizeof(designed), ": %s and %s",
		 compare_design_name(designs[0].config.variant),
		 compare_design_name(designs[1].config.variant));
	html_begin(out, "compare", scenario, designed);
	expect_block(out, scenario, "compare", "Design A's run",
		     designs[0].result.verdict != VERDICT_OK);
	fputs("<p>The same sale, with the same seed and the same"
	      " faults, under two designs; each run checked on the final"
	      " state read back from Redis and SQLite.</p>\n", out);
	if (!values) {
		fputs("<p>out of memory</p>\n", out);
		html_end(out);
		return -1;
	}
	compare_summary(designs, values, summary, sizeof(summary));
	fputs("<p><b>In short:</b> ", out);
	report_xml_escape(out, summary);
	fputs("</p>\n<h2>The sale</h2>\n<table class=\"kv\">\n", out);
	sale_rows(out, &designs[0].config, false);
	fputs("</table>\n", out);
	compare_table(out, values, designs);
	for (int part = PART_VERDICT; part <= PART_REPLAY; part++)
		rc |= compare_row(out, designs, (enum compare_part)part);
	html_end(out);
	free(values);
	return rc;
}

/* ---- an exploration ------------------------------------------------------- */

static const char *mode_text(enum explore_mode mode)
{
	switch (mode) {
	case EXPLORE_EXHAUSTIVE: return "exhaustive: every single fault";
	case EXPLORE_PAIRS: return "pairs of single faults";
	case EXPLORE_RANDOM: return "random faults";
	case EXPLORE_RECOVERY: return "recovery: every single fault, then"
				      " every fault of each recovery step after"
				      " the fault that starts the recovery";
	}
	return "?";
}

static void explore_summary(FILE *out, const struct cli_options *options,
			    const struct explore_stats *stats)
{
	char kinds[512] = "", cut[256], broken[2048], sold[256];
	char not_fired[REPORT_RUNS_NOT_FIRED_MAX], spent[256];
	size_t used = 0;
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT && used < sizeof(kinds); k++)
		if (options->kinds & KIND_BIT(k))
			used += (size_t)snprintf(kinds + used, sizeof(kinds) - used,
						 "%s%s", used ? ", " : "",
						 fault_kind_name(k));
	fputs("<h2>Summary</h2>\n<table class=\"kv\">\n", out);
	sale_rows(out, &options->config, true);
	kv(out, "mode", "%s", mode_text(options->mode));
	kv(out, "fault kinds", "%s", kinds);
	if (options->shard_count > 1) {
		char share[512];
		report_shard_share(options, stats, share, sizeof(share));
		kv(out, "shard", "%d of %d: %s; the figures below are this"
		   " shard's", options->shard_index + 1, options->shard_count,
		   share);
	}
	report_cut(options, stats, cut, sizeof(cut));
	kv(out, "runs", "%" PRIu64 " of %" PRIu64 " planned%s%s%s; %" PRIu64
	   " faults injected; %" PRIu64 " shrinking runs", stats->done,
	   stats->planned, cut[0] ? " (" : "", cut, cut[0] ? ")" : "",
	   stats->faults_fired, stats->shrink_runs);
	kv(out, "verdicts", "%" PRIu64 " ok, %" PRIu64 " violation, %" PRIu64
	   " liveness", stats->verdicts[VERDICT_OK],
	   stats->verdicts[VERDICT_VIOLATION], stats->verdicts[VERDICT_LIVENESS]);
	report_invariants_broken(stats, broken, sizeof(broken));
	if (broken[0])
		kv(out, "invariants broken", "%s (runs, first or not)", broken);
	report_dry_sale(options, stats, sold, sizeof(sold));
	if (sold[0])
		kv(out, "fault-free run", "%s", sold);
	report_runs_not_fired(options, stats, not_fired, sizeof(not_fired));
	if (not_fired[0])
		kv(out, "not fired", "%s", not_fired);
	report_explore_time(options, stats, spent, sizeof(spent));
	kv(out, "time", "%s", spent);
	fputs("</table>\n", out);
}

static void verdicts_by_kind(FILE *out, const struct explore_stats *stats)
{
	fputs("<h2>Faults injected, by kind</h2>\n<table class=\"grid\">\n"
	      "<tr><th>kind</th><th>faults</th><th>ok</th><th>violation</th>"
	      "<th>liveness</th></tr>\n", out);
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++) {
		const uint64_t *v = stats->by_kind[k];
		fprintf(out, "<tr><td>%s</td><td class=\"num\">%" PRIu64 "</td>"
			"<td class=\"num\">%" PRIu64 "</td><td class=\"num\">%"
			PRIu64 "</td><td class=\"num\">%" PRIu64 "</td></tr>\n",
			fault_kind_name(k), v[VERDICT_OK] + v[VERDICT_VIOLATION] +
			v[VERDICT_LIVENESS], v[VERDICT_OK], v[VERDICT_VIOLATION],
			v[VERDICT_LIVENESS]);
	}
	fputs("</table>\n", out);
}

/* One cell: empty where the kind does not apply; else the runs with that
 * fault there, coloured by the worst verdict. */
static void matrix_cell(FILE *out, const struct explore_stats *stats,
			int point, int kind)
{
	const uint64_t *v = stats->matrix[point][kind];
	uint64_t total = v[VERDICT_OK] + v[VERDICT_VIOLATION] + v[VERDICT_LIVENESS];
	uint64_t failed = v[VERDICT_VIOLATION] + v[VERDICT_LIVENESS];
	if (!point_allows((enum point_id)point, (enum fault_kind)kind)) {
		fputs("<td class=\"na\"></td>", out);
		return;
	}
	if (total == 0) {
		fputs("<td class=\"untried\" title=\"not tried\">-</td>", out);
		return;
	}
	fprintf(out, "<td class=\"%s\" title=\"%" PRIu64 " ok, %" PRIu64
		" violation, %" PRIu64 " liveness\">",
		v[VERDICT_VIOLATION] ? "violation" :
		v[VERDICT_LIVENESS] ? "liveness" : "ok", v[VERDICT_OK],
		v[VERDICT_VIOLATION], v[VERDICT_LIVENESS]);
	if (!failed) {
		fprintf(out, "%" PRIu64 "</td>", total);
		return;
	}
	/* a link to the failure its first failing run was */
	for (int i = 0; i < stats->failure_count; i++)
		if (strcmp(stats->failures[i].key,
			   stats->cell_failure[point][kind]) == 0) {
			fprintf(out, "<a href=\"#failure-%d\" title=\"FAILURE %d\">"
				"%" PRIu64 " of %" PRIu64 "</a></td>", i + 1,
				i + 1, failed, total);
			return;
		}
	fprintf(out, "%" PRIu64 " of %" PRIu64 "</td>", failed, total);
}

static void matrix(FILE *out, const struct explore_stats *stats)
{
	fputs("<h2 id=\"matrix\">Failure points x fault kinds</h2>\n"
	      "<p class=\"legend\">Runs with that fault at that point:"
	      " <span class=\"ok\" style=\"background:#e3f3e7\">n: all ok</span>"
	      "<span style=\"background:#f6c9c4\">f of n: f violations</span>"
	      "<span style=\"background:#ffe1ad\">f of n: f liveness"
	      " failures</span><span style=\"background:#f4f4f4\">the kind"
	      " does not apply</span><span>-: not tried</span></p>\n"
	      "<table class=\"grid matrix\">\n<tr><th>failure point</th>", out);
	for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++)
		fprintf(out, "<th class=\"kind\">%s</th>", fault_kind_name(k));
	fputs("</tr>\n", out);
	for (int p = 0; p < POINT_COUNT; p++) {
		fputs("<tr><td class=\"point\">", out);
		report_xml_escape(out, point_name((enum point_id)p));
		fputs("</td>", out);
		for (int k = FAULT_CRASH; k < FAULT_KIND_COUNT; k++)
			matrix_cell(out, stats, p, k);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void coverage(FILE *out, const struct explore_stats *stats)
{
	int reached = explore_points_reached(stats);
	fprintf(out, "<h2 id=\"coverage\">Coverage</h2>\n<p>%d of the %d failure points in use reached%s;"
		" hits over every run, recovery included. Faults were injected"
		" at %d of them; a single fault goes where the run without the"
		" explored faults goes, so a step only a recovery reaches"
		" (marked <span class=\"never\">no fault</span>) gets faults in"
		" recovery mode, in random mode, or after a fixed fault that"
		" starts a recovery.</p>\n<ul class=\"coverage\">\n", reached,
		stats->points_in_use, reached == stats->points_in_use ? " (all)"
		: "", explore_points_faulted(stats));
	for (int p = 0; p < POINT_COUNT; p++) {
		fputs("<li>", out);
		report_xml_escape(out, point_name((enum point_id)p));
		if (stats->hits[p] && !explore_point_faulted(stats, p))
			fprintf(out, " %" PRIu64 " <span class=\"never\">no"
				" fault</span></li>\n", stats->hits[p]);
		else if (stats->hits[p])
			fprintf(out, " %" PRIu64 "</li>\n", stats->hits[p]);
		else if (!stats->in_use[p])
			fputs(" not in use</li>\n", out);
		else
			fputs(" <span class=\"never\">NEVER reached</span></li>\n",
			      out);
	}
	fputs("</ul>\n", out);
}

/* The checker's report, diagram and timeline of the shrunk run. */
static void shrunk_section(FILE *out, const struct explore_failure *failure)
{
	const struct sim_config *shrunk = &failure->shrunk;
	char plan[PLAN_FORMAT_MAX], check[256];
	fault_plan_list(&shrunk->plan, plan, sizeof(plan));
	kv(out, "shrunk to", "%d user%s, stock %" PRId64 ", %d fault%s",
	   shrunk->users, shrunk->users == 1 ? "" : "s", shrunk->stock,
	   shrunk->plan.count, shrunk->plan.count == 1 ? "" : "s");
	kv(out, "shrunk plan", "%s", plan);
	report_replay_check(failure, check, sizeof(check));
	kv(out, "replay check", "%s", check);
	fputs("</table>\n<p>Replay:</p>\n", out);
	html_pre(out, failure->replay);
	fputs("<p>The checker's report:</p>\n", out);
	html_pre(out, failure->report && failure->report[0] ? failure->report :
		 strcmp(failure->key, "liveness") == 0 ?
		 "(no violated invariant: a liveness failure)" :
		 "(the checker's report could not be read)");
	diagram_block(out, failure->svg);
	timeline_block(out, failure->timeline, false);
}

/* A failure the exploration did not shrink (it ended in an internal
 * error first): the run that found it, and no kept run to draw. */
static void found_section(FILE *out, const struct cli_options *options,
			  const struct explore_stats *stats,
			  const struct explore_failure *failure)
{
	const struct sim_config *first = &failure->first;
	char plan[PLAN_FORMAT_MAX], found[64], replay[4096];
	fault_plan_list(&failure->first_fired, plan, sizeof(plan));
	report_failure_found(stats, failure, found, sizeof(found));
	report_failure_found_replay(options, failure, replay, sizeof(replay));
	kv(out, "NOT SHRUNK", "%s", REPORT_NOT_SHRUNK);
	kv(out, "found in", "%s: %d user%s, stock %" PRId64 ", %d fault%s",
	   found, first->users, first->users == 1 ? "" : "s", first->stock,
	   failure->first_fired.count,
	   failure->first_fired.count == 1 ? "" : "s");
	kv(out, "its faults", "%s", plan);
	fputs("</table>\n<p>The run as found (not shrunk, not replayed):</p>\n",
	      out);
	html_pre(out, replay);
	fputs("<p class=\"note\">(no checker's report, diagram or timeline: no"
	      " run of this failure was kept)</p>\n", out);
}

static void failure_section(FILE *out, const struct cli_options *options,
			    const struct explore_stats *stats, int number,
			    const struct explore_failure *failure)
{
	fprintf(out, "<div class=\"failure\" id=\"failure-%d\">\n<h3>FAILURE"
		" %d: ", number, number);
	report_xml_escape(out, failure->key);
	fprintf(out, " (%" PRIu64 " run%s)</h3>\n", failure->count,
		failure->count == 1 ? "" : "s");
	explain_failure(out, stats, failure->key);
	fputs("<table class=\"kv\">\n", out);
	kv(out, "problem", "%s", failure->problem);
	if (report_failure_shrunk(failure))
		shrunk_section(out, failure);
	else
		found_section(out, options, stats, failure);
	fputs("</div>\n", out);
}

/* The headline: the failures found, or that there is no verdict. */
static void explore_headline(FILE *out, const struct explore_stats *stats,
			     const char *error)
{
	if (error) {
		char line[1400];
		report_no_verdict(stats, error, line, sizeof(line));
		fputs("<div class=\"verdict verdict-error\"><b>", out);
		report_xml_escape(out, line);
		fputs("</b></div>\n", out);
		return;
	}
	fprintf(out, "<div class=\"%s\"><b>",
		verdict_class(explore_verdict(stats)));
	if (stats->failure_count == 0)
		fprintf(out, "no failure in %" PRIu64 " run%s", stats->done,
			stats->done == 1 ? "" : "s");
	else
		fprintf(out, "%d distinct failure%s in %" PRIu64 " run%s",
			stats->failure_count,
			stats->failure_count == 1 ? "" : "s", stats->done,
			stats->done == 1 ? "" : "s");
	if (stats->fault_free_failed)
		fputs(": the sale fails without any fault, so no fault was"
		      " tried", out);
	fputs("</b></div>\n", out);
}

int report_html_explore(FILE *out, const struct cli_options *options,
			const struct explore_stats *stats, const char *error,
			const struct html_scenario *scenario)
{
	html_begin(out, "explore", scenario, "");
	/* no verdict, no expectation judged: the block says nothing */
	expect_block(out, scenario, "explore", "The exploration",
		     explore_verdict(stats) != VERDICT_OK);
	explore_headline(out, stats, error);
	fputs("<p>On this page: the summary, the <a href=\"#matrix\">"
	      "matrix</a> of failure points x fault kinds (a failing cell"
	      " links to its failure), the <a href=\"#failures\">failures</a>"
	      " (each with its diagram), the <a href=\"#coverage\">coverage"
	      "</a>.</p>\n", out);
	explore_summary(out, options, stats);
	verdicts_by_kind(out, stats);
	matrix(out, stats);
	fputs("<h2 id=\"failures\">Failures</h2>\n", out);
	if (stats->failure_count == 0)
		fputs("<p>none.</p>\n", out);
	for (int i = 0; i < stats->failure_count; i++)
		failure_section(out, options, stats, i + 1, &stats->failures[i]);
	if (stats->failures_dropped)
		fprintf(out, "<p>(%" PRIu64 " more runs failed in ways past the"
			" first %d)</p>\n", stats->failures_dropped,
			EXPLORE_FAILURES_MAX);
	coverage(out, stats);
	html_end(out);
	return 0;
}

/* ---- the files ------------------------------------------------------------ */

struct run_files {
	const char *command;           /* a page of no verdict: whose */
	const struct cli_options *options;
	struct tracedb *db;
	int64_t run_id;
	const struct sim_result *result;
	const char *replay;
	const struct explore_stats *stats;
	const char *error;             /* the exploration's, or NULL */
	const struct invariant_set *invariants; /* the run's */
	const struct compare_design *designs;   /* compare's two */
	const struct expect_outcome *expect;    /* the scenario's, judged */
};

/* What the page says of the scenario file options ran, if any. */
static struct html_scenario scenario_of(const struct run_files *what)
{
	const struct cli_options *options = what->options;
	struct html_scenario scenario = {
		.file = options->scenario,
		.name = options->scenario_name,
		.description = options->scenario_description,
		.expect = &options->expect,
		.outcome = what->expect,
	};
	return scenario;
}

typedef int (*file_writer)(FILE *out, const struct run_files *what);

static int write_svg(FILE *out, const struct run_files *what)
{
	return report_svg(out, what->db, what->run_id, what->replay,
			  &what->options->diagram_users);
}

static int write_run_html(FILE *out, const struct run_files *what)
{
	struct html_scenario scenario = scenario_of(what);
	return report_html_run(out, what->db, what->run_id,
			       &what->options->config, what->result,
			       what->replay, what->invariants,
			       &what->options->diagram_users, &scenario);
}

static int write_explore_html(FILE *out, const struct run_files *what)
{
	struct html_scenario scenario = scenario_of(what);
	return report_html_explore(out, what->options, what->stats,
				   what->error, &scenario);
}

static int write_compare_html(FILE *out, const struct run_files *what)
{
	struct html_scenario scenario = scenario_of(what);
	return report_html_compare(out, what->designs, &scenario);
}

/* A page of no verdict: the command, its scenario file, and why. */
static int write_no_verdict_html(FILE *out, const struct run_files *what)
{
	struct html_scenario scenario = scenario_of(what);
	html_begin(out, what->command, &scenario, "");
	fputs("<div class=\"verdict verdict-error\"><b>no verdict: ", out);
	report_xml_escape(out, what->error);
	fputs("</b></div>\n", out);
	html_end(out);
	return 0;
}

static int write_no_verdict_svg(FILE *out, const struct run_files *what)
{
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\""
	      " height=\"48\" viewBox=\"0 0 960 48\">\n<text x=\"12\""
	      " y=\"30\" font-family=\"sans-serif\" font-size=\"14\">flashsim ",
	      out);
	report_xml_escape(out, what->command);
	fputs(": no verdict: ", out);
	report_xml_escape(out, what->error);
	fputs("</text>\n</svg>\n", out);
	return 0;
}

/* Writes path whole or not at all (whole_file.h): a report that stops
 * half-way is never left where the whole one was asked for. */
static int write_file(const char *path, file_writer writer,
		      const struct run_files *what)
{
	struct whole_file file;
	char error[4400];
	if (whole_file_open(&file, path, error, sizeof(error)) != 0) {
		fprintf(stderr, "flashsim: cannot write %s\n", error);
		return EXIT_INTERNAL;
	}
	if (writer(file.out, what) != 0) {
		whole_file_close(&file, false, error, sizeof(error));
		fprintf(stderr, "flashsim: cannot write %s: the trace database"
			" could not be read\n", path);
		return EXIT_INTERNAL;
	}
	if (whole_file_close(&file, true, error, sizeof(error)) != 0) {
		fprintf(stderr, "flashsim: cannot write %s\n", error);
		return EXIT_INTERNAL;
	}
	return 0;
}

int report_run_files(const struct cli_options *options, struct tracedb *db,
		     int64_t run_id, const struct sim_result *result,
		     const char *replay, const struct invariant_set *invariants,
		     const struct expect_outcome *expect)
{
	struct run_files what = { .options = options, .db = db,
				  .run_id = run_id, .result = result,
				  .replay = replay, .invariants = invariants,
				  .expect = expect };
	int rc = 0;
	fflush(stdout); /* the verdict comes before any error of ours */
	if (options->svg_path && write_file(options->svg_path, write_svg, &what))
		rc = EXIT_INTERNAL;
	if (options->html_path &&
	    write_file(options->html_path, write_run_html, &what))
		rc = EXIT_INTERNAL;
	return rc;
}

void report_no_verdict_files(const struct cli_options *options,
			     const char *command, const char *error)
{
	struct run_files what = { .command = command, .options = options,
				  .error = error };
	fflush(stdout);
	if (options->svg_path)
		(void)write_file(options->svg_path, write_no_verdict_svg, &what);
	if (options->html_path)
		(void)write_file(options->html_path, write_no_verdict_html,
				 &what);
}

int report_explore_file(const struct cli_options *options,
			const struct explore_stats *stats, const char *error,
			const struct expect_outcome *expect)
{
	struct run_files what = { .options = options, .stats = stats,
				  .error = error, .expect = expect };
	if (!options->html_path)
		return 0;
	fflush(stdout);
	return write_file(options->html_path, write_explore_html, &what);
}

int report_compare_file(const struct cli_options *options,
			const struct compare_design *designs,
			const struct expect_outcome *expect)
{
	struct run_files what = { .options = options, .designs = designs,
				  .expect = expect };
	if (!options->html_path)
		return 0;
	fflush(stdout);
	return write_file(options->html_path, write_compare_html, &what);
}
